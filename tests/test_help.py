"""`--help` of every command is complete and the README documents every flag."""

import argparse
import re

from interp.cli import build_parser
from tests.cli import REPO, interp

README = (REPO / "README.md").read_text()


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_subcommand_is_documented_in_the_readme():
    for name in subcommands():
        assert f"interp {name}" in README, name


def test_every_flag_has_help_and_each_of_its_spellings_is_in_the_readme():
    undocumented = []
    for name, parser in {"": build_parser(), **subcommands()}.items():
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            assert action.help, f"interp {name} {action.option_strings} has no help"
            # Every spelling a user may meet in --help: the long form and the short one.
            for flag in action.option_strings:
                if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", README):
                    undocumented.append(f"interp {name} {flag}")
    assert undocumented == []


def test_help_runs_for_every_subcommand():
    for name in subcommands():
        result = interp(name, "--help")
        assert result.code == 0 and result.stdout.startswith("usage: interp " + name), name


def test_the_command_table_names_every_subcommand_in_order():
    from interp.cli import COMMANDS

    assert list(subcommands()) == list(COMMANDS)


def test_only_the_chosen_subcommand_is_built():
    """Building every subcommand's parser imports every command module: start-up cost for nothing."""
    from interp.cli import build_parser, chosen_command

    assert chosen_command(["--config", "render", "check", "x.yml"]) == "check"  # --config takes a value
    assert chosen_command(["--no-config", "render", "-o", "vars"]) == "render"
    assert chosen_command(["--version"]) is None and chosen_command(["nope"]) is None
    (action,) = [a for a in build_parser("render")._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(action.choices) == ["render"]
    unknown = interp("nope")
    assert unknown.code == 2 and "render" in unknown.stderr and "audit" in unknown.stderr

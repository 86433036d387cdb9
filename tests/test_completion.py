"""`interp completion SHELL` is generated from the parser: every command and flag is in it."""

from __future__ import annotations

import argparse
import shutil
import subprocess

import pytest

from interp.cli import build_parser
from interp.commands.completion import SHELLS
from tests.cli import interp


def commands_and_flags() -> dict[str, list[str]]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {
        name: [flag for a in sub._actions if a.help != argparse.SUPPRESS for flag in a.option_strings]
        for name, sub in action.choices.items()
    }


@pytest.mark.parametrize("shell", SHELLS)
def test_every_command_and_flag_is_completed(shell: str) -> None:
    result = interp("completion", shell)
    assert result.code == 0 and result.stderr == ""
    for name, flags in commands_and_flags().items():
        assert name in result.stdout, name
        for flag in flags:
            spelled = flag
            if shell == "fish":  # fish spells them `-l name` and `-s v`
                spelled = f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}"
            assert spelled in result.stdout, (name, flag)


def test_bash_script_is_valid_bash_and_completes_a_flag() -> None:
    script = interp("completion", "bash").stdout
    subprocess.run(["bash", "-n"], input=script.encode(), check=True)
    probe = script + 'COMP_WORDS=(interp render --skip); COMP_CWORD=2; _interp; printf "%s\\n" "${COMPREPLY[@]}"\n'
    completed = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.split() == ["--skip-missing"]
    probe = script + 'COMP_WORDS=(interp ex); COMP_CWORD=1; _interp; printf "%s\\n" "${COMPREPLY[@]}"\n'
    assert subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True).stdout.split() == ["explain"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_parse_it_when_installed(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    script = interp("completion", shell).stdout
    subprocess.run([shell, "-n"], input=script.encode(), check=True)


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = interp("completion", "tcsh")
    assert result.code == 2 and "invalid choice: 'tcsh'" in result.stderr

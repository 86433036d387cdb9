"""Argument groups several subcommands share.

They live here, not in interp.cli, so that interp.cli imports the commands and
no command imports interp.cli: the import graph has one direction.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_static_var_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "static vars (as fly takes them: -i beats -y beats -v whatever their order; all beat -l)"
    )
    group.add_argument(
        "-v", "--var", action="append", default=[], metavar="NAME=STRING",
        help="a string var; NAME may name a field: -v 'repo.branch=main'",
    )  # fmt: skip
    group.add_argument(
        "-y", "--yaml-var", action="append", default=[], metavar="NAME=YAML",
        help="a var whose value is read as YAML 1.1, as fly reads it: -y 'ports=[80, 443]' (0644 is 420, yes is true)",
    )  # fmt: skip
    group.add_argument(
        "-i", "--instance-var", action="append", default=[], metavar="NAME=YAML",
        help="an instance var of an instanced pipeline, used as a var as fly does (read like -y)",
    )  # fmt: skip
    group.add_argument(
        "-l", "--load-vars-from", action="append", default=[], metavar="FILE",
        help="a YAML file mapping var names to values (repeatable; later files win)",
    )  # fmt: skip


def add_lookup_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("secret lookup")
    group.add_argument(
        "--team", help="the Concourse team; enables lookups under its paths in the team's store "
        "(AWS Secrets Manager, or SSM Parameter Store when --aws-ssm-region is set)"
    )
    group.add_argument(
        "--pipeline",
        help="the pipeline name; adds the pipeline-scoped path (without it, as for a one-off "
        "task, only team and shared paths are searched)",
    )
    group.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="a local YAML mapping of secret id to SecretString (with SSM selected: parameter "
        "name to text), looked up with exactly the selected store's rules (offline work, demos, "
        "tests); needs --team",
    )
    from interp.sources import aws_flags

    aws_flags.add_arguments(parser)


def add_format_argument(parser: argparse.ArgumentParser, json_help: str, *, deprecated_json: bool = False) -> None:
    """`--format text|json`, the one spelling of machine output across commands.

    With `deprecated_json`, the command's old `--json` flag keeps working for one release
    as an alias of `--format json`.
    """
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help=f"text (default): for people; json: {json_help}",
    )
    if deprecated_json:
        parser.add_argument(
            "--json",
            dest="format",
            action="store_const",
            const="json",
            help="deprecated spelling of --format json (kept for one release)",
        )


class _ExcludeAction(argparse.Action):
    """--exclude GLOB (repeatable): kept on the arguments and made the run's exclusion, so
    every directory expansion of the command (interp.commands.inputs) leaves those files out."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None) -> None:
        from interp.commands.inputs import Exclusion, set_exclusion

        globs = [*getattr(namespace, self.dest, []), str(values)]
        setattr(namespace, self.dest, globs)
        set_exclusion(Exclusion(globs))


def add_exclude_argument(parser: argparse.ArgumentParser) -> None:
    """`--exclude GLOB` for the commands that expand directories (check, render, audit)."""
    from interp.commands.inputs import Exclusion, reset_excluded, set_exclusion

    set_exclusion(Exclusion())  # a new parser is a new run: nothing excluded yet
    reset_excluded()
    parser.add_argument(
        "--exclude",
        action=_ExcludeAction,
        dest="exclude_globs",
        default=[],
        metavar="GLOB",
        help="skip the files of a directory argument that match GLOB, relative to that directory "
        "('legacy/**', '*-old.yml'); repeatable, added to exclude: in .interp.yml; a file named "
        "on the command line is always read",
    )

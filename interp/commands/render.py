"""`interp render`: templates in, rendered pipelines out (stdout, -o FILE, or --out-dir DIR)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from interp.errors import ConfigError, ExitCode, InterpError, Location, Problem

HELP = "render pipeline templates with their ((vars)) resolved"
DESCRIPTION = """\
Resolve every ((var)) of the given templates and write the result. Static vars
answer first; with --team, the rest are looked up in AWS Secrets Manager
(pipeline path, then team path, then shared path). Everything that needs no
substitution stays byte for byte. Strict by default: every reference must
resolve, and every undefined one is reported with its file:line:col.
Nothing is written when anything fails.
"""


def add_parser(commands: Any) -> None:
    from interp.cli import add_lookup_arguments, add_static_var_arguments

    parser = commands.add_parser(
        "render", help=HELP, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="pipeline template(s); - reads standard input")
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "-o", "--output", metavar="OUT", help="write to OUT atomically (mode 0600) instead of standard output"
    )
    output.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write each rendered FILE into DIR under its own name; all files or none",
    )
    parser.add_argument(
        "--skip-missing",
        action="store_true",
        help="leave references nothing can resolve exactly as written (what fly set-pipeline does)",
    )
    parser.add_argument(
        "--resolve-var-sources",
        action="store_true",
        help="also resolve ((source:name)) for the pipeline's own var_sources that interp can reach "
        "(dummy, secretsmanager); by default they stay for Concourse to resolve at run time",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="resolve everything but write ((redacted)) wherever a secret-derived value would go",
    )
    add_static_var_arguments(parser)
    add_lookup_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.common import credentials_from_args, static_vars_from_args
    from interp.output import write_atomically
    from interp.render import render_files

    files = args.files
    if files.count("-") > 0 and len(files) > 1:
        raise ConfigError("standard input (-) can only be rendered on its own")
    if len(files) > 1 and not args.out_dir:
        raise ConfigError("rendering several files needs --out-dir DIR")
    targets = _targets(files, args.out_dir)

    rendered = render_files(
        files,
        vars=static_vars_from_args(args),
        skip_missing=args.skip_missing,
        resolve_var_sources=args.resolve_var_sources,
        redact=args.redact,
        credentials=credentials_from_args(args, environ),
    )
    encoded = [text.encode("utf-8") for text in rendered]
    if args.output or targets:
        files = [(Path(args.output), encoded[0])] if args.output else list(zip(targets, encoded, strict=True))
        try:
            write_atomically(files)
        except OSError as error:
            where = Location(str(error.filename or files[0][0]))
            raise InterpError([Problem(where, f"cannot write output: {error.strerror or error}")]) from None
    else:
        sys.stdout.buffer.write(encoded[0])
        sys.stdout.buffer.flush()
    return ExitCode.OK


def _targets(files: list[str], out_dir: str | None) -> list[Path]:
    if not out_dir:
        return []
    directory = Path(out_dir)
    if not directory.is_dir():
        raise ConfigError(f"--out-dir {out_dir}: not a directory")
    names = [Path(f).name for f in files]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ConfigError(f"--out-dir: several inputs are named {', '.join(clashes)}")
    return [directory / name for name in names]

"""`interp get NAME --team T`: one var's resolved value, as `vals get` and `credhub get` print it.

It prints a secret value on purpose (for scripts and debugging); every error is a render's,
and, like a render's, never holds a value.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from interp.errors import ConfigError, ExitCode, InterpError, Location, Problem

HELP = "print one var's resolved value (a secret, in clear: for scripts and debugging)"
DESCRIPTION = """\
Resolve one var exactly as a render would (static vars first, then the
pipeline, team and shared paths in the AWS store: Secrets Manager, or SSM
Parameter Store when --aws-ssm-region is set; with the cross-team guard) and
print its value: a string as it is (with a newline added only when it does not
already end in one, so `> key.pem` writes the text byte for byte), anything
else (a map, list, number, bool, null) as JSON and a newline. An SSM value is a
string (by name) or a map of strings (by path, printed as JSON). Fields work:
interp get db.password --team main.

This PRINTS THE SECRET. Errors are the render's, with no value in them.
"""
EPILOG = """\
exit codes: 0 printed, 1 unresolvable, 2 usage or configuration, 3 the secret
backend failed (as for render).
"""


def add_parser(commands: Any) -> None:
    from interp.commands.arguments import add_lookup_arguments, add_static_var_arguments

    parser = commands.add_parser(
        "get",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="the var as written inside ((...)), e.g. db.password")
    add_static_var_arguments(parser)
    add_lookup_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.common import credentials_from_args, static_vars_from_args
    from interp.engine import resolve_reference
    from interp.reference import Reference, ReferenceSyntaxError, parse_name_argument
    from interp.render_report import reporting
    from interp.resolution import make_resolver

    try:
        reference = parse_name_argument(args.name)
    except ReferenceSyntaxError as error:
        raise ConfigError(f"NAME {args.name}: {error}") from None
    if reference.source is not None:
        raise ConfigError(f"NAME {args.name}: get reads vars without a source (((source:name)) is the pipeline's)")
    resolver = make_resolver(vars=static_vars_from_args(args), credentials=credentials_from_args(args, environ))
    with reporting(command_line=True):
        value = resolve_reference(reference, resolver, Location("interp get"))
    whole = Reference(None, reference.path).canonical if reference.fields else None
    sys.stdout.buffer.write(printed(value, args.name, whole=whole))
    sys.stdout.flush()
    return ExitCode.OK


def printed(value: Any, name: str, *, whole: str | None = None) -> bytes:
    """The value as `get` prints it, in UTF-8 as render writes: a string as it is, with a newline
    added only when it does not already end in one (a PEM key redirected to a file comes back
    byte for byte), anything else as JSON and a newline. A lone surrogate (a `\\ud800` escape in
    a secret's JSON) has no UTF-8 form: in JSON it is written as that escape again, which reads
    back as exactly the value; a string holding one cannot be printed as it is, and anything
    else would hand a script a wrong value, so it is an error (naming the var, never the value).
    `whole` is the secret a field came from."""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, default=str).encode("utf-8", "backslashreplace") + b"\n"
    try:
        encoded = value.encode("utf-8")
    except UnicodeEncodeError:
        hint = f"; `interp get {whole}` prints the whole secret as JSON, the character escaped" if whole else ""
        message = (
            f"var {name}: the value holds a lone surrogate (a \\ud800-style escape in JSON), which UTF-8 "
            f"cannot encode, so it cannot be printed as it is; nothing printed{hint}"
        )
        raise InterpError([Problem(Location("interp get"), message)]) from None
    return encoded if encoded.endswith(b"\n") else encoded + b"\n"

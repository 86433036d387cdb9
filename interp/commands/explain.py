"""`interp explain`: for each reference, every candidate secret id and what the store says about it."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any

from interp.errors import ConfigError, ExitCode

HELP = "show, per reference, every candidate secret id and which one wins (never a value)"
DESCRIPTION = """\
Explain how each default-source ((var)) reference resolves for a team (and
pipeline): static vars (-v/-y/-l) answer first and are shown as "static var";
otherwise every candidate secret id is listed in lookup order (pipeline, team,
shared) with what it is:

  found       it exists; for a JSON object, its top-level keys
  not found   ResourceNotFoundException (or marked for deletion)
  denied      AccessDeniedException (or another authorisation code)
  error       any other AWS error code
  skipped     by the cross-team guard, with the reason

and which one wins. Unlike render, explain looks up EVERY candidate, so it
can say which exist; a candidate a render would not reach (an earlier one
exists or failed: only a missing secret falls through) is marked so. For the
winner, it says whether the reference's field path resolves. It never prints a
value, nor a value's length.

References come from FILEs and from --name (both may be given). References
with a source (((source:name)), ((.:name))) are listed but not explained.
Works with --secrets-file (same rules, local store) and every AWS Secrets
Manager setting.

exit codes: 0 every reference resolves, 1 some do not (or use an undeclared
var source), 2 usage or configuration, 3 the secret backend failed for a
reference a render would need (denied included, as in render).
"""


def add_parser(commands: Any) -> None:
    from interp.commands.arguments import add_static_var_arguments
    from interp.sources import aws_settings

    parser = commands.add_parser(
        "explain", help=HELP, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="pipeline template(s) whose references to explain; - reads standard input"
    )
    parser.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="NAME",
        help="explain this var name (as inside ((...)), e.g. db.password) without a file; repeatable",
    )
    parser.add_argument("--json", action="store_true", help="print the explanation as JSON")
    parser.add_argument(
        "--failing", action="store_true", help="show only the references that do not resolve (exit code unchanged)"
    )
    group = parser.add_argument_group("secret lookup")
    group.add_argument("--team", required=True, help="the Concourse team whose lookup paths are explained")
    group.add_argument(
        "--pipeline",
        help="the pipeline name; adds the pipeline-scoped path (without it, as for a one-off task, "
        "only team and shared paths are searched)",
    )
    group.add_argument(
        "--secrets-file",
        metavar="FILE",
        help="a local YAML mapping of secret id to SecretString, explained with exactly the rules of "
        "AWS Secrets Manager instead of asking AWS",
    )
    add_static_var_arguments(parser)
    aws_settings.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.common import credentials_from_args, static_vars_from_args
    from interp.commands.vars import collect_references
    from interp.explain import explain_references, format_text
    from interp.reference import Reference, ReferenceSyntaxError, parse_name_argument

    if not args.files and not args.name:
        raise ConfigError("explain needs a FILE or --name NAME")
    if args.files.count("-") > 1:
        raise ConfigError("standard input (-) can be read only once")

    named = []
    for name in args.name:
        try:
            reference = parse_name_argument(name)
        except ReferenceSyntaxError as error:
            raise ConfigError(f"--name {name}: {error}") from None
        if reference.source is not None:
            raise ConfigError(f"--name {name}: explain covers references without a source only")
        named.append(reference)

    static = static_vars_from_args(args)
    source = credentials_from_args(args, environ)
    assert source is not None  # --team is required
    store = f"secrets file {args.secrets_file}" if args.secrets_file is not None else "AWS Secrets Manager"

    entries = collect_references(args.files) if args.files else []
    references: dict[Reference, list] = {}
    others = []
    for entry in entries:
        if entry.kind != "default":
            others.append(entry)
            continue
        references[Reference(None, entry.path, entry.fields)] = entry.locations
    for reference in named:
        references.setdefault(reference, [])

    explanation = explain_references(list(references.items()), static=static, source=source, store=store)
    undeclared = [e for e in others if e.kind == "undeclared_source"]
    if args.failing:
        explanation.only_failing()
        others = undeclared
    if args.json:
        data = explanation.as_json()
        data["not_explained"] = [{"name": e.name, "kind": e.kind} for e in others]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        text = format_text(explanation)
        if others:
            listed = ", ".join(f"(({e.name})) {e.kind}" for e in others)
            text += f"not explained (they do not use the default source): {listed}\n"
        sys.stdout.write(text)
    sys.stdout.flush()
    code = explanation.exit_code
    if code == ExitCode.OK and undeclared:
        return ExitCode.BAD_INPUT
    return code

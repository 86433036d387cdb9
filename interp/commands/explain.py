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
otherwise every candidate id is listed in lookup order (pipeline, team,
shared) with what it is:

  found       it exists; Secrets Manager: for a JSON object, its top-level
              keys; SSM Parameter Store: by name (GetParameter, a string) or
              by path (GetParametersByPath, a map: the names below it)
  not found   Secrets Manager: ResourceNotFoundException (or scheduled for
              deletion: then its deletion date and `aws secretsmanager
              restore-secret --secret-id ID`, from DescribeSecret); SSM:
              neither by name nor by path
  denied      AccessDeniedException (or another authorisation code); SSM:
              which call, and what to allow (the action on the ARN, or
              kms:Decrypt on a SecureString's key)
  error       any other AWS error code

A refusal by KMS (Secrets Manager's DecryptionFailure, an
AccessDeniedException in KMS's words, SSM's InvalidKeyId) is named as one:
the key, from AWS's message or the secret's metadata (DescribeSecret's
KmsKeyId, DescribeParameters' KeyId), and the next step, kms:Decrypt on it
through the store (`interp policy --kms-key KEY_ARN` prints the statement).
  skipped     by the cross-team guard, with the reason

and which one wins. Unlike render, explain looks up EVERY candidate, so it
can say which exist; a candidate a render would not reach (an earlier one
exists or failed: only a missing secret falls through) is marked so. For the
winner, it says whether the reference's field path resolves. It never prints a
value, nor a value's length.

References come from FILEs, or from --name alone. Given with FILEs, --name
keeps only the FILEs' references to that name (a name without fields, such as
db, keeps db.user and db.password too); a name no FILE references is a usage
error. References with a source (((source:name)), ((.:name))) are listed but not explained.
Works with --secrets-file (same rules, local store) and every setting of
either AWS store (SSM Parameter Store when --aws-ssm-region is set).
"""
EPILOG = """\
exit codes: 0 every reference resolves, 1 some do not (or use an undeclared
var source), 2 usage or configuration, 3 the secret backend failed for a
reference a render would need (denied included, as in render).
"""


def add_parser(commands: Any) -> None:
    from interp.commands import pipeline_naming
    from interp.commands.arguments import (
        add_format_argument,
        add_lookup_arguments,
        add_static_var_arguments,
    )

    parser = commands.add_parser(
        "explain",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="pipeline template(s) whose references to explain; a directory means every pipeline file "
        "under it; - reads standard input",
    )
    parser.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="NAME",
        help="explain this var name (as inside ((...)), e.g. db.password); with FILEs, only the FILEs' "
        "references to it (db also matches db.user); repeatable",
    )
    add_format_argument(parser, "the explanation as one JSON object", deprecated_json=True)
    parser.add_argument(
        "--failing", action="store_true", help="show only the references that do not resolve (exit code unchanged)"
    )
    pipeline_naming.add_arguments(parser)
    add_static_var_arguments(parser)
    add_lookup_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    import copy

    from interp.commands.common import credentials_from_args, static_vars_from_args
    from interp.commands.inputs import pipeline_files
    from interp.commands.pipeline_naming import group_by_pipeline
    from interp.commands.vars import collect_references
    from interp.explain import explain_references, format_text
    from interp.reference import Reference, ReferenceSyntaxError, parse_name_argument

    if not args.files and not args.name:
        raise ConfigError("explain needs a FILE or --name NAME")
    if args.team is None:
        raise ConfigError("explain needs --team (or team: in the project settings): the lookup paths are the team's")
    if args.pipeline_from is not None and args.pipeline is not None:
        raise ConfigError(f"--pipeline and --pipeline-from {args.pipeline_from} exclude each other")

    named = []
    for name in args.name:
        try:
            reference = parse_name_argument(name)
        except ReferenceSyntaxError as error:
            raise ConfigError(f"--name {name}: {error}") from None
        if reference.source is not None:
            raise ConfigError(f"--name {name}: explain covers references without a source only")
        named.append(reference)

    files = pipeline_files(args.files) if args.files else []
    # Files named apart (--pipeline-from) are explained per pipeline, as render would look them up;
    # without files there is nothing to name a pipeline after.
    naming = args.pipeline_from if files else None
    static = static_vars_from_args(args)

    explanations = []
    others: list = []
    matched: set[Reference] = set()
    for pipeline, group in group_by_pipeline(files, naming):
        scoped = copy.copy(args)
        if pipeline is not None:
            scoped.pipeline = pipeline
        source = credentials_from_args(scoped, environ)
        assert source is not None  # a team is set
        store = _store_label(source, args.secrets_file)
        references: dict[Reference, list] = {}
        for entry in collect_references(group) if group else []:
            if entry.kind != "default":
                others.append(entry)
                continue
            references[Reference(None, entry.path, entry.fields)] = entry.locations
        if files and named:  # --name with FILEs: only the FILEs' references to those names
            references = {r: places for r, places in references.items() if _asked_for(r, named, matched)}
            if not references and naming is not None:
                continue  # this pipeline's files do not use the names
        for reference in named if not files else ():
            references.setdefault(reference, [])
        explanations.append(explain_references(list(references.items()), static=static, source=source, store=store))

    if files and named:
        unmatched = [r.canonical for r in named if r not in matched]
        if unmatched:
            where = ", ".join(files) if len(files) <= 3 else f"{', '.join(files[:3])} and {len(files) - 3} more"
            raise ConfigError(
                f"--name {', '.join(unmatched)}: not referenced in {where} (explain --name NAME without a FILE "
                "explains a name on its own)"
            )
        others = []  # sourced references are not asked about
    undeclared = [e for e in others if e.kind == "undeclared_source"]
    if args.failing:
        for explanation in explanations:
            explanation.only_failing()
        others = undeclared
    not_explained = [{"name": e.name, "kind": e.kind} for e in others]
    if args.format == "json":
        if naming is None:
            data = explanations[0].as_json()
            data["not_explained"] = not_explained
        else:  # one object per pipeline
            data = {"pipelines": [e.as_json() for e in explanations], "not_explained": not_explained}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        text = "\n".join(format_text(explanation) for explanation in explanations)
        if others:
            listed = ", ".join(f"(({e.name})) {e.kind}" for e in others)
            text += f"not explained (they do not use the default source): {listed}\n"
        sys.stdout.write(text)
    sys.stdout.flush()
    codes = [explanation.exit_code for explanation in explanations]
    if ExitCode.BACKEND in codes:
        return ExitCode.BACKEND
    if ExitCode.BAD_INPUT in codes or undeclared:
        return ExitCode.BAD_INPUT
    return ExitCode.OK


def _store_label(source: Any, secrets_file: str | None) -> str:
    """The store the lookups read, as the explanation names it."""
    if secrets_file is not None:
        return f"secrets file {secrets_file}"
    store = getattr(getattr(source, "settings", None), "STORE", None)
    return f"AWS {store}" if store else "AWS Secrets Manager"


def _asked_for(reference: Any, named: list, matched: set) -> bool:
    """Whether a FILE's reference is one --name asks for: the same name, or (a name without
    fields) the same path. Records which names matched."""
    hits = [n for n in named if n == reference or (not n.fields and n.path == reference.path)]
    matched.update(hits)
    return bool(hits)

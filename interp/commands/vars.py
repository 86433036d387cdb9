"""`interp vars`: every ((var)) reference of some templates, where it stands and what kind it is.

Offline by construction: it reads the files, scans them with the render's own
scanner (`interp.scan.scan`) and prints names and places. It never looks a
value up and never imports the AWS SDK.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from interp.errors import ExitCode, InterpError, Location, Problem

HELP = "list every ((var)) reference with its source, path, fields and places (offline)"
DESCRIPTION = """\
List every ((var)) reference of the given templates, grouped by reference
(its canonical name, as Concourse prints it) and sorted by name, with every
place it occurs as file:line:col. Nothing is looked up: no network, no
values. Each reference has a kind:

  default            no source: static vars, then the credential manager
                     (AWS Secrets Manager or SSM Parameter Store) answer it
  local              ((.:name)), a runtime local var (load_var, across)
  var_source         ((source:name)) for a source declared in the file's
                     var_sources (its type is shown)
  undeclared_source  ((source:name)) for a source the file does not declare
                     (render reports it as an error)

A file must scan cleanly, as for render: an invalid ((var)) name or a
duplicate key is reported with its file:line:col and exits 1.
"""
EPILOG = """\
exit codes: 0 listed, 1 a file does not read or scan (file:line:col), 2 usage.
"""

KINDS = ("default", "local", "var_source", "undeclared_source")


@dataclass
class ReferenceEntry:
    """One reference (canonical name and kind) and every place it occurs."""

    name: str
    source: str | None
    path: str
    fields: tuple[str, ...]
    kind: str
    source_type: str | None = None  # the declared type of a var_source (vault, dummy, ...)
    locations: list[Location] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "source": self.source,
            "path": self.path,
            "fields": list(self.fields),
            "kind": self.kind,
        }
        if self.kind == "var_source":
            data["source_type"] = self.source_type
        data["locations"] = [{"file": loc.file, "line": loc.line, "column": loc.column} for loc in self.locations]
        return data


def collect_references(files: Sequence[str]) -> list[ReferenceEntry]:
    """Every reference of `files`, grouped and sorted; raise InterpError (exit 1) for bad input.

    Groups are keyed by canonical name, kind and (for var sources) declared
    type, so `((v:x))` declared in one file and undeclared in another gives two
    entries. Locations follow the order of `files`, then line and column.
    """
    from interp.document import LoadError, read_source
    from interp.reference import Occurrence
    from interp.scan import scan

    problems: list[Problem] = []
    groups: dict[tuple[str, str, str | None], ReferenceEntry] = {}
    order: dict[str, int] = {}
    for file in files:
        try:
            source = read_source(file)
        except LoadError as error:
            problems.append(error.problem)
            continue
        order.setdefault(source.filename, len(order))
        found = scan(source)
        problems += found.problems
        for site in found.sites:
            for piece in site.pieces:
                if not isinstance(piece, Occurrence):
                    continue
                reference = piece.reference
                kind, source_type = _kind(reference.source, site.var_sources)
                key = (reference.canonical, kind, source_type)
                entry = groups.get(key)
                if entry is None:
                    entry = groups[key] = ReferenceEntry(
                        name=reference.canonical,
                        source=reference.source,
                        path=reference.path,
                        fields=reference.fields,
                        kind=kind,
                        source_type=source_type,
                    )
                location = site.locate(piece)
                if location not in entry.locations:
                    entry.locations.append(location)
    if problems:
        raise InterpError(problems)
    entries = sorted(groups.values(), key=lambda e: (e.name, KINDS.index(e.kind), e.source_type or ""))
    for entry in entries:
        entry.locations.sort(key=lambda loc: (order.get(loc.file, len(order)), loc.line, loc.column))
    return entries


def _kind(source: str | None, declared: Mapping[str, tuple[str, Any]]) -> tuple[str, str | None]:
    if source is None:
        return "default", None
    if source == ".":
        return "local", None
    if source in declared:
        return "var_source", declared[source][0] or None
    return "undeclared_source", None


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "vars",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="pipeline template(s); a directory means every pipeline file under it; - reads standard input",
    )
    from interp.commands.arguments import add_format_argument

    add_format_argument(
        parser,
        "a list of {name, source, path, fields, kind, [source_type,] locations: [{file, line, column}]}, "
        "sorted by name",
        deprecated_json=True,
    )
    for action in parser._actions:  # a third format, for this command only
        if action.dest == "format" and action.choices is not None:
            action.choices = ("text", "json", "yaml")
            action.help = (action.help or "") + (
                "; yaml: a vars-file skeleton (for -l) with every default-source var as a key, fields as "
                "nested keys, values empty"
            )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.inputs import pipeline_files

    entries = collect_references(pipeline_files(args.files))
    if args.format == "json":
        sys.stdout.write(json.dumps([e.as_json() for e in entries], indent=2) + "\n")
    elif args.format == "yaml":
        sys.stdout.write(format_yaml(entries))
    else:
        sys.stdout.write(format_text(entries))
    sys.stdout.flush()
    return ExitCode.OK


def format_text(entries: Sequence[ReferenceEntry]) -> str:
    lines: list[str] = []
    for entry in entries:
        details = [entry.kind if entry.kind != "var_source" else f"var_source {entry.source} ({entry.source_type or 'no type'})"]
        if entry.kind == "undeclared_source":
            details[0] += f" {entry.source}"
        details.append(f"path {entry.path}")
        if entry.fields:
            details.append("fields " + ", ".join(entry.fields))
        lines.append(f"{entry.name}  [{'; '.join(details)}]")
        lines += [f"  {location}" for location in entry.locations]
    return "".join(line + "\n" for line in lines)


def format_yaml(entries: Sequence[ReferenceEntry]) -> str:
    """A vars-file skeleton: every default-source var a key, its fields nested keys, values
    empty (null), keys sorted, block style. Local and var-source references are not static
    vars: they are listed in a closing comment, names only."""
    tree: dict[str, Any] = {}
    others: list[str] = []
    for entry in entries:
        if entry.kind != "default":
            if entry.name not in others:
                others.append(entry.name)
            continue
        node = tree
        for key in (entry.path, *entry.fields):  # a leaf is an empty map: written as an empty value
            node = node.setdefault(key, {})
    lines: list[str] = []
    _emit(tree, 0, lines)
    if others:
        lines.append("# not static vars (local or var_source references): " + ", ".join(others))
    return "".join(line + "\n" for line in lines)


def _emit(tree: Mapping[str, Any], depth: int, lines: list[str]) -> None:
    for key in sorted(tree):
        child = tree[key]
        lines.append(f"{'  ' * depth}{_yaml_key(key)}:")
        if child:
            _emit(child, depth + 1, lines)


_YAML11_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ""}


def _yaml_key(key: str) -> str:
    """A key as written plain when YAML (1.1, as fly reads -l files) reads it back as that
    same string, else double-quoted (JSON's quoting is valid YAML)."""
    import re

    if key.lower() not in _YAML11_WORDS and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./-]*", key):
        return key
    return json.dumps(key)

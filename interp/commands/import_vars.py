"""`interp import`: move a fly vars file into Secrets Manager (or SSM Parameter Store), where render will find it.

(`import` is a Python keyword, hence the module's name.) The work is in interp.importer;
this module turns flags into its inputs and its results into lines and an exit code.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from interp.errors import ConfigError, ExitCode, InterpError, Location, Problem

HELP = "move a fly vars file (-l credentials.yml) into Secrets Manager or SSM Parameter Store, where render finds it"
DESCRIPTION = """\
Put every var of the vars files (read exactly as `fly -l` reads them) into
AWS Secrets Manager under the id render reads first at the chosen level:
the pipeline level with --pipeline, the team level without (--level makes it
explicit; --level shared writes ids every team can read). A string is stored
as plain text, a map as a JSON object, so ((var.field)) works and nested
values keep their types; any other whole value (number, bool, list, null)
would come back from the lookup as a string and is refused unless
--stringify, which stores the JSON text of what fly read, not the text in
the file: YAML 1.1 reads 0644 as the int 420, yes as true, 1e3 as the float
1000 (quote a value in the vars file to keep its text); the plan says, by
type, what each such var is stored as. Concourse reads every number in a map as a float64: an integer
past 2^53 is refused (quote it), and the fields read as numbers are named.

--only VAR[,VAR] / --exclude VAR[,VAR] (repeatable) choose which vars of the
files are imported; the others are listed as excluded and not looked at.

A dry run by default: one line per secret id, create, update, update tags
(the value is there, a --tag is not), unchanged or conflict (the var exists
at a level a render reads first; a new id would hide a team or shared secret
of that name, unless --allow-shadowing; the target is scheduled for
deletion; or the cross-team guard refuses the id), never a value. Updating
an id that exists already (a rotation) is no conflict: it hides such a
secret already, and the line says it stays hidden as before.

With --apply it is carried out (CreateSecret, PutSecretValue, TagResource),
every written id is read back, and a secret holding a different value is
replaced only with --overwrite.
Any problem (a name no ((...)) can reach, an id Secrets Manager refuses, a
value over 64 KiB, a refused type, a conflict) is reported, all at once, and
nothing is written. A failure part-way lists what was and was not written,
tags included (exit 3); running the same command again picks up where it
stopped, and sets the tags a secret still lacks.

SSM Parameter Store (--aws-ssm-region / CONCOURSE_AWS_SSM_REGION): each var
is a SecureString parameter (PutParameter; --kms-key-id is its KeyId) under
the level's template (--level shared needs --aws-ssm-shared-path). A map is
one parameter per field below the var's path (db: {user: u} ->
/concourse/TEAM/db/user), which Concourse reads back as the map ((db));
SSM holds strings only, so a field or var that is a number, bool, list or
null is refused unless --stringify, and a nested map is refused (Concourse's
map is flat: its keys keep their slashes). A parameter named as the var, or
parameters below a path that the vars file does not have, are conflicts.
--tag: PutParameter on create, AddTagsToResource on a parameter that exists.
One line per parameter; the same exit codes.
"""
EPILOG = """\
--format json prints one JSON document on stdout instead of the lines (messages
stay on stderr), with the same exit codes: per id its var, level, place, the
planned action and, with --apply, the status, the tags' state and the map
fields read as numbers; never a value.

--verify names each file's pipeline as render does: --pipeline when given
(every file is that pipeline), else --pipeline-from (or the project settings'
pipeline_from), else the file name (pipelines/ct.yml renders as pipeline ct),
so a team-level import is checked against each pipeline's own secrets too.

exit codes: 0 ok (a dry run: the plan can be applied), 1 a problem in the vars
or a conflict (nothing written), or a dry run's --verify found a difference,
2 usage, 3 the store (AWS) failed (what was written is listed), 4 the secrets
WERE written (--apply finished) but --verify found a difference or could not
render a pipeline.
"""

# --apply finished, but --verify did not confirm it: the secrets are written all the same.
WRITTEN_VERIFY_DIFFERS = 4


def add_parser(commands: Any) -> None:
    from interp.sources import aws_flags

    parser = commands.add_parser(
        "import", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("vars_files", nargs="+", metavar="VARS_FILE", help="a fly vars file (YAML mapping); later files win")
    scope = parser.add_argument_group("where the secrets go")
    scope.add_argument("--team", help="the Concourse team (required; may come from the project settings)")
    scope.add_argument("--pipeline", help="the pipeline; without --level, its pipeline-level ids are written")
    scope.add_argument(
        "--level",
        choices=("team", "pipeline", "shared"),
        help="the level of every id: pipeline (default with --pipeline), team (default without), "
        "or shared (every team can read it)",
    )
    selecting = parser.add_argument_group("which vars")
    selecting.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="VAR[,VAR]",
        help="import only these vars of the files (repeatable); the others are listed as excluded",
    )
    selecting.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="VAR[,VAR]",
        help="leave these vars of the files out of the import (repeatable), e.g. one kept as a static var",
    )
    writing = parser.add_argument_group("writing")
    writing.add_argument("--apply", action="store_true", help="write (default: a dry run that only shows the plan)")
    writing.add_argument(
        "--overwrite", action="store_true", help="with --apply, replace secrets that hold a different value"
    )
    writing.add_argument(
        "--stringify",
        action="store_true",
        help="store numbers, bools, lists and null as the JSON text of what fly read (YAML 1.1: 0644 is 420, "
        "yes is true, 1e3 is 1000; quote a value in the vars file to keep its text): the lookup gives that string",
    )
    writing.add_argument(
        "--allow-shadowing",
        action="store_true",
        help="create a secret even though the same var exists at a level renders read after it (a team or "
        "shared secret), which it then hides; updating a secret that already hides one needs no flag",
    )
    writing.add_argument("--kms-key-id", metavar="KEY", help="KMS key for secrets created (default: aws/secretsmanager; SSM: its KeyId, default alias/aws/ssm)")
    writing.add_argument(
        "--tag", action="append", default=[], metavar="KEY=VALUE", help="tag secrets created or updated (repeatable)"
    )
    writing.add_argument("--description", metavar="TEXT", help="description of secrets created")
    writing.add_argument(
        "--verify",
        nargs="+",
        default=[],
        metavar="PIPELINE",
        help="render these pipeline files from the vars files and from the store: the outputs must be "
        "identical; each file is the pipeline --pipeline names, else the one --pipeline-from names, else its file name",
    )
    writing.add_argument(
        "--pipeline-from",
        choices=("filename", "dirname"),
        default=None,
        help="with --verify and no --pipeline: name each file's pipeline after the file (filename, the default: "
        "pipelines/ct.yml -> ct) or the folder holding it (dirname: ci/ct/pipeline.yml -> ct), as render does",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): one line per id; json: the plan (or with --apply the result) per id on "
        "stdout for machines: ids, var names, statuses, tag keys and field names, never a value",
    )
    aws_flags.add_arguments(parser, version_stage=False)  # import writes; a stage would be ignored
    parser.set_defaults(run=run)


def _read_entries(paths: Sequence[str]) -> Any:
    from interp.importer import read_vars_files

    try:
        return read_vars_files(paths)
    except ConfigError as error:
        # static_vars words it as for -l; here the file is the argument itself.
        message = str(error).removeprefix("-l ")
        place, _, reason = message.partition(": ")
        file, line, column = re.fullmatch(r"(.*?)(?::(\d+):(\d+))?", place).groups()  # type: ignore[union-attr]
        location = Location(file, int(line), int(column)) if line else Location(place)
        raise InterpError([Problem(location, reason or message)]) from None


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.column)):
        print(problem, file=sys.stderr)


def _plan_line(status: str, item: Any, note: str = "") -> str:
    var = f"var {item.name}, field {item.field}" if item.field else f"var {item.name}"
    line = f"  {status:<14} {item.secret_id}  ({var})"
    return f"{line}: {note}" if note else line


def _report_note(written: Any) -> str:
    """What a report line adds to the outcome: AWS's detail, and what the write means for other levels."""
    return "; ".join(n for n in (written.detail, *written.item.notes) if n)


def _print_excluded(excluded: Sequence[Any], args: argparse.Namespace) -> None:
    """One line per var left out by --only/--exclude (a name, never a value)."""
    unwanted = {n.strip() for value in args.exclude for n in value.split(",")}
    for entry in excluded:
        why = "--exclude" if entry.name in unwanted else "not in --only"
        print(f"  {'excluded':<14} (var {entry.name}): {why}; not read, not written")


def _plan_note(item: Any, overwrite: bool) -> str:
    """What the plan line adds to the status: a conflict's reason, what --apply needs, the tags to set."""
    notes = [item.reason] if item.reason else []
    notes += item.notes
    if item.status == "update" and not overwrite:
        notes.append("holds a different value; --apply replaces it only with --overwrite")
    if item.status == "update tags":
        notes.append("the value is unchanged")
    if item.tags_to_set:
        notes.append("tags to add or change: " + ", ".join(key for key, _ in item.tags_to_set))
    return "; ".join(notes)


def _print_number_note(items: Sequence[Any]) -> None:
    """Name (never show) the map fields Concourse reads as float64, and where they work."""
    from interp import importer

    fields = [f for item in items for f in importer.item_number_fields(item)]
    if not fields:
        return
    example = next((f for f in fields if not f.endswith("]")), fields[0])
    last = example.rpartition(".")[2]
    key = last if last.isidentifier() else "value"
    print(f"note: Concourse reads these fields as numbers (float64): {', '.join(fields)}")
    print(
        f"  each works as a whole value ({key}: (({example}))) but not inside a longer string, where Concourse "
        "refuses it (cannot interpolate non-primitive value (float64)); "
        "store a string in the vars file if it must go in one"
    )


def _print_stringify_note(items: Sequence[Any]) -> None:
    """Say, by type (never a value), what --stringify stores for each var it turns into text."""
    from interp import importer

    notes = [n for n in (importer.stringify_note(i) for i in items) if n]
    if not notes:
        return
    print("note: --stringify stores the JSON text of what fly read (go-yaml v2, YAML 1.1), not always the text written:")
    for note in notes:
        print(f"  {note}")


def _summary(report: Sequence[Any]) -> tuple[str, list[Any], list[Any]]:
    """The summary line, the ids written without their tags, and the ids whose work was not done."""
    from interp import importer

    done = [w for w in report if w.outcome in importer.WRITTEN]
    untagged = [w for w in done if w.untagged]
    retagged = [w for w in report if w.outcome == "tags updated"]
    unchanged = [w for w in report if w.outcome == "unchanged"]
    not_done = [w for w in report if w.outcome not in importer.DONE and w.outcome != "unchanged"]
    line = f"written: {len(done)}"
    line += f" ({len(untagged)} without the wanted tags)" if untagged else ""
    line += f"; tags updated: {len(retagged)}" if retagged else ""
    line += f"; unchanged: {len(unchanged)}; not written: {len(not_done)}"
    return line, untagged, not_done


class _Json:
    """The document `--format json` prints: filled as the command goes, printed once at the end.
    Holds ids, var names, levels, statuses, tag keys and field names: never a value."""

    def __init__(self, args: argparse.Namespace, scope: Any, options: Any) -> None:
        self.args = args
        self.wanted_tags = [key for key, _ in options.tags]
        self.doc: dict[str, Any] = {
            "team": scope.team,
            "pipeline": scope.pipeline,
            "level": scope.level,
            "vars_files": list(args.vars_files),
            "mode": "apply" if args.apply else "dry-run",
            "written": False,
            "ids": [],
            "excluded": [],
            "problems": [],
        }

    def plan(self, items: Sequence[Any]) -> None:
        self.doc["ids"] = [self._item(item) for item in sorted(items, key=lambda i: i.secret_id)]

    def result(self, report: Sequence[Any]) -> None:
        from interp import importer

        self.doc["ids"] = [
            {**self._item(w.item), "status": w.outcome, "detail": w.detail or None, "tags": self._tags_after(w)}
            for w in report
        ]
        self.doc["written"] = any(w.outcome in importer.WRITTEN or w.outcome == "tags updated" for w in report)

    def _item(self, item: Any) -> dict[str, Any]:
        from interp import importer

        note = _plan_note(item, self.args.overwrite)
        return {
            "id": item.secret_id,
            "var": item.name,
            "level": item.level,
            "location": str(item.entry.location),
            "action": item.status,
            "status": None,
            "reason": item.reason or None,
            "notes": list(item.notes),
            "note": note or None,
            "tags": self._tags_planned(item),
            "number_fields": importer.item_number_fields(item),
            "stringified": importer.stringified(item),
        }

    def _tags_planned(self, item: Any) -> dict[str, Any]:
        to_set = [key for key, _ in item.tags_to_set]
        if not self.wanted_tags:
            status = "none wanted"
        elif item.status == "create":
            status = "set on create"
        elif to_set:
            status = "to set"
        elif item.status in ("update", "unchanged", "update tags"):
            status = "present"
        else:
            status = "not set"  # a conflict: nothing is written
        return {"status": status, "wanted": list(self.wanted_tags), "to_set": to_set if item.status != "create" else list(self.wanted_tags)}

    def _tags_after(self, written: Any) -> dict[str, Any]:
        planned = self._tags_planned(written.item)
        if not self.wanted_tags:
            return {**planned, "status": "none wanted"}
        if written.untagged:
            status = "not set"
        elif written.outcome in ("created", "tags updated") or (written.outcome == "updated" and planned["to_set"]):
            status = "set"
        elif written.outcome in ("updated", "unchanged"):
            status = "present"
        elif written.outcome == "read back differs":
            status = "set" if planned["status"] != "present" else "present"
        else:  # failed, unknown, not attempted
            status = "not set" if planned["status"] != "present" else "present"
        return {**planned, "status": status}

    def excluded(self, excluded: Sequence[Any]) -> None:
        unwanted = {n.strip() for value in self.args.exclude for n in value.split(",")}
        self.doc["excluded"] = [
            {"var": e.name, "why": "--exclude" if e.name in unwanted else "not in --only"} for e in excluded
        ]

    def problems(self, problems: Sequence[Problem]) -> None:
        self.doc["problems"] += [
            {"file": p.location.file, "line": p.location.line, "column": p.location.column, "message": p.message}
            for p in sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.column))
        ]

    def finish(self, code: int, summary: str) -> int:
        import json

        self.doc["summary"] = summary
        self.doc["exit_code"] = int(code)
        sys.stdout.write(json.dumps(self.doc, indent=2) + "\n")
        sys.stdout.flush()
        return code


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp import importer
    from interp.commands.common import store_settings_from
    from interp.sources.aws_client import create_client

    if args.team is None:
        raise ConfigError("--team is required: the team whose secrets these are")
    if args.overwrite and not args.apply:
        print("interp: note: --overwrite only matters with --apply; this is a dry run", file=sys.stderr)
    settings = store_settings_from(args, environ)  # Secrets Manager, or SSM when its region is set
    scope = importer.Scope.choose(args.team, args.pipeline, args.level, settings.templates())
    options = importer.WriteOptions(
        overwrite=args.overwrite,
        kms_key_id=args.kms_key_id,
        description=args.description,
        tags=importer.parse_tags(args.tag),
    )
    importer.check_options(options, settings.SERVICE)
    verify_names = _verify_names(args, scope)
    all_entries = _read_entries(args.vars_files)
    entries, excluded = importer.select_vars(all_entries, args.only, args.exclude)
    items, problems = importer.prepare(entries, scope, stringify=args.stringify)
    machine = _Json(args, scope, options) if getattr(args, "format", "text") == "json" else None

    where = f"team {scope.team!r}" + (f", pipeline {scope.pipeline!r}" if scope.pipeline else "")
    count = f"{len(entries)} of {len(all_entries)}" if excluded else f"{len(entries)}"
    if machine is None:
        print(f"import into {where}, {scope.level} level: {count} var(s) from {', '.join(args.vars_files)}")
    if scope.level == "shared":
        print(
            "interp: warning: --level shared: every team's pipelines can read secrets at the shared level",
            file=sys.stderr,
        )
    api = importer.store_writer(settings, create_client(settings), options)
    items, backend_problems = api.classify(items, options.tags, allow_shadowing=args.allow_shadowing)
    needs_overwrite = [i for i in items if i.status == "update"] if not args.overwrite else []
    conflicts = [i for i in items if i.status == "conflict"]
    blocked = problems or conflicts or backend_problems or (args.apply and needs_overwrite)
    if machine is not None:
        machine.plan(items)
        machine.excluded(excluded)
        machine.problems([*problems, *backend_problems])
    elif not args.apply or blocked:  # with --apply, each id's line says what was done instead
        ordered = sorted(items, key=lambda i: i.secret_id)
        for item in ordered:
            print(_plan_line(str(item.status), item, _plan_note(item, args.overwrite)))
        _print_number_note(ordered)
        _print_stringify_note(ordered)
    if machine is None:
        _print_excluded(excluded, args)
    sys.stdout.flush()
    if problems or backend_problems:
        _print_problems([*problems, *backend_problems])
    if backend_problems:
        unread = len({(p.location, p.message.split(":", 1)[0]) for p in backend_problems})
        message = f"nothing written: {api.STORE} could not be read for {unread} var(s)"
        print(f"interp: {message}", file=sys.stderr)
        return machine.finish(ExitCode.BACKEND, message) if machine else ExitCode.BACKEND
    if problems or conflicts:
        message = f"nothing written: {len(problems)} problem(s) in the vars, {len(conflicts)} conflict(s)"
        print(f"interp: {message}", file=sys.stderr)
        return machine.finish(ExitCode.BAD_INPUT, message) if machine else ExitCode.BAD_INPUT
    if not args.apply:
        counts = importer.summary_counts(i.status for i in sorted(items, key=lambda i: i.secret_id) if i.status)
        counts += f"; {len(excluded)} excluded" if excluded else ""
        message = f"dry run: nothing written ({counts}); run again with --apply to write"
        if machine is None:
            print(message)
        code = _verify(args, entries, excluded, scope, settings, ExitCode.OK, machine, verify_names)
        return machine.finish(code, message) if machine else code
    if needs_overwrite:
        held = "secret(s) hold" if api.THING == "secret" else f"{api.THING}(s) hold"
        message = f"nothing written: {len(needs_overwrite)} {held} a different value; give --overwrite to replace them"
        print(f"interp: {message}", file=sys.stderr)
        return machine.finish(ExitCode.BAD_INPUT, message) if machine else ExitCode.BAD_INPUT
    report = importer.apply(items, api, options)
    line, untagged, not_done = _summary(report)
    line += f"; excluded: {len(excluded)}" if excluded else ""
    if machine is not None:
        machine.result(report)
    else:
        for written in report:
            print(_plan_line(written.outcome, written.item, _report_note(written)))
        _print_number_note([w.item for w in report])
        _print_stringify_note([w.item for w in report])
        print(line)
    sys.stdout.flush()
    if untagged or not_done:
        _print_unfinished(report, untagged, not_done, api)
        return machine.finish(ExitCode.BACKEND, line) if machine else ExitCode.BACKEND
    code = _verify(args, entries, excluded, scope, settings, ExitCode.OK, machine, verify_names)
    if code != ExitCode.OK:
        written = sum(1 for w in report if w.outcome in importer.WRITTEN or w.outcome == "tags updated")
        what = f"{written} {api.IDS} were written" if written else f"no {api.THING} needed writing (all unchanged)"
        if code != ExitCode.BACKEND:
            code = WRITTEN_VERIFY_DIFFERS
        failed = "could not be asked" if code == ExitCode.BACKEND else "found a difference"
        line = (
            f"interp: the secrets WERE written: {what} ({line}); but --verify {failed} (above), "
            "so the rendered pipelines may not be what the vars files give"
        )
        print(line, file=sys.stderr)
    return machine.finish(code, line) if machine else code


def _verify_names(args: argparse.Namespace, scope: Any) -> dict[str, str | None]:
    """Each --verify file's pipeline, named as render names it; checked before anything is written."""
    from interp.commands.pipeline_naming import group_by_pipeline

    naming = getattr(args, "pipeline_from", None)
    if not args.verify:
        return {}
    if scope.pipeline is not None:
        if naming is not None and args.pipeline is not None:  # both on the command line
            raise ConfigError(f"--pipeline and --pipeline-from {naming} exclude each other")
        return dict.fromkeys(args.verify, scope.pipeline)
    groups = group_by_pipeline(list(args.verify), naming or "filename")
    return {path: name for name, paths in groups for path in paths}


def _print_unfinished(report: Sequence[Any], untagged: Sequence[Any], not_done: Sequence[Any], api: Any) -> None:
    from interp import importer

    written = sum(1 for w in report if w.outcome in importer.WRITTEN)
    if untagged:
        print(
            f"interp: {len(untagged)} {api.IDS} written without their tags ({api.TAG_CALL} failed); "
            "run the same command again to set them",
            file=sys.stderr,
        )
    if not_done:
        print(
            f"interp: {len(not_done)} {api.IDS} not written or not confirmed "
            f"({importer.summary_counts(w.outcome for w in not_done)}); {written} written; "
            "run the same command again to finish",
            file=sys.stderr,
        )


def _verify(
    args: argparse.Namespace,
    entries: Any,
    excluded: Any,
    scope: Any,
    settings: Any,
    code: int,
    machine: Any = None,
    names: Mapping[str, str | None] | None = None,
) -> int:
    if not args.verify:
        return code
    from interp import importer

    names = names if names is not None else dict.fromkeys(args.verify, scope.pipeline)
    problems = importer.verify(
        args.verify, entries, team=scope.team, pipeline=scope.pipeline, settings=settings, static=excluded, names=names
    )
    identical = importer.verified_pipelines(args.verify, problems)
    if machine is not None:
        machine.doc["verify"] = [
            {"pipeline": path, "name": names.get(path), "identical": path in identical} for path in args.verify
        ]
        machine.problems(problems)
    for path in identical if machine is None else ():
        named = f", as pipeline {names[path]!r}" if names.get(path) else ""
        print(f"verify: {path}: identical from the vars files and from {settings.STORE}{named}")
    if problems:
        _print_problems(problems)
        return ExitCode.BACKEND if any(p.backend for p in problems) else ExitCode.BAD_INPUT
    return code


def policy_for_import(args: argparse.Namespace, templates: Any) -> Any:
    """`interp policy --for import VARS_FILE...`: the grants `interp import --apply` needs for these files."""
    from interp import importer

    if not args.vars_files:
        raise ConfigError("--for import needs the VARS_FILE(s) to import: the policy names their ids")
    if len(args.pipeline) > 1:
        raise ConfigError("--for import: one --pipeline, as interp import takes")
    if args.shared or args.all_shared or args.fields:
        raise ConfigError("--for import: --shared, --all-shared and --fields are for reading; use --level shared")
    scope = importer.Scope.choose(args.team, args.pipeline[0] if args.pipeline else None, args.level, templates)
    places, problems = importer.locate(_read_entries(args.vars_files), scope)
    if problems:
        raise InterpError(problems)
    return importer.import_policy(
        places, partition=args.partition, region=args.region, account_id=args.account_id, store=templates.store
    )

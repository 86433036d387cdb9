"""`interp import`: move a fly vars file into Secrets Manager, where render will find it.

The pieces, in the order the command runs them:

1. `read_vars_files`: the files exactly as `fly -l` reads them (interp.static_vars,
   go-yaml v2 YAML 1.1), later files winning, each var with the file:line:col of its key.
2. `prepare`: for every var, the secret id render would read first at the chosen level
   (interp.lookup's templates and cross-team guard) and the SecretString the lookup
   decodes back into exactly the same value. Everything that cannot work is a
   `Problem` — a name no `((...))` can reach, an id Secrets Manager refuses, a value over
   64 KiB or of a type the lookup would hand back as a string — and all of them are
   reported before anything is read or written.
3. `classify`: what is in Secrets Manager now (DescribeSecret, and GetSecretValue on
   the target id only): each id is `create`, `update`, `unchanged` or `conflict` (the
   var exists at another level, the target is scheduled for deletion, or the guard
   refuses the id as another team's).
4. `apply`: CreateSecret / PutSecretValue one id at a time, in id order, stopping at
   the first failure, then every written id is read back and compared. The report
   says exactly which ids were written, which failed and which were not attempted;
   running again converges, because step 3 finds the written ones `unchanged`.
5. `verify`: render pipelines once with the vars files as static vars and once from
   Secrets Manager alone; the outputs must be identical.

Nothing here ever puts a value, its hash or its length into a message, a plan or a log.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from interp.errors import ConfigError, Location, Problem
from interp.lookup import Level, LookupTemplates, plan_lookup

MAX_SECRET_BYTES = 65536  # Secrets Manager's limit for a SecretString
MAX_ID_LENGTH = 512  # Secrets Manager's limit for a secret name
SECRET_ID = re.compile(rf"[A-Za-z0-9/_+=.@-]{{1,{MAX_ID_LENGTH}}}\Z")
MAX_TAG_KEY, MAX_TAG_VALUE, MAX_DESCRIPTION = 128, 256, 2048
LEVELS: tuple[Level, ...] = ("pipeline", "team", "shared")

Status = Literal["create", "update", "unchanged", "conflict"]


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True, repr=False)
class VarEntry:
    """One top-level var of the vars files. The value is never shown."""

    name: str
    value: Any
    location: Location

    def __repr__(self) -> str:
        return f"VarEntry(name={self.name!r}, value=<hidden>, location={str(self.location)!r})"


def _key_locations(path: str, text: str) -> dict[str, Location]:
    """Where each top-level key of a vars file stands (its first line and column)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    from interp import yaml11

    try:
        root = yaml11.compose(text)
    except yaml11.LoadProblem:
        return {}
    locations: dict[str, Location] = {}
    if not isinstance(root, MappingNode):
        return locations
    for key_node, _ in root.value:
        if isinstance(key_node, ScalarNode):
            try:
                key = yaml11.json_key(yaml11.scalar_value(key_node, text))
            except yaml11.Yaml11Error:
                continue
            here = Location(path, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            locations.setdefault(key, here)
    return locations


def read_vars_files(paths: Sequence[str]) -> list[VarEntry]:
    """Every top-level var of the files as fly reads them (`-l`, later files win), in file order."""
    from interp.static_vars import build_static_vars

    entries: dict[str, VarEntry] = {}
    for path in paths:
        values = build_static_vars(files=[path])  # fly's reading, errors and all
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # build_static_vars has just read it: vanished since
            text = ""
        locations = _key_locations(path, text)
        for name, value in values.items():
            entries.pop(name, None)  # a later file's definition takes the later place
            entries[name] = VarEntry(name, value, locations.get(name, Location(path)))
    return list(entries.values())


# ------------------------------------------------------------------------------ encoding


@dataclass(frozen=True, repr=False)
class Encoded:
    """The SecretString for one var. Never shown."""

    text: str

    def __repr__(self) -> str:
        return "Encoded(<hidden>)"


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (True is not 1, 1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def decoded(secret_string: str) -> Any:
    """What the lookup makes of a SecretString (interp.sources.secret_values)."""
    from interp.sources.secret_values import SecretValue, decode_secret_value

    return decode_secret_value(SecretValue(string=secret_string))


def _type_word(value: Any) -> str:
    from interp.yaml11 import type_word

    return type_word(value)


def encode(name: str, value: Any, *, stringify: bool) -> Encoded | str:
    """The SecretString the lookup decodes back into `value`, or why there is none.

    A string is stored as plain text and a map as a JSON object. Any other whole value
    comes back from the lookup as a string (Concourse reads every non-object SecretString
    as text), so it is refused unless `stringify` says the string is what is wanted; it is
    then stored as its JSON text (`5`, `true`, `["a", "b"]`, `null`).
    """
    if isinstance(value, str):
        text = value
        expected: Any = value
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
        expected = value
    elif stringify:
        text = json.dumps(value, ensure_ascii=False)
        expected = text
    else:
        return (
            f"var '{name}' is a {_type_word(value)}, but the lookup reads any SecretString that is not a JSON "
            f"object as a string, so ((…)) would give a string instead; make it a string in the vars file, "
            "or give --stringify to store its text as intended"
        )
    if text == "":
        return f"var '{name}' is an empty string, and Secrets Manager needs at least one character in a SecretString"
    if len(text.encode("utf-8")) > MAX_SECRET_BYTES:
        return f"var '{name}' is larger than 64 KiB encoded, Secrets Manager's limit for a SecretString"
    try:
        back = decoded(text)
    except Exception:  # noqa: BLE001 - the decoder refuses it (nested too deeply): the lookup would fail
        return f"var '{name}' cannot be read back by the lookup (its JSON is nested too deeply to decode)"
    if not _same(back, expected):
        if isinstance(value, str):
            return (
                f"var '{name}' is a string whose text is a JSON object, which the lookup reads as a map, "
                "so no SecretString can hold it as a string"
            )
        return f"var '{name}' would not read back from Secrets Manager as the same value"
    return Encoded(text)


# ------------------------------------------------------------------------------ where it goes


def name_is_reachable(name: str) -> bool:
    """Whether some `((...))` has `name` as its path (the grammar accepts it, no source, no field)."""
    from interp.reference import ReferenceSyntaxError, parse_name, reference_spans

    for written in (name, f'"{name}"'):
        spans = reference_spans(f"(({written}))")
        if [span for span, _ in spans] != [f"(({written}))"]:
            continue
        try:
            reference = parse_name(written)
        except ReferenceSyntaxError:
            continue
        if reference.source is None and not reference.fields and reference.path == name:
            return True
    return False


@dataclass(frozen=True)
class Scope:
    """Where the import writes: team, pipeline (None: none given) and the level of every id."""

    team: str
    pipeline: str | None
    level: Level
    templates: LookupTemplates

    @classmethod
    def choose(cls, team: str, pipeline: str | None, level: Level | None, templates: LookupTemplates) -> Scope:
        chosen: Level = level or ("pipeline" if pipeline is not None else "team")
        if chosen == "pipeline" and pipeline is None:
            raise ConfigError("--level pipeline needs --pipeline")
        return cls(team, pipeline, chosen, templates)

    def target_id(self, name: str) -> str:
        template = dict(self.templates.ordered())[self.level]
        return template.expand(team=self.team, pipeline=self.pipeline, secret=name)


@dataclass(frozen=True, repr=False)
class Item:
    """One var on its way in: where it goes, what is stored, and (after classify) what happens."""

    entry: VarEntry
    secret_id: str
    level: Level
    encoded: Encoded
    others: tuple[tuple[Level, str], ...]  # the ids render may read at the other levels
    guard_reason: str | None = None  # the guard refuses the target id as another team's
    status: Status | None = None
    reason: str = ""  # for a conflict

    @property
    def name(self) -> str:
        return self.entry.name

    def __repr__(self) -> str:
        return f"Item(name={self.name!r}, secret_id={self.secret_id!r}, status={self.status!r})"


@dataclass(frozen=True)
class Place:
    """Where one var goes: its target id, the ids render may read at the other levels, and
    the guard's reason when the target is refused as another team's."""

    entry: VarEntry
    secret_id: str
    others: tuple[tuple[Level, str], ...]
    guard_reason: str | None


def locate(entries: Iterable[VarEntry], scope: Scope) -> tuple[list[Place], list[Problem]]:
    """The place of every var whose name and id are usable; a problem for each other var."""
    places: list[Place] = []
    problems: list[Problem] = []
    for entry in entries:
        if not name_is_reachable(entry.name):
            problems.append(
                Problem(
                    entry.location,
                    f"var name {entry.name!r} cannot be written as a ((...)) reference (a name is letters, digits "
                    "and - / . : @ _, without leading or trailing spaces or double quotes), so no render would look it up",
                )
            )
            continue
        secret_id = scope.target_id(entry.name)
        if not SECRET_ID.match(secret_id):
            problems.append(
                Problem(
                    entry.location,
                    f"var '{entry.name}': secret id {secret_id!r} is not a Secrets Manager name (at most "
                    f"{MAX_ID_LENGTH} characters of A-Za-z0-9/_+=.@-)",
                )
            )
            continue
        plan = plan_lookup(entry.name, scope.team, scope.pipeline, scope.templates)
        skipped = next((s for s in plan.skipped if s.id == secret_id), None)
        others = tuple((c.level, c.id) for c in plan.candidates if c.id != secret_id)
        places.append(Place(entry, secret_id, others, skipped.reason if skipped else None))
    return places, problems


def prepare(entries: Iterable[VarEntry], scope: Scope, *, stringify: bool) -> tuple[list[Item], list[Problem]]:
    """Ids and encodings for every var, and every problem found without asking AWS."""
    entries = list(entries)
    places, problems = locate(entries, scope)
    located = {place.entry.name: place for place in places}
    items: list[Item] = []
    for entry in entries:
        encoded = encode(entry.name, entry.value, stringify=stringify)
        if isinstance(encoded, str):
            problems.append(Problem(entry.location, encoded))
            continue
        place = located.get(entry.name)
        if place is not None:
            items.append(Item(entry, place.secret_id, scope.level, encoded, place.others, place.guard_reason))
    return items, problems


# ------------------------------------------------------------------------------ what is there now


class SecretsApi:
    """The calls the import makes, over one boto3 client (tests may pass a fake)."""

    def __init__(self, client: Any) -> None:
        from interp.sources.aws_api import AwsTransport

        self.client = client
        self._reader = AwsTransport(client, batch_enabled=False)

    def describe(self, secret_id: str) -> Any:
        from interp.sources import aws_api

        return aws_api.describe_secret(self.client, secret_id)

    def read(self, secret_id: str) -> Any:
        """SecretValue, NOT_FOUND or FetchError, as the lookup reads it."""
        return self._reader.get_one(secret_id)

    def create(self, name: str, text: str, **options: Any) -> Any:
        from interp.sources import aws_api

        return aws_api.create_secret(self.client, name, text, **options)

    def put(self, secret_id: str, text: str) -> Any:
        from interp.sources import aws_api

        return aws_api.put_secret_value(self.client, secret_id, text)

    def tag(self, secret_id: str, tags: Sequence[tuple[str, str]]) -> Any:
        from interp.sources import aws_api

        return aws_api.tag_resource(self.client, secret_id, tags)


def _backend_problem(item: Item, action: str, secret_id: str, failure: Any) -> Problem:
    return Problem(item.entry.location, f"var '{item.name}': {action} {secret_id!r} failed: {failure}", backend=True)


def _stored_matches(stored: Any, encoded: Encoded) -> bool:
    """Whether a stored value reads back (through the lookup) exactly as `encoded` does."""
    from interp.sources.secret_values import SecretValue, decode_secret_value

    if not isinstance(stored, SecretValue):
        return False
    if stored.string is not None and stored.string == encoded.text:
        return True
    try:
        return _same(decode_secret_value(stored), decoded(encoded.text))
    except Exception:  # noqa: BLE001 - undecodable as stored: certainly not what we would write
        return False


def classify(items: list[Item], api: SecretsApi) -> tuple[list[Item], list[Problem]]:
    """Each item with its status, and the backend problems that kept one from being known."""
    from interp.sources.aws_api import AwsFailure
    from interp.sources.secret_values import NOT_FOUND, FetchError

    order = {level: number for number, level in enumerate(LEVELS)}
    existing: dict[str, Any] = {}

    def exists(secret_id: str) -> Any:
        if secret_id not in existing:
            existing[secret_id] = api.describe(secret_id)
        return existing[secret_id]

    result: list[Item] = []
    problems: list[Problem] = []
    for item in items:
        if item.guard_reason is not None:
            result.append(_with(item, "conflict", f"the cross-team guard refuses this id: {item.guard_reason}"))
            continue
        conflicts: list[str] = []
        failed = False
        for level, other_id in item.others:
            state = exists(other_id)
            if isinstance(state, AwsFailure):
                problems.append(_backend_problem(item, "DescribeSecret", other_id, state))
                failed = True
            elif state == "exists":
                if order[level] < order[item.level]:
                    conflicts.append(f"{level}-level secret {other_id!r} exists, and a render reads it first, not this one")
                else:
                    conflicts.append(f"{level}-level secret {other_id!r} exists, and this one would hide it from renders")
        state = exists(item.secret_id)
        if isinstance(state, AwsFailure):
            problems.append(_backend_problem(item, "DescribeSecret", item.secret_id, state))
            continue
        if failed:
            continue
        if state == "scheduled-for-deletion":
            conflicts.append("the secret is scheduled for deletion: restore it (restore-secret) or wait until it is gone")
        if conflicts:
            result.append(_with(item, "conflict", "; ".join(conflicts)))
        elif state == "absent":
            result.append(_with(item, "create"))
        else:
            stored = api.read(item.secret_id)
            if isinstance(stored, FetchError):
                problems.append(_backend_problem(item, "GetSecretValue", item.secret_id, stored.code))
            elif stored is NOT_FOUND:
                result.append(_with(item, "update"))  # it exists without a current value
            else:
                result.append(_with(item, "unchanged" if _stored_matches(stored, item.encoded) else "update"))
    return result, problems


def _with(item: Item, status: Status, reason: str = "") -> Item:
    return Item(item.entry, item.secret_id, item.level, item.encoded, item.others, item.guard_reason, status, reason)


# ------------------------------------------------------------------------------ writing

Outcome = Literal["created", "updated", "unchanged", "failed", "unknown", "not attempted", "read back differs"]
WRITTEN: frozenset[str] = frozenset({"created", "updated"})


@dataclass(frozen=True)
class WriteOptions:
    """How --apply writes: overwrite differing secrets or not, and what a new secret gets."""

    overwrite: bool = False
    kms_key_id: str | None = None
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Written:
    """What --apply did for one id. `detail` names AWS's error code, never a value."""

    item: Item
    outcome: Outcome
    detail: str = ""


def parse_tags(pairs: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """--tag KEY=VALUE pairs, checked against Secrets Manager's limits for tags."""
    tags: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise ConfigError(f"--tag {pair!r}: expected KEY=VALUE")
        if len(key) > MAX_TAG_KEY or len(value) > MAX_TAG_VALUE:
            raise ConfigError(f"--tag {key}: a tag key is at most {MAX_TAG_KEY} characters and a value at most {MAX_TAG_VALUE}")
        if key.lower().startswith("aws:"):
            raise ConfigError(f"--tag {key}: keys starting with 'aws:' are reserved by AWS")
        tags[key] = value  # a later pair for one key wins
    return tuple(tags.items())


def check_options(options: WriteOptions) -> None:
    if options.description is not None and len(options.description) > MAX_DESCRIPTION:
        raise ConfigError(f"--description: at most {MAX_DESCRIPTION} characters")
    if options.kms_key_id is not None and not options.kms_key_id.strip():
        raise ConfigError("--kms-key-id: must not be empty")


def _write_one(item: Item, api: SecretsApi, options: WriteOptions) -> Written:
    from interp.sources.aws_api import AwsFailure

    if item.status == "create":
        result = api.create(
            item.secret_id,
            item.encoded.text,
            kms_key_id=options.kms_key_id,
            description=options.description,
            tags=options.tags,
        )
        done: Outcome = "created"
    else:
        result = api.put(item.secret_id, item.encoded.text)
        done = "updated"
    if isinstance(result, AwsFailure):
        if result.outcome_unknown:
            return Written(item, "unknown", f"{result}; the request may or may not have been carried out")
        if result.code == "ResourceExistsException":
            return Written(item, "failed", f"{result.code}: the secret was created by someone else after the plan")
        return Written(item, "failed", str(result))
    if done == "updated" and options.tags:
        tagged = api.tag(item.secret_id, options.tags)
        if isinstance(tagged, AwsFailure):
            return Written(item, "failed", f"the value was written, but TagResource failed: {tagged}")
    return Written(item, done)


def _read_back(written: Written, api: SecretsApi, pause: Callable[[float], None]) -> Written:
    """The written id read again: it must hold exactly what was written."""
    from interp.sources.secret_values import FetchError, SecretValue

    stored: Any = None
    for wait in (0.0, 0.5, 1.0):  # Secrets Manager is eventually consistent: a new version may lag
        if wait:
            pause(wait)
        stored = api.read(written.item.secret_id)
        if isinstance(stored, SecretValue) and stored.string == written.item.encoded.text:
            return written
        if isinstance(stored, FetchError):
            break
    detail = f"reading it back failed: {stored.code}" if isinstance(stored, FetchError) else "it does not hold what was written"
    return Written(written.item, "read back differs", f"{written.outcome}, but {detail}")


def apply(
    items: Sequence[Item], api: SecretsApi, options: WriteOptions, *, pause: Callable[[float], None] = time.sleep
) -> list[Written]:
    """Write every create and update, in id order, stopping at the first failure; read back what was written.

    The caller has checked that nothing is in conflict and that updates may overwrite.
    """
    report: list[Written] = []
    stopped = False
    for item in sorted(items, key=lambda i: i.secret_id):
        if item.status == "unchanged":
            report.append(Written(item, "unchanged"))
        elif stopped:
            report.append(Written(item, "not attempted"))
        else:
            written = _write_one(item, api, options)
            report.append(written)
            stopped = written.outcome not in WRITTEN
    return [_read_back(w, api, pause) if w.outcome in WRITTEN else w for w in report]


# ------------------------------------------------------------------------------ verifying


def _first_difference(a: str, b: str) -> int:
    for number, (left, right) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if left != right:
            return number
    return min(len(a.splitlines()), len(b.splitlines())) + 1


def verify(
    pipelines: Sequence[str],
    entries: Sequence[VarEntry],
    *,
    team: str,
    pipeline: str | None,
    settings: Any,
) -> list[Problem]:
    """Render each pipeline with the vars as static vars, then from Secrets Manager alone: same bytes."""
    from interp.errors import InterpError
    from interp.renderer import Renderer

    from_files = Renderer(team=team, pipeline=pipeline, vars={e.name: e.value for e in entries}, settings=settings)
    from_store = Renderer(team=team, pipeline=pipeline, settings=settings)
    problems: list[Problem] = []
    for path in pipelines:
        renders: list[str] = []
        for what, renderer in (("the vars files", from_files), ("Secrets Manager", from_store)):
            try:
                renders.append(renderer.render_file(path))
            except InterpError as error:
                problems += [
                    Problem(p.location, f"verify, rendering from {what}: {p.message}", backend=p.backend) for p in error.problems
                ]
        if len(renders) == 2 and renders[0] != renders[1]:
            line = _first_difference(renders[0], renders[1])
            problems.append(
                Problem(
                    Location(path),
                    "verify: the render from Secrets Manager differs from the render from the vars files "
                    f"(first at line {line} of the rendered output)",
                )
            )
    return problems


def verified_pipelines(pipelines: Sequence[str], problems: Sequence[Problem]) -> list[str]:
    failed = {p.location.file for p in problems}
    return [p for p in pipelines if p not in failed]


def import_policy(places: Sequence[Place], *, partition: str = "aws", region: str = "*", account_id: str = "*") -> Any:
    """What `interp import --apply` needs, on exactly the ids it touches (interp.policy's shape).

    Written ids: CreateSecret, PutSecretValue, TagResource (CreateSecret with tags needs it
    too), DescribeSecret and GetSecretValue (the plan's comparison and the read-back). The
    other levels' ids are only described, to find conflicts: DescribeSecret alone.
    """
    from interp.policy import ARN_SUFFIX, Policy, secret_arn_prefix

    prefix = secret_arn_prefix(partition, region, account_id)
    targets = sorted({p.secret_id for p in places if p.guard_reason is None})
    others = sorted({o for p in places for _, o in p.others} - set(targets))
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowImportWrite",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:CreateSecret",
                "secretsmanager:PutSecretValue",
                "secretsmanager:TagResource",
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
            ],
            "Resource": [prefix + i + ARN_SUFFIX for i in targets],
        }
    ]
    if others:
        statements.append(
            {
                "Sid": "AllowImportConflictCheck",
                "Effect": "Allow",
                "Action": ["secretsmanager:DescribeSecret"],
                "Resource": [prefix + i + ARN_SUFFIX for i in others],
            }
        )
    warnings = [] if targets else ["warning: no id to grant: every var is refused or another team's"]
    return Policy({"Version": "2012-10-17", "Statement": statements}, warnings)


def summary_counts(statuses: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in counts.items()) or "nothing"


__all__ = [
    "Encoded", "Item", "Scope", "SecretsApi", "VarEntry", "WriteOptions", "Written",
    "apply", "classify", "encode", "name_is_reachable", "parse_tags", "prepare", "read_vars_files", "verify",
]  # fmt: skip

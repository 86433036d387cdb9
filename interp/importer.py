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
   the target id only): each id is `create`, `update`, `update tags` (the value is
   there, a wanted tag is not), `unchanged` or `conflict` (the var exists at another
   level, the target is scheduled for deletion, or the guard refuses the id as another
   team's).
4. `apply`: CreateSecret / PutSecretValue / TagResource one id at a time, in id order,
   stopping at the first failure, then every written id is read back and compared. The
   report says exactly which ids were written (and whether their tags were), which
   failed and which were not attempted; running again converges on values and tags,
   because step 3 finds what was done `unchanged` and only the rest still to do.
5. `verify`: render pipelines once with the vars files as static vars and once from
   Secrets Manager alone, read as Concourse reads it (every number in a JSON-object
   secret is a float64); the outputs must be identical.

Numbers in maps: Concourse decodes a JSON-object secret with Go's encoding/json into
interface{}, so each number in it is a float64. `encode` refuses an integer float64
cannot hold (past 2^53 in magnitude) and infinity/NaN (not JSON); `number_fields` names
the fields Concourse reads as numbers, which work as whole values but not inside a
longer string.

SSM Parameter Store (`prepare_parameters`, `SsmParameterApi`, `classify_parameters`): the same
steps, one SecureString parameter per item. A map var is one parameter per field below the var's
path, which Concourse's by-path lookup reads back as the map; every value is a string, so other
types are refused unless stringified, and a nested map is refused (Concourse's map is flat, its
keys keep their slashes). `store_writer` picks the writer by the settings' store.

Nothing here ever puts a value, its hash or its length into a message, a plan or a log.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from interp.errors import ConfigError, Location, Problem
from interp.lookup import Level, LookupTemplates, plan_lookup

MAX_SECRET_BYTES = 65536  # Secrets Manager's limit for a SecretString
MAX_ID_LENGTH = 512  # Secrets Manager's limit for a secret name
SECRET_ID = re.compile(rf"[A-Za-z0-9/_+=.@-]{{1,{MAX_ID_LENGTH}}}\Z")
MAX_TAG_KEY, MAX_TAG_VALUE, MAX_DESCRIPTION = 128, 256, 2048
LEVELS: tuple[Level, ...] = ("pipeline", "team", "shared")

FLOAT64_EXACT = 2**53  # every integer up to this magnitude is exactly a float64
Status = Literal["create", "update", "update tags", "unchanged", "conflict"]
Tags = tuple[tuple[str, str], ...]


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True, repr=False)
class VarEntry:
    """One top-level var of the vars files. The value is never shown."""

    name: str
    value: Any
    location: Location
    # What go-yaml read the value as (`1e3` a float, `0644` an int), and the scalar's text as written
    # in the file (None for a map or list): --stringify says whether what is stored is that text.
    written_type: str | None = None
    written_text: str | None = None

    def __repr__(self) -> str:
        return f"VarEntry(name={self.name!r}, value=<hidden>, location={str(self.location)!r})"


def _key_locations(path: str, text: str) -> dict[str, tuple[Location, str, str | None]]:
    """Where each top-level key of a vars file stands (its first line and column), the type go-yaml
    reads its value as, and the value's text when it is a scalar."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    from interp import yaml11

    try:
        root = yaml11.compose(text)
    except yaml11.LoadProblem:
        return {}
    locations: dict[str, tuple[Location, str, str | None]] = {}
    if not isinstance(root, MappingNode):
        return locations
    for key_node, value_node in root.value:
        if isinstance(key_node, ScalarNode):
            try:
                key = yaml11.json_key(yaml11.scalar_value(key_node, text))
            except yaml11.Yaml11Error:
                continue
            here = Location(path, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            written = value_node.value if isinstance(value_node, ScalarNode) else None
            locations.setdefault(key, (here, yaml11.written_type(value_node, text), written))
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
            place, kind, written = locations.get(name, (Location(path), None, None))
            entries[name] = VarEntry(name, value, place, kind, written)
    return list(entries.values())


def _names(flag: str, values: Sequence[str]) -> list[str]:
    """The var names of a repeatable NAME[,NAME] flag, in order, without repeats."""
    names: dict[str, None] = {}
    for value in values:
        for name in value.split(","):
            if not name.strip():
                raise ConfigError(f"{flag} {value!r}: an empty var name (expected VAR[,VAR])")
            names[name.strip()] = None
    return list(names)


def select_vars(
    entries: Sequence[VarEntry], only: Sequence[str] = (), exclude: Sequence[str] = ()
) -> tuple[list[VarEntry], list[VarEntry]]:
    """The vars to import and the ones left out by --only VAR[,VAR] / --exclude VAR[,VAR] (both
    repeatable; a var named by both is left out). A name that is no var of the files is a usage
    error naming it: a typo must not silently import (or keep) the wrong vars."""
    wanted, unwanted = _names("--only", only), _names("--exclude", exclude)
    known = {entry.name for entry in entries}
    for flag, names in (("--only", wanted), ("--exclude", unwanted)):
        unknown = [name for name in names if name not in known]
        if unknown:
            listed = ", ".join(sorted(known)[:20]) + (", …" if len(known) > 20 else "")
            raise ConfigError(
                f"{flag}: no var {', '.join(repr(n) for n in unknown)} in the vars files (their vars: {listed or 'none'})"
            )
    keep = [e for e in entries if (not wanted or e.name in wanted) and e.name not in unwanted]
    kept = {e.name for e in keep}
    return keep, [e for e in entries if e.name not in kept]


# ------------------------------------------------------------------------------ encoding


@dataclass(frozen=True, repr=False)
class Encoded:
    """The SecretString for one var. Never shown."""

    text: str

    def __repr__(self) -> str:
        return "Encoded(<hidden>)"


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (True is not 1, 1 is not 1.0; an integer the
    lookup marks as Concourse's float64, interp.values.GoFloat64, is an integer)."""
    if _kind(a) is not _kind(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _kind(value: Any) -> type:
    """A value's type, with interp's float64 markers (GoFloat64, GoFloat64Float) as int and float."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, int):
        return int
    return float if isinstance(value, float) else type(value)


def decoded(secret_string: str) -> Any:
    """What the lookup makes of a SecretString (interp.sources.secretsmanager_values)."""
    from interp.sources.secretsmanager_values import SecretValue, decode_secret_value

    return decode_secret_value(SecretValue(string=secret_string))


def _type_word(value: Any) -> str:
    from interp.yaml11 import type_word

    return type_word(value)


def encode(name: str, value: Any, *, stringify: bool, kind: str | None = None) -> Encoded | str:
    """The SecretString the lookup decodes back into `value`, or why there is none.

    A string is stored as plain text and a map as a JSON object. Any other whole value
    comes back from the lookup as a string (Concourse reads every non-object SecretString
    as text), so it is refused unless `stringify` says the string is what is wanted; it is
    then stored as its JSON text (`5`, `true`, `["a", "b"]`, `null`): the text of what fly read
    (YAML 1.1: `0644` is 420, `yes` true, `1e3` the float 1000), not the text in the file.
    `kind` is the type go-yaml read the value as, where the file says (VarEntry.written_type).
    """
    if isinstance(value, str):
        text = value
        expected: Any = value
    elif isinstance(value, dict):
        refused = _float64_problem(name, value)
        if refused is not None:
            return refused
        text = json.dumps(value, ensure_ascii=False)
        expected = value
    elif stringify:
        text = json.dumps(value, ensure_ascii=False)
        expected = text
    else:
        return (
            f"var '{name}' is {with_article(kind or _type_word(value))}, but the lookup reads any SecretString "
            "that is not a JSON object as a string, so ((…)) would give a string instead; make it a string in "
            "the vars file (quote it to keep its text as written), or give --stringify to store the JSON text "
            "of what fly read (YAML 1.1 reads 0644 as 420, yes as true, 1e3 as 1000)"
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
            return json_text_problem(name)
        return f"var '{name}' would not read back from Secrets Manager as the same value"
    return Encoded(text)


def with_article(word: str) -> str:
    from interp.yaml11 import with_article as article

    return article(word)


_READ_AS = {
    "int": "the number fly read (YAML 1.1 reads a leading 0 as octal, 0x as hex, 0b as binary, and drops _)",
    "float": "the number fly read, as Go writes it (YAML 1.1 reads 1e3 as the float 1000)",
    "bool": "true or false (YAML 1.1 reads yes/no, on/off and y/n, in any case, as bools)",
    "null": "null (YAML 1.1 reads ~ and an empty value as null)",
    "list": "the JSON text of the list fly read (each element read as YAML 1.1 reads it)",
}


def stringified(item: Item) -> dict[str, Any] | None:
    """For a value --stringify stores as text: the type fly read it as, and whether the stored text is
    the text written in the vars file. None for a string or a map (stored as they are). Never a value."""
    if item.field:  # an SSM map's field: the file's text of a field is not kept, so that is not said
        value = field_value(item)
        return None if isinstance(value, str) else {"type": _type_word(value), "field": item.field, "as_written": None}
    value = item.entry.value
    if isinstance(value, (str, dict)):
        return None
    kind = item.entry.written_type or _type_word(value)
    return {"type": kind, "as_written": item.entry.written_text == item.encoded.text}


def stringify_note(item: Item) -> str | None:
    """What --stringify stores for this var, said by type: `var mode: an int, stored as ...`. Never a value."""
    about = stringified(item)
    if about is None:
        return None
    kind = about["type"]
    if about.get("field"):
        keep = "write it as a quoted string" if kind == "list" else "quote it"
        return (
            f"var {item.name}, field {item.field}: {with_article(kind)}, stored as the JSON text of what fly read; "
            f"{keep} in the vars file to keep the text as written"
        )
    head = f"var {item.name}: {with_article(kind)}, stored as "
    if about["as_written"]:
        return head + "the text in the vars file"
    keep = "write it as a quoted string" if kind == "list" else "quote it"
    what = _READ_AS.get(kind, "the JSON text of what fly read")
    return head + f"{what}, not the text in the vars file; {keep} in the vars file to keep the text"


def json_text_problem(name: str) -> str:
    """Why a string holding a JSON object's text cannot be imported, and what can be done instead.
    Names only: never the value."""
    whole, field = f"(({name}))", f"(({name}.FIELD))"
    return (
        f"var '{name}' is a string whose text is a JSON object, which the lookup reads as a map, "
        "so no SecretString can hold it as a string. "
        f"If the pipeline can use it as a map, where {whole} gives the map and {field} one field, remove the quotes "
        "in the vars file (a JSON object is also a YAML map) and it is imported as that map; "
        "if the pipeline needs the text itself, keep this var out of Secrets Manager (a static var: "
        f"fly -l / interp render -l, or another credential store) and import the others with --exclude {name}"
    )


# ------------------------------------------------------------------------------ numbers, as Concourse reads them


def _segment(name: str) -> str:
    """One field's name as Concourse writes it in messages (quoted if it holds , . : / or a space)."""
    from interp.reference import Reference

    return Reference(None, name).canonical


def _numbers_in(value: Any, path: str) -> list[tuple[str, int | float]]:
    """Every number inside `value` (not bools), with its canonical field path, in document order.

    Iterative: a value may be nested as deeply as the JSON decoder allows."""
    found: list[tuple[str, int | float]] = []
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        here, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed([(f"{here}.{_segment(str(key))}", inner) for key, inner in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([(f"{here}[{index}]", inner) for index, inner in enumerate(node)]))
        elif isinstance(node, int | float) and not isinstance(node, bool):
            found.append((here, node))
    return found


def is_exact_float64(number: int | float) -> bool:
    """Whether Concourse's float64 reading of this JSON number is the number itself."""
    return math.isfinite(number) if isinstance(number, float) else abs(number) <= FLOAT64_EXACT


def number_fields(name: str, value: Any) -> list[str]:
    """The fields of a map var that Concourse reads as numbers (float64); none for any other var,
    which is stored as a string. Names only: never a value."""
    if not isinstance(value, dict):
        return []
    return [path for path, _ in _numbers_in(value, _segment(name))]


def item_number_fields(item: Item) -> list[str]:
    """number_fields for one item: none for SSM, which stores every field as a string."""
    return [] if item.store == "ssm" else number_fields(item.name, item.entry.value)


def _float64_problem(name: str, value: dict[str, Any]) -> str | None:
    """Why a map cannot be stored as JSON that Concourse reads back as the same value, or None."""
    numbers = _numbers_in(value, _segment(name))
    not_json = [path for path, n in numbers if isinstance(n, float) and not math.isfinite(n)]
    if not_json:
        return (
            f"var '{name}': {_fields_hold(not_json)} infinity or NaN, which JSON cannot hold "
            "(Concourse would read the secret as a plain string)"
        )
    too_big = [path for path, n in numbers if not is_exact_float64(n)]
    if len(too_big) == 1:
        return (
            f"var '{name}': {_fields_hold(too_big)} an integer past 2^53 in magnitude: Concourse reads JSON numbers "
            "as float64, which would change it; quote it in the vars file so it is stored as a JSON string"
        )
    if too_big:
        return (
            f"var '{name}': {_fields_hold(too_big)} integers past 2^53 in magnitude: Concourse reads JSON numbers "
            "as float64, which would change them; quote each in the vars file so it is stored as a JSON string"
        )
    return None


def _fields_hold(paths: Sequence[str]) -> str:
    return f"field {paths[0]} holds" if len(paths) == 1 else f"fields {', '.join(paths)} hold"


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
        if chosen == "shared" and templates.shared is None:
            if templates.store == "ssm":
                raise ConfigError(
                    "--level shared needs --aws-ssm-shared-path (CONCOURSE_AWS_SSM_SHARED_PATH): without a shared "
                    "path SSM Parameter Store has no shared level, as in Concourse"
                )
            raise ConfigError("--level shared: no shared level is configured")
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
    tags_to_set: Tags = ()  # on an existing secret: the wanted tags it lacks or holds otherwise
    notes: tuple[str, ...] = ()  # what the write means for the other levels (shadowing), never a value
    # SSM: a map var is one parameter per field; `field` names it ("" for the whole var), `var_id`
    # is the var's own path (its lookup candidate), and `store` says whose rules encoded the value.
    field: str = ""
    var_id: str = ""
    store: str = "secretsmanager"

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def path_id(self) -> str:
        """The var's lookup candidate at its level (SSM: the map's path; else the id written)."""
        return self.var_id or self.secret_id

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
        refused = _id_problem(scope.templates.store, entry.name, secret_id)
        if refused is not None:
            problems.append(Problem(entry.location, refused))
            continue
        plan = plan_lookup(entry.name, scope.team, scope.pipeline, scope.templates)
        skipped = next((s for s in plan.skipped if s.id == secret_id), None)
        others = tuple((c.level, c.id) for c in plan.candidates if c.id != secret_id)
        places.append(Place(entry, secret_id, others, skipped.reason if skipped else None))
    return places, problems


def _id_problem(store: str, name: str, secret_id: str) -> str | None:
    """Why the store refuses the id a var would be written under, or None."""
    if store == "ssm":
        why = ssm_name_problem(secret_id)
        return f"var '{name}': parameter name {secret_id!r} {why}" if why else None
    if not SECRET_ID.match(secret_id):
        return (
            f"var '{name}': secret id {secret_id!r} is not a Secrets Manager name (at most "
            f"{MAX_ID_LENGTH} characters of A-Za-z0-9/_+=.@-)"
        )
    return None


def prepare(entries: Iterable[VarEntry], scope: Scope, *, stringify: bool) -> tuple[list[Item], list[Problem]]:
    """Ids and encodings for every var, and every problem found without asking AWS."""
    if scope.templates.store == "ssm":
        return prepare_parameters(entries, scope, stringify=stringify)
    entries = list(entries)
    places, problems = locate(entries, scope)
    located = {place.entry.name: place for place in places}
    items: list[Item] = []
    for entry in entries:
        encoded = encode(entry.name, entry.value, stringify=stringify, kind=entry.written_type)
        if isinstance(encoded, str):
            problems.append(Problem(entry.location, encoded))
            continue
        place = located.get(entry.name)
        if place is not None:
            items.append(Item(entry, place.secret_id, scope.level, encoded, place.others, place.guard_reason))
    return items, problems


# ------------------------------------------------------------------------------ what is there now


@dataclass(frozen=True)
class Described:
    """What DescribeSecret says of one id: whether it exists, and its tags. Never a value."""

    state: Literal["absent", "exists", "scheduled-for-deletion"]
    tags: Mapping[str, str]


class SecretsApi:
    """The calls the import makes, over one boto3 client (tests may pass a fake).

    The writer of one store: `classify` (what is there now), `create`/`put`/`tag` (the writes),
    `read` and `holds` (the read-back), and the words its messages use."""

    STORE = "Secrets Manager"
    THING = "secret"  # what one id is, in messages
    IDS = "secret id(s)"
    EXISTS_CODE = "ResourceExistsException"  # a create that lost a race
    TAG_CALL = "TagResource"

    def __init__(self, client: Any) -> None:
        from interp.sources.secretsmanager_api import AwsTransport

        self.client = client
        self._reader = AwsTransport(client, batch_enabled=False)

    def describe(self, secret_id: str) -> Any:
        """Described or AwsFailure. One DescribeSecret gives both the state and the tags.

        aws_api.describe_secret answers the state alone, and the tags are needed to converge
        on them, so the call is made here with aws_api's own error handling."""
        from interp.sources import secretsmanager_api as aws_api

        try:
            response = self.client.describe_secret(SecretId=secret_id)
        except aws_api._aws_errors() as error:
            failure = aws_api._failure(error)
            return Described("absent", {}) if failure.code == "ResourceNotFoundException" else failure
        if not isinstance(response, Mapping) or response.get("ARN") is None:
            return aws_api.AwsFailure("InvalidResponse", "the response was not a DescribeSecret answer")
        tags = {str(t.get("Key")): str(t.get("Value", "")) for t in response.get("Tags") or [] if isinstance(t, Mapping)}
        return Described("scheduled-for-deletion" if response.get("DeletedDate") is not None else "exists", tags)

    def read(self, secret_id: str) -> Any:
        """SecretValue, NOT_FOUND or FetchError, as the lookup reads it."""
        return self._reader.get_one(secret_id)

    def create(self, name: str, text: str, **options: Any) -> Any:
        from interp.sources import secretsmanager_api as aws_api

        return aws_api.create_secret(self.client, name, text, **options)

    def put(self, secret_id: str, text: str) -> Any:
        from interp.sources import secretsmanager_api as aws_api

        return aws_api.put_secret_value(self.client, secret_id, text)

    def tag(self, secret_id: str, tags: Sequence[tuple[str, str]]) -> Any:
        from interp.sources import secretsmanager_api as aws_api

        return aws_api.tag_resource(self.client, secret_id, tags)

    def holds(self, stored: Any, item: Item) -> bool:
        """Whether a value read back is exactly what was written for `item`."""
        from interp.sources.secretsmanager_values import SecretValue

        return isinstance(stored, SecretValue) and stored.string == item.encoded.text

    def classify(self, items: list[Item], tags: Tags = (), *, allow_shadowing: bool = False) -> tuple[list[Item], list[Problem]]:
        return classify(items, self, tags, allow_shadowing=allow_shadowing)


def _backend_problem(item: Item, action: str, secret_id: str, failure: Any) -> Problem:
    return Problem(item.entry.location, f"var '{item.name}': {action} {secret_id!r} failed: {failure}", backend=True)


def _stored_matches(stored: Any, encoded: Encoded) -> bool:
    """Whether a stored value reads back (through the lookup) exactly as `encoded` does."""
    from interp.sources.secretsmanager_values import SecretValue, decode_secret_value

    if not isinstance(stored, SecretValue):
        return False
    if stored.string is not None and stored.string == encoded.text:
        return True
    try:
        return _same(decode_secret_value(stored), decoded(encoded.text))
    except Exception:  # noqa: BLE001 - undecodable as stored: certainly not what we would write
        return False


def tags_missing(wanted: Tags, present: Mapping[str, str]) -> Tags:
    """The wanted tags a secret lacks or holds with another value (its other tags stay as they are)."""
    return tuple((key, value) for key, value in wanted if present.get(key) != value)


def _read_first(level: Level, other_id: str, thing: str = "secret") -> str:
    return f"{level}-level {thing} {other_id!r} exists, and a render reads it first, not this one"


def _shadowing(
    hidden: Sequence[tuple[Level, str]], target_exists: bool, allow_shadowing: bool, thing: str = "secret"
) -> tuple[list[str], tuple[str, ...]]:
    """The conflicts and notes for existing secrets (or parameters) at levels a render reads after the target's."""
    if hidden and target_exists:  # it hides them already: writing it changes nothing there
        return [], tuple(f"{level}-level {thing} {other!r} stays hidden from renders by this one, as before" for level, other in hidden)
    if hidden and allow_shadowing:
        return [], tuple(f"{level}-level {thing} {other!r} will be hidden from renders by this one (--allow-shadowing)" for level, other in hidden)
    conflicts = [
        f"{level}-level {thing} {other!r} exists, and this one would hide it from renders "
        "(give --allow-shadowing to create it anyway)"
        for level, other in hidden
    ]
    return conflicts, ()


def classify(
    items: list[Item], api: SecretsApi, tags: Tags = (), *, allow_shadowing: bool = False
) -> tuple[list[Item], list[Problem]]:
    """Each item with its status, and the backend problems that kept one from being known.

    `tags` are the tags apply will set (WriteOptions.tags): an existing secret that lacks one
    is `update tags` when its value is unchanged, and an `update` carries the ones to set.

    Shadowing: a secret at a level a render reads after the target's (team or shared under a
    pipeline id, shared under a team id) is hidden by the target. When the target exists it
    hides it already, so writing it (rotation) changes nothing and is no conflict: the item
    notes that the other stays hidden as before. A target that does not exist yet would start
    hiding it: a conflict unless `allow_shadowing`, and then a note says so. A secret at a level
    read before the target's is always a conflict: a render would not read what is written."""
    from interp.sources.secretsmanager_api import AwsFailure
    from interp.sources.secretsmanager_values import NOT_FOUND, FetchError

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
        hidden: list[tuple[Level, str]] = []  # existing ids at levels read after the target's
        failed = False
        for level, other_id in item.others:
            state = exists(other_id)
            if isinstance(state, AwsFailure):
                problems.append(_backend_problem(item, "DescribeSecret", other_id, state))
                failed = True
            elif state.state == "exists":
                if order[level] < order[item.level]:
                    conflicts.append(_read_first(level, other_id))
                else:
                    hidden.append((level, other_id))
        state = exists(item.secret_id)
        if isinstance(state, AwsFailure):
            problems.append(_backend_problem(item, "DescribeSecret", item.secret_id, state))
            continue
        if failed:
            continue
        hiding, notes = _shadowing(hidden, state.state == "exists", allow_shadowing)
        conflicts += hiding
        if state.state == "scheduled-for-deletion":
            conflicts.append("the secret is scheduled for deletion: restore it (restore-secret) or wait until it is gone")
        if conflicts:
            result.append(_with(item, "conflict", "; ".join(conflicts)))
            continue
        item = replace(item, notes=notes)
        if state.state == "absent":
            result.append(_with(item, "create"))
        else:
            stored = api.read(item.secret_id)
            to_set = tags_missing(tags, state.tags)
            if isinstance(stored, FetchError):
                problems.append(_backend_problem(item, "GetSecretValue", item.secret_id, stored.code))
            elif stored is NOT_FOUND or not _stored_matches(stored, item.encoded):  # NOT_FOUND: no current value
                result.append(_with(item, "update", tags_to_set=to_set))
            else:
                result.append(_with(item, "update tags" if to_set else "unchanged", tags_to_set=to_set))
    return result, problems


def _with(item: Item, status: Status, reason: str = "", tags_to_set: Tags = ()) -> Item:
    return replace(item, status=status, reason=reason, tags_to_set=tags_to_set)


# ------------------------------------------------------------------------------ SSM Parameter Store

# Names: letters, digits and . - _ /, at most 1011 characters and 15 levels; a hierarchical name
# starts with '/'; names starting with aws or ssm are AWS's.
SSM_NAME = re.compile(r"[A-Za-z0-9._/-]+\Z")
MAX_SSM_NAME, MAX_SSM_LEVELS = 1011, 15
MAX_SSM_VALUE_BYTES = 4096  # a standard-tier parameter's value
MAX_SSM_DESCRIPTION = 1024


def ssm_name_problem(name: str) -> str | None:
    """Why SSM Parameter Store refuses `name` for a parameter (after 'parameter name X'), or None."""
    if not SSM_NAME.match(name):
        return "is not an SSM parameter name (only letters, digits and . - _ /)"
    if len(name) > MAX_SSM_NAME:
        return f"is longer than {MAX_SSM_NAME} characters, SSM's limit"
    if "/" in name and not name.startswith("/"):
        return "has a '/' but does not start with one, which SSM requires of a name in a hierarchy"
    if "//" in name or name.endswith("/"):
        return "has an empty level ('//' or a trailing '/'), which SSM refuses"
    if name.count("/") > MAX_SSM_LEVELS:
        return f"is more than {MAX_SSM_LEVELS} levels deep, SSM's limit"
    if name.lstrip("/").lower().startswith(("aws", "ssm")):
        return "starts with 'aws' or 'ssm', which SSM reserves"
    return None


def _ssm_text(what: str, value: Any, *, stringify: bool, kind: str | None = None) -> str | tuple[str]:
    """The text one parameter holds for `value`, or (why not,). `what` is "var 'x'" or
    "var 'x': field y". SSM holds strings only: anything else is refused unless stringified."""
    if isinstance(value, str):
        text = value
    elif stringify:
        text = json.dumps(value, ensure_ascii=False)  # as --stringify does for Secrets Manager
    else:
        return (
            f"{what} is {with_article(kind or _type_word(value))}, but SSM Parameter Store holds every value "
            "as a string, so ((…)) would give a string instead; quote it in the vars file (to keep its text as "
            "written), or give --stringify to store the JSON text of what fly read (YAML 1.1 reads 0644 as 420, "
            "yes as true, 1e3 as 1000)",
        )
    if text == "":
        return (f"{what} is an empty string, and SSM Parameter Store needs at least one character in a value",)
    if len(text.encode("utf-8")) > MAX_SSM_VALUE_BYTES:
        return (f"{what} is larger than 4 KiB, SSM's limit for a (standard) parameter's value",)
    return text


def encode_parameters(name: str, value: Any, *, stringify: bool, kind: str | None = None) -> list[tuple[str, str]] | list[str]:
    """The parameters one var becomes, as (field, text) with field "" for the var itself, or every
    reason it cannot be stored. A map is one parameter per field below the var's path: Concourse
    reads the parameters below a path (GetParametersByPath) as a map keyed by the name past it."""
    if not isinstance(value, dict):
        text = _ssm_text(f"var '{name}'", value, stringify=stringify, kind=kind)
        return [text[0]] if isinstance(text, tuple) else [("", text)]
    if not value:
        return [f"var '{name}' is an empty map: no parameter would hold it, and the lookup would not find it"]
    fields: list[tuple[str, str]] = []
    problems: list[str] = []
    for key, inner in value.items():
        field = str(key)
        if not SSM_NAME.match(field) or field.startswith("/") or field.endswith("/") or "//" in field:
            problems.append(
                f"var '{name}': field {field!r} cannot be part of an SSM parameter name (letters, digits and "
                ". - _ /, no leading, trailing or double '/'); rename the field in the vars file"
            )
        elif isinstance(inner, dict):
            problems.append(
                f"var '{name}': field {field} is a map, and Concourse reads the parameters below a var's path as "
                f"one flat map: a parameter .../{name}/{field}/x is the field '{field}/x' of (({name})), so "
                f"(({name}.{field}.x)) would not find it; write such fields as keys with a '/' ('{field}/x': …) "
                f"and use (({name}.\"{field}/x\")), or leave the var out with --exclude {name}"
            )
        else:
            text = _ssm_text(f"var '{name}': field {field}", inner, stringify=stringify)
            if isinstance(text, tuple):
                problems.append(text[0])
            else:
                fields.append((field, text))
    return problems or fields


def prepare_parameters(entries: Iterable[VarEntry], scope: Scope, *, stringify: bool) -> tuple[list[Item], list[Problem]]:
    """SSM's `prepare`: one item per parameter (a map var: one per field, below the var's path)."""
    entries = list(entries)
    places, problems = locate(entries, scope)
    located = {place.entry.name: place for place in places}
    items: list[Item] = []
    for entry in entries:
        parameters = encode_parameters(entry.name, entry.value, stringify=stringify, kind=entry.written_type)
        refused = [p for p in parameters if isinstance(p, str)]
        problems += [Problem(entry.location, message) for message in refused]
        place = located.get(entry.name)
        if refused or place is None:
            continue
        for field, text in parameters:  # type: ignore[misc]
            name = f"{place.secret_id}/{field}" if field else place.secret_id
            why = ssm_name_problem(name)
            if why is not None:
                problems.append(Problem(entry.location, f"var '{entry.name}': parameter name {name!r} {why}"))
                continue
            items.append(
                Item(entry, name, scope.level, Encoded(text), place.others, place.guard_reason,
                     field=field, var_id=place.secret_id, store="ssm")
            )  # fmt: skip
    return items, problems


def field_value(item: Item) -> Any:
    """The value one item stores: the var's, or (SSM, a map) its field's."""
    return item.entry.value[item.field] if item.field else item.entry.value


class SsmParameterApi:
    """The import's writer for SSM Parameter Store: each item is one SecureString parameter.

    Existence is listed without values (DescribeParameters, names beginning with the var's
    path: the parameter itself and every one below it, which the lookup's by-path map reads);
    the current value of a parameter that exists is read (GetParameter, decrypted) only to
    compare it, never shown. Tags: PutParameter takes them on create only (with Overwrite it
    refuses them), so an existing parameter is tagged with AddTagsToResource, after
    ListTagsForResource says which wanted tags it lacks."""

    STORE = "SSM Parameter Store"
    THING = "parameter"
    IDS = "parameter(s)"
    EXISTS_CODE = "ParameterAlreadyExists"
    TAG_CALL = "AddTagsToResource"

    def __init__(self, client: Any, *, kms_key_id: str | None = None) -> None:
        from interp.sources.ssm_api import SsmTransport

        self.client = client
        self.kms_key_id = kms_key_id
        self._reader = SsmTransport(client, batch_enabled=False)
        self._listed: dict[str, Any] = {}

    def below(self, path: str) -> Any:
        """{name: ListedParameter} for `path` and every parameter below it, or AwsFailure."""
        from interp.sources.ssm_api import AwsFailure, by_path_query, describe_parameters

        if path not in self._listed:
            listed = describe_parameters(self.client, [path])
            if not isinstance(listed, AwsFailure):
                under = by_path_query(path) + "/"
                listed = {p.name: p for p in listed if p.name == path or p.name.startswith(under)}
            self._listed[path] = listed
        return self._listed[path]

    def read(self, name: str) -> Any:
        """ParameterValue, NOT_FOUND or FetchError: the parameter by name, decrypted (never shown)."""
        return self._reader.get_parameter(name)

    def holds(self, stored: Any, item: Item) -> bool:
        from interp.sources.ssm_api import ParameterValue

        return isinstance(stored, ParameterValue) and stored.text == item.encoded.text

    def tags_of(self, name: str) -> Any:
        from interp.sources.aws_calls import AwsFailure, _aws_errors, _failure

        try:
            response = self.client.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
        except _aws_errors() as error:
            return _failure(error)
        if not isinstance(response, Mapping):
            return AwsFailure("InvalidResponse", "the response was not a ListTagsForResource answer")
        return {str(t.get("Key")): str(t.get("Value", "")) for t in response.get("TagList") or [] if isinstance(t, Mapping)}

    def create(self, name: str, text: str, *, kms_key_id: str | None = None, description: str | None = None, tags: Tags = ()) -> Any:
        from interp.sources.ssm_api import put_parameter

        return put_parameter(
            self.client, name, text, overwrite=False, key_id=kms_key_id, description=description, tags=tuple(tags)
        )

    def put(self, name: str, text: str) -> Any:
        from interp.sources.ssm_api import put_parameter

        # An overwrite without KeyId moves a SecureString to the account's default key: keep the
        # key it has (from the listing) unless --kms-key-id names another.
        key_id = self.kms_key_id or self._current_key(name)
        return put_parameter(self.client, name, text, overwrite=True, key_id=key_id)

    def _current_key(self, name: str) -> str | None:
        for listed in self._listed.values():
            if isinstance(listed, dict) and name in listed:
                parameter = listed[name]
                return parameter.key_id if parameter.type == "SecureString" and parameter.key_id else None
        return None

    def tag(self, name: str, tags: Sequence[tuple[str, str]]) -> Any:
        from interp.sources import aws_calls

        try:
            self.client.add_tags_to_resource(
                ResourceType="Parameter", ResourceId=name, Tags=[{"Key": key, "Value": value} for key, value in tags]
            )
        except aws_calls._aws_errors() as error:
            return aws_calls._failure(error)
        return aws_calls.DONE

    def classify(self, items: list[Item], tags: Tags = (), *, allow_shadowing: bool = False) -> tuple[list[Item], list[Problem]]:
        return classify_parameters(items, self, tags, allow_shadowing=allow_shadowing)


def _relative(names: Iterable[str], path: str) -> str:
    return ", ".join(sorted(name[len(path) + 1 :] for name in names))


def classify_parameters(
    items: list[Item], api: SsmParameterApi, tags: Tags = (), *, allow_shadowing: bool = False
) -> tuple[list[Item], list[Problem]]:
    """SSM's `classify`: the levels' rules per var (a var exists at a level when its parameter or
    one below its path does, as the lookup reads it by name, then by path), then each parameter
    `create`, `update`, `update tags`, `unchanged` or, for the whole var, `conflict`.

    A part-way import leaves some fields of a map written: their parameters are `unchanged` and the
    rest `create`, so running again finishes it without --overwrite (nothing is replaced)."""
    from interp.sources.aws_calls import AwsFailure
    from interp.sources.fetch_results import NOT_FOUND, FetchError

    order = {level: number for number, level in enumerate(LEVELS)}
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.path_id, []).append(item)
    result: list[Item] = []
    problems: list[Problem] = []
    for path, group in groups.items():
        whole = replace(group[0], secret_id=path, field="")  # the var's line when it is refused as a whole
        if whole.guard_reason is not None:
            result.append(_with(whole, "conflict", f"the cross-team guard refuses this id: {whole.guard_reason}"))
            continue
        conflicts: list[str] = []
        hidden: list[tuple[Level, str]] = []
        failed = False
        for level, other_id in whole.others:
            there = api.below(other_id)
            if isinstance(there, AwsFailure):
                problems.append(_backend_problem(whole, "DescribeParameters", other_id, there))
                failed = True
            elif there:
                if order[level] < order[whole.level]:
                    conflicts.append(_read_first(level, other_id, "parameter"))
                else:
                    hidden.append((level, other_id))
        listed = api.below(path)
        if isinstance(listed, AwsFailure):
            problems.append(_backend_problem(whole, "DescribeParameters", path, listed))
            continue
        if failed:
            continue
        hiding, notes = _shadowing(hidden, bool(listed), allow_shadowing, "parameter")
        conflicts += hiding
        is_map = bool(group[0].field)
        below = [name for name in listed if name != path]
        if is_map and path in listed:
            conflicts.append(
                f"parameter {path!r} exists, and the lookup reads it by name, never the map of the parameters "
                "below it; delete it (aws ssm delete-parameter) or import the var under another name"
            )
        elif is_map and set(below) - {i.secret_id for i in group}:
            extra = set(below) - {i.secret_id for i in group}
            conflicts.append(
                f"parameters below {path!r} that the vars file does not have ({_relative(extra, path)}) would be "
                f"fields of (({whole.name})) too; delete them or add the fields to the vars file"
            )
        elif not is_map and path not in listed and below:
            conflicts.append(
                f"parameters below {path!r} ({_relative(below, path)}) are what the lookup reads as (({whole.name})) "
                "today (a map), and this parameter would hide them; delete them or import the var under another name"
            )
        if conflicts:
            result.append(_with(whole, "conflict", "; ".join(conflicts)))
            continue
        for item in group:
            item = replace(item, notes=notes)
            present = listed.get(item.secret_id)
            if present is None:
                result.append(_with(item, "create"))
                continue
            stored = api.read(item.secret_id)
            present_tags = api.tags_of(item.secret_id) if tags else {}
            if isinstance(stored, FetchError):
                problems.append(_backend_problem(item, "GetParameter", item.secret_id, stored.code))
            elif isinstance(present_tags, AwsFailure):
                problems.append(_backend_problem(item, "ListTagsForResource", item.secret_id, present_tags))
            else:
                to_set = tags_missing(tags, present_tags)
                if stored is NOT_FOUND or not api.holds(stored, item):
                    result.append(_with(item, "update", tags_to_set=to_set))
                elif present.type != "SecureString":
                    kind = present.type or "plain"
                    item = replace(item, notes=(*item.notes, f"a {kind} parameter: it is stored again as a SecureString"))
                    result.append(_with(item, "update", tags_to_set=to_set))
                else:
                    result.append(_with(item, "update tags" if to_set else "unchanged", tags_to_set=to_set))
    return result, problems


def store_writer(settings: Any, client: Any, options: WriteOptions) -> SecretsApi | SsmParameterApi:
    """The import's writer for the store `settings` are for."""
    if settings.SERVICE == "ssm":
        return SsmParameterApi(client, kms_key_id=options.kms_key_id)
    return SecretsApi(client)


# ------------------------------------------------------------------------------ writing

Outcome = Literal[
    "created", "updated", "tags updated", "unchanged", "failed", "unknown", "not attempted", "read back differs"
]
WRITTEN: frozenset[str] = frozenset({"created", "updated"})  # a value was written (and is read back)
DONE: frozenset[str] = WRITTEN | {"tags updated"}  # the id's work was done (tags too unless `untagged`)


@dataclass(frozen=True)
class WriteOptions:
    """How --apply writes: overwrite differing secrets or not, and what a new secret gets."""

    overwrite: bool = False
    kms_key_id: str | None = None
    description: str | None = None
    tags: Tags = ()


@dataclass(frozen=True)
class Written:
    """What --apply did for one id. `detail` names AWS's error code, never a value."""

    item: Item
    outcome: Outcome
    detail: str = ""
    untagged: bool = False  # the value was written, but its tags were not (all or some)

    @property
    def complete(self) -> bool:
        return self.outcome in DONE and not self.untagged


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


def check_options(options: WriteOptions, store: str = "secretsmanager") -> None:
    limit = MAX_SSM_DESCRIPTION if store == "ssm" else MAX_DESCRIPTION
    if options.description is not None and len(options.description) > limit:
        raise ConfigError(f"--description: at most {limit} characters")
    if options.kms_key_id is not None and not options.kms_key_id.strip():
        raise ConfigError("--kms-key-id: must not be empty")


def _tag_failure(failure: Any, tags: Tags, call: str = "TagResource") -> str:
    """What a failed tagging call left undone, by tag key (keys keep the line short)."""
    keys = ", ".join(key for key, _ in tags)
    if failure.outcome_unknown:
        return f"{call} failed: {failure}; tags {keys} may or may not be set"
    return f"{call} failed: {failure}; tags not set: {keys}"


def _retag(item: Item, api: SecretsApi) -> Written:
    """An id whose value is already the wanted one: only its tags are set."""
    from interp.sources.secretsmanager_api import AwsFailure

    tagged = api.tag(item.secret_id, item.tags_to_set)
    if isinstance(tagged, AwsFailure):
        outcome: Outcome = "unknown" if tagged.outcome_unknown else "failed"
        return Written(item, outcome, f"the value is unchanged, but {_tag_failure(tagged, item.tags_to_set, api.TAG_CALL)}")
    return Written(item, "tags updated")


def _write_one(item: Item, api: SecretsApi, options: WriteOptions) -> Written:
    from interp.sources.secretsmanager_api import AwsFailure

    if item.status == "update tags":
        return _retag(item, api)
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
        if result.code == api.EXISTS_CODE:
            return Written(item, "failed", f"{result.code}: the {api.THING} was created by someone else after the plan")
        return Written(item, "failed", str(result))
    if done == "updated" and item.tags_to_set:  # CreateSecret set them already
        tagged = api.tag(item.secret_id, item.tags_to_set)
        if isinstance(tagged, AwsFailure):
            detail = f"the value was written, but {_tag_failure(tagged, item.tags_to_set, api.TAG_CALL)}"
            return Written(item, "updated", detail, untagged=True)  # still read back: the value is there
    return Written(item, done)


def _read_back(written: Written, api: SecretsApi, pause: Callable[[float], None]) -> Written:
    """The written id read again: it must hold exactly what was written."""
    from interp.sources.fetch_results import FetchError

    stored: Any = None
    for wait in (0.0, 0.5, 1.0):  # Secrets Manager is eventually consistent: a new version may lag
        if wait:
            pause(wait)
        stored = api.read(written.item.secret_id)
        if api.holds(stored, written.item):
            return written
        if isinstance(stored, FetchError):
            break
    detail = f"reading it back failed: {stored.code}" if isinstance(stored, FetchError) else "it does not hold what was written"
    also = f"; {written.detail}" if written.detail else ""  # a tag failure stays said
    return Written(written.item, "read back differs", f"{written.outcome}, but {detail}{also}", written.untagged)


def apply(
    items: Sequence[Item], api: SecretsApi, options: WriteOptions, *, pause: Callable[[float], None] = time.sleep
) -> list[Written]:
    """Write every create and update (and set the tags of `update tags`), in id order, stopping at
    the first failure (a TagResource one included); read back every value written.

    The caller has checked that nothing is in conflict and that updates may overwrite, and
    classified the items with `options.tags`.
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
            stopped = not written.complete
    return [_read_back(w, api, pause) if w.outcome in WRITTEN else w for w in report]


# ------------------------------------------------------------------------------ verifying


def _first_difference(a: str, b: str) -> int:
    for number, (left, right) in enumerate(zip(a.splitlines(), b.splitlines()), start=1):
        if left != right:
            return number
    return min(len(a.splitlines()), len(b.splitlines())) + 1


def _concourse_int(text: str) -> int | float:
    """A JSON integer as Concourse reads it: the nearest float64, kept an int when that is exact
    (so interp's render, which keeps an int's kind, shows it the same)."""
    number = int(text)
    if is_exact_float64(number):
        return number
    try:
        return float(number)
    except OverflowError:  # past float64's range: no float64 is it
        return math.inf


class _AsConcourseReads:
    """A values source whose JSON-object secrets hold each number as Concourse reads it (float64).

    `changed` names the fields whose value that reading changes. Everything else is the
    wrapped source's (the engine asks it for team, pipeline and diagnostics)."""

    def __init__(self, source: Any) -> None:
        self._source = source
        self.changed: dict[str, None] = {}  # ordered, without repeats

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def resolve(self, paths: Sequence[str]) -> Mapping[str, Any]:
        from interp.sources.base import Found

        answers = dict(self._source.resolve(paths))
        for path, outcome in answers.items():
            if isinstance(outcome, Found) and isinstance(outcome.value, dict):
                answers[path] = Found(self._read(path, outcome.value), outcome.origin, secret=outcome.secret)
        return answers

    def _read(self, path: str, value: dict[str, Any]) -> Any:
        changed = [field for field, n in _numbers_in(value, _segment(path)) if not is_exact_float64(n)]
        if not changed:
            return value
        self.changed.update(dict.fromkeys(changed))
        try:
            return json.loads(json.dumps(value), parse_int=_concourse_int)
        except (ValueError, RecursionError):  # cannot happen for a value the lookup decoded; keep it
            return value


def _without_pipeline_paths(message: str) -> str:
    """A did-you-mean that names other pipelines' secrets (`((ct/branch))`) would hard-code a pipeline's
    path in a reference: verify keeps only the names a ((...)) of this pipeline should use."""
    match = re.search(r"; did you mean (.+)\?$", message)
    if match is None:
        return message
    kept = [n for n in match.group(1).split(" or ") if "/" not in n]
    rest = message[: match.start()]
    return f"{rest}; did you mean {' or '.join(kept)}?" if kept else rest


def verify(
    pipelines: Sequence[str],
    entries: Sequence[VarEntry],
    *,
    team: str,
    pipeline: str | None,
    settings: Any,
    static: Sequence[VarEntry] = (),
    names: Mapping[str, str | None] | None = None,
) -> list[Problem]:
    """Render each pipeline with the vars as static vars, then from Secrets Manager alone as Concourse
    reads it (numbers in maps as float64): same bytes. `static` are vars left out of the import
    (--exclude): both renders take them as static vars, as the pipeline would. `names` gives each
    file's pipeline (as render names it: --pipeline, --pipeline-from, the project settings); a file
    it does not name renders as `pipeline`. A problem both renders have is said once."""
    from interp.errors import InterpError
    from interp.renderer import Renderer
    from interp.sources.stores import store_source

    kept = {e.name: e.value for e in static}
    every = {**kept, **{e.name: e.value for e in entries}}
    renderers: dict[str | None, tuple[Any, Any, Any]] = {}

    def renderers_for(name: str | None) -> tuple[Any, Any, Any]:
        if name not in renderers:
            # SSM's values are strings, so Concourse's float64 reading changes nothing there.
            store = _AsConcourseReads(store_source(team, name, settings))
            renderers[name] = (
                Renderer(team=team, pipeline=name, vars=every, settings=settings),
                Renderer(team=team, pipeline=name, vars=kept, credentials=store),
                store,
            )
        return renderers[name]

    problems: list[Problem] = []
    for path in pipelines:
        from_files, from_store, store = renderers_for((names or {}).get(path, pipeline))
        store.changed.clear()  # this pipeline's render says which of its fields float64 changes
        renders: list[str] = []
        failed: dict[tuple[Location, str, bool], list[str]] = {}  # a problem -> the renders that had it
        for what, renderer in (("the vars files", from_files), (settings.STORE, from_store)):
            try:
                renders.append(renderer.render_file(path))
            except InterpError as error:
                for p in error.problems:
                    failed.setdefault((p.location, _without_pipeline_paths(p.message), p.backend), []).append(what)
        for (location, message, backend), whats in failed.items():
            what = " and from ".join(whats)
            problems.append(Problem(location, f"verify, rendering from {what}: {message}", backend=backend))
        if len(renders) == 2 and renders[0] != renders[1]:
            line = _first_difference(renders[0], renders[1])
            changed = ", ".join(store.changed)
            why = f"; Concourse reads JSON numbers in a map as float64, which changes {changed}" if changed else ""
            problems.append(
                Problem(
                    Location(path),
                    f"verify: the render from {settings.STORE} differs from the render from the vars files "
                    f"(first at line {line} of the rendered output){why}",
                )
            )
    return list(dict.fromkeys(problems))


def verified_pipelines(pipelines: Sequence[str], problems: Sequence[Problem]) -> list[str]:
    failed = {p.location.file for p in problems}
    return [p for p in pipelines if p not in failed]


def import_policy(
    places: Sequence[Place], *, partition: str = "aws", region: str = "*", account_id: str = "*", store: str = "secretsmanager"
) -> Any:
    """What `interp import --apply` needs, on exactly the ids it touches (interp.policy's shape).

    Written ids: CreateSecret, PutSecretValue, TagResource (CreateSecret with tags needs it
    too), DescribeSecret and GetSecretValue (the plan's comparison and the read-back). The
    other levels' ids are only described, to find conflicts: DescribeSecret alone.
    """
    from interp.policy import ARN_SUFFIX, Policy, secret_arn_prefix

    if store == "ssm":
        return ssm_import_policy(places, partition=partition, region=region, account_id=account_id)
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


def parameter_arns(name: str, *, partition: str, region: str, account_id: str) -> list[str]:
    """The ARNs of parameter `name` and of every parameter below it (a map var's fields)."""
    prefix = f"arn:{partition}:ssm:{region}:{account_id}:parameter"
    arn = prefix + (name if name.startswith("/") else "/" + name)
    return [arn, arn + "/*"]


def ssm_import_policy(places: Sequence[Place], *, partition: str = "aws", region: str = "*", account_id: str = "*") -> Any:
    """`import_policy` for SSM Parameter Store.

    Each var's parameter and the ones below it (a map's fields): PutParameter, GetParameter (the
    plan's comparison and the read-back), GetParameters and GetParametersByPath (--verify renders
    as the lookup reads), ListTagsForResource and AddTagsToResource (--tag on existing
    parameters). DescribeParameters (whether a var exists, at every level) takes no resource
    narrower than "*" in IAM. kms:Decrypt/Encrypt for the SecureString key are not included."""
    from interp.policy import Policy

    targets = sorted({p.secret_id for p in places if p.guard_reason is None})
    arns = [arn for name in targets for arn in parameter_arns(name, partition=partition, region=region, account_id=account_id)]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowImportWrite",
            "Effect": "Allow",
            "Action": [
                "ssm:PutParameter",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
                "ssm:ListTagsForResource",
                "ssm:AddTagsToResource",
            ],
            "Resource": arns,
        },
        {
            "Sid": "AllowImportExistenceCheck",
            "Effect": "Allow",
            "Action": ["ssm:DescribeParameters"],
            "Resource": ["*"],
        },
    ]
    warnings = [] if targets else ["warning: no id to grant: every var is refused or another team's"]
    return Policy({"Version": "2012-10-17", "Statement": statements}, warnings)


def summary_counts(statuses: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return ", ".join(f"{n} {s}" for s, n in counts.items()) or "nothing"


__all__ = [
    "Encoded", "Item", "Scope", "SecretsApi", "VarEntry", "WriteOptions", "Written",
    "apply", "classify", "encode", "json_text_problem", "name_is_reachable", "number_fields", "parse_tags", "prepare", "read_vars_files",
    "select_vars", "verify",
]  # fmt: skip

"""Static vars as fly takes them: -v NAME=STRING, -y NAME=YAML, -i NAME=YAML, -l FILE.

Precedence, as in fly (templatehelpers.YamlTemplateWithParams.Evaluate): every
-v pair in command-line order, then every -y pair, then every -i (instance var)
pair are upserted into one map, so for one name -y beats -v and -i beats both;
that map beats every -l file, and a later -l file beats an earlier one. NAME may
use the var syntax for fields (`-v 'repo.branch=main'`, `-v '"github.com".key=...'`),
which sets a field inside a map of the pairs (it does not reach into a file's map:
a name the pairs set hides the files' value of that name, as in fly).

-y, -i values and -l files are read as fly reads them: go-yaml v2 (YAML 1.1) turned
into JSON (see interp.yaml11).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from interp.errors import ConfigError, Location
from interp.reference import ReferenceSyntaxError, parse_name
from interp.sources.base import Found, NotFound, Outcome
from interp.values import as_go_float64


class StaticVars:
    """A source that answers from vars given on the command line or by the caller."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})

    def resolve(self, paths: Sequence[str]) -> dict[str, Outcome]:
        return {
            path: Found(self.values[path], "static vars", secret=False) if path in self.values else NotFound()
            for path in paths
        }

    def __repr__(self) -> str:
        return f"StaticVars(names={sorted(self.values)!r})"


_YAML_TYPES = "str, int, float, bool, None, list, or dict with str keys"


def check_vars(values: Mapping[str, Any] | None, where: str = "vars") -> dict[str, Any]:
    """`values` as a dict, once every var in it is made of YAML's types (str, int, float, bool,
    None, list, dict with str keys; subclasses too, and a tuple as a list), else TypeError.

    The library's vars enter here: anything else (bytes, a set, a date, an object) would reach
    the pipeline as a Python repr. The error names the var and the place inside it (keys are
    names), never the value, which may be a secret."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise TypeError(f"{where}: expected a mapping of var names to values, not {type(values).__name__}")
    checked = dict(values)
    for name, value in checked.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: a var name must be a str, not {type(name).__name__}")
        _check_value(value, where, name, "")
    return checked


def _check_value(value: Any, where: str, name: str, inside: str) -> None:
    if value is None or isinstance(value, str | int | float):  # bool and GoFloat64 are ints
        return
    place = f"var {name!r}" + (f" at {inside}" if inside else "")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: {place}: a map key is of type {type(key).__name__}; keys must be str")
            _check_value(item, where, name, f"{inside}.{key}" if inside else key)
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_value(item, where, name, f"{inside}[{index}]")
        return
    hint = "; read vars files with interp.load_vars_files, which keeps a timestamp as fly does (as text)"
    hint = hint if hasattr(value, "isoformat") else ""
    raise TypeError(f"{where}: {place} is of type {type(value).__name__}, not a YAML value ({_YAML_TYPES}){hint}")


def _load_yaml(text: str, flag: str, name: str) -> Any:
    """YAML as fly reads it (go-yaml v2, then JSON): `0644` is 420, `yes` is true, timestamps stay text.

    Errors name the place and the kind of problem, never the text there: it is a value
    (yaml11 keeps only a parser's fixed words).
    """
    from interp import yaml11

    try:
        return yaml11.load(text)
    except yaml11.LoadProblem as problem:
        if flag == "-l":  # a file: file:line:col, as every other input error
            raise ConfigError(f"-l {Location(name, problem.line, problem.column)}: {problem.message}") from None
        raise ConfigError(f"{flag} {name}{problem.where()}: {problem.message}") from None


def _set(target: dict[str, Any], name: str, value: Any, flag: str) -> None:
    try:
        reference = parse_name(name)
    except ReferenceSyntaxError as error:
        raise ConfigError(f"{flag} {name}: {error}") from None
    if reference.source is not None:
        raise ConfigError(f"{flag} {name}: static vars cannot name a var source")
    *parents, last = (reference.path, *reference.fields)
    node = target
    for segment in parents:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = node[segment] = {}
        node = child
    node[last] = value


def _split_pair(pair: str, flag: str) -> tuple[str, str]:
    name, equals, value = pair.partition("=")
    if not equals or not name:
        raise ConfigError(f"{flag} {pair!r}: expected NAME=VALUE")
    return name, value


def load_vars_files(paths: Iterable[str | Path] | str | Path) -> dict[str, Any]:
    """The vars fly builds from `fly set-pipeline -l FILE ...`: each file read as fly reads it
    (go-yaml v2, YAML 1.1, then JSON), a later file's top-level names beating an earlier one's.

    Unlike `yaml.safe_load`: `0644` is 420 and `yes` is true (YAML 1.1), a timestamp stays its
    text, `1e3` is a number, and every number is typed as Concourse holds it: an integer is an
    `interp.values.GoFloat64`, an `int` (exact, equal to and used as the int) whose type says
    Concourse reads it as a float64, which Concourse refuses inside a longer string (a render
    writes the exact number; `interp check` reports the refusal). Pass the result as `vars=`.
    An unreadable file, bad YAML or a file that is not a mapping raises `interp.ConfigError`
    naming the file (and line:column), never the text there.

        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "common.yml").write_text("mode: 0644\\nflag: yes\\nreplicas: 2\\n")
        >>> _ = (folder / "prod.yml").write_text("replicas: 5\\nwhen: 2024-01-02\\n")
        >>> load_vars_files([folder / "common.yml", folder / "prod.yml"])
        {'mode': 420, 'flag': True, 'replicas': 5, 'when': '2024-01-02'}
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    return build_static_vars(files=list(paths))


def build_static_vars(
    strings: Iterable[str] = (),
    yamls: Iterable[str] = (),
    files: Iterable[str | Path] = (),
    instance: Iterable[str] = (),
) -> dict[str, Any]:
    """The static vars fly would use for these -v, -y, -l and -i arguments."""
    from_files: dict[str, Any] = {}
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise ConfigError(f"-l {path}: cannot read vars file: {reason}") from None
        loaded = _load_yaml(text, "-l", str(path))
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            raise ConfigError(f"-l {path}: a vars file must be a YAML mapping of names to values")
        from_files.update(as_go_float64(loaded))  # a later file wins; its numbers are float64 to fly
    pairs: dict[str, Any] = {}
    for pair in strings:
        name, text = _split_pair(pair, "-v")
        _set(pairs, name, text, "-v")
    for flag, given in (("-y", yamls), ("-i", instance)):
        for pair in given:
            name, text = _split_pair(pair, flag)
            _set(pairs, name, _load_yaml(text, flag, name), flag)
    return {**from_files, **pairs}

"""Static vars as fly takes them: -v NAME=STRING, -y NAME=YAML, -l FILE.

Precedence, as in fly: -v and -y beat every -l file; a later -l file beats an
earlier one. NAME may use the var syntax for fields (`-v 'repo.branch=main'`,
`-v '"github.com".key=...'`), which sets a field inside a map.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from interp.errors import ConfigError
from interp.reference import ReferenceSyntaxError, parse_name
from interp.sources.base import Found, NotFound, Outcome


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


def _plain(value: Any) -> Any:
    """YAML data as JSON-like data, the way fly sees it (timestamps stay text)."""
    if isinstance(value, Mapping):
        return {(k if isinstance(k, str | int) else str(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _load_yaml(text: str, what: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return _plain(YAML(typ="safe", pure=True).load(text))
    except YAMLError as error:
        raise ConfigError(f"{what}: invalid YAML: {str(error).splitlines()[0]}") from None
    except RecursionError:
        raise ConfigError(f"{what}: YAML nested too deeply") from None
    except ValueError as error:
        # A scalar the constructor cannot build, e.g. an integer past Python's 4300-digit
        # conversion limit. Keep the reason, never the value.
        reason = str(error).split(":")[0]
        raise ConfigError(f"{what}: unusable value ({reason})") from None


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


def build_static_vars(
    strings: Iterable[str] = (),
    yamls: Iterable[str] = (),
    files: Iterable[str | Path] = (),
) -> dict[str, Any]:
    """Merge -l files, then -y and -v pairs (in command-line order within each kind)."""
    values: dict[str, Any] = {}
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise ConfigError(f"-l {path}: cannot read vars file: {reason}") from None
        loaded = _load_yaml(text, f"-l {path}")
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            raise ConfigError(f"-l {path}: a vars file must be a YAML mapping of names to values")
        for name, value in loaded.items():
            values[str(name)] = value
    # Pairs land after the files, so they win; a field pair extends a file's map.
    for pair in yamls:
        name, text = _split_pair(pair, "-y")
        _set(values, name, _load_yaml(text, f"-y {name}"), "-y")
    for pair in strings:
        name, text = _split_pair(pair, "-v")
        _set(values, name, text, "-v")
    return values

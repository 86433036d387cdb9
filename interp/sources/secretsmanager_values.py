"""How a Secrets Manager secret becomes a var value.

A SecretString holding a JSON object is a dict (ints stay ints); any other
SecretString is the string itself; a SecretBinary must be a JSON object. Used by
Secrets Manager and the secrets file (which stands in for it), so they cannot
decode differently.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from interp.sources.fetch_results import (  # noqa: F401 - re-exported: where these lived before SSM
    NOT_FOUND,
    FetchError,
    FetchResult,
    Transport,
    UndecodableValue,
    _Missing,
)
from interp.values import GoFloat64


log = logging.getLogger(__name__)


@dataclass(frozen=True, repr=False)
class SecretValue:
    """A secret's raw content as stored: SecretString or SecretBinary. Never shown in repr."""

    string: str | None = None
    binary: bytes | None = None

    def __repr__(self) -> str:
        kind = "SecretString" if self.string is not None else "SecretBinary"
        return f"SecretValue({kind}=<hidden>)"

    def decode(self) -> Any:
        return decode_secret_value(self)


_UndecodableSecret = UndecodableValue  # the name before SSM shared it


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN/Infinity are not JSON to Go either


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        # Concourse decodes a JSON object into `any`: its numbers are float64 (GoFloat64 marks the integers).
        parsed = json.loads(text, parse_constant=_reject_constant, parse_int=GoFloat64)
    except ValueError:
        return None
    except RecursionError:
        # Valid JSON deeper than Python's decoder can go (about 1,000 levels): an error naming
        # the secret, rather than a crash or quietly taking a JSON object for plain text.
        raise _UndecodableSecret("its JSON is nested too deeply to decode") from None
    return parsed if isinstance(parsed, dict) else None


def decode_secret_value(value: SecretValue) -> Any:
    """A SecretString JSON object -> dict, other SecretString -> str; SecretBinary must be an object."""
    if value.string is not None:
        parsed = _json_object(value.string)
        return value.string if parsed is None else parsed
    try:
        text = bytes(value.binary or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise _UndecodableSecret("SecretBinary is not UTF-8 JSON") from None
    parsed = _json_object(text)
    if parsed is None:
        raise _UndecodableSecret("SecretBinary is not a JSON object")
    return parsed

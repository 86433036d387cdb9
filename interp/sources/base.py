"""The contract between the engine and a source of values.

A source is asked once per render for every distinct path it may answer, and
answers each with an Outcome. Outcomes never show a value in their repr, so
they can be logged and put in errors safely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class Found:
    """A value was found. `origin` says where (e.g. the secret id), never what."""

    __slots__ = ("value", "origin", "secret")

    def __init__(self, value: Any, origin: str, *, secret: bool = True) -> None:
        self.value = value
        self.origin = origin
        self.secret = secret  # False only for static vars the user typed themselves

    def __repr__(self) -> str:
        return f"Found(origin={self.origin!r}, value=<hidden>)"


@dataclass(frozen=True)
class NotFound:
    """No candidate held the path. `tried` lists every id looked up, in order."""

    tried: tuple[str, ...] = ()


@dataclass(frozen=True)
class Failed:
    """The lookup failed (access denied, throttled, network, undecodable value).

    Does not fall through to later candidates. `message` names ids and error
    codes only.
    """

    message: str
    tried: tuple[str, ...] = ()
    code: str = ""
    backend: bool = True  # False when the secret's content is at fault, not the backend


Outcome = Found | NotFound | Failed


class Source(Protocol):
    """Answers many paths in one call, so a backend can dedupe, batch and parallelise."""

    def resolve(self, paths: Sequence[str]) -> Mapping[str, Outcome]: ...

"""The contract between the engine and a source of values.

A source is asked once per render for every distinct path it may answer, and
answers each with an Outcome. Outcomes never show a value in their repr, so
they can be logged and put in errors safely.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from interp.lookup import SkippedCandidate

# The outcomes are NamedTuples, not dataclasses: every render with a reference imports
# this module, and dataclasses (with inspect) is a large share of start-up.


class Found:
    """A value was found. `origin` says where (e.g. the secret id), never what."""

    __slots__ = ("value", "origin", "secret")

    def __init__(self, value: Any, origin: str, *, secret: bool = True) -> None:
        self.value = value
        self.origin = origin
        self.secret = secret  # False only for static vars the user typed themselves

    def __repr__(self) -> str:
        return f"Found(origin={self.origin!r}, value=<hidden>)"


class NotFound(NamedTuple):
    """No candidate held the path. `tried` lists every id looked up, in order; `skipped`
    the candidates the cross-team guard would not look up, each with its reason."""

    tried: tuple[str, ...] = ()
    skipped: tuple[SkippedCandidate, ...] = ()


class Failed(NamedTuple):
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

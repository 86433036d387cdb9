"""What a store's transport answers for one id, whichever store it is.

An id is found (a `StoredValue`, which knows how its store decodes it), not
found (`NOT_FOUND`: the lookup falls through to the next candidate) or failed
(`FetchError`: the lookup stops there). Shared by every store (Secrets
Manager, SSM Parameter Store, the secrets file) and by the lookup's order
(`plan_resolution`), which never needs to know which store answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Protocol


class _Missing(Enum):
    NOT_FOUND = "not found"

    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND = _Missing.NOT_FOUND


class UndecodableValue(Exception):
    """A stored value the lookup cannot turn into a var value; the message names no value."""


class StoredValue(Protocol):
    """A value as a store holds it. Its repr never shows the value."""

    def decode(self) -> Any:
        """The var value Concourse makes of it; UndecodableValue when it cannot."""
        ...


@dataclass(frozen=True)
class FetchError:
    """The backend refused or failed for one id. `message` is the store's, which never holds values."""

    code: str
    message: str = ""


FetchResult = StoredValue | Literal[_Missing.NOT_FOUND] | FetchError


class Transport(Protocol):
    """Fetches ids. Ids left out of the answer have not been fetched (yet).

    A transport may also offer `read_ahead(ids)`: every id the lookups may reach,
    given once before the first `fetch`, for a store whose cheap bulk read is
    worth making up front (SSM's GetParameters); `read_ahead(())` after the last
    `fetch` drops what no lookup reached."""

    @property
    def speculative(self) -> bool:
        """True when asking for every candidate up front costs about as much as one."""
        ...

    def fetch(self, ids: Sequence[str]) -> Mapping[str, FetchResult]: ...

"""An in-memory cache of secret answers, and a transport that answers from it first."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence


from interp.sources.fetch_results import NOT_FOUND, FetchError, FetchResult, Transport

log = logging.getLogger(__name__)


class SecretCache:
    """In-memory, thread-safe cache of found values and not-found answers per secret id.

    Errors are never cached. Entries live `duration` (found) or
    `duration_notfound` seconds; a duration of 0 disables that kind.
    """

    def __init__(
        self,
        duration: float = 60.0,
        duration_notfound: float = 10.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.duration = duration
        self.duration_notfound = duration_notfound
        self._clock = clock
        self._entries: dict[str, tuple[float, FetchResult]] = {}
        self._lock = threading.Lock()

    def get(self, secret_id: str) -> FetchResult | None:
        with self._lock:
            entry = self._entries.get(secret_id)
            if entry is None:
                return None
            expires_at, result = entry
            if self._clock() >= expires_at:
                del self._entries[secret_id]
                return None
            return result

    def put(self, secret_id: str, result: FetchResult) -> None:
        if isinstance(result, FetchError):
            return
        ttl = self.duration_notfound if result is NOT_FOUND else self.duration
        if ttl <= 0:
            return
        with self._lock:
            self._entries[secret_id] = (self._clock() + ttl, result)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class CachingTransport:
    """Answers from the cache where it can, and fills it from the inner transport."""

    def __init__(self, inner: Transport, cache: SecretCache) -> None:
        self.inner = inner
        self.cache = cache

    @property
    def speculative(self) -> bool:
        return self.inner.speculative

    def read_ahead(self, ids: Sequence[str]) -> None:
        inner = getattr(self.inner, "read_ahead", None)
        if inner is not None:
            inner([secret_id for secret_id in ids if self.cache.get(secret_id) is None])

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        answers: dict[str, FetchResult] = {}
        misses: list[str] = []
        for secret_id in ids:
            cached = self.cache.get(secret_id)
            if cached is None:
                misses.append(secret_id)
            else:
                answers[secret_id] = cached
        if misses:
            fetched = self.inner.fetch(misses)
            for secret_id, result in fetched.items():
                self.cache.put(secret_id, result)
            answers.update(fetched)
        return answers

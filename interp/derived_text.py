"""Text built from substituted values, which must never be quoted in a message.

A var source's config is interpolated before use, so a lookup template, a
region or a secret id can hold (part of) a secret value. Such text is a
`DerivedText`: for every string operation and for AWS it is the real text, but
it shows itself — `str()`, `format()`, f-strings, `%s`, `repr()` — as the text
it was written as, each substituted part as the reference that produced it
(`/concourse/main/((tmpl))/x`). A message that quotes it therefore carries the
reference, never the value.

Two operations drop that fact, because they build a plain `str` from the real
text: concatenation (`+`, `"".join`) and slicing. Code that builds a message
from such text formats each piece (`", ".join(map(str, ids))`), and code that
derives new text from it (a template's expansion) wraps the result again.

Text interp did not write — botocore's error strings and log records — cannot
carry the fact, so every substituted value is also remembered here, and
`conceal()` / `mentions_substituted()` screen that text for it.
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["DerivedText", "conceal", "is_derived", "mentions_substituted", "plain", "plain_data", "remember_substituted", "shown"]


class DerivedText(str):
    """Real text that shows itself as `written` (see the module's docstring)."""

    written: str

    def __new__(cls, real: str, written: str) -> DerivedText:
        text = super().__new__(cls, real)
        text.written = str(written)
        return text

    def __str__(self) -> str:
        return self.written

    def __repr__(self) -> str:
        return repr(self.written)

    def __format__(self, spec: str) -> str:
        return format(self.written, spec)

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (self.written,))  # a pickle (a worker's error, say) carries no value

    def __copy__(self) -> DerivedText:
        return self  # immutable; and a copy through __reduce__ would lose the real text

    def __deepcopy__(self, memo: dict[int, Any]) -> DerivedText:
        return self


def plain(text: str) -> str:
    """The real text as a plain `str`: for AWS and for parsing, never for a message."""
    return str.__str__(text)


def plain_data(data: Any) -> Any:
    """`data` with every derived string in it (keys too) made plain: values to render."""
    if isinstance(data, str):
        return plain(data)
    if isinstance(data, dict):
        return {plain_data(key): plain_data(value) for key, value in data.items()}
    if isinstance(data, list):
        return [plain_data(item) for item in data]
    return data


def shown(text: str) -> str:
    """How `text` may appear in a message (its written form if it is derived)."""
    return str(text)


def is_derived(text: object) -> bool:
    return isinstance(text, DerivedText)


# ----------------------------------------------------------------- foreign text

_lock = threading.Lock()
_substituted: dict[str, str] = {}  # a substituted value -> the reference that produced it


def remember_substituted(value: str, reference: str) -> None:
    """Note that `value` was substituted for `reference` into text interp may hand to AWS."""
    if value:
        with _lock:
            _substituted.setdefault(value, reference)


def has_substituted() -> bool:
    """Whether any value was substituted into a var source's config in this process."""
    return bool(_substituted)


def mentions_substituted(text: str) -> bool:
    """Whether `text` holds any value ever substituted into a var source's config."""
    if not _substituted:
        return False
    with _lock:
        values = list(_substituted)
    return any(value in text for value in values)


def conceal(text: str) -> str:
    """`text` with every substituted value replaced by its reference, longest value first."""
    if not _substituted:
        return text
    with _lock:
        pairs = sorted(_substituted.items(), key=lambda pair: -len(pair[0]))
    for value, reference in pairs:
        text = text.replace(value, reference)
    return text

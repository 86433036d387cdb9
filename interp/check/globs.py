"""The two glob dialects Concourse uses for job names, as Python regexes.

groups[].jobs uses gobwas/glob (no separators: `*` matches anything, `{a,b}`
alternatives, `[!x]` negation); get.passed uses Go's path.Match (`*` stops at
`/`, `[^x]` negation). Both anchor the whole name.

Most patterns are plain job names: those match by equality, without compiling a
regex (hundreds per large pipeline, most of the time of its structure checks).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Protocol


class GlobError(ValueError):
    """The pattern does not compile."""


class Matcher(Protocol):
    def match(self, name: str) -> object: ...


class _Exactly:
    """A pattern without metacharacters: it matches its own text only."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def match(self, name: str) -> bool:
        return name == self.text


_GOBWAS_SPECIAL = frozenset("\\*?[]{}")
_PATH_MATCH_SPECIAL = frozenset("\\*?[")


@cache
def gobwas_matcher(pattern: str) -> Matcher:
    """Compile a gobwas/glob pattern; raises GlobError like glob.Compile would."""
    if _GOBWAS_SPECIAL.isdisjoint(pattern):
        return _Exactly(pattern)
    body, rest = _gobwas(pattern, 0, in_braces=False)
    if rest != len(pattern):
        raise GlobError(f"unexpected '{pattern[rest]}'")
    return re.compile(f"(?:{body})\\Z", re.DOTALL)  # \Z, not $: that would also take a final newline


def _gobwas(p: str, i: int, *, in_braces: bool) -> tuple[str, int]:
    out: list[str] = []
    while i < len(p):
        c = p[i]
        if in_braces and c in ",}":
            return "".join(out), i
        if c == "\\":
            if i + 1 >= len(p):
                raise GlobError("unexpected end after escape")
            out.append(re.escape(p[i + 1]))
            i += 2
        elif c == "*":
            out.append(".*")
            i += 1
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "[":
            cls, i = _char_class(p, i, negation="!")
            out.append(cls)
        elif c == "{":
            alternatives: list[str] = []
            i += 1
            while True:
                alt, i = _gobwas(p, i, in_braces=True)
                alternatives.append(alt)
                if i >= len(p):
                    raise GlobError("unclosed '{'")
                if p[i] == "}":
                    i += 1
                    break
                i += 1  # ','
            out.append("(?:" + "|".join(alternatives) + ")")
        elif c == "}" and not in_braces:
            return "".join(out), i
        else:
            out.append(re.escape(c))
            i += 1
    if in_braces:
        raise GlobError("unclosed '{'")
    return "".join(out), i


def _char_class(p: str, i: int, *, negation: str) -> tuple[str, int]:
    end = p.find("]", i + 1)
    if end == -1:
        raise GlobError("unclosed '['")
    inner = p[i + 1:end]
    negate = inner.startswith(negation)
    if negate:
        inner = inner[1:]
    if not inner:
        raise GlobError("empty character class")
    escaped = "".join("\\" + ch if ch in "\\^[]" else ch for ch in inner)
    return ("[^" if negate else "[") + escaped + "]", end + 1


@cache
def path_matcher(pattern: str) -> Matcher | None:
    """Go path.Match, or None for a malformed pattern (which matches nothing)."""
    if _PATH_MATCH_SPECIAL.isdisjoint(pattern):
        return _Exactly(pattern)
    out: list[str] = []
    i = 0
    try:
        while i < len(pattern):
            c = pattern[i]
            if c == "\\":
                if i + 1 >= len(pattern):
                    return None
                out.append(re.escape(pattern[i + 1]))
                i += 2
            elif c == "*":
                out.append("[^/]*")
                i += 1
            elif c == "?":
                out.append("[^/]")
                i += 1
            elif c == "[":
                cls, i = _char_class(pattern, i, negation="^")
                out.append(cls)
            else:
                out.append(re.escape(c))
                i += 1
        return re.compile("".join(out) + r"\Z", re.DOTALL)
    except (GlobError, re.error):
        return None

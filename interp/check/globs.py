"""The two glob dialects Concourse uses for job names, as Python regexes.

groups[].jobs uses gobwas/glob (no separators: `*` matches anything, `{a,b}`
alternatives, `[!x]` negation); get.passed uses Go's path.Match (`*` stops at
`/`, `[^x]` negation). Both anchor the whole name.
"""

from __future__ import annotations

import re
from functools import cache


class GlobError(ValueError):
    """The pattern does not compile."""


@cache
def gobwas_regex(pattern: str) -> re.Pattern[str]:
    """Compile a gobwas/glob pattern; raises GlobError like glob.Compile would."""
    body, rest = _gobwas(pattern, 0, in_braces=False)
    if rest != len(pattern):
        raise GlobError(f"unexpected '{pattern[rest]}'")
    return re.compile(f"^(?:{body})$", re.DOTALL)


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
def path_match_regex(pattern: str) -> re.Pattern[str] | None:
    """Go path.Match as a regex, or None for a malformed pattern (which matches nothing)."""
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
        return re.compile("^" + "".join(out) + "$", re.DOTALL)
    except (GlobError, re.error):
        return None

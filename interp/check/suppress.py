"""What a repository asks `interp check` not to say, and saying a repeated lint once.

- `--disable RULE` (or `disable:` in the project settings) turns a rule off everywhere.
- `# interp: ignore[rule, other-rule]` on a line silences those rules on that line;
  `# interp: ignore` silences every rule there. Rules that stop a file from being
  read (interp.check.rules.UNSILENCEABLE) cannot be silenced.
- A per-var lint repeated at many places of one file is reported once, at the
  first place, with the others counted and listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from interp.check.rules import RULES, UNSILENCEABLE
from interp.diagnostics import Diagnostic
from interp.errors import ConfigError

# A YAML comment (or a comment inside a script) at the start of a line or after a blank.
_IGNORE_COMMENT = re.compile(r"(?:^|[ \t])#[ \t]*interp:[ \t]*ignore(?:\[([^\]\n]*)\])?")

# Lints about one var (or var source): the fix is one secret or one declaration, not one
# per place, so each place is not a finding of its own.
PER_VAR_RULES = frozenset({"cross-team-var", "undeclared-source", "unresolved-var"})
_PLACES_LISTED = 10


def validated_rules(rules: Iterable[str], where: str) -> frozenset[str]:
    """Rule ids as given by a user, each checked against RULES (a typo must not silence nothing)."""
    chosen = frozenset(rule.strip() for rule in rules)
    unknown = sorted(chosen - RULES.keys())
    if unknown:
        import difflib

        guesses = [match for rule in unknown for match in difflib.get_close_matches(rule, RULES, n=1)]
        hint = f"; did you mean {', '.join(guesses)}?" if guesses else " (a rule id is the [name] a diagnostic ends with)"
        raise ConfigError(f"{where}: unknown rule(s) {', '.join(unknown)}{hint}")
    fixed = sorted(chosen & UNSILENCEABLE)
    if fixed:
        raise ConfigError(f"{where}: {', '.join(fixed)} cannot be disabled: the file could not be checked at all")
    return chosen


@dataclass(frozen=True)
class Suppressions:
    """The rules turned off, and the ignore comments of one file's text (line -> rules; None = all)."""

    disabled: frozenset[str] = frozenset()
    ignored_lines: dict[int, frozenset[str] | None] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str, disabled: Iterable[str] = ()) -> Suppressions:
        ignored: dict[int, frozenset[str] | None] = {}
        if "interp:" in text:  # most files have none: skip the line walk
            for number, line in enumerate(text.splitlines(), start=1):
                match = _IGNORE_COMMENT.search(line)
                if match is None:
                    continue
                named = match.group(1)
                ignored[number] = None if named is None else frozenset(r.strip() for r in named.split(",") if r.strip())
        return cls(frozenset(disabled), ignored)

    def silences(self, diagnostic: Diagnostic) -> bool:
        if diagnostic.rule in UNSILENCEABLE:
            return False
        if diagnostic.rule in self.disabled:
            return True
        if diagnostic.line not in self.ignored_lines:
            return False
        rules = self.ignored_lines[diagnostic.line]
        return rules is None or diagnostic.rule in rules

    def apply(self, diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics still to report."""
        return [d for d in diagnostics if not self.silences(d)]


def collapse_repeats(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per (file, per-var rule, message), at its first place, naming the others."""
    places: dict[tuple[str, str, str], list[Diagnostic]] = {}
    kept: list[Diagnostic] = []
    for diagnostic in sorted(diagnostics):
        if diagnostic.rule not in PER_VAR_RULES:
            kept.append(diagnostic)
            continue
        key = (diagnostic.file, diagnostic.rule, diagnostic.message)
        if key not in places:
            places[key] = []
            kept.append(diagnostic)
        places[key].append(diagnostic)
    return [_with_other_places(d, places.get((d.file, d.rule, d.message), [d])) if d.rule in PER_VAR_RULES else d
            for d in kept]


def _with_other_places(first: Diagnostic, all_places: list[Diagnostic]) -> Diagnostic:
    others = all_places[1:]
    if not others:
        return first
    listed = ", ".join(f"{d.line}:{d.column}" for d in others[:_PLACES_LISTED])
    more = ", …" if len(others) > _PLACES_LISTED else ""
    noun = "place" if len(others) == 1 else "places"
    return replace(first, message=f"{first.message} (and {len(others)} more {noun}: {listed}{more})")

"""Lints for ((var)) references: what the grammar rejects, and what Concourse would
silently mistreat.

invalid-var         a name the grammar rejects (an error in every mode)
var-with-spaces     `(( name ))` looks like a var but is literal text to Concourse
shell-arithmetic    `$((count))` in a script: Concourse reads `((count))` as a var
undeclared-source   `((src:x))` where the pipeline declares no var source `src`
cross-team-var      a name whose lookup would reach into another team's secrets
unused-var-source   a var source declared but never referenced (warning)
"""

from __future__ import annotations

import re
from functools import cache
from collections.abc import Callable, Iterator
from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from interp.diagnostics import Diagnostic, Severity
from interp.errors import ConfigError
from interp.document import Source, is_string_scalar
from interp.reference import ReferenceSyntaxError, parse_name, reference_spans
from interp.scan import offset_finder, var_source_entries

# `(( name ))`: a single would-be var name wrapped in spaces. Spruce operators
# like `(( grab meta.name ))` and shell arithmetic like `$(( n + 1 ))` have
# spaces between words and are left alone.
_SPACED_NAME = re.compile(r"\(\((?:[ \t]+[-/.:@\"\w]+[ \t]*|[-/.:@\"\w]+[ \t]+)\)\)")

# Is this path guarded from the given team? (path, team or None) -> the id it would reach, or None.
CrossTeamProbe = Callable[[str, str | None], str | None]


def cross_team_probe(templates: Any = None, pipeline: str | None = None) -> CrossTeamProbe:
    """A probe for the cross-team guard under `templates` (Concourse's defaults if None).

    Without a team the pipeline's own team is unknown: a name is reported when
    its lookup would reach some team's namespace through the shared template.
    """
    from interp import lookup

    chosen = templates if templates is not None else lookup.DEFAULT_TEMPLATES
    # A lookup plan costs more than the rest of the lints: asked once per name and team for
    # all the files this probe serves (names like ((github-token)) recur across a fleet).
    answers: dict[tuple[str, str | None], str | None] = {}

    def probe(path: str, team: str | None) -> str | None:
        asked = (path, team)
        if asked not in answers:
            answers[asked] = _crossing(path, team)
        return answers[asked]

    def _crossing(path: str, team: str | None) -> str | None:
        try:
            skipped = lookup.guarded_candidates(path, team or "any-team", pipeline or "any-pipeline", chosen)
        except (ValueError, ConfigError):
            return None
        crossing = [s for s in skipped if s.kind == "other-team"]  # not ids it cannot map to a name
        return crossing[0].id if crossing else None

    return probe


@cache
def _default_probe() -> CrossTeamProbe:
    """Concourse's default templates' probe, shared by every file checked without one."""
    return cross_team_probe()


def lint_references(
    text: str,
    root: Node,
    filename: str,
    *,
    cross_team: CrossTeamProbe | None = None,
    team: str | None = None,
) -> list[Diagnostic]:
    probe = cross_team or _default_probe()
    reached_by_path: dict[str, str | None] = {}

    def cross_team_reach(path: str) -> str | None:
        """The probe's answer, asked once per distinct name (a lookup plan each time is costly)."""
        if path not in reached_by_path:
            reached_by_path[path] = probe(path, team)
        return reached_by_path[path]

    source = Source(filename, text, [root])
    declared = _declared_sources(root)
    used_sources: set[str] = set()
    diagnostics: list[Diagnostic] = []

    def report(index: int, severity: Severity, rule: str, message: str) -> None:
        where = source.location(index)
        diagnostics.append(Diagnostic(filename, where.line, where.column, severity, rule, message))

    for node, offset_of in _string_scalars(source, root):
        value = node.value
        for match in _SPACED_NAME.finditer(value):
            report(
                offset_of(match.group(0)),
                "warning",
                "var-with-spaces",
                f"'{match.group(0)}' is literal text to Concourse, not a var (a var name has no spaces)",
            )
        for reference_text, offset in reference_spans(value):
            index = offset_of(reference_text)
            try:
                reference = parse_name(reference_text[2:-2])
            except ReferenceSyntaxError as error:
                report(index, "error", "invalid-var", str(error))
                continue
            if offset > 0 and value[offset - 1] == "$":
                report(
                    index - 1,
                    "warning",
                    "shell-arithmetic",
                    f"'${reference_text}' looks like shell arithmetic, but Concourse reads {reference_text} as a "
                    f"var; write '$(( {reference_text[2:-2]} ))' to keep it literal",
                )
            if reference.source is not None and not reference.is_local:
                used_sources.add(reference.source)
                if reference.source not in declared:
                    report(
                        index,
                        "error",
                        "undeclared-source",
                        f"missing source '{reference.source}' in var: {reference.canonical} "
                        "(no var_sources entry of that name)",
                    )
            elif reference.source is None:
                reached = cross_team_reach(reference.path)
                if reached is not None:
                    report(
                        index,
                        "warning",
                        "cross-team-var",
                        f"var {reference.canonical}: its shared-path candidate '{reached}' lies in another team's "
                        "namespace, so interp skips it; the var resolves only from a team or pipeline path",
                    )
    for name, key_node in declared.items():
        if name not in used_sources:
            where = source.node_location(key_node)
            diagnostics.append(
                Diagnostic(
                    filename, where.line, where.column, "warning", "unused-var-source",
                    f"var source '{name}' is declared but never used: no (({name}:...)) reference",
                )  # fmt: skip
            )
    return diagnostics


def _string_scalars(source: Source, root: Node) -> Iterator[tuple[ScalarNode, Callable[[str], int]]]:
    """String scalars holding "((", each with a function finding a text's offset in the file.

    Every node once, as interp.document.walk visits them (aliases share nodes), in a loop
    kept lean: this looks at every node of every file checked.
    """
    seen: set[int] = set()
    stack: list[Node] = [root]
    pop, push, mark = stack.pop, stack.extend, seen.add
    while stack:
        node = pop()
        if isinstance(node, MappingNode):
            if id(node) not in seen:
                mark(id(node))
                for key, value in reversed(node.value):
                    push((value, key))
        elif isinstance(node, SequenceNode):
            if id(node) not in seen:
                mark(id(node))
                push(reversed(node.value))
        elif "((" in node.value and is_string_scalar(node) and id(node) not in seen:  # a scalar: its text
            mark(id(node))
            yield node, offset_finder(source.text, node)


def _declared_sources(root: Node) -> dict[str, Node]:
    """var_sources names -> the node of the name, for a pipeline mapping."""
    return {name.value: name for name, _ in var_source_entries(root)}

"""`interp check` entry points: fly's four stages in fly's order, one sorted list of diagnostics.

How fly reads a pipeline (shared/spec/validation.md), and where each stage lives here:

1. duplicate keys, go-yaml v3 over the raw text: interp.check.duplicate_keys (the loader runs
   it on the nodes it composes once, so YAML errors and duplicates come from one parse);
2. templating with the static vars (-v/-y/-i/-l), numbers typed by origin:
   interp.check.typed_vars (`template`, `float64_in_strings`);
3. the decode into atc.Config, set-pipeline's web node included (types, case-folded keys,
   strict and lenient unknown fields): interp.check.schema with the compiled pipeline
   schema, `structure.fold_top_level_case` for the top level, and the step decoder's
   refusals (no step configured, a null in_parallel) where the step walk meets them;
4. configvalidate's errors and warnings: interp.check.structure.

interp's own lints about ((var)) references follow (interp.check.references).
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from interp.check.loader import decode_bytes, load_text, ytt_marker
from interp.check.references import CrossTeamProbe, lint_references
from interp.check.suppress import Suppressions, collapse_repeats
from interp.diagnostics import Diagnostic

_TOP_LEVEL_PIPELINE_KEY = re.compile(r"""^["']?(jobs|resources)["']?[ \t]*:""", re.MULTILINE)


def check_text(
    text: str,
    filename: str,
    *,
    strict: bool = False,
    cross_team: CrossTeamProbe | None = None,
    team: str | None = None,
    disable: Iterable[str] = (),
    static_vars: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    """Every problem fly validate-pipeline would find in `text`, plus YAML-level ones, with positions.

    `strict` mirrors `fly validate-pipeline --strict`: unknown top-level keys are errors
    (failing on warnings is the caller's exit-code decision). `cross_team` says which
    var names the cross-team guard would stop (see interp.lookup). Rules in `disable`
    and those a `# interp: ignore[rule]` comment names on a line are not reported;
    a per-var lint repeated in the file is reported once, with its other places.
    `static_vars` are fly's -v/-y/-i/-l vars: the schema sees them templated in, as
    fly does, so a ((var)) they define may sit in a typed field.
    """
    return check_text_counting(text, filename, strict=strict, cross_team=cross_team, team=team, disable=disable,
                               static_vars=static_vars)[0]


def check_text_counting(
    text: str,
    filename: str,
    *,
    strict: bool = False,
    cross_team: CrossTeamProbe | None = None,
    team: str | None = None,
    disable: Iterable[str] = (),
    static_vars: Mapping[str, Any] | None = None,
) -> tuple[list[Diagnostic], int]:
    """check_text, and how many diagnostics were silenced by `disable` or ignore comments."""
    with _collector_paused():
        found = _check_all(text, filename, strict=strict, cross_team=cross_team, team=team, static_vars=static_vars)
    kept = Suppressions.of(text, disable).apply(found)
    return collapse_repeats(kept), len(found) - len(kept)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one file is checked.

    A check allocates a node, a value and a position entry for every node of the file,
    all alive until the file is done: the collector's passes over them found nothing to
    free and cost about a fifth of a fleet's check. Reference counting still frees
    everything as usual; the few cycles a check leaves are collected after it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _check_all(
    text: str, filename: str, *, strict: bool, cross_team: CrossTeamProbe | None, team: str | None,
    static_vars: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    loaded = load_text(text, filename)
    diags = list(loaded.diagnostics)
    if loaded.document is None:
        return _finish(diags)
    if (marker := ytt_marker(text)) is not None:
        diags.append(Diagnostic(filename, *marker, "warning", "ytt-template",
                                "ytt directive ('#@'): if this file is a ytt template, check its rendered output"))
    # Imported here so that loading fails fast without paying for jsonschema.
    from interp.check import schema, structure

    diags.extend(structure.fold_top_level_case(loaded.document))  # stage 3 reads `Jobs:` as `jobs:`
    diags.extend(schema.validate(loaded.document, static_vars))
    if static_vars:
        from interp.check.typed_vars import float64_in_strings

        diags.extend(float64_in_strings(loaded.document, static_vars))  # stage 2: numbers by origin
    diags.extend(structure.check(loaded.document, strict=strict))
    if loaded.document.root is not None:
        diags.extend(
            lint_references(text.removeprefix("\ufeff"), loaded.document.root, filename, cross_team=cross_team, team=team)
        )
    return _finish(diags)


def check_file(
    path: str | os.PathLike[str],
    *,
    strict: bool = False,
    cross_team: CrossTeamProbe | None = None,
    team: str | None = None,
    disable: Iterable[str] = (),
    static_vars: Mapping[str, Any] | None = None,
) -> list[Diagnostic]:
    """check_text on a file's bytes; `-` reads standard input."""
    name = os.fspath(path)
    if name == "-":
        import sys

        raw = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        raw = Path(name).read_bytes()
    text, diags = decode_bytes(raw, name)
    if text is None:
        return diags
    return check_text(text, name, strict=strict, cross_team=cross_team, team=team, disable=disable,
                      static_vars=static_vars)


def is_pipeline_file(text: str) -> bool:
    """A YAML mapping with `jobs:` or `resources:` at the top level (the hook's default selection)."""
    if _TOP_LEVEL_PIPELINE_KEY.search(text):
        return True
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return False
    # Flow/JSON style: only then pay for a parse.
    doc = load_text(text, "<probe>").document
    return doc is not None and isinstance(doc.data, dict) and bool({"jobs", "resources"} & doc.data.keys())


def _finish(diags: list[Diagnostic]) -> list[Diagnostic]:
    """Sort, drop exact repeats, and let a specific check win over the generic schema rule at one node."""
    specific = {(d.file, d.line, d.column) for d in diags if d.rule != "schema" and d.severity == "error"}
    kept = {d for d in diags if not (d.rule == "schema" and (d.file, d.line, d.column) in specific)}
    return sorted(kept)

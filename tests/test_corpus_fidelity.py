"""Real pipelines: untouched when nothing resolves, exact values in place when everything does."""

import difflib
from pathlib import Path
from typing import Any

import pytest

from interp import render_text
from interp.document import load_source
from interp.scan import scan
from interp.reference import Occurrence, split_text
from tests.corpus import PUBLIC, load_all, read, require_corpus

require_corpus()


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name[:60])
def test_nothing_resolved_means_byte_identical(path: Path):
    text = read(path)
    assert render_text(text, skip_missing=True, filename=str(path)) == text


def _values_for(sites) -> dict[str, Any]:
    """A distinct value for every default-source path: strings, multi-line strings, maps."""
    fields_by_path: dict[str, set] = {}
    embedded: set[str] = set()
    for site in sites:
        for piece in site.pieces:
            if isinstance(piece, Occurrence) and piece.reference.source is None:
                fields_by_path.setdefault(piece.reference.path, set()).add(piece.reference.fields)
                if site.whole is None or site.is_key:
                    embedded.add(piece.reference.path)
    values: dict[str, Any] = {}
    for index, (path, field_sets) in enumerate(sorted(fields_by_path.items())):

        def leaf(depth: int) -> Any:
            if path in embedded:
                return f"value-{index}-{depth}" if index % 2 else f"line {index}\nline {depth}\n"
            return [f"value-{index}", {"key": f"map {index}\n"}, f"multi {index}\nline\n"][index % 3]

        if field_sets == {()}:
            values[path] = leaf(0)
            continue
        tree: dict[str, Any] = {}
        for fields in field_sets:
            node = tree
            for name in fields[:-1]:
                node = node.setdefault(name, {})
            if fields:
                node[fields[-1]] = leaf(len(fields))
        values[path] = tree
    return values


def _expected(data: Any, values: dict[str, Any]) -> Any:
    """The oracle: the input's data with every default-source reference substituted."""

    def value(reference):
        if reference.source is not None or reference.path not in values:
            return None
        found = values[reference.path]
        for name in reference.fields:
            found = found[name]
        return found

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, str) and "((" in item:
            pieces = split_text(item)
            if len(pieces) == 1 and isinstance(pieces[0], Occurrence):
                found = value(pieces[0].reference)
                return item if found is None else found
            return "".join(
                p if isinstance(p, str) else (p.text if value(p.reference) is None else str(value(p.reference)))
                for p in pieces
            )
        return item

    return walk(data)


@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.name[:60])
def test_every_reference_given_a_value_loads_back_exactly(path: Path):
    text = read(path)
    sites = scan(load_source(text, str(path))).sites
    values = _values_for(sites)
    rendered = render_text(text, vars=values, skip_missing=True, filename=str(path))

    assert load_all(rendered) == [_expected(doc, values) for doc in load_all(text)]

    # Every line outside the substituted scalars is unchanged.
    substituted = {line for s in sites for line in range(s.node.start_mark.line, s.node.end_mark.line + 1)}
    before, after = text.splitlines(), rendered.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, first, last, _, _ in matcher.get_opcodes():
        if operation in ("replace", "delete"):
            changed = set(range(first, last)) - substituted
            assert not changed, f"line {min(changed) + 1} changed: {before[min(changed)]!r}"

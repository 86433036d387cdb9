"""check on deep nesting (issue 10 item 6) and with go-yaml's YAML 1.1 reading (item 5)."""

from __future__ import annotations

import pytest

from interp.check.loader import load_text
from interp.check.run import check_text
from tests.cli import interp


def _nested_steps(levels: int) -> str:
    step = "{get: r}"
    for _ in range(levels):
        step = "{do: [" + step + "]}"
    return f"resources: [{{name: r, type: git}}]\njobs: [{{name: j, plan: [{step}]}}]\n"


def test_deep_flow_nesting_is_a_clear_error_with_its_place(tmp_path) -> None:
    # The reproduction: composing it overflowed Python's stack (exit 70).
    path = tmp_path / "d.yml"
    path.write_text("jobs: " + "[" * 600 + "]" * 600 + "\n")
    result = interp("check", str(path))
    assert result.code == 1, result.stderr
    assert "internal error" not in result.stderr
    assert f"{path}:1:606: error: YAML nested too deeply to check (601 levels) [yaml-syntax]" in result.stdout


@pytest.mark.parametrize(
    "text",
    [_nested_steps(60), "jobs: [" + "{a: " * 700 + "1" + "}" * 700 + "]\n", "jobs: " + "[" * 3000 + "]" * 3000],
    ids=["steps-60", "maps-700", "flow-3000"],
)
def test_no_nesting_ends_in_a_recursion_error(text: str) -> None:
    diagnostics = check_text(text, "p.yml")  # raised RecursionError before
    assert any("nested too deeply" in d.message and d.line >= 1 and d.column >= 1 for d in diagnostics)


def test_ordinary_step_nesting_is_still_checked_in_full() -> None:
    diagnostics = check_text(_nested_steps(10), "p.yml")
    assert not any("nested too deeply" in d.message for d in diagnostics)


def test_keys_go_yaml_v2_reads_as_one_are_not_duplicates_to_fly() -> None:
    # fly's duplicate-key pass is go-yaml v3's, which compares keys as written.
    diagnostics = check_text("jobs: []\ntrue: a\non: b\n1: c\n0x1: d\n", "p.yml")
    duplicates = [(d.line, d.column) for d in diagnostics if d.rule == "duplicate-key"]
    assert duplicates == []


def test_data_is_what_go_yaml_gives() -> None:
    document = load_text("a: 0644\nb: yes\nc: 2024-01-02 10:00:00\nd: ! 5\ne: 1.0\nf: !custom 7\n", "p.yml").document
    assert document is not None
    assert document.data == {"a": 420, "b": True, "c": "2024-01-02 10:00:00", "d": "5", "e": 1, "f": "7"}


def test_an_explicit_tag_go_yaml_cannot_decode_is_reported() -> None:
    diagnostics = check_text("jobs: []\nx: !!int ((n))\n", "p.yml")
    assert [(d.line, d.column, d.rule) for d in diagnostics if "cannot decode" in d.message] == [(2, 4, "yaml-syntax")]

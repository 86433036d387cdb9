"""Concourse reads top-level keys ignoring case (encoding/json), the later of two winning."""

from __future__ import annotations

from interp.check.run import check_text

JOB = "- name: j\n  plan:\n  - get: r\n"
RESOURCES = "resources:\n- name: r\n  type: git\n"


def _said(text: str, *, strict: bool = False) -> list[tuple[str, str]]:
    return [(d.severity, d.rule) for d in check_text(text, "p.yml", strict=strict)]


def test_a_capitalised_key_is_read_as_the_key() -> None:
    assert _said(RESOURCES + "Jobs:\n" + JOB) == []
    assert _said(RESOURCES + "Jobs:\n" + JOB, strict=True) == []  # fly --strict: a case-folded match is known


def test_a_capitalised_key_of_the_wrong_type_is_refused_as_that_key() -> None:
    assert ("error", "schema") in _said(RESOURCES + "Jobs: 1\n")


def test_the_later_of_two_folded_keys_wins_with_a_warning() -> None:
    said = check_text(RESOURCES + "Jobs: []\njobs:\n" + JOB, "p.yml")
    assert [(d.line, d.severity, d.rule) for d in said] == [(5, "warning", "top-level-typo")]
    assert "'jobs' replaces 'Jobs'" in said[0].message


def test_a_replaced_value_of_the_wrong_type_is_still_refused() -> None:
    """encoding/json decodes both keys into the field: the first one's type error stays (fly refuses)."""
    for value, kind in (("((var))", "string"), ("1", "number"), ("{a: b}", "object"), ("[a, b]", "string")):
        said = check_text(RESOURCES + f"Jobs: {value}\njobs:\n" + JOB, "p.yml")
        errors = [d for d in said if d.severity == "error"]
        assert [(d.line, d.rule) for d in errors] == [(4, "schema")]
        assert f"cannot unmarshal {kind} into Go struct field Config.jobs" in errors[0].message
    assert [d.severity for d in check_text(RESOURCES + "Jobs: []\njobs:\n" + JOB, "p.yml")] == ["warning"]


def test_keys_fold_as_go_folds_them() -> None:
    """Go's EqualFold: U+017F (long s) folds to s and U+212A (Kelvin sign) to k."""
    text = "jobſ: [{name: j, plan: [{get: r}]}]\nreſources: [{name: r, type: git}]\n"
    assert _said(text, strict=True) == []

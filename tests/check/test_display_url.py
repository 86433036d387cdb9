"""display.background_image: refused where Go's url.Parse refuses it, never where it accepts.

tests/data/go_url_parse.json holds Go's own answers (net/url.Parse) for generated strings;
interp reproduces a subset of Go's errors, so the property is one-sided plus named cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from interp.check.run import check_text
from interp.check.structure import go_url_parse_fails

ANSWERS = json.loads((Path(__file__).resolve().parents[1] / "data" / "go_url_parse.json").read_text())["answers"]


def test_interp_never_refuses_a_url_go_accepts() -> None:
    wrongly_refused = [text for text, go_refuses in ANSWERS if go_url_parse_fails(text) and not go_refuses]
    assert wrongly_refused == []


def test_the_recorded_answers_exercise_both_sides() -> None:
    caught = sum(1 for text, go_refuses in ANSWERS if go_refuses and go_url_parse_fails(text))
    assert caught > len(ANSWERS) // 4


@pytest.mark.parametrize(
    ("image", "refused"),
    [("://example.com", True), ("a:b/c.png", True), ("img/%zz.png", True), ("https://ci.example.com/bg.png", False),
     ("/static/bg.png", False), ("bg.png", False)],
)
def test_background_image(image: str, refused: bool) -> None:
    text = f"display:\n  background_image: {json.dumps(image)}\njobs:\n- name: j\n  plan: []\n"
    errors = [d for d in check_text(text, "p.yml") if d.rule == "display"]
    assert bool(errors) == refused
    assert dict(ANSWERS).get(image, refused) == refused  # the case agrees with Go where Go was asked

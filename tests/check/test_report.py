from __future__ import annotations

import json

from interp.check.report import format_github, format_json, format_text, summary_line
from interp.diagnostics import Diagnostic

D1 = Diagnostic("a,b:c.yml", 3, 5, "error", "unknown-resource", "100% wrong\nsecond line\r")
D2 = Diagnostic("p.yml", 1, 1, "warning", "deprecated", "old")


def test_text_format_and_color() -> None:
    assert format_text([D2]) == "p.yml:1:1: warning: old [deprecated]\n"
    colored = format_text([D2], color=True)
    assert "\033[33mwarning" in colored and colored != format_text([D2])


def test_json_is_stable_list_of_objects() -> None:
    items = json.loads(format_json([D1, D2]))
    assert list(items[0]) == ["file", "line", "column", "severity", "rule", "message"]
    assert items[1] == {"file": "p.yml", "line": 1, "column": 1, "severity": "warning", "rule": "deprecated",
                        "message": "old"}


def test_github_escaping() -> None:
    line = format_github([D1])
    assert line == ("::error file=a%2Cb%3Ac.yml,line=3,col=5,title=unknown-resource::"
                    "100%25 wrong%0Asecond line%0D\n")
    assert format_github([D2]).startswith("::warning file=p.yml,")


def test_summary() -> None:
    assert summary_line([D1, D2, D2], 4) == "1 error, 2 warnings in 2 of 4 files"
    assert summary_line([D1, D2], 2) == "1 error, 1 warning in 2 files"
    assert summary_line([], 5) == "no problems in 5 files"

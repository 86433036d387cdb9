"""Reference lints ask the cross-team probe once per distinct name, not once per occurrence."""

from __future__ import annotations

from interp.check.run import check_text


def test_the_cross_team_probe_is_asked_once_per_distinct_name() -> None:
    asked: list[str] = []

    def probe(path: str, team: str | None) -> str | None:
        asked.append(path)
        return "/concourse/other/x" if path == "shared" else None

    text = "jobs:\n- name: j\n  plan:\n  - task: t\n    params: {A: ((a)), B: ((a)), C: ((shared)), D: ((shared))}\n"
    diagnostics = check_text(text, "p.yml", cross_team=probe)
    assert sorted(asked) == ["a", "shared"]
    # one diagnostic per var (issue 14), naming the other occurrence
    (crossing,) = [d for d in diagnostics if d.rule == "cross-team-var"]
    assert crossing.column == 37 and crossing.message.endswith("(and 1 more place: 5:52)")

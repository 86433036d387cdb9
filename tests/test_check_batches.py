"""Under pre-commit (which sets PRE_COMMIT=1 and runs the hook once per batch of files, side
by side), each process's summary says it speaks for its batch, not for the whole commit."""

from __future__ import annotations

from pathlib import Path

from tests.cli import interp

PIPELINE = "jobs:\n- name: j\n  plan: []\n"


def test_a_pre_commit_batch_says_it_is_one(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(PIPELINE)
    (tmp_path / "b.yml").write_text(PIPELINE)
    result = interp("check", str(tmp_path / "a.yml"), str(tmp_path / "b.yml"), env={"PRE_COMMIT": "1"})
    assert (result.code, result.stderr) == (0, "interp check, this batch of the commit's files: no problems in 2 files\n")


def test_outside_pre_commit_the_summary_is_plain(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(PIPELINE)
    result = interp("check", str(tmp_path / "a.yml"))
    assert (result.code, result.stderr) == (0, "no problems in 1 file\n")

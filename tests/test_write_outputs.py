"""interp.write_outputs: the CLI's all-or-nothing 0600 writes, for deploy tooling."""

from __future__ import annotations

from pathlib import Path

import pytest

import interp


def test_every_file_is_written_0600_and_folders_are_made(tmp_path: Path) -> None:
    targets = {tmp_path / "out" / "a.yml": "a: 1\n", tmp_path / "out" / "sub" / "b.yml": b"b: 2\n"}
    interp.write_outputs(targets)
    assert (tmp_path / "out" / "a.yml").read_text() == "a: 1\n"
    assert (tmp_path / "out" / "sub" / "b.yml").read_bytes() == b"b: 2\n"
    assert {path.stat().st_mode & 0o777 for path in targets} == {0o600}


def test_nothing_is_written_when_one_target_cannot_be(tmp_path: Path) -> None:
    (tmp_path / "b.yml").mkdir()  # a directory where a file should go
    (tmp_path / "a.yml").write_text("old\n")
    with pytest.raises(interp.OutputError) as raised:
        interp.write_outputs({tmp_path / "a.yml": "secret-ish new text\n", tmp_path / "b.yml": "b\n"})
    assert (tmp_path / "a.yml").read_text() == "old\n"
    assert "secret-ish" not in str(raised.value) and "b.yml" in str(raised.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yml", "b.yml"]  # no temporaries left

"""`--out-dir` writes all files or none: every target is checked before the first rename,
and a rename that fails part-way is undone, each earlier file getting its previous content
back; the error says exactly what happened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from interp.cli import main
from interp.output import OutputError, write_atomically
from tests.cli import interp


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too: no temporary may be left) and its text."""
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def inputs(tmp_path: Path) -> list[str]:
    names = []
    for name in ("a.yml", "b.yml", "c.yml"):
        (tmp_path / name).write_text(f"{name[0]}: ((x))\n")
        names.append(str(tmp_path / name))
    return names


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.yml").write_text("a: previous\n")
    return folder


def test_a_directory_in_a_later_targets_place_writes_nothing(inputs, out):
    (out / "b.yml").mkdir()
    result = interp("render", *inputs, "-v", "x=1", "--out-dir", str(out))
    assert result.code == 1
    assert tree(out) == {"a.yml": "a: previous\n"}
    assert result.stderr == f"{out / 'b.yml'}: cannot write output: Is a directory; nothing was written\n"


def test_a_rename_failing_part_way_puts_every_earlier_file_back(inputs, out, monkeypatch, capsys):
    real_replace = os.replace

    def replace(source, target):  # the third rename fails
        if Path(target).name == "c.yml":
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    code = main(["--no-config", "render", *inputs, "-v", "x=1", "--out-dir", str(out)])
    assert code == 1
    assert tree(out) == {"a.yml": "a: previous\n"}
    assert capsys.readouterr().err == (
        f"{out / 'c.yml'}: cannot write output: Permission denied; nothing was written; "
        f"{out / 'b.yml'} removed again; {out / 'a.yml'} put back as it was\n"
    )


def test_an_interrupt_between_renames_is_undone_too(tmp_path, out, monkeypatch):
    real_replace = os.replace
    calls = []

    def replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_atomically([(out / "a.yml", b"new a\n"), (out / "b.yml", b"new b\n")])
    assert tree(out) == {"a.yml": "a: previous\n"}


def test_when_undoing_fails_the_error_says_where_the_previous_content_is(out, monkeypatch):
    real_replace = os.replace

    def replace(source, target):
        if Path(target).name == "b.yml" or ".previous" in Path(source).name:  # the rename, then the undo
            raise OSError(5, "Input/output error")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError) as raised:
        write_atomically([(out / "a.yml", b"new a\n"), (out / "b.yml", b"new b\n")])
    kept = [p for p in out.iterdir() if p.name.startswith(".a.yml.") and p.name.endswith(".previous")]
    assert len(kept) == 1 and kept[0].read_text() == "a: previous\n"
    assert raised.value.path == out / "b.yml"
    assert raised.value.message == (
        f"Input/output error; {out / 'a.yml'} was written and could not be undone (Input/output error), "
        f"its previous content is in {kept[0]}"
    )


def test_folders_made_for_the_outputs_are_removed_when_writing_fails(tmp_path):
    pipelines = tmp_path / "pipelines"
    (pipelines / "sub").mkdir(parents=True)
    for name in ("a.yml", "sub/b.yml", "z.yml"):
        (pipelines / name).write_text("jobs: [{name: j, plan: [{get: ((x))}]}]\n")
    out = tmp_path / "out"
    (out / "z.yml").mkdir(parents=True)  # the last target is in the way
    result = interp("render", str(pipelines), "-v", "x=r", "--out-dir", str(out))
    assert result.code == 1, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["z.yml"]
    assert "nothing was written" in result.stderr


def test_success_replaces_every_file_and_leaves_nothing_else(inputs, out):
    (out / "b.yml").write_text("b: previous\n")
    result = interp("render", *inputs, "-v", "x=1", "--out-dir", str(out))
    assert (result.code, result.stderr) == (0, "")
    assert tree(out) == {"a.yml": "a: '1'\n", "b.yml": "b: '1'\n", "c.yml": "c: '1'\n"}
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o600"}


def test_without_hard_links_the_previous_content_is_copied(out, monkeypatch):
    def no_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    real_replace = os.replace

    def replace(source, target):
        if Path(target).name == "b.yml":
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    (out / "a.yml").chmod(0o640)
    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError, match=r"put back as it was"):
        write_atomically([(out / "a.yml", b"new a\n"), (out / "b.yml", b"new b\n")])
    assert tree(out) == {"a.yml": "a: previous\n"}
    assert (out / "a.yml").stat().st_mode & 0o777 == 0o640

"""Issue 26, item 2: `-j N` spreads check's and render's files over worker processes, and
nothing the user sees changes: output byte for byte, order, exit codes, the summary line.

The pool starts only above a size threshold; here it is lowered so that the fixtures
(small files) go to workers, and the one-process run (-j 1) is the reference.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from interp import parallel
from interp.cli import main
from tests.corpus import PUBLIC
from tests.cli import interp

REPO = Path(__file__).resolve().parents[1]
FIXTURES = sorted((REPO / "fixtures" / "check").glob("*.yml"))
CLEAN = """\
resources:
- name: repo
  type: git
  source: {uri: ((uri)), branch: ((branch))}
jobs:
- name: build-{n}
  plan:
  - get: repo
    trigger: true
  - task: test
    config:
      platform: linux
      image_resource: {type: registry-image, source: {repository: ((image))}}
      run: {path: echo, args: ["((greeting)) {n}"]}
"""


def _clean(n: int) -> str:
    return CLEAN.replace("{n}", str(n))


BROKEN = "jobs:\n- name: broken\n  plan:\n  - get: nowhere\n"  # an unknown resource: an error


class _Recorded:
    """Every pool started in this test, and its worker processes (to see that they ended)."""

    def __init__(self) -> None:
        self.executors: list[object] = []
        self.workers: dict[int, object] = {}

    def processes(self) -> list[object]:
        return list(self.workers.values())


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> _Recorded:
    """A pool for any two files (the threshold at 1 byte), and a record of the pools started."""
    from concurrent.futures import ProcessPoolExecutor

    recorded = _Recorded()

    class RecordingExecutor(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            if self not in recorded.executors:
                recorded.executors.append(self)
            future = super().submit(*args, **kwargs)
            recorded.workers.update(getattr(self, "_processes", None) or {})  # the workers started so far
            return future

    monkeypatch.setattr(parallel, "MIN_BYTES_PER_WORKER", 1)
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", RecordingExecutor)
    return recorded


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Every check fixture, generated clean pipelines, and failing files in the middle."""
    pipelines = tmp_path / "pipelines"
    pipelines.mkdir()
    for path in FIXTURES:
        shutil.copyfile(path, pipelines / path.name)
    for n in range(12):
        (pipelines / f"m-generated-{n:02d}.yml").write_text(_clean(n))
    (pipelines / "m-generated-05x-broken.yml").write_text(BROKEN)
    return pipelines


@pytest.fixture
def renderable(folder: Path) -> Path:
    """The folder less the files no render takes (not YAML, not UTF-8): render does not validate."""
    from interp import Renderer
    from interp.errors import InterpError

    renderer = Renderer(skip_missing=True)
    for path in sorted(folder.iterdir()):
        try:
            renderer.render_files([path])
        except InterpError:
            path.unlink()
    assert len(list(folder.iterdir())) > 20
    return folder


def _run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    code = main(["--no-config", *arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("output_format", ["text", "json", "github", "sarif"])
def test_check_in_workers_says_exactly_what_one_process_says(folder, pools, capsys, output_format):
    one = _run(capsys, "check", "-j", "1", "--format", output_format, str(folder))
    assert pools.executors == []
    two = _run(capsys, "check", "-j", "2", "--format", output_format, str(folder))
    assert len(pools.executors) == 1, "the pool was not used: this test compares nothing"
    assert two == one
    assert one[0] == 1 and "broken" in one[1]  # the failing file in the middle is reported, exit 1


def test_check_in_workers_keeps_the_order_of_many_arguments(folder, pools, capsys):
    files = [str(p) for p in sorted(folder.iterdir(), reverse=True)]
    one = _run(capsys, "check", "-j", "1", "--strict", *files)
    two = _run(capsys, "check", "-j", "3", "--strict", *files)
    assert pools.executors and two == one
    assert "files" in one[2]  # the summary line, the same


def test_check_in_workers_with_only_clean_files_exits_0(tmp_path, pools, capsys):
    for n in range(6):
        (tmp_path / f"p{n}.yml").write_text(_clean(n))
    code, out, err = _run(capsys, "check", "-j", "2", str(tmp_path))
    assert pools.executors and (code, out) == (0, "")
    assert err == _run(capsys, "check", "-j", "1", str(tmp_path))[2]


def test_check_in_workers_with_static_vars_and_silencing(folder, pools, capsys):
    flags = ["-v", "image=alpine", "--disable", "unused-var-source", "--only-pipelines"]
    one = _run(capsys, "check", "-j", "1", *flags, str(folder))
    two = _run(capsys, "check", "-j", "2", *flags, str(folder))
    assert pools.executors and two == one


def test_one_file_never_starts_a_pool(pools, capsys, tmp_path):
    (tmp_path / "p.yml").write_text(_clean(1))
    assert _run(capsys, "check", "-j", "4", str(tmp_path / "p.yml"))[0] == 0
    assert _run(capsys, "render", "-j", "4", "-v", "uri=u", "-v", "branch=b", "-v", "image=i", "-v", "greeting=g",
                str(tmp_path / "p.yml"))[0] == 0
    assert pools.executors == []


def test_small_inputs_stay_in_one_process_at_the_real_threshold(capsys, tmp_path, monkeypatch):
    started: list[int] = []
    monkeypatch.setattr(parallel, "map_in_order", lambda *a, **k: started.append(1))
    for n in range(20):
        (tmp_path / f"p{n}.yml").write_text(_clean(n))
    assert _run(capsys, "check", str(tmp_path))[0] == 0  # default -j: every core, but 20 small files
    assert started == []


def test_standard_input_is_read_as_before(pools, capsys, monkeypatch, folder):
    import io
    import sys

    text = _clean(1).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    code, out, err = _run(capsys, "check", "-j", "2", "-")
    assert (code, out) == (0, "") and "1 file" in err
    assert pools.executors == []


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_below_one_or_not_a_number_is_a_usage_error(value):
    for command in (["check", "x.yml"], ["render", "x.yml"]):
        result = interp(command[0], "-j", value, command[1])
        assert result.code == 2
        assert "-j/--jobs" in result.stderr and "Traceback" not in result.stderr


def _render_vars() -> list[str]:
    return ["-v", "uri=https://example.com/r.git", "-v", "branch=main", "-v", "image=alpine", "-v", "greeting=hi"]


def test_render_out_dir_in_workers_writes_what_one_process_writes(renderable, pools, capsys, tmp_path):
    folder = renderable
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        result = _run(capsys, "render", "-j", jobs, "--skip-missing", *_render_vars(), str(folder), "--out-dir", str(out))
        outputs[jobs] = (result, {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert len(pools.executors) == 1
    assert outputs["2"] == outputs["1"]
    (code, _, err), written = outputs["1"]
    assert code == 0 and len(written) > 12 and "--skip-missing left" in err


def test_render_in_workers_fails_exactly_as_one_process_and_writes_nothing(renderable, pools, capsys, tmp_path):
    # An undefined var in several files: said once across them by the one-process render.
    folder = renderable
    (folder / "m-generated-03x-undefined.yml").write_text("jobs:\n- name: a\n  plan: [{get: ((missing))}]\n")
    (folder / "m-generated-07x-undefined.yml").write_text("jobs:\n- name: b\n  plan: [{get: ((missing))}]\n")
    results = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        results[jobs] = _run(capsys, "render", "-j", jobs, *_render_vars(), str(folder), "--out-dir", str(out))
        assert not out.exists()
    assert pools.executors and results["2"] == results["1"]
    assert results["1"][0] == 1 and "missing" in results["1"][2]


def test_render_keep_going_in_workers_matches_one_process(folder, pools, capsys, tmp_path):
    (folder / "m-generated-03x-undefined.yml").write_text("jobs:\n- name: a\n  plan: [{get: ((missing))}]\n")
    results = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out-{jobs}"
        code, stdout, err = _run(capsys, "render", "-j", jobs, "--keep-going", *_render_vars(), str(folder),
                                 "--out-dir", str(out))
        results[jobs] = (code, stdout, err, sorted(p.name for p in out.iterdir()))
    assert pools.executors and results["2"] == results["1"]
    assert results["1"][0] == 1


def test_render_with_a_team_stays_in_one_process(folder, pools, capsys, tmp_path):
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/main/uri: u\n")
    _run(capsys, "render", "-j", "2", "--team", "main", "--secrets-file", str(secrets), "--skip-missing",
         str(folder), "--out-dir", str(tmp_path / "out"))
    assert pools.executors == []


def test_an_interrupted_render_leaves_no_worker_and_no_output(folder, pools, capsys, tmp_path, monkeypatch):
    from interp import cli
    from interp.commands import render

    stopped: list[int] = []
    monkeypatch.setattr(cli, "_stop_now", lambda message, code: stopped.append(code) or code)

    def interrupt(self, count):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # Ctrl-C once the first chunk is back, others still running

    monkeypatch.setattr(render._Progress, "advance", interrupt)
    out = tmp_path / "out"
    code = main(["--no-config", "render", "-j", "2", "--skip-missing", *_render_vars(), str(folder), "--out-dir", str(out)])
    assert code == 130 and stopped == [130]
    assert pools.executors and pools.processes()
    assert not any(_running(p) for p in pools.processes())
    assert not out.exists()


def test_an_interrupted_check_leaves_no_worker(folder, pools, capsys, monkeypatch):
    from interp import cli

    stopped: list[int] = []
    monkeypatch.setattr(cli, "_stop_now", lambda message, code: stopped.append(code) or code)
    real = parallel.chunks_of

    def many_chunks_then_interrupt(sizes, workers):  # type: ignore[no-untyped-def]
        ranges = real(sizes, workers)
        assert len(ranges) > 2
        return ranges

    monkeypatch.setattr(parallel, "chunks_of", many_chunks_then_interrupt)
    original = parallel.map_in_order

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        def on_done(count: int) -> None:
            raise KeyboardInterrupt

        return original(*args, **{**kwargs, "on_chunk_done": on_done})

    monkeypatch.setattr(parallel, "map_in_order", interrupted)
    assert main(["--no-config", "check", "-j", "2", str(folder)]) == 130
    assert pools.processes() and not any(_running(p) for p in pools.processes())


def test_an_error_in_a_worker_reaches_the_parent_with_every_worker_stopped(pools):
    with pytest.raises(ZeroDivisionError):
        parallel.map_in_order(_divide, [1, 0, 2, 3], [10, 10, 10, 10], 2, initializer=_nothing)
    assert pools.processes() and not any(_running(p) for p in pools.processes())


def _running(process: object) -> bool:
    """Whether the worker's process still exists (and is not a zombie): asked of the system,
    not of the Process object, which the executor's own thread reaps."""
    import os

    pid = process.pid  # type: ignore[attr-defined]
    if not os.path.isdir("/proc"):  # no process table to read: exists at all
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _divide(items: list[int]) -> list[float]:
    return [1 / item for item in items]


def _nothing() -> None:
    pass


def test_results_come_back_in_input_order(pools):
    items = list(range(40))
    sizes = [1 + (n * 7) % 13 for n in items]
    assert parallel.map_in_order(_square, items, sizes, 3, initializer=_nothing) == [n * n for n in items]


def _square(items: list[int]) -> list[int]:
    return [n * n for n in items]


def test_chunks_cover_every_item_once_in_order():
    sizes = [5, 1, 1, 20, 3, 3, 3, 100, 1]
    ranges = parallel.chunks_of(sizes, 2)
    assert [p for r in ranges for p in r] == list(range(len(sizes)))
    assert len(ranges) > 1


def test_worker_count_needs_two_files_and_enough_text():
    big = parallel.MIN_BYTES_PER_WORKER
    assert parallel.worker_count(8, [10 * big]) == 1  # one file: nothing to share
    assert parallel.worker_count(8, [100, 100]) == 1  # too little text
    assert parallel.worker_count(1, [big] * 8) == 1
    assert parallel.worker_count(8, [big] * 3) == 3
    assert parallel.worker_count(2, [big] * 8) == 2


@pytest.mark.skipif(len(PUBLIC) < 2, reason="no pipeline corpus (../shared/corpus or INTERP_CORPUS)")
def test_the_corpus_in_workers_is_checked_as_in_one_process(pools, capsys, tmp_path):
    for path in PUBLIC:
        shutil.copyfile(path, tmp_path / (path.stem + ".yml"))
    one = _run(capsys, "check", "-j", "1", "--format", "json", str(tmp_path))
    two = _run(capsys, "check", "-j", "2", "--format", "json", str(tmp_path))
    assert pools.executors and two == one


@pytest.fixture
def collector_restored():
    import gc

    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def test_full_collections_are_made_rare_and_workers_share_the_setting(pools, collector_restored):
    import gc

    from interp.gc_settings import FULL_COLLECTION_EVERY, collect_for_many_files

    gc.set_threshold(700, 10, 10)
    collect_for_many_files()
    assert gc.get_threshold() == (700, 10, FULL_COLLECTION_EVERY)
    seen = parallel.map_in_order(_thresholds, [1, 2], [1, 1], 2, initializer=_nothing)
    assert seen == [(700, 10, FULL_COLLECTION_EVERY)] * 2


def _thresholds(items: list[int]) -> list[tuple[int, int, int]]:
    import gc

    return [gc.get_threshold() for _ in items]


def test_a_collector_turned_off_stays_off(collector_restored):
    import gc

    from interp.gc_settings import collect_for_many_files

    gc.set_threshold(0, 10, 10)
    collect_for_many_files()
    assert gc.get_threshold() == (0, 10, 10)

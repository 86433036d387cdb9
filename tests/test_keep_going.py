"""`render --keep-going` and `keep_going=True`: one odd file does not stop the others (make -k).

Every file that renders is written (together, atomically), the broken ones are listed with
their file:line:col and not written (an existing output of theirs stays as it was), and the
exit is 1; a failure of the secret backend still stops everything (exit 3, nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import interp
from interp import InterpError, Renderer
from tests.cli import interp as run_interp

SECRET = "hunter2-not-for-logs"  # a static var's value: never in a message
GOOD = "jobs:\n- name: j{n}\n  plan:\n  - task: t\n    params: {{X: ((x)), N: {n}}}\n"
BROKEN_YAML = "jobs:\n- name: broken\n  plan: [\n"  # the flow sequence never ends: 4:1
UNDEFINED = "jobs:\n- name: undefined\n  plan:\n  - task: t\n    params: {X: ((x)), Y: ((nope))}\n"


def rendered_good(n: int) -> str:
    return f"jobs:\n- name: j{n}\n  plan:\n  - task: t\n    params: {{X: {SECRET}, N: {n}}}\n"


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder`, hidden ones too (no temporary may be left behind)."""
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def pipelines(tmp_path: Path) -> Path:
    """40 pipeline files: 38 good (one in a subfolder), one broken YAML, one undefined var."""
    folder = tmp_path / "pipelines"
    (folder / "sub").mkdir(parents=True)
    for n in range(1, 38):
        (folder / f"good{n:02}.yml").write_text(GOOD.format(n=n))
    (folder / "sub" / "good38.yml").write_text(GOOD.format(n=38))
    (folder / "broken.yml").write_text(BROKEN_YAML)
    (folder / "undefined.yml").write_text(UNDEFINED)
    return folder


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "broken.yml").write_text("previous broken\n")  # a failed input's output: left untouched
    (folder / "good01.yml").write_text("previous good\n")  # a good input's output: replaced
    return folder


def expected_tree() -> dict[str, str]:
    files = {f"good{n:02}.yml": rendered_good(n) for n in range(1, 38)}
    files["sub/good38.yml"] = rendered_good(38)
    files["broken.yml"] = "previous broken\n"
    return dict(sorted(files.items()))


@pytest.mark.parametrize("naming", [[], ["--pipeline-from", "filename"]], ids=["one-plan", "pipeline-from"])
def test_keep_going_writes_every_good_file_lists_the_broken_ones_and_exits_1(pipelines, out, naming):
    result = run_interp(
        "render", str(pipelines), "--out-dir", str(out), "-v", f"x={SECRET}", "--keep-going", *naming
    )
    assert result.code == 1, result.stderr
    assert result.stdout == ""
    assert tree(out) == expected_tree()
    broken, undefined = pipelines / "broken.yml", pipelines / "undefined.yml"
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{broken}:4:1: invalid YAML") for line in lines), result.stderr
    assert f"{undefined}:5:27: undefined var: nope" in lines, result.stderr
    assert lines[-1] == (
        f"interp: --keep-going: 2 of 40 files failed and were not written: {broken}, {undefined}; "
        "the other 38 were written"
    )
    assert "good0" not in result.stderr  # only the failures are listed
    assert SECRET not in result.stderr
    assert all(line.startswith((str(pipelines), "interp: ")) for line in lines), result.stderr


def test_keep_going_writes_its_outputs_with_the_atomic_writer(pipelines, out, monkeypatch, capsys):
    """The good files go to interp.output's all-or-nothing writer, in one call, without the broken ones."""
    import interp.output
    from interp.cli import main

    calls: list[list[Path]] = []
    real = interp.output.write_atomically

    def spy(files: Any) -> None:
        calls.append([target for target, _ in files])
        real(files)

    monkeypatch.setattr(interp.output, "write_atomically", spy)
    code = main(["render", str(pipelines), "--out-dir", str(out), "-v", "x=1", "--keep-going"])
    assert code == 1
    (targets,) = calls
    assert len(targets) == 38 and out / "broken.yml" not in targets and out / "undefined.yml" not in targets
    assert oct((out / "good02.yml").stat().st_mode & 0o777) == "0o600"


def test_without_keep_going_nothing_is_written_as_before(pipelines, out):
    result = run_interp("render", str(pipelines), "--out-dir", str(out), "-v", f"x={SECRET}")
    assert result.code == 1
    assert tree(out) == {"broken.yml": "previous broken\n", "good01.yml": "previous good\n"}
    assert "--keep-going" not in result.stderr


def test_keep_going_with_only_broken_files_writes_nothing(tmp_path, out):
    bad = tmp_path / "broken.yml"
    bad.write_text(BROKEN_YAML)
    result = run_interp("render", str(bad), "-o", str(out / "broken.yml"), "-v", "x=1", "--keep-going")
    assert result.code == 1
    assert result.stderr.startswith(f"{bad}:4:1: invalid YAML")
    assert tree(out) == {"broken.yml": "previous broken\n", "good01.yml": "previous good\n"}


def test_a_backend_failure_still_stops_everything_with_exit_3(pipelines, out):
    offline = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",  # a closed port: nothing leaves the machine
    }
    result = run_interp(
        "render", str(pipelines), "--out-dir", str(out), "--team", "main", "--pipeline-from", "filename",
        "--keep-going", env=offline,
    )  # fmt: skip
    assert result.code == 3, result.stderr
    assert tree(out) == {"broken.yml": "previous broken\n", "good01.yml": "previous good\n"}
    assert "EndpointConnectionError" in result.stderr
    assert f"{pipelines / 'broken.yml'}:4:1: invalid YAML" in result.stderr  # what failed before it, too


def test_help_offers_keep_going():
    result = run_interp("render", "--help")
    assert "--keep-going" in result.stdout


# --- the library -----------------------------------------------------------------------


def library_inputs(tmp_path: Path) -> list[Path]:
    paths = []
    for name, text in (("a", GOOD.format(n=1)), ("broken", BROKEN_YAML), ("b", GOOD.format(n=2)), ("undefined", UNDEFINED)):
        path = tmp_path / f"{name}.yml"
        path.write_text(text)
        paths.append(path)
    return paths


@pytest.mark.parametrize("pipeline_from", [None, "filename"])
def test_render_files_keep_going_returns_each_files_text_or_its_error(tmp_path, pipeline_from):
    paths = library_inputs(tmp_path)
    results = interp.render_files(paths, vars={"x": SECRET}, pipeline_from=pipeline_from, keep_going=True)
    a, broken, b, undefined = results
    assert (a, b) == (rendered_good(1), rendered_good(2))
    assert isinstance(broken, InterpError) and isinstance(undefined, InterpError)
    assert broken.exit_code == undefined.exit_code == 1
    assert [p.location[:3] for p in broken.problems] == [(str(paths[1]), 4, 1)]
    located = [p for p in undefined.problems if p.location.line]
    assert [(p.location, p.message) for p in located] == [((str(paths[3]), 5, 27), "undefined var: nope")]
    assert all(SECRET not in str(error) for error in (broken, undefined))


def test_render_files_without_keep_going_still_raises_for_every_file(tmp_path):
    paths = library_inputs(tmp_path)
    with pytest.raises(InterpError) as raised:
        interp.render_files(paths, vars={"x": 1}, pipeline_from="filename")
    assert {p.location.file for p in raised.value.problems if p.location.line} == {str(paths[1]), str(paths[3])}
    assert interp.render_files(paths[::2], vars={"x": 1}) == [rendered_good(1).replace(SECRET, "1"), rendered_good(2).replace(SECRET, "1")]


def test_renderer_keep_going_with_every_file_good_is_plain_texts(tmp_path):
    paths = library_inputs(tmp_path)[::2]
    renderer = Renderer(vars={"x": SECRET})
    assert renderer.render_files(paths, keep_going=True) == [rendered_good(1), rendered_good(2)]


def test_renderer_keep_going_raises_a_backend_failure(tmp_path):
    from botocore.exceptions import EndpointConnectionError

    from interp.sources.aws_settings import SecretsManagerSettings
    from tests.test_secretsmanager import FakeSecretsManager

    class Unreachable(FakeSecretsManager):
        def get_secret_value(self, *, SecretId: str) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    renderer = Renderer(team="t", client=Unreachable({}), settings=SecretsManagerSettings(batch_enabled=False))
    with pytest.raises(InterpError) as raised:
        renderer.render_files(library_inputs(tmp_path), pipeline_from="filename", keep_going=True)
    assert raised.value.exit_code == 3

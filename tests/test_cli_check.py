"""`interp check` as a user and as pre-commit run it."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.cli import REPO, clean_environment, interp
from tests.corpus import INVALID, PUBLIC, require_corpus

EXAMPLE = REPO / "fixtures" / "example"
GOOD = "resources:\n- name: r\n  type: git\njobs:\n- name: j\n  plan:\n  - get: r\n"
BAD = GOOD + "  - get: nope\n"
WARNS = "jobs:\n- name: Build\n  plan: []\n"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_clean_file_passes_with_a_summary(tmp_path):
    result = interp("check", str(write(tmp_path, "p.yml", GOOD)))
    assert (result.code, result.stdout) == (0, "")
    assert result.stderr == "no problems in 1 file\n"


def test_errors_fail_with_file_line_col_and_rule(tmp_path):
    path = write(tmp_path, "p.yml", BAD)
    result = interp("check", str(path))
    assert result.code == 1
    assert result.stdout.splitlines()[0].startswith(f"{path}:8:")
    assert "[unknown-resource]" in result.stdout


def test_warnings_pass_unless_strict(tmp_path):
    path = write(tmp_path, "p.yml", WARNS)
    relaxed = interp("check", str(path))
    assert relaxed.code == 0 and "warning:" in relaxed.stdout
    assert interp("check", "--strict", str(path)).code == 1


def test_json_format_is_a_stable_list(tmp_path):
    path = write(tmp_path, "p.yml", BAD)
    items = json.loads(interp("check", "--format", "json", str(path)).stdout)
    assert items and all(list(item) == ["file", "line", "column", "severity", "rule", "message"] for item in items)
    assert items[0]["file"] == str(path) and items[0]["severity"] == "error"


def test_github_format_gives_annotations(tmp_path):
    path = write(tmp_path, "p.yml", BAD)
    line = interp("check", "--format", "github", str(path)).stdout.splitlines()[0]
    assert line.startswith(f"::error file={path},line=8,col=")
    assert "title=unknown-resource::" in line


def run_on_terminal(args, env_extra):
    """Run interp with stdout on a pseudo-terminal; return what it printed there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "interp", *args], stdout=follower, stderr=subprocess.DEVNULL,
        env=clean_environment(env_extra),
    )  # fmt: skip
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(leader)
    return output.decode()


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path):
    path = str(write(tmp_path, "p.yml", BAD))
    assert "\033[" in run_on_terminal(["check", path], {})
    assert "\033[" not in run_on_terminal(["check", path], {"NO_COLOR": "1"})
    assert "\033[" not in interp("check", path).stdout


def test_only_pipelines_skips_other_yaml_silently(tmp_path):
    other = write(tmp_path, "compose.yml", "services:\n  web: {image: nginx}\n")
    bad = write(tmp_path, "p.yml", BAD)
    result = interp("check", "--only-pipelines", str(other), str(bad))
    assert result.code == 1
    assert str(other) not in result.stdout and str(bad) in result.stdout


def test_corpus_errors_are_exactly_the_recorded_findings():
    require_corpus()
    result = interp("check", "--format", "json", *map(str, PUBLIC))
    files_with_errors = {item["file"].rsplit("/", 1)[-1] for item in json.loads(result.stdout) if item["severity"] == "error"}
    findings = (REPO / "fixtures" / "corpus-findings.md").read_text()
    recorded = {line[2:].split(" | ")[0] for line in findings.splitlines() if line.startswith("- ")}
    assert result.code == 1
    assert files_with_errors == recorded


def test_templates_that_are_not_pipelines_fail():
    require_corpus()
    for path in INVALID:
        result = interp("check", str(path))
        assert result.code == 1, path
        assert f"{path}:" in result.stdout


def test_resolve_reports_unresolved_vars_with_ids_and_no_values(tmp_path):
    secrets = write(tmp_path, "secrets.yml", "/concourse/t/present: '{\"k\": \"VALUE-MARKER\"}'\n")
    pipeline = write(tmp_path, "p.yml", GOOD.replace("type: git", "type: git\n  source: {a: ((present.k)), b: ((absent))}"))
    result = interp("check", "--resolve", "--team", "t", "--secrets-file", str(secrets), str(pipeline))
    assert result.code == 1
    assert "undefined var: absent (looked up: /concourse/t/absent, /concourse/absent)" in result.stdout
    assert "[unresolved-var]" in result.stdout
    assert "VALUE-MARKER" not in result.stdout + result.stderr
    ok = interp("check", "--resolve", "--team", "t", "--secrets-file", str(secrets), "-v", "absent=x", str(pipeline))
    assert (ok.code, ok.stdout) == (0, "")


def test_offline_check_never_imports_boto3(tmp_path):
    path = write(tmp_path, "p.yml", GOOD + "  - task: t\n    file: r/t.yml\n    params: {X: ((x))}\n")
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "interp", "check", str(path)],
        capture_output=True, text=True, env=clean_environment(),
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout
    modules = {line.split("|")[-1].strip() for line in completed.stderr.splitlines() if "|" in line}
    imported = {module.split(".")[0] for module in modules}
    assert "ruamel" in imported and "interp.check.references" in modules  # the references were linted
    assert "boto3" not in imported and "botocore" not in imported
    # A valid pipeline is answered by the compiled schema check: jsonschema (~100 ms of
    # start-up) is loaded only to word the errors of an invalid one.
    assert "interp.check.schema" in modules and "jsonschema" not in imported


def test_an_invalid_pipeline_still_gets_jsonschemas_errors(tmp_path):
    path = write(tmp_path, "p.yml", "jobs:\n- name: j\n  plan: {}\n")
    result = interp("check", str(path))
    assert result.code == 1 and "p.yml:3:9: error" in result.stdout and "[schema]" in result.stdout


def test_pre_commit_runs_the_hook_on_pipelines_only(tmp_path):
    """A real pre-commit run, with the hook as .pre-commit-hooks.yaml defines it."""
    hook = YAML(typ="safe", pure=True).load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    assert hook["id"] == "interp-check" and hook["entry"].startswith("interp check")
    # language: system with this interpreter, so the test needs no network to build the hook's venv.
    local = {**hook, "language": "system", "entry": f"{sys.executable} -m {hook['entry'].replace('interp ', 'interp ', 1)}"}
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    repository = tmp_path / "repo"
    repository.mkdir()
    write(repository, ".pre-commit-config.yaml", json.dumps(config))
    write(repository, "pipeline.yml", BAD)
    write(repository, "docker-compose.yml", "services:\n  web: {image: nginx}\n")
    write(repository, "notes.md", "jobs: not yaml here\n")
    env = clean_environment({"PRE_COMMIT_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path)})
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=repository, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repository, check=True, env=env)
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    failed = subprocess.run(pre_commit, cwd=repository, capture_output=True, text=True, env=env)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "pipeline.yml:8:" in failed.stdout and "docker-compose.yml" not in failed.stdout
    write(repository, "pipeline.yml", GOOD)
    subprocess.run(["git", "add", "-A"], cwd=repository, check=True, env=env)
    passed = subprocess.run(pre_commit, cwd=repository, capture_output=True, text=True, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def _readme_pre_commit_config() -> str:
    """The README's .pre-commit-config.yaml block, exactly as written there."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\n# .pre-commit-config.yaml\n") + len("```yaml\n")
    return readme[start : readme.index("```", start)]


def _offline_site_packages(target) -> str:
    """This environment's installed dependencies, for the hook's own virtualenv to import.

    pre-commit builds the hook's environment with `pip install .` of the pinned commit;
    with no network, pip must find interp's dependencies already installed (PIP_NO_INDEX)
    and build without an isolated environment. The links leave out pip, setuptools and
    interp itself, so the hook runs the pinned commit's interp built by its own setuptools.
    """
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"])
    target.mkdir()
    for entry in site.iterdir():
        if entry.name.startswith(("pip", "setuptools", "_distutils_hack", "pkg_resources", "distutils-precedence",
                                  "wheel", "interp", "__editable__", "__pycache__")):
            continue
        (target / entry.name).symlink_to(entry)
    return str(target)


def test_the_readme_pre_commit_example_works_as_written(tmp_path):
    """Regression: the README pinned `rev: v0.1.0`, a tag that does not exist. The example runs
    as written; only the repository URL becomes this local clone."""
    config = _readme_pre_commit_config()
    rev = YAML(typ="safe", pure=True).load(config)["repos"][0]["rev"]
    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], check=False, cwd=REPO, capture_output=True, text=True)
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone may lack the pinned commit")
    exists = subprocess.run(["git", "cat-file", "-e", f"{rev}^{{commit}}"], check=False, cwd=REPO, capture_output=True)
    assert exists.returncode == 0, f"the README pins rev {rev}, which is no commit of this repository"
    repository = tmp_path / "repo"
    repository.mkdir()
    url = "https://github.com/<you>/interp"
    assert url in config
    write(repository, ".pre-commit-config.yaml", config.replace(url, str(REPO)))
    write(repository, "pipeline.yml", BAD)
    write(repository, "values.yml", "not: a pipeline\n")
    env = clean_environment({
        "PRE_COMMIT_HOME": str(tmp_path / "cache"), "HOME": str(tmp_path),
        "PYTHONPATH": _offline_site_packages(tmp_path / "deps"),
        "PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0",
    })  # fmt: skip
    subprocess.run(["git", "-c", "init.defaultBranch=main", "init", "-q"], cwd=repository, check=True, env=env)
    subprocess.run(["git", "add", "-A"], cwd=repository, check=True, env=env)
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    failed = subprocess.run(pre_commit, check=False, cwd=repository, capture_output=True, text=True, env=env, timeout=600)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "interp check (Concourse pipelines)" in failed.stdout
    assert "pipeline.yml:8:" in failed.stdout and "values.yml" not in failed.stdout
    write(repository, "pipeline.yml", GOOD)
    subprocess.run(["git", "add", "-A"], cwd=repository, check=True, env=env)
    passed = subprocess.run(pre_commit, check=False, cwd=repository, capture_output=True, text=True, env=env, timeout=600)
    assert passed.returncode == 0, passed.stdout + passed.stderr

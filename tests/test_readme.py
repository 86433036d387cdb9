"""The README's promises: its commands, its library examples, its CI contract."""

import re
import tomllib

from tests.cli import REPO, interp

README = (REPO / "README.md").read_text()
SHELL_BLOCKS = re.findall(r"```sh\n(.*?)```", README, re.S)


def test_first_command_renders_the_shipped_example_as_expected():
    setup_and_render = SHELL_BLOCKS[0].strip()
    render = setup_and_render.split("&& .venv/bin/interp ")[1].split()
    result = interp(*render, cwd=REPO)
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (REPO / "fixtures" / "example" / "expected.yml").read_text()


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = SHELL_BLOCKS[1].strip()
    ci = (REPO / ".ci" / "run").read_text()
    assert f'TEST_COMMAND="{test_command}"' in ci


def test_python_examples_run():
    """Every plain ```python block runs; only blocks titled as needing AWS are left out."""
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert len(blocks) >= 2
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_every_package_ships_in_the_wheel():
    configured = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "interp").rglob("__init__.py")
    }
    assert on_disk <= configured
    assert "interp.grammar" in configured

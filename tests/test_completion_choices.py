"""Completion offers the values a flag or argument takes (choices, rule ids, audit kinds), not file names."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from interp.audit import FINDING_KINDS
from interp.check.rules import RULES
from tests.cli import interp


def bash_complete(*words: str) -> list[str]:
    """COMPREPLY for `interp WORDS...`, the last word the one being completed."""
    script = interp("completion", "bash").stdout
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in ("interp", *words))
    probe = script + f'COMP_WORDS=({quoted}); COMP_CWORD={len(words)}; _interp; printf "%s\\n" "${{COMPREPLY[@]}}"\n'
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True, cwd="/")
    return done.stdout.split()


def test_bash_completes_choices_of_format_and_pipeline_from() -> None:
    assert bash_complete("check", "--format", "") == ["text", "json", "github", "sarif"]
    assert bash_complete("vars", "--format", "j") == ["json"]
    assert bash_complete("render", "--pipeline-from", "") == ["filename", "dirname"]
    assert bash_complete("audit", "--pipeline-from", "d") == ["dirname"]


def test_bash_completes_the_shell_of_completion() -> None:
    assert bash_complete("completion", "") == ["bash", "zsh", "fish"]
    assert bash_complete("completion", "z") == ["zsh"]


def test_bash_completes_rule_ids_of_disable_and_audit_kinds() -> None:
    assert bash_complete("check", "--disable", "") == sorted(RULES)
    assert bash_complete("check", "--disable", "job-") == [r for r in sorted(RULES) if r.startswith("job-")]
    assert bash_complete("audit", "--only", "") == list(FINDING_KINDS)
    assert bash_complete("audit", "--only", "missing-") == ["missing-field"]
    # comma-separated: the values before the last comma are kept
    assert bash_complete("audit", "--only", "missing,sh") == ["missing,shadowed"]


def test_bash_still_completes_files_and_flags_elsewhere() -> None:
    assert "--disable" in bash_complete("check", "--dis")
    assert "etc" in bash_complete("check", "et")


def test_zsh_script_carries_the_choices() -> None:
    script = interp("completion", "zsh").stdout
    assert ":value:(text json github sarif)'" in script
    assert ":value:(filename dirname)'" in script
    assert "'1:value:(bash zsh fish)'" in script
    assert "_values -s , value " + " ".join(sorted(RULES)) in script
    assert "_values -s , value " + " ".join(FINDING_KINDS) in script


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_the_choices(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pipeline.yml").write_text("jobs: []\n")
    script = interp("completion", "fish").stdout

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            ["fish", "--no-config", "-c", f"source; complete -C {line!r}"],
            input=script, capture_output=True, text=True, check=True, cwd=tmp_path,
        )
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert sorted(complete("interp check --format ")) == ["github", "json", "sarif", "text"]
    assert complete("interp check pi") == ["pipeline.yml"]  # files still, where a file goes
    assert sorted(complete("interp check --disable ")) == sorted(RULES)
    assert complete("interp audit --only missing,sh") == ["missing,shadowed"]
    assert sorted(complete("interp completion ")) == ["bash", "fish", "zsh"]

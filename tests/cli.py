"""Running the `interp` command as a user would: a subprocess, bytes in and out."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without AWS or Concourse settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONCOURSE_"))}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra or {})
    return env


def interp(*args: str, stdin: bytes | None = None, cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 120) -> Result:
    completed = subprocess.run(
        [sys.executable, "-m", "interp", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=clean_environment(env),
        timeout=timeout,
    )
    return Result(completed.returncode, completed.stdout.decode(), completed.stderr.decode())

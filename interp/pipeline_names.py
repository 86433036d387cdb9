"""Naming each file's pipeline when many files are rendered at once."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

PipelineFrom = Literal["filename", "dirname"]
PIPELINE_FROM_CHOICES: tuple[PipelineFrom, ...] = ("filename", "dirname")


def pipeline_name(path: str | Path, pipeline_from: PipelineFrom) -> str:
    """pipelines/deploy.yml -> deploy (filename); ci/deploy/pipeline.yml -> deploy (dirname)."""
    path = Path(path)
    if pipeline_from == "filename":
        return path.stem
    if pipeline_from == "dirname":
        return path.resolve().parent.name
    raise ValueError(f"pipeline_from must be one of {', '.join(PIPELINE_FROM_CHOICES)}, not {pipeline_from!r}")

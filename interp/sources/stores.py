"""The two AWS stores a Concourse cluster may read credentials from, and picking one by its
settings: Secrets Manager (`secretsmanager`) or SSM Parameter Store (`ssm`)."""

from __future__ import annotations

from typing import Any

from interp.sources.base import Source


def store_source(team: str, pipeline: str | None, settings: Any, **options: Any) -> Source:
    """The source reading the store `settings` (SecretsManagerSettings or SsmSettings) are for."""
    if settings.SERVICE == "ssm":
        from interp.sources.ssm import SsmSource

        return SsmSource(team=team, pipeline=pipeline, settings=settings, **options)
    from interp.sources.secretsmanager import SecretsManagerSource

    return SecretsManagerSource(team=team, pipeline=pipeline, settings=settings, **options)

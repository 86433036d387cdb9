"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moto_server import reset_moto, running_moto_server


@pytest.fixture(scope="session")
def _moto_server_session() -> Iterator[str]:
    with running_moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def moto_server(_moto_server_session: str) -> Iterator[str]:
    """Endpoint URL of a moto server on 127.0.0.1, emptied before each test.

    Seed it with `moto_server.secretsmanager_client(endpoint)`; give processes
    `moto_server.aws_test_env(endpoint)` as environment.
    """
    reset_moto(_moto_server_session)
    yield _moto_server_session

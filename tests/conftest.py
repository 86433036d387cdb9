"""Shared pytest fixtures."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest

from goyaml_reader import goyaml  # noqa: F401 - the go-yaml v2 reader fixture, for every test
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


# Hypothesis profiles. "short" (the default) keeps hypothesis's usual 100 examples with no
# deadline; `--hypothesis-profile=long` is a soak. Expensive properties (tests/test_fuzz.py)
# scale their example counts from the active profile.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
# On CI the examples are fixed, so a run is repeatable; locally each run explores anew.
hypothesis_settings.register_profile(
    "short",
    max_examples=100,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    derandomize=bool(os.environ.get("CI")),
)
hypothesis_settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=_SLOW_OK)


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hypothesis_profile", default=None):
        hypothesis_settings.load_profile("short")


@pytest.fixture
def debug_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, botocore's included, captured from here on."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("botocore").setLevel(logging.DEBUG)
        try:
            yield caplog
        finally:
            logging.getLogger("botocore").setLevel(logging.NOTSET)

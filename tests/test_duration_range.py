"""A duration past Go's int64 nanoseconds is out of range, not "not a duration" (issue 21 item 9b)."""

from __future__ import annotations

import pytest

from interp.sources.aws_settings import DurationOutOfRange, parse_go_duration
from tests.cli import interp

FAR = "99999999999h"  # well formed; about 11 million years


@pytest.mark.parametrize("text", [FAR, "-" + FAR, "9223372037s", "1" + "0" * 400 + "ns"])
def test_a_well_formed_duration_past_292_years_is_out_of_range(text: str) -> None:
    with pytest.raises(DurationOutOfRange):
        parse_go_duration(text)


@pytest.mark.parametrize("text", ["10 s", "5", "1x", "", "h"])
def test_malformed_text_is_still_not_a_duration(text: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_go_duration(text)
    assert not isinstance(raised.value, DurationOutOfRange)


@pytest.mark.parametrize(
    "flags, env, where",
    [
        (["--read-timeout", FAR], {}, "--read-timeout"),
        (["--connect-timeout", FAR], {}, "--connect-timeout"),
        (["--secret-retry-interval", FAR], {}, "--secret-retry-interval (CONCOURSE_SECRET_RETRY_INTERVAL)"),
        ([], {"CONCOURSE_SECRET_RETRY_INTERVAL": FAR}, "--secret-retry-interval (CONCOURSE_SECRET_RETRY_INTERVAL)"),
        ([], {"CONCOURSE_SECRET_CACHE_DURATION": FAR}, "CONCOURSE_SECRET_CACHE_DURATION"),
    ],
    ids=["read-timeout", "connect-timeout", "retry-flag", "retry-env", "cache-env"],
)
def test_the_cli_says_out_of_range(flags: list[str], env: dict[str, str], where: str) -> None:
    result = interp("--no-config", "render", "-", "--team", "t", *flags, stdin=b"a: ((x))\n", env={"AWS_REGION": "us-east-1", **env})
    assert result.code == 2, result.stderr
    assert f"interp: error: {where}: '{FAR}' is out of range" in result.stderr
    assert "not a duration" not in result.stderr


def test_a_malformed_duration_keeps_its_wording() -> None:
    result = interp("--no-config", "render", "-", "--team", "t", "--read-timeout", "10 s", stdin=b"a: ((x))\n", env={"AWS_REGION": "us-east-1"})
    assert result.code == 2 and "--read-timeout: '10 s' is not a duration such as 500ms" in result.stderr

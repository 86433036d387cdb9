"""A moto server on 127.0.0.1 for end-to-end tests (CLI subprocesses, endpoint overrides).

    with running_moto_server() as endpoint:
        env = {**os.environ, **aws_test_env(endpoint)}
        subprocess.run(["interp", ...], env=env)

The server runs in a thread of the test process on a free port and is always
stopped. Its state is moto's in-process state: call `reset_moto(endpoint)`
between tests that share one server.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

TEST_REGION = "us-east-1"


@contextmanager
def running_moto_server() -> Iterator[str]:
    """Start a ThreadedMotoServer on a free port; yield its endpoint URL; always stop it."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: the OS picks a free one
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset_moto(endpoint: str) -> None:
    """Forget every resource the server holds."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def aws_test_env(endpoint: str, region: str = TEST_REGION) -> dict[str, str]:
    """Environment for a process that must talk to the moto server and nothing else."""
    return {
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint,
        "AWS_ENDPOINT_URL_SSM": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def secretsmanager_client(endpoint: str, region: str = TEST_REGION) -> Any:
    """A boto3 client pointed at the server, for seeding secrets."""
    import boto3

    return boto3.client(
        "secretsmanager",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def ssm_client(endpoint: str, region: str = TEST_REGION) -> Any:
    """A boto3 SSM client pointed at the server, for seeding parameters."""
    import boto3

    return boto3.client(
        "ssm",
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

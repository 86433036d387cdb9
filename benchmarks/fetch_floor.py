"""How close interp's secret fetching comes to the floor, against Concourse's algorithm.

    python benchmarks/fetch_floor.py [--sizes 10 100 1000] [--delay-ms 20] [--uses 3]

One run, all on 127.0.0.1: a moto server behind a small HTTP proxy that adds a
fixed delay to every request (a realistic AWS round trip) and counts requests
by API action. For each size U (distinct references: pipeline-level,
team-level, shared, and missing ones rendered with --skip-missing, each used
--uses times) it runs, each as a whole process:

  (a)  interp render, batch allowed
  (a0) the same with the proxy's delay at 0: a - a0 is the time spent waiting on the network
  (b)  interp render with BatchGetSecretValue denied by the proxy (AccessDeniedException)
  (c)  Concourse's algorithm (in this script): for every occurrence, sequential
       GetSecretValue per candidate path until one exists, no dedupe

and prints requests by action, wall time, the ratios c/a and c/b, and the
floor: ceil(candidate ids / 20) BatchGetSecretValue requests.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEAM, PIPELINE = "bench", "pipe"
REGION = "us-east-1"


class CountingDelayProxy:
    """An HTTP/1.1 proxy in front of moto: sleeps `delay` per request, counts actions."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.delay = 0.0
        self.deny_batch = False
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # or Nagle adds ~40 ms to every small response

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                action = (self.headers.get("X-Amz-Target") or "?").split(".")[-1]
                with proxy.lock:
                    proxy.counts[action] += 1
                time.sleep(proxy.delay)
                if proxy.deny_batch and action == "BatchGetSecretValue":
                    self._reply(400, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(
                        {"__type": "AccessDeniedException", "message": "not authorized to perform BatchGetSecretValue"}
                    ).encode())  # fmt: skip
                    return
                upstream = proxy.connection()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request("POST", self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                self._reply(response.status, dict(response.getheaders()), data)

            def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.local = threading.local()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def connection(self) -> http.client.HTTPConnection:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.local.connection = connection
        return connection

    def take_counts(self) -> dict[str, int]:
        with self.lock:
            counts = dict(self.counts)
            self.counts.clear()
        return counts

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def aws_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONCOURSE_"))}
    env.update(
        AWS_ENDPOINT_URL_SECRETS_MANAGER=endpoint, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
        AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION, AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull, PYTHONPATH=str(REPO),
    )  # fmt: skip
    return env


def generate(size: int, uses: int, prefix: str) -> tuple[str, dict[str, str]]:
    """A pipeline with `size` distinct references and the secrets that answer them."""
    secrets: dict[str, str] = {}
    names = []
    for index in range(size):
        name = f"{prefix}-{index}"
        names.append(name)
        level = index % 10
        if level < 4:
            secrets[f"/concourse/{TEAM}/{PIPELINE}/{name}"] = f"pipeline-{index}"
        elif level < 7:
            secrets[f"/concourse/{TEAM}/{name}"] = f"team-{index}"
        elif level < 9:
            secrets[f"/concourse/{name}"] = f"shared-{index}"
        # level 9: missing, left as written by --skip-missing
    lines = ["jobs:"]
    for use in range(uses):
        lines += [f"- name: job-{use}", "  plan:", "  - task: t", "    params:"]
        lines += [f"      P{i}: (({name}))" for i, name in enumerate(names)]
    return "\n".join(lines) + "\n", secrets


CONCOURSE_REFERENCE = """
import re, sys, boto3
from botocore.config import Config
text = open(sys.argv[1]).read()
team, pipeline = sys.argv[2], sys.argv[3]
client = boto3.client("secretsmanager", config=Config(retries={"mode": "standard", "total_max_attempts": 5}))
NotFound = (client.exceptions.ResourceNotFoundException, client.exceptions.InvalidRequestException)
for name in re.findall(r"\\(\\(([-\\w/.]+)\\)\\)", text):  # every occurrence, in order, no dedupe
    for secret_id in (f"/concourse/{team}/{pipeline}/{name}", f"/concourse/{team}/{name}", f"/concourse/{name}"):
        try:
            client.get_secret_value(SecretId=secret_id)
            break
        except NotFound:
            continue
"""


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"benchmark command failed ({completed.returncode}): {' '.join(command)}\n{completed.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--uses", type=int, default=3, help="times each reference appears")
    parser.add_argument("--repeat", type=int, default=3, help="runs of interp per mode; the median is shown")
    args = parser.parse_args()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    moto_port = moto.get_host_and_port()[1]
    proxy = CountingDelayProxy(moto_port)
    endpoint = f"http://127.0.0.1:{proxy.port}"
    env = aws_env(endpoint)
    seeder = boto3.client("secretsmanager", endpoint_url=f"http://127.0.0.1:{moto_port}", region_name=REGION,
                          aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    interp = [sys.executable, "-m", "interp", "render", "--team", TEAM, "--pipeline", PIPELINE, "--skip-missing"]
    print(f"delay per request: {args.delay_ms:.0f} ms; each reference used {args.uses} times; "
          f"median of {args.repeat} runs for interp")  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for size in args.sizes:
                text, secrets = generate(size, args.uses, f"u{size}")
                for secret_id, value in secrets.items():
                    seeder.create_secret(Name=secret_id, SecretString=value)
                template = Path(scratch) / f"pipeline-{size}.yml"
                template.write_text(text)
                reference = Path(scratch) / "concourse_reference.py"
                reference.write_text(CONCOURSE_REFERENCE)

                def run(mode: str, delay: float, deny: bool, command: list[str], repeat: int) -> tuple[float, dict]:
                    proxy.delay, proxy.deny_batch = delay, deny
                    times = []
                    for _ in range(repeat):
                        proxy.take_counts()
                        times.append(timed(command, env))
                        counts = proxy.take_counts()
                    return sorted(times)[len(times) // 2], counts

                delay = args.delay_ms / 1000
                a, a_counts = run("a", delay, False, [*interp, str(template)], args.repeat)
                a0, _ = run("a0", 0.0, False, [*interp, str(template)], args.repeat)
                b, b_counts = run("b", delay, True, [*interp, str(template)], args.repeat)
                c, c_counts = run("c", delay, False, [sys.executable, str(reference), str(template), TEAM, PIPELINE], 1)
                candidates = 3 * size
                floor = math.ceil(candidates / 20)
                print(f"\nU = {size}: {candidates} candidate ids, floor {floor} BatchGetSecretValue requests")
                print(f"  (a)  batch allowed      {a * 1000:8.0f} ms  requests {a_counts}")
                print(f"  (a0) batch, no delay    {a0 * 1000:8.0f} ms  network wait a - a0 = {(a - a0) * 1000:.0f} ms "
                      f"({(a - a0) / delay if delay else 0:.1f} round trips)")  # fmt: skip
                print(f"  (b)  batch denied       {b * 1000:8.0f} ms  requests {b_counts}")
                print(f"  (c)  Concourse's way    {c * 1000:8.0f} ms  requests {c_counts}")
                print(f"  c/a = {c / a:.1f}   c/b = {c / b:.1f}")
    finally:
        proxy.stop()
        moto.stop()


if __name__ == "__main__":
    main()

"""How close interp's SSM Parameter Store fetching comes to the floor, against Concourse's algorithm.

    python benchmarks/ssm_fetch_floor.py [--sizes 10 100] [--delay-ms 20] [--uses 3] [--repeat 5]

The SSM twin of fetch_floor.py (same proxy, same shape): moto on 127.0.0.1
behind an HTTP proxy that adds a fixed delay to every request and counts them
by API action. For each size U it seeds SecureString parameters for U distinct
references, in tenths: 3 pipeline-level, 2 team-level, 2 shared (under
--aws-ssm-shared-path), 1 team-level by-path map (`((NAME.password))` where
/concourse/TEAM/NAME/password exists), 1 pipeline-level by-path map of 12
fields (two GetParametersByPath pages), 1 missing (rendered with
--skip-missing); each used --uses times. Modes, each a whole process:

  (a)  interp render with SSM selected (--aws-ssm-region; AWS_ENDPOINT_URL_SSM -> proxy)
  (a0) the same with the proxy's delay at 0: a - a0 is the time spent waiting on the network
  (b)  interp render with GetParameters denied by the proxy (AccessDeniedException for that
       action only): interp falls back to GetParameter name by name
  (c)  Concourse's algorithm (in this script, from shared/spec/aws-ssm.md): for every
       occurrence, no dedupe, for each candidate in order GetParameter(WithDecryption); on
       ParameterNotFound, GetParametersByPath (recursive, decrypted, MaxResults 10, all pages);
       stop at the first found or error

It prints requests by action, wall time (median of --repeat runs for interp),
the ratios c/a and c/b, and the floor, computed here from the seeded data and
not from interp: ceil(distinct candidate names / 10) GetParameters, plus the
GetParametersByPath pages of the misses Concourse's order reaches. It also
checks that (a), (b) and (c) render the same values.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fetch_floor import REGION, CountingDelayProxy, aws_env  # noqa: E402  (the Secrets Manager benchmark's helpers)

TEAM, PIPELINE = "bench", "pipe"
SHARED_PATH = "/shared"
BATCH_ACTION = "GetParameters"
NAMES_PER_CALL = 10  # GetParameters' limit for Names
PAGE_SIZE = 10  # Concourse's MaxResults for GetParametersByPath
MAP_FIELDS_BIG = 12  # more than one page


class DenyingProxy(CountingDelayProxy):
    """fetch_floor's proxy, plus: `denied_action` is answered AccessDeniedException (counted, delayed)."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__(upstream_port)
        self.denied_action: str | None = None
        proxy = self
        base = self.server.RequestHandlerClass

        class Handler(base):  # type: ignore[misc,valid-type]
            def do_POST(self) -> None:
                action = (self.headers.get("X-Amz-Target") or "?").split(".")[-1]
                if action != proxy.denied_action:
                    return super().do_POST()
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy.lock:
                    proxy.counts[action] += 1
                time.sleep(proxy.delay)
                body = {"__type": "AccessDeniedException", "message": f"not authorized to perform ssm:{action}"}
                self._reply(400, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(body).encode())

        self.server.RequestHandlerClass = Handler


def candidates(name: str) -> list[str]:
    """Concourse's SSM candidates for a var name: pipeline, team, shared (the shared path is set)."""
    return [f"/concourse/{TEAM}/{PIPELINE}/{name}", f"/concourse/{TEAM}/{name}", f"{SHARED_PATH}/{name}"]


def generate(size: int, uses: int, prefix: str) -> tuple[str, dict[str, str]]:
    """A pipeline with `size` distinct references, and the parameters that answer them."""
    parameters: dict[str, str] = {}
    references = []
    for index in range(size):
        name = f"{prefix}-{index}"
        level = index % 10
        reference = name
        if level < 3:
            parameters[f"/concourse/{TEAM}/{PIPELINE}/{name}"] = f"pipeline-{index}"
        elif level < 5:
            parameters[f"/concourse/{TEAM}/{name}"] = f"team-{index}"
        elif level < 7:
            parameters[f"{SHARED_PATH}/{name}"] = f"shared-{index}"
        elif level == 7:  # team-level map: ((NAME.password)) through GetParametersByPath of /concourse/TEAM/NAME
            parameters[f"/concourse/{TEAM}/{name}/password"] = f"team-map-{index}"
            parameters[f"/concourse/{TEAM}/{name}/user"] = f"team-user-{index}"
            reference = f"{name}.password"
        elif level == 8:  # pipeline-level map of 12 fields: two pages
            for field in range(MAP_FIELDS_BIG):
                parameters[f"/concourse/{TEAM}/{PIPELINE}/{name}/f{field}"] = f"pipeline-map-{index}-{field}"
            reference = f"{name}.f{MAP_FIELDS_BIG - 1}"
        # level 9: missing, left as written by --skip-missing
        references.append(reference)
    lines = ["jobs:"]
    for use in range(uses):
        lines += [f"- name: job-{use}", "  plan:", "  - task: t", "    params:"]
        lines += [f"      P{i}: (({reference}))" for i, reference in enumerate(references)]
    return "\n".join(lines) + "\n", parameters


def floor(references: list[str], parameters: dict[str, str]) -> tuple[int, int, int, int]:
    """(distinct candidate names, GetParameters, GetParametersByPath pages, names reached) at the floor.

    Every candidate of every distinct reference is read by name, 10 a call; then,
    walking Concourse's order per reference, each candidate not found by name costs
    the pages of its by-path read (one page when empty), and a non-empty map stops.
    Names reached: the candidates that order asks by name, the fewest GetParameter
    calls when GetParameters is denied."""
    names = {candidate for reference in references for candidate in candidates(reference.split(".")[0])}
    pages = reached = 0
    for reference in dict.fromkeys(references):
        for candidate in candidates(reference.split(".")[0]):
            reached += 1
            if candidate in parameters:
                break
            below = sum(1 for name in parameters if name.startswith(candidate + "/"))
            pages += max(1, math.ceil(below / PAGE_SIZE))
            if below:
                break
    return len(names), math.ceil(len(names) / NAMES_PER_CALL), pages, reached


CONCOURSE_REFERENCE = """
import json, re, sys, boto3
from botocore.config import Config
text = open(sys.argv[1]).read()
team, pipeline, shared_path = sys.argv[2], sys.argv[3], sys.argv[4]
client = boto3.client("ssm", config=Config(retries={"mode": "standard", "total_max_attempts": 5}))

def get(path):  # Concourse's Ssm.Get for one candidate: (found, value)
    try:
        return True, client.get_parameter(Name=path, WithDecryption=True)["Parameter"]["Value"]
    except client.exceptions.ParameterNotFound:
        pass
    query = path.rstrip("/") or "/"
    request = dict(Path=query, Recursive=True, WithDecryption=True, MaxResults=10)
    values = {}
    while True:
        page = client.get_parameters_by_path(**request)
        for parameter in page["Parameters"]:
            values[parameter["Name"][len(query) + 1:]] = parameter["Value"]
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    return bool(values), values

resolved = {}
for reference in re.findall(r"\\(\\(([-\\w/.]+)\\)\\)", text):  # every occurrence, in order, no dedupe
    name, *fields = reference.split(".")
    value = None
    for path in (f"/concourse/{team}/{pipeline}/{name}", f"/concourse/{team}/{name}", f"{shared_path}/{name}"):
        found, value = get(path)  # an error other than ParameterNotFound ends the run: no fall-through
        if found:
            break
    else:
        continue
    for field in fields:
        value = value[field]
    resolved[reference] = value
print(json.dumps(resolved))
"""


def run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"benchmark command failed ({completed.returncode}): {' '.join(command)}\n{completed.stderr}")
    return elapsed, completed.stdout


def expected_render(text: str, resolved: dict[str, str]) -> object:
    """The pipeline with Concourse's values substituted; unresolved references left as written."""
    for reference, value in resolved.items():
        text = text.replace(f"(({reference}))", json.dumps(value))
    return yaml.safe_load(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100], help="U; 1000 takes minutes in mode (c)")
    parser.add_argument("--delay-ms", type=float, default=20.0)
    parser.add_argument("--uses", type=int, default=3, help="times each reference appears")
    parser.add_argument("--repeat", type=int, default=5, help="runs of interp per mode; the median is shown")
    args = parser.parse_args()

    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request log lines

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    moto_port = moto.get_host_and_port()[1]
    proxy = DenyingProxy(moto_port)
    endpoint = f"http://127.0.0.1:{proxy.port}"
    env = {**aws_env(endpoint), "AWS_ENDPOINT_URL_SSM": endpoint}
    seeder = boto3.client("ssm", endpoint_url=f"http://127.0.0.1:{moto_port}", region_name=REGION,
                          aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
    interp = [sys.executable, "-m", "interp", "render", "--team", TEAM, "--pipeline", PIPELINE, "--skip-missing",
              "--quiet", "--aws-ssm-region", REGION, "--aws-ssm-shared-path", SHARED_PATH]  # fmt: skip
    print(f"delay per request: {args.delay_ms:.0f} ms; each reference used {args.uses} times; "
          f"median of {args.repeat} runs for interp")  # fmt: skip
    all_at_floor = True
    try:
        with tempfile.TemporaryDirectory() as scratch:
            reference_script = Path(scratch) / "concourse_reference.py"
            reference_script.write_text(CONCOURSE_REFERENCE)
            for size in args.sizes:
                text, parameters = generate(size, args.uses, f"u{size}")
                for name, value in parameters.items():
                    seeder.put_parameter(Name=name, Value=value, Type="SecureString")
                template = Path(scratch) / f"pipeline-{size}.yml"
                template.write_text(text)
                references = [line.split("((")[1].split("))")[0] for line in text.splitlines() if "((" in line]

                def measure(delay: float, denied: str | None, command: list[str], repeat: int) -> tuple[float, dict, str]:
                    proxy.delay, proxy.denied_action = delay, denied
                    times, counts, outputs = [], Counter(), set()
                    for _ in range(repeat):
                        proxy.take_counts()
                        elapsed, output = run(command, env)
                        times.append(elapsed)
                        counts = proxy.take_counts()
                        outputs.add(output)
                    if len(outputs) != 1:
                        sys.exit(f"runs of {' '.join(command)} printed different output")
                    return statistics.median(times), dict(sorted(counts.items())), outputs.pop()

                delay = args.delay_ms / 1000
                c, c_counts, c_out = measure(delay, None, [sys.executable, str(reference_script), str(template),
                                                           TEAM, PIPELINE, SHARED_PATH], 1)  # fmt: skip
                a, a_counts, a_out = measure(delay, None, [*interp, str(template)], args.repeat)
                a0, _, _ = measure(0.0, None, [*interp, str(template)], args.repeat)
                b, b_counts, b_out = measure(delay, BATCH_ACTION, [*interp, str(template)], args.repeat)

                expected = expected_render(text, json.loads(c_out))
                same = {mode: yaml.safe_load(out) == expected for mode, out in (("a", a_out), ("b", b_out))}
                names, get_parameters, pages, reached = floor(references, parameters)
                floor_counts = {"GetParameters": get_parameters, "GetParametersByPath": pages}
                at_floor = a_counts == floor_counts
                all_at_floor &= at_floor
                print(f"\nU = {size}: {names} distinct candidate names, {len(parameters)} parameters; floor "
                      f"{get_parameters} GetParameters + {pages} GetParametersByPath pages = {get_parameters + pages}")  # fmt: skip
                print(f"  (a)  GetParameters        {a * 1000:8.0f} ms  requests {a_counts}  "
                      f"{'= floor' if at_floor else '!= floor'}")  # fmt: skip
                print(f"  (a0) the same, no delay   {a0 * 1000:8.0f} ms  network wait a - a0 = {(a - a0) * 1000:.0f} ms "
                      f"({(a - a0) / delay if delay else 0:.1f} round trips)")  # fmt: skip
                print(f"  (b)  GetParameters denied {b * 1000:8.0f} ms  requests {b_counts}  "
                      f"(fewest: 1 denied GetParameters + {reached} GetParameter + {pages} pages)")  # fmt: skip
                print(f"  (c)  Concourse's way      {c * 1000:8.0f} ms  requests {c_counts}")
                print(f"  c/a = {c / a:.1f}   c/b = {c / b:.1f}   same values as (c): "
                      f"a {'yes' if same['a'] else 'NO'}, b {'yes' if same['b'] else 'NO'}")  # fmt: skip
    finally:
        proxy.stop()
        moto.stop()
    print(f"\ninterp's requests equal the floor at every size: {'yes' if all_at_floor else 'NO'}")


if __name__ == "__main__":
    main()

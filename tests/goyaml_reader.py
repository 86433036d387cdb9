"""Three YAML readers, one answer format: go-yaml v2 (Concourse's, the judge), PyYAML, ruamel.yaml.

The go-yaml reader is our small Go program (tests/goyaml/main.go), built once per
test session against Debian's golang-gopkg-yaml.v2-dev in GOPATH mode, nothing
downloaded. It answers many documents per process: `GoYaml.read_many`.

Every reader's answer is turned into the same canonical form (`canonical`), in
which types stay apart (1, 1.0, True and "1" all differ), floats compare by bits
(-0.0 is not 0.0; every NaN is one NaN) and map order does not count.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

GOPATH = Path("/usr/share/gocode")
GO_YAML_PACKAGE = GOPATH / "src" / "gopkg.in" / "yaml.v2"
PROGRAM_DIR = Path(__file__).parent / "goyaml"
HOW_TO_ENABLE = "apt-get install golang-go golang-gopkg-yaml.v2-dev"

Canonical = tuple[Any, ...]


class ReadError(Exception):
    """A reader refused the document."""


# ------------------------------------------------------------------ canonical form


def canonical(value: Any) -> Canonical:
    """A hashable, type-exact form of a loaded value (Python objects from PyYAML, ruamel or a test)."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", _float_key(value))
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, datetime.datetime | datetime.date):
        return ("time", value.isoformat())
    if isinstance(value, bytes):
        return ("bytes", value)
    if isinstance(value, Mapping):
        return ("map", _sorted_pairs((canonical(k), canonical(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(canonical(item) for item in value))
    return ("other", f"{type(value).__name__} {value!r}")


def _float_key(value: float) -> str:
    return "nan" if math.isnan(value) else value.hex()


def _sorted_pairs(pairs: Iterator[tuple[Canonical, Canonical]]) -> tuple[tuple[Canonical, Canonical], ...]:
    return tuple(sorted(pairs, key=repr))


def from_go(tagged: list[Any]) -> Canonical:
    """The Go program's tagged JSON value in canonical form."""
    kind = tagged[0]
    if kind == "null":
        return ("null",)
    if kind == "bool":
        return ("bool", tagged[1])
    if kind == "int":
        return ("int", int(tagged[1]))
    if kind == "float":
        return ("float", _float_key(float(tagged[1])))
    if kind == "str":
        return ("str", tagged[1])
    if kind == "list":
        return ("list", tuple(from_go(item) for item in tagged[1]))
    if kind == "map":
        return ("map", _sorted_pairs((from_go(k), from_go(v)) for k, v in tagged[1]))
    return (kind, tagged[1])


# ------------------------------------------------------------------ the readers


class GoYaml:
    """A running go-yaml reader process; `read_many` sends a whole batch through one pipe."""

    def __init__(self, binary: Path) -> None:
        self._process = subprocess.Popen(
            [str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8"
        )
        self._lock = threading.Lock()

    def read_many(self, documents: Sequence[str]) -> list[Canonical | ReadError]:
        """What go-yaml reads from each document: its canonical value, or a ReadError."""
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        requests = "".join(json.dumps(document) + "\n" for document in documents)
        with self._lock:
            # Write from a thread: a big batch would otherwise fill both pipes and deadlock.
            writer = threading.Thread(target=self._write, args=(requests,))
            writer.start()
            answers = [json.loads(process.stdout.readline()) for _ in documents]
            writer.join()
        return [from_go(a["ok"]) if "ok" in a else ReadError(a["error"]) for a in answers]

    def read(self, document: str) -> Canonical | ReadError:
        return self.read_many([document])[0]

    def _write(self, requests: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(requests)
        self._process.stdin.flush()

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(timeout=30)


def read_pyyaml(document: str) -> Canonical | ReadError:
    import yaml

    try:
        return canonical(yaml.load(document, Loader=yaml.SafeLoader))  # noqa: S506 - SafeLoader
    except yaml.YAMLError as error:
        return ReadError(" ".join(str(error).split()))


_ruamel = None


def read_ruamel(document: str) -> Canonical | ReadError:
    global _ruamel
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    if _ruamel is None:
        _ruamel = YAML(typ="safe", pure=True)
    try:
        return canonical(_ruamel.load(document))
    except YAMLError as error:
        return ReadError(" ".join(str(error).split()))
    except Exception as error:  # ruamel raises a few plain exceptions on odd input
        return ReadError(f"{type(error).__name__}: {error}")


# ------------------------------------------------------------------ building the Go reader


def build_go_reader(out_dir: Path) -> Path:
    """Compile tests/goyaml into out_dir, offline; pytest.skip (or fail on CI) when Go is missing."""
    missing = []
    if shutil.which("go") is None:
        missing.append("the go toolchain")
    if not GO_YAML_PACKAGE.is_dir():
        missing.append(f"gopkg.in/yaml.v2 in {GOPATH}")
    if missing:
        reason = f"go-yaml reader tests need {' and '.join(missing)}: {HOW_TO_ENABLE}"
        if os.environ.get("INTERP_REQUIRE_GOYAML") == "1":
            pytest.fail(f"INTERP_REQUIRE_GOYAML=1 but {reason}")
        pytest.skip(reason)
    binary = out_dir / "goyaml"
    environment = {
        **os.environ,
        "GOPATH": str(GOPATH),
        "GO111MODULE": "off",
        "GOCACHE": str(out_dir / "gocache"),
        "GOPROXY": "off",
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    result = subprocess.run(
        ["go", "build", "-o", str(binary), "."],
        cwd=PROGRAM_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        pytest.fail(f"building the go-yaml reader failed:\n{result.stdout}{result.stderr}")
    return binary


@pytest.fixture(scope="session")
def goyaml(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoYaml]:
    """go-yaml v2, the reader Concourse uses, as a batch reader (built once per session;
    tests/conftest.py registers it for every test)."""
    reader = GoYaml(build_go_reader(tmp_path_factory.mktemp("goyaml")))
    yield reader
    reader.close()

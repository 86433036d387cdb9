"""Where the shared corpus of real pipelines lives, and a lenient loader for comparing data.

The corpus is not part of the repository. `INTERP_CORPUS` names its folder; without
it, `../shared/corpus` beside the clone is used when it exists. Tests that need it
call `require_corpus()`, which skips them (with the reason) when there is none, and
fails them when `INTERP_CORPUS` names a folder that does not hold it: CI sets the
variable, so CI can never silently lose these tests.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import pytest

from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

REPO = Path(__file__).resolve().parents[1]
CORPUS_SETTING = "INTERP_CORPUS"
CORPUS = Path(os.environ.get(CORPUS_SETTING) or REPO.parent / "shared" / "corpus")
PUBLIC = sorted((CORPUS / "public").glob("*"))
INVALID = sorted((CORPUS / "public-invalid").glob("*"))
MINIMUM_PUBLIC = 50
NO_CORPUS = (
    "no pipeline corpus: these tests need the shared corpus of real pipelines (a folder with public/ and "
    f"public-invalid/, as beside the project in CI at ../shared/corpus); set {CORPUS_SETTING} to its path"
)


def public_cases() -> list[Any]:
    """Parameters for a test per corpus file: without a corpus, one case skipped for the
    corpus's reason (or, when one was promised, one that fails in `require_corpus`)."""
    if len(PUBLIC) >= MINIMUM_PUBLIC:
        return list(PUBLIC)
    if os.environ.get(CORPUS_SETTING):
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(None, id="no-corpus", marks=pytest.mark.skip(reason=NO_CORPUS))]


def require_corpus() -> None:
    """Skip the calling test module when there is no corpus; fail when one was promised."""
    if len(PUBLIC) >= MINIMUM_PUBLIC:
        return
    if os.environ.get(CORPUS_SETTING):
        raise AssertionError(
            f"{CORPUS_SETTING}={CORPUS} holds {len(PUBLIC)} public pipelines, expected at least {MINIMUM_PUBLIC}"
        )
    pytest.skip(NO_CORPUS, allow_module_level=True)


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def load_all(text: str) -> list[Any]:
    """Documents as data. Unlike ruamel's constructor, tolerates repeated merge keys
    (real pipelines have them) by merging each in turn, as go-yaml does."""
    yaml = YAML(typ="safe", pure=True)
    constructor = yaml.constructor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nodes = list(yaml.compose_all(text))
    memo: dict[int, Any] = {}

    def data(node: Node) -> Any:
        if id(node) in memo:
            return memo[id(node)]
        if isinstance(node, ScalarNode):
            result = constructor.construct_object(node, deep=True)
        elif isinstance(node, SequenceNode):
            result = memo[id(node)] = []
            result.extend(data(item) for item in node.value)
        else:
            assert isinstance(node, MappingNode)
            result = memo[id(node)] = {}
            own = {}
            for key, value in node.value:
                if key.tag == "tag:yaml.org,2002:merge":
                    merged = data(value)
                    for part in merged if isinstance(merged, list) else [merged]:
                        for k, v in part.items():
                            result.setdefault(k, v)
                else:
                    own[data(key)] = data(value)
            result.update(own)
        memo[id(node)] = result
        return result

    return [data(node) for node in nodes if node is not None]

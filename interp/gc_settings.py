"""The garbage collector's settings for a command over many files (check, render).

CPython runs a full collection every 10 younger ones once enough objects outlive them, and
each full collection walks every object alive. A render of many files holds every file's
nodes at once (one plan for all of them), so those walks grow with the run: measured on
1,020 pipelines, `render` spent more than half its time in them and `check` a fifth
(benchmarks/RESULTS.md, "Every core (issue 26)"). Full collections 100 times rarer cut
that, at the same peak memory: young cycles are still collected as before, and a command
is one short process. A setting for the CLI's process only; the library leaves the
collector as its caller has it.
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 1000  # younger collections; CPython's default is 10


def collect_for_many_files() -> None:
    """Make full collections rare for the rest of this process (its workers inherit it)."""
    young, middle, full = gc.get_threshold()
    if young:  # 0: the collector is off already
        gc.set_threshold(young, middle, max(full, FULL_COLLECTION_EVERY))

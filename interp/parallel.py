"""Every core for many files: the worker pool `check` and `render` spread files over (`-j N`).

A pool costs a fork per worker and, in each worker, the imports the work needs; it pays
only when there is enough text to share. So `worker_count` answers 1 (no pool at all)
for a single file, for few small files, and for `-j 1`; pre-commit's one-file check never
starts a process.

`map_in_order` runs a function over contiguous chunks of the items and returns the
results in input order, so callers merge them exactly as a one-process run would.
Workers ignore Ctrl-C; the parent, interrupted (or terminated), kills them before the
interruption goes on, so none is left behind and nothing half-done is returned.
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

# Below this much text per worker a pool costs more than it saves. Measured (benchmarks/
# RESULTS.md, "Every core (issue 26)"): a pool of two costs 50-150 ms of CPU more than one
# process (forks, pickling, each worker warming its own caches) and check reads about
# 1.3 MB a second per core; 512 KB a worker (1 MB for two) leaves a clear gain and keeps
# every commit-sized check in one process.
MIN_BYTES_PER_WORKER = 512 * 1024
CHUNKS_PER_WORKER = 4  # smaller chunks even out files of unequal cost; more cost pickling rounds


def default_jobs() -> int:
    """The cores this process may run on (its affinity, where the platform says)."""
    counted = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counted is not None:
        return counted() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def jobs_value(text: str) -> int:
    """argparse type for -j: a whole number of at least 1 (a usage error otherwise, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of worker processes") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1 worker process (-j 1 runs in one process)")
    return value


def add_jobs_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-j",
        "--jobs",
        type=jobs_value,
        default=None,
        metavar="N",
        help="spread the files over N worker processes (default: one per core); only when there is "
        "enough text for workers to pay, so one file or a few small ones stay in one process; "
        "output and exit code are those of -j 1",
    )


def worker_count(jobs: int | None, sizes: Sequence[int]) -> int:
    """How many workers to start for files of these sizes (bytes); 1 means run in this process."""
    wanted = default_jobs() if jobs is None else jobs
    if wanted <= 1 or len(sizes) < 2:
        return 1
    return max(1, min(wanted, len(sizes), sum(sizes) // MIN_BYTES_PER_WORKER))


def chunks_of(sizes: Sequence[int], workers: int) -> list[range]:
    """Contiguous ranges of item positions, each about the same number of bytes."""
    target = max(1, sum(sizes) // (workers * CHUNKS_PER_WORKER))
    ranges: list[range] = []
    start = total = 0
    for position, size in enumerate(sizes):
        total += size
        if total >= target:
            ranges.append(range(start, position + 1))
            start, total = position + 1, 0
    if start < len(sizes):
        ranges.append(range(start, len(sizes)))
    return ranges


def map_in_order(
    function: Callable[[list[Item]], list[Result]],
    items: Sequence[Item],
    sizes: Sequence[int],
    workers: int,
    *,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...] = (),
    on_chunk_done: Callable[[int], None] | None = None,
) -> list[Result]:
    """`function` (a module-level function: chunk of items -> one result per item) over the
    items in `workers` processes, each set up once by `initializer(*initargs)`; the results
    in input order. An exception in a worker is raised here, after every worker is stopped."""
    from concurrent.futures import ProcessPoolExecutor

    ranges = chunks_of(sizes, workers)
    executor = ProcessPoolExecutor(
        max_workers=min(workers, len(ranges)),
        mp_context=_context(),
        initializer=_start_worker,
        initargs=(initializer, initargs, gc.get_threshold()),
    )
    results: list[Result] = []
    try:
        with _interrupts_held():  # a worker forked now starts with Ctrl-C blocked, then ignores it
            futures = [executor.submit(function, [items[p] for p in chunk]) for chunk in ranges]
        for chunk, future in zip(ranges, futures, strict=True):
            done = future.result()
            if len(done) != len(chunk):
                raise RuntimeError(f"a worker returned {len(done)} results for {len(chunk)} items")
            results += done
            if on_chunk_done is not None:
                on_chunk_done(len(chunk))
    except BaseException:
        _stop_workers(executor)
        raise
    executor.shutdown(wait=True)
    return results


def _context() -> Any:
    """fork where it is safe (POSIX but not macOS, and no other thread yet): a worker starts
    with interp already imported; else forkserver (POSIX), else spawn."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class _interrupts_held:
    """Block SIGINT in this thread while workers are forked (they inherit the mask, so no
    Ctrl-C can reach one before it ignores it); a Ctrl-C meanwhile arrives on leaving."""

    def __enter__(self) -> None:
        self.blocked = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
        if self.blocked:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, *exc: object) -> None:
        if self.blocked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_worker(initializer: Callable[..., None], initargs: tuple[Any, ...], collector: tuple[int, ...]) -> None:
    # Ctrl-C at a terminal reaches the whole process group: the parent decides, workers go on
    # until it kills them. SIGTERM ends a worker at once (the CLI's own handler raises).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    gc.set_threshold(*collector)  # the parent's (a forked worker has them already, a spawned one not)
    initializer(*initargs)


def _stop_workers(executor: Any) -> None:
    """Kill every worker now, then let the executor reap them: an interrupted run leaves no
    process behind. (Killed workers break the pool at once, so the shutdown does not wait
    for any work; the executor's own thread joins them, and it alone, as it would anyway.)"""
    for process in list((getattr(executor, "_processes", None) or {}).values()):  # no public list before 3.14
        try:
            process.kill()
        except (OSError, ValueError):  # gone already, or closed
            pass
    executor.shutdown(wait=True, cancel_futures=True)

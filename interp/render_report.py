"""What a CLI says beside a render's output, collected by the renders run inside `reporting()`.

Apart from the engine so that a command can open the block without importing the
render machinery (a reference-free pipeline never needs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from interp.errors import Location


class RenderReport:
    """Filled by the renders run inside `reporting()`."""

    def __init__(self, *, command_line: bool = False) -> None:
        self.command_line = command_line  # hints name flags (--team) rather than library arguments (team=)
        self.left: list[tuple[Location, str]] = []  # --skip-missing: (place, name)
        # Numbers Concourse holds as float64 that a render wrote inside a string: var -> first place.
        self.float64_in_string: dict[str, Location] = {}
        # Names only, of every reference in the rendered files: canonical names, and the
        # default-source vars (paths) they use. For --reveal and the unused static vars warning.
        self.used_names: set[str] = set()
        self.used_paths: set[str] = set()


_REPORT: ContextVar[RenderReport | None] = ContextVar("interp_render_report", default=None)


@contextmanager
def reporting(*, command_line: bool = False) -> Iterator[RenderReport]:
    """Collect, for the renders inside the block, the references --skip-missing left as written."""
    report = RenderReport(command_line=command_line)
    token = _REPORT.set(report)
    try:
        yield report
    finally:
        _REPORT.reset(token)


def current_report() -> RenderReport | None:
    """The report of the innermost `reporting()` block around this render, if any."""
    return _REPORT.get()

"""Writing results so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path


def _write_temporary(target: Path, data: bytes) -> Path:
    """Write `data` to a private temporary file beside `target` and flush it to disk."""
    import tempfile  # only when writing: it pulls in shutil and the compression modules

    descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


def write_atomically(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file or none: all temporaries first, then one rename each.

    Renames are atomic per file; a failure before the first rename leaves no
    trace, and the window after it is only the renames themselves.
    """
    temporaries: list[tuple[Path, Path]] = []
    try:
        for target, data in files:
            temporaries.append((_write_temporary(target, data), target))
    except BaseException:
        for temporary, _ in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        raise
    for index, (temporary, target) in enumerate(temporaries):
        try:
            os.replace(temporary, target)
        except BaseException as error:
            # E.g. the target is a directory, or a signal arrived: leave no temporary behind.
            for leftover, _ in temporaries[index:]:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
            if isinstance(error, OSError):  # name the target, not the temporary
                raise OSError(error.errno, error.strerror, str(target)) from None
            raise

"""Writing results so that a failure never leaves a half-written file behind.

`write_atomically` writes every file or none: it creates the missing folders,
writes every file to a private temporary beside its target, checks every target
and keeps a second name (a hard link) for each file it will replace, and only
then renames. A rename that fails part-way is undone: the files already
replaced get their previous content back, new ones are removed, and so are the
folders it created. Its error says exactly what happened.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


class OutputError(Exception):
    """Writing the outputs failed; `message` says why and what was done about it (names, no data)."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def write_outputs(files: Mapping[str | os.PathLike[str], str | bytes]) -> None:
    """The library's way to write rendered pipelines as the CLI does: every file or none, each
    0600, text as UTF-8, missing folders created. Raises OutputError (names, never data)."""
    encoded = [(Path(path), text.encode("utf-8") if isinstance(text, str) else bytes(text)) for path, text in files.items()]
    write_atomically(encoded)


def write_atomically(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file or none (see the module's docstring); raise OutputError on failure."""
    targets = [target for target, _ in files]
    created: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    try:  # everything before the first rename: undone by removing what it made
        _make_folders(targets, created)
        temporaries = _write_temporaries(files)
        previous = _prepare_targets(targets)
    except BaseException as error:
        _remove_all(temporary for temporary, _ in temporaries)
        _remove_folders(created)
        if isinstance(error, OSError):
            path = Path(error.filename) if error.filename else targets[0]
            raise OutputError(path, f"{error.strerror or error}; nothing was written") from None
        raise
    try:
        _replace_all(temporaries, previous)
    except BaseException:
        _remove_folders(created)  # emptied again by the undo, unless it could not undo
        raise


def _make_folders(targets: list[Path], created: list[Path]) -> None:
    """Create the targets' missing folders, recording each in `created` (outermost first)."""
    for target in targets:
        missing = [folder for folder in (target.parent, *target.parent.parents) if not folder.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)


def _remove_folders(created: list[Path]) -> None:
    for folder in reversed(created):
        with contextlib.suppress(OSError):  # no longer empty: someone else's now
            folder.rmdir()


def _write_temporary(target: Path, data: bytes) -> Path:
    """Write `data` to a private temporary file beside `target` and flush it to disk.
    An OSError names the target, not the temporary."""
    import tempfile  # only when writing: it pulls in shutil and the compression modules

    name = None
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as error:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror, str(target)) from None
        raise
    return Path(name)


def _write_temporaries(files: Sequence[tuple[Path, bytes]]) -> list[tuple[Path, Path]]:
    """(temporary, target) for every file; on failure, none is left behind."""
    temporaries: list[tuple[Path, Path]] = []
    try:
        for target, data in files:
            temporaries.append((_write_temporary(target, data), target))
    except BaseException:
        _remove_all(temporary for temporary, _ in temporaries)
        raise
    return temporaries


def _remove_all(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _prepare_targets(targets: list[Path]) -> list[Path | None]:
    """Before the first rename: refuse a directory in a target's place, and keep a second name
    for each file that will be replaced (None: nothing there yet), to put back on failure.
    The last target needs none: when its rename fails, its file was never touched."""
    for target in targets:
        if target.is_dir() and not target.is_symlink():  # a rename can replace a link, not a folder
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    previous: list[Path | None] = []
    try:
        for index, target in enumerate(targets):
            previous.append(_keep_previous(target) if index < len(targets) - 1 else None)
    except BaseException:
        _remove_all(kept for kept in previous if kept is not None)
        raise
    return previous


def _keep_previous(target: Path) -> Path | None:
    """A second name beside `target` for its current file (a hard link: the same file, mode and
    owner, for free), or a copy where links are not supported; None when there is no file."""
    if not os.path.lexists(target):
        return None
    while True:
        kept = target.with_name(f".{target.name}.{os.urandom(4).hex()}.previous")
        try:
            os.link(target, kept, follow_symlinks=False)
            return kept
        except FileExistsError:
            continue  # a name taken by chance: draw another
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                raise
            return _copy_beside(target)


def _copy_beside(target: Path) -> Path:
    """A private copy of `target`'s content and mode, for a file system without hard links."""
    copy = _write_temporary(target, target.read_bytes())
    os.chmod(copy, os.stat(target).st_mode & 0o7777)
    return copy


def _replace_all(temporaries: list[tuple[Path, Path]], previous: list[Path | None]) -> None:
    """Rename each temporary onto its target; on a failure part-way, undo the renames done."""
    for index, (temporary, target) in enumerate(temporaries):
        try:
            os.replace(temporary, target)
        except BaseException as error:
            # E.g. a signal arrived, or the file system refused: leave no temporary behind.
            _remove_all(leftover for leftover, _ in temporaries[index:])
            undone = _undo([t for _, t in temporaries[:index]], previous[:index])
            _remove_all(kept for kept in previous[index:] if kept is not None)
            if isinstance(error, OSError):  # name the target, not the temporary
                reason = error.strerror or str(error)
                raise OutputError(target, f"{reason}; {undone}") from None
            raise
    _remove_all(kept for kept in previous if kept is not None)


def _undo(replaced: list[Path], previous: list[Path | None]) -> str:
    """Put back what each replaced target held (or remove it if it is new); say what happened."""
    done, failures = [], []
    for target, kept in zip(reversed(replaced), reversed(previous), strict=True):
        try:
            if kept is None:
                os.unlink(target)
                done.append(f"{target} removed again")
            else:
                os.replace(kept, target)
                done.append(f"{target} put back as it was")
        except OSError as error:
            keeps = f", its previous content is in {kept}" if kept is not None else ""
            failures.append(f"{target} was written and could not be undone ({error.strerror or error}){keeps}")
    if failures:
        return "; ".join([*failures, *done])
    return "; ".join(["nothing was written", *done])

"""`interp render`: templates in, rendered pipelines out (stdout, -o FILE, or --out-dir DIR)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from interp.errors import ConfigError, ExitCode, InterpError, Location, Problem

HELP = "render pipeline templates with their ((vars)) resolved"
DESCRIPTION = """\
Resolve every ((var)) of the given templates and write the result. Static vars
answer first; with --team, the rest are looked up in AWS Secrets Manager
(pipeline path, then team path, then shared path). Everything that needs no
substitution stays byte for byte. Strict by default: every reference must
resolve, and every undefined one is reported with its file:line:col.
Nothing is written when anything fails; with --keep-going, every file that
renders is written and the ones that fail are listed.
"""
EPILOG = """\
exit codes: 0 rendered, 1 bad input or an unresolvable var (nothing written;
with --keep-going, the files that rendered were written), 2 usage or
configuration, 3 the secret backend failed (AWS, network; nothing written).
"""


def add_parser(commands: Any) -> None:
    from interp.commands.arguments import add_exclude_argument, add_lookup_arguments, add_static_var_arguments

    parser = commands.add_parser(
        "render",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="pipeline template(s); a directory means every pipeline file under it (kept in its "
        "subfolders under --out-dir); - reads standard input",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "-o", "--output", metavar="OUT", help="write to OUT atomically (mode 0600) instead of standard output"
    )
    output.add_argument(
        "--out-dir",
        metavar="DIR",
        help="write each rendered FILE into DIR under its own name; all files or none",
    )
    from interp.commands import pipeline_naming

    pipeline_naming.add_arguments(parser)
    parser.add_argument(
        "--skip-missing",
        action="store_true",
        help="leave references nothing can resolve exactly as written (what fly set-pipeline does)",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="do not print the --skip-missing summary line or the unused static vars warning (errors are still printed)",
    )
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="a bad file does not stop the others (make -k): write every file that renders (together, "
        "atomically), list the failures and exit 1; a failure of the secret backend still stops everything",
    )
    parser.add_argument(
        "--resolve-var-sources",
        action="store_true",
        help="also resolve ((source:name)) for the pipeline's own var_sources that interp can reach "
        "(dummy, secretsmanager, ssm); by default they stay for Concourse to resolve at run time",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="resolve everything but write ((redacted.)) wherever a secret-derived value would go",
    )
    parser.add_argument(
        "--reveal",
        action="append",
        default=[],
        metavar="NAME[,NAME]",
        help="with --redact, write these vars for real (e.g. a branch or a bucket name) so a review diff "
        "shows them; everything else secret-derived stays ((redacted.)); repeatable",
    )
    from interp.parallel import add_jobs_argument

    add_jobs_argument(parser)
    add_static_var_arguments(parser)
    add_exclude_argument(parser)
    add_lookup_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from interp.commands.common import renderer_from_args
    from interp.commands.inputs import expand_inputs
    from interp.gc_settings import collect_for_many_files

    collect_for_many_files()
    from interp.output import OutputError, write_atomically

    inputs = expand_inputs(args.files)
    files = [name for name, _ in inputs]
    if "-" in files and len(files) > 1:
        raise ConfigError("standard input (-) can only be rendered on its own")
    for flag, value in (("-o/--output", args.output), ("--out-dir", args.out_dir)):
        if value == "":
            raise ConfigError(f"{flag}: the path is empty")
    if "-" in files and args.out_dir is not None:
        raise ConfigError("standard input (-) has no file name to keep under --out-dir: use -o FILE")
    if (len(files) > 1 or any(Path(f).is_dir() for f in args.files)) and not args.out_dir:
        raise ConfigError("rendering several files or a directory needs --out-dir DIR")
    if args.pipeline_from is not None and args.pipeline is not None:
        raise ConfigError(f"--pipeline and --pipeline-from {args.pipeline_from} exclude each other")
    reveal = _reveal_names(args.reveal)
    if reveal and not args.redact:
        raise ConfigError("--reveal needs --redact (without it, every value is written anyway)")
    from interp.commands.pipeline_naming import group_by_pipeline

    targets = _targets(inputs, args.out_dir)
    groups = group_by_pipeline(files, args.pipeline_from)
    renderer = renderer_from_args(args, environ)
    if reveal:
        renderer.reveal = frozenset(reveal)
    static_names = _static_var_names(args)

    from interp.render_report import reporting

    rendered: dict[str, str] = {}
    problems: list[Problem] = []
    failed: dict[str, InterpError] = {}  # --keep-going: the files that did not render
    with _Progress(len(files)) as progress, reporting(command_line=True) as report:
        in_workers = _render_in_workers([name for _, group in groups for name in group], args, reveal, progress)
        if in_workers is not None:
            rendered = in_workers
            groups = []  # every file rendered
        for pipeline, group in groups:
            try:
                if args.keep_going:
                    # A backend failure still raises: it stops everything (below).
                    results = renderer.render_files(group, pipeline=pipeline, keep_going=True)
                    failed.update((n, r) for n, r in zip(group, results, strict=True) if isinstance(r, InterpError))
                    rendered.update((n, r) for n, r in zip(group, results, strict=True) if isinstance(r, str))
                    continue
                texts = renderer.render_files(group, pipeline=pipeline)
            except InterpError as error:
                # Every problem of every file, not just the first failing pipeline's; but
                # a failing backend would fail the same way for each remaining pipeline.
                problems += error.problems
                if any(p.backend for p in error.problems):
                    break
                continue
            finally:
                progress.advance(len(group))
            rendered.update(zip(group, texts, strict=True))
    if problems:  # a backend failure stopped everything: nothing is written
        raise InterpError(problems + _distinct(p for error in failed.values() for p in error.problems))
    if failed:
        if not rendered:  # nothing to write: as without --keep-going
            raise InterpError(_distinct(p for error in failed.values() for p in error.problems))
        _report_failures(failed)
        # Only the files that rendered, all of them or none; a failed file's output stays as it was.
        files, targets = _kept(files, targets, rendered)
    encoded = [rendered[name].encode("utf-8") for name in files]
    if args.output is not None or targets:
        outputs = [(Path(args.output), encoded[0])] if args.output is not None else list(zip(targets, encoded, strict=True))
        try:
            write_atomically(outputs)  # creates the missing folders too (subfolders of a directory input)
        except OutputError as error:
            raise InterpError([Problem(Location(str(error.path)), f"cannot write output: {error.message}")]) from None
    else:
        sys.stdout.buffer.write(encoded[0])
        sys.stdout.buffer.flush()
    if report.left and not args.quiet:
        print(skip_missing_summary(report.left), file=sys.stderr)
    if not args.quiet:
        for name, where in report.float64_in_string.items():
            print(float64_note(name, where), file=sys.stderr)
    unrevealed = [name for name in reveal if name not in report.used_names and name not in report.used_paths]
    if unrevealed:
        print(f"interp: warning: --reveal {', '.join(unrevealed)}: no reference in the rendered "
              f"file{'s' if len(files) != 1 else ''} uses {'these names' if len(unrevealed) > 1 else 'this name'}",
              file=sys.stderr)
    unused = sorted(name for name in static_names if name not in report.used_paths)
    if unused and not args.quiet:
        print(unused_static_vars_warning(unused), file=sys.stderr)
    if failed:
        print(_failed_summary(list(failed), len(files) + len(failed)), file=sys.stderr)
        return ExitCode.BAD_INPUT
    return ExitCode.OK


class _WorkerRender(NamedTuple):
    """One file rendered in a worker (text None: it failed), with what it adds to the report."""

    text: str | None
    left: list[tuple[Location, str]]
    float64_in_string: dict[str, Location]
    used_names: set[str]
    used_paths: set[str]


def _render_in_workers(
    order: list[str], args: argparse.Namespace, reveal: list[str], progress: _Progress
) -> dict[str, str] | None:
    """Every file rendered in worker processes, or None: not worth a pool, or a file failed.

    Only renders that look nothing up (no --team, no --resolve-var-sources) go to workers:
    a file's output then depends on that file alone, so rendering each on its own gives
    what the one-process render gives. Lookups stay in one process, which keeps one client,
    one cache and the batched requests. On any failure the caller renders everything again
    in this process, so that its messages (said once across files) are exactly -j 1's.
    """
    if args.team is not None or args.resolve_var_sources:
        return None
    from interp import parallel
    from interp.commands.common import static_vars_from_args

    sizes = [_size(name) for name in order]
    workers = parallel.worker_count(args.jobs, sizes)
    if workers == 1:
        return None
    options = (static_vars_from_args(args), args.skip_missing, args.redact, tuple(reveal))
    results = parallel.map_in_order(
        _render_chunk, order, sizes, workers, initializer=_start_rendering, initargs=(options,),
        on_chunk_done=progress.advance,
    )  # fmt: skip
    if any(result.text is None for result in results):
        progress.done = 0
        return None
    from interp.render_report import current_report

    report = current_report()
    assert report is not None
    for result in results:  # in the order the one-process render meets them
        report.left += result.left
        for name, where in result.float64_in_string.items():
            report.float64_in_string.setdefault(name, where)
        report.used_names |= result.used_names
        report.used_paths |= result.used_paths
    return {name: result.text for name, result in zip(order, results, strict=True) if result.text is not None}


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0  # its render fails, and the one-process render says why


_renderer_here: Any = None  # this worker's Renderer


def _start_rendering(options: tuple[Any, ...]) -> None:
    from interp.renderer import Renderer

    global _renderer_here
    static_vars, skip_missing, redact, reveal = options
    _renderer_here = Renderer(vars=static_vars, skip_missing=skip_missing, redact=redact, reveal=reveal)


def _render_chunk(paths: list[str]) -> list[_WorkerRender]:
    from interp.render_report import reporting

    results = []
    for path in paths:
        with reporting(command_line=True) as report:
            try:
                text: str | None = _renderer_here.render_files([path])[0]
            except InterpError:  # said by the one-process render that follows
                text = None
        results.append(_WorkerRender(text, report.left, report.float64_in_string, report.used_names, report.used_paths))
    return results


def _reveal_names(given: list[str]) -> list[str]:
    """The names of every --reveal NAME[,NAME], each once, in order."""
    names: list[str] = []
    for value in given:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                raise ConfigError(f"--reveal {value!r}: an empty name")
            if name not in names:
                names.append(name)
    return names


def _static_var_names(args: argparse.Namespace) -> list[str]:
    """The top-level names the -v, -y and -l static vars set (names only, never values)."""
    if not (args.var or args.yaml_var or args.load_vars_from):
        return []
    from interp.static_vars import build_static_vars

    return list(build_static_vars(args.var or (), args.yaml_var or (), args.load_vars_from or ()))


def unused_static_vars_warning(names: list[str]) -> str:
    """One line naming the static vars no reference uses (a typo in a vars file, most often)."""
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    count = f"{len(names)} static var{'s' if len(names) != 1 else ''}"
    return f"interp: warning: {count} given (-v/-y/-l) but used by no reference: {shown}"


def _distinct(problems: Any) -> list[Problem]:
    """Each problem once, in order: a hint every failed file carries is said once."""
    return list(dict.fromkeys(problems))


def _report_failures(failed: dict[str, InterpError]) -> None:
    """--keep-going: every problem of every failed file (file:line:col), each said once."""
    for problem in _distinct(p for error in failed.values() for p in error.problems):
        print(problem, file=sys.stderr)


def _failed_summary(names: list[str], total: int) -> str:
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    rendered = total - len(names)
    return (f"interp: --keep-going: {len(names)} of {total} file{'s' if total != 1 else ''} failed and "
            f"{'were' if len(names) != 1 else 'was'} not written: {shown}; the other {rendered} "
            f"{'were' if rendered != 1 else 'was'} written")


def _kept(files: list[str], targets: list[Path], rendered: dict[str, str]) -> tuple[list[str], list[Path]]:
    """The files that rendered, and their targets (when --out-dir names them)."""
    if not targets:
        return [name for name in files if name in rendered], targets
    pairs = [(name, target) for name, target in zip(files, targets, strict=True) if name in rendered]
    return [name for name, _ in pairs], [target for _, target in pairs]


def float64_note(name: str, where: Location) -> str:
    """What Concourse would do with a float64 number interp wrote inside a string (names only)."""
    return (f"{where}: note: var {name} is a number Concourse reads as a float64 (a JSON number in a secret, "
            f"a number in a -l vars file); interp wrote it exactly, but Concourse would refuse it inside a "
            f"string (cannot interpolate non-primitive value (float64) from var: {name}): store it as a JSON "
            "string, or quote it in the vars file")


def skip_missing_summary(left: list[tuple[Location, str]]) -> str:
    """One line: how many references --skip-missing left as written, and their names."""
    names = sorted(set(name for _, name in left))
    shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
    count = f"{len(left)} reference{'s' if len(left) != 1 else ''}"
    return f"interp: --skip-missing left {count} unresolved, as written: {shown}"


class _Progress:
    """`rendering k/n files` on stderr, only on a terminal and only once the work takes a while."""

    DELAY_SECONDS = 0.5

    def __init__(self, total: int) -> None:
        import time

        self.total = total
        self.done = 0
        self.clock = time.monotonic
        self.started = self.clock()
        self.shown = False
        self.enabled = total > 1 and sys.stderr.isatty()

    def __enter__(self) -> _Progress:
        return self

    def advance(self, count: int) -> None:
        self.done += count
        if self.enabled and self.clock() - self.started >= self.DELAY_SECONDS:
            sys.stderr.write(f"\rrendering {self.done}/{self.total} files")
            sys.stderr.flush()
            self.shown = True

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _targets(inputs: list[tuple[str, Path]], out_dir: str | None) -> list[Path]:
    if not out_dir:
        return []
    directory = Path(out_dir)
    # A missing folder is created when the outputs are written (as -o's is), so a failed
    # render leaves nothing behind; an existing non-folder is a mistake to say now.
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"--out-dir {out_dir}: not a directory")
    names = [str(name) for _, name in inputs]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ConfigError(f"--out-dir: several inputs would be written as {', '.join(clashes)}")
    return [directory / name for _, name in inputs]

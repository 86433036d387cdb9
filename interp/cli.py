"""The `interp` command: argument parsing, dispatch, and the one place errors become exit codes."""

from __future__ import annotations

import argparse
import codecs
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from interp.commands.arguments import add_lookup_arguments, add_static_var_arguments  # noqa: F401 - their old home
from interp.errors import ConfigError, ExitCode, InterpError

DESCRIPTION = """\
Render Concourse pipeline templates: resolve ((var)) references from static
vars and the team's AWS store (Concourse's team/pipeline-scoped lookup), keeping
every comment and every byte that did not need to change. The store is AWS
Secrets Manager, or AWS SSM Parameter Store when --aws-ssm-region (or
CONCOURSE_AWS_SSM_REGION) is set: one store at a time, as on Concourse's web node.
"""

EPILOG = """\
exit codes: 0 ok, 1 bad input or unresolvable var (or an output that cannot be
written), 2 usage or configuration, 3 the secret backend failed (AWS, network);
141 (128+SIGPIPE, silent) when the reader of standard output went away (| head).
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors reported in interp's own words (exit 2), and no silent
    abbreviations: `--red` must not quietly mean `--redact` (nor a future `--red…` flag)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False  # for the subcommand parsers too: they are built with this class
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"interp: error: {message}\n")


# Each subcommand and the module that builds its parser, in the order --help lists them.
COMMANDS = {
    "render": "interp.commands.render",
    "check": "interp.commands.check",
    "health": "interp.commands.health",
    "vars": "interp.commands.vars",
    "explain": "interp.commands.explain",
    "policy": "interp.commands.policy",
    "audit": "interp.commands.audit",
    "import": "interp.commands.import_vars",
    "get": "interp.commands.get",
    "forecast": "interp.commands.forecast",
    "completion": "interp.commands.completion",
}


def chosen_command(argv: Sequence[str]) -> str | None:
    """The subcommand a command line names, if it names a known one (before parsing it)."""
    value_follows = False
    for argument in argv:
        if value_follows:
            value_follows = False
        elif argument == "--config":
            value_follows = True
        elif argument == "--":
            return None
        elif not argument.startswith("-"):
            return argument if argument in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `command` only that subcommand's: building every
    subcommand's parser imports every command module, a start-up cost for no use."""
    parser = _Parser(
        prog="interp",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    config = parser.add_mutually_exclusive_group()
    config.add_argument(
        "--config",
        metavar="FILE",
        help="project settings file (default: the nearest .interp.yml or pyproject.toml [tool.interp] "
        "at or above the current directory); flags and environment variables win over it",
    )
    config.add_argument("--no-config", action="store_true", help="ignore project settings files")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    import importlib

    whole = command is None or command == "completion"  # completion describes every command
    for name, module_name in COMMANDS.items():
        if whole or name == command:
            module = importlib.import_module(module_name)
            if name == "completion":
                module.add_parser(commands, root=parser)
            else:
                module.add_parser(commands)
    return parser


def _version() -> str:
    from interp import __version__

    return __version__


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt is for SIGINT."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


def _stop_now(message: str, code: int) -> NoReturn:
    """Leave at once: outputs are written atomically, so there is nothing to finish, and
    worker threads blocked on the network must not hold the exit up."""
    print(message, file=sys.stderr)
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    real_stdout = sys.stdout
    restore_errors = _escape_unencodable(real_stdout)
    sys.stdout = _GuardedStream(real_stdout if real_stdout is not None else _ClosedStdout())
    try:
        return _main(arguments)
    except _StdoutFailed as failure:
        return _stdout_failed(failure.error, real_stdout)
    except BrokenPipeError as error:  # standard error's reader went away: treated as standard output's
        return _stdout_failed(error, real_stdout)
    finally:
        sys.stdout = real_stdout
        restore_errors()


def _main(arguments: list[str]) -> int:
    parser = build_parser(chosen_command(arguments))
    args = parser.parse_args(arguments)
    previous_handler = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        args, environ = _with_project_config(args)
        code = int(args.run(args, environ))
        sys.stdout.flush()  # what a command left buffered fails here, not in Python's exit
        return code
    except InterpError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return int(error.exit_code)
    except ConfigError as error:
        print(f"interp: error: {error}", file=sys.stderr)
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        return _stop_now("interp: interrupted; nothing was written", 128 + signal.SIGINT)
    except _Terminated:
        return _stop_now("interp: terminated; nothing was written", 128 + signal.SIGTERM)
    except BrokenPipeError:  # standard error's reader went away (standard output's is _StdoutFailed)
        raise  # for main, not for the internal-error line below
    except Exception as error:  # a bug: say so without a traceback that could carry values
        if os.environ.get("INTERP_DEBUG"):
            raise
        print(f"interp: internal error ({type(error).__name__}); set INTERP_DEBUG=1 for a traceback", file=sys.stderr)
        return 70
    finally:
        signal.signal(signal.SIGTERM, previous_handler)


# ---------------------------------------------------------------------------
# Standard output: a full disk, a closed descriptor or a reader gone is the
# environment's failure, never an internal error.
# ---------------------------------------------------------------------------


class _StdoutFailed(BaseException):
    """Writing standard output failed. A BaseException, like KeyboardInterrupt, so that no
    command's own `except Exception` or `except OSError` (a file it could not read) takes it."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _GuardedStream:
    """sys.stdout (and its .buffer) while a command runs: a failed write or flush raises
    _StdoutFailed; everything else (isatty, encoding, ...) is the stream's own."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, data: Any) -> Any:
        try:
            return self._stream.write(data)
        except OSError as error:
            raise _StdoutFailed(error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as error:
            raise _StdoutFailed(error) from None

    @property
    def buffer(self) -> _GuardedStream:
        return _GuardedStream(self._stream.buffer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _ClosedStdout:
    """What Python leaves as sys.stdout (None) when descriptor 1 was closed (`>&-`), as a stream
    whose writes fail like any other unwritable output's."""

    @property
    def buffer(self) -> _ClosedStdout:
        return self

    def write(self, data: Any) -> int:
        import errno

        raise OSError(errno.EBADF, "it is closed")

    def flush(self) -> None:
        pass  # nothing can be pending

    def isatty(self) -> bool:
        return False


def _stdout_failed(error: OSError, stdout: Any) -> int:
    """Exit as a tool does when its output cannot be written: a reader gone (`| head`) is the
    conventional silent 128+SIGPIPE; anything else is said in one line, exit 1 (as -o OUT's)."""
    _discard_pending(stdout)
    if isinstance(error, BrokenPipeError):
        return 128 + signal.SIGPIPE
    reason = error.strerror or str(error)
    print(f"interp: cannot write to standard output: {reason}", file=sys.stderr)
    return int(ExitCode.BAD_INPUT)


def _discard_pending(stdout: Any) -> None:
    """Point descriptor 1 at /dev/null, so that Python's flush at exit drops what is still
    buffered instead of failing again with a traceback-like complaint."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # closed, or not a real file
        descriptor = stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)


_ESCAPE = "interp.escape"


def _escape(error: UnicodeError) -> tuple[str | bytes, int]:
    """An encoding error handler: a file name's undecodable bytes (surrogateescape, as Python
    reads argv and paths) go out as those bytes again; anything else as a backslash escape."""
    try:
        return codecs.lookup_error("surrogateescape")(error)
    except UnicodeError:
        return codecs.lookup_error("backslashreplace")(error)


def _escape_unencodable(stdout: Any) -> Callable[[], None]:
    """Text that standard output's encoding cannot hold (a lone surrogate from a JSON escape in a
    secret's key) is escaped, as Python writes standard error, instead of failing the command.
    Only names reach stdout as text: values go out as bytes (render, get).
    Returns what undoes it, for a caller that runs main in its own process."""
    previous = getattr(stdout, "errors", None)
    if previous not in ("strict", "surrogateescape") or not hasattr(stdout, "reconfigure"):
        return lambda: None
    codecs.register_error(_ESCAPE, _escape)
    stdout.reconfigure(errors=_ESCAPE)

    def restore() -> None:
        with contextlib.suppress(OSError, ValueError):  # reconfigure flushes: the output may be gone
            stdout.reconfigure(errors=previous)

    return restore


def _with_project_config(args: argparse.Namespace) -> tuple[argparse.Namespace, dict[str, str]]:
    if args.no_config:
        return args, dict(os.environ)
    from pathlib import Path

    from interp import project_config

    found = project_config.load(Path(args.config)) if args.config else project_config.find(Path.cwd())
    return project_config.apply(found, args, os.environ)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()

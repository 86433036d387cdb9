"""The `interp` command: argument parsing, dispatch, and the one place errors become exit codes."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from interp.commands.arguments import add_lookup_arguments, add_static_var_arguments  # noqa: F401 - their old home
from interp.errors import ConfigError, ExitCode, InterpError

DESCRIPTION = """\
Render Concourse pipeline templates: resolve ((var)) references from static
vars and AWS Secrets Manager (Concourse's team/pipeline-scoped lookup), keeping
every comment and every byte that did not need to change.
"""

EPILOG = """\
exit codes: 0 ok, 1 bad input or unresolvable var, 2 usage or configuration,
3 the secret backend failed (AWS, network).
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
    parser = build_parser(chosen_command(arguments))
    args = parser.parse_args(arguments)
    previous_handler = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        args, environ = _with_project_config(args)
        return int(args.run(args, environ))
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
    except BrokenPipeError:
        # The reader went away (`| head`); keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return int(ExitCode.OK)
    except Exception as error:  # a bug: say so without a traceback that could carry values
        if os.environ.get("INTERP_DEBUG"):
            raise
        print(f"interp: internal error ({type(error).__name__}); set INTERP_DEBUG=1 for a traceback", file=sys.stderr)
        return 70
    finally:
        signal.signal(signal.SIGTERM, previous_handler)


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

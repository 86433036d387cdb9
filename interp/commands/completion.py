"""`interp completion SHELL`: a completion script for bash, zsh or fish, generated from the
argument parser itself, so it cannot drift from the commands and flags it completes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import Any

from interp.errors import ExitCode

SHELLS = ("bash", "zsh", "fish")
HELP = "print a shell completion script (bash, zsh or fish)"
DESCRIPTION = """\
Print a completion script for SHELL, built from interp's own parser (every
command and flag). Install it, for example:

  bash  interp completion bash > ~/.local/share/bash-completion/completions/interp
  zsh   interp completion zsh > "${fpath[1]}/_interp"
  fish  interp completion fish > ~/.config/fish/completions/interp.fish
"""
EPILOG = """\
exit codes: 0 printed, 2 usage (an unknown SHELL).
"""


def add_parser(commands: Any, root: argparse.ArgumentParser) -> None:
    """`root` is interp's whole parser, the one the script is generated from (passed in, so
    that this module need not import interp.cli: the import graph keeps one direction)."""
    parser = commands.add_parser(
        "completion",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    parser.set_defaults(run=run, root_parser=root)


def run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    sys.stdout.write(script(args.root_parser, args.shell))
    sys.stdout.flush()
    return ExitCode.OK


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions if action.help != argparse.SUPPRESS for flag in action.option_strings]


def _help_of(parser: argparse.ArgumentParser, name: str) -> str:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.dest == name:
                    return choice.help or ""
    return ""


def _takes_file(action: argparse.Action) -> bool:
    return action.metavar in ("FILE", "OUT", "DIR") or action.dest in ("files",)


def _extra_choices() -> dict[tuple[str, str], tuple[str, ...]]:
    """Values of flags that take a free-form string on the parser but a known set in fact:
    (command, dest) -> the values. Read at generation time, so they follow the code."""
    from interp.audit import FINDING_KINDS
    from interp.check.rules import RULES

    return {("check", "disable"): tuple(sorted(RULES)), ("audit", "only"): tuple(FINDING_KINDS)}


def _choices(command: str, action: argparse.Action) -> tuple[str, ...]:
    """The values an action's argument is completed from (empty: none known)."""
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        return tuple(map(str, action.choices))
    return _extra_choices().get((command, action.dest), ())


def _comma_list(action: argparse.Action) -> bool:
    """A flag whose value is a comma-separated list (metavar `KIND[,KIND]`, or --disable)."""
    return "[," in str(action.metavar or "") or action.dest == "disable"


def _value_flags(command: str, sub: argparse.ArgumentParser) -> list[tuple[argparse.Action, tuple[str, ...]]]:
    return [
        (action, values)
        for action in sub._actions
        if action.option_strings and action.help != argparse.SUPPRESS and action.nargs != 0
        for values in [_choices(command, action)]
        if values
    ]


def _positional_choices(command: str, sub: argparse.ArgumentParser) -> tuple[str, ...]:
    for action in sub._actions:
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
            values = _choices(command, action)
            if values:
                return values
    return ()


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    commands = _subcommands(parser)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](parser, commands)


def _bash(parser: argparse.ArgumentParser, commands: dict[str, argparse.ArgumentParser]) -> str:
    cases = "\n".join(f'        {name}) flags="{" ".join(_flags(sub))}" ;;' for name, sub in commands.items())
    value_cases = []
    for name, sub in commands.items():
        for action, values in _value_flags(name, sub):
            words = " ".join(values)
            lists = "1" if _comma_list(action) else ""
            for flag in action.option_strings:
                value_cases.append(f'        "{name} {flag}") choices="{words}"; list="{lists}" ;;')
    positional_cases = [
        f'        {name}) choices="{" ".join(values)}" ;;'
        for name, sub in commands.items()
        for values in [_positional_choices(name, sub)]
        if values
    ]
    return f"""\
# bash completion for interp, generated by `interp completion bash`
_interp() {{
    local cur prev command flags word choices list head
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev=""
    if (( COMP_CWORD > 1 )); then prev="${{COMP_WORDS[COMP_CWORD-1]}}"; fi
    command=""
    for word in "${{COMP_WORDS[@]:1:COMP_CWORD-1}}"; do
        case "$word" in -*) ;; *) command="$word"; break ;; esac
    done
    if [ -z "$command" ]; then
        COMPREPLY=($(compgen -W "{" ".join(commands)} {" ".join(_flags(parser))}" -- "$cur"))
        return
    fi
    case "$command" in
{cases}
        *) flags="" ;;
    esac
    choices=""
    list=""
    case "$command $prev" in
{chr(10).join(value_cases)}
    esac
    if [ -n "$choices" ]; then
        head=""
        if [ -n "$list" ] && [[ "$cur" == *,* ]]; then head="${{cur%,*}},"; cur="${{cur##*,}}"; fi
        COMPREPLY=($(compgen -P "$head" -W "$choices" -- "$cur"))
        return
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    case "$command" in
{chr(10).join(positional_cases)}
    esac
    if [ -n "$choices" ]; then
        COMPREPLY=($(compgen -W "$choices" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}}
complete -o filenames -F _interp interp
"""


def _zsh_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def _zsh(parser: argparse.ArgumentParser, commands: dict[str, argparse.ArgumentParser]) -> str:
    described = "\n".join(f"        '{name}:{_zsh_quote(_help_of(parser, name))}'" for name in commands)
    cases = []
    for name, sub in commands.items():
        specs = []
        for action in sub._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            takes_value = action.nargs != 0
            values = _choices(name, action) if takes_value else ()
            if values and _comma_list(action):
                value = f":value:_values -s , value {' '.join(values)}"
            elif values:
                value = f":value:({' '.join(values)})"
            else:
                value = ":value:_files" if takes_value and _takes_file(action) else (":value: " if takes_value else "")
            for flag in action.option_strings:
                specs.append(f"'{flag}[{_zsh_quote(action.help or '')}]{value}'")
        positional = _positional_choices(name, sub)
        specs.append(f"'1:value:({' '.join(positional)})'" if positional else "'*:file:_files'")
        cases.append(f"        {name})\n            _arguments \\\n                " + " \\\n                ".join(specs) + " ;;")
    return f"""\
#compdef interp
# zsh completion for interp, generated by `interp completion zsh`
_interp() {{
    local -a commands
    commands=(
{described}
    )
    if (( CURRENT == 2 )); then
        _describe 'command' commands
        return
    fi
    local command=${{words[2]}}
    shift words
    (( CURRENT-- ))
    case $command in
{chr(10).join(cases)}
    esac
}}
compdef _interp interp
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(parser: argparse.ArgumentParser, commands: dict[str, argparse.ArgumentParser]) -> str:
    lines = [
        "# fish completion for interp, generated by `interp completion fish`",
        "complete -c interp -f",
    ]
    names = " ".join(commands)
    for name in commands:
        lines.append(
            f"complete -c interp -n 'not __fish_seen_subcommand_from {names}' -a {name} -d {_fish_quote(_help_of(parser, name))}"
        )
    for name, sub in commands.items():
        condition = f"'__fish_seen_subcommand_from {name}'"
        for action in sub._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            parts = [f"complete -c interp -n {condition}"]
            for flag in action.option_strings:
                parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
            values = _choices(name, action) if action.nargs != 0 else ()
            if values:
                parts.append("-x")  # a value from the list, no file names
            elif action.nargs != 0:
                parts.append("-r" + (" -F" if _takes_file(action) else ""))
            if values and _comma_list(action):
                # the values after the last comma of the word, the ones before it kept
                parts.append("-a " + _fish_quote(f'(__fish_complete_list , "string split , {",".join(values)}")'))
            elif values:
                parts.append(f"-a {_fish_quote(' '.join(values))}")
            parts.append(f"-d {_fish_quote(action.help or '')}")
            lines.append(" ".join(parts))
        # a file or a positional choice is offered unless the word before is a flag that takes a value
        valued = " ".join(flag for action, _ in _value_flags(name, sub) for flag in action.option_strings)
        positional = condition
        if valued:
            positional = f"'__fish_seen_subcommand_from {name}; and not contains -- (commandline -opc)[-1] {valued}'"
        if any(not a.option_strings and _takes_file(a) for a in sub._actions):
            lines.append(f"complete -c interp -n {positional} -F")
        elif _positional_choices(name, sub):
            lines.append(f"complete -c interp -n {positional} -a {_fish_quote(' '.join(_positional_choices(name, sub)))}")
    return "\n".join(lines) + "\n"

"""Project settings a repository would otherwise repeat on every call.

Read from `.interp.yml`, or `[tool.interp]` in `pyproject.toml`, in the current
directory or the nearest parent that has one. Precedence, highest first:

    command-line flags > environment variables > project config > defaults

    # .interp.yml
    team: main
    pipeline_from: filename           # pipelines/deploy.yml -> pipeline "deploy"
                                      # (dirname: ci/deploy/pipeline.yml -> "deploy";
                                      # pipeline_from_filename: true is the old spelling)
    disable: [cross-team-var]         # interp check rules turned off
    region: eu-west-1                 # Secrets Manager's region
    # ssm_region: eu-west-1           # or: read SSM Parameter Store (one store at a time)
    var_files: [vars/common.yml]      # relative to this file; before any -l
    secrets_file: dev-secrets.yml     # offline store instead of AWS
    exclude: [ci/legacy/**, "**/*-old.yml"]  # globs relative to this file's folder: files
                                      # check/render/audit skip when expanding a directory

The lookup templates (pipeline/team/shared_secret_template) decide whose secrets a
team's lookup may read, and a project file is found beside the pipelines (often in
the same pull request): when a team is set, a template from here that no flag or
environment variable overrides is an error, never used (see `apply`).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from interp.errors import ConfigError
from interp.template_settings import TEMPLATE_SETTINGS

CONFIG_FILE = ".interp.yml"

# Settings that Secrets Manager reads from the environment: the project value
# stands in for the environment variable, so a real one still wins.
_AS_ENVIRONMENT = {
    "region": "CONCOURSE_AWS_SECRETSMANAGER_REGION",
    "ssm_region": "CONCOURSE_AWS_SSM_REGION",  # selects SSM Parameter Store, as on the web node
    "secret_retry_attempts": "CONCOURSE_SECRET_RETRY_ATTEMPTS",
    "secret_retry_interval": "CONCOURSE_SECRET_RETRY_INTERVAL",
}
# The lookup templates, by setting: (flag, its attribute on the arguments, environment variable).
# Operator-only when a team is set: a template without {{.Team}} reads every team's ids.
_LOOKUP_TEMPLATES = {
    f"{level}_secret_template": (flag, flag[2:].replace("-", "_"), env_name) for level, flag, env_name, _ in TEMPLATE_SETTINGS
}
_STRINGS = {"team", "pipeline", "secrets_file", *_AS_ENVIRONMENT, *_LOOKUP_TEMPLATES}
KNOWN_KEYS = frozenset({*_STRINGS, "pipeline_from", "pipeline_from_filename", "var_files", "disable", "exclude"})
_NAMINGS = ("filename", "dirname")


class ProjectConfig(NamedTuple):  # not a dataclass: every command may read one, and dataclasses is start-up cost
    path: Path
    values: Mapping[str, Any]

    def relative(self, value: str) -> str:
        return str((self.path.parent / value).resolve()) if not Path(value).is_absolute() else value


def find(start: Path) -> ProjectConfig | None:
    """The nearest project config at or above `start`, validated."""
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return load(candidate)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and _mentions_interp(pyproject) and _load_pyproject(pyproject) is not None:
            return load(pyproject)
    return None


def _mentions_interp(pyproject: Path) -> bool:
    """Whether a pyproject.toml may hold [tool.interp]: other projects' files (even broken
    ones, in some parent folder) are none of interp's business."""
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "tool.interp" in text or ("[tool]" in text and "interp" in text)


def load(path: Path) -> ProjectConfig:
    """A named settings file: YAML, or a pyproject.toml with a [tool.interp] table."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such settings file")
    if path.suffix == ".toml":
        table = _load_pyproject(path)
        if table is None:
            raise ConfigError(f"{path}: no [tool.interp] table")
        return ProjectConfig(path, _validated(table, path))
    return ProjectConfig(path, _validated(_load_yaml(path), path))


def _load_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        raise ConfigError(f"{path}: cannot read project config: {str(error).splitlines()[0]}") from None


def _load_pyproject(path: Path) -> Any:
    import tomllib

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    return document.get("tool", {}).get("interp")


def _validated(values: Any, path: Path) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise ConfigError(f"{path}: the interp settings must be a mapping")
    values = {str(k).replace("-", "_"): v for k, v in values.items()}
    unknown = sorted(set(values) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}")
    for key in _STRINGS & set(values):
        if not isinstance(values[key], str | int) or isinstance(values[key], bool):
            raise ConfigError(f"{path}: {key} must be a string")
        values[key] = str(values[key])
    if "pipeline_from_filename" in values and not isinstance(values["pipeline_from_filename"], bool):
        raise ConfigError(f"{path}: pipeline_from_filename must be true or false")
    if "pipeline" in values and values.get("pipeline_from_filename"):
        raise ConfigError(f"{path}: pipeline and pipeline_from_filename exclude each other")
    if "pipeline_from" in values:
        if values["pipeline_from"] not in _NAMINGS:
            raise ConfigError(f"{path}: pipeline_from must be one of {', '.join(_NAMINGS)}")
        if "pipeline" in values:
            raise ConfigError(f"{path}: pipeline and pipeline_from exclude each other")
        if values.get("pipeline_from_filename") and values["pipeline_from"] != "filename":
            raise ConfigError(f"{path}: pipeline_from: {values['pipeline_from']} contradicts pipeline_from_filename: true")
    files = values.get("var_files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ConfigError(f"{path}: var_files must be a list of paths")
    disabled = values.get("disable", [])
    if isinstance(disabled, str):
        disabled = values["disable"] = [disabled]
    if not isinstance(disabled, list) or not all(isinstance(rule, str) for rule in disabled):
        raise ConfigError(f"{path}: disable must be a list of interp check rule ids")
    excluded = values.get("exclude", [])
    if isinstance(excluded, str):
        excluded = values["exclude"] = [excluded]
    if not isinstance(excluded, list) or not all(isinstance(g, str) and g.strip() for g in excluded):
        raise ConfigError(f"{path}: exclude must be a list of globs (relative to this file's folder)")
    from interp.check.suppress import validated_rules

    validated_rules(disabled, f"{path}: disable")
    return values


def pipeline_naming(values: Mapping[str, Any]) -> str | None:
    """filename, dirname or None, from either spelling of the setting."""
    if "pipeline_from" in values:
        return str(values["pipeline_from"])
    return "filename" if values.get("pipeline_from_filename") else None


def _refuse_lookup_templates(config: ProjectConfig, args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """A ConfigError for a lookup template the project file would decide for a team's lookup.

    `.interp.yml` is found in the working folder or a parent, usually in the repository (and
    the pull request) of the pipelines: a template there without {{.Team}} would make
    another team's ids this team's (the cross-team guard judges ids by the templates in use).
    Only what the operator controls, flags and environment, may set them. A project value
    that a flag or variable overrides is never used, so it is let be; without a team no
    secret is looked up and the templates are not used either.
    """
    if getattr(args, "team", None) is None:
        return
    for key, (flag, attribute, variable) in _LOOKUP_TEMPLATES.items():
        if key not in config.values or not hasattr(args, attribute):
            continue
        if getattr(args, attribute) is not None or environ.get(variable):
            continue
        raise ConfigError(
            f"{config.path}: {key}: the lookup templates decide whose secrets a team may read, so project "
            f"settings (which travel with the pipelines) cannot set them; remove it and pass {flag} or set "
            f"{variable}, which the operator controls"
        )


_REGION_KEYS = {  # project key -> the other store's region: (flag attribute, environment variable)
    "region": ("aws_ssm_region", "CONCOURSE_AWS_SSM_REGION"),
    "ssm_region": ("aws_secretsmanager_region", "CONCOURSE_AWS_SECRETSMANAGER_REGION"),
}


def _other_store_chosen(key: str, args: argparse.Namespace, environ: Mapping[str, str]) -> bool:
    """A project region is a default: a flag or environment variable choosing the other store
    beats it, instead of making both stores configured (a usage error)."""
    if key not in _REGION_KEYS:
        return False
    attribute, variable = _REGION_KEYS[key]
    return bool(getattr(args, attribute, None) or environ.get(variable))


def apply(
    config: ProjectConfig | None, args: argparse.Namespace, environ: Mapping[str, str]
) -> tuple[argparse.Namespace, dict[str, str]]:
    """Fill what the command line left unset; return the arguments and the effective environment."""
    merged_environ = dict(environ)
    if config is None:
        return args, merged_environ
    values = config.values
    for key, variable in _AS_ENVIRONMENT.items():
        if key in values and not _other_store_chosen(key, args, environ):
            merged_environ.setdefault(variable, values[key])
    # A pipeline named on the command line (or a per-file one asked for there) beats either
    # way of naming it in the project config.
    pipeline_flagged = getattr(args, "pipeline", None) is not None
    file_pipelines_flagged = getattr(args, "pipeline_from", None) is not None or getattr(
        args, "pipeline_from_filename", False
    )
    naming = pipeline_naming(values)
    if hasattr(args, "team") and args.team is None and "team" in values:
        args.team = values["team"]
    _refuse_lookup_templates(config, args, environ)
    if hasattr(args, "pipeline") and not pipeline_flagged and not file_pipelines_flagged and "pipeline" in values:
        args.pipeline = values["pipeline"]
    if hasattr(args, "secrets_file") and args.secrets_file is None and "secrets_file" in values:
        args.secrets_file = config.relative(values["secrets_file"])
    if hasattr(args, "load_vars_from") and values.get("var_files"):
        args.load_vars_from = [*(config.relative(f) for f in values["var_files"]), *args.load_vars_from]
    if not file_pipelines_flagged and not pipeline_flagged:
        if hasattr(args, "pipeline_from"):
            args.pipeline_from = naming
        if hasattr(args, "pipeline_from_filename"):  # commands that name pipelines by file only
            args.pipeline_from_filename = naming == "filename"
    if hasattr(args, "disable") and values.get("disable"):
        args.disable = [*values["disable"], *args.disable]
    if hasattr(args, "exclude_globs") and values.get("exclude"):  # check, render, audit
        from interp.commands.inputs import Exclusion, set_exclusion

        set_exclusion(Exclusion(args.exclude_globs, values["exclude"], config.path.parent))
    return args, merged_environ

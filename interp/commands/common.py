"""Turning command-line arguments into the library's inputs, shared by the subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from interp.errors import ConfigError

if TYPE_CHECKING:
    from interp.sources.base import Source


def static_vars_from_args(args: argparse.Namespace) -> dict[str, Any]:
    given = (args.var, args.yaml_var, args.load_vars_from, getattr(args, "instance_var", ()))
    if not any(given):
        return {}  # without loading the YAML and name readers
    from interp.static_vars import build_static_vars

    return build_static_vars(*given)


def settings_from_args(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    """The store's settings when a team enables lookups (SsmSettings when the SSM region is set,
    else SecretsManagerSettings), else None (static vars only)."""
    if args.team is None:
        if args.pipeline is not None:
            raise ConfigError("--pipeline needs --team")
        if args.secrets_file is not None:
            raise ConfigError("--secrets-file needs --team (the lookup paths are the team's)")
        return None
    return store_settings_from(args, environ)


def store_settings_from(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    """The selected store's settings (interp.sources.stores.selected_store)."""
    from interp.sources.stores import selected_store

    if selected_store(args, environ) == "ssm":
        from interp.sources.ssm_settings import ssm_settings_from

        return ssm_settings_from(args, environ)
    from interp.sources import aws_settings

    return aws_settings.settings_from(args, environ)


def credentials_from_args(args: argparse.Namespace, environ: Mapping[str, str]) -> Source | None:
    """The credential source for --team (AWS, or --secrets-file), or None without a team."""
    settings = settings_from_args(args, environ)
    if settings is None:
        return None
    if args.secrets_file is not None:
        from interp.sources.secrets_file import SecretsFileSource

        return SecretsFileSource(
            args.secrets_file, team=args.team, pipeline=args.pipeline, templates=settings.templates()
        )
    from interp.sources.stores import store_source

    return store_source(args.team, args.pipeline, settings)


def renderer_from_args(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    """A Renderer configured as the flags, environment and project settings say."""
    from interp.renderer import Renderer

    return Renderer(
        team=args.team,
        pipeline=args.pipeline,
        vars=static_vars_from_args(args),
        settings=settings_from_args(args, environ),
        secrets_file=args.secrets_file,
        skip_missing=args.skip_missing,
        resolve_var_sources=args.resolve_var_sources,
        redact=args.redact,
    )

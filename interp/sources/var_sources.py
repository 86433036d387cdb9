"""A pipeline's own `var_sources`, for `--resolve-var-sources`.

dummy          values from its `config.vars`
secretsmanager Concourse's Secrets Manager lookup with the entry's `config`
               (region, templates, keys), over the same credentials chain and
               transport as the cluster-wide source; the cross-team guard of
               the operator's own templates still applies
ssm            Concourse's SSM Parameter Store lookup with the entry's `config`
               (region, templates, shared_path, keys), the same way
vault, idtoken and anything else stay as written for Concourse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interp.derived_text import plain, plain_data
from interp.values import as_go_float64
from interp.var_source_keys import SECRETSMANAGER_KEYS, SSM_KEYS
from interp.errors import ConfigError
from interp.sources.base import Source
from interp.sources.dummy import DummySource

SSM_CONFIG_KEYS = SSM_KEYS  # the names this module had first
SECRETSMANAGER_CONFIG_KEYS = SECRETSMANAGER_KEYS


class VarSourceError(Exception):
    """A var_sources entry interp cannot use; every reference to it fails with this message.

    `backend` says the secret backend failed (a config var's lookup), not the pipeline."""

    def __init__(self, message: str, *, backend: bool = False, code: str = "", tried: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.backend = backend
        self.code = code
        self.tried = tried


def make_var_source_factory(credentials: Source | None) -> Any:
    """(name, type, config) -> a Source, or None to leave that source's references as written."""

    def factory(name: str, kind: str, config: Mapping[str, Any]) -> Source | None:
        if not isinstance(config, Mapping):
            config = {}
        if kind == "dummy":
            # Values to render, not text for messages; Concourse reads the pipeline's config through
            # JSON, so its numbers are float64 (interp.values.GoFloat64).
            values = as_go_float64(plain_data(config.get("vars")))
            return DummySource(name, values if isinstance(values, Mapping) else {})
        if kind in ("secretsmanager", "ssm"):
            return _aws_store(name, kind, config, credentials)
        return None

    return factory


_CONNECTION_KEYS = ("access_key", "secret_key", "session_token", "region")


def _aws_store(name: str, kind: str, config: Mapping[str, Any], credentials: Source | None) -> Source:
    """A Secrets Manager or SSM source for a var_sources entry, reusing the cluster store's client
    where the entry names the same store and no connection of its own."""
    from interp.sources.aws_source import AwsStoreSource
    from interp.sources.secretsmanager import TemplatedSource

    known = SECRETSMANAGER_CONFIG_KEYS if kind == "secretsmanager" else SSM_CONFIG_KEYS
    unknown = [key for key in config if key not in known]
    if unknown:
        # Shown as written: an interpolated key could be a secret value.
        written = getattr(config, "written_keys", {})
        shown = sorted(str(written.get(key, key)) for key in unknown)
        raise VarSourceError(f"var source '{name}': unknown config key(s) {', '.join(map(repr, shown))}")
    if not isinstance(credentials, TemplatedSource):
        raise VarSourceError(f"var source '{name}' ({kind}) needs a team: its lookups are team-scoped")
    text = {key: config.get(key) for key in known}
    for key, value in text.items():
        if value is not None and not isinstance(value, str):
            raise VarSourceError(f"var source '{name}': config key '{key}' must be a string")
    try:
        templates = _templates(kind, text)
    except ConfigError as error:
        raise VarSourceError(f"var source '{name}': {error}") from None
    same_store = isinstance(credentials, AwsStoreSource) and credentials.settings.SERVICE == kind
    own_connection = any(text[key] for key in _CONNECTION_KEYS)
    if same_store and not own_connection:
        return credentials.with_templates(templates)
    if not isinstance(credentials, AwsStoreSource):
        # A secrets file stands in for the selected store only, with that store's rules.
        stands_in_for = credentials.templates.store
        if stands_in_for != kind:
            names = {"ssm": "SSM Parameter Store", "secretsmanager": "Secrets Manager"}
            raise VarSourceError(
                f"var source '{name}' ({kind}): the secrets file stands in for {names[stands_in_for]}, the "
                f"selected store, so it cannot answer a {names[kind]} var source"
            )
        return credentials.with_templates(templates)
    from dataclasses import fields

    from interp.sources.aws_settings import AwsStoreSettings
    from interp.sources.stores import store_source

    # The knobs both stores share come from the cluster store; the keys go to AWS only, as
    # plain text; the region stays derived, so a message naming it shows the reference.
    # The same store keeps every setting (a --version-stage rehearsal too); templates are set below.
    shared_fields = fields(credentials.settings) if same_store else fields(AwsStoreSettings)
    shared = {f.name: getattr(credentials.settings, f.name) for f in shared_fields if f.init}
    if not same_store:
        shared.update(access_key=None, secret_key=None, session_token=None, credential_origin=None)
    connection = {key: text[key] for key in _CONNECTION_KEYS if text[key]}
    keys = {key: plain(value) for key, value in connection.items() if key != "region"}
    settings_class = type(credentials.settings) if same_store else _settings_class(kind)
    try:
        settings = settings_class(**{**shared, **connection, **keys})
        source = store_source(credentials.team, credentials.pipeline, settings)
    except ConfigError as error:
        raise VarSourceError(f"var source '{name}': {error}") from None
    source.templates = templates  # type: ignore[attr-defined]
    source.guard_templates = (*credentials.guard_templates, credentials.templates)  # type: ignore[attr-defined]  # as with_templates does
    return source


def _settings_class(kind: str) -> Any:
    if kind == "ssm":
        from interp.sources.ssm_settings import SsmSettings

        return SsmSettings
    from interp.sources.aws_settings import SecretsManagerSettings

    return SecretsManagerSettings


def _templates(kind: str, text: Mapping[str, Any]) -> Any:
    from interp.lookup import LookupTemplates
    from interp.template_settings import DEFAULT_PIPELINE_TEMPLATE, DEFAULT_SHARED_TEMPLATE, DEFAULT_TEAM_TEMPLATE

    settings = {level: f"config key {level}_secret_template" for level in ("pipeline", "team", "shared")}
    if kind == "ssm":
        return LookupTemplates.for_ssm(
            text["pipeline_secret_template"] or DEFAULT_PIPELINE_TEMPLATE,
            text["team_secret_template"] or DEFAULT_TEAM_TEMPLATE,
            text["shared_path"] or "",
            {**settings, "shared": "config key shared_path"},
        )
    return LookupTemplates.from_strings(
        pipeline=text["pipeline_secret_template"] or DEFAULT_PIPELINE_TEMPLATE,
        team=text["team_secret_template"] or DEFAULT_TEAM_TEMPLATE,
        shared=text["shared_secret_template"] or DEFAULT_SHARED_TEMPLATE,
        settings=settings,
    )

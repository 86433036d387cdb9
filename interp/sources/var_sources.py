"""A pipeline's own `var_sources`, for `--resolve-var-sources`.

dummy          values from its `config.vars`
secretsmanager Concourse's Secrets Manager lookup with the entry's `config`
               (region, templates, keys), over the same credentials chain and
               transport as the cluster-wide source; the cross-team guard of
               the operator's own templates still applies
vault, ssm, idtoken and anything else stay as written for Concourse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from interp.derived_text import plain, plain_data
from interp.values import as_go_float64
from interp.errors import ConfigError
from interp.sources.base import Source
from interp.sources.dummy import DummySource

SECRETSMANAGER_CONFIG_KEYS = frozenset(
    {
        "access_key",
        "secret_key",
        "session_token",
        "region",
        "pipeline_secret_template",
        "team_secret_template",
        "shared_secret_template",
    }
)


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
        if kind == "secretsmanager":
            return _secretsmanager(name, config, credentials)
        return None

    return factory


def _secretsmanager(name: str, config: Mapping[str, Any], credentials: Source | None) -> Source:
    from interp.lookup import LookupTemplates
    from interp.template_settings import DEFAULT_PIPELINE_TEMPLATE, DEFAULT_SHARED_TEMPLATE, DEFAULT_TEAM_TEMPLATE
    from interp.sources.secretsmanager import SecretsManagerSource, TemplatedSource

    unknown = [key for key in config if key not in SECRETSMANAGER_CONFIG_KEYS]
    if unknown:
        # Shown as written: an interpolated key could be a secret value.
        written = getattr(config, "written_keys", {})
        shown = sorted(str(written.get(key, key)) for key in unknown)
        raise VarSourceError(f"var source '{name}': unknown config key(s) {', '.join(map(repr, shown))}")
    if not isinstance(credentials, TemplatedSource):
        raise VarSourceError(f"var source '{name}' (secretsmanager) needs a team: its lookups are team-scoped")
    text = {key: config.get(key) for key in SECRETSMANAGER_CONFIG_KEYS}
    for key, value in text.items():
        if value is not None and not isinstance(value, str):
            raise VarSourceError(f"var source '{name}': config key '{key}' must be a string")
    try:
        templates = LookupTemplates.from_strings(
            pipeline=text["pipeline_secret_template"] or DEFAULT_PIPELINE_TEMPLATE,
            team=text["team_secret_template"] or DEFAULT_TEAM_TEMPLATE,
            shared=text["shared_secret_template"] or DEFAULT_SHARED_TEMPLATE,
            settings={level: f"config key {level}_secret_template" for level in ("pipeline", "team", "shared")},
        )
    except ConfigError as error:
        raise VarSourceError(f"var source '{name}': {error}") from None
    own_connection = any(text[key] for key in ("access_key", "secret_key", "session_token", "region"))
    if own_connection and isinstance(credentials, SecretsManagerSource):
        from dataclasses import replace  # the settings are a dataclass; only this case needs it

        # The keys go to AWS only, as plain text; the region stays derived, so a message
        # naming it shows the reference (the client gets its plain text).
        connection = {key: text[key] for key in ("access_key", "secret_key", "session_token", "region") if text[key]}
        keys = {key: plain(value) for key, value in connection.items() if key != "region"}
        settings = replace(credentials.settings, **{**connection, **keys})
        try:
            source = SecretsManagerSource(credentials.team, credentials.pipeline, settings)
        except ConfigError as error:
            raise VarSourceError(f"var source '{name}': {error}") from None
        source.templates = templates
        source.guard_templates = (*credentials.guard_templates, credentials.templates)  # as with_templates does
        return source
    return credentials.with_templates(templates)

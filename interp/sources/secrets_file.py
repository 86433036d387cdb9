"""A local secrets store for offline work, demos and tests.

The file is a YAML mapping of secret id -> what AWS would hold for it:

    /concourse/main/example/db: '{"user": "app", "port": 5432}'   # SecretString
    /concourse/main/token: s3cr3t                                  # SecretString
    /concourse/main/cfg: {user: app, port: 5432}                   # mapping
    /concourse/main/blob: !!binary eyJrIjogMX0=                    # SecretBinary

- A string is the SecretString, exactly as AWS would store it.
- A mapping is JSON-encoded and stored as the SecretString, so it resolves to
  the same map (convenient to write; its values must be JSON-encodable).
- `!!binary` is the SecretBinary (which, as on AWS, must hold a JSON object).
- Any other value (number, boolean, null, list) is an error naming the id:
  AWS stores text, so quote it to say which text you mean (`'5432'`).
- The file is read as YAML 1.1, as Concourse's tools read YAML: `yes` is a
  boolean and `0644` a number (both errors), a timestamp is its own text.

Ids are resolved by exactly the same templates, order, cross-team guard and
decoding as AWS Secrets Manager; only the transport differs.

With SSM Parameter Store selected (SSM templates), the file stands in for SSM
instead: each id is a parameter whose value must be a string (SSM holds text;
JSON text stays text), a mapping is one parameter per field below its id
(`/concourse/main/db: {user: app}` is `/concourse/main/db/user`), and a lookup
reads by name, then by path, as Concourse's SSM lookup does (`interp.sources.ssm_api`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from interp.errors import ConfigError, Location
from interp.lookup import DEFAULT_TEMPLATES, LookupTemplates
from interp.sources.secretsmanager import NOT_FOUND, FetchResult, SecretValue, TemplatedSource


def _stored_value(secret_id: str, value: Any, origin: str) -> SecretValue:
    if isinstance(value, str):
        return SecretValue(string=value)
    if isinstance(value, (bytes, bytearray)):
        return SecretValue(binary=bytes(value))
    if isinstance(value, dict):
        try:
            return SecretValue(string=json.dumps(value, allow_nan=False))
        except (TypeError, ValueError):
            raise ConfigError(f"{origin}: secret {secret_id!r}: a mapping value must be JSON-encodable") from None
    raise ConfigError(
        f"{origin}: secret {secret_id!r} is a {type(value).__name__}, not a string, mapping or !!binary; "
        "quote it to store it as a plaintext SecretString"
    )


def parse_secrets(data: Any, origin: str) -> dict[str, SecretValue]:
    """Validate loaded YAML into id -> stored value. `origin` names the file in errors."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of secret id to value, got a {type(data).__name__}")
    secrets: dict[str, SecretValue] = {}
    for secret_id, value in data.items():
        if not isinstance(secret_id, str) or secret_id == "":
            raise ConfigError(f"{origin}: secret ids must be non-empty strings, got {secret_id!r}")
        secrets[secret_id] = _stored_value(secret_id, value, origin)
    return secrets


def load_secrets_file(path: str | Path) -> dict[str, SecretValue]:
    """Load a secrets file; any problem is a ConfigError naming the file (never a value).

    Read as YAML 1.1, as Concourse's tools read YAML (interp.yaml11): an unquoted
    `yes` or `0644` is a bool or a number, and so an error here; a timestamp is text.
    """
    return parse_secrets(_load_data(path), f"secrets file {str(path)!r}")


def load_parameters_file(path: str | Path) -> dict[str, str]:
    """A secrets file read as SSM parameters: name -> text, mappings one parameter per field."""
    return parse_parameters(_load_data(path), f"secrets file {str(path)!r}")


def parse_parameters(data: Any, origin: str) -> dict[str, str]:
    """Validate loaded YAML into parameter name -> text. `origin` names the file in errors."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of parameter name to value, got a {type(data).__name__}")
    parameters: dict[str, str] = {}

    def add(name: str, value: Any) -> None:
        if isinstance(value, str):
            parameters[name] = value
        elif isinstance(value, dict):
            for field, inner in value.items():
                if not isinstance(field, str) or field == "":
                    raise ConfigError(f"{origin}: parameter {name!r}: field names must be non-empty strings")
                add(f"{name}/{field}", inner)
        else:
            kind = {bool: "a boolean", int: "a number", float: "a number", list: "a list", type(None): "null"}.get(type(value), "not text")
            raise ConfigError(f"{origin}: parameter {name!r} is {kind}, not a string or mapping; SSM holds text, so quote it")

    for name, value in data.items():
        if not isinstance(name, str) or name == "":
            raise ConfigError(f"{origin}: parameter names must be non-empty strings, got {name!r}")
        add(name, value)
    return parameters


def _load_data(path: str | Path) -> Any:
    from interp import yaml11

    origin = f"secrets file {str(path)!r}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{origin}: cannot read it ({type(error).__name__})") from None
    try:
        data = yaml11.load(text, keep_binary=True)
    except yaml11.LoadProblem as problem:
        # The place and yaml11's wording, which never quotes the text (it holds secrets).
        raise ConfigError(f"secrets file {Location(str(path), problem.line, problem.column)}: {problem.message}") from None
    return data


class FileTransport:
    """Answers ids from an in-memory mapping; asking for everything at once is free."""

    speculative = True

    def __init__(self, secrets: Mapping[str, SecretValue]) -> None:
        self.secrets = dict(secrets)
        self.fetch_count = 0  # how many ids were asked for: lets tests check dedupe

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        self.fetch_count += len(ids)
        return {secret_id: self.secrets.get(secret_id, NOT_FOUND) for secret_id in ids}


class ParametersFileTransport:
    """Answers ids from in-memory SSM parameters as Concourse's SSM Get does: by name, then by path."""

    speculative = True

    def __init__(self, parameters: Mapping[str, str]) -> None:
        self.parameters = dict(parameters)
        self.fetch_count = 0

    def fetch(self, ids: Sequence[str]) -> dict[str, FetchResult]:
        from interp.sources.ssm_api import ParameterMap, ParameterValue, by_path_query

        self.fetch_count += len(ids)
        answers: dict[str, FetchResult] = {}
        for name in ids:
            if name in self.parameters:
                answers[name] = ParameterValue(self.parameters[name])
                continue
            path = by_path_query(name)
            below = path if path == "/" else path + "/"
            found = {key[len(path) + 1 :]: value for key, value in self.parameters.items() if key.startswith(below)}
            answers[name] = ParameterMap(found) if found else NOT_FOUND
        return answers


class SecretsFileSource(TemplatedSource):
    """Resolves paths from a secrets file with Concourse's lookup rules: Secrets Manager's, or
    SSM's when the templates are SSM's."""

    def __init__(
        self,
        secrets: str | Path | Mapping[str, SecretValue],
        team: str,
        pipeline: str | None = None,
        templates: LookupTemplates = DEFAULT_TEMPLATES,
    ) -> None:
        super().__init__(team, pipeline, templates)
        self._transport: FileTransport | ParametersFileTransport
        if templates.store == "ssm":
            if isinstance(secrets, (str, Path)):
                parameters = load_parameters_file(secrets)
            else:
                parameters = parse_parameters({k: getattr(v, "string", v) for k, v in secrets.items()}, "secrets")
            self._transport = ParametersFileTransport(parameters)
            return
        if isinstance(secrets, (str, Path)):
            secrets = load_secrets_file(secrets)
        self._transport = FileTransport(secrets)

    def transport(self) -> FileTransport | ParametersFileTransport:
        return self._transport

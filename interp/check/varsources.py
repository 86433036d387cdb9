"""Offline checks of var_sources configs, as fly's bundled credential managers do them.

Each checker returns a list of (key or None, problem) for one config mapping.
Values holding a ((var)) are skipped: they are only known after interpolation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Problems = list[tuple[str | None, str]]

# fly registers every manager; only these may appear in a pipeline.
SUPPORTED = ("vault", "dummy", "ssm", "secretsmanager", "idtoken")
REGISTERED_UNSUPPORTED = ("conjur", "credhub", "kubernetes")

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_TEMPLATE_FIELD = re.compile(r"^-?\s*\.(Team|Pipeline|Secret)\s*-?$")


def secret_template_error(template: str) -> str | None:
    """Why a Secrets Manager / SSM lookup template is unusable, or None.

    Kept tiny on purpose: interp.lookup has the full implementation; this can be
    swapped for it. Accepts text plus {{.Team}}, {{.Pipeline}}, {{.Secret}}.
    """
    if not template.strip():
        return "secret template should not be empty"
    for match in _ACTION.finditer(template):
        if not _TEMPLATE_FIELD.match(match.group(1)):
            return f"unsupported action {match.group(0)!r} (only {{{{.Team}}}}, {{{{.Pipeline}}}}, {{{{.Secret}}}})"
    leftover = _ACTION.sub("", template)
    if "{{" in leftover:
        return "unclosed action '{{'"
    return None


def _is_var(value: Any) -> bool:
    return isinstance(value, str) and "((" in value


def go_fold(key: str) -> str:
    """`key` as Go's EqualFold compares it with an ASCII field name: ASCII case, plus the two
    letters outside ASCII whose simple case folding is an ASCII one (U+017F is s, U+212A is k)."""
    return key.replace("\u017f", "s").replace("\u212a", "k").lower()


def _unknown_keys(config: dict[str, Any], allowed: set[str]) -> Problems:
    # mapstructure matches keys case-insensitively (EqualFold) and fails on unused ones (ErrorUnused).
    return [(k, f"unknown setting '{k}'") for k in config if go_fold(str(k)) not in allowed]


def _strings(config: dict[str, Any], keys: set[str]) -> Problems:
    return [(k, f"'{k}' must be a string") for k, v in config.items()
            if go_fold(str(k)) in keys and v is not None and not isinstance(v, str)]


from interp.var_source_keys import SECRETSMANAGER_KEYS, SSM_KEYS  # noqa: E402 - shared with --resolve-var-sources


def _aws(config: dict[str, Any], allowed: set[str], templates: tuple[str, ...]) -> Problems:
    problems = _unknown_keys(config, allowed) + _strings(config, allowed)
    lowered = {go_fold(str(k)): (k, v) for k, v in config.items() if isinstance(v, str) or v is None}
    for name in templates:
        key, value = lowered.get(name, (None, None))
        if value is None or _is_var(value):
            continue
        error = secret_template_error(value)
        if error:
            problems.append((key, f"{name.replace('_', '-')}: {error}"))
    creds = {k: lowered.get(k, (None, ""))[1] or "" for k in ("access_key", "secret_key", "session_token")}
    if any(creds.values()):
        if not creds["access_key"]:
            problems.append((None, "must provide aws access key id"))
        elif not creds["secret_key"]:
            problems.append((None, "must provide aws secret access key"))
    return problems


def check_secretsmanager(config: dict[str, Any]) -> Problems:
    return _aws(config, SECRETSMANAGER_KEYS,
                ("pipeline_secret_template", "team_secret_template", "shared_secret_template"))


def check_ssm(config: dict[str, Any]) -> Problems:
    return _aws(config, SSM_KEYS, ("pipeline_secret_template", "team_secret_template"))


def check_dummy(config: dict[str, Any]) -> Problems:
    vars_ = config.get("vars")
    if not isinstance(vars_, dict) and not _is_var(vars_):
        return [("vars" if "vars" in config else None, "invalid vars config: 'vars' must be a mapping")]
    return []


# Keys with mapstructure tags in atc/creds/vault, plus the untagged TLS file
# fields mapstructure would still match by field name: an unknown key is an error
# (ErrorUnused), and each value must decode into its field's Go type (below).
VAULT_KEYS = {
    "url", "path_prefix", "lookup_templates", "shared_path", "namespace", "login_timeout",
    "query_timeout", "enable_kv_mount_cache", "disable_srv_lookup", "ca_cert", "client_cert",
    "client_key", "server_name", "insecure_skip_verify", "client_token", "client_token_path",
    "auth_backend", "auth_backend_max_ttl", "auth_retry_max", "auth_retry_initial", "auth_params",
    "cacertfile", "capath", "clientcertfile", "clientkeyfile",
}


# mapstructure (no weak typing) decodes each setting into the VaultManager field's Go type; a
# ((var)) is still the string "((var))" when the pipeline is set, so it counts as a string.
_VAULT_DURATIONS = {"login_timeout", "query_timeout", "auth_backend_max_ttl", "auth_retry_max", "auth_retry_initial"}
_VAULT_BOOLS = {"enable_kv_mount_cache", "disable_srv_lookup", "insecure_skip_verify"}


def _vault_type_problem(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if key in _VAULT_DURATIONS:
        if isinstance(value, str):
            return None if is_go_duration(value) else f"'{key}' time: invalid duration {value!r}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            return None  # a number of nanoseconds
        return f"'{key}' expected type 'time.Duration', got {_go_kind(value)}"
    if key in _VAULT_BOOLS:
        return None if isinstance(value, bool) else f"'{key}' expected type 'bool', got unconvertible type '{_go_kind(value)}'"
    if key == "lookup_templates":
        if not isinstance(value, list):
            return f"'{key}' source data must be an array or slice, got {_go_kind(value)}"
        bad = next((index for index, item in enumerate(value) if not isinstance(item, str)), None)
        return None if bad is None else f"'{key}[{bad}]' expected type 'string', got unconvertible type '{_go_kind(value[bad])}'"
    if key == "auth_params":
        if not isinstance(value, dict):
            return f"'{key}' expected a map, got '{_go_kind(value)}'"
        bad_key = next((k for k, v in value.items() if not isinstance(v, str)), None)
        return None if bad_key is None else f"'{key}[{bad_key}]' expected type 'string', got unconvertible type '{_go_kind(value[bad_key])}'"
    if not isinstance(value, str):
        return f"'{key}' expected type 'string', got unconvertible type '{_go_kind(value)}'"
    return None


def _go_kind(value: Any) -> str:
    """The Go type mapstructure sees: the config arrives through JSON, so every number is a float64."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "[]interface {}"
    return "map[string]interface {}" if isinstance(value, dict) else type(value).__name__


def check_vault(config: dict[str, Any]) -> Problems:
    problems = _unknown_keys(config, VAULT_KEYS)
    for key, value in config.items():
        if isinstance(key, str) and go_fold(key) in VAULT_KEYS and (problem := _vault_type_problem(go_fold(key), value)):
            problems.append((key, f"decoding failed due to the following error(s): {problem}"))
    url = config.get("url")
    if isinstance(url, str) and not _is_var(url):
        scheme, _, rest = url.partition("://")
        if not rest or scheme not in ("http", "https"):
            problems.append(("url", f"invalid URL {url!r}: must be http or https with a host"))
    elif url is None:
        problems.append((None, "invalid scheme \"\": must be http or https"))
    if "path_prefix" in config and config["path_prefix"] in ("", None):
        problems.append(("path_prefix", "path prefix must be a non-empty string"))
    if not any(config.get(k) for k in ("client_token", "client_token_path", "auth_backend")):
        problems.append((None, "must configure client token or auth backend"))
    return problems


_GO_DURATION = re.compile(r"^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def is_go_duration(text: str) -> bool:
    """time.ParseDuration accepts it (an empty string does not)."""
    return bool(_GO_DURATION.match(text))


def go_duration_seconds(text: str) -> float:
    total = sum(float(n) * _DURATION_UNITS[u]
                for n, u in re.findall(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)", text))
    return -total if text.startswith("-") else total


def check_idtoken(config: dict[str, Any]) -> Problems:
    problems: Problems = []
    for key, value in config.items():
        if _is_var(value):
            continue
        if key == "audience":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problems.append((key, "audience must be a list of strings"))
        elif key == "subject_scope":
            if value not in ("", "team", "pipeline", "instance", "job"):
                problems.append((key, f"invalid subject_scope value: {value}"))
        elif key == "expires_in":
            if not isinstance(value, str) or not is_go_duration(value):
                problems.append((key, f"invalid expires_in value: {value!r}"))
            elif go_duration_seconds(value) > 24 * 3600:
                problems.append((key, "expires_in must be <= 24h0m0s"))
        elif key == "algorithm":
            if value not in ("RS256", "ES256"):
                problems.append((key, f"invalid algorithm value: {value}. Only RS256 and ES256 are supported"))
        else:
            problems.append((key, f"unknown setting: {key}"))
    return problems


CHECKERS: dict[str, Callable[[dict[str, Any]], Problems]] = {
    "secretsmanager": check_secretsmanager,
    "ssm": check_ssm,
    "dummy": check_dummy,
    "vault": check_vault,
    "idtoken": check_idtoken,
}

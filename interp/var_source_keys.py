"""The `config` keys Concourse's AWS var sources take (their mapstructure tags): one list for
`interp check` (an unknown key is fly's error) and for `--resolve-var-sources`."""

_AWS_KEYS = frozenset(
    {"access_key", "secret_key", "session_token", "region", "pipeline_secret_template", "team_secret_template"}
)
SECRETSMANAGER_KEYS = _AWS_KEYS | {"shared_secret_template"}
SSM_KEYS = _AWS_KEYS | {"shared_path"}

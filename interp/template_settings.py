"""The three lookup-template settings, as Concourse's web node names them: flag,
environment variable and default. Read by the settings (aws_settings) and named in
the lookup's configuration errors (lookup), which must not import each other."""

from __future__ import annotations

ENV_PIPELINE_TEMPLATE = "CONCOURSE_AWS_SECRETSMANAGER_PIPELINE_SECRET_TEMPLATE"
ENV_TEAM_TEMPLATE = "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE"
ENV_SHARED_TEMPLATE = "CONCOURSE_AWS_SECRETSMANAGER_SHARED_SECRET_TEMPLATE"

# Concourse's defaults (the shared one from newer releases).
DEFAULT_PIPELINE_TEMPLATE = "/concourse/{{.Team}}/{{.Pipeline}}/{{.Secret}}"
DEFAULT_TEAM_TEMPLATE = "/concourse/{{.Team}}/{{.Secret}}"
DEFAULT_SHARED_TEMPLATE = "/concourse/{{.Secret}}"

# (level, flag, environment variable, default), in lookup order.
TEMPLATE_SETTINGS = (
    ("pipeline", "--aws-secretsmanager-pipeline-secret-template", ENV_PIPELINE_TEMPLATE, DEFAULT_PIPELINE_TEMPLATE),
    ("team", "--aws-secretsmanager-team-secret-template", ENV_TEAM_TEMPLATE, DEFAULT_TEAM_TEMPLATE),
    ("shared", "--aws-secretsmanager-shared-secret-template", ENV_SHARED_TEMPLATE, DEFAULT_SHARED_TEMPLATE),
)

# How a configuration error names each level's setting: its flag and its environment variable.
TEMPLATE_SETTING_NAMES = {level: f"{flag} ({env_name})" for level, flag, env_name, _ in TEMPLATE_SETTINGS}

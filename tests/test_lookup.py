"""Lookup templates: parsing, candidate order, one-off mode and the cross-team guard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from interp.errors import ConfigError
from interp.lookup import (
    DEFAULT_TEMPLATES,
    LookupTemplate,
    LookupTemplates,
    candidate_ids,
    guarded_candidates,
    is_guarded,
    plan_lookup,
)


def test_default_order_is_pipeline_team_shared():
    assert candidate_ids("db", "main", "example") == [
        "/concourse/main/example/db",
        "/concourse/main/db",
        "/concourse/db",
    ]


def test_one_off_mode_skips_templates_that_use_the_pipeline():
    assert candidate_ids("db", "main", None) == ["/concourse/main/db", "/concourse/db"]


def test_plan_records_the_level_of_each_candidate():
    plan = plan_lookup("db", "main", "example")
    assert [c.level for c in plan.candidates] == ["pipeline", "team", "shared"]
    assert plan.skipped == ()


def test_whitespace_inside_braces_is_allowed():
    templates = LookupTemplates.from_strings(
        pipeline="/p/{{ .Team }}/{{\t.Pipeline}}/{{.Secret }}",
        team="/t/{{ .Team }}/{{ .Secret }}",
        shared="/s/{{  .Secret  }}",
    )
    assert candidate_ids("x", "a", "b", templates) == ["/p/a/b/x", "/t/a/x", "/s/x"]


def test_custom_templates_keep_the_order():
    templates = LookupTemplates.from_strings(
        pipeline="pipe+{{.Team}}/{{.Pipeline}}+{{.Secret}}", team="team+{{.Team}}+{{.Secret}}", shared="shared+{{.Secret}}"
    )
    assert candidate_ids("k", "t", "p", templates) == ["pipe+t/p+k", "team+t+k", "shared+k"]


def test_ids_with_a_colon_that_are_not_secret_arns_are_refused():
    # A secret name holds no ':'; such an id is no name interp can check against other teams.
    templates = LookupTemplates.from_strings(team="team:{{.Team}}:{{.Secret}}", shared="shared+{{.Secret}}")
    plan = plan_lookup("k", "t", None, templates)
    assert plan.ids == ("shared+k",)
    [skipped] = plan.skipped
    assert (skipped.id, skipped.kind) == ("team:t:k", "unmappable")
    assert "neither a secret name nor a secret ARN" in skipped.reason


def test_ambiguous_templates_skip_ids_another_team_could_own():
    # Team names may contain '.', so "k@p.t" is also team "p.t"'s team-level secret "k".
    templates = LookupTemplates.from_strings(
        pipeline="{{.Secret}}@{{.Pipeline}}.{{.Team}}", team="{{.Secret}}@{{.Team}}", shared="shared-{{.Secret}}"
    )
    plan = plan_lookup("k", "t", "p", templates)
    assert [(s.id, s.level) for s in plan.skipped][0] == ("k@p.t", "pipeline")
    assert "'p.t'" in plan.skipped[0].reason
    # "k@t" is refused too: team "t-abcdef" asking for ((arn:aws:secretsmanager:r:a:secret:k)) gets the
    # id "arn:aws:secretsmanager:r:a:secret:k@t-abcdef", a complete ARN of the secret "k@t".
    assert plan.ids == ("shared-k",)
    assert "a team other than 't'" in plan.skipped[1].reason or "'t-" in plan.skipped[1].reason


def test_a_repeated_field_expands_everywhere():
    template = LookupTemplate.parse("/{{.Team}}/{{.Secret}}/{{.Team}}", "setting")
    assert template.expand(team="t", pipeline=None, secret="s") == "/t/s/t"


def test_two_templates_giving_the_same_id_look_it_up_once():
    templates = LookupTemplates.from_strings(team="/c/{{.Secret}}", shared="/c/{{.Secret}}")
    assert candidate_ids("x", "t", "p", templates) == ["/concourse/t/p/x", "/c/x"]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("/concourse/{{.Foo}}/{{.Secret}}", "{{.Foo}}"),
        ("/concourse/{{.team}}/{{.Secret}}", "{{.team}}"),
        ("/c/{{if .Team}}x{{end}}/{{.Secret}}", "{{if .Team}}"),
        ("/c/{{.Team | printf}}/{{.Secret}}", "{{.Team | printf}}"),
        ("/c/{{- .Team}}/{{.Secret}}", "{{- .Team}}"),
        ("/c/{{/* note */}}{{.Secret}}", "{{/* note */}}"),
        ("/c/{{.Team}}/{{.Secret", "unclosed"),
        ("/c/{{.Team}}", "{{.Secret}}"),
        ("/c/{{}}/{{.Secret}}", "{{}}"),
    ],
)
def test_invalid_templates_are_config_errors_naming_the_setting(text, fragment):
    with pytest.raises(ConfigError) as error:
        LookupTemplates.from_strings(team=text)
    message = str(error.value)
    assert "--aws-secretsmanager-team-secret-template" in message
    assert "CONCOURSE_AWS_SECRETSMANAGER_TEAM_SECRET_TEMPLATE" in message
    assert fragment in message


def test_each_template_error_names_its_own_setting():
    with pytest.raises(ConfigError, match="PIPELINE_SECRET_TEMPLATE"):
        LookupTemplates.from_strings(pipeline="{{.Nope}}")
    with pytest.raises(ConfigError, match="SHARED_SECRET_TEMPLATE"):
        LookupTemplates.from_strings(shared="{{.Nope}}")


@pytest.mark.parametrize(
    "team, pipeline, fragment",
    [
        ("", "p", "--team"),
        ("a/b", "p", "--team"),
        ("a{{b", "p", "--team"),
        ("a}}b", "p", "--team"),
        ("t", "", "--pipeline"),
        ("t", "x/y", "--pipeline"),
        ("t", "{{.Team}}", "--pipeline"),
    ],
)
def test_bad_team_or_pipeline_names_are_config_errors(team, pipeline, fragment):
    with pytest.raises(ConfigError, match=fragment):
        candidate_ids("x", team, pipeline)


def test_guard_skips_the_shared_candidate_that_is_another_teams_secret():
    plan = plan_lookup("other/x", "t", "p")
    assert plan.ids == ("/concourse/t/p/other/x", "/concourse/t/other/x")
    [skipped] = plan.skipped
    assert skipped.id == "/concourse/other/x"
    assert skipped.level == "shared"
    assert "'other'" in skipped.reason and "/concourse/other/x" in skipped.reason


def test_pipelines_of_one_team_are_not_isolated():
    # /concourse/t/github/token looks like pipeline "github" of team t: same team, so allowed.
    assert "/concourse/t/github/token" in candidate_ids("github/token", "t", "p")
    assert "/concourse/t/github/token" in candidate_ids("github/token", "t", None)


def test_own_team_prefix_through_the_shared_template_is_allowed():
    assert candidate_ids("t/x", "t", None) == ["/concourse/t/t/x", "/concourse/t/x"]


def test_guard_applies_the_pipeline_template_even_in_one_off_mode():
    templates = LookupTemplates.from_strings(
        pipeline="/pipe/{{.Team}}/{{.Pipeline}}/{{.Secret}}", team="/team/{{.Team}}/{{.Secret}}", shared="/{{.Secret}}"
    )
    assert is_guarded("pipe/other/p/x", "t", None, templates)
    assert is_guarded("team/other/x", "t", None, templates)
    assert not is_guarded("pipe/t/p/x", "t", None, templates)
    assert not is_guarded("elsewhere/x", "t", None, templates)


def test_guard_explores_every_split_of_an_ambiguous_template():
    template = LookupTemplate.parse("/s/{{.Secret}}-{{.Team}}", "setting")
    assert set(template.teams_producing("/s/a-b-c")) == {"b-c", "c"}
    templates = LookupTemplates.from_strings(team="/s/{{.Secret}}-{{.Team}}", shared="/s/{{.Secret}}")
    # Team "c" asking for "a-b" through the shared template would read team "b-c"'s secret "a".
    assert is_guarded("a-b-c", "c", None, templates)


def test_templates_without_team_never_guard():
    templates = LookupTemplates.from_strings(team="/shared-team/{{.Secret}}", pipeline="/p/{{.Pipeline}}/{{.Secret}}")
    assert not is_guarded("other/x", "t", "p", templates)


def test_is_guarded_and_guarded_candidates_for_check_warnings():
    assert is_guarded("other/x", "t")
    assert not is_guarded("x", "t")
    assert [s.id for s in guarded_candidates("other/x", "t")] == ["/concourse/other/x"]
    # Its team-level candidate stays legal; only the shared one (team "github"'s secret) is skipped.
    assert is_guarded("github/token", "t")
    assert [s.level for s in guarded_candidates("github/token", "t", "p")] == ["shared"]


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=8)
paths = st.lists(names, min_size=1, max_size=4).map("/".join)


@given(team=names, other=names, pipeline=names, secret=paths, one_off=st.booleans())
def test_no_candidate_is_ever_another_teams_team_or_pipeline_secret(team, other, pipeline, secret, one_off):
    if team == other:
        return
    own_pipeline = None if one_off else pipeline
    forbidden = {
        DEFAULT_TEMPLATES.team.expand(team=other, pipeline=None, secret=secret),
        DEFAULT_TEMPLATES.pipeline.expand(team=other, pipeline=pipeline, secret=secret),
    }
    # However the var name is built, it must not reach another team's ids.
    for path in (secret, f"{other}/{secret}", f"{other}/{pipeline}/{secret}"):
        assert forbidden.isdisjoint(candidate_ids(path, team, own_pipeline))


@given(team=names, pipeline=names, secret=paths)
def test_own_team_candidates_are_never_skipped_with_default_templates(team, pipeline, secret):
    ids = candidate_ids(secret, team, pipeline)
    assert ids[:2] == [f"/concourse/{team}/{pipeline}/{secret}", f"/concourse/{team}/{secret}"]

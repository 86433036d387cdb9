"""The library's Renderer: one client and one cache for many pipelines."""

import boto3
import pytest
from moto import mock_aws
from ruamel.yaml.comments import CommentedMap

import interp
from interp import InterpError, Renderer


class CountingClient:
    """A real (moto) client that counts the API calls made through it."""

    def __init__(self, client):
        self.client = client
        self.calls: list[str] = []
        self.meta = client.meta

    def __getattr__(self, name):
        method = getattr(self.client, name)

        def call(**kwargs):
            self.calls.append(name)
            return method(**kwargs)

        return call


@pytest.fixture
def aws():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name="/concourse/t/shared-by-all", SecretString="team-value")
        client.create_secret(Name="/concourse/t/p1/only-p1", SecretString="p1-value")
        client.create_secret(Name="/concourse/t/p2/only-p2", SecretString='{"k": 2}')
        yield CountingClient(client)


def test_renders_many_pipelines_with_one_client_and_cache(aws):
    renderer = Renderer(team="t", pipeline="p1", client=aws)
    first = renderer.render_text("a: ((shared-by-all))\nb: ((only-p1))\n")
    assert first == "a: team-value\nb: p1-value\n"
    calls_after_first = len(aws.calls)
    assert renderer.render_text("again: ((shared-by-all))\n") == "again: team-value\n"
    assert len(aws.calls) == calls_after_first  # answered from the cache


def test_each_call_may_name_another_pipeline_of_the_team(aws):
    renderer = Renderer(team="t", pipeline="p1", client=aws)
    assert renderer.render_text("v: ((only-p2.k))\n", pipeline="p2") == "v: 2\n"
    with pytest.raises(InterpError, match="undefined var: only-p2"):
        renderer.render_text("v: ((only-p2.k))\n")  # p1's scope does not see p2's secrets


def test_static_vars_answer_first_and_per_call_vars_add_to_them(aws):
    renderer = Renderer(team="t", pipeline="p1", client=aws, vars={"shared-by-all": "static"})
    assert renderer.render_text("a: ((shared-by-all))\nb: ((extra))\n", vars={"extra": 1}) == "a: static\nb: 1\n"


def test_data_in_data_out():
    renderer = Renderer(vars={"name": "app", "ports": [80, 443]})
    data = CommentedMap({"image": "((name)):latest", "ports": "((ports))"})
    rendered = renderer.render_data(data)
    assert isinstance(rendered, CommentedMap)
    assert rendered == {"image": "app:latest", "ports": [80, 443]}


def test_secrets_file_and_errors_carry_every_problem(tmp_path):
    store = tmp_path / "secrets.yml"
    store.write_text("/concourse/main/x: from-file\n")
    renderer = Renderer(team="main", secrets_file=store)
    assert renderer.render_text("x: ((x))\n") == "x: from-file\n"
    with pytest.raises(InterpError) as error:
        renderer.render_text("a: ((y))\nb: ((z))\n")
    assert [p.location.line for p in error.value.problems] == [1, 2]


def test_scope_is_validated():
    with pytest.raises(interp.errors.ConfigError):
        Renderer(team="a/b")
    with pytest.raises(ValueError):
        Renderer(pipeline="p")


def test_repr_shows_no_values():
    assert "hunter2" not in repr(Renderer(vars={"password": "hunter2"}))


class _FixedSource:
    """A custom credentials source that knows nothing of pipelines."""

    def resolve(self, paths):
        from interp.sources.base import Found

        return {path: Found("v", origin="custom") for path in paths}


def test_a_custom_source_without_pipeline_scoping_is_refused_for_another_pipeline_not_ignored():
    renderer = Renderer(team="t", pipeline="p1", credentials=_FixedSource())
    assert renderer.render_text("a: ((x))\n") == "a: v\n"
    with pytest.raises(TypeError, match="has no for_pipeline"):
        renderer.render_text("a: ((x))\n", pipeline="p2")


def test_a_custom_source_with_for_pipeline_is_rescoped(tmp_path):
    class Scoped(_FixedSource):
        def __init__(self, pipeline=None):
            self.pipeline = pipeline

        def for_pipeline(self, pipeline):
            return Scoped(pipeline)

        def resolve(self, paths):
            from interp.sources.base import Found

            return {path: Found(f"{self.pipeline}-value", origin="custom") for path in paths}

    renderer = Renderer(team="t", pipeline="p1", credentials=Scoped("p1"))
    assert renderer.render_text("a: ((x))\n", pipeline="p2") == "a: p2-value\n"
    assert renderer.render_text("a: ((x))\n") == "a: p1-value\n"


def test_render_data_keeps_strings_that_yaml_1_1_reads_as_other_types():
    data = {"y": 1, True: 2, "on": "yes", "d": "2024-01-01", "k": "((v))"}
    rendered = Renderer().render_data(data, vars={"v": "on"})
    assert dict(rendered) == {"y": 1, True: 2, "on": "yes", "d": "2024-01-01", "k": "on"}


def test_a_misspelled_option_names_the_function_the_user_called(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("a: 1\n")
    with pytest.raises(TypeError, match=r"render_file\(\) got an unexpected keyword argument 'var'"):
        interp.render_file(path, var={"x": 1})
    with pytest.raises(TypeError, match=r"render_files\(\) got an unexpected keyword argument 'skipmissing'"):
        interp.render_files([path], skipmissing=True)


def test_render_files_names_each_files_pipeline_and_reports_every_files_problems(tmp_path):
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("/concourse/t/build/x: build-x\n/concourse/t/deploy/x: deploy-x\n")
    (tmp_path / "ci" / "deploy").mkdir(parents=True)
    files = {name: tmp_path / f"{name}.yml" for name in ("build", "deploy", "m1", "m2")}
    for name, path in files.items():
        path.write_text(f"x: (({'x' if name in ('build', 'deploy') else name}))\n")
    (tmp_path / "ci" / "deploy" / "pipeline.yml").write_text("x: ((x))\n")
    renderer = Renderer(team="t", secrets_file=secrets)
    assert renderer.render_files([files["build"], files["deploy"]], pipeline_from="filename") == ["x: build-x\n", "x: deploy-x\n"]
    assert interp.render_files([tmp_path / "ci" / "deploy" / "pipeline.yml"], team="t", secrets_file=secrets,
                               pipeline_from="dirname") == ["x: deploy-x\n"]  # fmt: skip
    with pytest.raises(InterpError) as error:
        renderer.render_files([files["m1"], files["build"], files["m2"]], pipeline_from="filename")
    assert [p.message.split(" (")[0] for p in error.value.problems] == ["undefined var: m1", "undefined var: m2"]


def test_renderer_takes_a_region():
    from interp.sources.aws_settings import SecretsManagerSettings

    renderer = Renderer(team="t", region="eu-west-1", settings=SecretsManagerSettings(retry_attempts=2))
    assert (renderer._credentials.settings.region, renderer._credentials.settings.retry_attempts) == ("eu-west-1", 2)


def test_per_call_vars_that_are_not_a_mapping_are_refused_with_or_without_references():
    # The reference-free shortcut must not skip the check of the caller's arguments.
    for text in ("a: 1\n", "a: ((x))\n"):
        with pytest.raises(TypeError):
            Renderer().render_text(text, vars=[("x", 1)])  # type: ignore[arg-type]

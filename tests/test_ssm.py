"""SSM Parameter Store as a source, in process against moto: every rule of
../shared/spec/aws-ssm.md (Concourse's `atc/creds/ssm/ssm.go`), and interp's
batched reads giving exactly what Concourse's one-by-one Get gives, at the API floor.

The reference (`ConcourseSsm`) is Concourse's algorithm written from the spec: for
each candidate in order, GetParameter by name, on ParameterNotFound only
GetParametersByPath, any other error stops the lookup. It runs against the same
moto state as interp and counts its own calls, so the request floor is computed
independently of interp's planner.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from moto import mock_aws

import interp
from fault_proxy import FaultProxy
from interp.sources.aws_calls import RequestCounter
from interp.sources.base import Failed, Found, NotFound
from interp.sources.fetch_results import NOT_FOUND, FetchError
from interp.sources.ssm import SsmSource
from interp.sources.ssm_api import ParameterMap, ParameterValue, SsmTransport, by_path_query
from interp.sources.ssm_settings import SsmSettings
from moto_server import aws_test_env, ssm_client

REGION = "us-east-1"
TEAM, PIPELINE = "t", "p"


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ssm", region_name=REGION)


def put(client: Any, parameters: Mapping[str, str], kind: str = "SecureString") -> None:
    for name, value in parameters.items():
        client.put_parameter(Name=name, Value=value, Type=kind)


def source(client: Any, pipeline: str | None = PIPELINE, **settings: Any) -> SsmSource:
    return SsmSource(TEAM, pipeline, SsmSettings(region=REGION, **settings), client=client)


def summary(outcome: Any) -> tuple[Any, ...]:
    """An outcome as comparable data: found (value, where), failed (code, the last id tried), not found (ids)."""
    if isinstance(outcome, Found):
        return ("found", outcome.value, outcome.origin)
    if isinstance(outcome, Failed):
        return ("error", outcome.code, outcome.tried[-1])
    assert isinstance(outcome, NotFound)
    return ("missing", outcome.tried)


def error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} (test)"}}, operation)


READS = ("GetParameter", "GetParameters", "GetParametersByPath")


class FailingClient:
    """The moto client, except that reading some names fails with an error code: by name
    (GetParameter), in a batch naming one (GetParameters fails as a whole, as AWS refuses a
    call when one of its resources is denied) and by path; `actions` narrows that to some
    reads. `refuse_batch` refuses every GetParameters. Counts the calls, by API action."""

    def __init__(
        self,
        inner: Any,
        failing: Mapping[str, str] | None = None,
        *,
        actions: tuple[str, ...] = READS,
        refuse_batch: bool = False,
    ) -> None:
        self.inner = inner
        self.failing = dict(failing or {})
        self.actions = actions
        self.refuse_batch = refuse_batch
        self.calls: Counter[str] = Counter()

    def _check(self, action: str, names: list[str]) -> None:
        self.calls[action] += 1
        if action == "GetParameters" and self.refuse_batch:
            raise error("AccessDeniedException", action)
        for name in names:
            if name in self.failing and action in self.actions:
                raise error(self.failing[name], action)

    def get_parameter(self, **request: Any) -> Any:
        self._check("GetParameter", [request["Name"]])
        return self.inner.get_parameter(**request)

    def get_parameters(self, **request: Any) -> Any:
        self._check("GetParameters", request["Names"])
        return self.inner.get_parameters(**request)

    def get_parameters_by_path(self, **request: Any) -> Any:
        self._check("GetParametersByPath", [request["Path"]])
        return self.inner.get_parameters_by_path(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# ---------------------------------------------------------------------------------- the reference


class ConcourseSsm:
    """Concourse's SSM lookup, one call at a time, as the spec has it. `get` is remembered by
    id (interp reads each distinct id once per render; that is the floor counted here)."""

    def __init__(self, client: Any, shared_path: str = "") -> None:
        self.client = client
        self.shared_path = shared_path
        self.calls: Counter[str] = Counter()
        self._answers: dict[str, tuple[str, Any]] = {}

    def candidates(self, var: str, pipeline: str | None) -> list[str]:
        ids = [f"/concourse/{TEAM}/{pipeline}/{var}"] if pipeline else []
        ids.append(f"/concourse/{TEAM}/{var}")
        if self.shared_path:
            ids.append(f"{self.shared_path}/{var}")
        return ids

    def get(self, name: str) -> tuple[str, Any]:
        if name not in self._answers:
            self._answers[name] = self._get(name)
        return self._answers[name]

    def _get(self, name: str) -> tuple[str, Any]:
        try:
            self.calls["GetParameter"] += 1
            return "found", self.client.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as failure:
            code = failure.response["Error"]["Code"]
            if code != "ParameterNotFound":
                return "error", code
        path = name.rstrip("/") or "/"
        request: dict[str, Any] = {"Path": path, "Recursive": True, "WithDecryption": True, "MaxResults": 10}
        values: dict[str, str] = {}
        while True:
            self.calls["GetParametersByPath"] += 1
            try:
                page = self.client.get_parameters_by_path(**request)
            except ClientError as failure:
                return "error", failure.response["Error"]["Code"]
            for parameter in page["Parameters"]:
                values[parameter["Name"][len(path) + 1 :]] = parameter["Value"]
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        return ("found", values) if values else ("missing", None)

    def lookup(self, var: str, pipeline: str | None) -> tuple[Any, ...]:
        candidates = self.candidates(var, pipeline)
        for name in candidates:
            kind, answer = self.get(name)
            if kind == "found":
                return ("found", answer, name)
            if kind == "error":
                return ("error", answer, name)
        return ("missing", tuple(candidates))


# ---------------------------------------------------------------------------------- by name, by path


def test_a_var_by_name_is_the_parameters_value(ssm: Any) -> None:
    put(ssm, {"/concourse/t/p/token": "pipeline-token"})
    assert summary(source(ssm).resolve(["token"])["token"]) == ("found", "pipeline-token", "/concourse/t/p/token")


def test_a_var_with_no_parameter_of_its_name_is_the_map_of_the_parameters_below_it(ssm: Any) -> None:
    put(ssm, {"/concourse/t/db/password": "pw", "/concourse/t/db/user": "u", "/concourse/t/dbx": "not below db"})
    outcome = source(ssm).resolve(["db"])["db"]
    assert summary(outcome) == ("found", {"password": "pw", "user": "u"}, "/concourse/t/db")
    renderer = interp.Renderer(team=TEAM, pipeline=PIPELINE, settings=SsmSettings(region=REGION), client=ssm)
    assert renderer.render_text("a: ((db.password))\nb: ((db))\n") == "a: pw\nb: {password: pw, user: u}\n"


def test_deeper_parameters_keep_their_slashes_as_map_keys(ssm: Any) -> None:
    put(ssm, {"/concourse/t/db/a/b": "deep", "/concourse/t/db/a/c/d": "deeper", "/concourse/t/db/e": "shallow"})
    outcome = source(ssm).resolve(["db"])["db"]
    assert summary(outcome) == ("found", {"a/b": "deep", "a/c/d": "deeper", "e": "shallow"}, "/concourse/t/db")
    renderer = interp.Renderer(team=TEAM, pipeline=PIPELINE, settings=SsmSettings(region=REGION), client=ssm)
    assert renderer.render_text('x: ((db."a/b"))\ny: ((db.a/c/d))\n') == "x: deep\ny: deeper\n"
    with pytest.raises(interp.InterpError, match=r"missing field 'a' in var: db\.a\.b"):
        renderer.render_text("x: ((db.a.b))\n")  # "a" is no map: the key is "a/b"


def test_a_parameter_by_name_wins_over_the_parameters_below_it(ssm: Any) -> None:
    put(ssm, {"/concourse/t/db": "by-name", "/concourse/t/db/password": "below"})
    assert summary(source(ssm).resolve(["db"])["db"]) == ("found", "by-name", "/concourse/t/db")


def test_by_path_query_trims_trailing_slashes_and_keeps_the_root() -> None:
    assert by_path_query("/concourse/t/db") == "/concourse/t/db"
    assert by_path_query("/concourse/t/db/") == "/concourse/t/db"
    assert by_path_query("/concourse/t/db///") == "/concourse/t/db"
    assert by_path_query("/") == "/"
    assert by_path_query("///") == "/"
    assert by_path_query("") == "/"


class RecordingByPath:
    """Answers GetParametersByPath with fixed pages and records the requests."""

    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages
        self.requests: list[dict[str, Any]] = []

    def get_parameters_by_path(self, **request: Any) -> dict[str, Any]:
        self.requests.append(dict(request))
        return self.pages[len(self.requests) - 1]


def test_by_path_keys_are_the_names_past_the_trimmed_path_and_one_character() -> None:
    client = RecordingByPath(
        [
            {"Parameters": [{"Name": "/concourse/t/db/a", "Value": "1"}], "NextToken": "next"},
            {"Parameters": [{"Name": "/concourse/t/db/b/c", "Value": "2"}]},
        ]
    )
    answer = SsmTransport(client, batch_enabled=False).get_by_path("/concourse/t/db/")
    assert isinstance(answer, ParameterMap) and answer.decode() == {"a": "1", "b/c": "2"}
    assert client.requests == [
        {"Path": "/concourse/t/db", "Recursive": True, "WithDecryption": True, "MaxResults": 10},
        {"Path": "/concourse/t/db", "Recursive": True, "WithDecryption": True, "MaxResults": 10, "NextToken": "next"},
    ]
    # The root: Concourse cuts len("/") + 1 characters, so the first character past "/" goes too.
    root = RecordingByPath([{"Parameters": [{"Name": "/abc", "Value": "1"}]}])
    assert SsmTransport(root, batch_enabled=False).get_by_path("/").decode() == {"bc": "1"}  # type: ignore[union-attr]
    assert root.requests[0]["Path"] == "/"


def test_an_empty_by_path_answer_is_not_found() -> None:
    client = RecordingByPath([{"Parameters": []}])
    assert SsmTransport(client, batch_enabled=False).get_by_path("/concourse/t/none") is NOT_FOUND


# ---------------------------------------------------------------------------------- values


def test_values_are_always_strings_never_decoded_json(ssm: Any) -> None:
    put(ssm, {"/concourse/t/json": '{"a": 1}', "/concourse/t/flag": "true", "/concourse/t/number": "5432"})
    outcomes = source(ssm).resolve(["json", "flag", "number"])
    assert [o.value for o in outcomes.values()] == ['{"a": 1}', "true", "5432"]  # type: ignore[union-attr]
    renderer = interp.Renderer(team=TEAM, pipeline=PIPELINE, settings=SsmSettings(region=REGION), client=ssm)
    assert renderer.render_text("j: ((json))\nf: ((flag))\nn: ((number))\n") == "j: '{\"a\": 1}'\nf: 'true'\nn: '5432'\n"
    with pytest.raises(interp.InterpError, match=r"cannot access field 'a' of non-map value \('string'\) from var: json\.a"):
        renderer.render_text("x: ((json.a))\n")


def test_a_string_list_is_its_comma_joined_text(ssm: Any) -> None:
    put(ssm, {"/concourse/t/hosts": "a.example,b.example"}, kind="StringList")
    put(ssm, {"/concourse/t/lists/one": "x,y"}, kind="StringList")
    outcomes = source(ssm).resolve(["hosts", "lists"])
    assert outcomes["hosts"].value == "a.example,b.example"  # type: ignore[union-attr]
    assert outcomes["lists"].value == {"one": "x,y"}  # type: ignore[union-attr]


def test_a_secure_string_is_read_decrypted_by_name_and_by_path(ssm: Any) -> None:
    put(ssm, {"/concourse/t/key": "plain-key", "/concourse/t/db/password": "plain-pw"}, kind="SecureString")
    assert ssm.get_parameter(Name="/concourse/t/key")["Parameter"]["Value"] != "plain-key"  # moto encrypts unless asked
    for batch in (True, False):
        outcomes = source(ssm, batch_enabled=batch).resolve(["key", "db"])
        assert outcomes["key"].value == "plain-key"  # type: ignore[union-attr]
        assert outcomes["db"].value == {"password": "plain-pw"}  # type: ignore[union-attr]


def test_stored_values_hide_themselves_in_repr() -> None:
    assert "secret" not in repr(ParameterValue("secret")) and "secret" not in repr(ParameterMap({"k": "secret"}))
    assert "'k'" in repr(ParameterMap({"k": "secret"}))  # names are fine


# ---------------------------------------------------------------------------------- the order


def test_pipeline_then_team_then_shared_and_shared_only_when_set(ssm: Any) -> None:
    put(
        ssm,
        {
            "/concourse/t/p/both": "pipeline-level",
            "/concourse/t/both": "team-level",
            "/concourse/t/team-only": "team-level",
            "/shared/team-too": "shared",
            "/concourse/t/team-too": "team-level",
            "/shared/shared-only": "shared",
        },
    )
    paths = ["both", "team-only", "team-too", "shared-only"]
    with_shared = source(ssm, shared_path="/shared").resolve(paths)
    assert {p: summary(o)[1] for p, o in with_shared.items()} == {
        "both": "pipeline-level",
        "team-only": "team-level",
        "team-too": "team-level",
        "shared-only": "shared",
    }
    assert with_shared["shared-only"].origin == "/shared/shared-only"  # type: ignore[union-attr]
    without_shared = source(ssm).resolve(paths)
    assert summary(without_shared["shared-only"]) == ("missing", ("/concourse/t/p/shared-only", "/concourse/t/shared-only"))
    one_off = source(ssm, pipeline=None, shared_path="/shared").resolve(paths)
    assert summary(one_off["both"]) == ("found", "team-level", "/concourse/t/both")
    assert summary(one_off["shared-only"]) == ("found", "shared", "/shared/shared-only")
    assert source(ssm, pipeline=None).plan("x").ids == ("/concourse/t/x",)


def test_custom_templates_and_a_shared_path_map(ssm: Any) -> None:
    put(ssm, {"/ci/t/p/x": "custom", "/common/creds/user": "u"})
    found = source(
        ssm,
        pipeline_secret_template="/ci/{{.Team}}/{{.Pipeline}}/{{.Secret}}",
        team_secret_template="/ci/{{.Team}}/{{.Secret}}",
        shared_path="/common",
    ).resolve(["x", "creds"])
    assert summary(found["x"]) == ("found", "custom", "/ci/t/p/x")
    assert summary(found["creds"]) == ("found", {"user": "u"}, "/common/creds")


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "no-batch"])
@pytest.mark.parametrize("code", ["AccessDeniedException", "InvalidKeyId", "ValidationException", "ThrottlingException"])
def test_an_error_by_name_stops_the_lookup(ssm: Any, batch: bool, code: str) -> None:
    put(ssm, {"/concourse/t/p/db": "pipeline", "/concourse/t/db": "team-value", "/concourse/t/other": "fine"})
    client = FailingClient(ssm, {"/concourse/t/p/db": code})
    outcomes = source(client, batch_enabled=batch, retry_attempts=1).resolve(["db", "other"])
    failed = outcomes["db"]
    assert isinstance(failed, Failed) and failed.code == code and failed.tried == ("/concourse/t/p/db",)
    assert "not trying '/concourse/t/db'" in failed.message  # the team's value is never used
    assert summary(outcomes["other"]) == ("found", "fine", "/concourse/t/other")  # only that name failed


@pytest.mark.parametrize("batch", [True, False], ids=["batch", "no-batch"])
def test_an_error_by_path_stops_the_lookup(ssm: Any, batch: bool) -> None:
    put(ssm, {"/concourse/t/db": "team-value"})
    client = FailingClient(ssm, {"/concourse/t/p/db": "AccessDeniedException"}, actions=("GetParametersByPath",))
    failed = source(client, batch_enabled=batch).resolve(["db"])["db"]
    assert isinstance(failed, Failed) and failed.code == "AccessDeniedException"
    assert failed.tried == ("/concourse/t/p/db",)
    assert client.calls["GetParametersByPath"] == 1  # the team's name was never read by path


def test_parameter_not_found_is_the_only_not_found() -> None:
    class Answers:
        def __init__(self, code: str) -> None:
            self.code = code

        def get_parameter(self, **request: Any) -> Any:
            raise error(self.code, "GetParameter")

        def get_parameters_by_path(self, **request: Any) -> Any:
            return {"Parameters": []}

    assert SsmTransport(Answers("ParameterNotFound"), batch_enabled=False).get_one("/x") is NOT_FOUND
    for code in ("ParameterVersionNotFound", "ResourceNotFoundException", "AccessDeniedException", "InvalidKeyId"):
        answer = SsmTransport(Answers(code), batch_enabled=False).get_one("/x")
        assert isinstance(answer, FetchError) and answer.code == code


def test_a_response_that_is_no_answer_is_an_error_not_a_miss() -> None:
    class Confused:
        def get_parameter(self, **request: Any) -> Any:
            return {"Unexpected": True}

    answer = SsmTransport(Confused(), batch_enabled=False).get_parameter("/x")
    assert isinstance(answer, FetchError) and answer.code == "InvalidResponse"


# ---------------------------------------------------------------------------------- batch and floor


def seeded_example(client: Any) -> list[str]:
    """Parameters at every level, maps, a miss everywhere, and more than 10 candidates; the var paths."""
    parameters = {f"/concourse/t/p/v{i}": f"p{i}" for i in range(0, 12, 3)}
    parameters |= {f"/concourse/t/v{i}": f"t{i}" for i in range(1, 12, 3)}
    parameters |= {f"/shared/v{i}": f"s{i}" for i in range(2, 12, 3)}
    parameters |= {f"/concourse/t/map/k{i}": f"m{i}" for i in range(23)}  # three pages by path
    parameters |= {"/concourse/t/p/pmap/a/b": "x", "/shared/smap/c": "y"}
    put(client, parameters)
    return [f"v{i}" for i in range(12)] + ["map", "pmap", "smap", "nowhere"]


@pytest.mark.parametrize("pipeline", [PIPELINE, None], ids=["pipeline", "one-off"])
def test_requests_are_at_the_floor_and_outcomes_are_concourses(ssm: Any, pipeline: str | None) -> None:
    paths = seeded_example(ssm)
    reference = ConcourseSsm(ssm, shared_path="/shared")
    expected = {path: reference.lookup(path, pipeline) for path in paths}
    candidates = {name for path in paths for name in reference.candidates(path, pipeline)}

    counter = RequestCounter()
    counter.attach(ssm)
    outcomes = source(ssm, pipeline=pipeline, shared_path="/shared").resolve(paths)

    assert {path: summary(o) for path, o in outcomes.items()} == expected
    assert counter.counts == {
        "GetParameters": math.ceil(len(candidates) / 10),
        "GetParametersByPath": reference.calls["GetParametersByPath"],
    }
    assert reference.calls["GetParametersByPath"] >= 3  # the map's pages, the misses reached: a real count


def test_no_batch_and_a_refused_batch_give_the_same_outcomes_at_concourses_cost(ssm: Any) -> None:
    paths = seeded_example(ssm)
    batched = source(ssm, shared_path="/shared").resolve(paths)
    unbatched_client = FailingClient(ssm)
    unbatched = source(unbatched_client, shared_path="/shared", batch_enabled=False).resolve(paths)
    refused_client = FailingClient(ssm, refuse_batch=True)
    refused = source(refused_client, shared_path="/shared").resolve(paths)

    as_data = [{p: summary(o) for p, o in outcomes.items()} for outcomes in (batched, unbatched, refused)]
    assert as_data[0] == as_data[1] == as_data[2]
    reference = ConcourseSsm(ssm, "/shared")
    assert {path: reference.lookup(path, PIPELINE) for path in paths} == as_data[0]
    # Without batching, or once it is refused, names are read as Concourse's order reaches them.
    concourse_calls = +Counter({action: count for action, count in reference.calls.items()})
    assert unbatched_client.calls == concourse_calls
    assert refused_client.calls == concourse_calls + Counter({"GetParameters": 1})  # refused once, never again
    candidates = {name for path in paths for name in reference.candidates(path, PIPELINE)}
    assert concourse_calls["GetParameter"] < len(candidates)  # found vars end their lookups early: a real difference


def test_renderer_with_ssm_settings_renders_through_the_client(ssm: Any) -> None:
    put(ssm, {"/concourse/t/p/branch": "main", "/concourse/t/git/uri": "git@x:y.git", "/shared/hook": "https://h"})
    renderer = interp.Renderer(
        team=TEAM, pipeline=PIPELINE, settings=SsmSettings(region=REGION, shared_path="/shared"), client=ssm
    )
    text = "b: ((branch))\nu: ((git.uri))\nh: ((hook))/x\n"
    assert renderer.render_text(text) == "b: main\nu: git@x:y.git\nh: https://h/x\n"
    with pytest.raises(interp.InterpError) as raised:
        renderer.render_text("m: ((missing))\n")
    assert "undefined var: missing (looked up: /concourse/t/p/missing, /concourse/t/missing, /shared/missing)" in str(raised.value)


# ---------------------------------------------------------------------------------- throttling, over HTTP


def test_a_throttled_call_is_retried(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ssm_client(moto_server).put_parameter(Name="/concourse/t/db/password", Value="pw", Type="SecureString")
    with FaultProxy(moto_server) as proxy:
        for key, value in aws_test_env(proxy.endpoint).items():
            monkeypatch.setenv(key, value)
        proxy.inject("throttle", times=2, actions=["GetParameters"])
        settings = SsmSettings(region=REGION, retry_attempts=5, retry_interval=0.01)
        outcome = SsmSource(TEAM, PIPELINE, settings).resolve(["db"])["db"]
        assert summary(outcome) == ("found", {"password": "pw"}, "/concourse/t/db")
        assert proxy.count("GetParameters") == 3 and proxy.count("GetParameters", faulted=True) == 2
        assert proxy.count("GetParameter") == 0  # retried, not fallen back to one by one
        throttled = [r for r in proxy.requests() if r.faulted]
        assert all(r.ids == ("/concourse/t/p/db", "/concourse/t/db") for r in throttled)
        assert [r.ids for r in proxy.requests() if r.action == "GetParametersByPath"] == [("/concourse/t/p/db",), ("/concourse/t/db",)]


def test_throttling_past_the_retries_is_an_error_not_a_miss(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ssm_client(moto_server).put_parameter(Name="/concourse/t/db", Value="team", Type="String")
    with FaultProxy(moto_server) as proxy:
        for key, value in aws_test_env(proxy.endpoint).items():
            monkeypatch.setenv(key, value)
        proxy.inject("throttle", actions=["GetParameter"])
        settings = SsmSettings(region=REGION, retry_attempts=2, retry_interval=0.01, batch_enabled=False)
        outcome = SsmSource(TEAM, PIPELINE, settings).resolve(["db"])["db"]
        assert isinstance(outcome, Failed) and outcome.code == "ThrottlingException"
        assert outcome.tried == ("/concourse/t/p/db",)  # the team's parameter was not used
        # Without batching, names are read as the order reaches them: the pipeline's, retried, only.
        assert proxy.actions() == {"GetParameter": 2} and proxy.requested_ids() == {"/concourse/t/p/db"}


@pytest.mark.parametrize("fault", ["truncated", "not_json"])
def test_a_by_path_answer_that_is_no_answer_is_an_error_never_an_empty_map(
    moto_server: str, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """A body cut short (or a gateway's page) parses to no Parameters at all: reading that as
    "nothing below this path" would fall through to the team's parameter."""
    put(ssm_client(moto_server), {"/concourse/t/p/db/password": "pipeline-pw", "/concourse/t/db": "team-value"})
    with FaultProxy(moto_server) as proxy:
        for key, value in aws_test_env(proxy.endpoint).items():
            monkeypatch.setenv(key, value)
        proxy.inject(fault, actions=["GetParametersByPath"])
        settings = SsmSettings(region=REGION, retry_attempts=1, retry_interval=0.01)
        outcome = SsmSource(TEAM, PIPELINE, settings).resolve(["db"])["db"]
        assert proxy.count("GetParametersByPath", faulted=True) == 1
    assert isinstance(outcome, Failed), summary(outcome)
    assert outcome.tried == ("/concourse/t/p/db",)


def test_a_by_path_page_without_parameters_is_an_invalid_response() -> None:
    # What botocore hands back for a JSON body it cannot parse: the text as a message.
    client = RecordingByPath([{"message": '{"Parameters": [{"Name": "/concourse/t/db/a", "Val'}])
    answer = SsmTransport(client, batch_enabled=False).get_by_path("/concourse/t/db")
    assert isinstance(answer, FetchError) and answer.code == "InvalidResponse"


# ---------------------------------------------------------------------------------- the property

SEGMENTS = ["a", "b", "p"]
var_names = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3).map("/".join)
LEVEL_PREFIXES = ["/concourse/t/p/", "/concourse/t/", "/shared/"]
parameter_sets = st.dictionaries(
    st.tuples(st.sampled_from(LEVEL_PREFIXES), var_names).map("".join),
    st.tuples(st.sampled_from(["String", "StringList", "SecureString"]), st.text("xyz,{}:1", min_size=1, max_size=6)),
    max_size=12,
)


@hypothesis_settings(max_examples=max(10, hypothesis_settings().max_examples // 2))  # each example starts a moto: costly
@given(
    parameters=parameter_sets,
    paths=st.lists(var_names, min_size=1, max_size=6, unique=True),
    pipeline=st.sampled_from([PIPELINE, None]),
    shared_path=st.sampled_from(["", "/shared"]),
    failing=st.dictionaries(
        st.tuples(st.sampled_from(LEVEL_PREFIXES), var_names).map("".join),
        st.sampled_from(["AccessDeniedException", "InvalidKeyId"]),
        max_size=2,
    ),
    batch=st.booleans(),
)
def test_interp_answers_every_path_as_concourses_sequential_get(
    parameters: dict[str, tuple[str, str]],
    paths: list[str],
    pipeline: str | None,
    shared_path: str,
    failing: dict[str, str],
    batch: bool,
) -> None:
    with mock_aws():
        client = boto3.client("ssm", region_name=REGION)
        for name, (kind, value) in parameters.items():
            client.put_parameter(Name=name, Value=value, Type=kind)
        reference = ConcourseSsm(FailingClient(client, failing), shared_path)
        expected = {path: reference.lookup(path, pipeline) for path in paths}

        counter = RequestCounter()
        counter.attach(client)
        denied = FailingClient(client, failing)
        outcomes = source(denied, pipeline=pipeline, shared_path=shared_path, batch_enabled=batch).resolve(paths)

    assert {path: summary(o) for path, o in outcomes.items()} == expected
    if not failing:  # at the floor; with errors, refused batches are read again name by name
        candidates = {name for path in paths for name in reference.candidates(path, pipeline)}
        reached = reference.calls["GetParameter"]  # without batching: the names Concourse's order reaches
        by_name = {"GetParameters": math.ceil(len(candidates) / 10)} if batch else {"GetParameter": reached}
        assert +counter.counts == +Counter({**by_name, "GetParametersByPath": reference.calls["GetParametersByPath"]})


def test_the_property_is_not_vacuous(ssm: Any) -> None:
    """Maps, deeper keys, the shared level and errors all occur in what the strategies can make."""
    put(ssm, {"/concourse/t/a/b": "1", "/concourse/t/a/p/a": "2", "/shared/b": "3"})
    reference = ConcourseSsm(FailingClient(ssm, {"/concourse/t/p/p": "InvalidKeyId"}), "/shared")
    assert reference.lookup("a", PIPELINE) == ("found", {"b": "1", "p/a": "2"}, "/concourse/t/a")
    assert reference.lookup("b", PIPELINE) == ("found", "3", "/shared/b")
    assert reference.lookup("p", PIPELINE) == ("error", "InvalidKeyId", "/concourse/t/p/p")

"""SSM edges: did-you-mean listings, malformed answers and names, messages about plain parameters."""

from __future__ import annotations

import boto3
from moto import mock_aws

from interp.sources.ssm import SsmSource
from interp.sources.ssm_settings import SsmSettings


def test_names_come_from_the_teams_prefix_only():
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        for name in ("/concourse/t/token", "/concourse/t/p/branch", "/concourse/other/secret"):
            client.put_parameter(Name=name, Value="v", Type="SecureString")
        source = SsmSource("t", "p", SsmSettings(region="us-east-1"), client=client)
        assert sorted(source.known_names() or []) == ["branch", "p/branch", "token"]  # never the other team's


def test_a_template_without_a_fixed_prefix_offers_no_names_instead_of_listing_everything():
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(Name="/concourse/other/secret", Value="v", Type="SecureString")
        settings = SsmSettings(region="us-east-1", team_secret_template="{{.Secret}}", pipeline_secret_template="{{.Secret}}")
        source = SsmSource("t", "p", settings, client=client)
        assert source.known_names() is None


def test_a_field_of_a_plain_parameter_says_where_ssm_maps_come_from(tmp_path):
    from cli import interp

    store = tmp_path / "params.yml"
    store.write_text("/concourse/t/token: text\n")
    template = tmp_path / "p.yml"
    template.write_text("x: ((token.field))\n")
    result = interp("render", str(template), "--team", "t", "--secrets-file", str(store), "--aws-ssm-region", "us-east-1")
    assert result.code == 1
    assert "found at /concourse/t/token, a plain parameter (a map is the parameters below its name)" in result.stderr
    assert "JSON" not in result.stderr


def test_a_listing_page_that_is_no_answer_is_a_failure_never_the_end():
    from interp.sources.aws_calls import AwsFailure
    from interp.sources.ssm_api import describe_parameters

    class CutShort:
        def describe_parameters(self, **_: object) -> dict:
            return {"message": "<html>gateway</html>"}  # what botocore makes of a 200 that is not JSON

    listed = describe_parameters(CutShort(), ["/concourse/t/"])
    assert isinstance(listed, AwsFailure) and listed.code == "InvalidResponse"


def test_invalid_parameters_is_a_miss_only_for_a_well_formed_name():
    """GetParameters lists both unknown and malformed names as InvalidParameters; GetParameter
    fails a malformed one (ValidationException), and that stops Concourse's lookup."""
    from botocore.exceptions import ClientError

    from interp.sources.fetch_results import NOT_FOUND, FetchError
    from interp.sources.ssm_api import SsmTransport

    class Ssm:
        def get_parameters(self, Names, **_):  # noqa: N803 - boto3's spelling
            return {"Parameters": [], "InvalidParameters": list(Names)}

        def get_parameter(self, Name, **_):  # noqa: N803
            code = "ValidationException" if " " in Name else "ParameterNotFound"
            raise ClientError({"Error": {"Code": code, "Message": "m"}}, "GetParameter")

        def get_parameters_by_path(self, **_):
            return {"Parameters": []}

    answers = SsmTransport(Ssm()).fetch(["/concourse/t/ok", "/concourse/t/has space"])
    assert answers["/concourse/t/ok"] is NOT_FOUND
    assert isinstance(answers["/concourse/t/has space"], FetchError)
    assert answers["/concourse/t/has space"].code == "ValidationException"

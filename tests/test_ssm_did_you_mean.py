"""Did-you-mean under SSM lists names with DescribeParameters, always narrowed by a prefix."""

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

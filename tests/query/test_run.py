"""Queries answered against an account: `can ...` and `who can ...`."""

from __future__ import annotations

import pytest

from policysim.account.errors import AccountError
from policysim.account.loaders import parse_snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.query.parser import parse_query
from policysim.query.run import CanAnswer, WhoCanAnswer, run_query

ACCOUNT = """\
account: "111122223333"
users:
  alice:
    inline:
      FromOffice:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:PutObject
            Resource: arn:aws:s3:::b/*
            Condition: {IpAddress: {aws:SourceIp: 10.0.0.0/8}}
  bob: {}
resources:
  arn:aws:s3:::b:
    policy:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {Service: cloudfront.amazonaws.com}
          Action: s3:GetObject
          Resource: arn:aws:s3:::b/*
"""


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(parse_snapshot(ACCOUNT, "account.yaml"), managed_lookup=aws_managed)


def _can(resolver: Resolver, text: str) -> CanAnswer:
    answer = run_query(resolver, parse_query(text))
    assert isinstance(answer, CanAnswer)
    return answer


def test_can_uses_the_when_clause_as_context(resolver: Resolver) -> None:
    inside = _can(
        resolver, "can user/alice do s3:PutObject on arn:aws:s3:::b/k when aws:SourceIp=10.1.2.3"
    )
    outside = _can(
        resolver, "can user/alice do s3:PutObject on arn:aws:s3:::b/k when aws:SourceIp=192.0.2.1"
    )
    assert inside.allowed
    assert not outside.allowed
    assert outside.results[0][1].decision.value == "ImplicitDeny"


def test_can_service_principal_through_the_resource_policy(resolver: Resolver) -> None:
    allowed = _can(
        resolver, "can service/cloudfront.amazonaws.com do s3:GetObject on arn:aws:s3:::b/x"
    )
    other = _can(resolver, "can service/lambda.amazonaws.com do s3:GetObject on arn:aws:s3:::b/x")
    assert allowed.allowed
    assert not other.allowed


def test_who_can_lists_allowed_principals(resolver: Resolver) -> None:
    answer = run_query(
        resolver,
        parse_query("who can do s3:PutObject on arn:aws:s3:::b/k when aws:SourceIp=10.0.0.9"),
    )
    assert isinstance(answer, WhoCanAnswer)
    assert [g.principal for g in answer.reports[0].allowed] == ["user alice"]


def test_unknown_principal_suggests(resolver: Resolver) -> None:
    with pytest.raises(AccountError, match="did you mean 'alice'"):
        run_query(resolver, parse_query("can user/alise do s3:PutObject"))

"""The principal grammar shared by every command (`account.principal_spec`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.account.principal_spec import (
    PrincipalRef,
    PrincipalSyntaxError,
    outside_kind,
    parse_principal,
    render_principal,
    split_principal,
)

OAI = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("user alice", PrincipalRef("user", "alice")),
        ("user/eng/alice", PrincipalRef("user", "eng/alice")),
        ("Role deploy", PrincipalRef("role", "deploy")),
        ("group devs", PrincipalRef("group", "devs")),
        ("group/devs", PrincipalRef("group", "devs")),
        ("service/s3.amazonaws.com", PrincipalRef("service", "s3.amazonaws.com")),
        ("account/111122223333", PrincipalRef("root", "111122223333")),
        ("root", PrincipalRef("root")),
        ("anonymous", PrincipalRef("anonymous")),
        (OAI, PrincipalRef("oai", OAI)),
        (
            "arn:aws:sts::111122223333:assumed-role/a/s",
            PrincipalRef("arn", "arn:aws:sts::111122223333:assumed-role/a/s"),
        ),
    ],
)
def test_forms(text: str, ref: PrincipalRef) -> None:
    assert parse_principal(text) == ref


@pytest.mark.parametrize(
    ("text", "offset", "fragment"),
    [
        ("service/lambda", 8, "did you mean service/lambda.amazonaws.com?"),
        ("service/x_y.com", 9, "invalid character '_'"),
        ("user/a!b", 6, "invalid character '!'"),
        ("usr/alice", 0, "did you mean user/alice?"),
        ("account/12", 8, "12 digits"),
        ("arn:aws:s3:::b", 0, "an IAM or STS ARN"),
        ("alice bob", 0, "is not a principal"),
    ],
)
def test_errors_point_at_the_culprit(text: str, offset: int, fragment: str) -> None:
    with pytest.raises(PrincipalSyntaxError) as caught:
        parse_principal(text)
    assert caught.value.offset == offset
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_split_takes_two_words_for_named_kinds_and_joins_an_unquoted_oai() -> None:
    assert split_principal(["user", "alice", "s3:X"]) == (PrincipalRef("user", "alice"), ["s3:X"])
    assert split_principal([*OAI.split(" "), "s3:X"]) == (PrincipalRef("oai", OAI), ["s3:X"])
    assert split_principal(["anonymous", "s3:X", "s3:Y"])[1] == ["s3:X", "s3:Y"]


@pytest.mark.parametrize(
    ("entry", "kind"),
    [
        ("*", "everyone"),
        ("logs.amazonaws.com", "service"),
        (OAI, "oai"),
        ("444455556666", "account"),
        ("arn:aws:iam::444455556666:root", "account"),
        ("arn:aws:iam::444455556666:user/x", "principal"),
    ],
)
def test_outside_kind(entry: str, kind: str) -> None:
    assert outside_kind(entry) == kind


NAMES = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,20}", fullmatch=True)


@given(st.sampled_from(["user", "role", "group"]), NAMES)
def test_render_then_parse_round_trips(kind: str, name: str) -> None:
    ref = PrincipalRef(kind, name)  # type: ignore[arg-type]
    assert parse_principal(render_principal(ref)) == ref
    assert parse_principal(f"{kind} {name}") == ref


def test_an_aws_managed_key_is_protected_through_the_resolver() -> None:
    from policysim.account.loaders import parse_snapshot
    from policysim.account.resolve import Resolver

    key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    text = f"""\
account: "111122223333"
users:
  admin:
    inline:
      All: {{Version: "2012-10-17", Statement: [{{Effect: Allow, Action: "*", Resource: "*"}}]}}
resources:
  "{key}":
    aws_managed: true
    policy:
      Version: "2012-10-17"
      Statement:
        - {{Effect: Allow, Principal: {{AWS: "111122223333"}}, Action: "kms:*", Resource: "*"}}
"""
    r = Resolver(parse_snapshot(text, "a.yaml"))
    admin = r.find("user", "admin")
    put = r.decide(admin, "kms:PutKeyPolicy", key)
    assert not put.allowed and "AWS managed KMS keys" in put.reason
    assert r.decide(admin, "kms:Decrypt", key).allowed
    customer = parse_snapshot(text.replace("aws_managed: true", "aws_managed: false"), "a.yaml")
    assert Resolver(customer).decide(admin, "kms:PutKeyPolicy", key).allowed

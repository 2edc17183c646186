"""PS103 and PS104 remember their verdict per key: their findings equal those of judging
each condition entry afresh (the rule bodies they replaced, restated here)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.lint.context import Issue, LintContext
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules.catalog_rules import (
    _KEY_SHAPE,
    DEPRECATED_GLOBAL_KEYS,
    _key_prefix,
    _names_service,
    _unknown_key_prefix,
    declared_key,
    document_conditions,
    is_service_key,
    unknown_global_key,
    unknown_service_key,
)
from policysim.policy.source import parse_source


def _reference_ps103(ctx: LintContext) -> Iterator[Issue]:
    catalog = get_catalog()
    for cond in document_conditions(ctx):
        if _key_prefix(cond.key) != "aws" or not _KEY_SHAPE.match(cond.key):
            continue
        if cond.lower in DEPRECATED_GLOBAL_KEYS or catalog.global_condition_key(cond.key):
            continue
        if cond.key.endswith("/"):
            continue
        yield cond.issue(f"unknown global condition key {cond.key!r}")


def _reference_ps104(ctx: LintContext) -> Iterator[Issue]:
    for cond in document_conditions(ctx):
        if not _KEY_SHAPE.match(cond.key):
            continue
        if not is_service_key(cond.key):
            problem = _unknown_key_prefix(_key_prefix(cond.key))
            if problem is not None and not _names_service(cond.view, _key_prefix(cond.key)):
                yield cond.issue(
                    f"unknown service prefix {_key_prefix(cond.key)!r} in condition key"
                    f" {cond.key!r}: the key is never present",
                    hint=problem or None,
                )
            continue
        if declared_key(cond.key) is None:
            yield cond.issue(
                f"unknown condition key {cond.key!r} for service {_key_prefix(cond.key)!r}"
            )


_KEYS = st.sampled_from(
    [
        "aws:SourceIp",
        "AWS:sourceip",
        "aws:SourceOrg",
        "aws:ARN",
        "aws:RequestTag/team",
        "aws:RequestTag/",
        "aws:PrincipalTag/x509Subject/CN",
        "aws: spaced",
        "aws:",
        "s3:prefix",
        "S3:Prefix",
        "s3:ExistingObjectTag/team",
        "s3:NoSuchKey",
        "ec2:InstanceType",
        "ec2:InstanceTypes",
        "lamda:FunctionArn",
        "ec3:Region",
        "saml:aud",
        "token.actions.githubusercontent.com:sub",
        "cognito-identity.amazonaws.com:aud",
        "nosuchthing:Key",
        "noprefix",
        "x/y:z",
    ]
)


def _document(keys: list[str], actions: list[str]) -> LintContext:
    statements = [
        {
            "Effect": "Allow",
            "Action": actions or "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {key: "v" for key in keys}},
        },
        {
            "Effect": "Deny",
            "Action": "ec3:Get*",
            "Resource": "*",
            "Condition": {"StringLike": {key: "v*" for key in keys[::-1]}},
        },
    ]
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return LintContext.build("t.json", parse_source(text, "t.json"), PolicyKind.IDENTITY)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_KEYS, max_size=6),
    st.lists(st.sampled_from(["s3:GetObject", "lamda:Invoke", "nosuchthing:Do"]), max_size=2),
)
def test_remembered_verdicts_equal_judging_each_entry(keys: list[str], actions: list[str]) -> None:
    for _ in range(2):  # the first meeting of each key, and the remembered one
        ctx = _document(keys, actions)
        assert list(unknown_global_key(ctx)) == list(_reference_ps103(ctx))
        assert list(unknown_service_key(ctx)) == list(_reference_ps104(ctx))

"""Property tests of the prover, with the engine as the oracle.

Random small policy pairs over small alphabets of actions, resources and condition entries,
and random concrete requests: whenever the engine says NEW allows a request and OLD does not,
the prover must not say PASS; every witness it reports must re-check; diff(A, A) is PASS;
adding a Deny to NEW never creates a FAIL; statement order never matters.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.catalog.arguments import check_request
from policysim.diff import Outcome, diff_documents
from policysim.diff.api import document_sets
from policysim.engine.compiled import compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.evaluate import evaluate
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*",
    "*",
    "S3:getobject",
    "s3:?etObject",
    "ec2:DescribeInstances",
    "s3:ListBucket",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::*",
    "arn:aws:s3:::b?/*",
    "arn:aws:s3:::b",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:S3:::b/*",
]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:PrincipalTag/t": ["a", "b"]}},
    {"StringLike": {"aws:PrincipalTag/t": "a*"}},
    {"StringNotEquals": {"aws:PrincipalTag/t": "a"}},
    {"StringEqualsIgnoreCase": {"aws:PrincipalTag/t": "A"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddress": {"aws:SourceIp": "10.1.0.0/16"}},
    {"IpAddress": {"aws:SourceIp": ["10.0.0.0/7", "2001:db8::/32"]}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"BoolIfExists": {"aws:SecureTransport": "true"}},
    {"NumericLessThan": {"s3:max-keys": "10"}},
    {"NumericGreaterThanEquals": {"s3:max-keys": "5"}},
    {"Null": {"aws:SourceIp": "true"}},
    {"Null": {"aws:PrincipalTag/t": "false"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
    {"DateGreaterThan": {"aws:CurrentTime": "2019-06-01T00:00:00Z"}},
]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True))
    out["NotAction" if draw(st.integers(0, 5)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True))
    out["NotResource" if draw(st.integers(0, 5)) == 0 else "Resource"] = resources
    blocks = draw(st.lists(st.sampled_from(CONDITIONS), max_size=2))
    condition: dict[str, dict[str, Any]] = {}
    for block in blocks:
        for op, entries in block.items():
            condition.setdefault(op, {}).update(entries)
    if condition:
        out["Condition"] = condition
    return out


def policy(items: list[dict[str, Any]]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": items})


REQUEST_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "ec2:DescribeInstances"]
REQUEST_RESOURCES = [
    "*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::bb/k",
    "arn:aws:s3:::b",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
]
CONTEXT_CHOICES: dict[str, list[Any]] = {
    "aws:PrincipalTag/t": [None, "a", "b", "A", "ab", "c"],
    "aws:SourceIp": [None, "10.0.0.1", "10.1.0.1", "11.0.0.1", "12.0.0.1", "2001:db8::1"],
    "aws:SecureTransport": [None, "true", "false"],
    "s3:max-keys": [None, "3", "5", "10", "20"],
    "aws:TagKeys": [None, ("a",), ("a", "b"), ("c",), ()],
    "aws:CurrentTime": [
        None,
        "2019-01-01T00:00:00Z",
        "2019-07-01T00:00:00Z",
        "2021-01-01T00:00:00Z",
    ],
}


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    action = draw(st.sampled_from(REQUEST_ACTIONS))
    resource = draw(st.sampled_from(REQUEST_RESOURCES))
    context = {}
    for key, choices in CONTEXT_CHOICES.items():
        value = draw(st.sampled_from(choices))
        if value is not None:
            context[key] = value
    return action, resource, context


def engine_gains(old: Policy, new: Policy, request: tuple[str, str, dict[str, Any]]) -> bool:
    action, resource, context = request
    try:
        check_request(action, resource)
    except PolicyError:
        return False
    ((old_set, new_set, _),) = document_sets(old, new, "identity")
    built = build_request(
        "arn:aws:iam::111122223333:user/alice",
        action,
        resource,
        resource_account="111122223333",
        context=context,
    )
    return (
        evaluate(compile_policy_set(new_set), built).allowed
        and not evaluate(compile_policy_set(old_set), built).allowed
    )


def rechecks(old: Policy, new: Policy, report: Any) -> None:
    ((old_set, new_set, _),) = document_sets(old, new, "identity")
    for finding in report.findings:
        assert evaluate(compile_policy_set(new_set), finding.request).allowed
        assert not evaluate(compile_policy_set(old_set), finding.request).allowed


FAST = settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    st.lists(statements(), max_size=3),
    st.lists(statements(), min_size=1, max_size=3),
    st.lists(requests(), min_size=1, max_size=6),
)
def test_engine_gain_means_not_pass(
    old_items: list[dict[str, Any]],
    new_items: list[dict[str, Any]],
    probes: list[tuple[str, str, dict[str, Any]]],
) -> None:
    old, new = policy(old_items), policy(new_items)
    report = diff_documents(old, new, "identity")
    rechecks(old, new, report)
    if any(engine_gains(old, new, probe) for probe in probes):
        assert report.result is not Outcome.PASS, report.to_json()
    if report.result is Outcome.FAIL:
        assert report.findings


@FAST
@given(st.lists(statements(), min_size=1, max_size=4))
def test_diff_with_itself_passes(items: list[dict[str, Any]]) -> None:
    document = policy(items)
    assert diff_documents(document, document, "identity").result is Outcome.PASS


@FAST
@given(
    st.lists(statements(), max_size=3),
    st.lists(statements(), min_size=1, max_size=3),
    statements(),
)
def test_adding_a_deny_never_creates_a_fail(
    old_items: list[dict[str, Any]], new_items: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    old, new = policy(old_items), policy(new_items)
    denied = policy([*new_items, {**extra, "Effect": "Deny"}])
    before = diff_documents(old, new, "identity").result
    after = diff_documents(old, denied, "identity")
    rechecks(old, denied, after)
    if before is Outcome.PASS:
        assert after.result is not Outcome.FAIL


@FAST
@given(st.lists(statements(), max_size=3), st.lists(statements(), min_size=2, max_size=4))
def test_statement_order_does_not_matter(
    old_items: list[dict[str, Any]], new_items: list[dict[str, Any]]
) -> None:
    old = policy(old_items)
    forward = diff_documents(old, policy(new_items), "identity").result
    backward = diff_documents(old, policy(list(reversed(new_items))), "identity").result
    assert forward == backward


PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "111122223333"},
    {"AWS": "arn:aws:iam::444455556666:root"},
    {"AWS": "arn:aws:iam::111122223333:user/bob"},
    {"AWS": "arn:aws:iam::444455556666:role/r"},
    {"Service": "lambda.amazonaws.com"},
    {"AWS": ["444455556666", "arn:aws:iam::111122223333:user/bob"]},
]
CALLERS = [
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::111122223333:user/x",
    "arn:aws:iam::444455556666:user/y",
    "arn:aws:sts::444455556666:assumed-role/r/s",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::555555555555:user/z",
    "anonymous",
    "lambda.amazonaws.com",
]


@st.composite
def resource_statements(draw: st.DrawFn) -> dict[str, Any]:
    out = draw(statements())
    key = (
        "NotPrincipal" if out["Effect"] == "Deny" and draw(st.integers(0, 4)) == 0 else "Principal"
    )
    out[key] = draw(st.sampled_from(PRINCIPALS))
    return out


def resource_gains(
    old: Policy, new: Policy, caller: str, request: tuple[str, str, dict[str, Any]]
) -> bool:
    action, resource, context = request
    try:
        check_request(action, resource)
    except PolicyError:
        return False
    built = build_request(
        caller, action, resource, resource_account="111122223333", context=context
    )
    own = built.principal.account in (None, "111122223333")
    for old_set, new_set, callers in document_sets(old, new, "resource"):
        assert callers is not None
        if own == all(c.account in (None, "111122223333") for c in callers):
            return (
                evaluate(compile_policy_set(new_set), built).allowed
                and not evaluate(compile_policy_set(old_set), built).allowed
            )
    raise AssertionError("no policy set for this caller")


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(resource_statements(), max_size=2),
    st.lists(resource_statements(), min_size=1, max_size=2),
    st.lists(st.tuples(st.sampled_from(CALLERS), requests()), min_size=1, max_size=6),
)
def test_resource_policy_gain_means_not_pass(
    old_items: list[dict[str, Any]],
    new_items: list[dict[str, Any]],
    probes: list[tuple[str, tuple[str, str, dict[str, Any]]]],
) -> None:
    old, new = policy(old_items), policy(new_items)
    report = diff_documents(old, new, "resource")
    if any(resource_gains(old, new, caller, request) for caller, request in probes):
        assert report.result is not Outcome.PASS, report.to_json()

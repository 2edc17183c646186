"""Bounds without policy variables (`diff.relax`), with the engine as the oracle.

A widened document allows, for any caller, at least what the document allows for that caller;
a narrowed one at most that. Diffs of documents that share a `${aws:username}` grant are then
proved for every caller, and a Deny of one name that disappears is found for that name.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.diff import Outcome, diff_documents, verify_not_granted
from policysim.diff.relax import bounds, has_variables, relax
from policysim.engine.compiled import NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.evaluate import evaluate
from policysim.policy.model import Policy

HOME = "arn:aws:s3:::home/${aws:username}/*"


def doc(*statements: dict[str, Any]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_widen_and_narrow_one_statement_each_way() -> None:
    tagged = {"StringEquals": {"s3:prefix": "${aws:username}/", "aws:SourceVpc": "vpc-1"}}
    policy = doc(
        allow("s3:GetObject", HOME),
        allow("s3:ListBucket", "*", Condition=tagged),
        deny("s3:DeleteObject", HOME),
        {"Effect": "Allow", "Action": "s3:PutObject", "NotResource": HOME},
    )
    wide = relax(policy, widen=True).to_json()["Statement"]
    assert wide == [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::home/*/*"]},
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": ["*"],
            "Condition": {"StringEquals": {"aws:SourceVpc": ["vpc-1"]}},
        },
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": ["*"]},
    ]
    narrow = relax(policy, widen=False).to_json()["Statement"]
    assert narrow == [
        {"Effect": "Deny", "Action": ["s3:DeleteObject"], "Resource": ["arn:aws:s3:::home/*/*"]}
    ]
    assert not has_variables(relax(policy, widen=True))


def test_special_characters_and_old_versions_are_not_variables() -> None:
    literal = doc(allow("s3:GetObject", "arn:aws:s3:::b/${*}/k"))
    assert not has_variables(literal) and relax(literal, widen=True) == literal
    old_version = Policy.model_validate(
        {"Version": "2008-10-17", "Statement": [allow("s3:GetObject", HOME)]}
    )
    assert not has_variables(old_version)


def test_bounds_set_shared_statements_apart() -> None:
    shared = allow("s3:GetObject", HOME)
    only_old = deny("s3:GetObject", "arn:aws:s3:::home/bob/*")
    pairs = bounds(doc(shared, only_old), doc(shared), principal=False)
    assert len(pairs) == 2
    (old1, new1), (old2, new2) = pairs
    assert old1.to_json()["Statement"][0]["Effect"] == "Deny" and not new1.statements
    assert [s.effect for s in old2.statements] == ["Allow", "Deny"]
    assert new2.to_json()["Statement"][0]["Resource"] == ["arn:aws:s3:::home/*/*"]
    assert len(bounds(doc(shared), doc(shared, allow("ec2:*")), principal=False)) == 1


def test_edits_beside_a_shared_variable_grant_are_proved() -> None:
    own, put = allow("s3:GetObject", HOME), allow("s3:PutObject", HOME)
    assert diff_documents(doc(own, put), doc(own), "identity").result is Outcome.PASS
    assert diff_documents(doc(own, allow("ec2:*")), doc(own), "identity").result is Outcome.PASS
    report = verify_not_granted(doc(own), "identity", ["s3:GetObject"], ["arn:aws:s3:::other/*"])
    assert report.result is Outcome.PASS
    # the variable's own statement narrowed: not proved for every name (no bound is exact)
    secure = allow("s3:GetObject", HOME, Condition={"Bool": {"aws:SecureTransport": "true"}})
    assert diff_documents(doc(own), doc(secure), "identity").result is Outcome.UNKNOWN


def test_a_dropped_deny_of_one_name_is_found_for_that_name() -> None:
    own = allow("s3:GetObject", HOME)
    report = diff_documents(doc(own, deny("s3:*", "arn:aws:s3:::home/bob/*")), doc(own), "identity")
    assert report.result is Outcome.FAIL
    request = report.findings[0].request
    assert request.principal.arn == "arn:aws:iam::111122223333:user/bob"
    assert request.resource.startswith("arn:aws:s3:::home/bob/")


# ---- the bound, with the engine as the oracle --------------------------------------------

RESOURCES = [HOME, "arn:aws:s3:::home/alice/*", "arn:aws:s3:::home/a*", "*"]
CONDITIONS: list[dict[str, Any]] = [
    {"StringLike": {"s3:prefix": "${aws:username}/*"}},
    {"StringNotEquals": {"s3:prefix": "${aws:username}"}},
    {"StringEquals": {"aws:ResourceTag/owner": ["${aws:username}", "ops"]}},
    {"Bool": {"aws:SecureTransport": "true"}},
]
CALLERS = ["alice", "bob", "ann", "ops"]
REQUESTS = ["arn:aws:s3:::home/alice/k", "arn:aws:s3:::home/bob/k", "arn:aws:s3:::home/ops/k"]
CONTEXTS: list[dict[str, Any]] = [
    {},
    {"s3:prefix": "bob/x", "aws:SecureTransport": "true"},
    {"s3:prefix": "alice", "aws:ResourceTag/owner": "ops"},
    {"aws:ResourceTag/owner": "ann", "aws:SecureTransport": "false"},
]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Deny"])),
        "Action": "s3:GetObject",
        draw(st.sampled_from(["Resource", "Resource", "NotResource"])): draw(
            st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2)
        ),
    }
    condition: dict[str, dict[str, Any]] = {}
    for block in draw(st.lists(st.sampled_from(CONDITIONS), max_size=2)):
        for op, entries in block.items():
            condition.setdefault(op, {}).update(entries)
    if condition:
        out["Condition"] = condition
    return out


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(statements(), min_size=1, max_size=3))
def test_widened_allows_more_and_narrowed_less_for_every_caller(items: list[Any]) -> None:
    policy = doc(*items)

    def decide(document: Policy, caller: str, resource: str, context: dict[str, Any]) -> bool:
        compiled = compile_policy_set(PolicySet(identity=[NamedPolicy(document, "p")]))
        request = build_request(
            f"arn:aws:iam::111122223333:user/{caller}",
            "s3:GetObject",
            resource,
            resource_account="111122223333",
            context=context,
        )
        return evaluate(compiled, request).allowed

    wide, narrow = relax(policy, widen=True), relax(policy, widen=False)
    for caller in CALLERS:
        for resource in REQUESTS:
            for context in CONTEXTS:
                allowed = decide(policy, caller, resource, context)
                if allowed:
                    assert decide(wide, caller, resource, context), (caller, resource, context)
                else:
                    assert not decide(narrow, caller, resource, context), (caller, resource)

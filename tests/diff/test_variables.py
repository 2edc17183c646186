"""Policy variables of the caller, with the engine as the oracle.

A standalone document can be attached to any user or role of any account, so a variable of a
key AWS sets from the caller (`${aws:username}`, `${aws:PrincipalAccount}`) has no one value:
random policy pairs mixing such variables with literals, random concrete callers (users of
several names and accounts, role sessions) and random requests: a request NEW allows and OLD
does not, for any of those callers, means the prover does not say PASS, and every witness
re-checks. Variables of keys the request chooses stay UNKNOWN.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policysim.catalog.arguments import check_request
from policysim.diff import Outcome, diff_documents
from policysim.diff.api import document_sets
from policysim.engine.compiled import compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.evaluate import evaluate
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

CONDITIONS: list[dict[str, Any]] = [
    {"StringLike": {"s3:prefix": "${aws:username}/*"}},
    {"StringLike": {"s3:prefix": "alice/*"}},
    {"StringLike": {"s3:prefix": ["${aws:username}", "shared/*"]}},
    {"StringEquals": {"s3:prefix": "${aws:username}"}},
    {"StringNotEquals": {"s3:prefix": "${aws:username}"}},
    {"StringNotLike": {"s3:prefix": "${aws:username}/private/*"}},
    {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}},
    {"StringEquals": {"aws:ResourceTag/owner": ["alice", "bob"]}},
    {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::${aws:username}-*"}},
    {"StringEquals": {"aws:username": ["alice", "bob"]}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/a*"}},
    {"Null": {"aws:username": "true"}},
    {"StringEquals": {"aws:ResourceTag/acct": "${aws:PrincipalAccount}"}},
    {"StringEqualsIgnoreCase": {"aws:ResourceTag/owner": "${aws:username}"}},
]
RESOURCES = [
    "*",
    "arn:aws:s3:::home",
    "arn:aws:s3:::home/${aws:username}/*",
    "arn:aws:s3:::home/alice/*",
    "arn:aws:s3:::home/a*",
    "arn:aws:s3:::home/???/*",
    "arn:aws:s3:::home/${aws:PrincipalAccount}/*",
]
SWAPS = {
    "arn:aws:s3:::home/${aws:username}/*": "arn:aws:s3:::home/alice/*",
    "arn:aws:s3:::home/alice/*": "arn:aws:s3:::home/${aws:username}/*",
    "arn:aws:s3:::home/a*": "arn:aws:s3:::home/${aws:username}/*",
    "arn:aws:s3:::home/???/*": "arn:aws:s3:::home/${aws:username}/*",
    "arn:aws:s3:::home/${aws:PrincipalAccount}/*": "arn:aws:s3:::home/111122223333/*",
    "arn:aws:s3:::home/111122223333/*": "arn:aws:s3:::home/${aws:PrincipalAccount}/*",
}
"""Edits whose answer depends on who the caller is."""
CONTEXTS: dict[str, list[Any]] = {
    "s3:prefix": [None, "alice", "alice/x", "bob/x", "shared/y", "alice/private/z", "ALICE"],
    "aws:ResourceTag/owner": [None, "alice", "bob", "Alice", "ann"],
    "aws:ResourceTag/acct": [None, "111122223333", "444455556666"],
    "aws:SourceArn": [None, "arn:aws:s3:::alice-logs", "arn:aws:s3:::bob-logs"],
}
ACTIONS = ["s3:ListBucket", "s3:GetObject"]
REQUEST_RESOURCES = [
    "arn:aws:s3:::home",
    "arn:aws:s3:::home/alice/k",
    "arn:aws:s3:::home/bob/k",
    "arn:aws:s3:::home/ann/k",
    "arn:aws:s3:::home/444455556666/k",
    "arn:aws:s3:::home/111122223333/k",
]
CALLERS = [
    ("arn:aws:iam::111122223333:user/alice", None),
    ("arn:aws:iam::111122223333:user/bob", None),
    ("arn:aws:iam::111122223333:user/ann", None),
    ("arn:aws:iam::444455556666:user/ann", None),
    ("arn:aws:sts::111122223333:assumed-role/app/s1", "arn:aws:iam::111122223333:role/app"),
    ("arn:aws:sts::444455556666:assumed-role/ann/s1", "arn:aws:iam::444455556666:role/ann"),
]
"""Concrete callers the document could be attached to (a user's requests go to resources
of the user's own account)."""


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action": draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True)),
        "Resource": draw(st.sampled_from(RESOURCES)),
    }
    condition: dict[str, dict[str, Any]] = {}
    for block in draw(
        st.lists(st.sampled_from(CONDITIONS), max_size=draw(st.sampled_from([0, 1, 2])))
    ):
        for op, entries in block.items():
            condition.setdefault(op, {}).update(entries)
    if condition:
        out["Condition"] = condition
    return out


@st.composite
def pairs(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Two random lists, or (as often) one list and a copy with one statement's Resource or
    Condition redrawn: the small edits (a name for a variable, a condition dropped) whose
    answer depends on who the caller is."""
    old = draw(st.lists(statements(), max_size=3))
    part = draw(st.sampled_from(["random", "Resource", "Condition", "Effect", "swap", "swap"]))
    if part == "random" or (not old and part != "swap"):
        return old, draw(st.lists(statements(), min_size=1, max_size=3))
    new = [dict(item) for item in old]
    if part == "swap":  # a grant of a caller's variable for a literal, or the reverse
        resource = draw(st.sampled_from(sorted(SWAPS)))
        grant = {"Effect": "Allow", "Action": draw(st.sampled_from(ACTIONS)), "Resource": resource}
        index = draw(st.integers(0, len(old)))
        old.insert(index, grant)
        new.insert(index, {**grant, "Resource": SWAPS[resource]})
        return old, new
    index = draw(st.integers(0, len(new) - 1))
    redrawn = draw(statements())
    new[index].pop(part, None)
    if part in redrawn:
        new[index][part] = redrawn[part]
    return old, new


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for key, choices in CONTEXTS.items():
        value = draw(st.sampled_from(choices))
        if value is not None:
            context[key] = value
    return context


def policy(items: list[dict[str, Any]]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": items})


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(pairs(), st.lists(contexts(), min_size=1, max_size=3))
@example(  # the name alice replaced by the variable: bob gains home/bob/*
    (
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": RESOURCES[3]}],
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": RESOURCES[2]}],
    ),
    [{}],
)
@example(  # a grant to role sessions only (they have no aws:username)
    (
        [],
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": CONDITIONS[-2],
            }
        ],
    ),
    [{}],
)
def test_engine_gain_for_any_caller_means_not_pass(
    items: tuple[list[dict[str, Any]], list[dict[str, Any]]],
    drawn: list[dict[str, Any]],
) -> None:
    old, new = policy(items[0]), policy(items[1])
    report = diff_documents(old, new, "identity")
    ((old_set, new_set, _),) = document_sets(old, new, "identity")
    compiled_old, compiled_new = compile_policy_set(old_set), compile_policy_set(new_set)
    for finding in report.findings:
        assert evaluate(compiled_new, finding.request).allowed
        assert not evaluate(compiled_old, finding.request).allowed
    # every caller, action and resource, each under the drawn contexts
    for caller, role in CALLERS:
        for action in ACTIONS:
            for resource in REQUEST_RESOURCES:
                try:
                    check_request(action, resource)  # a request simulate accepts
                except PolicyError:
                    continue
                for context in drawn:
                    context = {**context, **({"aws:PrincipalArn": role} if role else {})}
                    built = build_request(
                        caller,
                        action,
                        resource,
                        resource_account=caller.split(":")[4],
                        context=context,
                    )
                    gained = evaluate(compiled_new, built).allowed
                    if gained and not evaluate(compiled_old, built).allowed:
                        assert report.result is not Outcome.PASS, (caller, resource, context)


def test_pass_with_caller_variables_only_for_the_same_documents() -> None:
    own = [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": RESOURCES[2]}]
    assert diff_documents(policy(own), policy(own), "identity").result is Outcome.PASS
    narrower = [{**own[0], "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]
    report = diff_documents(policy(own), policy(narrower), "identity")
    assert report.result is Outcome.UNKNOWN
    assert any("not proved for every name" in reason for reason in report.unknown)


def test_a_variable_the_request_chooses_stays_unknown() -> None:
    tagged = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    old = policy(
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": tagged}]
    )
    new = policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    report = diff_documents(old, new, "identity")
    assert report.result is Outcome.UNKNOWN
    assert any("aws:PrincipalTag/team" in reason for reason in report.unknown)


def test_a_variable_is_not_one_callers_value() -> None:
    own = {"StringLike": {"s3:prefix": "${aws:username}/*"}}
    literal = {"StringLike": {"s3:prefix": "alice/*"}}
    base = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::home"}
    old, new = policy([{**base, "Condition": own}]), policy([{**base, "Condition": literal}])
    for before, after in ((old, new), (new, old)):
        report = diff_documents(before, after, "identity")
        assert report.result is Outcome.FAIL
        request = report.findings[0].request
        name = (request.principal.arn or "").rpartition("/")[2]
        prefix = request.context.get("s3:prefix")
        assert isinstance(prefix, str)
        # the witness caller's own prefix is the one side, alice's the other
        assert name != "alice" or not prefix.startswith("alice/")

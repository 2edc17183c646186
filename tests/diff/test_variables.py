"""Policy variables in condition values, with the engine as the oracle.

For a fixed caller, a variable of a key AWS sets from the caller (`${aws:username}` of the user
alice) has one value, so the prover decides the entry as the literal it renders. Random policy
pairs whose conditions mix such variables with literals, and random requests: a request NEW
allows and OLD does not means the prover does not say PASS, and every witness re-checks.
Variables of keys the request chooses stay UNKNOWN.
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
    {"StringEqualsIgnoreCase": {"aws:ResourceTag/owner": "${aws:username}"}},
]
RESOURCES = ["*", "arn:aws:s3:::home", "arn:aws:s3:::home/${aws:username}/*"]
CONTEXTS: dict[str, list[Any]] = {
    "s3:prefix": [None, "alice", "alice/x", "bob/x", "shared/y", "alice/private/z", "ALICE"],
    "aws:ResourceTag/owner": [None, "alice", "bob", "Alice"],
    "aws:SourceArn": [None, "arn:aws:s3:::alice-logs", "arn:aws:s3:::bob-logs"],
}
ACTIONS = ["s3:ListBucket", "s3:GetObject"]
REQUEST_RESOURCES = ["arn:aws:s3:::home", "arn:aws:s3:::home/alice/k", "arn:aws:s3:::home/bob/k"]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action": draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True)),
        "Resource": draw(st.sampled_from(RESOURCES)),
    }
    condition: dict[str, dict[str, Any]] = {}
    for block in draw(st.lists(st.sampled_from(CONDITIONS), max_size=2)):
        for op, entries in block.items():
            condition.setdefault(op, {}).update(entries)
    if condition:
        out["Condition"] = condition
    return out


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    context = {}
    for key, choices in CONTEXTS.items():
        value = draw(st.sampled_from(choices))
        if value is not None:
            context[key] = value
    return draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(REQUEST_RESOURCES)), context


def policy(items: list[dict[str, Any]]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": items})


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(statements(), max_size=3),
    st.lists(statements(), min_size=1, max_size=3),
    st.lists(requests(), min_size=1, max_size=6),
)
def test_engine_gain_with_variables_means_not_pass(
    old_items: list[dict[str, Any]],
    new_items: list[dict[str, Any]],
    probes: list[tuple[str, str, dict[str, Any]]],
) -> None:
    old, new = policy(old_items), policy(new_items)
    report = diff_documents(old, new, "identity")
    ((old_set, new_set, _),) = document_sets(old, new, "identity")
    compiled_old, compiled_new = compile_policy_set(old_set), compile_policy_set(new_set)
    for finding in report.findings:
        assert evaluate(compiled_new, finding.request).allowed
        assert not evaluate(compiled_old, finding.request).allowed
    # every variable here is the caller's own: none is a reason to give up
    assert not any("variable" in reason for reason in report.unknown), report.unknown
    for action, resource, context in probes:
        try:
            check_request(action, resource)  # a request simulate accepts (the prover's space)
        except PolicyError:
            continue
        built = build_request(
            "arn:aws:iam::111122223333:user/alice",
            action,
            resource,
            resource_account="111122223333",
            context=context,
        )
        if evaluate(compiled_new, built).allowed and not evaluate(compiled_old, built).allowed:
            assert report.result is not Outcome.PASS, report.to_json()


def test_a_variable_the_request_chooses_stays_unknown() -> None:
    tagged = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    old = policy(
        [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": tagged}]
    )
    new = policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    report = diff_documents(old, new, "identity")
    assert report.result is Outcome.UNKNOWN
    assert any("aws:PrincipalTag/team" in reason for reason in report.unknown)


def test_a_variable_equal_to_its_value_cancels() -> None:
    own = {"StringLike": {"s3:prefix": "${aws:username}/*"}}
    literal = {"StringLike": {"s3:prefix": "alice/*"}}
    base = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::home"}
    old, new = policy([{**base, "Condition": own}]), policy([{**base, "Condition": literal}])
    assert diff_documents(old, new, "identity").result is Outcome.PASS
    assert diff_documents(new, old, "identity").result is Outcome.PASS

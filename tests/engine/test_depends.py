"""What a decision depends on (`engine.depends`): stated conditions, checked by re-evaluation.

The property test is the promise users rely on: when an answer says "allowed if K is V", any
request that carries K = V (and the other keys as stated) is allowed.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.engine.compiled import compile_policy_set
from policysim.engine.conditions.comparators import POSITIVE_COMPARATORS
from policysim.engine.depends import MAX_KEYS, dependencies
from policysim.engine.evaluate import evaluate
from policysim.engine.request import Request
from policysim.engine.result import Decision, Dependency, KeyCondition, describe_dependencies

from .support import allow, deny, doc, policy_set, request

ENC = "s3:x-amz-server-side-encryption"


def analyse(req: Request | None = None, **policies: Any) -> tuple[Decision, list[Dependency]]:
    """The decision and its dependencies for `req` (default: alice reads an object)."""
    compiled = compile_policy_set(policy_set(**policies))
    req = req or request()
    result = evaluate(compiled, req)
    return result.decision, dependencies(compiled, req, result)


def with_keys(req: Request, values: dict[str, str]) -> Request:
    context = req.context.copy()
    for key, value in values.items():
        context.set(key, value)
    return Request(req.principal, req.action, req.resource, req.resource_account, context)


def test_deny_unless_encryption_header_names_the_accepted_values() -> None:
    decision, deps = analyse(
        request(action="s3:PutObject"),
        identity=[doc(allow("s3:PutObject"))],
        resource=doc(
            deny(
                "s3:PutObject",
                Principal="*",
                Condition={"StringNotEquals": {ENC: ["AES256", "aws:kms"]}},
            ),
            deny("s3:PutObject", Principal="*", Condition={"Null": {ENC: "true"}}),
        ),
    )
    assert decision is Decision.EXPLICIT_DENY
    assert [d.describe() for d in deps] == [f"allowed if {ENC} is AES256 or aws:kms"]
    assert deps[0].conditions == (KeyCondition(ENC, "StringEquals", ("AES256", "aws:kms")),)
    assert deps[0].example == ((ENC, "AES256"),)


def test_null_false_allow_reads_is_present() -> None:
    decision, deps = analyse(
        identity=[doc(allow(Condition={"Null": {ENC: "false"}}))],
    )
    assert decision is Decision.IMPLICIT_DENY
    assert describe_dependencies(deps) == f"allowed if {ENC} is present"
    assert deps[0].to_json()["conditions"] == [
        {"key": ENC, "operator": "Null", "values": ["false"]}
    ]


def test_region_scp_keys_are_included() -> None:
    region_deny = deny(
        "*",
        Condition={"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    )
    decision, deps = analyse(
        identity=[doc(allow("*"))],
        scps=[[doc(allow("*")), doc(region_deny)]],
    )
    assert decision is Decision.EXPLICIT_DENY
    assert describe_dependencies(deps) == (
        "allowed if aws:RequestedRegion is eu-west-1 or eu-central-1"
    )


def test_deny_that_goes_away_without_an_allow_becomes_implicit() -> None:
    decision, deps = analyse(
        scps=[
            [
                doc(allow("*")),
                doc(deny("*", Condition={"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})),
            ]
        ],
    )
    assert decision is Decision.EXPLICIT_DENY
    assert describe_dependencies(deps) == "ImplicitDeny if aws:RequestedRegion is eu-west-1"


def test_allowed_answer_that_a_key_would_deny() -> None:
    decision, deps = analyse(
        identity=[
            doc(allow(), deny(Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}))
        ],
    )
    assert decision is Decision.ALLOWED
    assert describe_dependencies(deps) == "ExplicitDeny if aws:RequestedRegion is us-east-1"


def test_present_but_not_a_value() -> None:
    decision, deps = analyse(
        identity=[
            doc(
                allow(
                    Condition={
                        "Null": {"s3:prefix": "false"},
                        "StringNotEquals": {"s3:prefix": "secret"},
                    }
                )
            )
        ],
    )
    assert decision is Decision.IMPLICIT_DENY
    assert describe_dependencies(deps) == "allowed if s3:prefix is present and not secret"
    assert deps[0].conditions == (KeyCondition("s3:prefix", "StringNotEquals", ("secret",)),)


def test_numeric_ranges_exclude_overlapping_denies() -> None:
    decision, deps = analyse(
        identity=[
            doc(
                allow(Condition={"NumericLessThan": {"s3:max-keys": "10"}}),
                deny(Condition={"NumericLessThan": {"s3:max-keys": "5"}}),
            )
        ],
    )
    assert decision is Decision.IMPLICIT_DENY
    allowed = [d for d in deps if d.becomes is Decision.ALLOWED]
    assert [d.condition_text() for d in allowed] == [
        "s3:max-keys is less than 10 and s3:max-keys is at least 5"
    ]
    assert any(d.becomes is Decision.EXPLICIT_DENY for d in deps)


def test_ip_and_bool_operators() -> None:
    decision, deps = analyse(
        identity=[
            doc(
                allow(
                    Condition={
                        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                        "Bool": {"aws:SecureTransport": "true"},
                    }
                )
            )
        ],
    )
    assert decision is Decision.IMPLICIT_DENY
    assert describe_dependencies(deps) in {
        "allowed if aws:SecureTransport is true and aws:SourceIp is in 10.0.0.0/8",
        "allowed if aws:SourceIp is in 10.0.0.0/8 and aws:SecureTransport is true",
    }


def test_two_keys_together() -> None:
    decision, deps = analyse(
        identity=[doc(allow(Condition={"StringEquals": {"ex:a": "x"}, "Null": {"ex:b": "false"}}))],
    )
    assert decision is Decision.IMPLICIT_DENY
    texts = {d.condition_text() for d in deps if d.becomes is Decision.ALLOWED}
    assert texts <= {"ex:a is x and ex:b is present", "ex:b is present and ex:a is x"}
    assert texts


def test_key_hidden_behind_a_deny_is_found() -> None:
    """The Allow's key is not looked at while a Deny decides; setting the Deny's key shows it."""
    decision, deps = analyse(
        identity=[
            doc(
                allow(Condition={"StringEquals": {"ex:team": "blue"}}),
                deny(Condition={"Null": {"ex:ticket": "true"}}),
            )
        ],
    )
    assert decision is Decision.EXPLICIT_DENY
    allowed = [d for d in deps if d.becomes is Decision.ALLOWED]
    assert allowed
    for dep in allowed:
        assert {c.key for c in dep.conditions} == {"ex:team", "ex:ticket"}


def test_three_keys_needed_together_is_said_honestly() -> None:
    decision, deps = analyse(
        identity=[
            doc(
                allow(
                    Condition={
                        "StringEquals": {"ex:a": "x", "ex:b": "y", "ex:c": "z"},
                    }
                )
            )
        ],
    )
    assert decision is Decision.IMPLICIT_DENY
    assert [d.becomes for d in deps] == [None]
    assert deps[0].describe() == "may also depend on ex:a, ex:b, ex:c (not searched further)"


def test_many_keys_are_capped_and_said() -> None:
    keys = {f"ex:k{i}": "v" for i in range(MAX_KEYS + 2)}
    decision, deps = analyse(
        identity=[doc(deny(Condition={"StringEquals": {k: "v"}})) for k in keys] + [doc(allow())],
    )
    assert decision is Decision.ALLOWED
    assert any(d.becomes is None and len(d.keys) == MAX_KEYS + 2 for d in deps)


def test_no_missing_key_no_dependency() -> None:
    decision, deps = analyse(
        request(context={ENC: "AES256"}),
        identity=[doc(allow(Condition={"StringEquals": {ENC: "AES256"}}))],
    )
    assert decision is Decision.ALLOWED
    assert deps == []


def test_a_key_that_changes_nothing_is_not_reported() -> None:
    decision, deps = analyse(
        identity=[doc(allow(), allow(Condition={"StringEquals": {ENC: "AES256"}}))],
    )
    assert decision is Decision.ALLOWED
    assert deps == []


def test_result_json_carries_depends_on_only_when_analysed() -> None:
    compiled = compile_policy_set(
        policy_set(identity=[doc(allow(Condition={"Null": {ENC: "false"}}))])
    )
    req = request()
    result = evaluate(compiled, req)
    assert "depends_on" not in result.to_json()
    result.depends_on = dependencies(compiled, req, result)
    assert result.to_json()["depends_on"] == [
        {
            "becomes": "Allowed",
            "conditions": [{"key": ENC, "operator": "Null", "values": ["false"]}],
            "example": {ENC: "policysim-other-value"},
        }
    ]


# --- the property ------------------------------------------------------------------------------

KEYS = ["ex:k1", "ex:k2"]
VALUES = ["a", "b", "ab"]
PATTERNS = ["a*", "ab*", "b", "*"]
POOL = ["a", "b", "ab", "abc", "ba", "b7", "zz", "policysim-other-value", ""]
"""Request values tried against each stated condition: every value here that satisfies the
condition must give the stated decision."""

OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "StringLike",
    "StringNotLike",
    "Null",
]


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, dict[str, list[str]]]:
    block: dict[str, dict[str, list[str]]] = {}
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from(OPERATORS))
        key = draw(st.sampled_from(KEYS))
        if operator == "Null":
            values = [draw(st.sampled_from(["true", "false"]))]
        else:
            alphabet = PATTERNS if "Like" in operator else VALUES
            values = draw(st.lists(st.sampled_from(alphabet), min_size=1, max_size=2, unique=True))
        block.setdefault(operator, {})[key] = values
    return block


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
    block = draw(conditions())
    extra = {"Condition": block} if block else {}
    return allow(**extra) if effect == "Allow" else deny(**extra)


def _satisfies(value: str, condition: KeyCondition) -> bool:
    """Whether a request value meets a stated condition (the key being present)."""
    if condition.operator == "Null":
        return condition.values == ("false",)
    negated = {
        "StringNotEquals": "StringEquals",
        "StringNotLike": "StringLike",
    }
    if condition.operator in negated:
        compare = POSITIVE_COMPARATORS[negated[condition.operator]]
        return not any(compare(value, v) for v in condition.values)
    compare = POSITIVE_COMPARATORS[condition.operator]
    return any(compare(value, v) for v in condition.values)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    identity=st.lists(statements(), min_size=1, max_size=3),
    scp=st.lists(statements(), max_size=2),
    data=st.data(),
)
def test_setting_a_key_as_stated_gives_the_stated_decision(
    identity: list[dict[str, Any]], scp: list[dict[str, Any]], data: st.DataObject
) -> None:
    scps = [[doc(allow("*"), *scp)]] if scp else None
    compiled = compile_policy_set(policy_set(identity=[doc(*identity)], scps=scps))
    req = request()
    result = evaluate(compiled, req)
    for dep in dependencies(compiled, req, result):
        if dep.becomes is None:
            continue
        assert dep.becomes is not result.decision
        assert evaluate(compiled, with_keys(req, dict(dep.example))).decision is dep.becomes
        if dep.more:
            continue
        # Any value meeting the stated conditions, not just the example, must do the same.
        chosen: dict[str, str] = {}
        for key in dict.fromkeys(c.key for c in dep.conditions):
            stated = [c for c in dep.conditions if c.key == key]
            fits = [v for v in POOL if all(_satisfies(v, c) for c in stated)]
            assert fits, f"no value meets {stated}"
            chosen[key] = data.draw(st.sampled_from(fits), label=key)
        decided = evaluate(compiled, with_keys(req, chosen)).decision
        assert decided is dep.becomes, (dep.describe(), chosen, decided)

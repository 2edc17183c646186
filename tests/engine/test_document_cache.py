"""The batch caches: documents parsed once per distinct text and name, compiled once per
`NamedPolicy`, both bounded, and never changing an answer."""

from __future__ import annotations

from typing import Any

import pytest

from policysim.engine.compiled import CompileCache, NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.document_cache import DocumentCache
from policysim.engine.evaluate import evaluate
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy


def doc(action: str, value: Any = "x") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": action,
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": value}},
            }
        ],
    }


def test_an_equal_document_under_the_same_name_is_the_same_object() -> None:
    cache = DocumentCache()
    first = cache.named(doc("s3:GetObject"), "identity_policies[0]")
    again = cache.named(doc("s3:GetObject"), "identity_policies[0]")
    assert again is first
    assert isinstance(first.policy, Policy)
    assert len(cache) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (doc("s3:GetObject"), doc("s3:PutObject")),
        (doc("s3:GetObject", 1), doc("s3:GetObject", "1")),
        (doc("s3:GetObject", 1), doc("s3:GetObject", 1.0)),
        (doc("s3:GetObject", True), doc("s3:GetObject", 1)),
    ],
)
def test_documents_that_differ_in_value_or_type_do_not_share(a: Any, b: Any) -> None:
    cache = DocumentCache()
    assert cache.named(a, "p") is not cache.named(b, "p")


def test_the_name_is_part_of_the_key() -> None:
    """Reports name a policy by its field, so the same text under two fields is two objects."""
    cache = DocumentCache()
    a = cache.named(doc("s3:GetObject"), "identity_policies[0]")
    b = cache.named(doc("s3:GetObject"), "identity_policies[1]")
    assert a is not b
    assert (a.name, b.name) == ("identity_policies[0]", "identity_policies[1]")


def test_least_recently_used_documents_are_dropped_at_the_limit() -> None:
    cache = DocumentCache(limit=3)
    a, b, c = (cache.named(doc(f"s3:A{i}"), "p") for i in range(3))
    assert cache.named(doc("s3:A0"), "p") is a  # a is now the most recently used
    cache.named(doc("s3:A3"), "p")  # drops b
    assert len(cache) == 3
    assert cache.named(doc("s3:A0"), "p") is a
    assert cache.named(doc("s3:A2"), "p") is c
    assert cache.named(doc("s3:A1"), "p") is not b  # parsed again
    assert len(cache) == 3


def test_an_invalid_document_raises_every_time_and_is_not_kept() -> None:
    cache = DocumentCache()
    bad = {"Statement": [{"Effect": "Maybe", "Action": "s3:*"}]}
    for _ in range(2):
        with pytest.raises(PolicyError, match="Effect"):
            cache.named(bad, "p")
    assert len(cache) == 0


def test_the_compile_cache_stays_within_its_limit_and_answers_alike() -> None:
    cache = CompileCache(limit=2)
    request = build_request(
        "arn:aws:iam::111122223333:user/u",
        "s3:GetObject",
        "*",
        context={"aws:PrincipalTag/team": "x"},
    )
    for i in range(6):
        named = NamedPolicy(Policy.model_validate(doc("s3:GetObject" if i % 2 else "s3:Put*")), "p")
        policies = PolicySet(identity=[named], boundary=[named])
        cached = evaluate(compile_policy_set(policies, cache=cache), request)
        fresh = evaluate(compile_policy_set(policies, cache=CompileCache(limit=10)), request)
        assert cached.to_json() == fresh.to_json()
        assert cached.decision.value == ("Allowed" if i % 2 else "ImplicitDeny")
        assert len(cache.statements) <= 2
        assert len(cache.groups) <= 2

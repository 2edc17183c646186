"""The facts of an Action entry: the shortcut for plain `service:Name` texts concludes what the
general tests conclude."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from policysim.lint.facts import (
    _PLAIN_ACTION,
    action_facts,
    action_problem,
    wellformed_prefix,
)
from policysim.policy.unknown import has_unknown, unknown
from policysim.policy.variables import find_variables

_PIECE = st.text(
    alphabet=st.sampled_from("abcXYZ019-_*?:$ {}\t\u2983é"),
    max_size=8,
)


@given(_PIECE, _PIECE)
def test_plain_texts_are_what_the_general_tests_say(head: str, tail: str) -> None:
    text = f"{head}:{tail}"
    if _PLAIN_ACTION.fullmatch(text) is None:
        return
    assert not has_unknown(text)
    assert action_problem(text) is None
    assert wellformed_prefix(text) == head.lower()
    assert find_variables(text) == []


@given(st.sampled_from(["s3", "S3", "iam", "nosuchsvc"]), _PIECE)
def test_facts_of_plain_and_general_texts(prefix: str, name: str) -> None:
    text = f"{prefix}:{name}"
    facts = action_facts(text)
    if has_unknown(text):
        assert facts.prefix is None and facts.problem is None
        return
    assert facts.problem == action_problem(text)
    assert facts.prefix == wellformed_prefix(text)
    assert facts.has_variables == bool(find_variables(text))


def test_examples() -> None:
    assert action_facts("s3:GetObject").info is not None
    assert action_facts("S3:getobject").canonical == "s3:GetObject"
    assert action_facts("s3:Get*").canonical is None
    assert action_facts("s3:NoSuchAction").matches_nothing
    assert action_facts("nosuch:Thing").prefix == "nosuch" and not action_facts("x:y").known_service
    assert action_facts("s3 :GetObject").problem == "contains whitespace"
    assert action_facts(unknown("Svc") + ":Get*").prefix is None

"""The automata agree exactly with the engine's matchers (policy/wildcard.py, policy/arn.py),
and their searches find shortest witnesses or prove emptiness."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.diff.automata import (
    VALID_ARN,
    arn_glob_nfa,
    glob_nfa,
    literal_nfa,
    resource_prefix,
    shortest,
    signature_classes,
)
from policysim.engine.conditions.strings import string_equals_ignore_case
from policysim.policy.arn import compile_arn_glob
from policysim.policy.wildcard import compile_glob

CHARS = st.sampled_from(list("ab:/*?AKk\u212a\u0130i\u0307"))
TEXT_CHARS = st.sampled_from(list("ab:/AKk\u212a\u0130i\u0307*?"))


@settings(max_examples=400)
@given(st.text(CHARS, max_size=6), st.text(TEXT_CHARS, max_size=8), st.booleans())
def test_glob_agrees_with_engine(pattern: str, value: str, ignore_case: bool) -> None:
    assert glob_nfa(pattern, ignore_case).matches(value) == compile_glob(pattern, ignore_case)(
        value
    )


ARN_PARTS = st.sampled_from(["arn", "ARN", "aws", "AWS", "s3", "*", "?", "", "a*", "K", "\u212a"])
RES_PARTS = st.sampled_from(["b/*", "b/k", "*", "?", "b:c", "", "x?y", "B/*"])


@st.composite
def arns(draw: st.DrawFn) -> str:
    head = [draw(ARN_PARTS) for _ in range(5)]
    if draw(st.booleans()):
        head[0] = "arn"
    return ":".join([*head, draw(RES_PARTS)])


@settings(max_examples=600)
@given(arns(), arns(), st.booleans())
def test_arn_glob_agrees_with_engine(pattern: str, value: str, head_ic: bool) -> None:
    value = value.replace("*", "x").replace("?", "y")
    expected = compile_arn_glob(pattern, head_ignore_case=head_ic)(value)
    assert arn_glob_nfa(pattern, head_ic).matches(value) == expected


@settings(max_examples=300)
@given(st.text(CHARS, max_size=4), st.text(TEXT_CHARS, max_size=6))
def test_ignore_case_literal_agrees(literal: str, value: str) -> None:
    assert literal_nfa(literal, "casefold").matches(value) == string_equals_ignore_case(
        value, literal
    )


@settings(max_examples=300)
@given(
    st.lists(st.text(CHARS, max_size=4), min_size=1, max_size=3),
    st.lists(st.text(CHARS, max_size=4), max_size=3),
)
def test_shortest_witness_is_exact(positive: list[str], negative: list[str]) -> None:
    """A found string is in every positive glob and no negative one; when none is found, no
    short string over the pattern characters is either (brute force)."""
    found = shortest([[glob_nfa(p)] for p in positive], [[glob_nfa(n)] for n in negative])

    def ok(value: str) -> bool:
        return all(compile_glob(p)(value) for p in positive) and not any(
            compile_glob(n)(value) for n in negative
        )

    if found is not None:
        assert ok(found)
    else:
        alphabet = sorted({c for p in positive + negative for c in p} | {"z"})
        frontier = [""]
        for _ in range(5):
            assert not any(ok(v) for v in frontier)
            frontier = [v + c for v in frontier for c in alphabet][:3000]


def test_inclusion_proof_and_witness() -> None:
    # b/* within * : nothing in b/* outside *
    assert shortest([[arn_glob_nfa("arn:aws:s3:::b/*")]], [[arn_glob_nfa("*")]]) is None
    # arn:aws:s3:::* is wider than arn:aws:s3:::b/*: a witness outside the narrower one
    wider = shortest([[arn_glob_nfa("arn:aws:s3:::*")]], [[arn_glob_nfa("arn:aws:s3:::b/*")]])
    assert wider is not None
    assert compile_arn_glob("arn:aws:s3:::*")(wider)
    assert not compile_arn_glob("arn:aws:s3:::b/*")(wider)
    # `?` is exactly one character
    one = shortest([[arn_glob_nfa("arn:aws:s3:::b?")]], [[arn_glob_nfa("arn:aws:s3:::bb")]])
    assert one is not None and len(one) == len("arn:aws:s3:::bb")


def test_arn_heads_ignore_case_resource_does_not() -> None:
    upper = shortest([[arn_glob_nfa("arn:aws:s3:::B/*")]], [[arn_glob_nfa("arn:aws:s3:::b/*")]])
    assert upper is not None and upper.startswith("arn:aws:s3:::B/")
    assert (
        shortest([[arn_glob_nfa("arn:AWS:S3:::b/*")]], [[arn_glob_nfa("arn:aws:s3:::b/*")]]) is None
    )


def test_valid_arn_language() -> None:
    assert VALID_ARN.matches("arn:aws:s3:::b")
    assert not VALID_ARN.matches("arn::s3:::b")
    assert not VALID_ARN.matches("arn:aws:s3:::")


def test_signature_classes_cover_each_combination() -> None:
    found = signature_classes([glob_nfa("get*"), glob_nfa("*object")])
    assert set(found) == {(a, b) for a in (True, False) for b in (True, False)}
    for (get, obj), name in found.items():
        assert name.startswith("get") == get and name.endswith("object") == obj


@settings(max_examples=400)
@given(arns(), arns(), st.booleans(), st.booleans())
def test_disagreeing_resource_prefixes_share_no_arn(a: str, b: str, a_ic: bool, b_ic: bool) -> None:
    """The prover drops Resource entries whose resource segment cannot begin as the space's
    does: sound only if such languages are disjoint."""
    left, right = arn_glob_nfa(a, a_ic), arn_glob_nfa(b, b_ic)
    p, q = resource_prefix(left), resource_prefix(right)
    if p is not None and q is not None and not (p.startswith(q) or q.startswith(p)):
        assert shortest([[VALID_ARN], [left], [right]]) is None


def test_resource_prefix_of_arn_shapes() -> None:
    assert resource_prefix(arn_glob_nfa("arn:aws:apigateway:*::/apis/*")) == "/apis/"
    assert resource_prefix(arn_glob_nfa("arn:aws:s3:::b?/*", False)) == "b"
    assert resource_prefix(arn_glob_nfa("*")) is None
    assert resource_prefix(VALID_ARN) == ""

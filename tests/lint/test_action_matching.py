"""The linter's shared action matchers answer exactly what the engine's matcher does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from policysim.lint.context import ActionNames, ActionPatterns, granted_names
from policysim.policy.action import compile_action_pattern
from policysim.policy.model import Statement

# Line breaks, a capital sigma (lower-cased by its context) and the Kelvin sign (which lowers
# to ASCII "k") exercise ActionPatterns' slow path and the edges of its one-text fast path.
_PREFIX = st.sampled_from(["s3", "S3", "iam", "ec2", "", "s*", "\u212a", "k", "s3\niam"])
_NAME = st.text(alphabet="GetObjcPutR*?k\n\u03a3\u212a", max_size=6)
_ENTRY = st.one_of(
    st.just("*"),
    st.builds(lambda p, n: f"{p}:{n}", _PREFIX, _NAME),
    st.text(alphabet="s3:Get*\n", max_size=5),  # colon-less and odd entries too
)
_REQUEST = st.builds(
    lambda p, n: f"{p}:{n}", _PREFIX, st.text(alphabet="GetObjcPutRk\n:\u03a3\u212a", max_size=6)
)


def _engine(patterns: tuple[str, ...], action: str) -> bool:
    return any(compile_action_pattern(p)(action) for p in patterns)


@given(patterns=st.lists(_ENTRY, max_size=6).map(tuple), actions=st.lists(_REQUEST, max_size=6))
def test_action_patterns_agree_with_the_engine(
    patterns: tuple[str, ...], actions: list[str]
) -> None:
    matcher = ActionPatterns(patterns)
    for action in actions + actions:  # twice: remembered answers too
        assert matcher.matches(action) is _engine(patterns, action)
    # Entries of a request's service and its exact name, asked for (the fast path's hits).
    for pattern in patterns:
        assert matcher.matches(pattern) is _engine(patterns, pattern)


@given(patterns=st.lists(_ENTRY, max_size=6).map(tuple))
def test_action_patterns_prefixes_are_the_entries_prefixes(patterns: tuple[str, ...]) -> None:
    expected = {p.partition(":")[0].lower() for p in patterns if ":" in p}
    found = ActionPatterns(patterns).prefixes
    assert found == (None if "*" in patterns else expected)


@given(patterns=st.lists(_ENTRY, min_size=1, max_size=6), names=st.lists(_REQUEST, max_size=8))
def test_granted_names_agree_with_the_engine(patterns: list[str], names: list[str]) -> None:
    wanted = ActionNames(names)
    allow = Statement.model_validate({"Effect": "Allow", "Action": patterns, "Resource": "*"})
    assert granted_names(allow, wanted) == [n for n in names if _engine(tuple(patterns), n)]
    deny = Statement.model_validate({"Effect": "Allow", "NotAction": patterns, "Resource": "*"})
    assert granted_names(deny, wanted) == [n for n in names if not _engine(tuple(patterns), n)]

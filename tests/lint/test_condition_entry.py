"""`ConditionEntry.texts()` reads the values off the nodes directly (no pointers); it must
give what `scalar_text` gives for each of `values`, and None as soon as one is no scalar."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from policysim.lint.context import LintContext, scalar_text
from policysim.policy.kinds import PolicyKind
from policysim.policy.source import Node, parse_source

_SCALARS = st.one_of(
    st.text(max_size=8),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(st.one_of(_SCALARS, st.dictionaries(st.text(max_size=3), st.integers())), max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _reference(values: list[tuple[str, Node]]) -> list[str] | None:
    out = []
    for _, node in values:
        text = scalar_text(node)
        if text is None:
            return None
        out.append(text)
    return out


@given(st.dictionaries(st.sampled_from(["aws:a", "s3:b", "x:c"]), _VALUES, min_size=1))
def test_texts_are_the_scalar_texts_of_the_values(block: dict[str, object]) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": block},
            }
        ],
    }
    root = parse_source(json.dumps(document), "t.json")
    ctx = LintContext.build("t.json", root, PolicyKind.IDENTITY)
    entries = ctx.statements[0].conditions()
    assert len(entries) == len(block)
    for entry in entries:
        assert entry.texts() == _reference(entry.values)

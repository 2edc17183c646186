"""The shortcuts of `policysim.lint.facts` answer as the general computation does.

`action_facts` answers an exact `service:Name` at once from one catalog lookup, and
`flagged_actions` passes over elements whose strings it has seen unflagged; both are compared
here with plain restatements of what they stand for."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, get_catalog
from policysim.lint import facts
from policysim.lint.context import LintContext
from policysim.lint.facts import (
    ActionFacts,
    action_facts,
    action_problem,
    flagged_actions,
    wellformed_prefix,
)
from policysim.lint.policy_type import PolicyKind
from policysim.policy.action import compile_action_pattern, split_action
from policysim.policy.source import parse_source
from policysim.policy.unknown import has_unknown, unknown
from policysim.policy.variables import find_variables
from policysim.policy.wildcard import has_wildcard

_SERVICES = ["s3", "iam", "ec2", "kms", "sts", "codestar-notifications"]


def _names(service: str) -> list[str]:
    return [info.name for info in get_catalog().actions(service)]


def _lookup(text: str) -> ActionInfo | None:
    """A catalog action by a case-insensitive scan of its service's actions."""
    parts = split_action(text)
    if parts is None:
        return None
    return next(
        (info for info in get_catalog().actions(parts[0]) if info.name.lower() == parts[1]),
        None,
    )


def _reference_facts(text: str) -> ActionFacts:
    """The facts by the general tests alone: no regex shortcut, no exact-name shortcut, the
    catalog's answers restated by scanning (the slow path the shortcuts must equal)."""
    if has_unknown(text):
        return ActionFacts(None, False, None, False, False, None)
    catalog = get_catalog()
    prefix = wellformed_prefix(text)
    problem = action_problem(text)
    known = prefix is not None and catalog.has_service(prefix)
    canonical: str | None = None
    info: ActionInfo | None = None
    if has_wildcard(text):
        matches = compile_action_pattern(text)
        parts = split_action(text)
        service = parts[0] if parts is not None else ""
        matches_nothing = known and not any(matches(a.full_name) for a in catalog.actions(service))
        head, sep, rest = text.partition(":")
        if sep and head != head.lower() and catalog.has_service(head):
            canonical = f"{head.lower()}:{rest}"
    else:
        info = _lookup(text)
        matches_nothing = known and info is None
        canonical = info.full_name if info is not None else None
    if canonical == text:
        canonical = None
    flagged = (
        problem is not None
        or (prefix is not None and not known)
        or matches_nothing
        or canonical is not None
    )
    return ActionFacts(
        problem,
        bool(find_variables(text)),
        prefix,
        known,
        matches_nothing,
        canonical,
        info,
        flagged,
    )


def _recase(text: str, flips: list[bool]) -> str:
    return "".join(
        c.swapcase() if flip else c
        for c, flip in zip(text, flips + [False] * len(text), strict=False)
    )


@st.composite
def _action_texts(draw: st.DrawFn) -> str:
    """Real action names, recased, cut short, lengthened or given wildcards; unknown services;
    malformed texts."""
    kind = draw(st.sampled_from(["real", "real", "real", "unknown", "odd"]))
    if kind == "odd":
        return draw(st.text(alphabet="aS3:*?$ {}-_\tx", max_size=12))
    service = draw(st.sampled_from([*_SERVICES, "nosuchsvc", "S3", "IAM"]))
    names = _names(service) or ["GetThing"]
    name = draw(st.sampled_from(names))
    cut = draw(st.integers(min_value=0, max_value=len(name)))
    tail = draw(st.sampled_from(["", "", "*", "?", "s", "*Policy", "?*"]))
    if kind == "unknown":
        service = "x" + service
    flips = draw(st.lists(st.booleans(), max_size=6))
    return f"{_recase(service, flips)}:{_recase(name[:cut] if tail else name, flips)}{tail}"


@settings(max_examples=500, deadline=None)
@given(_action_texts())
def test_action_facts_equal_the_general_computation(text: str) -> None:
    assert action_facts(text) == _reference_facts(text)


def test_action_facts_examples_equal_the_general_computation() -> None:
    for text in [
        "s3:GetObject",
        "S3:getobject",
        "s3:getobject",
        "s3:NoSuchAction",
        "nosuch:Thing",
        "s3:Get*",
        "S3:Get*",
        "s3:Zzz*",
        "s3 :GetObject",
        "s3:*",
        "*",
        "s3",
        "codestar-notifications:ListTagsforResource",
        unknown("Svc") + ":Get*",
    ]:
        assert action_facts(text) == _reference_facts(text), text


def _document(actions: list[object]) -> LintContext:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": "*"},
                {"Effect": "Deny", "NotAction": actions[0] if actions else "s3:x", "Resource": "*"},
            ],
        }
    )
    return LintContext.build("t.json", parse_source(text, "t.json"), PolicyKind.IDENTITY)


def _reference_flagged(ctx: LintContext) -> list[tuple[str, str, str]]:
    """(list, pointer, text) of every flagged entry, asking `action_facts` entry by entry."""
    out = []
    for view in ctx.statements:
        for element in ("Action", "NotAction"):
            node = view.items.get(element)
            if node is None:
                continue
            located = (
                [(f"{view.pointer}/{element}", node)]
                if node.kind == "string"
                else [(f"{view.pointer}/{element}/{i}", c) for i, c in enumerate(node.value)]
                if node.kind == "array"
                else []
            )
            for pointer, child in located:
                if child.kind != "string":
                    continue
                found = action_facts(child.value)
                for name, hit in (
                    ("malformed", found.problem is not None),
                    ("unknown_service", found.prefix is not None and not found.known_service),
                    ("unmatched", found.matches_nothing),
                    ("noncanonical", found.canonical is not None),
                ):
                    if hit:
                        out.append((name, pointer, child.value))
    return sorted(out)


def _flagged(ctx: LintContext) -> list[tuple[str, str, str]]:
    found = flagged_actions(ctx)
    return sorted(
        (name, entry.pointer, entry.text)
        for name in ("malformed", "unknown_service", "unmatched", "noncanonical")
        for entry in getattr(found, name)
    )


_ENTRY = st.one_of(
    _action_texts(),
    st.sampled_from(["s3:GetObject", "iam:PassRole", "S3:getobject"]),
    st.integers(),
    st.none(),
    st.lists(st.just("s3:GetObject"), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENTRY, max_size=8), st.booleans())
def test_flagged_actions_equal_asking_entry_by_entry(actions: list[object], fresh: bool) -> None:
    if fresh:
        facts._UNFLAGGED.clear()  # the first meeting of each text, and the remembered one
    for _ in range(2):
        ctx = _document(actions)
        assert _flagged(ctx) == _reference_flagged(ctx)


def test_a_single_string_element_is_located_without_an_index() -> None:
    ctx = _document(["S3:getobject"])
    entries = flagged_actions(ctx).noncanonical
    assert [e.pointer for e in entries] == ["/Statement/0/Action/0", "/Statement/1/NotAction"]


def test_every_catalog_spelling_takes_the_exact_shortcut_rightly() -> None:
    """`action_facts` answers the catalog's own spelling without its general tests: right only
    while every catalog prefix and name has the well-formed, wildcard-free shape."""
    catalog = get_catalog()
    shape = facts._PLAIN_ACTION
    count = 0
    for info in catalog.all_actions():
        text = info.full_name
        match = shape.fullmatch(text)
        assert match is not None and match[1] == info.service, text
        assert not has_wildcard(text) and not has_unknown(text) and "${" not in text, text
        assert catalog.exact_action(text) is info
        assert catalog.action(text) is info
        assert action_facts(text) == ActionFacts(
            None, False, info.service, True, False, None, info, False
        )
        count += 1
    assert count > 10_000


@settings(max_examples=500, deadline=None)
@given(_action_texts())
def test_exact_action_is_action_spelt_as_the_catalog_does(text: str) -> None:
    catalog = get_catalog()
    found = catalog.action(text)
    expected = found if found is not None and found.full_name == text else None
    assert catalog.exact_action(text) is expected

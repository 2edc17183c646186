"""The shortcuts of the security and exposure rules answer what their plain restatements do.

`_list_answers` (PS204, PS223) and `_at_levels` (PS224) join per-entry answers instead of
filtering `statement_actions` of the whole list; they are compared here with that filter on
generated Action lists (odd spellings, wildcards, placeholders, bare `*`) and, when the
managed-policy corpus is at hand, on every Action list it holds. PS202, PS203, PS205, PS221,
PS226, PS414 and PS425 pass over statements by cheap tests first (of the model's tuples, which hold
the element's strings, or of the condition keys) and work out a severity only for a finding;
they are compared with their first-written walks, on generated documents and on every
document the report check lints. `ActionPatterns` past `_SEARCH_LIMIT` is compared with the
engine's matcher. PS519-PS521 share one per-document list of the entries with a `*` value,
compared with a walk per rule."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, get_catalog
from policysim.lint.context import (
    _SEARCH_LIMIT,
    ActionPatterns,
    Issue,
    LintContext,
    LintSettings,
    _line_names,
    granted_names,
    grants_action,
)
from policysim.lint.finding import Severity
from policysim.lint.inputs import load_path
from policysim.lint.policy_type import PolicyKind, detect_kind
from policysim.lint.registry import all_rules
from policysim.lint.rules import analyzer as ana
from policysim.lint.rules import exposure as exp
from policysim.lint.rules import security as sec
from policysim.lint.rules.catalog_rules import (
    conditions,
    element_values,
    listed,
    statement_actions,
)
from policysim.policy.action import compile_action_pattern
from policysim.policy.operators import Family, Qualifier
from policysim.policy.public import RESTRICTING_KEYS, statement_is_public
from policysim.policy.source import parse_source
from policysim.policy.unknown import unknown

_LEVELS = [
    frozenset({"Permissions management"}),
    frozenset({"Write", "Tagging"}),
]
_ENTRIES = [
    "*",
    "s3:GetObject",
    "S3:getobject",
    "s3:Get*",
    "s3:Get?bject",
    "s3:*Object*",
    "s3:*",
    "iam:PassRole",
    "iam:passrole",
    "iam:*Policy*",
    "iam:Put*",
    "ec2:RunInstances",
    "ec2:Describe*",
    "comprehend:StartPiiEntitiesDetectionJob",
    "comprehend:Start*Job",
    "comprehend:*",
    "sagemaker:*",
    "sagemaker:Create*Job",
    "kms:Decrypt",
    "logs:DescribeLogGroups",
    "s3:ListAllMyBuckets",
    "nosuch:Thing",
    "s3:NoSuchAction",
    "s3:",
    ":GetObject",
    "s3",
    "",
    "s3:Get Object",
    "s3:GetObject:x",
    f"s3:{unknown('Name')}",
    f"{unknown('Service')}:GetObject",
    "s3:${aws:username}",
]


def _plain_scoped(patterns: tuple[str, ...]) -> tuple[ActionInfo, ...]:
    actions, _ = statement_actions(patterns)
    return tuple(a for a in actions if a.resource_types and not sec._generated_job(a))


def _plain_levels(patterns: tuple[str, ...], levels: frozenset[str]) -> tuple[ActionInfo, ...]:
    actions, _ = statement_actions(patterns)
    return tuple(a for a in actions if levels.intersection(a.access_level.split(", ")))


def _check(patterns: tuple[str, ...]) -> None:
    assert sec._list_answers.__wrapped__(patterns) == (
        _plain_scoped(patterns),
        _plain_levels(patterns, sec._MANAGING),
    ), patterns
    for levels in _LEVELS:
        assert sec._at_levels.__wrapped__(patterns, levels) == _plain_levels(patterns, levels)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ENTRIES), min_size=1, max_size=6))
def test_joined_entry_answers_equal_the_filtered_expansion(entries: list[str]) -> None:
    _check(tuple(entries))


def test_arn_scoped_of_filters_as_its_one_action_test() -> None:
    """`_arn_scoped_of` tells most actions in C and asks `_generated_job` of `Start*`/`Create*`
    ones only: on every catalog action, in every service's order, it keeps what the plain
    test keeps (generated jobs, e.g. comprehend's, among them); so does `_entry_answers` of
    each action's exact name."""
    catalog = get_catalog()
    everything = tuple(catalog.all_actions())
    assert any(sec._generated_job(a) for a in everything)
    plain = tuple(a for a in everything if a.resource_types and not sec._generated_job(a))
    assert sec._arn_scoped_of(everything) == plain
    answers = sec._entry_answers(tuple(a.full_name for a in everything))
    assert tuple(a for a in everything if answers[a.full_name][0]) == plain


def test_level_test_answers_as_the_split_levels() -> None:
    """`_LevelTest` remembers answers per access-level text; each is the plain intersection."""
    levels_seen = {a.access_level for a in get_catalog().all_actions()}
    for levels in _LEVELS:
        test = sec._LevelTest(levels)
        for level in sorted(levels_seen):
            assert test[level] == bool(levels.intersection(level.split(", "))), level
            assert test[level] == bool(levels.intersection(level.split(", "))), level


def test_memo_cleared_when_full_keeps_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A nearly full memo is cleared before a list's entries are filled, never during, and the
    entries it knew before are answered again (PS204's and PS223's shared memo, and the one of
    another set of levels)."""
    patterns = tuple(_ENTRIES)
    known = {p: sec._NEITHER for p in patterns[:5]}  # wrong answers, to be dropped
    memo = {**{f"x:{n}": sec._NEITHER for n in range(65530)}, **known}
    monkeypatch.setattr(sec, "_ENTRY_ANSWERS", memo)
    assert sec._list_answers.__wrapped__(patterns) == (
        _plain_scoped(patterns),
        _plain_levels(patterns, sec._MANAGING),
    )
    assert len(memo) <= len(patterns)
    other = frozenset({"Write", "Tagging"})
    level_memo = {**{f"x:{n}": () for n in range(65530)}, **{p: () for p in patterns[:5]}}
    monkeypatch.setitem(sec._AT_LEVELS, other, level_memo)
    assert sec._at_levels.__wrapped__(patterns, other) == _plain_levels(patterns, other)
    assert len(level_memo) <= len(patterns)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_ENTRIES), min_size=1, max_size=6), max_size=4))
def test_entry_answers_kept_for_later_lists(lists: list[list[str]]) -> None:
    """Each entry is answered once, by the first list that holds it; the lists after it that
    hold it too are answered as the plain filters say."""
    sec._ENTRY_ANSWERS.clear()
    for entries in lists:
        _check(tuple(entries))


def _corpus() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        found = parent / "shared" / "corpus" / "aws-managed"
        if found.is_dir():
            return found
    return None


def _action_lists(corpus: Path) -> Iterator[tuple[str, ...]]:
    for path in sorted(corpus.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        statements = document.get("Statement") if isinstance(document, dict) else None
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements if isinstance(statements, list) else []:
            actions = statement.get("Action") if isinstance(statement, dict) else None
            if isinstance(actions, str):
                actions = [actions]
            if isinstance(actions, list) and all(isinstance(a, str) for a in actions):
                yield tuple(actions)


@pytest.mark.skipif(_corpus() is None, reason="../shared/corpus/aws-managed is absent")
def test_managed_corpus_lists() -> None:
    corpus = _corpus()
    assert corpus is not None
    for patterns in dict.fromkeys(_action_lists(corpus)):
        _check(patterns)


# --- PS202, PS203, PS205: statements passed over on their model's tuples ---------------------

_ACTIONS = [
    "*",
    "s3:*",
    "IAM:*",
    "logs:*",
    "CloudWatch:*",
    "a:b:*",
    ":*",
    "*:*",
    "s3:Get*",
    "ec2:Describe*",
    "s3:GetObject",
    "kms:*",
    "sts:AssumeRole",
    "s\u00e9:*",
    "s3:G\u00e9t*",
    "s3:*\n",
    "s3\n:*",
    "S3:getobject",
    "s3:PutObject",
    "s3:GetObjectVersion",
    "iam:CreateAccessKey",
    "ecr:GetAuthorizationToken",
    "iam:*AccessKey",
    "sts:AssumeRole*",
    "iam:PassRole",
    "IAM:pass*",
    "iam:CreateServiceLinkedRole",
    "s3:PutBucketPolicy",
    "EC2:modify*",
    "sts:*",
]
_RESOURCES = [
    "*",
    "**",
    "arn:aws:s3:::*",
    "arn:aws:s3:::b/*",
    "arn:*:*:*:*:*",
    "arn:aws:iam::*:role/*",
    "arn:aws:iam::123456789012:role/*",
    "arn:aws:kms:eu-west-1:123456789012:key/*",
    "arn:aws:iam::*:user/${aws:username}",
]
_CONDITIONS: list[dict[str, Any]] = [
    {},
    {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    {"StringEquals": {"aws:ResourceAccount": "123456789012"}},
    {"StringEquals": {"ec2:ResourceTag/env": "prod"}},
    {"StringNotEquals": {"aws:ResourceTag/team": "x"}},
    {
        "ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:t"},
        "StringEquals": {"aws:SourceAccount": "222222222222"},
    },
    {
        "ArnEquals": {"AWS:PrincipalArn": ["arn:aws:iam::111111111111:role/r", "arn:*"]},
        "StringEquals": {"aws:principalaccount": "222222222222"},
    },
    {"ArnLike": {"aws:SourceArn": "arn:*"}, "StringLike": {"aws:SourceAccount": "1*"}},
    {"StringEquals": {"aws:SourceAccount": "222222222222"}},
    {"StringLike": {"aws:UserAgent": "x*"}},
    {"StringEquals": {"aws:userid": "${aws:userid}", "aws:UserAgent": "x"}},
    {"ArnLike": {"aws:PrincipalArn": "arn:aws:*"}},
    {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}},
    {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "*"}},
    {"StringLike": {"aws:RequestTag/cost": ["**", "x"]}, "StringNotLike": {"aws:TagKeys": "*"}},
    {"ArnNotLikeIfExists": {"aws:SourceArn": "*"}, "StringLike": {"s3:prefix": ["", "a*"]}},
    {"ForAnyValue:StringNotLike": {"aws:RequestTag/x": "*"}},
]


@st.composite
def _statement(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=5))
    out["NotAction" if draw(st.integers(0, 9)) == 0 else "Action"] = (
        actions[0] if len(actions) == 1 and draw(st.booleans()) else actions
    )
    resources = draw(st.lists(st.sampled_from(_RESOURCES), min_size=1, max_size=3))
    out["NotResource" if draw(st.integers(0, 9)) == 0 else "Resource"] = resources
    if draw(st.booleans()):
        out["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}
    condition: dict[str, Any] = {}
    for chosen in draw(st.lists(st.sampled_from(_CONDITIONS), max_size=2)):
        for operator, block in chosen.items():
            condition.setdefault(operator, {}).update(block)
    if condition:
        out["Condition"] = condition
    return out


_DOCUMENTS = st.lists(_statement(), min_size=1, max_size=4).map(
    lambda statements: {"Version": "2012-10-17", "Statement": statements}
)


def _ps202_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, _model in sec.allows(ctx):
        for value in element_values(view, "Action"):
            if value.text == "*":
                yield ctx.at_node(
                    value.node,
                    "Allow of every action of every service",
                    pointer=value.pointer,
                    statement=view.index,
                    severity=sec.ceiling(ctx, Severity.SECURITY),
                )


def _ps203_slow(ctx: LintContext) -> Iterator[Issue]:
    if sec._is_kms_key_policy(ctx):
        return
    for view, _model in sec.allows(ctx):
        abac = sec._abac_bound(view)
        for value in element_values(view, "Action"):
            prefix, sep, name = value.text.partition(":")
            if not sep or name != "*" or prefix.lower() in sec.LOW_RISK_SERVICES:
                continue
            severity = Severity.WARNING if abac else None
            yield ctx.at_node(
                value.node,
                f"Allow of every {prefix} action"
                + (" (bound by ABAC tag conditions)" if abac else ""),
                pointer=value.pointer,
                statement=view.index,
                severity=sec.ceiling(ctx, severity or Severity.SECURITY),
            )


def _ps205_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, model in sec.allows(ctx):
        if model.action is None:
            continue
        severity = Severity.WARNING if sec._resource_bound(view) else Severity.SECURITY
        for value in element_values(view, "Resource"):
            if value.text != "*" and sec.effectively_star(value.text):
                yield ctx.at_node(
                    value.node,
                    f"{value.text!r} matches every such resource in every account",
                    pointer=value.pointer,
                    statement=view.index,
                    severity=sec.ceiling(ctx, severity),
                )


def _ps414_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, statement in ctx.valid_statements():
        if not statement.is_allow or not statement.condition:
            continue
        if statement_is_public(statement):
            if exp._kms_narrowed(statement) or ctx.kind is not PolicyKind.RESOURCE:
                continue
            yield exp._at(
                ctx, view, "public despite its conditions: none restricts who calls", "Condition"
            )
            continue
        entries = view.conditions()
        for entry in entries:
            problem = _sham_restriction_slow(entry, alone=len(entries) == 1)
            if problem is not None:
                yield Issue(
                    problem,
                    entry.key_position,
                    entry.pointer,
                    view.index,
                    severity=Severity.WARNING,
                )


def _sham_restriction_slow(entry: Any, *, alone: bool) -> str | None:
    """`_sham_restriction` as first written: operator and values first, the key after."""
    op, texts, key = entry.op, entry.texts(), entry.key.lower()
    if op is None or op.negated or op.family is Family.NULL or not texts:
        return None
    if op.qualifier is Qualifier.FOR_ALL_VALUES:
        return None
    if key == "aws:useragent":
        if not alone:
            return None
        return f"{entry.key} is a header the caller sets: {entry.operator} on it restricts no one"
    if key not in RESTRICTING_KEYS:
        return None
    own = f"${{{key}}}"
    if any(t.lower() == own for t in texts):
        return (
            f"{entry.operator} compares {entry.key!r} with its own variable: true for every"
            " caller, it restricts no one"
        )
    if op.base in ("ArnLike", "ArnEquals"):
        for text in texts:
            if exp._matches_everything(text) and len(text.split(":", 5)) < 6:
                return (
                    f"{entry.operator} {entry.key!r} {text!r} reads as 'any ARN' but is not a"
                    " six-part ARN pattern, and ARN operators compare six parts: it matches"
                    " every ARN or none, and restricts no one as intended"
                )
    if op.base in ("ArnLike", "ArnEquals", "StringLike") and any(
        exp._matches_everything(t) for t in texts
    ):
        return f"{entry.operator} {entry.key!r} pattern matches every value: it restricts no one"
    return None


def _ps425_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, statement in ctx.valid_statements():
        for arn_key, account_key in (
            ("aws:sourcearn", "aws:sourceaccount"),
            ("aws:principalarn", "aws:principalaccount"),
        ):
            problem = exp._contradiction(statement, arn_key, account_key)
            if problem:
                yield exp._at(ctx, view, f"condition can never match: {problem}", "Condition")


def _ps221_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, model in sec.allows(ctx):
        if model.action is None or "*" in model.action or not sec.broad(model):
            continue
        if sec._self_service(model):
            continue
        hits = [n for n in sec._CREDENTIAL_NAMES.names if grants_action(model, n)]
        if not hits:
            continue
        severity = Severity.SECURITY
        if all(sec.CREDENTIAL_ACTIONS[h] is not None for h in hits):
            severity = Severity.SUGGESTION
        elif sec.constrained(view):
            severity = Severity.WARNING
        yield ctx.at_statement(
            view,
            f"credentials-returning actions on any resource: {', '.join(sec._canonical(hits))}",
            key="Action",
            severity=sec.ceiling(ctx, severity),
        )


def _ps211_slow(ctx: LintContext) -> Iterator[Issue]:
    """PS211 without asking first whether the document names IAM (nor PS212, PS225 below)."""
    for view, model in sec.allows(ctx):
        if model.resource is None or not grants_action(model, "iam:passrole"):
            continue
        if model.action is not None and "*" in model.action and sec._star(model.resource):
            continue
        if not any(sec._role_wildcard(r) for r in model.resource):
            continue
        if sec._has_key(view, "iam:passedtoservice"):
            continue
        yield ctx.at_statement(
            view,
            "iam:PassRole on any role without an iam:PassedToService condition",
            key="Action" if model.action is not None else "NotAction",
            severity=sec.ceiling(ctx, Severity.SECURITY),
        )


def _ps212_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, model in sec.allows(ctx):
        if model.not_resource is not None and grants_action(model, "iam:passrole"):
            yield ctx.at_statement(
                view,
                "iam:PassRole on every role except the NotResource ones",
                key="NotResource",
                severity=sec.ceiling(ctx, Severity.SECURITY),
            )


def _ps225_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, model in sec.allows(ctx):
        if not grants_action(model, "iam:createservicelinkedrole") or not sec.broad(model):
            continue
        if model.action is not None and "*" in model.action:
            continue
        if sec._has_key(view, "iam:awsservicename"):
            continue
        yield ctx.at_statement(
            view,
            "iam:CreateServiceLinkedRole for any service; pin iam:AWSServiceName",
            severity=sec.ceiling(ctx, Severity.WARNING, Severity.WARNING),
        )


def _ps222_slow(ctx: LintContext) -> Iterator[Issue]:
    """PS222 without asking first whether the document names the services of its actions."""
    for view, model in sec.broad_action_allows(ctx):
        hits = sec._matching(model, sec.exfiltration_actions())
        if not hits:
            continue
        severity = Severity.WARNING if sec.constrained(view) else Severity.SECURITY
        yield ctx.at_statement(
            view,
            f"data-reading actions on any resource: {listed(sec._canonical(hits))}",
            key="Action",
            severity=sec.ceiling(ctx, severity),
        )


def _ps228_slow(ctx: LintContext) -> Iterator[Issue]:
    """PS228 without asking first whether the document names STS (nor PS424 below, its
    services)."""
    for view, model in sec.allows(ctx):
        if model.action is None or "*" in model.action or model.resource is None:
            continue
        if not sec._matching(model, sec._ASSUME_ROLE):
            continue
        wide = [r for r in model.resource if r.strip("*") == "" or sec._any_account_role(r)]
        if wide:
            yield ctx.at_statement(
                view,
                f"sts:AssumeRole on {wide[0]!r}: any role whose trust admits this account",
                key="Resource",
                severity=sec.ceiling(ctx, Severity.SECURITY),
            )


def _ps424_slow(ctx: LintContext) -> Iterator[Issue]:
    for view, statement in ctx.valid_statements():
        if not statement.is_allow or not exp._unconstrained(statement):
            continue
        hits = granted_names(statement, exp._EXPOSURE_NAMES)
        if hits:
            more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
            yield exp._at(ctx, view, f"{hits[0]}{more} on every resource, unconditioned", "Action")


def _ps226_slow(ctx: LintContext) -> Iterator[Issue]:
    denies = [(v, m) for v, m in ctx.valid_statements() if not m.is_allow and m.action]
    allowed = tuple(p for _v, m in sec.allows(ctx) for p in (m.action or ()))
    if not denies or not allowed:
        return
    allow_patterns = ActionPatterns(allowed)
    for view, model in denies:
        for value in element_values(view, "Action"):
            info = sec.known_action(value.text)
            if info is None:
                continue
            stem = info.name.lower()
            siblings = [
                a.full_name
                for a in get_catalog().actions(info.service)
                if a.name.lower().startswith(stem)
                and sec._variant(a.name[len(stem) :])
                and not ActionPatterns(model.action).matches(a.full_name)
                and allow_patterns.matches(a.full_name)
            ]
            if siblings:
                yield ctx.at_node(
                    value.node,
                    f"denies {info.full_name} but the policy still allows"
                    f" {', '.join(siblings[:3])}{' ...' if len(siblings) > 3 else ''}",
                    pointer=value.pointer,
                    statement=view.index,
                    hint=f"deny {info.full_name}*",
                )


def test_catalog_names_sorted_lower_cased() -> None:
    """What lets PS226 take a stem's siblings as the range `expand` finds by bisection: every
    service's actions are in the order of their lower-cased names."""
    catalog = get_catalog()
    for service in catalog.service_prefixes():
        names = [a.name.lower() for a in catalog.actions(service)]
        assert names == sorted(names), service


def _wildcard_tests_slow(ctx: LintContext, meaning: Any) -> Iterator[tuple[Any, str]]:
    """`analyzer._wildcard_tests` as first written: every entry walked for each rule."""
    for view in ctx.statements:
        for cond in conditions(view):
            stars = [set(t) == {"*"} for t in cond.texts if t]
            if not any(stars) or ana.wildcard_meaning(cond.op) != meaning:
                continue
            if cond.op.qualifier is None and get_catalog().is_multivalued(cond.key):
                continue
            others = [t for t in cond.texts if not (t and set(t) == {"*"})]
            note = f"; the other values ({', '.join(others)}) add nothing" if others else ""
            yield cond, note


def _analyzer_slow(meaning: Any) -> Callable[[LintContext], Iterator[Any]]:
    def slow(ctx: LintContext) -> Iterator[Any]:
        return ((c.key, c.op_name, note) for c, note in _wildcard_tests_slow(ctx, meaning))

    return slow


def _analyzer_fast(meaning: Any) -> Callable[[LintContext], Iterator[Any]]:
    def fast(ctx: LintContext) -> Iterator[Any]:
        return ((c.key, c.op_name, note) for c, note in ana._wildcard_tests(ctx, meaning))

    return fast


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_star_tests_found_once_as_the_walk_per_rule(document: dict[str, Any]) -> None:
    text = json.dumps(document)
    ctx = LintContext.build("p.json", parse_source(text, "p.json"), PolicyKind.IDENTITY)
    for meaning in ana.WildcardMeaning:
        fresh = LintContext.build("p.json", parse_source(text, "p.json"), PolicyKind.IDENTITY)
        assert list(_analyzer_fast(meaning)(ctx)) == list(_analyzer_slow(meaning)(fresh))


_SLOW = {
    "PS211": _ps211_slow,
    "PS212": _ps212_slow,
    "PS225": _ps225_slow,
    "PS226": _ps226_slow,
    "PS228": _ps228_slow,
    "PS424": _ps424_slow,
    "PS221": _ps221_slow,
    "PS222": _ps222_slow,
    "PS202": _ps202_slow,
    "PS203": _ps203_slow,
    "PS205": _ps205_slow,
    "PS414": _ps414_slow,
    "PS425": _ps425_slow,
}


def _same_findings(make: Callable[[], LintContext]) -> None:
    rules = all_rules()
    for rule_id, slow in _SLOW.items():
        assert list(rules[rule_id].check(make())) == list(slow(make())), rule_id


@settings(max_examples=400, deadline=None)
@given(
    _DOCUMENTS,
    st.sampled_from([PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST]),
)
def test_passed_over_statements_report_as_the_plain_walk(
    document: dict[str, Any], kind: PolicyKind
) -> None:
    text = json.dumps(document)
    _same_findings(lambda: LintContext.build("p.json", parse_source(text, "p.json"), kind))


def test_service_wildcards_as_the_entries_say() -> None:
    for size in range(3):
        for entries in itertools.product(_ACTIONS, repeat=size):
            expected = any(e.partition(":")[2] == "*" for e in entries)
            assert ActionPatterns(entries).service_wildcards is expected, entries


def _documents() -> Iterator[str]:
    """Every file the report-diff check lints: the test data, fixtures and examples (and the
    managed corpus when at hand)."""
    root = Path(__file__).resolve().parents[2]
    places = [root / "tests" / "lint" / "data", root / "fixtures", root / "examples"]
    corpus = _corpus()
    if corpus is not None:
        places.append(corpus)
    for place in places:
        for path in sorted(place.rglob("*")):
            if path.suffix in (".json", ".yaml", ".yml", ".tf") and path.is_file():
                yield str(path)


def test_passed_over_statements_on_real_documents() -> None:
    for path in _documents():
        for target in load_path(path).targets:
            kind = target.kind or detect_kind(target.root.to_plain())[0]

            def make(target: Any = target, kind: PolicyKind = kind) -> LintContext:
                return LintContext.build(
                    target.file, target.root, kind, target.service, LintSettings()
                )

            _same_findings(make)


# --- ActionPatterns: lists too long to search as one text --------------------------------------

# As in test_action_matching: line breaks, a capital sigma and the Kelvin sign reach the edges
# of the one-text path.
_PREFIX = st.sampled_from(["s3", "S3", "iam", "ec2", "", "s*", "\u212a", "k", "s3\niam"])
_ENTRY = st.one_of(
    st.just("*"),
    st.builds(
        lambda p, n: f"{p}:{n}",
        _PREFIX,
        st.text(alphabet="GetObjcPutR*?k\n\u03a3\u212a", max_size=6),
    ),
    st.text(alphabet="s3:Get*\n", max_size=5),
)
_REQUEST = st.builds(
    lambda p, n: f"{p}:{n}", _PREFIX, st.text(alphabet="GetObjcPutRk\n:\u03a3\u212a", max_size=6)
)
_FILLER = tuple(f"filler{n % 7}:Action{n}" for n in range(120))
"""ASCII entries enough to take any list past `_SEARCH_LIMIT` (and entries of other services)."""


@given(
    patterns=st.lists(_ENTRY, max_size=6),
    actions=st.lists(_REQUEST, max_size=6),
    at=st.integers(0, len(_FILLER)),
)
def test_long_lists_agree_with_the_engine(patterns: list[str], actions: list[str], at: int) -> None:
    entries = (*_FILLER[:at], *patterns, *_FILLER[at:])
    assert len("\n".join(entries)) > _SEARCH_LIMIT
    matcher = ActionPatterns(entries)
    for action in [*actions, *patterns, "filler3:Action10", "filler3:action17", "Filler1:*"]:
        expected = any(compile_action_pattern(p)(action) for p in entries)
        assert matcher.matches(action) is expected, action


@given(patterns=st.lists(_ENTRY, min_size=1, max_size=8), asked=_PREFIX)
def test_line_names_are_the_grouped_names(patterns: list[str], asked: str) -> None:
    """A service's entries read off the one text are the entries grouped by prefix."""
    matcher = ActionPatterns(tuple(patterns))
    text = matcher._text
    if text is None:
        return  # no one text: the grouping is used
    grouped = matcher._by_prefix()
    for prefix in [*grouped, asked.lower()]:
        if "\n" not in prefix:
            assert _line_names(text, f"\n{prefix}:") == grouped.get(prefix), prefix


def _unconstrained_slow(statement: Any) -> bool:
    """PS424's scope test as first written."""
    if statement.condition:
        return False
    if statement.not_resource is not None:
        return "*" not in statement.not_resource
    return any(r == "*" or r.endswith(":*") for r in statement.resource or ())


_SCOPES = ["*", "**", ":*", "a:*", "arn:aws:s3:::*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "", "*:"]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.none(), st.lists(st.sampled_from(_SCOPES), max_size=3).map(tuple)),
    st.one_of(st.none(), st.lists(st.sampled_from(_SCOPES), max_size=3).map(tuple)),
    st.sampled_from([{}, {"StringEquals": {"aws:a": ["b"]}}]),
)
def test_ps424_scope_test_equals_the_first_written_one(
    resource: tuple[str, ...] | None,
    not_resource: tuple[str, ...] | None,
    condition: dict[str, Any],
) -> None:
    statement = SimpleNamespace(resource=resource, not_resource=not_resource, condition=condition)
    assert exp._unconstrained(statement) == _unconstrained_slow(statement)  # type: ignore[arg-type]

"""The PS3xx shortcuts answer what the plain walk over every method path answers.

`_open_paths` skips, per document, the paths needing a service no Allow statement names;
PS331 asks only the Allow statements that grant a writer. Both are compared here with the
slow path on generated documents: every path tried, every statement walked."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.lint.context import Issue, LintContext, action_patterns, grants_action
from policysim.lint.inputs import load_path
from policysim.lint.policy_type import PolicyKind
from policysim.lint.registry import all_rules
from policysim.lint.rules import escalation as esc
from policysim.policy.source import parse_source

ACCT = "arn:aws:iam::123456789012"
_ACTIONS = sorted(
    {need.action for paths in esc._METHODS.values() for path in paths for need in path.needs}
    | set(esc._POLICY_WRITERS)
    | {"iam:*", "iam:Pass*", "s3:*", "kms:*", "lambda:*", "ec2:Run*", "sts:Assume*", "*"}
    | {"s3:GetObject", "ec2:DescribeInstances", "scheduler:CreateSchedule", "IAM:passrole"}
    | {"scheduler:*", "ecs:*", "events:PutTargets", "states:CreateStateMachine"}
)
_RESOURCES = [
    "*",
    f"{ACCT}:role/*",
    f"{ACCT}:role/app",
    f"{ACCT}:user/${{aws:username}}",
    f"{ACCT}:policy/*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::*",
    "arn:aws:kms:eu-west-1:123456789012:key/*",
]
_CONDITIONS = [
    {},
    {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
    {"StringEquals": {"iam:PassedToService": ["scheduler.amazonaws.com", "ecs.amazonaws.com"]}},
    {"StringLike": {"iam:PassedToService": "*.amazonaws.com"}},
    {"StringEquals": {"aws:ResourceTag/team": "x"}},
    {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
    {"Bool": {"kms:GrantIsForAWSResource": "true"}},
]


@st.composite
def _statement(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=5))
    out["NotAction" if draw(st.integers(0, 9)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(_RESOURCES), min_size=1, max_size=3))
    out["NotResource" if draw(st.integers(0, 9)) == 0 else "Resource"] = resources
    condition = draw(st.sampled_from(_CONDITIONS))
    if condition:
        out["Condition"] = condition
    return out


_DOCUMENTS = st.lists(_statement(), min_size=1, max_size=4).map(
    lambda statements: {"Version": "2012-10-17", "Statement": statements}
)


def _context(document: dict[str, Any]) -> LintContext:
    root = parse_source(json.dumps(document), "p.json")
    return LintContext.build("p.json", root, PolicyKind.IDENTITY)


def _title(rule_id: str) -> str:
    return all_rules()[rule_id].title


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_open_paths_equal_every_path(document: dict[str, Any]) -> None:
    rules = all_rules()
    fast, slow = _context(document), _context(document)
    for rule_id, paths in esc._METHODS.items():
        title = "sts:AssumeRole on every role" if rule_id == "PS332" else _title(rule_id)
        assert list(rules[rule_id].check(fast)) == list(esc._report(slow, title, paths)), rule_id


def _ps331_slow(ctx: LintContext) -> Iterator[Issue]:
    """PS331 as first written: every writer, every statement."""
    statements = ctx.valid_statements()
    denies = [s for _, s in statements if not s.is_allow and esc._unconditional(s)]
    for writer in esc._POLICY_WRITERS:
        service = writer.split(":", 1)[0]
        if any(esc._full_service(s, service) for _, s in statements):
            continue
        need = esc.Need(writer)
        for view, statement in statements:
            if esc._grant_any_scope(statement, need) and not any(
                esc._cancels(deny, statement, writer) for deny in denies
            ):
                yield ctx.at_statement(
                    view,
                    f"{writer} lets the caller grant itself more access through the resource"
                    f" policy (statement {esc._label(view)})",
                    key="Action" if "Action" in view.items else None,
                )
                break


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_ps331_equals_the_walk_over_every_statement(document: dict[str, Any]) -> None:
    fast = list(all_rules()["PS331"].check(_context(document)))
    assert fast == list(_ps331_slow(_context(document)))


_allow = {"Effect": "Allow", "Action": "*", "Resource": "*"}
_PASSED_TO_SCHEDULER: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
        {"Effect": "Allow", "Action": ["scheduler:*", "ecs:*", "events:*"], "Resource": "*"},
    ],
}


@settings(max_examples=200, deadline=None)
@given(_DOCUMENTS)
@example(_PASSED_TO_SCHEDULER)
@example({**_PASSED_TO_SCHEDULER, "Statement": [_PASSED_TO_SCHEDULER["Statement"][0], _allow]})
def test_ps328_reachable_sinks_equal_every_sink(document: dict[str, Any]) -> None:
    """The sinks of the services the Allow statements name are every sink (the explicit
    examples pass a role to scheduler only, and grant sinks of other services too)."""
    fast = list(all_rules()["PS328"].check(_context(document)))
    ctx = _context(document)
    slow: list[Issue] = []
    if esc._granting(ctx, "iam:PassRole"):
        services = get_catalog().service_prefixes() | {
            a.partition(":")[0].lower() for a in esc._FALLBACK_SINKS
        }
        for sink, paths in sorted(
            (m for service in services for m in esc._service_sinks(service)), key=lambda m: m[0]
        ):
            slow.extend(esc._report(ctx, f"{sink} runs with a passed role", paths))
    assert fast == slow


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_allow_index_equals_the_walk_over_every_allow(document: dict[str, Any]) -> None:
    """`_allow_index` lists, per service asked about, the Allow statements whose Action names
    it (or every service) in document order, and its reach is the union of their prefixes:
    `_granting` is every Allow statement granting the action, and `_allowed_prefixes` None
    exactly when some Allow reaches every service."""
    ctx = _context(document)
    allows = [(v, s) for v, s in ctx.valid_statements() if s.is_allow]
    for action in _ACTIONS:
        plain = [(v, s) for v, s in allows if grants_action(s, action)]
        assert esc._granting(ctx, action) == plain, action
        service = action.partition(":")[0].lower()
        assert esc._allow_index(ctx).candidates(service) == [
            (v, s)
            for v, s in allows
            if s.action is None
            or action_patterns(s.action).prefixes is None
            or service in (action_patterns(s.action).prefixes or ())
        ]
    everywhere = any(s.action is None or "*" in s.action for _v, s in allows)
    named = {p.partition(":")[0].lower() for _v, s in allows for p in s.action or ()}
    assert esc._allowed_prefixes(ctx) == (None if everywhere else frozenset(named))


def test_writer_services_are_the_lower_case_prefixes_of_the_writers() -> None:
    """PS331 returns at once when the document's Allow prefixes (lower-case) miss every
    writer's service: that needs the services spelt as `_allowed_prefixes` spells them."""
    lowered = {w.partition(":")[0].lower() for w in esc._POLICY_WRITERS}
    assert lowered == esc._WRITER_SERVICES
    assert [w for w, _s in esc._WRITERS] == list(esc._POLICY_WRITERS)


def test_need_hash_is_the_fields_hash() -> None:
    """`Need` keeps its hash, worked out once; equal needs (built apart) hash alike, and the
    hash is the generated one's: that of the compared fields."""
    needs = {n for paths in esc._METHODS.values() for path in paths for n in path.needs}
    needs |= {
        n
        for s in ("lambda", "ec2", "scheduler")
        for _sink, p in esc._service_sinks(s)
        for n in p[0].needs
    }
    for need in needs:
        twin = esc.Need(need.action, need.passed_to, need.others_only, need.broad_only)
        assert twin == need and hash(twin) == hash(need)
        assert hash(need) == hash((need.action, need.passed_to, need.others_only, need.broad_only))
    assert esc.Need("iam:PassRole") != esc.Need("iam:PassRole", broad_only=True)


def _service_sinks_slow(service: str, catalog: Any = None) -> list[str]:
    """PS328's sink actions of one service as first written: every action read."""
    sinks = {a.lower(): a for a in esc._FALLBACK_SINKS if a.partition(":")[0].lower() == service}
    for info in (catalog or get_catalog()).actions(service):
        deps = [*info.dependent_actions]
        for rt in info.resource_types:
            deps.extend(rt.dependent_actions)
        if any(d.lower() == "iam:passrole" for d in deps):
            sinks.setdefault(info.full_name.lower(), info.full_name)
    return sorted(v for k, v in sinks.items() if k not in esc._curated_actions())


def test_service_sinks_equal_the_read_of_every_action() -> None:
    """`_service_sinks` reads a service's actions only when `_some_dependent` says one may
    name a dependent action: its sinks are those of the plain read, for every service."""
    services = get_catalog().service_prefixes() | {
        a.partition(":")[0].lower() for a in esc._FALLBACK_SINKS
    }
    for service in sorted(services):
        sinks = esc._service_sinks.__wrapped__(service)
        assert [sink for sink, _paths in sinks] == _service_sinks_slow(service), service


def test_service_sinks_read_when_the_catalog_lists_dependents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a catalog whose records name `iam:PassRole` as a dependent action (of an action,
    or of a resource type), those actions are sinks, as the plain read finds them."""
    catalog = get_catalog()
    real = catalog.actions("scheduler")
    typed = next(a for a in real if a.resource_types and a.name.startswith("Tag"))
    rt = dataclasses.replace(typed.resource_types[0], dependent_actions=("IAM:PassRole",))
    edited = {
        real[0].name: dataclasses.replace(real[0], dependent_actions=("iam:passrole",)),
        typed.name: dataclasses.replace(typed, resource_types=(rt, *typed.resource_types[1:])),
    }
    actions = tuple(edited.get(a.name, a) for a in real)
    fake = SimpleNamespace(actions=lambda service: actions if service == "scheduler" else ())
    monkeypatch.setattr(esc, "get_catalog", lambda: fake)
    sinks = [sink for sink, _paths in esc._service_sinks.__wrapped__("scheduler")]
    assert sinks == _service_sinks_slow("scheduler", fake)
    assert {real[0].full_name, typed.full_name} <= set(sinks)


def test_some_dependent_sees_every_place_a_dependent_is_listed() -> None:
    """`_some_dependent` is true when any action, or any resource type of one, lists a
    dependent action (whether or not it is `iam:PassRole`), and false when none does."""
    catalog = get_catalog()
    actions = catalog.actions("scheduler")
    assert actions and not esc._some_dependent(())
    plain = [
        a.dependent_actions or any(r.dependent_actions for r in a.resource_types) for a in actions
    ]
    assert esc._some_dependent(actions) == any(plain)
    first = actions[0]
    own = dataclasses.replace(first, dependent_actions=("iam:PassRole",))
    assert esc._some_dependent((*actions[1:], own))
    typed = next(a for a in catalog.all_actions() if a.resource_types)
    rt = dataclasses.replace(typed.resource_types[-1], dependent_actions=("s3:GetObject",))
    other = dataclasses.replace(typed, resource_types=(*typed.resource_types[:-1], rt))
    assert esc._some_dependent((first, other))
    bare = dataclasses.replace(typed, resource_types=(), dependent_actions=())
    assert not esc._some_dependent((bare,))


# --- _AllowIndex.excludes: the entries' reach, told at once -----------------------------------

_PREFIX = st.sampled_from(["s3", "S3", "iam", "IAM", "", "s*", "i?m", "\u212a", "k", "s3\niam"])
_ENTRY = st.one_of(
    st.just("*"),
    st.builds(
        lambda p, n: f"{p}:{n}",
        _PREFIX,
        st.text(alphabet="GetObjcPutR*?k:\n\u03a3\u212a", max_size=6),
    ),
    st.text(alphabet="s3:Get*?\n", max_size=5),
)
_NAME = st.builds(
    lambda p, n: f"{p}:{n}", _PREFIX, st.text(alphabet="GetObjcPutRk:\n\u03a3\u212a", max_size=6)
)


@settings(max_examples=500, deadline=None)
@given(patterns=st.lists(_ENTRY, max_size=6), names=st.lists(_NAME, max_size=6))
@example(patterns=["s3:Get?bject"], names=["S3:getObject"])
@example(patterns=["IAM:*", "s3:x"], names=["iam:PassRole"])
@example(patterns=["i?m:PassRole", "iam:Pass*"], names=["iam:passrole", "i?m:passrole"])
def test_reach_holds_every_name_an_entry_matches(patterns: list[str], names: list[str]) -> None:
    """`ActionPatterns.reach`: a name some entry matches (ASCII, no line break) is an entry,
    lower-cased, or its prefix is the prefix of an entry with a wildcard."""
    matcher = action_patterns(tuple(patterns))
    reach = matcher.reach()
    if reach is None:
        return
    exact, wild = reach
    for name in [*names, *patterns]:
        if name.isascii() and "\n" not in name and matcher.matches(name):
            lowered = name.lower()
            assert lowered in exact or lowered.partition(":")[0] in wild, (patterns, name)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ENTRY, min_size=1, max_size=4), min_size=1, max_size=3))
@example([["s3:x"], ["IAM:*"]])
@example([["iam:Pass?ole"]])
@example([["iam:GetRole", "s3:Get*"], ["iam:pASSrole"]])
def test_excluded_actions_are_granted_by_no_allow(lists: list[list[str]]) -> None:
    """`_granting` answers from `_AllowIndex.excludes` (nothing) only where no Allow statement
    grants the action, for odd entries (globs in the prefix, `?`, case, line breaks)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": a, "Resource": "*"} for a in lists],
    }
    ctx = _context(document)
    allows = [(v, s) for v, s in ctx.valid_statements() if s.is_allow]
    for action in [*_ACTIONS, *(p for a in lists for p in a), "s3:GetObject", "S3:GETOBJECT"]:
        plain = [(v, s) for v, s in allows if grants_action(s, action)]
        assert esc._granting(ctx, action) == plain, action


def _corpus() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        found = parent / "shared" / "corpus" / "aws-managed"
        if found.is_dir():
            return found
    return None


@pytest.mark.skipif(_corpus() is None, reason="../shared/corpus/aws-managed is absent")
def test_granting_on_the_managed_corpus() -> None:
    """On every managed policy, `_granting` of each action the escalation rules ask about is
    every Allow statement that grants it."""
    corpus = _corpus()
    assert corpus is not None
    actions = sorted(
        set(_ACTIONS)
        | {sink for s in ("lambda", "ec2", "scheduler") for sink, _ in esc._service_sinks(s)}
    )
    for path in sorted(corpus.glob("*.json")):
        for target in load_path(str(path)).targets:
            ctx = LintContext.build(target.file, target.root, PolicyKind.IDENTITY)
            allows = [(v, s) for v, s in ctx.valid_statements() if s.is_allow]
            for action in actions:
                plain = [(v, s) for v, s in allows if grants_action(s, action)]
                assert esc._granting(ctx, action) == plain, (path, action)


@settings(max_examples=300, deadline=None)
@given(_DOCUMENTS)
def test_allows_service_when_some_allow_grants_an_action_of_it(document: dict[str, Any]) -> None:
    """`allows_service` is false only when no Allow statement grants any action of the
    service (PS211, PS212, PS225 return at once then)."""
    ctx = _context(document)
    allows = [s for _v, s in ctx.valid_statements() if s.is_allow]
    for action in [*_ACTIONS, "iam:CreateServiceLinkedRole", "IAM:PASSROLE", "sts:x"]:
        service = action.partition(":")[0].lower()
        if not esc.allows_service(ctx, frozenset({service, "nosuch"})):
            assert not any(grants_action(s, action) for s in allows), action


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_ENTRY, min_size=1, max_size=4), min_size=1, max_size=3))
@example([["iam:Create*", "sts:AssumeRole"], ["IAM:attachrolepolicy"]])
@example([["iam:CreateRole", "iam:AttachRolePolicy", "sts:AssumeRole"]])
def test_possible_actions_are_those_not_excluded(lists: list[list[str]]) -> None:
    """`_AllowIndex.possible` is the paths' actions `excludes` leaves, and the method rules
    report from the paths it keeps what they report from every path."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": a, "Resource": "*"} for a in lists],
    }
    index = esc._allow_index(_context(document))
    possible = index.possible()
    if possible is not None:
        assert possible == {a for a in esc._NEED_ACTIONS if not index.excludes(a)}
    test_open_paths_equal_every_path.hypothesis.inner_test(document)  # type: ignore[attr-defined]


@pytest.mark.skipif(_corpus() is None, reason="../shared/corpus/aws-managed is absent")
def test_open_paths_on_the_managed_corpus() -> None:
    """On every managed policy, each method rule reports from its open paths what it reports
    from every path."""
    corpus = _corpus()
    assert corpus is not None
    rules = all_rules()
    for path in sorted(corpus.glob("*.json")):
        for target in load_path(str(path)).targets:

            def make(target: Any = target) -> LintContext:
                return LintContext.build(target.file, target.root, PolicyKind.IDENTITY)

            fast, slow = make(), make()
            for rule_id, paths in esc._METHODS.items():
                title = "sts:AssumeRole on every role" if rule_id == "PS332" else _title(rule_id)
                got = list(rules[rule_id].check(fast))
                assert got == list(esc._report(slow, title, paths)), (path, rule_id)

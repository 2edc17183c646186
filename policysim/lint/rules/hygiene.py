"""PS5xx: suggestions and hygiene (no change in access, or dead and redundant parts)."""

from __future__ import annotations

import heapq
import ipaddress
import itertools
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from typing import Any

from policysim.catalog import get_catalog, is_multivalued_key
from policysim.lint.context import (
    ConditionEntry,
    Issue,
    LintContext,
    StatementView,
    known_operator,
)
from policysim.lint.facts import ActionEntry, flagged_actions
from policysim.lint.finding import Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.registry import example_policy as _doc
from policysim.lint.registry import rule
from policysim.lint.rules.security import SIGNED_REQUEST_KEYS, negated_star
from policysim.lint.rules.syntax import (
    entry_pointer,
    model_resources,
    string_entries,
    string_nodes,
)
from policysim.policy.action import action_prefix, split_action
from policysim.policy.arn import compile_arn_glob, parse_arn
from policysim.policy.literals import literal_error, parse_date, parse_number
from policysim.policy.model import Statement
from policysim.policy.operators import Family, Operator
from policysim.policy.source import Node
from policysim.policy.wildcard import compile_glob, has_wildcard, literal_prefix

_S = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


def _with_condition(condition: dict[str, Any]) -> dict[str, Any]:
    return _doc({**_S, "Condition": condition})


# --- located walkers --------------------------------------------------------------------------


def _at_key(view: StatementView, entry: ConditionEntry, message: str, **kw: Any) -> Issue:
    return Issue(message, entry.block.key_positions[entry.key], entry.pointer, view.index, **kw)


# --- coverage of patterns ---------------------------------------------------------------------


def action_covers(broad: str, narrow: str) -> bool:
    """Whether every action `narrow` matches is matched by `broad` (sound, not complete).

    `broad` may only use `*` (a `?` could be aligned with a `*` of `narrow`): then matching the
    text of `narrow` against `broad` proves coverage.
    """
    return _action_cover_test(broad)(narrow)


@lru_cache(maxsize=4096)
def _action_cover_test(broad: str) -> Callable[[str], bool]:
    """`action_covers` with `broad` fixed: PS503 compares each wildcard entry with every other
    entry of lists thousands long, so `broad` is split and compiled once, not per pair."""
    if broad == "*":
        return lambda narrow: True
    b = split_action(broad)
    if "?" in broad or b is None:
        return lambda narrow: False
    prefix, name_matches = b[0], compile_glob(b[1])

    def covers(narrow: str) -> bool:
        if narrow == "*":
            return False
        n = split_action(narrow)
        return n is not None and n[0] == prefix and name_matches(n[1])

    return covers


def resource_covers(broad: str, narrow: str) -> bool:
    """Whether every resource `narrow` matches is matched by `broad` (sound, not complete);
    an entry covers itself."""
    return _equal_or_covered_by_resource(broad)(narrow)


def _resource_group(text: str) -> str | None:
    """Likewise for ARNs: the service segment compares literally unless it has a wildcard."""
    if text == "*":
        return None
    parts = text.split(":", 3)
    if len(parts) < 4 or parts[0] != "arn":
        return ""
    return None if has_wildcard(parts[2]) else parts[2]


class _Coverage:
    """Entries of one Action or Resource list, indexed so that "which entries cover this
    text?" looks only at entries of the same service (plus those that reach every service).

    PS503-PS505 and PS517 ask this for every entry of lists thousands long; comparing with
    every entry made them quadratic.
    """

    __slots__ = ("_by_group", "_group", "_merged", "_test")

    def __init__(
        self,
        entries: list[tuple[int, str]],
        test: Callable[[str], Callable[[str], bool]],
        group: Callable[[str], str | None],
    ) -> None:
        self._group = group
        self._test = test
        self._by_group: dict[str | None, list[tuple[int, str]]] = {}
        """Entries by group; `None` holds those that reach every group (`*`)."""
        for index, text in entries:
            self._by_group.setdefault(group(text), []).append((index, text))
        self._merged: dict[str | None, list[tuple[int, str, Callable[[str], bool]]]] = {}

    def candidates(self, text: str) -> list[tuple[int, str, Callable[[str], bool]]]:
        """(index, entry, equal-or-covers test) of the entries that may cover `text`, in list
        order. Tests are made per group on first demand: a comparison usually settles on the
        first entry asked about, so most groups never need theirs."""
        where = self._group(text)
        found = self._merged.get(where)
        if found is None:
            if where is None:
                entries = [e for bucket in self._by_group.values() for e in bucket]
            else:
                entries = self._by_group.get(where, []) + self._by_group.get(None, [])
            found = [(index, entry, self._test(entry)) for index, entry in sorted(entries)]
            self._merged[where] = found
        return found

    def covers(self, text: str) -> bool:
        """Whether some entry equals or covers `text`."""
        return any(test(text) for _, _, test in self.candidates(text))


@lru_cache(maxsize=1024)
def _action_coverage(patterns: tuple[str, ...]) -> _Coverage:
    return _Coverage(list(enumerate(patterns)), _equal_or_covered_by_action, action_prefix)


@lru_cache(maxsize=1024)
def _resource_coverage(patterns: tuple[str, ...]) -> _Coverage:
    return _Coverage(list(enumerate(patterns)), _equal_or_covered_by_resource, _resource_group)


def _covered(patterns: tuple[str, ...], by: _Coverage) -> bool:
    return all(by.covers(p) for p in patterns)


# --- PS501 - PS517 ----------------------------------------------------------------------------


def _empty_condition_note(op: Operator | None) -> str:
    if op is None:
        return "it never matches"
    if op.qualifier is not None and op.qualifier.value == "ForAllValues":
        return "with ForAllValues an empty list matches only requests without the key"
    if op.if_exists:
        return "with IfExists it matches only when the key is absent"
    if op.qualifier is not None:
        return "with ForAnyValue it never matches"
    return "it never matches"


@rule(
    "PS501",
    Severity.SUGGESTION,
    "Empty container",
    example=_with_condition({"StringEquals": {}}),
    near_miss=_doc(_S),
)
def empty_container(ctx: LintContext) -> Iterator[Issue]:
    """Empty `Action`, `Resource`, `Principal`, `Condition`, operator blocks or value lists are
    either rejected or match nothing; say what was meant."""
    for view in ctx.statements:
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            node = view.items.get(key)
            if node is not None and node.kind == "array" and not node.value:
                yield ctx.at_statement(view, f"{key} is an empty list: it matches nothing", key=key)
        for key in ("Principal", "NotPrincipal"):
            node = view.items.get(key)
            if node is None or node.kind != "object":
                continue
            if not node.value:
                yield ctx.at_statement(view, f"{key} is an empty object", key=key)
            for name, value in node.value.items():
                if value.kind == "array" and not value.value:
                    yield Issue(
                        f"{key}.{name} is an empty list",
                        node.key_positions[name],
                        f"{view.pointer}/{key}/{name}",
                        view.index,
                    )
        cond = view.items.get("Condition")
        if cond is None or cond.kind != "object":
            continue
        if not cond.value:
            yield ctx.at_statement(view, "Condition is an empty object", key="Condition")
        for op, block in cond.value.items():
            if block.kind == "object" and not block.value:
                yield Issue(
                    f"operator {op!r} has no condition keys",
                    cond.key_positions[op],
                    f"{view.pointer}/Condition/{op}",
                    view.index,
                )
        for entry in view.conditions():
            if entry.node.kind == "array" and not entry.node.value:
                yield _at_key(
                    view,
                    entry,
                    f"{entry.operator} on {entry.key!r} has an empty value list:"
                    f" {_empty_condition_note(entry.op)}",
                )


@rule(
    "PS502",
    Severity.SUGGESTION,
    "Empty Sid",
    example=_doc({"Sid": "", **_S}),
    near_miss=_doc(_S),
)
def empty_sid(ctx: LintContext) -> Iterator[Issue]:
    """An empty `Sid` identifies nothing; drop it or name the statement."""
    for view in ctx.statements:
        node = view.items.get("Sid")
        if node is not None and node.kind == "string" and node.value == "":
            yield ctx.at_statement(view, "Sid is empty", key="Sid")


def _redundant_entries(
    ctx: LintContext,
    view: StatementView,
    key: str,
    node: Node,
    texts: Sequence[str],
    covered_by: Callable[[str], Callable[[str], bool]],
    what: str,
    fold: bool,
    index_key: Callable[[str], str] | None,
) -> Iterator[Issue]:
    """Entries of the list `node` (its strings: `texts`) equal to an earlier one (case-folded
    with `fold`: actions), or matched by a wildcard entry of the same list.

    Only a duplicate or a wildcard can cover an entry (callers pass over lists with neither,
    `_may_repeat`), and each entry is tested only against the wildcards filed under a prefix of
    its `index_key` (None: the folded text itself; `_WildcardIndex`): linear in practice even
    for policies that list thousands of actions.
    """
    normalized = list(map(str.lower, texts)) if fold else texts
    earlier: dict[int, int] = {}  # duplicate -> the first equal entry
    if len(set(normalized)) != len(texts):
        first: dict[str, int] = {}
        for i, value in enumerate(normalized):
            earlier[i] = first.setdefault(value, i)
        earlier = {i: j for i, j in earlier.items() if i != j}
    keys = normalized if index_key is None else list(map(index_key, texts))
    wildcards = _WildcardIndex(
        [(j, text, keys[j]) for j, text in enumerate(texts) if "*" in text or "?" in text]
    )
    todo = wildcards.with_candidates(keys)  # the rest have no candidate
    positions: list[int] | None = None  # of the string entries in the list, when one is reported
    for i in sorted(todo.union(earlier)):
        text = texts[i]
        if i in earlier:
            other: str | None = texts[earlier[i]]
        else:
            other = _first_cover(wildcards.candidates(keys[i]), covered_by, i, text)
        if other is not None:
            if positions is None:
                positions = [n for n, child in enumerate(node.value) if child.kind == "string"]
            yield ctx.at_node(
                node.value[positions[i]],
                f"{what} {text!r} is already covered by {other!r}",
                pointer=f"{view.pointer}/{key}/{positions[i]}",
                statement=view.index,
            )


def _may_repeat(texts: Sequence[str], fold: bool) -> bool:
    """Whether some entry of a list may cover another: it has a wildcard, or two entries are
    equal (case-folded with `fold`). False for most lists, decided in C."""
    joined = "".join(texts)
    if "*" in joined or "?" in joined:
        return True
    return len(set(map(str.lower, texts) if fold else texts)) != len(texts)


_LIST_FIELDS = {
    "Action": "action",
    "NotAction": "not_action",
    "Resource": "resource",
    "NotResource": "not_resource",
}


def _strings_of(view: StatementView, key: str, node: Node) -> Sequence[str]:
    """The strings of the array `node`, the statement's element `key`. A statement with a model
    has them already: its model holds exactly the entries of each list element, all of them
    strings (or there would be no model), in order; only the others are read off the nodes."""
    if view.model is not None:
        texts: tuple[str, ...] = getattr(view.model, _LIST_FIELDS[key])
        return texts
    return [child.value for child in node.value if child.kind == "string"]


FEW_WILDCARDS = 8
"""Lists with at most this many wildcard entries are searched one wildcard after another:
cheaper than indexing them (most lists hold one to four)."""


class _WildcardIndex:
    """The wildcard entries of one Action or Resource list, filed under the literal prefix
    (the text before the first wildcard) of their index key: for actions the lower-cased
    text, for resources the text after the fifth colon (`_resource_part`).

    An entry equals or covers only texts whose key starts with its prefix:
    `_action_cover_test` compares the service literally and matches the name against a glob
    anchored at its start; `_equal_or_covered_by_resource` tests the resource part's prefix
    itself (and an entry that is not an ARN or holds `?` or `${` covers only its equal). So
    the entries worth testing against a text are found under the prefixes of its own key, one
    look-up per prefix length, rather than by testing every wildcard of the list (PS503 and
    PS504 ask for every entry; a list with `FEW_WILDCARDS` or fewer is scanned instead).
    Resource parts are the sharper key: `arn:aws:ec2:*:*:...` entries share their literal
    prefix, not `instance/` against `volume/`.

    For actions the cover test folds service and name apart (`split_action`) while the key is
    the whole text lower-cased. Python lower-cases every character alone except a capital
    sigma (final or not depends on its neighbours, the `:` included), so the two agree on
    ASCII prefixes; an entry whose key is not ASCII is filed under the empty prefix (a
    candidate for every text).
    """

    __slots__ = ("_by_prefix", "_few", "_lengths", "_minimal", "prefixes")

    def __init__(self, wildcards: list[tuple[int, str, str]]) -> None:
        """`wildcards`: (index in the list, entry, its key) in list order."""
        filed = [
            (literal_prefix(key) if key.isascii() else "", j, text) for j, text, key in wildcards
        ]
        self.prefixes = tuple(dict.fromkeys([prefix for prefix, _, _ in filed]))
        """Every prefix: a key that starts with none has no candidate (one test, in C)."""
        self._few = filed if len(filed) <= FEW_WILDCARDS else None
        """(prefix, index, entry) of each wildcard, when there are too few to index."""
        self._by_prefix: dict[str, list[tuple[int, str]]] = {}
        self._lengths: list[int] = []
        if self._few is None:
            for prefix, j, text in filed:
                self._by_prefix.setdefault(prefix, []).append((j, text))
            self._lengths = sorted({len(prefix) for prefix in self._by_prefix})
        self._minimal: list[str] | None = None

    def with_candidates(self, keys: Sequence[str]) -> set[int]:
        """The positions of the `keys` that start with some prefix (have some candidate).

        One `startswith` over every prefix per key is quadratic for the lists of hundreds of
        entries and wildcards (ReadOnlyAccess: 1,510 keys against 215 prefixes; six such lists
        made ~1.3 million prefix comparisons of the managed policies' ~1.5 million). With more
        than `FEW_PREFIXES` prefixes, a key is tested against one: its predecessor among the
        minimal prefixes (`_minimal_prefixes`) in sorted order.
        """
        prefixes = self.prefixes
        if len(prefixes) <= FEW_PREFIXES:
            return {i for i, k in enumerate(keys) if k.startswith(prefixes)}
        if self._minimal is None:
            self._minimal = _minimal_prefixes(prefixes)
        minimal = self._minimal
        found = set()
        for i, k in enumerate(keys):
            at = bisect_right(minimal, k)
            if at and k.startswith(minimal[at - 1]):
                found.add(i)
        return found

    def candidates(self, key: str) -> list[tuple[int, str]]:
        """(index, entry) of the wildcards that may equal or cover the text whose index key
        is `key`, in list order."""
        if self._few is not None:
            return [(j, text) for prefix, j, text in self._few if key.startswith(prefix)]
        found: list[tuple[int, str]] = []
        by_prefix = self._by_prefix
        for length in self._lengths:
            if length > len(key):
                break
            bucket = by_prefix.get(key[:length])
            if bucket is not None:
                found += bucket
        if len(found) > 1:
            found.sort()
        return found


FEW_PREFIXES = 16
"""`_WildcardIndex.with_candidates` tests each key against every prefix when there are at most
this many, and by bisection past that."""


def _minimal_prefixes(prefixes: Iterable[str]) -> list[str]:
    """The `prefixes` none of the others is a prefix of, sorted.

    A text starts with one of `prefixes` exactly when it starts with the last of these that
    sorts before or equal to it: if `p` is a prefix of text `t`, every string from `p` to `t`
    in sorted order starts with `p`, and among the minimal prefixes only `p` itself does.
    """
    minimal: list[str] = []
    for prefix in sorted(prefixes):
        # Those starting with an earlier one follow it directly: the last kept is enough.
        if not minimal or not prefix.startswith(minimal[-1]):
            minimal.append(prefix)
    return minimal


def _resource_part(text: str) -> str:
    """The text after an ARN's fifth colon (all of a text with fewer): `_WildcardIndex`'s key
    for resources."""
    parts = text.split(":", 5)
    return parts[5] if len(parts) == 6 else text


def _first_cover(
    candidates: list[tuple[int, str]],
    covered_by: Callable[[str], Callable[[str], bool]],
    i: int,
    text: str,
) -> str | None:
    """The first of the `candidates` (other than entry `i`) covering `text`; of two
    equivalent entries only the later is reported."""
    for j, other in candidates:
        if i == j or not _pair_covered(covered_by, other, text):
            continue
        if j > i and _pair_covered(covered_by, text, other):
            continue
        return other
    return None


@lru_cache(maxsize=65536)
def _pair_covered(
    covered_by: Callable[[str], Callable[[str], bool]], broad: str, narrow: str
) -> bool:
    """`covered_by(broad)(narrow)`, remembered: managed policies repeat the same pairs of
    resource patterns (six in ten of the pairs PS504 tests in that corpus)."""
    return covered_by(broad)(narrow)


@lru_cache(maxsize=4096)
def _equal_or_covered_by_action(broad: str) -> Callable[[str], bool]:
    """The test "equal to or covered by `broad`" (case-folded and compiled once per entry)."""
    folded = broad.lower()
    covers = _action_cover_test(broad)
    return lambda narrow: narrow.lower() == folded or covers(narrow)


@rule(
    "PS503",
    Severity.SUGGESTION,
    "Action already covered by a wildcard in the same statement",
    example=_doc({**_S, "Action": ["s3:*", "s3:GetObject"]}),
    near_miss=_doc({**_S, "Action": ["s3:Get*", "s3:PutObject"]}),
)
def redundant_action(ctx: LintContext) -> Iterator[Issue]:
    """An action listed next to a pattern that already matches it adds nothing."""
    for view in ctx.statements:
        for key in ("Action", "NotAction"):
            node = view.items.get(key)
            if node is None or node.kind != "array" or len(node.value) < 2:
                continue
            texts = _strings_of(view, key, node)
            if _may_repeat(texts, True):
                yield from _redundant_entries(
                    ctx, view, key, node, texts, _equal_or_covered_by_action, "action", True, None
                )


@lru_cache(maxsize=4096)
def _equal_or_covered_by_resource(broad: str) -> Callable[[str], bool]:
    """The test "equal to or covered by `broad`" (`resource_covers` with `broad` checked and
    compiled once per entry)."""
    if broad == "*":
        return lambda narrow: True
    if "?" in broad or "${" in broad or parse_arn(broad) is None:
        return broad.__eq__
    literal = literal_prefix(broad)
    resource_literal = literal_prefix(broad.split(":", 5)[5])

    def covers(narrow: str) -> bool:
        if narrow == broad:
            return True
        if not narrow.startswith(literal) or narrow == "*" or "${" in narrow:
            return False  # every match starts with the text before the first wildcard
        parts = narrow.split(":", 5)
        if len(parts) < 6 or not parts[5].startswith(resource_literal):
            return False  # nor can the resource part differ before its first wildcard
        return compile_arn_glob(broad, head_ignore_case=False)(narrow)

    return covers


@rule(
    "PS504",
    Severity.SUGGESTION,
    "Resource already covered by a broader pattern in the same statement",
    example=_doc({**_S, "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b/logs/*"]}),
    near_miss=_doc({**_S, "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]}),
)
def redundant_resource(ctx: LintContext) -> Iterator[Issue]:
    """A resource listed next to a pattern that already matches it adds nothing."""
    for view in ctx.statements:
        for key in ("Resource", "NotResource"):
            node = view.items.get(key)
            if node is None or node.kind != "array" or len(node.value) < 2:
                continue
            texts = _strings_of(view, key, node)
            if not _may_repeat(texts, False):
                continue
            yield from _redundant_entries(
                ctx,
                view,
                key,
                node,
                texts,
                _equal_or_covered_by_resource,
                "resource",
                False,
                _resource_part,
            )


_Member = tuple[StatementView, Statement, tuple[str, Hashable]]
"""A statement of a `_Candidates` group: its view, its model and its `_Shape.key`."""


@dataclass(slots=True)
class _Shape:
    """What PS505 compares of one statement, worked out once per document."""

    view: StatementView
    model: Statement
    key: tuple[str, Hashable]
    """Effect and condition: statements can only subsume each other when both are equal."""
    coverage: _Coverage | None = None
    _services: frozenset[str | None] | None = None

    @property
    def services(self) -> frozenset[str | None]:
        """`action_prefix`s of the Action list (empty for NotAction); worked out only for
        statements that share their key with another."""
        if self._services is None:
            action = self.model.action
            self._services = frozenset(map(action_prefix, action)) if action else frozenset()
        return self._services

    def covers_actions(self, narrow: _Shape) -> bool:
        """Whether every Action entry of `narrow` is covered by this statement's."""
        assert self.model.action is not None and narrow.model.action is not None
        if None not in self.services and not self.services >= narrow.services:
            return False  # a service of `narrow` that this statement never names
        if self.coverage is None:
            self.coverage = _action_coverage(self.model.action)
        return _covered(narrow.model.action, self.coverage)


def _condition_key(condition: dict[str, dict[str, tuple[str, ...]]]) -> Hashable:
    """A value equal for two Condition blocks exactly when the blocks are equal, whatever the
    order their operators and keys are written in (values are tuples of strings, so hashable);
    cheaper than serializing the block."""
    if not condition:
        return ""
    return frozenset((op, frozenset(block.items())) for op, block in condition.items())


def _subsumes(broad: _Shape, narrow: _Shape) -> bool:
    """Whether `broad` matches every request `narrow` does, with the same effect."""
    b, n = broad.model, narrow.model
    if broad.key != narrow.key:
        return False
    if b.principal != n.principal or b.not_principal != n.not_principal:
        return False
    # Resources first: their lists are short, and most pairs differ there.
    if b.resource is not None and n.resource is not None:
        if not _covered(n.resource, _resource_coverage(b.resource)):
            return False
    elif b.not_resource != n.not_resource or b.resource != n.resource:
        return False
    if b.action is not None and n.action is not None:
        return broad.covers_actions(narrow)
    return b.not_action == n.not_action and b.not_action is not None


@rule(
    "PS505",
    Severity.SUGGESTION,
    "Statement duplicated or subsumed by another with the same effect",
    example=_doc(_S, _S),
    near_miss=_doc(_S, {**_S, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
)
def redundant_statement(ctx: LintContext) -> Iterator[Issue]:
    """A statement whose every request is already matched by another statement with the same
    effect, principal and condition changes nothing.

    Each statement is compared only with statements that could cover it (same effect,
    principal and condition, and an entry whose text before its first wildcard starts one of
    its own), and with at most the first 32 of those: in a hostile policy of thousands of
    look-alike statements a later cover may go unreported, but linting stays fast."""
    valid = ctx.valid_statements()
    if len(valid) < 2:
        return
    # Statements are grouped on their models alone: shapes are made only for the groups
    # where one statement may be covered (`_Candidates.members`).
    same_group: dict[tuple[Any, ...], list[_Member]] = {}
    for view, model in valid:
        condition = model.condition
        key = (model.effect, _condition_key(condition) if condition else "")
        same_group.setdefault(_group_key(view, model, key), []).append((view, model, key))
    if len(same_group) == len(valid):
        return  # no two statements agree on what `_subsumes` compares for equality
    # Group by group; a statement is reported at most once, so sorting the reports by
    # statement gives document order (cheaper than finding each statement's group again).
    found: list[tuple[int, Issue]] = []
    for members in same_group.values():
        if len(members) < 2:
            continue
        candidates = _Candidates(members)
        for number, (view, model, _) in enumerate(members):
            if not candidates.may_be_covered(model):
                continue  # no other statement could cover it
            shape = candidates.members[number]
            for other in candidates.for_narrow(shape):
                if other.view.index == view.index or not _subsumes(other, shape):
                    continue
                if _subsumes(shape, other) and other.view.index > view.index:
                    continue  # of two equivalent statements, report the later one
                word = "duplicates" if _subsumes(shape, other) else "is covered by"
                message = f"statement {model.label} {word} statement {other.model.label}"
                found.append((view.index, ctx.at_statement(view, message)))
                break
    found.sort(key=itemgetter(0))
    for _, issue in found:
        yield issue


def _group_key(view: StatementView, model: Statement, key: tuple[str, Hashable]) -> tuple[Any, ...]:
    """What `_subsumes` requires to be equal: effect and condition (`key`, the `_Shape.key`),
    both principals, the NotResource list of a statement without Resource and the NotAction
    list of one without Action (a statement with neither Action nor NotAction subsumes
    nothing: a group of its own)."""
    resources = ("Resource",) if model.resource is not None else ("NotResource", model.not_resource)
    if model.action is not None:
        actions: tuple[Any, ...] = ("Action",)
    elif model.not_action is not None:
        actions = ("NotAction", model.not_action)
    else:
        actions = ("neither", view.index)
    return (key, model.principal, model.not_principal, resources, actions)


MAX_CANDIDATES = 32
"""At most this many statements (the first in document order among those that could) are
compared with each statement. Real policies never come close; it keeps a hostile document whose
thousands of statements share every literal prefix linear rather than quadratic."""


class _PrefixIndex:
    """Statements by the literal prefix (the text before the first wildcard) of their entries.

    An entry equals or covers a text only if the text starts with the entry's literal prefix
    (lower-cased for actions, which compare without case): `action_covers` and
    `resource_covers` both check this first. So the statements that may cover a text are found
    by looking up the text's own prefixes, never by comparing with every statement.
    """

    __slots__ = ("_by_prefix", "_fold", "_lengths")

    def __init__(self, fold: bool) -> None:
        self._fold = fold
        self._by_prefix: dict[str, list[int]] = {}
        self._lengths: list[int] = []

    def add(self, entries: Iterable[str], member: int) -> None:
        """Record that statement number `member` (of its group) lists `entries`; members are
        added in order. Each distinct prefix is looked up once (a statement may list
        thousands of actions that share a few)."""
        texts = map(str.lower, entries) if self._fold else entries
        by_prefix = self._by_prefix
        for prefix in dict.fromkeys(map(literal_prefix, texts)):
            bucket = by_prefix.get(prefix)
            if bucket is None:
                by_prefix[prefix] = [member]
            elif bucket[-1] != member:
                bucket.append(member)

    def freeze(self) -> None:
        """Called once every entry is added."""
        self._lengths = sorted({len(p) for p in self._by_prefix})

    def buckets(self, text: str) -> list[list[int]]:
        """The statements whose entries may equal or cover `text` (lists may overlap)."""
        if self._fold:
            text = text.lower()
        found = []
        for size in self._lengths:
            if size > len(text):
                break
            bucket = self._by_prefix.get(text[:size])
            if bucket is not None:
                found.append(bucket)
        return found


class _Candidates:
    """Statements that agree on everything `_subsumes` compares for equality, indexed by the
    literal prefixes of their Action and Resource entries.

    A statement can only be subsumed by one that covers each of its entries, so the
    statements worth comparing are those found for its most selective entry: comparing every
    pair took a minute for 4,000 statements. Shapes and index are made on first demand: most
    groups are settled by `may_be_covered` alone.
    """

    def __init__(self, statements: list[_Member]) -> None:
        """`statements`: (view, model, `_Shape.key`) of each member, in document order."""
        self._statements = statements
        self._members: list[_Shape] | None = None
        self._indexed = False
        self.actions = _PrefixIndex(fold=True)
        self.resources = _PrefixIndex(fold=False)
        self._first_action: _FirstActionFilter | None = None

    @property
    def members(self) -> list[_Shape]:
        """The members' shapes, in document order."""
        if self._members is None:
            self._members = [_Shape(view, model, key) for view, model, key in self._statements]
        return self._members

    def _index(self) -> None:
        for number, (_, model, _) in enumerate(self._statements):
            self.actions.add(model.action or (), number)
            self.resources.add(model.resource or (), number)
        self.actions.freeze()
        self.resources.freeze()
        self._indexed = True

    def may_be_covered(self, statement: Statement) -> bool:
        """False when no other member can subsume `statement` (`_FirstActionFilter`): then
        `for_narrow` need not be asked, and whatever it would return is never reported."""
        if self._first_action is None:
            self._first_action = _FirstActionFilter([model for _, model, _ in self._statements])
        return self._first_action.may_be_covered(statement)

    def for_narrow(self, shape: _Shape) -> list[_Shape]:
        """The statements that may subsume `shape`, in document order (at most
        `MAX_CANDIDATES`)."""
        if not self._indexed:
            self._index()
        model = shape.model
        lookups = [(self.actions, entry) for entry in model.action or ()]
        lookups += [(self.resources, entry) for entry in model.resource or ()]
        best: list[list[int]] | None = None
        best_size = len(self.members)
        for index, entry in lookups:
            buckets = index.buckets(entry)
            size = sum(map(len, buckets))
            if best is None or size < best_size:
                best, best_size = buckets, size
                if size <= 1:
                    break  # only the statement itself
        if best is None:  # NotAction and NotResource: every member agrees on both
            numbers: Iterable[int] = range(len(self.members))
        else:  # each bucket is in document order: merge them lazily, without duplicates
            numbers = (n for n, _ in itertools.groupby(heapq.merge(*best)))
        others = (self.members[n] for n in numbers if self.members[n] is not shape)
        return list(itertools.islice(others, MAX_CANDIDATES))


class _FirstActionFilter:
    """A necessary condition for a member of a group to be subsumed by another, decided from
    its first Action entry and set operations in C, before any index is built.

    `_subsumes(broad, narrow)` needs every Action entry of `narrow` covered by an entry of
    `broad`, its first one `a` among them. An entry `e` equals or covers `a` only when `a`
    lower-cased equals `e` lower-cased, or `e` has a wildcard and `a` lower-cased starts with
    the literal prefix of `e` lower-cased (see `_WildcardIndex`; `_action_cover_test` folds
    service and name apart, which agrees with folding the whole text when that is ASCII, so an
    `a` that is not is always "may be" and an `e` that is not is filed under the empty
    prefix). Groups without Action lists (NotAction) are never filtered.
    """

    __slots__ = ("_prefixes", "_shared", "_wildcards")

    def __init__(self, members: list[Statement]) -> None:
        seen: set[str] = set()
        self._shared: set[str] = set()
        """Folded entries that two members or more list."""
        self._wildcards: list[tuple[Statement, tuple[str, ...]]] = []
        """Members with wildcard entries, with the literal prefixes of those entries."""
        for statement in members:
            action = statement.action
            if not action:
                continue
            folded = set(map(str.lower, action))
            self._shared |= seen & folded
            seen |= folded
            joined = "".join(action)
            if "*" in joined or "?" in joined:
                prefixes = {
                    literal_prefix(e) if e.isascii() else "" for e in folded if "*" in e or "?" in e
                }
                self._wildcards.append((statement, tuple(prefixes)))
        self._prefixes = tuple({p for _, prefixes in self._wildcards for p in prefixes})

    def may_be_covered(self, statement: Statement) -> bool:
        """False only when no other member has an entry that equals or covers the first Action
        entry of `statement` (a member)."""
        action = statement.action
        if not action:
            return True  # NotAction, or an empty list that anything covers
        first = action[0].lower()
        if not first.isascii() or first in self._shared:
            return True
        if not first.startswith(self._prefixes):
            return False
        return any(
            first.startswith(prefixes)
            for other, prefixes in self._wildcards
            if other is not statement
        )


_BOUND_OPERATORS = frozenset(
    {"NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"}
)


@rule(
    "PS506",
    Severity.SUGGESTION,
    "Several bounds for one numeric key: only the widest counts",
    example=_with_condition({"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}}),
    near_miss=_with_condition({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
)
def overlapping_numeric(ctx: LintContext) -> Iterator[Issue]:
    """Values of one key are ORed, so of several less-than (greater-than) bounds only the
    largest (smallest) matters."""
    for view, entries in ctx.conditioned():
        for entry in entries:
            if entry.op is None or entry.op.base not in _BOUND_OPERATORS:
                continue
            texts = entry.texts()
            if texts is None or len(texts) < 2:
                continue
            numbers = [parse_number(t) for t in texts]
            if any(n is None for n in numbers):
                continue
            pick = max if "LessThan" in entry.op.base else min
            widest = texts[numbers.index(pick(n for n in numbers if n is not None))]
            yield _at_key(
                view,
                entry,
                f"{entry.operator} on {entry.key!r} lists {len(texts)} overlapping bounds;"
                f" only {widest!r} matters",
            )


def _ip_entries(view: StatementView) -> Iterator[tuple[ConditionEntry, str, Node]]:
    for entry in view.conditions():
        if entry.op is None or entry.op.family is not Family.IP:
            continue
        for pointer, node in entry.values:
            if node.kind == "string" and literal_error(entry.op, node.value) is None:
                yield entry, pointer, node


@rule(
    "PS507",
    Severity.SUGGESTION,
    "CIDR with host bits set",
    example=_with_condition({"IpAddress": {"aws:SourceIp": "203.0.113.77/24"}}),
    near_miss=_with_condition({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
)
def cidr_host_bits(ctx: LintContext) -> Iterator[Issue]:
    """A CIDR with host bits set is silently truncated to its network; write the network."""
    for view, _ in ctx.conditioned():
        for _, pointer, node in _ip_entries(view):
            if "/" not in node.value:
                continue
            try:
                network = ipaddress.ip_network(node.value, strict=False)
                ipaddress.ip_network(node.value, strict=True)
            except ValueError:
                yield ctx.at_node(
                    node,
                    f"{node.value!r} has host bits set; it means {str(network)!r}",
                    pointer=pointer,
                    statement=view.index,
                    hint=f"write {str(network)!r}",
                )


_PRIVATE = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)
"""Ranges that are never a caller's public address (RFC 1918, loopback, link-local, ULA)."""


def _is_private(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    return any(
        network.version == private.version and network.subnet_of(private)  # type: ignore[arg-type]
        for private in _PRIVATE
    )


@rule(
    "PS508",
    Severity.SUGGESTION,
    "Private range next to public ranges in aws:SourceIp",
    example=_with_condition({"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}}),
    near_miss=_with_condition(
        {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}}
    ),
)
def private_source_ip(ctx: LintContext) -> Iterator[Issue]:
    """`aws:SourceIp` holds the caller's public address (it is absent through VPC endpoints),
    so a private range listed with public ones never matches anything."""
    for view, _ in ctx.conditioned():
        groups: dict[str, list[tuple[str, Node, bool]]] = {}
        for entry, pointer, node in _ip_entries(view):
            if entry.key.lower() != "aws:sourceip":
                continue
            network = ipaddress.ip_network(node.value, strict=False)
            groups.setdefault(entry.pointer, []).append((pointer, node, _is_private(network)))
        for items in groups.values():
            if all(private for _, _, private in items) or not any(p for _, _, p in items):
                continue
            for pointer, node, private in items:
                if private:
                    yield ctx.at_node(
                        node,
                        f"private range {node.value!r} never matches aws:SourceIp (a public"
                        " address)",
                        pointer=pointer,
                        statement=view.index,
                    )


@rule(
    "PS509",
    Severity.SUGGESTION,
    "Null with ForAllValues/ForAnyValue",
    example=_with_condition({"ForAllValues:Null": {"aws:TagKeys": "false"}}),
    near_miss=_with_condition({"Null": {"aws:TagKeys": "false"}}),
)
def null_with_qualifier(ctx: LintContext) -> Iterator[Issue]:
    """`Null` tests whether a key is present; a set qualifier in front of it makes the outcome
    constant."""
    for view in ctx.statements:
        cond = view.items.get("Condition")
        if cond is None or cond.kind != "object":
            continue
        for op in cond.value:
            if _qualified_null(op):
                yield Issue(
                    f"{op!r}: a set qualifier makes Null's outcome constant; use 'Null'",
                    cond.key_positions[op],
                    f"{view.pointer}/Condition/{op}",
                    view.index,
                )


@lru_cache(maxsize=1024)
def _qualified_null(op: str) -> bool:
    """Whether the operator is `Null` behind a set qualifier (PS509); remembered per name: a
    corpus writes a few dozen operators, each asked about in every Condition block."""
    qualifier, sep, base = op.partition(":")
    qualified = sep and qualifier.lower() in ("forallvalues", "foranyvalue")
    return bool(qualified and base.lower() == "null")


@rule(
    "PS510",
    Severity.SUGGESTION,
    "Wildcard inside the service segment of an ARN",
    example=_doc(
        {
            "Effect": "Allow",
            "Action": "codecommit:GitPull",
            "Resource": "arn:aws:*code*::123456789012:*",
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Action": "codecommit:GitPull",
            "Resource": "arn:aws:codecommit:eu-west-1:123456789012:*",
        }
    ),
)
def wildcard_service(ctx: LintContext) -> Iterator[Issue]:
    """A partial wildcard in the ARN's service segment silently picks up future services."""
    texts = model_resources(ctx)
    if texts is not None and not any(map(_wild_service, texts)):
        return  # nearly every document
    for view in ctx.statements:
        model = view.model
        for key in ("Resource", "NotResource"):
            if model is not None and not _any_wild_service(model, key):
                continue  # settled from the model, without the element's nodes
            for index, node in string_nodes(view.items.get(key)):
                arn = parse_arn(node.value)
                if arn is not None and arn.service != "*" and has_wildcard(arn.service):
                    yield ctx.at_node(
                        node,
                        f"service segment {arn.service!r} of {node.value!r} has a wildcard:"
                        " it will match services added later",
                        pointer=entry_pointer(f"{view.pointer}/{key}", index),
                        statement=view.index,
                    )


@lru_cache(maxsize=16384)
def _wild_service(text: str) -> bool:
    """Whether the resource `text` is an ARN whose service segment is a partial wildcard
    (PS510's test of one entry, remembered: resource texts recur across a corpus)."""
    arn = parse_arn(text)
    return arn is not None and arn.service != "*" and has_wildcard(arn.service)


def _any_wild_service(model: Statement, key: str) -> bool:
    """Whether some entry of the statement's Resource or NotResource element (`key`) is
    `_wild_service`: the model holds exactly the element's strings, in order (None without
    the element), so most statements are settled with one map in C, without their nodes."""
    texts = model.resource if key == "Resource" else model.not_resource
    return texts is not None and any(map(_wild_service, texts))


_TRUST_EXAMPLE = {"Effect": "Allow", "Action": "sts:AssumeRole"}


@rule(
    "PS511",
    Severity.SUGGESTION,
    "Assumed-role session ARN as a principal",
    example=_doc(
        {
            **_TRUST_EXAMPLE,
            "Principal": {
                "AWS": [
                    "arn:aws:iam::123456789012:role/r",
                    "arn:aws:sts::123456789012:assumed-role/r/s",
                ]
            },
        }
    ),
    near_miss=_doc({**_TRUST_EXAMPLE, "Principal": {"AWS": "arn:aws:iam::123456789012:role/r"}}),
    example_kind=PolicyKind.TRUST,
    kinds=(PolicyKind.TRUST, PolicyKind.RESOURCE),
)
def session_principal(ctx: LintContext) -> Iterator[Issue]:
    """A session ARN next to its role is redundant; used alone it is fragile, since it names
    one session and breaks with the next."""
    for view in ctx.statements:
        principal = view.items.get("Principal")
        if principal is None or principal.kind != "object":
            continue
        values = string_entries(principal.value.get("AWS"), f"{view.pointer}/Principal/AWS")
        roles: set[tuple[str, str]] = set()
        for _, node in values:
            arn = parse_arn(node.value)
            if arn is not None and arn.service == "iam" and arn.resource.startswith("role/"):
                roles.add((arn.account, arn.resource_name))
        for pointer, node in values:
            arn = parse_arn(node.value)
            if arn is None or arn.service != "sts" or not arn.resource.startswith("assumed-role/"):
                continue
            parts = arn.resource.split("/")
            if len(parts) < 3:
                continue
            if (arn.account, parts[1]) in roles:
                message = f"session {node.value!r} is redundant next to its role {parts[1]!r}"
            else:
                message = (
                    f"session {node.value!r} names one session and stops matching with the"
                    f" next; name the role {parts[1]!r} instead"
                )
            yield ctx.at_node(node, message, pointer=pointer, statement=view.index)


_OIDC_TRUST = {
    **_TRUST_EXAMPLE,
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Principal": {
        "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    },
}


@rule(
    "PS512",
    Severity.SUGGESTION,
    "Set qualifier on a single-valued OIDC aud claim",
    example=_doc(
        {
            **_OIDC_TRUST,
            "Condition": {
                "ForAnyValue:StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                }
            },
        }
    ),
    near_miss=_doc(
        {
            **_OIDC_TRUST,
            "Condition": {
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
            },
        }
    ),
    example_kind=PolicyKind.TRUST,
    kinds=(PolicyKind.TRUST,),
)
def audience_qualifier(ctx: LintContext) -> Iterator[Issue]:
    """A single-valued `aud` claim tested with `ForAnyValue`/`ForAllValues` behaves
    surprisingly (`ForAllValues` also matches a token without the claim); drop the qualifier."""
    for view, entries in ctx.conditioned():
        for entry in entries:
            prefix, _, name = entry.key.rpartition(":")
            if name.lower() != "aud" or "." not in prefix:
                continue
            if entry.op is None or entry.op.qualifier is None:
                continue
            if is_multivalued_key(entry.key):
                continue
            yield _at_key(
                view,
                entry,
                f"{entry.key!r} is single-valued: use {entry.op.base}"
                f"{'IfExists' if entry.op.if_exists else ''} without"
                f" {entry.op.qualifier.value}:",
            )


@rule(
    "PS513",
    Severity.SUGGESTION,
    "String operator on an ARN-typed key",
    example=_with_condition(
        {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/ci-*"}}
    ),
    near_miss=_with_condition(
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/ci-*"}}
    ),
)
def string_on_arn(ctx: LintContext) -> Iterator[Issue]:
    """ARN operators check the ARN's structure segment by segment and say what the key is;
    String operators on an ARN key work but read worse. The one rule for this: PS108, which
    reported it too, now leaves it here. `...IgnoreCase` operators have no Arn counterpart
    and are not reported."""
    for view, entries in ctx.conditioned():
        for entry in entries:
            if entry.op is None or entry.op.family is not Family.STRING:
                continue
            if not _arn_typed(entry.key):
                continue
            arn_op = {"StringEquals": "ArnEquals", "StringNotEquals": "ArnNotEquals"}.get(
                entry.op.base, entry.op.base.replace("String", "Arn")
            )
            if "IgnoreCase" in arn_op:
                continue
            yield _at_key(
                view,
                entry,
                f"{entry.key!r} is an ARN: prefer {arn_op} over {entry.op.base}",
            )


@lru_cache(maxsize=4096)
def _arn_typed(key: str) -> bool:
    """Whether the catalog types the condition key as an ARN (PS513); remembered per key:
    managed policies test thousands of keys with String operators, a few hundred distinct,
    and the catalog is process-wide."""
    info = get_catalog().condition_key(key)
    return info is not None and info.type in ("ARN", "ArrayOfARN")


@rule(
    "PS514",
    Severity.SUGGESTION,
    "Non-canonical casing of an action, condition key or operator",
    example=_doc({**_S, "Action": "S3:getobject"}),
    near_miss=_doc(_S),
)
def casing(ctx: LintContext) -> Iterator[Issue]:
    """Action names, condition keys and operators compare case-insensitively, but casing that
    differs from the catalog's is noise in reviews and diffs."""
    by_view: dict[int, list[ActionEntry]] = {}  # in entry order, as `flagged_actions` found them
    for action in flagged_actions(ctx).noncanonical:
        by_view.setdefault(id(action.view), []).append(action)
    for view in ctx.statements:
        actions = by_view.get(id(view))
        if actions is not None:
            index = view.index
            for action in actions:  # thousands in a corpus: each issue made directly
                canonical = repr(action.facts.canonical)
                node = action.node
                yield Issue(
                    f"action {node.value!r} is written {canonical} in the catalog",
                    node.position,
                    action.pointer,
                    index,
                    f"write {canonical}",
                )
        cond = view.items.get("Condition")
        if cond is None:
            continue  # and no condition entries
        if cond.kind == "object":
            for op in cond.value:
                written = _operator_spelling(op)
                if written is not None:
                    yield Issue(
                        f"operator {op!r} is written {written!r}",
                        cond.key_positions[op],
                        f"{view.pointer}/Condition/{op}",
                        view.index,
                        f"write {written!r}",
                    )
        for entry in view.conditions():
            written = _key_spelling(entry.key)
            if written is not None:
                yield _at_key(
                    view,
                    entry,
                    f"condition key {entry.key!r} is written {written!r} in the catalog",
                    hint=f"write {written!r}",
                )


@lru_cache(maxsize=1024)
def _operator_spelling(op: str) -> str | None:
    """The canonical spelling of a known condition operator written otherwise, else None
    (PS514; remembered per name: a corpus writes a few dozen)."""
    parsed = known_operator(op)
    return parsed.canonical if parsed is not None and parsed.canonical != op else None


@lru_cache(maxsize=4096)
def _key_spelling(key: str) -> str | None:
    """The catalog's spelling of a condition key written with other casing, else None (PS514;
    remembered per key: managed policies test ~5,600 keys, a few hundred distinct, and the
    catalog is process-wide)."""
    declared = get_catalog().condition_key(key)
    if declared is None or "${" in declared.name:
        return None
    if declared.name.lower() == key.lower() and declared.name != key:
        return declared.name
    return None


MAX_STATEMENT_ENTRIES = 100
"""Actions or resources in one statement above which PS515 suggests splitting it."""


@rule(
    "PS515",
    Severity.SUGGESTION,
    "Statement too large to review",
    example=_doc({**_S, "Action": [f"s3:GetObject{i}" for i in range(250)]}),
    near_miss=_doc({**_S, "Action": [f"s3:GetObject{i}" for i in range(50)]}),
    default_enabled=False,
)
def unreviewable(ctx: LintContext) -> Iterator[Issue]:
    """A statement with more than 100 actions or resources is hard to review; split it by
    purpose (off by default)."""
    for view in ctx.statements:
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            count = len(string_entries(view.items.get(key), ""))
            if count > MAX_STATEMENT_ENTRIES:
                yield ctx.at_statement(
                    view,
                    f"{count} entries in {key} (more than {MAX_STATEMENT_ENTRIES}); consider"
                    " splitting the statement",
                    key=key,
                )


_RANGE_FAMILIES = {Family.NUMERIC: parse_number, Family.DATE: parse_date}


@dataclass(slots=True)
class _Range:
    low: Decimal | None = None
    low_strict: bool = False
    high: Decimal | None = None
    high_strict: bool = False

    def above(self, value: Decimal, strict: bool) -> None:
        if self.low is None or value > self.low or (value == self.low and strict):
            self.low, self.low_strict = value, strict

    def below(self, value: Decimal, strict: bool) -> None:
        if self.high is None or value < self.high or (value == self.high and strict):
            self.high, self.high_strict = value, strict

    @property
    def empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low > self.high or (
            self.low == self.high and (self.low_strict or self.high_strict)
        )


def _may_be_unsatisfiable(entries: list[ConditionEntry]) -> bool:
    """Whether `_unsatisfiable` can report anything about a statement with these condition
    entries: only around an exact `Null`, a negated operator (`negated_star` needs one) or a
    numeric or date bound. Most statements test with none of them (StringEquals, ArnLike,
    Bool), and then no entry's texts need be read."""
    for entry in entries:
        op = entry.op
        if entry.operator == "Null":
            return True
        if op is not None and (op.negated or op.family in _RANGE_FAMILIES):
            return True
    return False


def _unsatisfiable(view: StatementView) -> Iterator[tuple[ConditionEntry, str]]:
    ranges: dict[tuple[Family, str], tuple[_Range, ConditionEntry]] = {}
    null_true: dict[str, ConditionEntry] = {}
    tested: dict[str, ConditionEntry] = {}
    is_deny = view.model is not None and not view.model.is_allow
    for entry in view.conditions():
        key = entry.key.lower()
        texts = entry.texts()
        if texts is None or not texts:
            continue
        if entry.operator == "Null":
            if texts == ["true"]:
                null_true[key] = entry
            continue
        op = entry.op
        if op is not None and negated_star(op, texts):
            if key not in SIGNED_REQUEST_KEYS:
                null_true.setdefault(key, entry)
            elif not is_deny:  # a Deny's is PS210's
                yield (
                    entry,
                    f'{entry.operator} {entry.key!r} "*" is false whenever the key is present,'
                    " and every signed request carries it",
                )
            continue
        if op is None or op.if_exists or op.qualifier is not None or op.negated:
            continue
        if op.family is not Family.NULL:
            tested.setdefault(key, entry)
        parse = _RANGE_FAMILIES.get(op.family)
        if parse is None or is_multivalued_key(entry.key):
            continue
        values = [parse(t) for t in texts]
        if any(v is None for v in values):
            continue
        numbers = [v for v in values if v is not None]
        current, _ = ranges.setdefault((op.family, key), (_Range(), entry))
        base = op.base
        if "GreaterThan" in base:
            current.above(min(numbers), not base.endswith("Equals"))
        elif "LessThan" in base:
            current.below(max(numbers), not base.endswith("Equals"))
        elif base.endswith("Equals") and len(numbers) == 1:
            current.above(numbers[0], False)
            current.below(numbers[0], False)
        if current.empty:
            yield entry, f"no value of {entry.key!r} satisfies every bound on it"
            ranges[(op.family, key)] = (_Range(), entry)  # report once
    for key, entry in null_true.items():
        if key in tested:
            test = "Null" if entry.operator == "Null" else f'{entry.operator} "*"'
            yield (
                entry,
                (
                    f"{test} requires {entry.key!r} to be absent, but {tested[key].operator}"
                    " requires a value"
                ),
            )


@rule(
    "PS516",
    Severity.WARNING,
    "Unsatisfiable condition block",
    example=_with_condition(
        {
            "DateGreaterThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
        }
    ),
    near_miss=_with_condition(
        {
            "DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"},
        }
    ),
)
def unsatisfiable_condition(ctx: LintContext) -> Iterator[Issue]:
    """A condition no request can satisfy makes an Allow dead and a Deny a no-op: numeric or
    date bounds with an empty intersection, or `Null` true next to a test of the key's value.
    `StringNotLike key "*"` (or `ArnNotLike`) is false whenever the key is present, so it counts
    as `Null` true; on a key every signed request carries (`aws:PrincipalArn`) an Allow with it
    never applies (a Deny with it is PS210's)."""
    for view, entries in ctx.conditioned():
        if not _may_be_unsatisfiable(entries):
            continue  # most statements: no entry reads a text
        for entry, message in _unsatisfiable(view):
            effect = view.model.effect if view.model is not None else "statement"
            consequence = {"Allow": "this Allow never applies", "Deny": "this Deny never fires"}
            yield _at_key(view, entry, f"{message}: {consequence.get(effect, 'it never matches')}")


def _shadowed_by(allow: Statement, deny: Statement) -> bool:
    if deny.condition or deny.not_principal is not None or allow.not_principal is not None:
        return False
    if deny.action is None or allow.action is None:
        return False
    if allow.principal is not None and not (
        deny.principal is not None
        and (deny.principal.is_everyone or deny.principal == allow.principal)
    ):
        return False
    if not _covered(allow.action, _action_coverage(deny.action)):
        return False
    if deny.resource is None and deny.not_resource is None:
        return allow.resource is None and allow.not_resource is None
    if deny.resource is None or allow.resource is None:
        return False
    return _covered(allow.resource, _resource_coverage(deny.resource))


@rule(
    "PS517",
    Severity.WARNING,
    "Allow fully shadowed by an unconditional Deny",
    example=_doc(_S, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    near_miss=_doc(
        _S,
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ),
)
def shadowed_allow(ctx: LintContext) -> Iterator[Issue]:
    """An Allow whose every request an unconditional Deny of the same policy also matches
    grants nothing."""
    valid = ctx.valid_statements()
    denies = [(v, m) for v, m in valid if not m.is_allow]
    for view, model in valid:
        if not model.is_allow:
            continue
        for _, deny in denies:
            if _shadowed_by(model, deny):
                yield ctx.at_statement(
                    view,
                    f"Allow {model.label} is entirely denied by the unconditional Deny"
                    f" {deny.label}: it grants nothing",
                )
                break


@rule(
    "PS518",
    Severity.SUGGESTION,
    "Permissions attached directly to IAM users",
    example=_doc(_S),
    near_miss=_doc(_S),
    kinds=[PolicyKind.IDENTITY],
    example_attachment={"source": "cloudformation", "type": "AWS::IAM::Policy", "users": ["alice"]},
    near_miss_attachment={"source": "cloudformation", "type": "AWS::IAM::Policy"},
)
def user_attached(ctx: LintContext) -> Iterator[Issue]:
    """Grants made to users one by one drift apart and outlive the people; groups and roles
    keep them in one place. Only known from CloudFormation (`AWS::IAM::Policy`/
    `ManagedPolicy` `Users`, `AWS::IAM::UserPolicy`, `AWS::IAM::User` `Policies`), Terraform
    (`aws_iam_user_policy`) and account file (a user's inline and attached managed policies)
    context: a plain policy file says nothing about its attachment."""
    users = ctx.attachment.get("users")
    if not users:
        return
    names = ", ".join(str(u) for u in users)
    yield Issue(
        f"attached directly to IAM user(s) {names}: attach it to a group or a role instead",
        ctx.root.position,
        "",
    )

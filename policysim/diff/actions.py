"""The action space, enumerated from the catalog and cut into classes the policies cannot tell
apart.

Actions never go into a solver: the catalog lists every action AWS documents (~22,000), and two
actions matched by exactly the same statements (Action/NotAction, case-insensitive) are decided
by the same formula, up to their resource types (split later, only where a difference shows).
Each pattern is expanded once through the catalog (`Catalog.expand`, the engine's own matcher),
so building the classes costs a pass over the patterns, not actions times statements.

Actions the catalog does not know yet (AWS adds some every week) are covered by "unlisted"
classes of stand-in names (`policysim.diff.unlisted`): a catalog action matched by the same
patterns is no substitute for them, since the catalog restricts its resource types.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import lru_cache

from policysim.catalog import get_catalog
from policysim.diff.unlisted import unlisted_groups
from policysim.engine.compiled import CompiledStatement
from policysim.engine.evaluate import ALWAYS_ALLOWED, TRUST_ACTIONS, rcp_services


class ActionClass:
    """Actions matched by the same statements; `members` are canonical names, the most
    readable first. A class drawn from a precomputed group lists its members lazily.
    `undecided` says why a class could not be built exactly (the prover answers UNKNOWN)."""

    __slots__ = ("_base", "_members", "_removed", "undecided", "unlisted")

    def __init__(
        self,
        members: list[str] | None = None,
        *,
        unlisted: bool = False,
        base: tuple[str, ...] = (),
        removed: frozenset[str] = frozenset(),
        undecided: str | None = None,
    ) -> None:
        self.undecided = undecided
        self._members = members
        self._base = base
        self._removed = removed
        self.unlisted = unlisted

    @property
    def members(self) -> list[str]:
        if self._members is None:
            removed = self._removed
            self._members = [m for m in self._base if m.lower() not in removed]
        return self._members

    @property
    def representative(self) -> str:
        if self._members is None:
            for name in self._base:
                if name.lower() not in self._removed:
                    return name
        return self.members[0]

    def __len__(self) -> int:
        if self._members is None:
            return len(self._base) - len(self._removed)
        return len(self._members)


@lru_cache(maxsize=65536)
def _expand(pattern: str) -> frozenset[str]:
    """Lower-cased catalog names an Action entry matches."""
    return frozenset(info.full_name.lower() for info in get_catalog().expand(pattern))


@lru_cache(maxsize=1)
def _all_names() -> dict[str, str]:
    """lower-cased name -> canonical name, every catalog action.

    Loading the whole catalog makes some hundred thousand objects that live as long as the
    process; they are moved out of the cyclic garbage collector's reach (`gc.freeze`), which
    would otherwise walk them all at every full collection (a third of a whole-catalog diff's
    time in a process that has done other work)."""
    names = {info.full_name.lower(): info.full_name for info in get_catalog().all_actions()}
    gc.freeze()
    return names


def patterns_cover(action: str) -> bool:
    """Whether `action` (lower-cased) is a catalog action, so expansions decide it."""
    return action in _all_names()


def expand_pattern(pattern: str) -> frozenset[str]:
    """Lower-cased catalog names an Action entry matches (cached)."""
    return _expand(pattern)


def statement_patterns(statement: CompiledStatement) -> tuple[tuple[str, ...], bool]:
    """A statement's Action (or NotAction) entries, and whether they are NotAction."""
    return _statement_patterns(statement)


def _statement_patterns(statement: CompiledStatement) -> tuple[tuple[str, ...], bool]:
    s = statement.statement
    if s.action is not None:
        return tuple(s.action), False
    return tuple(s.not_action or ()), True


def _flags(name: str) -> tuple[bool, bool, bool]:
    lower = name.lower()
    return (
        lower in TRUST_ACTIONS,
        lower in ALWAYS_ALLOWED,
        lower.partition(":")[0] in rcp_services(),
    )


@lru_cache(maxsize=1)
def _base_groups() -> dict[tuple[bool, bool, bool], tuple[str, ...]]:
    """Every catalog action by its evaluation flags, most readable first (computed once)."""
    groups: dict[tuple[bool, bool, bool], list[str]] = {}
    for lower, name in _all_names().items():
        groups.setdefault(_flags(lower), []).append(name)
    return {k: tuple(sorted(v, key=_readability)) for k, v in groups.items()}


def action_classes(
    statements: Sequence[CompiledStatement],
    only: frozenset[str] | None = None,
    *,
    only_patterns: tuple[str, ...] | None = None,
    rcp_sensitive: bool = False,
) -> list[ActionClass]:
    """The classes of catalog and unlisted actions, by the statements that match them.

    `only` (lower-cased catalog names) restricts the space (verify --not-granted, trust
    policies); `only_patterns` are the patterns `only` came from, whose unlisted names are
    asked about too (None: none). `rcp_sensitive`: RCPs are compared, so whether RCPs govern
    a service tells unlisted actions apart.
    """
    names = _all_names()
    positive: dict[str, list[int]] = {}
    negated: dict[str, list[int]] = {}
    for index, statement in enumerate(statements):
        patterns, negate = _statement_patterns(statement)
        if not negate and "*" in patterns:
            continue  # matches every action: no action is told apart by it
        hit: set[str] = set()
        for pattern in patterns:
            hit |= _expand(pattern)
        table = negated if negate else positive
        for name in hit:
            table.setdefault(name, []).append(index)
    special = set(positive) | set(negated)
    if only is not None:
        special |= {n for n in only if n in names}
    classes: dict[tuple[object, ...], list[str]] = {}
    for name in special:
        if only is not None and name not in only:
            continue
        key = (tuple(positive.get(name, ())), tuple(negated.get(name, ())), _flags(name))
        classes.setdefault(key, []).append(names[name])
    out = [ActionClass(sorted(m, key=_readability)) for m in classes.values()]
    if only is None:
        for flags, group in _base_groups().items():
            removed = frozenset(n for n in special if _flags(n) == flags)
            if len(group) > len(removed):
                out.append(ActionClass(base=group, removed=removed))
        out += _unlisted(statements, rcp_sensitive, None)
    else:
        out += [ActionClass([n], unlisted=True) for n in sorted(only) if n not in names]
        if only_patterns is not None:
            out += _unlisted(statements, rcp_sensitive, only_patterns)
    return out


def _unlisted(
    statements: Sequence[CompiledStatement], rcp_sensitive: bool, wanted: tuple[str, ...] | None
) -> list[ActionClass]:
    entries = [_statement_patterns(s) for s in statements]
    return [
        ActionClass(list(group.names), unlisted=True, undecided=group.undecided)
        for group in unlisted_groups(entries, rcp_sensitive, wanted)
    ]


def _readability(name: str) -> tuple[int, int, str]:
    """Common verbs first: a witness reads better as `s3:GetObject` than `s3:GetAccessGrant`."""
    _, _, op = name.partition(":")
    common = ("Get", "List", "Describe", "Put", "Create", "Delete", "Update")
    rank = next((i for i, p in enumerate(common) if op.startswith(p)), len(common))
    return (rank, len(name), name)

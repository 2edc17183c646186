"""The action space, enumerated from the catalog and cut into classes the policies cannot tell
apart.

Actions never go into a solver: the catalog lists every action AWS documents (~22,000), and two
actions matched by exactly the same statements (Action/NotAction, case-insensitive) are decided
by the same formula, up to their resource types (split later, only where a difference shows).
Each pattern is expanded once through the catalog (`Catalog.expand`, the engine's own matcher),
so building the classes costs a pass over the patterns, not actions times statements.

Actions the catalog does not know yet are covered by "unlisted" names: for every service prefix
a policy names, one name per combination of that service's patterns that some name realizes
(found by exploring the product automaton of the patterns), and one name of a service no
pattern names. An unlisted class whose shortest name is a catalog action is left to the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from policysim.catalog import get_catalog
from policysim.diff.automata import glob_nfa, signature_classes
from policysim.engine.compiled import CompiledStatement
from policysim.engine.evaluate import ALWAYS_ALLOWED, TRUST_ACTIONS

UNLISTED_SERVICE = "unlistedservice"


@dataclass(slots=True)
class ActionClass:
    """Actions matched by the same statements; `members` are canonical names."""

    members: list[str] = field(default_factory=list)
    unlisted: bool = False

    @property
    def representative(self) -> str:
        return self.members[0]


@lru_cache(maxsize=65536)
def _expand(pattern: str) -> frozenset[str]:
    """Lower-cased catalog names an Action entry matches."""
    return frozenset(info.full_name.lower() for info in get_catalog().expand(pattern))


@lru_cache(maxsize=1)
def _all_names() -> dict[str, str]:
    """lower-cased name -> canonical name, every catalog action."""
    return {info.full_name.lower(): info.full_name for info in get_catalog().all_actions()}


def _statement_patterns(statement: CompiledStatement) -> tuple[tuple[str, ...], bool]:
    s = statement.statement
    if s.action is not None:
        return tuple(s.action), False
    return tuple(s.not_action or ()), True


def _rcp_services() -> frozenset[str]:
    return get_catalog().rcp_supported_services()


def _flags(name: str) -> tuple[bool, bool, bool]:
    lower = name.lower()
    return (
        lower in TRUST_ACTIONS,
        lower in ALWAYS_ALLOWED,
        lower.partition(":")[0] in _rcp_services(),
    )


def action_classes(
    statements: Sequence[CompiledStatement], only: frozenset[str] | None = None
) -> list[ActionClass]:
    """The classes of catalog and unlisted actions, by the statements that match them.

    `only` (lower-cased names) restricts the space (verify --not-granted).
    """
    names = _all_names()
    universal: list[int] = []
    positive: dict[str, list[int]] = {}
    negated: dict[str, list[int]] = {}
    for index, statement in enumerate(statements):
        patterns, negate = _statement_patterns(statement)
        if not negate and "*" in patterns:
            universal.append(index)
            continue
        hit: set[str] = set()
        for pattern in patterns:
            hit |= _expand(pattern)
        table = negated if negate else positive
        for name in hit:
            table.setdefault(name, []).append(index)
    classes: dict[tuple[object, ...], ActionClass] = {}
    space = names.keys() if only is None else [n for n in only if n in names]
    special = set(positive) | set(negated) | {n for n in space if any(_flags(n)[:2])}
    default_key = ((), (), (False, False, False))
    for name in space:
        if name in special or only is not None:
            key = (tuple(positive.get(name, ())), tuple(negated.get(name, ())), _flags(name))
        else:
            flags = _flags(name)
            key = ((), (), flags) if flags != (False, False, False) else default_key
        classes.setdefault(key, ActionClass()).members.append(names[name])
    out = list(classes.values())
    for cls in out:
        cls.members.sort(key=_readability)
    if only is None:
        out += _unlisted(statements, names)
    else:
        out += [ActionClass([n], unlisted=True) for n in sorted(only) if n not in names]
    return out


def _readability(name: str) -> tuple[int, int, str]:
    """Common verbs first: a witness reads better as `s3:GetObject` than `s3:GetAccessGrant`."""
    _, _, op = name.partition(":")
    common = ("Get", "List", "Describe", "Put", "Create", "Delete", "Update")
    rank = next((i for i, p in enumerate(common) if op.startswith(p)), len(common))
    return (rank, len(name), name)


def _unlisted(statements: Sequence[CompiledStatement], names: dict[str, str]) -> list[ActionClass]:
    """One class per realizable pattern combination of each named service, for names the
    catalog does not list, plus one name of an unnamed service."""
    by_service: dict[str, set[str]] = {}
    for statement in statements:
        patterns, _ = _statement_patterns(statement)
        for pattern in patterns:
            prefix, sep, rest = pattern.partition(":")
            if sep and prefix:
                by_service.setdefault(prefix.lower(), set()).add(rest.lower())
    out: list[ActionClass] = []
    for service, patterns in sorted(by_service.items()):
        ordered = sorted(patterns)
        try:
            found = _service_classes(service, tuple(ordered))
        except Exception:  # noqa: BLE001 - budget: fall back to one fresh name
            found = (f"{service}:unlistedaction",)
        for name in found:
            if name.lower() not in names:
                out.append(ActionClass([name], unlisted=True))
    out.append(ActionClass([f"{UNLISTED_SERVICE}:UnlistedAction"], unlisted=True))
    return out


@lru_cache(maxsize=4096)
def _service_classes(service: str, patterns: tuple[str, ...]) -> tuple[str, ...]:
    nfas = [glob_nfa(p) for p in patterns]
    found = signature_classes(nfas, budget=5000, prefer="unlisted")
    return tuple(f"{service}:{name}" for name in found.values())

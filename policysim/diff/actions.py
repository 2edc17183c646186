"""The action space, enumerated from the catalog and cut into classes the policies cannot tell
apart.

Actions never go into a solver: the catalog lists every action AWS documents (~22,000), and two
actions matched by exactly the same statements (Action/NotAction, case-insensitive) are decided
by the same formula, up to their resource types (split later, only where a difference shows).
Each pattern is expanded once through the catalog (`Catalog.expand`, the engine's own matcher),
so building the classes costs a pass over the patterns, not actions times statements.

Actions the catalog does not know yet (AWS adds some every week) are covered by "unlisted"
classes: for every service prefix a policy names, one placeholder name per combination of that
service's patterns that some name outside the catalog realizes (found by exploring the product
automaton of the patterns, avoiding the catalog's names), and one name of a service no pattern
names (two when RCPs are compared: RCPs govern some services only). A catalog action matched by
the same patterns is no substitute: the catalog restricts its resource types, an unlisted name
may name any ARN. Placeholders carry `Unlisted` in their name (`s3:GetObjectUnlisted`,
`unlistedservice:UnlistedAction`) so that a witness says what it stands for.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from functools import lru_cache

from policysim.catalog import get_catalog
from policysim.diff.automata import (
    BudgetExceededError,
    Nfa,
    alphabet,
    glob_nfa,
    signature_classes,
    signature_of,
    witness_avoiding,
)
from policysim.engine.compiled import CompiledStatement
from policysim.engine.evaluate import ALWAYS_ALLOWED, TRUST_ACTIONS, rcp_services
from policysim.policy.action import compile_action_pattern, split_action

UNLISTED_SERVICE = "unlistedservice"


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
    """lower-cased name -> canonical name, every catalog action."""
    return {info.full_name.lower(): info.full_name for info in get_catalog().all_actions()}


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
        out += _unlisted(statements, rcp_sensitive)
    else:
        out += [ActionClass([n], unlisted=True) for n in sorted(only) if n not in names]
        if only_patterns is not None:
            out += _unlisted(statements, rcp_sensitive, only_patterns)
    return out


def _readability(name: str) -> tuple[int, int, str]:
    """Common verbs first: a witness reads better as `s3:GetObject` than `s3:GetAccessGrant`."""
    _, _, op = name.partition(":")
    common = ("Get", "List", "Describe", "Put", "Create", "Delete", "Update")
    rank = next((i for i, p in enumerate(common) if op.startswith(p)), len(common))
    return (rank, len(name), name)


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
"""The characters of action names (lower-cased): a future action is named like the others
(`AssociateViaAWSService-EventsAndStates` is the catalog's oddest), so its witnesses are
drawn from these only; every other character is in no action name."""

MARK = "Unlisted"
"""Part of every placeholder name, so that a witness reads as what it is: an action the IAM
catalog does not list (a future one), not a catalog action spelt oddly."""


def _service_of(pattern: str) -> tuple[str, str] | None:
    """(prefix, name pattern) of an entry that can match an action name; None for `*` (every
    service), for text without a colon, and for a prefix with characters no service prefix
    has (the engine compares prefixes literally: `s3*:Get*` matches no real action)."""
    parts = split_action(pattern)
    if parts is None or not parts[0] or not set(parts[0]) <= _PREFIX_CHARS:
        return None
    return parts


_PREFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _unlisted(
    statements: Sequence[CompiledStatement],
    rcp_sensitive: bool,
    wanted: tuple[str, ...] | None = None,
) -> list[ActionClass]:
    """The actions the catalog does not list, by class.

    An unlisted action `svc:Op` is decided by the engine like any other name: which Action and
    NotAction entries match it, and whether RCPs govern `svc`. Only entries with the prefix
    `svc` (and `*`) can match it, so for every prefix an entry names, each combination of that
    prefix's entries some unlisted name realizes is one class (`_service_classes`, exact over
    the product automaton of the entries); every prefix no entry names is one class, split by
    whether RCPs govern it. `wanted` (verify --not-granted) keeps the names those patterns
    match, and draws the prefixes from them.
    """
    by_service: dict[str, set[str]] = {}
    sources = [statement_patterns(s)[0] for s in statements] + [wanted or ()]
    for patterns in sources:
        for pattern in patterns:
            parts = _service_of(pattern)
            if parts is not None:
                by_service.setdefault(parts[0], set()).add(parts[1])
    keep = None if wanted is None else [compile_action_pattern(p) for p in wanted]
    every = wanted is None or "*" in wanted
    asked = {parts[0] for parts in map(_service_of, wanted or ()) if parts is not None}
    out: list[ActionClass] = []
    for service, names in sorted(by_service.items()):
        if not every and service not in asked:
            continue  # no wanted pattern reaches this service
        try:
            found = _service_classes(service, tuple(sorted(names)))
        except BudgetExceededError as err:
            out.append(ActionClass([f"{service}:{MARK}Action"], unlisted=True, undecided=str(err)))
            continue
        for name in found:
            if keep is None or any(m(name) for m in keep):
                out.append(ActionClass([name], unlisted=True))
    if every:
        named = frozenset(by_service)
        out += [ActionClass([n], unlisted=True) for n in _unnamed(named, rcp_sensitive)]
    return out


def _unnamed(named: frozenset[str], rcp_sensitive: bool) -> list[str]:
    """A placeholder action of a service no entry names (one RCPs do not govern) and, when
    RCPs are in play, one of a service they govern."""
    names = _all_names()
    out = []
    prefix = UNLISTED_SERVICE
    while prefix in named:
        prefix += "x"
    out.append(f"{prefix}:{MARK}Action")
    if rcp_sensitive:
        for service in sorted(rcp_services()):
            name = f"{service}:{MARK}Action"
            if service not in named and name.lower() not in names:
                out.append(name)
                break
    return out


@lru_cache(maxsize=4096)
def _service_classes(service: str, patterns: tuple[str, ...]) -> tuple[str, ...]:
    """One unlisted name of `service` per realizable combination of its name patterns."""
    nfas = [glob_nfa(p) for p in patterns]
    letters = [c for c in alphabet(nfas) if c in _NAME_CHARS]
    found = signature_classes(nfas, budget=5000, letters=letters)
    listed = _listed(service)
    out = []
    for signature, shortest in found.items():
        name = _placeholder(nfas, signature, shortest, listed)
        if name is None:
            excluded = [op for op in listed[1] if signature_of(nfas, op) == signature]
            found_name = witness_avoiding(nfas, signature, excluded, letters, budget=5000)
            if found_name is None:
                continue  # every name of this combination is a catalog action
            name = _display(found_name, listed)
        out.append(f"{service}:{name}")
    return tuple(out)


def _placeholder(
    nfas: Sequence[Nfa], signature: tuple[bool, ...], shortest: str, listed: Listed
) -> str | None:
    """A readable name with the mark, of this signature and not in the catalog, if a simple
    one exists: `UnlistedAction`, `GetUnlisted`, `UnlistedObject`, `Get` `Unlisted` `Object`."""
    mark = MARK.lower()
    candidates = [f"{mark}action", shortest + mark, mark + shortest]
    candidates += [shortest[:i] + mark + shortest[i:] for i in range(len(shortest) - 1, 0, -1)]
    for candidate in candidates:
        if candidate not in listed[0] and signature_of(nfas, candidate) == signature:
            return _display(candidate, listed)
    return None


def _display(name: str, listed: Listed) -> str:
    """The lower-case name in readable case (names compare case-insensitively): the mark as
    `Unlisted`, the rest in the case of a catalog name it begins, else capitalized."""
    mark = MARK.lower()
    head, found, tail = name.partition(mark)
    if not found:
        return _cased(name, listed)
    rest = "Action" if tail == "action" else _cased(tail, listed)
    return _cased(head, listed) + MARK + rest


def _cased(text: str, listed: Listed) -> str:
    """`text` in the case of the catalog name that shares its longest beginning, the rest
    capitalized (`getobjectz` -> `GetObjectZ`)."""
    names, keys = listed
    for end in range(len(text), 0, -1):
        head = text[:end]
        index = bisect_left(keys, head)
        if index < len(keys) and keys[index].startswith(head):
            return names[keys[index]][:end] + text[end : end + 1].upper() + text[end + 1 :]
    return text[:1].upper() + text[1:]


Listed = tuple[dict[str, str], tuple[str, ...]]


@lru_cache(maxsize=1024)
def _listed(service: str) -> Listed:
    """A service's catalog names without the prefix: lower-cased -> the catalog's spelling,
    and the lower-cased names sorted."""
    names = {info.name.lower(): info.name for info in get_catalog().actions(service)}
    return names, tuple(sorted(names))

"""Actions the IAM catalog does not list yet, by class: the prover's stand-ins for the actions
AWS adds after the catalog was taken.

A policy that allows `s3:*` or `s3:GetObject*` allows such actions the day they exist, and they
may name resources no catalog action names (the catalog restricts each action's resource
types; an unknown action may name any ARN). So a catalog action matched by the same patterns is
no stand-in for them, and a PASS must have asked about them.

The engine decides an unknown name `svc:Op` like any other: by which Action/NotAction entries
match it (only entries of prefix `svc`, and `*`: the engine compares prefixes literally) and
whether RCPs govern `svc`. Hence:

1. per service prefix an entry names, every combination of that prefix's name patterns that
   some name outside the catalog realizes, with one such name (`service_names`). Patterns of
   the common shapes `Name` and `Name*` are decided on the trie of their texts (a name that
   leaves the trie keeps the combination it had there); others by the product automaton of
   the patterns (`automata.signature_classes`), avoiding the catalog's names where the
   shortest name is one of them;
2. every such name, and one of a service no entry names (split by whether RCPs govern it),
   grouped by the statements that match it: names matched by the same statements, of services
   RCPs treat alike, are decided by the same formula, so each group is one question.

Placeholder names carry `Unlisted` (`s3:GetObjectUnlisted`, `unlistedservice:UnlistedAction`)
so that a witness says what it stands for; a name the policy itself writes (`s3:GetNewThing`,
not in the catalog) is its own stand-in.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from policysim.catalog import get_catalog
from policysim.diff.automata import (
    BudgetExceededError,
    alphabet,
    glob_nfa,
    signature_classes,
    witness_avoiding,
)
from policysim.engine.evaluate import rcp_services
from policysim.policy.action import split_action
from policysim.policy.wildcard import Matcher, compile_glob

UNLISTED_SERVICE = "unlistedservice"
MARK = "Unlisted"
"""Part of every placeholder name, so that a witness reads as what it is."""

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
"""The characters of action names (lower-cased; `AssociateViaAWSService-EventsAndStates` is the
catalog's oddest): a future action is named like the others, so stand-ins are drawn from these
and a pattern needing any other character matches no real action."""
_PREFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_BUDGET = 5000

Entry = tuple[tuple[str, ...], bool]
"""One statement's Action (or NotAction) entries, and whether they are NotAction."""


@dataclass(frozen=True, slots=True)
class UnlistedGroup:
    """Stand-in names the same statements match (most readable first); `undecided` says why
    the names of a service could not be enumerated within the budget."""

    names: tuple[str, ...]
    undecided: str | None = None


def _service_of(pattern: str) -> tuple[str, str] | None:
    """(prefix, name pattern) of an entry that can match an action name; None for `*`, for text
    without a colon, and for a prefix no service can have (`s3*:Get*` matches no real action)."""
    parts = split_action(pattern)
    if parts is None or not parts[0] or not set(parts[0]) <= _PREFIX_CHARS:
        return None
    return parts


def unlisted_groups(
    entries: Sequence[Entry], rcp_sensitive: bool, wanted: tuple[str, ...] | None = None
) -> list[UnlistedGroup]:
    """The stand-ins for unlisted actions, grouped by the statements (`entries`) that match
    them. `rcp_sensitive`: RCPs are compared, so services they govern are told apart.
    `wanted` (verify --not-granted): only names those patterns match."""
    patterns: dict[str, set[str]] = {}
    parsed: list[tuple[bool, dict[str, list[str]]]] = []  # per statement: `*`, names by prefix
    for texts, _ in entries:
        star = False
        by_prefix: dict[str, list[str]] = {}
        for text in texts:
            if text == "*":
                star = True
                continue
            parts = _service_of(text)
            if parts is not None:
                patterns.setdefault(parts[0], set()).add(parts[1])
                by_prefix.setdefault(parts[0], []).append(parts[1])
        parsed.append((star, by_prefix))
    every = wanted is None or "*" in wanted
    asked: set[str] = set()
    for text in wanted or ():
        parts = _service_of(text)
        if parts is not None:
            patterns.setdefault(parts[0], set()).add(parts[1])
            asked.add(parts[0])
    governed = rcp_services() if rcp_sensitive else frozenset()
    groups: dict[tuple[object, ...], list[str]] = {}
    undecided: list[UnlistedGroup] = []
    for service in sorted(patterns):
        if not every and service not in asked:
            continue  # no wanted pattern reaches this service
        ordered = tuple(sorted(patterns[service]))
        bit = {p: 1 << i for i, p in enumerate(ordered)}
        try:
            found = service_names(service, ordered)
        except BudgetExceededError as err:
            undecided.append(UnlistedGroup((f"{service}:{MARK}Action",), str(err)))
            continue
        masks = [
            (sum(bit[p] for p in set(by_prefix.get(service, ()))), star)
            for star, by_prefix in parsed
        ]
        keep = 0
        for text in wanted or ():
            parts = _service_of(text)
            if parts is not None and parts[0] == service:
                keep |= bit[parts[1]]
        for signature, name in found:
            if not every and not signature & keep:
                continue
            key = (_matched(entries, masks, signature), service in governed)
            groups.setdefault(key, []).append(name)
    if every:
        masks = [(0, star) for star, _ in parsed]
        for name in _unnamed(frozenset(patterns), governed):
            service = name.partition(":")[0]
            key = (_matched(entries, masks, 0), service in governed)
            groups.setdefault(key, []).append(name)
    out = [UnlistedGroup(tuple(sorted(names, key=_readability))) for names in groups.values()]
    return out + undecided


def _matched(
    entries: Sequence[Entry], masks: Sequence[tuple[int, bool]], signature: int
) -> tuple[bool, ...]:
    """Which statements match a name whose patterns of its service are `signature` (the
    engine's test: an empty list matches nothing, NotAction inverts the rest)."""
    out = []
    for (texts, negate), (mask, star) in zip(entries, masks, strict=True):
        out.append(bool(texts) and ((star or bool(signature & mask)) != negate))
    return tuple(out)


def _unnamed(named: frozenset[str], governed: frozenset[str]) -> list[str]:
    """A stand-in of a service no entry names (one RCPs do not govern) and, when RCPs are
    compared, one of a service they govern."""
    prefix = UNLISTED_SERVICE
    while prefix in named:
        prefix += "x"
    out = [f"{prefix}:{MARK}Action"]
    for service in sorted(governed - named):
        if get_catalog().action(f"{service}:{MARK}Action") is None:
            out.append(f"{service}:{MARK}Action")
            break
    return out


def _readability(name: str) -> tuple[int, int, int, str]:
    """Placeholders of a named service first, common verbs first, then the shortest."""
    service, _, op = name.partition(":")
    common = ("Get", "List", "Describe", "Put", "Create", "Delete", "Update")
    rank = next((i for i, p in enumerate(common) if op.startswith(p)), len(common))
    return (int(service.startswith(UNLISTED_SERVICE)), rank, len(name), name)


# ---- the names of one service ------------------------------------------------------------

Listed = tuple[dict[str, str], tuple[str, ...]]


@lru_cache(maxsize=1024)
def _listed(service: str) -> Listed:
    """A service's catalog names without the prefix: lower-cased -> the catalog's spelling,
    and the lower-cased names sorted."""
    names = {info.name.lower(): info.name for info in get_catalog().actions(service)}
    return names, tuple(sorted(names))


@lru_cache(maxsize=8192)
def service_names(service: str, patterns: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """For each combination of `patterns` (lower-cased name patterns of `service`, as a bit
    mask: bit i set when pattern i matches) that a name outside the catalog realizes, one such
    name `service:Name`. Raises `BudgetExceededError` when the search is too large."""
    listed = _listed(service)
    found = _prefix_names(patterns, listed)
    if found is None:
        found = _automaton_names(patterns, listed)
    return tuple((signature, f"{service}:{_display(name, listed)}") for signature, name in found)


def _prefix_names(patterns: tuple[str, ...], listed: Listed) -> list[tuple[int, str]] | None:
    """The combinations when every pattern is `Name` or `Name*` (None otherwise), on the trie
    of the pattern texts.

    A name's combination is fixed by the trie node where it stops (the `Name*` patterns whose
    text it starts with, and the `Name` it equals) or, once it leaves the trie, by the node it
    left from (the `Name*` patterns only): every continuation of a name that has left the trie
    has its combination. So the nodes, and one name leaving each node, realize every
    combination there is, and a name that leaves the trie can always avoid the catalog.
    """
    star_at: dict[str, int] = {}
    literal_at: dict[str, int] = {}
    for i, pattern in enumerate(patterns):
        star = pattern.endswith("*")
        text = pattern[:-1] if star else pattern
        if "*" in text or "?" in text:
            return None
        if not set(text) <= _NAME_CHARS:
            continue  # a character no action name has: it matches no real action
        table = star_at if star else literal_at
        table[text] = table.get(text, 0) | 1 << i
    nodes = {text[:k] for text in (*star_at, *literal_at) for k in range(len(text) + 1)}
    leaving: dict[str, int] = {}  # the combination of names leaving the trie at a node
    found: dict[int, str] = {}
    names = listed[0]
    for node in sorted(nodes, key=lambda n: (len(n), n)):
        inherited = leaving[node[:-1]] if node else 0
        leaving[node] = inherited | star_at.get(node, 0)
        at_node = leaving[node] | literal_at.get(node, 0)
        if node and at_node not in found and node not in names and at_node != leaving[node]:
            found[at_node] = node  # a name written in the policy, not in the catalog
    for node in sorted(nodes, key=lambda n: (len(n), n)):
        signature = leaving[node]
        if signature in found:
            continue
        name = _leave(node, nodes, names)
        found[signature] = name
    # A node's own name whose combination no leaving name has (it equals a `Name`) was taken
    # above; one equal to a leaving combination is covered by the leaving name.
    return list(found.items())


def _leave(node: str, nodes: set[str], names: dict[str, str]) -> str:
    """A name that leaves the trie right after `node`, readable and not a catalog name."""
    mark = MARK.lower()
    first = f"{mark}action" if not node else mark
    if node + first[0] not in nodes and node + first not in names:
        return node + first
    for char in "xzqjkvwy0123456789abcdefghilmnoprstu":
        if node + char not in nodes and node + char + mark not in names:
            return node + char + mark
    raise AssertionError("every character continues the trie")  # 36 characters, few patterns


def _automaton_names(patterns: tuple[str, ...], listed: Listed) -> list[tuple[int, str]]:
    """The combinations by the product automaton of the patterns (any shape)."""
    nfas = [glob_nfa(p) for p in patterns]
    letters = [c for c in alphabet(nfas) if c in _NAME_CHARS]
    found = signature_classes(nfas, budget=_BUDGET, letters=letters)
    matchers = [compile_glob(p) for p in patterns]
    out: list[tuple[int, str]] = []
    for signature, shortest in found.items():
        mask = sum(1 << i for i, hit in enumerate(signature) if hit)
        name = _marked(matchers, mask, shortest, listed[0])
        if name is None and shortest not in listed[0]:
            name = shortest
        if name is None:
            excluded = [op for op in listed[1] if _mask(matchers, op) == mask]
            name = witness_avoiding(nfas, signature, excluded, letters, budget=_BUDGET)
        if name is not None:  # else every name of this combination is a catalog action
            out.append((mask, name))
    return out


def _mask(matchers: Sequence[Matcher], name: str) -> int:
    """The combination of patterns `name` is matched by, as a bit mask."""
    return sum(1 << i for i, m in enumerate(matchers) if m(name))


def _marked(
    matchers: Sequence[Matcher], mask: int, shortest: str, names: dict[str, str]
) -> str | None:
    """A name with the mark, of this combination and not in the catalog, if a simple one
    exists: `UnlistedAction`, `GetUnlisted`, `UnlistedObject`, `Get` `Unlisted` `Object`."""
    mark = MARK.lower()
    candidates = [f"{mark}action", shortest + mark, mark + shortest]
    candidates += [shortest[:i] + mark + shortest[i:] for i in range(len(shortest) - 1, 0, -1)]
    for candidate in candidates:
        if candidate not in names and _mask(matchers, candidate) == mask:
            return candidate
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

"""What a decision depends on: the condition under which it would change.

When a decision turned on context keys the request did not carry (a bucket policy that denies
uploads without an encryption header, an SCP that denies every region but two), the honest
answer names the condition: "allowed if s3:x-amz-server-side-encryption is AES256 or aws:kms".

The search is empirical and bounded, so that what it states has been checked: for each missing
key, the condition entries that name it give a few *witness* values (each policy value, or a
value that satisfies the operator: `9` for `NumericLessThan 10`, plus one value the policies do
not name); the request is re-evaluated with the key set to each witness, and the outcomes are
summarised per key, then for pairs of keys when no single key reaches a decision. Keys found
only after another key was set (an Allow's condition hidden behind a Deny) join the search.
Every stated dependency carries the example that was evaluated and gave the stated decision.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from policysim.engine.compiled import CompiledPolicies, CompiledPolicySet
from policysim.engine.conditions.comparators import POSITIVE_COMPARATORS
from policysim.engine.evaluate import evaluate
from policysim.engine.request import Request
from policysim.engine.result import Decision, Dependency, EvaluationResult, KeyCondition
from policysim.policy.literals import parse_date, parse_network, parse_number
from policysim.policy.operators import Family

MAX_KEYS = 6
"""Keys analysed one by one; beyond, the answer says it may depend on the others too."""
MAX_WITNESSES = 8
"""Policy values tried per key (plus one value the policies do not name)."""
MAX_PAIRS = 6
"""Pairs of keys tried together when no single key reaches a decision."""
PAIR_WITNESSES = 5
"""Witnesses per key in a pair search (their product is evaluated)."""

_NEGATION = {
    "StringEquals": "StringNotEquals",
    "StringEqualsIgnoreCase": "StringNotEqualsIgnoreCase",
    "StringLike": "StringNotLike",
    "ArnLike": "ArnNotLike",
    "NumericEquals": "NumericNotEquals",
    "NumericLessThan": "NumericGreaterThanEquals",
    "NumericLessThanEquals": "NumericGreaterThan",
    "NumericGreaterThan": "NumericLessThanEquals",
    "NumericGreaterThanEquals": "NumericLessThan",
    "DateEquals": "DateNotEquals",
    "DateLessThan": "DateGreaterThanEquals",
    "DateLessThanEquals": "DateGreaterThan",
    "DateGreaterThan": "DateLessThanEquals",
    "DateGreaterThanEquals": "DateLessThan",
    "IpAddress": "NotIpAddress",
}
"""The operator true exactly when a positive one is false (for a present key)."""

_SET_NEGATIONS = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "ArnNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "NotIpAddress",
    }
)
"""Negations that may hold several values (none of them matches); an inequality may not."""

_OTHER = {
    Family.STRING: "policysim-other-value",
    Family.ARN: "arn:aws:iam::000000000000:policysim-other",
    Family.NUMERIC: "987654321",
    Family.DATE: "1999-12-31T00:00:00Z",
    Family.IP: "192.0.2.123",
    Family.BINARY: "cG9saWN5c2ltLW90aGVy",
}
"""A value no policy is likely to name, standing for "any other value". Bool has none: its
two values are both tried."""


@dataclass(frozen=True, slots=True)
class _Phrase:
    """A positive test on a key (`operator` with one policy `value`) and a witness value that
    satisfies it; the operator is empty for the "any other value" witness."""

    operator: str
    value: str
    witness: str

    @property
    def is_other(self) -> bool:
        return not self.operator

    def holds(self, request_value: str) -> bool:
        """Whether a request value satisfies this phrase."""
        if self.is_other:
            return False
        return POSITIVE_COMPARATORS[self.operator](request_value, self.value)


def _witness(operator: str, value: str) -> str | None:
    """A request value that satisfies `operator value`, or None when none is easy to make."""
    if "${" in value:
        return None  # a policy variable: the value depends on other keys
    if operator.startswith("Numeric"):
        number = parse_number(value)
        if number is None:
            return None
        step = {"NumericLessThan": -1, "NumericGreaterThan": 1}.get(operator, 0)
        return _number_text(number + step)
    if operator.startswith("Date"):
        instant = parse_date(value)
        if instant is None:
            return None
        step = {"DateLessThan": -86400, "DateGreaterThan": 86400}.get(operator, 0)
        when = datetime.fromtimestamp(float(instant + step), UTC)
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    if operator == "IpAddress":
        network = parse_network(value)
        return None if network is None else str(network.network_address)
    if operator in ("StringLike", "ArnLike"):
        return value.replace("*", "x").replace("?", "x")
    return value


def _number_text(number: Decimal) -> str:
    return str(int(number)) if number == number.to_integral_value() else str(number)


class _Search:
    """Re-evaluates the request with keys set, remembering every outcome."""

    def __init__(self, compiled: CompiledPolicySet, request: Request) -> None:
        self.compiled = compiled
        self.request = request
        self.action = request.action.lower()
        self._outcomes: dict[tuple[tuple[str, str], ...], tuple[Decision, list[str]]] = {}
        self._phrases: dict[str, tuple[list[_Phrase], bool]] = {}

    def decide(self, assignment: Iterable[tuple[str, str]]) -> tuple[Decision, list[str]]:
        """The decision, and the keys still missing, with `assignment` added to the context."""
        key = tuple(sorted(assignment))
        found = self._outcomes.get(key)
        if found is None:
            context = self.request.context.copy()
            for name, value in key:
                context.set(name, value)
            request = Request(
                self.request.principal,
                self.request.action,
                self.request.resource,
                self.request.resource_account,
                context,
            )
            result = evaluate(self.compiled, request)
            found = (result.decision, result.missing_context_keys)
            self._outcomes[key] = found
        return found

    def _groups(self) -> list[CompiledPolicies]:
        c = self.compiled
        groups = [c.identity, c.resource, c.boundary, c.session]
        groups += c.scp_levels or []
        groups += c.rcp_levels or []
        return [g for g in groups if g is not None]

    def phrases(self, key: str) -> tuple[list[_Phrase], bool]:
        """The witnesses for `key` (capped; True when some were left out), the "other" last."""
        lower = key.lower()
        cached = self._phrases.get(lower)
        if cached is not None:
            return cached
        found: dict[str, _Phrase] = {}
        families: list[Family] = []
        context = self.request.context
        for group in self._groups():
            for statement in group.for_action(self.action):
                if not statement.matches_resource(self.request.resource, context):
                    continue
                for condition in statement.conditions:
                    if condition.key.lower() != lower:
                        continue
                    families.append(condition.operator.family)
                    if condition.operator.family is Family.NULL:
                        continue
                    positive = condition.operator.positive
                    for value in condition.values:
                        witness = _witness(positive, value)
                        if witness is not None and witness not in found:
                            found[witness] = _Phrase(positive, value, witness)
        phrases = list(found.values())
        capped = len(phrases) > MAX_WITNESSES
        phrases = phrases[:MAX_WITNESSES]
        family = next((f for f in families if f is not Family.NULL), Family.STRING)
        if family is Family.BOOL:
            for value in ("true", "false"):
                if value not in found:
                    phrases.append(_Phrase("Bool", value, value))
        else:
            other = _OTHER[family]
            if other not in found:
                phrases.append(_Phrase("", "", other))
        self._phrases[lower] = (phrases, capped)
        return phrases, capped


def _negate(phrases: list[_Phrase], key: str) -> list[KeyCondition] | None:
    """Conditions true exactly when none of `phrases` holds; None when one has no negation."""
    grouped: dict[str, list[str]] = {}
    for phrase in phrases:
        if phrase.is_other:
            continue
        if phrase.operator == "Bool":
            grouped.setdefault("Bool", []).append("false" if phrase.value == "true" else "true")
            continue
        negated = _NEGATION.get(phrase.operator)
        if negated is None:
            return None
        grouped.setdefault(negated, []).append(phrase.value)
    out: list[KeyCondition] = []
    for operator, values in grouped.items():
        unique = tuple(dict.fromkeys(values))
        if operator in _SET_NEGATIONS:
            out.append(KeyCondition(key, operator, unique))
        else:
            out += [KeyCondition(key, operator, (v,)) for v in unique]
    return out


def _summarise(
    key: str, outcomes: list[tuple[_Phrase, Decision]], target: Decision
) -> list[tuple[tuple[KeyCondition, ...], str]]:
    """Alternative conditions on `key` under which the decision is `target`, each with a witness
    that gave it."""
    hits = [p for p, d in outcomes if d is target]
    misses = [p for p, d in outcomes if d is not target]
    if not hits:
        return []
    if not misses:
        return [((KeyCondition(key, "Null", ("false",)),), hits[-1].witness)]
    other = next((p for p in hits if p.is_other), None)
    if other is not None:
        negated = _negate(misses, key)
        if negated:
            return [(tuple(negated), other.witness)]
        hits = [p for p in hits if not p.is_other]
        if not hits:
            return []
    by_operator: dict[str, list[_Phrase]] = {}
    for phrase in hits:
        by_operator.setdefault(phrase.operator, []).append(phrase)
    out: list[tuple[tuple[KeyCondition, ...], str]] = []
    for operator, group in by_operator.items():
        witness = group[0].witness
        values = tuple(dict.fromkeys(p.value for p in group))
        stated = KeyCondition(key, operator, values)
        # Where a value that does not give `target` also satisfies this test (10 < x < 5 kinds
        # of overlap), the test alone would overstate: exclude those explicitly.
        overlap = [
            m
            for m in misses
            if not m.is_other and any(p.holds(m.witness) for p in group) and not m.holds(witness)
        ]
        extra = _negate(overlap, key) if overlap else []
        out.append(((stated, *(extra or [])), witness))
    return out


def _keys_of(result_keys: Iterable[str], request: Request, known: dict[str, str]) -> None:
    """Add to `known` (lower -> as written) the keys the request lacks."""
    for key in result_keys:
        if key not in request.context and key.lower() not in known:
            known[key.lower()] = key


def dependencies(
    compiled: CompiledPolicySet, request: Request, result: EvaluationResult
) -> list[Dependency]:
    """How `result` would change if the request carried the keys it lacked (empty when it
    would not, or when no key was missing)."""
    keys: dict[str, str] = {}
    _keys_of(result.missing_context_keys, request, keys)
    if not keys:
        return []
    search = _Search(compiled, request)
    current = result.decision
    found: list[Dependency] = []
    tried = 0
    while tried < min(len(keys), MAX_KEYS):
        key = list(keys.values())[tried]
        tried += 1
        phrases, capped = search.phrases(key)
        outcomes: list[tuple[_Phrase, Decision]] = []
        for phrase in phrases:
            decision, still_missing = search.decide([(key, phrase.witness)])
            outcomes.append((phrase, decision))
            _keys_of(still_missing, request, keys)
        for target in sorted({d for _, d in outcomes} - {current}):
            for conditions, witness in _summarise(key, outcomes, target):
                found.append(Dependency(target, conditions, ((key, witness),), capped))
    names = list(keys.values())
    reached = {d.becomes for d in found}
    wanted = {Decision.ALLOWED} if current is not Decision.ALLOWED else set(Decision) - {current}
    if wanted - reached and len(names) >= 2:
        found += _pairs(search, names[:MAX_KEYS], current, wanted - reached)
        reached = {d.becomes for d in found}
    stuck = current is not Decision.ALLOWED and Decision.ALLOWED not in reached
    if len(names) > MAX_KEYS or (len(names) > 2 and stuck):
        found.append(Dependency(None, (), keys=tuple(names)))
    return [d for d in found if d.becomes is None or _confirmed(search, d)]


def _pairs(
    search: _Search, names: list[str], current: Decision, targets: set[Decision]
) -> list[Dependency]:
    """Conjunctions of two keys that reach a decision neither reaches alone."""
    out: list[Dependency] = []
    for first, second in itertools.islice(itertools.combinations(names, 2), MAX_PAIRS):
        firsts, capped1 = search.phrases(first)
        seconds, capped2 = search.phrases(second)
        firsts, seconds = _pair_slice(firsts), _pair_slice(seconds)
        grid = {
            (a.witness, b.witness): search.decide([(first, a.witness), (second, b.witness)])[0]
            for a in firsts
            for b in seconds
        }
        for target in sorted(targets & set(grid.values())):
            # Group the first key's witnesses by what the second key must then be.
            rows: dict[tuple[tuple[KeyCondition, ...], str], list[_Phrase]] = {}
            for a in firsts:
                row = [(b, grid[(a.witness, b.witness)]) for b in seconds]
                for alternative in _summarise(second, row, target):
                    rows.setdefault(alternative, []).append(a)
            for (conditions2, witness2), group in rows.items():
                column = [(a, target if a in group else current) for a in firsts]
                for conditions1, witness1 in _summarise(first, column, target):
                    out.append(
                        Dependency(
                            target,
                            conditions1 + conditions2,
                            ((first, witness1), (second, witness2)),
                            capped1 or capped2,
                        )
                    )
    return out


def _pair_slice(phrases: list[_Phrase]) -> list[_Phrase]:
    """The first few witnesses and the "other" one."""
    if len(phrases) <= PAIR_WITNESSES:
        return phrases
    return phrases[: PAIR_WITNESSES - 1] + phrases[-1:]


def _confirmed(search: _Search, dependency: Dependency) -> bool:
    """Re-check a dependency on its example (a safety net: what is stated was seen)."""
    return search.decide(dependency.example)[0] is dependency.becomes


def with_dependencies(
    compiled: CompiledPolicySet, request: Request, result: EvaluationResult
) -> EvaluationResult:
    """`result` with `depends_on` filled in (for interactive commands; batch paths skip it)."""
    result.depends_on = dependencies(compiled, request, result)
    return result

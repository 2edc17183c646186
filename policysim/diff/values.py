"""The theory of one context key: is a conjunction of condition entries (each wanted true or
false) on one key satisfiable, and by which value?

Every condition entry is a unary predicate on one key's value, and the engine's own
`CompiledCondition.holds` decides it on a concrete value: this module never re-implements an
operator, it only chooses candidate values and asks the engine. What makes a "no" a proof is
that the candidates are complete for the family:

* strings and ARNs: exact automata (`automata.shortest`), so any string the entries allow is
  found;
* numbers and dates: every literal point, a point between each two, one below and one above,
  and one value that is not a number (comparisons only see the order);
* IP addresses: CIDR blocks nest or are disjoint, so one address per innermost block (not in
  a smaller one), one outside every block, per IP version, and one non-address;
* booleans and binary: the literals themselves, one fresh value, and one malformed value.

The value's shape is searched too: absent, one value, an empty list, `[""]`, and a list with
one slot per "some value ..." requirement (ForAnyValue true, ForAllValues false), which is exact:
a list satisfying the entries keeps satisfying them when cut down to one witness per such
requirement. Entries of different families on one key (a number compared as a string) get the
union of the candidates, and an unsatisfied search there is UNKNOWN, never a proof.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

from policysim.diff.automata import (
    EMPTY,
    UNIVERSAL,
    BudgetExceededError,
    Nfa,
    arn_glob_nfa,
    glob_nfa,
    literal_nfa,
    shortest,
)
from policysim.engine.condition_block import CompiledCondition
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Context, ContextValue
from policysim.policy.literals import parse_date, parse_network, parse_number
from policysim.policy.operators import Family, Qualifier

ABSENT = object()
"""The key is not in the request."""

Literal = tuple[CompiledCondition, bool]
"""A condition entry and whether it must hold."""


class TheoryUnknownError(Exception):
    """The key's entries fall outside the exact procedures (the message says which)."""


_ARN6 = arn_glob_nfa("arn:*:*:*:*:*", False)


def _holds(
    condition: CompiledCondition, value: ContextValue | None, opts: EvaluationOptions
) -> bool:
    context = Context() if value is None else Context({condition.key: value})
    return condition.holds(context, opts, None)


def _slot_holds(condition: CompiledCondition, value: str, opts: EvaluationOptions) -> bool:
    """The per-element predicate of a set operator (a two-element list of one value avoids the
    `[""]` special case of ForAllValues)."""
    return condition.holds(Context({condition.key: (value, value)}), opts, None)


def _family_group(condition: CompiledCondition) -> str:
    family = condition.operator.family
    return "string" if family in (Family.STRING, Family.ARN) else family.value


def _nfa(condition: CompiledCondition, value: str) -> Nfa:
    positive = condition.operator.positive
    if positive == "StringEquals":
        return literal_nfa(value)
    if positive == "StringEqualsIgnoreCase":
        return literal_nfa(value, "casefold")
    if positive == "StringLike":
        return glob_nfa(value)
    # ArnLike / ArnEquals: the request must be a six-part ARN, compared segment-wise.
    if value == "*":
        return _ARN6
    if "*" not in value and "?" not in value and not value.startswith("arn:"):
        return EMPTY
    return arn_glob_nfa(value, False)


def _string_candidates(
    literals: Sequence[tuple[CompiledCondition, bool]], prefer: str, budget: int
) -> list[str]:
    """The shortest string meeting every string/ARN entry (exact), as a one-element list."""
    positive: list[list[Nfa]] = []
    negative: list[list[Nfa]] = []
    for condition, want in literals:
        union = [_nfa(condition, v) for v in condition.values]
        if condition.operator.negated:
            want = not want
        (positive if want else negative).append(union or [EMPTY])
    if not positive:
        positive = [[UNIVERSAL]]
    try:
        found = shortest(positive, negative, budget=budget, prefer=prefer)
    except BudgetExceededError as err:
        raise TheoryUnknownError(f"string search: {err}") from None
    return [] if found is None else [found]


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _ordered_points(points: list[Decimal]) -> list[Decimal]:
    ordered = sorted(set(points))
    out: list[Decimal] = []
    if not ordered:
        return [Decimal(1)]
    out.append(ordered[0] - 1)
    for low, high in pairwise(ordered):
        out += [low, (low + high) / 2]
    out += [ordered[-1], ordered[-1] + 1]
    return out


def _number_candidates(values: Iterable[str]) -> list[str]:
    points = [p for p in (parse_number(v) for v in values) if p is not None]
    return [_decimal_text(p) for p in _ordered_points(points)] + ["not-a-number"]


def _date_text(instant: Decimal) -> str:
    """An ISO 8601 spelling when the instant has one, else epoch seconds; checked to parse
    back to the same instant."""
    try:
        moment = datetime.fromtimestamp(float(instant), UTC)
        whole = instant == instant.to_integral_value()
        text = moment.strftime("%Y-%m-%dT%H:%M:%SZ") if whole else None
        if text is not None and parse_date(text) == instant:
            return text
    except (OverflowError, OSError, ValueError):
        pass
    text = _decimal_text(instant)
    if "." not in text and len(text.lstrip("+-")) == 4:
        text += ".0"  # four digits alone would read as a year
    return text


def _date_candidates(values: Iterable[str]) -> list[str]:
    points = [p for p in (parse_date(v) for v in values) if p is not None]
    return [_date_text(p) for p in _ordered_points(points)] + ["not-a-date"]


def _first_free(low: int, high: int, blocks: list[tuple[int, int]]) -> int | None:
    """The first integer in [low, high] inside none of `blocks` (nested or disjoint)."""
    at = low
    for start, end in sorted(blocks):
        if end < at:
            continue
        if start > at:
            break
        at = max(at, end + 1)
    return at if at <= high else None


def _ip_candidates(values: Iterable[str]) -> list[str]:
    networks = {n for n in (parse_network(v) for v in values) if n is not None}
    out: list[str] = []
    for version, default, top in ((4, "192.0.2.1", 2**32 - 1), (6, "2001:db8::1", 2**128 - 1)):
        nets = [n for n in networks if n.version == version]
        spans = [(int(n.network_address), int(n.broadcast_address)) for n in nets]
        make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
        outside = default
        if any(lo <= int(make(default)) <= hi for lo, hi in spans):
            free = _first_free(0, top, spans)
            outside = str(make(free)) if free is not None else ""
        if outside:
            out.append(outside)
        for lo, hi in spans:
            inner = [(a, b) for a, b in spans if lo <= a and b <= hi and (a, b) != (lo, hi)]
            free = _first_free(lo + 1 if hi > lo else lo, hi, inner)
            if free is None:
                free = _first_free(lo, hi, inner)
            if free is not None:
                out.append(str(make(free)))
    return [*out, "not-an-address"]


def _plain_candidates(values: Iterable[str], fresh: str, bad: str) -> list[str]:
    return [*dict.fromkeys(values), fresh, bad]


def _candidates(group: str, values: list[str]) -> list[str]:
    if group == Family.NUMERIC.value:
        return _number_candidates(values)
    if group == Family.DATE.value:
        return _date_candidates(values)
    if group == Family.IP.value:
        return _ip_candidates(values)
    if group == Family.BOOL.value:
        return ["true", "false", "not-a-bool"]
    return _plain_candidates(values, "AAAA", "not base64!")  # binary


def solve_single(
    literals: Sequence[Literal],
    opts: EvaluationOptions,
    *,
    slot: bool = False,
    prefer: str = "",
    avoid_empty: bool = False,
    budget: int = 20000,
) -> str | None:
    """One value meeting every entry (as a single value, or as a list element with `slot`);
    None when there is none (a proof unless families are mixed: then `TheoryUnknownError`)."""
    if not literals:
        return prefer or "a"
    test = _slot_holds if slot else _single_holds

    def ok(value: str) -> bool:
        if avoid_empty and value == "":
            return False
        return all(test(c, value, opts) == want for c, want in literals)

    if prefer and ok(prefer):
        return prefer
    groups = {_family_group(c) for c, _ in literals}
    tried: list[str] = []
    for group in sorted(groups):
        members = [(c, w) for c, w in literals if _family_group(c) == group]
        if group == "string":
            found = _string_candidates(members, prefer, budget)
            if avoid_empty and found == [""]:
                found = _string_candidates([*members, (_NONEMPTY, True)], prefer, budget)
            tried += found
        else:
            tried += _candidates(group, [v for c, _ in members for v in c.values])
    for value in tried:
        if ok(value):
            return value
    if len(groups) > 1:
        raise TheoryUnknownError("entries of different operator families on one key")
    return None


def _single_holds(condition: CompiledCondition, value: str, opts: EvaluationOptions) -> bool:
    return _holds(condition, value, opts)


def _nonempty() -> CompiledCondition:
    from policysim.engine.condition_block import compile_conditions

    (condition,) = compile_conditions({"StringLike": {"x": ("?*",)}}, substitutes_variables=False)
    return condition


_NONEMPTY = _nonempty()


def solve_key(
    literals: Sequence[Literal],
    opts: EvaluationOptions,
    *,
    must_exist: bool = False,
    single_only: bool = False,
    prefer: str = "",
    budget: int = 20000,
) -> object | None:
    """A value for one key meeting every entry: `ABSENT`, a string or a tuple; None when no
    value does (a proof). Shapes are tried from the simplest: absent, one value, `[]`, `[""]`,
    a list with one element per existential requirement."""
    if any(c.templates is not None for c, _ in literals):
        raise TheoryUnknownError("a policy variable in a condition value")
    nulls = [(c, w) for c, w in literals if c.operator.family is Family.NULL]
    rest = [(c, w) for c, w in literals if c.operator.family is not Family.NULL]
    if not must_exist and all(_holds(c, None, opts) == w for c, w in literals):
        return ABSENT
    if not all(_holds(c, "x", opts) == w for c, w in nulls):
        return None  # the entries refuse the key's presence
    doubt: TheoryUnknownError | None = None
    try:
        value = solve_single(rest, opts, prefer=prefer, budget=budget)
        if value is not None and all(_holds(c, value, opts) == w for c, w in rest):
            return value
    except TheoryUnknownError as err:
        doubt = err
    if not single_only:
        for fixed in ((), ("",)):
            if all(_holds(c, fixed, opts) == w for c, w in rest):
                return fixed
        try:
            multi = _multi_value(rest, opts, budget)
            if multi is not None:
                return multi
        except TheoryUnknownError as err:
            doubt = err
    if doubt is not None:
        raise doubt
    return None


def _multi_value(
    literals: Sequence[Literal], opts: EvaluationOptions, budget: int
) -> tuple[str, ...] | None:
    """A list of at least one element, one element per existential requirement; every
    element also meets the universal ones."""
    every: list[Literal] = []
    some: list[Literal] = []
    plain_any = opts.plain_operator_on_multivalued_key == "any"
    for condition, want in literals:
        qualifier = condition.operator.qualifier
        if qualifier is None:
            if not plain_any:
                if want:
                    return None  # a plain operator never matches a list
                continue
            qualifier = Qualifier.FOR_ANY_VALUE
        for_all = qualifier is Qualifier.FOR_ALL_VALUES
        if for_all == want:  # ForAllValues true / ForAnyValue false: every element
            every.append((condition, for_all))
        else:  # ForAnyValue true / ForAllValues false: some element
            some.append((condition, not for_all))
    slots: list[str] = []
    for requirement in some:
        found = solve_single([*every, requirement], opts, slot=True, budget=budget)
        if found is None:
            return None
        slots.append(found)
    if not slots:
        found = solve_single(every, opts, slot=True, avoid_empty=True, budget=budget)
        if found is None:
            return None
        slots.append(found)
    value = tuple(slots)
    if value == ("",):
        value = ("", "")
    if all(_holds(c, value, opts) == w for c, w in literals):
        return value
    return None

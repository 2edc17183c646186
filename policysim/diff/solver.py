"""A small DPLL(T): Boolean search over the atoms of a formula, with a theory check per domain.

The domains are the resource (automata over the Resource lists and the action's ARN formats)
and each context key (`values.solve_key`). After every assignment the search asks the theory of
the atom's domain whether the literals chosen so far on that domain can hold together; a
formula that becomes true under a partial assignment is satisfied by any completion, so the
model is read off the theories. Exhausting the search is a proof that no request exists; a
search that exceeds its budget raises `SolverUnknownError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from policysim.diff.automata import (
    VALID_ARN,
    BudgetExceededError,
    Nfa,
    arn_glob_nfa,
    resource_prefix,
    shortest,
)
from policysim.diff.formula import (
    Atoms,
    ConditionAtom,
    Formula,
    ResourceAtom,
    evaluate3,
    first_open_atom,
)
from policysim.diff.values import ABSENT, Literal, TheoryUnknownError, solve_key
from policysim.engine.condition_block import CompiledCondition
from policysim.engine.options import EvaluationOptions


class SolverUnknownError(Exception):
    """The search could not decide (budget, or a theory outside the exact procedures)."""


@dataclass(frozen=True, slots=True)
class ResourceSpace:
    """The resources a request for one action may name: `*` always, and ARNs of the action's
    resource types. `exact` is the language searched for proofs (every ARN the catalog would
    accept for the action, or any ARN); `preferred` are narrower languages tried first for a
    readable witness."""

    exact: tuple[Nfa, ...] | None
    preferred: tuple[tuple[Nfa, ...], ...] = ()
    required: tuple[Nfa, ...] = ()
    """Further languages the resource must be in (the shape of a KMS key, a role)."""
    excluded: tuple[Nfa, ...] = ()
    """Languages the resource must avoid (those shapes, searched under their own rules)."""


STAR_ONLY = ResourceSpace(None)
ANY_ARN = ResourceSpace((VALID_ARN,))


@dataclass(slots=True)
class KeyRules:
    """What the caller fixes about context keys beyond the formula."""

    must_exist: dict[str, str] = field(default_factory=dict)
    """Keys AWS always sets for this caller (lower-cased), with the value it would set."""
    extra: dict[str, list[Literal]] = field(default_factory=dict)
    """Entries a value must also meet (a public-access check's "fresh value")."""


@dataclass(slots=True)
class Model:
    """A satisfying request part: the resource and the context values (absent keys left out)."""

    resource: str
    context: dict[str, object]
    values: dict[int, bool]


def _resource_members(atom: ResourceAtom) -> list[Nfa]:
    return [arn_glob_nfa(t, atom.head_ignore_case) for t in atom.texts]


def _meeting(group: list[Nfa], space: tuple[Nfa, ...]) -> list[Nfa]:
    """The entries of a Resource list whose resource segment can begin as one of the space's
    does (the others match no resource of the space, so they change no answer): a product
    over a long list (`apigateway:GET` on forty paths) costs far more than this test."""
    if len(group) < 4:
        return group
    heads = [resource_prefix(nfa) for nfa in space]
    if None in heads:
        return group
    kept = []
    for nfa in group:
        own = resource_prefix(nfa)
        if own is None or any(_agree(h, own) for h in heads if h is not None):
            kept.append(nfa)
    return kept


def _agree(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


class Search:
    """One satisfiability question."""

    def __init__(
        self,
        formula: Formula,
        atoms: Atoms,
        space: ResourceSpace,
        opts: EvaluationOptions,
        rules: KeyRules,
        budget: int,
        automaton_budget: int,
    ) -> None:
        self.formula = formula
        self.atoms = atoms
        self.space = space
        self.opts = opts
        self.rules = rules
        self.budget = budget
        self.automaton_budget = automaton_budget
        self.nodes = 0
        self._cache: dict[tuple[str, frozenset[tuple[int, bool]]], object] = {}
        self._values: dict[int, bool] = {}

    def domain(self, index: int) -> str:
        atom = self.atoms.items[index]
        return "" if isinstance(atom, ResourceAtom) else atom.domain

    def _literals(self, domain: str, values: dict[int, bool]) -> frozenset[tuple[int, bool]]:
        return frozenset((i, v) for i, v in values.items() if self.domain(i) == domain)

    def theory(self, domain: str, values: dict[int, bool], *, final: bool = False) -> object:
        """The domain's value for these literals; None when unsatisfiable."""
        self._values = values
        literals = self._literals(domain, values)
        key = (domain if not final else "final:" + domain, literals)
        if key in self._cache:
            return self._cache[key]
        if domain == "":
            out: object = self._resource(literals, final)
        else:
            out = self._key(domain, literals)
        self._cache[key] = out
        return out

    def _resource(self, literals: frozenset[tuple[int, bool]], final: bool) -> str | None:
        positive: list[list[Nfa]] = []
        negative: list[list[Nfa]] = []
        star_ok = True
        for index, want in literals:
            atom = self.atoms.items[index]
            assert isinstance(atom, ResourceAtom)
            members = _resource_members(atom)
            if any(m.matches("*") for m in members) != want:
                star_ok = False
            (positive if want else negative).append(members)
        if self.space.exact is None:
            return "*" if star_ok else None
        positive = [_meeting(group, self.space.exact) for group in positive]
        negative = [_meeting(group, self.space.exact) for group in negative]
        required = [[n] for n in self.space.required]
        excluded = [[n] for n in self.space.excluded]
        if final:  # a readable witness if a narrower language has one; else the search's own
            for language in self.space.preferred:
                try:
                    found = shortest(
                        [[VALID_ARN], list(language), *required, *positive],
                        [*negative, *excluded],
                        budget=self.automaton_budget // 4,
                    )
                except BudgetExceededError:
                    continue
                if found is not None:
                    return found
            return self.theory("", self._values, final=False)  # type: ignore[return-value]
        try:
            return shortest(
                [[VALID_ARN], list(self.space.exact), *required, *positive],
                [*negative, *excluded],
                budget=self.automaton_budget,
                sample=True,
            )
        except BudgetExceededError as err:
            raise SolverUnknownError(f"resource search: {err}") from None

    def _key(self, domain: str, literals: frozenset[tuple[int, bool]]) -> object:
        entries: list[tuple[CompiledCondition, bool]] = []
        for index, want in sorted(literals):
            atom = self.atoms.items[index]
            assert isinstance(atom, ConditionAtom)
            entries.append((atom.condition, want))
        entries += self.rules.extra.get(domain, [])
        derived = self.rules.must_exist.get(domain)
        try:
            return solve_key(
                entries,
                self.opts,
                must_exist=derived is not None,
                single_only=derived is not None,
                prefer=derived or "",
                budget=self.automaton_budget,
            )
        except (TheoryUnknownError, BudgetExceededError) as err:
            raise SolverUnknownError(f"condition key {entries[0][0].key}: {err}") from None

    def run(self) -> Model | None:
        values: dict[int, bool] = {}
        if not self._search(values):
            return None
        return self.model(values)

    def _search(self, values: dict[int, bool]) -> bool:
        self.nodes += 1
        if self.nodes > self.budget:
            raise SolverUnknownError(f"more than {self.budget} search steps")
        state = evaluate3(self.formula, values)
        if state is not None:
            return state
        index = first_open_atom(self.formula, values)
        assert index is not None
        domain = self.domain(index)
        for choice in (True, False):
            values[index] = choice
            if self.theory(domain, values) is not None and self._search(values):
                return True
            del values[index]
        return False

    def model(self, values: dict[int, bool]) -> Model:
        domains = {self.domain(i) for i in values}
        resource = self.theory("", values, final=True)
        if resource is None:  # pragma: no cover - the search checked it
            raise SolverUnknownError("resource theory changed its answer")
        context: dict[str, object] = {}
        for domain in sorted(domains - {""}):
            value = self.theory(domain, values)
            if value is None:  # pragma: no cover
                raise SolverUnknownError(f"key {domain} theory changed its answer")
            if value is not ABSENT:
                context[domain] = value
        return Model(str(resource), context, dict(values))


def solve(
    formula: Formula,
    atoms: Atoms,
    space: ResourceSpace,
    opts: EvaluationOptions,
    rules: KeyRules,
    *,
    budget: int,
    automaton_budget: int,
    exclude: Sequence[dict[int, bool]] = (),
) -> Model | None:
    """A model of `formula`, or None (a proof that there is none)."""
    search = Search(formula, atoms, space, opts, rules, budget, automaton_budget)
    return search.run()

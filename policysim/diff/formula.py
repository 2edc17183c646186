"""The engine's decision for one action and one caller, as a Boolean formula over atoms.

`engine.evaluate` decides a concrete request. For a fixed action and caller, everything it
does depends on the request's resource and context only through two kinds of question: does a
statement's Resource/NotResource list match the resource (a resource atom), and does one
condition entry hold (a condition atom, on one key). This module writes the evaluation steps
(explicit deny, SCP levels, the resource policy's strongest principal match, the identity,
boundary and session layers, same- versus cross-account, the trust and key-policy exceptions)
as a formula over those atoms, so that a solver can ask "NEW allows and OLD does not" without
enumerating requests. Atoms are shared between the two policy sets when the text is the same,
so an unchanged statement cancels out.

The formula mirrors `engine.evaluate` step for step; the property tests in `tests/diff` compare
the two on random policies and requests, and every witness is re-checked by the engine anyway.
What the formula leaves out is symmetric between OLD and NEW (AWS-owned resource protection,
`sts:GetCallerIdentity`), so leaving it out can produce a witness the engine refuses (the
prover then tries another), never a wrong PASS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from policysim.engine.compiled import CompiledPolicies, CompiledPolicySet, CompiledStatement
from policysim.engine.condition_block import CompiledCondition
from policysim.engine.evaluate import ALWAYS_ALLOWED, applicable_layers, blocked_by_bpa
from policysim.engine.options import EvaluationOptions
from policysim.engine.principal_match import MatchKind, statement_principal_kind
from policysim.engine.request import PrincipalKind, RequestPrincipal
from policysim.engine.result import PolicyType
from policysim.policy.variables import (
    LITERAL_QMARK,
    LITERAL_STAR,
    Variable,
    compile_template,
)

_GLOB_OPERATORS = frozenset({"StringLike", "ArnLike"})
"""Operators whose values are patterns (the engine's `condition_block` list)."""
_PROTECTED = frozenset({LITERAL_STAR, LITERAL_QMARK})


class FormulaUnknownError(Exception):
    """A statement the formula cannot express exactly (the message says which)."""


@dataclass(frozen=True, slots=True)
class ResourceAtom:
    """A statement's Resource (or NotResource) list: true when the resource matches it."""

    texts: tuple[str, ...]
    head_ignore_case: bool


@dataclass(frozen=True, slots=True)
class ConditionAtom:
    """One condition entry (operator, key, values); `domain` is the lower-cased key."""

    condition: CompiledCondition = field(compare=False)
    identity: tuple[str, str, tuple[str, ...], bool]

    @property
    def domain(self) -> str:
        return self.condition.key.lower()


Atom = ResourceAtom | ConditionAtom

# A formula: True/False, ("atom", index), ("not", f), ("and", (f, ...)), ("or", (f, ...)).
Formula = bool | tuple[Any, ...]


def f_not(f: Formula) -> Formula:
    if f is True or f is False:
        return not f
    if f[0] == "not":
        return cast(Formula, f[1])
    return ("not", f)


def f_and(parts: list[Formula]) -> Formula:
    kept: list[Formula] = []
    for p in parts:
        if p is False:
            return False
        if p is not True:
            kept.append(p)
    if not kept:
        return True
    return kept[0] if len(kept) == 1 else ("and", tuple(kept))


def f_or(parts: list[Formula]) -> Formula:
    kept: list[Formula] = []
    for p in parts:
        if p is True:
            return True
        if p is not False:
            kept.append(p)
    if not kept:
        return False
    return kept[0] if len(kept) == 1 else ("or", tuple(kept))


class Atoms:
    """The atoms of a query, numbered; the same text gets the same number."""

    def __init__(self) -> None:
        self.items: list[Atom] = []
        self._index: dict[Atom, int] = {}
        self.negated_resource: dict[int, bool] = {}

    def number(self, atom: Atom) -> int:
        index = self._index.get(atom)
        if index is None:
            index = len(self.items)
            self.items.append(atom)
            self._index[atom] = index
        return index


def _condition_identity(condition: CompiledCondition) -> tuple[str, str, tuple[str, ...], bool]:
    op = condition.operator
    return (op.canonical.lower(), condition.key.lower(), condition.values, op.negated)


@dataclass(slots=True)
class Caller:
    """The fixed parts of the request: who asks, for what, in which account, on what type."""

    principal: RequestPrincipal
    action: str  # lower-cased
    resource_account: str | None
    strict: (
        str | None
    )  # "trust" | "kms" | None: the resource type makes the resource policy decisive


class FormulaBuilder:
    """Builds `allowed(policy set)` for one caller over a shared atom table."""

    def __init__(
        self,
        atoms: Atoms,
        action_match: Callable[[CompiledStatement, str], bool] | None = None,
    ) -> None:
        self.atoms = atoms
        self._applies_cache: dict[int, Formula] = {}
        self.action_match = action_match
        self.caller_keys: dict[str, str | None] = {}
        """Context keys AWS derives from the caller (lower-cased), for Resource variables;
        a key the caller does not have maps to None."""
        self.substituted: set[str] = set()
        """Keys whose values were substituted into Resource entries."""
        self.caller_read: set[str] = set()
        """Keys of the caller whose policy variables some entry read (resolved or not): the
        formula then depends on who the caller is (`Question.every_caller`)."""
        """A faster Action/NotAction test with the engine's answers (precomputed through the
        catalog); None: ask the engine's index."""

    def statement_applies(self, statement: CompiledStatement) -> Formula:
        """Resource matches and every condition entry holds (action and principal are known)."""
        key = id(statement)
        cached = self._applies_cache.get(key)
        if cached is not None:
            return cached
        parts: list[Formula] = [self._resource(statement)]
        for written in statement.conditions:
            condition = written
            if written.templates is not None:
                condition = self._condition_substituted(statement, written)
            atom = ConditionAtom(condition, _condition_identity(condition))
            parts.append(("atom", self.atoms.number(atom)))
        out = f_and(parts)
        self._applies_cache[key] = out
        return out

    def _resource(self, statement: CompiledStatement) -> Formula:
        texts = statement.statement.resource
        negated = False
        if texts is None:
            texts = statement.statement.not_resource
            negated = texts is not None
        if texts is None:
            return statement.resource_implied
        if not texts:
            return statement.resource_implied  # an empty list: the engine's answer
        if any("${" in t for t in texts) and _substitutes(statement):
            texts = tuple(self._substituted(statement, tuple(texts)))
            if not texts:  # every entry holds an unresolved variable: it matches nothing
                return negated
        head_ic = statement._head_ignore_case
        atom = ("atom", self.atoms.number(ResourceAtom(tuple(texts), head_ic)))
        return f_not(atom) if negated else atom

    def _substituted(self, statement: CompiledStatement, texts: tuple[str, ...]) -> list[str]:
        """Resource entries with their variables replaced by the caller's own values.

        Only variables of keys AWS sets from the caller (`aws:username`, `aws:PrincipalAccount`,
        ...) are replaced, as the engine would with the derived context; a key the request is
        free to choose, a special `${*}`, or a value with wildcard characters answers UNKNOWN.
        """
        out: list[str] = []
        for text in texts:
            parts = text.split(":", 5)
            template = compile_template(parts[5]) if len(parts) == 6 else None
            if template is None:
                out.append(text)
                continue
            for part in template.parts:
                if isinstance(part, Variable) and (
                    part.is_special or part.key.lower() not in self.caller_keys
                ):
                    raise FormulaUnknownError(
                        f"policy variable {part.key!r} in the Resource of {_label(statement)}"
                    )
            read = template.keys()
            self.caller_read.update(k.lower() for k in read)
            values = [self.caller_keys[k.lower()] for k in read]
            if any(v is not None and ("*" in v or "?" in v) for v in values):
                raise FormulaUnknownError(f"wildcard in a variable's value in {_label(statement)}")
            rendered = template.render(lambda key: self.caller_keys.get(key))
            if rendered is None:
                continue  # unresolved: this entry matches (and excludes) nothing
            self.substituted.update(k.lower() for k in read)
            out.append(":".join(parts[:5]) + ":" + rendered)
        return out

    def _condition_substituted(
        self, statement: CompiledStatement, condition: CompiledCondition
    ) -> CompiledCondition:
        """A condition entry with its variables replaced by the caller's own values (the keys
        AWS sets from the caller, fixed for this question), as the engine renders them; the
        entry is then an ordinary one (`${aws:username}/*` for alice is `alice/*`).

        Answers UNKNOWN (`FormulaUnknownError`) when that would not be exact: a variable of a
        key the request chooses (`${aws:PrincipalTag/team}`), one this caller does not have (an
        unresolved value has rules of its own), or a value that keeps a literal `*` or `?` in a
        pattern operator (the engine compares those literally).
        """
        glob = condition.operator.positive in _GLOB_OPERATORS
        assert condition.templates is not None
        values: list[str] = []
        for value, template in zip(condition.values, condition.templates, strict=True):
            if template is None:
                values.append(value)
                continue
            read = template.keys()
            for key in read:
                if key.lower() not in self.caller_keys:
                    raise FormulaUnknownError(
                        f"policy variable {key!r} in a condition of {_label(statement)}"
                    )
            self.caller_read.update(k.lower() for k in read)
            rendered = template.render(self.caller_keys.get, literal_wildcards=glob)
            if rendered is None:
                raise FormulaUnknownError(
                    f"a policy variable this caller has no value for in {_label(statement)}"
                )
            if _PROTECTED & set(rendered) or (glob and _PROTECTED & set(value)):
                raise FormulaUnknownError(
                    f"a literal wildcard from a policy variable in {_label(statement)}"
                )
            self.substituted.update(k.lower() for k in read)
            values.append(rendered)
        return CompiledCondition(
            condition.operator, condition.key, tuple(values), None, condition.compare
        )

    def allowed(self, compiled: CompiledPolicySet, caller: Caller) -> Formula:
        """The engine's `Allowed` for this caller, as a formula (see `engine.evaluate`)."""
        action = caller.action
        principal = caller.principal
        if action in ALWAYS_ALLOWED:
            return True
        opts = compiled.options
        layers = applicable_layers(compiled, principal, caller.resource_account, action)
        identity_side, has_boundary = layers.identity_side, layers.has_boundary
        session_applies = layers.session_applies
        kms_key = caller.strict == "kms"

        def matching(
            policies: CompiledPolicies | None, allow: bool
        ) -> list[tuple[CompiledStatement, MatchKind]]:
            if policies is None:
                return []
            found = []
            if self.action_match is None:
                candidates = policies.for_action_effect(action, allow)
            else:
                match = self.action_match
                candidates = tuple(
                    s for s in policies.statements if s.allow == allow and match(s, action)
                )
            for statement in candidates:
                if kms_key and statement.resource_implied:
                    continue
                if statement.principal is None and statement.policy_type is not PolicyType.RESOURCE:
                    kind = MatchKind.DIRECT
                else:
                    kind = statement_principal_kind(
                        statement.principal,
                        negated=statement.principal_negated,
                        allow=statement.allow,
                        caller=principal,
                        caller_has_boundary=has_boundary,
                        principal_required=statement.policy_type is PolicyType.RESOURCE,
                    )
                    if kind is MatchKind.NONE:
                        continue
                found.append((statement, kind))
            return found

        def any_of(hits: list[tuple[CompiledStatement, MatchKind]]) -> Formula:
            return f_or([self.statement_applies(s) for s, _ in hits])

        deny = f_or([any_of(matching(p, False)) for p in layers.deny_sources(compiled)])

        scp_ok: Formula = True
        if layers.scp_applies and compiled.scp_levels is not None:
            scp_ok = f_and([any_of(matching(level, True)) for level in compiled.scp_levels])

        rp_hits = matching(compiled.resource, True)
        by_kind = {
            kind: any_of([h for h in rp_hits if h[1] is kind])
            for kind in (
                MatchKind.DIRECT,
                MatchKind.ROLE,
                MatchKind.FEDERATING_USER,
                MatchKind.ACCOUNT,
            )
        }
        direct = by_kind[MatchKind.DIRECT]
        role_or_fed = f_or([by_kind[MatchKind.ROLE], by_kind[MatchKind.FEDERATING_USER]])
        account = by_kind[MatchKind.ACCOUNT]
        rp_any = f_or([direct, role_or_fed, account])

        identity_ok: Formula = (
            True
            if layers.is_root
            else any_of(matching(compiled.identity, True))
            if identity_side
            else False
        )
        boundary_ok: Formula = any_of(matching(compiled.boundary, True)) if has_boundary else True
        if not session_applies:
            session_ok: Formula = True
        elif compiled.session is not None:
            session_ok = any_of(matching(compiled.session, True))
        else:
            session_ok = principal.kind is PrincipalKind.ASSUMED_ROLE

        # Request.same_account's reading: any caller with an account, identity side or not.
        caller_in_account = (
            principal.account is not None and principal.account == caller.resource_account
        )
        bpa = blocked_by_bpa(compiled, principal, caller_in_account)
        if not identity_side:
            grant = f_and([direct, not bpa])
        elif layers.same_account:
            grant = self._same_account(
                rp_hits,
                direct,
                role_or_fed,
                account,
                identity_ok,
                boundary_ok,
                session_ok,
                session_applies,
                caller.strict is not None,
                opts,
            )
        else:
            grant = f_and([identity_ok, boundary_ok, session_ok, rp_any, not bpa])
        return f_and([f_not(deny), scp_ok, grant])

    def _same_account(
        self,
        rp_hits: list[tuple[CompiledStatement, MatchKind]],
        direct: Formula,
        role_or_fed: Formula,
        account: Formula,
        identity_ok: Formula,
        boundary_ok: Formula,
        session_ok: Formula,
        session_applies: bool,
        strict: bool,
        opts: EvaluationOptions,
    ) -> Formula:
        direct_hits = [s for s, k in rp_hits if k is MatchKind.DIRECT]
        named = f_or(
            [
                self.statement_applies(s)
                for s in direct_hits
                if not (
                    s.principal is not None and not s.principal_negated and s.principal.is_everyone
                )
            ]
        )
        via_wildcard = f_not(named)
        wildcard_bypass = opts.wildcard_principal_grant_bypasses_session_policy
        arn_bypass = opts.session_arn_grant_bypasses_session_policy
        if session_applies:
            limits = f_or(
                [
                    f_and([via_wildcard, not wildcard_bypass]),
                    f_and([f_not(via_wildcard), not arn_bypass]),
                ]
            )
            direct_ok = f_or([f_not(limits), session_ok])
        else:
            direct_ok = True
        layers = f_and([identity_ok, boundary_ok, session_ok])
        return f_or(
            [
                f_and([direct, direct_ok]),
                f_and([f_not(direct), role_or_fed, boundary_ok, session_ok]),
                f_and([f_not(direct), f_not(role_or_fed), account, layers]),
                f_and([f_not(direct), f_not(role_or_fed), f_not(account), not strict, layers]),
            ]
        )


def _substitutes(statement: CompiledStatement) -> bool:
    return bool(statement._substitutes)


def _label(statement: CompiledStatement) -> str:
    sid = statement.statement.sid
    where = f"Sid {sid!r}" if sid else f"statement {statement.statement.index}"
    return f"{where} of {statement.policy_name}"


def evaluate3(formula: Formula, values: dict[int, bool]) -> bool | None:
    """Three-valued evaluation under a partial assignment (None: not yet decided)."""
    if formula is True or formula is False:
        return formula
    tag = formula[0]
    if tag == "atom":
        return values.get(formula[1])
    if tag == "not":
        inner = evaluate3(formula[1], values)
        return None if inner is None else not inner
    unknown = False
    if tag == "and":
        for part in formula[1]:
            v = evaluate3(part, values)
            if v is False:
                return False
            if v is None:
                unknown = True
        return None if unknown else True
    for part in formula[1]:
        v = evaluate3(part, values)
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


def first_open_atom(formula: Formula, values: dict[int, bool]) -> int | None:
    """An unassigned atom inside an undecided part of the formula."""
    if formula is True or formula is False:
        return None
    tag = formula[0]
    if tag == "atom":
        return None if formula[1] in values else formula[1]
    if tag == "not":
        return first_open_atom(formula[1], values)
    for part in formula[1]:
        if evaluate3(part, values) is None:
            found = first_open_atom(part, values)
            if found is not None:
                return found
    return None


def atoms_of(formula: Formula, out: set[int] | None = None) -> set[int]:
    """Every atom index in a formula."""
    if out is None:
        out = set()
    if formula is True or formula is False:
        return out
    if formula[0] == "atom":
        out.add(formula[1])
    elif formula[0] == "not":
        atoms_of(formula[1], out)
    else:
        for part in formula[1]:
            atoms_of(part, out)
    return out

"""Evaluate a statement's Condition block (spec §3): blocks and keys AND-ed, values OR-ed,
negated operators AND-ed, with the missing-key, IfExists, Null and set-operator rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from policysim.engine.conditions.comparators import Comparator, comparator_for
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Context, ContextValue
from policysim.policy.operators import Family, Operator, Qualifier, parse_operator
from policysim.policy.variables import Template, compile_template, protect_literals

_GLOB_OPERATORS = frozenset({"StringLike", "ArnLike"})


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """One `operator: {key: values}` entry, ready to evaluate many times."""

    operator: Operator
    key: str
    values: tuple[str, ...]
    templates: tuple[Template | None, ...] | None
    compare: Comparator | None

    def _policy_values(self, context: Context) -> list[str | None]:
        if self.templates is None:
            return list(self.values)
        literal = self.operator.positive in _GLOB_OPERATORS
        out: list[str | None] = []
        for value, template in zip(self.values, self.templates, strict=True):
            if template is None:
                out.append(value)
            else:
                out.append(template.render(context.single, literal_wildcards=literal))
        return out

    def _single(
        self, request_value: str, policy_values: list[str | None], opts: EvaluationOptions
    ) -> bool:
        compare = self.compare
        assert compare is not None
        if self.templates is not None and self.operator.positive in _GLOB_OPERATORS:
            request_value = protect_literals(request_value)
        positive = any(pv is not None and compare(request_value, pv) for pv in policy_values)
        if not self.operator.negated:
            return positive
        if not opts.unresolved_variable_matches_negated and None in policy_values:
            return False
        return not positive

    def describe(self, context: Context) -> str:
        """`StringEquals aws:SourceIp ["10.0.0.0/8"] (request: "192.0.2.1")` for explanations."""
        value = context.get(self.key)
        shown = (
            "absent" if value is None else repr(value if isinstance(value, str) else list(value))
        )
        values = ", ".join(repr(v) for v in self.values)
        return f"{self.operator.written} {self.key} [{values}] (request: {shown})"

    def holds(self, context: Context, opts: EvaluationOptions, missing: set[str] | None) -> bool:
        """Whether this entry is true for the request."""
        op = self.operator
        value: ContextValue | None = context.get(self.key)
        if op.family is Family.NULL:
            if value is None and missing is not None:
                missing.add(self.key)
            absent = value is None
            return any(
                (v.lower() == "true" and absent) or (v.lower() == "false" and not absent)
                for v in self.values
            )
        if value is None:
            if missing is not None:
                missing.add(self.key)
            if op.if_exists or op.qualifier is Qualifier.FOR_ALL_VALUES:
                return True
            if op.qualifier is Qualifier.FOR_ANY_VALUE:
                return False
            return op.negated
        policy_values = self._policy_values(context)
        if op.qualifier is None:
            if isinstance(value, str):
                return self._single(value, policy_values, opts)
            if opts.plain_operator_on_multivalued_key == "no-match":
                return False
            return any(self._single(v, policy_values, opts) for v in value)
        items = (value,) if isinstance(value, str) else value
        if op.qualifier is Qualifier.FOR_ALL_VALUES:
            if not items or items == ("",):
                return True
            return all(self._single(v, policy_values, opts) for v in items)
        return any(self._single(v, policy_values, opts) for v in items)


def compile_conditions(
    block: Mapping[str, Mapping[str, tuple[str, ...]]], *, substitutes_variables: bool
) -> tuple[CompiledCondition, ...]:
    """Compile a Condition block; variables are honoured only under Version 2012-10-17."""
    compiled: list[CompiledCondition] = []
    for name, entries in block.items():
        operator = parse_operator(name)
        compare = None if operator.family is Family.NULL else comparator_for(operator)
        for key, values in entries.items():
            templates: tuple[Template | None, ...] | None = None
            if substitutes_variables and operator.supports_variables:
                found = tuple(compile_template(v) for v in values)
                if any(t is not None for t in found):
                    templates = found
            compiled.append(CompiledCondition(operator, key, tuple(values), templates, compare))
    return tuple(compiled)


def conditions_hold(
    conditions: tuple[CompiledCondition, ...],
    context: Context,
    opts: EvaluationOptions,
    missing: set[str] | None = None,
) -> bool:
    """All entries true (an empty block is true). Every missing key is recorded, not just the
    first, so that explanations list all the keys a statement needed."""
    result = True
    for condition in conditions:
        if not condition.holds(context, opts, missing):
            if missing is None:
                return False
            result = False
    return result


def failing_conditions(
    conditions: tuple[CompiledCondition, ...], context: Context, opts: EvaluationOptions
) -> list[CompiledCondition]:
    """The entries that are false, for explanations."""
    return [c for c in conditions if not c.holds(context, opts, None)]

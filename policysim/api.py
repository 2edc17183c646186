"""Conveniences of the public API that span layers."""

from __future__ import annotations

from policysim.engine.compiled import CompiledPolicySet, PolicySet, compile_policy_set
from policysim.engine.evaluate import evaluate as _evaluate_compiled
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.engine.request import Request
from policysim.engine.result import EvaluationResult


def evaluate(
    policies: PolicySet | CompiledPolicySet,
    request: Request,
    options: EvaluationOptions | None = None,
) -> EvaluationResult:
    """Decide `request` against `policies`, compiling them first when needed.

    Compile once with `compile_policy_set` and pass the result to decide many requests cheaply.
    """
    if isinstance(policies, CompiledPolicySet):
        if options is not None and options != policies.options:
            policies = compile_policy_set(policies.source, options)
        return _evaluate_compiled(policies, request)
    return _evaluate_compiled(compile_policy_set(policies, options or DEFAULT_OPTIONS), request)

"""Run IAM tests against an account and collect pass/fail with the reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policysim.account.resolve import Resolver
from policysim.assertions.spec import IamTest
from policysim.catalog.arguments import select_actions
from policysim.engine.result import EvaluationResult
from policysim.policy.errors import PolicyError
from policysim.query.run import resolve_principal


@dataclass(slots=True)
class Outcome:
    """One action of one test: what was expected and what AWS would decide."""

    test: IamTest
    action: str
    result: EvaluationResult | None
    error: str | None = None

    @property
    def passed(self) -> bool:
        """The decision meets the expectation."""
        if self.result is None:
            return False
        decision = self.result.decision.value
        if self.test.expect == "Denied":
            return decision != "Allowed"
        return decision == self.test.expect

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "name": self.test.name,
            "line": self.test.position.line,
            "action": self.action,
            "expect": self.test.expect,
            "decision": self.result.decision.value if self.result else "Error",
            "passed": self.passed,
            "error": self.error,
            "reason": self.result.reason if self.result else None,
        }


def run_tests(resolver: Resolver, tests: list[IamTest]) -> list[Outcome]:
    """Every action of every test; a test that names an unknown principal or action fails
    with the error rather than stopping the run."""
    outcomes: list[Outcome] = []
    for test in tests:
        try:
            actions = select_actions(list(test.actions), test.resource).actions
            target = resolve_principal(resolver, test.principal, session_name=test.session_name)
        except PolicyError as err:
            outcomes.append(Outcome(test, ", ".join(test.actions), None, str(err)))
            continue
        for action in actions:
            result = resolver.decide(target, action, test.resource, test.context)
            outcomes.append(Outcome(test, action, result))
    return outcomes

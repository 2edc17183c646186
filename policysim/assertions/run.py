"""Run IAM tests against an account and collect pass/fail with the reasons."""

from __future__ import annotations

import time
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
    seconds: float = 0.0
    """How long the decision took (JUnit's `time`)."""

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


def run_tests(resolver: Resolver, tests: list[IamTest], file: str | None = None) -> list[Outcome]:
    """Every action of every test. A test that names a principal the account does not hold, or
    an unknown action, is an input error (`PolicyError` at its place in `file`), raised before
    any test runs: a typo is not a failing expectation."""
    questions = []
    for test in tests:
        try:
            target = resolve_principal(resolver, test.principal, session_name=test.session_name)
        except PolicyError as err:
            raise PolicyError(
                f"principal: {err.message}",
                file=file,
                position=test.principal_position or test.position,
            ) from None
        try:
            actions = select_actions(list(test.actions), test.resource).actions
        except PolicyError as err:
            raise PolicyError(f"action: {err.message}", file=file, position=test.position) from None
        questions.append((test, target, actions))
    outcomes: list[Outcome] = []
    for test, target, actions in questions:
        for action in actions:
            started = time.perf_counter()
            result = resolver.decide(target, action, test.resource, test.context)
            outcomes.append(Outcome(test, action, result, seconds=time.perf_counter() - started))
    return outcomes

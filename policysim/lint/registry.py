"""The rule registry: every rule is a small function with its id, severity, the policy types
where it applies, and the catalog's triggering example and near miss (which tests run)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from policysim.lint.context import Issue, LintContext, LintSettings
from policysim.lint.finding import Severity
from policysim.lint.policy_type import PolicyKind

Check = Callable[[LintContext], Iterable[Issue]]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of spec/lint-rules.md."""

    id: str
    severity: Severity
    title: str
    check: Check
    kinds: frozenset[PolicyKind] | None
    """Policy types where the rule applies; None means all."""
    example: Any
    """A policy document (or raw text for parse errors) that triggers the rule."""
    near_miss: Any
    """A similar document that must not trigger it."""
    example_kind: PolicyKind = PolicyKind.IDENTITY
    description: str = ""
    default_enabled: bool = True
    example_attachment: dict[str, Any] | None = None
    """What the example is attached to (CloudFormation, Terraform or account file context)."""
    near_miss_attachment: dict[str, Any] | None = None
    """What the near miss is attached to."""
    example_settings: LintSettings | None = None
    """Settings the example and near miss are linted with (trusted accounts, ...)."""

    def applies_to(self, kind: PolicyKind) -> bool:
        """Whether the rule runs on documents of this type."""
        return self.kinds is None or kind in self.kinds


RULES: dict[str, Rule] = {}


def example_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    """A 2012-10-17 policy document around statements: the shape of rule examples."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def rule(
    rule_id: str,
    severity: Severity,
    title: str,
    *,
    example: Any,
    near_miss: Any,
    kinds: Iterable[PolicyKind] | None = None,
    example_kind: PolicyKind = PolicyKind.IDENTITY,
    default_enabled: bool = True,
    example_attachment: dict[str, Any] | None = None,
    near_miss_attachment: dict[str, Any] | None = None,
    example_settings: LintSettings | None = None,
) -> Callable[[Check], Check]:
    """Register a check function as a rule; its docstring is the rule's description."""

    def register(check: Check) -> Check:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(
            rule_id,
            severity,
            title,
            check,
            frozenset(kinds) if kinds is not None else None,
            example,
            near_miss,
            example_kind,
            (check.__doc__ or "").strip(),
            default_enabled,
            example_attachment,
            near_miss_attachment,
            example_settings,
        )
        return check

    return register


def all_rules() -> dict[str, Rule]:
    """Every rule, after importing the rule modules."""
    from policysim.lint import rules  # noqa: F401  (registers the rules)

    return dict(sorted(RULES.items()))

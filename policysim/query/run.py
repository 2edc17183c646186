"""Answer a parsed query against an account snapshot (account resolver + engine)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policysim.account.resolve import Resolver, Target
from policysim.account.who_can import WhoCanReport, who_can
from policysim.catalog.arguments import expand_action_arguments
from policysim.engine.result import EvaluationResult
from policysim.query.ast import CanQuery, PrincipalRef, Query


@dataclass(slots=True)
class CanAnswer:
    """The answer to `can PRINCIPAL do ...`: one result per action."""

    principal: str
    account: str | None
    resource: str
    results: list[tuple[str, EvaluationResult]]

    @property
    def allowed(self) -> bool:
        """Every action allowed."""
        return all(r.allowed for _, r in self.results)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "principal": self.principal,
            "account": self.account,
            "resource": self.resource,
            "results": [{"action": a, **r.to_json()} for a, r in self.results],
        }


@dataclass(slots=True)
class WhoCanAnswer:
    """The answer to `who can do ...`: one report per action."""

    reports: list[WhoCanReport]

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {"reports": [r.to_json() for r in self.reports]}


def resolve_principal(
    resolver: Resolver, ref: PrincipalRef, *, session_name: str = "policysim"
) -> Target | str:
    """A snapshot principal, or the caller string for outsiders (services, anonymous)."""
    if ref.kind in ("user", "role"):
        name = ref.name.rsplit("/", 1)[-1]  # an IAM path may come first
        return resolver.find(ref.kind, name, session_name=session_name)
    if ref.kind == "arn":
        return resolver.find("arn", ref.name, session_name=session_name)
    if ref.kind == "root":
        if ref.name:
            return resolver.find("arn", f"arn:aws:iam::{ref.name}:root")
        return resolver.find("root", "")
    if ref.kind == "service":
        return ref.name
    return "anonymous"


def run_query(
    resolver: Resolver, query: Query, *, show_denied: bool = False
) -> CanAnswer | WhoCanAnswer:
    """Evaluate a query; unknown principals and actions raise errors with suggestions.

    Answers say what they depend on (context keys the query did not give); `show_denied`
    keeps who-can's denied principals too."""
    actions = expand_action_arguments(list(query.actions))
    context = dict(query.context)
    if isinstance(query, CanQuery):
        target = resolve_principal(resolver, query.principal)
        if isinstance(target, str):
            results = [
                (a, resolver.decide_outsider(target, a, query.resource, context, depends=True))
                for a in actions
            ]
            return CanAnswer(target, None, query.resource, results)
        results = [
            (a, resolver.decide(target, a, query.resource, context, depends=True)) for a in actions
        ]
        return CanAnswer(target.label, target.account.label, query.resource, results)
    return WhoCanAnswer(
        [who_can(resolver, a, query.resource, context, show_denied=show_denied) for a in actions]
    )

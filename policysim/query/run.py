"""Answer a parsed query against an account snapshot (account resolver + engine)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policysim.account.principal_spec import Outsider
from policysim.account.resolve import Resolver, Target
from policysim.account.who_can import WhoCanReport, who_can
from policysim.catalog.arguments import LeftOut, check_resource, select_actions
from policysim.engine.result import EvaluationResult
from policysim.query.ast import CanQuery, PrincipalRef, Query


@dataclass(slots=True)
class CanAnswer:
    """The answer to `can PRINCIPAL do ...`: one result per action."""

    principal: str
    account: str | None
    resource: str
    results: list[tuple[str, EvaluationResult]]
    left_out: list[LeftOut] = field(default_factory=list)

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
            "left_out": [e.to_json() for e in self.left_out if e.count],
        }


@dataclass(slots=True)
class WhoCanAnswer:
    """The answer to `who can do ...`: one report per action."""

    reports: list[WhoCanReport]
    left_out: list[LeftOut] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "reports": [r.to_json() for r in self.reports],
            "left_out": [e.to_json() for e in self.left_out if e.count],
        }


def resolve_principal(
    resolver: Resolver, ref: PrincipalRef, *, session_name: str = "policysim"
) -> Target | Outsider:
    """A snapshot principal, or an outsider (service, CloudFront OAI, anonymous)."""
    return resolver.resolve(ref, session_name=session_name)


def run_query(
    resolver: Resolver, query: Query, *, show_denied: bool = False
) -> CanAnswer | WhoCanAnswer:
    """Evaluate a query; unknown principals and actions raise errors with suggestions, and so
    does an action on a resource it does not act on (wildcards keep only those that do).

    Answers say what they depend on (context keys the query did not give); `show_denied`
    keeps who-can's denied principals too."""
    check_resource(query.resource)
    selection = select_actions(list(query.actions), query.resource)
    actions = selection.actions
    context = dict(query.context)
    if isinstance(query, CanQuery):
        target = resolve_principal(resolver, query.principal)
        results = [
            (a, resolver.decide(target, a, query.resource, context, depends=True)) for a in actions
        ]
        account = target.account.label if isinstance(target, Target) else None
        return CanAnswer(target.label, account, query.resource, results, selection.left_out)
    return WhoCanAnswer(
        [who_can(resolver, a, query.resource, context, show_denied=show_denied) for a in actions],
        selection.left_out,
    )

"""The who-can and lint views: the library's answers gathered for their templates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from policysim.account.resolve import Resolver
from policysim.account.who_can import WhoCanReport, who_can
from policysim.catalog.arguments import check_resource, select_actions
from policysim.lint.finding import Finding
from policysim.lint.runner import lint_source
from policysim.policy.errors import PolicyError
from policysim.policy.kinds import PolicyKind

LINT_KINDS = (
    PolicyKind.IDENTITY,
    PolicyKind.RESOURCE,
    PolicyKind.TRUST,
    PolicyKind.BOUNDARY,
    PolicyKind.SCP,
    PolicyKind.RCP,
    PolicyKind.SESSION,
    PolicyKind.ENDPOINT,
)
LINT_KIND_OF = {
    "identity": PolicyKind.IDENTITY.value,
    "boundary": PolicyKind.BOUNDARY.value,
    "scp": PolicyKind.SCP.value,
    "rcp": PolicyKind.RCP.value,
    "resource": PolicyKind.RESOURCE.value,
}
"""The lint type of each kind of policy choice."""
PASTED = "pasted policy"
"""The file name findings of a pasted policy carry."""


@dataclass(slots=True)
class WhoCanView:
    """The who-can form and, once asked, the report."""

    action: str = ""
    resource: str = "*"
    report: WhoCanReport | None = None
    error: str = ""


def who_can_view(resolver: Resolver, action: str, resource: str) -> WhoCanView:
    """Who can do `action` on `resource`, as `policysim who-can` answers it."""
    view = WhoCanView(action.strip(), resource.strip() or "*")
    if not view.action:
        return view
    try:
        check_resource(view.resource)
        actions = select_actions([view.action], view.resource).actions
        if len(actions) != 1:
            view.error = f"who-can takes one action; {view.action!r} matches {len(actions)}"
            return view
        view.report = who_can(resolver, actions[0], view.resource, {}, show_denied=False)
    except PolicyError as err:
        view.error = str(err)
    return view


@dataclass(frozen=True, slots=True)
class LintLine:
    """One line of the linted text with the findings that point at it."""

    number: int
    text: str
    findings: tuple[Finding, ...]


@dataclass(slots=True)
class LintView:
    """The lint form and, once asked, the text with its findings inline."""

    text: str = ""
    kind: str = PolicyKind.IDENTITY.value
    lines: list[LintLine] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    linted: bool = False
    error: str = ""


def lint_view(text: str, kind: str) -> LintView:
    """Lint a pasted policy as `policysim lint` does; each finding under its line."""
    view = LintView(text, kind)
    if not text.strip():
        return view
    try:
        chosen = PolicyKind(kind)
    except ValueError:
        view.error = f"unknown policy type {kind!r}"
        return view
    view.findings = sorted(
        lint_source(text, PASTED, kind=chosen), key=lambda f: (f.line, f.column, f.rule)
    )
    view.linted = True
    at: dict[int, list[Finding]] = defaultdict(list)
    lines = text.splitlines() or [""]
    for finding in view.findings:
        at[min(max(finding.line, 1), len(lines))].append(finding)
    view.lines = [LintLine(n, line, tuple(at.get(n, ()))) for n, line in enumerate(lines, start=1)]
    return view

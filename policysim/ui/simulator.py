"""The page's questions, asked of the library: principals, their policies, catalog picks, runs.

Every answer comes from the functions the CLI calls (`Resolver.decide`, `select_actions`,
`who_can`, `lint_source`, the catalog); this module only gathers them into values that the
templates show. It decides nothing itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field

from policysim.account.choices import PolicyChoice, PolicyFilter, policy_choices
from policysim.account.resolve import Resolver, Target
from policysim.catalog import get_catalog
from policysim.catalog.arguments import check_resource, select_actions
from policysim.catalog.model import ActionInfo
from policysim.catalog.resources import action_resources
from policysim.engine.result import (
    EvaluationResult,
    MatchedStatement,
    PolicyType,
    describe_dependencies,
)
from policysim.gcpause import paused_gc
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy
from policysim.policy.text import policy_text, statement_line_span
from policysim.ui.forms import SimulatorForm

SEARCH_LIMIT = 200
"""Actions listed at most for a search across every service."""


@dataclass(frozen=True, slots=True)
class PrincipalOption:
    """One entry of the principal picker."""

    arn: str
    kind: str
    name: str
    account: str


@dataclass(frozen=True, slots=True)
class ActionOption:
    """One action of the picker."""

    name: str
    access_level: str


@dataclass(frozen=True, slots=True)
class ContextField:
    """A context key the selected policies' conditions test, with its catalog type."""

    key: str
    type: str
    value: str


@dataclass(frozen=True, slots=True)
class PolicyLine:
    """One line of a policy's text; `marked` when it belongs to the deciding statement."""

    number: int
    text: str
    marked: bool


@dataclass(frozen=True, slots=True)
class StatementView:
    """A deciding statement, shown inside its policy's text."""

    describe: str
    effect: str
    role: str
    """`decided` (it made the decision) or `unmet` (it would allow but its condition failed)."""
    lines: tuple[PolicyLine, ...]
    failed: tuple[str, ...] = ()


@dataclass(slots=True)
class RowView:
    """One action of a Run: its decision, why, and the statements that decided it."""

    action: str
    resource: str
    decision: str = ""
    reason: str = ""
    allowed_if: str = ""
    error: str = ""
    statements: list[StatementView] = field(default_factory=list)


@dataclass(slots=True)
class SelectedAction:
    """A selected action with its resource field and the ARN formats the catalog expects."""

    action: str
    resource: str
    formats: list[tuple[str, tuple[str, ...]]]
    star_only: bool


@dataclass(slots=True)
class SimulatorPage:
    """Everything the simulator template shows."""

    form: SimulatorForm
    principals: list[PrincipalOption]
    target: Target | None = None
    choices: list[PolicyChoice] = field(default_factory=list)
    resource_choices: list[PolicyChoice] = field(default_factory=list)
    services: list[tuple[str, str]] = field(default_factory=list)
    service_actions: list[ActionOption] = field(default_factory=list)
    search_note: str = ""
    selected: list[SelectedAction] = field(default_factory=list)
    context_fields: list[ContextField] = field(default_factory=list)
    rows: list[RowView] | None = None
    errors: list[str] = field(default_factory=list)

    def ticked(self, choice: PolicyChoice) -> bool:
        """Whether the policy's checkbox is ticked: a policy the posted form did not show
        (another principal, a new resource's) starts ticked."""
        included = self.form.included
        return included is None or choice.key in included or choice.key not in self.form.shown


def principal_options(resolver: Resolver) -> list[PrincipalOption]:
    """Users, groups and roles of every account, in that order per account."""
    out: list[PrincipalOption] = []
    for account in resolver.snapshot.accounts.values():
        label = account.label
        out += [PrincipalOption(u.arn, "user", u.name, label) for u in account.users.values()]
        out += [PrincipalOption(g.arn, "group", g.name, label) for g in account.groups.values()]
        out += [PrincipalOption(r.arn, "role", r.name, label) for r in account.roles.values()]
    return out


def services() -> list[tuple[str, str]]:
    """(prefix, display name) of every catalog service, by prefix."""
    catalog = get_catalog()
    return [(p, catalog.service_name(p) or p) for p in sorted(catalog.service_prefixes())]


def search_actions(service: str, query: str) -> tuple[list[ActionOption], str]:
    """The actions of `service` whose name contains `query` (any case); with no service, a
    search of every service (at most `SEARCH_LIMIT`, said in the note)."""
    catalog = get_catalog()
    needle = query.lower()
    found: Iterable[ActionInfo]
    if service:
        found = catalog.actions(service)
    elif len(needle) >= 2:
        found = catalog.all_actions()
    else:
        return [], ""
    out: list[ActionOption] = []
    for info in found:
        if needle in info.full_name.lower():
            if len(out) == SEARCH_LIMIT:
                return out, f"only the first {SEARCH_LIMIT} matches are listed: narrow the search"
            out.append(ActionOption(info.full_name, info.access_level))
    return out, ""


def selected_actions(form: SimulatorForm) -> tuple[list[SelectedAction], list[str]]:
    """The actions ticked (with every action of the service when asked), each with its
    resource and the ARN formats its resource types take; unknown names are errors."""
    catalog = get_catalog()
    names = list(form.actions)
    errors: list[str] = []
    if form.all_of_service and form.service:
        try:
            names += select_actions([f"{form.service}:*"]).actions
        except PolicyError as err:
            errors.append(str(err))
    out: list[SelectedAction] = []
    seen: set[str] = set()
    for name in names:
        info = catalog.action(name)
        if info is None:
            errors.append(f"{name!r} is not an action of the IAM catalog")
            continue
        if info.full_name in seen:
            continue
        seen.add(info.full_name)
        described = action_resources(info)
        out.append(
            SelectedAction(
                info.full_name,
                form.resources.get(info.full_name, "").strip() or form.resource_of(name),
                list(described.types),
                described.star_only,
            )
        )
    return out, errors


def condition_keys(policies: Iterable[Policy]) -> list[str]:
    """The context keys the policies' conditions test, in first-seen order."""
    seen: dict[str, str] = {}
    for policy in policies:
        for statement in policy.statements:
            for block in statement.condition.values():
                for key in block:
                    seen.setdefault(key.lower(), key)
    return list(seen.values())


def context_fields(policies: Iterable[Policy], given: dict[str, str]) -> list[ContextField]:
    """A field per key the policies test, typed from the catalog (`String` when unknown)."""
    catalog = get_catalog()
    out: list[ContextField] = []
    for key in condition_keys(policies):
        info = catalog.condition_key(key)
        out.append(ContextField(key, info.type if info else "String", given.get(key, "")))
    return out


class Simulator:
    """The page's view of one opened account (or organization): a resolver shared by all
    requests; each Run gets a copy whose policy filter leaves out the unticked policies."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.principals = principal_options(resolver)
        self._all: list[PolicyChoice] | None = None

    def target(self, arn: str) -> Target:
        """The principal of the picker's value."""
        return self.resolver.find("arn", arn)

    def choices(self, target: Target, resource: str = "*", action: str = "") -> list[PolicyChoice]:
        """The policies that can take part in a request by `target` on `resource` (`action`
        matters for sts:AssumeRole and its kin, whose resource policy is the trust policy)."""
        return policy_choices(self.resolver, target, resource, action=action)

    def account_policies(self) -> list[PolicyChoice]:
        """Every policy of the account(s) once: those of each principal (identity, boundary,
        SCPs, RCPs) and the resource policies, for the lint view's "policy of the account"."""
        if self._all is None:
            found: dict[str, PolicyChoice] = {}
            targets: list[Target] = []
            for option in self.principals:
                try:  # a principal whose policies cannot be found is the simulator's error
                    target = self.target(option.arn)
                    choices = self.choices(target)
                except PolicyError:
                    continue
                targets.append(target)
                for choice in choices:
                    found.setdefault(choice.key, choice)
            if targets:
                for account in self.resolver.snapshot.accounts.values():
                    for arn in account.resources:
                        for choice in self.choices(targets[0], arn):
                            if choice.kind == "resource":
                                found.setdefault(choice.key, choice)
            self._all = list(found.values())
        return self._all

    def with_excluded(self, excluded: Iterable[str]) -> Resolver:
        """A resolver sharing this one's snapshot and caches that leaves `excluded` out."""
        return dataclasses.replace(
            self.resolver, policy_filter=PolicyFilter(frozenset(), frozenset(excluded))
        )

    def page(self, form: SimulatorForm) -> SimulatorPage:
        """The simulator page for the posted form; with `form.run`, the decisions too."""
        page = SimulatorPage(form, self.principals, services=services())
        page.service_actions, page.search_note = search_actions(form.service, form.query)
        page.selected, errors = selected_actions(form)
        page.errors += errors
        if not form.principal:
            return page
        try:
            page.target = self.target(form.principal)
            page.choices = self.choices(page.target)
        except PolicyError as err:
            page.errors.append(str(err))
            return page
        keys = {c.key for c in page.choices}
        for selected in page.selected:
            if selected.resource == "*":
                continue
            for choice in self.choices(page.target, selected.resource, selected.action):
                if choice.key in keys:
                    continue
                keys.add(choice.key)
                # The resource policies go under one checkbox, as in the console; the RCPs
                # of another account that owns a resource get their own.
                (page.resource_choices if choice.kind == "resource" else page.choices).append(
                    choice
                )
        counted = [c.policy for c in page.choices if page.ticked(c)]
        if form.include_resource_policy:
            counted += [c.policy for c in page.resource_choices]
        page.context_fields = context_fields(counted, form.context)
        if form.run:
            page.rows = self.run(page)
        return page

    def run(self, page: SimulatorPage) -> list[RowView]:
        """Decide each selected action on its resource with the ticked policies."""
        from policysim.simulate.options import parse_context

        assert page.target is not None
        if not page.selected:
            page.errors.append("pick one or more actions to run")
            return []
        try:
            context = parse_context([f"{f.key}={f.value}" for f in page.context_fields if f.value])
        except PolicyError as err:
            page.errors.append(str(err))
            return []
        excluded = {c.key for c in page.choices if not page.ticked(c)}
        if not page.form.include_resource_policy:
            excluded |= {c.key for c in page.resource_choices if c.kind == "resource"}
        resolver = self.with_excluded(excluded)
        rows: list[RowView] = []
        texts: dict[int, tuple[Policy, list[str]]] = {}
        with paused_gc():  # many small objects, all kept until the page is rendered
            for selected in page.selected:
                row = RowView(selected.action, selected.resource)
                rows.append(row)
                try:
                    check_resource(selected.resource)
                    select_actions([selected.action], selected.resource)
                    result = resolver.decide(
                        page.target, selected.action, selected.resource, context, depends=True
                    )
                except PolicyError as err:
                    row.error = str(err)
                    continue
                choices = self.choices(page.target, selected.resource, selected.action)
                self._fill(row, result, choices, texts)
        return rows

    def _fill(
        self,
        row: RowView,
        result: EvaluationResult,
        choices: list[PolicyChoice],
        texts: dict[int, tuple[Policy, list[str]]],
    ) -> None:
        """The decision of a row, with its deciding statements shown in their policies."""
        row.decision = result.decision.value
        row.reason = result.reason
        row.allowed_if = describe_dependencies(result.depends_on or [])
        by_name = {(c.policy_type, c.matched_name): c for c in choices}
        for matched in result.matched_statements:
            row.statements.append(statement_view(matched, by_name, "decided", texts))
        if not result.allowed:
            for unmet in result.unmet_conditions:
                view = statement_view(unmet.statement, by_name, "unmet", texts)
                row.statements.append(dataclasses.replace(view, failed=unmet.failed))


def statement_view(
    matched: MatchedStatement,
    by_name: dict[tuple[PolicyType, str], PolicyChoice],
    role: str,
    texts: dict[int, tuple[Policy, list[str]]] | None = None,
) -> StatementView:
    """A statement inside its policy's text, its lines marked (no text when the policy is not
    among the choices, e.g. a session policy). `texts` remembers each policy's lines (by
    identity, the policy kept alive beside them) across the rows of a Run."""
    choice = by_name.get((matched.policy_type, matched.policy_name))
    lines: tuple[PolicyLine, ...] = ()
    if choice is not None and matched.statement_index < len(choice.policy.statements):
        policy = choice.policy
        known = texts.get(id(policy)) if texts is not None else None
        if known is None or known[0] is not policy:
            known = (policy, policy_text(policy).splitlines())
            if texts is not None:
                texts[id(policy)] = known
        first, last = statement_line_span(policy, matched.statement_index)
        lines = tuple(
            PolicyLine(n, text, first <= n <= last) for n, text in enumerate(known[1], start=1)
        )
    return StatementView(matched.describe(), matched.effect, role, lines)

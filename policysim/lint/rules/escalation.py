"""PS3xx: privilege escalation methods.

Every method is a declarative entry: alternative sets of required actions, each of which must be
granted by the policy's Allow statements (possibly spread over several statements) on a resource
scope that can reach a principal worth escalating to. One helper, `_grant`, decides whether a
statement grants one required action in that sense (action match, resource scope, conditions
that pin the target such as `iam:PassedToService`, `iam:PolicyARN`, `iam:PermissionsBoundary`
or resource tags); the rules only list the methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain
from operator import attrgetter

from policysim.catalog import ActionInfo, get_catalog
from policysim.lint.context import (
    Issue,
    LintContext,
    StatementView,
    action_patterns,
    grants_action,
)
from policysim.lint.finding import Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.registry import example_policy as _doc
from policysim.lint.registry import rule
from policysim.policy.action import split_action
from policysim.policy.arn import parse_arn
from policysim.policy.model import Statement
from policysim.policy.operators import Family, Qualifier, UnknownOperatorError, parse_operator
from policysim.policy.wildcard import compile_glob, has_wildcard

KINDS = (PolicyKind.IDENTITY, PolicyKind.SESSION)
"""Only policies that grant: a boundary, SCP or RCP is a ceiling and grants nothing."""

_SELF_VARIABLES = ("${aws:username}", "${aws:userid}", "${aws:principaltag/")
_SCOPING_KEYS = ("aws:calledvia", "aws:calledviafirst", "aws:calledvialast")
_ADMIN_POLICY_NAMES = ("administratoraccess", "iamfullaccess", "poweruseraccess")


@dataclass(frozen=True, slots=True)
class Need:
    """One required action and what makes a grant of it count."""

    action: str
    passed_to: tuple[str, ...] = ()
    """For `iam:PassRole`: the service principals the method passes the role to."""
    others_only: bool = False
    """The method needs another principal: a `${aws:username}` self-scope does not count."""
    broad_only: bool = False
    """Target-dependent: only a wildcard scope counts (a named resource was chosen on purpose)."""
    _hash: int = field(init=False, repr=False, compare=False)
    """The fields' hash, worked out once: `granted` keys each document's answers by need, some
    thirty thousand lookups over a corpus, and the generated hash builds a tuple each time."""

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_hash", hash((self.action, self.passed_to, self.others_only, self.broad_only))
        )

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True, slots=True)
class Path:
    """One alternative of a method: every need must be granted."""

    needs: tuple[Need, ...]
    severity: Severity | None = None
    """Overrides the rule's severity (target-dependent alternatives are warnings)."""
    services: frozenset[str] = frozenset()
    """The (lower-cased) services of the needs: a document whose Allow statements reach none
    of them cannot grant the path, which most documents show at a glance."""
    actions: frozenset[str] = frozenset()
    """The needs' actions, lower-cased (`_AllowIndex.possible`)."""


def _needs(*actions: str | Need) -> tuple[Need, ...]:
    return tuple(a if isinstance(a, Need) else Need(a) for a in actions)


def _pass(*services: str) -> Need:
    return Need("iam:PassRole", passed_to=tuple(f"{s}.amazonaws.com" for s in services))


def _paths(*alternatives: tuple[Need, ...], severity: Severity | None = None) -> list[Path]:
    return [
        Path(
            needs,
            severity,
            frozenset(n.action.partition(":")[0].lower() for n in needs),
            frozenset(n.action.lower() for n in needs),
        )
        for needs in alternatives
    ]


# --- the shared helper -------------------------------------------------------------------------


def _positive_values(statement: Statement, key: str) -> tuple[str, ...] | None:
    """Values a positive (non-negated, non-Null) operator pins `key` to; None when unpinned."""
    found: list[str] = []
    pinned = False
    for name, block in statement.condition.items():
        try:
            op = parse_operator(name)
        except UnknownOperatorError:
            continue
        if op.negated or op.family is Family.NULL or op.qualifier is Qualifier.FOR_ALL_VALUES:
            continue
        for written, values in block.items():
            if written.lower() == key:
                pinned = True
                found.extend(values)
    return tuple(found) if pinned else None


def _tag_scoped(statement: Statement) -> bool:
    """A positive condition on a resource tag, or a call-path pin, narrows the targets."""
    for name, block in statement.condition.items():
        try:
            op = parse_operator(name)
        except UnknownOperatorError:
            continue
        if op.negated or op.family is Family.NULL:
            continue
        for key in block:
            lower = key.lower()
            if "resourcetag/" in lower or lower in _SCOPING_KEYS:
                return True
    return False


@lru_cache(maxsize=4096)
def _arn_services(action: str) -> tuple[str, ...]:
    """Services whose ARNs the action is authorized against (from the catalog)."""
    parts = split_action(action)
    if parts is None:
        return ()
    catalog = get_catalog()
    info = catalog.action(action)
    services = {parts[0]}
    if parts[0] == "sts":
        services.add("iam")
    if info is not None:
        for rt in info.resource_types:
            found = catalog.resource_type(info.service, rt.name)
            arn = parse_arn(found.arn_template) if found else None
            if arn is not None:
                services.add(arn.service.lower())
    return tuple(sorted(services))


def _scope(statement: Statement, need: Need) -> str | None:
    """'broad' (wildcard reach), 'named' (specific other resources) or None (nothing usable)."""
    if statement.not_resource is not None:
        return None if "*" in statement.not_resource else "broad"
    best: str | None = None
    services = _arn_services(need.action)
    for resource in statement.resource or ():
        if resource == "*":
            return "broad"
        arn = parse_arn(resource)
        if arn is None:
            continue
        service_ok = compile_glob(arn.service.lower())
        if not any(service_ok(s) for s in services):
            continue
        lowered = resource.lower()
        if any(v in lowered for v in _SELF_VARIABLES):
            if need.others_only:
                continue
            best = best or "named"
            continue
        name = arn.resource.split("/", 1)[-1]
        if has_wildcard(name) or not name:
            return "broad"
        best = best or "named"
    return best


def _grant(statement: Statement, need: Need) -> bool:
    """Whether an Allow statement grants `need` on an escalation-relevant scope."""
    if not statement.is_allow or not grants_action(statement, need.action):
        return False
    scope = _scope(statement, need)
    if scope is None or (need.broad_only and scope != "broad"):
        return False
    if _tag_scoped(statement):
        return False
    if _positive_values(statement, "iam:permissionsboundary") is not None:
        return False
    policy_arns = _positive_values(statement, "iam:policyarn")
    if policy_arns is not None and not any(
        has_wildcard(v) or v.lower().rsplit("/", 1)[-1] in _ADMIN_POLICY_NAMES for v in policy_arns
    ):
        return False
    if need.passed_to:
        services = _positive_values(statement, "iam:passedtoservice")
        if services is not None:
            if not any(compile_glob(v.lower())(p) for v in services for p in need.passed_to):
                return False
            if not _every_target(statement):
                return False
    return True


def _every_target(statement: Statement) -> bool:
    """The scope reaches every resource: `*`, NotResource, or an ARN like `role/*`."""
    if statement.not_resource is not None:
        return "*" not in statement.not_resource
    for resource in statement.resource or ():
        arn = parse_arn(resource)
        if resource == "*" or (arn is not None and arn.resource.split("/", 1)[-1] in ("*", "")):
            return True
    return False


def granted(ctx: LintContext, needs: tuple[Need, ...]) -> list[tuple[Need, StatementView]] | None:
    """For each need, the first Allow statement granting it; None unless all are granted."""
    out: list[tuple[Need, StatementView]] = []
    known: dict[Need, StatementView | None] | None = ctx.memo.get("escalation-grants")
    if known is None:
        known = ctx.memo["escalation-grants"] = {}
    for need in needs:
        try:
            view = known[need]
        except KeyError:
            view = known[need] = next(
                (v for v, s in _granting(ctx, need.action) if _grant(s, need)),
                None,
            )
        if view is None:
            return None
        out.append((need, view))
    return out


def _granting(ctx: LintContext, action: str) -> list[tuple[StatementView, Statement]]:
    """The Allow statements whose Action/NotAction covers `action`, in document order.

    Found once per document and action: many needs share an action (PS328 alone asks for
    `iam:PassRole` once per sink service), and most statements grant none of them, so `_grant`'s
    scope and condition checks run only on the few statements that can matter. Only the
    statements that name the action's service (or every service) are asked.
    """
    key = ("escalation-granting", action)
    found = ctx.memo.get(key)
    if found is None:
        index = _allow_index(ctx)
        service = action.partition(":")[0].lower()
        if (index.reach is not None and service not in index.reach) or index.excludes(action):
            found = []  # most questions: no statement names the action, nor a glob of its service
        else:
            found = [(v, s) for v, s in index.candidates(service) if grants_action(s, action)]
        ctx.memo[key] = found
    return found


@dataclass(slots=True)
class _AllowIndex:
    """A document's Allow statements with the services their Action lists name."""

    allows: list[tuple[StatementView, Statement, frozenset[str] | None]]
    """Each Allow statement and its Action's prefixes (None: it reaches every service, `*` or
    NotAction), in document order."""
    reach: frozenset[str] | None
    """The services named, or None when some statement reaches every service."""
    by_service: dict[str, list[tuple[StatementView, Statement]]]
    """`candidates`' answers, per service asked about."""
    names: tuple[set[str], set[str]] | None = None
    """`excludes`' sets: the Action entries lower-cased, and the prefixes of those with a
    wildcard; None until asked."""
    opaque: bool = False
    """Some Allow statement's reach is not told by `names` (an entry that is not ASCII or
    holds a line break): `excludes` says nothing."""

    def excludes(self, action: str) -> bool:
        """Whether no Allow statement can grant `action`, told from the document's entries at
        once (`ActionPatterns.reach`: an entry that matches an ASCII name without line breaks
        is that name, lower-cased, or has a wildcard and the name's prefix). False when that
        cannot tell: the statements are then asked. The escalation paths ask a document
        about dozens of actions of the services it names, and most are granted by none."""
        if self.reach is None or not action.isascii() or "\n" in action:
            return False  # some statement reaches every service (`*`, NotAction)
        names = self.names
        if names is None:
            names = self.names = self._names()
        if self.opaque:
            return False
        lowered = action.lower()
        exact, wild = names
        return lowered not in exact and lowered.partition(":")[0] not in wild

    def possible(self) -> frozenset[str] | None:
        """The actions of the method rules' paths (lower-cased) that `excludes` leaves: some
        Allow statement names one, or an entry of its service has a wildcard. None when
        `excludes` says nothing (a statement reaching every service, an entry that is not
        ASCII or holds a line break)."""
        if self.reach is None:
            return None
        names = self.names
        if names is None:
            names = self.names = self._names()
        if self.opaque:
            return None
        exact, wild = names
        found = _NEED_ACTIONS.intersection(exact)
        for prefix in wild:
            found.update(_NEED_ACTIONS_BY_SERVICE.get(prefix, ()))
        return frozenset(found)

    def _names(self) -> tuple[set[str], set[str]]:
        exact: set[str] = set()
        wild: set[str] = set()
        for _view, statement, _prefixes in self.allows:
            reach = action_patterns(statement.action).reach() if statement.action else None
            if reach is None:
                self.opaque = True
                break
            exact.update(reach[0])
            wild.update(reach[1])
        return exact, wild

    def candidates(self, service: str) -> list[tuple[StatementView, Statement]]:
        """The Allow statements that may grant an action of `service`, in document order
        (worked out for the few services asked about: a document may name dozens, and most
        are never looked at)."""
        found = self.by_service.get(service)
        if found is None:
            found = self.by_service[service] = [
                (v, s) for v, s, prefixes in self.allows if prefixes is None or service in prefixes
            ]
        return found


def _allow_index(ctx: LintContext) -> _AllowIndex:
    found: _AllowIndex | None = ctx.memo.get("escalation-allow-index")
    if found is None:
        allows = [
            (
                view,
                statement,
                action_patterns(statement.action).prefixes
                if statement.action is not None
                else None,
            )
            for view, statement in ctx.valid_statements()
            if statement.is_allow
        ]
        named = [prefixes for _v, _s, prefixes in allows if prefixes is not None]
        reach = frozenset().union(*named) if len(named) == len(allows) else None
        found = ctx.memo["escalation-allow-index"] = _AllowIndex(allows, reach, {})
    return found


def _allowed_prefixes(ctx: LintContext) -> frozenset[str] | None:
    """The services the document's Allow statements can grant actions of; None when one of
    them reaches every service (`*`, NotAction). Most escalation needs name a service the
    document never mentions, and are answered by this set alone."""
    return _allow_index(ctx).reach


def allows_service(ctx: LintContext, services: frozenset[str]) -> bool:
    """Whether some Allow statement of the document may grant an action of one of `services`
    (lower-case): its Action names the service, or it reaches every service (`*`, NotAction).
    Rules that ask each statement about a few services' actions (iam:PassRole, the
    credential-returning ones) ask this first: most documents name none of them, and the
    index is built once for the document."""
    reach = _allowed_prefixes(ctx)
    return reach is None or not reach.isdisjoint(services)


def _label(view: StatementView) -> str:
    model = view.model
    return model.label if model is not None else f"#{view.index}"


def _report(ctx: LintContext, what: str, paths: list[Path]) -> Iterator[Issue]:
    """The first of `paths` whose needs the document grants, as one finding. Every path's
    services must be among those the Allow statements name (`_reachable`)."""
    for path in paths:
        hits = granted(ctx, path.needs)
        if hits is None:
            continue
        where = ", ".join(f"{need.action} by statement {_label(view)}" for need, view in hits)
        anchor = hits[-1][1] if hits[0][0].action == "iam:PassRole" else hits[0][1]
        yield ctx.at_statement(
            anchor,
            f"{what}: {where}",
            key="Action" if "Action" in anchor.items else None,
            severity=path.severity,
        )
        return


def _reachable(ctx: LintContext, paths: list[Path]) -> list[Path]:
    """The paths whose services the document's Allow statements all name."""
    reach = _allowed_prefixes(ctx)
    if reach is None:
        return paths
    return [path for path in paths if path.services <= reach]


_METHODS: dict[str, list[Path]] = {}
"""Each method rule's paths, by rule id (PS301-PS327, PS329, PS330, PS332)."""
_METHODS_BY_SERVICE: dict[str, list[str]] = {}
"""The method rules some path of which needs an action of the (lower-cased) service."""


_METHOD_SERVICES: dict[str, frozenset[str]] = {}
"""The services some path of each method rule needs, by rule id."""


_METHOD_SERVICES_ALL: set[str] = set()
"""The services of `_METHODS_BY_SERVICE` (the union of `_METHOD_SERVICES`)."""


_METHOD_ACTIONS: dict[str, frozenset[str]] = {}
"""The (lower-cased) actions some path of each method rule needs, by rule id."""


_NEED_ACTIONS: set[str] = set()
"""The actions of every method rule's paths, lower-cased (the union of `_METHOD_ACTIONS`)."""
_NEED_ACTIONS_BY_SERVICE: dict[str, set[str]] = {}
"""`_NEED_ACTIONS` by (lower-cased) service."""


def _register_paths(rule_id: str, paths: list[Path]) -> None:
    _METHODS[rule_id] = paths
    _METHOD_SERVICES[rule_id] = frozenset(s for path in paths for s in path.services)
    _METHOD_SERVICES_ALL.update(_METHOD_SERVICES[rule_id])
    for service in sorted(_METHOD_SERVICES[rule_id]):
        _METHODS_BY_SERVICE.setdefault(service, []).append(rule_id)
    _METHOD_ACTIONS[rule_id] = frozenset(a for path in paths for a in path.actions)
    _NEED_ACTIONS.update(_METHOD_ACTIONS[rule_id])
    for action in _METHOD_ACTIONS[rule_id]:
        _NEED_ACTIONS_BY_SERVICE.setdefault(action.partition(":")[0], set()).add(action)


@lru_cache(maxsize=4096)
def _open_method_paths(rule_id: str, reach: frozenset[str]) -> list[Path]:
    """A method rule's paths whose services are all in `reach`, which the caller cuts down to
    the rule's own services (a path's services are among them): documents differ in the
    services they name, far less in those one rule asks about, so the answer is shared
    (callers must not change the list)."""
    return [p for p in _METHODS[rule_id] if p.services <= reach]


@lru_cache(maxsize=4096)
def _possible_method_paths(rule_id: str, possible: frozenset[str]) -> list[Path]:
    """A method rule's paths whose actions are all in `possible`, which the caller cuts down
    to the rule's own actions: shared as `_open_method_paths`' answers are (callers must not
    change the list)."""
    return [p for p in _METHODS[rule_id] if p.actions <= possible]


def _open_paths(ctx: LintContext) -> dict[str, list[Path]]:
    """Per document, each method rule's `_reachable` paths; rules with none are left out.

    Worked out once per document from the few services its Allow statements name, so that
    the thirty-odd method rules of a document that grants nothing of IAM, EC2, Lambda, ...
    (most documents) each end in one dictionary lookup. When the document's entries tell
    which of the paths' actions some statement may grant (`_AllowIndex.possible`), only the
    paths all of whose actions may be granted are kept: `granted` finds no statement for
    an action of any other (its `_granting` is empty), and most documents that name IAM
    grant none of the actions of most paths."""
    found: dict[str, list[Path]] | None = ctx.memo.get("escalation-open-paths")
    if found is None:
        reach = _allowed_prefixes(ctx)
        if reach is None:
            found = _METHODS
        else:
            found = {}
            services = reach & _METHOD_SERVICES_ALL  # in C: most services open none
            possible = _allow_index(ctx).possible() if services else None
            for service in services:
                for rule_id in _METHODS_BY_SERVICE.get(service, ()):
                    if rule_id in found:
                        continue
                    if possible is None:
                        found[rule_id] = _open_method_paths(
                            rule_id, reach & _METHOD_SERVICES[rule_id]
                        )
                    else:
                        found[rule_id] = _possible_method_paths(
                            rule_id, possible & _METHOD_ACTIONS[rule_id]
                        )
        ctx.memo["escalation-open-paths"] = found
    return found


def _method(
    rule_id: str,
    severity: Severity,
    title: str,
    paths: list[Path],
    example: list[str] | dict[str, object],
    near_miss: dict[str, object],
    doc: str,
) -> None:
    if isinstance(example, list):
        example = _doc({"Effect": "Allow", "Action": example, "Resource": "*"})

    _register_paths(rule_id, paths)

    def check(ctx: LintContext) -> Iterable[Issue]:
        # `_open_paths(ctx)`, its memo read here: thirty-odd rules ask it of every document
        found: dict[str, list[Path]] | None = ctx.memo.get("escalation-open-paths")
        open_paths = (found if found is not None else _open_paths(ctx)).get(rule_id)
        return _report(ctx, title, open_paths) if open_paths else ()

    check.__doc__ = doc
    check.__name__ = f"check_{rule_id.lower()}"
    rule(rule_id, severity, title, example=example, near_miss=near_miss, kinds=KINDS)(check)


def _allow(
    action: str | list[str], resource: str | list[str] = "*", **condition: object
) -> dict[str, object]:
    out: dict[str, object] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        out["Condition"] = condition
    return out


_SEC = Severity.SECURITY
_WARN = Severity.WARNING
_ACCT = "arn:aws:iam::123456789012"

# --- IAM single-step methods -------------------------------------------------------------------

_method(
    "PS301",
    _SEC,
    "New default policy version rewrites the caller's permissions",
    _paths(_needs("iam:CreatePolicyVersion")),
    ["iam:CreatePolicyVersion"],
    _doc({"Effect": "Deny", "Action": "iam:CreatePolicyVersion", "Resource": "*"}),
    "`iam:CreatePolicyVersion` can set the new version as default in the same call.",
)
_method(
    "PS302",
    _WARN,
    "Roll back a managed policy to an older, broader version",
    _paths(_needs(Need("iam:SetDefaultPolicyVersion", broad_only=True))),
    ["iam:SetDefaultPolicyVersion"],
    _doc(_allow("iam:SetDefaultPolicyVersion", f"{_ACCT}:policy/team/app-policy")),
    "Target-dependent (needs existing broader versions), so a warning; a named policy is not"
    " reported.",
)
_method(
    "PS303",
    _SEC,
    "Create an access key for another user",
    _paths(_needs(Need("iam:CreateAccessKey", others_only=True))),
    _doc(_allow("iam:CreateAccessKey", f"{_ACCT}:user/*")),
    _doc(_allow("iam:CreateAccessKey", f"{_ACCT}:user/${{aws:username}}")),
    "Long-term credentials of another, possibly more privileged user.",
)
_method(
    "PS304",
    _SEC,
    "Create a console password for another user",
    _paths(_needs(Need("iam:CreateLoginProfile", others_only=True))),
    ["iam:CreateLoginProfile"],
    _doc(_allow("iam:CreateLoginProfile", f"{_ACCT}:user/${{aws:username}}")),
    "Console sign-in as a user that has no password yet.",
)
_method(
    "PS305",
    _SEC,
    "Reset another user's console password",
    _paths(_needs(Need("iam:UpdateLoginProfile", others_only=True))),
    ["iam:UpdateLoginProfile"],
    _doc(_allow("iam:ChangePassword")),
    "Take over another user's console access.",
)
_method(
    "PS306",
    _SEC,
    "Attach a managed policy to a user",
    _paths(_needs("iam:AttachUserPolicy")),
    ["iam:AttachUserPolicy"],
    _doc(
        _allow(
            "iam:AttachUserPolicy",
            ArnEquals={"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        )
    ),
    "Attach AdministratorAccess to oneself; an `iam:PolicyARN` pin to harmless policies is"
    " not reported.",
)
_method(
    "PS307",
    _SEC,
    "Attach a managed policy to a group",
    _paths(_needs("iam:AttachGroupPolicy")),
    ["iam:AttachGroupPolicy"],
    _doc(
        _allow(
            "iam:AttachGroupPolicy",
            ArnEquals={"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        )
    ),
    "Attach AdministratorAccess to a group the caller belongs to.",
)
_method(
    "PS308",
    _SEC,
    "Attach a managed policy to a role",
    _paths(_needs("iam:AttachRolePolicy")),
    ["iam:AttachRolePolicy"],
    _doc(
        _allow(
            "iam:AttachRolePolicy",
            f"{_ACCT}:role/app-*",
            StringEquals={"iam:PermissionsBoundary": f"{_ACCT}:policy/dev-boundary"},
        )
    ),
    "The caller may be the role already (no `sts:AssumeRole` required, cloudsplaining#580).",
)
_method(
    "PS309",
    _SEC,
    "Write an inline policy on a user",
    _paths(_needs("iam:PutUserPolicy")),
    ["iam:PutUserPolicy"],
    _doc(_allow("iam:GetUserPolicy")),
    "Any permissions into the caller's own or another user.",
)
_method(
    "PS310",
    _SEC,
    "Write an inline policy on a group",
    _paths(_needs("iam:PutGroupPolicy")),
    ["iam:PutGroupPolicy"],
    _doc(_allow("iam:GetGroupPolicy")),
    "Any permissions into a group the caller belongs to.",
)
_method(
    "PS311",
    _SEC,
    "Write an inline policy on a role",
    _paths(_needs("iam:PutRolePolicy")),
    ["iam:PutRolePolicy"],
    _doc(
        _allow(
            "iam:PutRolePolicy",
            f"{_ACCT}:role/app-*",
            StringEquals={"iam:PermissionsBoundary": f"{_ACCT}:policy/dev-boundary"},
        )
    ),
    "Any permissions into a role the caller is or can assume.",
)
_method(
    "PS312",
    _SEC,
    "Join a more privileged group",
    _paths(_needs(Need("iam:AddUserToGroup", broad_only=True))),
    ["iam:AddUserToGroup"],
    _doc(_allow("iam:AddUserToGroup", f"{_ACCT}:group/readers")),
    "Group ARNs by wildcard may include admin groups; one named group was chosen on purpose.",
)
_method(
    "PS313",
    _SEC,
    "Rewrite a role's trust policy, then assume the role",
    _paths(_needs("iam:UpdateAssumeRolePolicy")),
    ["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    _doc(
        _allow(
            "iam:UpdateAssumeRolePolicy",
            f"{_ACCT}:role/pipeline/*",
            **{"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}},
        )
    ),
    "A trust policy that names the caller's ARN needs no identity Allow to assume the role.",
)

# --- PassRole and compute methods --------------------------------------------------------------

_method(
    "PS314",
    _SEC,
    "Launch compute with an existing instance profile",
    _paths(
        _needs(_pass("ec2"), "ec2:RunInstances"),
        _needs(_pass("ec2"), "ec2:RequestSpotInstances"),
        _needs(_pass("ec2"), "ec2:AssociateIamInstanceProfile"),
        _needs(_pass("ec2"), "ec2:ReplaceIamInstanceProfileAssociation"),
        _needs(
            _pass("ec2"),
            "autoscaling:CreateLaunchConfiguration",
            "autoscaling:CreateAutoScalingGroup",
        ),
        _needs(_pass("ec2"), "ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup"),
    ),
    ["iam:PassRole", "ec2:RunInstances"],
    _doc(
        _allow(
            "iam:PassRole",
            f"{_ACCT}:role/ec2-basic",
            StringEquals={"iam:PassedToService": "ec2.amazonaws.com"},
        ),
        _allow("ec2:RunInstances"),
    ),
    "Log in to the instance and read the role's credentials from instance metadata.",
)
_method(
    "PS315",
    _WARN,
    "Take over an existing instance that has a role",
    _paths(
        _needs(
            Need("ec2:ModifyInstanceAttribute", broad_only=True),
            Need("ec2:StopInstances", broad_only=True),
            Need("ec2:StartInstances", broad_only=True),
        ),
        _needs(
            Need("ec2:CreateLaunchTemplateVersion", broad_only=True),
            Need("ec2:ModifyLaunchTemplate", broad_only=True),
        ),
        _needs(Need("ec2-instance-connect:SendSSHPublicKey", broad_only=True)),
    ),
    ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
    _doc(
        _allow(
            ["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"],
            StringEquals={"aws:ResourceTag/owner": "${aws:PrincipalTag/team}"},
        )
    ),
    "Target-dependent: swapping user data or logging in runs as the instance's role.",
)
_method(
    "PS316",
    _WARN,
    "Run commands on instances through SSM",
    _paths(
        _needs(Need("ssm:SendCommand", broad_only=True)),
        _needs(Need("ssm:StartSession", broad_only=True)),
        _needs(Need("ssm:CreateAssociation", broad_only=True)),
    ),
    ["ssm:StartSession"],
    _doc(
        _allow(
            "ssm:StartSession",
            "arn:aws:ec2:*:*:instance/*",
            StringEquals={"ssm:resourceTag/team": "${aws:PrincipalTag/team}"},
        )
    ),
    "Target-dependent: commands run with the instance profile of the target instance.",
)
_method(
    "PS317",
    _SEC,
    "Create a Lambda function with a passed role and trigger it",
    _paths(
        _needs(_pass("lambda"), "lambda:CreateFunction", "lambda:InvokeFunction"),
        _needs(_pass("lambda"), "lambda:CreateFunction", "lambda:AddPermission"),
        _needs(_pass("lambda"), "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    ),
    ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"],
    _doc(
        _allow(
            "iam:PassRole",
            f"{_ACCT}:role/lambda-basic-*",
            StringEquals={"iam:PassedToService": "lambda.amazonaws.com"},
        ),
        _allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
    ),
    "The function's code runs with the passed role.",
)
_method(
    "PS318",
    _WARN,
    "Modify an existing Lambda function that has a role",
    _paths(
        _needs(Need("lambda:UpdateFunctionCode", broad_only=True)),
        _needs(Need("lambda:UpdateFunctionConfiguration", broad_only=True)),
    ),
    ["lambda:UpdateFunctionCode"],
    _doc(
        _allow(
            "lambda:UpdateFunctionCode",
            "arn:aws:lambda:eu-west-1:123456789012:function:dev-*",
            StringEquals={"aws:ResourceTag/env": "dev"},
        )
    ),
    "Target-dependent: new code or layers run with the function's existing role.",
)
_method(
    "PS319",
    _SEC,
    "Glue endpoint or job with a passed role",
    [
        *_paths(
            _needs(_pass("glue"), "glue:CreateDevEndpoint"),
            _needs(_pass("glue"), "glue:CreateJob", "glue:StartJobRun"),
            _needs(_pass("glue"), "glue:CreateJob", "glue:CreateTrigger"),
            _needs(_pass("glue"), "glue:UpdateJob", "glue:StartJobRun"),
            _needs(_pass("glue"), "glue:UpdateJob", "glue:CreateTrigger"),
        ),
        *_paths(_needs(Need("glue:UpdateDevEndpoint", broad_only=True)), severity=_WARN),
    ],
    ["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
    _doc(_allow("glue:StartJobRun", "arn:aws:glue:eu-west-1:123456789012:job/nightly")),
    "Glue runs the job's script or the endpoint's shell with the passed role.",
)
_method(
    "PS320",
    _SEC,
    "CloudFormation stack with a passed or existing service role",
    [
        *_paths(
            _needs(_pass("cloudformation"), "cloudformation:CreateStack"),
            _needs(
                _pass("cloudformation"),
                "cloudformation:CreateStackSet",
                "cloudformation:CreateStackInstances",
            ),
            _needs(_pass("cloudformation"), "cloudformation:UpdateStackSet"),
        ),
        *_paths(
            _needs(
                Need("cloudformation:CreateChangeSet", broad_only=True),
                Need("cloudformation:ExecuteChangeSet", broad_only=True),
            ),
            _needs(Need("cloudformation:UpdateStack", broad_only=True)),
            severity=_WARN,
        ),
    ],
    ["iam:PassRole", "cloudformation:CreateStack"],
    _doc(_allow(["cloudformation:CreateStack", "cloudformation:DescribeStacks"])),
    "The template runs with the passed (or the stack's existing) service role.",
)
_method(
    "PS321",
    _SEC,
    "Data Pipeline with a passed role",
    _paths(
        _needs(
            _pass("datapipeline", "elasticmapreduce", "ec2"),
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        )
    ),
    ["iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"],
    _doc(_allow(["datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"])),
    "Legacy service: pipeline activities run with the passed role.",
)
_method(
    "PS322",
    _SEC,
    "CodeStar project with a privileged role (legacy)",
    _paths(
        _needs("codestar:CreateProjectFromTemplate"),
        _needs("codestar:CreateProject", _pass("codestar")),
        _needs("codestar:CreateProject", "codestar:AssociateTeamMember"),
    ),
    ["codestar:CreateProjectFromTemplate"],
    _doc(_allow("codestar:Describe*")),
    "Discontinued service; kept for old policies.",
)
_method(
    "PS323",
    _SEC,
    "SageMaker notebook or job with a passed role",
    [
        *_paths(
            _needs(_pass("sagemaker"), "sagemaker:CreateNotebookInstance"),
            _needs(_pass("sagemaker"), "sagemaker:CreateTrainingJob"),
            _needs(_pass("sagemaker"), "sagemaker:CreateProcessingJob"),
        ),
        *_paths(
            _needs(Need("sagemaker:CreatePresignedNotebookInstanceUrl", broad_only=True)),
            _needs(
                Need("sagemaker:CreateNotebookInstanceLifecycleConfig"),
                Need("sagemaker:StopNotebookInstance", broad_only=True),
                Need("sagemaker:UpdateNotebookInstance", broad_only=True),
                Need("sagemaker:StartNotebookInstance", broad_only=True),
            ),
            severity=_WARN,
        ),
    ],
    ["iam:PassRole", "sagemaker:CreateTrainingJob"],
    _doc(
        _allow(
            "iam:PassRole",
            f"{_ACCT}:role/service-role/AmazonSageMaker-ExecutionRole-*",
            StringEquals={"iam:PassedToService": "sagemaker.amazonaws.com"},
        ),
        _allow("sagemaker:CreateTrainingJob"),
    ),
    "Notebook or job code runs with the passed (or existing) execution role.",
)
_method(
    "PS324",
    _SEC,
    "CodeBuild project with a passed or existing service role",
    [
        *_paths(
            _needs(_pass("codebuild"), "codebuild:CreateProject", "codebuild:StartBuild"),
            _needs(_pass("codebuild"), "codebuild:CreateProject", "codebuild:StartBuildBatch"),
            _needs("codebuild:UpdateProject", "codebuild:StartBuild"),
        ),
        *_paths(
            _needs(Need("codebuild:StartBuild", broad_only=True)),
            _needs(Need("codebuild:StartBuildBatch", broad_only=True)),
            severity=_WARN,
        ),
    ],
    ["iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"],
    _doc(_allow("codebuild:StartBuild", "arn:aws:codebuild:eu-west-1:123456789012:project/app")),
    "The buildspec runs with the project's service role.",
)
_method(
    "PS325",
    _SEC,
    "ECS task with a passed task role",
    [
        *_paths(
            *(
                _needs(_pass("ecs-tasks", "ecs"), "ecs:RegisterTaskDefinition", run)
                for run in ("ecs:RunTask", "ecs:StartTask", "ecs:CreateService")
            )
        ),
        *_paths(_needs(Need("ecs:ExecuteCommand", broad_only=True)), severity=_WARN),
    ],
    ["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    _doc(
        _allow(
            "ecs:RunTask",
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:3",
        )
    ),
    "The task's containers get the passed role's credentials.",
)
_method(
    "PS326",
    _SEC,
    "App Runner service with a passed instance role",
    [
        *_paths(_needs(_pass("tasks.apprunner", "build.apprunner"), "apprunner:CreateService")),
        *_paths(_needs(Need("apprunner:UpdateService", broad_only=True)), severity=_WARN),
    ],
    ["iam:PassRole", "apprunner:CreateService"],
    _doc(_allow("apprunner:ListServices")),
    "The service's code runs with the passed instance role.",
)
_method(
    "PS327",
    _SEC,
    "Bedrock AgentCore code interpreter with a passed role",
    [
        *_paths(
            _needs(
                _pass("bedrock-agentcore"),
                "bedrock-agentcore:CreateCodeInterpreter",
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
            )
        ),
        *_paths(
            _needs(
                Need("bedrock-agentcore:StartCodeInterpreterSession", broad_only=True),
                Need("bedrock-agentcore:InvokeCodeInterpreter", broad_only=True),
            ),
            severity=_WARN,
        ),
    ],
    [
        "iam:PassRole",
        "bedrock-agentcore:CreateCodeInterpreter",
        "bedrock-agentcore:StartCodeInterpreterSession",
        "bedrock-agentcore:InvokeCodeInterpreter",
    ],
    _doc(
        _allow(
            [
                "bedrock-agentcore:StartCodeInterpreterSession",
                "bedrock-agentcore:InvokeCodeInterpreter",
            ],
            "arn:aws:bedrock-agentcore:us-east-1:aws:code-interpreter/aws.codeinterpreter.v1",
        )
    ),
    "Arbitrary code runs with the interpreter's execution role.",
)

# --- PS328: generic PassRole sinks -------------------------------------------------------------

_FALLBACK_SINKS = (
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "batch:RegisterJobDefinition",
    "batch:CreateComputeEnvironment",
    "elasticmapreduce:RunJobFlow",
    "airflow:CreateEnvironment",
    "airflow:UpdateEnvironment",
    "events:PutTargets",
    "pipes:CreatePipe",
    "ecs:RegisterTaskDefinition",
    "eks:CreateNodegroup",
    "eks:CreateCluster",
    "imagebuilder:CreateInfrastructureConfiguration",
    "ssm:CreateMaintenanceWindow",
    "ssm:RegisterTaskWithMaintenanceWindow",
    "iot:CreateTopicRule",
    "firehose:CreateDeliveryStream",
    "kinesisanalytics:CreateApplication",
    "dms:CreateReplicationInstance",
    "codepipeline:CreatePipeline",
    "mediaconvert:CreateJob",
)
"""Used with the catalog's "dependent actions: iam:PassRole" column, which may be empty."""


def _by_service(actions: Iterable[str]) -> dict[str, list[str]]:
    """Action names by lower-cased service prefix, in order."""
    grouped: dict[str, list[str]] = {}
    for action in actions:
        grouped.setdefault(action.partition(":")[0].lower(), []).append(action)
    return grouped


_FALLBACK_BY_SERVICE = _by_service(_FALLBACK_SINKS)
"""`_FALLBACK_SINKS` by service (`_service_sinks` is asked about every service by a document
that grants them all)."""


@cache
def _service_sinks(service: str) -> tuple[tuple[str, list[Path]], ...]:
    """The generic sinks of one service (lower-case prefix), each as a method: PassRole to the
    service, then the sink action. Read per service, so that a document naming a few services
    does not make the catalog read every action file."""
    sinks = {a.lower(): a for a in _FALLBACK_BY_SERVICE.get(service, ())}
    actions = get_catalog().actions(service)
    for info in actions if _some_dependent(actions) else ():
        deps = [*info.dependent_actions]
        for rt in info.resource_types:
            deps.extend(rt.dependent_actions)
        if any(d.lower() == "iam:passrole" for d in deps):
            sinks.setdefault(info.full_name.lower(), info.full_name)
    chosen = sorted(v for k, v in sinks.items() if k not in _curated_actions())
    return tuple((sink, _paths(_needs(_pass(service), sink))) for sink in chosen)


_DEPENDENT = attrgetter("dependent_actions")
_RESOURCE_TYPES = attrgetter("resource_types")


def _some_dependent(actions: tuple[ActionInfo, ...]) -> bool:
    """Whether some action of a service, or one of its resource types, lists dependent
    actions: told in C over the service's actions, so that `_service_sinks` reads them one by
    one only when one may name `iam:PassRole` (the catalog release bundled now lists none, and
    a document granting every service asks for the sinks of all 450-odd)."""
    return any(map(_DEPENDENT, actions)) or any(
        map(_DEPENDENT, chain.from_iterable(map(_RESOURCE_TYPES, actions)))
    )


@lru_cache(maxsize=1)
def _curated_actions() -> frozenset[str]:
    return frozenset(
        a.lower()
        for a in (
            "ec2:RunInstances",
            "ec2:RequestSpotInstances",
            "lambda:CreateFunction",
            "glue:CreateDevEndpoint",
            "glue:CreateJob",
            "glue:UpdateJob",
            "cloudformation:CreateStack",
            "cloudformation:CreateStackSet",
            "cloudformation:UpdateStackSet",
            "datapipeline:CreatePipeline",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateProcessingJob",
            "codebuild:CreateProject",
            "ecs:RegisterTaskDefinition",
            "apprunner:CreateService",
            "bedrock-agentcore:CreateCodeInterpreter",
        )
    )


@rule(
    "PS328",
    Severity.WARNING,
    "Generic PassRole sink: an action that hands a passed role to a service",
    example=_doc(_allow(["iam:PassRole", "scheduler:CreateSchedule"])),
    near_miss=_doc(
        _allow(
            "iam:PassRole",
            f"{_ACCT}:role/scheduler-invoke",
            StringEquals={"iam:PassedToService": "scheduler.amazonaws.com"},
        ),
        _allow("scheduler:CreateSchedule"),
    ),
    kinds=KINDS,
)
def passrole_sink(ctx: LintContext) -> Iterator[Issue]:
    """Any action that takes a role to run with (the catalog's dependent-action column plus a
    short built-in list), granted together with a broad `iam:PassRole` for that service. A
    warning until a curated method (PS314-PS327) covers the service."""
    if not _granting(ctx, "iam:PassRole"):
        return  # the common case: no sink matters without PassRole
    reach = _allowed_prefixes(ctx)
    if reach is None:
        services = get_catalog().service_prefixes() | {
            a.partition(":")[0].lower() for a in _FALLBACK_SINKS
        }
    else:
        services = reach
    methods = sorted(
        (method for service in services for method in _service_sinks(service)),
        key=lambda method: method[0],
    )
    for sink, paths in methods:
        yield from _report(ctx, f"{sink} runs with a passed role", _reachable(ctx, paths))


# --- guardrails, chains, resource policies, AssumeRole -----------------------------------------

_method(
    "PS329",
    _SEC,
    "Guardrail removal: permissions boundaries can be removed or swapped",
    _paths(
        _needs("iam:DeleteRolePermissionsBoundary"),
        _needs("iam:DeleteUserPermissionsBoundary"),
        _needs("iam:PutRolePermissionsBoundary"),
        _needs("iam:PutUserPermissionsBoundary"),
    ),
    ["iam:DeleteRolePermissionsBoundary"],
    _doc(
        _allow(
            "iam:CreateRole",
            StringEquals={"iam:PermissionsBoundary": f"{_ACCT}:policy/dev-boundary"},
        ),
        {
            "Effect": "Deny",
            "Action": ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
            "Resource": "*",
        },
    ),
    "Removing or replacing a boundary lifts the ceiling on the principal's own grants. (Creating"
    " roles without a boundary condition is reported only by PS330's chains.)",
)
_method(
    "PS330",
    _SEC,
    "Multi-step IAM escalation chain",
    _paths(
        _needs("iam:CreateRole", "iam:AttachRolePolicy", "sts:AssumeRole"),
        _needs("iam:CreateRole", "iam:PutRolePolicy", "sts:AssumeRole"),
        _needs("iam:AttachUserPolicy", Need("iam:CreateAccessKey", others_only=True)),
        _needs("iam:PutUserPolicy", Need("iam:CreateAccessKey", others_only=True)),
        _needs("iam:CreatePolicyVersion", "sts:AssumeRole"),
        _needs("iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"),
        _needs("iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy"),
        _needs("iam:CreatePolicyVersion", "iam:UpdateAssumeRolePolicy"),
    ),
    ["iam:CreateRole", "iam:AttachRolePolicy", "sts:AssumeRole"],
    _doc(
        _allow(
            ["iam:CreateRole", "iam:AttachRolePolicy"],
            StringEquals={"iam:PermissionsBoundary": f"{_ACCT}:policy/dev-boundary"},
        ),
        _allow("sts:AssumeRole", f"{_ACCT}:role/app-reader"),
    ),
    "Chains that build a privileged principal and enter it.",
)

_POLICY_WRITERS = (
    "s3:PutBucketPolicy",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "sqs:SetQueueAttributes",
    "sqs:AddPermission",
    "sns:SetTopicAttributes",
    "sns:AddPermission",
    "lambda:AddPermission",
    "secretsmanager:PutResourcePolicy",
    "ecr:SetRepositoryPolicy",
    "glacier:SetVaultAccessPolicy",
)


_WRITERS = tuple((writer, writer.split(":", 1)[0]) for writer in _POLICY_WRITERS)
"""Each writer with its service (lower-case, as `_allowed_prefixes` spells them)."""
_WRITER_SERVICES = frozenset(service for _writer, service in _WRITERS)


def _full_service(statement: Statement, service: str) -> bool:
    """An unconditional Allow of every action of the service (`*`, `svc:*`, or a NotAction
    that leaves the service out) on every resource: nothing is withheld."""
    if not statement.is_allow or statement.condition:
        return False
    if statement.resource is not None and "*" not in statement.resource:
        return False
    if statement.not_resource is not None and "*" in statement.not_resource:
        return False
    return grants_action(statement, f"{service}:{_ANY_ACTION}")


_ANY_ACTION = "PolicysimAnyAction"
"""No real action is named so: only patterns that match every action of a service match it."""


@rule(
    "PS331",
    Severity.SECURITY,
    "Resource-policy self-escalation: the caller may rewrite the policy that gates it",
    example=_doc(
        _allow(
            ["s3:GetObject", "s3:PutBucketPolicy"],
            ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        )
    ),
    near_miss=_doc(
        _allow(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b", "arn:aws:s3:::b/*"])
    ),
    kinds=KINDS,
)
def resource_policy_self_escalation(ctx: LintContext) -> Iterator[Issue]:
    """Rewriting a resource policy (bucket, key, queue, topic, function, secret, repository,
    vault) lets the caller grant itself whatever the identity policy withholds. Not reported
    when the policy already grants the whole service everywhere (nothing is withheld), nor
    when an unconditional Deny of the same policy cancels the grant."""
    reach = _allowed_prefixes(ctx)
    if reach is not None and reach.isdisjoint(_WRITER_SERVICES):
        return  # most documents: no Allow names a writer's service
    denies: list[Statement] | None = None
    for writer, service in _WRITERS:
        if reach is not None and service not in reach:
            continue  # no Allow names the service
        granting = _granting(ctx, writer)
        if not granting:
            continue  # the common case, found in the document's index of Allow statements
        if any(_full_service(s, service) for _, s in _allow_index(ctx).candidates(service)):
            continue
        need = Need(writer)
        for view, statement in granting:
            if not _grant_any_scope(statement, need):
                continue
            if denies is None:
                statements = ctx.valid_statements()
                denies = [s for _, s in statements if not s.is_allow and _unconditional(s)]
            if not any(_cancels(deny, statement, writer) for deny in denies):
                yield ctx.at_statement(
                    view,
                    f"{writer} lets the caller grant itself more access through the resource"
                    f" policy (statement {_label(view)})",
                    key="Action" if "Action" in view.items else None,
                )
                break


def _unconditional(deny: Statement) -> bool:
    """A Deny that applies to every caller of the policy: no Condition, no NotPrincipal, and
    (in a resource policy) every principal."""
    if deny.condition or deny.not_principal is not None:
        return False
    return deny.principal is None or deny.principal.is_everyone


def _cancels(deny: Statement, allow: Statement, action: str) -> bool:
    """Whether an unconditional Deny refuses `action` on every resource the Allow names."""
    if not grants_action(deny, action):
        return False
    if deny.not_resource is not None:
        return False
    patterns = deny.resource or ()
    if "*" in patterns:
        return True
    if allow.resource is None:
        return False
    matchers = [compile_glob(p) for p in patterns]
    return all(any(m(r) for m in matchers) for r in allow.resource)


def _grant_any_scope(statement: Statement, need: Need) -> bool:
    if not statement.is_allow or not grants_action(statement, need.action):
        return False
    if _tag_scoped(statement) or any(
        _positive_values(statement, key) is not None for key in _SERVICE_ONLY_KEYS
    ):
        return False
    return _scope(statement, need) is not None


_SERVICE_ONLY_KEYS = ("kms:grantisforawsresource", "kms:viaservice", "aws:viaawsservice")
"""Conditions under which only an AWS service acting for the caller can use the permission."""


@rule(
    "PS332",
    Severity.WARNING,
    "Assume any role",
    example=_doc(_allow("sts:AssumeRole", "arn:aws:iam::*:role/*")),
    near_miss=_doc(_allow("sts:AssumeRole", f"{_ACCT}:role/app-reader")),
    kinds=KINDS,
)
def assume_any_role(ctx: LintContext) -> Iterable[Issue]:
    """`sts:AssumeRole` on `*` or every role: escalation wherever some role trusts the account
    without conditions. Certain only with a trust inventory, hence a warning."""
    paths = _open_paths(ctx).get("PS332")
    return _report(ctx, "sts:AssumeRole on every role", paths) if paths else ()


_register_paths("PS332", _paths(_needs(Need("sts:AssumeRole", broad_only=True))))

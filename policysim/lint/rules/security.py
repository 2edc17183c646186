"""PS2xx: security warnings (over-permissive grants, conditions that do not restrict).

Guards shared by the group (spec lint-rules.md, PS2xx header):
* only Allow statements over-grant; Deny statements are checked only by the rules about Deny
  (PS209, PS210, PS217-PS219, PS227, PS230);
* in an SCP, a permissions boundary or a session policy a broad Allow is a ceiling, not a grant:
  the finding is kept but downgraded (`ceiling`);
* in a resource policy (a KMS key policy above all) `"Resource": "*"` means the resource the
  policy is attached to, so the resource-wildcard rules only look at identity-like policies;
* actions that only accept `"Resource": "*"` (no resource types in the catalog) are never
  counted as a resource wildcard.
PS201, PS208, PS202 and PS206 fold what they imply on the same statement (PS202-PS207,
PS211, PS212, PS221-PS225, PS228, PS229, PS424, PS3xx) into their finding: `runner.FOLDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from itertools import chain, compress, filterfalse, repeat
from operator import attrgetter, itemgetter

from policysim.catalog import ActionInfo, get_catalog
from policysim.lint.context import (
    ActionNames,
    ActionPatterns,
    Issue,
    LintContext,
    StatementView,
    action_patterns,
    grants_action,
)
from policysim.lint.facts import action_facts, expand_action
from policysim.lint.finding import Severity
from policysim.lint.policy_type import IDENTITY_LIKE, PolicyKind
from policysim.lint.registry import example_policy as doc
from policysim.lint.registry import rule
from policysim.lint.rules.catalog_rules import (
    Cond,
    action_names,
    conditions,
    element_values,
    known_action,
    left_by_not_action,
    listed,
    tag_key_gaps,
)
from policysim.lint.rules.escalation import allows_service
from policysim.policy.arn import parse_arn
from policysim.policy.model import Statement
from policysim.policy.operators import Family, Operator
from policysim.policy.public import RESTRICTING_KEYS
from policysim.policy.wildcard import has_wildcard

GRANT_BOUNDS = IDENTITY_LIKE - {PolicyKind.SCP}
"""Where the over-permission rules (PS201-PS208, PS211, PS212, PS221-PS225, PS228, PS229)
run: policies whose Allow statements grant, and the boundaries and session policies that cap
a grant (their findings downgraded by `ceiling`). Not SCPs (nor RCPs, which only Deny): an SCP
Allow grants nothing, and an allow-list such as `"Action": ["s3:*", "ec2:*"]` on `"*"` is how
organizations write them."""
CEILINGS = frozenset({PolicyKind.SCP, PolicyKind.BOUNDARY, PolicyKind.SESSION})
"""Policy types whose Allow statements limit rather than grant."""
_DOWNGRADE = {
    Severity.ERROR: Severity.WARNING,
    Severity.SECURITY: Severity.WARNING,
    Severity.WARNING: Severity.SUGGESTION,
    Severity.SUGGESTION: Severity.SUGGESTION,
}


def ceiling(
    ctx: LintContext, severity: Severity, default: Severity = Severity.SECURITY
) -> Severity | None:
    """The severity for a broad Allow, downgraded in SCPs, boundaries and session policies;
    None (the rule's own, `default`) when unchanged."""
    if ctx.kind in CEILINGS:
        return _DOWNGRADE[severity]
    return None if severity is default else severity


def allows(ctx: LintContext) -> list[tuple[StatementView, Statement]]:
    """The valid Allow statements (found once per document; callers must not change the
    list)."""
    found: list[tuple[StatementView, Statement]] | None = ctx.memo.get("allow-statements")
    if found is None:
        found = [(v, m) for v, m in ctx.valid_statements() if m.is_allow]
        ctx.memo["allow-statements"] = found
    return found


def _star(resources: tuple[str, ...] | None) -> bool:
    return resources is not None and "*" in resources


@lru_cache(maxsize=65536)
def effectively_star(resource: str) -> bool:
    """`*`, or an ARN that names every resource of a kind in every account (`arn:aws:s3:::*`,
    `arn:*:*:*:*:*`, `arn:aws:iam::*:role/*`); one's own account's `role/*` is not."""
    if resource.strip("*") == "":
        return True
    arn = parse_arn(resource)
    if arn is None:
        return False
    if arn.resource.replace("/", "").replace(":", "").strip("*") == "":
        return True
    account_any = arn.account != "" and arn.account.strip("*") == ""
    head, sep, tail = arn.resource.partition("/")
    if not sep:
        head, sep, tail = arn.resource.partition(":")
    return account_any and bool(sep) and not has_wildcard(head) and tail.strip("*") == ""


def broad(model: Statement) -> bool:
    """Resource `*` (or effectively `*`) or NotResource."""
    if model.not_resource is not None:
        return True
    return any(map(effectively_star, model.resource or ()))  # remembered per text: in C


def broad_action_allows(ctx: LintContext) -> list[tuple[StatementView, Statement]]:
    """The Allow statements that list actions, none of them `*`, on any resource (`broad`):
    the statements PS221-PS224 look at (`Action: *` is PS201's and PS202's), found once per
    document for all four (callers must not change the list)."""
    found: list[tuple[StatementView, Statement]] | None = ctx.memo.get("broad-action-allows")
    if found is None:
        found = [
            (v, m)
            for v, m in allows(ctx)
            if m.action is not None and "*" not in m.action and broad(m)
        ]
        ctx.memo["broad-action-allows"] = found
    return found


WEAK_KEYS = frozenset({"aws:useragent", "aws:referer", "aws:securetransport"})


def constrained(view: StatementView) -> bool:
    """Some condition restricts the statement: a positive test of a key that is not weak."""
    return any(c.positive and c.lower not in WEAK_KEYS for c in conditions(view))


def _matching(model: Statement, names: ActionNames) -> list[str]:
    if model.action is None:
        return []
    return action_patterns(model.action).matching(names)


def _is_kms_key_policy(ctx: LintContext) -> bool:
    if ctx.kind is not PolicyKind.RESOURCE:
        return False
    if ctx.service:
        return ctx.service.lower() == "kms"
    actions = [a for _v, m in ctx.valid_statements() for a in (m.action or m.not_action or ())]
    return bool(actions) and all(a.lower().startswith("kms:") or a == "*" for a in actions)


# --- PS201-PS208: wildcards and negations ----------------------------------------------------


@rule(
    "PS201",
    Severity.SECURITY,
    "Allow of every action on every resource (administrator)",
    example=doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    near_miss=doc({"Effect": "Deny", "Action": "*", "Resource": "*"}),
    kinds=GRANT_BOUNDS,
)
def full_admin(ctx: LintContext) -> Iterator[Issue]:
    """`Action: *` on `Resource: *`. In an SCP this is the default FullAWSAccess (suggestion);
    in a boundary or session policy it is a ceiling that limits nothing (warning). One finding
    stands for the statement: PS202-PS205, the over-permissions and the escalation paths
    (PS3xx) it implies are folded into it and listed in its message and `folded` list
    (`fold = false` or `--no-fold` reports them apart)."""
    for view, model in allows(ctx):
        if model.action is not None and "*" in model.action and _star(model.resource):
            severity = (
                Severity.SUGGESTION
                if ctx.kind is PolicyKind.SCP
                else ceiling(ctx, Severity.SECURITY)
            )
            yield ctx.at_statement(
                view, "Allow of every action on every resource", key="Action", severity=severity
            )


@rule(
    "PS202",
    Severity.SECURITY,
    'Allow of "Action": "*"',
    example=doc({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}),
    near_miss=doc({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}),
    kinds=GRANT_BOUNDS,
)
def action_star(ctx: LintContext) -> Iterator[Issue]:
    """Every action of every service, including future ones, on the listed resources."""
    for view, model in allows(ctx):
        if model.action is None or "*" not in model.action:
            continue  # the model's tuple holds the element's strings: told in C
        for value in element_values(view, "Action"):
            if value.text == "*":
                yield ctx.at_node(
                    value.node,
                    "Allow of every action of every service",
                    pointer=value.pointer,
                    statement=view.index,
                    severity=ceiling(ctx, Severity.SECURITY),
                )


LOW_RISK_SERVICES = frozenset({"logs", "cloudwatch"})
_ABAC = ("aws:resourcetag/", "aws:principaltag/")


def _abac_bound(view: StatementView) -> bool:
    return any(
        c.positive
        and c.lower.startswith("aws:resourcetag/")
        and any("${aws:principaltag/" in v.lower() for v in c.texts)
        for c in conditions(view)
    )


@rule(
    "PS203",
    Severity.SECURITY,
    "Whole-service wildcard action",
    example=doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}),
    near_miss=doc(
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*", "logs:*"], "Resource": "*"}
    ),
    kinds=[*GRANT_BOUNDS, PolicyKind.RESOURCE],
)
def service_star(ctx: LintContext) -> Iterator[Issue]:
    """`iam:*`, `s3:*`, `kms:*`. Lower severity when ABAC conditions
    (`aws:ResourceTag/k` = `${aws:PrincipalTag/k}`) bind it; `logs`/`cloudwatch` are low-risk
    and not reported; a KMS key policy's `kms:*` statements (the account delegation) neither."""
    if _is_kms_key_policy(ctx):
        return
    for view, model in allows(ctx):
        if model.action is None or not action_patterns(model.action).service_wildcards:
            continue  # the model's tuple holds the element's strings (no `service:*` there)
        abac: bool | None = None  # asked only when there is something to report
        for value in element_values(view, "Action"):
            prefix, sep, name = value.text.partition(":")
            if not sep or name != "*" or prefix.lower() in LOW_RISK_SERVICES:
                continue
            if abac is None:
                abac = _abac_bound(view)
            severity = Severity.WARNING if abac else None
            yield ctx.at_node(
                value.node,
                f"Allow of every {prefix} action"
                + (" (bound by ABAC tag conditions)" if abac else ""),
                pointer=value.pointer,
                statement=view.index,
                severity=ceiling(ctx, severity or Severity.SECURITY),
            )


_RESOURCE_BOUNDS = ("aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths")


def _resource_tag_key(key: str) -> bool:
    """`aws:ResourceTag/k` or a service's own `ec2:ResourceTag/k`: a positive test of either
    holds only for resources carrying the tag (an action whose resources have no such key is
    not granted at all)."""
    _prefix, sep, name = key.partition(":")
    return bool(sep) and name.startswith("resourcetag/")


def _resource_bound(view: StatementView) -> bool:
    return any(
        c.positive and (c.lower in _RESOURCE_BOUNDS or _resource_tag_key(c.lower))
        for c in conditions(view)
    )


def _generated_job(info: ActionInfo) -> bool:
    """A `Start*`/`Create*` action whose only resources are the jobs it creates, named by a
    server-generated ID: nothing but a wildcard can name them before the call."""
    if not info.name.startswith(("Start", "Create")):
        return False
    known = _GENERATED_JOBS.get(info)  # catalog records are hashed by identity: cheap
    if known is None:
        known = _GENERATED_JOBS[info] = _generated_job_uncached(info)
    return known


_GENERATED_JOBS: dict[ActionInfo, bool] = {}
"""`_generated_job` per catalog action, once per process (the catalog's records live as long)."""


def _generated_job_uncached(info: ActionInfo) -> bool:
    catalog = get_catalog()
    for art in info.resource_types:
        declared = catalog.resource_type(info.service, art.name)
        if declared is None or not art.name.lower().endswith("job"):
            return False
        if not declared.arn_template.endswith("Id}"):
            return False
    return True


def _scoped_actions(model: Statement) -> tuple[ActionInfo, ...] | None:
    """Actions of the statement that accept resource ARNs; None for `Action: *` (the shared,
    remembered tuple: callers must not rely on a copy)."""
    if model.action is None:
        return ()
    if "*" in model.action:
        return None
    return _list_answers(model.action)[0]


_JOB_VERBS = ("Start", "Create")
_RESOURCE_TYPES = attrgetter("resource_types")
_NAME = attrgetter("name")
_ACCESS_LEVEL = attrgetter("access_level")


def _arn_scoped_of(actions: tuple[ActionInfo, ...]) -> tuple[ActionInfo, ...]:
    """The actions that accept resource ARNs and are not generated jobs (PS204 counts them),
    in order: `a.resource_types and not _generated_job(a)` for each, told in C but for the
    `Start*`/`Create*` actions with resource types (`_generated_job` is false for any other
    name), which `ec2:*` or `sagemaker:*` hold dozens of among hundreds."""
    scoped = tuple(compress(actions, map(_RESOURCE_TYPES, actions)))
    named = compress(scoped, map(str.startswith, map(_NAME, scoped), repeat(_JOB_VERBS)))
    jobs = set(filter(_generated_job, named))  # asked of the `Start*`/`Create*` actions only
    return tuple(filterfalse(jobs.__contains__, scoped)) if jobs else scoped


@lru_cache(maxsize=4096)
def _list_answers(patterns: tuple[str, ...]) -> _EntryAnswer:
    """PS204's and PS223's questions of one Action list at once: `_arn_scoped_of` and
    `_at_levels(_, _MANAGING)` of `statement_actions(patterns)[0]`, joined from
    `_entry_answers` (every list PS204 asks about, PS223 asks about after it)."""
    answers = list(map(_entry_answers(patterns).__getitem__, patterns))
    return (
        _joined(list(filter(None, map(_SCOPED, answers)))),
        _joined(list(filter(None, map(_MANAGED, answers)))),
    )


_MANAGING = frozenset({"Permissions management"})
"""PS223's access levels, answered per entry beside PS204's question (`_entry_answers`)."""


_EntryAnswer = tuple[tuple[ActionInfo, ...], tuple[ActionInfo, ...]]
_SCOPED = itemgetter(0)
_MANAGED = itemgetter(1)
_NEITHER: _EntryAnswer = ((), ())


def _entry_answers(patterns: tuple[str, ...]) -> dict[str, _EntryAnswer]:
    """`_ENTRY_ANSWERS`, with an answer for each of `patterns` (the shared memo: callers read it
    at once, before the next call may clear it).

    The same entries recur in statement after statement, combined differently: a corpus of
    1,643 managed policies has 3,669 distinct broad Action lists but 16,047 distinct entries
    in them, 43,440 in all, and expanding and filtering each list as a whole went over
    150,000 catalog actions. So each entry is expanded and filtered once, and a list joins
    its entries' kept actions (`_joined`). PS204 and PS223 ask about the same entries (every
    statement PS204 looks at, PS223 looks at too, and PS204 runs first), so one pass over an
    entry answers both: its actions that accept resource ARNs and are not generated jobs
    (`_arn_scoped_of`), and its permissions-management actions (`_at_levels` of
    `_MANAGING`), each in the entry's expansion order."""
    memo = _ENTRY_ANSWERS
    missing = dict.fromkeys(filterfalse(memo.__contains__, patterns))  # in C: most are known
    if not missing:
        return memo
    if len(memo) + len(missing) > 65536:
        memo.clear()  # bounded: endless distinct entries (cleared before, not while, filling)
        missing = dict.fromkeys(patterns)
    managing = _level_test(_MANAGING)
    for pattern in missing:
        if "*" in pattern or "?" in pattern:  # `has_wildcard`, spelt out: once per entry
            if pattern == "*":  # `statement_actions` does not expand a bare `*`
                memo[pattern] = _NEITHER
                continue
            actions = expand_action(pattern)
            memo[pattern] = (_arn_scoped_of(actions), _levels_of(actions, managing))
            continue
        # An exact name: `expand_action` is a dictionary lookup in the catalog, which PS027's
        # entry facts have made already.
        info = action_facts(pattern).info  # `known_action`, one call fewer
        if info is None:
            memo[pattern] = _NEITHER
            continue
        one = (info,)
        scoped = bool(info.resource_types) and not (
            info.name.startswith(_JOB_VERBS) and _generated_job(info)
        )  # `_arn_scoped_of` of one action: `_generated_job` is false for other names
        memo[pattern] = (one if scoped else (), one if managing[info.access_level] else ())
    return memo


_ENTRY_ANSWERS: dict[str, _EntryAnswer] = {}
"""`_entry_answers` per Action entry, once per process (bounded)."""


def _joined(kept: list[tuple[ActionInfo, ...]]) -> tuple[ActionInfo, ...]:
    """A list's answer from its entries' non-empty answers, in list order: their actions,
    first occurrence first. Filtering commutes with that de-duplication, so the order is
    `statement_actions`' own. Each entry's answer is itself free of repeats (an expansion
    names each catalog action once), so a list with at most one entry that keeps anything
    (half of PS204's lists, nearly all of PS223's) is answered by that entry alone."""
    if len(kept) <= 1:
        return kept[0] if kept else ()
    return tuple(dict.fromkeys(chain.from_iterable(kept)))


def _kept_actions(
    patterns: tuple[str, ...],
    memo: dict[str, tuple[ActionInfo, ...]],
    keep: Callable[[tuple[ActionInfo, ...]], tuple[ActionInfo, ...]],
    keeps: Callable[[ActionInfo], bool],
) -> tuple[ActionInfo, ...]:
    """`keep(statement_actions(patterns)[0])`, from answers per entry (`memo`, one per `keep`),
    as `_entry_answers` finds PS204's and PS223's; `keep` must keep, in order, the actions
    `keeps` holds for (it is asked of an exact entry's action). For the access levels other
    than `_MANAGING` (PS224's, off by default)."""
    missing = dict.fromkeys(filterfalse(memo.__contains__, patterns))
    if missing:
        if len(memo) + len(missing) > 65536:
            memo.clear()  # bounded: endless distinct entries (cleared before, not while, filling)
            missing = dict.fromkeys(patterns)
        for pattern in missing:
            if "*" in pattern or "?" in pattern:  # `has_wildcard`, spelt out: once per entry
                # `statement_actions` does not expand a bare `*`
                memo[pattern] = () if pattern == "*" else keep(expand_action(pattern))
            else:
                info = action_facts(pattern).info  # `known_action`, one call fewer
                memo[pattern] = (info,) if info is not None and keeps(info) else ()
    return _joined(list(filter(None, map(memo.__getitem__, patterns))))


@rule(
    "PS204",
    Severity.SECURITY,
    '"Resource": "*" for actions that support resource-level ARNs',
    example=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": [
                "s3:ListAllMyBuckets",
                "logs:DescribeLogGroups",
                "comprehend:StartPiiEntitiesDetectionJob",
                "iam:ListVirtualMFADevices",
            ],
            "Resource": "*",
        }
    ),
    kinds=GRANT_BOUNDS,
)
def resource_star(ctx: LintContext) -> Iterator[Issue]:
    """Actions with no resource types accept nothing but `*` and are not counted. Downgraded
    when `aws:ResourceAccount`/`aws:ResourceOrgID`/`aws:ResourceOrgPaths` or resource-tag
    conditions (`aws:ResourceTag/*`, or a service's own such as `ec2:ResourceTag/*`) bound the
    resources."""
    for view, model in allows(ctx):
        if not _star(model.resource):
            continue
        scoped = _scoped_actions(model)
        if scoped is not None and not scoped:
            continue
        what = "every action" if scoped is None else action_names(scoped, 3)
        severity = Severity.WARNING if _resource_bound(view) else Severity.SECURITY
        yield ctx.at_statement(
            view,
            f'"Resource": "*" for {what}, which can be scoped to resource ARNs',
            key="Resource",
            severity=ceiling(ctx, severity),
        )


@rule(
    "PS205",
    Severity.SECURITY,
    "Resource effectively * through wildcards",
    example=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "iam:GetRole"],
            "Resource": ["arn:aws:s3:::my-bucket/*", "arn:aws:iam::123456789012:role/app/*"],
        }
    ),
    kinds=GRANT_BOUNDS,
)
def resource_effectively_star(ctx: LintContext) -> Iterator[Issue]:
    """`arn:aws:s3:::*`, `arn:*:*:*:*:*`, `arn:aws:iam::*:role/*`: every resource of a kind.
    Downgraded when `aws:ResourceAccount`/`aws:ResourceOrgID` or resource-tag conditions
    (`aws:ResourceTag/*`, `ec2:ResourceTag/*`, ...) bound it."""
    for view, model in allows(ctx):
        if model.action is None or model.resource is None:
            continue  # NotResource: no Resource strings
        severity: Severity | None = None  # worked out only when there is something to report
        for value in element_values(view, "Resource"):
            if value.text != "*" and effectively_star(value.text):
                if severity is None:
                    severity = Severity.WARNING if _resource_bound(view) else Severity.SECURITY
                yield ctx.at_node(
                    value.node,
                    f"{value.text!r} matches every such resource in every account",
                    pointer=value.pointer,
                    statement=view.index,
                    severity=ceiling(ctx, severity),
                )


@rule(
    "PS206",
    Severity.SECURITY,
    "Allow with NotAction",
    example=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Deny",
            "NotAction": ["iam:*", "sts:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
        }
    ),
    kinds=[*GRANT_BOUNDS, PolicyKind.RESOURCE],
)
def allow_not_action(ctx: LintContext) -> Iterator[Issue]:
    """Grants every action of every service except the listed ones, future services included."""
    for view, model in allows(ctx):
        if model.not_action is not None:
            excluded = sorted({p.partition(":")[0].lower() for p in model.not_action})
            yield ctx.at_statement(
                view,
                "Allow with NotAction grants every action of every service (future ones"
                f" included) except {', '.join(model.not_action[:4])}"
                f"{' ...' if len(model.not_action) > 4 else ''}; services other than"
                f" {', '.join(excluded)} are granted in full",
                key="NotAction",
                severity=ceiling(ctx, Severity.SECURITY),
            )


@rule(
    "PS207",
    Severity.SECURITY,
    "Allow with NotResource",
    example=doc({"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"}),
    near_miss=doc({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::allowed/*"}),
    kinds=[*GRANT_BOUNDS, PolicyKind.RESOURCE],
)
def allow_not_resource(ctx: LintContext) -> Iterator[Issue]:
    """Grants on every resource, in every account, except the listed ones."""
    for view, model in allows(ctx):
        if model.not_resource is not None:
            yield ctx.at_statement(
                view,
                "Allow with NotResource grants on every resource except the listed ones",
                key="NotResource",
                severity=ceiling(ctx, Severity.SECURITY),
            )


@rule(
    "PS208",
    Severity.SECURITY,
    "Allow with both NotAction and NotResource",
    example=doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::x"}),
    near_miss=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::x"}),
    kinds=[*GRANT_BOUNDS, PolicyKind.RESOURCE],
)
def allow_not_both(ctx: LintContext) -> Iterator[Issue]:
    """Nearly administrator (iam:PassRole on nearly everything included). PS206/PS207 and the
    escalation paths and over-permissions of the statement are folded into this finding
    (`fold = false` reports them apart)."""
    for view, model in allows(ctx):
        if model.not_action is not None and model.not_resource is not None:
            yield ctx.at_statement(
                view,
                "Allow with NotAction and NotResource: nearly every action on nearly every"
                " resource",
                severity=ceiling(ctx, Severity.SECURITY),
            )


# --- PS209 / PS210: principals and Deny no-ops -----------------------------------------------


@rule(
    "PS209",
    Severity.SECURITY,
    "NotPrincipal (grants to everyone else with Allow; fragile with Deny)",
    example=doc(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {
                "ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/Admin"}
            },
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def not_principal(ctx: LintContext) -> Iterator[Issue]:
    """Allow + NotPrincipal grants to every other principal, anonymous included. Deny +
    NotPrincipal is legal but must list the role and its session ARNs (warning)."""
    for view, model in ctx.valid_statements():
        if model.not_principal is None:
            continue
        if model.is_allow:
            yield ctx.at_statement(
                view,
                "Allow with NotPrincipal grants to everyone not listed, anonymous callers included",
                key="NotPrincipal",
            )
        else:
            yield ctx.at_statement(
                view,
                "Deny with NotPrincipal must list every role session ARN too; prefer"
                ' "Principal": "*" with an ArnNotEquals aws:PrincipalArn condition',
                key="NotPrincipal",
                severity=Severity.WARNING,
            )


@rule(
    "PS210",
    Severity.SECURITY,
    "Deny that denies nothing",
    example=doc({"Effect": "Deny", "Principal": "*", "Action": "s3:*", "NotResource": "*"}),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "NotResource": "arn:aws:s3:::public-site/*",
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def deny_nothing(ctx: LintContext) -> Iterator[Issue]:
    """`NotResource: *`, `NotAction: *`, or a negated `*` carve-out on a key every signed
    request carries (`ArnNotLike aws:PrincipalArn "*"`): it reads as a lockdown and is a
    no-op. On a key that may be absent the same test holds exactly when the key is missing:
    `StringNotLike aws:RequestTag/cost-center "*"` is the "deny unless tagged" guard, and is
    not reported."""
    for view, model in ctx.valid_statements():
        if model.is_allow:
            continue
        if model.not_resource is not None and "*" in model.not_resource:
            yield ctx.at_statement(
                view, 'Deny with "NotResource": "*" applies to no resource', key="NotResource"
            )
        if model.not_action is not None and "*" in model.not_action:
            yield ctx.at_statement(
                view, 'Deny with "NotAction": "*" applies to no action', key="NotAction"
            )
        for cond in conditions(view):
            if negated_star(cond.op, cond.texts) and cond.lower in SIGNED_REQUEST_KEYS:
                yield cond.issue(
                    f'{cond.op_name} {cond.key!r} "*" is false whenever the key is present,'
                    " and every signed request carries it: the Deny never applies"
                )


SIGNED_REQUEST_KEYS = frozenset(
    {
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principaltype",
        "aws:userid",
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:principalisawsservice",
    }
)
"""Global keys present in every signed request's context."""


def negated_star(op: Operator, texts: list[str]) -> bool:
    """`StringNotLike`/`ArnNotLike`/`ArnNotEquals` with a `"*"` value (no set qualifier): false
    whenever the key is present, so it holds exactly when the key is absent, like `Null`
    true."""
    negated_like = op.base in ("StringNotLike", "ArnNotLike", "ArnNotEquals")
    return negated_like and op.negated and op.qualifier is None and "*" in texts


# --- PS211 / PS212 / PS225 / PS228: PassRole, service-linked roles, AssumeRole ---------------


_IAM = frozenset({"iam"})


def _role_wildcard(resource: str) -> bool:
    if resource.strip("*") == "":
        return True
    arn = parse_arn(resource)
    if arn is None:
        return False
    if not (arn.service.lower() == "iam" or arn.service.strip("*") == ""):
        return False
    tail = arn.resource.lower()
    return tail.strip("*") == "" or tail in ("role/*", "role*")


def _has_key(view: StatementView, key: str) -> bool:
    return any(c.lower == key and not c.op.negated for c in conditions(view))


@rule(
    "PS211",
    Severity.SECURITY,
    "iam:PassRole on any role without iam:PassedToService",
    example=doc({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::123456789012:role/lambda-exec-*",
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        }
    ),
    kinds=GRANT_BOUNDS,
)
def pass_role_star(ctx: LintContext) -> Iterator[Issue]:
    """Explicit or through `iam:*`, `iam:Pass*`, `*` or NotAction: the holder can hand any
    role to any service (the engine of most escalation paths)."""
    if not allows_service(ctx, _IAM):
        return  # most documents: no Allow names an IAM action
    for view, model in allows(ctx):
        if model.resource is None or not grants_action(model, "iam:passrole"):
            continue
        if model.action is not None and "*" in model.action and _star(model.resource):
            continue  # PS201 says it all
        if not any(_role_wildcard(r) for r in model.resource):
            continue
        if _has_key(view, "iam:passedtoservice"):
            continue
        yield ctx.at_statement(
            view,
            "iam:PassRole on any role without an iam:PassedToService condition",
            key="Action" if model.action is not None else "NotAction",
            severity=ceiling(ctx, Severity.SECURITY),
        )


@rule(
    "PS212",
    Severity.SECURITY,
    "iam:PassRole reachable through NotResource",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "NotResource": "arn:aws:iam::123456789012:role/Admin",
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": "arn:aws:iam::123456789012:role/app",
        }
    ),
    kinds=GRANT_BOUNDS,
)
def pass_role_not_resource(ctx: LintContext) -> Iterator[Issue]:
    """With `iam:PassRole`, `*` or NotAction: every role except the listed ones."""
    if not allows_service(ctx, _IAM):
        return  # most documents: no Allow names an IAM action
    for view, model in allows(ctx):
        if model.not_resource is not None and grants_action(model, "iam:passrole"):
            yield ctx.at_statement(
                view,
                "iam:PassRole on every role except the NotResource ones",
                key="NotResource",
                severity=ceiling(ctx, Severity.SECURITY),
            )


@rule(
    "PS225",
    Severity.WARNING,
    "iam:CreateServiceLinkedRole for any service",
    example=doc({"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "iam:CreateServiceLinkedRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"iam:AWSServiceName": "autoscaling.amazonaws.com"}},
        }
    ),
    kinds=GRANT_BOUNDS,
)
def create_slr(ctx: LintContext) -> Iterator[Issue]:
    """On `*`, through NotResource or `*` actions, without `iam:AWSServiceName`."""
    if not allows_service(ctx, _IAM):
        return  # most documents: no Allow names an IAM action
    for view, model in allows(ctx):
        if not grants_action(model, "iam:createservicelinkedrole") or not broad(model):
            continue
        if model.action is not None and "*" in model.action:
            continue  # PS201/PS202
        if _has_key(view, "iam:awsservicename"):
            continue
        yield ctx.at_statement(
            view,
            "iam:CreateServiceLinkedRole for any service; pin iam:AWSServiceName",
            severity=ceiling(ctx, Severity.WARNING, Severity.WARNING),
        )


@rule(
    "PS228",
    Severity.SECURITY,
    "sts:AssumeRole on any role",
    example=doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": "arn:aws:iam::123456789012:role/deploy-readonly",
        }
    ),
    kinds=GRANT_BOUNDS,
)
def assume_any_role(ctx: LintContext) -> Iterator[Issue]:
    """`sts:AssumeRole*` on `*` or `arn:aws:iam::*:role/*`: the holder becomes any role whose
    trust policy admits the account."""
    if not allows_service(ctx, _ASSUME_ROLE.prefixes):
        return  # most documents: no Allow names an STS action
    for view, model in allows(ctx):
        if model.action is None or "*" in model.action or model.resource is None:
            continue
        if not _matching(model, _ASSUME_ROLE):
            continue
        wide = [r for r in model.resource if r.strip("*") == "" or _any_account_role(r)]
        if wide:
            yield ctx.at_statement(
                view,
                f"sts:AssumeRole on {wide[0]!r}: any role whose trust admits this account",
                key="Resource",
                severity=ceiling(ctx, Severity.SECURITY),
            )


def _any_account_role(resource: str) -> bool:
    arn = parse_arn(resource)
    return (
        arn is not None
        and arn.account.strip("*") == ""
        and arn.resource.lower() in ("role/*", "*", "role*")
    )


# --- PS213-PS218, PS220, PS230: conditions that do not restrict ------------------------------


@rule(
    "PS213",
    Severity.SECURITY,
    "ForAllValues on a single-valued key",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
            },
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def for_all_single(ctx: LintContext) -> Iterator[Issue]:
    """`ForAllValues` is true when the key is absent, so the Allow matches requests that lack
    the key entirely. Keys the catalog does not know are not judged."""
    catalog = get_catalog()
    for view, _model in allows(ctx):
        for cond in conditions(view):
            if cond.op.qualifier is None or cond.op.qualifier.value != "ForAllValues":
                continue
            info = catalog.condition_key(cond.key)
            if info is None or catalog.is_multivalued(cond.key):
                continue
            yield cond.issue(
                f"ForAllValues on single-valued {cond.key!r} is true when the key is absent:"
                " this Allow matches requests without it",
                hint=f"use {cond.op_name.partition(':')[2]}",
            )


@rule(
    "PS214",
    Severity.SECURITY,
    "ForAllValues on a multi-valued key without an existence check",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {
                "ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]},
                "Null": {"aws:TagKeys": "false"},
            },
        }
    ),
)
def for_all_empty(ctx: LintContext) -> Iterator[Issue]:
    """An empty or missing set satisfies `ForAllValues`: requests that send no values pass.
    Quiet when the same key is also tested with `Null` false or `ForAnyValue`, or when another
    test of the block implies values: a required request tag (`aws:RequestTag/project`, not
    `...IfExists`) puts its key in `aws:TagKeys`, and `dynamodb:Select` pinned to
    `SPECIFIC_ATTRIBUTES` means `dynamodb:Attributes` lists some."""
    catalog = get_catalog()
    for view, _model in allows(ctx):
        conds = list(conditions(view))
        for cond in conds:
            if cond.op.qualifier is None or cond.op.qualifier.value != "ForAllValues":
                continue
            if not catalog.is_multivalued(cond.key):
                continue
            present = any(
                (
                    other.lower == cond.lower
                    and (
                        (other.op.family is Family.NULL and "false" in other.texts)
                        or (
                            other.op.qualifier is not None
                            and other is not cond
                            and other.op.qualifier.value == "ForAnyValue"
                        )
                    )
                )
                or _implies_values(other, cond.lower)
                for other in conds
            )
            if not present:
                yield cond.issue(
                    f"ForAllValues on {cond.key!r} is true when the request has no values: add"
                    f' "Null": {{"{cond.key}": "false"}}'
                )


def _implies_values(other: Cond, multivalued: str) -> bool:
    """Whether a test of another key guarantees the multivalued key a non-empty set."""
    if other.op.qualifier is not None:
        return False
    required = other.positive or (other.op.family is Family.NULL and other.texts == ["false"])
    if multivalued == "aws:tagkeys":
        return required and other.lower.startswith("aws:requesttag/")
    if multivalued == "dynamodb:attributes":
        return (
            other.positive
            and other.lower == "dynamodb:select"
            and bool(other.texts)
            and all(t.upper() == "SPECIFIC_ATTRIBUTES" for t in other.texts)
        )
    return False


@rule(
    "PS215",
    Severity.SECURITY,
    "...IfExists on a restricting key inside an Allow",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d5e6f7a8b9"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1a2b3c4d5e6f7a8b9"}},
        }
    ),
)
def if_exists_allow(ctx: LintContext) -> Iterator[Issue]:
    """Requests where the key is absent (not through a VPC endpoint, say) pass the test."""
    for view, _model in allows(ctx):
        for cond in conditions(view):
            if cond.op.if_exists and not cond.op.negated and cond.lower in RESTRICTING_KEYS:
                yield cond.issue(
                    f"{cond.op_name} passes requests that carry no {cond.key}: the restriction"
                    " is optional",
                    hint=f"use {cond.op.base}",
                )


ALWAYS_PRESENT = frozenset(
    {"aws:principalaccount", "aws:userid", "aws:principalisawsservice", "kms:calleraccount"}
)


@rule(
    "PS216",
    Severity.SECURITY,
    "Negated operator on a possibly-absent key inside an Allow",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": "999999999999"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceAccount": "999999999999"}},
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def negated_allow(ctx: LintContext) -> Iterator[Issue]:
    """An absent key is "not equal", so the Allow matches every request without it. Checked
    for the restricting keys (those that decide who or where), which may all be absent."""
    for view, _model in allows(ctx):
        for cond in conditions(view):
            if not cond.op.negated or cond.op.qualifier is not None:
                continue
            if cond.lower in RESTRICTING_KEYS and cond.lower not in ALWAYS_PRESENT:
                yield cond.issue(
                    f"{cond.op_name} {cond.key!r} in an Allow also matches requests without"
                    f" {cond.key}"
                )


_MFA = "aws:multifactorauthpresent"


@rule(
    "PS217",
    Severity.SECURITY,
    "MFA condition anti-pattern",
    example=doc(
        {
            "Effect": "Deny",
            "NotAction": "iam:ChangePassword",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "NotAction": "iam:ChangePassword",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        {
            "Effect": "Allow",
            "Action": "iam:ListUsers",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        },
    ),
)
def mfa_antipattern(ctx: LintContext) -> Iterator[Issue]:
    """Long-term access keys carry no `aws:MultiFactorAuthPresent`: a Deny on `Bool` false
    misses them (use `BoolIfExists`), an Allow on `BoolIfExists` true lets them through, and a
    `String*` test of the key is fragile."""
    for view, model in ctx.valid_statements():
        for cond in conditions(view):
            if cond.lower != _MFA:
                continue
            values = {v.lower() for v in cond.texts}
            if cond.op.family is Family.STRING:
                yield cond.issue(
                    f"{cond.op_name} on aws:MultiFactorAuthPresent: use Bool/BoolIfExists"
                )
            elif cond.op.family is not Family.BOOL:
                continue
            elif not model.is_allow and not cond.op.if_exists and values == {"false"}:
                yield cond.issue(
                    "Deny on Bool aws:MultiFactorAuthPresent false misses long-term access keys"
                    " (they carry no such key)",
                    hint="use BoolIfExists",
                )
            elif model.is_allow and cond.op.if_exists and values == {"true"}:
                yield cond.issue(
                    "Allow on BoolIfExists aws:MultiFactorAuthPresent true also allows"
                    " long-term access keys without MFA",
                    hint="use Bool",
                )


_NON_LIKE = frozenset(
    {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"}
)


def _literal_wildcard(value: str) -> bool:
    stripped = value
    while "${" in stripped and "}" in stripped[stripped.index("${") :]:
        start = stripped.index("${")
        end = stripped.index("}", start)
        stripped = stripped[:start] + stripped[end + 1 :]
    return has_wildcard(stripped)


@rule(
    "PS218",
    Severity.SECURITY,
    "Wildcard in a value of a non-Like operator",
    example=doc(
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/Contractor*"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {
                "StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/Contractor*"},
                "StringEquals": {"aws:username": "${aws:username}"},
            },
        }
    ),
)
def wildcard_equals(ctx: LintContext) -> Iterator[Issue]:
    """`*`/`?` are matched literally by `StringEquals` and friends: an Allow never matches and
    a Deny never fires (security for Deny, warning for Allow). Variables are not wildcards."""
    for view, model in ctx.valid_statements():
        for cond in conditions(view):
            if cond.op.base not in _NON_LIKE:
                continue
            for value in cond.values:
                if _literal_wildcard(value.text):
                    like = cond.op.base.replace("Equals", "Like").replace("IgnoreCase", "")
                    yield ctx.at_node(
                        value.node,
                        f"{cond.op_name} compares {value.text!r} literally: the wildcard does"
                        f" not match; the {model.effect} "
                        + ("never fires" if not model.is_allow else "never matches"),
                        pointer=value.pointer,
                        statement=view.index,
                        hint=f"use {like}",
                        severity=None if not model.is_allow else Severity.WARNING,
                    )


@rule(
    "PS219",
    Severity.SECURITY,
    "Deny scoped by a tag key that some listed actions do not support",
    example=doc(
        {
            "Effect": "Deny",
            "Action": ["ec2:TerminateInstances", "s3:PutAccountPublicAccessBlock"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/protected": "true"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Action": ["ec2:TerminateInstances", "ec2:StopInstances"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/protected": "true"}},
        }
    ),
)
def deny_unsupported_tag_key(ctx: LintContext) -> Iterator[Issue]:
    """Those actions never carry the tag key, so they are simply not denied. With NotAction,
    every action it leaves counts."""
    for cond, missing in tag_key_gaps(ctx, allow=False):
        names = action_names(missing) + left_by_not_action(cond)
        yield cond.issue(f"{cond.key!r} is never present for {names}: they are not denied")


@rule(
    "PS220",
    Severity.SECURITY,
    "aws:VpcSourceIp without aws:SourceVpc",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.1.0.0/16"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "IpAddress": {"aws:VpcSourceIp": "10.1.0.0/16"},
                "StringEquals": {"aws:SourceVpc": "vpc-0abc1234"},
            },
        }
    ),
)
def vpc_source_ip_alone(ctx: LintContext) -> Iterator[Issue]:
    """Private addresses repeat across VPCs: the range means nothing without the VPC."""
    for view in ctx.statements:
        conds = list(conditions(view))
        if any(c.lower in ("aws:sourcevpc", "aws:sourcevpcarn") for c in conds):
            continue
        for cond in conds:
            if cond.lower == "aws:vpcsourceip":
                yield cond.issue(
                    "aws:VpcSourceIp without aws:SourceVpc: the same private range exists in"
                    " every VPC"
                )


@rule(
    "PS230",
    Severity.SECURITY,
    "aws:SecureTransport logic inverted",
    example=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def secure_transport_inverted(ctx: LintContext) -> Iterator[Issue]:
    """A Deny on `true` blocks HTTPS; an Allow that requires `false` only allows plain HTTP."""
    for view, model in ctx.valid_statements():
        for cond in conditions(view):
            if cond.lower != "aws:securetransport" or cond.op.family is not Family.BOOL:
                continue
            values = {v.lower() for v in cond.texts}
            if not model.is_allow and values == {"true"}:
                yield cond.issue("Deny when aws:SecureTransport is true blocks every HTTPS call")
            elif model.is_allow and values == {"false"}:
                yield cond.issue("Allow only when aws:SecureTransport is false: plain HTTP only")


# --- PS221-PS224: sensitive access levels without constraints --------------------------------

CREDENTIAL_ACTIONS: dict[str, Severity | None] = {
    "iam:createaccesskey": None,
    "iam:updateaccesskey": None,
    "iam:createloginprofile": None,
    "iam:updateloginprofile": None,
    "iam:createservicespecificcredential": None,
    "iam:resetservicespecificcredential": None,
    "sts:getfederationtoken": None,
    "ecr:getauthorizationtoken": Severity.SUGGESTION,
    "redshift:getclustercredentials": None,
    "redshift:getclustercredentialswithiam": None,
    "rds-db:connect": None,
    "sso:getrolecredentials": None,
    "lightsail:getinstanceaccessdetails": None,
    "cognito-identity:getcredentialsforidentity": None,
    "cognito-idp:describeuserpoolclient": None,
}
"""Actions that return credentials -> severity override (ECR tokens only reach a registry)."""
_CREDENTIAL_NAMES = ActionNames(CREDENTIAL_ACTIONS)
_ASSUME_ROLE = ActionNames(["sts:assumerole"])


@lru_cache(maxsize=64)
def _configured_names(names: frozenset[str]) -> ActionNames:
    """A configured set of action names, sorted and indexed once per run."""
    return ActionNames(sorted(names))


def _self_service(model: Statement) -> bool:
    resources = model.resource or ()
    return bool(resources) and all(
        "${aws:username}" in r.lower() or "${aws:userid}" in r.lower() for r in resources
    )


@rule(
    "PS221",
    Severity.SECURITY,
    "Credentials-returning actions granted broadly",
    example=doc({"Effect": "Allow", "Action": "redshift:GetClusterCredentials", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "iam:CreateAccessKey",
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        }
    ),
    kinds=GRANT_BOUNDS,
)
def credentials_exposure(ctx: LintContext) -> Iterator[Issue]:
    """On `*` (or effectively `*`, or NotResource). Self-service resources
    (`user/${aws:username}`) are exempt; restricting conditions downgrade to a warning."""
    if not allows_service(ctx, _CREDENTIAL_NAMES.prefixes):
        return  # most documents: no Allow names the services of these actions
    for view, model in broad_action_allows(ctx):
        hits = _matching(model, _CREDENTIAL_NAMES)
        if not hits or _self_service(model):
            continue
        severity = Severity.SECURITY
        if all(CREDENTIAL_ACTIONS[h] is not None for h in hits):
            severity = Severity.SUGGESTION
        elif constrained(view):
            severity = Severity.WARNING
        yield ctx.at_statement(
            view,
            f"credentials-returning actions on any resource: {', '.join(_canonical(hits))}",
            key="Action",
            severity=ceiling(ctx, severity),
        )


def _canonical(names: Iterable[str]) -> list[str]:
    out = []
    for name in names:
        info = known_action(name)
        out.append(info.full_name if info else name)
    return out


EXFILTRATION_PATTERNS = (
    "s3:GetObject*",
    "ssm:GetParameter*",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "rds:CreateDBSnapshot",
    "rds:CopyDBSnapshot",
    "dynamodb:Scan",
    "dynamodb:Query",
    "dynamodb:ExportTableToPointInTime",
)


@cache
def exfiltration_actions() -> ActionNames:
    """The data-reading actions PS222 looks for, expanded through the catalog."""
    catalog = get_catalog()
    names = {a.full_name.lower() for p in EXFILTRATION_PATTERNS for a in catalog.expand(p)}
    return ActionNames(sorted(names))


@rule(
    "PS222",
    Severity.SECURITY,
    "Data-exfiltration reads without resource constraint",
    example=doc({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-*",
        }
    ),
    kinds=GRANT_BOUNDS,
)
def data_exfiltration(ctx: LintContext) -> Iterator[Issue]:
    """`s3:GetObject*`, `ssm:GetParameter*`, `secretsmanager:GetSecretValue`, `kms:Decrypt`,
    DB snapshots and DynamoDB scans on any resource; restricting conditions downgrade."""
    reads = exfiltration_actions()
    if not allows_service(ctx, reads.prefixes):
        return  # no Allow names the services of these actions
    for view, model in broad_action_allows(ctx):
        hits = _matching(model, reads)
        if not hits:
            continue
        severity = Severity.WARNING if constrained(view) else Severity.SECURITY
        names = _canonical(hits)
        yield ctx.at_statement(
            view,
            f"data-reading actions on any resource: {listed(names)}",
            key="Action",
            severity=ceiling(ctx, severity),
        )


def _by_access_level(model: Statement, levels: frozenset[str]) -> tuple[ActionInfo, ...]:
    """The statement's actions at one of the access levels (the shared, remembered tuple)."""
    if model.action is None or "*" in model.action:
        return ()
    if levels == _MANAGING:  # PS223's: answered beside PS204's question
        return _list_answers(model.action)[1]
    return _at_levels(model.action, levels)


@lru_cache(maxsize=4096)
def _at_levels(patterns: tuple[str, ...], levels: frozenset[str]) -> tuple[ActionInfo, ...]:
    """`_by_access_level` of levels other than `_MANAGING` (PS224's)."""
    memo = _AT_LEVELS.get(levels)
    if memo is None:
        memo = _AT_LEVELS[levels] = {}
    test = _level_test(levels)

    def keep(actions: tuple[ActionInfo, ...]) -> tuple[ActionInfo, ...]:
        return _levels_of(actions, test)

    return _kept_actions(patterns, memo, keep, lambda a: test[a.access_level])


def _levels_of(actions: tuple[ActionInfo, ...], test: _LevelTest) -> tuple[ActionInfo, ...]:
    """The actions at one of `test`'s levels, in order (told in C)."""
    return tuple(compress(actions, map(test.__getitem__, map(_ACCESS_LEVEL, actions))))


class _LevelTest(dict[str, bool]):
    """Whether a catalog access level (`Read`, or several joined by ", ") is one of `levels`:
    a handful of distinct answers, asked for every action an entry expands to, by a lookup in
    C (`__missing__` works the few out)."""

    def __init__(self, levels: frozenset[str]) -> None:
        super().__init__()
        self.levels = levels

    def __missing__(self, access_level: str) -> bool:
        answer = self[access_level] = bool(self.levels.intersection(access_level.split(", ")))
        return answer


def _level_test(levels: frozenset[str]) -> _LevelTest:
    """The (shared) `_LevelTest` of a set of access levels."""
    test = _LEVEL_TESTS.get(levels)
    if test is None:
        test = _LEVEL_TESTS[levels] = _LevelTest(levels)
    return test


_LEVEL_TESTS: dict[frozenset[str], _LevelTest] = {}
"""`_level_test` per set of access levels (PS223's, PS224's: a fixed few)."""
_AT_LEVELS: dict[frozenset[str], dict[str, tuple[ActionInfo, ...]]] = {}
"""`_kept_actions`' memo per set of access levels other than `_MANAGING` (PS224's)."""


@rule(
    "PS223",
    Severity.SECURITY,
    "Permissions-management actions without constraints",
    example=doc(
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy"], "Resource": "*"}
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": ["iam:CreateRole", "iam:PutRolePolicy"],
            "Resource": "arn:aws:iam::123456789012:role/app-*",
            "Condition": {
                "StringEquals": {"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b"}
            },
        }
    ),
    kinds=GRANT_BOUNDS,
)
def permissions_management(ctx: LintContext) -> Iterator[Issue]:
    """Anything that edits identity or resource policies, roles, users or groups, on any
    resource; restricting conditions downgrade to a warning."""
    levels = frozenset({"Permissions management"})
    for view, model in broad_action_allows(ctx):
        hits = _by_access_level(model, levels)
        if not hits:
            continue
        severity = Severity.WARNING if constrained(view) else Severity.SECURITY
        yield ctx.at_statement(
            view,
            f"permissions-management actions on any resource: {action_names(hits)}",
            key="Action",
            severity=ceiling(ctx, severity),
        )


@rule(
    "PS224",
    Severity.WARNING,
    "Write / tagging actions without constraints",
    example=doc({"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "arn:aws:ec2:eu-west-1:123456789012:*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        }
    ),
    kinds=GRANT_BOUNDS,
    default_enabled=False,
)
def infrastructure_modification(ctx: LintContext) -> Iterator[Issue]:
    """Counted per service. Off by default (very noisy); statements with restricting conditions
    are not reported (cloudsplaining#278: conditions must be honoured)."""
    levels = frozenset({"Write", "Tagging"})
    for view, model in broad_action_allows(ctx):
        if constrained(view):
            continue
        hits = [a for a in _by_access_level(model, levels) if a.resource_types]
        if not hits:
            continue
        per_service: dict[str, int] = {}
        for info in hits:
            per_service[info.service] = per_service.get(info.service, 0) + 1
        summary = ", ".join(f"{s}: {n}" for s, n in sorted(per_service.items()))
        yield ctx.at_statement(
            view,
            f"write/tagging actions on any resource ({summary})",
            key="Action",
            severity=ceiling(ctx, Severity.WARNING, Severity.WARNING),
        )


# --- PS226 / PS227 / PS229: deny-list and perimeter designs, configured sensitivity ----------


@rule(
    "PS226",
    Severity.WARNING,
    "Deny-list design with obvious siblings left allowed",
    example=doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"},
    ),
    near_miss=doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject*", "Resource": "arn:aws:s3:::secret/*"},
    ),
)
def deny_list(ctx: LintContext) -> Iterator[Issue]:
    """A Deny of exact actions (`s3:GetObject`) while a broad Allow of the same policy grants
    their siblings (`s3:GetObjectVersion`, `s3:GetObjectAttributes`)."""
    denies = [(v, m) for v, m in ctx.valid_statements() if not m.is_allow and m.action]
    if not denies:
        return  # most documents: the Allow entries are not gathered
    allowed = tuple(p for _v, m in allows(ctx) for p in (m.action or ()))
    if not allowed:
        return
    allow_patterns = ActionPatterns(allowed)
    for view, model in denies:
        for value in element_values(view, "Action"):
            info = known_action(value.text)
            if info is None:
                continue
            stem = info.name.lower()
            siblings = [
                a.full_name
                # The service's actions whose lower-cased names start with the stem, in the
                # catalog's order: a range of its sorted names, not a scan of all of them.
                for a in expand_action(f"{info.service}:{stem}*")
                if _variant(a.name[len(stem) :])
                and not action_patterns(model.action).matches(a.full_name)
                and allow_patterns.matches(a.full_name)
            ]
            if siblings:
                yield ctx.at_node(
                    value.node,
                    f"denies {info.full_name} but the policy still allows"
                    f" {', '.join(siblings[:3])}{' ...' if len(siblings) > 3 else ''}",
                    pointer=value.pointer,
                    statement=view.index,
                    hint=f"deny {info.full_name}*",
                )


def _variant(suffix: str) -> bool:
    """The rest of a sibling's name after the denied one's: a variant of the same operation
    (`...Version`, `...VersionAcl`, `...Attributes`, plural batch forms), not another one."""
    return suffix == "s" or suffix.startswith(("Version", "Attributes"))


_PERIMETER = frozenset({"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce"})
_CARVE_OUTS = frozenset(
    {
        "aws:viaawsservice",
        "aws:principalisawsservice",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
    }
)


@rule(
    "PS227",
    Severity.WARNING,
    "Network-perimeter Deny without an AWS-service carve-out",
    example=doc(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                "Bool": {"aws:ViaAWSService": "false"},
            },
        }
    ),
)
def perimeter_carve_out(ctx: LintContext) -> Iterator[Issue]:
    """Services calling on the caller's behalf (CloudFormation, Athena, encrypted-EBS launches)
    come from AWS addresses and are denied too."""
    for view, model in ctx.valid_statements():
        if model.is_allow:
            continue
        conds = list(conditions(view))
        if any(c.lower in _CARVE_OUTS for c in conds):
            continue
        for cond in conds:
            if cond.lower in _PERIMETER and cond.op.negated:
                yield cond.issue(
                    f"Deny on {cond.key} without an aws:ViaAWSService /"
                    " aws:PrincipalIsAWSService carve-out also blocks AWS services acting for"
                    " the caller",
                    hint='add "Bool": {"aws:ViaAWSService": "false"}',
                )


DEFAULT_SENSITIVE = frozenset(
    {
        "iam:deleterole",
        "iam:deleteuser",
        "iam:deleteaccountpasswordpolicy",
        "ec2:terminateinstances",
        "rds:deletedbinstance",
        "s3:deletebucket",
        "kms:schedulekeydeletion",
        "organizations:leaveorganization",
    }
)


@rule(
    "PS229",
    Severity.SECURITY,
    "Sensitive action allowed without any condition",
    example=doc({"Effect": "Allow", "Action": "iam:DeleteRole", "Resource": "*"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "iam:DeleteRole",
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }
    ),
    kinds=GRANT_BOUNDS,
    default_enabled=False,
)
def sensitive_action(ctx: LintContext) -> Iterator[Issue]:
    """The configured sensitive actions (settings), else a small default pack; off by default.
    A statement granting one must carry some restricting condition."""
    names = frozenset(a.lower() for a in ctx.settings.sensitive_actions) or DEFAULT_SENSITIVE
    for view, model in allows(ctx):
        if model.action is None or "*" in model.action or constrained(view):
            continue
        hits = _matching(model, _configured_names(names))
        if hits:
            yield ctx.at_statement(
                view,
                f"sensitive actions allowed without a condition: {', '.join(_canonical(hits))}",
                key="Action",
                severity=ceiling(ctx, Severity.SECURITY),
            )

"""Decide one request the way AWS does (spec §1.2 single account, §1.5 cross account).

Explicit deny anywhere wins; then the organization guardrails (RCPs, SCPs) must allow; then the
resource-based policy and the identity side combine according to *how* the resource policy
named the caller (`MatchKind`), with trust policies and KMS key policies as the exceptions
that must always allow (spec §7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from policysim.engine.aws_owned import protection
from policysim.engine.compiled import CompiledPolicies, CompiledPolicySet, CompiledStatement
from policysim.engine.condition_block import conditions_hold, failing_conditions
from policysim.engine.principal_match import MatchKind, statement_principal_kind
from policysim.engine.request import PrincipalKind, Request, RequestPrincipal
from policysim.engine.result import (
    Decision,
    EvaluationResult,
    MatchedStatement,
    PolicyType,
    UnmetCondition,
)
from policysim.policy.arn import parse_arn

TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)
"""Actions authorized by a role's trust policy, which must always allow (spec §7.1)."""

ALWAYS_ALLOWED = frozenset({"sts:getcalleridentity"})
"""Needs no permission and cannot be denied (STS API reference)."""


_TYPE_NAMES = {
    PolicyType.IDENTITY: "an identity policy",
    PolicyType.RESOURCE: "the resource policy",
    PolicyType.BOUNDARY: "the permissions boundary",
    PolicyType.SESSION: "the session policy",
    PolicyType.SCP: "an SCP",
    PolicyType.RCP: "an RCP",
}


@cache
def rcp_services() -> frozenset[str]:
    """Services RCPs apply to (the catalog's list), read once."""
    from policysim.catalog import get_catalog

    return get_catalog().rcp_supported_services()


@dataclass(frozen=True, slots=True)
class Layers:
    """Which policy layers bear on one request. The engine decides with these, and the prover
    (`policysim.diff.formula`) builds its formula from the same ones: one definition, so the
    two can never disagree on when an SCP, RCP, boundary or session policy applies."""

    identity_side: bool
    same_account: bool
    is_root: bool
    has_boundary: bool
    scp_applies: bool
    rcp_applies: bool
    session_applies: bool

    def deny_sources(self, compiled: CompiledPolicySet) -> list[CompiledPolicies | None]:
        """The policies whose Deny statements can refuse the request: the resource policy,
        then the identity side's (identity, boundary, session) and the SCP and RCP levels
        that apply."""
        sources: list[CompiledPolicies | None] = [compiled.resource]
        if self.identity_side:
            sources += [compiled.identity, compiled.boundary]
        if self.session_applies:
            sources.append(compiled.session)
        if self.scp_applies and compiled.scp_levels:
            sources += compiled.scp_levels
        if self.rcp_applies and compiled.rcp_levels:
            sources += compiled.rcp_levels
        return sources


def applicable_layers(
    compiled: CompiledPolicySet,
    principal: RequestPrincipal,
    resource_account: str | None,
    action: str,
) -> Layers:
    """The layers that apply to `principal` calling `action` (lower-case) on a resource of
    `resource_account`."""
    source = compiled.source
    opts = compiled.options
    identity_side = principal.kind.has_identity
    slr = principal.is_service_linked_role
    return Layers(
        identity_side=identity_side,
        same_account=identity_side and principal.account == resource_account,
        is_root=principal.kind is PrincipalKind.ROOT,
        has_boundary=identity_side and compiled.boundary is not None,
        scp_applies=(
            compiled.scp_levels is not None
            and identity_side
            and principal.account != source.management_account
            and not slr
        ),
        rcp_applies=(
            compiled.rcp_levels is not None
            and resource_account != source.management_account
            and (opts.rcps_apply_to_all_services or action.partition(":")[0] in rcp_services())
            and (not slr or opts.rcp_applies_to_service_linked_roles)
        ),
        session_applies=principal.kind.is_session,
    )


@dataclass(slots=True)
class _Evaluation:
    """State of one evaluation: the request, and what has been looked at."""

    compiled: CompiledPolicySet
    request: Request
    action: str
    has_boundary: bool
    kms_key: bool = False
    missing: set[str] = field(default_factory=set)
    unmet: list[tuple[CompiledStatement, list[str]]] = field(default_factory=list)

    def principal_kind(self, statement: CompiledStatement) -> MatchKind:
        """How the statement's Principal/NotPrincipal matches the caller."""
        return statement_principal_kind(
            statement.principal,
            negated=statement.principal_negated,
            allow=statement.allow,
            caller=self.request.principal,
            caller_has_boundary=self.has_boundary,
            principal_required=statement.policy_type is PolicyType.RESOURCE,
        )

    def matching(
        self, policies: CompiledPolicies | None, *, allow: bool
    ) -> list[tuple[CompiledStatement, MatchKind]]:
        """Statements of one effect that match the request, with their principal match."""
        if policies is None:
            return []
        request = self.request
        resource, context, opts = request.resource, request.context, self.compiled.options
        found: list[tuple[CompiledStatement, MatchKind]] = []
        for statement in policies.for_action_effect(self.action, allow):
            if self.kms_key and statement.resource_implied:
                continue  # a key-policy statement without Resource has no effect (spec §7.2)
            if not statement.matches_resource(resource, context):
                continue
            if statement.principal is None and statement.policy_type is not PolicyType.RESOURCE:
                kind = MatchKind.DIRECT  # identity policies, boundaries, SCPs name no principal
            else:
                kind = self.principal_kind(statement)
                if kind is MatchKind.NONE:
                    continue
            if not statement.conditions or conditions_hold(
                statement.conditions, context, opts, self.missing
            ):
                found.append((statement, kind))
            elif allow:
                failed = failing_conditions(statement.conditions, context, opts)
                self.unmet.append((statement, [c.describe(context) for c in failed]))
        return found


def _records(found: Iterable[tuple[CompiledStatement, MatchKind]]) -> list[MatchedStatement]:
    return [statement.matched() for statement, _ in found]


def _is_strict_resource(request: Request, action: str) -> str | None:
    """'trust' or 'kms' when the resource policy must allow on its own (spec §7)."""
    arn = parse_arn(request.resource)
    if arn is None:
        return None
    if action in TRUST_ACTIONS and arn.service == "iam" and arn.resource.startswith("role/"):
        return "trust"
    if arn.service == "kms" and arn.resource.startswith("key/"):
        return "kms"
    return None


def evaluate(compiled: CompiledPolicySet, request: Request) -> EvaluationResult:
    """Decide one request against a compiled policy set.

    An allowed request that would modify a resource AWS owns (an AWS managed policy, a
    service-linked or IAM Identity Center role, an AWS managed KMS alias) is refused whatever
    the policies say (`aws_owned.protection`), unless the option turns that off.
    """
    result = _evaluate(compiled, request)
    if result.allowed and compiled.options.aws_owned_resources_protected:
        reason = protection(
            request.action, request.resource, request.principal, request.aws_managed_resource
        )
        if reason is not None:
            result.decision = Decision.IMPLICIT_DENY
            result.reason = reason
            result.blocked_by = ["aws-owned"]
            result.matched_statements = []  # the policies' allow is not what decides
    return result


def _evaluate(compiled: CompiledPolicySet, request: Request) -> EvaluationResult:
    """Decide one request from the policies alone."""
    action = request.action.lower()
    principal = request.principal
    if action in ALWAYS_ALLOWED:
        return EvaluationResult(
            Decision.ALLOWED, f"{request.action} needs no permission and cannot be denied"
        )
    opts = compiled.options
    layers = applicable_layers(compiled, principal, request.effective_resource_account, action)
    identity_side, same_account = layers.identity_side, layers.same_account
    has_boundary, session_applies = layers.has_boundary, layers.session_applies
    strict = _is_strict_resource(request, action)
    run = _Evaluation(compiled, request, action, has_boundary, kms_key=strict == "kms")

    result = EvaluationResult(Decision.IMPLICIT_DENY, "", same_account=same_account)

    # Step 1: an explicit deny in any applicable policy wins.
    denies = [
        hit
        for policies in layers.deny_sources(compiled)
        for hit in run.matching(policies, allow=False)
    ]
    if denies:
        result.decision = Decision.EXPLICIT_DENY
        result.matched_statements = _records(denies)
        kinds = sorted({_TYPE_NAMES[m.policy_type] for m in result.matched_statements})
        result.reason = f"explicitly denied by a Deny statement in {' and '.join(kinds)}"
        result.blocked_by = sorted({m.policy_type.value for m in result.matched_statements})
        return _finish(result, run)

    # Step 2: RCPs. RCPFullAWSAccess is attached at every level and cannot be detached, so
    # only their denies (step 1) can block a request.
    if layers.rcp_applies:
        result.allowed_by_rcp = True

    # Step 3: SCPs: every level from the root to the account must allow.
    if layers.scp_applies and compiled.scp_levels is not None:
        for i, level in enumerate(compiled.scp_levels):
            if not run.matching(level, allow=True):
                result.allowed_by_scp = False
                result.blocked_by = ["scp"]
                names = ", ".join(level.names) or "no policies"
                result.reason = (
                    f"no SCP at organization level {i} ({names}) allows {request.action}"
                )
                return _finish(result, run)
        result.allowed_by_scp = True

    # The resource policy: the strongest way an Allow statement names the caller.
    rp_hits = run.matching(compiled.resource, allow=True)
    rp_kind = max((kind for _, kind in rp_hits), default=MatchKind.NONE)
    rp_grants = [hit for hit in rp_hits if hit[1] is rp_kind]
    result.principal_match_kind = rp_kind.name.lower() if compiled.resource else None

    identity_hits = run.matching(compiled.identity, allow=True) if identity_side else []
    identity_ok = layers.is_root or bool(identity_hits)
    boundary_hits = run.matching(compiled.boundary, allow=True) if has_boundary else []
    boundary_ok = not has_boundary or bool(boundary_hits)
    session_hits = run.matching(compiled.session, allow=True) if session_applies else []
    if not session_applies:
        session_ok = True
    elif compiled.session is not None:
        session_ok = bool(session_hits)
    else:
        # A role session needs no session policy; a GetFederationToken session without one
        # has no permissions.
        session_ok = principal.kind is PrincipalKind.ASSUMED_ROLE
    if has_boundary:
        result.allowed_by_boundary = boundary_ok
    if session_applies:
        result.allowed_by_session_policy = session_ok

    result.policy_results = {
        "identity": _layer(identity_side, identity_ok),
        "resource": _layer(compiled.resource is not None, rp_kind is not MatchKind.NONE),
        "boundary": _layer(has_boundary, boundary_ok),
        "session": _layer(session_applies, session_ok),
    }

    if not identity_side:
        # Anonymous callers and service principals: only the resource policy can grant.
        if rp_kind is MatchKind.DIRECT and not _blocked_by_bpa(compiled, request):
            return _allow(result, run, rp_grants, "the resource policy grants the caller")
        if rp_kind is MatchKind.DIRECT:
            return _bpa_deny(result, run, rp_grants)
        result.blocked_by = ["resource"]
        result.reason = "no resource-based policy statement allows this caller"
        return _finish(result, run)

    needs: list[tuple[str, bool, list[tuple[CompiledStatement, MatchKind]]]]
    if same_account:
        if rp_kind is MatchKind.DIRECT:
            via_wildcard = all(st.principal is not None and _everyone(st) for st, _ in rp_grants)
            session_limits = session_applies and (
                (via_wildcard and not opts.wildcard_principal_grant_bypasses_session_policy)
                or (not via_wildcard and not opts.session_arn_grant_bypasses_session_policy)
            )
            needs = [("session", session_ok, session_hits)] if session_limits else []
            granted = "the resource-based policy names the caller directly"
        elif rp_kind in (MatchKind.ROLE, MatchKind.FEDERATING_USER):
            needs = [
                ("boundary", boundary_ok, boundary_hits),
                ("session", session_ok, session_hits),
            ]
            granted = f"the resource-based policy names the caller's {rp_kind.name.lower()}"
        else:
            if strict and rp_kind is MatchKind.NONE:
                result.blocked_by = ["resource"]
                result.reason = _strict_reason(strict, compiled.resource is not None)
                return _finish(result, run)
            needs = [
                ("identity", identity_ok, identity_hits),
                ("boundary", boundary_ok, boundary_hits),
                ("session", session_ok, session_hits),
            ]
            granted = "identity-based policies allow it"
        failed = [name for name, ok, _ in needs if not ok]
        if failed:
            return _implicit(result, run, failed)
        grants = rp_grants + [hit for _, _, hits in needs for hit in hits]
        if rp_kind is MatchKind.ACCOUNT or rp_kind is MatchKind.NONE:
            grants = [hit for _, _, hits in needs for hit in hits] + rp_grants
        return _allow(result, run, grants, granted)

    # Cross-account: the caller's side and the resource's side must both allow.
    failed = [
        name
        for name, ok in (
            ("identity", identity_ok),
            ("boundary", boundary_ok),
            ("session", session_ok),
            ("resource", rp_kind is not MatchKind.NONE),
        )
        if not ok
    ]
    if failed:
        return _implicit(result, run, failed, cross_account=True)
    if _blocked_by_bpa(compiled, request):
        return _bpa_deny(result, run, rp_grants)
    grants = identity_hits + boundary_hits + session_hits + rp_grants
    return _allow(result, run, grants, "both the caller's account and the resource's account allow")


def _everyone(statement: CompiledStatement) -> bool:
    element = statement.principal
    return element is not None and not statement.principal_negated and element.is_everyone


def _layer(applies: bool, ok: bool) -> str:
    if not applies:
        return "NotApplicable"
    return "Allowed" if ok else "ImplicitDeny"


def _strict_reason(kind: str, has_policy: bool) -> str:
    what = "trust policy" if kind == "trust" else "key policy"
    if not has_policy:
        return f"no {what} was given, and a {what} must allow the request"
    return f"the {what} does not allow the caller or its account, and it must"


def _blocked_by_bpa(compiled: CompiledPolicySet, request: Request) -> bool:
    return blocked_by_bpa(compiled, request.principal, request.same_account)


def blocked_by_bpa(
    compiled: CompiledPolicySet, principal: RequestPrincipal, same_account: bool
) -> bool:
    """RestrictPublicBuckets voids cross-account access through a public bucket policy
    (`same_account` as `Request.same_account` says it)."""
    if not compiled.source.restrict_public_buckets or compiled.resource is None:
        return False
    if principal.kind is PrincipalKind.SERVICE:
        return False
    if same_account:
        return False
    check = compiled.resource_policy_is_public
    return check is not None and check()


def _bpa_deny(
    result: EvaluationResult, run: _Evaluation, grants: list[tuple[CompiledStatement, MatchKind]]
) -> EvaluationResult:
    result.decision = Decision(run.compiled.options.restrict_public_buckets_decision)
    result.blocked_by = ["s3-bpa"]
    result.matched_statements = _records(grants)
    result.reason = (
        "S3 Block Public Access (RestrictPublicBuckets) blocks access through a public bucket"
        " policy to callers outside the bucket owner's account"
    )
    return _finish(result, run)


def _implicit(
    result: EvaluationResult, run: _Evaluation, failed: list[str], *, cross_account: bool = False
) -> EvaluationResult:
    result.blocked_by = failed
    texts = {
        "identity": "no identity-based policy allows it",
        "boundary": "the permissions boundary does not allow it",
        "session": (
            "the session policy does not allow it"
            if run.compiled.session is not None
            else "a federated-user session without a session policy has no permissions"
        ),
        "resource": "no resource-based policy statement allows the caller",
    }
    prefix = "cross-account: " if cross_account else ""
    result.reason = prefix + "; ".join(texts[name] for name in failed)
    return _finish(result, run)


def _allow(
    result: EvaluationResult,
    run: _Evaluation,
    grants: list[tuple[CompiledStatement, MatchKind]],
    why: str,
) -> EvaluationResult:
    result.decision = Decision.ALLOWED
    result.matched_statements = _records(grants)
    if run.request.principal.kind is PrincipalKind.ROOT and not grants:
        why = "the account root user is allowed everything in its account"
    result.reason = f"allowed: {why}"
    return _finish(result, run)


def _finish(result: EvaluationResult, run: _Evaluation) -> EvaluationResult:
    result.missing_context_keys = sorted(run.missing, key=str.lower)
    if not result.allowed:
        result.unmet_conditions = [
            UnmetCondition(statement.matched(), tuple(failed)) for statement, failed in run.unmet
        ]
    return result

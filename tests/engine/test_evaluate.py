"""The decision pipeline (spec §1.2-§1.5, §7, §9.3) and the explanation it returns (§1.6)."""

from __future__ import annotations

import pytest

from policysim.api import evaluate
from policysim.engine.compiled import NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Request
from policysim.engine.result import Decision, EvaluationResult, PolicyType
from policysim.policy.build import parse_policy

from .support import (
    ACCOUNT,
    ALICE,
    BOB,
    BUCKET_OBJECT,
    CAROL,
    FEDERATED,
    OTHER_ACCOUNT,
    OTHER_SESSION,
    ROLE,
    ROOT,
    SESSION,
    allow,
    decide,
    deny,
    doc,
    policy_set,
    request,
    stmt,
)

ALLOWED = Decision.ALLOWED
EXPLICIT = Decision.EXPLICIT_DENY
IMPLICIT = Decision.IMPLICIT_DENY

ALLOW_ALL = doc(allow("*", "*"))
FED_USER = f"arn:aws:iam::{ACCOUNT}:user/fed"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_ROLE = f"arn:aws:iam::{OTHER_ACCOUNT}:role/ci"
SLR_ARN = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps"
SLR_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSServiceRoleForOps/ops"
INSTANCE = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"


def session(resource: str = BUCKET_OBJECT) -> Request:
    """A request by the role session `app/sess1`."""
    return request(SESSION, resource=resource)


def fed_request() -> Request:
    """A GetFederationToken session of the IAM user `fed`."""
    return request(FEDERATED, context={"aws:PrincipalArn": FED_USER})


def slr_request(action: str = "s3:GetObject") -> Request:
    return request(SLR_SESSION, action, context={"aws:PrincipalArn": SLR_ARN})


# --- Step 1: an explicit deny in any applicable set wins ---------------------------------------

EVERY_SET_ALLOWS = {
    "identity": [ALLOW_ALL],
    "resource": doc(allow("*", "*", Principal="*")),
    "boundary": ALLOW_ALL,
    "session": ALLOW_ALL,
    "scps": [[ALLOW_ALL]],
    "rcps": [[ALLOW_ALL]],
}


@pytest.mark.parametrize(
    ("where", "denying"),
    [
        ("identity", [ALLOW_ALL, doc(deny())]),
        ("resource", doc(allow("*", "*", Principal="*"), deny(Principal="*"))),
        ("boundary", doc(allow("*", "*"), deny())),
        ("session", doc(allow("*", "*"), deny())),
        ("scps", [[ALLOW_ALL, doc(deny())]]),
        ("rcps", [[ALLOW_ALL, doc(deny(Principal="*"))]]),
    ],
)
def test_explicit_deny_in_any_set_beats_allows_everywhere(where: str, denying: object) -> None:
    result = decide(session(), **{**EVERY_SET_ALLOWS, where: denying})
    assert result.decision is EXPLICIT
    policy_type = {"scps": "scp", "rcps": "rcp"}.get(where, where)
    assert result.blocked_by == [policy_type]
    assert [m.policy_type.value for m in result.matched_statements] == [policy_type]
    assert all(m.effect == "Deny" for m in result.matched_statements)


def test_without_the_deny_every_set_allows() -> None:
    assert decide(session(), **EVERY_SET_ALLOWS).decision is ALLOWED


def test_deny_beats_allow_in_the_same_statement_list() -> None:
    result = decide(identity=[doc(allow("s3:*"), deny("s3:GetObject", BUCKET_OBJECT))])
    assert result.decision is EXPLICIT


def test_deny_in_a_scp_at_any_level_denies() -> None:
    scps = [[ALLOW_ALL], [ALLOW_ALL, doc(deny())], [ALLOW_ALL]]
    result = decide(identity=[ALLOW_ALL], scps=scps)
    assert result.decision is EXPLICIT
    assert result.matched_statements[0].level == 1


def test_resource_policy_deny_applies_to_anonymous_callers() -> None:
    rp = doc(allow(Principal="*"), deny(Principal="*"))
    assert decide(request("anonymous"), resource=rp).decision is EXPLICIT


def test_deny_naming_the_role_arn_hits_its_sessions() -> None:
    rp = doc(deny(Principal={"AWS": ROLE}))
    assert decide(session(), identity=[ALLOW_ALL], resource=rp).decision is EXPLICIT


def test_deny_naming_the_account_hits_its_users() -> None:
    rp = doc(deny(Principal={"AWS": ACCOUNT}))
    assert decide(identity=[ALLOW_ALL], resource=rp).decision is EXPLICIT


def test_deny_naming_another_principal_does_not_apply() -> None:
    rp = doc(deny(Principal={"AWS": BOB}))
    assert decide(identity=[ALLOW_ALL], resource=rp).decision is ALLOWED


# --- NotPrincipal (§2.3) ---------------------------------------------------------------------

NOT_ALICE_OR_ROOT = doc(stmt("Deny", "s3:*", "*", NotPrincipal={"AWS": [ALICE, ROOT]}))


def test_deny_not_principal_exempts_a_listed_user() -> None:
    assert decide(identity=[ALLOW_ALL], resource=NOT_ALICE_OR_ROOT).decision is ALLOWED


def test_deny_not_principal_listing_the_account_root_still_denies_other_users() -> None:
    result = decide(request(BOB), identity=[ALLOW_ALL], resource=NOT_ALICE_OR_ROOT)
    assert result.decision is EXPLICIT


def test_deny_not_principal_listing_the_account_root_exempts_the_root_user() -> None:
    assert decide(request(ROOT), resource=NOT_ALICE_OR_ROOT).decision is ALLOWED


def test_deny_not_principal_listing_the_role_does_not_exempt_its_sessions() -> None:
    rp = doc(stmt("Deny", "s3:*", "*", NotPrincipal={"AWS": [ROLE, ROOT]}))
    assert decide(session(), identity=[ALLOW_ALL], resource=rp).decision is EXPLICIT
    rp = doc(stmt("Deny", "s3:*", "*", NotPrincipal={"AWS": [ROLE, SESSION, ROOT]}))
    assert decide(session(), identity=[ALLOW_ALL], resource=rp).decision is ALLOWED


def test_deny_not_principal_always_denies_a_principal_with_a_boundary() -> None:
    result = decide(identity=[ALLOW_ALL], boundary=ALLOW_ALL, resource=NOT_ALICE_OR_ROOT)
    assert result.decision is EXPLICIT


# --- Step 2: RCPs ------------------------------------------------------------------------------

RCP_DENY_S3 = [[doc(deny("s3:*", Principal="*"))]]


def test_rcp_without_a_matching_deny_does_not_block() -> None:
    # RCPFullAWSAccess is implicit at every level: a level whose only statement is a Deny
    # that does not match leaves the request to the other policies.
    rcps = [
        [doc(deny("s3:PutObject", Principal="*"))],
        [doc(deny("s3:DeleteObject", Principal="*"))],
    ]
    result = decide(identity=[ALLOW_ALL], rcps=rcps)
    assert result.decision is ALLOWED
    assert result.allowed_by_rcp is True


@pytest.mark.parametrize(
    "req",
    [
        request(CAROL),  # external principals
        request("anonymous"),
        request("cloudfront.amazonaws.com"),  # service principals
    ],
    ids=["cross-account", "anonymous", "service"],
)
def test_rcps_constrain_every_caller_of_the_resource(req: Request) -> None:
    rp = doc(allow(Principal="*"), allow(Principal={"Service": "cloudfront.amazonaws.com"}))
    result = decide(req, identity=[ALLOW_ALL], resource=rp, rcps=RCP_DENY_S3)
    assert result.decision is EXPLICIT
    assert result.blocked_by == ["rcp"]


def test_rcps_do_not_apply_to_services_aws_does_not_list() -> None:
    rcps = [[doc(deny("ec2:*", Principal="*"))]]
    req = request(ALICE, "ec2:StartInstances", INSTANCE)
    assert decide(req, identity=[ALLOW_ALL], rcps=rcps).decision is ALLOWED
    all_services = EvaluationOptions(rcps_apply_to_all_services=True)
    assert decide(req, all_services, identity=[ALLOW_ALL], rcps=rcps).decision is EXPLICIT


def test_rcps_do_not_apply_to_resources_of_the_management_account() -> None:
    result = decide(identity=[ALLOW_ALL], rcps=RCP_DENY_S3, management_account=ACCOUNT)
    assert result.decision is ALLOWED
    other = decide(identity=[ALLOW_ALL], rcps=RCP_DENY_S3, management_account=OTHER_ACCOUNT)
    assert other.decision is EXPLICIT


def test_rcps_skip_service_linked_roles_unless_configured() -> None:
    assert decide(slr_request(), identity=[ALLOW_ALL], rcps=RCP_DENY_S3).decision is ALLOWED
    opts = EvaluationOptions(rcp_applies_to_service_linked_roles=True)
    assert decide(slr_request(), opts, identity=[ALLOW_ALL], rcps=RCP_DENY_S3).decision is EXPLICIT


# --- Step 3: SCPs ------------------------------------------------------------------------------


def test_every_scp_level_must_allow() -> None:
    scps = [[ALLOW_ALL], [doc(allow("ec2:*"))], [ALLOW_ALL]]
    result = decide(identity=[ALLOW_ALL], scps=scps)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["scp"]
    assert result.allowed_by_scp is False


def test_scps_at_one_level_are_ored() -> None:
    scps = [[ALLOW_ALL], [doc(allow("ec2:*")), doc(allow("s3:Get*"))]]
    result = decide(identity=[ALLOW_ALL], scps=scps)
    assert result.decision is ALLOWED
    assert result.allowed_by_scp is True


def test_scp_allow_does_not_grant_by_itself() -> None:
    result = decide(scps=[[ALLOW_ALL]])
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["identity"]


def test_scps_do_not_apply_to_the_management_account() -> None:
    scps = [[doc(allow("ec2:*")), doc(deny())]]
    assert decide(identity=[ALLOW_ALL], scps=scps, management_account=ACCOUNT).decision is ALLOWED
    result = decide(identity=[ALLOW_ALL], scps=scps, management_account=OTHER_ACCOUNT)
    assert result.decision is EXPLICIT


def test_scps_do_not_restrict_service_linked_roles() -> None:
    scps = [[doc(allow("ec2:*")), doc(deny())]]
    assert decide(slr_request(), identity=[ALLOW_ALL], scps=scps).decision is ALLOWED
    # An ordinary role of the same account is restricted.
    assert decide(session(), identity=[ALLOW_ALL], scps=scps).decision is EXPLICIT


def test_service_linked_role_needs_its_path_to_be_known() -> None:
    scps = [[doc(allow("ec2:*"))]]
    plain = request(SLR_SESSION)  # no aws:PrincipalArn: the session ARN carries no role path
    assert decide(plain, identity=[ALLOW_ALL], scps=scps).decision is IMPLICIT


@pytest.mark.parametrize("who", ["anonymous", "cloudfront.amazonaws.com"])
def test_scps_do_not_apply_to_anonymous_or_service_callers(who: str) -> None:
    rp = doc(allow(Principal="*"))
    scps = [[doc(deny())]]
    assert decide(request(who), resource=rp, scps=scps).decision is ALLOWED


def test_scps_of_the_caller_apply_across_accounts() -> None:
    rp = doc(allow(Principal={"AWS": OTHER_ACCOUNT}))
    scps = [[doc(allow("ec2:*"))]]
    result = decide(request(CAROL), identity=[ALLOW_ALL], resource=rp, scps=scps)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["scp"]


# --- the root user (§1.2) ----------------------------------------------------------------------


def test_root_is_allowed_everything_in_its_own_account_without_policies() -> None:
    result = decide(request(ROOT, "iam:DeleteUser", f"arn:aws:iam::{ACCOUNT}:user/x"))
    assert result.decision is ALLOWED
    assert result.matched_statements == []


def test_root_is_still_subject_to_explicit_denies() -> None:
    assert decide(request(ROOT), identity=[doc(deny())]).decision is EXPLICIT
    rp = doc(deny(Principal="*"))
    assert decide(request(ROOT), resource=rp).decision is EXPLICIT


def test_root_of_a_member_account_is_subject_to_scps() -> None:
    assert decide(request(ROOT), scps=[[doc(deny())]]).decision is EXPLICIT
    assert decide(request(ROOT), scps=[[doc(allow("ec2:*"))]]).decision is IMPLICIT
    assert decide(request(ROOT), scps=[[doc(deny())]], management_account=ACCOUNT).decision is (
        ALLOWED
    )


def test_root_needs_the_resource_policy_across_accounts() -> None:
    other_root = f"arn:aws:iam::{OTHER_ACCOUNT}:root"
    assert decide(request(other_root)).decision is IMPLICIT
    rp = doc(allow(Principal={"AWS": OTHER_ACCOUNT}))
    assert decide(request(other_root), resource=rp).decision is ALLOWED


def test_root_cannot_use_a_kms_key_whose_policy_ignores_the_account() -> None:
    rp = doc(allow("kms:*", Principal={"AWS": BOB}))
    result = decide(request(ROOT, "kms:Decrypt", KEY), resource=rp)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["resource"]


# --- identity, boundary and session policies (§1.2 steps 5-7) -----------------------------------


def test_no_policy_means_implicit_deny() -> None:
    result = decide()
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["identity"]


def test_identity_allow_grants_same_account() -> None:
    assert decide(identity=[doc(allow())]).decision is ALLOWED


def test_boundary_limits_identity_grants() -> None:
    result = decide(identity=[ALLOW_ALL], boundary=doc(allow("ec2:*")))
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["boundary"]
    assert result.allowed_by_boundary is False


def test_boundary_never_grants_on_its_own() -> None:
    result = decide(boundary=ALLOW_ALL)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["identity"]


def test_identity_and_boundary_both_allowing_is_allowed() -> None:
    result = decide(identity=[doc(allow())], boundary=doc(allow("s3:*")))
    assert result.decision is ALLOWED
    assert result.allowed_by_boundary is True


def test_role_session_needs_no_session_policy() -> None:
    result = decide(session(), identity=[doc(allow())])
    assert result.decision is ALLOWED
    assert result.allowed_by_session_policy is True


def test_session_policy_limits_a_role_session() -> None:
    result = decide(session(), identity=[ALLOW_ALL], session=doc(allow("ec2:*")))
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["session"]
    assert result.allowed_by_session_policy is False


def test_session_policy_never_grants_on_its_own() -> None:
    result = decide(session(), session=ALLOW_ALL)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["identity"]


def test_session_policy_is_ignored_for_non_session_callers() -> None:
    result = decide(identity=[ALLOW_ALL], session=doc(allow("ec2:*")))
    assert result.decision is ALLOWED
    assert result.allowed_by_session_policy is None


def test_federated_session_without_session_policy_has_no_permissions() -> None:
    result = decide(fed_request(), identity=[ALLOW_ALL])
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["session"]


def test_federated_session_is_user_policies_intersected_with_session_policy() -> None:
    ok = decide(fed_request(), identity=[ALLOW_ALL], session=doc(allow()))
    assert ok.decision is ALLOWED
    narrow = decide(fed_request(), identity=[doc(allow("ec2:*"))], session=ALLOW_ALL)
    assert narrow.decision is IMPLICIT


# --- §1.3: same-account resource policies by principal-match kind ------------------------------

NARROW_BOUNDARY = doc(allow("ec2:*"))
NARROW_SESSION = doc(allow("ec2:*"))


def test_grant_to_the_user_arn_needs_no_identity_allow_and_ignores_the_boundary() -> None:
    rp = doc(allow(Principal={"AWS": ALICE}))
    result = decide(resource=rp, boundary=NARROW_BOUNDARY)
    assert result.decision is ALLOWED
    assert result.principal_match_kind == "direct"


def test_grant_to_the_role_arn_needs_no_identity_allow() -> None:
    rp = doc(allow(Principal={"AWS": ROLE}))
    result = decide(session(), resource=rp)
    assert result.decision is ALLOWED
    assert result.principal_match_kind == "role"


@pytest.mark.parametrize(("limit", "blocked"), [("boundary", "boundary"), ("session", "session")])
def test_grant_to_the_role_arn_is_limited_by_boundary_and_session_policy(
    limit: str, blocked: str
) -> None:
    rp = doc(allow(Principal={"AWS": ROLE}))
    result = decide(session(), resource=rp, **{limit: NARROW_BOUNDARY})
    assert result.decision is IMPLICIT
    assert result.blocked_by == [blocked]


def test_grant_to_the_role_arn_is_limited_by_the_boundary_when_the_caller_is_the_role() -> None:
    # Simulated "as the role": the grant names the role ARN, not a session ARN, so the
    # role's boundary still caps it (only session-ARN grants bypass the boundary).
    rp = doc(allow(Principal={"AWS": ROLE}))
    result = decide(request(ROLE), resource=rp, boundary=NARROW_BOUNDARY)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["boundary"]
    assert result.principal_match_kind == "role"
    assert decide(request(ROLE), resource=rp, boundary=doc(allow("s3:*"))).allowed


def test_deny_not_principal_listing_the_role_exempts_the_role_itself() -> None:
    rp = doc(stmt("Deny", "s3:*", "*", NotPrincipal={"AWS": [ROLE, ROOT]}))
    assert decide(request(ROLE), identity=[ALLOW_ALL], resource=rp).decision is ALLOWED


def test_grant_to_the_session_arn_ignores_the_boundary() -> None:
    rp = doc(allow(Principal={"AWS": SESSION}))
    assert decide(session(), resource=rp, boundary=NARROW_BOUNDARY).decision is ALLOWED


def test_grant_to_the_session_arn_ignores_the_session_policy_per_the_docs() -> None:
    rp = doc(allow(Principal={"AWS": SESSION}))
    assert decide(session(), resource=rp, session=NARROW_SESSION).decision is ALLOWED


def test_grant_to_the_session_arn_is_limited_by_the_session_policy_with_the_copilot_option() -> (
    None
):
    rp = doc(allow(Principal={"AWS": SESSION}))
    opts = EvaluationOptions(session_arn_grant_bypasses_session_policy=False)
    result = decide(session(), opts, resource=rp, session=NARROW_SESSION)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["session"]
    # ...and only by the session policy, never by the boundary.
    assert decide(session(), opts, resource=rp, boundary=NARROW_BOUNDARY).decision is ALLOWED


def test_grant_to_the_federated_user_arn_is_not_limited() -> None:
    rp = doc(allow(Principal={"AWS": FEDERATED}))
    req = fed_request()
    assert decide(req, resource=rp).decision is ALLOWED
    result = decide(req, resource=rp, boundary=NARROW_BOUNDARY, session=NARROW_SESSION)
    assert result.decision is ALLOWED


def test_grant_to_the_federating_user_needs_no_identity_but_is_limited() -> None:
    rp = doc(allow(Principal={"AWS": FED_USER}))
    req = fed_request()
    result = decide(req, resource=rp, session=doc(allow()))
    assert result.decision is ALLOWED
    assert result.principal_match_kind == "federating_user"
    assert decide(req, resource=rp).decision is IMPLICIT  # no session policy
    limited = decide(req, resource=rp, session=doc(allow()), boundary=NARROW_BOUNDARY)
    assert limited.decision is IMPLICIT
    assert limited.blocked_by == ["boundary"]


@pytest.mark.parametrize("entry", [ACCOUNT, ROOT])
def test_grant_to_the_account_only_delegates_to_identity_policies(entry: str) -> None:
    rp = doc(allow(Principal={"AWS": entry}))
    result = decide(resource=rp)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["identity"]
    assert result.principal_match_kind == "account"
    assert decide(resource=rp, identity=[doc(allow())]).decision is ALLOWED
    limited = decide(resource=rp, identity=[doc(allow())], boundary=NARROW_BOUNDARY)
    assert limited.decision is IMPLICIT


@pytest.mark.parametrize("element", ["*", {"AWS": "*"}])
def test_grant_to_everyone_needs_no_identity_and_ignores_boundary_and_session(
    element: object,
) -> None:
    rp = doc(allow(Principal=element))
    assert decide(resource=rp).decision is ALLOWED
    result = decide(session(), resource=rp, boundary=NARROW_BOUNDARY, session=NARROW_SESSION)
    assert result.decision is ALLOWED


def test_grant_to_everyone_with_the_copilot_option_is_limited_by_the_session_policy() -> None:
    rp = doc(allow(Principal="*"))
    opts = EvaluationOptions(wildcard_principal_grant_bypasses_session_policy=False)
    assert decide(session(), opts, resource=rp, session=NARROW_SESSION).decision is IMPLICIT
    assert decide(session(), opts, resource=rp, boundary=NARROW_BOUNDARY).decision is ALLOWED


def test_grant_to_everyone_narrowed_by_principal_arn_condition() -> None:
    rp = doc(
        allow(Principal="*", Condition={"ArnEquals": {"aws:PrincipalArn": ROLE}}),
    )
    assert decide(session(), resource=rp, boundary=NARROW_BOUNDARY).decision is ALLOWED
    assert decide(request(BOB), resource=rp).decision is IMPLICIT


def test_grant_to_a_service_principal() -> None:
    rp = doc(allow(Principal={"Service": "cloudfront.amazonaws.com"}))
    assert decide(request("cloudfront.amazonaws.com"), resource=rp).decision is ALLOWED
    assert decide(request("logs.amazonaws.com"), resource=rp).decision is IMPLICIT
    assert decide(request(ALICE), resource=rp).decision is IMPLICIT


def test_resource_policy_statement_without_principal_never_matches() -> None:
    result = decide(resource=doc(allow()))
    assert result.decision is IMPLICIT
    assert decide(identity=[ALLOW_ALL], resource=doc(deny())).decision is ALLOWED


# --- anonymous and service callers -------------------------------------------------------------


def test_anonymous_is_granted_only_by_a_resource_policy_for_everyone() -> None:
    assert decide(request("anonymous"), resource=doc(allow(Principal="*"))).decision is ALLOWED
    assert decide(request("anonymous")).decision is IMPLICIT
    named = doc(allow(Principal={"AWS": ACCOUNT}))
    result = decide(request("anonymous"), resource=named)
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["resource"]


def test_anonymous_callers_have_no_identity_policies() -> None:
    result = decide(request("anonymous"), identity=[ALLOW_ALL], boundary=ALLOW_ALL)
    assert result.decision is IMPLICIT
    assert result.policy_results["identity"] == "NotApplicable"


def test_service_principal_is_not_granted_by_identity_policies() -> None:
    assert decide(request("logs.amazonaws.com"), identity=[ALLOW_ALL]).decision is IMPLICIT


# --- sts:GetCallerIdentity ---------------------------------------------------------------------


@pytest.mark.parametrize("action", ["sts:GetCallerIdentity", "STS:getcalleridentity"])
def test_get_caller_identity_cannot_be_denied(action: str) -> None:
    req = request(ALICE, action, "*")
    result = decide(
        req, identity=[doc(deny("*", "*"))], scps=[[doc(deny("*", "*"))]], boundary=doc(deny("*"))
    )
    assert result.decision is ALLOWED


def test_other_sts_actions_can_be_denied() -> None:
    req = request(ALICE, "sts:GetSessionToken", "*")
    assert decide(req, identity=[ALLOW_ALL, doc(deny("sts:*"))]).decision is EXPLICIT


# --- §7.1 trust policies -----------------------------------------------------------------------

ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"


def assume(principal: str = ALICE) -> Request:
    return request(principal, "sts:AssumeRole", ADMIN_ROLE)


def trust(*principals: str) -> dict[str, object]:
    # Trust policies usually have no Resource: the resource is the role.
    return doc(stmt("Allow", "sts:AssumeRole", None, Principal={"AWS": list(principals)}))


def test_identity_allow_alone_cannot_assume_a_role() -> None:
    result = decide(assume(), identity=[ALLOW_ALL])
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["resource"]
    result = decide(assume(), identity=[ALLOW_ALL], resource=trust(BOB))
    assert result.decision is IMPLICIT


def test_trust_naming_the_caller_needs_no_identity_allow() -> None:
    assert decide(assume(), resource=trust(ALICE)).decision is ALLOWED


def test_trust_naming_the_account_needs_an_identity_allow() -> None:
    assert decide(assume(), resource=trust(ROOT)).decision is IMPLICIT
    granted = decide(assume(), resource=trust(ROOT), identity=[doc(allow("sts:AssumeRole"))])
    assert granted.decision is ALLOWED


def test_cross_account_trust_needs_the_callers_identity_allow_too() -> None:
    req = assume(CAROL)
    assert decide(req, resource=trust(CAROL)).decision is IMPLICIT
    granted = decide(req, resource=trust(CAROL), identity=[doc(allow("sts:AssumeRole"))])
    assert granted.decision is ALLOWED


@pytest.mark.parametrize(
    "action", ["sts:TagSession", "sts:SetSourceIdentity", "sts:AssumeRoleWithWebIdentity"]
)
def test_every_trust_action_is_strict(action: str) -> None:
    req = request(ALICE, action, ADMIN_ROLE)
    assert decide(req, identity=[ALLOW_ALL]).decision is IMPLICIT


def test_non_trust_actions_on_a_role_follow_the_ordinary_rules() -> None:
    req = request(ALICE, "iam:GetRole", ADMIN_ROLE)
    assert decide(req, identity=[ALLOW_ALL]).decision is ALLOWED


# --- §7.2 KMS key policies ---------------------------------------------------------------------


def kms(principal: str = ALICE, action: str = "kms:Decrypt") -> Request:
    return request(principal, action, KEY)


def test_key_policy_must_allow_even_if_identity_allows() -> None:
    result = decide(kms(), identity=[ALLOW_ALL])
    assert result.decision is IMPLICIT
    assert result.blocked_by == ["resource"]
    assert (
        decide(
            kms(), identity=[ALLOW_ALL], resource=doc(allow("kms:*", Principal={"AWS": BOB}))
        ).decision
        is IMPLICIT
    )


def test_key_policy_delegating_to_the_account_enables_iam_policies() -> None:
    rp = doc(allow("kms:*", Principal={"AWS": ROOT}))
    assert decide(kms(), resource=rp).decision is IMPLICIT
    assert decide(kms(), resource=rp, identity=[doc(allow("kms:Decrypt"))]).decision is ALLOWED


def test_key_policy_naming_the_user_grants_directly() -> None:
    rp = doc(allow("kms:Decrypt", Principal={"AWS": ALICE}))
    assert decide(kms(), resource=rp).decision is ALLOWED


def test_iam_deny_still_applies_to_a_key() -> None:
    rp = doc(allow("kms:*", Principal={"AWS": ALICE}))
    assert decide(kms(), resource=rp, identity=[doc(deny("kms:*"))]).decision is EXPLICIT


def test_cross_account_key_use_needs_key_policy_and_external_identity_allow() -> None:
    rp = doc(allow("kms:*", Principal={"AWS": OTHER_ACCOUNT}))
    assert decide(kms(CAROL), resource=rp).decision is IMPLICIT
    assert decide(kms(CAROL), resource=rp, identity=[ALLOW_ALL]).decision is ALLOWED
    assert decide(kms(CAROL), identity=[ALLOW_ALL]).decision is IMPLICIT


def test_key_policy_statement_without_resource_has_no_effect() -> None:
    rp = doc(stmt("Allow", "kms:Decrypt", None, Principal={"AWS": ALICE}))
    assert decide(kms(), resource=rp).decision is IMPLICIT


# --- §1.5 cross-account ------------------------------------------------------------------------


def test_cross_account_needs_both_sides() -> None:
    rp = doc(allow(Principal={"AWS": OTHER_ACCOUNT}))
    identity_only = decide(request(CAROL), identity=[ALLOW_ALL])
    assert identity_only.decision is IMPLICIT
    assert identity_only.blocked_by == ["resource"]
    assert identity_only.same_account is False
    resource_only = decide(request(CAROL), resource=rp)
    assert resource_only.decision is IMPLICIT
    assert resource_only.blocked_by == ["identity"]
    both = decide(request(CAROL), identity=[ALLOW_ALL], resource=rp)
    assert both.decision is ALLOWED
    assert both.same_account is False


def test_cross_account_direct_grant_still_needs_the_identity_allow() -> None:
    rp = doc(allow(Principal={"AWS": CAROL}))
    assert decide(request(CAROL), resource=rp).decision is IMPLICIT


@pytest.mark.parametrize(
    ("entry", "limit"),
    [
        (OTHER_SESSION, "boundary"),
        (OTHER_SESSION, "session"),
        ("*", "boundary"),
        ("*", "session"),
        (OTHER_ROLE, "boundary"),
    ],
)
def test_cross_account_grants_never_bypass_boundary_or_session_policy(
    entry: str, limit: str
) -> None:
    rp = doc(allow(Principal={"AWS": entry}))
    result = decide(
        request(OTHER_SESSION), identity=[ALLOW_ALL], resource=rp, **{limit: NARROW_BOUNDARY}
    )
    assert result.decision is IMPLICIT
    assert result.blocked_by == [limit]


def test_cross_account_resource_side_deny_wins() -> None:
    rp = doc(allow(Principal={"AWS": OTHER_ACCOUNT}), deny(Principal={"AWS": CAROL}))
    assert decide(request(CAROL), identity=[ALLOW_ALL], resource=rp).decision is EXPLICIT


def test_resource_account_falls_back_to_the_arn_then_the_caller() -> None:
    other_queue = f"arn:aws:sqs:us-east-1:{OTHER_ACCOUNT}:q"
    req = request(ALICE, "sqs:SendMessage", other_queue, resource_account=None)
    assert decide(req, identity=[ALLOW_ALL]).same_account is False
    req = request(ALICE, "s3:GetObject", BUCKET_OBJECT, resource_account=None)
    assert decide(req, identity=[ALLOW_ALL]).decision is ALLOWED


# --- Action / Resource matching through the pipeline -------------------------------------------


def test_not_action_allow_is_scoped_by_its_resource() -> None:
    policy = doc(stmt("Allow", None, "arn:aws:s3:::*", NotAction="s3:DeleteBucket"))
    assert decide(identity=[policy]).decision is ALLOWED
    ec2 = request(ALICE, "ec2:StartInstances", INSTANCE)
    assert decide(ec2, identity=[policy]).decision is IMPLICIT
    list_all = request(ALICE, "s3:ListAllMyBuckets", "*")
    assert decide(list_all, identity=[policy]).decision is IMPLICIT
    delete = request(ALICE, "s3:DeleteBucket", "arn:aws:s3:::examplebucket")
    assert decide(delete, identity=[policy]).decision is IMPLICIT


def test_deny_not_resource_is_scoped_by_its_actions() -> None:
    guard = doc(stmt("Deny", "s3:*", None, NotResource="arn:aws:s3:::examplebucket/*"))
    assert decide(identity=[ALLOW_ALL, guard]).decision is ALLOWED
    elsewhere = request(ALICE, "s3:GetObject", "arn:aws:s3:::other/key")
    assert decide(elsewhere, identity=[ALLOW_ALL, guard]).decision is EXPLICIT
    ec2 = request(ALICE, "ec2:StartInstances", INSTANCE)
    assert decide(ec2, identity=[ALLOW_ALL, guard]).decision is ALLOWED


def test_specific_resource_does_not_match_a_request_for_star() -> None:
    req = request(ALICE, "s3:ListAllMyBuckets", "*")
    assert decide(req, identity=[doc(allow("s3:*", "arn:aws:s3:::*"))]).decision is IMPLICIT
    assert decide(req, identity=[doc(allow("s3:*", "*"))]).decision is ALLOWED


def test_unresolved_variable_in_resource_matches_nothing() -> None:
    policy = doc(allow("s3:*", "arn:aws:s3:::examplebucket/${aws:username}*"))
    assert (
        decide(
            request(ALICE, resource="arn:aws:s3:::examplebucket/alice.txt"), identity=[policy]
        ).decision
        is ALLOWED
    )
    # Role sessions have no aws:username.
    result = decide(session(resource="arn:aws:s3:::examplebucket/.txt"), identity=[policy])
    assert result.decision is IMPLICIT


def test_unresolved_variable_in_not_resource_excludes_nothing() -> None:
    guard = doc(
        stmt("Deny", "s3:*", None, NotResource="arn:aws:s3:::examplebucket/${aws:username}/*")
    )
    home = "arn:aws:s3:::examplebucket/alice/x"
    assert decide(request(ALICE, resource=home), identity=[ALLOW_ALL, guard]).decision is ALLOWED
    # For a session the entry is unresolved: it excludes nothing, so the Deny covers everything.
    result = decide(session(resource=home), identity=[ALLOW_ALL, guard])
    assert result.decision is EXPLICIT


def test_variables_in_resource_are_literal_under_version_2008() -> None:
    policy = doc(
        allow("s3:*", "arn:aws:s3:::examplebucket/${aws:username}/*"), version="2008-10-17"
    )
    home = "arn:aws:s3:::examplebucket/alice/x"
    assert decide(request(ALICE, resource=home), identity=[policy]).decision is IMPLICIT
    literal = "arn:aws:s3:::examplebucket/${aws:username}/x"
    assert decide(request(ALICE, resource=literal), identity=[policy]).decision is ALLOWED


def test_star_from_a_substituted_value_is_literal_in_resource() -> None:
    policy = doc(allow("s3:*", "arn:aws:s3:::examplebucket/${aws:PrincipalTag/dir}/x"))
    ctx = {"aws:PrincipalTag/dir": "*"}
    other = request(ALICE, resource="arn:aws:s3:::examplebucket/anything/x", context=ctx)
    assert decide(other, identity=[policy]).decision is IMPLICIT
    star = request(ALICE, resource="arn:aws:s3:::examplebucket/*/x", context=ctx)
    assert decide(star, identity=[policy]).decision is ALLOWED


def test_variables_in_the_arn_head_are_never_substituted() -> None:
    policy = doc(allow("s3:*", "arn:aws:s3:${aws:RequestedRegion}::examplebucket/*"))
    req = request(ALICE, context={"aws:RequestedRegion": ""})
    assert decide(req, identity=[policy]).decision is IMPLICIT


def test_empty_action_or_resource_lists_match_nothing() -> None:
    # Spec §8.1: empty arrays are invalid in IAM; treat an empty list as matching nothing.
    assert decide(identity=[ALLOW_ALL, doc(stmt("Deny", [], "*"))]).decision is ALLOWED
    assert decide(identity=[ALLOW_ALL, doc(stmt("Deny", "s3:*", []))]).decision is ALLOWED
    not_resource = doc(stmt("Deny", "s3:*", None, NotResource=[]))
    assert decide(identity=[ALLOW_ALL, not_resource]).decision is ALLOWED


def test_empty_not_action_list_matches_nothing_like_empty_not_resource() -> None:
    not_action = doc(stmt("Deny", None, "*", NotAction=[]))
    assert decide(identity=[ALLOW_ALL, not_action]).decision is ALLOWED


# --- every §9.3 option, both ways (those not covered above) ------------------------------------


def test_unresolved_variable_in_negated_deny_fires_by_default_and_not_with_copilot_option() -> None:
    guard = doc(
        deny(
            Condition={"StringNotEquals": {"s3:ExistingObjectTag/team": "${aws:PrincipalTag/team}"}}
        )
    )
    req = request(ALICE, context={"s3:ExistingObjectTag/team": "blue"})
    assert decide(req, identity=[ALLOW_ALL, guard]).decision is EXPLICIT
    opts = EvaluationOptions(unresolved_variable_matches_negated=False)
    assert decide(req, opts, identity=[ALLOW_ALL, guard]).decision is ALLOWED


def test_plain_operator_on_multivalued_key_both_ways() -> None:
    grant = doc(allow("ec2:CreateTags", Condition={"StringEquals": {"aws:TagKeys": "env"}}))
    req = request(ALICE, "ec2:CreateTags", INSTANCE, context={"aws:TagKeys": ["env", "team"]})
    assert decide(req, identity=[grant]).decision is IMPLICIT
    opts = EvaluationOptions(plain_operator_on_multivalued_key="any")
    assert decide(req, opts, identity=[grant]).decision is ALLOWED


def test_arn_head_case_both_ways() -> None:
    policy = doc(allow("s3:*", "ARN:AWS:S3:::examplebucket/*"))
    assert decide(identity=[policy]).decision is ALLOWED
    opts = EvaluationOptions(arn_head_case_insensitive=False)
    assert decide(None, opts, identity=[policy]).decision is IMPLICIT


def test_arn_resource_segment_is_always_case_sensitive() -> None:
    policy = doc(allow("s3:*", "arn:aws:s3:::ExampleBucket/*"))
    assert decide(identity=[policy]).decision is IMPLICIT


def _bpa_result(options: EvaluationOptions | None = None) -> EvaluationResult:
    ps = policy_set(
        identity=[ALLOW_ALL], resource=doc(allow(Principal="*")), restrict_public_buckets=True
    )
    compiled = compile_policy_set(ps, options or EvaluationOptions())
    compiled.resource_policy_is_public = lambda: True
    return evaluate(compiled, request(CAROL))


def test_restrict_public_buckets_blocks_cross_account_access_both_classifications() -> None:
    explicit = _bpa_result()
    assert explicit.decision is EXPLICIT
    assert explicit.blocked_by == ["s3-bpa"]
    implicit = _bpa_result(EvaluationOptions(restrict_public_buckets_decision="ImplicitDeny"))
    assert implicit.decision is IMPLICIT


def test_restrict_public_buckets_keeps_the_owner_account() -> None:
    ps = policy_set(resource=doc(allow(Principal="*")), restrict_public_buckets=True)
    compiled = compile_policy_set(ps)
    compiled.resource_policy_is_public = lambda: True
    assert evaluate(compiled, request(ALICE)).decision is ALLOWED


def test_restrict_public_buckets_on_the_policy_set_blocks_a_public_policy() -> None:
    result = decide(
        request(CAROL),
        identity=[ALLOW_ALL],
        resource=doc(allow(Principal="*")),
        restrict_public_buckets=True,
    )
    assert result.decision is EXPLICIT


# --- explanation fields (§1.6) -----------------------------------------------------------------

ALICE_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadAll",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    },
    {
      "Sid": "NoSecrets",
      "Effect": "Deny",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::examplebucket/secret/*"
    }
  ]
}
"""


def _from_file(text: str = ALICE_POLICY) -> PolicySet:
    return PolicySet(identity=[NamedPolicy(parse_policy(text, "alice.json"), "alice-inline")])


def test_matched_statements_name_file_line_and_column_of_the_allow() -> None:
    result = evaluate(_from_file(), request())
    assert result.decision is ALLOWED
    [match] = result.matched_statements
    assert (match.policy_type, match.policy_name, match.sid) == (
        PolicyType.IDENTITY,
        "alice-inline",
        "ReadAll",
    )
    assert (match.file, match.line, match.column, match.statement_index) == ("alice.json", 4, 5, 0)
    assert match.location == "alice.json:4:5"
    assert match.to_json()["line"] == 4


def test_on_a_deny_only_the_deny_statement_is_listed() -> None:
    result = evaluate(_from_file(), request(resource="arn:aws:s3:::examplebucket/secret/a"))
    assert result.decision is EXPLICIT
    [match] = result.matched_statements
    assert (match.sid, match.effect, match.line, match.statement_index) == (
        "NoSecrets",
        "Deny",
        10,
        1,
    )
    assert "alice.json:10:5" in match.describe()


def test_missing_context_keys_lists_keys_conditions_needed() -> None:
    policy = doc(
        allow(
            Condition={
                "StringEquals": {"aws:SourceVpc": "vpc-1"},
                "Bool": {"aws:SecureTransport": "true"},
            }
        )
    )
    result = decide(identity=[policy])
    assert result.decision is IMPLICIT
    assert result.missing_context_keys == ["aws:SecureTransport", "aws:SourceVpc"]
    supplied = decide(
        request(context={"aws:SourceVpc": "vpc-1", "aws:SecureTransport": "true"}),
        identity=[policy],
    )
    assert supplied.decision is ALLOWED
    assert supplied.missing_context_keys == []


def test_missing_context_keys_ignores_statements_for_other_actions() -> None:
    policy = doc(allow("ec2:*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}}), allow())
    assert decide(identity=[policy]).missing_context_keys == []


def test_policy_results_per_layer() -> None:
    result = decide(
        session(),
        identity=[ALLOW_ALL],
        boundary=NARROW_BOUNDARY,
        resource=doc(allow(Principal={"AWS": ACCOUNT})),
    )
    assert result.decision is IMPLICIT
    assert result.policy_results == {
        "identity": "Allowed",
        "resource": "Allowed",
        "boundary": "ImplicitDeny",
        "session": "Allowed",
    }
    assert result.blocked_by == ["boundary"]


def test_policy_results_mark_absent_layers_not_applicable() -> None:
    result = decide(identity=[ALLOW_ALL])
    assert result.policy_results == {
        "identity": "Allowed",
        "resource": "NotApplicable",
        "boundary": "NotApplicable",
        "session": "NotApplicable",
    }
    assert result.principal_match_kind is None
    assert result.same_account is True


def test_several_failing_layers_are_all_blocking() -> None:
    result = decide(session(), boundary=NARROW_BOUNDARY, session=NARROW_SESSION)
    assert result.blocked_by == ["identity", "boundary", "session"]


def test_allow_lists_the_statements_of_every_layer_that_allowed() -> None:
    result = decide(
        session(), identity=[doc(allow())], boundary=doc(allow("s3:*")), session=ALLOW_ALL
    )
    assert result.decision is ALLOWED
    assert [m.policy_type for m in result.matched_statements] == [
        PolicyType.IDENTITY,
        PolicyType.BOUNDARY,
        PolicyType.SESSION,
    ]


def test_result_json_and_api_names() -> None:
    result = decide(identity=[ALLOW_ALL], scps=[[ALLOW_ALL]])
    data = result.to_json()
    assert data["decision"] == "Allowed"
    assert data["allowed_by_organizations"] == {"scp": True, "rcp": None}
    assert Decision.EXPLICIT_DENY.api_name == "explicitDeny"
    assert Decision.IMPLICIT_DENY.api_name == "implicitDeny"
    assert Decision.ALLOWED.api_name == "allowed"


def test_compiled_policy_set_with_other_options_is_recompiled() -> None:
    policy = doc(allow("s3:*", "ARN:AWS:S3:::examplebucket/*"))
    compiled = compile_policy_set(policy_set(identity=[policy]))
    assert evaluate(compiled, request()).decision is ALLOWED
    strict = EvaluationOptions(arn_head_case_insensitive=False)
    assert evaluate(compiled, request(), strict).decision is IMPLICIT


def test_a_resource_policy_named_after_its_resource_is_described_once() -> None:
    from policysim.engine.result import MatchedStatement, PolicyType

    trust = MatchedStatement(
        PolicyType.RESOURCE, "resource policy of arn:aws:iam::1:role/R", 0, None, "Allow"
    )
    named = MatchedStatement(PolicyType.IDENTITY, "Tune", 2, "S", "Allow", "a.yaml", 3, 4)
    assert trust.describe() == "resource policy of arn:aws:iam::1:role/R statement #0"
    assert named.describe() == "identity policy 'Tune' statement 'S' (a.yaml:3:4)"

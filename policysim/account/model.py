"""The model of one or more AWS accounts: principals, their policies, resources, the org.

Everything a loader reads (AWS's authorization-details JSON, policysim snapshots, the compact
YAML format) becomes these models; `account.resolve` turns them into the engine's inputs.
Policy documents are already-parsed `Policy` models, so that every decision can point at the
statement (and, for hand-written files, its line and column).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from policysim.policy.arn import parse_arn
from policysim.policy.errors import Position
from policysim.policy.model import Policy

SERVICE_LINKED_PATH = "/aws-service-role/"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class BlockPublicAccess(_Model):
    """S3 Block Public Access settings (account or bucket level); levels are OR-ed."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False

    def merged(self, other: BlockPublicAccess | None) -> BlockPublicAccess:
        """The effective settings of two levels: each flag is on if either level sets it."""
        if other is None:
            return self
        return BlockPublicAccess(
            block_public_acls=self.block_public_acls or other.block_public_acls,
            ignore_public_acls=self.ignore_public_acls or other.ignore_public_acls,
            block_public_policy=self.block_public_policy or other.block_public_policy,
            restrict_public_buckets=self.restrict_public_buckets or other.restrict_public_buckets,
        )


class ManagedPolicy(_Model):
    """A customer or AWS managed policy (its default version's document)."""

    arn: str
    name: str
    path: str = "/"
    document: Policy
    id: str | None = None

    @property
    def aws_managed(self) -> bool:
        """AWS managed policies live in the pseudo-account `aws`."""
        arn = parse_arn(self.arn)
        return arn is not None and arn.account == "aws"


class Principal(_Model):
    """What users, groups and roles share: a name, path, ARN and attached policies."""

    name: str
    arn: str
    path: str = "/"
    id: str | None = None
    inline_policies: dict[str, Policy] = Field(default_factory=dict)
    managed_policies: list[str] = Field(default_factory=list)
    """ARNs of attached managed policies."""


class User(Principal):
    """An IAM user."""

    groups: list[str] = Field(default_factory=list)
    """Names of the groups the user belongs to."""
    permissions_boundary: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class Group(Principal):
    """An IAM group (no boundary, no tags that count for authorization)."""


class Role(Principal):
    """An IAM role; callers act as sessions of it."""

    trust_policy: Policy | None = None
    permissions_boundary: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    instance_profiles: list[str] = Field(default_factory=list)
    """ARNs of the instance profiles that contain the role
    (`arn:PARTITION:iam::ACCOUNT:instance-profile/PATH+NAME`). EC2 runs code as a role only
    through an instance profile, so escalation paths through EC2 need one (or the rights to
    make one); a role with none listed has none."""

    @property
    def service_linked(self) -> bool:
        """Service-linked roles live under `/aws-service-role/`; SCPs do not restrict them."""
        return self.path.startswith(SERVICE_LINKED_PATH)


class Resource(_Model):
    """A resource that has a resource-based policy, tags or S3 Block Public Access settings."""

    arn: str
    policy: Policy | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    block_public_access: BlockPublicAccess | None = None
    abac: bool = False
    """S3 general purpose buckets only: whether ABAC is enabled (off by default, as in AWS)."""
    aws_managed: bool = False
    """An AWS managed KMS key (KeyManager AWS): customers cannot change it."""

    @property
    def service(self) -> str:
        """The ARN's service (`s3`, `kms`, `sqs`, ...)."""
        arn = parse_arn(self.arn)
        return arn.service if arn else ""

    @property
    def is_general_purpose_bucket(self) -> bool:
        """An S3 general purpose bucket: `arn:PARTITION:s3:::NAME`, no region, no account.

        Access points and directory buckets (`s3express`) carry a region and an account."""
        arn = parse_arn(self.arn)
        return (
            arn is not None
            and arn.service == "s3"
            and not arn.region
            and not arn.account
            and "/" not in arn.resource
        )

    @property
    def authorization_tags(self) -> dict[str, str]:
        """The tags requests see as `aws:ResourceTag/*`.

        A general purpose bucket's tags count only when the bucket has ABAC enabled (S3 User
        Guide, "Enabling ABAC in general purpose buckets"): until then they serve cost
        allocation only. Every other resource's tags count, as they always have.
        """
        if self.is_general_purpose_bucket and not self.abac:
            return {}
        return self.tags


class Account(_Model):
    """One AWS account."""

    id: str
    alias: str | None = None
    partition: str = "aws"
    users: dict[str, User] = Field(default_factory=dict)
    groups: dict[str, Group] = Field(default_factory=dict)
    roles: dict[str, Role] = Field(default_factory=dict)
    policies: dict[str, ManagedPolicy] = Field(default_factory=dict)
    """Managed policies by ARN (customer managed, and AWS managed ones the source carried)."""
    resources: dict[str, Resource] = Field(default_factory=dict)
    """Resources by ARN."""
    block_public_access: BlockPublicAccess | None = None
    """Account-level S3 Block Public Access."""

    @property
    def label(self) -> str:
        """`alias (id)` or the id."""
        return f"{self.alias} ({self.id})" if self.alias else self.id


class OrgLevel(_Model):
    """One level of the organization path: the root, an OU, or the account itself."""

    id: str
    name: str | None = None
    scps: list[str] = Field(default_factory=list)
    """Names of the organization's policies attached here as SCPs."""
    rcps: list[str] = Field(default_factory=list)
    """Names of the organization's policies attached here as RCPs (RCPFullAWSAccess implied)."""


class Organization(_Model):
    """An AWS Organization: its policies and each member account's path from the root."""

    id: str | None = None
    management_account: str | None = None
    policies: dict[str, Policy] = Field(default_factory=dict)
    """SCP and RCP documents by name (FullAWSAccess is built in)."""
    account_paths: dict[str, list[OrgLevel]] = Field(default_factory=dict)
    """For each account id: the levels from the root to the account, root first."""

    def path_of(self, account_id: str) -> list[OrgLevel] | None:
        """The account's path, or None when the account is not a member."""
        return self.account_paths.get(account_id)

    def org_paths(self, account_id: str) -> str | None:
        """`aws:PrincipalOrgPaths` form: `o-xxx/r-xxx/ou-xxx/` (OU levels only)."""
        path = self.path_of(account_id)
        if path is None or self.id is None:
            return None
        ids = [level.id for level in path if not level.id.isdigit()]
        return f"{self.id}/" + "".join(f"{i}/" for i in ids)


class LoadWarning(_Model):
    """Something in an account file that loads but is probably not what its author meant.

    An unknown action, a principal that names no one, a bucket policy that never names its
    bucket: the answer still comes, and the CLI prints each warning as one line on stderr.
    """

    message: str
    file: str | None = None
    position: Position | None = None
    path: str | None = None
    """The JSON path of the element, shown when the position is unknown (large JSON files)."""

    def __str__(self) -> str:
        where = self.file or "<input>"
        if self.position is not None:
            return f"{where}:{self.position}: {self.message}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class UnreadableAccount(_Model):
    """An account of the organization that `policysim fetch --org` could not read (the role
    could not be assumed, IAM could not be read): no file of it was written, so every answer
    from the snapshot leaves its principals and resources out and must say so."""

    account_id: str
    reason: str
    """What AWS answered, one line (`AssumeRole: AccessDenied: ...`)."""
    file: str | None = None
    """The file that recorded it (the directory's `organization.json`)."""

    def __str__(self) -> str:
        return f"account {self.account_id} could not be read by fetch --org: {self.reason}"


class Snapshot(_Model):
    """Everything policysim knows: accounts, optionally their organization, and metadata."""

    accounts: dict[str, Account] = Field(default_factory=dict)
    organization: Organization | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    source: str | None = None
    """The file it was loaded from, for messages."""
    warnings: list[LoadWarning] = Field(default_factory=list)
    """What the loader found suspicious (in file order, without repeats)."""
    unreadable: list[UnreadableAccount] = Field(default_factory=list)
    """Accounts of the organization that were not read (by id): answers leave them out."""

    def account(self, account_id: str) -> Account | None:
        """An account by id."""
        return self.accounts.get(account_id)

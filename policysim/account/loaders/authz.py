"""`aws iam get-account-authorization-details` output, read verbatim.

This is the one call that returns every user, group, role and managed policy of an account
with all their documents, so it is what people already have (and what other IAM tools read).
The CLI prints documents as JSON objects; the raw API returns them URL-encoded, and both are
accepted. Of each role's instance profiles only their ARNs are kept (EC2 runs code as a role
through one); fields policysim does not need (dates, last use) are ignored, so that newer AWS
output keeps loading.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from policysim.account.checks import PRINCIPAL_KINDS, UniqueNames, instance_profile_problem
from policysim.account.loaders._common import (
    ACCOUNT_ID,
    JsonPath,
    JsonSource,
    Reader,
    decode_text,
    read_file,
)
from policysim.account.model import Account, Group, ManagedPolicy, Role, Snapshot, User
from policysim.policy.arn import parse_arn
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

FORMAT = "authorization_details"
AUTHZ_KEYS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
"""The top-level lists of the output; any one of them identifies the format."""


def looks_like_authorization_details(data: Any) -> bool:
    """True when `data` is a JSON object with one of the output's top-level lists."""
    return isinstance(data, dict) and any(key in data for key in AUTHZ_KEYS)


class _AuthzReader(Reader):
    """Reads one authorization-details object at `base` in a JSON file."""

    def __init__(self, source: JsonSource, base: JsonPath, expected: str | None = None) -> None:
        super().__init__(source)
        self.base = base
        self.expected = expected
        self.accounts: dict[str, Account] = {}
        self.names: dict[tuple[str, str], UniqueNames] = {}
        """(account id, kind) -> the names seen so far."""

    def arn(self, value: Any, path: JsonPath, kind: str) -> str:
        """An ARN of `kind` (`user`, `role`, `policy`...); records the account it names."""
        text = self.string(value, path)
        arn = parse_arn(text)
        if arn is None or arn.service != "iam" or not arn.resource.startswith(f"{kind}/"):
            raise self.source.error(f"expected an IAM {kind} ARN, got {text!r}", path)
        return text

    def path_of(self, entry: dict[str, Any], path: JsonPath) -> str:
        """The IAM path (`/` when absent)."""
        value = self.string(entry.get("Path", "/"), (*path, "Path"))
        if not (value.startswith("/") and value.endswith("/")):
            raise self.source.error(
                f"an IAM path must start and end with '/', got {value!r}", (*path, "Path")
            )
        return value

    def check_entity(self, account: Account | None, kind: str, entity: Any, path: JsonPath) -> None:
        """The ARN must end in the entity's path and name, as IAM writes it (an ARN that
        names someone else, or no one, would make every principal match a guess), and the
        name must be unique in its `account` regardless of case (`UniqueNames`; None for AWS
        managed policies, which belong to no account)."""
        arn = parse_arn(entity.arn)
        assert arn is not None  # checked by `arn()`
        expected = f"{kind}{entity.path}{entity.name}"
        if arn.resource != expected:
            named = arn.resource.rsplit("/", 1)[-1]
            problem = (
                f"names no {kind} (nothing after the last '/')"
                if not named
                else f"does not end in the {kind}'s path and name"
            )
            raise self.source.error(
                f"{kind} ARN {entity.arn!r} {problem}: {kind} {entity.name!r} at path"
                f" {entity.path!r} has the ARN"
                f" arn:{arn.partition}:iam::{arn.account}:{expected}",
                (*path, "Arn"),
            )
        if account is None:
            return
        names = self.names.get((account.id, kind))
        if names is None:
            names = self.names[account.id, kind] = UniqueNames(kind, account.id)
        clash = names.clash(entity.name)
        if clash is not None:
            field = "PolicyName" if kind == "policy" else f"{kind.capitalize()}Name"
            raise self.source.error(clash, (*path, field))

    def inline(self, entry: dict[str, Any], key: str, path: JsonPath) -> dict[str, Policy]:
        """`UserPolicyList`/`GroupPolicyList`/`RolePolicyList` as name -> document."""
        out: dict[str, Policy] = {}
        for i, item in enumerate(self.array(entry.get(key), (*path, key))):
            where = (*path, key, i)
            policy = self.obj(item, where)
            name = self.string(self.required(policy, "PolicyName", where), (*where, "PolicyName"))
            if name in out:
                raise self.source.error(f"duplicate inline policy name {name!r}", where)
            document = self.required(policy, "PolicyDocument", where)
            out[name] = self.source.policy(document, (*where, "PolicyDocument"))
            self.source.sites.add(
                out[name], "identity", self.source.locator((*where, "PolicyDocument"))
            )
        return out

    def attached(self, entry: dict[str, Any], path: JsonPath) -> list[str]:
        """ARNs from `AttachedManagedPolicies`."""
        out: list[str] = []
        key = "AttachedManagedPolicies"
        for i, item in enumerate(self.array(entry.get(key), (*path, key))):
            where = (*path, key, i)
            attached = self.obj(item, where)
            arn = self.arn(
                self.required(attached, "PolicyArn", where), (*where, "PolicyArn"), "policy"
            )
            if arn not in out:
                out.append(arn)
        return out

    def boundary(self, entry: dict[str, Any], path: JsonPath) -> str | None:
        """`PermissionsBoundary.PermissionsBoundaryArn`, if set."""
        value = entry.get("PermissionsBoundary")
        if value is None:
            return None
        where = (*path, "PermissionsBoundary")
        boundary = self.obj(value, where)
        arn = boundary.get("PermissionsBoundaryArn")
        if arn is None:
            return None
        return self.arn(arn, (*where, "PermissionsBoundaryArn"), "policy")

    def name(self, entry: dict[str, Any], key: str, path: JsonPath) -> str:
        """The entity's name."""
        return self.string(self.required(entry, key, path), (*path, key))

    def opt_id(self, entry: dict[str, Any], key: str, path: JsonPath) -> str | None:
        """The entity's unique id (`AIDA...`), if present."""
        return self.opt_string(entry.get(key), (*path, key))

    def user(self, entry: dict[str, Any], path: JsonPath) -> User:
        """One `UserDetailList` entry."""
        groups = [
            self.string(g, (*path, "GroupList", i))
            for i, g in enumerate(self.array(entry.get("GroupList"), (*path, "GroupList")))
        ]
        return User(
            name=self.name(entry, "UserName", path),
            arn=self.arn(self.required(entry, "Arn", path), (*path, "Arn"), "user"),
            path=self.path_of(entry, path),
            id=self.opt_id(entry, "UserId", path),
            inline_policies=self.inline(entry, "UserPolicyList", path),
            managed_policies=self.attached(entry, path),
            groups=groups,
            permissions_boundary=self.boundary(entry, path),
            tags=self.tags(entry.get("Tags"), (*path, "Tags")),
        )

    def group(self, entry: dict[str, Any], path: JsonPath) -> Group:
        """One `GroupDetailList` entry."""
        return Group(
            name=self.name(entry, "GroupName", path),
            arn=self.arn(self.required(entry, "Arn", path), (*path, "Arn"), "group"),
            path=self.path_of(entry, path),
            id=self.opt_id(entry, "GroupId", path),
            inline_policies=self.inline(entry, "GroupPolicyList", path),
            managed_policies=self.attached(entry, path),
        )

    def role(self, entry: dict[str, Any], path: JsonPath) -> Role:
        """One `RoleDetailList` entry; the trust policy is `AssumeRolePolicyDocument`."""
        trust = entry.get("AssumeRolePolicyDocument")
        trust_path = (*path, "AssumeRolePolicyDocument")
        trust_policy = None if trust is None else self.source.policy(trust, trust_path)
        if trust_policy is not None:
            self.source.sites.add(trust_policy, "trust", self.source.locator(trust_path))
        arn = self.arn(self.required(entry, "Arn", path), (*path, "Arn"), "role")
        return Role(
            name=self.name(entry, "RoleName", path),
            arn=arn,
            path=self.path_of(entry, path),
            id=self.opt_id(entry, "RoleId", path),
            inline_policies=self.inline(entry, "RolePolicyList", path),
            managed_policies=self.attached(entry, path),
            trust_policy=trust_policy,
            permissions_boundary=self.boundary(entry, path),
            tags=self.tags(entry.get("Tags"), (*path, "Tags")),
            instance_profiles=self.instance_profiles(entry, arn, path),
        )

    def instance_profiles(self, entry: dict[str, Any], role_arn: str, path: JsonPath) -> list[str]:
        """ARNs from `InstanceProfileList[].Arn`: the profiles that contain the role (the
        rest of each entry, its `Roles` included, repeats what the role list says)."""
        parsed = parse_arn(role_arn)
        assert parsed is not None  # checked by `arn()`
        out: list[str] = []
        key = "InstanceProfileList"
        for i, item in enumerate(self.array(entry.get(key), (*path, key))):
            where = (*path, key, i)
            arn = self.string(self.required(self.obj(item, where), "Arn", where), (*where, "Arn"))
            problem = instance_profile_problem(arn, parsed.account, parsed.partition)
            if problem is not None:
                raise self.source.error(problem, (*where, "Arn"))
            if arn not in out:
                out.append(arn)
        return out

    def managed(self, entry: dict[str, Any], path: JsonPath) -> ManagedPolicy:
        """One `Policies` entry: the default version's document."""
        name = self.name(entry, "PolicyName", path)
        arn = self.arn(self.required(entry, "Arn", path), (*path, "Arn"), "policy")
        versions = self.array(entry.get("PolicyVersionList"), (*path, "PolicyVersionList"))
        chosen = self.default_version(entry, name, versions, path)
        if chosen is None:
            raise self.source.error(
                f"managed policy {name!r} has no default version in PolicyVersionList", path
            )
        where = (*path, "PolicyVersionList", chosen)
        document = self.required(versions[chosen], "Document", where)
        policy = ManagedPolicy(
            arn=arn,
            name=name,
            path=self.path_of(entry, path),
            document=self.source.policy(document, (*where, "Document")),
            id=self.opt_id(entry, "PolicyId", path),
        )
        if not policy.aws_managed:
            # AWS managed policies are AWS's to fix: a warning about them helps no one.
            self.source.sites.add(
                policy.document, "identity", self.source.locator((*where, "Document"))
            )
        return policy

    def default_version(
        self, entry: dict[str, Any], name: str, versions: list[Any], path: JsonPath
    ) -> int | None:
        """The index of the default version: the one marked `IsDefaultVersion`, else the one
        `DefaultVersionId` names. IAM keeps exactly one default, so two marked versions, or a
        mark and a `DefaultVersionId` that disagree, are errors: which document the policy
        grants would otherwise be a guess."""
        default_id = entry.get("DefaultVersionId")
        marked: int | None = None
        by_id: int | None = None
        for i, item in enumerate(versions):
            where = (*path, "PolicyVersionList", i)
            version = self.obj(item, where)
            if version.get("IsDefaultVersion") is True:
                if marked is not None:
                    raise self.source.error(
                        f"managed policy {name!r} has two default versions (PolicyVersionList"
                        f" {marked} and {i} are both IsDefaultVersion): IAM keeps exactly one",
                        (*where, "IsDefaultVersion"),
                    )
                marked = i
            if by_id is None and default_id and version.get("VersionId") == default_id:
                by_id = i
        if marked is not None and by_id is not None and marked != by_id:
            raise self.source.error(
                f"managed policy {name!r}: DefaultVersionId {default_id!r} is not the version"
                f" marked IsDefaultVersion (PolicyVersionList {marked})",
                (*path, "DefaultVersionId"),
            )
        return marked if marked is not None else by_id

    def owner(self, arn: str, path: JsonPath) -> Account:
        """The account an entity belongs to, by its ARN (created on first sight)."""
        parsed = parse_arn(arn)
        assert parsed is not None  # checked by `arn()`
        if not ACCOUNT_ID.match(parsed.account):
            raise self.source.error(
                f"the ARN's account {parsed.account!r} is not a 12-digit account id", path
            )
        if self.expected is not None and parsed.account != self.expected:
            raise self.source.error(
                f"this ARN names account {parsed.account}, but these authorization details"
                f" are for account {self.expected}",
                path,
            )
        account = self.accounts.get(parsed.account)
        if account is None:
            account = Account(id=parsed.account, partition=parsed.partition)
            self.accounts[parsed.account] = account
        return account

    def read(self, value: Any) -> dict[str, Account]:
        """Every account the object describes, keyed by id, in order of first appearance.

        AWS prints one account, but files that merge several outputs exist (the cloudsplaining
        example is one): each entity goes to the account its ARN names, so that principal
        ARNs and account ids stay consistent. AWS managed policies belong to no account and
        are added to each.
        """
        base = self.base
        data = self.obj(value, base)
        lists = (
            ("UserDetailList", self.user, "users", "user"),
            ("GroupDetailList", self.group, "groups", "group"),
            ("RoleDetailList", self.role, "roles", "role"),
        )
        for key, build, attribute, kind in lists:
            for i, item in enumerate(self.array(data.get(key), (*base, key))):
                where = (*base, key, i)
                entity = build(self.obj(item, where), where)
                account = self.owner(entity.arn, (*where, "Arn"))
                entities: dict[str, Any] = getattr(account, attribute)
                if entity.name in entities:
                    raise self.source.error(f"duplicate {kind} {entity.name!r}", where)
                self.check_entity(account, kind, entity, where)
                entities[entity.name] = entity
        aws_managed: dict[str, ManagedPolicy] = {}
        for i, item in enumerate(self.array(data.get("Policies"), (*base, "Policies"))):
            where = (*base, "Policies", i)
            policy = self.managed(self.obj(item, where), where)
            owner = None if policy.aws_managed else self.owner(policy.arn, (*where, "Arn"))
            policies = aws_managed if owner is None else owner.policies
            if policy.arn in policies:
                raise self.source.error(f"duplicate managed policy {policy.arn!r}", where)
            self.check_entity(owner, "policy", policy, where)
            policies[policy.arn] = policy
        if not self.accounts:
            if self.expected is None:
                raise self.source.error(
                    "cannot tell the account id: no user, group, role or customer managed"
                    " policy ARN names it",
                    base,
                )
            self.accounts[self.expected] = Account(id=self.expected)
        listed = {kind for key, _, _, kind in lists if key in data and kind in PRINCIPAL_KINDS}
        for account in self.accounts.values():
            for arn, policy in aws_managed.items():
                account.policies.setdefault(arn, policy)
            self.source.sites.listed.setdefault(account.id, set()).update(listed)
        return self.accounts


def account_from_authorization_details(
    data: Any, source: JsonSource, base: JsonPath, account_id: str
) -> Account:
    """The `Account` `account_id` from authorization-details data at `base` in `source`.

    A policysim snapshot records the account id next to the data, so every ARN must agree.
    """
    return _AuthzReader(source, base, account_id).read(data)[account_id]


def accounts_from_authorization_details(
    data: Any, source: JsonSource, base: JsonPath = ()
) -> dict[str, Account]:
    """The accounts that authorization-details data describes; ids come from the ARNs."""
    return _AuthzReader(source, base).read(data)


def snapshot_from_authorization_details(data: Any, source: JsonSource) -> Snapshot:
    """A `Snapshot` from a whole authorization-details file's data, with its warnings."""
    snapshot = Snapshot(
        accounts=accounts_from_authorization_details(data, source),
        metadata={"format": FORMAT},
        source=source.file,
    )
    snapshot.warnings = source.sites.warnings(snapshot)
    return snapshot


def parse_authorization_details(text: str, file: str) -> Snapshot:
    """Parse authorization-details JSON text."""
    source = JsonSource(text, file)
    data = source.load()
    if not looks_like_authorization_details(data):
        raise PolicyError(
            "not authorization details: expected an object with " + ", ".join(AUTHZ_KEYS),
            file=file,
        )
    return snapshot_from_authorization_details(data, source)


def load_authorization_details(path: str | FilePath) -> Snapshot:
    """Read an `aws iam get-account-authorization-details` output file."""
    data, name = read_file(path)
    return parse_authorization_details(decode_text(data, name), name)

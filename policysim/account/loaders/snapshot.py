"""policysim's own snapshot format: several accounts, their resources and the organization.

`policysim fetch` writes it. Each account embeds its authorization details verbatim (so the
IAM part is exactly what AWS returned), plus what that call does not cover: resource policies,
tags and S3 Block Public Access, and the errors met while fetching (a snapshot taken with
partial permissions says what it is missing). The format is versioned; an unknown version is
refused rather than half-read. The layout is documented in docs/formats.md.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path as FilePath
from typing import Any

from policysim.account.checks import resource_key_problem
from policysim.account.errors import did_you_mean
from policysim.account.loaders._common import JsonPath, JsonSource, Reader, decode_text, read_file
from policysim.account.loaders.authz import account_from_authorization_details
from policysim.account.model import (
    Account,
    BlockPublicAccess,
    Organization,
    OrgLevel,
    Resource,
    Snapshot,
    UnreadableAccount,
)
from policysim.policy.build import policy_from_data
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

FORMAT = "policysim_snapshot"
VERSION_KEY = "policysim_snapshot"
SNAPSHOT_VERSION = 1
"""The version this policysim reads and `policysim fetch` writes."""

TOP_KEYS = ("policysim_snapshot", "generated_at", "metadata", "accounts", "organization")
ACCOUNT_KEYS = (
    "account_id",
    "alias",
    "authorization_details",
    "resources",
    "block_public_access",
    "errors",
)
RESOURCE_KEYS = ("arn", "policy", "tags", "abac", "block_public_access", "aws_managed")
ERROR_KEYS = ("service", "region", "operation", "resource", "error")
ORG_KEYS = ("id", "management_account", "policies", "account_paths")
ORG_POLICY_KEYS = ("type", "document")
LEVEL_KEYS = ("id", "name", "scps", "rcps")

BPA_FLAGS = {
    "block_public_acls": "BlockPublicAcls",
    "ignore_public_acls": "IgnorePublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "restrict_public_buckets": "RestrictPublicBuckets",
}
"""policysim's names of the four S3 Block Public Access flags, and S3's API names."""

FULL_AWS_ACCESS = "FullAWSAccess"
RCP_FULL_AWS_ACCESS = "RCPFullAWSAccess"
BUILTIN_ORG_POLICIES: dict[str, tuple[str, dict[str, Any]]] = {
    FULL_AWS_ACCESS: (
        "SCP",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        },
    ),
    RCP_FULL_AWS_ACCESS: (
        "RCP",
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}],
        },
    ),
}
"""The AWS managed organization policies, attached by default; documents as AWS publishes."""


def builtin_org_policy(name: str) -> Policy:
    """The document of a built-in organization policy (`FullAWSAccess`, `RCPFullAWSAccess`)."""
    return policy_from_data(BUILTIN_ORG_POLICIES[name][1], file=f"aws-managed:{name}")


class _SnapshotReader(Reader):
    def snapshot(self, value: Any) -> Snapshot:
        data = self.obj(value, ())
        self._version(data)
        self.only_keys(data, TOP_KEYS, ())
        generated_at = self.string(self.required(data, "generated_at", ()), ("generated_at",))
        try:
            datetime.fromisoformat(generated_at)
        except ValueError:
            raise self.source.error(
                f"expected an ISO 8601 timestamp, got {generated_at!r}", ("generated_at",)
            ) from None
        metadata = data.get("metadata")
        metadata = {} if metadata is None else self.obj(metadata, ("metadata",))
        accounts: dict[str, Account] = {}
        errors: dict[str, list[dict[str, str | None]]] = {}
        for i, item in enumerate(self.array(data.get("accounts"), ("accounts",))):
            account, account_errors = self.account(item, ("accounts", i))
            if account.id in accounts:
                raise self.source.error(
                    f"account {account.id} appears twice", ("accounts", i, "account_id")
                )
            accounts[account.id] = account
            if account_errors:
                errors[account.id] = account_errors
        unreadable = [
            u
            for u in self.unreadable(metadata.get("account_errors"), ("metadata", "account_errors"))
            if u.account_id not in accounts
        ]
        organization: Organization | None = None
        policy_types: dict[str, str] = {}
        if data.get("organization") is not None:
            organization, policy_types = self.organization(data["organization"])
        snapshot = Snapshot(
            accounts=accounts,
            organization=organization,
            metadata={
                "format": FORMAT,
                "version": SNAPSHOT_VERSION,
                "generated_at": generated_at,
                "metadata": metadata,
                "account_errors": errors,
                "organization_policy_types": policy_types,
            },
            source=self.source.file,
            unreadable=unreadable,
        )
        for account_id, account_errors in errors.items():
            if any(e.get("service") == "iam" for e in account_errors):
                # IAM could not be read in full: a missing principal may just be unread.
                self.source.sites.listed[account_id] = set()
        snapshot.warnings = self.source.sites.warnings(snapshot)
        return snapshot

    def unreadable(self, value: Any, path: JsonPath) -> list[UnreadableAccount]:
        """`metadata.account_errors` as `fetch --org` writes it in `organization.json`: the
        accounts it could not read, account id to the error (docs/formats.md)."""
        if value is None:
            return []
        found = [
            UnreadableAccount(
                account_id=self.account_id(account_id, (*path, account_id)),
                reason=self.string(reason, (*path, account_id)),
                file=self.source.file,
            )
            for account_id, reason in self.obj(value, path).items()
        ]
        return sorted(found, key=lambda u: u.account_id)

    def _version(self, data: dict[str, Any]) -> None:
        version = self.required(data, VERSION_KEY, ())
        path: JsonPath = (VERSION_KEY,)
        if isinstance(version, bool) or not isinstance(version, int):
            raise self.source.error(
                f"the snapshot version must be an integer, got {version!r}", path
            )
        if version > SNAPSHOT_VERSION:
            raise self.source.error(
                f"unknown snapshot version {version}: this policysim reads version"
                f" {SNAPSHOT_VERSION}; upgrade policysim to read newer snapshots",
                path,
            )
        if version != SNAPSHOT_VERSION:
            raise self.source.error(
                f"unknown snapshot version {version}: this policysim reads version"
                f" {SNAPSHOT_VERSION}",
                path,
            )

    def account(self, value: Any, path: JsonPath) -> tuple[Account, list[dict[str, str | None]]]:
        data = self.obj(value, path)
        self.only_keys(data, ACCOUNT_KEYS, path)
        account_id = self.account_id(self.required(data, "account_id", path), (*path, "account_id"))
        details = data.get("authorization_details")
        account = account_from_authorization_details(
            {} if details is None else details,
            self.source,
            (*path, "authorization_details"),
            account_id,
        )
        account.alias = self.opt_string(data.get("alias"), (*path, "alias"))
        for i, item in enumerate(self.array(data.get("resources"), (*path, "resources"))):
            resource = self.resource(item, (*path, "resources", i))
            if resource.arn in account.resources:
                raise self.source.error(
                    f"resource {resource.arn!r} appears twice", (*path, "resources", i, "arn")
                )
            account.resources[resource.arn] = resource
        account.block_public_access = self.block_public_access(
            data.get("block_public_access"), (*path, "block_public_access")
        )
        errors = [
            self.fetch_error(item, (*path, "errors", i))
            for i, item in enumerate(self.array(data.get("errors"), (*path, "errors")))
        ]
        return account, errors

    def resource(self, value: Any, path: JsonPath) -> Resource:
        data = self.obj(value, path)
        self.only_keys(data, RESOURCE_KEYS, path)
        arn = self.string(self.required(data, "arn", path), (*path, "arn"))
        policy = data.get("policy")
        problem = resource_key_problem(arn, has_policy=policy is not None)
        if problem is not None:
            raise self.source.error(problem, (*path, "arn"))
        resource = Resource(
            arn=arn,
            policy=None if policy is None else self.source.policy(policy, (*path, "policy")),
            tags=self.tags(data.get("tags"), (*path, "tags")),
            block_public_access=self.block_public_access(
                data.get("block_public_access"), (*path, "block_public_access")
            ),
            aws_managed=self.aws_managed(data.get("aws_managed"), (*path, "aws_managed")),
        )
        abac = data.get("abac")
        if abac is not None:
            if not isinstance(abac, bool):
                raise self.source.error(f"expected true or false, got {abac!r}", (*path, "abac"))
            if not resource.is_general_purpose_bucket:
                raise self.source.error(
                    "abac is a setting of S3 general purpose buckets (arn:aws:s3:::NAME)",
                    (*path, "abac"),
                )
            resource.abac = abac
        if resource.policy is not None:
            self.source.sites.add(
                resource.policy, "resource", self.source.locator((*path, "policy")), resource
            )
        return resource

    def aws_managed(self, value: Any, path: JsonPath) -> bool:
        """`aws_managed: true` marks an AWS managed KMS key."""
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.source.error(f"expected true or false, got {value!r}", path)
        return value

    def block_public_access(self, value: Any, path: JsonPath) -> BlockPublicAccess | None:
        """The four flags, by policysim's names or S3's `PublicAccessBlockConfiguration` ones."""
        if value is None:
            return None
        data = self.obj(value, path)
        by_name = {**{k: k for k in BPA_FLAGS}, **{v: k for k, v in BPA_FLAGS.items()}}
        flags: dict[str, bool] = {}
        for key, flag in data.items():
            if key not in by_name:
                raise self.source.error(
                    f"unknown key {key!r}; allowed keys: {', '.join(BPA_FLAGS)}"
                    f" (or {', '.join(BPA_FLAGS.values())})",
                    (*path, key),
                    key=True,
                )
            if not isinstance(flag, bool):
                raise self.source.error(f"expected true or false, got {flag!r}", (*path, key))
            flags[by_name[key]] = flag
        return BlockPublicAccess(**flags)

    def fetch_error(self, value: Any, path: JsonPath) -> dict[str, str | None]:
        data = self.obj(value, path)
        self.only_keys(data, ERROR_KEYS, path)
        self.required(data, "error", path)
        return {key: self.opt_string(data.get(key), (*path, key)) for key in ERROR_KEYS}

    def organization(self, value: Any) -> tuple[Organization, dict[str, str]]:
        path: JsonPath = ("organization",)
        data = self.obj(value, path)
        self.only_keys(data, ORG_KEYS, path)
        org_id = self.opt_string(data.get("id"), (*path, "id"))
        if org_id is not None and not org_id.startswith("o-"):
            raise self.source.error(
                f"an organization id starts with 'o-', got {org_id!r}", (*path, "id")
            )
        management = data.get("management_account")
        if management is not None:
            management = self.account_id(management, (*path, "management_account"))
        policies: dict[str, Policy] = {}
        types: dict[str, str] = {}
        raw_policies = data.get("policies")
        raw_policies = {} if raw_policies is None else self.obj(raw_policies, (*path, "policies"))
        for name, item in raw_policies.items():
            where = (*path, "policies", name)
            entry = self.obj(item, where)
            self.only_keys(entry, ORG_POLICY_KEYS, where)
            kind = self.required(entry, "type", where)
            if kind not in ("SCP", "RCP"):
                raise self.source.error(
                    f"an organization policy's type is 'SCP' or 'RCP', got {kind!r}",
                    (*where, "type"),
                )
            types[name] = kind
            document = self.required(entry, "document", where)
            policies[name] = self.source.policy(document, (*where, "document"))
            self.source.sites.add(
                policies[name], "organization", self.source.locator((*where, "document"))
            )
        paths: dict[str, list[OrgLevel]] = {}
        raw_paths = data.get("account_paths")
        raw_paths = {} if raw_paths is None else self.obj(raw_paths, (*path, "account_paths"))
        for account, levels in raw_paths.items():
            where = (*path, "account_paths", account)
            self.account_id(account, where)
            paths[account] = self.account_path(account, levels, where, policies, types)
        return (
            Organization(
                id=org_id, management_account=management, policies=policies, account_paths=paths
            ),
            types,
        )

    def account_path(
        self,
        account: str,
        value: Any,
        path: JsonPath,
        policies: dict[str, Policy],
        types: dict[str, str],
    ) -> list[OrgLevel]:
        items = self.array(value, path)
        if not items:
            raise self.source.error("an account path needs the root and the account", path)
        levels: list[OrgLevel] = []
        for i, item in enumerate(items):
            where = (*path, i)
            data = self.obj(item, where)
            self.only_keys(data, LEVEL_KEYS, where)
            level_id = self.string(self.required(data, "id", where), (*where, "id"))
            attached: dict[str, list[str]] = {}
            for key, kind in (("scps", "SCP"), ("rcps", "RCP")):
                names: list[str] = []
                for j, raw in enumerate(self.array(data.get(key), (*where, key))):
                    name = self.string(raw, (*where, key, j))
                    problem = org_policy_problem(name, kind, policies, types)
                    if problem:
                        raise self.source.error(problem, (*where, key, j))
                    names.append(name)
                attached[key] = names
            levels.append(
                OrgLevel(
                    id=level_id,
                    name=self.opt_string(data.get("name"), (*where, "name")),
                    scps=attached["scps"],
                    rcps=attached["rcps"],
                )
            )
        if not levels[0].id.startswith("r-"):
            raise self.source.error(
                f"an account path starts at the root ('r-...'), got {levels[0].id!r}",
                (*path, 0, "id"),
            )
        if levels[-1].id != account:
            raise self.source.error(
                f"an account path ends with the account itself ({account}), got {levels[-1].id!r}",
                (*path, len(levels) - 1, "id"),
            )
        return levels


def org_policy_problem(
    name: str, kind: str, policies: dict[str, Policy], types: dict[str, str]
) -> str | None:
    """Why `name` cannot be attached as an `kind` (SCP/RCP), or None.

    An attached policy must be defined; the AWS managed built-ins (`FullAWSAccess`,
    `RCPFullAWSAccess`) are added to `policies` on first use, since every organization has them.
    A policy declared as one kind cannot be attached as the other.
    """
    if name not in policies:
        if name not in BUILTIN_ORG_POLICIES:
            return f"{kind} {name!r} is not defined under organization.policies" + did_you_mean(
                name, [*policies, *BUILTIN_ORG_POLICIES]
            )
        policies[name] = builtin_org_policy(name)
        types[name] = BUILTIN_ORG_POLICIES[name][0]
    declared = types.get(name, kind)
    if declared != kind:
        return f"{name!r} is an {declared}, attached here as an {kind}"
    return None


def looks_like_policysim_snapshot(data: Any) -> bool:
    """True when `data` is a JSON object carrying the snapshot version key."""
    return isinstance(data, dict) and VERSION_KEY in data


def snapshot_from_data(data: Any, source: JsonSource) -> Snapshot:
    """A `Snapshot` from a policysim snapshot file's data."""
    return _SnapshotReader(source).snapshot(data)


def parse_policysim_snapshot(text: str, file: str) -> Snapshot:
    """Parse policysim snapshot JSON text."""
    source = JsonSource(text, file)
    data = source.load()
    if not looks_like_policysim_snapshot(data):
        raise PolicyError(f"not a policysim snapshot: no {VERSION_KEY!r} key", file=file)
    return snapshot_from_data(data, source)


def load_policysim_snapshot(path: str | FilePath) -> Snapshot:
    """Read a policysim snapshot file."""
    data, name = read_file(path)
    return parse_policysim_snapshot(decode_text(data, name), name)

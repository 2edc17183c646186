"""The compact YAML account format, for people to write by hand.

Hand-written accounts are for asking "what if": a few users and roles, the policies they
attach by name, a bucket policy, an SCP. Everything is parsed with the located YAML parser, so
each policy document keeps the line and column of every statement and a decision points at
`accounts.yaml:12:9`, not at a JSON path. The format is strict: an unknown key, an unknown
policy or group name, or an unquoted account id is an error at its line and column, with the
allowed keys or the nearest names, because a typo in a what-if file silently changes the answer.
The layout is documented in docs/formats.md.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path as FilePath
from typing import Any

from policysim.account.checks import (
    PRINCIPAL_KINDS,
    SiteCollector,
    SiteKind,
    UniqueNames,
    instance_profile_problem,
    resource_key_problem,
)
from policysim.account.errors import did_you_mean
from policysim.account.loaders._common import (
    ACCOUNT_ID,
    JsonPath,
    decode_text,
    format_path,
    node_locator,
    read_file,
)
from policysim.account.loaders.snapshot import org_policy_problem
from policysim.account.managed import aws_managed_policy, suggest_managed_policies
from policysim.account.model import (
    Account,
    BlockPublicAccess,
    Group,
    ManagedPolicy,
    Organization,
    OrgLevel,
    Resource,
    Role,
    Snapshot,
    User,
)
from policysim.policy.arn import parse_arn
from policysim.policy.build import policy_from_data, policy_from_node
from policysim.policy.errors import PolicyError, Position
from policysim.policy.model import Policy
from policysim.policy.source import Node, parse_yaml_source

FORMAT = "yaml"

ACCOUNT_KEYS = (
    "alias",
    "partition",
    "users",
    "groups",
    "roles",
    "policies",
    "resources",
    "block_public_access",
)
SINGLE_KEYS = ("account", *ACCOUNT_KEYS, "organization")
TOP_KEYS = (*SINGLE_KEYS, "accounts")
ENTRY_KEYS = ("id", *ACCOUNT_KEYS)
USER_KEYS = ("path", "groups", "policies", "inline", "boundary", "tags")
GROUP_KEYS = ("path", "policies", "inline")
ROLE_KEYS = (
    "path",
    "trust",
    "trust_service",
    "trust_account",
    "policies",
    "inline",
    "boundary",
    "tags",
    "instance_profiles",
)
MANAGED_KEYS = ("path", "document")
RESOURCE_KEYS = ("policy", "tags", "abac", "block_public_access", "aws_managed")
BPA_KEYS = (
    "block_public_acls",
    "ignore_public_acls",
    "block_public_policy",
    "restrict_public_buckets",
)
ORG_KEYS = ("id", "management_account", "policies", "root", "ous", "accounts")
ORG_POLICY_KEYS = ("type", "document")
ROOT_KEYS = ("id", "name", "scps", "rcps")
OU_KEYS = ("id", "name", "parent", "scps", "rcps")
ORG_ACCOUNT_KEYS = ("parent", "scps", "rcps")

DEFAULT_SCPS = ("FullAWSAccess",)
"""What a level without `scps:` has attached: AWS attaches FullAWSAccess to every new level."""

_IAM_NAME = re.compile(r"^[\w+=,.@-]+$")
_PARTITION = re.compile(r"^aws(-[a-z0-9]+)*$")
_RAW_SCALAR = re.compile(r"[^\s,\]\}#]+")

_KIND_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "bool": "a boolean",
    "null": "nothing (null)",
}


class _YamlReader:
    """Walks the located tree of one file; every error names the file, line, column and path."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self._lines: list[str] | None = None
        self.sites = SiteCollector(file)
        """Every policy read, for the warnings computed once the whole file is read."""

    # ---- primitives -------------------------------------------------------------------------

    def error(self, message: str, where: Node | Position | None, path: JsonPath) -> PolicyError:
        """A located error; `where` is the offending node (or a key's position)."""
        position = where.position if isinstance(where, Node) else where
        return PolicyError(
            message, file=self.file, position=position, path=format_path(path) or None
        )

    def mapping(
        self, node: Node, path: JsonPath, allowed: tuple[str, ...] | None = None
    ) -> dict[str, Node]:
        """A mapping (null counts as empty); with `allowed`, unknown keys are errors."""
        if node.kind == "null":
            return {}
        if node.kind != "object":
            raise self.error(f"expected a mapping, got {_KIND_NAMES[node.kind]}", node, path)
        items: dict[str, Node] = node.value
        if allowed is not None:
            for key in items:
                if key not in allowed:
                    raise self.error(
                        f"unknown key {key!r}; allowed keys: {', '.join(allowed)}"
                        + did_you_mean(key, allowed),
                        node.key_positions[key],
                        path,
                    )
        return items

    def items(self, node: Node, path: JsonPath) -> list[Node]:
        """A list (null counts as empty)."""
        if node.kind == "null":
            return []
        if node.kind != "array":
            raise self.error(f"expected a list, got {_KIND_NAMES[node.kind]}", node, path)
        return list(node.value)

    def string(self, node: Node, path: JsonPath) -> str:
        """A non-empty string; a number is refused, since YAML may have changed its digits."""
        if node.kind == "string" and node.value:
            return str(node.value)
        if node.kind in ("number", "bool"):
            raw = self.raw(node)
            raise self.error(
                f"expected a string, got {_KIND_NAMES[node.kind]}: YAML reads an unquoted {raw}"
                f' as a {"number" if node.kind == "number" else "boolean"}; quote it: "{raw}"',
                node,
                path,
            )
        got = "an empty string" if node.kind == "string" else _KIND_NAMES[node.kind]
        raise self.error(f"expected a string, got {got}", node, path)

    def nodes(self, node: Node, path: JsonPath) -> list[tuple[Node, JsonPath]]:
        """One value or a list of them (`policies: X` means `policies: [X]`), with paths."""
        if node.kind == "array":
            return [(child, (*path, i)) for i, child in enumerate(node.value)]
        if node.kind == "null":
            return []
        return [(node, path)]

    def strings(self, node: Node, path: JsonPath) -> list[tuple[str, Node, JsonPath]]:
        """One string or a list of them, each with its node and path for later errors."""
        return [
            (self.string(child, where), child, where) for child, where in self.nodes(node, path)
        ]

    def raw(self, node: Node) -> str:
        """The scalar as written in the file (YAML turned `0123` into 83)."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        line, column = node.position.line, node.position.column
        if 0 < line <= len(self._lines):
            match = _RAW_SCALAR.match(self._lines[line - 1], column - 1)
            if match:
                return match.group(0)
        return str(node.value)

    def account_id(self, node: Node, path: JsonPath) -> str:
        """A quoted 12-digit account id; an unquoted one gets a message saying to quote it."""
        if node.kind == "number":
            raw = self.raw(node)
            raise self.error(
                f"an account id must be a quoted string: YAML reads an unquoted {raw} as a"
                f' number (dropping leading zeros, or as octal); write "{raw}"',
                node,
                path,
            )
        value = self.string(node, path)
        if not ACCOUNT_ID.match(value):
            raise self.error(f"an account id has 12 digits, got {value!r}", node, path)
        return value

    def account_key(self, key: str, position: Position, path: JsonPath) -> str:
        """An account id used as a mapping key (its node kind is lost, so check the digits)."""
        if not ACCOUNT_ID.match(key):
            raise self.error(
                f"an account id has 12 digits, got {key!r} (quote account ids: YAML reads"
                " unquoted digits as a number, dropping leading zeros)",
                position,
                path,
            )
        return key

    def boolean(self, node: Node, path: JsonPath) -> bool:
        """`true` or `false`."""
        if node.kind != "bool":
            raise self.error(f"expected true or false, got {_KIND_NAMES[node.kind]}", node, path)
        return bool(node.value)

    def name(self, key: str, position: Position, path: JsonPath, kind: str) -> str:
        """An IAM entity name (letters, digits and `+=,.@_-`)."""
        if not _IAM_NAME.match(key):
            raise self.error(
                f"{kind} name {key!r} may only hold letters, digits and '+=,.@_-'", position, path
            )
        return key

    def iam_path(self, fields: dict[str, Node], path: JsonPath) -> str:
        """The `path:` field (`/` when absent)."""
        node = fields.get("path")
        if node is None:
            return "/"
        value = self.string(node, (*path, "path"))
        if not (value.startswith("/") and value.endswith("/")):
            raise self.error(
                f"an IAM path must start and end with '/', got {value!r}", node, (*path, "path")
            )
        return value

    def tags(self, node: Node | None, path: JsonPath) -> dict[str, str]:
        """`tags:` as a mapping of strings."""
        if node is None:
            return {}
        return {
            key: self.string(value, (*path, key)) for key, value in self.mapping(node, path).items()
        }

    def policy(self, node: Node, path: JsonPath, kind: SiteKind | None = "identity") -> Policy:
        """A policy document written in YAML (or JSON, which YAML accepts), located; checked
        as a policy of `kind` once the file is read (None: the caller registers it)."""
        if node.kind != "object":
            raise self.error(
                "a policy document must be a mapping with Version and Statement,"
                f" got {_KIND_NAMES[node.kind]}",
                node,
                path,
            )
        try:
            policy = policy_from_node(node, self.file)
        except PolicyError as err:
            raise err.located(file=self.file, path_prefix=format_path(path)) from None
        if kind is not None:
            self.sites.add(policy, kind, node_locator(node, path))
        return policy

    def block_public_access(self, node: Node | None, path: JsonPath) -> BlockPublicAccess | None:
        """S3 Block Public Access flags; the ones not given are off."""
        if node is None or node.kind == "null":
            return None
        fields = self.mapping(node, path, BPA_KEYS)
        return BlockPublicAccess(
            **{key: self.boolean(value, (*path, key)) for key, value in fields.items()}
        )

    # ---- the file ---------------------------------------------------------------------------

    def snapshot(self, root: Node) -> Snapshot:
        top = self.mapping(root, (), TOP_KEYS)
        accounts: dict[str, Account] = {}
        if "accounts" in top:
            for key in top:
                if key in ACCOUNT_KEYS or key == "account":
                    raise self.error(
                        f"with 'accounts:', {key!r} belongs inside each account",
                        root.key_positions[key],
                        (),
                    )
            for i, entry in enumerate(self.items(top["accounts"], ("accounts",))):
                path: JsonPath = ("accounts", i)
                fields = self.mapping(entry, path, ENTRY_KEYS)
                if "id" not in fields:
                    raise self.error("an account needs 'id:' (its 12-digit id)", entry, path)
                account_id = self.account_id(fields["id"], (*path, "id"))
                if account_id in accounts:
                    raise self.error(f"account {account_id} appears twice", fields["id"], path)
                accounts[account_id] = self.account(account_id, fields, path)
        elif "account" in top:
            account_id = self.account_id(top["account"], ("account",))
            accounts[account_id] = self.account(account_id, top, ())
        elif "organization" not in top or any(key in ACCOUNT_KEYS for key in top):
            # An organization alone is allowed: its accounts come from other files.
            raise self.error(
                "expected 'account:' (one account's 12-digit id) or 'accounts:' (a list)",
                root,
                (),
            )
        organization = None
        if "organization" in top and top["organization"].kind != "null":
            organization = self.organization(top["organization"], ("organization",))
        snapshot = Snapshot(
            accounts=accounts,
            organization=organization,
            metadata={"format": FORMAT},
            source=self.file,
        )
        # A hand-written file lists every user and role of its accounts.
        self.sites.listed = {account_id: set(PRINCIPAL_KINDS) for account_id in accounts}
        snapshot.warnings = self.sites.warnings(snapshot)
        return snapshot

    def account(self, account_id: str, fields: dict[str, Node], path: JsonPath) -> Account:
        partition = "aws"
        if "partition" in fields:
            partition = self.string(fields["partition"], (*path, "partition"))
            if not _PARTITION.match(partition):
                raise self.error(
                    f"unknown partition {partition!r} (aws, aws-cn, aws-us-gov, ...)",
                    fields["partition"],
                    (*path, "partition"),
                )
        alias = None
        if "alias" in fields and fields["alias"].kind != "null":
            alias = self.string(fields["alias"], (*path, "alias"))
        account = Account(id=account_id, alias=alias, partition=partition)
        scope = _AccountScope(self, account)
        scope.managed_policies(fields.get("policies"), (*path, "policies"))
        scope.groups(fields.get("groups"), (*path, "groups"))
        scope.users(fields.get("users"), (*path, "users"))
        scope.roles(fields.get("roles"), (*path, "roles"))
        if "resources" in fields:
            where = (*path, "resources")
            resources = self.mapping(fields["resources"], where)
            for arn, node in resources.items():
                account.resources[arn] = self.resource(
                    arn, node, fields["resources"].key_positions[arn], (*where, arn)
                )
        account.block_public_access = self.block_public_access(
            fields.get("block_public_access"), (*path, "block_public_access")
        )
        return account

    def resource(self, arn: str, node: Node, key: Position, path: JsonPath) -> Resource:
        fields = self.mapping(node, path, RESOURCE_KEYS)
        policy = fields.get("policy")
        if policy is not None and policy.kind == "null":
            policy = None
        problem = resource_key_problem(arn, has_policy=policy is not None)
        if problem is not None:
            raise self.error(problem, key, path)
        resource = Resource(
            arn=arn,
            policy=None if policy is None else self.policy(policy, (*path, "policy"), None),
            tags=self.tags(fields.get("tags"), (*path, "tags")),
            block_public_access=self.block_public_access(
                fields.get("block_public_access"), (*path, "block_public_access")
            ),
            aws_managed=(
                self.boolean(fields["aws_managed"], (*path, "aws_managed"))
                if "aws_managed" in fields
                else False
            ),
        )
        if "abac" in fields:
            if not resource.is_general_purpose_bucket:
                raise self.error(
                    "abac: is a setting of S3 general purpose buckets (arn:aws:s3:::NAME);"
                    " other resources' tags always count as aws:ResourceTag",
                    node.key_positions["abac"],
                    (*path, "abac"),
                )
            resource.abac = self.boolean(fields["abac"], (*path, "abac"))
        if policy is not None and resource.policy is not None:
            self.sites.add(
                resource.policy, "resource", node_locator(policy, (*path, "policy")), resource
            )
        return resource

    # ---- the organization -------------------------------------------------------------------

    def organization(self, node: Node, path: JsonPath) -> Organization:
        fields = self.mapping(node, path, ORG_KEYS)
        org_id = None
        if "id" in fields:
            org_id = self.string(fields["id"], (*path, "id"))
            if not org_id.startswith("o-"):
                raise self.error(
                    f"an organization id starts with 'o-', got {org_id!r}",
                    fields["id"],
                    (*path, "id"),
                )
        management = None
        if "management_account" in fields:
            management = self.account_id(
                fields["management_account"], (*path, "management_account")
            )
        org = _OrgBuilder(self, path)
        org.read_policies(fields.get("policies"))
        org.read_levels(fields.get("root"), fields.get("ous"), node)
        return Organization(
            id=org_id,
            management_account=management,
            policies=org.policies,
            account_paths=org.account_paths(fields.get("accounts")),
        )


class _AccountScope:
    """One account being read: resolves policy and group names against what it defines."""

    def __init__(self, reader: _YamlReader, account: Account) -> None:
        self.reader = reader
        self.account = account
        self.by_name: dict[str, str] = {}
        """Customer managed policy name -> ARN."""

    def unique(self, kind: str, names: Iterable[str], node: Node, path: JsonPath) -> None:
        """The names of one kind, unique regardless of letter case (`UniqueNames`)."""
        seen = UniqueNames(kind, self.account.id)
        for name in names:
            clash = seen.clash(name)
            if clash is not None:
                raise self.reader.error(clash, node.key_positions[name], (*path, name))

    def arn(self, kind: str, path: str, name: str) -> str:
        """`arn:aws:iam::ACCOUNT:user/PATH/NAME` and the like."""
        return f"arn:{self.account.partition}:iam::{self.account.id}:{kind}{path}{name}"

    def managed_policies(self, node: Node | None, path: JsonPath) -> None:
        """`policies:`: name -> document, or name -> {path:, document:}."""
        if node is None:
            return
        r = self.reader
        entries = r.mapping(node, path)
        self.unique("policy", entries, node, path)
        for name, value in entries.items():
            where = (*path, name)
            r.name(name, node.key_positions[name], path, "policy")
            document = value
            iam_path = "/"
            if (
                value.kind == "object"
                and "Statement" not in value.value
                and any(k in value.value for k in MANAGED_KEYS)
            ):
                fields = r.mapping(value, where, MANAGED_KEYS)
                if "document" not in fields:
                    raise r.error("missing 'document:' (the policy document)", value, where)
                iam_path = r.iam_path(fields, where)
                document = fields["document"]
                where = (*where, "document")
            arn = self.arn("policy", iam_path, name)
            self.by_name[name] = arn
            self.account.policies[arn] = ManagedPolicy(
                arn=arn, name=name, path=iam_path, document=r.policy(document, where)
            )

    def resolve(self, ref: str, node: Node, path: JsonPath) -> str:
        """A managed policy reference (name or ARN) -> ARN.

        A bare name is the account's own policy first, then an AWS managed one, which is what
        a person means by `AmazonS3FullAccess`; anything unknown is an error with suggestions.
        """
        r = self.reader
        if ref.startswith("arn:"):
            if ref in self.account.policies:
                return ref
            arn = parse_arn(ref)
            if arn is not None and arn.account == "aws":
                if aws_managed_policy(ref) is not None:
                    return ref
                raise r.error(f"unknown AWS managed policy {ref!r}" + _suggest([], ref), node, path)
            if arn is not None and arn.account == self.account.id:
                raise r.error(
                    f"no customer managed policy {ref!r} under 'policies:'"
                    + did_you_mean(ref, list(self.account.policies)),
                    node,
                    path,
                )
            raise r.error(
                f"{ref!r} is not a managed policy of this account or of AWS: IAM attaches only"
                " those",
                node,
                path,
            )
        if ref in self.by_name:
            return self.by_name[ref]
        found = aws_managed_policy(ref)
        if found is not None:
            if found.arn is None:
                raise r.error(
                    f"AWS managed policy {found.name!r} has no recorded ARN; give its ARN",
                    node,
                    path,
                )
            if self.account.partition != "aws":
                return f"arn:{self.account.partition}:" + found.arn.removeprefix("arn:aws:")
            return found.arn
        raise r.error(
            f"unknown managed policy {ref!r}: not under 'policies:' and not an AWS managed"
            " policy" + _suggest(list(self.by_name), ref),
            node,
            path,
        )

    def attached(self, fields: dict[str, Node], key: str, path: JsonPath) -> list[str]:
        """ARNs of `policies:` references, in order, without repeats."""
        node = fields.get(key)
        if node is None:
            return []
        out: list[str] = []
        for ref, ref_node, where in self.reader.strings(node, (*path, key)):
            arn = self.resolve(ref, ref_node, where)
            if arn not in out:
                out.append(arn)
        return out

    def boundary(self, fields: dict[str, Node], path: JsonPath) -> str | None:
        node = fields.get("boundary")
        if node is None or node.kind == "null":
            return None
        ref = self.reader.string(node, (*path, "boundary"))
        return self.resolve(ref, node, (*path, "boundary"))

    def inline(self, fields: dict[str, Node], path: JsonPath) -> dict[str, Policy]:
        node = fields.get("inline")
        if node is None:
            return {}
        r = self.reader
        where = (*path, "inline")
        out: dict[str, Policy] = {}
        for name, value in r.mapping(node, where).items():
            r.name(name, node.key_positions[name], where, "inline policy")
            out[name] = r.policy(value, (*where, name))
        return out

    def entries(self, node: Node | None, path: JsonPath, kind: str) -> list[tuple[str, Node]]:
        if node is None:
            return []
        r = self.reader
        out: list[tuple[str, Node]] = []
        entries = r.mapping(node, path)
        self.unique(kind, entries, node, path)
        for name, value in entries.items():
            r.name(name, node.key_positions[name], path, kind)
            out.append((name, value))
        return out

    def groups(self, node: Node | None, path: JsonPath) -> None:
        r = self.reader
        for name, value in self.entries(node, path, "group"):
            where = (*path, name)
            fields = r.mapping(value, where, GROUP_KEYS)
            iam_path = r.iam_path(fields, where)
            self.account.groups[name] = Group(
                name=name,
                arn=self.arn("group", iam_path, name),
                path=iam_path,
                inline_policies=self.inline(fields, where),
                managed_policies=self.attached(fields, "policies", where),
            )

    def users(self, node: Node | None, path: JsonPath) -> None:
        r = self.reader
        for name, value in self.entries(node, path, "user"):
            where = (*path, name)
            fields = r.mapping(value, where, USER_KEYS)
            iam_path = r.iam_path(fields, where)
            groups: list[str] = []
            if "groups" in fields:
                for group, group_node, group_path in r.strings(
                    fields["groups"], (*where, "groups")
                ):
                    if group not in self.account.groups:
                        raise r.error(
                            f"unknown group {group!r}: not under 'groups:'"
                            + did_you_mean(group, self.account.groups),
                            group_node,
                            group_path,
                        )
                    if group not in groups:
                        groups.append(group)
            self.account.users[name] = User(
                name=name,
                arn=self.arn("user", iam_path, name),
                path=iam_path,
                inline_policies=self.inline(fields, where),
                managed_policies=self.attached(fields, "policies", where),
                groups=groups,
                permissions_boundary=self.boundary(fields, where),
                tags=r.tags(fields.get("tags"), (*where, "tags")),
            )

    def roles(self, node: Node | None, path: JsonPath) -> None:
        r = self.reader
        for name, value in self.entries(node, path, "role"):
            where = (*path, name)
            fields = r.mapping(value, where, ROLE_KEYS)
            iam_path = r.iam_path(fields, where)
            self.account.roles[name] = Role(
                name=name,
                arn=self.arn("role", iam_path, name),
                path=iam_path,
                inline_policies=self.inline(fields, where),
                managed_policies=self.attached(fields, "policies", where),
                trust_policy=self.trust(value, fields, where),
                permissions_boundary=self.boundary(fields, where),
                tags=r.tags(fields.get("tags"), (*where, "tags")),
                instance_profiles=self.instance_profiles(fields, where),
            )

    def instance_profiles(self, fields: dict[str, Node], path: JsonPath) -> list[str]:
        """`instance_profiles:` names or ARNs -> ARNs, in order, without repeats; a bare name
        is a profile at path `/` of this account."""
        node = fields.get("instance_profiles")
        if node is None:
            return []
        r = self.reader
        account = self.account
        out: list[str] = []
        for ref, ref_node, where in r.strings(node, (*path, "instance_profiles")):
            if ref.startswith("arn:"):
                arn = ref
            else:
                r.name(ref, ref_node.position, where, "instance profile")
                arn = f"arn:{account.partition}:iam::{account.id}:instance-profile/{ref}"
            problem = instance_profile_problem(arn, account.id, account.partition)
            if problem is not None:
                raise r.error(problem, ref_node, where)
            if arn not in out:
                out.append(arn)
        return out

    def trust(self, role: Node, fields: dict[str, Node], path: JsonPath) -> Policy | None:
        """`trust:` (a document) or the `trust_service:`/`trust_account:` shorthands."""
        r = self.reader
        shorthands = [k for k in ("trust_service", "trust_account") if k in fields]
        if "trust" in fields:
            if shorthands:
                raise r.error(
                    f"give either 'trust:' or {shorthands[0]!r}, not both",
                    role.key_positions[shorthands[0]],
                    path,
                )
            return r.policy(fields["trust"], (*path, "trust"), "trust")
        if not shorthands:
            return None
        statements: list[dict[str, Any]] = []
        positions: dict[tuple[str | int, ...], Position] = {(): fields[shorthands[0]].position}
        for key in shorthands:
            for node, where in r.nodes(fields[key], (*path, key)):
                principal: dict[str, str]
                if key == "trust_service":
                    value = r.string(node, where)
                    if "." not in value:
                        raise r.error(
                            f"a service principal is a domain name such as"
                            f" '{value}.amazonaws.com', got {value!r}",
                            node,
                            where,
                        )
                    principal = {"Service": value}
                elif node.kind == "string" and str(node.value).startswith("arn:"):
                    value = str(node.value)
                    if parse_arn(value) is None:
                        raise r.error(f"malformed ARN {value!r}", node, where)
                    principal = {"AWS": value}
                else:
                    account = r.account_id(node, where)
                    principal = {"AWS": f"arn:{self.account.partition}:iam::{account}:root"}
                positions[("Statement", len(statements))] = node.position
                statements.append(
                    {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
                )
        if not statements:
            return None
        policy = policy_from_data(
            {"Version": "2012-10-17", "Statement": statements},
            file=self.reader.file,
            positions=positions,
        )

        def locate(rel: tuple[str | int, ...]) -> tuple[Position | None, str | None]:
            # Each generated statement points at the shorthand value it came from.
            return positions.get(rel[:2], positions[()]), format_path(path) or None

        self.reader.sites.add(policy, "trust", locate)
        return policy


class _OrgBuilder:
    """Reads `organization:` and derives each account's path from the root."""

    def __init__(self, reader: _YamlReader, path: JsonPath) -> None:
        self.reader = reader
        self.path = path
        self.policies: dict[str, Policy] = {}
        self.types: dict[str, str] = {}
        self.root: OrgLevel | None = None
        self.ous: dict[str, tuple[OrgLevel, str, Node]] = {}
        """OU id -> (level, parent id, the parent's node for errors)."""

    def read_policies(self, node: Node | None) -> None:
        if node is None:
            return
        r = self.reader
        path = (*self.path, "policies")
        for name, value in r.mapping(node, path).items():
            where = (*path, name)
            document = value
            if (
                value.kind == "object"
                and "Statement" not in value.value
                and any(k in value.value for k in ORG_POLICY_KEYS)
            ):
                fields = r.mapping(value, where, ORG_POLICY_KEYS)
                if "type" in fields:
                    kind = r.string(fields["type"], (*where, "type"))
                    if kind not in ("SCP", "RCP"):
                        raise r.error(
                            f"type is 'SCP' or 'RCP', got {kind!r}",
                            fields["type"],
                            (*where, "type"),
                        )
                    self.types[name] = kind
                if "document" not in fields:
                    raise r.error("missing 'document:' (the policy document)", value, where)
                document = fields["document"]
                where = (*where, "document")
            self.policies[name] = r.policy(document, where, "organization")

    def attached(self, fields: dict[str, Node], key: str, path: JsonPath) -> list[str]:
        """`scps:` / `rcps:` names; a level without `scps:` has FullAWSAccess, as in AWS."""
        node = fields.get(key)
        if node is None:
            names = list(DEFAULT_SCPS) if key == "scps" else []
            for name in names:
                org_policy_problem(name, "SCP", self.policies, self.types)
            return names
        kind = key[:3].upper()
        out: list[str] = []
        for name, name_node, where in self.reader.strings(node, (*path, key)):
            problem = org_policy_problem(name, kind, self.policies, self.types)
            if problem:
                raise self.reader.error(problem, name_node, where)
            out.append(name)
        return out

    def read_levels(self, root: Node | None, ous: Node | None, org: Node) -> None:
        r = self.reader
        if root is None:
            raise r.error("missing 'root:' (at least its id, r-...)", org, self.path)
        path = (*self.path, "root")
        fields = r.mapping(root, path, ROOT_KEYS)
        if "id" not in fields:
            raise r.error("the root needs 'id:' (r-...)", root, path)
        root_id = r.string(fields["id"], (*path, "id"))
        if not root_id.startswith("r-"):
            raise r.error(f"a root id starts with 'r-', got {root_id!r}", fields["id"], path)
        self.root = OrgLevel(
            id=root_id,
            name=r.string(fields["name"], (*path, "name")) if "name" in fields else "Root",
            scps=self.attached(fields, "scps", path),
            rcps=self.attached(fields, "rcps", path),
        )
        path = (*self.path, "ous")
        for i, ou in enumerate(r.items(ous, path) if ous is not None else []):
            where = (*path, i)
            fields = r.mapping(ou, where, OU_KEYS)
            if "id" not in fields:
                raise r.error("an OU needs 'id:' (ou-...)", ou, where)
            ou_id = r.string(fields["id"], (*where, "id"))
            if not ou_id.startswith("ou-"):
                raise r.error(f"an OU id starts with 'ou-', got {ou_id!r}", fields["id"], where)
            if ou_id in self.ous or ou_id == root_id:
                raise r.error(f"{ou_id!r} appears twice", fields["id"], where)
            parent_node = fields.get("parent", fields["id"])
            parent = (
                r.string(fields["parent"], (*where, "parent")) if "parent" in fields else root_id
            )
            level = OrgLevel(
                id=ou_id,
                name=r.string(fields["name"], (*where, "name")) if "name" in fields else None,
                scps=self.attached(fields, "scps", where),
                rcps=self.attached(fields, "rcps", where),
            )
            self.ous[ou_id] = (level, parent, parent_node)
        for index, (_, parent, parent_node) in enumerate(self.ous.values()):
            self.check_parent(parent, parent_node, (*path, index, "parent"))
        for index, (ou_id, (_, _, parent_node)) in enumerate(self.ous.items()):
            self.chain(ou_id, parent_node, (*path, index, "parent"))

    def check_parent(self, parent: str, node: Node, path: JsonPath) -> None:
        assert self.root is not None
        if parent != self.root.id and parent not in self.ous:
            raise self.reader.error(
                f"unknown parent {parent!r}: neither the root nor an OU under 'ous:'"
                + did_you_mean(parent, [self.root.id, *self.ous]),
                node,
                path,
            )

    def chain(self, start: str, node: Node, path: JsonPath) -> list[OrgLevel]:
        """The OUs from the root's child down to `start` (an OU id, or the root)."""
        assert self.root is not None
        out: list[OrgLevel] = []
        seen: set[str] = set()
        current = start
        while current != self.root.id:
            if current in seen:
                raise self.reader.error(f"OU parents form a cycle through {current!r}", node, path)
            seen.add(current)
            level, parent, _ = self.ous[current]
            out.append(level)
            current = parent
        out.reverse()
        return out

    def account_paths(self, node: Node | None) -> dict[str, list[OrgLevel]]:
        if node is None:
            return {}
        assert self.root is not None
        r = self.reader
        path = (*self.path, "accounts")
        out: dict[str, list[OrgLevel]] = {}
        for account, value in r.mapping(node, path).items():
            where = (*path, account)
            r.account_key(account, node.key_positions[account], path)
            fields = r.mapping(value, where, ORG_ACCOUNT_KEYS)
            parent = self.root.id
            parent_node = value
            if "parent" in fields:
                parent_node = fields["parent"]
                parent = r.string(parent_node, (*where, "parent"))
            self.check_parent(parent, parent_node, (*where, "parent"))
            levels = [self.root, *self.chain(parent, parent_node, (*where, "parent"))]
            levels.append(
                OrgLevel(
                    id=account,
                    scps=self.attached(fields, "scps", where),
                    rcps=self.attached(fields, "rcps", where),
                )
            )
            out[account] = levels
        return out


def _suggest(local: list[str], ref: str) -> str:
    """`; did you mean ...?` over the file's own policies first, then the AWS managed ones."""
    close = difflib.get_close_matches(ref, local, n=3, cutoff=0.6)
    names = list(dict.fromkeys([*close, *suggest_managed_policies(ref, limit=3)]))[:3]
    if not names:
        return ""
    if len(names) == 1:
        return f"; did you mean {names[0]!r}?"
    return "; did you mean " + ", ".join(repr(n) for n in names[:-1]) + f" or {names[-1]!r}?"


def parse_yaml_snapshot(text: str, file: str) -> Snapshot:
    """Parse the compact YAML format."""
    return _YamlReader(text, file).snapshot(parse_yaml_source(text, file))


def load_yaml_snapshot(path: str | FilePath) -> Snapshot:
    """Read a compact YAML account file."""
    data, name = read_file(path)
    return parse_yaml_snapshot(decode_text(data, name), name)

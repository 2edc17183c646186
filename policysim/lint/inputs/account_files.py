"""policysim's own account files as lint inputs: every policy document they hold, linted with the
type it has in the account and located in the file.

Three formats (docs/formats.md), told apart by their top-level keys whatever the file is called:

* the compact YAML account format (`account:` or `accounts:` with users, roles, policies...);
* policysim snapshots (`policysim_snapshot:`), whose accounts embed authorization details;
* `aws iam get-account-authorization-details` output (`UserDetailList`, `RoleDetailList`, ...).

Documents are sub-trees of the file's located tree, so a finding points into the account file
and its message starts with the document's path there (`roles.deployer.inline.Deploy: ...`, the
path the account loaders name in their errors). A document written as a JSON string is parsed on
its own and moved to where the string is written; a URL-encoded one (the raw IAM API's form)
cannot be mapped back character by character, so its findings point at the string.

Each document carries what the file says it is attached to, for the rules that need it: the IAM
users it is attached to (PS518), the resource a resource policy governs (PS113), the kind of IAM
entity holding it (the size quotas of PS031).

The walk is lenient on purpose: a malformed account (an unknown key, a list where a mapping
belongs) is for the account loaders to report, with their exact errors (`policysim check`); lint
lints every policy it can find. AWS managed policies (copied into authorization details) and
AWS managed KMS keys are AWS's to fix, and are not linted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from policysim.lint.inputs.target import LintTarget, Loaded, error_at, parse_embedded
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import parse_error_finding
from policysim.policy.arn import parse_arn
from policysim.policy.errors import PolicyError, Position
from policysim.policy.source import (
    MAX_SOURCE_BYTES,
    Node,
    parse_json_source,
    parse_yaml_source,
    strict_loads,
)

__all__ = ["AUTHZ", "SNAPSHOT", "YAML", "account_format", "load_account_bytes", "load_account_file"]

YAML = "yaml"
SNAPSHOT = "policysim_snapshot"
AUTHZ = "authorization_details"

JsonPath = tuple[str | int, ...]

_SOURCE = "account"
_USER, _GROUP, _ROLE = "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role"
_MANAGED = "AWS::IAM::ManagedPolicy"
_ORG_POLICY = "AWS::Organizations::Policy"
"""Attachment `type`s: AWS's resource type names of what holds a document (PS031 reads them)."""
_YAML_HOLDERS = ("users", "groups", "roles", "policies", "resources", "organization", "accounts")
"""Keys that make a YAML mapping with `account:`/`accounts:` an account file worth walking."""
_TARGETED_SERVICES = frozenset({"sqs", "sns", "kms"})
"""Resource policies whose `Resource` must name the resource itself (PS113), besides buckets."""


# ---- detection --------------------------------------------------------------------------------


def account_format(root: Node) -> str | None:
    """Which account file format `root` is (`YAML`, `SNAPSHOT`, `AUTHZ`), or None.

    By content, not by name: a snapshot has its version key; authorization details have one of
    AWS's top-level lists; a compact YAML account has `account:` or `accounts:` and something
    that holds policies. A policy document (a `Statement`) is never an account file.
    """
    if root.kind != "object" or "Statement" in root.value:
        return None
    keys = root.value
    # Imported here: only files that are not policy documents pay for the account loaders.
    from policysim.account.loaders.authz import AUTHZ_KEYS
    from policysim.account.loaders.snapshot import VERSION_KEY
    from policysim.account.loaders.yaml_format import TOP_KEYS

    if VERSION_KEY in keys:
        return SNAPSHOT
    if any(key in keys and keys[key].kind in ("array", "null") for key in AUTHZ_KEYS):
        return AUTHZ
    if ("account" in keys or "accounts" in keys) and any(k in keys for k in _YAML_HOLDERS):
        unknown = [k for k in keys if k not in TOP_KEYS]
        if len(unknown) < len(keys) - len(unknown):
            return YAML
    return None


# ---- one file -----------------------------------------------------------------------------------


def load_account_file(root: Node, file: str, fmt: str) -> Loaded:
    """Every policy document of an account file of format `fmt` (see `account_format`)."""
    walk = _Walk(file, fmt)
    if fmt == SNAPSHOT:
        walk.snapshot(root.value)
    elif fmt == AUTHZ:
        walk.authz(root.value, ())
    else:
        walk.yaml(root.value)
    if not walk.loaded.targets and not walk.loaded.findings:
        walk.loaded.notes.append(f"{file}: account file holds no policy documents")
    return walk.loaded


def load_account_bytes(data: bytes, file: str) -> Loaded | None:
    """An account file that the policy reader would refuse, or None when `data` is none.

    Account files may be what a policy may not: JSON larger than a policy document
    (authorization details run to megabytes), or UTF-16 text with a byte-order mark (what
    PowerShell's `>` writes; the account loaders read it too). Anything else is the policy
    reader's, so this returns None at once for ordinary files. JSON is tried with the fast plain
    parser first, so that other large files never reach the located parser.
    """
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and len(data) <= MAX_SOURCE_BYTES:
        return None
    from policysim.account.loaders._common import decode_text

    try:
        text = decode_text(data, file)
        if text.lstrip().startswith("{"):
            plain = strict_loads(text)
            if not isinstance(plain, dict) or "Statement" in plain:
                return None
            root = parse_json_source(text, file)
        elif utf16 and len(text) <= MAX_SOURCE_BYTES:
            root = parse_yaml_source(text, file)
        else:
            return None
    except (PolicyError, ValueError, RecursionError):
        return None
    fmt = account_format(root)
    return None if fmt is None else load_account_file(root, file, fmt)


# ---- reading the tree leniently -----------------------------------------------------------------


def _mapping(node: Node | None) -> dict[str, Node]:
    return node.value if node is not None and node.kind == "object" else {}


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if node is not None and node.kind == "array" else []


def _text(node: Node | None) -> str | None:
    return str(node.value) if node is not None and node.kind == "string" else None


def _strings(node: Node | None) -> list[str]:
    """One string or a list of them (`policies: X` means `policies: [X]`)."""
    if node is None:
        return []
    nodes = node.value if node.kind == "array" else [node]
    return [str(n.value) for n in nodes if n.kind == "string"]


def _pinned(node: Node, position: Position) -> Node:
    """Every position of `node` moved to `position` (a document decoded from URL encoding)."""
    stack = [node]
    while stack:
        current = stack.pop()
        current.position = position
        if current.kind == "object":
            current.key_positions = dict.fromkeys(current.key_positions, position)
            stack.extend(current.value.values())
        elif current.kind == "array":
            stack.extend(current.value)
    return node


def _is_aws_managed(arn: str | None) -> bool:
    parsed = parse_arn(arn or "")
    return parsed is not None and parsed.account == "aws"


def _resource_context(arn: str | None) -> tuple[PolicyKind, str | None, str | None]:
    """A resource policy's type, service and the ARN its `Resource` must stay within (PS113:
    general purpose buckets, queues, topics and keys, whose policies govern only themselves)."""
    parsed = parse_arn(arn or "")
    if parsed is None:
        return PolicyKind.RESOURCE, None, None
    if parsed.service == "ec2" and parsed.resource.startswith("vpc-endpoint/"):
        return PolicyKind.ENDPOINT, None, None
    bucket = (
        parsed.service == "s3"
        and not parsed.region
        and not parsed.account
        and "/" not in parsed.resource
    )
    target = arn if bucket or parsed.service in _TARGETED_SERVICES else None
    return PolicyKind.RESOURCE, parsed.service or None, target


@dataclass(slots=True)
class _ManagedUse:
    """How an account's own managed policy is used by its users, groups and roles."""

    attached: bool = False
    boundary: bool = False
    users: list[str] = field(default_factory=list)

    def kind(self) -> PolicyKind:
        """A policy used only as a permissions boundary is linted as one."""
        return PolicyKind.BOUNDARY if self.boundary and not self.attached else PolicyKind.IDENTITY

    def context(self) -> dict[str, Any]:
        return {"users": list(self.users)} if self.users and self.attached else {}


class _Walk:
    """Collects the documents of one file into a `Loaded`."""

    def __init__(self, file: str, fmt: str) -> None:
        self.file = file
        self.format = fmt
        self.loaded = Loaded(source="account")

    def add(
        self,
        node: Node | None,
        path: JsonPath,
        kind: PolicyKind,
        service: str | None = None,
        **context: Any,
    ) -> None:
        """Lint the document at `path` as a policy of `kind`, attached as `context` says."""
        if node is None or node.kind == "null":
            return
        # Imported here like the loaders themselves: lint pays for them only on account files.
        from policysim.account.loaders._common import format_path

        label = format_path(path)
        if node.kind == "string":
            parsed = self._embedded(node, label)
            if parsed is None:
                return
            node = parsed
        attachment = {"source": _SOURCE, "format": self.format, **context}
        self.loaded.targets.append(LintTarget(self.file, node, kind, service, attachment, label))

    def _embedded(self, node: Node, label: str) -> Node | None:
        """A document written as a JSON string, or URL-encoded as the IAM API returns it."""
        text = str(node.value).strip()
        encoded = text.startswith("%")
        try:
            if encoded:
                return _pinned(parse_json_source(unquote(text), self.file), node.position)
            return parse_embedded(str(node.value), self.file, node.position)
        except PolicyError as err:
            moved = (
                PolicyError(err.message, file=self.file, position=node.position)
                if encoded
                else error_at(err, node.position)
            )
            finding = parse_error_finding(moved, self.file)
            prefix = "URL-encoded document: " if encoded else ""
            self.loaded.findings.append(
                replace(finding, message=f"{label}: {prefix}{finding.message}", pointer=label)
            )
            return None

    def resource(self, node: Node | None, path: JsonPath, arn: str | None, **context: Any) -> None:
        """The policy of the resource `arn`. Its `target_arn` is set even when None: the file
        says which resource the policy governs, and `lint --resource-arn` must not say another."""
        kind, service, target = _resource_context(arn)
        self.add(node, path, kind, service, resource=arn, target_arn=target, **context)

    # ---- compact YAML -------------------------------------------------------------------------

    def yaml(self, top: dict[str, Node]) -> None:
        if "accounts" in top:
            for i, entry in enumerate(_items(top["accounts"])):
                fields = _mapping(entry)
                self.yaml_account(fields, ("accounts", i), _text(fields.get("id")))
        else:
            self.yaml_account(top, (), _text(top.get("account")))
        organization = _mapping(top.get("organization"))
        if organization:
            self.yaml_organization(organization, ("organization",))

    def yaml_account(self, fields: dict[str, Node], path: JsonPath, account: str | None) -> None:
        from policysim.account.loaders.yaml_format import MANAGED_KEYS

        partition = _text(fields.get("partition")) or "aws"
        managed: dict[str, tuple[Node | None, JsonPath]] = {}
        by_ref: dict[str, str] = {}  # a managed policy's name or ARN -> its name
        for name, value in _mapping(fields.get("policies")).items():
            document: Node | None = value
            where: JsonPath = (*path, "policies", name)
            iam_path = "/"
            wrapped = _mapping(value)
            if "Statement" not in wrapped and any(k in wrapped for k in MANAGED_KEYS):
                document = wrapped.get("document")
                where = (*where, "document")
                iam_path = _text(wrapped.get("path")) or "/"
            managed[name] = (document, where)
            by_ref[name] = name
            by_ref[f"arn:{partition}:iam::{account}:policy{iam_path}{name}"] = name
        uses = {name: _ManagedUse() for name in managed}
        context = {"account": account}
        for section, holder in (("users", _USER), ("groups", _GROUP), ("roles", _ROLE)):
            for name, value in _mapping(fields.get(section)).items():
                entity = _mapping(value)
                where = (*path, section, name)
                users = [name] if section == "users" else []
                for ref in _strings(entity.get("policies")):
                    use = uses.get(by_ref.get(ref, ""))
                    if use is not None:
                        use.attached = True
                        use.users.extend(u for u in users if u not in use.users)
                for ref in _strings(entity.get("boundary")):
                    use = uses.get(by_ref.get(ref, ""))
                    if use is not None:
                        use.boundary = True
                for policy, document in _mapping(entity.get("inline")).items():
                    self.add(
                        document,
                        (*where, "inline", policy),
                        PolicyKind.IDENTITY,
                        type=holder,
                        users=users,
                        principal=f"{section[:-1]}/{name}",
                        **context,
                    )
                if section == "roles" and "trust" in entity:
                    self.add(entity["trust"], (*where, "trust"), PolicyKind.TRUST, "sts", **context)
        for name, (document, where) in managed.items():
            use = uses[name]
            self.add(document, where, use.kind(), type=_MANAGED, **use.context(), **context)
        for arn, value in _mapping(fields.get("resources")).items():
            entry = _mapping(value)
            if _is_true(entry.get("aws_managed")):
                continue
            self.resource(entry.get("policy"), (*path, "resources", arn, "policy"), arn, **context)

    def yaml_organization(self, fields: dict[str, Node], path: JsonPath) -> None:
        from policysim.account.loaders.yaml_format import ORG_POLICY_KEYS

        attached_as: dict[str, str] = {}
        levels = [_mapping(fields.get("root"))]
        levels += [_mapping(ou) for ou in _items(fields.get("ous"))]
        levels += [_mapping(level) for level in _mapping(fields.get("accounts")).values()]
        for level in levels:
            for key in ("scps", "rcps"):
                for name in _strings(level.get(key)):
                    attached_as.setdefault(name, key[:3].upper())
        for name, value in _mapping(fields.get("policies")).items():
            document: Node | None = value
            where: JsonPath = (*path, "policies", name)
            wrapped = _mapping(value)
            declared = None
            if "Statement" not in wrapped and any(k in wrapped for k in ORG_POLICY_KEYS):
                declared = _text(wrapped.get("type"))
                document = wrapped.get("document")
                where = (*where, "document")
            self.org_policy(document, where, declared or attached_as.get(name))

    def org_policy(self, document: Node | None, where: JsonPath, declared: str | None) -> None:
        """An SCP or an RCP: as declared or attached, else by whether it names principals."""
        if declared == "RCP" or (declared != "SCP" and _names_principals(document)):
            self.add(document, where, PolicyKind.RCP, type=_ORG_POLICY)
        else:
            self.add(document, where, PolicyKind.SCP, type=_ORG_POLICY)

    # ---- policysim snapshot -------------------------------------------------------------------

    def snapshot(self, top: dict[str, Node]) -> None:
        for i, entry in enumerate(_items(top.get("accounts"))):
            fields = _mapping(entry)
            path: JsonPath = ("accounts", i)
            account = _text(fields.get("account_id"))
            details = _mapping(fields.get("authorization_details"))
            if details:
                self.authz(details, (*path, "authorization_details"))
            for j, item in enumerate(_items(fields.get("resources"))):
                resource = _mapping(item)
                if _is_true(resource.get("aws_managed")):
                    continue
                self.resource(
                    resource.get("policy"),
                    (*path, "resources", j, "policy"),
                    _text(resource.get("arn")),
                    account=account,
                )
        policies = _mapping(_mapping(top.get("organization")).get("policies"))
        for name, value in policies.items():
            fields = _mapping(value)
            where: JsonPath = ("organization", "policies", name, "document")
            self.org_policy(fields.get("document"), where, _text(fields.get("type")))

    # ---- authorization details ----------------------------------------------------------------

    def authz(self, top: dict[str, Node], base: JsonPath) -> None:
        uses: dict[str, _ManagedUse] = {}
        lists = (
            ("UserDetailList", "UserPolicyList", "UserName", _USER),
            ("GroupDetailList", "GroupPolicyList", "GroupName", _GROUP),
            ("RoleDetailList", "RolePolicyList", "RoleName", _ROLE),
        )
        for key, inline_key, name_key, holder in lists:
            for i, item in enumerate(_items(top.get(key))):
                entity = _mapping(item)
                where: JsonPath = (*base, key, i)
                name = _text(entity.get(name_key))
                users = [name] if holder == _USER and name else []
                for attached in _items(entity.get("AttachedManagedPolicies")):
                    arn = _text(_mapping(attached).get("PolicyArn"))
                    if arn:
                        use = uses.setdefault(arn, _ManagedUse())
                        use.attached = True
                        use.users.extend(u for u in users if u not in use.users)
                boundary = _mapping(entity.get("PermissionsBoundary"))
                arn = _text(boundary.get("PermissionsBoundaryArn"))
                if arn:
                    uses.setdefault(arn, _ManagedUse()).boundary = True
                holder_context = _holder_context(entity, holder, name)
                for j, policy in enumerate(_items(entity.get(inline_key))):
                    self.add(
                        _mapping(policy).get("PolicyDocument"),
                        (*where, inline_key, j, "PolicyDocument"),
                        PolicyKind.IDENTITY,
                        type=holder,
                        users=users,
                        **holder_context,
                    )
                if holder == _ROLE:
                    self.add(
                        entity.get("AssumeRolePolicyDocument"),
                        (*where, "AssumeRolePolicyDocument"),
                        PolicyKind.TRUST,
                        "sts",
                    )
        for i, item in enumerate(_items(top.get("Policies"))):
            entry = _mapping(item)
            arn = _text(entry.get("Arn"))
            if _is_aws_managed(arn):
                continue
            chosen = _default_version(entry)
            if chosen is None:
                continue
            use = uses.get(arn or "", _ManagedUse())
            self.add(
                _mapping(_items(entry.get("PolicyVersionList"))[chosen]).get("Document"),
                (*base, "Policies", i, "PolicyVersionList", chosen, "Document"),
                use.kind(),
                type=_MANAGED,
                **use.context(),
            )


def _default_version(entry: dict[str, Node]) -> int | None:
    """The index of the version in force, as the authorization-details loader picks it."""
    default_id = _text(entry.get("DefaultVersionId"))
    chosen: int | None = None
    for i, item in enumerate(_items(entry.get("PolicyVersionList"))):
        version = _mapping(item)
        flag = version.get("IsDefaultVersion")
        if flag is not None and flag.kind == "bool" and flag.value is True:
            return i
        if chosen is None and default_id and _text(version.get("VersionId")) == default_id:
            chosen = i
    return chosen


def _is_true(node: Node | None) -> bool:
    return node is not None and node.kind == "bool" and node.value is True


def _holder_context(entity: dict[str, Node], holder: str, name: str | None) -> dict[str, str]:
    """`account` and `principal` (`user/NAME`, `role/NAME`) of an authorization-details entry,
    from its ARN: `lint --account` reads the principal's permissions boundary from them."""
    arn = parse_arn(_text(entity.get("Arn")) or "")
    if arn is None or not arn.account or not name or holder == _GROUP:
        return {}
    return {"account": arn.account, "principal": f"{'user' if holder == _USER else 'role'}/{name}"}


def _names_principals(document: Node | None) -> bool:
    """Whether some statement of the document has a Principal or NotPrincipal (an RCP)."""
    statements = _mapping(document).get("Statement")
    if statements is None:
        return False
    items: Iterable[Node] = statements.value if statements.kind == "array" else [statements]
    return any("Principal" in _mapping(s) or "NotPrincipal" in _mapping(s) for s in items)

"""What `policysim diff OLD NEW` and `policysim verify` read, turned into pairs to compare.

Three shapes of input, told apart by content (the same detection `policysim lint` uses):

* two policy documents (JSON or YAML): one pair, of the type given (`--type`) or detected from
  the document as lint does (a Principal with `sts:AssumeRole*` is a trust policy, another
  Principal a resource policy, none an identity policy);
* two CloudFormation templates, or two Terraform plans: every embedded policy, found by lint's
  extraction (intrinsics resolved, positions inside the template), matched by its place
  (`LogicalId.Property`, `aws_iam_policy.name.policy`);
* two account files (compact YAML, snapshots, authorization details): every user and role with
  the whole stack of policies that decides its requests (its own and its groups' policies, the
  boundary, the SCP chain, the RCPs of its account), matched by ARN, and every resource or
  trust policy, matched by the resource's ARN.

Each pair becomes a `ComparisonUnit` holding the engine's `PolicySet` on both sides, so that the
prover answers one question per unit. Pairs that are provably equal (the same documents) are
dropped before the prover sees them: an account with 5,000 principals and one changed managed
policy yields only the principals that policy is attached to, and those with the same pair of
stacks (and no policy that depends on who the caller is) share one unit.

A document only in NEW is compared against its absence: for policies that grant (identity,
resource, trust) an empty document; for guardrails (SCP, RCP, boundary) no guardrail at all, so
adding one never counts as new access. A document only in OLD is compared the same way the
other way round: removing a grant grants nothing, removing a guardrail or a Deny can.

Every problem with an input is a `PolicyError` naming the file and, where known, the line and
column.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from policysim.account.errors import AccountError
from policysim.account.model import Account, Resource, Snapshot
from policysim.account.resolve import Resolver, _request_principal
from policysim.engine.compiled import NamedPolicy, PolicySet
from policysim.engine.request import RequestPrincipal
from policysim.files import RAISE_HINT, format_size, max_file_bytes, read_input, read_problem
from policysim.lint.inputs.target import LintTarget, Loaded
from policysim.policy.build import policy_from_node
from policysim.policy.errors import PolicyError, Position
from policysim.policy.kinds import PolicyKind
from policysim.policy.model import Policy

__all__ = [
    "DOCUMENT_TYPES",
    "ComparisonUnit",
    "Document",
    "Sources",
    "absent_policy_set",
    "load_documents",
    "load_pair",
    "policy_set_for",
    "public_resource_type",
]

DOCUMENT_TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary")
"""The `--type` values of `diff` and `verify`."""

GUARDRAILS = frozenset({"scp", "rcp", "boundary"})
"""Types that only limit what others grant: their absence means "no limit"."""

Status = Literal["changed", "added", "removed"]
InputFormat = Literal["policy", "cloudformation", "terraform", "account"]

STDIN = "<stdin>"

EMPTY_POLICY = Policy.model_validate({"Version": "2012-10-17", "Statement": []})
"""A document with no statement: grants nothing, denies nothing."""

FULL_ACCESS = Policy.model_validate(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
"""What a guardrail is measured against: everything the identity side could grant."""


@dataclass(frozen=True, slots=True)
class Document:
    """One policy document found in an input, with what it is."""

    name: str
    """The file name for a plain document; the place in a template or plan
    (`MyRole.AssumeRolePolicyDocument`, `aws_s3_bucket_policy.logs.policy`)."""
    policy: Policy
    kind: str
    """identity, resource, trust, scp, rcp or boundary."""
    resource_type: str | None = None
    """For resource and trust policies, the Access Analyzer resource type it belongs to
    (`AWS::S3::Bucket`, `AWS::IAM::AssumeRolePolicyDocument`, ...), when known."""
    file: str = ""

    @property
    def location(self) -> str:
        """`file:line:col` of the document, or the file alone."""
        position = self.policy.position
        return f"{self.file}:{position}" if position is not None else self.file


@dataclass(frozen=True, slots=True)
class ComparisonUnit:
    """One question for the prover: does `new` allow any request `old` does not?"""

    name: str
    """What is compared, for reports: a file, a template's place, `user alice (111122223333)`,
    `resource policy of arn:aws:s3:::logs`."""
    kind: str
    """identity, resource, trust, scp, rcp, boundary, or `principal` (a whole account stack)."""
    status: Status
    old: PolicySet
    new: PolicySet
    principal: RequestPrincipal | None = None
    """The caller whose access is compared (account stacks); None: any caller."""
    resource_account: str | None = None
    old_policy: Policy | None = None
    """For a single document: the OLD document (None when the unit is `added`)."""
    new_policy: Policy | None = None
    """For a single document: the NEW document (None when the unit is `removed`)."""
    old_location: str | None = None
    new_location: str | None = None
    also: tuple[str, ...] = ()
    """Other principals with exactly the same pair of stacks: the answer holds for them too."""


@dataclass(slots=True)
class Sources:
    """Everything two inputs hold, as units to compare."""

    format: InputFormat
    units: list[ComparisonUnit] = field(default_factory=list)
    unchanged: int = 0
    """Pairs dropped because both sides are the same documents."""
    notes: list[str] = field(default_factory=list)


# ---- reading and telling formats apart ---------------------------------------------------------


def _read(path: str) -> tuple[bytes, str]:
    """The bytes of an input and its name in messages ('-' is standard input)."""
    if path == "-":
        limit = max_file_bytes()
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise PolicyError(f"larger than {format_size(limit)}; {RAISE_HINT}", file=STDIN)
        return data, STDIN
    try:
        return read_input(path, allow_pipes=True), path
    except OSError as err:
        raise PolicyError(read_problem(err), file=path) from None


_YAML_ACCOUNT = re.compile(r"^(account|accounts|organization)\s*:", re.MULTILINE)
_YAML_DOCUMENT = re.compile(r"^(Statement|AWSTemplateFormatVersion|Resources)\s*:", re.MULTILINE)


def _looks_like_account(data: bytes, file: str) -> bool:
    """A cheap look at the top-level keys, so that a large account file is parsed once, by the
    account loaders, rather than first as a located tree."""
    from policysim.account.loaders._common import decode_text
    from policysim.account.loaders.authz import AUTHZ_KEYS
    from policysim.account.loaders.snapshot import VERSION_KEY
    from policysim.policy.source import strict_loads

    try:
        text = decode_text(data, file)
    except PolicyError:
        return False
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        if not any(k in text[:65536] for k in (VERSION_KEY, *AUTHZ_KEYS)):
            return False
        try:
            plain = strict_loads(stripped)
        except ValueError:
            return False  # the policy reader reports where
        return isinstance(plain, dict) and (
            VERSION_KEY in plain or any(isinstance(plain.get(k), list) for k in AUTHZ_KEYS)
        )
    return bool(_YAML_ACCOUNT.search(text)) and not _YAML_DOCUMENT.search(text)


def _load_snapshot(data: bytes, file: str) -> Snapshot:
    from policysim.account.loaders import parse_snapshot
    from policysim.account.loaders._common import decode_text
    from policysim.gcpause import paused_gc

    with paused_gc():
        return parse_snapshot(decode_text(data, file), file)


def _first_error(loaded: Loaded, file: str) -> PolicyError | None:
    """Lint reports unreadable inputs as findings; here they are errors."""
    for finding in loaded.findings:
        return PolicyError(
            finding.message,
            file=finding.file or file,
            position=Position(finding.line, finding.column),
        )
    return None


@dataclass(slots=True)
class _Input:
    """One input file: a snapshot, or the policy documents lint's readers found in it."""

    file: str
    format: InputFormat
    snapshot: Snapshot | None = None
    documents: list[Document] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _kind_of(text: str | None) -> tuple[PolicyKind | None, str | None]:
    if text is None:
        return None, None
    if text not in DOCUMENT_TYPES:
        raise PolicyError(
            f"unknown policy type {text!r}; expected one of {', '.join(DOCUMENT_TYPES)}"
        )
    from policysim.lint.policy_type import parse_kind

    return parse_kind(text)


def _read_input(path: str, policy_type: str | None) -> _Input:
    from policysim.lint.inputs import load_bytes

    kind, service = _kind_of(policy_type)
    data, file = _read(path)
    if _looks_like_account(data, file):
        return _Input(file, "account", snapshot=_load_snapshot(data, file))
    loaded = load_bytes(data, file, kind=kind, service=service)
    error = _first_error(loaded, file)
    if error is not None:
        raise error
    if loaded.source == "account":
        return _Input(file, "account", snapshot=_load_snapshot(data, file))
    fmt: InputFormat = "policy"
    if loaded.source in ("cloudformation", "terraform"):
        fmt = loaded.source  # type: ignore[assignment]
    found = _Input(file, fmt, notes=list(loaded.notes))
    for target in loaded.targets:
        document = _document(target)
        if document is None:
            found.notes.append(f"{target.label or file}: a {target.kind} policy; not compared")
        else:
            found.documents.append(document)
    return found


_KIND_NAMES = {
    PolicyKind.IDENTITY: "identity",
    PolicyKind.RESOURCE: "resource",
    PolicyKind.TRUST: "trust",
    PolicyKind.SCP: "scp",
    PolicyKind.RCP: "rcp",
    PolicyKind.BOUNDARY: "boundary",
}


def _document(target: LintTarget) -> Document | None:
    """The target as a validated policy of a known type; None for types diff does not compare
    (VPC endpoint and session policies)."""
    from policysim.lint.policy_type import detect_kind

    kind, service = target.kind, target.service
    if kind is None:
        kind, service = detect_kind(target.root.to_plain())
    name = _KIND_NAMES.get(kind)
    if name is None:
        return None
    policy = policy_from_node(target.root, target.file, kind=kind)
    label = target.label or target.file
    attachment_type = str(target.attachment.get("type", ""))
    return Document(
        label,
        policy,
        name,
        public_resource_type(name, service, attachment_type),
        target.file,
    )


# ---- resource types (Access Analyzer's names) --------------------------------------------------

_CFN_RESOURCE_TYPES = {
    "AWS::S3::BucketPolicy": "AWS::S3::Bucket",
    "AWS::S3::AccessPoint": "AWS::S3::AccessPoint",
    "AWS::S3::AccessPointPolicy": "AWS::S3::AccessPoint",
    "AWS::S3Express::BucketPolicy": "AWS::S3Express::DirectoryBucket",
    "AWS::SQS::QueuePolicy": "AWS::SQS::Queue",
    "AWS::SNS::TopicPolicy": "AWS::SNS::Topic",
    "AWS::KMS::Key": "AWS::KMS::Key",
    "AWS::KMS::ReplicaKey": "AWS::KMS::Key",
    "AWS::SecretsManager::ResourcePolicy": "AWS::SecretsManager::Secret",
    "AWS::ECR::Repository": "AWS::ECR::Repository",
    "AWS::EFS::FileSystem": "AWS::EFS::FileSystem",
    "AWS::OpenSearchService::Domain": "AWS::OpenSearchService::Domain",
    "AWS::Elasticsearch::Domain": "AWS::OpenSearchService::Domain",
    "AWS::Backup::BackupVault": "AWS::Backup::BackupVault",
    "AWS::CodeArtifact::Domain": "AWS::CodeArtifact::Domain",
    "AWS::CodeArtifact::Repository": "AWS::CodeArtifact::Repository",
    "AWS::Logs::ResourcePolicy": "AWS::Logs::ResourcePolicy",
    "AWS::Glue::ResourcePolicy": "AWS::Glue::ResourcePolicy",
    "AWS::ApiGateway::RestApi": "AWS::ApiGateway::RestApi",
    "AWS::Events::EventBusPolicy": "AWS::Events::EventBus",
    "AWS::IAM::Role": "AWS::IAM::AssumeRolePolicyDocument",
}
_SERVICE_RESOURCE_TYPES = {
    "s3": "AWS::S3::Bucket",
    "s3express": "AWS::S3Express::DirectoryBucket",
    "sqs": "AWS::SQS::Queue",
    "sns": "AWS::SNS::Topic",
    "kms": "AWS::KMS::Key",
    "lambda": "AWS::Lambda::Function",
    "secretsmanager": "AWS::SecretsManager::Secret",
    "ecr": "AWS::ECR::Repository",
    "elasticfilesystem": "AWS::EFS::FileSystem",
    "es": "AWS::OpenSearchService::Domain",
    "backup": "AWS::Backup::BackupVault",
    "glacier": "AWS::Glacier::Vault",
    "logs": "AWS::Logs::ResourcePolicy",
    "execute-api": "AWS::ApiGateway::RestApi",
    "dynamodb": "AWS::DynamoDB::Table",
    "sts": "AWS::IAM::AssumeRolePolicyDocument",
}


def public_resource_type(kind: str, service: str | None, cfn_type: str = "") -> str | None:
    """The Access Analyzer resource type of a resource or trust policy, when it can be told:
    from the CloudFormation resource holding it, else from the service its actions name."""
    if kind == "trust":
        return "AWS::IAM::AssumeRolePolicyDocument"
    if kind != "resource":
        return None
    if cfn_type in _CFN_RESOURCE_TYPES:
        return _CFN_RESOURCE_TYPES[cfn_type]
    return _SERVICE_RESOURCE_TYPES.get(service or "")


# ---- policy sets for one document --------------------------------------------------------------


def policy_set_for(policy: Policy, kind: str, name: str) -> PolicySet:
    """The engine's view of one document of type `kind` standing alone.

    Grants (identity, resource, trust) are the only policy of their set; a guardrail (SCP,
    boundary, RCP) is measured against an identity policy allowing everything, so that what it
    lets through is what the set allows.
    """
    named = NamedPolicy(policy, name)
    if kind == "identity":
        return PolicySet(identity=[named])
    if kind in ("resource", "trust"):
        return PolicySet(resource=named)
    full = [NamedPolicy(FULL_ACCESS, "full access")]
    if kind == "scp":
        return PolicySet(identity=full, scps=[[named]])
    if kind == "rcp":
        return PolicySet(identity=full, rcps=[[named]])
    if kind == "boundary":
        return PolicySet(identity=full, boundary=[named])
    raise PolicyError(f"unknown policy type {kind!r}; expected one of {', '.join(DOCUMENT_TYPES)}")


def absent_policy_set(kind: str) -> PolicySet:
    """The set when the document is not there: nothing granted, or no guardrail."""
    if kind in GUARDRAILS:
        return PolicySet(identity=[NamedPolicy(FULL_ACCESS, "full access")])
    return policy_set_for(EMPTY_POLICY, kind, "(absent)")


def _document_unit(old: Document | None, new: Document | None) -> ComparisonUnit:
    assert old is not None or new is not None
    either = new or old
    assert either is not None
    kind = either.kind
    status: Status = "changed" if old and new else ("added" if new else "removed")
    return ComparisonUnit(
        name=either.name,
        kind=kind,
        status=status,
        old=policy_set_for(old.policy, kind, old.name) if old else absent_policy_set(kind),
        new=policy_set_for(new.policy, kind, new.name) if new else absent_policy_set(kind),
        old_policy=old.policy if old else None,
        new_policy=new.policy if new else None,
        old_location=old.location if old else None,
        new_location=new.location if new else None,
    )


# ---- fingerprints ------------------------------------------------------------------------------


class _Fingerprints:
    """Content fingerprints of documents, computed once per document object."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Policy, str]] = {}
        self.texts: dict[str, str] = {}

    def of(self, policy: Policy) -> str:
        found = self._by_id.get(id(policy))
        if found is not None and found[0] is policy:
            return found[1]
        text = json.dumps(
            policy.model_dump(mode="json", by_alias=True, exclude_none=True),
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        self._by_id[id(policy)] = (policy, digest)
        self.texts.setdefault(digest, text)
        return digest


def _same(a: Policy | None, b: Policy | None, prints: _Fingerprints) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or prints.of(a) == prints.of(b)


# ---- pairs of documents ------------------------------------------------------------------------


def _pair_documents(old: _Input, new: _Input, policy_type: str | None) -> Sources:
    sources = Sources(new.format, notes=[*old.notes, *new.notes])
    prints = _Fingerprints()
    if new.format == "policy":
        if old.documents and new.documents:
            first, second = old.documents[0], new.documents[0]
            if first.kind != second.kind:
                # detected types differ (a Principal added or dropped): compare as NEW's type
                first = _retyped(first, second.kind)
            sources.units.append(_document_unit(first, second))
        return sources
    old_by_name = _by_name(old.documents, old.file)
    new_by_name = _by_name(new.documents, new.file)
    for name, new_doc in new_by_name.items():
        old_doc = old_by_name.get(name)
        if old_doc is not None and old_doc.kind != new_doc.kind:
            old_doc = _retyped(old_doc, new_doc.kind)
        if old_doc is not None and _same(old_doc.policy, new_doc.policy, prints):
            sources.unchanged += 1
            continue
        sources.units.append(_document_unit(old_doc, new_doc))
    for name, old_doc in old_by_name.items():
        if name not in new_by_name:
            sources.units.append(_document_unit(old_doc, None))
    return sources


def _retyped(document: Document, kind: str) -> Document:
    return Document(document.name, document.policy, kind, document.resource_type, document.file)


def _by_name(documents: Iterable[Document], file: str) -> dict[str, Document]:
    out: dict[str, Document] = {}
    for document in documents:
        if document.name in out:
            raise PolicyError(f"two policy documents at {document.name!r}", file=file)
        out[document.name] = document
    return out


# ---- pairs of accounts -------------------------------------------------------------------------


@dataclass(slots=True)
class _Stack:
    """One principal's policies, and what identifies them."""

    label: str
    principal: RequestPrincipal
    account: str
    policies: PolicySet
    key: tuple[object, ...]


_DEPENDENT = re.compile(r"\$\{|principal|userid|username|sourceidentity", re.IGNORECASE)
"""Text that may make a document's answer depend on who the caller is (policy variables,
principal condition keys): principals whose stacks hold it are never merged into one unit."""


def _account_resolver(snapshot: Snapshot) -> Resolver:
    """A resolver that finds AWS managed policies offline, as `check` does."""
    from policysim.account.workspace import aws_managed

    return Resolver(snapshot, managed_lookup=aws_managed)


def _levels_key(
    levels: list[list[NamedPolicy]] | None, prints: _Fingerprints
) -> tuple[tuple[str, ...], ...] | None:
    if levels is None:
        return None
    return tuple(tuple(sorted(prints.of(n.policy) for n in level)) for level in levels)


def _principal_stacks(snapshot: Snapshot, file: str, prints: _Fingerprints) -> dict[str, _Stack]:
    """Every user and role of the file, by ARN, with its whole policy stack."""
    resolver = _account_resolver(snapshot)
    management = snapshot.organization.management_account if snapshot.organization else None
    stacks: dict[str, _Stack] = {}
    try:
        rcps_of: dict[str, list[list[NamedPolicy]] | None] = {}
        scps_of: dict[str, list[list[NamedPolicy]] | None] = {}
        for target in resolver.principals():
            account = target.account.id
            if account not in scps_of:
                scps_of[account] = resolver.org_levels(account, "scp")
                rcps_of[account] = resolver.org_levels(account, "rcp")
            identity = resolver.identity_policies(target)
            boundary = resolver.boundary(target)
            policies = PolicySet(
                identity=identity,
                boundary=boundary,
                scps=scps_of[account],
                rcps=rcps_of[account],
                management_account=management,
            )
            key = (
                tuple(sorted(prints.of(n.policy) for n in identity)),
                tuple(prints.of(n.policy) for n in boundary) if boundary is not None else None,
                _levels_key(policies.scps, prints),
                _levels_key(policies.rcps, prints),
                management,
            )
            assert target.entity is not None
            arn = target.entity.arn
            stacks[arn] = _Stack(
                f"{target.kind} {target.entity.name} ({account})",
                _request_principal(target),
                account,
                policies,
                key,
            )
    except AccountError as err:
        raise PolicyError(err.message, file=file) from None
    return stacks


def _empty_stack(stack: _Stack) -> _Stack:
    """The same principal with no policy at all (it is new in NEW, or gone from it)."""
    policies = PolicySet(
        scps=stack.policies.scps,
        rcps=stack.policies.rcps,
        management_account=stack.policies.management_account,
    )
    return _Stack(stack.label, stack.principal, stack.account, policies, ())


def _dependent(key: tuple[object, ...], prints: _Fingerprints) -> bool:
    texts: list[str] = []
    for part in key:
        if isinstance(part, str):
            texts.append(prints.texts.get(part, ""))
        elif isinstance(part, tuple):
            texts.extend(prints.texts.get(p, "") for p in _flatten(part))
    return any(_DEPENDENT.search(t) for t in texts)


def _flatten(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _flatten(item)


def _principal_units(
    old: dict[str, _Stack], new: dict[str, _Stack], prints: _Fingerprints
) -> tuple[list[ComparisonUnit], int]:
    """One unit per distinct change of stack; identical stacks cost one key comparison."""
    groups: dict[tuple[object, ...], list[tuple[_Stack, _Stack, Status]]] = {}
    singles: list[tuple[_Stack, _Stack, Status]] = []
    unchanged = 0
    for arn, new_stack in new.items():
        old_stack = old.get(arn)
        status: Status = "changed"
        if old_stack is None:
            old_stack, status = _empty_stack(new_stack), "added"
        elif old_stack.key == new_stack.key:
            unchanged += 1
            continue
        entry = (old_stack, new_stack, status)
        if _dependent(old_stack.key, prints) or _dependent(new_stack.key, prints):
            singles.append(entry)
        else:
            group = (old_stack.key, new_stack.key, new_stack.account, new_stack.principal.kind)
            groups.setdefault(group, []).append(entry)
    for arn, old_stack in old.items():
        if arn not in new:
            singles.append((old_stack, _empty_stack(old_stack), "removed"))
    units = [_stack_unit(*entry) for entry in singles]
    for members in groups.values():
        first = members[0]
        others = tuple(new_stack.label for _, new_stack, _ in members[1:])
        units.append(_stack_unit(*first, also=others))
    return units, unchanged


def _stack_unit(
    old: _Stack, new: _Stack, status: Status, also: tuple[str, ...] = ()
) -> ComparisonUnit:
    return ComparisonUnit(
        name=new.label,
        kind="principal",
        status=status,
        old=old.policies,
        new=new.policies,
        principal=new.principal,
        resource_account=new.account,
        also=also,
    )


@dataclass(slots=True)
class _ResourcePolicy:
    arn: str
    kind: str
    account: Account
    policy: Policy
    entry: Resource | None


def _resource_policies(snapshot: Snapshot) -> dict[str, _ResourcePolicy]:
    """Every resource policy and role trust policy of the file, by ARN."""
    found: dict[str, _ResourcePolicy] = {}
    for account in snapshot.accounts.values():
        for arn, resource in account.resources.items():
            if resource.policy is not None:
                found[arn] = _ResourcePolicy(arn, "resource", account, resource.policy, resource)
        for role in account.roles.values():
            if role.trust_policy is not None:
                found[role.arn] = _ResourcePolicy(
                    role.arn, "trust", account, role.trust_policy, None
                )
    return found


def _resource_set(found: _ResourcePolicy | None, resolver: Resolver) -> PolicySet:
    """The resource side of the engine's inputs: the policy and its account's RCP chain."""
    if found is None:
        return PolicySet(resource=NamedPolicy(EMPTY_POLICY, "(absent)"))
    account = found.account.id
    snapshot = resolver.snapshot
    try:
        rcps = resolver.org_levels(account, "rcp")
    except AccountError as err:
        raise PolicyError(err.message, file=snapshot.source) from None
    return PolicySet(
        resource=NamedPolicy(found.policy, f"{found.kind} policy of {found.arn}"),
        rcps=rcps,
        management_account=(
            snapshot.organization.management_account if snapshot.organization else None
        ),
        restrict_public_buckets=resolver.restricts_public_buckets(found.entry, account),
    )


def _resource_units(
    old: Snapshot, new: Snapshot, prints: _Fingerprints
) -> tuple[list[ComparisonUnit], int]:
    """One unit per resource or trust policy that differs (or whose RCPs differ)."""
    old_found, new_found = _resource_policies(old), _resource_policies(new)
    old_resolver, new_resolver = _account_resolver(old), _account_resolver(new)
    units: list[ComparisonUnit] = []
    unchanged = 0
    for arn in [*new_found, *(a for a in old_found if a not in new_found)]:
        before, after = old_found.get(arn), new_found.get(arn)
        old_set, new_set = _resource_set(before, old_resolver), _resource_set(after, new_resolver)
        if (
            before is not None
            and after is not None
            and _same(before.policy, after.policy, prints)
            and _levels_key(old_set.rcps, prints) == _levels_key(new_set.rcps, prints)
            and old_set.restrict_public_buckets == new_set.restrict_public_buckets
        ):
            unchanged += 1
            continue
        either = after or before
        assert either is not None
        status: Status = "changed" if before and after else ("added" if after else "removed")
        units.append(
            ComparisonUnit(
                name=f"{either.kind} policy of {arn}",
                kind=either.kind,
                status=status,
                old=old_set,
                new=new_set,
                resource_account=either.account.id,
                old_policy=before.policy if before else None,
                new_policy=after.policy if after else None,
            )
        )
    return units, unchanged


def _pair_accounts(old: _Input, new: _Input) -> Sources:
    assert old.snapshot is not None and new.snapshot is not None
    prints = _Fingerprints()
    sources = Sources("account")
    for snapshot in (old.snapshot, new.snapshot):
        sources.notes.extend(f"{snapshot.source}: {w}" for w in snapshot.warnings)
    principal_units, same_principals = _principal_units(
        _principal_stacks(old.snapshot, old.file, prints),
        _principal_stacks(new.snapshot, new.file, prints),
        prints,
    )
    resource_units, same_resources = _resource_units(old.snapshot, new.snapshot, prints)
    sources.units = principal_units + resource_units
    sources.unchanged = same_principals + same_resources
    return sources


# ---- entry points ------------------------------------------------------------------------------

_FORMAT_NAMES = {
    "policy": "a policy document",
    "cloudformation": "a CloudFormation template",
    "terraform": "a Terraform plan",
    "account": "an account file",
}


def load_pair(old_path: str, new_path: str, policy_type: str | None = None) -> Sources:
    """Read OLD and NEW and pair what they hold (see the module's docstring).

    Both must be of the same shape: two documents, two templates, two plans or two account
    files; anything else is a `PolicyError` naming NEW.
    """
    old = _read_input(old_path, policy_type)
    new = _read_input(new_path, policy_type)
    if old.format != new.format:
        raise PolicyError(
            f"is {_FORMAT_NAMES[new.format]} but {old.file} is {_FORMAT_NAMES[old.format]};"
            " diff compares two inputs of the same kind",
            file=new.file,
        )
    if new.format == "account":
        if policy_type is not None:
            raise PolicyError(
                "--type applies to policy documents, not account files", file=new.file
            )
        return _pair_accounts(old, new)
    return _pair_documents(old, new, policy_type)


def load_documents(path: str, policy_type: str | None = None) -> list[Document]:
    """Every policy document of one input (a document, a template or a plan), for `verify`.

    Account files are refused: `diff` compares them; `verify` checks documents.
    """
    found = _read_input(path, policy_type)
    if found.format == "account":
        raise PolicyError(
            "is an account file; verify checks policy documents, CloudFormation templates and"
            " Terraform plans (compare two account files with `policysim diff`)",
            file=found.file,
        )
    return found.documents

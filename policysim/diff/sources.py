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

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from policysim.account.model import Snapshot
from policysim.diff.account_pairs import pair_accounts
from policysim.diff.units import (
    DOCUMENT_TYPES,
    ComparisonUnit,
    Fingerprints,
    InputFormat,
    Sources,
    Status,
    absent_policy_set,
    policy_set_for,
    same_policy,
)
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
    "git_show",
    "load_against",
    "load_documents",
    "load_pair",
    "policy_set_for",
    "public_resource_type",
]

STDIN = "<stdin>"


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


_FIRST_KEY = re.compile(r'\{\s*"([A-Za-z_]+)"\s*:')
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
        first = _FIRST_KEY.match(stripped)
        if first is not None and first.group(1) in (VERSION_KEY, *AUTHZ_KEYS):
            return True  # what `policysim fetch` and the AWS CLI write: no need to parse twice
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


def _read_input(path: str, policy_type: str | None, *, skip_other: bool = False) -> _Input:
    data, file = _read(path)
    return _parse_input(data, file, policy_type, skip_other=skip_other)


def _parse_input(
    data: bytes, file: str, policy_type: str | None, *, skip_other: bool = False
) -> _Input:
    """What one input holds. `skip_other`: a file that is neither a policy, a template, a
    plan nor an account file (a `package.json` a hook was given) holds nothing, as lint's
    `--skip-non-policies` has it, instead of being an error."""
    from policysim.lint.inputs import load_bytes

    kind, service = _kind_of(policy_type)
    if _looks_like_account(data, file):
        return _Input(file, "account", snapshot=_load_snapshot(data, file))
    loaded = load_bytes(data, file, kind=kind, service=service, discovered=skip_other)
    if loaded.source == "skipped":
        return _Input(file, "skipped")
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


def git_show(ref: str, path: str) -> bytes | None:
    """The file `path` as it is at git revision `ref` (`origin/main`, `HEAD`), or None when
    the file does not exist there (it is new). Git is asked read-only (`git show`)."""
    import os
    import subprocess

    folder, name = os.path.split(os.path.abspath(path))
    try:
        done = subprocess.run(
            ["git", "-C", folder, "show", f"{ref}:./{name}"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise PolicyError(f"cannot run git to read {ref}:{path}: {err}", file=path) from None
    if done.returncode == 0:
        return done.stdout
    message = done.stderr.decode("utf-8", "replace").strip().splitlines()
    text = message[-1] if message else f"git show failed with status {done.returncode}"
    if "does not exist" in text or "exists on disk, but not in" in text:
        return None
    raise PolicyError(f"cannot read {ref}:{path} from git: {text}", file=path)


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
    "kinesis": "AWS::Kinesis::Stream",
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
        standalone=True,
    )


# ---- pairs of documents ------------------------------------------------------------------------


def _pair_documents(old: _Input, new: _Input) -> Sources:
    sources = Sources(new.format, notes=[*old.notes, *new.notes])
    prints = Fingerprints()
    if new.format == "policy":
        if old.documents and new.documents:
            first, second = old.documents[0], new.documents[0]
            if first.kind != second.kind:
                # detected types differ (a Principal added or dropped): compare as NEW's type
                first = _retyped(first, second.kind)
            sources.units.append(_document_unit(first, second))
        elif new.documents:  # new since a git revision
            sources.units.append(_document_unit(None, new.documents[0]))
        return sources
    old_by_name = _by_name(old.documents, old.file)
    new_by_name = _by_name(new.documents, new.file)
    for name, new_doc in new_by_name.items():
        old_doc = old_by_name.get(name)
        if old_doc is not None and old_doc.kind != new_doc.kind:
            old_doc = _retyped(old_doc, new_doc.kind)
        if old_doc is not None and same_policy(old_doc.policy, new_doc.policy, prints):
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


# ---- entry points ------------------------------------------------------------------------------

_FORMAT_NAMES = {
    "skipped": "not a policy",
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
    return _pair(old, new, policy_type)


def load_against(
    ref: str, path: str, policy_type: str | None = None, *, skip_other: bool = False
) -> Sources:
    """Pair the file `path` with its version at git revision `ref`. A file new since `ref` is
    compared with nothing (every document in it added); with `skip_other`, a file that holds
    no policy is skipped (an empty `Sources`)."""
    new = _read_input(path, policy_type, skip_other=skip_other)
    if new.format == "skipped":
        return Sources("policy")
    data = git_show(ref, path)
    name = f"{ref}:{path}"
    if data is None:
        old = _Input(name, new.format, snapshot=Snapshot(source=name) if new.snapshot else None)
    else:
        old = _parse_input(data, name, policy_type)
    return _pair(old, new, policy_type)


def _pair(old: _Input, new: _Input, policy_type: str | None) -> Sources:
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
        assert old.snapshot is not None and new.snapshot is not None
        return pair_accounts(old.snapshot, old.file, new.snapshot, new.file)
    return _pair_documents(old, new)


def load_documents(
    path: str, policy_type: str | None = None, *, skip_other: bool = False
) -> list[Document]:
    """Every policy document of one input (a document, a template or a plan), for `verify`.

    Account files are refused: `diff` compares them; `verify` checks documents.
    """
    found = _read_input(path, policy_type, skip_other=skip_other)
    if found.format == "account":
        raise PolicyError(
            "is an account file; verify checks policy documents, CloudFormation templates and"
            " Terraform plans (compare two account files with `policysim diff`)",
            file=found.file,
        )
    return found.documents

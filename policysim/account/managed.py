"""AWS managed policies, resolved offline from the snapshot shipped in `policysim/data`.

Accounts attach AWS managed policies by ARN (or people name them, `AmazonS3FullAccess`), and
their documents are not in the account's own files, so policysim ships a compressed snapshot
of all of them (built by `scripts/build_managed_policies.py` from a recorded source). Nothing
is read until the first lookup, and each document is parsed into a `Policy` only when asked
for: most runs need a handful of the 1,600-odd policies, and `import policysim` must stay fast.

The snapshot holds the commercial (`aws`) partition's documents; ARNs of other partitions
(`arn:aws-us-gov:iam::aws:policy/...`) resolve to the same documents, which is what AWS
publishes for nearly all of them.
"""

from __future__ import annotations

import copy
import difflib
import functools
import gzip
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypedDict

from policysim.policy.build import policy_from_data
from policysim.policy.model import Policy

__all__ = [
    "ManagedPolicyDocument",
    "ManagedSnapshotError",
    "aws_managed_policy",
    "managed_policy_names",
    "managed_snapshot_info",
    "suggest_managed_policies",
]

_PACKAGE = "policysim.data"
_RESOURCE = "aws_managed_policies.json.gz"
_FORMAT = 1
_REBUILD = "(rebuild it with scripts/build_managed_policies.py)"

# `arn:<partition>:iam::aws:policy<path><name>`; every partition is `aws` or `aws-...`.
_MANAGED_ARN = re.compile(r"^arn:aws(?:-[a-z0-9]+)*:iam::aws:policy(/(?:[^/]+/)*)([^/]+)$")


class ManagedSnapshotError(RuntimeError):
    """The shipped snapshot is missing or unreadable (a broken install or source checkout)."""


class _Entry(TypedDict):
    arn: str | None
    path: str | None
    version: str
    updatedate: str | None
    deprecated: bool
    source: str
    document: dict[str, Any]


class _SnapshotInfo(TypedDict):
    format: int
    source: str
    collected: str
    newest_updatedate: str
    count: int
    missing: list[str]


@dataclass(frozen=True)
class _Snapshot:
    info: _SnapshotInfo
    policies: dict[str, _Entry]
    by_lower_name: dict[str, str]


@functools.cache
def _snapshot() -> _Snapshot:
    """Read and index the snapshot once per process (about 3.6 MB of JSON once unzipped)."""
    try:
        raw = resources.files(_PACKAGE).joinpath(_RESOURCE).read_bytes()
        data = json.loads(gzip.decompress(raw))
    except (OSError, ValueError, EOFError) as err:
        raise ManagedSnapshotError(
            f"cannot read the AWS managed policy snapshot {_PACKAGE}/{_RESOURCE}: {err} {_REBUILD}"
        ) from err
    found = data.get("format") if isinstance(data, dict) else type(data).__name__
    if found != _FORMAT:
        raise ManagedSnapshotError(
            f"the AWS managed policy snapshot has format {found!r}, expected {_FORMAT} {_REBUILD}"
        )
    policies: dict[str, _Entry] = data["policies"]
    info: _SnapshotInfo = {
        "format": data["format"],
        "source": data["source"],
        "collected": data["collected"],
        "newest_updatedate": data["newest_updatedate"],
        "count": data["count"],
        "missing": list(data.get("missing", [])),
    }
    return _Snapshot(
        info=info,
        policies=policies,
        by_lower_name={name.lower(): name for name in policies},
    )


@dataclass(frozen=True)
class ManagedPolicyDocument:
    """One AWS managed policy from the snapshot: its metadata, and its document on demand.

    `arn` and `path` are None for the few (mostly deprecated) policies whose source dataset
    records no ARN: their path is unknown and is not guessed. `source` names the dataset the
    document came from (see `managed_snapshot_info()["source"]`).
    """

    name: str
    arn: str | None
    path: str | None
    version: str
    updatedate: str | None
    deprecated: bool
    source: str

    @property
    def policy(self) -> Policy:
        """The parsed document; parsed on first use and shared by every lookup of this name."""
        return _parsed_policy(self.name)

    @property
    def document(self) -> dict[str, Any]:
        """The document as plain JSON data (a copy: the snapshot itself must not change)."""
        return copy.deepcopy(_snapshot().policies[self.name]["document"])


@functools.cache
def _parsed_policy(name: str) -> Policy:
    return policy_from_data(_snapshot().policies[name]["document"], file=f"aws-managed:{name}")


@functools.cache
def _document(name: str) -> ManagedPolicyDocument:
    entry = _snapshot().policies[name]
    return ManagedPolicyDocument(
        name=name,
        arn=entry["arn"],
        path=entry["path"],
        version=entry["version"],
        updatedate=entry["updatedate"],
        deprecated=entry["deprecated"],
        source=entry["source"],
    )


def _find_name(name: str) -> str | None:
    """Exact name first, then case-insensitive (people type `amazons3fullaccess`)."""
    snapshot = _snapshot()
    if name in snapshot.policies:
        return name
    return snapshot.by_lower_name.get(name.lower())


def _split(name_or_arn: str) -> tuple[str | None, str] | None:
    """Split a reference into (path, or None when not given; name); None if malformed.

    Accepts a bare name, a path-qualified one (`service-role/Name`, `/service-role/Name`) and
    an AWS managed policy ARN of any partition.
    """
    if name_or_arn.startswith("arn:"):
        match = _MANAGED_ARN.match(name_or_arn)
        return (match.group(1), match.group(2)) if match else None
    if "/" in name_or_arn:
        path, _, name = name_or_arn.rpartition("/")
        inner = path.strip("/")
        return (f"/{inner}/" if inner else "/", name) if name else None
    return (None, name_or_arn) if name_or_arn else None


def aws_managed_policy(name_or_arn: str) -> ManagedPolicyDocument | None:
    """Resolve an AWS managed policy by name or ARN; None if the snapshot has no such policy.

    `AmazonS3FullAccess`, `arn:aws:iam::aws:policy/AmazonS3FullAccess`,
    `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole` (or just
    `AWSLambdaBasicExecutionRole`) and ARNs of other partitions all resolve. A path, when
    given, must match the recorded one, since a wrong path names a policy that does not
    exist: exactly, or ignoring case when the name itself only matched ignoring case.
    Policies recorded without a path accept any.
    """
    parts = _split(name_or_arn)
    if parts is None:
        return None
    path, name = parts
    found = _find_name(name)
    if found is None:
        return None
    recorded = _snapshot().policies[found]["path"]
    if path is not None and recorded is not None:
        same = path == recorded if found == name else path.lower() == recorded.lower()
        if not same:
            return None
    return _document(found)


def managed_policy_names() -> list[str]:
    """Every policy name in the snapshot, sorted."""
    return sorted(_snapshot().policies)


def suggest_managed_policies(name: str, limit: int = 3) -> list[str]:
    """Names close to `name` (or to an ARN's last part), best first, for "did you mean" help.

    Matching ignores case, since a misspelt name is as likely to be mis-cased. A name that
    exists but was given with the wrong path comes first; then names containing the query,
    shortest first (`S3FullAccess` means `AmazonS3FullAccess`, which a plain similarity
    ratio ranks below short unrelated names); then difflib's closest matches, for typos.
    """
    if limit <= 0:
        return []
    snapshot = _snapshot()
    parts = _split(name)
    query = (parts[1] if parts else name.rpartition("/")[2]).lower()
    if not query:
        return []
    candidates: list[str] = []
    if query in snapshot.by_lower_name:
        candidates.append(query)
    if len(query) >= 4:
        candidates += sorted((n for n in snapshot.by_lower_name if query in n), key=len)[:limit]
    candidates += difflib.get_close_matches(query, snapshot.by_lower_name, n=limit, cutoff=0.6)
    out: list[str] = []
    for lowered in candidates:
        candidate = snapshot.by_lower_name[lowered]
        if candidate not in out:
            out.append(candidate)
    return out[:limit]


def managed_snapshot_info() -> dict[str, Any]:
    """Where the snapshot came from and how fresh it is, for `policysim --version`.

    Keys: `format`, `source` (datasets, commits, licenses), `collected` (date the corpus
    was collected), `newest_updatedate` (newest policy update in it, the real freshness
    bound), `count`, and `missing` (real AWS managed policies the snapshot lacks).
    """
    info = _snapshot().info
    return {**info, "missing": list(info["missing"])}

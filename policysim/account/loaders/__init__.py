"""Read account files into a `Snapshot`, whichever of the three formats they are in.

* `authz` — `aws iam get-account-authorization-details` output, verbatim (one account);
* `snapshot` — policysim's versioned snapshot (`policysim fetch`): several accounts, resource
  policies, S3 Block Public Access, the organization's SCPs and RCPs;
* `yaml_format` — the compact YAML format people write by hand.

`load_snapshot` tells them apart so that every command takes any of them; each error is one
`PolicyError` line naming the file (and the line and column where it can). `load_accounts`
reads several files, or a directory of them, as one organization (`merge`).
"""

from __future__ import annotations

import os
from typing import Any

from policysim.account.loaders._common import JsonSource, decode_text, read_file
from policysim.account.loaders.authz import (
    AUTHZ_KEYS,
    load_authorization_details,
    looks_like_authorization_details,
    parse_authorization_details,
    snapshot_from_authorization_details,
)
from policysim.account.loaders.merge import load_accounts, merge_snapshots
from policysim.account.loaders.snapshot import (
    SNAPSHOT_VERSION,
    VERSION_KEY,
    load_policysim_snapshot,
    looks_like_policysim_snapshot,
    parse_policysim_snapshot,
    snapshot_from_data,
)
from policysim.account.loaders.yaml_format import load_yaml_snapshot, parse_yaml_snapshot
from policysim.account.model import Snapshot
from policysim.gcpause import paused_gc
from policysim.policy.errors import PolicyError, Position

__all__ = [
    "SNAPSHOT_VERSION",
    "detect_format",
    "load_accounts",
    "load_authorization_details",
    "load_policysim_snapshot",
    "load_snapshot",
    "load_yaml_snapshot",
    "merge_snapshots",
    "parse_authorization_details",
    "parse_policysim_snapshot",
    "parse_snapshot",
    "parse_yaml_snapshot",
]

_YAML_SUFFIXES = (".yaml", ".yml")


def detect_format(text: str, file: str) -> str:
    """`yaml` or `json`: by the file's extension, else by whether the text starts with `{`."""
    if file.lower().endswith(_YAML_SUFFIXES):
        return "yaml"
    if file.lower().endswith(".json"):
        return "json"
    return "json" if text.lstrip().startswith("{") else "yaml"


def parse_snapshot(text: str, file: str) -> Snapshot:
    """Parse any of the three formats; JSON is told apart by its top-level keys."""
    if detect_format(text, file) == "yaml":
        return parse_yaml_snapshot(text, file)
    source = JsonSource(text, file)
    data = source.load()
    if looks_like_policysim_snapshot(data):
        return snapshot_from_data(data, source)
    if looks_like_authorization_details(data):
        return snapshot_from_authorization_details(data, source)
    raise PolicyError(_unknown_json(data), file=file, position=Position(1, 1))


def _unknown_json(data: Any) -> str:
    expected = (
        f"expected a policysim snapshot (a {VERSION_KEY!r} key) or"
        f" `aws iam get-account-authorization-details` output ({', '.join(AUTHZ_KEYS)})"
    )
    if isinstance(data, dict) and "Statement" in data:
        return f"this is a policy document, not an account file; {expected}"
    if not isinstance(data, dict):
        return f"not an account file: the top level is not a JSON object; {expected}"
    return f"not an account file: {expected}"


def load_snapshot(path: str | os.PathLike[str], *, allow_pipes: bool = False) -> Snapshot:
    """Read an account file in any of the three formats; `Snapshot.source` names the file.
    `allow_pipes`: the user named it (`--account <(...)`), so a pipe is read too (bounded)."""
    data, name = read_file(path, allow_pipes=allow_pipes)
    with paused_gc():
        return parse_snapshot(decode_text(data, name), name)

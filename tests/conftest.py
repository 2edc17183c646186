"""Settings shared by the whole test suite."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

# Timing deadlines make property tests flaky on slow or busy CI machines (the first example
# of a run may also pay for loading the IAM catalog); correctness is what they test.
settings.register_profile("policysim", deadline=None)
# Reproducible runs for CI: HYPOTHESIS_PROFILE=ci.
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "policysim"))


class NotReadOrg(NamedTuple):
    """A directory of an organization's files with one account `fetch --org` could not read."""

    directory: Path
    account_id: str
    reason: str
    record: Path
    """The organization-only file that records it (`metadata.account_errors`)."""

    def record_errors(self, errors: object) -> None:
        """Record `errors` instead (any JSON value, to test malformed ones)."""
        write_not_read(self.record, errors)


def write_not_read(path: Path, errors: object) -> Path:
    """An organization-only snapshot as `fetch --org` writes it, recording `errors`."""
    data = {
        "policysim_snapshot": 1,
        "generated_at": "2026-01-01T00:00:00Z",
        "metadata": {"tool": "policysim fetch --org", "account_errors": errors},
        "accounts": [],
    }
    path.write_text(json.dumps(data, indent=2))
    return path


@pytest.fixture
def org_not_read(tmp_path: Path) -> NotReadOrg:
    """tests/account/data/org-dir (fixtures/accounts/org.yaml split into files: accounts
    111111111111, 222222222222 and 333333333333) and account 444444444444, not read."""
    directory = tmp_path / "org"
    shutil.copytree(Path(__file__).parent / "account" / "data" / "org-dir", directory)
    reason = "AssumeRole: AccessDenied: not authorized"
    record = write_not_read(directory / "not-read.json", {"444444444444": reason})
    return NotReadOrg(directory, "444444444444", reason, record)

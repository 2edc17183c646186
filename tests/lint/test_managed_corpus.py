"""Every AWS managed policy of the shared corpus lints without a crash and parses (no PS001)."""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.lint.config import LintConfig
from policysim.lint.inputs.run import lint_paths

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "aws-managed"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/aws-managed is absent")
def test_managed_policies_lint_without_crash_or_parse_error() -> None:
    files = sorted(str(p) for p in CORPUS.glob("*.json"))
    assert len(files) >= 1600
    run = lint_paths(files, LintConfig())
    assert run.files == len(files) and run.documents == len(files)
    parse_errors = [f for f in run.findings if f.rule in ("PS001", "PS002")]
    assert not parse_errors, parse_errors[:5]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/aws-managed is absent")
def test_structural_rules_find_only_the_one_real_defect() -> None:
    """PS0xx rules do not depend on the IAM catalog; on AWS's own policies they find exactly
    one real defect: `arn:aws:organizations::*:` (an empty resource part) in
    AmazonDevOpsGuruOrganizationsAccess."""
    files = sorted(str(p) for p in CORPUS.glob("*.json"))
    run = lint_paths(files, LintConfig(), jobs=2)
    structural = [(Path(f.file).stem, f.rule) for f in run.findings if f.rule < "PS100"]
    assert structural == [("AmazonDevOpsGuruOrganizationsAccess", "PS028")]

"""Every AWS managed policy of the shared corpus lints without a crash and parses (no PS001)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policysim.lint.config import LintConfig
from policysim.lint.inputs.run import lint_paths

CORPUS = next(
    (
        found
        for parent in Path(__file__).resolve().parents[2].parents
        if (found := parent / "shared" / "corpus" / "aws-managed").is_dir()
    ),
    Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "aws-managed",
)
"""The shared corpus next to the checkout, or next to one of its parents (a worktree)."""


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
    AmazonDevOpsGuruOrganizationsAccess. Besides, PS031 reports exactly the policies over
    10,240 non-whitespace characters: more than any customer identity policy may have (AWS
    managed policies are exempt, but a plain file cannot say it is one)."""
    files = sorted(str(p) for p in CORPUS.glob("*.json"))
    run = lint_paths(files, LintConfig(), jobs=2)
    structural = [
        (Path(f.file).stem, f.rule) for f in run.findings if f.rule < "PS100" and f.rule != "PS031"
    ]
    assert structural == [("AmazonDevOpsGuruOrganizationsAccess", "PS028")]
    oversized = sorted({Path(f.file).stem for f in run.findings if f.rule == "PS031"})
    expected = sorted(
        Path(name).stem
        for name in files
        if len(
            json.dumps(
                json.loads(Path(name).read_text()), separators=(",", ":"), ensure_ascii=False
            )
        )
        > 10240
    )
    assert oversized == expected and len(expected) >= 30

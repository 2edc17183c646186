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

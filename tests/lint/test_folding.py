"""One finding per mistake: a statement that grants everything folds the findings it implies
(`runner.FOLDS`), unless folding is off (`fold = false`, `--no-fold`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from policysim.lint.config import ConfigError, from_table
from policysim.lint.finding import FOLD_MARK, Finding, Severity
from policysim.lint.inputs.run import lint_paths
from policysim.lint.runner import FOLDS, LintOptions, fold_findings, lint_source

REPO = Path(__file__).resolve().parents[2]
ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def _text(*statements: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def _lint(*statements: Any, fold: bool = True, **options: Any) -> list[Finding]:
    return lint_source(_text(*statements), "p.json", options=LintOptions(fold=fold, **options))


def test_admin_statement_is_one_finding_that_lists_what_it_implies() -> None:
    unfolded = _lint(ADMIN, fold=False)
    assert len(unfolded) > 50  # PS201 plus every escalation path and over-permission
    (finding,) = _lint(ADMIN)
    assert finding.rule == "PS201" and finding.severity is Severity.SECURITY
    others = [f for f in unfolded if f.rule != "PS201"]
    assert finding.folded == tuple(sorted({f.rule for f in others}))
    assert {"PS202", "PS204", "PS301", "PS314", "PS330", "PS424"} <= set(finding.folded)
    assert finding.message.startswith("Allow of every action on every resource" + FOLD_MARK)
    assert f"({len(others)} findings folded into this one)" in finding.message
    assert "PS301-PS330" in finding.message  # consecutive ids shortened


def test_only_findings_of_the_same_statement_fold() -> None:
    passrole = {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}
    findings = _lint(ADMIN, passrole)
    admin = next(f for f in findings if f.rule == "PS201")
    assert admin.statement == 0
    assert [f.rule for f in findings if f.statement == 0] == ["PS201"]
    assert "PS211" in {f.rule for f in findings if f.statement == 1}  # another statement


def test_not_action_with_not_resource_and_action_star_fold_too() -> None:
    nearly = {"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:s3:::x"}
    (finding,) = _lint(nearly)
    assert finding.rule == "PS208"
    assert {"PS206", "PS207", "PS301"} <= set(finding.folded)
    roles = {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::*:role/*"}
    findings = _lint(roles)
    star = next(f for f in findings if f.rule == "PS202")
    assert "PS211" in star.folded
    assert "PS205" in {f.rule for f in findings}  # a resource wildcard: a mistake of its own


def test_a_more_severe_finding_is_not_folded_into_a_milder_one() -> None:
    findings = _lint(ADMIN, severity={"PS201": Severity.WARNING})
    admin = next(f for f in findings if f.rule == "PS201")
    assert admin.severity is Severity.WARNING
    assert "PS302" in admin.folded  # a warning folds into a warning
    unfolded = _lint(ADMIN, fold=False, severity={"PS201": Severity.WARNING})
    security = {f.rule for f in unfolded if f.severity is Severity.SECURITY}
    assert "PS303" in security and not security & set(admin.folded)
    # PS202 (security, not folded into the warning) stands for them instead
    kept = {f.rule for f in findings} | {r for f in findings if f.folded for r in f.folded}
    assert security <= kept
    assert all(f.severity is Severity.SECURITY for f in findings if f.rule == "PS202")


def test_folding_depends_only_on_the_findings_not_their_order() -> None:
    findings = _lint(ADMIN, fold=False)
    forward = sorted(fold_findings(findings), key=Finding.sort_key)
    backward = sorted(fold_findings(findings[::-1]), key=Finding.sort_key)
    assert forward == backward


def test_fold_keys_are_rules() -> None:
    from policysim.lint.registry import all_rules

    rules = all_rules()
    for key, folded in FOLDS.items():
        assert key in rules
        assert key not in folded


def test_fold_setting_is_validated() -> None:
    assert from_table({}, None).fold is True
    assert from_table({"fold": False}, None).options().fold is False
    with pytest.raises(ConfigError, match="fold: must be true or false, not a string"):
        from_table({"fold": "no"}, None)


def test_same_findings_whatever_the_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policysim.lint.config import LintConfig
    from policysim.lint.inputs import parallel

    for index in range(3):
        (tmp_path / f"p{index}.json").write_text(_text(ADMIN, {**ADMIN, "Sid": f"S{index}"}))
    files = sorted(str(p) for p in tmp_path.glob("*.json"))
    monkeypatch.setattr(parallel, "MIN_FILES_PER_WORKER", 1)
    one = lint_paths(files, LintConfig(), jobs=1).findings
    two = lint_paths(files, LintConfig(), jobs=2).findings
    assert one == two
    admins = [f for f in two if f.rule == "PS201"]
    assert len(admins) == 6 and all("PS202" in f.folded for f in admins)
    assert not {f.rule for f in two} & FOLDS["PS201"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "policysim", "lint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_cli_folds_by_default_and_no_fold_or_the_setting_restores(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "admin.json").write_text(_text(ADMIN))
    folded = json.loads(_cli("admin.json", "-f", "json", cwd=tmp_path).stdout)
    (finding,) = folded["findings"]
    assert finding["rule"] == "PS201" and "PS314" in finding["folded"]
    sarif = json.loads(_cli("admin.json", "-f", "sarif", cwd=tmp_path).stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["properties"]["folded"] == finding["folded"]
    every = json.loads(_cli("admin.json", "-f", "json", "--no-fold", cwd=tmp_path).stdout)
    assert {f["rule"] for f in every["findings"]} == {"PS201", *finding["folded"]}
    assert all(f["folded"] == [] for f in every["findings"])
    (tmp_path / ".policysim.toml").write_text("[lint]\nfold = false\n")
    configured = json.loads(_cli("admin.json", "-f", "json", cwd=tmp_path).stdout)
    assert configured["findings"] == every["findings"]
    (tmp_path / ".policysim.toml").write_text('[lint]\nfold = "off"\n')
    bad = _cli("admin.json", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith(
        ".policysim.toml:2: fold: must be true or false, not a string"
    )


def test_suppressing_the_folding_finding_suppresses_what_it_stands_for(tmp_path: Path) -> None:
    from policysim.lint.config import Ignore, LintConfig

    (tmp_path / "p.json").write_text(_text({**ADMIN, "Sid": "BreakGlass"}))
    files = [str(tmp_path / "p.json")]
    config = LintConfig(source=tmp_path / ".policysim.toml")
    config.ignores = (Ignore("p.json", frozenset({"PS201"}), "BreakGlass"),)
    run = lint_paths(files, config)
    assert run.findings == [] and run.suppressed == 1
    config.fold = False
    unfolded = lint_paths(files, config)
    assert unfolded.suppressed == 1 and len(unfolded.findings) > 50
    assert "PS201" not in {f.rule for f in unfolded.findings}

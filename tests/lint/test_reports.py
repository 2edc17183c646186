"""Report formats: text, json, SARIF 2.1.0 (validated against the official schema), github."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from policysim.lint.finding import Finding, Severity
from policysim.lint.inputs.run import LintRun
from policysim.lint.registry import all_rules
from policysim.lint.report import (
    SECURITY_SEVERITY,
    fingerprints,
    render_github,
    render_json,
    render_sarif,
    render_text,
    summary_line,
)

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
RULES = all_rules()


def _run() -> LintRun:
    findings = [
        Finding("PS001", Severity.ERROR, "invalid JSON: unexpected ','", "a/b.json", 3, 7),
        Finding(
            "PS001",
            Severity.SECURITY,
            "odd: 100%, done\nsecond line",
            "dir with space/t,x.yaml",
            12,
            5,
            pointer="Role.AssumeRolePolicyDocument/Statement/0",
            statement=0,
            hint="do this",
        ),
        Finding("PS001", Severity.WARNING, "w", "<stdin>", 1, 1),
        Finding("PS001", Severity.SUGGESTION, "s", "/abs/elsewhere/p.json", 2, 2),
    ]
    return LintRun(findings=findings, files=3, documents=4, suppressed=1)


def test_text() -> None:
    text = render_text(_run())
    lines = text.splitlines()
    assert lines[0] == "a/b.json:3:7: PS001 error invalid JSON: unexpected ','"
    assert lines[-1] == (
        "4 findings (1 error, 1 security, 1 warning, 1 suggestion) in 3 files, 1 suppressed"
    )
    assert "\x1b[" not in text
    assert "\x1b[" in render_text(_run(), color=True)


def test_summary_without_findings() -> None:
    assert summary_line(LintRun(files=1)) == "0 findings in 1 file"


def test_json() -> None:
    document = json.loads(render_json(_run()))
    assert document["summary"] == {"error": 1, "security": 1, "warning": 1, "suggestion": 1}
    assert document["findings"][1]["pointer"] == "Role.AssumeRolePolicyDocument/Statement/0"
    assert document["files"] == 3 and document["suppressed"] == 1


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(
        schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def test_sarif_validates(validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render_sarif(_run(), RULES))
    errors = sorted(validator.iter_errors(log), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= set(RULES)
    for rule in rules:
        assert rule["help"]["text"] and rule["defaultConfiguration"]["level"]
        assert rule["helpUri"].endswith(f"/docs/rules/{rule['id']}.md")
        assert f"docs/rules/{rule['id']}.md" in rule["help"]["markdown"]
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "note"]
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 7}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "a/b.json",
        "uriBaseId": "%SRCROOT%",
    }
    location = results[1]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "dir%20with%20space/t,x.yaml"
    assert results[3]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///abs/elsewhere/p.json"
    }
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_only_security_rules_carry_a_security_severity() -> None:
    """GitHub files a rule with a security-severity as a security alert: suggestions (casing,
    style), warnings and errors must carry none."""
    log = json.loads(render_sarif(LintRun(files=1), RULES))
    by_id = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    suggestions = [r for r in RULES.values() if r.severity is Severity.SUGGESTION]
    assert len(suggestions) >= 10
    for rule in RULES.values():
        properties = by_id[rule.id]["properties"]
        if rule.severity is Severity.SECURITY:
            assert properties["security-severity"] == SECURITY_SEVERITY
            assert 7.0 <= float(SECURITY_SEVERITY) < 9.0  # "high": below error-free criticals
        else:
            assert "security-severity" not in properties, rule.id
    assert "security-severity" not in by_id["PS514"]["properties"]  # casing note


def test_rule_pages_exist_for_every_help_link() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "rules"
    for rule_id in RULES:
        assert (docs / f"{rule_id}.md").is_file(), rule_id


def _shifted_findings(tmp_path: Path, shift: bool) -> list[Finding]:
    from policysim.lint.config import LintConfig
    from policysim.lint.inputs.run import lint_paths

    statements: list[dict[str, object]] = [
        {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "Admin", "Effect": "Allow", "Action": "S3:getobject", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": "arn:aws:sns:*:1:t"}},
        },
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*", "Condition": {}},
    ]
    duplicate = '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow",\n'
    duplicate += '    "Action": "s3:GetObject",\n    "Action": "s3:PutObject", "Resource": "*"}]}\n'
    if shift:
        clean = {
            "Sid": "Read",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::example-bucket/*",
        }
        statements.insert(0, clean)
        duplicate = duplicate.replace('"Statement"', '\n\n\n  "Id": "x",\n  "Statement"')
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    (tmp_path / "many.json").write_text(("\n\n\n" if shift else "") + policy)
    (tmp_path / "dup.json").write_text(duplicate)
    files = [str(tmp_path / "many.json"), str(tmp_path / "dup.json")]
    return lint_paths(files, LintConfig()).findings


def test_fingerprints_survive_a_line_shift(
    tmp_path: Path, validator: jsonschema.Draft4Validator
) -> None:
    before = _shifted_findings(tmp_path, shift=False)
    after = _shifted_findings(tmp_path, shift=True)
    log = json.loads(render_sarif(LintRun(findings=after, files=2), RULES))
    assert not list(validator.iter_errors(log))  # with folded findings and their properties
    folded = [r for r in log["runs"][0]["results"] if "folded" in r["properties"]]
    assert folded and all(r["properties"]["folded"] for r in folded)
    rules = {f.rule for f in before}
    assert {"PS002", "PS201", "PS211", "PS513", "PS514"} <= rules and len(rules) >= 8
    assert any("#" in f.message for f in before)  # a message that quotes a statement number
    assert any("first at" in f.message for f in before)  # PS002 quotes a position
    moved = {(f.rule, f.line, f.message) for f in before} - {
        (f.rule, f.line, f.message) for f in after
    }
    assert len(moved) == len(before)  # every finding moved (line or quoted position)
    by_rule: dict[str, list[str]] = {}
    for f, fingerprint in zip(after, fingerprints(after), strict=True):
        by_rule.setdefault(f.rule, []).append(fingerprint)
    for f, fingerprint in zip(before, fingerprints(before), strict=True):
        assert fingerprint in by_rule.get(f.rule, []), (f.rule, f.message)
    assert len(set(fingerprints(before))) == len(before)  # distinct findings stay distinct


def test_sarif_without_findings_validates(validator: jsonschema.Draft4Validator) -> None:
    log = json.loads(render_sarif(LintRun(files=1), RULES))
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["results"] == []


def test_github() -> None:
    lines = render_github(_run()).splitlines()
    assert lines[0] == (
        "::error file=a/b.json,line=3,col=7,title=PS001 (error)::PS001 invalid JSON: unexpected ','"
    )
    assert lines[1] == (
        "::error file=dir with space/t%2Cx.yaml,line=12,col=5,title=PS001 (security)"
        "::PS001 odd: 100%25, done%0Asecond line"
    )
    assert lines[2].startswith("::warning ") and lines[3].startswith("::notice ")

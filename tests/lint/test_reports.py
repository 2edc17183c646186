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
        assert rule["properties"]["security-severity"]
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

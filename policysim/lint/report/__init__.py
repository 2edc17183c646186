"""Reports of `policysim lint`: text (default), json, sarif (SARIF 2.1.0) and github
(workflow commands that GitHub shows as annotations).

The text and github reports are read on terminals and in CI logs, which act on escape
sequences: the file names and messages they quote (messages quote Sids, actions, values) go
through `terminal_safe`, one finding a line whatever the input held. JSON and SARIF are
escaped by their encoder."""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from policysim._version import __version__
from policysim.lint.finding import FOLD_MARK, Finding, Severity
from policysim.lint.inputs.run import LintRun
from policysim.lint.registry import Rule
from policysim.text_safety import terminal_safe

FORMATS = ("text", "json", "sarif", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/policysim/policysim"

_COLOURS = {
    Severity.ERROR: "red",
    Severity.SECURITY: "magenta",
    Severity.WARNING: "yellow",
    Severity.SUGGESTION: "cyan",
}
_SARIF_LEVEL = {
    Severity.ERROR: "error",
    Severity.SECURITY: "error",
    Severity.WARNING: "warning",
    Severity.SUGGESTION: "note",
}
SECURITY_SEVERITY = "8.0"
"""GitHub code scanning's `security-severity` of the security rules (7.0-8.9 is "high"). Only
rules of severity `security` carry one: code scanning files a rule that has one as a security
alert, and errors, warnings and suggestions are about correctness and style."""
RULE_DOCS = f"{INFORMATION_URI}/blob/main/docs/rules"
"""Where each rule's page (docs/rules/<ID>.md in the repository) is published."""
_POSITIONS = (
    (re.compile(r"\(first at \d+:\d+\)"), "(first at L:C)"),
    (re.compile(r"\bline \d+(, column \d+)?"), "line L"),
    (re.compile(r"#\d+\b"), "#N"),
)
"""Positions and statement numbers that messages quote (`duplicate key 'Action' (first at
3:5)`, `by statement #2`): a fingerprint leaves them out, so that moving unrelated lines or
inserting a statement above does not turn a finding into a new alert."""
_STATEMENT_INDEX = re.compile(r"/Statement/\d+(?=/|$)")
_GITHUB_COMMAND = {
    Severity.ERROR: "error",
    Severity.SECURITY: "error",
    Severity.WARNING: "warning",
    Severity.SUGGESTION: "notice",
}


def summary_counts(findings: list[Finding]) -> dict[str, int]:
    """Findings per severity, every severity listed."""
    counts = Counter(f.severity for f in findings)
    return {s.value: counts.get(s, 0) for s in Severity}


def summary_line(run: LintRun) -> str:
    """`3 findings (1 error, 2 warning) in 4 files`."""
    counts = summary_counts(run.findings)
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    total = len(run.findings)
    noun = "finding" if total == 1 else "findings"
    files = "file" if run.files == 1 else "files"
    text = f"{total} {noun}"
    if parts:
        text += f" ({', '.join(parts)})"
    text += f" in {run.files} {files}"
    if run.suppressed:
        text += f", {run.suppressed} suppressed"
    return text


def render_text(run: LintRun, *, color: bool = False) -> str:
    """`path:line:col: PS123 severity message`, one a line, then a summary line."""
    import typer

    lines = []
    for f in run.findings:
        where = f"{terminal_safe(f.file)}:{f.line}:{f.column}:"
        rule = f.rule
        severity = f.severity.value
        if color:
            where = typer.style(where, bold=True)
            rule = typer.style(rule, fg=_COLOURS[f.severity], bold=True)
            severity = typer.style(severity, fg=_COLOURS[f.severity])
        lines.append(f"{where} {rule} {severity} {terminal_safe(f.message)}")
    summary = summary_line(run)
    if color:
        summary = typer.style(summary, bold=True)
    lines.append(summary)
    return "\n".join(lines) + "\n"


def render_json(run: LintRun) -> str:
    """Findings, counts and notes as one JSON object, one finding a line.

    Indented output goes through `json`'s pure-Python encoder, several times slower than its C
    encoder on tens of thousands of findings; each finding is encoded compactly (by C) and
    the document around them is indented.
    """
    document = {
        "version": 1,
        "tool": {"name": "policysim", "version": __version__},
        "files": run.files,
        "documents": run.documents,
        "suppressed": run.suppressed,
        "summary": summary_counts(run.findings),
        "findings": [],
        "notes": run.notes,
    }
    text = json.dumps(document, indent=2)
    if not run.findings:
        return text + "\n"
    encode = json.JSONEncoder(separators=(", ", ": ")).encode
    rows = ",\n".join(f"    {encode(f.to_json())}" for f in run.findings)
    return text.replace('"findings": []', f'"findings": [\n{rows}\n  ]', 1) + "\n"


def _artifact(file: str) -> dict[str, str]:
    """A SARIF artifactLocation: relative to the source root (the current directory) where
    possible, else an absolute file URI."""
    if file == "<stdin>":
        return {"uri": "stdin"}
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    posix = path.as_posix().removeprefix("./")
    return {"uri": quote(posix, safe="/@-._~!$&'()*+,;="), "uriBaseId": "%SRCROOT%"}


def _camel(title: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def sarif_rule(rule: Rule) -> dict[str, Any]:
    """A SARIF reportingDescriptor for one rule."""
    description = inspect.cleandoc(rule.description or rule.title)
    kinds = ", ".join(sorted(k.value for k in rule.kinds)) if rule.kinds else "all policy types"
    page = f"{RULE_DOCS}/{rule.id}.md"
    help_text = (
        f"{rule.title}\n\n{description}\n\nApplies to: {kinds}. Default severity:"
        f" {rule.severity.value}. Example, near miss and how to suppress it:"
        f" docs/rules/{rule.id}.md ({page})."
    )
    help_markdown = (
        f"**{rule.id}: {rule.title}**\n\n{description}\n\n"
        f"Applies to: {kinds}. Default severity: `{rule.severity.value}`."
        f" Example, near miss and how to suppress it with a `[[tool.policysim.lint.ignore]]`"
        f" entry: [docs/rules/{rule.id}.md]({page})."
    )
    tags = ["iam", "aws", rule.severity.value]
    if rule.severity is not Severity.SECURITY and rule.id[:3] in ("PS2", "PS3", "PS4"):
        tags.append("security")
    properties: dict[str, Any] = {
        "tags": tags,
        "precision": "high",
        "problem.severity": "recommendation"
        if rule.severity is Severity.SUGGESTION
        else _SARIF_LEVEL[rule.severity],
    }
    if rule.severity is Severity.SECURITY:
        properties["security-severity"] = SECURITY_SEVERITY
    return {
        "id": rule.id,
        "name": _camel(rule.title),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": description},
        "helpUri": page,
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {
            "enabled": rule.default_enabled,
            "level": _SARIF_LEVEL[rule.severity],
        },
        "properties": properties,
    }


def fingerprints(findings: list[Finding]) -> list[str]:
    """A `partialFingerprints` value for each finding, independent of where it is: a hash of
    the rule, the file, the pointer and the message with statement numbers and positions left
    out (`_POSITIONS`), and the notes of what it folds and of the guardrail that blocks it left
    out too. Findings that are alike but
    for those (the same rule on two statements) are told apart by their order in the file."""
    seen: Counter[str] = Counter()
    out = []
    for f in findings:
        message = f.message.split(FOLD_MARK, 1)[0] if f.folded else f.message
        if f.blocked_by is not None:  # `lint --account` notes the guardrail: same finding
            message = message.removesuffix(f" (blocked by {f.blocked_by})")
        for pattern, replacement in _POSITIONS:
            message = pattern.sub(replacement, message)
        pointer = _STATEMENT_INDEX.sub("/Statement/N", f.pointer)
        key = f"{f.rule}|{f.file}|{pointer}|{message}"
        seen[key] += 1
        key += f"|{seen[key]}"
        out.append(hashlib.sha256(key.encode()).hexdigest()[:32])
    return out


def render_sarif(run: LintRun, rules: Mapping[str, Rule]) -> str:
    """A SARIF 2.1.0 log that GitHub code scanning accepts."""
    ids = sorted(set(rules) | {f.rule for f in run.findings})
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    descriptors = []
    for rule_id in ids:
        if rule_id in rules:
            descriptors.append(sarif_rule(rules[rule_id]))
        else:
            descriptors.append({"id": rule_id, "shortDescription": {"text": rule_id}})
    results = []
    for f, fingerprint in zip(run.findings, fingerprints(run.findings), strict=True):
        message = f.message + (f"\nHint: {f.hint}" if f.hint else "")
        region: dict[str, int] = {"startLine": max(f.line, 1), "startColumn": max(f.column, 1)}
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(f.file),
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {"policysimFinding/v2": fingerprint},
            "properties": {"severity": f.severity.value},
        }
        if f.folded:
            result["properties"]["folded"] = list(f.folded)
        if f.blocked_by is not None:
            result["properties"]["blockedBy"] = f.blocked_by
        if f.pointer:
            result["locations"][0]["logicalLocations"] = [
                {"fullyQualifiedName": f.pointer, "kind": "element"}
            ]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policysim",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(run: LintRun) -> str:
    """GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=...::msg`.

    CR and LF are percent-encoded for the runner to decode (so an annotation lands on its file
    and keeps its lines); every other control character is shown escaped."""
    lines = []
    for f in run.findings:
        command = _GITHUB_COMMAND[f.severity]
        file = terminal_safe(f.file, allow="\r\n")
        properties = ",".join(
            [
                f"file={_escape_property(file)}",
                f"line={f.line}",
                f"col={f.column}",
                f"title={_escape_property(f'{f.rule} ({f.severity.value})')}",
            ]
        )
        message = terminal_safe(f"{f.rule} {f.message}", allow="\r\n")
        lines.append(f"::{command} {properties}::{_escape_data(message)}")
    lines.append(summary_line(run))
    return "\n".join(lines) + "\n"


def render(run: LintRun, fmt: str, rules: Mapping[str, Rule], *, color: bool = False) -> str:
    """The report in one of FORMATS."""
    if fmt == "json":
        return render_json(run)
    if fmt == "sarif":
        return render_sarif(run, rules)
    if fmt == "github":
        return render_github(run)
    return render_text(run, color=color)

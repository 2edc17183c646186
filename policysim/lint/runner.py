"""Run the rules over documents and turn their issues into findings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policysim.lint.context import Issue, LintContext, LintSettings
from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind, detect_kind
from policysim.lint.registry import Rule, all_rules
from policysim.policy.errors import PolicyError
from policysim.policy.source import Node, parse_source

PARSE_ERROR = "PS001"
DUPLICATE_KEY = "PS002"
SUPERSEDES: dict[str, frozenset[str]] = {
    "PS201": frozenset({"PS202", "PS203", "PS204", "PS205", "PS221", "PS222", "PS223", "PS224"}),
    "PS208": frozenset({"PS206", "PS207"}),
}
"""A finding of the key rule hides these rules' findings on the same statement."""


@dataclass(slots=True)
class LintOptions:
    """Which rules run and how severe they are (not to be changed once used: `plan` is
    remembered)."""

    disabled: frozenset[str] = frozenset()
    enabled: frozenset[str] = frozenset()
    """Rules that are off by default but switched on."""
    severity: dict[str, Severity] = field(default_factory=dict)
    settings: LintSettings = field(default_factory=LintSettings)
    _plans: dict[PolicyKind, list[tuple[Rule, Severity, bool]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def active(self, rule: Rule) -> bool:
        """Whether the rule runs."""
        if rule.id in self.disabled:
            return False
        return rule.default_enabled or rule.id in self.enabled

    def plan(self, kind: PolicyKind) -> list[tuple[Rule, Severity, bool]]:
        """The rules that run on documents of `kind`, in id order, each with its severity and
        whether that severity is overridden; worked out once per type and run."""
        found = self._plans.get(kind)
        if found is None:
            found = [
                (rule, self.severity.get(rule.id, rule.severity), rule.id in self.severity)
                for rule in all_rules().values()
                if self.active(rule) and rule.applies_to(kind)
            ]
            self._plans[kind] = found
        return found


def _finding(rule_id: str, severity: Severity, issue: Issue, file: str) -> Finding:
    position = issue.position
    return Finding(
        rule_id,
        issue.severity or severity,
        issue.message,
        file,
        position.line if position else 1,
        position.column if position else 1,
        issue.pointer,
        issue.statement,
        issue.hint,
    )


def lint_node(
    root: Node,
    file: str,
    *,
    kind: PolicyKind | None = None,
    service: str | None = None,
    options: LintOptions | None = None,
    attachment: dict[str, Any] | None = None,
) -> list[Finding]:
    """Lint one located policy document."""
    options = options or LintOptions()
    data = root.to_plain()
    if kind is None:
        kind, detected = detect_kind(data)
        service = service or detected
    ctx = LintContext.build(file, root, kind, service, options.settings, attachment, data)
    findings: list[Finding] = []
    for rule, severity, overridden in options.plan(kind):
        for issue in rule.check(ctx):
            finding = _finding(rule.id, severity, issue, file)
            if overridden:
                finding = _with_severity(finding, severity)
            findings.append(finding)
    return sorted(_superseded(findings), key=Finding.sort_key)


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    return Finding(
        finding.rule,
        severity,
        finding.message,
        finding.file,
        finding.line,
        finding.column,
        finding.pointer,
        finding.statement,
        finding.hint,
    )


def _superseded(findings: Iterable[Finding]) -> list[Finding]:
    findings = list(findings)
    hidden: set[tuple[str, int | None]] = set()
    for finding in findings:
        for rule_id in SUPERSEDES.get(finding.rule, ()):
            hidden.add((rule_id, finding.statement))
    return [f for f in findings if f.statement is None or (f.rule, f.statement) not in hidden]


def parse_error_finding(err: PolicyError, file: str) -> Finding:
    """PS001 (not parseable) or PS002 (duplicate key) for a document that does not parse."""
    rule_id = DUPLICATE_KEY if "duplicate key" in err.message else PARSE_ERROR
    position = err.position
    return Finding(
        rule_id,
        Severity.ERROR,
        err.message,
        file,
        position.line if position else 1,
        position.column if position else 1,
    )


def lint_source(
    data: bytes | str,
    file: str,
    *,
    kind: PolicyKind | None = None,
    service: str | None = None,
    options: LintOptions | None = None,
    attachment: dict[str, Any] | None = None,
) -> list[Finding]:
    """Lint a policy file's contents; a document that does not parse is one finding."""
    try:
        root = parse_source(data, file)
    except PolicyError as err:
        return [parse_error_finding(err, file)]
    return lint_node(root, file, kind=kind, service=service, options=options, attachment=attachment)

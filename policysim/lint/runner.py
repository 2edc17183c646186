"""Run the rules over documents and turn their issues into findings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from policysim.lint.context import Issue, LintContext, LintSettings
from policysim.lint.finding import REPORT_ORDER, Finding, Severity, fold_note
from policysim.lint.policy_type import PolicyKind, detect_kind
from policysim.lint.registry import Check, Rule, all_rules
from policysim.policy.errors import PolicyError
from policysim.policy.source import Node, parse_source
from policysim.slots import slot_setters

PARSE_ERROR = "PS001"
DUPLICATE_KEY = "PS002"
_IMPLIED = frozenset(
    {"PS211", "PS212", "PS221", "PS222", "PS223", "PS224", "PS225", "PS228", "PS229", "PS424"}
    | {f"PS{n}" for n in range(301, 400)}
)
"""What a statement that grants every action implies by itself: the over-permission rules
about particular actions (PassRole, credentials, data reads, permissions management, sharing,
AssumeRole) and every privilege-escalation method (PS3xx)."""
FOLDS: dict[str, frozenset[str]] = {
    "PS201": frozenset({"PS202", "PS203", "PS204", "PS205"}) | _IMPLIED,
    "PS208": frozenset({"PS206", "PS207"}) | _IMPLIED,
    "PS202": _IMPLIED,
    "PS206": _IMPLIED,
}
"""One finding per mistake: a finding of a key rule (a statement that grants everything:
every action on every resource, NotAction with NotResource, `"Action": "*"`, Allow with
NotAction) stands for the findings of these rules on the same statement, which it implies.
They are folded into it (its message and `folded` list name them) unless folding is off
(`LintOptions.fold`). Keys are tried in this order, so PS201 takes what PS202 would."""


@dataclass(slots=True)
class LintOptions:
    """Which rules run and how severe they are (not to be changed once used: `plan` is
    remembered)."""

    disabled: frozenset[str] = frozenset()
    enabled: frozenset[str] = frozenset()
    """Rules that are off by default but switched on."""
    severity: dict[str, Severity] = field(default_factory=dict)
    settings: LintSettings = field(default_factory=LintSettings)
    fold: bool = True
    """Fold the findings a broad grant implies into its finding (`FOLDS`); off: every finding."""
    _plans: dict[PolicyKind, list[tuple[Check, str, Severity, bool]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def active(self, rule: Rule) -> bool:
        """Whether the rule runs."""
        if rule.id in self.disabled:
            return False
        return rule.default_enabled or rule.id in self.enabled

    def plan(self, kind: PolicyKind) -> list[tuple[Check, str, Severity, bool]]:
        """The rules that run on documents of `kind`, in id order, each as its check, its id,
        its severity and whether that severity is overridden; worked out once per type and
        run (the fields a document's lint reads of each rule, unpacked once rather than read
        off the rule for every document)."""
        found = self._plans.get(kind)
        if found is None:
            found = [
                (
                    rule.check,
                    rule.id,
                    self.severity.get(rule.id, rule.severity),
                    rule.id in self.severity,
                )
                for rule in all_rules().values()
                if self.active(rule) and rule.applies_to(kind)
            ]
            self._plans[kind] = found
        return found


def _finding(rule_id: str, severity: Severity, issue: Issue, file: str) -> Finding:
    """The finding of a rule's issue. Made by filling its slots (`policysim.slots`): a corpus
    of managed policies makes 16,346 of them, and the frozen `__init__` was 2% of a run."""
    position = issue.position
    finding: Finding = _new(Finding)
    _rule(finding, rule_id)
    _severity(finding, issue.severity or severity)
    _message(finding, issue.message)
    _file(finding, file)
    _line(finding, position.line if position else 1)
    _column(finding, position.column if position else 1)
    _pointer(finding, issue.pointer)
    _statement(finding, issue.statement)
    _hint(finding, issue.hint)
    _folded(finding, ())
    _blocked_by(finding, None)
    return finding


_new = object.__new__
(
    _rule,
    _severity,
    _message,
    _file,
    _line,
    _column,
    _pointer,
    _statement,
    _hint,
    _folded,
    _blocked_by,
) = slot_setters(
    Finding,
    (
        "rule",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "pointer",
        "statement",
        "hint",
        "folded",
        "blocked_by",
    ),
)


def lint_node(
    root: Node,
    file: str,
    *,
    kind: PolicyKind | None = None,
    service: str | None = None,
    options: LintOptions | None = None,
    attachment: dict[str, Any] | None = None,
    source: str | None = None,
) -> list[Finding]:
    """Lint one located policy document (`source`: the JSON text it was parsed from, when
    that text is the whole document, as `LintTarget.text`)."""
    options = options or LintOptions()
    data = root.to_plain()
    if kind is None:
        kind, detected = detect_kind(data)
        service = service or detected
    ctx = LintContext.build(file, root, kind, service, options.settings, attachment, data, source)
    findings: list[Finding] = []
    for check, rule_id, severity, overridden in options.plan(kind):
        for issue in check(ctx):
            finding = _finding(rule_id, severity, issue, file)
            if overridden:
                finding = _with_severity(finding, severity)
            findings.append(finding)
    ctx.release()
    if options.fold:
        findings = fold_findings(findings)
    return sorted(findings, key=REPORT_ORDER)


def _with_severity(finding: Finding, severity: Severity) -> Finding:
    return replace(finding, severity=severity)


def fold_findings(findings: list[Finding]) -> list[Finding]:
    """The findings of one document with `FOLDS` applied, statement by statement.

    A finding is folded only into one at least as severe (a severity override can keep it
    apart), and only into a key finding that is not itself folded. Depends on nothing but the
    document's findings, so it is the same whatever the number of worker processes."""
    if not any(finding.rule in FOLDS for finding in findings):
        return findings  # most documents: no finding that others fold into
    by_statement: dict[int, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.statement is not None:
            by_statement.setdefault(finding.statement, []).append(index)
    taken: dict[int, list[int]] = {}
    gone: set[int] = set()
    for indexes in by_statement.values():
        keys = [i for i in indexes if findings[i].rule in FOLDS]
        keys.sort(key=lambda i: (_FOLD_ORDER.index(findings[i].rule), findings[i].sort_key()))
        for key in keys:
            if key in gone:
                continue
            folds = FOLDS[findings[key].rule]
            rank = findings[key].severity.rank
            for index in indexes:
                other = findings[index]
                if (
                    index != key
                    and index not in gone
                    and index not in taken
                    and other.rule in folds
                    and other.severity.rank >= rank
                ):
                    gone.add(index)
                    taken.setdefault(key, []).append(index)
    if not gone:
        return findings
    out = []
    for index, finding in enumerate(findings):
        if index in gone:
            continue
        folded = taken.get(index)
        if folded:
            ids = tuple(sorted({findings[i].rule for i in folded}))
            finding = replace(
                finding, message=finding.message + fold_note(ids, len(folded)), folded=ids
            )
        out.append(finding)
    return out


_FOLD_ORDER = tuple(FOLDS)


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

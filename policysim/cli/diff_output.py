"""What `policysim diff` and `policysim verify` print: the verdict, each finding with its
statements, region and counterexample (as a `policysim simulate` command and a batch line), and
the same as JSON.

The prover's types are imported for type checking only: the prover itself is imported when a
command runs, so `policysim --help` stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from policysim.text_safety import terminal_safe

if TYPE_CHECKING:
    from policysim.diff.report import DiffReport, Finding, StatementRef

PASS, FAIL, UNKNOWN = "PASS", "FAIL", "UNKNOWN"
EXIT_CODES = {PASS: 0, FAIL: 1, UNKNOWN: 3}
"""Exit status by result; 2 is every input error (`cli.app.fail`)."""

_STYLE = {PASS: "bold green", FAIL: "bold red", UNKNOWN: "bold yellow"}


@dataclass(frozen=True, slots=True)
class Answered:
    """One compared or verified policy (or principal) and the prover's report on it."""

    name: str
    kind: str
    status: str
    """changed, added, removed (diff), or checked (verify)."""
    report: DiffReport
    also: tuple[str, ...] = ()

    @property
    def result(self) -> str:
        """The prover's result, except that access only lost (`--both`) is no failure."""
        from policysim.diff.report import gained_result

        return str(gained_result(self.report))


def overall(answers: Sequence[Answered]) -> str:
    """FAIL if any part fails; else UNKNOWN if any part could not be decided; else PASS."""
    results = {a.result for a in answers}
    if FAIL in results:
        return FAIL
    if UNKNOWN in results:
        return UNKNOWN
    return PASS


def statement_label(ref: StatementRef) -> str:
    """`file:line:col statement 'Sid'` (or `#index`) of policy NAME."""
    which = f"statement {ref.sid!r}" if ref.sid else f"statement #{ref.index}"
    if ref.line is not None:
        where = f"{ref.file or ref.policy}:{ref.line}:{ref.col or 1}"
    else:
        where = ref.file or ref.policy
    return f"{where} {which}"


def region_line(finding: Finding) -> str:
    """`s3:PutObject, s3:Get* (12 actions) on arn:aws:s3:::b/*`."""
    actions = ", ".join(finding.actions) or "(no action)"
    count = finding.action_count
    counted = f" ({count} action{'s' if count != 1 else ''})" if count else ""
    if finding.unlisted:
        counted = " (actions the IAM catalog does not list yet)"
    resources = ", ".join(finding.resources) or "*"
    return f"{actions}{counted} on {resources}"


def to_json(
    answers: Sequence[Answered],
    *,
    unchanged: int = 0,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    """`{"result", "findings", "unknown", "units", "unchanged", "notes"}`; each finding is the
    prover's JSON with the `unit` it belongs to."""
    findings: list[dict[str, Any]] = []
    unknown: list[str] = []
    units: list[dict[str, Any]] = []
    for answer in answers:
        data = answer.report.to_json()
        for finding in data.get("findings", []):
            findings.append({"unit": answer.name, **finding})
        unknown.extend(f"{answer.name}: {reason}" for reason in answer.report.unknown)
        units.append(
            {
                "name": answer.name,
                "kind": answer.kind,
                "status": answer.status,
                "result": answer.result,
                "findings": len(answer.report.findings) + answer.report.more_findings,
                "also": list(answer.also),
            }
        )
    return {
        "result": overall(answers),
        "findings": findings,
        "unknown": unknown,
        "units": units,
        "unchanged": unchanged,
        "notes": list(notes),
    }


def print_json(data: dict[str, Any]) -> None:
    """One JSON document on standard output."""
    import sys

    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def render_text(
    answers: Sequence[Answered],
    *,
    question: str,
    unchanged: int = 0,
    notes: Sequence[str] = (),
) -> None:
    """The verdict first, then every part that is not PASS, with its findings."""
    from rich.text import Text

    from policysim.render import _console  # rich: imported only when text is printed

    console = _console()
    for note in notes:
        console.print(f"note: {note}")
    result = overall(answers)
    failing = [a for a in answers if a.result != PASS]
    headline = Text(result, style=_STYLE[result])
    summary = f"  {question}: {len(answers)} compared"
    if unchanged:
        summary += f", {unchanged} unchanged"
    if failing:
        summary += f", {len(failing)} not PASS"
    console.print(headline + Text(terminal_safe(summary)))
    for answer in answers:
        _render_answer(console, answer)


def _render_answer(console: Any, answer: Answered) -> None:
    from rich.text import Text

    label = f"{answer.name} ({answer.kind}, {answer.status})"
    console.print(Text(answer.result, style=_STYLE.get(answer.result, "bold")) + f"  {label}")
    if answer.also:
        console.print(f"  the same holds for {len(answer.also)} more: {', '.join(answer.also)}")
    for reason in answer.report.unknown:
        console.print(f"  undecided: {reason}")
    for number, finding in enumerate(answer.report.findings, start=1):
        direction = str(finding.direction)
        console.print(f"  {number}. {direction}: {region_line(finding)}")
        for condition in finding.conditions:
            console.print(f"     when {condition}")
        for ref in finding.statements:
            console.print(f"     by {statement_label(ref)}")
        if finding.unlisted:
            console.print(
                f"     {finding.request.action} stands for an action AWS may add that the"
                " IAM catalog does not list yet"
            )
        if finding.replayable:
            console.print("     counterexample, re-checked by the engine:")
            console.print(f"       {finding.simulate_command()}")
            console.print(f"       {json.dumps(finding.as_case(), sort_keys=True)}")
        else:
            console.print(
                "     counterexample, re-checked by the engine (`policysim simulate` refuses"
                " action names its catalog does not list, so it cannot replay this one):"
            )
            console.print(f"       {json.dumps(finding.request_json(), sort_keys=True)}")
    more = answer.report.more_findings
    if more:
        console.print(f"  ... and {more} more region{'s' if more != 1 else ''} of access")

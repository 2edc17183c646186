"""Terminal rendering with rich: decisions, explanations and check summaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from policysim.engine.result import EvaluationResult
    from policysim.simulate.cases import CaseOutcome

_STYLE = {"Allowed": "bold green", "ExplicitDeny": "bold red", "ImplicitDeny": "bold yellow"}


def decision_text(decision: str) -> Text:
    """A decision, coloured."""
    return Text(decision, style=_STYLE.get(decision, "bold magenta"))


def render_result(result: EvaluationResult, *, action: str, resource: str) -> None:
    """One decision with its explanation: why, which statements, what context was missing."""
    console = Console(soft_wrap=True, highlight=False)
    console.print(Text.assemble(decision_text(result.decision.value), f"  {action} on {resource}"))
    console.print(f"  why: {result.reason}")
    if result.matched_statements:
        console.print("  decisive statements:")
        for m in result.matched_statements:
            label = m.sid or f"#{m.statement_index}"
            level = f" (level {m.level})" if m.level is not None else ""
            where = f"  at {m.location}" if m.line is not None else ""
            console.print(
                f"    {m.effect:<5} {m.policy_type.value} policy{level} {m.policy_name}"
                f"  statement {label}{where}"
            )
    for unmet in result.unmet_conditions:
        m = unmet.statement
        console.print(
            f"  not applied: {m.policy_type.value} policy {m.policy_name}"
            f" statement {m.sid or f'#{m.statement_index}'}, condition failed:"
        )
        for text in unmet.failed:
            console.print(f"    {text}")
    if result.missing_context_keys:
        console.print(
            "  context keys the policies looked for but the request lacked: "
            + ", ".join(result.missing_context_keys)
        )
    if result.blocked_by:
        console.print(f"  blocked by: {', '.join(result.blocked_by)}")


def render_check_summary(
    outcomes: list[CaseOutcome], mismatches: list[CaseOutcome], *, to_stderr: bool
) -> None:
    """`--check`: one line per differing case, then the totals."""
    console = Console(stderr=to_stderr, highlight=False)
    for o in mismatches:
        reason = o.error or (o.result.reason if o.result else "")
        console.print(
            Text.assemble(
                f"line {o.line} {o.id}: expected ",
                decision_text(o.expected or ""),
                ", got ",
                decision_text(o.decision),
                f" — {reason}",
            )
        )
    errors = sum(1 for o in outcomes if o.error is not None)
    agree = len(outcomes) - len(mismatches)
    style = "bold green" if not mismatches else "bold red"
    console.print(
        Text(
            f"{len(outcomes)} cases: {agree} as expected, {len(mismatches)} differ"
            + (f", {errors} invalid" if errors else ""),
            style=style,
        )
    )

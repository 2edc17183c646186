"""Terminal rendering with rich: decisions, explanations and check summaries.

Everything printed here quotes input (Sids, policy, principal and account names, ARNs,
condition keys and values, file names), so every console is a `_SafeConsole`: control, bidi
and separator characters are shown as escapes (`policysim.text_safety`) and text is never
read as rich markup or emoji codes. Text objects built from input escape their strings when
they are made, since rich silently drops CR, BS and BEL from a Text (the escape shows them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Span, Text

from policysim.engine.result import describe_dependencies
from policysim.text_safety import is_terminal_safe, terminal_safe

if TYPE_CHECKING:
    from policysim.account.effective import EffectivePermissions, ServiceSummary
    from policysim.account.who_can import Grant, WhoCanReport
    from policysim.assertions.run import Outcome
    from policysim.engine.request import Request
    from policysim.engine.result import EvaluationResult, MatchedStatement
    from policysim.engine.trace import GroupTrace
    from policysim.simulate.cases import CaseOutcome

_STYLE = {"Allowed": "bold green", "ExplicitDeny": "bold red", "ImplicitDeny": "bold yellow"}


def safe_text(text: Text) -> Text:
    """`text` with its control, bidi and separator characters shown as escapes, its styles
    kept on the same characters (the same object when there is nothing to escape)."""
    plain = text.plain
    if is_terminal_safe(plain):
        return text
    offsets = [0]
    pieces = []
    for char in plain:
        piece = terminal_safe(char)
        pieces.append(piece)
        offsets.append(offsets[-1] + len(piece))
    safe = text.blank_copy("".join(pieces))
    last = len(plain)
    safe.spans = [
        Span(offsets[min(span.start, last)], offsets[min(span.end, last)], span.style)
        for span in text.spans
    ]
    return safe


def _safe(item: Any) -> Any:
    """A printable item made safe: a string becomes an escaped Text (so it is never read as
    markup), a Text is escaped; anything else (rich's own renderables) is left alone."""
    if isinstance(item, str):
        return Text(terminal_safe(item))
    if isinstance(item, Text):
        return safe_text(item)
    return item


class _SafeConsole(Console):
    """A rich console that shows what it prints with input characters escaped (see the
    module docstring): the one way text reaches the terminal from this module."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(_safe(item) for item in objects), **kwargs)


def decision_text(decision: str) -> Text:
    """A decision, coloured (a batch case's expected decision is input: escaped)."""
    return Text(terminal_safe(decision), style=_STYLE.get(decision, "bold magenta"))


def render_result(result: EvaluationResult, *, action: str, resource: str) -> None:
    """One decision with its explanation: why, which statements, what context was missing."""
    console = _SafeConsole(soft_wrap=True, highlight=False, markup=False)
    console.print(
        Text.assemble(
            decision_text(result.decision.value), terminal_safe(f"  {action} on {resource}")
        )
    )
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
    console = _SafeConsole(stderr=to_stderr, highlight=False, soft_wrap=True, markup=False)
    for o in mismatches:
        reason = o.error or (o.result.reason if o.result else "")
        console.print(
            Text.assemble(
                terminal_safe(f"line {o.line} {o.id}: expected "),
                decision_text(o.expected or ""),
                ", got ",
                decision_text(o.decision),
                terminal_safe(f" — {reason}"),
            )
        )
    for o in outcomes:
        if o.error is not None:
            console.print(f"line {o.line} {o.id}: invalid — {o.error}")
    errors = sum(1 for o in outcomes if o.error is not None)
    agree = len(outcomes) - len(mismatches) - errors
    style = "bold green" if not mismatches and not errors else "bold red"
    console.print(
        Text(
            f"{len(outcomes)} cases: {agree} as expected, {len(mismatches)} differ"
            + (f", {errors} invalid" if errors else ""),
            style=style,
        )
    )


NO_REGION = "no region (aws:RequestedRegion absent; pass --region)"
_REGION_ACTIONS_SHOWN = 3


def region_text(regions: list[tuple[str, str | None]]) -> str:
    """The region requests carry, for a header: `region eu-west-1`, the no-region note, or
    which actions carry which when they differ (`iam:` actions always go to us-east-1)."""
    distinct = list(dict.fromkeys(region for _, region in regions))
    if not distinct:
        return NO_REGION
    if len(distinct) == 1:
        return _one_region(distinct[0])
    parts = []
    for region in distinct:
        actions = [a for a, r in regions if r == region]
        shown = ", ".join(actions[:_REGION_ACTIONS_SHOWN])
        if len(actions) > _REGION_ACTIONS_SHOWN:
            shown += f" and {len(actions) - _REGION_ACTIONS_SHOWN} more"
        parts.append(f"{_one_region(region)} for {shown}")
    return "; ".join(parts)


def _one_region(region: str | None) -> str:
    return f"region {region}" if region else NO_REGION


def _console() -> Console:
    """A console that never truncates. On a terminal it knows its width (`COLUMNS` when set,
    as rich reads it): tables fit it (`_print_table`) and longer lines wrap at spaces, a word
    longer than the line folding onto the next (nothing is cut). Otherwise (files, pipes) a
    row is one line, however long, whatever `COLUMNS` says."""
    width = terminal_width()
    if width is None:
        return _SafeConsole(soft_wrap=True, highlight=False, markup=False, width=200)
    return _SafeConsole(soft_wrap=False, highlight=False, markup=False, width=width)


MIN_WIDTH = 20
"""Narrower than this, a table is laid out for this width (lines fold beyond it)."""


def _stdout_is_terminal() -> bool:
    return Console().is_terminal


def terminal_width() -> int | None:
    """The width output must fit when it goes to a terminal; None for files and pipes."""
    if not _stdout_is_terminal():
        return None
    return max(Console().width, MIN_WIDTH)


def _statement_label(m: MatchedStatement) -> str:
    label = m.sid or f"#{m.statement_index}"
    where = f" ({m.location})" if m.line is not None else ""
    return f"{m.policy_name} {label}{where}"


def _print_table(console: Console, headers: list[str], rows: list[list[str | Text]]) -> None:
    """Left-aligned columns, two spaces in and four apart, no trailing blanks; columns empty in
    every row are left out.

    When the console has a width (`_console`) and the table is wider, the columns come two
    apart; if it is still too wide, the leading columns that fit stay on the row's line and
    the others follow on lines of their own (`header: value`, indented), a value longer than
    a line wrapping at spaces or, within a word, folding: nothing is cut.

    Written out directly: rich's Table measures every cell on every render, which took half a
    second for a few hundred who-can rows. Cells are escaped before they are measured.
    """
    cells = [[_as_text(cell) for cell in row] for row in rows]
    keep = [0] + [i for i in range(1, len(headers)) if any(row[i].plain for row in cells)]
    headers = [headers[i] for i in keep]
    cells = [[row[i] for i in keep] for row in cells]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell.plain))
    limit = console.width if not console.soft_wrap else None
    gap = 4
    if limit is not None and _table_width(widths, gap) > limit:
        gap = 2
    inline = len(headers)
    if limit is not None:
        while inline > 1 and _table_width(widths[:inline], gap) > limit:
            inline -= 1

    def line(row: list[Text]) -> Text:
        out = Text("  ")
        for i, text in enumerate(row):
            out.append_text(text)
            if i < len(row) - 1:
                out.append(" " * (widths[i] - len(text.plain) + gap))
        out.rstrip()
        return out

    def emit(text: Text, indent: int) -> None:
        if limit is None:
            console.print(text)
            return
        for piece in _wrap(text, max(limit - indent, 1)):
            console.print(Text(" " * indent).append_text(piece))

    emit(line([Text(h, style="bold") for h in headers[:inline]]), 0)
    for row in cells:
        emit(line(row[:inline]), 0)
        for header, text in zip(headers[inline:], row[inline:], strict=True):
            if text.plain:
                emit(Text.assemble(Text(f"{header}: "), text), 6)


def _as_text(cell: str | Text) -> Text:
    safe = _safe(cell)
    return safe if isinstance(safe, Text) else Text(str(safe))


def _table_width(widths: list[int], gap: int) -> int:
    return 2 + sum(widths) + gap * (len(widths) - 1)


def _wrap(text: Text, width: int) -> list[Text]:
    """`text` in lines of at most `width` characters: broken after a space where there is
    one, else within the word; styles kept, no character dropped but the spaces at breaks."""
    plain = text.plain
    if len(plain) <= width:
        return [text]
    cuts: list[int] = []
    start = 0
    while len(plain) - start > width:
        space = plain.rfind(" ", start + 1, start + width + 1)
        cut = space + 1 if space > start else start + width
        cuts.append(cut)
        start = cut
    pieces = list(text.divide(cuts))
    for piece in pieces:
        piece.rstrip()
    return pieces


def render_check(
    principal: str,
    account: str | None,
    resource: str,
    results: list[tuple[str, EvaluationResult]],
    *,
    regions: list[tuple[str, str | None]] | None = None,
) -> None:
    """`check`: one row per action, under a header naming the caller, resource and region."""
    console = _console()
    where = f" in account {account}" if account else ""
    region = f", {region_text(regions)}" if regions is not None else ""
    console.print(f"{principal}{where}, resource {resource}{region}")
    rows: list[list[str | Text]] = []
    for action, result in results:
        if "s3-bpa" in result.blocked_by:
            decided = "S3 Block Public Access (RestrictPublicBuckets) blocks the public policy"
        elif result.matched_statements:
            decided = "; ".join(_statement_label(m) for m in result.matched_statements[:3])
            if len(result.matched_statements) > 3:
                decided += f"; +{len(result.matched_statements) - 3} more"
        else:
            decided = result.reason
        rows.append(
            [
                action,
                decision_text(result.decision.value),
                decided,
                ", ".join(result.missing_context_keys),
            ]
        )
    _print_table(console, ["action", "decision", "decided by", "missing context keys"], rows)
    for action, result in results:
        if result.depends_on:
            console.print(f"  {action}: {describe_dependencies(result.depends_on)}")


def render_explain(
    principal: str,
    action: str,
    resource: str,
    request: Request,
    groups: list[GroupTrace],
    result: EvaluationResult,
    *,
    region: str | None = None,
) -> None:
    """`explain`: every statement of every policy, with why it did or did not apply."""
    console = _console()
    console.print(
        Text(
            terminal_safe(f"{principal}: {action} on {resource}, {_one_region(region)}"),
            style="bold",
        )
    )
    console.print("  request context:")
    for key, value in sorted(request.context.items(), key=lambda kv: kv[0].lower()):
        shown = value if isinstance(value, str) else "[" + ", ".join(value) + "]"
        console.print(f"    {key} = {shown}")
    for group in groups:
        console.print(Text(terminal_safe(f"  {group.label}:"), style="bold"))
        if not group.statements:
            console.print("    (no statements)")
        for st in group.statements:
            mark = "✔" if st.applies else "·"
            console.print(
                f"    {mark} {st.statement.effect:<5} {_statement_label(st.statement)}: {st.why()}"
            )
    console.print(
        Text.assemble(
            "  decision: ",
            decision_text(result.decision.value),
            terminal_safe(f" — {result.reason}"),
        )
    )
    if result.missing_context_keys:
        console.print("  missing context keys: " + ", ".join(result.missing_context_keys))
    if result.depends_on:
        console.print("  depends on the request: " + describe_dependencies(result.depends_on))


def _who_can_header(report: WhoCanReport, region: str | None = None) -> str:
    """`s3:PutObject on ARN, region R: 1 of 4 principals allowed, 1 more if conditions hold`."""
    text = (
        f"{report.action} on {report.resource}, {_one_region(region)}: {len(report.allowed)} of"
        f" {report.checked} principals allowed"
    )
    if report.allowed_if:
        text += f", {len(report.allowed_if)} more if conditions hold"
    return text


def _denied_by(grant: Grant) -> str:
    """The deciding statements of a denied principal, else why nothing allowed it."""
    if grant.statements:
        return "; ".join(_statement_label(m) for m in grant.statements[:3])
    return grant.reason or "no statement allows it"


def render_who_can(report: WhoCanReport, *, region: str | None = None) -> None:
    """`who-can`: the allowed principals and the statements that grant them; those allowed if a
    condition holds; with `--show-denied`, the rest and what denied them."""
    console = _console()
    console.print(_who_can_header(report, region))
    if report.allowed:
        notes = [describe_dependencies(g.depends_on) for g in report.allowed]
        noted = any(notes)  # once: asked per row, it made 50,000 rows quadratic
        headers = ["principal", "account", "granted by"] + (["depends on"] if noted else [])
        rows: list[list[str | Text]] = [
            [
                grant.principal,
                grant.account,
                "; ".join(_statement_label(m) for m in grant.statements[:3]) or "(root)",
                *([note] if noted else []),
            ]
            for grant, note in zip(report.allowed, notes, strict=True)
        ]
        _print_table(console, headers, rows)
    if report.allowed_if:
        console.print("allowed if a condition holds that the question did not give:")
        _print_table(
            console,
            ["principal", "account", "condition"],
            [
                [grant.principal, grant.account, describe_dependencies(grant.allowed_if)]
                for grant in report.allowed_if
            ],
        )
    if report.external:
        console.print("outside the snapshot, allowed by the resource policy:")
        for ext in report.external:
            note = " (with conditions)" if ext.conditional else ""
            own = "; their own account must allow too" if ext.needs_own_account else ""
            console.print(f"  {ext.principal}  via {_statement_label(ext.statement)}{note}{own}")
    if report.denied is not None:
        console.print(f"denied ({len(report.denied)}):")
        if report.denied:
            notes = [describe_dependencies(g.depends_on) for g in report.denied]
            noted = any(notes)
            headers = ["principal", "account", "decision", "decided by"]
            _print_table(
                console,
                headers + (["depends on"] if noted else []),
                [
                    [
                        grant.principal,
                        grant.account,
                        decision_text(grant.decision.value),
                        _denied_by(grant),
                        *([note] if noted else []),
                    ]
                    for grant, note in zip(report.denied, notes, strict=True)
                ],
            )


def render_test_report(
    outcomes: list[tuple[str, Outcome]], seconds: float, region: str | None = None
) -> None:
    """`test`: the region the requests carry, a line per check, the failures with their
    reasons, then the totals (the region first: a decision can turn on it)."""
    console = _console()
    console.print(terminal_safe(_one_region(region)))
    for file, o in outcomes:
        mark = Text("PASSED", style="green") if o.passed else Text("FAILED", style="bold red")
        console.print(
            Text.assemble(
                terminal_safe(f"{file}:{o.test.position.line} {o.test.name} [{o.action}] "), mark
            )
        )
    failures = [(f, o) for f, o in outcomes if not o.passed]
    if failures:
        console.print(Text("failures:", style="bold"))
    for file, o in failures:
        if o.result is None:
            console.print(f"  {file}:{o.test.position.line} {o.test.name}: {o.error}")
            continue
        console.print(
            Text.assemble(
                terminal_safe(
                    f"  {file}:{o.test.position.line} {o.test.name} [{o.action}]: expected "
                ),
                decision_text(o.test.expect),
                ", got ",
                decision_text(o.result.decision.value),
            )
        )
        console.print(f"    why: {o.result.reason}")
        for m in o.result.matched_statements[:3]:
            console.print(f"    {m.effect} {_statement_label(m)}")
        if o.result.missing_context_keys:
            console.print("    missing context keys: " + ", ".join(o.result.missing_context_keys))
    passed = len(outcomes) - len(failures)
    style = "bold red" if failures else "bold green"
    console.print(Text(f"{passed} passed, {len(failures)} failed in {seconds:.2f}s", style=style))


def _count(n: int) -> str:
    return f"{n:,}"


def render_principal_can(
    answer: EffectivePermissions,
    *,
    account: str | None = None,
    region: str | None = None,
    detailed: bool = False,
) -> None:
    """`principal-can`: a row per service with something allowed (or allowed if a condition
    holds), a column per access level reading allowed/total; `detailed` (`--service`) lists
    the actions instead, the conditional ones grouped by their condition."""
    from policysim.account.effective import ACCESS_LEVELS

    console = _console()
    where = f" in account {account}" if account else ""
    header = (
        f"{answer.principal}{where}, resource {answer.resource}, {_one_region(region)}:"
        f" {_count(answer.allowed)} of"
        f" {_count(answer.checked)} actions allowed"
    )
    if answer.conditional:
        header += f", {_count(answer.conditional)} more if conditions hold"
    console.print(header)
    if detailed:
        for service in answer.services:
            _render_service_actions(console, service)
        return
    shown = [s for s in answer.services if s.allowed or s.conditional]
    levels = [lv for lv in ACCESS_LEVELS if any(_level(s, lv) for s in shown)]
    rows: list[list[str | Text]] = []
    for service in shown:
        row: list[str | Text] = [service.prefix]
        for name in levels:
            level = _level(service, name)
            if level is None:
                row.append("")
                continue
            cell = f"{len(level.allowed)}/{level.total}"
            if level.conditional:
                cell += f" +{len(level.conditional)} if"
            row.append(Text(cell, style="green" if level.allowed else ""))
        rows.append(row)
    if rows:
        _print_table(console, ["service", *levels], rows)
    rest = len(answer.services) - len(shown)
    if rest:
        console.print(f"{rest} more services: nothing allowed (--json lists every service)")


def _level(service: ServiceSummary, name: str) -> Any:
    return next((level for level in service.levels if level.level == name), None)


def _render_service_actions(console: Console, service: ServiceSummary) -> None:
    """One service's actions per access level: the allowed ones, then the conditional ones
    under the condition that would allow them."""
    console.print(
        Text(
            terminal_safe(
                f"{service.prefix} ({service.name}): {service.allowed} of {service.total}"
                " allowed"
                + (
                    f", {service.conditional} more if conditions hold"
                    if service.conditional
                    else ""
                )
            ),
            style="bold",
        )
    )
    for level in service.levels:
        console.print(f"  {level.level}: {len(level.allowed)} of {level.total} allowed")
        for action in level.allowed:
            console.print(f"    {action}")
        by_condition: dict[str, list[str]] = {}
        for action, conditions in level.conditional:
            by_condition.setdefault(describe_dependencies(conditions), []).append(action)
        for condition, actions in by_condition.items():
            console.print(f"    {condition}:")
            for action in actions:
                console.print(f"      {action}")

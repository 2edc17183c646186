"""What a proof answers: PASS, FAIL with findings (each with an engine-checked request), or
UNKNOWN with the reasons; and how a finding is shown as a batch case or a command line."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from policysim.engine.request import PrincipalKind, Request


class Outcome(StrEnum):
    """The answer of a prover."""

    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"


class Direction(StrEnum):
    """Access NEW has and OLD had not (gained), or the reverse (lost)."""

    GAINED = "gained"
    LOST = "lost"


@dataclass(frozen=True)
class Limits:
    """Search budgets; exceeding one answers UNKNOWN naming the part."""

    search_steps: int = 20000
    """Boolean search nodes per (action class, caller) question."""
    automaton_states: int = 20000
    """Product states per automaton search."""
    max_findings: int = 50
    """Findings reported; more regions of new access are counted, not shown."""
    witness_retries: int = 3
    """Other witnesses tried when the engine refuses one (AWS-owned resources)."""


@dataclass(frozen=True)
class StatementRef:
    """A statement responsible for a finding."""

    policy: str
    index: int
    sid: str | None
    file: str | None
    line: int | None
    col: int | None

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "policy": self.policy,
            "index": self.index,
            "sid": self.sid,
            "file": self.file,
            "line": self.line,
            "col": self.col,
        }


def request_json(request: Request) -> dict[str, Any]:
    """A request in the batch case format's `request` shape (docs/cases.md)."""
    principal = request.principal
    out: dict[str, Any] = {
        "principal": principal.arn
        if principal.kind is not PrincipalKind.ANONYMOUS
        else "anonymous",
        "action": request.action,
        "resource": request.resource,
    }
    if request.resource_account:
        out["resource_account"] = request.resource_account
    context: dict[str, Any] = {}
    for key, value in request.context.items():
        context[key] = value if isinstance(value, str) else list(value)
    if context:
        out["context"] = context
    return out


@dataclass(frozen=True)
class Finding:
    """One region of new (or lost) access with a request the engine confirmed."""

    direction: Direction
    request: Request
    statements: tuple[StatementRef, ...]
    actions: tuple[str, ...]
    action_count: int
    resources: tuple[str, ...]
    conditions: tuple[str, ...]
    policies: Mapping[str, Any] = field(default_factory=dict, compare=False)
    """The policy fields of a batch case under which the request is allowed (NEW for gained,
    OLD for lost), so that `as_case` is a complete case; empty when not known."""
    shown_context: tuple[str, ...] = field(default=(), compare=False)
    """The context keys the witness needs (the others are derived from the principal)."""
    unlisted: bool = False
    """The witness action is one the IAM catalog does not list yet (a name standing for the
    service's future actions): `policysim simulate` refuses it for a known service."""

    @property
    def replayable(self) -> bool:
        """Whether `policysim simulate` accepts the request: it refuses an action the catalog
        does not list for a service it knows (a typo, for a request someone wrote), so the
        witness of an unlisted action of a known service was decided by the engine directly
        and cannot be replayed there."""
        if not self.unlisted:
            return True
        from policysim.catalog import get_catalog

        return not get_catalog().has_service(self.request.action.partition(":")[0])

    def as_case(self) -> dict[str, Any]:
        """The request as a batch case (docs/cases.md), expected `Allowed`."""
        case: dict[str, Any] = {"id": f"diff-{self.direction.value}"}
        case.update(self.policies)
        case["request"] = self.request_json()
        case["expected"] = "Allowed"
        return case

    def request_json(self) -> dict[str, Any]:
        """The request alone, with only the context keys the witness needs."""
        out = request_json(self.request)
        if "context" in out:
            shown = {k.lower() for k in self.shown_context}
            kept = {k: v for k, v in out["context"].items() if k.lower() in shown}
            if kept:
                out["context"] = kept
            else:
                del out["context"]
        return out

    def simulate_command(self) -> str:
        """A `policysim simulate` command that answers this request as a batch case."""
        line = json.dumps(self.as_case(), separators=(",", ":"))
        return f"echo {shlex.quote(line)} | policysim simulate --batch - --check"

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "direction": self.direction.value,
            "request": self.request_json(),
            "statements": [s.to_json() for s in self.statements],
            "actions": list(self.actions),
            "action_count": self.action_count,
            "resources": list(self.resources),
            "conditions": list(self.conditions),
            **({"unlisted_action": True, "replayable": self.replayable} if self.unlisted else {}),
        }


@dataclass(frozen=True)
class DiffReport:
    """The answer: PASS (proved), FAIL (findings), or UNKNOWN (reasons)."""

    result: Outcome
    findings: tuple[Finding, ...] = ()
    unknown: tuple[str, ...] = ()
    more_findings: int = 0
    """Regions of new access found beyond `Limits.max_findings`."""

    def to_json(self) -> dict[str, Any]:
        """`{"result": ..., "findings": [...], "unknown": [...]}`."""
        out: dict[str, Any] = {
            "result": self.result.value,
            "findings": [f.to_json() for f in self.findings],
            "unknown": list(self.unknown),
        }
        if self.more_findings:
            out["more_findings"] = self.more_findings
        return out


def gained_result(report: DiffReport) -> Outcome:
    """The answer to "does NEW grant anything new?": findings of access only lost (asked for
    with `both`) are no failure, so they leave PASS, or UNKNOWN if a part was undecided."""
    result = Outcome(report.result)
    if result is Outcome.FAIL and not any(f.direction == Direction.GAINED for f in report.findings):
        return Outcome.UNKNOWN if report.unknown else Outcome.PASS
    return result

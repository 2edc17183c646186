"""The batch case format of `policysim simulate` (spec/cases.md): parse, evaluate, report.

A case is one request with every policy that bears on it. Invalid cases are answered with
`decision: Error` and a one-line reason naming the field; unreadable input (a line that is not
JSON) is a `PolicyError` naming the line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from policysim.catalog.arguments import (
    ResourceArgumentError,
    ResourceMismatchError,
    check_request,
)
from policysim.catalog.key_values import context_value_error
from policysim.catalog.regions import is_known_region, requested_region
from policysim.engine.compiled import CompileCache, NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.document_cache import DocumentCache
from policysim.engine.evaluate import evaluate
from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.engine.request import Context, Request, RequestError
from policysim.engine.result import EvaluationResult
from policysim.files import LineTooLongError
from policysim.policy.errors import PolicyError, Position
from policysim.policy.kinds import PolicyKind
from policysim.policy.source import strict_loads

DECISIONS = ("Allowed", "ExplicitDeny", "ImplicitDeny")


class CaseError(ValueError):
    """A case that cannot be evaluated; the message names the field."""


@dataclass(slots=True)
class Case:
    """One parsed case."""

    id: str
    policies: PolicySet
    request: Request
    expected: str | None
    warnings: list[str] = field(default_factory=list)


# Shared by every batch of the process, and bounded: documents repeat across cases (one policy
# tried against many requests), so each distinct document is parsed and compiled once.
_DOCUMENTS = DocumentCache()
_COMPILED = CompileCache(limit=8192)


_FIELD_KINDS = {
    "identity_policies": PolicyKind.IDENTITY,
    "resource_policy": PolicyKind.RESOURCE,
    "permission_boundaries": PolicyKind.BOUNDARY,
    "scps": PolicyKind.SCP,
    "rcps": PolicyKind.RCP,
    "session_policy": PolicyKind.SESSION,
}


def field_kind(field: str) -> PolicyKind:
    """The policy type a case field holds (`scps[0][1]` holds an SCP): what IAM rejects in a
    document depends on it (an identity statement needs a Resource, a bucket policy's need not).
    A role trust policy is a resource policy here: cases give it as `resource_policy`."""
    return _FIELD_KINDS[field.split("[", 1)[0].split(".", 1)[0]]


def validate_request(action: str, resource: str) -> list[str]:
    """Vet a case's action and resource as `simulate` vets its options; return the warnings.

    An unknown action, a wildcard action, a resource that is not an ARN or `*`, or an action on
    a resource of a type it does not act on make the case invalid, naming the field.
    """
    try:
        return check_request(action, resource)
    except (ResourceArgumentError, ResourceMismatchError) as err:
        raise CaseError(f"request.resource: {err.message}") from None
    except PolicyError as err:
        raise CaseError(f"request.action: {err.message}") from None


def _policy(data: Any, field: str) -> NamedPolicy:
    """Validate a case's policy document (identical documents are parsed once)."""
    try:
        return _DOCUMENTS.named(data, field, kind=field_kind(field))
    except PolicyError as err:
        raise CaseError(str(err.located(path_prefix=field))) from None


def _policy_list(data: Any, field: str) -> list[NamedPolicy]:
    if not isinstance(data, list):
        raise CaseError(f"{field}: must be a list of policy documents")
    return [_policy(doc, f"{field}[{i}]") for i, doc in enumerate(data)]


def _levels(data: Any, field: str) -> list[list[NamedPolicy]] | None:
    if data is None:
        return None
    if not isinstance(data, list):
        raise CaseError(f"{field}: must be a list of levels, each a list of policy documents")
    return [_policy_list(level, f"{field}[{i}]") for i, level in enumerate(data)]


def _context(data: Any) -> Context:
    """`request.context`: each value a string, number or boolean, or a list of them, and of
    the key's type (`context_value_error`)."""
    if data is None:
        return Context()
    if not isinstance(data, dict):
        raise CaseError("request.context: must be an object of key to value(s)")
    context = Context()
    for key, value in data.items():
        if isinstance(value, list):
            context.set(
                key,
                [_context_text(key, v, f"request.context.{key}[{i}]") for i, v in enumerate(value)],
            )
        else:
            context.set(key, _context_text(key, value, f"request.context.{key}"))
    return context


def _context_text(key: str, value: Any, where: str) -> str:
    """One context value as AWS sees it: text. A JSON number becomes its digits (`5`) and a
    JSON boolean `true`/`false`, so `"s3:max-keys": 5` and `"aws:SecureTransport": true`
    read naturally; whether the text suits the key is then checked, which refuses a boolean
    for a Numeric key or a number for a Bool key."""
    if type(value) is str:
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = str(value)
    else:
        listed = where.endswith("]")
        raise CaseError(
            f"{where}: must be a string, a number or a boolean"
            + ("" if listed else ", or a list of them")
        )
    shown = None if type(value) is str else json.dumps(value)
    problem = context_value_error(key, text, shown=shown)
    if problem is not None:
        raise CaseError(f"{where}: {problem}")
    return text


def _string(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise CaseError(f"{where}{key}: must be a non-empty string")
    return value


def parse_case(
    data: Any, *, derive: bool = True, index: int = 0, region: str | None = None
) -> Case:
    """Validate one case object. `region` (`--region`) is the default for `request.region`:
    with either, a request whose context lacks `aws:RequestedRegion` gets the region it would
    carry (`requested_region`); with neither, the key stays as given."""
    if not isinstance(data, dict):
        raise CaseError("a case must be a JSON object")
    case_id = data.get("id")
    if case_id is None:
        case_id = f"case-{index + 1}"
    if not isinstance(case_id, str):
        raise CaseError("id: must be a string")
    request_data = data.get("request")
    if not isinstance(request_data, dict):
        raise CaseError("request: must be an object")
    identity = data.get("identity_policies")
    policies = PolicySet(
        identity=_policy_list(identity, "identity_policies") if identity is not None else [],
        resource=(
            _policy(data["resource_policy"], "resource_policy")
            if data.get("resource_policy") is not None
            else None
        ),
        boundary=(
            _policy_list(data["permission_boundaries"], "permission_boundaries")
            if data.get("permission_boundaries") is not None
            else None
        ),
        scps=_levels(data.get("scps"), "scps"),
        rcps=_levels(data.get("rcps"), "rcps"),
        session=(
            _policy(data["session_policy"], "session_policy")
            if data.get("session_policy") is not None
            else None
        ),
    )
    principal_text = _string(request_data, "principal", "request.")
    action = _string(request_data, "action", "request.")
    resource = _string(request_data, "resource", "request.", required=False) or "*"
    resource_account = _string(request_data, "resource_account", "request.", required=False)
    assert principal_text is not None and action is not None
    if ":" not in action:
        raise CaseError(f"request.action: {action!r} is not of the form service:Action")
    warnings = validate_request(action, resource)
    context = _context(request_data.get("context"))
    case_region = _string(request_data, "region", "request.", required=False) or region
    if case_region is not None:
        if not is_known_region(case_region):
            raise CaseError(f"request.region: {case_region!r} is not an AWS region")
        if "aws:RequestedRegion" not in context:
            used = requested_region(action.partition(":")[0], resource, case_region)
            if used is not None:
                context.set("aws:RequestedRegion", used)
    try:
        request = build_request(
            principal_text,
            action,
            resource,
            resource_account=resource_account,
            context=context,
            derive=derive,
        )
    except RequestError as err:
        raise CaseError(f"request.principal: {err}") from None
    expected = data.get("expected")
    if expected is not None and expected not in DECISIONS:
        raise CaseError(f"expected: must be one of {', '.join(DECISIONS)}")
    return Case(case_id, policies, request, expected, warnings)


@dataclass(slots=True)
class CaseOutcome:
    """The answer to one case."""

    id: str
    line: int
    expected: str | None
    result: EvaluationResult | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def decision(self) -> str:
        """`Allowed`, `ExplicitDeny`, `ImplicitDeny` or `Error`."""
        return self.result.decision.value if self.result else "Error"

    @property
    def mismatch(self) -> bool:
        """True when the case has an `expected` that differs from the decision."""
        return self.expected is not None and self.expected != self.decision

    def to_json(self) -> dict[str, Any]:
        """One output line."""
        out: dict[str, Any] = {"id": self.id, "decision": self.decision}
        if self.error is not None:
            out["error"] = self.error
        if self.warnings:
            out["warnings"] = self.warnings
        if self.result is not None:
            details = self.result.to_json()
            details.pop("decision")
            out.update(details)
        if self.expected is not None:
            out["expected"] = self.expected
        return out


_LINE_ENCODER = json.JSONEncoder(separators=(",", ":"))
"""Made once: `json.dumps` with options builds a new encoder on every call."""


def outcome_line(outcome: CaseOutcome) -> str:
    """The outcome as one line of JSON Lines output (with its newline)."""
    return _LINE_ENCODER.encode(outcome.to_json()) + "\n"


def run_case(case: Case, options: EvaluationOptions = DEFAULT_OPTIONS) -> EvaluationResult:
    """Evaluate one parsed case."""
    return evaluate(compile_policy_set(case.policies, options, _COMPILED), case.request)


def decode_lines(stream: Iterable[bytes], file: str) -> Iterator[str]:
    """UTF-8 lines of a binary stream; a bad byte is an error naming its line and column.

    A UTF-8 byte order mark at the start is allowed, as for policy files. A line the stream
    refuses as too long (`policysim.files.bounded_lines`) is an error at that line.
    """
    try:
        yield from _decoded(stream, file)
    except LineTooLongError as err:
        raise PolicyError(str(err), file=file, position=Position(err.line, 1)) from None


def _decoded(stream: Iterable[bytes], file: str) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise PolicyError(
                f"not UTF-8 text: byte 0x{raw[err.start]:02x} cannot be decoded",
                file=file,
                position=Position(number, err.start + 1),
            ) from None


def iter_lines(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines."""
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def simulate_lines(
    lines: Iterable[str],
    *,
    file: str,
    options: EvaluationOptions = DEFAULT_OPTIONS,
    derive: bool = True,
    on_outcome: Callable[[CaseOutcome], None] | None = None,
    region: str | None = None,
    keep: bool = True,
) -> list[CaseOutcome]:
    """Answer every case of a JSON Lines stream, in order.

    A line that is not JSON raises `PolicyError` naming its line number: the input is unusable.
    With `keep=False` the outcomes are only passed to `on_outcome` and the list returned is
    empty, so memory stays flat however long the stream is.
    """
    outcomes: list[CaseOutcome] = []
    for index, (number, line) in enumerate(iter_lines(lines)):
        try:
            data = strict_loads(line)
        except json.JSONDecodeError as err:
            raise PolicyError(
                f"not JSON: {err.msg}", file=file, position=Position(number, err.colno)
            ) from None
        except ValueError as err:
            raise PolicyError(f"not JSON: {err}", file=file, position=Position(number, 1)) from None
        case_id = data.get("id") if isinstance(data, dict) else None
        expected = data.get("expected") if isinstance(data, dict) else None
        outcome = CaseOutcome(
            case_id if isinstance(case_id, str) else f"line-{number}",
            number,
            expected if isinstance(expected, str) else None,
        )
        try:
            case = parse_case(data, derive=derive, index=index, region=region)
            outcome.warnings = case.warnings
            outcome.result = run_case(case, options)
        except CaseError as err:
            outcome.error = str(err)
        if keep:
            outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes

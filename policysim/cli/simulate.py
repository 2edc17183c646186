"""`policysim simulate`: decide requests from policy files, one or a batch of cases."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from policysim.cli.app import app, fail, say
from policysim.cli.limits import MaxFileSizeOpt

if TYPE_CHECKING:
    from policysim.engine.options import EvaluationOptions
    from policysim.engine.result import EvaluationResult
    from policysim.simulate.cases import CaseOutcome


@app.command(
    epilog=(
        "Examples:\n\n"
        "  policysim simulate --batch cases.jsonl --check\n\n"
        "  policysim simulate --policy p.json --action s3:GetObject"
        " --resource arn:aws:s3:::bucket/key --context aws:SourceIp=10.0.0.1\n\n"
        "Exit status, one request: 0 allowed; 1 denied; 2 invalid input (an unknown action,"
        " a resource that is not an ARN or '*' or not of a type the action acts on, a policy"
        " IAM would reject).\n\n"
        "Exit status, --batch: 0 every case answered (and, with --check, as expected);"
        " 1 with --check, a decision differs from the case's expected one;"
        " 2 a case is invalid (its line still gets decision Error and the other cases are"
        " answered) or the input is unusable. 2 wins over 1: an invalid case never counts as"
        " expected. See docs/cases.md for the format."
    )
)
def simulate(
    batch: Annotated[
        str | None,
        typer.Option("--batch", help="JSON Lines file of cases (docs/cases.md); '-' reads stdin."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Compare each decision with the case's 'expected'.")
    ] = False,
    policy: Annotated[
        list[Path] | None, typer.Option("--policy", help="Identity policy file (repeatable).")
    ] = None,
    action: Annotated[str | None, typer.Option(help="Action, e.g. s3:GetObject.")] = None,
    resource: Annotated[str, typer.Option(help="Resource ARN, or '*'.")] = "*",
    resource_account: Annotated[
        str | None, typer.Option(help="Account owning the resource (S3 ARNs carry none).")
    ] = None,
    resource_policy: Annotated[
        Path | None, typer.Option(help="Resource-based policy (bucket, key, trust, ...).")
    ] = None,
    boundary: Annotated[Path | None, typer.Option(help="Permissions boundary policy.")] = None,
    scp: Annotated[
        list[Path] | None,
        typer.Option(help="SCP file, one organization level each, root first (repeatable)."),
    ] = None,
    rcp: Annotated[
        list[Path] | None,
        typer.Option(help="RCP file, one organization level each, root first (repeatable)."),
    ] = None,
    session_policy: Annotated[Path | None, typer.Option(help="Session policy.")] = None,
    principal: Annotated[
        str, typer.Option(help="Caller ARN, 'anonymous' or a service principal.")
    ] = "arn:aws:iam::111122223333:user/policysim",
    context: Annotated[
        list[str] | None,
        typer.Option(
            "--context",
            help="KEY=VALUE context entry (repeatable); multivalued keys take a,b,c.",
        ),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            help=(
                "NAME=VALUE for a behaviour where the sources disagree (README table), e.g."
                " session_arn_grant_bypasses_session_policy=false. Defaults follow the AWS docs."
            ),
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Region the request is sent to: sets aws:RequestedRegion (unless --context"
            " does) for resources whose ARN has none; in a batch, the default for each case's"
            " request.region. Not read from AWS_REGION: cases carry what they are given.",
        ),
    ] = None,
    no_derive: Annotated[
        bool,
        typer.Option(
            "--no-derive", help="Do not derive aws:PrincipalArn, aws:username, ... from the caller."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Decide requests the way AWS does: a batch of cases, or one request from policy files."""
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_options

    try:
        options = parse_options(option or [])
        if region is not None:
            from policysim.account.workspace import choose_region

            choose_region(region, {})
        if batch is not None:
            code = _simulate_batch(
                batch,
                check=check,
                as_json=as_json,
                options=options,
                derive=not no_derive,
                region=region,
            )
            raise typer.Exit(code)
        if action is None:
            fail("give --batch FILE, or --action with --policy files (see --help)")
        result, warnings = _simulate_one(
            policy or [],
            action=action,
            resource=resource,
            resource_account=resource_account,
            resource_policy=resource_policy,
            boundary=boundary,
            scps=scp,
            rcps=rcp,
            session_policy=session_policy,
            principal=principal,
            context=context or [],
            options=options,
            derive=not no_derive,
            region=region,
        )
    except PolicyError as err:
        fail(err)
    for warning in warnings:
        say(f"policysim: warning: {warning}", err=True)
    if as_json:
        payload = result.to_json()
        if warnings:
            payload["warnings"] = warnings
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_result

        render_result(result, action=action, resource=resource)
    raise typer.Exit(0 if result.allowed else 1)


def _simulate_one(
    policies: list[Path],
    *,
    action: str,
    resource: str,
    resource_account: str | None,
    resource_policy: Path | None,
    boundary: Path | None,
    scps: list[Path] | None,
    rcps: list[Path] | None,
    session_policy: Path | None,
    principal: str,
    context: list[str],
    options: EvaluationOptions,
    derive: bool,
    region: str | None = None,
) -> tuple[EvaluationResult, list[str]]:
    """Evaluate one request from policy files; return the result and warnings to show."""
    from policysim.api import evaluate
    from policysim.catalog.arguments import (
        ResourceArgumentError,
        ResourceMismatchError,
        check_request,
    )
    from policysim.engine.compiled import NamedPolicy, PolicySet
    from policysim.engine.context_keys import build_request
    from policysim.engine.request import RequestError
    from policysim.policy.build import load_policy
    from policysim.policy.errors import PolicyError
    from policysim.policy.kinds import PolicyKind
    from policysim.simulate.options import parse_context

    def named(path: Path, kind: PolicyKind) -> NamedPolicy:
        return NamedPolicy(load_policy(path, kind=kind), str(path))

    if ":" not in action:
        raise PolicyError(f"--action {action!r} is not of the form service:Action")
    try:
        warnings = check_request(action, resource)
    except (ResourceArgumentError, ResourceMismatchError) as err:
        raise PolicyError(f"--resource: {err.message}") from None
    except PolicyError as err:
        raise PolicyError(f"--action: {err.message}") from None
    policy_set = PolicySet(
        identity=[named(p, PolicyKind.IDENTITY) for p in policies],
        resource=named(resource_policy, PolicyKind.RESOURCE) if resource_policy else None,
        boundary=[named(boundary, PolicyKind.BOUNDARY)] if boundary else None,
        scps=[[named(p, PolicyKind.SCP)] for p in scps] if scps else None,
        rcps=[[named(p, PolicyKind.RCP)] for p in rcps] if rcps else None,
        session=named(session_policy, PolicyKind.SESSION) if session_policy else None,
    )
    given = parse_context(context)
    if region is not None and "aws:RequestedRegion" not in given:
        from policysim.catalog.regions import requested_region

        used = requested_region(action.partition(":")[0], resource, region)
        if used is not None:
            given["aws:RequestedRegion"] = used
    try:
        request = build_request(
            principal,
            action,
            resource,
            resource_account=resource_account,
            context=given,
            derive=derive,
        )
    except RequestError as err:
        raise PolicyError(f"--principal: {err}") from None
    return evaluate(policy_set, request, options), warnings


def _simulate_batch(
    source: str,
    *,
    check: bool,
    as_json: bool,
    options: EvaluationOptions,
    derive: bool,
    region: str | None = None,
) -> int:
    from policysim.files import bounded_lines, open_input_stream, read_problem
    from policysim.policy.errors import PolicyError
    from policysim.simulate.cases import decode_lines, outcome_line, simulate_lines

    # Streamed, however long: a regular file or a pipe (the user named it: '-', `<(...)`), never
    # a device, and no line longer than the input file limit (a pipe of zeros is refused).
    stream: BinaryIO
    if source == "-":
        name, stream = "<stdin>", sys.stdin.buffer
    else:
        name = source
        try:
            stream = open_input_stream(source, allow_pipes=True)
        except OSError as err:
            raise PolicyError(read_problem(err), file=source) from None
    write_lines = as_json or not check
    out = sys.stdout
    invalid = 0

    def emit(outcome: CaseOutcome) -> None:
        nonlocal invalid
        if outcome.error is not None:
            invalid += 1
        if write_lines:
            out.write(outcome_line(outcome))

    try:
        outcomes = simulate_lines(
            decode_lines(bounded_lines(stream), name),
            file=name,
            options=options,
            derive=derive,
            on_outcome=emit,
            region=region,
            keep=check,  # only the --check summary needs them
        )
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    return batch_exit_code(outcomes, check=check, as_json=as_json, invalid=invalid > 0)


def batch_exit_code(
    outcomes: list[CaseOutcome], *, check: bool, as_json: bool, invalid: bool
) -> int:
    """The batch contract: 2 when any case is invalid (whether or not it had an `expected`:
    an invalid case is never "as expected"), else with --check 1 when a decision differs,
    else 0. With --check the differing and invalid cases are listed with the totals
    (`outcomes` is kept only then; `invalid` is counted as the outcomes stream past)."""
    if check:
        from policysim.render import render_check_summary

        mismatches = [o for o in outcomes if o.error is None and o.mismatch]
        render_check_summary(outcomes, mismatches, to_stderr=as_json)
        if not invalid:
            return 1 if mismatches else 0
    return 2 if invalid else 0

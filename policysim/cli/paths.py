"""`policysim paths`: who can become admin, or reach a permission, hop by hop.

The library (`policysim.paths.find_paths`) finds the paths; this module parses the arguments,
prints each path with its method, pathfinding.cloud link, engine checks and annotations, and
exits 0 (no path), 1 (a path) or 2 (input error).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from policysim.cli.account import ACCOUNT_HELP
from policysim.cli.app import app, fail, say
from policysim.cli.limits import MaxFileSizeOpt

if TYPE_CHECKING:
    from policysim.account.resolve import Resolver
    from policysim.paths import PathsReport
    from policysim.paths.decide import Check
    from policysim.paths.report import Fix
    from policysim.paths.search import Hop

_EPILOG = (
    "Examples:\n\n"
    "  policysim paths --account account.yaml\n\n"
    "  policysim paths -a account.yaml --from user/alice --max-hops 3\n\n"
    "  policysim paths -a account.yaml --to s3:GetObject arn:aws:s3:::payroll/report.csv\n\n"
    "  policysim paths -a account.yaml --json | jq '.paths[].source'\n\n"
    "A hop S -> T means S can obtain T's permissions (assume it, mint its keys, pass it to a"
    " service that runs S's code); S -> admin means S can make itself, or a principal it can"
    " become, an administrator. Every hop lists the engine checks it relies on, with the"
    " statement that decided each (file:line:col), and what it depends on: 'requires MFA'"
    " (a key the attacker sets) or 'depends on K' (a key the account cannot tell). Admin means"
    " the identity policies allow every action on every resource with no condition, and the"
    " boundary and SCPs take nothing away from that principal in particular. The methods, with"
    " their pathfinding.cloud ids, are listed in docs/paths.md.\n\n"
    "Exit status: 0 no path; 1 some principal has a path (or a --from principal is already"
    " there); 2 unusable input, or an account of the organization could not be read by"
    " fetch --org (the paths found are shown)."
)


def _open(account: list[Path] | None) -> Resolver:
    from policysim.account.workspace import open_resolver
    from policysim.cli.unread import unread_warnings

    resolver = open_resolver(account)
    for warning in resolver.snapshot.warnings:
        say(f"policysim: warning: {warning}", err=True)
    for line in unread_warnings(resolver.snapshot):
        say(line, err=True)
    return resolver


def _sources(resolver: Resolver, given: list[str]) -> list[str]:
    """ARNs of the users and roles `--from` names (ARN, user/NAME, role/NAME)."""
    from policysim.account.errors import AccountError
    from policysim.account.principal_spec import split_principal
    from policysim.account.resolve import Target

    arns: list[str] = []
    for text in given:
        ref, rest = split_principal(text.split())
        if rest:
            raise AccountError(f"--from takes one principal, got {text!r}")
        found = resolver.resolve(ref)
        if not isinstance(found, Target) or found.kind not in ("user", "role"):
            raise AccountError(f"--from {text!r}: paths start at a user or role of the account")
        assert found.entity is not None
        arns.append(found.entity.arn)
    return arns


def _target(to: str, resource: str | None) -> str | tuple[str, str]:
    words = to.split()
    if resource is not None:
        words.append(resource)
    if words == ["admin"]:
        return "admin"
    if words and words[0] == "admin":
        fail("--to admin takes no resource")
    if len(words) == 2:
        return words[0], words[1]
    fail(f"--to takes 'admin' or ACTION RESOURCE, got {' '.join(words)!r}")


@app.command("paths", epilog=_EPILOG)
def paths(
    resource: Annotated[
        str | None,
        typer.Argument(
            metavar="[RESOURCE]",
            help="With --to ACTION: the resource ARN of the permission.",
            show_default=False,
        ),
    ] = None,
    account: Annotated[
        list[Path] | None,
        typer.Option("--account", "-a", metavar="FILE|DIR", help=ACCOUNT_HELP),
    ] = None,
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--from",
            help="Only paths from this user or role (ARN, user/NAME or role/NAME; repeatable)."
            " Default: every user and role.",
        ),
    ] = None,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            metavar="admin|ACTION",
            help="'admin' (default), or an action followed by its resource ARN:"
            " --to s3:GetObject arn:aws:s3:::bucket/key.",
        ),
    ] = "admin",
    max_hops: Annotated[
        int | None,
        typer.Option("--max-hops", min=0, help="Only paths of at most this many hops."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Every principal that can reach admin (or a permission), with its shortest path."""
    from policysim.account.unreadable import unreadable_for_organization
    from policysim.cli.unread import EXIT_INCOMPLETE, report_incomplete, unread_json
    from policysim.paths import find_paths
    from policysim.policy.errors import PolicyError

    target = _target(to, resource)
    try:
        resolver = _open(account)
        chosen = _sources(resolver, sources) if sources else None
        report = find_paths(resolver, target, chosen, max_hops)
    except PolicyError as err:
        fail(err)
    fix = _fix(resolver, report, target, max_hops)
    # Paths cross accounts: one that was not read may hold a hop of any path, or its start.
    unread = unreadable_for_organization(resolver)
    if as_json:
        payload = report.to_json(fix)
        if unread:
            payload["errors"] = unread_json(unread)
        typer.echo(json.dumps(payload, indent=2))
    else:
        _render(report, fix)
    if unread:
        report_incomplete(unread)
        raise typer.Exit(EXIT_INCOMPLETE)
    reached_source = bool(sources) and bool(report.reached)
    raise typer.Exit(1 if report.any or reached_source else 0)


VERIFY_UP_TO = 1000
"""Accounts with at most this many users and roles get their cheapest fix checked by searching
again without it (a few more searches); larger ones get the count of paths that use it."""


def _fix(
    resolver: Resolver, report: PathsReport, target: str | tuple[str, str], max_hops: int | None
) -> Fix | None:
    if report.principals > VERIFY_UP_TO or not report.paths:
        return report.cheapest_fix()
    from policysim.paths.fix import verified_fix

    return verified_fix(resolver, report, target, max_hops) or report.cheapest_fix()


def _render(report: PathsReport, fix: Fix | None) -> None:
    goal = f"{report.action} on {report.target}" if report.action else report.target
    count = len(report.paths)
    say(
        f"{count} principal{'s' if count != 1 else ''} can reach {goal}"
        f" ({report.principals} users and roles checked)"
    )
    if report.reached:
        say("")
        say(f"Already there ({len(report.reached)}):")
        for arn, evidence in sorted(report.reached.items()):
            say(f"  {arn}")
            for statement in evidence.statements:
                say(f"      {statement.describe()}")
    for path in report.paths:
        say("")
        hops = len(path.hops)
        say(f"{path.source} -> {path.target} in {hops} hop{'s' if hops != 1 else ''}")
        for number, hop in enumerate(path.hops, 1):
            _render_hop(number, hop)
    if fix is not None:
        say("")
        say(f"Cheapest fix: {fix.describe()}")


def _render_hop(number: int, hop: Hop) -> None:
    method = hop.method
    link = f"  {method.link}" if method.link else ""
    say(f"  {number}. {hop.source} -> {hop.to}")
    say(f"     by {method.id} ({method.name}){link}")
    if hop.by:
        say(f"     {hop.by} made the change ({hop.changed}) before walking here")
    elif hop.changed and hop.changed != hop.source:
        say(f"     changes {hop.changed}")
    for check in hop.checks:
        _render_check(check)
    for note in hop.annotations:
        say(f"     ! {note}")


def _render_check(check: Check) -> None:
    if check.evidence:
        note = f" {check.note}" if check.note else ""
        say(
            f"     then admin{note}: {check.reason}"
            if check.action == "*"
            else f"     then allowed{note}: {check.action} on {check.resource}"
        )
    else:
        say(f"     check {check.describe()}: allowed")
    from policysim.paths.decide import ATTACKER_POLICY

    for statement in check.statements:
        if statement.policy_name != ATTACKER_POLICY:  # the policy the change writes: no line
            say(f"       {statement.describe()}")

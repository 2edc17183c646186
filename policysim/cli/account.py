"""Account commands: `check`, `explain` and `who-can` (registered on the app of `cli/app.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from policysim.cli.app import app, fail, say
from policysim.cli.limits import MaxFileSizeOpt
from policysim.cli.org_run import DaskOpt, WorkersOpt

if TYPE_CHECKING:
    from policysim.account.principal_spec import Outsider
    from policysim.account.resolve import Resolver, Target
    from policysim.catalog.arguments import ActionSelection
    from policysim.policy.model import Policy

ACCOUNT_HELP = (
    "Account file: policysim YAML, policysim snapshot, or AWS authorization details JSON; or a"
    " directory of them (its *.json, *.yaml, *.yml files). Repeat it to read several files as"
    " one organization. Default: policysim.yaml / policysim.json in this directory."
)
AccountOpt = Annotated[
    list[Path] | None,
    typer.Option("--account", "-a", metavar="FILE|DIR", help=ACCOUNT_HELP),
]
AccountIdOpt = Annotated[
    str | None, typer.Option(help="Which account of a multi-account snapshot.")
]
ResourceOpt = Annotated[str, typer.Option("--resource", "-r", help="Resource ARN, or '*'.")]
ContextOpt = Annotated[
    list[str] | None,
    typer.Option("--context", "-c", help="KEY=VALUE context entry (repeatable)."),
]
SessionNameOpt = Annotated[str, typer.Option(help="Session name when the caller is a role.")]
SessionPolicyOpt = Annotated[
    Path | None, typer.Option(help="Session policy passed when the role was assumed.")
]
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option("--include-policy", help="Count only these attached policies (repeatable)."),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude-policy", help="Leave these attached policies out (repeatable)."),
]
OptionOpt = Annotated[
    list[str] | None,
    typer.Option("--option", help="NAME=VALUE for a disputed behaviour (see simulate --help)."),
]
NowOpt = Annotated[
    datetime | None,
    typer.Option(help="The request time for aws:CurrentTime/aws:EpochTime (default: now)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Region the requests are sent to: aws:RequestedRegion for resources whose ARN has"
        " no region (S3, '*'). Default: AWS_REGION, then AWS_DEFAULT_REGION; none: the key is"
        " absent. A regional ARN keeps its own region; IAM and other global services use"
        " us-east-1.",
    ),
]


def _resolver(
    account: list[Path] | Path | None,
    option: list[str] | None,
    now: datetime | None,
    include: list[str] | None,
    exclude: list[str] | None,
    region: str | None = None,
    warned: set[str] | None = None,
) -> Resolver:
    """Open the account; its load warnings go to stderr, one line each (`warned`: lines
    already printed by this command)."""
    from policysim.account.workspace import choose_region, open_resolver
    from policysim.simulate.options import parse_options

    resolver = open_resolver(
        account,
        options=parse_options(option or []),
        now=_utc(now),
        include=include,
        exclude=exclude,
        region=choose_region(region),
    )
    seen = set() if warned is None else warned
    for warning in resolver.snapshot.warnings:
        line = f"policysim: warning: {warning}"
        if line not in seen:
            seen.add(line)
            say(line, err=True)
    return resolver


def _utc(now: datetime | None) -> datetime | None:
    """`--now` without a zone is UTC."""
    from datetime import UTC

    return now.replace(tzinfo=UTC) if now is not None and now.tzinfo is None else now


def _regions(resolver: Resolver, actions: list[str], resource: str) -> list[tuple[str, str | None]]:
    """The region each action's request carries (for headers and --json)."""
    return [(a, resolver.requested_region(a, resource)) for a in actions]


def _target(
    resolver: Resolver, words: list[str], session_name: str, account_id: str | None
) -> tuple[Target | Outsider, list[str]]:
    """The principal at the head of `words` (the grammar every command shares), and the rest."""
    from policysim.account.principal_spec import split_principal

    ref, rest = split_principal(words)
    return resolver.resolve(ref, session_name=session_name, account_id=account_id), rest


def _session_policy(path: Path | None) -> Policy | None:
    if path is None:
        return None
    from policysim.policy.build import load_policy
    from policysim.policy.kinds import PolicyKind

    return load_policy(path, kind=PolicyKind.SESSION)


PRINCIPAL_HELP = (
    "The caller: user NAME | role NAME | group NAME | an IAM or STS ARN | service/HOST |"
    " a CloudFront OAI ARN (quoted) | root | account/ID | anonymous; then ACTIONS."
)


@dataclass(slots=True)
class _Question:
    """What `check` and `explain` share: the caller, the actions and the request context."""

    resolver: Resolver
    target: Target | Outsider
    actions: list[str]
    context: dict[str, str | list[str]]
    session_policy: Policy | None
    selection: ActionSelection


def _question(
    words: list[str],
    *,
    account: list[Path] | None,
    account_id: str | None,
    session_name: str,
    session_policy: Path | None,
    include: list[str] | None,
    exclude: list[str] | None,
    option: list[str] | None,
    now: datetime | None,
    context: list[str] | None,
    resource: str = "*",
    region: str | None = None,
) -> _Question:
    """Parse the principal, actions and options of `check`/`explain`; errors raise PolicyError."""
    from policysim.account.principal_spec import Outsider
    from policysim.catalog.arguments import check_resource, select_actions
    from policysim.simulate.options import parse_context

    check_resource(resource, what="--resource")

    resolver = _resolver(account, option, now, include, exclude, region)
    target, action_words = _target(resolver, words, session_name, account_id)
    if isinstance(target, Outsider):
        if include or exclude:
            which = "include" if include else "exclude"
            fail(f"--{which}-policy: {target.label} has no identity policies to filter")
    elif unmatched := resolver.unmatched_policy_names(target):
        attached = ", ".join(resolver.attached_policy_names(target)) or "none"
        which, name = unmatched[0]
        fail(
            f"--{which}-policy {name!r} matches no policy attached to {target.label}"
            f" (attached: {attached})"
        )
    if not action_words:
        fail("give one or more actions after the principal, e.g. s3:GetObject")
    selection = select_actions(action_words, resource)
    return _Question(
        resolver,
        target,
        selection.actions,
        parse_context(context or []),
        _session_policy(session_policy),
        selection,
    )


def _left_out_notes(selection: ActionSelection, resource: str) -> None:
    """Say, after the answers, how many actions each wildcard left out for the resource."""
    for note in selection.notes(resource):
        say(f"note: {note}")


@app.command(
    epilog=(
        "Examples:\n\n"
        "  policysim check user alice s3:PutObject --resource arn:aws:s3:::bucket/key\n\n"
        "  policysim check role deploy 'ec2:Describe*' --account snapshot.json\n\n"
        "  policysim check service/sns.amazonaws.com sqs:SendMessage --resource ARN\n\n"
        "  policysim check group developers 's3:*'\n\n"
        "Exit status: 0 every action allowed; 1 some action denied; 2 usage or input error."
    )
)
def check(
    words: Annotated[
        list[str],
        typer.Argument(help=PRINCIPAL_HELP + " Wildcards ok.", metavar="PRINCIPAL ACTION..."),
    ],
    resource: ResourceOpt = "*",
    context: ContextOpt = None,
    account: AccountOpt = None,
    account_id: AccountIdOpt = None,
    session_name: SessionNameOpt = "policysim",
    session_policy: SessionPolicyOpt = None,
    include_policy: IncludeOpt = None,
    exclude_policy: ExcludeOpt = None,
    option: OptionOpt = None,
    now: NowOpt = None,
    region: RegionOpt = None,
    as_json: JsonOpt = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Can this principal do these actions? One line per action, with the deciding statement."""
    from policysim.account.principal_spec import Outsider
    from policysim.policy.errors import PolicyError

    try:
        q = _question(
            words,
            account=account,
            account_id=account_id,
            session_name=session_name,
            session_policy=session_policy,
            include=include_policy,
            exclude=exclude_policy,
            option=option,
            now=now,
            context=context,
            resource=resource,
            region=region,
        )
        results = [
            (a, q.resolver.decide(q.target, a, resource, q.context, q.session_policy, depends=True))
            for a in q.actions
        ]
    except PolicyError as err:
        fail(err)
    target = q.target
    regions = _regions(q.resolver, q.actions, resource)
    account_of = None if isinstance(target, Outsider) else target.account
    if as_json:
        payload = {
            "principal": target.caller_arn,
            "account": account_of.id if account_of else None,
            "resource": resource,
            "region": q.resolver.region,
            "results": [
                {"action": a, "region": region, **r.to_json()}
                for (a, r), (_, region) in zip(results, regions, strict=True)
            ],
            "left_out": q.selection.left_out_json(),
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_check

        render_check(
            target.label,
            account_of.label if account_of else None,
            resource,
            results,
            regions=regions,
        )
        _left_out_notes(q.selection, resource)
    raise typer.Exit(0 if all(r.allowed for _, r in results) else 1)


@app.command(
    epilog=(
        "Example:\n\n  policysim explain user alice s3:PutObject --resource arn:aws:s3:::b/k\n\n"
        "Exit status: 0 every action allowed; 1 some action denied; 2 usage or input error."
    )
)
def explain(
    words: Annotated[list[str], typer.Argument(help=PRINCIPAL_HELP, metavar="PRINCIPAL ACTION...")],
    resource: ResourceOpt = "*",
    context: ContextOpt = None,
    account: AccountOpt = None,
    account_id: AccountIdOpt = None,
    session_name: SessionNameOpt = "policysim",
    session_policy: SessionPolicyOpt = None,
    include_policy: IncludeOpt = None,
    exclude_policy: ExcludeOpt = None,
    option: OptionOpt = None,
    now: NowOpt = None,
    region: RegionOpt = None,
    as_json: JsonOpt = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """The whole evaluation: policy type by policy type, statement by statement, and why."""
    from policysim.policy.errors import PolicyError

    try:
        q = _question(
            words,
            account=account,
            account_id=account_id,
            session_name=session_name,
            session_policy=session_policy,
            include=include_policy,
            exclude=exclude_policy,
            option=option,
            now=now,
            context=context,
            resource=resource,
            region=region,
        )
        reports = [
            (
                a,
                *q.resolver.explain(
                    q.target, a, resource, q.context, q.session_policy, depends=True
                ),
            )
            for a in q.actions
        ]
    except PolicyError as err:
        fail(err)
    target = q.target
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "action": action,
                        "region": q.resolver.requested_region(action, resource),
                        "context": {
                            k: v if isinstance(v, str) else list(v) for k, v in req.context.items()
                        },
                        "groups": [
                            {"policies": g.label, "statements": [s.to_json() for s in g.statements]}
                            for g in groups
                        ],
                        "result": result.to_json(),
                    }
                    for action, req, groups, result in reports
                ],
                indent=2,
            )
        )
        for note in q.selection.notes(resource):
            say(f"note: {note}", err=True)
    else:
        from policysim.render import render_explain

        for action, request, groups, result in reports:
            render_explain(
                target.label,
                action,
                resource,
                request,
                groups,
                result,
                region=q.resolver.requested_region(action, resource),
            )
        _left_out_notes(q.selection, resource)
    raise typer.Exit(0 if all(r.allowed for *_, r in reports) else 1)


ShowDeniedOpt = Annotated[
    bool,
    typer.Option("--show-denied", help="Also list the principals denied, with what denied each."),
]
FailIfAnyOpt = Annotated[
    bool,
    typer.Option(
        "--fail-if-any",
        help="Exit 1 when anyone may be allowed (for CI: 'nobody may delete this bucket').",
    ),
]
WHO_CAN_EXIT = (
    "Exit status: 0 answered; with --fail-if-any, 1 when any principal is allowed, allowed if"
    " a condition holds, or allowed from outside the snapshot by the resource policy;"
    " 2 usage or input error."
)


@app.command(
    "who-can",
    epilog=(
        "Examples:\n\n  policysim who-can s3:GetObject arn:aws:s3:::bucket/key\n\n"
        "  policysim who-can iam:PassRole\n\n"
        "  policysim who-can s3:DeleteBucket arn:aws:s3:::bucket --fail-if-any\n\n"
        "Principals denied only for want of a context key the question did not give are listed"
        " as 'allowed if' with the condition.\n\n" + WHO_CAN_EXIT
    ),
)
def who_can(
    action: Annotated[str, typer.Argument(help="The action, e.g. s3:GetObject.")],
    resource: Annotated[str, typer.Argument(help="The resource ARN (default '*').")] = "*",
    context: ContextOpt = None,
    account: AccountOpt = None,
    option: OptionOpt = None,
    now: NowOpt = None,
    region: RegionOpt = None,
    show_denied: ShowDeniedOpt = False,
    fail_if_any: FailIfAnyOpt = False,
    as_json: JsonOpt = False,
    max_file_size: MaxFileSizeOpt = None,
    workers: WorkersOpt = None,
    dask: DaskOpt = None,
) -> None:
    """Every principal allowed to do ACTION on RESOURCE, and the statement that grants it."""
    from policysim.account.who_can import who_can as find_who_can
    from policysim.catalog.arguments import check_resource, select_actions
    from policysim.cli.org_run import choose_executor, report_failures, run_who_can_files
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_context

    try:
        check_resource(resource)
        executor = choose_executor(workers, dask)
        if executor is None:
            resolver = _resolver(account, option, now, None, None, region)
        selection = select_actions([action], resource)
        actions = selection.actions
        if len(actions) != 1:
            acting = f" that act on {resource}" if resource != "*" else ""
            fail(f"who-can takes one action; {action!r} matches {len(actions)}{acting}")
        failures = []  # accounts whose task failed (--workers/--dask): error rows, exit 2
        if executor is None:
            report = find_who_can(
                resolver,
                actions[0],
                resource,
                parse_context(context or []),
                show_denied=show_denied,
            )
        else:
            # Each worker reads only its accounts' files: this process never loads them all.
            from policysim.account.model import Snapshot
            from policysim.account.resolve import Resolver
            from policysim.account.workspace import choose_region, locate_account_file
            from policysim.simulate.options import parse_options

            resolver = Resolver(Snapshot(), region=choose_region(region))
            answer = run_who_can_files(
                account or [locate_account_file(None)],
                executor,
                actions[0],
                resource,
                parse_context(context or []),
                show_denied=show_denied,
                options=parse_options(option or []),
                now=_utc(now),
                region=resolver.region,
            )
            for line in answer.warnings:
                say(f"policysim: warning: {line}", err=True)
            report, failures = answer.report, answer.failures
    except PolicyError as err:
        fail(err)
    used = resolver.requested_region(report.action, report.resource)
    if as_json:
        payload = {**report.to_json(), "region": used}
        if selection.left_out_json():
            payload["left_out"] = selection.left_out_json()
        if failures:
            payload["errors"] = [f.to_json() for f in failures]
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_who_can

        render_who_can(report, region=used)
        _left_out_notes(selection, resource)
        report_failures(failures)
    if failures:
        raise typer.Exit(2)
    raise typer.Exit(1 if fail_if_any and report.anyone else 0)


@app.command(
    epilog="Run 'policysim query --help' for the language; examples:\n\n"
    '  policysim query "can user/alice do s3:PutObject on arn:aws:s3:::b/k'
    ' when aws:SourceIp=10.0.0.1"\n\n'
    '  policysim query "who can do iam:PassRole on *"\n\n'
    "Exit status: 'can': 0 every action allowed, 1 some action denied. 'who can': "
    + WHO_CAN_EXIT.removeprefix("Exit status: "),
)
def query(
    text: Annotated[str, typer.Argument(help="The query (see below).", metavar="QUERY")],
    account: AccountOpt = None,
    option: OptionOpt = None,
    now: NowOpt = None,
    region: RegionOpt = None,
    show_denied: ShowDeniedOpt = False,
    fail_if_any: FailIfAnyOpt = False,
    as_json: JsonOpt = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Ask in words: "can user/alice do s3:PutObject on ARN when KEY=VALUE", "who can do ...".

    \b
    can PRINCIPAL do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and ...]]
    who can do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and ...]]
    PRINCIPAL: user/NAME, role/NAME, group/NAME, service/HOST, account/ID, root, anonymous,
    an IAM or STS ARN, or a CloudFront OAI ARN in double quotes.
    Multivalued keys take a list: aws:TagKeys=[team, env]. Quote values with spaces.
    """
    from policysim.policy.errors import PolicyError
    from policysim.query.parser import parse_query
    from policysim.query.run import CanAnswer, run_query

    try:
        parsed = parse_query(text)
        resolver = _resolver(account, option, now, None, None, region)
        answer = run_query(resolver, parsed, show_denied=show_denied)
    except PolicyError as err:
        fail(err)
    if isinstance(answer, CanAnswer):
        regions = _regions(resolver, [a for a, _ in answer.results], answer.resource)
    else:
        regions = [
            (r.action, resolver.requested_region(r.action, r.resource)) for r in answer.reports
        ]
    if as_json:
        payload = answer.to_json()
        payload["region"] = resolver.region
        entries = payload["results"] if isinstance(answer, CanAnswer) else payload["reports"]
        for entry, (_, used) in zip(entries, regions, strict=True):
            entry["region"] = used
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_check, render_who_can

        if isinstance(answer, CanAnswer):
            render_check(
                answer.principal, answer.account, answer.resource, answer.results, regions=regions
            )
        else:
            for report, (_, used) in zip(answer.reports, regions, strict=True):
                render_who_can(report, region=used)
        for entry in answer.left_out:
            if entry.count:
                say(f"note: {entry.describe(parsed.resource)}")
    if isinstance(answer, CanAnswer):
        raise typer.Exit(0 if answer.allowed else 1)
    raise typer.Exit(1 if fail_if_any and any(r.anyone for r in answer.reports) else 0)


@app.command(
    "test",
    epilog=(
        "A test file is YAML: an optional 'account: FILE' and a 'tests' list of"
        " {name, principal, action, resource, context, expect}, expect being Allowed,"
        " Denied, ExplicitDeny or ImplicitDeny. See examples/iam-tests/.\n\n"
        "Exit status: 0 all passed; 1 a test failed; 2 unusable input."
    ),
)
def iam_test(
    files: Annotated[list[Path], typer.Argument(help="IAM test files (YAML).", metavar="FILE...")],
    account: AccountOpt = None,
    option: OptionOpt = None,
    now: NowOpt = None,
    region: RegionOpt = None,
    as_json: JsonOpt = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Assert your IAM in CI: expected decisions checked against an account, pytest style."""
    import time

    from policysim.assertions.run import Outcome, run_tests
    from policysim.assertions.spec import load_test_file
    from policysim.policy.errors import PolicyError

    started = time.perf_counter()
    outcomes: list[tuple[str, Outcome]] = []
    warned: set[str] = set()
    used_region: str | None = None
    try:
        for path in files:
            spec = load_test_file(path)
            resolver = _resolver(account or spec.account, option, now, None, None, region, warned)
            used_region = resolver.region
            outcomes += [(spec.file, o) for o in run_tests(resolver, spec.tests)]
    except PolicyError as err:
        fail(err)
    failed = [o for _, o in outcomes if not o.passed]
    if as_json:
        payload = {
            "region": used_region,
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
            "results": [{"file": f, **o.to_json()} for f, o in outcomes],
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_test_report

        render_test_report(outcomes, time.perf_counter() - started, used_region)
    raise typer.Exit(1 if failed else 0)

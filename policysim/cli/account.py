"""Account commands: `check`, `explain` and `who-can` (registered on the app of `cli/app.py`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from policysim.cli.app import app, fail

if TYPE_CHECKING:
    from policysim.account.resolve import Resolver, Target
    from policysim.policy.model import Policy

AccountOpt = Annotated[
    Path | None,
    typer.Option(
        "--account",
        "-a",
        help="Account file: policysim YAML, policysim snapshot, or AWS authorization details"
        " JSON. Default: policysim.yaml / policysim.json in this directory.",
    ),
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


def _resolver(
    account: Path | None,
    option: list[str] | None,
    now: datetime | None,
    include: list[str] | None,
    exclude: list[str] | None,
) -> Resolver:
    from datetime import UTC

    from policysim.account.workspace import open_resolver
    from policysim.simulate.options import parse_options

    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return open_resolver(
        account, options=parse_options(option or []), now=now, include=include, exclude=exclude
    )


def _target(
    resolver: Resolver, words: list[str], session_name: str, account_id: str | None
) -> tuple[Target, list[str]]:
    """`user NAME ACTIONS...`, `role NAME ACTIONS...` or `ARN ACTIONS...`."""
    if not words:
        fail("name a principal: user NAME, role NAME or an ARN, then one or more actions")
    first = words[0].lower()
    if first in ("user", "role"):
        if len(words) < 2:
            fail(f"give the {first}'s name after '{first}'")
        target = resolver.find(first, words[1], session_name=session_name, account_id=account_id)  # type: ignore[arg-type]
        return target, words[2:]
    if first.startswith("arn:"):
        return resolver.find("arn", words[0], session_name=session_name), words[1:]
    if first.startswith(("user/", "role/")):
        kind, _, name = words[0].partition("/")
        target = resolver.find(kind.lower(), name, session_name=session_name, account_id=account_id)  # type: ignore[arg-type]
        return target, words[1:]
    fail(f"{words[0]!r} is not a principal: use 'user NAME', 'role NAME' or an ARN")


def _session_policy(path: Path | None) -> Policy | None:
    if path is None:
        return None
    from policysim.policy.build import load_policy

    return load_policy(path)


@dataclass(slots=True)
class _Question:
    """What `check` and `explain` share: the caller, the actions and the request context."""

    resolver: Resolver
    target: Target
    actions: list[str]
    context: dict[str, str | list[str]]
    session_policy: Policy | None


def _question(
    words: list[str],
    *,
    account: Path | None,
    account_id: str | None,
    session_name: str,
    session_policy: Path | None,
    include: list[str] | None,
    exclude: list[str] | None,
    option: list[str] | None,
    now: datetime | None,
    context: list[str] | None,
) -> _Question:
    """Parse the principal, actions and options of `check`/`explain`; errors raise PolicyError."""
    from policysim.catalog.arguments import expand_action_arguments
    from policysim.simulate.options import parse_context

    resolver = _resolver(account, option, now, include, exclude)
    target, action_words = _target(resolver, words, session_name, account_id)
    unmatched = resolver.unmatched_policy_names(target)
    if unmatched:
        attached = ", ".join(resolver.attached_policy_names(target)) or "none"
        which, name = unmatched[0]
        fail(
            f"--{which}-policy {name!r} matches no policy attached to {target.label}"
            f" (attached: {attached})"
        )
    if not action_words:
        fail("give one or more actions after the principal, e.g. s3:GetObject")
    return _Question(
        resolver,
        target,
        expand_action_arguments(action_words),
        parse_context(context or []),
        _session_policy(session_policy),
    )


@app.command(
    epilog=(
        "Examples:\n\n"
        "  policysim check user alice s3:PutObject --resource arn:aws:s3:::bucket/key\n\n"
        "  policysim check role deploy 'ec2:Describe*' --account snapshot.json\n\n"
        "Exit status: 0 every action allowed; 1 some action denied; 2 usage or input error."
    )
)
def check(
    words: Annotated[
        list[str], typer.Argument(help="user NAME | role NAME | ARN, then ACTIONS (wildcards ok).")
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
    as_json: JsonOpt = False,
) -> None:
    """Can this principal do these actions? One line per action, with the deciding statement."""
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
        )
        results = [
            (a, q.resolver.decide(q.target, a, resource, q.context, q.session_policy, depends=True))
            for a in q.actions
        ]
    except PolicyError as err:
        fail(str(err))
    target = q.target
    if as_json:
        payload = {
            "principal": target.caller_arn,
            "account": target.account.id,
            "resource": resource,
            "results": [{"action": a, **r.to_json()} for a, r in results],
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_check

        render_check(target.label, target.account.label, resource, results)
    raise typer.Exit(0 if all(r.allowed for _, r in results) else 1)


@app.command(
    epilog="Example:\n\n  policysim explain user alice s3:PutObject --resource arn:aws:s3:::b/k"
)
def explain(
    words: Annotated[list[str], typer.Argument(help="user NAME | role NAME | ARN, then ACTIONS.")],
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
    as_json: JsonOpt = False,
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
        fail(str(err))
    target = q.target
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "action": action,
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
    else:
        from policysim.render import render_explain

        for action, request, groups, result in reports:
            render_explain(target.label, action, resource, request, groups, result)
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
    show_denied: ShowDeniedOpt = False,
    fail_if_any: FailIfAnyOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Every principal allowed to do ACTION on RESOURCE, and the statement that grants it."""
    from policysim.account.who_can import who_can as find_who_can
    from policysim.catalog.arguments import expand_action_arguments
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_context

    try:
        resolver = _resolver(account, option, now, None, None)
        actions = expand_action_arguments([action])
        if len(actions) != 1:
            fail(f"who-can takes one action; {action!r} matches {len(actions)}")
        report = find_who_can(
            resolver, actions[0], resource, parse_context(context or []), show_denied=show_denied
        )
    except PolicyError as err:
        fail(str(err))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        from policysim.render import render_who_can

        render_who_can(report)
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
    show_denied: ShowDeniedOpt = False,
    fail_if_any: FailIfAnyOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask in words: "can user/alice do s3:PutObject on ARN when KEY=VALUE", "who can do ...".

    \b
    can PRINCIPAL do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and ...]]
    who can do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and ...]]
    PRINCIPAL: user/NAME, role/NAME, service/HOST, account/ID, root, anonymous, or an ARN.
    Multivalued keys take a list: aws:TagKeys=[team, env]. Quote values with spaces.
    """
    from policysim.policy.errors import PolicyError
    from policysim.query.parser import parse_query
    from policysim.query.run import CanAnswer, run_query

    try:
        parsed = parse_query(text)
        resolver = _resolver(account, option, now, None, None)
        answer = run_query(resolver, parsed, show_denied=show_denied)
    except PolicyError as err:
        fail(str(err))
    if as_json:
        typer.echo(json.dumps(answer.to_json(), indent=2))
    else:
        from policysim.render import render_check, render_who_can

        if isinstance(answer, CanAnswer):
            render_check(answer.principal, answer.account, answer.resource, answer.results)
        else:
            for report in answer.reports:
                render_who_can(report)
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
    as_json: JsonOpt = False,
) -> None:
    """Assert your IAM in CI: expected decisions checked against an account, pytest style."""
    import time

    from policysim.assertions.run import Outcome, run_tests
    from policysim.assertions.spec import load_test_file
    from policysim.policy.errors import PolicyError

    started = time.perf_counter()
    outcomes: list[tuple[str, Outcome]] = []
    try:
        for path in files:
            spec = load_test_file(path)
            resolver = _resolver(account or spec.account, option, now, None, None)
            outcomes += [(spec.file, o) for o in run_tests(resolver, spec.tests)]
    except PolicyError as err:
        fail(str(err))
    failed = [o for _, o in outcomes if not o.passed]
    if as_json:
        payload = {
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
            "results": [{"file": f, **o.to_json()} for f, o in outcomes],
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_test_report

        render_test_report(outcomes, time.perf_counter() - started)
    raise typer.Exit(1 if failed else 0)

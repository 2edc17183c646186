"""Account commands: `check`, `explain` and `who-can` (registered on the app of `cli/app.py`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from policysim.cli.app import app, fail, say
from policysim.cli.limits import MaxFileSizeOpt
from policysim.cli.org_run import DaskOpt, WorkersOpt

if TYPE_CHECKING:
    from typing import Any

    from policysim.account.choices import ChoiceSelection, PolicyChoice
    from policysim.account.model import UnreadableAccount
    from policysim.account.principal_spec import Outsider
    from policysim.account.resolve import Resolver, Target
    from policysim.catalog.arguments import ActionResources, ActionSelection
    from policysim.engine.result import EvaluationResult, PolicyType
    from policysim.org import AccountFailure
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
POLICY_WORDS = (
    " A policy's name or ARN, 'OWNER inline NAME', 'boundary', 'SCP NAME' (or 'SCP NAME"
    " (LEVEL)' for one level), 'RCP NAME', 'resource policy'; an unknown word lists them."
)
IncludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--include-policy",
        help="Count only these policies of their kind (repeatable): identity policies unless"
        " the word names a boundary, SCP, RCP or resource policy." + POLICY_WORDS,
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-policy",
        help="Leave these policies out, as AWS would decide without them (repeatable)."
        + POLICY_WORDS,
    ),
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
    *,
    warn_unreadable: bool = True,
) -> Resolver:
    """Open the account; its load warnings go to stderr, one line each (`warned`: lines
    already printed by this command), then one per account `fetch --org` could not read
    (unless `warn_unreadable` is off: who-can shows those as error rows)."""
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
    from policysim.cli.unread import unread_warnings

    seen = set() if warned is None else warned
    lines = [f"policysim: warning: {warning}" for warning in resolver.snapshot.warnings]
    if warn_unreadable:
        lines += unread_warnings(resolver.snapshot)
    for line in lines:
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


AllowedOnlyOpt = Annotated[
    bool,
    typer.Option(
        "--allowed-only", help="Show only the allowed actions (the summary line counts all)."
    ),
]
SUMMARY_FROM = 10
"""`check` ends with "N of M actions allowed" from this many actions on (or with
--allowed-only)."""

PRINCIPAL_HELP = (
    "The caller: user NAME | role NAME | group NAME | an IAM or STS ARN | service/HOST |"
    " a CloudFront OAI ARN (quoted) | root | account/ID | anonymous; then ACTIONS."
)


@dataclass(slots=True)
class _Question:
    """What `check` and `explain` share: the caller, the requests, the request context and
    the policies that take part (with the --include/--exclude-policy selection among them)."""

    resolver: Resolver
    target: Target | Outsider
    requests: ActionResources
    context: dict[str, str | list[str]]
    session_policy: Policy | None
    choices: list[PolicyChoice]
    policy_selection: ChoiceSelection
    _policies: dict[tuple[PolicyType, str], Policy] | None = None
    _texts: dict[tuple[PolicyType, str, int], str | None] = field(default_factory=dict)
    _text_ids: dict[tuple[PolicyType, str, int], str] = field(default_factory=dict)

    def policies_json(self) -> dict[str, list[str]]:
        """`{"included": [keys], "excluded": [keys]}` for --json."""
        return selection_json(self.policy_selection)

    def echo_selection(self, *, err: bool = False) -> None:
        """The policies the filter left out (text output; see `echo_selection`)."""
        echo_selection(self.resolver, self.policy_selection, err=err)

    def with_texts(self, result: EvaluationResult, *, by_id: bool = False) -> dict[str, Any]:
        """The result's JSON, each deciding statement with its text: inline (`"text"`), or,
        with `by_id`, as a `"text_id"` into `statement_texts()` — `check '*' --json` decides
        thousands of actions by the same few statements, and inline copies made its output
        twenty times larger."""
        from policysim.account.choices import deciding_statement_text, policies_by_name

        if self._policies is None:
            self._policies = policies_by_name(self.choices, self.session_policy)
        payload = result.to_json()
        for entry, matched in zip(
            payload["matched_statements"], result.matched_statements, strict=True
        ):
            key = (matched.policy_type, matched.policy_name, matched.statement_index)
            if key not in self._texts:  # many actions share their deciding statements
                self._texts[key] = deciding_statement_text(matched, self._policies)
                self._text_ids[key] = f"s{len(self._text_ids) + 1}"
            if by_id:
                entry["text_id"] = self._text_ids[key]
            else:
                entry["text"] = self._texts[key]
        return payload

    def statement_texts(self) -> dict[str, str | None]:
        """Every deciding statement's text seen so far, by the `"text_id"` results carry."""
        return {self._text_ids[key]: text for key, text in self._texts.items()}


def select_policies(
    resolver: Resolver, target: Target | Outsider, choices: list[PolicyChoice]
) -> ChoiceSelection:
    """The --include/--exclude-policy selection among the policies that take part; a word
    that addresses none of them is a usage error naming what is available."""
    from policysim.account.choices import unknown_word_problem

    selection = resolver.policy_filter.select(choices)
    if selection.unmatched:
        which, word = selection.unmatched[0]
        fail(unknown_word_problem(f"--{which}-policy", word, target.label, choices))
    return selection


def selection_json(selection: ChoiceSelection) -> dict[str, list[str]]:
    """`{"included": [keys], "excluded": [keys]}` for --json."""
    return {
        "included": [c.key for c in selection.kept],
        "excluded": [c.key for c in selection.dropped],
    }


def echo_selection(resolver: Resolver, selection: ChoiceSelection, *, err: bool = False) -> None:
    """`policies: left out boundary DevBoundary, SCP DenyS3 (Root)` when a filter was given
    (text output)."""
    if not resolver.policy_filter.active:
        return
    left_out = ", ".join(c.key for c in selection.dropped) or "none"
    say(f"policies: left out {left_out}", err=err)


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
    """Parse the principal, actions (each may carry `=RESOURCE`) and options of
    `check`/`explain`; errors raise PolicyError."""
    from policysim.account.choices import request_choices
    from policysim.catalog.arguments import check_resource, select_action_resources
    from policysim.simulate.options import parse_context

    check_resource(resource, what="--resource")

    resolver = _resolver(account, option, now, include, exclude, region)
    target, action_words = _target(resolver, words, session_name, account_id)
    if not action_words:
        fail("give one or more actions after the principal, e.g. s3:GetObject")
    requests = select_action_resources(action_words, resource)
    choices = request_choices(resolver, target, requests.requests)
    policy_selection = select_policies(resolver, target, choices)
    return _Question(
        resolver,
        target,
        requests,
        parse_context(context or []),
        _session_policy(session_policy),
        choices,
        policy_selection,
    )


def _unread_for(q: _Question) -> list[UnreadableAccount]:
    """The accounts not read by fetch --org that some (action, resource) of `q` depends on."""
    from policysim.account.unreadable import unreadable_for_request

    found: dict[str, UnreadableAccount] = {}
    for asked in q.requests.resources:
        actions = [a for a, r in q.requests.requests if r == asked]
        for entry in unreadable_for_request(q.resolver, actions, asked):
            found.setdefault(entry.account_id, entry)
    return [found[a] for a in sorted(found)]


def _plain_arn(resource: str) -> bool:
    """Whether `resource` names one resource (no `*`/`?` pattern to expand over the accounts'
    resources, which needs them loaded here)."""
    return "*" not in resource and "?" not in resource


def _exit_if_incomplete(unread: Sequence[UnreadableAccount]) -> None:
    """After an answer that depends on accounts `fetch --org` could not read: say so, exit 2."""
    if unread:
        from policysim.cli.unread import EXIT_INCOMPLETE, report_incomplete

        report_incomplete(unread)
        raise typer.Exit(EXIT_INCOMPLETE)


_STATEMENT_LINES = 40
"""How much of a deciding statement `explain` prints (AWS managed policies hold statements of
thousands of actions)."""


def _statement_texts(q: _Question, result: EvaluationResult) -> None:
    """`explain`: the text of each deciding statement, under its name."""
    from policysim.account.choices import deciding_statement_text, policies_by_name

    policies = policies_by_name(q.choices, q.session_policy)
    shown = [(m, deciding_statement_text(m, policies)) for m in result.matched_statements]
    if not shown:
        return
    say("  deciding statements:")
    for matched, text in shown:
        say(f"    {matched.describe()}:")
        lines = (text or "(text not available)").splitlines()
        for line in lines[:_STATEMENT_LINES]:
            say(f"      {line}")
        if len(lines) > _STATEMENT_LINES:
            say(
                f"      ... {len(lines) - _STATEMENT_LINES} more lines"
                f" (policysim show-policy '{matched.policy_name}' prints the whole policy;"
                " --json has the whole statement)"
            )


@app.command(
    epilog=(
        "Examples:\n\n"
        "  policysim check user alice s3:PutObject --resource arn:aws:s3:::bucket/key\n\n"
        "  policysim check role deploy 'ec2:Describe*' --account snapshot.json\n\n"
        "  policysim check service/sns.amazonaws.com sqs:SendMessage --resource ARN\n\n"
        "  policysim check group developers 's3:*'\n\n"
        "Exit status: 0 every action allowed; 1 some action denied; 2 usage or input error, or"
        " the answer depends on an account fetch --org could not read (docs/fetch-org.md)."
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
    allowed_only: AllowedOnlyOpt = False,
) -> None:
    """Can this principal do these actions? One line per action, with the deciding statement.

    An action may carry its own resource, ACTION=ARN (s3:GetObject=arn:aws:s3:::b/k); actions
    without one ask about --resource.
    """
    from policysim.account.principal_spec import Outsider
    from policysim.cli.unread import unread_json
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
            (a, r, q.resolver.decide(q.target, a, r, q.context, q.session_policy, depends=True))
            for a, r in q.requests.requests
        ]
    except PolicyError as err:
        fail(err)
    target = q.target
    account_of = None if isinstance(target, Outsider) else target.account
    allowed_count = sum(1 for *_, r in results if r.allowed)
    everything = results
    if allowed_only:
        results = [row for row in results if row[2].allowed]
    unread = _unread_for(q)
    if as_json:
        payload = {
            "principal": target.caller_arn,
            "account": account_of.id if account_of else None,
            "resource": resource,
            "region": q.resolver.region,
            "policies": q.policies_json(),
            "results": [
                {
                    "action": a,
                    "resource": r,
                    "region": q.resolver.requested_region(a, r),
                    **q.with_texts(result, by_id=True),
                }
                for a, r, result in results
            ],
            "statement_texts": q.statement_texts(),
            "left_out": q.requests.left_out_json(),
            "summary": {"actions": len(everything), "allowed": allowed_count},
        }
        if unread:
            payload["errors"] = unread_json(unread)
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_check

        q.echo_selection()
        for asked in q.requests.resources:  # one table per resource, in the order given
            rows = [(a, result) for a, r, result in results if r == asked]
            render_check(
                target.label,
                account_of.label if account_of else None,
                asked,
                rows,
                regions=_regions(q.resolver, [a for a, _ in rows], asked),
            )
        if allowed_only or len(everything) >= SUMMARY_FROM:
            say(f"{allowed_count} of {len(everything)} actions allowed")
        for note in q.requests.notes():
            say(f"note: {note}")
    _exit_if_incomplete(unread)
    raise typer.Exit(0 if allowed_count == len(everything) else 1)


@app.command(
    epilog=(
        "Example:\n\n  policysim explain user alice s3:PutObject --resource arn:aws:s3:::b/k\n\n"
        "Exit status: 0 every action allowed; 1 some action denied; 2 usage or input error, or"
        " the answer depends on an account fetch --org could not read (docs/fetch-org.md)."
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
    """The whole evaluation: policy type by policy type, statement by statement, and why,
    with the text of the deciding statements. ACTION=ARN gives an action its own resource."""
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
                action,
                asked,
                *q.resolver.explain(
                    q.target, action, asked, q.context, q.session_policy, depends=True
                ),
            )
            for action, asked in q.requests.requests
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
                        "resource": asked,
                        "region": q.resolver.requested_region(action, asked),
                        "policies": q.policies_json(),
                        "context": {
                            k: v if isinstance(v, str) else list(v) for k, v in req.context.items()
                        },
                        "groups": [
                            {"policies": g.label, "statements": [s.to_json() for s in g.statements]}
                            for g in groups
                        ],
                        "result": q.with_texts(result),
                    }
                    for action, asked, req, groups, result in reports
                ],
                indent=2,
            )
        )
        for note in q.requests.notes():
            say(f"note: {note}", err=True)
    else:
        from policysim.render import render_explain

        q.echo_selection()
        for action, asked, request, groups, result in reports:
            render_explain(
                target.label,
                action,
                asked,
                request,
                groups,
                result,
                region=q.resolver.requested_region(action, asked),
            )
            _statement_texts(q, result)
        for note in q.requests.notes():
            say(f"note: {note}")
    _exit_if_incomplete(_unread_for(q))
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
    " 2 usage or input error, or an account could not be answered (fetch --org could not read"
    " it, or its task failed): the other accounts are answered."
)


@app.command(
    "who-can",
    epilog=(
        "Examples:\n\n  policysim who-can s3:GetObject arn:aws:s3:::bucket/key\n\n"
        "  policysim who-can iam:PassRole\n\n"
        "  policysim who-can s3:GetObject s3:PutObject --resource arn:aws:s3:::bucket/key\n\n"
        "  policysim who-can 's3:*' --resource arn:aws:s3:::bucket   (or --service s3)\n\n"
        "  policysim who-can s3:GetObject --resource 'arn:aws:s3:::logs-*/*'\n\n"
        "  policysim who-can s3:DeleteBucket arn:aws:s3:::bucket --fail-if-any\n\n"
        "Wildcards in actions expand through the IAM catalog to the actions that act on the"
        " resource. A resource ARN with wildcards asks about every resource of the account"
        " files it matches (S3 buckets by name, keeping the object part as written). Answers"
        ' are grouped per action; with several, --json gives {"actions": [{"action",'
        ' "reports"}]}.\n\n'
        "Principals denied only for want of a context key the question did not give are listed"
        " as 'allowed if' with the condition.\n\n" + WHO_CAN_EXIT
    ),
)
def who_can(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            help="The actions (wildcards ok), then optionally the resource ARN (default '*').",
            metavar="ACTION... [RESOURCE]",
            show_default=False,
        ),
    ] = None,
    resource_option: Annotated[
        str | None,
        typer.Option(
            "--resource",
            "-r",
            help="The resource ARN, or an ARN pattern over the account's resources.",
        ),
    ] = None,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service", metavar="PREFIX", help="Every action of this service (repeatable)."
        ),
    ] = None,
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
    from policysim.cli.org_run import choose_executor, report_failures, run_who_can_files
    from policysim.cli.unread import unread_failures
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_context

    try:
        patterns, resource = _who_can_words(words or [], resource_option, service or [])
        executor = choose_executor(workers, dask)
        if executor is None or not _plain_arn(resource):
            resolver = _resolver(account, option, now, None, None, region, warn_unreadable=False)
        else:
            # Each worker reads only its accounts' files: this process never loads them all.
            from policysim.account.model import Snapshot
            from policysim.account.resolve import Resolver
            from policysim.account.workspace import choose_region

            resolver = Resolver(Snapshot(), region=choose_region(region))
        questions, selections = _who_can_questions(resolver, patterns, resource)
        given = parse_context(context or [])
        # accounts not read by fetch --org, and whose task failed: error rows, exit 2
        failures: list[AccountFailure] = unread_failures(resolver.snapshot.unreadable)
        warned: set[str] = set()  # load warnings of the workers' files, each once
        reports = []
        for action, target in questions:  # one call of the one-action entry point per pair
            if executor is None:
                report = find_who_can(resolver, action, target, given, show_denied=show_denied)
            else:
                from policysim.account.workspace import locate_account_file
                from policysim.simulate.options import parse_options

                answer = run_who_can_files(
                    account or [locate_account_file(None)],
                    executor,
                    action,
                    target,
                    given,
                    show_denied=show_denied,
                    options=parse_options(option or []),
                    now=_utc(now),
                    region=resolver.region,
                )
                for line in answer.warnings:
                    if line not in warned:
                        warned.add(line)
                        say(f"policysim: warning: {line}", err=True)
                for failure in unread_failures(answer.unreadable):
                    if failure.account not in {f.account for f in failures}:
                        failures.append(failure)
                report = answer.report
                failures += answer.failures
            reports.append(report)
    except PolicyError as err:
        fail(err)
    regions = [resolver.requested_region(r.action, r.resource) for r in reports]
    left_out = [entry for _, sel in selections for entry in sel.left_out_json()]
    notes = list(dict.fromkeys(n for arn, sel in selections for n in sel.notes(arn)))
    if as_json:
        entries = [
            {**r.to_json(), "region": used} for r, used in zip(reports, regions, strict=True)
        ]
        if len(reports) == 1 and resource == reports[0].resource:
            payload = entries[0]
        else:
            grouped: dict[str, list[dict[str, object]]] = {}
            for report, entry in zip(reports, entries, strict=True):
                grouped.setdefault(report.action, []).append(entry)
            payload = {
                "resource": resource,
                "actions": [{"action": a, "reports": e} for a, e in grouped.items()],
            }
        if left_out:
            payload["left_out"] = left_out
        if failures:
            payload["errors"] = [f.to_json() for f in failures]
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_who_can

        for i, (report, used) in enumerate(zip(reports, regions, strict=True)):
            if i:
                typer.echo("")
            render_who_can(report, region=used)
        for note in notes:
            say(f"note: {note}")
        report_failures(failures)
    if failures:
        raise typer.Exit(2)
    raise typer.Exit(1 if fail_if_any and any(r.anyone for r in reports) else 0)


def _who_can_words(
    words: list[str], resource_option: str | None, services: list[str]
) -> tuple[list[str], str]:
    """The action patterns and the resource of a who-can command line: the resource is the
    last word when it is an ARN or `*` after an action (or after --service), else --resource;
    each --service adds `PREFIX:*`."""
    from policysim.account.effective import check_service
    from policysim.catalog.arguments import check_resource

    patterns = list(words)
    positional = None
    if patterns and (len(patterns) > 1 or services):
        last = patterns[-1]
        looks_like_action = last.count(":") == 1 and "/" not in last and last != "*"
        if last.lower().startswith("arn:") or not looks_like_action:
            positional = patterns.pop()
    if positional is not None and resource_option is not None:
        fail(f"give the resource once: {positional!r} and --resource {resource_option!r}")
    for word in patterns:
        if word.lower().startswith("arn:"):
            fail(f"{word!r} is a resource: give it last, or with --resource")
    for prefix in services:
        check_service(prefix)
        patterns.append(f"{prefix}:*")
    if not patterns:
        fail("give one or more actions (e.g. s3:GetObject), or --service PREFIX")
    resource = positional or resource_option or "*"
    check_resource(resource, what="--resource" if resource_option else "resource")
    return patterns, resource


def _who_can_questions(
    resolver: Resolver, patterns: list[str], resource: str
) -> tuple[list[tuple[str, str]], list[tuple[str, ActionSelection]]]:
    """(action, resource) pairs, grouped per action in the order given, and the action
    selection made for each resource. A pattern resource stands for every resource of the
    account files it matches; a resource no given action acts on is left out (an error when
    it is the only one)."""
    from policysim.account.resource_match import is_resource_pattern, resources_matching
    from policysim.catalog.arguments import ResourceMismatchError, select_actions

    if not is_resource_pattern(resource):
        selection = select_actions(patterns, resource)
        return [(a, resource) for a in selection.actions], [(resource, selection)]
    matched = resources_matching(resolver.snapshot, resource)
    if not matched:
        fail(f"no resource of the account files matches {resource!r}")
    selections: list[tuple[str, ActionSelection]] = []
    problem: ResourceMismatchError | None = None
    for arn in matched:
        try:
            selections.append((arn, select_actions(patterns, arn)))
        except ResourceMismatchError as err:
            problem = problem or err
    if not selections:
        assert problem is not None
        fail(problem)
    order: dict[str, int] = {}
    for _, sel in selections:
        for action in sel.actions:
            order.setdefault(action, len(order))
    pairs = [(a, arn) for arn, sel in selections for a in sel.actions]
    pairs.sort(key=lambda pair: order[pair[0]])  # stable: resources keep their order
    return pairs, selections


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
    from policysim.account.unreadable import unreadable_for_organization, unreadable_for_request
    from policysim.cli.unread import unread_json
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
        unread = unreadable_for_request(resolver, [a for a, _ in answer.results], answer.resource)
    else:
        regions = [
            (r.action, resolver.requested_region(r.action, r.resource)) for r in answer.reports
        ]
        unread = unreadable_for_organization(resolver)
    if as_json:
        payload = answer.to_json()
        payload["region"] = resolver.region
        entries = payload["results"] if isinstance(answer, CanAnswer) else payload["reports"]
        for entry, (_, used) in zip(entries, regions, strict=True):
            entry["region"] = used
        if unread:
            payload["errors"] = unread_json(unread)
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
    _exit_if_incomplete(unread)
    if isinstance(answer, CanAnswer):
        raise typer.Exit(0 if answer.allowed else 1)
    raise typer.Exit(1 if fail_if_any and any(r.anyone for r in answer.reports) else 0)


@app.command(
    "test",
    epilog=(
        "A test file is YAML: an optional 'account: FILE' and a 'tests' list of"
        " {name, principal, action, resource, context, expect}, expect being Allowed,"
        " Denied, ExplicitDeny or ImplicitDeny. A principal the account does not hold or an"
        " unknown action is an input error at its line, not a failure. --junit FILE writes"
        " JUnit XML for CI.\n\n"
        "Exit status: 0 all passed; 1 a test failed; 2 unusable input, or a test's answer"
        " depends on an account fetch --org could not read (docs/fetch-org.md)."
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
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Also write the results as JUnit XML (one testcase per check) for CI.",
        ),
    ] = None,
) -> None:
    """Assert your IAM in CI: expected decisions checked against an account, pytest style."""
    import time

    from policysim.account.unreadable import unreadable_for_request
    from policysim.assertions.run import Outcome, run_tests
    from policysim.assertions.spec import load_test_file
    from policysim.cli.unread import unread_json
    from policysim.policy.errors import PolicyError

    started = time.perf_counter()
    outcomes: list[tuple[str, Outcome]] = []
    warned: set[str] = set()
    used_region: str | None = None
    unread: dict[str, UnreadableAccount] = {}  # those a test's answer depends on
    try:
        for path in files:
            spec = load_test_file(path)
            resolver = _resolver(account or spec.account, option, now, None, None, region, warned)
            used_region = resolver.region
            for outcome in run_tests(resolver, spec.tests, spec.file):
                outcomes.append((spec.file, outcome))
                for entry in unreadable_for_request(
                    resolver, [outcome.action], outcome.test.resource
                ):
                    unread.setdefault(entry.account_id, entry)
    except PolicyError as err:
        fail(err)
    failed = [o for _, o in outcomes if not o.passed]
    if junit is not None:
        from policysim.assertions.junit import junit_xml
        from policysim.files import write_atomic

        xml = junit_xml(outcomes, time.perf_counter() - started, used_region)
        try:
            write_atomic(junit, xml)
        except OSError as err:
            fail(f"--junit {junit}: cannot write: {err.strerror or err}")
    if as_json:
        payload = {
            "region": used_region,
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
            "results": [{"file": f, **o.to_json()} for f, o in outcomes],
        }
        if unread:
            payload["errors"] = unread_json([unread[a] for a in sorted(unread)])
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_test_report

        render_test_report(outcomes, time.perf_counter() - started, used_region)
    _exit_if_incomplete([unread[a] for a in sorted(unread)])
    raise typer.Exit(1 if failed else 0)

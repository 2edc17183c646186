"""`principal-can`: what one principal can do, per service and access level (registered on the
app of `cli/app.py`). The library does the work: `policysim.account.effective`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from policysim.cli.account import (
    AccountIdOpt,
    AccountOpt,
    ContextOpt,
    ExcludeOpt,
    IncludeOpt,
    JsonOpt,
    NowOpt,
    OptionOpt,
    RegionOpt,
    SessionNameOpt,
    SessionPolicyOpt,
    _resolver,
    _session_policy,
    _target,
    echo_selection,
    select_policies,
    selection_json,
)
from policysim.cli.app import app, fail
from policysim.cli.limits import MaxFileSizeOpt

ServiceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--service",
        "-s",
        metavar="PREFIX",
        help="List the allowed actions of this service (its prefix, e.g. s3) per access level"
        " instead of the summary (repeatable).",
    ),
]


@app.command(
    "principal-can",
    epilog=(
        "Examples:\n\n"
        "  policysim principal-can user alice\n\n"
        "  policysim principal-can role deploy --service s3\n\n"
        "  policysim principal-can user alice --resource arn:aws:s3:::bucket/key\n\n"
        "  policysim principal-can user alice --exclude-policy boundary\n\n"
        "Every action of the IAM catalog (of --service, or acting on --resource) is decided;"
        " each cell reads allowed/total for the service's actions at that access level, and"
        " '+N if' counts those allowed only if a condition the question did not give holds"
        " (--service names the conditions).\n\n"
        "Exit status: 0 answered; 2 usage or input error."
    ),
)
def principal_can(
    words: Annotated[
        list[str],
        typer.Argument(
            help="The principal: user NAME | role NAME | group NAME | an IAM or STS ARN |"
            " service/HOST | root | account/ID | anonymous.",
            metavar="PRINCIPAL",
        ),
    ],
    service: ServiceOpt = None,
    resource: Annotated[
        str,
        typer.Option(
            "--resource",
            "-r",
            help="Resource ARN: only the actions that act on it are asked about (default '*').",
        ),
    ] = "*",
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
    """What can this principal do? Allowed actions per service and access level."""
    from policysim.account.choices import policy_choices
    from policysim.account.effective import effective_permissions
    from policysim.catalog.arguments import check_resource
    from policysim.policy.errors import PolicyError
    from policysim.simulate.options import parse_context

    try:
        check_resource(resource, what="--resource")
        resolver = _resolver(account, option, now, include_policy, exclude_policy, region)
        target, rest = _target(resolver, words, session_name, account_id)
        if rest:
            fail(f"principal-can takes one principal; unexpected {' '.join(rest)!r} after it")
        selection = select_policies(resolver, target, policy_choices(resolver, target, resource))
        answer = effective_permissions(
            resolver,
            target,
            services=service,
            resource=resource,
            context=parse_context(context or []),
            session_policy=_session_policy(session_policy),
        )
    except PolicyError as err:
        fail(err)
    if as_json:
        payload = {
            **answer.to_json(),
            "region": resolver.region,
            "policies": selection_json(selection),
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        from policysim.render import render_principal_can

        echo_selection(resolver, selection)
        owner = getattr(target, "account", None)
        render_principal_can(
            answer,
            account=owner.label if owner is not None else None,
            region=resolver.region,
            detailed=service is not None,
        )

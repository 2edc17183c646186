"""`show-policy`: print any policy of the account(s), or a bundled AWS managed policy
(registered on the app of `cli/app.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from policysim.cli.account import AccountOpt, JsonOpt
from policysim.cli.app import app, fail, say
from policysim.cli.limits import MaxFileSizeOpt

SHOW_EPILOG = (
    "NAME is a managed policy's name or ARN (the bundled AWS managed policies need no"
    " account), 'user NAME inline POLICY' (group, role), a role's trust policy ('role NAME"
    " trust policy' or the role's ARN), an SCP or RCP by name ('SCP NAME'), a resource's"
    " policy by the resource's ARN, or any key --include-policy takes.\n\n"
    "Examples:\n\n"
    "  policysim show-policy AmazonS3ReadOnlyAccess\n\n"
    "  policysim show-policy 'user alice inline Own' --account team.yaml\n\n"
    "  policysim show-policy arn:aws:s3:::bucket --json\n\n"
    "The document goes to standard output as JSON (statements in order, as explain shows"
    " them); what was found goes to standard error.\n\n"
    "Exit status: 0 shown; 2 no such policy, several of that name, or an input error."
)


@app.command("show-policy", epilog=SHOW_EPILOG)
def show_policy(
    name: Annotated[str, typer.Argument(help="The policy (see below).", metavar="NAME|ARN")],
    account: AccountOpt = None,
    as_json: JsonOpt = False,
    max_file_size: MaxFileSizeOpt = None,
) -> None:
    """Print a policy of the account, or a bundled AWS managed policy."""
    from policysim.account.errors import AccountError
    from policysim.account.find_policy import find_policy
    from policysim.account.loaders import load_accounts, load_snapshot
    from policysim.account.model import Snapshot
    from policysim.account.workspace import locate_account_file
    from policysim.policy.errors import PolicyError
    from policysim.policy.text import policy_text, statement_line_span

    snapshot: Snapshot | None
    try:
        if account:
            snapshot = load_accounts(account)
        else:
            try:
                default: Path | None = locate_account_file(None)
            except AccountError:
                default = None  # no account here: the bundled AWS managed policies only
            snapshot = load_snapshot(default) if default is not None else None
        found = find_policy(snapshot, name)
    except PolicyError as err:
        fail(err)
    if as_json:
        payload = {
            "key": found.key,
            "kind": found.kind,
            "label": found.label,
            "arn": found.arn,
            "account": found.account,
            "bundled": found.bundled,
            "file": found.policy.file,
            "document": found.policy.to_json(),
            "statements": [
                {
                    "index": i,
                    "sid": statement.sid,
                    "lines": list(statement_line_span(found.policy, i)),
                }
                for i, statement in enumerate(found.policy.statements)
            ],
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    say(found.label, err=True)
    for line in policy_text(found.policy).splitlines():
        say(line)

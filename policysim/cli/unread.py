"""What the account commands say of the accounts `fetch --org` could not read
(`Snapshot.unreadable`; which answers depend on them: `policysim.account.unreadable`).

who-can shows each as an error row, the rows of accounts whose task failed
(`policysim.org.AccountFailure`: `policysim: error: account ID: ...` on stderr, `errors` in
--json). The other commands print one warning per account on loading, and when the answer depends
on one, one error line naming them after the answer, the same `errors` in --json, and exit 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from policysim.cli.app import say

if TYPE_CHECKING:
    from policysim.account.model import Snapshot, UnreadableAccount
    from policysim.org import AccountFailure

EXIT_INCOMPLETE = 2
"""The exit status of an answer that depends on an account that was not read."""


def unread_failures(entries: Sequence[UnreadableAccount]) -> list[AccountFailure]:
    """The accounts as who-can's error rows."""
    from policysim.org import AccountFailure

    return [
        AccountFailure(u.account_id, f"could not be read by fetch --org: {u.reason}")
        for u in entries
    ]


def unread_json(entries: Sequence[UnreadableAccount]) -> list[dict[str, Any]]:
    """The accounts as the `errors` of --json (who-can's error rows' JSON)."""
    return [failure.to_json() for failure in unread_failures(entries)]


def unread_warnings(snapshot: Snapshot) -> list[str]:
    """One warning line per account of the snapshot that was not read (for stderr)."""
    return [f"policysim: warning: {entry}; answers leave it out" for entry in snapshot.unreadable]


def report_incomplete(entries: Sequence[UnreadableAccount]) -> None:
    """After an answer that depends on accounts that were not read: one error line."""
    if entries:
        ids = ", ".join(u.account_id for u in entries)
        which = "account" if len(entries) == 1 else "accounts"
        say(
            f"policysim: error: this answer may be incomplete: it depends on {which} {ids},"
            " which fetch --org could not read",
            err=True,
        )

"""The accounts `fetch --org` could not read (`metadata.account_errors` of `organization.json`)
become `Snapshot.unreadable` when its directory is loaded, and the questions that depend on them
are told apart from those that do not (`policysim.account.unreadable`). The directory is the
`org_not_read` fixture (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policysim.account.errors import AccountError
from policysim.account.loaders import load_accounts
from policysim.account.model import UnreadableAccount
from policysim.account.resolve import Resolver
from policysim.account.unreadable import unreadable_for_organization, unreadable_for_request
from policysim.policy.errors import PolicyError

ORG_DIR = Path(__file__).parent / "data" / "org-dir"
UNREAD = "444444444444"


def test_the_directory_lifts_the_accounts_not_read(org_not_read: Any) -> None:
    reason = org_not_read.reason
    snapshot = load_accounts(org_not_read.directory)
    assert org_not_read.account_id == UNREAD
    assert snapshot.unreadable == [
        UnreadableAccount(account_id=UNREAD, reason=reason, file=str(org_not_read.record))
    ]
    assert UNREAD not in snapshot.accounts
    assert set(snapshot.accounts) == {"111111111111", "222222222222", "333333333333"}
    assert str(snapshot.unreadable[0]) == (
        f"account {UNREAD} could not be read by fetch --org: {reason}"
    )


def test_the_directory_without_them_has_none() -> None:
    assert load_accounts(ORG_DIR).unreadable == []


def test_an_account_with_a_file_is_answered_from_it_with_a_warning(org_not_read: Any) -> None:
    """--refresh could not read it again: the earlier file stays, and is said to be older."""
    org_not_read.record_errors({"222222222222": "Throttling", UNREAD: "Throttling"})
    snapshot = load_accounts(org_not_read.directory)
    assert [u.account_id for u in snapshot.unreadable] == [UNREAD]
    assert "222222222222" in snapshot.accounts
    (warning,) = [str(w) for w in snapshot.warnings if "222222222222" in str(w)]
    assert "the last fetch --org could not read it (Throttling)" in warning
    assert str(org_not_read.directory / "tools.yaml") in warning


@pytest.mark.parametrize(
    ("errors", "problem"),
    [
        ([UNREAD], "expected an object"),
        ({"4444": "AccessDenied"}, "an account id must be a 12-digit string"),
        ({UNREAD: 3}, "expected a non-empty string"),
    ],
)
def test_a_malformed_record_is_one_located_error(
    org_not_read: Any, errors: object, problem: str
) -> None:
    org_not_read.record_errors(errors)
    with pytest.raises(PolicyError) as err:
        load_accounts(org_not_read.directory)
    message = str(err.value)
    assert "\n" not in message and problem in message
    assert "not-read.json" in message and "account_errors" in message


@pytest.mark.parametrize(
    ("action", "resource", "concerned"),
    [
        ("s3:GetObject", "*", False),  # no resource: the caller's own account only
        ("s3:GetObject", "arn:aws:s3:::payments-ledger/x", False),  # a bucket that was read
        ("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{UNREAD}:q", True),  # its owner not read
        ("sts:AssumeRole", f"arn:aws:iam::{UNREAD}:role/r", True),  # the trust policy's owner
        ("s3:GetObject", "arn:aws:s3:::nowhere/x", True),  # a bucket of no account read
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:111111111111:q", False),  # owner read
        ("iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess", False),  # AWS's own
    ],
)
def test_which_questions_depend_on_an_account_not_read(
    org_not_read: Any, action: str, resource: str, concerned: bool
) -> None:
    resolver = Resolver(load_accounts(org_not_read.directory))
    found = unreadable_for_request(resolver, [action], resource)
    assert [u.account_id for u in found] == ([UNREAD] if concerned else [])
    assert [u.account_id for u in unreadable_for_organization(resolver)] == [UNREAD]


def test_without_accounts_not_read_no_question_depends_on_one() -> None:
    resolver = Resolver(load_accounts(ORG_DIR))
    assert unreadable_for_request(resolver, ["s3:GetObject"], "arn:aws:s3:::nowhere/x") == []
    assert unreadable_for_organization(resolver) == []


def test_a_principal_of_an_account_not_read_is_an_error_saying_why(org_not_read: Any) -> None:
    resolver = Resolver(load_accounts(org_not_read.directory))
    with pytest.raises(AccountError, match=f"account {UNREAD} .* could not be read by fetch"):
        resolver.find("arn", f"arn:aws:iam::{UNREAD}:user/admin")
    with pytest.raises(AccountError, match="could not be read by fetch --org: AssumeRole"):
        resolver.find("user", "admin", account_id=UNREAD)

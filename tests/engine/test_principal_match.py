"""Principal matching (spec §2.3 table and matching algorithm, §1.3 match kinds)."""

from __future__ import annotations

from typing import Any

import pytest

from policysim.engine.principal_match import MatchKind, match_aws_entry, match_principal
from policysim.engine.request import RequestPrincipal
from policysim.policy.model import Principal

from .support import ACCOUNT, ALICE, FEDERATED, OTHER_ACCOUNT, ROLE, ROOT, SESSION

FED_USER = f"arn:aws:iam::{ACCOUNT}:user/fed"
PATH_ROLE = f"arn:aws:iam::{ACCOUNT}:role/team/app"


def caller(text: str, principal_arn: str | None = None) -> RequestPrincipal:
    return RequestPrincipal.parse(text, principal_arn=principal_arn)


def principal(value: Any) -> Principal:
    return Principal.model_validate(value)


# --- every row of the §2.3 "Value forms" table ----------------------------------------------


@pytest.mark.parametrize("element", ["*", {"AWS": "*"}, {"AWS": ["x", "*"]}])
@pytest.mark.parametrize(
    "who",
    [ALICE, ROOT, SESSION, FEDERATED, ROLE, "anonymous", f"arn:aws:iam::{OTHER_ACCOUNT}:root"],
)
def test_everyone_matches_every_caller_directly_anonymous_included(element: Any, who: str) -> None:
    assert match_principal(principal(element), caller(who)) is MatchKind.DIRECT


@pytest.mark.parametrize("entry", [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root"])
@pytest.mark.parametrize("who", [ALICE, ROOT, SESSION, FEDERATED])
def test_account_forms_match_every_principal_of_the_account_as_delegation(
    entry: str, who: str
) -> None:
    assert match_aws_entry(entry, caller(who)) is MatchKind.ACCOUNT


@pytest.mark.parametrize("entry", [OTHER_ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:root"])
def test_account_forms_do_not_match_another_account(entry: str) -> None:
    assert match_aws_entry(entry, caller(ALICE)) is MatchKind.NONE


def test_user_arn_matches_exactly_that_user() -> None:
    assert match_aws_entry(ALICE, caller(ALICE)) is MatchKind.DIRECT
    assert match_aws_entry(ALICE, caller(f"arn:aws:iam::{ACCOUNT}:user/bob")) is MatchKind.NONE


@pytest.mark.parametrize(
    "entry",
    [
        f"arn:aws:iam::{ACCOUNT}:user/Alice",  # user names compare case-sensitively
        f"arn:aws:iam::{ACCOUNT}:user/dev/alice",  # paths must match
        f"arn:aws:iam::{OTHER_ACCOUNT}:user/alice",
    ],
)
def test_user_arn_compares_the_whole_string(entry: str) -> None:
    assert match_aws_entry(entry, caller(ALICE)) is MatchKind.NONE


def test_role_arn_matches_sessions_of_that_role_as_kind_role() -> None:
    assert match_aws_entry(ROLE, caller(SESSION)) is MatchKind.ROLE


def test_role_arn_with_path_matches_sessions_by_role_name() -> None:
    # The session ARN has no role path; the role name is the last path segment.
    assert match_aws_entry(PATH_ROLE, caller(SESSION)) is MatchKind.ROLE


def test_role_name_compares_case_insensitively() -> None:
    assert match_aws_entry(f"arn:aws:iam::{ACCOUNT}:role/APP", caller(SESSION)) is MatchKind.ROLE


@pytest.mark.parametrize(
    "entry",
    [
        f"arn:aws:iam::{ACCOUNT}:role/other",
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/app",
        f"arn:aws-cn:iam::{ACCOUNT}:role/app",
    ],
)
def test_role_arn_needs_same_partition_account_and_name(entry: str) -> None:
    assert match_aws_entry(entry, caller(SESSION)) is MatchKind.NONE


def test_role_arn_matches_the_role_itself_as_kind_role() -> None:
    # "As the role" is capped by the role's boundary like its sessions: kind role, not direct.
    assert match_aws_entry(ROLE, caller(ROLE)) is MatchKind.ROLE


def test_role_arn_does_not_match_a_user() -> None:
    assert match_aws_entry(f"arn:aws:iam::{ACCOUNT}:role/alice", caller(ALICE)) is MatchKind.NONE


def test_session_arn_matches_exactly_that_session() -> None:
    assert match_aws_entry(SESSION, caller(SESSION)) is MatchKind.DIRECT
    other = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/sess2"
    assert match_aws_entry(other, caller(SESSION)) is MatchKind.NONE


def test_session_arn_does_not_match_other_sessions_of_the_role_or_the_role() -> None:
    assert match_aws_entry(SESSION, caller(ROLE)) is MatchKind.NONE


def test_federated_user_arn_matches_that_session_directly() -> None:
    assert match_aws_entry(FEDERATED, caller(FEDERATED)) is MatchKind.DIRECT
    other = f"arn:aws:sts::{ACCOUNT}:federated-user/other"
    assert match_aws_entry(other, caller(FEDERATED)) is MatchKind.NONE


def test_user_behind_a_federated_session_matches_as_federating_user() -> None:
    fed = caller(FEDERATED, principal_arn=FED_USER)
    assert match_aws_entry(FED_USER, fed) is MatchKind.FEDERATING_USER


def test_federating_user_needs_the_user_to_be_known() -> None:
    assert match_aws_entry(FED_USER, caller(FEDERATED)) is MatchKind.NONE


def test_service_principal_matches_its_service_entry_case_insensitively() -> None:
    service = caller("logs.amazonaws.com")
    assert (
        match_principal(principal({"Service": "Logs.amazonaws.com"}), service) is MatchKind.DIRECT
    )
    assert (
        match_principal(
            principal({"Service": ["sns.amazonaws.com", "logs.amazonaws.com"]}), service
        )
        is MatchKind.DIRECT
    )
    assert match_principal(principal({"Service": "sns.amazonaws.com"}), service) is MatchKind.NONE


def test_service_entry_does_not_match_iam_principals() -> None:
    assert match_principal(principal({"Service": "logs.amazonaws.com"}), caller(ALICE)) is (
        MatchKind.NONE
    )


def test_federated_provider_matches_the_web_identity_caller() -> None:
    provider = caller("cognito-identity.amazonaws.com")
    element = principal({"Federated": "cognito-identity.amazonaws.com"})
    assert match_principal(element, provider) is MatchKind.DIRECT


@pytest.mark.parametrize("entry", [ACCOUNT, f"arn:aws:iam::{ACCOUNT}:root", ALICE, ROLE, SESSION])
def test_anonymous_matches_only_everyone(entry: str) -> None:
    assert match_aws_entry(entry, caller("anonymous")) is MatchKind.NONE


@pytest.mark.parametrize("entry", [ACCOUNT, ALICE, ROLE])
def test_service_principal_never_matches_aws_entries_other_than_star(entry: str) -> None:
    assert match_aws_entry(entry, caller("logs.amazonaws.com")) is MatchKind.NONE


@pytest.mark.parametrize("unique_id", ["AIDAEXAMPLEEXAMPLE1234", "AROAEXAMPLEEXAMPLE1234"])
@pytest.mark.parametrize("who", [ALICE, SESSION, ROOT])
def test_unique_ids_of_deleted_principals_match_nothing(unique_id: str, who: str) -> None:
    assert match_principal(principal({"AWS": unique_id}), caller(who)) is MatchKind.NONE


@pytest.mark.parametrize(
    "entry",
    [
        f"arn:aws:iam::{ACCOUNT}:user/*",  # partial wildcards are not allowed in principals
        f"arn:aws:sts::{ACCOUNT}:assumed-role/app/*",  # nor wildcard session names
        "arn:aws:iam::*:root",
    ],
)
def test_partial_wildcards_in_principal_arns_never_match(entry: str) -> None:
    assert match_aws_entry(entry, caller(SESSION)) is MatchKind.NONE
    assert match_aws_entry(entry, caller(ALICE)) is MatchKind.NONE


def test_the_strongest_entry_wins() -> None:
    element = principal({"AWS": [ACCOUNT, ROLE, SESSION]})
    assert match_principal(element, caller(SESSION)) is MatchKind.DIRECT
    element = principal({"AWS": [ACCOUNT, ROLE]})
    assert match_principal(element, caller(SESSION)) is MatchKind.ROLE
    element = principal({"AWS": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", ACCOUNT]})
    assert match_principal(element, caller(SESSION)) is MatchKind.ACCOUNT


def test_match_kinds_are_ordered_by_strength() -> None:
    assert (
        MatchKind.NONE
        < MatchKind.ACCOUNT
        < MatchKind.FEDERATING_USER
        < MatchKind.ROLE
        < MatchKind.DIRECT
    )

"""Finding any policy by the words people use for it (`show-policy`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from policysim.account.errors import AccountError
from policysim.account.find_policy import find_policy
from policysim.account.loaders import load_snapshot, parse_snapshot
from policysim.account.model import Snapshot

ACCOUNT = Path(__file__).parent / "data" / "choices.yaml"
A = "111122223333"


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return load_snapshot(ACCOUNT)


@pytest.mark.parametrize(
    ("word", "key", "sid"),
    [
        ("DevBoundary", "DevBoundary", "BoundaryS3Sqs"),
        (f"arn:aws:iam::{A}:policy/DevBoundary", "DevBoundary", "BoundaryS3Sqs"),
        ("boundary devboundary", "DevBoundary", "BoundaryS3Sqs"),
        ("user alice inline Own", "user alice inline Own", "OwnWrites"),
        ("Own", "user alice inline Own", "OwnWrites"),
        ("group devs inline Describe", "group devs inline Describe", "GroupDescribe"),
        ("DenyPuts", "SCP DenyPuts", "NoPuts"),
        ("SCP DenyPuts", "SCP DenyPuts", "NoPuts"),
        ("SCP DenyPuts (Sandbox)", "SCP DenyPuts", "NoPuts"),
        ("NoDeletes", "RCP NoDeletes", "KeepObjects"),
        ("arn:aws:s3:::shared", "resource policy of arn:aws:s3:::shared", "ShareWithAlice"),
        ("resource policy of arn:aws:s3:::shared", "resource policy of arn:aws:s3:::shared", None),
        (f"arn:aws:iam::{A}:role/app", "role app trust policy", None),
    ],
)
def test_every_kind_by_its_words(snapshot: Snapshot, word: str, key: str, sid: str | None) -> None:
    found = find_policy(snapshot, word)
    assert found.key == key
    assert not found.bundled
    if sid is not None:
        assert [s.sid for s in found.policy.statements] == [sid]


def test_aws_managed_policies_with_or_without_an_account(snapshot: Snapshot) -> None:
    for source in (None, snapshot):
        found = find_policy(source, "AmazonS3ReadOnlyAccess")
        assert found.bundled and found.kind == "managed"
        assert found.arn == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        assert any("s3:Get*" in (s.action or ()) for s in found.policy.statements)
    by_arn = find_policy(None, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    assert by_arn.key == "AmazonS3ReadOnlyAccess"


def test_unknown_words_suggest_near_ones(snapshot: Snapshot) -> None:
    with pytest.raises(AccountError, match=r"no policy named 'DenyPut' in the account.*'DenyPuts'"):
        find_policy(snapshot, "DenyPut")
    with pytest.raises(AccountError, match="did you mean 'AmazonS3ReadOnlyAccess'"):
        find_policy(None, "AmazonS3ReadOnlyAcces")
    with pytest.raises(AccountError, match=r"no account given"):
        find_policy(None, "Own")


def test_a_word_naming_several_policies_lists_them() -> None:
    text = textwrap.dedent(
        """
        accounts:
          - id: "111122223333"
            users:
              alice: {inline: {Own: {Statement: [{Effect: Allow, Action: s3:*, Resource: "*"}]}}}
              bob: {inline: {Own: {Statement: [{Effect: Allow, Action: sqs:*, Resource: "*"}]}}}
            policies:
              Shared: {Statement: [{Effect: Allow, Action: ec2:*, Resource: "*"}]}
          - id: "444455556666"
            policies:
              Shared: {Statement: [{Effect: Allow, Action: kms:*, Resource: "*"}]}
        """
    )
    snapshot = parse_snapshot(text, "two.yaml")
    with pytest.raises(AccountError, match="'Own' names 2 policies: user alice inline Own"):
        find_policy(snapshot, "Own")
    with pytest.raises(AccountError, match=r"'Shared' names 2 policies.*give its ARN"):
        find_policy(snapshot, "Shared")
    found = find_policy(snapshot, "arn:aws:iam::444455556666:policy/Shared")
    assert found.account == "444455556666"
    assert find_policy(snapshot, "user bob inline Own").policy.statements[0].action == ("sqs:*",)

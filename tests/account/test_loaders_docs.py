"""The examples in docs/formats.md load, and the errors it shows are what policysim prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policysim.account.loaders import parse_snapshot
from policysim.policy.errors import PolicyError

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ROOT / "docs" / "formats.md"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", FORMATS.read_text(encoding="utf-8"), re.S)


def test_snapshot_example_loads() -> None:
    (example,) = blocks("json")
    snapshot = parse_snapshot(example, "snapshot.json")
    assert list(snapshot.accounts) == ["111122223333", "444455556666"]
    prod = snapshot.accounts["111122223333"]
    assert prod.users["alice"].groups == ["readers"]
    assert len(prod.resources) == 2
    assert snapshot.organization is not None
    assert set(snapshot.organization.account_paths) == set(snapshot.accounts)
    assert snapshot.metadata["account_errors"]["111122223333"][0]["error"] == "AccessDenied"


def test_yaml_examples_load() -> None:
    single, several = blocks("yaml")
    snapshot = parse_snapshot(single, "accounts.yaml")
    account = snapshot.accounts["111122223333"]
    assert set(account.users) == {"alice", "bob"}
    assert set(account.roles) == {"app", "ci", "auditor"}
    assert account.roles["app"].instance_profiles == [
        "arn:aws:iam::111122223333:instance-profile/app-profile"
    ]
    assert snapshot.organization is not None
    assert snapshot.organization.org_paths("111122223333") == (
        "o-a1b2c3d4e5/r-abcd/ou-abcd-1111/ou-abcd-2222/"
    )
    snapshot = parse_snapshot(several, "accounts.yaml")
    assert list(snapshot.accounts) == ["111122223333", "444455556666"]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            'account: "111122223333"\n\nusers:\n  alice:\n    polices: [ReadOnlyAccess]\n',
            "accounts.yaml:5:5: users.alice: unknown key 'polices'",
        ),
        (
            'account: "111122223333"\n\nusers:\n  alice:\n'
            "    policies: [ReadOnlyAccess, AmazonS3FullAcess]\n",
            "accounts.yaml:5:32: users.alice.policies[1]: unknown managed policy",
        ),
    ],
)
def test_documented_errors(text: str, shown: str) -> None:
    (errors,) = blocks("text")
    line = next(line for line in errors.splitlines() if line.startswith(shown))
    with pytest.raises(PolicyError) as err:
        parse_snapshot(text, "accounts.yaml")
    assert str(err.value) == line

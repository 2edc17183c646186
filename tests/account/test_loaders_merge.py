"""Several account files, or a directory of them, read as one organization (`load_accounts`)."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.account.errors import AccountError
from policysim.account.loaders import load_accounts, load_snapshot
from policysim.account.loaders.merge import MERGED_FORMAT, account_files
from policysim.policy.errors import PolicyError

DATA = Path(__file__).parent / "data"
ORG_DIR = DATA / "org-dir"
REPO = Path(__file__).resolve().parents[2]
COMBINED = REPO / "fixtures" / "accounts" / "org.yaml"

ORG_YAML = """\
organization:
  id: {org_id}
  policies:
    DenyLeave:
      Version: "2012-10-17"
      Statement: [{{Effect: Deny, Action: organizations:LeaveOrganization, Resource: "*"}}]
  root: {{id: r-root1, scps: [FullAWSAccess, DenyLeave]}}
  accounts:
    "111122223333": {{}}
"""


def account_yaml(account_id: str, user: str = "alice", action: str = "s3:GetObject") -> str:
    return textwrap.dedent(
        f"""\
        account: "{account_id}"
        users:
          {user}:
            inline:
              P: {{Version: "2012-10-17", Statement: [{{Effect: Allow, Action: {action},
                   Resource: "*"}}]}}
        """
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def error(paths: Path | list[Path]) -> str:
    """Load `paths`; return the error, checked to be one line."""
    with pytest.raises(PolicyError) as err:
        load_accounts(paths)
    message = str(err.value)
    assert "\n" not in message
    return message


def test_two_files_become_one_snapshot(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", account_yaml("111122223333"))
    b = write(tmp_path / "b.yaml", account_yaml("444455556666", "bob"))
    snapshot = load_accounts([a, b])
    assert list(snapshot.accounts) == ["111122223333", "444455556666"]
    assert set(snapshot.accounts["444455556666"].users) == {"bob"}
    assert snapshot.organization is None
    assert snapshot.source == f"{a}, {b}"
    assert snapshot.metadata["format"] == MERGED_FORMAT
    assert [f["file"] for f in snapshot.metadata["files"]] == [str(a), str(b)]


def test_each_policy_keeps_its_own_file(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", account_yaml("111122223333"))
    b = write(tmp_path / "b.yaml", account_yaml("444455556666", "bob"))
    snapshot = load_accounts([a, b])
    policy_a = snapshot.accounts["111122223333"].users["alice"].inline_policies["P"]
    policy_b = snapshot.accounts["444455556666"].users["bob"].inline_policies["P"]
    assert policy_a.file == str(a)
    assert policy_b.file == str(b)
    assert policy_b.statements[0].position is not None


def test_a_single_file_is_read_as_before() -> None:
    merged = load_accounts([COMBINED])
    alone = load_snapshot(COMBINED)
    assert merged.source == alone.source == str(COMBINED)
    assert merged.metadata == alone.metadata
    assert merged.accounts == alone.accounts


def test_a_directory_is_the_organization_of_its_files() -> None:
    """org-dir is fixtures/accounts/org.yaml written as one file per account plus the org."""
    merged = load_accounts(ORG_DIR)
    combined = load_snapshot(COMBINED)
    assert merged.source == str(ORG_DIR)
    assert sorted(merged.accounts) == sorted(combined.accounts)
    assert merged.organization == combined.organization
    # The YAML accounts are the same models (policies compare without their positions); the
    # management account is a policysim snapshot there, with the same user and policy.
    for account_id in ("111111111111", "222222222222"):
        assert merged.accounts[account_id] == combined.accounts[account_id]
    management = merged.accounts["333333333333"]
    assert management.alias == "management"
    assert management.users["admin"].managed_policies == [
        "arn:aws:iam::aws:policy/AdministratorAccess"
    ]
    ledger = merged.accounts["111111111111"].resources["arn:aws:s3:::payments-ledger"]
    assert ledger.policy is not None
    assert ledger.policy.file == str(ORG_DIR / "payments.yaml")
    files = [Path(str(f["file"])).name for f in merged.metadata["files"]]
    assert files == ["management.json", "organization.yaml", "payments.yaml", "tools.yaml"]


def test_directories_and_files_mix_and_a_file_named_twice_is_read_once() -> None:
    merged = load_accounts([ORG_DIR, ORG_DIR / "tools.yaml"])
    assert len(merged.metadata["files"]) == 4
    assert merged.source == f"{ORG_DIR}, {ORG_DIR / 'tools.yaml'}"


def test_the_same_account_in_two_files_names_both(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", account_yaml("111122223333"))
    b = write(tmp_path / "b.yaml", account_yaml("111122223333", "bob"))
    message = error([a, b])
    assert f"account 111122223333 is in both {a} and {b}" in message


def test_two_organizations_are_refused(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", ORG_YAML.format(org_id="o-aaaaaaaaaa"))
    b = write(tmp_path / "b.yaml", ORG_YAML.format(org_id="o-bbbbbbbbbb"))
    message = error(tmp_path)
    assert f"two organizations: o-aaaaaaaaaa in {a} and o-bbbbbbbbbb in {b}" in message


def test_one_organization_given_twice_is_refused(tmp_path: Path) -> None:
    a = write(tmp_path / "a.yaml", ORG_YAML.format(org_id="o-aaaaaaaaaa"))
    b = write(tmp_path / "b.yaml", ORG_YAML.format(org_id="o-aaaaaaaaaa"))
    message = error([a, b])
    assert f"the organization o-aaaaaaaaaa is in both {a} and {b}; give it in one file" in message


def test_an_organization_only_yaml_file(tmp_path: Path) -> None:
    org = write(tmp_path / "org.yaml", ORG_YAML.format(org_id="o-aaaaaaaaaa"))
    alone = load_snapshot(org)
    assert alone.accounts == {}
    assert alone.organization is not None
    assert alone.organization.id == "o-aaaaaaaaaa"
    account = write(tmp_path / "a.yaml", account_yaml("111122223333"))
    merged = load_accounts([account, org])
    assert merged.organization == alone.organization
    path = merged.organization.path_of("111122223333") if merged.organization else None
    assert path is not None
    assert path[0].scps == ["FullAWSAccess", "DenyLeave"]


def test_an_organization_only_snapshot_file(tmp_path: Path) -> None:
    """What `fetch --org` writes beside the accounts: a snapshot with no `accounts`."""
    org = {
        "policysim_snapshot": 1,
        "generated_at": "2026-01-01T00:00:00+00:00",
        "organization": {
            "id": "o-aaaaaaaaaa",
            "policies": {},
            "account_paths": {
                "111122223333": [
                    {"id": "r-root1", "scps": ["FullAWSAccess"]},
                    {"id": "111122223333", "scps": ["FullAWSAccess"]},
                ]
            },
        },
    }
    org_file = write(tmp_path / "organization.json", json.dumps(org))
    write(tmp_path / "a.yaml", account_yaml("111122223333"))
    merged = load_accounts(tmp_path)
    assert set(merged.accounts) == {"111122223333"}
    assert merged.organization is not None
    assert merged.organization.path_of("111122223333") is not None
    assert load_snapshot(org_file).accounts == {}


def test_an_organization_file_may_not_hide_account_keys(tmp_path: Path) -> None:
    """`users:` without `account:` would otherwise be dropped without a word."""
    text = ORG_YAML.format(org_id="o-aaaaaaaaaa") + "users: {alice: {}}\n"
    org = write(tmp_path / "org.yaml", text)
    message = error([org])
    assert message.startswith(f"{org}:")
    assert "expected 'account:'" in message


def test_an_empty_directory_is_an_error(tmp_path: Path) -> None:
    message = error(tmp_path)
    assert message == f"{tmp_path}: the directory holds no account files (*.json, *.yaml, *.yml)"


def test_a_directory_without_account_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "README.md", "notes\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "a.yaml", account_yaml("111122223333"))
    assert "holds no account files" in error(tmp_path)


def test_a_file_that_is_not_an_account_fails_the_load_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", account_yaml("111122223333"))
    policy = write(
        tmp_path / "policy.json",
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",'
        ' "Resource": "*"}]}',
    )
    message = error(tmp_path)
    assert message.startswith(f"{policy}:")
    assert "this is a policy document, not an account file" in message


def test_a_broken_file_fails_the_load_naming_it(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", account_yaml("111122223333"))
    broken = write(tmp_path / "b.json", '{"policysim_snapshot": 1,')
    assert error(tmp_path).startswith(f"{broken}:")


def test_dot_files_and_subdirectories_are_left_alone(tmp_path: Path) -> None:
    write(tmp_path / "b.yml", account_yaml("444455556666", "bob"))
    write(tmp_path / "A.YAML", account_yaml("111122223333"))
    write(tmp_path / ".fetch-state.json", "not json at all")
    write(tmp_path / "notes.txt", "not an account")
    (tmp_path / "nested.json").mkdir()
    assert [p.name for p in account_files(tmp_path)] == ["A.YAML", "b.yml"]
    assert set(load_accounts(tmp_path).accounts) == {"111122223333", "444455556666"}


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert str(missing) in error([missing, missing])


def test_warnings_of_every_file_are_kept_in_file_order(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", account_yaml("111122223333", action="s3:GetObjects"))
    write(tmp_path / "b.yaml", account_yaml("444455556666", "bob", action="s3:PutObjects"))
    warnings = [str(w) for w in load_accounts(tmp_path).warnings]
    assert len(warnings) == 2
    assert warnings[0].startswith(f"{tmp_path / 'a.yaml'}:") and "s3:GetObjects" in warnings[0]
    assert warnings[1].startswith(f"{tmp_path / 'b.yaml'}:") and "s3:PutObjects" in warnings[1]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6))
def test_any_split_of_accounts_gives_the_same_accounts(digits: list[int]) -> None:
    """However accounts are spread over files and in whatever order the files are named, the
    merged snapshot holds each account once, as read from its file; a repeat is refused."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [
            write(folder / f"{i}.yaml", account_yaml(str(d) * 12, f"u{i}"))
            for i, d in enumerate(digits)
        ]
        if len(set(digits)) < len(digits):
            with pytest.raises(AccountError, match="is in both"):
                load_accounts(files[::-1])
            return
        merged = load_accounts(files[::-1])
        assert set(merged.accounts) == {str(d) * 12 for d in digits}
        for i, d in enumerate(digits):
            assert set(merged.accounts[str(d) * 12].users) == {f"u{i}"}
        assert os.fspath(files[-1]) in (merged.source or "")

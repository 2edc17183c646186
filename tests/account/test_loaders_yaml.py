"""The compact YAML format: names resolve, statements keep line:col, mistakes are located."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.account.loaders import load_snapshot, load_yaml_snapshot, parse_snapshot
from policysim.account.model import BlockPublicAccess, Snapshot
from policysim.policy.errors import PolicyError, Position

DATA = Path(__file__).parent / "data"
ACCOUNTS = DATA / "accounts.yaml"
A = "111122223333"
B = "444455556666"


def position_of(path: Path, needle: str, occurrence: int = 0) -> Position:
    """Where `needle` is in the file (1-based line and column)."""
    lines = path.read_text().splitlines()
    found = [(i, line.index(needle)) for i, line in enumerate(lines) if needle in line]
    line, column = found[occurrence]
    return Position(line + 1, column + 1)


def load(text: str, name: str = "account.yaml") -> Snapshot:
    return parse_snapshot(textwrap.dedent(text), name)


def error(text: str, name: str = "account.yaml") -> PolicyError:
    """Parse `text`; return the error, checked to be one line naming the file."""
    with pytest.raises(PolicyError) as err:
        load(text, name)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{name}:"), message
    return err.value


# ---- the fixture ----------------------------------------------------------------------------


def test_fixture_accounts() -> None:
    snapshot = load_snapshot(ACCOUNTS)
    assert snapshot.source == str(ACCOUNTS)
    assert snapshot.metadata == {"format": "yaml"}
    assert list(snapshot.accounts) == [A, B]
    prod = snapshot.accounts[A]
    assert prod.alias == "prod"
    assert set(prod.users) == {"alice", "bob"}
    assert set(prod.roles) == {"app", "auditor", "ci"}
    assert prod.block_public_access == BlockPublicAccess(
        block_public_policy=True, restrict_public_buckets=True
    )


def test_arns_are_derived() -> None:
    prod = load_yaml_snapshot(ACCOUNTS).accounts[A]
    alice = prod.users["alice"]
    assert alice.arn == f"arn:aws:iam::{A}:user/engineering/alice"
    assert alice.path == "/engineering/"
    assert prod.groups["deploy"].arn == f"arn:aws:iam::{A}:group/deploy"
    assert prod.roles["app"].arn == f"arn:aws:iam::{A}:role/service-role/app"
    assert set(prod.policies) == {
        f"arn:aws:iam::{A}:policy/ReportsReader",
        f"arn:aws:iam::{A}:policy/boundaries/DevBoundary",
    }
    assert prod.policies[f"arn:aws:iam::{A}:policy/boundaries/DevBoundary"].path == "/boundaries/"


def test_managed_policy_names_resolve() -> None:
    prod = load_snapshot(ACCOUNTS).accounts[A]
    alice = prod.users["alice"]
    assert alice.managed_policies == [
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",  # AWS managed, by name
        f"arn:aws:iam::{A}:policy/ReportsReader",  # the account's own
    ]
    assert alice.permissions_boundary == f"arn:aws:iam::{A}:policy/boundaries/DevBoundary"
    assert alice.groups == ["deploy"]
    assert alice.tags == {"team": "blue"}
    # A path-qualified AWS managed name, and an ARN, as given.
    assert prod.roles["app"].managed_policies == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    assert prod.roles["auditor"].managed_policies == ["arn:aws:iam::aws:policy/SecurityAudit"]
    assert prod.roles["ci"].permissions_boundary == (
        f"arn:aws:iam::{A}:policy/boundaries/DevBoundary"
    )
    assert prod.groups["deploy"].managed_policies == [
        "arn:aws:iam::aws:policy/AWSCodeDeployFullAccess"
    ]


def test_aws_managed_path_comes_from_the_catalog() -> None:
    snapshot = load(
        """
        account: "111122223333"
        roles:
          fn: {trust_service: lambda.amazonaws.com, policies: [AWSLambdaBasicExecutionRole]}
        """
    )
    assert snapshot.accounts[A].roles["fn"].managed_policies == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]


def test_own_policy_shadows_aws_managed_name() -> None:
    snapshot = load(
        """
        account: "111122223333"
        users:
          alice: {policies: [ReadOnlyAccess]}
        policies:
          ReadOnlyAccess:
            Statement: {Effect: Allow, Action: "s3:Get*", Resource: "*"}
        """
    )
    assert snapshot.accounts[A].users["alice"].managed_policies == [
        f"arn:aws:iam::{A}:policy/ReadOnlyAccess"
    ]


def test_statement_positions_in_inline_policy() -> None:
    alice = load_snapshot(ACCOUNTS).accounts[A].users["alice"]
    policy = alice.inline_policies["ReadReports"]
    assert policy.file == str(ACCOUNTS)
    assert policy.statements[0].position == position_of(ACCOUNTS, "Sid: ReadReports")
    assert policy.position == position_of(ACCOUNTS, "Version", 0)


def test_positions_in_json_flow_style_and_resources() -> None:
    prod = load_snapshot(ACCOUNTS).accounts[A]
    passrole = prod.groups["deploy"].inline_policies["PassDeployRole"]
    line = position_of(ACCOUNTS, "PassDeployRole").line
    assert passrole.statements[0].position is not None
    assert passrole.statements[0].position.line == line
    bucket = prod.resources["arn:aws:s3:::reports"]
    assert bucket.policy is not None
    assert bucket.policy.statements[0].position == position_of(
        ACCOUNTS, "Sid: DenyInsecureTransport"
    )
    assert bucket.policy.statements[0].condition == {"Bool": {"aws:SecureTransport": ("false",)}}
    assert bucket.tags == {"data": "internal"}
    assert bucket.block_public_access == BlockPublicAccess(restrict_public_buckets=True)


def test_trust_policies() -> None:
    prod = load_snapshot(ACCOUNTS).accounts[A]
    app = prod.roles["app"].trust_policy
    assert app is not None
    statement = app.statements[0]
    assert statement.principal is not None
    assert statement.principal.service == ("lambda.amazonaws.com",)
    assert statement.action == ("sts:AssumeRole",)
    # The shorthand's statement points at the shorthand.
    assert statement.position == position_of(ACCOUNTS, "lambda.amazonaws.com")
    ci = prod.roles["ci"].trust_policy
    assert ci is not None and ci.statements[0].principal is not None
    assert ci.statements[0].principal.aws == (f"arn:aws:iam::{B}:root",)
    auditor = prod.roles["auditor"].trust_policy
    assert auditor is not None
    assert auditor.statements[0].condition == {"Bool": {"aws:MultiFactorAuthPresent": ("true",)}}


def test_organization() -> None:
    org = load_snapshot(ACCOUNTS).organization
    assert org is not None
    assert org.id == "o-a1b2c3d4e5"
    assert org.management_account == "999999999999"
    assert set(org.policies) == {"DenyOtherRegions", "DenyExternalAccess", "FullAWSAccess"}
    path = org.path_of(A)
    assert path is not None
    assert [level.id for level in path] == ["r-abcd", "ou-abcd-1111", "ou-abcd-2222", A]
    assert [level.scps for level in path] == [
        ["FullAWSAccess"],
        ["FullAWSAccess", "DenyOtherRegions"],
        ["FullAWSAccess"],  # no `scps:` means FullAWSAccess, as AWS attaches it
        ["FullAWSAccess"],
    ]
    assert path[2].rcps == ["DenyExternalAccess"]
    assert path[0].name == "Root"
    assert org.org_paths(A) == "o-a1b2c3d4e5/r-abcd/ou-abcd-1111/ou-abcd-2222/"
    other = org.path_of(B)
    assert other is not None and [level.id for level in other] == ["r-abcd", B]
    statement = org.policies["DenyOtherRegions"].statements[0]
    assert statement.position == position_of(ACCOUNTS, "Sid: DenyOutsideEU")


def test_single_account_minimal() -> None:
    snapshot = load(
        """
        account: "012345678901"
        alias: dev
        users:
          alice:
        """
    )
    account = snapshot.accounts["012345678901"]
    assert account.alias == "dev"
    assert account.users["alice"].arn == "arn:aws:iam::012345678901:user/alice"
    assert snapshot.organization is None


def test_partition() -> None:
    snapshot = load(
        """
        account: "111122223333"
        partition: aws-cn
        users: {alice: {policies: [ReadOnlyAccess]}}
        """
    )
    alice = snapshot.accounts[A].users["alice"]
    assert alice.arn == f"arn:aws-cn:iam::{A}:user/alice"
    assert alice.managed_policies == ["arn:aws-cn:iam::aws:policy/ReadOnlyAccess"]


# ---- errors ---------------------------------------------------------------------------------


def test_unknown_key() -> None:
    err = error(
        """
        account: "111122223333"
        users:
          alice:
            polices: [ReadOnlyAccess]
        """
    )
    assert err.position == Position(5, 5)
    assert str(err).endswith(
        "unknown key 'polices'; allowed keys: path, groups, policies, inline, boundary, tags;"
        " did you mean 'policies'?"
    )
    assert str(err).startswith("account.yaml:5:5: users.alice: ")


def test_unknown_top_level_key() -> None:
    err = error('account: "111122223333"\nrole: {}\n')
    assert err.position == Position(2, 1)
    assert "unknown key 'role'" in str(err)


def test_unknown_managed_policy_with_suggestion() -> None:
    err = error(
        """
        account: "111122223333"
        users:
          alice:
            policies: [ReadOnlyAccess, AmazonS3FullAcess]
        """
    )
    assert err.position == Position(5, 32)
    assert "unknown managed policy 'AmazonS3FullAcess'" in str(err)
    assert "did you mean 'AmazonS3FullAccess'" in str(err)
    assert err.path == "users.alice.policies[1]"


def test_unknown_own_policy_suggests_own_names() -> None:
    err = error(
        """
        account: "111122223333"
        users: {alice: {boundary: DevBoundry}}
        policies:
          DevBoundary: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
        """
    )
    assert "did you mean 'DevBoundary'" in str(err)
    assert err.position == Position(3, 27)


def test_unknown_aws_managed_arn() -> None:
    err = error(
        """
        account: "111122223333"
        users: {alice: {policies: ["arn:aws:iam::aws:policy/ReadOnlyAcces"]}}
        """
    )
    assert "unknown AWS managed policy" in str(err)
    assert "did you mean 'ReadOnlyAccess'" in str(err)


def test_unquoted_account_id() -> None:
    err = error("account: 111122223333\n")
    assert err.position == Position(1, 10)
    assert "quoted string" in str(err)
    assert '"111122223333"' in str(err)


def test_unquoted_account_id_read_as_octal() -> None:
    # YAML 1.1 reads 012345670123 as an octal number: the message shows it as written.
    err = error("accounts:\n  - id: 012345670123\n")
    assert err.position == Position(2, 9)
    assert '"012345670123"' in str(err)


def test_account_id_wrong_length() -> None:
    assert "12 digits" in str(error('account: "1234"\n'))


def test_unquoted_account_in_trust_account() -> None:
    err = error(
        """
        account: "111122223333"
        roles: {ci: {trust_account: 444455556666}}
        """
    )
    assert "quoted string" in str(err)
    assert err.path == "roles.ci.trust_account"


def test_bad_policy_inside_yaml_is_located() -> None:
    err = error(
        """
        account: "111122223333"
        users:
          alice:
            inline:
              Bad:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: s3:GetObject
                    Resource: "*"
                  - Effect: Allwo
                    Action: s3:PutObject
                    Resource: "*"
        """
    )
    assert err.position == Position(12, 21)
    assert err.path == "users.alice.inline.Bad.Statement[1].Effect"
    assert str(err).startswith("account.yaml:12:21: users.alice.inline.Bad.Statement[1].Effect:")


def test_policy_document_must_be_a_mapping() -> None:
    err = error(
        """
        account: "111122223333"
        users: {alice: {inline: {Bad: "s3:*"}}}
        """
    )
    assert "a policy document must be a mapping" in str(err)


def test_unknown_group() -> None:
    err = error(
        """
        account: "111122223333"
        groups: {deploy: {}}
        users: {alice: {groups: [deplyo]}}
        """
    )
    assert "unknown group 'deplyo'" in str(err)
    assert "did you mean 'deploy'" in str(err)


def test_account_and_accounts_conflict() -> None:
    err = error(
        """
        accounts: [{id: "111122223333"}]
        users: {}
        """
    )
    assert "'users' belongs inside each account" in str(err)


def test_no_account() -> None:
    assert "expected 'account:'" in str(error("users: {}\n"))


def test_trust_and_shorthand_conflict() -> None:
    err = error(
        """
        account: "111122223333"
        roles:
          app:
            trust: {Statement: {Effect: Allow, Principal: "*", Action: "sts:AssumeRole"}}
            trust_service: lambda.amazonaws.com
        """
    )
    assert "either 'trust:' or 'trust_service'" in str(err)


def test_bad_iam_path() -> None:
    err = error(
        """
        account: "111122223333"
        users: {alice: {path: engineering}}
        """
    )
    assert "must start and end with '/'" in str(err)


def test_unknown_ou_parent() -> None:
    err = error(
        """
        account: "111122223333"
        organization:
          root: {id: r-abcd}
          ous: [{id: ou-abcd-1111, parent: ou-abcd-1112}]
        """
    )
    assert "unknown parent 'ou-abcd-1112'" in str(err)
    assert "did you mean 'ou-abcd-1111'" in str(err)


def test_ou_cycle() -> None:
    err = error(
        """
        account: "111122223333"
        organization:
          root: {id: r-abcd}
          ous:
            - {id: ou-abcd-1111, parent: ou-abcd-2222}
            - {id: ou-abcd-2222, parent: ou-abcd-1111}
        """
    )
    assert "cycle" in str(err)


def test_unknown_scp() -> None:
    err = error(
        """
        account: "111122223333"
        organization:
          root: {id: r-abcd, scps: [FullAWSAccess, DenyAll]}
        """
    )
    assert "SCP 'DenyAll' is not defined under organization.policies" in str(err)
    assert err.position == Position(4, 44)


def test_org_account_key_must_be_an_account_id() -> None:
    err = error(
        """
        account: "111122223333"
        organization:
          root: {id: r-abcd}
          accounts: {12345: {}}
        """
    )
    assert "12 digits" in str(err)
    assert err.position == Position(5, 14)


def test_invalid_yaml_syntax() -> None:
    err = error('account: "111122223333"\nusers: [alice\n')
    assert "invalid YAML" in str(err)
    assert err.position is not None


def test_duplicate_yaml_key() -> None:
    err = error('account: "111122223333"\nusers: {}\nusers: {}\n')
    assert "duplicate key 'users'" in str(err)
    assert err.position == Position(3, 1)


def test_tag_values_must_be_strings() -> None:
    err = error(
        """
        account: "111122223333"
        users: {alice: {tags: {cost-center: 1234}}}
        """
    )
    assert 'quote it: "1234"' in str(err)


def test_yaml_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "accounts"
    path.write_text('account: "111122223333"\n')
    assert A in load_snapshot(path).accounts


# ---- instance profiles ----------------------------------------------------------------------


def test_instance_profiles_names_and_arns() -> None:
    snapshot = load(
        """
        account: "111122223333"
        partition: aws-cn
        roles:
          web:
            trust_service: ec2.amazonaws.com
            instance_profiles:
              - web
              - arn:aws-cn:iam::111122223333:instance-profile/fleet/web-2
              - web
          batch: {trust_service: ec2.amazonaws.com, instance_profiles: batch}
          lambda: {trust_service: lambda.amazonaws.com}
        """
    )
    roles = snapshot.accounts[A].roles
    assert roles["web"].instance_profiles == [
        f"arn:aws-cn:iam::{A}:instance-profile/web",
        f"arn:aws-cn:iam::{A}:instance-profile/fleet/web-2",
    ]
    assert roles["batch"].instance_profiles == [f"arn:aws-cn:iam::{A}:instance-profile/batch"]
    assert roles["lambda"].instance_profiles == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"web profile"', "instance profile name 'web profile' may only hold letters"),
        (
            "arn:aws:iam::444455556666:instance-profile/web",
            "is not in the role's account: IAM adds a role only to an instance profile of its"
            " own account (arn:aws:iam::111122223333:instance-profile/NAME)",
        ),
        (
            "arn:aws:iam::111122223333:role/web",
            "an instance profile ARN is arn:aws:iam::111122223333:instance-profile/NAME, got",
        ),
        ("arn:aws:iam::111122223333:instance-profile/*", "names one profile (no '*' or '?')"),
        ("arn:aws:iam::111122223333:instance-profile/a//b", "has no valid path and name"),
        ("{name: web}", "expected a string, got a mapping"),
        ("1234", "YAML reads an unquoted 1234 as a number"),
    ],
)
def test_bad_instance_profile_is_located(value: str, problem: str) -> None:
    err = error(
        f"""
        account: "111122223333"
        roles:
          web:
            instance_profiles: [ok, {value}]
        """
    )
    assert err.position == Position(5, 29)
    assert str(err).startswith("account.yaml:5:29: roles.web.instance_profiles[1]: "), str(err)
    assert problem in str(err)


def test_instance_profiles_belong_to_roles_only() -> None:
    err = error(
        """
        account: "111122223333"
        users:
          alice: {instance_profiles: [web]}
        """
    )
    assert "unknown key 'instance_profiles'" in str(err)


_PROFILE_NAMES = st.lists(st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,20}", fullmatch=True), max_size=6)


@given(names=_PROFILE_NAMES, paths=st.lists(st.booleans(), min_size=6, max_size=6))
def test_instance_profiles_keep_order_and_drop_repeats(names: list[str], paths: list[bool]) -> None:
    """Names and ARNs (with or without a path) become ARNs in the order given, each once."""
    refs = [
        f"arn:aws:iam::{A}:instance-profile/fleet/{name}" if with_path else name
        for name, with_path in zip(names, paths, strict=False)
    ]
    listed = ", ".join(f'"{ref}"' for ref in refs)
    snapshot = load(f'account: "{A}"\nroles:\n  web: {{instance_profiles: [{listed}]}}\n')
    expected = [
        ref if ref.startswith("arn:") else f"arn:aws:iam::{A}:instance-profile/{ref}"
        for ref in refs
    ]
    assert snapshot.accounts[A].roles["web"].instance_profiles == list(dict.fromkeys(expected))

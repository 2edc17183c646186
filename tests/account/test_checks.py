"""Account files are checked on load: bad resource keys are errors, likely mistakes warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policysim.account.checks import names_bucket, resource_key_problem
from policysim.account.loaders import load_snapshot, parse_snapshot
from policysim.account.resolve import Resolver
from policysim.policy.errors import PolicyError
from policysim.policy.wildcard import compile_glob, glob_matches_some_extension

A = "111122223333"


def _yaml(resources: str = "", users: str = "  john: {}\n", roles: str = "") -> str:
    return (
        f'account: "{A}"\nusers:\n{users}'
        + (f"roles:\n{roles}" if roles else "")
        + (f"resources:\n{resources}" if resources else "")
    )


def _bucket(statement: str, arn: str = "arn:aws:s3:::uploads-bucket") -> str:
    return (
        f'  "{arn}":\n'
        "    policy:\n"
        '      Version: "2012-10-17"\n'
        "      Statement:\n"
        f"        - {statement}\n"
    )


DENY_UPLOADS = (
    '{Effect: Deny, Principal: "*", Action: s3:PutObject, Resource: arn:aws:s3:::uploads-bucket/*}'
)


# ---- resource keys: errors -----------------------------------------------------------------


def test_object_pattern_key_is_an_error_naming_the_bucket() -> None:
    text = _yaml(_bucket(DENY_UPLOADS, "arn:aws:s3:::uploads-bucket/*"))
    with pytest.raises(PolicyError) as err:
        parse_snapshot(text, "a.yaml")
    message = str(err.value)
    assert message.startswith("a.yaml:5:3: ")
    assert "must be a bucket ARN (arn:aws:s3:::uploads-bucket), not an object pattern" in message


@pytest.mark.parametrize(
    ("arn", "has_policy", "expected"),
    [
        ("arn:aws:s3:::b", True, None),
        ("arn:aws:s3:::b/key.txt", False, "not an object"),
        ("arn:aws:sqs:*:111122223333:jobs", True, "is a pattern"),
        ("arn:aws:sqs:eu-west-1:111122223333:jo?s", True, "is a pattern"),
        ("arn:aws:sqs:eu-west-1:111122223333:jobs", True, None),
        ("arn:aws:lambda:eu-west-1:111122223333:function:f:prod", True, None),
        ("arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbC", True, None),
        ("arn:aws:s3::111122223333:b", True, "not the ARN of any s3 resource"),
        ("arn:aws:kms:eu-west-1:111122223333:keys/1", True, "not the ARN of any kms resource"),
        ("arn:aws:sqss:eu-west-1:111122223333:q", True, "ARNs with 'sqss'; did you mean"),
        ("arn:aws:iam::111122223333:role/app", True, "trust policy goes under roles"),
        ("arn:aws:iam::111122223333:role/app", False, None),
        ("bucket", True, "keyed by its ARN"),
    ],
)
def test_resource_key_problem(arn: str, has_policy: bool, expected: str | None) -> None:
    problem = resource_key_problem(arn, has_policy=has_policy)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_snapshot_resource_key_is_checked_too(tmp_path: Path) -> None:
    data = {
        "policysim_snapshot": 1,
        "generated_at": "2026-01-01T00:00:00Z",
        "accounts": [{"account_id": A, "resources": [{"arn": "arn:aws:s3:::b/*"}]}],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(PolicyError, match=r"s\.json:\d+:\d+: .*must be a bucket ARN"):
        load_snapshot(path)


# ---- principals IAM refuses: errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        ("john", 'is not "*", an account id or an ARN'),
        (f"arn:aws:iam::{A}:role/*", "holds a wildcard"),
        (f"arn:aws:iam::{A}:group/devs", "is a group"),
    ],
)
def test_principal_iam_refuses_is_an_error(principal: str, expected: str) -> None:
    statement = (
        f'{{Effect: Allow, Principal: {{AWS: "{principal}"}}, Action: s3:GetObject,'
        " Resource: arn:aws:s3:::uploads-bucket/*}"
    )
    with pytest.raises(PolicyError) as err:
        parse_snapshot(_yaml(_bucket(statement)), "a.yaml")
    assert str(err.value).startswith("a.yaml:9:")
    assert expected in str(err.value)


# ---- warnings -------------------------------------------------------------------------------


def _warnings(text: str) -> list[str]:
    return [str(w) for w in parse_snapshot(text, "a.yaml").warnings]


def test_unknown_action_and_key_warn_at_their_position() -> None:
    statement = (
        '{Effect: Allow, Principal: "*", Action: [s3:GetObjects, s3:PutObject],'
        " Resource: arn:aws:s3:::uploads-bucket/*,"
        " Condition: {StringEquals: {aws:SourceIpp: 10.0.0.1}}}"
    )
    warnings = _warnings(_yaml(_bucket(statement)))
    assert len(warnings) == 2
    assert warnings[0].startswith("a.yaml:9:52: unknown action 's3:GetObjects'; did you mean")
    assert "unknown global condition key 'aws:SourceIpp'" in warnings[1]
    assert warnings[1].startswith("a.yaml:9:")


def test_principals_naming_no_one_warn() -> None:
    statement = (
        f'{{Effect: Allow, Principal: {{AWS: ["arn:aws:iam::{A}:user/nobody",'
        f' "arn:aws:iam::{A}:user/john", "arn:aws:iam::{A}:user/ci/john",'
        ' "arn:aws:iam::999999999999:user/whoever", "AROAEXAMPLEEXAMPLE123"]},'
        " Action: s3:GetObject, Resource: arn:aws:s3:::uploads-bucket/*}"
    )
    warnings = _warnings(_yaml(_bucket(statement)))
    assert len(warnings) == 3, warnings
    assert "user/nobody' names no user of account 111122223333" in warnings[0]
    assert "user 'john' has the ARN arn:aws:iam::111122223333:user/john" in warnings[1]
    assert "unique id AWS shows for a deleted user or role" in warnings[2]


def test_trust_policy_principals_are_checked() -> None:
    roles = f'  app:\n    trust_account: "arn:aws:iam::{A}:role/missing"\n'
    warnings = _warnings(_yaml(roles=roles))
    assert warnings == [
        f"a.yaml:6:20: principal 'arn:aws:iam::{A}:role/missing' names no role of account"
        f" {A}: it matches no caller"
    ]


def test_bucket_statement_that_never_names_the_bucket_warns() -> None:
    statement = (
        '{Sid: Other, Effect: Deny, Principal: "*", Action: s3:PutObject,'
        " Resource: arn:aws:s3:::other-bucket/*}"
    )
    warnings = _warnings(_yaml(_bucket(statement)))
    assert len(warnings) == 1
    assert (
        "statement Other of the policy of arn:aws:s3:::uploads-bucket names neither"
        in (warnings[0])
    )
    assert _warnings(_yaml(_bucket(DENY_UPLOADS))) == []


def test_the_answer_still_comes_with_warnings() -> None:
    statement = '{Effect: Allow, Principal: "*", Action: s3:GetObjects, Resource: "*"}'
    snapshot = parse_snapshot(_yaml(_bucket(statement)), "a.yaml")
    assert snapshot.warnings
    r = Resolver(snapshot)
    assert not r.decide(
        r.find("user", "john"), "s3:GetObject", "arn:aws:s3:::uploads-bucket/k"
    ).allowed


def test_repeated_warnings_are_reported_once() -> None:
    statement = '{Effect: Allow, Action: s3:GetObjects, Resource: "*"}'
    users = (
        '  john:\n    inline:\n      P: {Version: "2012-10-17", Statement: [' + statement + "]}\n"
    )
    text = _yaml(users=users)
    assert len(_warnings(text)) == 1


def test_authorization_details_without_users_do_not_claim_users_are_missing(
    tmp_path: Path,
) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{A}:user/alice"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = {"RoleName": "r", "Arn": f"arn:aws:iam::{A}:role/r", "AssumeRolePolicyDocument": trust}
    path = tmp_path / "authz.json"
    path.write_text(json.dumps({"RoleDetailList": [role]}))  # as --filter Role writes
    assert load_snapshot(path).warnings == []
    path.write_text(json.dumps({"UserDetailList": [], "RoleDetailList": [role]}, indent=1))
    [warning] = load_snapshot(path).warnings
    assert str(warning).startswith(f"{path}:")
    assert "user/alice' names no user" in str(warning)


# ---- ABAC -----------------------------------------------------------------------------------


def test_abac_is_a_bucket_setting() -> None:
    text = _yaml('  "arn:aws:sqs:eu-west-1:111122223333:q":\n    abac: true\n')
    with pytest.raises(PolicyError, match="abac: is a setting of S3 general purpose buckets"):
        parse_snapshot(text, "a.yaml")
    snapshot = parse_snapshot(_yaml('  "arn:aws:s3:::b":\n    tags: {t: v}\n    abac: true\n'), "a")
    resource = snapshot.accounts[A].resources["arn:aws:s3:::b"]
    assert resource.abac and resource.authorization_tags == {"t": "v"}


def test_snapshot_reads_abac(tmp_path: Path) -> None:
    bucket = {"arn": "arn:aws:s3:::b", "tags": {"t": "v"}}
    data = {
        "policysim_snapshot": 1,
        "generated_at": "2026-01-01T00:00:00Z",
        "accounts": [
            {
                "account_id": A,
                "resources": [bucket, {**bucket, "arn": "arn:aws:s3:::c", "abac": True}],
            }
        ],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    resources = load_snapshot(path).accounts[A].resources
    assert resources["arn:aws:s3:::b"].authorization_tags == {}
    assert resources["arn:aws:s3:::c"].authorization_tags == {"t": "v"}


# ---- glob helpers (property) ----------------------------------------------------------------

_ALPHABET = st.sampled_from("ab/*?")


@given(st.text(_ALPHABET, max_size=6), st.text("ab/", max_size=4), st.text("ab/", max_size=4))
def test_glob_extension_agrees_with_matching(pattern: str, prefix: str, rest: str) -> None:
    # A witness that matches proves some extension exists.
    if compile_glob(pattern)(prefix + rest):
        assert glob_matches_some_extension(pattern, prefix)


@given(st.text("ab/", max_size=5), st.text("ab/", max_size=5))
def test_glob_extension_of_a_literal_pattern(pattern: str, prefix: str) -> None:
    assert glob_matches_some_extension(pattern, prefix) == pattern.startswith(prefix)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("*", True),
        ("arn:aws:s3:::b", True),
        ("arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::*/reports/*", True),
        ("arn:aws:s3:::b/${aws:username}/*", True),
        ("arn:aws:s3:::bb/*", False),
        ("arn:aws:s3:::c*", False),
        ("arn:aws:sqs:*:*:b", False),
    ],
)
def test_names_bucket(pattern: str, expected: bool) -> None:
    assert names_bucket(pattern, "arn:aws:s3:::b") is expected

"""`policysim test`: IAM unit-test files, their parsing, evaluation and report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from policysim.account.loaders import parse_snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.assertions.run import run_tests
from policysim.assertions.spec import load_test_file, parse_principal
from policysim.policy.errors import PolicyError
from policysim.query.ast import PrincipalRef

ACCOUNT = """\
account: "111122223333"
users:
  alice:
    inline:
      Uploads:
        Version: "2012-10-17"
        Statement:
          - Sid: PutArtifacts
            Effect: Allow
            Action: s3:PutObject
            Resource: arn:aws:s3:::artifacts/*
  bob:
    policies: [AmazonS3ReadOnlyAccess]
"""

TESTS = """\
account: account.yaml
tests:
  - name: alice uploads artifacts
    principal: user/alice
    action: s3:PutObject
    resource: arn:aws:s3:::artifacts/build.zip
    expect: Allowed
  - name: bob only reads
    principal: user bob
    action: [s3:GetObject, s3:PutObject]
    resource: arn:aws:s3:::artifacts/build.zip
    expect: Allowed
  - name: nobody anonymous
    principal: anonymous
    action: s3:GetObject
    resource: arn:aws:s3:::artifacts/build.zip
    context: {aws:SecureTransport: false}
    expect: denied
"""


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "account.yaml").write_text(ACCOUNT)
    path = tmp_path / "iam-tests.yaml"
    path.write_text(TESTS)
    return path


def test_parse_principal_forms() -> None:
    assert parse_principal("user/alice") == PrincipalRef("user", "alice")
    assert parse_principal("role deploy") == PrincipalRef("role", "deploy")
    assert parse_principal("anonymous") == PrincipalRef("anonymous")
    assert parse_principal("service/sns.amazonaws.com") == PrincipalRef(
        "service", "sns.amazonaws.com"
    )
    arn = "arn:aws:iam::111122223333:user/alice"
    assert parse_principal(arn) == PrincipalRef("arn", arn)
    assert parse_principal("group admins") == PrincipalRef("group", "admins")
    assert parse_principal("group/admins") == PrincipalRef("group", "admins")
    oai = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"
    assert parse_principal(oai) == PrincipalRef("oai", oai)
    with pytest.raises(ValueError, match=r"principal 'gruop/admins'.*did you mean group/admins"):
        parse_principal("gruop/admins")
    with pytest.raises(ValueError, match=r"lambda\.amazonaws\.com"):
        parse_principal("service/lambda")


def test_file_parses_with_lines_and_account(suite: Path) -> None:
    spec = load_test_file(suite)
    assert spec.account == suite.parent / "account.yaml"
    assert [t.position.line for t in spec.tests] == [3, 8, 13]
    assert spec.tests[1].actions == ("s3:GetObject", "s3:PutObject")
    assert spec.tests[2].expect == "Denied"
    assert spec.tests[2].context == {"aws:SecureTransport": "false"}


def test_run_reports_each_action(suite: Path) -> None:
    spec = load_test_file(suite)
    snapshot = parse_snapshot(ACCOUNT, "account.yaml")
    outcomes = run_tests(Resolver(snapshot, managed_lookup=aws_managed), spec.tests)
    assert [(o.test.name, o.action, o.passed) for o in outcomes] == [
        ("alice uploads artifacts", "s3:PutObject", True),
        ("bob only reads", "s3:GetObject", True),
        ("bob only reads", "s3:PutObject", False),
        ("nobody anonymous", "s3:GetObject", True),
    ]
    assert outcomes[2].result is not None
    assert outcomes[2].result.decision.value == "ImplicitDeny"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tests:\n  - principal: user/a\n    acton: s3:X\n", "3:5: unknown key 'acton'"),
        ("tests:\n  - principal: user/a\n    action: s3:X\n", "2:5: test #1 has no 'expect'"),
        (
            "tests:\n  - {principal: user/a, action: s3:X, expect: Maybe}\n",
            "expect must be one of",
        ),
        ("tests: []\n", "holds no tests"),
        ("accounts: x\n", "unknown key 'accounts'"),
        ("tests:\n  - {principal: service/lambda, action: s3:X, expect: Allowed}\n", "principal"),
    ],
)
def test_malformed_files_are_located_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_test_file(path)
    assert message in str(info.value)
    assert str(info.value).startswith(str(path))


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policysim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )


def test_cli_exit_status_and_report(suite: Path) -> None:
    run = _cli("test", suite.name, cwd=suite.parent)
    assert run.returncode == 1, run.stderr
    assert "iam-tests.yaml:8 bob only reads [s3:PutObject] FAILED" in run.stdout
    assert "expected Allowed, got ImplicitDeny" in run.stdout
    assert run.stdout.strip().splitlines()[-1].startswith("3 passed, 1 failed in ")


def test_cli_all_passing_exits_zero(suite: Path) -> None:
    suite.write_text(
        "account: account.yaml\n"
        "tests:\n"
        "  - {principal: user/bob, action: s3:GetObject, resource: arn:aws:s3:::a/b,"
        " expect: Allowed}\n"
        "  - {principal: user/bob, action: s3:PutObject, resource: arn:aws:s3:::a/b,"
        " expect: ImplicitDeny}\n"
    )
    run = _cli("test", suite.name, "--json", cwd=suite.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"passed": 2' in run.stdout
    assert '"failed": 0' in run.stdout


def test_cli_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("tests:\n  - principal: [\n")
    run = _cli("test", path, cwd=tmp_path)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
    assert str(path) in run.stderr

"""`policysim check`, `explain` and `who-can` through the real command line.

Every case runs `python -m policysim` in a subprocess, in a temporary directory holding the
account file, so what is checked is what a user sees: standard output, the exit status (0 all
allowed, 1 something denied, 2 usage or input error) and, for errors, exactly one line on
standard error and no traceback.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

A = "111122223333"
B = "444455556666"
ERROR_PREFIX = "policysim: error: "

ACCOUNT = f"""\
accounts:
  - id: "{A}"
    users:
      alice:
        groups: [readers]
        inline:
          Own:
            Version: "2012-10-17"
            Statement:
              - Sid: AlicePuts
                Effect: Allow
                Action: s3:PutObject
                Resource: arn:aws:s3:::data/*
              - Sid: NoDeletes
                Effect: Deny
                Action: s3:DeleteObject
                Resource: "*"
              - Sid: UntilNewYear
                Effect: Allow
                Action: sqs:SendMessage
                Resource: "*"
                Condition: {{DateLessThan: {{aws:CurrentTime: "2031-01-01T00:00:00Z"}}}}
      bob: {{}}
    groups:
      readers:
        policies: [AmazonS3ReadOnlyAccess]
    roles:
      app:
        path: /service-role/
        trust_account: "{A}"
    resources:
      "arn:aws:s3:::data":
        policy:
          Version: "2012-10-17"
          Statement:
            - Sid: CiSession
              Effect: Allow
              Principal: {{AWS: "arn:aws:sts::{A}:assumed-role/app/ci-run"}}
              Action: s3:GetObject
              Resource: arn:aws:s3:::data/*
            - Sid: Partner
              Effect: Allow
              Principal: {{AWS: "arn:aws:iam::777788889999:root"}}
              Action: s3:GetObject
              Resource: arn:aws:s3:::data/*
              Condition: {{StringEquals: {{aws:SourceVpce: vpce-0123456789abcdef0}}}}
  - id: "{B}"
    users:
      carol: {{policies: [AmazonS3ReadOnlyAccess]}}
      bob: {{policies: [AmazonS3ReadOnlyAccess]}}
organization:
  id: o-exampleorg
  root: {{id: r-root}}
  ous:
    - {{id: ou-root-11111111, name: Workloads}}
  accounts:
    "{A}": {{parent: ou-root-11111111}}
    "{B}": {{}}
"""

SIMPLE = f"""\
account: "{A}"
users:
  alice:
    policies: [AmazonS3ReadOnlyAccess]
    inline:
      Own:
        Version: "2012-10-17"
        Statement:
          - Sid: AlicePuts
            Effect: Allow
            Action: s3:PutObject
            Resource: "*"
  bob: {{}}
roles:
  app:
    trust_account: "{A}"
"""


def line_of(text: str, needle: str) -> int:
    return next(i + 1 for i, line in enumerate(text.splitlines()) if needle in line)


# --------------------------------------------------------------------------------------------
# Running the command line
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:  # shown by pytest when an assertion fails
        return (
            f"policysim {shlex.join(self.args)}\n-> exit {self.returncode}\n"
            f"--- stdout ---\n{self.stdout[:4000]}\n--- stderr ---\n{self.stderr[:4000]}"
        )


def policysim(command: str, *extra: str, cwd: Path) -> Run:
    """Run `policysim COMMAND EXTRA...`; COMMAND is split like a shell line (no globbing)."""
    env = dict(os.environ)
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TERM"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = [*shlex.split(command), *extra]
    proc = subprocess.run(
        [sys.executable, "-m", "policysim", *argv],
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )
    return Run(
        tuple(argv),
        proc.returncode,
        proc.stdout.decode("utf-8", errors="replace"),
        proc.stderr.decode("utf-8", errors="replace"),
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A directory holding `team.yaml` (two accounts, an org) and `simple.yaml` (one account)."""
    (tmp_path / "team.yaml").write_text(ACCOUNT)
    (tmp_path / "simple.yaml").write_text(SIMPLE)
    return tmp_path


def assert_one_line_error(run: Run, *fragments: str) -> str:
    """Exit 2, exactly one line on stderr carrying every fragment, no traceback, no stdout."""
    assert run.returncode == 2, run
    assert "Traceback" not in run.stderr + run.stdout, run
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run
    assert lines[0].startswith(ERROR_PREFIX), run
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert run.stdout == "", run
    return lines[0]


def decisions(run: Run) -> list[str]:
    return [r["decision"] for r in run.json()["results"]]


# --------------------------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------------------------

DATA_KEY = "-r arn:aws:s3:::data/k -a team.yaml"


def test_check_table_names_decision_and_statement(work: Path) -> None:
    run = policysim(f"check user alice s3:PutObject {DATA_KEY}", cwd=work)
    assert run.returncode == 0, run
    assert run.stderr == "", run
    assert f"user alice in account {A}, resource arn:aws:s3:::data/k" in run.stdout
    row = next(line for line in run.stdout.splitlines() if "s3:PutObject" in line)
    assert "Allowed" in row
    assert "AlicePuts" in row
    assert f"team.yaml:{line_of(ACCOUNT, 'Sid: AlicePuts')}:" in run.stdout


def test_check_exit_1_when_any_action_is_denied(work: Path) -> None:
    run = policysim(
        f"check user alice s3:PutObject s3:DeleteObject s3:PutObjectAcl {DATA_KEY}", cwd=work
    )
    assert run.returncode == 1, run
    rows = {line.split()[0]: line for line in run.stdout.splitlines()[2:] if line.strip()}
    assert "Allowed" in rows["s3:PutObject"]
    assert "ExplicitDeny" in rows["s3:DeleteObject"]
    assert "NoDeletes" in rows["s3:DeleteObject"]
    assert f"team.yaml:{line_of(ACCOUNT, 'Sid: NoDeletes')}:" in run.stdout
    assert "ImplicitDeny" in rows["s3:PutObjectAcl"]


def test_check_json(work: Path) -> None:
    run = policysim(f"check user alice s3:PutObject s3:DeleteObject {DATA_KEY} --json", cwd=work)
    assert run.returncode == 1, run
    data = run.json()
    assert set(data) == {
        "principal",
        "account",
        "resource",
        "region",
        "policies",
        "results",
        "left_out",
    }
    assert data["left_out"] == []
    assert data["policies"]["excluded"] == []
    assert "resource policy of arn:aws:s3:::data" in data["policies"]["included"]
    assert data["principal"] == f"arn:aws:iam::{A}:user/alice"
    assert data["account"] == A
    assert data["resource"] == "arn:aws:s3:::data/k"
    put, delete = data["results"]
    assert put["action"] == "s3:PutObject"
    assert put["resource"] == "arn:aws:s3:::data/k"
    assert put["decision"] == "Allowed"
    expected_keys = {
        "decision",
        "reason",
        "matched_statements",
        "missing_context_keys",
        "blocked_by",
        "same_account",
        "allowed_by_organizations",
        "allowed_by_boundary",
    }
    assert expected_keys <= set(put)
    statement = put["matched_statements"][0]
    assert statement["sid"] == "AlicePuts"
    assert statement["policy_type"] == "identity"
    assert statement["file"].endswith("team.yaml")
    assert statement["line"] == line_of(ACCOUNT, "Sid: AlicePuts")
    assert isinstance(statement["column"], int)
    assert json.loads(statement["text"])["Sid"] == "AlicePuts"
    assert put["same_account"] is True
    assert put["allowed_by_organizations"] == {"scp": True, "rcp": True}
    assert delete["decision"] == "ExplicitDeny"
    assert [m["sid"] for m in delete["matched_statements"]] == ["NoDeletes"]


def test_check_wildcard_actions_are_expanded(work: Path) -> None:
    run = policysim("check user alice s3:Get*Acl -a simple.yaml --json", cwd=work)
    assert run.returncode == 0, run
    actions = [r["action"] for r in run.json()["results"]]
    assert {"s3:GetBucketAcl", "s3:GetObjectAcl", "s3:GetObjectVersionAcl"} <= set(actions)
    assert all(re.fullmatch(r"s3:Get.*Acl", a) for a in actions), actions
    assert set(decisions(run)) == {"Allowed"}
    table = policysim("check user alice s3:Get*Acl -a simple.yaml", cwd=work)
    assert table.returncode == 0, table
    assert "s3:GetObjectAcl" in table.stdout and "s3:GetBucketAcl" in table.stdout


def test_check_role_session_name(work: Path) -> None:
    base = f"check role app s3:GetObject {DATA_KEY}"
    ci = policysim(f"{base} --session-name ci-run --json", cwd=work)
    assert ci.returncode == 0, ci
    assert ci.json()["principal"] == f"arn:aws:sts::{A}:assumed-role/app/ci-run"
    assert ci.json()["results"][0]["matched_statements"][0]["sid"] == "CiSession"
    other = policysim(f"{base} --session-name laptop", cwd=work)
    assert other.returncode == 1, other
    assert "role app (session laptop)" in other.stdout
    default = policysim(f"{base} --json", cwd=work)
    assert default.json()["principal"] == f"arn:aws:sts::{A}:assumed-role/app/policysim"


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:sts::{A}:assumed-role/app/ci-run",
        f"arn:aws:iam::{A}:role/service-role/app --session-name ci-run",
    ],
    ids=["session-arn", "role-arn"],
)
def test_check_by_arn(work: Path, principal: str) -> None:
    run = policysim(f"check {principal} s3:GetObject {DATA_KEY} --json", cwd=work)
    assert run.returncode == 0, run
    assert run.json()["principal"] == f"arn:aws:sts::{A}:assumed-role/app/ci-run"


def test_check_user_slash_name_and_account_id(work: Path) -> None:
    # bob exists in both accounts: --account-id picks one.
    base = "check user/bob s3:ListBucket -r arn:aws:s3:::x -a team.yaml"
    in_b = policysim(f"{base} --account-id {B} --json", cwd=work)
    assert in_b.returncode == 0, in_b
    assert in_b.json()["principal"] == f"arn:aws:iam::{B}:user/bob"
    in_a = policysim(f"{base} --account-id {A} --json", cwd=work)
    assert in_a.returncode == 1, in_a
    assert in_a.json()["principal"] == f"arn:aws:iam::{A}:user/bob"
    ambiguous = policysim(base, cwd=work)
    assert_one_line_error(ambiguous, "user 'bob' exists in several accounts", "give its ARN")


@pytest.mark.parametrize(
    ("now", "code", "decision"),
    [
        ("2030-12-31T23:00:00Z", 0, "Allowed"),
        ("2031-01-02T00:00:00Z", 1, "ImplicitDeny"),
        ("2031-01-02T00:00:00", 1, "ImplicitDeny"),  # naive: UTC
    ],
)
def test_check_now(work: Path, now: str, code: int, decision: str) -> None:
    run = policysim(f"check user alice sqs:SendMessage -a team.yaml --now {now} --json", cwd=work)
    assert run.returncode == code, run
    assert decisions(run) == [decision]


def test_check_include_and_exclude_policy(work: Path) -> None:
    base = "check user alice s3:ListBucket s3:PutObject -a simple.yaml --json"
    everything = policysim(base, cwd=work)
    assert everything.returncode == 0, everything
    assert decisions(everything) == ["Allowed", "Allowed"]
    excluded = policysim(f"{base} --exclude-policy AmazonS3ReadOnlyAccess", cwd=work)
    assert excluded.returncode == 1, excluded
    assert decisions(excluded) == ["ImplicitDeny", "Allowed"]
    included = policysim(f"{base} --include-policy AmazonS3ReadOnlyAccess", cwd=work)
    assert included.returncode == 1, included
    assert decisions(included) == ["Allowed", "ImplicitDeny"]
    both = policysim(
        f"{base} --include-policy Own --include-policy AmazonS3ReadOnlyAccess", cwd=work
    )
    assert both.returncode == 0, both
    inline_out = policysim(f"{base} --exclude-policy Own", cwd=work)
    assert decisions(inline_out) == ["Allowed", "ImplicitDeny"]


@pytest.mark.parametrize("flag", ["--include-policy", "--exclude-policy"])
def test_policy_filter_naming_nothing_attached_is_an_error(work: Path, flag: str) -> None:
    base = "check user alice s3:ListBucket -r arn:aws:s3:::b -a simple.yaml"
    typo = policysim(f"{base} {flag} AmazonS3ReadOnlyAcess", cwd=work)
    assert_one_line_error(
        typo,
        "'AmazonS3ReadOnlyAcess' matches no policy of user alice",
        "did you mean 'AmazonS3ReadOnlyAccess'?",
        "(available: ",
    )
    explain = policysim(f"explain user alice s3:ListBucket -a simple.yaml {flag} Nope", cwd=work)
    assert_one_line_error(explain, "'Nope' matches no policy of user alice")


def test_check_context_option(work: Path) -> None:
    base = "check user alice sqs:SendMessage -a team.yaml --now 2030-01-01T00:00:00Z"
    assert policysim(base, cwd=work).returncode == 0
    later = policysim(f"{base} -c aws:CurrentTime=2035-01-01T00:00:00Z --json", cwd=work)
    assert later.returncode == 1, later
    assert decisions(later) == ["ImplicitDeny"]


def test_policysim_yaml_in_cwd_is_the_default_account(work: Path) -> None:
    (work / "policysim.yaml").write_text(SIMPLE)
    run = policysim("check user alice s3:PutObject", cwd=work)
    assert run.returncode == 0, run
    assert f"policysim.yaml:{line_of(SIMPLE, 'Sid: AlicePuts')}:" in run.stdout
    who = policysim("who-can s3:PutObject arn:aws:s3:::b/k --json", cwd=work)
    assert who.returncode == 0, who
    assert [g["principal"] for g in who.json()["allowed"]] == ["user alice"]
    explain = policysim("explain user bob s3:PutObject", cwd=work)
    assert explain.returncode == 1, explain


# --------------------------------------------------------------------------------------------
# explain
# --------------------------------------------------------------------------------------------


def test_explain_table(work: Path) -> None:
    run = policysim(f"explain user alice s3:DeleteObject {DATA_KEY}", cwd=work)
    assert run.returncode == 1, run
    out = run.stdout
    assert "user alice: s3:DeleteObject on arn:aws:s3:::data/k" in out
    assert f"aws:PrincipalArn = arn:aws:iam::{A}:user/alice" in out
    assert "identity policies:" in out
    assert "decision: ExplicitDeny" in out
    deny = next(line for line in out.splitlines() if "NoDeletes" in line)
    assert f"team.yaml:{line_of(ACCOUNT, 'Sid: NoDeletes')}:" in deny
    assert "✔" in deny


def test_explain_json(work: Path) -> None:
    run = policysim(
        f"explain user alice s3:PutObject {DATA_KEY} --json --now 2030-01-01T00:00:00Z", cwd=work
    )
    assert run.returncode == 0, run
    [report] = run.json()
    assert set(report) == {
        "action",
        "resource",
        "region",
        "policies",
        "context",
        "groups",
        "result",
    }
    assert report["resource"] == "arn:aws:s3:::data/k"
    [decisive] = report["result"]["matched_statements"]
    assert json.loads(decisive["text"])["Sid"] == "AlicePuts"
    assert report["action"] == "s3:PutObject"
    assert report["context"]["aws:username"] == "alice"
    assert report["context"]["aws:CurrentTime"] == "2030-01-01T00:00:00Z"
    assert report["context"]["aws:PrincipalOrgPaths"] == ["o-exampleorg/r-root/ou-root-11111111/"]
    assert report["result"]["decision"] == "Allowed"
    labels = [g["policies"] for g in report["groups"]]
    assert labels[0] == "identity policies"
    statements = [s for g in report["groups"] for s in g["statements"]]
    puts = next(s for s in statements if s["statement"]["sid"] == "AlicePuts")
    assert puts["applies"] is True
    assert puts["statement"]["line"] == line_of(ACCOUNT, "Sid: AlicePuts")


def test_explain_shows_multivalued_context(work: Path) -> None:
    run = policysim("explain user alice s3:PutObject -a team.yaml", cwd=work)
    assert "o-exampleorg/r-root/ou-root-11111111/" in run.stdout, run


# --------------------------------------------------------------------------------------------
# who-can
# --------------------------------------------------------------------------------------------


def test_who_can_table(work: Path) -> None:
    run = policysim("who-can s3:GetObject arn:aws:s3:::data/k -a team.yaml", cwd=work)
    assert run.returncode == 0, run
    out = run.stdout
    assert (
        "s3:GetObject on arn:aws:s3:::data/k, no region (aws:RequestedRegion absent;"
        " pass --region): 1 of 5 principals allowed"
    ) in out
    allowed, outside = out.split("outside the snapshot")
    assert "user alice" in allowed and "AmazonS3ReadOnlyAccess" in allowed
    assert "user carol" not in allowed
    assert "arn:aws:iam::777788889999:root" in outside
    assert f"Partner (team.yaml:{line_of(ACCOUNT, 'Sid: Partner')}:" in outside
    assert "(with conditions)" in outside


def test_who_can_json(work: Path) -> None:
    run = policysim("who-can s3:GetObject arn:aws:s3:::data/k -a team.yaml --json", cwd=work)
    assert run.returncode == 0, run
    data = run.json()
    assert set(data) == {
        "action",
        "resource",
        "region",
        "principals_checked",
        "allowed",
        "allowed_if",
        "external",
    }
    assert data["principals_checked"] == 5
    # Alice through her group's AWS managed policy. The bucket names only the role's `ci-run`
    # session (who-can asks as session `policysim`), and names neither account B nor its users.
    [alice] = data["allowed"]
    assert alice["principal"] == "user alice"
    assert alice["account"] == A
    assert alice["arn"] == f"arn:aws:iam::{A}:user/alice"
    assert alice["statements"][0]["policy"] == "AmazonS3ReadOnlyAccess"
    [partner] = data["external"]
    assert partner["principal"] == "arn:aws:iam::777788889999:root"
    assert partner["conditional"] is True
    assert partner["statement"]["sid"] == "Partner"


def test_who_can_expands_a_single_wildcard_action(work: Path) -> None:
    run = policysim("who-can s3:PutObjectAc? arn:aws:s3:::data/k -a simple.yaml --json", cwd=work)
    assert run.returncode == 0, run
    assert run.json()["action"] == "s3:PutObjectAcl"
    assert run.json()["allowed"] == []


# --------------------------------------------------------------------------------------------
# Errors: exit 2, one line, no traceback
# --------------------------------------------------------------------------------------------


def test_unknown_user_suggests(work: Path) -> None:
    run = policysim("check user alise s3:GetObject -a simple.yaml", cwd=work)
    line = assert_one_line_error(run)
    assert line == f"{ERROR_PREFIX}no user named 'alise' in account {A}; did you mean 'alice'?"


def test_unknown_role_suggests(work: Path) -> None:
    run = policysim("explain role apq s3:GetObject -a simple.yaml", cwd=work)
    assert_one_line_error(run, "no role named 'apq'", "did you mean 'app'?")


def test_unknown_account_in_arn(work: Path) -> None:
    run = policysim(
        "check arn:aws:iam::111122223334:user/alice s3:GetObject -a simple.yaml", cwd=work
    )
    assert_one_line_error(run, "111122223334", "not in the snapshot", "did you mean '111122223333'")


@pytest.mark.parametrize(
    ("action", "fragments"),
    [
        ("s3:GetObjekt", ["unknown action 's3:GetObjekt'", "did you mean 's3:GetObject'"]),
        ("sqss:SendMessage", ["unknown service prefix 'sqss'", "did you mean 'sqs'?"]),
        ("s3:Nothing*Here", ["no action of the IAM catalog matches 's3:Nothing*Here'"]),
        ("GetObject", ["not of the form service:Action"]),
    ],
)
def test_unknown_action(work: Path, action: str, fragments: list[str]) -> None:
    run = policysim(f"check user alice {action} -a simple.yaml", cwd=work)
    assert_one_line_error(run, *fragments)


def test_who_can_needs_exactly_one_action(work: Path) -> None:
    run = policysim("who-can s3:Get* -a simple.yaml", cwd=work)
    assert_one_line_error(run, "who-can takes one action", "'s3:Get*' matches")


@pytest.mark.parametrize(
    ("words", "fragment"),
    [
        ("user alice", "give one or more actions"),
        ("alice s3:GetObject", "'alice' is not a principal"),
        ("user", "give the user's name"),
    ],
)
def test_usage_errors(work: Path, words: str, fragment: str) -> None:
    run = policysim(f"check {words} -a simple.yaml", cwd=work)
    assert_one_line_error(run, fragment)


def test_malformed_yaml_is_located(work: Path) -> None:
    (work / "bad.yaml").write_text(
        f'account: "{A}"\nusers:\n  alice: {{policies: [AmazonS3ReadOnlyAccess]\n  bob: {{}}\n'
    )
    run = policysim("check user alice s3:GetObject -a bad.yaml", cwd=work)
    line = assert_one_line_error(run, "invalid YAML")
    assert re.search(r"bad\.yaml:\d+:\d+: ", line), line


def test_unknown_key_is_located(work: Path) -> None:
    (work / "typo.yaml").write_text(
        f'account: "{A}"\nusers:\n  alice:\n    polices: [AmazonS3ReadOnlyAccess]\n'
    )
    run = policysim("check user alice s3:GetObject -a typo.yaml", cwd=work)
    assert_one_line_error(
        run, "typo.yaml:4:5: users.alice: unknown key 'polices'", "did you mean 'policies'?"
    )


def test_bad_instance_profile_is_located(work: Path) -> None:
    (work / "profiles.yaml").write_text(
        f'account: "{A}"\nroles:\n  web:\n    trust_service: ec2.amazonaws.com\n'
        "    instance_profiles: [arn:aws:iam::444455556666:instance-profile/web]\n"
    )
    run = policysim("check role web s3:GetObject -a profiles.yaml", cwd=work)
    assert_one_line_error(
        run,
        "profiles.yaml:5:25: roles.web.instance_profiles[0]:",
        "is not in the role's account",
    )


def test_bad_instance_profile_in_authorization_details(work: Path) -> None:
    role = {
        "RoleName": "web",
        "Arn": f"arn:aws:iam::{A}:role/web",
        "Path": "/",
        "InstanceProfileList": [{"InstanceProfileName": "web"}],
    }
    (work / "authz.json").write_text(json.dumps({"RoleDetailList": [role]}, indent=1))
    run = policysim("check role web s3:GetObject -a authz.json", cwd=work)
    assert_one_line_error(
        run, "authz.json:", "RoleDetailList[0].InstanceProfileList[0]", "missing required key 'Arn'"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"policysim_snapshot": 1, "accounts": [\n', r"broken\.json:1:\d+: invalid JSON"),
        ('{"UserDetailList": [\n  {"UserName": "a",]\n}', r"broken\.json:2:\d+: invalid JSON"),
    ],
    ids=["truncated", "trailing-comma"],
)
def test_broken_json_is_located(work: Path, text: str, where: str) -> None:
    (work / "broken.json").write_text(text)
    run = policysim("check user a s3:GetObject -a broken.json", cwd=work)
    line = assert_one_line_error(run)
    assert re.search(where, line), line


def test_policy_document_instead_of_account(work: Path) -> None:
    (work / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    run = policysim("check user a s3:GetObject -a policy.json", cwd=work)
    assert_one_line_error(run, "policy.json:1:1:", "policy document, not an account file")


def test_unknown_managed_policy_in_yaml(work: Path) -> None:
    (work / "acct.yaml").write_text(
        f'account: "{A}"\nusers:\n  alice: {{policies: [AmazonS3FullAcess]}}\n'
    )
    run = policysim("check user alice s3:GetObject -a acct.yaml", cwd=work)
    assert_one_line_error(run, "acct.yaml:3:", "AmazonS3FullAcess", "did you mean")


def test_missing_account_file(work: Path) -> None:
    run = policysim("check user alice s3:GetObject -a nope.yaml", cwd=work)
    assert_one_line_error(run, "nope.yaml")


@pytest.mark.parametrize(
    "command",
    ["check user alice s3:GetObject", "explain user alice s3:GetObject", "who-can s3:GetObject"],
)
def test_no_account_and_no_policysim_yaml(tmp_path: Path, command: str) -> None:
    run = policysim(command, cwd=tmp_path)
    assert_one_line_error(
        run,
        "no account given",
        "--account",
        "policysim.yaml",
        "get-account-authorization-details",
        "policysim fetch",
    )

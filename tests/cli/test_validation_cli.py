"""What users type is vetted the same way by check, explain, who-can, query and test: a
resource is an ARN or '*', an action exists and acts on the resource, wildcards keep only the
actions that do (and say how many they left out). Errors are one line with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ACCOUNT = """\
account: "111122223333"
users:
  alice:
    inline:
      Reader:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: ["s3:Get*", "s3:List*"]
            Resource: "*"
"""
OBJECT = "arn:aws:s3:::bucket/key"
ERROR = "policysim: error: "


@pytest.fixture
def account(tmp_path: Path) -> Path:
    path = tmp_path / "account.yaml"
    path.write_text(ACCOUNT)
    return path


def one_line_error(run: Any, *fragments: str) -> str:
    assert run.returncode == 2, run
    assert "Traceback" not in run.stdout + run.stderr, run
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(ERROR), run
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


COMMANDS = [
    pytest.param(["check", "user", "alice", "{action}", "--resource", "{resource}"], id="check"),
    pytest.param(
        ["explain", "user", "alice", "{action}", "--resource", "{resource}"], id="explain"
    ),
    pytest.param(["who-can", "{action}", "{resource}"], id="who-can"),
    pytest.param(["query", "can user/alice do {action} on {resource}"], id="query-can"),
    pytest.param(["query", "who can do {action} on {resource}"], id="query-who"),
]


def command(template: list[str], action: str, resource: str) -> list[str]:
    return [part.format(action=action, resource=resource) for part in template]


@pytest.mark.parametrize("template", COMMANDS)
@pytest.mark.parametrize(
    ("action", "resource", "fragments"),
    [
        pytest.param("s3:GetObjects", OBJECT, ["unknown action 's3:GetObjects'"], id="unknown"),
        pytest.param("s4:GetObject", OBJECT, ["unknown service prefix 's4'"], id="service"),
        pytest.param(
            "s3:ListBucket",
            OBJECT,
            ["s3:ListBucket does not act on", "bucket: arn:${Partition}:s3:::${BucketName}"],
            id="mismatch",
        ),
        pytest.param(
            "s3:ListAllMyBuckets", "arn:aws:s3:::bucket", ['takes only "*"'], id="star-only"
        ),
        pytest.param("s3:ListAllMy*", "arn:aws:s3:::bucket", ["none of the"], id="wild-none"),
    ],
)
def test_refused_everywhere(
    run_cli: Any,
    account: Path,
    template: list[str],
    action: str,
    resource: str,
    fragments: list[str],
) -> None:
    run = run_cli(*command(template, action, resource), "--account", account)
    one_line_error(run, *fragments)
    assert run.stdout == ""


@pytest.mark.parametrize("template", COMMANDS[:3])
def test_resource_that_is_not_an_arn(run_cli: Any, account: Path, template: list[str]) -> None:
    run = run_cli(*command(template, "s3:GetObject", "bucket/key"), "--account", account)
    one_line_error(run, "'bucket/key' is not an ARN", "or '*'")


def test_who_can_two_actions_are_two_questions(run_cli: Any, account: Path) -> None:
    """The second action was once taken as the resource and answered (then refused); who-can
    now answers each action, on '*'."""
    run = run_cli("who-can", "s3:GetObject", "s3:PutObject", "--account", account)
    assert run.returncode == 0, run
    heads = [line for line in run.stdout.splitlines() if "principals allowed" in line]
    assert [h.split()[:3] for h in heads] == [
        ["s3:GetObject", "on", "*,"],
        ["s3:PutObject", "on", "*,"],
    ]


def test_check_wildcard_keeps_object_actions_and_says_how_many_left(
    run_cli: Any, account: Path
) -> None:
    run = run_cli("check", "user", "alice", "s3:Get*", "--resource", OBJECT, "--account", account)
    assert run.returncode == 0, run
    assert "s3:GetObject " in run.stdout and "s3:GetBucketPolicy" not in run.stdout
    assert f"matching actions left out (they do not act on {OBJECT})" in run.stdout
    as_json = run_cli(
        "check", "user", "alice", "s3:Get*", "--resource", OBJECT, "--account", account, "--json"
    )
    payload = json.loads(as_json.stdout)
    actions = [r["action"] for r in payload["results"]]
    [left] = payload["left_out"]
    assert left["pattern"] == "s3:Get*" and left["kept"] == len(actions)
    assert left["left_out"] == left["matched"] - left["kept"] > 0
    assert "s3:GetBucketPolicy" not in actions


def test_check_wildcard_on_star_leaves_nothing_out(run_cli: Any, account: Path) -> None:
    run = run_cli("check", "user", "alice", "s3:Get*", "--account", account, "--json")
    assert run.returncode == 0, run
    payload = json.loads(run.stdout)
    assert payload["left_out"] == []
    assert "s3:GetBucketPolicy" in [r["action"] for r in payload["results"]]


def test_query_wildcard_says_how_many_left(run_cli: Any, account: Path) -> None:
    text = f"can user/alice do s3:Get* on {OBJECT}"
    run = run_cli("query", text, "--account", account)
    assert run.returncode == 0, run
    assert "note: s3:Get*: " in run.stdout
    payload = json.loads(run_cli("query", text, "--account", account, "--json").stdout)
    assert payload["left_out"][0]["pattern"] == "s3:Get*"


def test_explain_json_stays_json_with_the_note_on_stderr(run_cli: Any, account: Path) -> None:
    run = run_cli(
        "explain",
        "user",
        "alice",
        "s3:GetObjectT*",
        "--resource",
        OBJECT,
        "--account",
        account,
        "--json",
    )
    assert run.returncode == 0, run
    json.loads(run.stdout)


def test_session_policy_iam_would_reject_is_located(
    run_cli: Any, account: Path, tmp_path: Path
) -> None:
    session = tmp_path / "session.json"
    session.write_text('{"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}')
    run = run_cli(
        "check",
        "user",
        "alice",
        "s3:GetObject",
        "--session-policy",
        session,
        "--account",
        account,
    )
    one_line_error(run, f"{session}:1:16:", "a session policy statement needs Resource")


TESTS = """\
account: {account}
tests:
  - name: reads objects
    principal: user/alice
    action: s3:GetObject
    resource: arn:aws:s3:::bucket/key
    expect: Allowed
  - name: second
    principal: user/alice
    action: {action}
    resource: {resource}
    expect: Allowed
"""


@pytest.mark.parametrize(
    ("action", "resource", "column", "fragments"),
    [
        ("s3:GetObjects", OBJECT, 13, ["unknown action 's3:GetObjects'; did you mean"]),
        ("s3:ListBucket", OBJECT, 13, ["s3:ListBucket does not act on"]),
        ("s3:GetObject", "bucket/key", 15, ["resource 'bucket/key' is not an ARN"]),
        ("'s3:ListAllMy*'", "arn:aws:s3:::b", 13, ["none of the"]),
    ],
)
def test_test_files_refuse_at_the_line(
    run_cli: Any,
    account: Path,
    tmp_path: Path,
    action: str,
    resource: str,
    column: int,
    fragments: list[str],
) -> None:
    spec = tmp_path / "iam-tests.yaml"
    spec.write_text(TESTS.format(account=account, action=action, resource=resource))
    run = run_cli("test", spec)
    line = 10 if column == 13 else 11
    one_line_error(run, f"{spec}:{line}:{column}:", *fragments)


def test_test_file_wildcard_checks_only_actions_on_the_resource(
    run_cli: Any, account: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "iam-tests.yaml"
    spec.write_text(TESTS.format(account=account, action="'s3:Get*'", resource=OBJECT))
    run = run_cli("test", spec, "--json")
    assert run.returncode == 0, run
    actions = [r["action"] for r in json.loads(run.stdout)["results"]]
    assert "s3:GetObjectAcl" in actions and "s3:GetBucketPolicy" not in actions


# --- simulate, one request ------------------------------------------------------------------

ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


@pytest.fixture
def allow(tmp_path: Path) -> Path:
    path = tmp_path / "allow.json"
    path.write_text(ALLOW_ALL)
    return path


@pytest.mark.parametrize(
    ("action", "resource", "fragments"),
    [
        ("s3:GetObjects", "*", ["--action: unknown action 's3:GetObjects'; did you mean"]),
        ("s3:Get*", "*", ["--action: 's3:Get*' is a pattern"]),
        ("s3:GetObject", "bucket/key", ["--resource: 'bucket/key' is not an ARN"]),
        ("s3:ListBucket", OBJECT, ["--resource: s3:ListBucket does not act on", "bucket: arn:"]),
    ],
)
def test_simulate_refuses(
    run_cli: Any, allow: Path, action: str, resource: str, fragments: list[str]
) -> None:
    run = run_cli("simulate", "--policy", allow, "--action", action, "--resource", resource)
    one_line_error(run, *fragments)
    assert run.stdout == ""
    as_json = run_cli(
        "simulate", "--policy", allow, "--action", action, "--resource", resource, "--json"
    )
    assert as_json.returncode == 2 and as_json.stderr == "", as_json
    error = json.loads(as_json.stdout)["error"]
    assert all(fragment in error for fragment in fragments), error


def test_simulate_unknown_service_warns_and_answers(run_cli: Any, allow: Path) -> None:
    run = run_cli("simulate", "--policy", allow, "--action", "someservice:Get", "--json")
    assert run.returncode == 0, run
    assert run.stderr.startswith("policysim: warning: unknown service prefix 'someservice'")
    payload = json.loads(run.stdout)
    assert payload["decision"] == "Allowed"
    assert payload["warnings"] == [run.stderr.removeprefix("policysim: warning: ").strip()]


NO_RESOURCE = (
    '{"Version": "2012-10-17",\n "Statement": [{"Effect": "Allow", "Action": "s3:*",\n'
    '  "Principal": {"AWS": "111122223333"}}]}'
)


def test_simulate_policy_rules_follow_the_option(run_cli: Any, tmp_path: Path) -> None:
    """The same statement is fine as a bucket policy, refused as an identity policy."""
    doc = tmp_path / "doc.json"
    doc.write_text(NO_RESOURCE)
    as_resource = run_cli(
        "simulate",
        "--resource-policy",
        doc,
        "--action",
        "s3:GetObject",
        "--resource",
        OBJECT,
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
    )
    assert as_resource.returncode == 1, as_resource  # answered (no identity policy allows)
    assert as_resource.stderr == "", as_resource
    as_identity = run_cli("simulate", "--policy", doc, "--action", "s3:GetObject")
    one_line_error(as_identity, f"{doc}:2:16:", "an identity policy statement needs Resource")


@pytest.mark.parametrize(
    ("text", "where", "says"),
    [
        (
            '{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}',
            "1:46",
            "Action is an empty list",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": []}]}',
            "1:66",
            "Resource is an empty list",
        ),
    ],
)
def test_simulate_empty_lists(
    run_cli: Any, tmp_path: Path, text: str, where: str, says: str
) -> None:
    doc = tmp_path / "doc.json"
    doc.write_text(text)
    run = run_cli("simulate", "--policy", doc, "--action", "s3:GetObject")
    one_line_error(run, f"{doc}:{where}:", says)


def test_simulate_bare_string_principal(run_cli: Any, allow: Path, tmp_path: Path) -> None:
    doc = tmp_path / "bucket.json"
    doc.write_text(
        '{"Statement": [{"Effect": "Allow", "Principal": "arn:aws:iam::111122223333:root",'
        ' "Action": "s3:*", "Resource": "*"}]}'
    )
    run = run_cli(
        "simulate", "--policy", allow, "--resource-policy", doc, "--action", "s3:GetObject"
    )
    one_line_error(run, f"{doc}:1:49:", 'Principal must be "*" or an object')

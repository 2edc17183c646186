"""`check` / `explain` as the console simulator: which policies count (--include-policy /
--exclude-policy over identity policies, the boundary, SCPs, RCPs and the resource policy, the
selection echoed), the deciding statement's text, and a resource per action (ACTION=ARN)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

RunCli = Any
Run = Any

ACCOUNT = Path(__file__).parents[1] / "account" / "data" / "choices.yaml"
A = "111122223333"
B = "444455556666"
SHARED_KEY = "arn:aws:s3:::shared/k"
OWN_KEY = "arn:aws:s3:::own/k"


def one_line_error(run: Run, *fragments: str) -> None:
    assert run.returncode == 2, run
    assert "Traceback" not in run.stderr, run
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run
    assert lines[0].startswith("policysim: error: "), run
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def check_json(run_cli: RunCli, *args: str) -> tuple[Run, dict[str, Any]]:
    run = run_cli("check", "user", "alice", *args, "-a", ACCOUNT, "--json")
    assert run.returncode in (0, 1), run
    return run, json.loads(run.stdout)


@pytest.mark.parametrize(
    ("word", "action", "resource", "before", "after"),
    [
        ("DenyPuts", "s3:PutObject", OWN_KEY, "ExplicitDeny", "Allowed"),
        ("SCP DenyPuts (Sandbox)", "s3:PutObject", OWN_KEY, "ExplicitDeny", "Allowed"),
        ("boundary", "ec2:DescribeInstances", "*", "ImplicitDeny", "Allowed"),
        ("boundary DevBoundary", "ec2:DescribeInstances", "*", "ImplicitDeny", "Allowed"),
        ("resource policy", "s3:GetObject", SHARED_KEY, "Allowed", "ImplicitDeny"),
        ("RCP NoDeletes", "s3:DeleteObject", SHARED_KEY, "ExplicitDeny", "Allowed"),
        ("Own", "sqs:SendMessage", "*", "Allowed", "ImplicitDeny"),
        ("SCP FullAWSAccess (Sandbox)", "sqs:SendMessage", "*", "Allowed", "ImplicitDeny"),
    ],
)
def test_excluding_each_kind_changes_the_decision_as_aws_would(
    run_cli: RunCli, word: str, action: str, resource: str, before: str, after: str
) -> None:
    _, everything = check_json(run_cli, action, "-r", resource)
    assert everything["results"][0]["decision"] == before
    assert everything["policies"]["excluded"] == []
    run, without = check_json(run_cli, action, "-r", resource, "--exclude-policy", word)
    assert without["results"][0]["decision"] == after, run
    excluded = without["policies"]["excluded"]
    assert len(excluded) == 1 and excluded[0] not in without["policies"]["included"]


def test_text_output_echoes_the_selection(run_cli: RunCli) -> None:
    run = run_cli(
        "check", "user", "alice", "s3:PutObject", "-r", OWN_KEY, "-a", ACCOUNT,
        "--exclude-policy", "DenyPuts", "--exclude-policy", "boundary",
    )  # fmt: skip
    assert run.returncode == 0, run
    assert "policies: left out boundary DevBoundary, SCP DenyPuts (Sandbox)" in run.stdout
    plain = run_cli("check", "user", "alice", "s3:PutObject", "-r", OWN_KEY, "-a", ACCOUNT)
    assert "policies:" not in plain.stdout
    assert plain.returncode == 1


def test_include_an_identity_policy_keeps_the_scps(run_cli: RunCli) -> None:
    run, data = check_json(run_cli, "s3:PutObject", "-r", OWN_KEY, "--include-policy", "Own")
    assert data["results"][0]["decision"] == "ExplicitDeny", run
    assert set(data["policies"]["excluded"]) == {
        "AmazonS3ReadOnlyAccess",
        "group devs inline Describe",
    }


@pytest.mark.parametrize("command", ["check", "explain"])
@pytest.mark.parametrize("flag", ["--include-policy", "--exclude-policy"])
def test_an_unknown_word_is_one_line_with_suggestions(
    run_cli: RunCli, command: str, flag: str
) -> None:
    run = run_cli(command, "user", "alice", "s3:PutObject", "-a", ACCOUNT, flag, "DenyPut")
    one_line_error(
        run,
        f"{flag} 'DenyPut' matches no policy of user alice",
        "did you mean 'DenyPuts'?",
        "(available: user alice inline Own, AmazonS3ReadOnlyAccess,",
        "boundary DevBoundary",
        "SCP DenyPuts (Sandbox)",
    )
    as_json = run_cli(command, "user", "alice", "s3:PutObject", "-a", ACCOUNT, flag, "x", "--json")
    assert as_json.returncode == 2
    assert "matches no policy of user alice" in json.loads(as_json.stdout)["error"]


def test_check_json_carries_the_deciding_statements_text(run_cli: RunCli) -> None:
    _, data = check_json(run_cli, "s3:GetObject", "-r", SHARED_KEY)
    statements = data["results"][0]["matched_statements"]
    by_policy = {s["policy"]: s for s in statements}
    shared = by_policy["resource policy of arn:aws:s3:::shared"]
    assert json.loads(shared["text"]) == {
        "Sid": "ShareWithAlice",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{A}:user/alice"]},
        "Action": ["s3:GetObject", "s3:DeleteObject"],
        "Resource": ["arn:aws:s3:::shared/*"],
    }
    managed = json.loads(by_policy["AmazonS3ReadOnlyAccess"]["text"])
    assert managed["Effect"] == "Allow" and "s3:Get*" in managed["Action"]


def test_explain_shows_the_deciding_statement(run_cli: RunCli) -> None:
    run = run_cli("explain", "user", "alice", "s3:PutObject", "-r", OWN_KEY, "-a", ACCOUNT)
    assert run.returncode == 1, run
    tail = run.stdout.split("deciding statements:", 1)[1]
    assert "scp level 1 policy 'SCP DenyPuts (Sandbox)' statement 'NoPuts'" in tail
    assert '"Sid": "NoPuts"' in tail and '"Effect": "Deny"' in tail
    data = json.loads(
        run_cli(
            "explain", "user", "alice", "s3:PutObject", "-r", OWN_KEY, "-a", ACCOUNT, "--json"
        ).stdout
    )
    [decisive] = data[0]["result"]["matched_statements"]
    assert json.loads(decisive["text"])["Sid"] == "NoPuts"


def test_each_action_may_carry_its_resource(run_cli: RunCli) -> None:
    words = [f"s3:PutObject={OWN_KEY}", f"s3:GetObject={SHARED_KEY}", "ec2:DescribeInstances"]
    run, data = check_json(run_cli, *words, "--exclude-policy", "boundary")
    assert [(r["action"], r["resource"], r["decision"]) for r in data["results"]] == [
        ("s3:PutObject", OWN_KEY, "ExplicitDeny"),
        ("s3:GetObject", SHARED_KEY, "Allowed"),
        ("ec2:DescribeInstances", "*", "Allowed"),
    ], run
    text = run_cli("check", "user", "alice", *words, "-a", ACCOUNT)
    assert text.returncode == 1, text
    headers = [line for line in text.stdout.splitlines() if line.startswith("user alice")]
    assert [h.split(", resource ", 1)[1].split(",")[0] for h in headers] == [
        OWN_KEY,
        SHARED_KEY,
        "*",
    ]
    # the same action on two resources: two answers
    _, two = check_json(run_cli, f"s3:GetObject={SHARED_KEY}", f"s3:GetObject={OWN_KEY}")
    assert [r["decision"] for r in two["results"]] == ["Allowed", "Allowed"]
    assert [r["resource"] for r in two["results"]] == [SHARED_KEY, OWN_KEY]


def test_explain_takes_per_action_resources(run_cli: RunCli) -> None:
    run = run_cli(
        "explain", "user", "alice", f"s3:GetObject={SHARED_KEY}", "s3:ListAllMyBuckets",
        "-a", ACCOUNT, "--json",
    )  # fmt: skip
    assert run.returncode == 0, run
    assert [(r["action"], r["resource"]) for r in json.loads(run.stdout)] == [
        ("s3:GetObject", SHARED_KEY),
        ("s3:ListAllMyBuckets", "*"),
    ]


@pytest.mark.parametrize(
    ("word", "says"),
    [
        ("s3:GetObject=shared/k", "'s3:GetObject=shared/k': 'shared/k' is not an ARN"),
        ("s3:GetObject=", "no resource after '='"),
        ("s3:ListBucket=arn:aws:s3:::shared/k", "s3:ListBucket"),
        ("s3:GetObjcet=arn:aws:s3:::shared/k", "did you mean 's3:GetObject'"),
    ],
)
def test_a_bad_resource_after_the_equals_sign_is_one_line(
    run_cli: RunCli, word: str, says: str
) -> None:
    one_line_error(run_cli("check", "user", "alice", word, "-a", ACCOUNT), says)


def test_explain_shortens_a_long_statement_and_says_where_the_rest_is(
    run_cli: RunCli, tmp_path: Path
) -> None:
    account = tmp_path / "big.yaml"
    account.write_text(
        'account: "111122223333"\nusers:\n  alice: {policies: [ReadOnlyAccess]}\n',
        encoding="utf-8",
    )
    run = run_cli("explain", "user", "alice", "s3:GetObject", "-a", account)
    assert run.returncode == 0, run
    tail = run.stdout.split("deciding statements:\n", 1)[1].splitlines()
    assert len(tail) == 1 + 40 + 1  # the name, 40 lines, where the rest is
    assert "more lines (policysim show-policy 'ReadOnlyAccess' prints the whole policy" in tail[-1]
    data = json.loads(
        run_cli("check", "user", "alice", "s3:GetObject", "-a", account, "--json").stdout
    )
    text = data["results"][0]["matched_statements"][0]["text"]
    assert "s3:Get" in text and len(text.splitlines()) > 1000

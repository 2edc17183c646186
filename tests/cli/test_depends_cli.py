"""What a decision depends on, through the command line: check, explain, query and who-can
say under which condition a decision changes, and who-can's exit status under --fail-if-any."""

from __future__ import annotations

import json
from typing import Any

UPLOADS = "examples/accounts/deny-unencrypted-uploads/account.yaml"
REGIONS = "examples/accounts/org-region-scp/account.yaml"
OBJECT = "arn:aws:s3:::landing-zone/k"
ENC = "s3:x-amz-server-side-encryption"
NOW = ("--now", "2026-01-01T00:00:00Z")


def test_check_says_allowed_if_the_header_is_sent(run_cli: Any) -> None:
    run = run_cli("check", "user", "uploader", "s3:PutObject", "-r", OBJECT, "-a", UPLOADS, *NOW)
    assert run.returncode == 1, run
    assert f"s3:PutObject: allowed if {ENC} is AES256 or aws:kms" in run.stdout


def test_check_json_has_structured_dependency(run_cli: Any) -> None:
    run = run_cli(
        "check", "user", "uploader", "s3:PutObject", "-r", OBJECT, "-a", UPLOADS, "--json", *NOW
    )
    [result] = json.loads(run.stdout)["results"]
    assert result["depends_on"] == [
        {
            "becomes": "Allowed",
            "conditions": [
                {"key": ENC, "operator": "StringEquals", "values": ["AES256", "aws:kms"]}
            ],
            "example": {ENC: "AES256"},
        }
    ]


def test_check_with_the_key_given_depends_on_nothing(run_cli: Any) -> None:
    run = run_cli(
        "check", "user", "uploader", "s3:PutObject", "-r", OBJECT, "-a", UPLOADS,
        "-c", f"{ENC}=AES256", "--json", *NOW,
    )  # fmt: skip
    assert run.returncode == 0, run
    assert json.loads(run.stdout)["results"][0]["depends_on"] == []


def test_explain_says_what_the_decision_depends_on(run_cli: Any) -> None:
    run = run_cli(
        "explain", "user", "ops", "s3:PutObject", "-r", "arn:aws:s3:::b/k", "-a", REGIONS, *NOW
    )
    assert (
        "depends on the request: allowed if aws:RequestedRegion is eu-west-1 or eu-central-1"
        in run.stdout
    ), run


def test_query_can_says_it_too(run_cli: Any) -> None:
    run = run_cli("query", f"can user/uploader do s3:PutObject on {OBJECT}", "-a", UPLOADS, *NOW)
    assert run.returncode == 1, run
    assert f"allowed if {ENC} is AES256 or aws:kms" in run.stdout


def test_who_can_lists_allowed_if_and_counts_them(run_cli: Any) -> None:
    run = run_cli("who-can", "s3:PutObject", OBJECT, "-a", UPLOADS, *NOW)
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert lines[0] == (
        f"s3:PutObject on {OBJECT}, no region (aws:RequestedRegion absent; pass --region):"
        " 0 of 2 principals allowed, 1 more if conditions hold"
    )
    assert any(
        line.split()[:2] == ["user", "uploader"] and f"allowed if {ENC} is AES256" in line
        for line in lines
    )
    assert "analyst" not in run.stdout  # denied, and not asked for


def test_who_can_show_denied_names_the_deciding_statement(run_cli: Any) -> None:
    run = run_cli("who-can", "s3:PutObject", OBJECT, "-a", UPLOADS, "--show-denied", *NOW)
    denied = run.stdout.split("denied (1):")[1]
    [row] = [line for line in denied.splitlines() if "analyst" in line]
    assert "ExplicitDeny" in row and "DenyWrongEncryptionHeader" in row


def test_who_can_show_denied_implicit_reason(run_cli: Any) -> None:
    run = run_cli(
        "who-can",
        "s3:DeleteBucket",
        "arn:aws:s3:::landing-zone",
        "-a",
        UPLOADS,
        "--show-denied",
        *NOW,
    )
    assert "denied (2):" in run.stdout
    assert "no identity-based policy allows it" in run.stdout


def test_who_can_json_per_principal(run_cli: Any) -> None:
    run = run_cli("who-can", "s3:PutObject", OBJECT, "-a", UPLOADS, "--show-denied", "--json", *NOW)
    data = json.loads(run.stdout)
    assert data["allowed"] == []
    [uploader] = data["allowed_if"]
    assert uploader["principal"] == "user uploader"
    assert uploader["decision"] == "ExplicitDeny"
    assert uploader["depends_on"][0]["becomes"] == "Allowed"
    assert uploader["depends_on"][0]["conditions"][0]["key"] == ENC
    [analyst] = data["denied"]
    assert analyst["principal"] == "user analyst"
    assert [s["sid"] for s in analyst["statements"]] == [
        "DenyWrongEncryptionHeader",
        "DenyMissingEncryptionHeader",
    ]


def test_who_can_region_scp_is_allowed_if_region(run_cli: Any) -> None:
    run = run_cli("who-can", "s3:PutObject", "arn:aws:s3:::b/k", "-a", REGIONS, "--json", *NOW)
    data = json.loads(run.stdout)
    [ops] = data["allowed_if"]
    assert ops["principal"] == "user ops"
    assert ops["depends_on"][0]["conditions"] == [
        {
            "key": "aws:RequestedRegion",
            "operator": "StringEquals",
            "values": ["eu-west-1", "eu-central-1"],
        }
    ]


def test_who_can_fail_if_any(run_cli: Any) -> None:
    conditional = run_cli("who-can", "s3:PutObject", OBJECT, "-a", UPLOADS, "--fail-if-any", *NOW)
    assert conditional.returncode == 1, conditional  # "allowed if" counts
    nobody = run_cli(
        "who-can",
        "s3:DeleteBucket",
        "arn:aws:s3:::landing-zone",
        "-a",
        UPLOADS,
        "--fail-if-any",
        *NOW,
    )
    assert nobody.returncode == 0, nobody
    plain = run_cli("who-can", "s3:GetObject", OBJECT, "-a", UPLOADS, *NOW)
    assert plain.returncode == 0, plain


def test_query_who_can_fail_if_any(run_cli: Any) -> None:
    q = f"who can do s3:PutObject on {OBJECT}"
    assert run_cli("query", q, "-a", UPLOADS, *NOW).returncode == 0
    assert run_cli("query", q, "-a", UPLOADS, "--fail-if-any", *NOW).returncode == 1
    q = "who can do s3:DeleteBucket on arn:aws:s3:::landing-zone"
    assert run_cli("query", q, "-a", UPLOADS, "--fail-if-any", *NOW).returncode == 0


def test_exit_statuses_are_in_help(run_cli: Any) -> None:
    for command in ("who-can", "query"):
        run = run_cli(command, "--help")
        text = " ".join(run.stdout.split())
        assert "--fail-if-any" in text and "Exit status" in text, run

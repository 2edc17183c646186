"""`who-can` over several actions, every action of a service, and resource ARN patterns."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.catalog.arguments import select_actions
from policysim.cli import app

A = "111122223333"
ACCOUNT = f"""\
account: "{A}"
users:
  reader: {{policies: [AmazonS3ReadOnlyAccess]}}
  writer:
    inline:
      Logs:
        Version: "2012-10-17"
        Statement:
          - Sid: PutLogs
            Effect: Allow
            Action: s3:PutObject
            Resource: arn:aws:s3:::logs-eu/*
  nobody: {{}}
resources:
  "arn:aws:s3:::logs-eu": {{tags: {{team: ops}}}}
  "arn:aws:s3:::logs-us": {{tags: {{team: ops}}}}
  "arn:aws:s3:::data": {{tags: {{team: data}}}}
"""


@pytest.fixture(autouse=True)
def _no_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)


@pytest.fixture
def account(tmp_path: Path) -> str:
    path = tmp_path / "account.yaml"
    path.write_text(textwrap.dedent(ACCOUNT))
    return str(path)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def headers(output: str) -> list[str]:
    return [line for line in output.splitlines() if "principals allowed" in line]


def test_several_actions_answered_per_action(account: str) -> None:
    key = "arn:aws:s3:::logs-eu/a.log"
    result = run("who-can", "s3:GetObject", "s3:PutObject", "--resource", key, "-a", account)
    assert result.exit_code == 0, result.output
    heads = headers(result.output)
    assert [h.split()[0] for h in heads] == ["s3:GetObject", "s3:PutObject"]
    assert "1 of 3 principals allowed" in heads[0]
    blocks = result.output.split("\n\n")
    assert "user reader" in blocks[0] and "user writer" not in blocks[0]
    assert "user writer" in blocks[1] and "PutLogs" in blocks[1]
    payload = json.loads(
        run("who-can", "s3:GetObject", "s3:PutObject", key, "-a", account, "--json").output
    )
    assert [g["action"] for g in payload["actions"]] == ["s3:GetObject", "s3:PutObject"]
    (put,) = payload["actions"][1]["reports"]
    assert [p["principal"] for p in put["allowed"]] == ["user writer"]
    assert put["resource"] == key


def test_one_action_keeps_its_json_shape(account: str) -> None:
    payload = json.loads(
        run("who-can", "s3:GetObject", "arn:aws:s3:::data/k", "-a", account, "--json").output
    )
    assert payload["action"] == "s3:GetObject"
    assert "actions" not in payload


def test_service_and_wildcard_are_the_same_question(account: str) -> None:
    bucket = "arn:aws:s3:::data"
    star = run("who-can", "s3:*", "--resource", bucket, "-a", account, "--json")
    service = run("who-can", "--service", "s3", bucket, "-a", account, "--json")
    assert star.exit_code == service.exit_code == 0
    assert json.loads(star.output) == json.loads(service.output)
    payload = json.loads(star.output)
    expected = select_actions(["s3:*"], bucket).actions
    assert [g["action"] for g in payload["actions"]] == expected
    assert payload["left_out"][0]["pattern"] == "s3:*"
    text = run("who-can", "s3:*", "--resource", bucket, "-a", account).output
    assert len(headers(text)) == len(expected)
    assert "note: s3:*: " in text


def test_resource_pattern_asks_about_every_matching_bucket(account: str) -> None:
    result = run("who-can", "s3:PutObject", "--resource", "arn:aws:s3:::logs-*/*", "-a", account)
    assert result.exit_code == 0, result.output
    heads = headers(result.output)
    assert [h.split()[2] for h in heads] == ["arn:aws:s3:::logs-eu/*,", "arn:aws:s3:::logs-us/*,"]
    assert "1 of 3" in heads[0] and "0 of 3" in heads[1]
    payload = json.loads(
        run(
            "who-can", "s3:PutObject", "-r", "arn:aws:s3:::logs-*/*", "-a", account, "--json"
        ).output
    )
    (group,) = payload["actions"]
    assert [r["resource"] for r in group["reports"]] == [
        "arn:aws:s3:::logs-eu/*",
        "arn:aws:s3:::logs-us/*",
    ]
    assert payload["resource"] == "arn:aws:s3:::logs-*/*"


def test_fail_if_any_looks_at_every_answer(account: str) -> None:
    args = ["--resource", "arn:aws:s3:::logs-*/*", "-a", account, "--fail-if-any"]
    assert run("who-can", "s3:DeleteObject", *args).exit_code == 0
    assert run("who-can", "s3:DeleteObject", "s3:PutObject", *args).exit_code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resource", "arn:aws:s3:::nothing-*/*", "s3:GetObject"], "no resource of the account"),
        (["--service", "s4"], "unknown service 's4'"),
        ([], "give one or more actions"),
        (["arn:aws:s3:::data", "s3:GetObject"], "is a resource: give it last"),
        (["s3:GetObject", "arn:aws:s3:::data/k", "--resource", "*"], "give the resource once"),
        (["s3:GetObjcet", "arn:aws:s3:::data/k"], "did you mean 's3:GetObject'"),
        (["s3:ListBucket", "--resource", "arn:aws:s3:::logs-*/*"], "does not act on"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(account: str, args: list[str], message: str) -> None:
    result = run("who-can", *args, "-a", account)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_workers_give_the_serial_answer_for_each_action(account: str) -> None:
    args = ["who-can", "s3:GetObject", "s3:PutObject", "-r", "arn:aws:s3:::logs-*/*", "-a", account]
    serial = run(*args, "--json")
    workers = run(*args, "--json", "--workers", "2")
    assert serial.exit_code == workers.exit_code == 0, workers.output
    assert json.loads(workers.output) == json.loads(serial.output)
    assert len(json.loads(serial.output)["actions"]) == 2

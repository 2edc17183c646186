"""`policysim paths`: output hop by hop, JSON as the issue gives it, exit 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

OWN = Path(__file__).resolve().parents[1] / "paths" / "data" / "own" / "accounts"
CHAIN = OWN / "chain.yaml"
PASSROLE = OWN / "passrole.yaml"


def test_paths_are_printed_hop_by_hop_with_evidence(run_cli: Any) -> None:
    run = run_cli("paths", "--account", CHAIN)
    assert run.returncode == 1, run
    out = run.stdout
    assert "5 principals can reach admin" in out
    assert "arn:aws:iam::111111111111:user/alice -> admin in 4 hops" in out
    assert "by sts-001 (AssumeRole)  https://pathfinding.cloud/paths/sts-001" in out
    assert "by iam-005 (PutRolePolicy)  https://pathfinding.cloud/paths/iam-005" in out
    # decisive statements with file:line:col
    assert "chain.yaml:48:13" in out
    assert "! requires MFA" in out
    assert "Already there (1):" in out and "role/Admin" in out
    assert "Cheapest fix: remove identity policy 'role third inline Self' statement #0" in out
    assert "used by 4 of 5 paths" in out


def test_json_follows_the_issue(run_cli: Any) -> None:
    run = run_cli("paths", "-a", CHAIN, "--from", "user/alice", "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["target"] == "admin"
    [path] = data["paths"]
    assert path["source"] == "arn:aws:iam::111111111111:user/alice"
    assert path["target"] == "admin"
    assert [h["rule"] for h in path["hops"]] == ["sts-001", "sts-001", "sts-001", "iam-005"]
    first = path["hops"][0]
    assert set(first) >= {"from", "to", "rule", "checks", "annotations"}
    assert first["from"] == "arn:aws:iam::111111111111:user/alice"
    assert first["to"] == "arn:aws:iam::111111111111:role/first"
    assert path["hops"][-1]["to"] == "admin"
    check = first["checks"][0]
    assert check["action"] == "sts:AssumeRole" and check["decision"] == "Allowed"
    assert any(s["location"].endswith("chain.yaml:10:13") for s in check["statements"])
    assert data["cheapest_fix"]["paths"] == 1
    assert data["cheapest_fix"]["cuts"] == 1  # checked by searching again without it


def test_no_path_exits_zero(run_cli: Any) -> None:
    run = run_cli("paths", "-a", CHAIN, "--from", "user/bob")
    assert run.returncode == 0, run
    assert "0 principals can reach admin" in run.stdout


def test_a_source_already_at_the_target_exits_one(run_cli: Any) -> None:
    run = run_cli("paths", "-a", CHAIN, "--from", "role/Admin", "--json")
    assert run.returncode == 1, run
    assert json.loads(run.stdout)["already"] == ["arn:aws:iam::111111111111:role/Admin"]


def test_max_hops(run_cli: Any) -> None:
    run = run_cli("paths", "-a", CHAIN, "--from", "user/alice", "--max-hops", "3")
    assert run.returncode == 0, run
    run = run_cli("paths", "-a", CHAIN, "--from", "user/alice", "--max-hops", "4")
    assert run.returncode == 1, run


def test_a_permission_target(run_cli: Any) -> None:
    run = run_cli(
        "paths",
        "-a",
        PASSROLE,
        "--to",
        "iam:CreateUser",
        "arn:aws:iam::111111111111:user/x",
        "--json",
    )
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["action"] == "iam:CreateUser"
    assert data["target"] == "arn:aws:iam::111111111111:user/x"
    assert [p["source"] for p in data["paths"]] == ["arn:aws:iam::111111111111:user/dev"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "user/bobb"], "no user named 'bobb' in account 111111111111; did you mean"),
        (["--to", "s3:GetObjekt", "arn:aws:s3:::b/k"], "unknown action 's3:GetObjekt'"),
        (["--to", "s3:GetObject"], "--to takes 'admin' or ACTION RESOURCE"),
        (["--to", "admin", "arn:aws:s3:::b"], "--to admin takes no resource"),
        (["--from", "anonymous"], "paths start at a user or role"),
        (["--max-hops", "-1"], "--max-hops"),
    ],
)
def test_bad_input_is_one_line_and_exit_two(run_cli: Any, args: list[str], message: str) -> None:
    run = run_cli("paths", "-a", CHAIN, *args)
    assert run.returncode == 2, run
    assert message in run.stderr
    assert len(run.stderr_lines) == 1, run
    assert "Traceback" not in run.stderr


def test_a_bad_account_file_is_one_line(run_cli: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("account: '111111111111'\nusers:\n  a: {colour: red}\n", encoding="utf-8")
    run = run_cli("paths", "-a", bad)
    assert run.returncode == 2, run
    assert "bad.yaml:3" in run.stderr and "colour" in run.stderr
    assert len(run.stderr_lines) == 1
    missing = run_cli("paths", "-a", tmp_path / "missing.yaml", "--json")
    assert missing.returncode == 2
    assert json.loads(missing.stdout)["exit_code"] == 2


def test_help_teaches_with_examples(run_cli: Any) -> None:
    run = run_cli("paths", "--help")
    assert run.returncode == 0
    assert "policysim paths --account account.yaml" in run.stdout
    assert "--to s3:GetObject" in run.stdout
    assert "Exit status: 0 no path; 1" in run.stdout


def test_json_marks_the_evidence_of_a_change(run_cli: Any) -> None:
    run = run_cli("paths", "-a", CHAIN, "--from", "role/third", "--json")
    [hop] = json.loads(run.stdout)["paths"][0]["hops"]
    first, evidence = hop["checks"]
    assert "evidence" not in first
    assert evidence["evidence"] is True and evidence["action"] == "*"
    assert "every action on every resource" in evidence["reason"]

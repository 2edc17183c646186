"""`policysim lint --account FILE` as a user runs it: lowered findings stay visible with the
guardrail named (text, JSON, SARIF), `--guardrails drop`, and bad account files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORG = Path(__file__).parent / "data" / "guardrails-org.yaml"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Keys", "Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"},
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
    ],
}


def lint(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "policysim", "lint", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _policy(tmp_path: Path) -> Path:
    path = tmp_path / "p.json"
    # one statement a line: Keys on line 3, Pass on line 4
    lines = ",\n".join(json.dumps(statement) for statement in POLICY["Statement"])
    path.write_text(f'{{"Version": "2012-10-17",\n "Statement": [\n{lines}]}}\n')
    return path


def test_text_keeps_lowered_findings_with_the_guardrail(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    plain = lint(policy, cwd=tmp_path)
    guarded = lint("--account", ORG, policy, cwd=tmp_path)
    assert plain.returncode == guarded.returncode == 1  # PassRole is still a security finding
    assert len(plain.stdout.splitlines()) == len(guarded.stdout.splitlines())
    lowered = [line for line in guarded.stdout.splitlines() if "blocked by" in line]
    assert lowered, guarded.stdout
    for line in lowered:
        assert " suggestion " in line and "SCP DenyLeaveOrg (Root) statement 'NoLeaving'" in line
        assert ":3:" in line  # the Keys statement only
    assert "iam:PassRole" in guarded.stdout and "blocked by" not in plain.stdout


def test_json_and_sarif_carry_the_guardrail(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    report = json.loads(lint("--account", ORG, "-f", "json", policy, cwd=tmp_path).stdout)
    blocked = [f for f in report["findings"] if "blocked_by" in f]
    assert blocked and all(f["severity"] == "suggestion" for f in blocked)
    assert all("SCP DenyLeaveOrg" in f["blocked_by"] for f in blocked)
    assert all(f["statement"] == 1 for f in report["findings"] if "blocked_by" not in f)
    sarif = json.loads(lint("--account", ORG, "-f", "sarif", policy, cwd=tmp_path).stdout)
    results = sarif["runs"][0]["results"]
    with_guardrail = [r for r in results if "blockedBy" in r["properties"]]
    assert len(with_guardrail) == len(blocked)
    assert all(r["level"] == "note" for r in with_guardrail)


def test_drop_leaves_them_out_and_the_exit_status_follows(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({**POLICY, "Statement": POLICY["Statement"][:1]}))
    assert lint(path, cwd=tmp_path).returncode == 1
    lowered = lint("--account", ORG, path, cwd=tmp_path)
    assert lowered.returncode == 0 and "blocked by" in lowered.stdout
    dropped = lint("--account", ORG, "--guardrails", "drop", "-f", "json", path, cwd=tmp_path)
    assert dropped.returncode == 0
    assert json.loads(dropped.stdout)["findings"] == []


def test_bad_account_file_is_one_line_exit_2(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    bad = tmp_path / "account.yaml"
    bad.write_text("accounts:\n  - id: 12\n    users: [\n")
    for account in (bad, tmp_path / "missing.yaml"):
        run = lint("--account", account, policy, cwd=tmp_path)
        assert run.returncode == 2, run.stderr
        assert run.stdout == ""
        assert len(run.stderr.strip().splitlines()) == 1
        assert account.name in run.stderr and "Traceback" not in run.stderr


def test_guardrails_option_is_checked(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    run = lint("--guardrails", "drop", policy, cwd=tmp_path)
    assert run.returncode == 2 and "--account" in run.stderr
    run = lint("--account", ORG, "--guardrails", "hide", policy, cwd=tmp_path)
    assert run.returncode == 2 and "lower or drop" in run.stderr


def test_help_teaches_the_option(tmp_path: Path) -> None:
    out = lint("--help", cwd=tmp_path).stdout
    assert "--account" in out and "--guardrails" in out


def test_account_file_linted_with_itself_counts_boundaries(tmp_path: Path) -> None:
    account = tmp_path / "account.yaml"
    account.write_text(
        "accounts:\n"
        '  - id: "111111111111"\n'
        "    policies:\n"
        "      OnlyS3:\n"
        '        Version: "2012-10-17"\n'
        '        Statement: [{Effect: Deny, Action: "iam:*", Resource: "*"},'
        ' {Effect: Allow, Action: "s3:GetObject", Resource: "*"}]\n'
        "    roles:\n"
        "      app:\n"
        "        boundary: OnlyS3\n"
        "        inline:\n"
        "          keys:\n"
        '            Version: "2012-10-17"\n'
        '            Statement: [{Effect: Allow, Action: "iam:CreateAccessKey", Resource: "*"}]\n'
        "      free:\n"
        "        inline:\n"
        "          keys:\n"
        '            Version: "2012-10-17"\n'
        '            Statement: [{Effect: Allow, Action: "iam:CreateAccessKey", Resource: "*"}]\n'
    )
    report = json.loads(lint("--account", account, "-f", "json", account, cwd=tmp_path).stdout)
    app = [f for f in report["findings"] if "roles.app" in f["message"]]
    free = [f for f in report["findings"] if "roles.free" in f["message"]]
    assert app and free
    assert all(
        "boundary OnlyS3" in f.get("blocked_by", "") for f in app if f["severity"] != "error"
    )
    assert not any("blocked_by" in f for f in free)


def test_authorization_details_boundary_counts_for_the_role_inline_policy(tmp_path: Path) -> None:
    details = Path(__file__).parent / "data" / "guardrails-authz.json"
    run = lint("--account", details, "-f", "json", details, cwd=tmp_path)
    report = json.loads(run.stdout)
    inline = [f for f in report["findings"] if "RolePolicyList" in f["message"]]
    managed = [f for f in report["findings"] if "PolicyVersionList" in f["message"]]
    assert inline and all("boundary OnlyS3 of role/app" in f["blocked_by"] for f in inline)
    assert managed and not any("blocked_by" in f for f in managed)  # boundary itself: not lowered
    assert "no organization member account" in run.stderr

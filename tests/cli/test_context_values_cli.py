"""Context values of the wrong type are refused by every command that takes them (exit 2, one
line naming the key, the value and the type): `--context` of simulate, check, explain and
who-can, `when` clauses of query, `context:` of test files, and batch cases (per case)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.policy.literals import parse_address, parse_bool, parse_date, parse_number

REPO = Path(__file__).resolve().parents[2]
MFA_ACCOUNT = REPO / "examples" / "accounts" / "mfa-group" / "account.yaml"
ALICE = "arn:aws:iam::111122223333:user/alice"

BAD = [
    pytest.param(
        "aws:SourceIp=999.1.1.1", "aws:SourceIp: '999.1.1.1' is not an IP address", id="ip"
    ),
    pytest.param(
        "aws:CurrentTime=2024-13-01T00:00:00Z",
        "aws:CurrentTime: '2024-13-01T00:00:00Z' is not an ISO 8601 date",
        id="date",
    ),
    pytest.param("s3:max-keys=abc", "s3:max-keys: 'abc' is not a number", id="number"),
    pytest.param(
        "aws:MultiFactorAuthPresent=maybe",
        "aws:MultiFactorAuthPresent: 'maybe' is not true or false",
        id="bool",
    ),
    pytest.param("aws:SourceArn=my-topic", "aws:SourceArn: 'my-topic' is not an ARN", id="arn"),
]


def _policy(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def _one_error_line(run: Any, text: str) -> None:
    assert run.returncode == 2, run
    assert run.stdout == "", run
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run
    assert lines[0].startswith("policysim: error: "), run
    assert text in lines[0], run
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(("item", "text"), BAD)
def test_simulate_context_refuses_wrong_type(
    run_cli: Any, tmp_path: Path, item: str, text: str
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(_policy()))
    run = run_cli(
        "simulate",
        "--policy",
        policy,
        "--action",
        "s3:ListBucket",
        "--resource",
        "arn:aws:s3:::b",
        "--context",
        item,
    )
    _one_error_line(run, f"--context {text}")
    assert "(the key's type is " in run.stderr


@pytest.mark.parametrize("command", ["check", "explain"])
def test_check_and_explain_refuse_wrong_type(run_cli: Any, command: str) -> None:
    run = run_cli(
        command,
        "--account",
        MFA_ACCOUNT,
        "user/dana",
        "ec2:RunInstances",
        "--context",
        "aws:MultiFactorAuthPresent=maybe",
    )
    _one_error_line(
        run,
        "--context aws:MultiFactorAuthPresent: 'maybe' is not true or false"
        " (the key's type is Bool)",
    )


def test_who_can_refuses_wrong_type(run_cli: Any) -> None:
    run = run_cli(
        "who-can",
        "--account",
        MFA_ACCOUNT,
        "ec2:RunInstances",
        "--context",
        "aws:MultiFactorAuthAge=recently",
    )
    _one_error_line(run, "--context aws:MultiFactorAuthAge: 'recently' is not a number")


def test_json_errors_stay_one_object(run_cli: Any) -> None:
    run = run_cli(
        "check",
        "--account",
        MFA_ACCOUNT,
        "user/dana",
        "ec2:RunInstances",
        "--context",
        "aws:SourceIp=999.1.1.1",
        "--json",
    )
    assert run.returncode == 2, run
    error = json.loads(run.stdout)
    assert "aws:SourceIp: '999.1.1.1' is not an IP address" in json.dumps(error)


def test_valid_context_still_decides(run_cli: Any) -> None:
    """MFA present: the group's Deny does not apply; absent (`false`): it does."""
    decisions = {}
    for value in ("true", "False"):
        run = run_cli(
            "check",
            "--account",
            MFA_ACCOUNT,
            "user/dana",
            "ec2:RunInstances",
            "--context",
            f"aws:MultiFactorAuthPresent={value}",
        )
        decisions[value] = run.returncode
    assert decisions == {"true": 0, "False": 1}


def test_query_when_clause_refuses_wrong_type(run_cli: Any) -> None:
    query = "can user/dana do ec2:RunInstances when aws:MultiFactorAuthPresent=maybe"
    run = run_cli("query", "--account", MFA_ACCOUNT, query)
    column = query.index("maybe") + 1
    _one_error_line(
        run,
        f"query:1:{column}: condition key 'aws:MultiFactorAuthPresent': 'maybe' is not true or"
        " false (the key's type is Bool)",
    )


def test_query_list_values_are_each_checked(run_cli: Any) -> None:
    query = (
        "can user/dana do ec2:RunInstances when"
        " autoscaling:TargetGroupARNs=[arn:aws:elasticloadbalancing:us-east-1:1:tg, tg]"
    )
    run = run_cli("query", "--account", MFA_ACCOUNT, query)
    _one_error_line(run, f"query:1:{query.rindex('tg') + 1}: condition key")


def test_test_file_context_refuses_wrong_type(run_cli: Any, tmp_path: Path) -> None:
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        "tests:\n"
        "  - principal: user/dana\n"
        "    action: ec2:RunInstances\n"
        "    context: {aws:SourceIp: 203.0.113.5}\n"
        "    expect: Denied\n"
        "  - principal: user/dana\n"
        "    action: ec2:RunInstances\n"
        "    context: {s3:max-keys: many}\n"
        "    expect: Denied\n"
    )
    run = run_cli("test", "--account", MFA_ACCOUNT, tests)
    _one_error_line(
        run,
        f"{tests}:8:28: context s3:max-keys: 'many' is not a number (the key's type is Numeric)",
    )


def test_test_file_takes_yaml_numbers_and_booleans(run_cli: Any, tmp_path: Path) -> None:
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        "tests:\n"
        "  - principal: user/dana\n"
        "    action: ec2:RunInstances\n"
        "    context: {aws:MultiFactorAuthPresent: true, aws:MultiFactorAuthAge: 30}\n"
        "    expect: Allowed\n"
        "  - principal: user/dana\n"
        "    action: ec2:RunInstances\n"
        "    context: {aws:MultiFactorAuthPresent: false}\n"
        "    expect: Denied\n"
    )
    run = run_cli("test", "--account", MFA_ACCOUNT, tests)
    assert run.returncode == 0, run


# ---- batch ------------------------------------------------------------------------------------


def _case(case_id: str, context: dict[str, Any], expected: str = "Allowed") -> dict[str, Any]:
    return {
        "id": case_id,
        "identity_policies": [
            _policy({"NumericLessThanEquals": {"s3:max-keys": "10"}}),
        ],
        "request": {
            "principal": ALICE,
            "action": "s3:ListBucket",
            "resource": "arn:aws:s3:::bucket",
            "context": context,
        },
        "expected": expected,
    }


def _batch(tmp_path: Path, *cases: dict[str, Any]) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in cases))
    return path


def test_batch_invalid_values_are_errors_with_their_line(run_cli: Any, tmp_path: Path) -> None:
    path = _batch(
        tmp_path,
        _case("number", {"s3:max-keys": 5}),
        _case("text", {"s3:max-keys": "5"}),
        _case("bool-for-number", {"s3:max-keys": True}),
        _case("ip", {"s3:max-keys": 1, "aws:SourceIp": "999.1.1.1"}),
        _case("too-many", {"s3:max-keys": 50}, expected="ImplicitDeny"),
    )
    run = run_cli("simulate", "--batch", path)
    assert run.returncode == 2, run
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["decision"] for line in lines] == [
        "Allowed",
        "Allowed",
        "Error",
        "Error",
        "ImplicitDeny",
    ]
    assert lines[2]["error"] == (
        "request.context.s3:max-keys: true is not a number (the key's type is Numeric)"
    )
    assert lines[3]["error"].startswith("request.context.aws:SourceIp: '999.1.1.1' is not an IP")

    checked = run_cli("simulate", "--batch", path, "--check")
    assert checked.returncode == 2, checked
    assert "line 3 bool-for-number: invalid — request.context.s3:max-keys: true" in checked.stdout
    assert "line 4 ip: invalid — request.context.aws:SourceIp:" in checked.stdout


_INVALID = st.one_of(
    st.tuples(
        st.just("s3:max-keys"), st.text(max_size=12).filter(lambda t: parse_number(t) is None)
    ),
    st.tuples(
        st.just("aws:CurrentTime"), st.text(max_size=12).filter(lambda t: parse_date(t) is None)
    ),
    st.tuples(
        st.just("aws:SecureTransport"),
        st.text(max_size=12).filter(lambda t: parse_bool(t) is None) | st.integers(),
    ),
    st.tuples(
        st.just("aws:VpcSourceIp"), st.text(max_size=12).filter(lambda t: parse_address(t) is None)
    ),
    st.tuples(st.just("aws:PrincipalArn"), st.text(max_size=12).filter(lambda t: ":" not in t)),
)


@settings(max_examples=4, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_INVALID, min_size=1, max_size=20))
def test_generated_invalid_batch_values_exit_2(
    run_cli: Any, tmp_path: Path, values: list[tuple[str, Any]]
) -> None:
    path = _batch(
        tmp_path,
        _case("valid", {"s3:max-keys": "1"}),
        *(_case(f"bad-{i}", {key: value}) for i, (key, value) in enumerate(values)),
    )
    run = run_cli("simulate", "--batch", path)
    assert run.returncode == 2, run
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert lines[0]["decision"] == "Allowed"
    for line, (key, _) in zip(lines[1:], values, strict=True):
        assert line["decision"] == "Error"
        assert line["error"].startswith(f"request.context.{key}: ")
        assert "(the key's type is " in line["error"]


# ---- service principals without a dot (were an internal error) ---------------------------------


def test_service_without_a_dot_in_query_is_one_line(run_cli: Any) -> None:
    run = run_cli("query", "--account", MFA_ACCOUNT, "can service/lambda do s3:GetObject")
    _one_error_line(run, "service principal 'lambda' is not a host name")
    assert "did you mean service/lambda.amazonaws.com?" in run.stderr


def test_service_without_a_dot_in_test_file_is_one_line(run_cli: Any, tmp_path: Path) -> None:
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        "tests:\n  - principal: service/lambda\n    action: s3:GetObject\n    expect: Denied\n"
    )
    run = run_cli("test", "--account", MFA_ACCOUNT, tests)
    _one_error_line(run, f"{tests}:2:16: principal 'service/lambda'")


def test_service_with_its_dot_is_answered(run_cli: Any) -> None:
    run = run_cli(
        "query", "--account", MFA_ACCOUNT, "can service/lambda.amazonaws.com do s3:GetObject"
    )
    assert run.returncode == 1, run
    assert "ImplicitDeny" in run.stdout


@pytest.mark.parametrize(
    ("extra", "first_line"),
    [
        ([], "no region (aws:RequestedRegion absent; pass --region)"),
        (["--region", "eu-west-1"], "region eu-west-1"),
    ],
)
def test_test_text_report_opens_with_the_region(
    run_cli: Any, tmp_path: Path, extra: list[str], first_line: str
) -> None:
    """A decision can turn on aws:RequestedRegion, so the text report says which one it used,
    as the JSON report does."""
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        "tests:\n"
        "  - principal: user/dana\n"
        "    action: ec2:RunInstances\n"
        "    context: {aws:MultiFactorAuthPresent: false}\n"
        "    expect: Denied\n"
    )
    run = run_cli("test", "--account", MFA_ACCOUNT, *extra, tests)
    assert run.returncode == 0, run
    assert run.stdout.splitlines()[0] == first_line

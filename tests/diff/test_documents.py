"""Document pairs with known answers, the witnesses' shape, and the batch-case round trip
through `policysim simulate`."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from policysim.diff import Direction, Limits, Outcome, diff_documents, verify_not_granted
from policysim.policy.model import Policy


def doc(*statements: dict[str, Any]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


GET = allow("s3:GetObject", "arn:aws:s3:::b/*")

PAIRS = [
    # (name, old, new, expected result)
    (
        "added action",
        doc(GET),
        doc(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/*")),
        "FAIL",
    ),
    (
        "removed action",
        doc(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/*")),
        doc(GET),
        "PASS",
    ),
    ("widened resource", doc(GET), doc(allow("s3:GetObject", "arn:aws:s3:::*")), "FAIL"),
    ("narrowed resource", doc(allow("s3:GetObject", "arn:aws:s3:::*")), doc(GET), "PASS"),
    ("action case", doc(GET), doc(allow("S3:getOBJECT", "arn:aws:s3:::b/*")), "PASS"),
    ("resource case", doc(GET), doc(allow("s3:GetObject", "arn:aws:s3:::B/*")), "FAIL"),
    ("arn head case", doc(GET), doc(allow("s3:GetObject", "ARN:AWS:S3:::b/*")), "PASS"),
    ("dropped deny", doc(allow("s3:*"), deny("s3:DeleteObject")), doc(allow("s3:*")), "FAIL"),
    ("added deny", doc(allow("s3:*")), doc(allow("s3:*"), deny("s3:DeleteObject")), "PASS"),
    (
        "notaction equivalence",
        doc(allow("s3:*"), deny("s3:*", "*")),
        doc({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}, deny("s3:*")),
        "FAIL",
    ),
    (
        "notaction same as listing",
        doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        doc({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"}),
        "PASS",
    ),
    (
        "question mark",
        doc(allow("s3:GetObject", "arn:aws:s3:::b/a?c")),
        doc(allow("s3:GetObject", "arn:aws:s3:::b/a*c")),
        "FAIL",
    ),
    (
        "narrowed ip",
        doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}})),
        "PASS",
    ),
    (
        "widened ip",
        doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}})),
        doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
        "FAIL",
    ),
    (
        "bool to boolifexists",
        doc(allow("s3:*", Condition={"Bool": {"aws:SecureTransport": "true"}})),
        doc(allow("s3:*", Condition={"BoolIfExists": {"aws:SecureTransport": "true"}})),
        "FAIL",
    ),
    (
        "contradictory conditions",
        doc(GET),
        doc(
            GET,
            allow(
                "s3:PutObject",
                Condition={
                    "NumericLessThan": {"s3:max-keys": "5"},
                    "NumericGreaterThan": {"s3:max-keys": "10"},
                },
            ),
        ),
        "PASS",
    ),
    (
        "date window widened",
        doc(allow("s3:*", Condition={"DateLessThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}})),
        doc(allow("s3:*", Condition={"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}})),
        "FAIL",
    ),
    (
        "forany to forall",
        doc(
            allow("ec2:CreateTags", Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}})
        ),
        doc(
            allow("ec2:CreateTags", Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}})
        ),
        "FAIL",
    ),
    (
        "stringlike narrowed",
        doc(allow("s3:*", Condition={"StringLike": {"aws:PrincipalTag/team": "dev*"}})),
        doc(allow("s3:*", Condition={"StringLike": {"aws:PrincipalTag/team": "devops*"}})),
        "PASS",
    ),
    (
        "negated operator in a deny",
        doc(
            allow("s3:*"),
            deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}}),
        ),
        doc(
            allow("s3:*"),
            deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/team": "a"}}),
        ),
        "PASS",
    ),
    (
        "negated operator in a deny widened",
        doc(
            allow("s3:*"),
            deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/team": "a"}}),
        ),
        doc(
            allow("s3:*"),
            deny("s3:*", Condition={"StringNotEquals": {"aws:PrincipalTag/team": ["a", "b"]}}),
        ),
        "FAIL",
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pairs(name: str, old: Policy, new: Policy, expected: str) -> None:
    report = diff_documents(old, new, "identity")
    assert report.result.value == expected, report.to_json()
    for finding in report.findings:
        assert finding.direction is Direction.GAINED
        assert finding.statements and finding.statements[0].policy == "new"


def test_witness_is_readable_and_minimal() -> None:
    report = diff_documents(doc(GET), doc(allow("s3:GetObject", "arn:aws:s3:::*")), "identity")
    (finding,) = report.findings
    request = finding.request_json()
    assert request["action"] == "s3:GetObject"
    assert request["resource"].startswith("arn:aws:s3:::")
    assert not request["resource"].startswith("arn:aws:s3:::b/")
    assert "context" not in request
    assert finding.resources == ("arn:aws:s3:::*",)
    assert finding.actions == ("s3:GetObject",)


def test_condition_region_in_words() -> None:
    old = doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}))
    new = doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}))
    findings = diff_documents(old, new, "identity").findings
    (finding,) = [f for f in findings if not f.unlisted]
    (future,) = [f for f in findings if f.unlisted]  # s3's actions not in the catalog yet
    assert future.request.action == "s3:UnlistedAction"
    assert future.request_json()["context"]["aws:SourceIp"].startswith("192.168.")
    assert finding.conditions == ("aws:SourceIp in 192.168.0.0/16",)
    assert finding.request_json()["context"]["aws:SourceIp"].startswith("192.168.")
    assert finding.action_count > 100


def test_both_reports_lost_access() -> None:
    report = diff_documents(
        doc(allow(["s3:GetObject", "s3:PutObject"])),
        doc(allow("s3:GetObject")),
        "identity",
        both=True,
    )
    assert report.result is Outcome.FAIL
    assert {f.direction for f in report.findings} == {Direction.LOST}
    assert report.findings[0].request.action == "s3:PutObject"


def test_budget_gives_unknown_naming_the_part() -> None:
    old = doc(allow("s3:*", Condition={"StringLike": {"aws:PrincipalTag/t": "a*b*c*d*"}}))
    new = doc(allow("s3:*", Condition={"StringLike": {"aws:PrincipalTag/t": "a*c*b*d*"}}))
    report = diff_documents(old, new, "identity", limits=Limits(automaton_states=3))
    assert report.result is Outcome.UNKNOWN
    assert report.unknown and "aws:PrincipalTag/t" in report.unknown[0]


def test_policy_variable_of_a_free_key_is_unknown_not_guessed() -> None:
    tagged = doc(allow("s3:GetObject", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*"))
    report = diff_documents(doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), tagged, "identity")
    assert report.result is Outcome.UNKNOWN
    assert "variable" in report.unknown[0]


def test_username_variable_is_asked_about_for_other_callers() -> None:
    """A standalone document can be attached to anyone: `${aws:username}` is not alice's."""
    own = doc(allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*"))
    alice = doc(allow("s3:GetObject", "arn:aws:s3:::b/alice/*"))
    everything = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    # attached to bob, the variable grants b/bob/*, which the literal does not
    report = diff_documents(alice, own, "identity")
    assert report.result is Outcome.FAIL
    request = report.findings[0].request
    assert request.principal.arn == "arn:aws:iam::111122223333:user/bob"
    assert request.resource.startswith("arn:aws:s3:::b/bob/")
    # and the literal grants b/alice/* to every other caller
    report = diff_documents(own, alice, "identity")
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.resource.startswith("arn:aws:s3:::b/alice/")
    assert report.findings[0].request.principal.arn != "arn:aws:iam::111122223333:user/alice"
    report = diff_documents(own, everything, "identity")
    assert report.result is Outcome.FAIL
    request = report.findings[0].request
    name = (request.principal.arn or "").rpartition("/")[2]
    assert not request.resource.startswith(f"arn:aws:s3:::b/{name}/")
    assert diff_documents(own, own, "identity").result is Outcome.PASS


def test_username_variable_without_new_access_is_unknown_not_pass() -> None:
    """No caller asked gains anything, but the callers asked are no proof for every name."""
    own = allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*")
    narrowed = {**own, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    report = diff_documents(doc(own), doc(narrowed), "identity")
    assert report.result is Outcome.UNKNOWN
    assert any("${aws:username}" in reason for reason in report.unknown), report.unknown
    # an unrelated change is still found, whatever the variables
    report = diff_documents(doc(own), doc(own, allow("iam:PassRole")), "identity")
    assert report.result is Outcome.FAIL


def test_role_sessions_are_callers_too() -> None:
    """A role session has no aws:username: a grant only to such callers is new access."""
    roles_only = doc(allow("s3:GetObject", Condition={"Null": {"aws:username": "true"}}))
    report = diff_documents(doc(), roles_only, "identity")
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.principal.arn.startswith("arn:aws:sts::")


def test_principal_account_variable_asks_other_accounts() -> None:
    literal = doc(allow("s3:GetObject", "arn:aws:s3:::logs-111122223333/*"))
    variable = doc(allow("s3:GetObject", "arn:aws:s3:::logs-${aws:PrincipalAccount}/*"))
    report = diff_documents(literal, variable, "identity")
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.principal.account != "111122223333"


def test_resource_policy_second_account() -> None:
    base = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    old = doc({**base, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}})
    new = doc({**base, "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]}})
    report = diff_documents(old, new, "resource")
    assert report.result is Outcome.FAIL
    assert any(f.request.principal.account == "444455556666" for f in report.findings)
    assert diff_documents(new, old, "resource").result is Outcome.PASS


def test_trust_policy_dropped_external_id() -> None:
    base = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "444455556666"}}
    old = doc({**base, "Condition": {"StringEquals": {"sts:ExternalId": "x"}}})
    new = doc(base)
    report = diff_documents(old, new, "trust")
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.action.lower().startswith("sts:assumerole")


def test_scp_diff_compares_the_guardrail() -> None:
    old = doc(allow("*"), deny("iam:*"))
    new = doc(allow("*"))
    report = diff_documents(old, new, "scp")
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.action.startswith("iam:")


def test_not_granted() -> None:
    policy = doc(allow(["s3:*", "iam:PassRole"], "*"))
    report = verify_not_granted(policy, "identity", ["iam:PassRole"])
    assert report.result is Outcome.FAIL
    assert report.findings[0].request.action == "iam:PassRole"
    assert verify_not_granted(policy, "identity", ["iam:CreateUser"]).result is Outcome.PASS
    narrow = doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))
    assert (
        verify_not_granted(narrow, "identity", ["s3:GetObject"], ["arn:aws:s3:::other/*"]).result
        is Outcome.PASS
    )
    assert (
        verify_not_granted(narrow, "identity", ["s3:Get*"], ["arn:aws:s3:::b/x"]).result
        is Outcome.FAIL
    )


def test_as_case_round_trips_through_simulate() -> None:
    old = doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.1.0.0/16"}}))
    new = doc(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    (finding,) = [f for f in diff_documents(old, new, "identity").findings if f.replayable]
    case = finding.as_case()
    assert case["expected"] == "Allowed"
    line = json.dumps(case)
    run = subprocess.run(
        [sys.executable, "-m", "policysim.cli", "simulate", "--batch", "-", "--check", "--json"],
        input=line,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert '"Allowed"' in run.stdout
    old_case = {**case, "identity_policies": [old.to_json()], "expected": "ImplicitDeny"}
    run = subprocess.run(
        [sys.executable, "-m", "policysim.cli", "simulate", "--batch", "-", "--check"],
        input=json.dumps(old_case),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "policysim simulate --batch -" in finding.simulate_command()


def test_report_json_contract() -> None:
    report = diff_documents(doc(GET), doc(allow("s3:PutObject")), "identity")
    data = report.to_json()
    assert data["result"] == "FAIL"
    first = data["findings"][0]
    assert set(first) >= {
        "request",
        "statements",
        "actions",
        "action_count",
        "resources",
        "conditions",
    }
    assert first["request"]["principal"].startswith("arn:aws:iam::")
    assert diff_documents(doc(GET), doc(GET), "identity").to_json() == {
        "result": "PASS",
        "findings": [],
        "unknown": [],
    }

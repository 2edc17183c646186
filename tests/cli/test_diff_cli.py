"""`policysim diff` and `policysim verify` on the command line: inputs, exit codes, output.

Input errors and option checks; the output from reports of the prover's shape; and the answers
of the prover itself on the examples in examples/diff/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from policysim.cli.diff_output import Answered, overall, region_line, statement_label, to_json

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "diff"
MORE = (EXAMPLES / "grants-more" / "old.json", EXAMPLES / "grants-more" / "new.json")
LESS = (EXAMPLES / "grants-less" / "old.json", EXAMPLES / "grants-less" / "new.json")


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


PUBLIC_BUCKET = _doc(
    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
)
PRIVATE_BUCKET = _doc(
    {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
)


# ---- help and input errors (no prover needed) -----------------------------------------------


def test_help_teaches_with_examples(run_cli: Any) -> None:
    for command in ("diff", "verify"):
        run = run_cli(command, "--help")
        assert run.returncode == 0, run
        assert "Examples:" in run.stdout and "3 UNKNOWN" in run.stdout
    assert "--against" in run_cli("diff", "--help").stdout
    assert "--no-public-access" in run_cli("verify", "--help").stdout


def test_missing_file_is_exit_2(run_cli: Any, tmp_path: Path) -> None:
    run = run_cli("diff", MORE[0], tmp_path / "nope.json")
    assert run.returncode == 2, run
    (line,) = run.stderr_lines
    assert line.startswith("policysim: error: ") and "nope.json" in line


def test_unparseable_file_names_its_position(run_cli: Any, tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.json", '{"Version": "2012-10-17",\n "Statement": [,]}')
    run = run_cli("diff", MORE[0], bad)
    assert run.returncode == 2, run
    (line,) = run.stderr_lines
    assert f"{bad}:2:" in line


def test_inputs_of_different_kinds_are_exit_2(run_cli: Any, tmp_path: Path) -> None:
    template = _write(
        tmp_path / "t.json",
        json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}),
    )
    run = run_cli("diff", MORE[0], template)
    assert run.returncode == 2, run
    assert "is a CloudFormation template but" in run.stderr


def test_unknown_type_is_exit_2(run_cli: Any) -> None:
    run = run_cli("diff", *MORE, "--type", "session")
    assert run.returncode == 2, run
    assert "unknown policy type 'session'" in run.stderr


def test_diff_needs_two_files(run_cli: Any) -> None:
    run = run_cli("diff", MORE[0])
    assert run.returncode == 2, run
    assert "give OLD and NEW" in run.stderr


def test_json_errors_are_json(run_cli: Any, tmp_path: Path) -> None:
    run = run_cli("diff", MORE[0], tmp_path / "nope.json", "--json")
    assert run.returncode == 2, run
    data = json.loads(run.stdout)
    assert data["exit_code"] == 2 and "nope.json" in data["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one of"),
        (("--no-public-access", "--not-granted", "iam:PassRole"), "exactly one of"),
        (("--no-public-access", "--resource", "*"), "--resource goes with --not-granted"),
        (("--not-granted", "s3:*", "--resource-type", "AWS::S3::Bucket"), "goes with"),
        (("--no-public-access", "--resource-type", "AWS::S3::Buckt"), "did you mean"),
        (("--not-granted", " , "), "at least one action"),
        (("--not-granted", "s3:GetObjcet"), "unknown action 's3:GetObjcet'; did you mean"),
        (("--not-granted", "iam:PassRole,s3:Gte*"), "'s3:Gte*' matches no action"),
        (("--not-granted", "s3x:GetObject"), "unknown service prefix 's3x'"),
        (("--not-granted", "GetObject"), "is not an action"),
    ],
)
def test_verify_option_errors(run_cli: Any, args: tuple[str, ...], message: str) -> None:
    run = run_cli("verify", MORE[1], *args)
    assert run.returncode == 2, run
    assert message in run.stderr
    assert len(run.stderr_lines) == 1, run
    assert run.stdout == ""


def test_verify_no_new_access_takes_one_policy(run_cli: Any) -> None:
    run = run_cli("verify", *MORE, "--no-new-access", MORE[0])
    assert run.returncode == 2, run
    assert "one POLICY" in run.stderr


def test_verify_refuses_account_files(run_cli: Any) -> None:
    account = REPO / "tests" / "account" / "data" / "accounts.yaml"
    run = run_cli("verify", account, "--not-granted", "iam:PassRole")
    assert run.returncode == 2, run
    assert "is an account file" in run.stderr


# ---- output, from reports of the prover's shape (no prover needed) --------------------------


@dataclass(frozen=True)
class _Ref:
    policy: str = "new.json"
    index: int = 1
    sid: str | None = "Upload"
    file: str | None = "new.json"
    line: int | None = 11
    col: int | None = 5


@dataclass(frozen=True)
class _Finding:
    direction: str = "gained"
    statements: tuple[_Ref, ...] = (_Ref(),)
    actions: tuple[str, ...] = ("s3:Put*",)
    action_count: int = 7
    resources: tuple[str, ...] = ("arn:aws:s3:::b/*",)
    conditions: tuple[str, ...] = ("aws:SourceIp in 10.0.0.0/8",)
    unlisted: bool = False
    replayable: bool = True

    def as_case(self) -> dict[str, Any]:
        return {"request": {"action": "s3:PutObject", "resource": "arn:aws:s3:::b/k"}}

    def simulate_command(self) -> str:
        return "policysim simulate --policy new.json --action s3:PutObject"

    def to_json(self) -> dict[str, Any]:
        return {"direction": self.direction, **self.as_case()}


@dataclass(frozen=True)
class _Report:
    result: str
    findings: tuple[_Finding, ...] = ()
    unknown: tuple[str, ...] = ()
    more_findings: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "findings": [f.to_json() for f in self.findings],
            "unknown": list(self.unknown),
        }


def _answer(result: str, name: str = "p", **kwargs: Any) -> Answered:
    return Answered(name, "identity", "changed", _Report(result, **kwargs))


def test_overall_result_fail_beats_unknown_beats_pass() -> None:
    assert overall([]) == "PASS"
    assert overall([_answer("PASS"), _answer("UNKNOWN")]) == "UNKNOWN"
    assert overall([_answer("UNKNOWN"), _answer("FAIL", findings=(_Finding(),))]) == "FAIL"


def test_labels_name_file_position_and_sid() -> None:
    assert statement_label(_Ref()) == "new.json:11:5 statement 'Upload'"
    assert statement_label(_Ref(sid=None, line=None)) == "new.json statement #1"
    assert region_line(_Finding()) == "s3:Put* (7 actions) on arn:aws:s3:::b/*"


def test_json_carries_each_finding_with_its_unit() -> None:
    answers = [
        _answer("FAIL", "a.json", findings=(_Finding(),)),
        _answer("UNKNOWN", "b.json", unknown=("statement 2: no solver",)),
        _answer("PASS", "c.json"),
    ]
    data = to_json(answers, unchanged=4, notes=["n"])
    assert data["result"] == "FAIL"
    assert data["findings"] == [
        {
            "unit": "a.json",
            "direction": "gained",
            "request": {"action": "s3:PutObject", "resource": "arn:aws:s3:::b/k"},
        }
    ]
    assert data["unknown"] == ["b.json: statement 2: no solver"]
    assert [u["result"] for u in data["units"]] == ["FAIL", "UNKNOWN", "PASS"]
    assert data["unchanged"] == 4 and data["notes"] == ["n"]


def test_access_only_lost_is_no_failure() -> None:
    lost = _Finding(direction="lost")
    assert _answer("FAIL", findings=(lost,)).result == "PASS"
    assert _answer("FAIL", findings=(lost,), unknown=("x",)).result == "UNKNOWN"
    assert _answer("FAIL", findings=(lost, _Finding())).result == "FAIL"


# ---- answers (the prover) -------------------------------------------------------------------


def test_diff_fail_prints_a_runnable_counterexample(run_cli: Any) -> None:
    run = run_cli("diff", *MORE)
    assert run.returncode == 1, run
    assert run.stdout.startswith("FAIL")
    assert "new.json:" in run.stdout
    commands = [line.strip() for line in run.stdout.splitlines() if "policysim simulate" in line]
    assert commands and all(c.endswith("| policysim simulate --batch - --check") for c in commands)
    batch_lines = [line.strip() for line in run.stdout.splitlines() if line.strip().startswith("{")]
    assert len(batch_lines) == len(commands)
    for line in batch_lines:
        case = json.loads(line)
        assert case["expected"] == "Allowed" and "request" in case
        rerun = run_cli("simulate", "--batch", "-", "--check", input=line + "\n")
        assert rerun.returncode == 0, rerun  # the engine allows it under NEW
        old = {**case, "identity_policies": [json.loads(MORE[0].read_text())]}
        decided = run_cli("simulate", "--batch", "-", input=json.dumps(old) + "\n")
        assert json.loads(decided.stdout)["decision"] != "Allowed"  # and not under OLD


def test_diff_pass_is_exit_0(run_cli: Any) -> None:
    run = run_cli("diff", *LESS)
    assert run.returncode == 0, run
    assert run.stdout.startswith("PASS")


def test_diff_same_file_passes(run_cli: Any) -> None:
    run = run_cli("diff", MORE[1], MORE[1])
    assert run.returncode == 0, run


def test_diff_json_shape(run_cli: Any) -> None:
    run = run_cli("diff", *MORE, "--json")
    assert run.returncode == 1, run
    data = json.loads(run.stdout)
    assert data["result"] == "FAIL"
    finding = data["findings"][0]
    assert finding["request"]["action"].lower().startswith("s3:")
    assert finding["statements"] and finding["unit"]


def test_both_lists_lost_access_without_failing(run_cli: Any) -> None:
    run = run_cli("diff", *LESS, "--both", "--json")
    assert run.returncode == 0, run
    data = json.loads(run.stdout)
    assert any(f.get("direction") == "lost" for f in data["findings"])


def test_verify_no_new_access_is_diff(run_cli: Any) -> None:
    assert run_cli("verify", MORE[1], "--no-new-access", MORE[0]).returncode == 1
    assert run_cli("verify", LESS[1], "--no-new-access", LESS[0]).returncode == 0


def test_verify_not_granted(run_cli: Any) -> None:
    granted = run_cli("verify", MORE[1], "--not-granted", "s3:PutObject,iam:PassRole")
    assert granted.returncode == 1, granted
    assert "s3:PutObject" in granted.stdout
    clean = run_cli("verify", MORE[1], "--not-granted", "iam:PassRole")
    assert clean.returncode == 0, clean
    elsewhere = run_cli(
        "verify", MORE[1], "--not-granted", "s3:PutObject", "--resource", "arn:aws:s3:::other/*"
    )
    assert elsewhere.returncode == 0, elsewhere


def test_verify_no_public_access(run_cli: Any, tmp_path: Path) -> None:
    public = _write(tmp_path / "public.json", PUBLIC_BUCKET)
    private = _write(tmp_path / "private.json", PRIVATE_BUCKET)
    run = run_cli("verify", public, "--no-public-access")
    assert run.returncode == 1, run
    assert run_cli("verify", private, "--no-public-access").returncode == 0


def test_verify_over_a_template_checks_every_policy(run_cli: Any, tmp_path: Path) -> None:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Open": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": "b", "PolicyDocument": json.loads(PUBLIC_BUCKET)},
            },
            "Closed": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {"Bucket": "c", "PolicyDocument": json.loads(PRIVATE_BUCKET)},
            },
        },
    }
    path = _write(tmp_path / "stack.json", json.dumps(template))
    run = run_cli("verify", path, "--no-public-access", "--json")
    assert run.returncode == 1, run
    units = {u["name"]: u["result"] for u in json.loads(run.stdout)["units"]}
    assert units == {"Open.PolicyDocument": "FAIL", "Closed.PolicyDocument": "PASS"}


def test_text_puts_the_verdict_first_then_each_finding(capsys: pytest.CaptureFixture[str]) -> None:
    from policysim.cli.diff_output import render_text

    answers = [
        _answer("FAIL", "a.json", findings=(_Finding(),)),
        Answered("user bob (1)", "principal", "changed", _Report("PASS"), ("user carol (1)",)),
        _answer("UNKNOWN", "b.json", unknown=("statement 2: no solver",)),
    ]
    render_text(answers, question="new access", unchanged=2, notes=["x: not compared"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "note: x: not compared"
    assert lines[1] == "FAIL  new access: 3 compared, 2 unchanged, 2 not PASS"
    text = "\n".join(lines)
    assert "FAIL  a.json (identity, changed)" in text
    assert "1. gained: s3:Put* (7 actions) on arn:aws:s3:::b/*" in text
    assert "when aws:SourceIp in 10.0.0.0/8" in text
    assert "by new.json:11:5 statement 'Upload'" in text
    assert "policysim simulate --policy new.json --action s3:PutObject" in text
    assert '{"request": {"action": "s3:PutObject"' in text
    assert "the same holds for 1 more: user carol (1)" in text
    assert "undecided: statement 2: no solver" in text


def test_against_git_revision_in_a_repository(run_cli: Any, tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    policy = _write(tmp_path / "app.json", LESS[1].read_text())
    _write(tmp_path / "package.json", '{"name": "app"}')
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    same = run_cli(
        "diff", "--against", "HEAD", "app.json", "package.json", "--skip-non-policies", cwd=tmp_path
    )
    assert same.returncode == 0, same
    _write(policy, MORE[1].read_text())
    _write(tmp_path / "fresh.json", PUBLIC_BUCKET)
    run = run_cli("diff", "--against", "HEAD", "app.json", "fresh.json", "--json", cwd=tmp_path)
    assert run.returncode == 1, run
    units = {u["name"]: u["status"] for u in json.loads(run.stdout)["units"]}
    assert units == {"app.json": "changed", "fresh.json": "added"}
    refused = run_cli("diff", "--against", "HEAD", "package.json", cwd=tmp_path)
    assert refused.returncode == 2, refused


def test_diff_over_templates(run_cli: Any, tmp_path: Path) -> None:
    def template(document: str) -> str:
        return json.dumps(
            {
                "AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {
                    "Policy": {
                        "Type": "AWS::S3::BucketPolicy",
                        "Properties": {"Bucket": "b", "PolicyDocument": json.loads(document)},
                    }
                },
            }
        )

    old = _write(tmp_path / "old.json", template(PRIVATE_BUCKET))
    new = _write(tmp_path / "new.json", template(PUBLIC_BUCKET))
    run = run_cli("diff", old, new)
    assert run.returncode == 1, run
    assert "Policy.PolicyDocument (resource, changed)" in run.stdout
    assert run_cli("diff", new, old).returncode == 0


def test_verify_unknown_action_under_json_is_one_error_object(run_cli: Any) -> None:
    run = run_cli("verify", MORE[1], "--not-granted", "s3:GetObjcet", "--json")
    assert run.returncode == 2, run
    error = json.loads(run.stdout)
    assert error["exit_code"] == 2
    assert "did you mean 's3:GetObject'" in error["error"]


UNLISTED_OLD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject*", "NotResource": "arn:aws:ec2:*:*:*"}
    ],
}
UNLISTED_NEW = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}],
}


def test_unlisted_action_finding_is_marked_and_not_offered_to_simulate(
    run_cli: Any, tmp_path: Path
) -> None:
    """Every catalog action s3:GetObject* matches names S3 objects only, which OLD allows; an
    action AWS adds under that pattern may name any ARN: new access, shown with a placeholder
    name and without a `policysim simulate` command (simulate refuses the name)."""
    old = _write(tmp_path / "old.json", json.dumps(UNLISTED_OLD))
    new = _write(tmp_path / "new.json", json.dumps(UNLISTED_NEW))
    run = run_cli("diff", old, new)
    assert run.returncode == 1, run
    assert "s3:GetObject* (actions the IAM catalog does not list yet)" in run.stdout
    assert "s3:GetObjectUnlisted stands for an action AWS may add" in run.stdout
    assert "cannot replay this one" in run.stdout
    assert "policysim simulate --batch" not in run.stdout
    data = json.loads(run_cli("diff", old, new, "--json").stdout)
    (finding,) = data["findings"]
    assert finding["unlisted_action"] is True and finding["replayable"] is False
    assert finding["request"]["action"] == "s3:GetObjectUnlisted"
    assert finding["request"]["resource"].startswith("arn:aws:ec2:")


def test_verify_not_granted_asks_about_unlisted_actions(run_cli: Any, tmp_path: Path) -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObjectZ*", "Resource": "*"}
    policy = _write(
        tmp_path / "p.json", json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )
    run = run_cli("verify", policy, "--not-granted", "s3:Get*", "--json")
    assert run.returncode == 1, run
    (finding,) = json.loads(run.stdout)["findings"]
    assert finding["request"]["action"].lower().startswith("s3:getobjectz")
    assert finding["unlisted_action"] is True
    assert run_cli("verify", policy, "--not-granted", "s3:List*").returncode == 0

"""`policysim lint` run as a user runs it: a subprocess, exit statuses, formats, settings,
suppressions, and bad input that never shows a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "policysim", "lint"]

GOOD = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "NoDelete", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    ],
}
BAD_EFFECT = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Odd", "Effect": "Maybe", "Action": "s3:DeleteBucket", "Resource": "*"}],
}
NO_VERSION = {"Statement": GOOD["Statement"]}  # PS003, a warning


def lint(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()  # stops the configuration search here
    (tmp_path / "good.json").write_text(json.dumps(GOOD, indent=2))
    (tmp_path / "bad.json").write_text(json.dumps(BAD_EFFECT, indent=2))
    (tmp_path / "warn.json").write_text(json.dumps(NO_VERSION, indent=2))
    return tmp_path


def test_clean_file_exits_0(workdir: Path) -> None:
    result = lint("good.json", cwd=workdir)
    assert result.returncode == 0, result
    assert result.stdout.strip().endswith("in 1 file")


def test_error_exits_1_with_text_lines(workdir: Path) -> None:
    result = lint("bad.json", "good.json", cwd=workdir)
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("bad.json:6:17: PS008 error ")
    assert "\x1b[" not in result.stdout


def test_fail_on(workdir: Path) -> None:
    assert lint("warn.json", cwd=workdir).returncode == 0
    assert lint("warn.json", "--fail-on", "warning", cwd=workdir).returncode == 1
    assert lint("bad.json", "--fail-on", "never", cwd=workdir).returncode == 0


def test_directory_and_json_format(workdir: Path) -> None:
    (workdir / "sub").mkdir()
    (workdir / "sub" / "package.json").write_text('{"name": "not a policy"}')
    result = lint(".", "--format", "json", cwd=workdir)
    document = json.loads(result.stdout)
    assert document["files"] == 3
    assert {f["rule"] for f in document["findings"]} >= {"PS003", "PS008"}


def test_sarif_to_file(workdir: Path) -> None:
    result = lint("bad.json", "--format", "sarif", "-o", "out.sarif", cwd=workdir)
    assert result.returncode == 1 and result.stdout == ""
    log = json.loads((workdir / "out.sarif").read_text())
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["results"][0]["ruleId"] == "PS008"


def test_github_format(workdir: Path) -> None:
    result = lint("bad.json", "--format", "github", cwd=workdir)
    assert result.stdout.startswith("::error file=bad.json,line=6,col=17,title=PS008 (error)::")


def test_skip_non_policies(workdir: Path) -> None:
    (workdir / "package.json").write_text('{"name": "x"}')
    (workdir / "tsconfig.json").write_text("{\n  // a comment\n}\n")
    assert lint("package.json", "tsconfig.json", cwd=workdir).returncode == 1
    result = lint("--skip-non-policies", "package.json", "tsconfig.json", "bad.json", cwd=workdir)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "1 finding (1 error) in 1 file"


def test_stdin(workdir: Path) -> None:
    result = lint("-", cwd=workdir, stdin=json.dumps(BAD_EFFECT).encode())
    assert result.returncode == 1
    assert result.stdout.startswith("<stdin>:1:")


def test_policy_type_option(workdir: Path) -> None:
    assert lint("good.json", "--type", "scp", cwd=workdir).returncode in (0, 1)
    result = lint("good.json", "--type", "bogus", cwd=workdir)
    assert result.returncode == 2 and "unknown policy type" in result.stderr


def test_list_rules(workdir: Path) -> None:
    result = lint("--list-rules", cwd=workdir)
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split()[:2] == ["PS001", "error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give files or directories"),
        (("missing.json",), "no such file or directory"),
        (("good.json", "--format", "xml"), "--format 'xml'"),
        (("good.json", "--fail-on", "often"), "fail-on"),
        (("good.json", "--disable", "PS999"), "unknown rule PS999"),
        (("good.json", "--config", "nope.toml"), "no such configuration file"),
        (("-", "-"), "only once"),
        (("good.json", "--bogus"), "No such option"),
    ],
)
def test_usage_errors_exit_2(workdir: Path, args: tuple[str, ...], message: str) -> None:
    result = lint(*args, cwd=workdir)
    assert result.returncode == 2, result
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_disable_and_severity_from_config(workdir: Path) -> None:
    (workdir / ".policysim.toml").write_text('[lint]\nseverity = { PS008 = "warning" }\n')
    result = lint("bad.json", cwd=workdir)
    assert result.returncode == 0 and "PS008 warning" in result.stdout
    assert lint("bad.json", "--no-config", cwd=workdir).returncode == 1
    assert lint("bad.json", "--disable", "PS008", "--no-config", cwd=workdir).returncode == 0


def test_pyproject_config_and_bad_config(workdir: Path) -> None:
    (workdir / "pyproject.toml").write_text('[tool.policysim.lint]\ndisable = ["PS008"]\n')
    assert lint("bad.json", cwd=workdir).returncode == 0
    (workdir / "pyproject.toml").write_text('[tool.policysim.lint]\ndisabled = ["PS008"]\n')
    result = lint("bad.json", cwd=workdir)
    assert result.returncode == 2 and "unknown setting 'disabled'" in result.stderr


def test_ignore_one_statement_by_sid(workdir: Path) -> None:
    (workdir / ".policysim.toml").write_text(
        '[[lint.ignore]]\npath = "bad.json"\nrules = ["PS008"]\nsid = "Odd"\n'
    )
    result = lint("bad.json", cwd=workdir)
    assert result.returncode == 0, result
    assert "1 suppressed" in result.stdout
    (workdir / ".policysim.toml").write_text(
        '[[lint.ignore]]\npath = "bad.json"\nrules = ["PS008"]\nsid = "Other"\n'
    )
    assert lint("bad.json", cwd=workdir).returncode == 1


def test_yaml_comment_suppression(workdir: Path) -> None:
    (workdir / "p.yaml").write_text(
        'Version: "2012-10-17"\n'
        "Statement:\n"
        "  - Sid: Odd  # policysim: ignore[PS008]\n"
        "    Effect: Maybe\n"
        "    Action: s3:DeleteBucket\n"
        '    Resource: "*"\n'
        "  - Sid: Odd2\n"
        "    Effect: Maybe\n"
        "    Action: s3:DeleteBucket\n"
        '    Resource: "*"\n'
    )
    result = lint("p.yaml", cwd=workdir)
    assert result.returncode == 1
    assert [line.split(":")[1] for line in result.stdout.splitlines()[:-1]] == ["8"]


def test_cloudformation_template(workdir: Path) -> None:
    (workdir / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\n"
        "Resources:\n"
        "  Bucket:\n"
        "    Type: AWS::S3::Bucket\n"
        "  Policy:\n"
        "    Type: AWS::IAM::ManagedPolicy\n"
        "    Metadata:\n"
        "      policysim:\n"
        "        ignore: [PS003]\n"
        "    Properties:\n"
        "      PolicyDocument:\n"
        "        Statement:\n"
        "          - Effect: Maybe\n"
        "            Action: s3:GetObject\n"
        "            Resource: !Sub 'arn:aws:s3:::${Bucket}/*'\n"
    )
    result = lint("template.yaml", cwd=workdir)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("template.yaml:13:21: PS008 error Policy.PolicyDocument: ")
    assert "PS003" not in result.stdout and "1 suppressed" in lines[-1]


def test_terraform_plan(workdir: Path) -> None:
    plan = {
        "format_version": "1.2",
        "terraform_version": "1.7.0",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_policy.p",
                        "mode": "managed",
                        "type": "aws_iam_policy",
                        "name": "p",
                        "values": {"policy": json.dumps(BAD_EFFECT)},
                    }
                ]
            }
        },
    }
    (workdir / "plan.json").write_text(json.dumps(plan))
    result = lint("plan.json", "--format", "json", cwd=workdir)
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "PS008"]
    assert finding["file"] == "plan.json"
    assert finding["message"].startswith("aws_iam_policy.p.policy: ")
    assert finding["pointer"] == "aws_iam_policy.p.policy/Statement/0/Effect"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("binary.json", bytes(range(256)) * 4, "PS001 error binary file"),
        ("latin1.json", b'{"Statement": "caf\xe9"}', "PS001 error not UTF-8"),
        ("broken.json", b'{"Statement": [', "PS001 error invalid JSON"),
        ("big.json", b"[" + b"1," * (5 * 1024 * 1024) + b"1]", "PS001 error file is"),
    ],
)
def test_bad_input_is_a_finding(workdir: Path, name: str, data: bytes, message: str) -> None:
    (workdir / name).write_bytes(data)
    result = lint(name, cwd=workdir)
    assert result.returncode == 1
    assert message in result.stdout


def test_template_without_policies(workdir: Path) -> None:
    (workdir / "t.yaml").write_text("Resources:\n  B:\n    Type: AWS::S3::Bucket\n")
    result = lint("t.yaml", cwd=workdir)
    assert result.returncode == 0
    assert "holds no policy documents" in result.stderr

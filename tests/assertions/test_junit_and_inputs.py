"""`policysim test --junit FILE`, "did you mean" in test files, and unknown principals as input
errors (exit 2, file:line:col) rather than failures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.account.loaders import parse_snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.assertions.junit import junit_xml
from policysim.assertions.run import run_tests
from policysim.assertions.spec import load_test_file
from policysim.cli import app
from policysim.policy.errors import PolicyError

ACCOUNT = """\
account: "111122223333"
users:
  alice:
    inline:
      Uploads:
        Version: "2012-10-17"
        Statement:
          - Sid: PutArtifacts
            Effect: Allow
            Action: s3:PutObject
            Resource: arn:aws:s3:::artifacts/*
          - Sid: NoDeletes
            Effect: Deny
            Action: s3:DeleteObject
            Resource: "*"
  bob:
    policies: [AmazonS3ReadOnlyAccess]
"""

TESTS = """\
account: account.yaml
tests:
  - name: alice uploads artifacts
    principal: user/alice
    action: [s3:PutObject, s3:DeleteObject]
    resource: arn:aws:s3:::artifacts/build.zip
    expect: Allowed
  - name: bob reads
    principal: user bob
    action: s3:GetObject
    resource: arn:aws:s3:::artifacts/build.zip
    expect: Allowed
"""

# the common JUnit schema (Jenkins junit-10.xsd): required attributes per element
REQUIRED = {
    "testsuites": set(),
    "testsuite": {"name", "tests"},
    "testcase": {"name"},
    "failure": set(),
    "properties": set(),
    "property": {"name", "value"},
    "system-out": set(),
    "system-err": set(),
}
ALLOWED_ATTRIBUTES = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
    "testsuite": {
        "name",
        "tests",
        "failures",
        "errors",
        "time",
        "disabled",
        "skipped",
        "timestamp",
        "hostname",
        "id",
        "package",
        "file",
        "log",
        "url",
        "version",
    },
    "testcase": {"name", "assertions", "time", "classname", "status"},
    "failure": {"type", "message"},
    "properties": set(),
    "property": {"name", "value"},
    "system-out": set(),
    "system-err": set(),
}


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "account.yaml").write_text(ACCOUNT)
    path = tmp_path / "iam-tests.yaml"
    path.write_text(TESTS)
    return path


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args])


def check_schema(root: ET.Element) -> None:
    assert root.tag == "testsuites"
    for element in root.iter():
        assert element.tag in REQUIRED, element.tag
        assert REQUIRED[element.tag] <= set(element.attrib), element.tag
        assert set(element.attrib) <= ALLOWED_ATTRIBUTES[element.tag], element.attrib
    for suite in root.findall("testsuite"):
        children = [child.tag for child in suite]
        # properties first, then the testcases, then system-out and system-err
        assert children[0] == "properties"
        assert children[-2:] == ["system-out", "system-err"]
        assert set(children[1:-2]) == {"testcase"}
        cases = suite.findall("testcase")
        assert int(suite.attrib["tests"]) == len(cases)
        assert int(suite.attrib["failures"]) == sum(
            1 for c in cases if c.find("failure") is not None
        )
        for number in ("time",):
            float(suite.attrib[number])


def test_junit_file_one_testcase_per_check(suite: Path) -> None:
    out = suite.parent / "reports" / "junit.xml"
    out.parent.mkdir()
    result = run("test", suite, "--junit", out)
    assert result.exit_code == 1, result.output  # alice may not delete
    root = ET.parse(out).getroot()
    check_schema(root)
    (testsuite,) = root.findall("testsuite")
    assert testsuite.attrib["name"] == str(suite)
    names = [case.attrib["name"] for case in testsuite.findall("testcase")]
    assert names == [
        "alice uploads artifacts [s3:PutObject]",
        "alice uploads artifacts [s3:DeleteObject]",
        "bob reads [s3:GetObject]",
    ]
    failures = [case.find("failure") for case in testsuite.findall("testcase")]
    assert [f is not None for f in failures] == [False, True, False]
    failure = failures[1]
    assert failure is not None
    assert failure.attrib["message"] == "expected Allowed, got ExplicitDeny"
    assert failure.attrib["type"] == "ExplicitDeny"
    text = failure.text or ""
    assert f"{suite}:3: alice uploads artifacts [s3:DeleteObject]" in text
    assert "deciding statement: Deny identity policy" in text
    assert "'NoDeletes'" in text
    assert root.attrib["tests"] == "3"
    assert root.attrib["failures"] == "1"


def test_junit_of_a_passing_run_has_no_failure(suite: Path) -> None:
    suite.write_text(TESTS.replace("s3:PutObject, s3:DeleteObject", "s3:PutObject"))
    out = suite.parent / "junit.xml"
    result = run("test", suite, "--junit", out, "--region", "eu-west-1")
    assert result.exit_code == 0, result.output
    root = ET.parse(out).getroot()
    check_schema(root)
    assert root.find("testsuite/testcase/failure") is None
    region = root.find("testsuite/properties/property")
    assert region is not None
    assert region.attrib == {"name": "region", "value": "eu-west-1"}


def test_junit_escapes_what_xml_cannot_hold(suite: Path) -> None:
    spec = load_test_file(suite)
    resolver = Resolver(parse_snapshot(ACCOUNT, "account.yaml"), managed_lookup=aws_managed)
    outcomes = run_tests(resolver, spec.tests, spec.file)
    outcome = outcomes[1]
    named = type(outcome.test)(**{**_fields(outcome.test), "name": "bad\x1b[2K name"})
    outcome.test = named
    xml = junit_xml([("f.yaml", o) for o in outcomes], 0.5)
    root = ET.fromstring(xml)
    check_schema(root)
    assert root.find("testsuite/testcase[2]").attrib["name"] == "bad\\x1b[2K name [s3:DeleteObject]"  # type: ignore[union-attr]


def _fields(test: Any) -> dict[str, Any]:
    return {name: getattr(test, name) for name in test.__dataclass_fields__}


def test_unwritable_junit_file_is_one_line_exit_2(suite: Path) -> None:
    result = run("test", suite, "--junit", suite.parent / "missing" / "junit.xml")
    assert result.exit_code == 2
    assert "--junit" in result.output and "cannot write" in result.output


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("principal: user bob", "principal: user bbo", "9:16", "did you mean 'bob'"),
        ("principal: user bob", "principal: role bob", "9:16", "no role named 'bob'"),
        (
            "expect: Allowed\n  - name: bob",
            "expect: alowed\n  - name: bob",
            "7:13",
            "did you mean 'Allowed'",
        ),
        (
            "expect: Allowed\n  - name: bob",
            "expect: explicitdney\n  - name: bob",
            "7:13",
            "did you mean 'ExplicitDeny'",
        ),
        (
            "    resource: arn:aws:s3:::artifacts/build.zip\n    expect: Allowed\n  - name",
            "    resorce: arn:aws:s3:::artifacts/build.zip\n    expect: Allowed\n  - name",
            "6:5",
            "did you mean 'resource'",
        ),
        ("account: account.yaml", "acount: account.yaml", "1:1", "did you mean 'account'"),
        ("action: s3:GetObject", "action: s3:GetObjcet", "10:13", "did you mean 's3:GetObject'"),
    ],
)
def test_unknown_names_are_input_errors_at_their_place(
    suite: Path, old: str, new: str, where: str, message: str
) -> None:
    assert old in TESTS
    suite.write_text(TESTS.replace(old, new, 1))
    junit = suite.parent / "junit.xml"
    result = run("test", suite, "--junit", junit)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"policysim: error: {suite}:{where}: "), lines[0]
    assert message in lines[0]
    assert not junit.exists()  # nothing ran: no report


def test_run_tests_raises_before_running_anything(suite: Path) -> None:
    suite.write_text(TESTS.replace("principal: user bob", "principal: user nobody"))
    spec = load_test_file(suite)
    resolver = Resolver(parse_snapshot(ACCOUNT, "account.yaml"), managed_lookup=aws_managed)
    with pytest.raises(PolicyError) as info:
        run_tests(resolver, spec.tests, spec.file)
    assert info.value.file == spec.file
    assert info.value.position is not None and info.value.position.line == 9

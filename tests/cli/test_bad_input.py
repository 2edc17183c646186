"""Malformed input through the real command line: exit 2, one located line, no traceback.

Every case runs `python -m policysim.cli` in a subprocess, so what is checked is exactly what a
user sees: the exit status, standard error, and that nothing escaped as a traceback.

Invalid *cases* inside a readable batch are not unusable input: they are answered with
`"decision": "Error"` and a reason naming the field, and the run goes on; the exit status is
then 2 (docs/cases.md).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

ALICE = "arn:aws:iam::111122223333:user/alice"
ERROR_PREFIX = "policysim: error: "


def doc(text: str) -> bytes:
    """A policy file's bytes from an indented literal (line 1 is the first line after the \\)."""
    return textwrap.dedent(text).encode()


def assert_one_line_error(run: Any, *fragments: str) -> str:
    """Exit 2, exactly one line on stderr carrying every fragment, nothing else anywhere."""
    assert run.returncode == 2, run
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run
    if "--json" in run.args:  # under --json the error is one JSON object on stdout
        payload = json.loads(run.stdout)
        assert run.stderr == "" and payload["exit_code"] == 2, run
        for fragment in fragments:
            assert fragment in payload["error"], f"{fragment!r} not in {payload!r}"
        return str(payload["error"])
    lines = run.stderr_lines
    assert len(lines) == 1, run
    line = lines[0]
    assert line.startswith(ERROR_PREFIX), run
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


# --------------------------------------------------------------------------------------------
# Malformed policy files: (file name, bytes, "line:col" or None for "any position", problem)
# --------------------------------------------------------------------------------------------

TRAILING_COMMA = doc("""\
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": "s3:GetObject",
          "Resource": "*",
        }
      ]
    }
    """)

UNCLOSED = b'{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow"'

NON_UTF8 = (
    b"{\n"
    b'  "Version": "2012-10-17",\n'
    b'  "Statement": [{\n'
    b'    "Sid": "caf\xe9",\n'  # Latin-1 e-acute: column 16 of line 4
    b'    "Effect": "Allow", "Action": "s3:*", "Resource": "*"\n'
    b"  }]\n"
    b"}\n"
)


def statement(body: str, *, version: str = "2012-10-17") -> bytes:
    """A one-statement policy; `body` is the statement's members, starting on line 5."""
    members = textwrap.indent(textwrap.dedent(body).strip("\n"), "      ")
    return (
        f'{{\n  "Version": "{version}",\n  "Statement": [\n    {{\n{members}\n    }}\n  ]\n}}\n'
    ).encode()


CONDITION_OPERATOR = """\
    "Effect": "Allow",
    "Action": "s3:GetObject",
    "Resource": "*",
    "Condition": {
      "%s": {"aws:TagKeys": "true"}
    }"""

BAD_POLICIES = [
    # --- broken JSON
    pytest.param(
        "p.json",
        TRAILING_COMMA,
        "8:5",
        r"invalid JSON: unexpected '\}'.*trailing comma",
        id="json-trailing-comma",
    ),
    pytest.param(
        "p.json",
        b"{\n  'Version': '2012-10-17',\n  'Statement': []\n}\n",
        "2:3",
        r"invalid JSON: strings must use double quotes",
        id="json-single-quotes",
    ),
    pytest.param(
        "p.json",
        b'{\n  "Version" "2012-10-17",\n  "Statement": []\n}\n',
        "2:13",
        r"invalid JSON: unexpected '\"2012-10-17\"'; expected ':'",
        id="json-missing-colon",
    ),
    pytest.param(
        "p.json",
        UNCLOSED,
        "4:23",
        r"invalid JSON: unexpected end of input",
        id="json-unclosed-brace",
    ),
    pytest.param(
        "p.json",
        b'{\n  "Version": "2012-10-17",\n  "Statement": @@garbage@@\n}\n',
        "3:16",
        r"invalid JSON: unexpected character '@'",
        id="json-garbage-value",
    ),
    pytest.param(
        "p.json",
        b"{ hello world",
        "1:3",
        r"invalid JSON: unexpected character 'h'",
        id="json-garbage",
    ),
    pytest.param(
        "p.json",
        b'{"Version": "2012-10-17", "Statement": []} trailing',
        "1:44",
        r"invalid JSON: unexpected character 't'",
        id="json-trailing-garbage",
    ),
    pytest.param(
        "p.json",
        b'{"Version": "2012-10-17", "Statement": []}{}',
        "1:43",
        r"invalid JSON: unexpected '\{'",
        id="json-two-documents",
    ),
    pytest.param(
        "p.json",
        b'{"Version": "2012-10-17", "Statement": [{"Sid": "a\\q"}]}',
        "1:49",
        r"invalid JSON: .*invalid escape",
        id="json-bad-escape",
    ),
    pytest.param(
        "p.json",
        b'{"Version": "2012-10-17"\x01}',
        "1:25",
        r"invalid JSON: control character",
        id="json-control-character",
    ),
    # --- duplicate keys (JSON loaders would silently keep the last one)
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Effect": "Deny",
            "Action": "s3:GetObject",
            "Resource": "*"
        """),
        "6:7",
        r"duplicate key 'Effect' \(first at 5:7\)",
        id="duplicate-key-effect",
    ),
    pytest.param(
        "p.json",
        b'{\n  "Statement": [],\n  "Version": "2012-10-17",\n  "Statement": []\n}\n',
        "4:3",
        r"duplicate key 'Statement' \(first at 2:3\)",
        id="duplicate-key-statement",
    ),
    # --- wrong types
    pytest.param(
        "p.json",
        statement("""\
            "Effect": ["Allow"],
            "Action": "s3:GetObject",
            "Resource": "*"
        """),
        "5:17",
        r"Statement\[0\]\.Effect: .*'Allow' or 'Deny'",
        id="type-effect-list",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": "aws:SecureTransport"
        """),
        "8:20",
        r"Statement\[0\]\.Condition: .*dictionary \(got str\)",
        id="type-condition-string",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Sid": 42,
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*"
        """),
        "5:14",
        r"Statement\[0\]\.Sid: .*string \(got int\)",
        id="type-sid-number",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Principal": ["arn:aws:iam::111122223333:root"],
            "Action": "s3:GetObject",
            "Resource": "*"
        """),
        "6:20",
        r"Statement\[0\]\.Principal: .*\(got list\)",
        id="type-principal-list",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Action": 7,
            "Resource": "*"
        """),
        "6:17",
        r"Statement\[0\]\.Action: .*\(got int\)",
        id="type-action-number",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:username": {"nested": "object"}}}
        """),
        None,
        r"Statement\[0\]\.Condition\.StringEquals\.aws:username.*string \(got dict\)",
        id="type-condition-value-object",
    ),
    # --- unknown or missing elements
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Actions": "s3:GetObject",
            "Resource": "*"
        """),
        "6:7",
        r"Statement\[0\]\.Actions: unknown element 'Actions'",
        id="unknown-element-actions",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Action": "s3:GetObject",
            "Resource": "*"
        """),
        "4:5",
        r"Statement\[0\]: missing required element 'Effect'",
        id="missing-effect",
    ),
    pytest.param(
        "p.json",
        statement("""\
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "NotAction": "ec2:*",
            "Resource": "*"
        """),
        "4:5",
        r"Statement\[0\]: Action and NotAction cannot both be present",
        id="action-and-notaction",
    ),
    # --- unknown condition operators
    pytest.param(
        "p.json",
        statement(CONDITION_OPERATOR % "StringEqual"),
        "9:9",
        r"unknown condition operator 'StringEqual'",
        id="operator-StringEqual",
    ),
    pytest.param(
        "p.json",
        statement(CONDITION_OPERATOR % "ForAllValue:StringEquals"),
        "9:9",
        r"unknown condition operator qualifier 'ForAllValue'",
        id="operator-ForAllValue",
    ),
    pytest.param(
        "p.json",
        statement(CONDITION_OPERATOR % "NullIfExists"),
        "9:9",
        r"Null operator takes no IfExists",
        id="operator-NullIfExists",
    ),
    # --- document level
    pytest.param(
        "p.json",
        statement(
            """\
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*"
            """,
            version="2020-01-01",
        ),
        "2:14",
        r"Version: .*'2012-10-17'.*\(got '2020-01-01'\)",
        id="bad-version",
    ),
    pytest.param(
        "p.json",
        b'{\n  "Version": "2012-10-17"\n}\n',
        "1:1",
        r"missing required element 'Statement'",
        id="missing-statement",
    ),
    pytest.param("p.json", b"", "1:1", r"empty document", id="empty-file"),
    pytest.param("p.json", b"  \n\n   \n", "1:1", r"empty document", id="blank-file"),
    pytest.param(
        "p.json",
        b'[\n  {"Version": "2012-10-17", "Statement": []}\n]\n',
        "1:1",
        r"a policy document must be a JSON object, not list",
        id="top-level-array",
    ),
    pytest.param(
        "p.json",
        b'"just a string"',
        "1:1",
        r"must be a JSON object, not str",
        id="top-level-string",
    ),
    pytest.param("p.json", NON_UTF8, "4:16", r"not UTF-8 text: byte 0xe9", id="non-utf8"),
    pytest.param(
        "p.json",
        b'{"Version": "2012-10-17", "Statement": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        None,
        r"nesting deeper than 64 levels",
        id="deep-arrays-1000",
    ),
    pytest.param(
        "p.json",
        b'{"a": ' * 1000 + b"1" + b"}" * 1000,
        None,
        r"nesting deeper than 64 levels",
        id="deep-objects-1000",
    ),
    pytest.param(
        "p.yaml",
        b"Version: '2012-10-17'\n"
        + b"Statement:\n"
        + b"".join(b"  " * i + b"- \n" for i in range(1, 200)),
        None,
        r"nesting deeper than 64 levels",
        id="yaml-deep-200",
    ),
    # --- YAML
    pytest.param(
        "p.yaml",
        doc("""\
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
               Action: s3:GetObject
            """),
        "4:4",
        r"invalid YAML: ",
        id="yaml-bad-indentation",
    ),
    pytest.param(
        "p.yml",
        b'Version: "2012-10-17"\nStatement: [{Effect: Allow}\n',
        "3:1",
        r"invalid YAML: did not find expected ',' or ']'",
        id="yaml-unclosed-flow",
    ),
    pytest.param(
        "p.yaml",
        b'Version: "2012-10-17"\nStatement:\n\t- Effect: Allow\n',
        "3:1",
        r"invalid YAML: found character that cannot start any token",
        id="yaml-tab",
    ),
    pytest.param(
        "p.yaml",
        b'Version: "2012-10-17"\nStatement: *missing\n',
        "2:12",
        r"invalid YAML: found undefined alias",
        id="yaml-undefined-alias",
    ),
    pytest.param(
        "p.yaml",
        doc("""\
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Effect: Deny
                Action: s3:GetObject
                Resource: "*"
            """),
        "4:5",
        r"duplicate key 'Effect' \(first at 3:5\)",
        id="yaml-duplicate-key",
    ),
]


@pytest.mark.parametrize(("name", "content", "position", "problem"), BAD_POLICIES)
def test_malformed_policy_file(
    run_cli: Any, tmp_path: Path, name: str, content: bytes, position: str | None, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    run = run_cli("simulate", "--policy", path, "--action", "s3:GetObject")
    line = assert_one_line_error(run, f"{path}:")
    located = re.escape(f"{ERROR_PREFIX}{path}:") + (
        re.escape(position) if position else r"\d+:\d+"
    )
    assert re.match(located + ": ", line), f"position {position or 'line:col'} missing: {line!r}"
    assert re.search(problem, line), f"{problem!r} not in {line!r}"
    assert run.stdout == "", run


def test_ten_megabyte_policy_is_refused_quickly(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    filler = "x" * (10 * 1024 * 1024)
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": filler, "Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    path.write_text(json.dumps(policy))
    run = run_cli("simulate", "--policy", path, "--action", "s3:GetObject", timeout=30)
    line = assert_one_line_error(run, f"{path}:1:1: ")
    assert re.search(r"file is 10,\d{3},\d{3} bytes; .*limited to 1,048,576 bytes", line), line


def test_policy_file_that_does_not_exist(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    run = run_cli("simulate", "--policy", path, "--action", "s3:GetObject")
    assert_one_line_error(run, f"{path}: ", "cannot read file", "No such file")


def test_policy_path_is_a_directory(run_cli: Any, tmp_path: Path) -> None:
    run = run_cli("simulate", "--policy", tmp_path, "--action", "s3:GetObject")
    assert_one_line_error(run, f"{tmp_path}: ", "not a regular file (a directory)")


@pytest.mark.parametrize(
    "flag", ["--policy", "--resource-policy", "--boundary", "--scp", "--rcp", "--session-policy"]
)
def test_every_policy_flag_reports_the_file(run_cli: Any, tmp_path: Path, flag: str) -> None:
    good = tmp_path / "good.json"
    good.write_text(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
    )
    bad = tmp_path / f"bad{flag}.json"
    bad.write_bytes(statement('"Effect": "Permit",\n"Action": "*",\n"Resource": "*"'))
    args = ["--policy", good] if flag != "--policy" else []
    run = run_cli(
        "simulate",
        *args,
        flag,
        bad,
        "--action",
        "s3:GetObject",
        "--principal",
        "arn:aws:sts::111122223333:assumed-role/app/alice",
    )
    assert_one_line_error(run, f"{bad}:5:17: ", "Statement[0].Effect", "'Permit'")


# --------------------------------------------------------------------------------------------
# Unusable batch files: exit 2, the line number named
# --------------------------------------------------------------------------------------------


def _policy(action: str = "s3:GetObject", effect: str = "Allow") -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": "*"}],
    }


def case(case_id: str, **changes: Any) -> dict[str, Any]:
    """A valid case (Allowed); `request=` entries update the request, others the case."""
    out: dict[str, Any] = {
        "id": case_id,
        "identity_policies": [_policy()],
        "request": {
            "principal": ALICE,
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/key",
        },
        "expected": "Allowed",
    }
    request = changes.pop("request", None)
    if request is not None:
        out["request"].update(request)
    out.update(changes)
    return out


def jsonl(*cases: dict[str, Any]) -> str:
    return "".join(json.dumps(c) + "\n" for c in cases)


GOOD_LINE = json.dumps(case("good"))

BAD_BATCHES = [
    pytest.param(f"{GOOD_LINE}\n{GOOD_LINE}\n{{not json\n", "3", r"not JSON", id="not-json"),
    pytest.param(f"{GOOD_LINE}\n\n\n[1, 2\n", "4", r"not JSON", id="after-blank-lines"),
    pytest.param(f"{GOOD_LINE}\n{GOOD_LINE[:40]}", "2", r"not JSON", id="truncated-last-line"),
    pytest.param("garbage\n", "1", r"not JSON", id="garbage-first-line"),
    pytest.param(
        f'{GOOD_LINE}\n{{"id": "a", "id": "b"}}\n',
        "2",
        r"not JSON: duplicate key 'id'",
        id="duplicate-key",
    ),
    pytest.param("{'id': 'single-quoted'}\n", "1", r"not JSON", id="single-quotes"),
    pytest.param('{"id": "x", "identity_policies": [],}\n', "1", r"not JSON", id="trailing-comma"),
]


@pytest.mark.parametrize(("text", "line", "problem"), BAD_BATCHES)
def test_batch_line_that_is_not_json(
    run_cli: Any, tmp_path: Path, text: str, line: str, problem: str
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(text)
    run = run_cli("simulate", "--batch", path)
    error = assert_one_line_error(run, f"{path}:{line}:")
    assert re.search(problem, error), error
    # The good lines before the bad one were answered; nothing after it.
    answered = [json.loads(x) for x in run.stdout.splitlines()]
    assert all(a["id"] == "good" and a["decision"] == "Allowed" for a in answered)


def test_batch_not_json_from_stdin_names_the_line(run_cli: Any) -> None:
    run = run_cli("simulate", "--batch", "-", input=f"{GOOD_LINE}\n{GOOD_LINE}\nnope\n")
    assert_one_line_error(run, "<stdin>:3:", "not JSON")


def test_batch_with_check_not_json(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{GOOD_LINE}\n{{]\n")
    run = run_cli("simulate", "--batch", path, "--check")
    assert_one_line_error(run, f"{path}:2:", "not JSON")


def test_batch_file_that_does_not_exist(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "missing.jsonl"
    run = run_cli("simulate", "--batch", path, "--check")
    assert_one_line_error(run, f"{path}: ", "cannot read file", "No such file")


def test_batch_path_is_a_directory(run_cli: Any, tmp_path: Path) -> None:
    run = run_cli("simulate", "--batch", tmp_path)
    assert_one_line_error(run, f"{tmp_path}: ", "not a regular file (a directory)")


NON_UTF8_BATCH = (GOOD_LINE + "\n" + GOOD_LINE + "\n").encode() + b'{"id": "caf\xe9"}\n'


def test_batch_non_utf8(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(NON_UTF8_BATCH)
    run = run_cli("simulate", "--batch", path)
    assert_one_line_error(run, f"{path}", "not UTF-8")


def test_batch_non_utf8_names_the_line(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(NON_UTF8_BATCH)
    run = run_cli("simulate", "--batch", path)
    assert_one_line_error(run, f"{path}:3:", "not UTF-8")


def test_batch_non_utf8_on_stdin(run_cli: Any) -> None:
    data = (
        (GOOD_LINE + "\n").encode()
        + json.dumps(case("cafX")).encode().replace(b"cafX", b"caf\xe9")
        + b"\n"
    )
    run = run_cli("simulate", "--batch", "-", input=data)
    assert_one_line_error(run, "<stdin>:2", "UTF-8")


# --------------------------------------------------------------------------------------------
# Invalid cases in a readable batch: decision Error naming the field, the run goes on
# --------------------------------------------------------------------------------------------

BAD_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Permit", "Action": "s3:*", "Resource": "*"}],
}

INVALID_CASES = [
    pytest.param(
        case("bad-arn", request={"principal": "arn:aws:iam::notanaccount"}),
        r"^request\.principal: .*'arn:aws:iam::notanaccount'",
        id="principal-not-an-arn",
    ),
    pytest.param(
        case("short-account", request={"principal": "arn:aws:iam::123:user/x"}),
        r"^request\.principal: .*12-digit account",
        id="principal-short-account",
    ),
    pytest.param(
        case("bare-name", request={"principal": "alice"}),
        r"^request\.principal: ",
        id="principal-bare-name",
    ),
    pytest.param(
        case("no-action", request={"action": None}),
        r"^request\.action: must be a non-empty string",
        id="missing-action",
    ),
    pytest.param(
        case("empty-action", request={"action": ""}),
        r"^request\.action: must be a non-empty string",
        id="empty-action",
    ),
    pytest.param(
        case("no-colon", request={"action": "GetObject"}),
        r"^request\.action: 'GetObject' is not of the form service:Action",
        id="action-without-colon",
    ),
    pytest.param(
        case("action-number", request={"action": 5}),
        r"^request\.action: ",
        id="action-number",
    ),
    pytest.param(
        case("no-principal", request={"principal": None}),
        r"^request\.principal: must be a non-empty string",
        id="missing-principal",
    ),
    pytest.param(
        case("bad-identity", identity_policies=[BAD_POLICY]),
        r"^identity_policies\[0\]\.Statement\[0\]\.Effect: .*'Permit'",
        id="identity-policy-bad-effect",
    ),
    pytest.param(
        case(
            "bad-resource-policy",
            resource_policy={"Version": "2012-10-17", "Statement": [{"Actions": "s3:*"}]},
        ),
        r"^resource_policy\.Statement\[0\]",
        id="resource-policy-unknown-element",
    ),
    pytest.param(
        case(
            "bad-scp",
            scps=[
                [
                    {
                        "Version": "2012-10-17",
                        "Statement": {
                            "Effect": "Allow",
                            "Action": "*",
                            "Resource": "*",
                            "Condition": {"StringEqual": {"aws:username": "a"}},
                        },
                    }
                ]
            ],
        ),
        r"^scps\[0\]\[0\]\.Statement\.Condition\.StringEqual: unknown condition operator",
        id="scp-unknown-operator",
    ),
    pytest.param(
        case("bad-boundary", permission_boundaries=[{"Statement": []}, "not a policy"]),
        r"^permission_boundaries\[1\]: .*must be a JSON object",
        id="boundary-not-an-object",
    ),
    pytest.param(
        case("bad-session", session_policy={"Version": "2012-10-17"}),
        r"^session_policy: missing required element 'Statement'",
        id="session-policy-missing-statement",
    ),
    pytest.param(
        case("identity-not-list", identity_policies=_policy()),
        r"^identity_policies: must be a list",
        id="identity-policies-not-a-list",
    ),
    pytest.param(
        case("scps-not-levels", scps={"root": []}),
        r"^scps: must be a list of levels",
        id="scps-not-a-list",
    ),
    pytest.param(
        case("context-object", request={"context": {"aws:SourceIp": {"ip": "10.0.0.1"}}}),
        r"^request\.context\.aws:SourceIp: must be a string, a number or a boolean, or a list",
        id="context-value-object",
    ),
    pytest.param(
        case("context-list", request={"context": {"aws:TagKeys": ["a", {"b": 1}]}}),
        r"^request\.context\.aws:TagKeys\[1\]: must be a string, a number or a boolean$",
        id="context-list-of-objects",
    ),
    pytest.param(
        case("context-string", request={"context": "aws:SourceIp=10.0.0.1"}),
        r"^request\.context: must be an object",
        id="context-not-an-object",
    ),
    pytest.param(
        {"id": "no-request", "identity_policies": []},
        r"^request: must be an object",
        id="missing-request",
    ),
    pytest.param(
        case("bad-expected", expected="Deny"),
        r"^expected: must be one of Allowed, ExplicitDeny, ImplicitDeny",
        id="expected-not-a-decision",
    ),
]


@pytest.mark.parametrize(("bad", "error"), INVALID_CASES)
def test_invalid_case_is_answered_with_error(
    run_cli: Any, tmp_path: Path, bad: dict[str, Any], error: str
) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(case("before"), bad, case("after")))
    run = run_cli("simulate", "--batch", path)
    assert run.returncode == 2, run
    assert run.stderr == "", run
    assert "Traceback" not in run.stdout
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["id"] for o in out] == ["before", bad["id"], "after"]
    assert out[0]["decision"] == out[2]["decision"] == "Allowed"
    assert out[1]["decision"] == "Error"
    assert isinstance(out[1]["error"], str) and "\n" not in out[1]["error"]
    assert re.search(error, out[1]["error"]), out[1]["error"]


def test_invalid_cases_fail_check_with_exit_2(run_cli: Any, tmp_path: Path) -> None:
    """An invalid case never counts as expected, and exit 2 beats a differing decision's 1."""
    bad = [p.values[0] for p in INVALID_CASES]
    differing = case("differs", expected="ExplicitDeny")
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(case("ok"), differing, *bad))
    run = run_cli("simulate", "--batch", path, "--check")
    assert run.returncode == 2, run
    assert "Traceback" not in run.stdout + run.stderr
    summary = " ".join(run.stdout.split())
    total = len(bad) + 2
    assert f"{total} cases: 1 as expected, 1 differ, {len(bad)} invalid" in summary, run
    assert " differs: expected " in summary
    for b in bad:
        assert f" {b['id']}: invalid " in summary, b["id"]


def test_differing_decision_alone_exits_1(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(case("ok"), case("differs", expected="ExplicitDeny")))
    run = run_cli("simulate", "--batch", path, "--check")
    assert run.returncode == 1, run
    assert "2 cases: 1 as expected, 1 differ" in " ".join(run.stdout.split())


def test_invalid_case_without_expected_still_exits_2(run_cli: Any, tmp_path: Path) -> None:
    """--check or not, an invalid case makes the run exit 2, `expected` or no `expected`."""
    bad = case("bad-arn", request={"principal": "nobody"})
    del bad["expected"]
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(case("ok"), bad))
    run = run_cli("simulate", "--batch", path, "--check", "--json")
    assert run.returncode == 2, run
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [o["decision"] for o in out] == ["Allowed", "Error"]
    assert out[1]["error"].startswith("request.principal: ")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        pytest.param("42", "a case must be a JSON object", id="number"),
        pytest.param('"a string"', "a case must be a JSON object", id="string"),
        pytest.param("[1, 2]", "a case must be a JSON object", id="array"),
        pytest.param("null", "a case must be a JSON object", id="null"),
        pytest.param('{"id": 7, "request": {}}', "id: must be a string", id="id-number"),
    ],
)
def test_json_line_that_is_not_a_case(run_cli: Any, tmp_path: Path, line: str, error: str) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(f"{GOOD_LINE}\n{line}\n")
    run = run_cli("simulate", "--batch", path)
    assert run.returncode == 2, run
    out = [json.loads(x) for x in run.stdout.splitlines()]
    assert len(out) == 2
    assert out[1]["id"] == "line-2"
    assert out[1]["decision"] == "Error"
    assert out[1]["error"] == error


# --------------------------------------------------------------------------------------------
# Malformed command-line values: exit 2, one line
# --------------------------------------------------------------------------------------------

OK_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
)

BAD_ARGS = [
    pytest.param(
        ["--context", "aws:SourceIp"],
        ["--context 'aws:SourceIp'", "KEY=VALUE"],
        id="context-no-equals",
    ),
    pytest.param(
        ["--context", "=10.0.0.1"], ["--context '=10.0.0.1'", "KEY=VALUE"], id="context-no-key"
    ),
    pytest.param(
        ["--option", "no_such_option=true"],
        ["--option 'no_such_option=true'", "NAME=VALUE"],
        id="option-unknown",
    ),
    pytest.param(
        ["--option", "rcps_apply_to_all_services"],
        ["--option", "NAME=VALUE"],
        id="option-no-equals",
    ),
    pytest.param(
        ["--option", "rcps_apply_to_all_services=maybe"],
        ["rcps_apply_to_all_services", "'maybe' is not true or false"],
        id="option-bad-bool",
    ),
    pytest.param(
        ["--option", "plain_operator_on_multivalued_key=all"],
        ["plain_operator_on_multivalued_key", "'all' is not one of"],
        id="option-bad-choice",
    ),
    pytest.param(
        ["--action", "GetObject"],
        ["--action 'GetObject' is not of the form service:Action"],
        id="action-without-colon",
    ),
    pytest.param(["--principal", "bob"], ["--principal", "'bob'"], id="principal-bare-name"),
    pytest.param(
        ["--principal", "arn:aws:iam::123:user/x"],
        ["--principal", "12-digit account"],
        id="principal-short-account",
    ),
    pytest.param(
        ["--principal", "arn:aws:s3:::bucket"],
        ["--principal", "arn:aws:s3:::bucket"],
        id="principal-s3-arn",
    ),
]


def _single(tmp_path: Path, extra: list[str]) -> list[str | Path]:
    policy = tmp_path / "p.json"
    policy.write_text(OK_POLICY)
    args: list[str | Path] = ["simulate", "--policy", policy]
    if "--action" not in extra:
        args += ["--action", "s3:GetObject"]
    return args + list(extra)


@pytest.mark.parametrize(("extra", "fragments"), BAD_ARGS)
def test_malformed_command_line_value(
    run_cli: Any, tmp_path: Path, extra: list[str], fragments: list[str]
) -> None:
    run = run_cli(*_single(tmp_path, extra))
    assert_one_line_error(run, *fragments)
    assert run.stdout == ""


def test_bad_option_in_batch_mode(run_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(jsonl(case("ok")))
    run = run_cli("simulate", "--batch", path, "--option", "nope=1")
    assert_one_line_error(run, "--option 'nope=1'")
    assert run.stdout == ""


def test_neither_batch_nor_action(run_cli: Any, tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(OK_POLICY)
    run = run_cli("simulate", "--policy", policy)
    assert_one_line_error(run, "--batch", "--action")


@pytest.mark.parametrize(
    "extra",
    [["--context", "aws:SourceIp"], ["--option", "nope=1"], ["--principal", "bob"]],
    ids=["context", "option", "principal"],
)
def test_command_line_errors_name_no_phantom_file(
    run_cli: Any, tmp_path: Path, extra: list[str]
) -> None:
    run = run_cli(*_single(tmp_path, extra))
    line = assert_one_line_error(run)
    assert "<input>" not in line


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "--no-such-flag"],
        ["frobnicate"],
        ["simulate", "--batch"],
    ],
    ids=["unknown-flag", "unknown-command", "missing-value"],
)
def test_usage_errors_are_one_line(run_cli: Any, args: list[str]) -> None:
    run = run_cli(*args)
    assert_one_line_error(run)


@pytest.mark.parametrize(
    "args",
    [["simulate", "--no-such-flag"], ["frobnicate"], ["simulate", "--batch"]],
    ids=["unknown-flag", "unknown-command", "missing-value"],
)
def test_usage_errors_exit_2_without_traceback(run_cli: Any, args: list[str]) -> None:
    run = run_cli(*args)
    assert run.returncode == 2, run
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == ""


# --------------------------------------------------------------------------------------------
# Typed condition literals IAM rejects: exit 2 at the value's line and column. ARN and string
# literals accept any text, and malformed *request* values simply never match.
# --------------------------------------------------------------------------------------------


def _condition_policy(effect: str, operator: str, key: str, value: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": effect,
                    "Action": "s3:GetObject",
                    "Resource": "*",
                    "Condition": {operator: {key: value}},
                }
            ],
        },
        indent=2,
    )


ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'

REFUSED_LITERALS = [
    # (operator, key, literal, what the error says)
    pytest.param("IpAddress", "aws:SourceIp", "10.0.0", "an IP address or CIDR", id="ip-3-octets"),
    pytest.param("IpAddress", "aws:SourceIp", "10.0.0.300/33", "an IP address", id="ip-bad"),
    pytest.param("NotIpAddress", "aws:SourceIp", "10.0.0", "an IP address", id="not-ip"),
    pytest.param("IpAddress", "aws:SourceIp", "999.1.1.1", "an IP address", id="ip-999"),
    pytest.param("DateLessThan", "aws:CurrentTime", "tomorrow", "ISO 8601", id="date-word"),
    pytest.param("DateGreaterThan", "aws:CurrentTime", "yesterday", "ISO 8601", id="date-word2"),
    pytest.param(
        "DateGreaterThan", "aws:CurrentTime", "2020-13-45T99:00:00Z", "ISO 8601", id="date-bad"
    ),
    pytest.param("NumericLessThan", "s3:max-keys", "ten", "a number", id="number-word"),
    pytest.param("Bool", "aws:SecureTransport", "maybe", "true or false", id="bool-maybe"),
    pytest.param("Null", "aws:SourceIp", "yes", "true or false", id="null-yes"),
]


@pytest.mark.parametrize(("operator", "key", "literal", "says"), REFUSED_LITERALS)
def test_typed_literal_iam_rejects_is_a_located_error(
    run_cli: Any, tmp_path: Path, operator: str, key: str, literal: str, says: str
) -> None:
    text = _condition_policy("Allow", operator, key, literal)
    policy = tmp_path / "conditional.json"
    policy.write_text(text)
    run = run_cli(
        "simulate", "--policy", policy, "--action", "s3:GetObject", "--resource", "*", "--json"
    )
    lines = text.splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if f'"{literal}"' in line)
    column = lines[line_no - 1].index(f'"{literal}"') + 1
    assert_one_line_error(run, f"{policy}:{line_no}:{column}:", repr(literal), says)


@pytest.mark.parametrize("flag", ["--boundary", "--scp", "--rcp", "--session-policy"])
def test_refused_literal_in_every_policy_option(run_cli: Any, tmp_path: Path, flag: str) -> None:
    policy = tmp_path / "allow.json"
    policy.write_text(ALLOW_ALL)
    bad = tmp_path / "bad.json"
    bad.write_text(_condition_policy("Deny", "NumericLessThan", "s3:max-keys", "ten"))
    run = run_cli("simulate", "--policy", policy, flag, bad, "--action", "s3:GetObject")
    assert_one_line_error(run, f"{bad}:", "'ten' is not a number")


def test_policy_variable_in_a_typed_literal_is_left_to_request_time(
    run_cli: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        _condition_policy("Allow", "DateGreaterThan", "aws:CurrentTime", "${aws:TokenIssueTime}")
    )
    run = run_cli(
        "simulate",
        "--policy",
        policy,
        "--action",
        "s3:GetObject",
        "--context",
        "aws:CurrentTime=2020-01-01T00:00:00Z",
        "--context",
        "aws:TokenIssueTime=2019-01-01T00:00:00Z",
    )
    assert run.returncode in (0, 1), run  # answered: not refused as a malformed date
    assert run.stderr == "", run


EVALUATED_LITERALS = [
    # (effect, operator, key, literal, context, decision)
    pytest.param(
        "Allow",
        "ArnLike",
        "aws:PrincipalArn",
        "not-an-arn",
        "aws:PrincipalTag/x=y",
        "ImplicitDeny",
        id="arn-not-an-arn",
    ),
    pytest.param(
        "Allow",
        "ArnEquals",
        "aws:SourceArn",
        "arn:aws",
        "aws:SourceArn=arn:aws:s3:::b",
        "ImplicitDeny",
        id="arn-truncated",
    ),
    # malformed *request* values are refused before evaluation: test_context_values_cli.py
]


@pytest.mark.parametrize(
    ("effect", "operator", "key", "literal", "context", "decision"), EVALUATED_LITERALS
)
def test_malformed_condition_literal_evaluates(
    run_cli: Any,
    tmp_path: Path,
    effect: str,
    operator: str,
    key: str,
    literal: str,
    context: str,
    decision: str,
) -> None:
    conditional = tmp_path / "conditional.json"
    conditional.write_text(_condition_policy(effect, operator, key, literal))
    run = run_cli(
        "simulate",
        "--policy",
        conditional,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::bucket/key",
        "--context",
        context,
        "--json",
    )
    assert "Traceback" not in run.stdout + run.stderr
    assert run.returncode == (0 if decision == "Allowed" else 1), run
    assert json.loads(run.stdout)["decision"] == decision


def test_malformed_condition_literals_in_a_batch(run_cli: Any, tmp_path: Path) -> None:
    ip = json.loads(_condition_policy("Allow", "IpAddress", "aws:SourceIp", "10.0.0"))
    date = json.loads(_condition_policy("Deny", "DateLessThan", "aws:CurrentTime", "tomorrow"))
    ctx = {"aws:SourceIp": "10.0.0.1", "aws:CurrentTime": "2020-01-01T00:00:00Z"}
    path = tmp_path / "cases.jsonl"
    path.write_text(
        jsonl(
            case("ip", identity_policies=[ip], request={"context": ctx}, expected="ImplicitDeny"),
            case("date", scps=[[date, _policy()]], request={"context": ctx}),
            case("fine"),
        )
    )
    run = run_cli("simulate", "--batch", path, "--check", "--json")
    assert run.returncode == 2, run
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(o["id"], o["decision"]) for o in out] == [
        ("ip", "Error"),
        ("date", "Error"),
        ("fine", "Allowed"),
    ]
    assert out[0]["error"] == (
        "identity_policies[0].Statement[0].Condition.IpAddress.aws:SourceIp:"
        " '10.0.0' is not an IP address or CIDR"
    )
    assert out[1]["error"].startswith("scps[0][0].Statement[0].Condition.DateLessThan")

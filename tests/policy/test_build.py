"""Validation errors are located `PolicyError`s with file, line:col and path (policy/build.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policysim.policy.build import load_policy, parse_policy, policy_from_data
from policysim.policy.errors import PolicyError, Position

# Each case: policy text, the expected path, the expected position, a fragment of the message.
# The position is where a reader should look: the offending value, the unknown key, or the
# object that lacks a required key.
INVALID = {
    "missing-effect": (
        '{\n  "Statement": [\n    {\n      "Action": "s3:GetObject",\n      "Resource": "*"\n'
        "    }\n  ]\n}",
        "Statement[0]",
        Position(3, 5),
        "missing required element 'Effect'",
    ),
    "effect-wrong-case": (
        '{\n  "Statement": [\n    {\n      "Effect": "allow",\n      "Action": "s3:GetObject",\n'
        '      "Resource": "*"\n    }\n  ]\n}',
        "Statement[0].Effect",
        Position(4, 17),
        "'allow'",
    ),
    "unknown-statement-element": (
        '{\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "s3:GetObject",\n'
        '      "Resorce": "*"\n    }\n  ]\n}',
        "Statement[0].Resorce",
        Position(6, 7),
        "unknown element 'Resorce'",
    ),
    "unknown-top-level-element": (
        '{"Statement": [], "Foo": 1}',
        "Foo",
        Position(1, 19),
        "unknown element 'Foo'",
    ),
    "missing-statement": (
        '{"Version": "2012-10-17"}',
        None,
        Position(1, 1),
        "missing required element 'Statement'",
    ),
    "bad-version": (
        '{"Version": "2012-10-18", "Statement": []}',
        "Version",
        Position(1, 13),
        "'2012-10-18'",
    ),
    "no-action-single-statement": (
        '{"Statement": {"Effect": "Allow", "Resource": "*"}}',
        "Statement",
        Position(1, 15),
        "exactly one of Action or NotAction",
    ),
    "action-and-not-action": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", '
        '"NotAction": "a:c", "Resource": "*"}]}',
        "Statement[0]",
        Position(1, 16),
        "Action and NotAction cannot both be present",
    ),
    "resource-and-not-resource": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", '
        '"Resource": "*", "NotResource": "*"}]}',
        "Statement[0]",
        Position(1, 16),
        "Resource and NotResource cannot both be present",
    ),
    "principal-and-not-principal": (
        '{"Statement": [{"Effect": "Deny", "Action": "a:b", '
        '"Principal": "*", "NotPrincipal": "*"}]}',
        "Statement[0]",
        Position(1, 16),
        "Principal and NotPrincipal cannot both be present",
    ),
    "principal-bare-arn": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b",\n'
        ' "Principal": "arn:aws:iam::1:root"}]}',
        "Statement[0].Principal",
        Position(2, 15),
        'a Principal must be "*" or an object',
    ),
    "principal-unknown-type": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b",\n "Principal": {"Aws": "x"}}]}',
        "Statement[0].Principal",
        Position(2, 15),
        "unknown principal type 'Aws'",
    ),
    "unknown-operator": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",\n'
        ' "Condition": {"StringEqualz": {"k": "v"}}}]}',
        "Statement[0].Condition.StringEqualz",
        Position(2, 16),
        "unknown condition operator 'StringEqualz'",
    ),
    "unknown-qualifier": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",\n'
        ' "Condition": {"ForSomeValues:StringEquals": {"k": "v"}}}]}',
        "Statement[0].Condition.ForSomeValues:StringEquals",
        Position(2, 16),
        "qualifier 'ForSomeValues'",
    ),
    "null-if-exists": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",\n'
        ' "Condition": {"NullIfExists": {"k": "true"}}}]}',
        "Statement[0].Condition.NullIfExists",
        Position(2, 16),
        "Null operator takes no IfExists",
    ),
    "malformed-condition-key": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",\n'
        ' "Condition": {"StringEquals": {"a b": "v"}}}]}',
        "Statement[0].Condition.StringEquals.a b",
        Position(2, 33),
        "malformed condition key 'a b'",
    ),
    "action-number": (
        '{"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}',
        "Statement[0].Action",
        Position(1, 46),
        "(got int)",
    ),
    "action-list-with-number": (
        '{"Statement": [{"Effect": "Allow", "Action": ["a:b", 5], "Resource": "*"}]}',
        "Statement[0].Action[1]",
        Position(1, 54),
        "(got int)",
    ),
    "condition-list-with-null": (
        '{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",\n'
        ' "Condition": {"StringEquals": {"k": ["a", null]}}}]}',
        "Statement[0].Condition.StringEquals.k[1]",
        Position(2, 44),
        "(got NoneType)",
    ),
    "sid-number": (
        '{"Statement": [{"Sid": 1, "Effect": "Allow", "Action": "a:b", "Resource": "*"}]}',
        "Statement[0].Sid",
        Position(1, 24),
        "(got int)",
    ),
    "statement-string": (
        '{"Statement": "x"}',
        "Statement",
        Position(1, 15),
        "(got str)",
    ),
    "second-statement": (
        '{"Statement": [\n {"Effect": "Allow", "Action": "a:b", "Resource": "*"},\n'
        ' {"Effect": "Permit", "Action": "a:b", "Resource": "*"}\n]}',
        "Statement[1].Effect",
        Position(3, 13),
        "'Permit'",
    ),
}


@pytest.mark.parametrize(("text", "path", "position", "fragment"), INVALID.values(), ids=INVALID)
def test_every_validation_error_is_located(
    text: str, path: str | None, position: Position, fragment: str
) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.json")
    err = info.value
    assert (err.file, err.position, err.path) == ("p.json", position, path)
    assert fragment in err.message
    where = f"p.json:{position}: "
    assert str(err) == where + (f"{path}: {err.message}" if path else err.message)


@pytest.mark.parametrize(("text", "path", "position", "fragment"), INVALID.values(), ids=INVALID)
def test_plain_data_errors_name_the_same_path(
    text: str, path: str | None, position: Position, fragment: str
) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_data(json.loads(text))
    err = info.value
    assert err.path == path
    assert err.position is None
    assert fragment in err.message


def test_scalar_condition_value_error_names_the_key_not_an_index() -> None:
    text = '{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*",\n'
    text += ' "Condition": {"StringEquals": {"k": null}}}]}'
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.json")
    assert info.value.position == Position(2, 38)  # this part already holds
    assert info.value.path == "Statement[0].Condition.StringEquals.k"


@pytest.mark.parametrize("text", ["[1]", '"x"', "3"])
def test_document_must_be_an_object(text: str) -> None:
    with pytest.raises(PolicyError, match="must be a JSON object") as info:
        parse_policy(text, "p.json")
    assert info.value.position == Position(1, 1)


def test_yaml_validation_errors_are_located_too() -> None:
    text = "Statement:\n  - Effect: Allow\n    Action: s3:GetObject\n    Resorce: '*'\n"
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "p.yaml")
    assert (info.value.position, info.value.path) == (Position(4, 5), "Statement[0].Resorce")


def test_statements_and_policy_carry_their_positions() -> None:
    text = '{\n  "Statement": [\n    {"Effect": "Allow", "Action": "a:b", "Resource": "*"},\n'
    text += '    {"Effect": "Deny", "Action": "a:b", "Resource": "*"}\n  ]\n}'
    policy = parse_policy(text, "p.json")
    assert policy.file == "p.json"
    assert policy.position == Position(1, 1)
    assert [s.position for s in policy.statements] == [Position(3, 5), Position(4, 5)]
    assert [s.index for s in policy.statements] == [0, 1]


def test_single_statement_object_carries_its_position() -> None:
    policy = parse_policy('{"Statement":\n  {"Effect": "Allow", "Action": "a:b"}}', "p.json")
    assert policy.statements[0].position == Position(2, 3)


def test_plain_data_has_no_positions() -> None:
    policy = policy_from_data({"Statement": [{"Effect": "Allow", "Action": "a:b"}]}, file="x")
    assert policy.file == "x"
    assert policy.position is None
    assert policy.statements[0].position is None


def test_syntax_errors_come_from_the_source_parser() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy('{"Statement": [}', "p.json")
    assert info.value.position == Position(1, 16)


def test_load_policy_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"Statement": {"Effect": "Allow", "Action": "a:b"}}')
    policy = load_policy(path)
    assert policy.file == str(path)
    assert policy.statements[0].action == ("a:b",)


def test_load_policy_reports_an_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(PolicyError) as info:
        load_policy(missing)
    assert info.value.file == str(missing)
    assert "cannot read file" in info.value.message

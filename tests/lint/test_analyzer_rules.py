"""PS123, PS124, PS231, PS232, PS426, PS427, PS519-PS521: the Access Analyzer checks that had no
rule, beyond the catalog's example and near miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.engine.condition_block import compile_conditions, conditions_hold
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Context
from policysim.lint.config import LintConfig
from policysim.lint.finding import Finding, Severity
from policysim.lint.inputs.run import lint_paths
from policysim.lint.policy_type import PolicyKind
from policysim.lint.registry import all_rules
from policysim.lint.rules.analyzer import (
    WildcardMeaning,
    kms_key_value_problem,
    wildcard_meaning,
)
from policysim.lint.runner import LintOptions, lint_source
from policysim.policy.operators import BASE_OPERATORS, Qualifier, parse_operator

REPO = Path(__file__).resolve().parents[2]
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _lint(
    rules: str | set[str], *statements: Any, kind: PolicyKind = PolicyKind.IDENTITY
) -> list[Finding]:
    wanted = {rules} if isinstance(rules, str) else rules
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    options = LintOptions(enabled=frozenset(wanted))
    return [f for f in lint_source(text, "p.json", kind=kind, options=options) if f.rule in wanted]


def _stmt(condition: dict[str, Any], effect: str = "Allow", **kw: Any) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Action": "s3:ListBucket",
        "Resource": "*",
        "Condition": condition,
        **kw,
    }


# --- PS123 ---------------------------------------------------------------------------------------


def test_missing_qualifier_on_every_multivalued_key_but_not_on_null_or_single_keys() -> None:
    found = _lint(
        "PS123",
        _stmt(
            {
                "StringLike": {"aws:CalledVia": "cloudformation.amazonaws.com"},
                "Null": {"aws:TagKeys": "false"},
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
            }
        ),
        _stmt({"ForAnyValue:StringEquals": {"aws:TagKeys": "env"}}, effect="Deny"),
        _stmt({"StringEqualsIfExists": {"aws:TagKeys": "env"}}, effect="Deny"),
    )
    assert [(f.statement, f.severity) for f in found] == [(0, Severity.ERROR), (2, Severity.ERROR)]
    assert "aws:CalledVia" in found[0].message
    assert found[1].hint == "ForAnyValue:StringEqualsIfExists or ForAllValues:StringEqualsIfExists"


def test_missing_qualifier_ignores_keys_the_catalog_does_not_know() -> None:
    assert _lint("PS123", _stmt({"StringEquals": {"example.com:groups": "admins"}})) == []


# --- PS124 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("alias/app-data", "names a KMS alias"),
        ("arn:aws:kms:eu-west-1:123456789012:alias/app-data", "names a KMS alias"),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", "is a bare key ID"),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", "is a bare key ID"),
        ("arn:aws:kms:eu-west-1:123456789012:grant/abc", "is a KMS ARN but not of a key"),
        (KEY_ARN, None),
        ("arn:aws:kms:*:123456789012:key/*", None),
        ("arn:aws:kms:eu-west-1:123456789012:*", None),
        ("*", None),
        ("${aws:PrincipalTag/kms-key}", None),
        (
            "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/app",
            "names a KMS alias",
        ),
        ("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}", None),
        ("${KeyAlias}", None),
        ("alias${Suffix}", None),
        ("{{resolve:ssm:key}}", None),
    ],
)
def test_kms_key_value_problem(value: str, problem: str | None) -> None:
    assert kms_key_value_problem(value) == problem


def test_kms_key_rule_reports_each_bad_value_at_the_value() -> None:
    key = "s3:x-amz-server-side-encryption-aws-kms-key-id"
    found = _lint(
        "PS124",
        _stmt({"StringEquals": {key: [KEY_ARN, "alias/a", "alias/b"]}}, Action="s3:PutObject"),
        _stmt({"Null": {key: "false"}}, Action="s3:PutObject"),
    )
    assert [f.pointer for f in found] == [
        f"/Statement/0/Condition/StringEquals/{key}/1",
        f"/Statement/0/Condition/StringEquals/{key}/2",
    ]


# --- PS231 ---------------------------------------------------------------------------------------

ATTRS = {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "Song"]}}


def test_attributes_without_select() -> None:
    def stmt(extra: dict[str, Any], effect: str = "Allow") -> dict[str, Any]:
        return _stmt({**ATTRS, **extra}, effect=effect, Action="dynamodb:Query")

    (found,) = _lint("PS231", stmt({}))
    assert found.severity is Severity.SECURITY and found.pointer.endswith("dynamodb:Attributes")
    assert (
        _lint("PS231", stmt({"StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}))
        == []
    )
    assert _lint(
        "PS231", stmt({"StringEquals": {"dynamodb:Select": ["SPECIFIC_ATTRIBUTES", "COUNT"]}})
    )
    assert _lint("PS231", stmt({"StringNotEquals": {"dynamodb:Select": "ALL_ATTRIBUTES"}}))
    assert _lint("PS231", stmt({}, effect="Deny")) == []


# --- PS232 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effect", "operator", "fires"),
    [
        ("Deny", "StringLike", True),
        ("Deny", "StringEquals", True),
        ("Allow", "StringNotLike", True),
        ("Allow", "StringNotEqualsIfExists", True),
        ("Deny", "StringNotLike", False),
        ("Allow", "StringLike", False),
        ("Deny", "Null", False),
    ],
)
def test_prefix_negative_context(effect: str, operator: str, fires: bool) -> None:
    value = "true" if operator == "Null" else "private/*"
    found = _lint("PS232", _stmt({operator: {"s3:prefix": value}}, effect=effect))
    assert bool(found) is fires


# --- PS426 / PS427 -------------------------------------------------------------------------------


def _rcp(condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": condition,
    }


def test_rcp_source_perimeter_rules() -> None:
    perimeter = {"StringNotEqualsIfExists": {"aws:SourceAccount": "123456789012"}}
    both = {"PS426", "PS427"}
    found = _lint(both, _rcp(perimeter), kind=PolicyKind.RCP)
    assert sorted((f.rule, f.severity) for f in found) == [
        ("PS426", Severity.WARNING),
        ("PS427", Severity.WARNING),
    ]
    complete = {
        **perimeter,
        "Null": {"aws:SourceArn": "false"},
        "Bool": {"aws:PrincipalIsAWSService": "true"},
    }
    assert _lint(both, _rcp(complete), kind=PolicyKind.RCP) == []
    # A PrincipalIsAWSService test that excludes services does not scope to them.
    wrong = {**perimeter, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}
    assert [f.rule for f in _lint("PS426", _rcp(wrong), kind=PolicyKind.RCP)] == ["PS426"]
    absent = {**perimeter, "Null": {"aws:PrincipalIsAWSService": "true"}}
    assert [f.rule for f in _lint("PS426", _rcp(absent), kind=PolicyKind.RCP)] == ["PS426"]
    # Only RCPs, and only source keys.
    assert _lint(both, _rcp(perimeter), kind=PolicyKind.RESOURCE) == []
    principal = {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    assert _lint(both, _rcp(principal), kind=PolicyKind.RCP) == []


# --- PS519-PS521 ---------------------------------------------------------------------------------


def test_wildcard_rules_name_the_redundant_values() -> None:
    rules = {"PS519", "PS520", "PS521"}
    key = "aws:RequestTag/team"
    found = _lint(
        rules,
        _stmt({"StringLike": {key: ["a", "*"]}}),
        _stmt({"StringNotLike": {key: "*"}}, effect="Deny"),
        _stmt({"ForAllValues:StringLike": {"aws:TagKeys": "*"}}),
        _stmt({"StringLike": {key: "a*"}, "ForAnyValue:StringNotLike": {"aws:TagKeys": "*"}}),
    )
    assert [(f.rule, f.statement) for f in found] == [("PS519", 0), ("PS520", 1), ("PS521", 2)]
    # A multivalued key without a qualifier is reported once, by PS123.
    plain = _stmt({"StringLike": {"aws:TagKeys": "*"}})
    assert [f.rule for f in _lint(rules | {"PS123"}, plain)] == ["PS123"]
    assert "the other values (a) add nothing" in found[0].message
    assert all(f.severity is Severity.SUGGESTION for f in found)


_LIKE_OPERATORS = sorted(
    f"{qualifier}{base}{suffix}"
    for base, (_family, positive, _negated) in BASE_OPERATORS.items()
    if positive in ("StringLike", "ArnLike")
    for qualifier in ("", "ForAllValues:", "ForAnyValue:")
    for suffix in ("", "IfExists")
)
_ARNS = st.builds(
    "arn:aws:{}:eu-west-1:123456789012:{}".format,
    st.sampled_from(["s3", "iam", "sqs"]),
    st.text("abcdef/-", min_size=1, max_size=8),
)
_VALUES = st.text(min_size=1, max_size=8) | _ARNS


@settings(max_examples=60, deadline=None)
@given(
    operator=st.sampled_from(_LIKE_OPERATORS),
    others=st.lists(_VALUES, max_size=2),
    request=st.none() | _VALUES | st.lists(_VALUES, min_size=1, max_size=3),
)
def test_wildcard_meaning_agrees_with_the_engine(
    operator: str, others: list[str], request: str | list[str] | None
) -> None:
    """What PS519-PS521 claim a `*` test reduces to is what the evaluator decides, for every
    Like operator, qualifier and IfExists, with or without other values beside the `*`."""
    op = parse_operator(operator)
    if op.qualifier is None and not isinstance(request, str | None):
        return  # a multivalued key without a qualifier is PS123's, and skipped by these rules
    if op.family.value == "Arn" and request is not None:
        # ARN keys only ever hold ARNs.
        values = [request] if isinstance(request, str) else request
        if not all(v.startswith("arn:") for v in values):
            return
    meaning = wildcard_meaning(op)
    block = {operator: {"k": (*others, "*")}}
    context = Context({} if request is None else {"k": request})
    holds = conditions_hold(
        compile_conditions(block, substitutes_variables=True), context, EvaluationOptions()
    )
    if meaning is WildcardMeaning.ALWAYS:
        assert holds
    elif meaning is WildcardMeaning.NULL_FALSE:
        assert holds is (request is not None)
    elif meaning is WildcardMeaning.NULL_TRUE:
        assert holds is (request is None)
    else:  # only ForAnyValue:...NotLike without IfExists is left out: it never holds
        assert op.qualifier is Qualifier.FOR_ANY_VALUE and op.negated and not op.if_exists
        assert not holds


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_reports_the_new_rules(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # stops the configuration search here
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            _stmt({"StringEquals": {"aws:TagKeys": "env"}}, effect="Deny"),
            _stmt({"StringLike": {"s3:prefix": "private/*"}}, effect="Deny"),
            _stmt({"StringLike": {"aws:ResourceTag/team": "*"}}),
        ],
    }
    (tmp_path / "p.json").write_text(json.dumps(policy, indent=2))
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "policysim", "lint", "p.json", "--format", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 1  # PS123 is an error
    findings = json.loads(result.stdout)["findings"]
    located = {(f["rule"], f["line"]) for f in findings}
    text = (tmp_path / "p.json").read_text().splitlines()
    tag_keys = next(i for i, line in enumerate(text, 1) if '"aws:TagKeys"' in line)
    assert ("PS123", tag_keys) in located
    assert {"PS123", "PS232", "PS519"} <= {f["rule"] for f in findings}


# --- the evaluator agrees with the rules' reasons -----------------------------------------------


def _holds(block: dict[str, dict[str, Any]], context: Mapping[str, str | list[str]]) -> bool:
    compiled = compile_conditions(
        {
            op: {k: (v,) if isinstance(v, str) else tuple(v) for k, v in keys.items()}
            for op, keys in block.items()
        },
        substitutes_variables=True,
    )
    return conditions_hold(compiled, Context(context), EvaluationOptions())


def test_a_shorter_prefix_escapes_a_positive_deny_but_not_a_negated_one() -> None:
    flagged = {"StringLike": {"s3:prefix": "private/*"}}  # PS232 in a Deny
    advised = {"StringNotLike": {"s3:prefix": ["public/", "public/*"]}}  # its near miss
    for shorter in ({"s3:prefix": "priv"}, {"s3:prefix": ""}, {}):
        assert not _holds(flagged, shorter)  # the Deny does not apply: the listing is allowed
        assert _holds(advised, shorter)  # the advised Deny applies
    assert _holds(flagged, {"s3:prefix": "private/a"})


def test_an_attribute_allow_list_passes_reads_without_a_projection() -> None:
    attributes = {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId"]}}
    select = {"StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}}
    whole_item = {"dynamodb:Select": "ALL_ATTRIBUTES"}  # no projection: no attributes named
    assert _holds(attributes, whole_item)  # PS231's example allows it
    assert not _holds({**attributes, **select}, whole_item)  # its near miss does not


def test_an_rcp_source_perimeter_without_scoping_denies_your_own_roles() -> None:
    perimeter = {"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-a1b2c3d4e5"}}
    own_role = {"aws:PrincipalIsAWSService": "false", "aws:PrincipalOrgID": "o-a1b2c3d4e5"}
    assert _holds(perimeter, own_role)  # PS426: the Deny applies to your role
    scoped = {**perimeter, "BoolIfExists": {"aws:PrincipalIsAWSService": "true"}}
    assert not _holds(scoped, own_role)
    sourceless_service_call = {"aws:PrincipalIsAWSService": "true"}
    assert _holds(scoped, sourceless_service_call)  # PS427: a service call with no source
    checked = {**scoped, "Null": {"aws:SourceAccount": "false"}}
    assert not _holds(checked, sourceless_service_call)
    assert _holds(
        checked,
        {
            **sourceless_service_call,
            "aws:SourceOrgID": "o-other12345",
            "aws:SourceAccount": "999999999999",
        },
    )


# --- the managed corpus --------------------------------------------------------------------------

CORPUS = REPO.parent / "shared" / "corpus" / "aws-managed"
NEW_RULES = frozenset(
    {"PS123", "PS124", "PS231", "PS232", "PS426", "PS427", "PS519", "PS520", "PS521"}
)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus/aws-managed is absent")
def test_on_aws_managed_policies_only_the_expected_findings() -> None:
    """AWS's own policies: PS519 flags `StringLike tag "*"` (AWS's way to say "tag present", a
    correct suggestion), PS123 the three `StringEquals` on `events:detail-type` (typed
    `ArrayOfString`); no other new rule fires."""
    files = sorted(str(p) for p in CORPUS.glob("*.json"))
    config = LintConfig(disable=frozenset(all_rules()) - NEW_RULES)
    run = lint_paths(files, config, jobs=2)
    counts = Counter(f.rule for f in run.findings)
    assert set(counts) == {"PS123", "PS519"}, counts
    assert {f.message.split("'")[1] for f in run.findings if f.rule == "PS123"} == {
        "events:detail-type"
    }
    assert counts["PS519"] >= 100
    assert all(
        '"*" only checks that the key is present' in f.message
        for f in run.findings
        if f.rule == "PS519"
    )

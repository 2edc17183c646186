"""Infrastructure code written the way AWS documents it lints clean; one real problem hidden
among intrinsics (CloudFormation) or unknown values (Terraform) is still caught.

Fixtures: tests/lint/data/templates/{good,bad} and tests/lint/data/plans.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from policysim.lint.config import LintConfig
from policysim.lint.finding import Finding, Severity
from policysim.lint.inputs import load_bytes, load_path
from policysim.lint.inputs.intrinsics import (
    TemplateValues,
    evaluate_text,
    parse_tagged_yaml,
    resolve_intrinsics,
)
from policysim.lint.inputs.run import LintRun, lint_loaded, lint_paths
from policysim.lint.policy_type import PolicyKind
from policysim.policy.unknown import (
    MARK,
    has_unknown,
    is_unknown,
    literal_parts,
    show,
    stand_in,
    unknown,
)
from policysim.policy.variables import find_variables

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
GOOD = sorted((DATA / "templates" / "good").iterdir())
BAD = DATA / "templates" / "bad"
PLANS = DATA / "plans"
SERIOUS = (Severity.ERROR, Severity.SECURITY)


def _lint(*paths: Path) -> list[Finding]:
    run = lint_paths([str(p) for p in paths], LintConfig())
    return run.findings


def _serious(findings: list[Finding]) -> list[str]:
    return [
        f"{f.file}:{f.line}:{f.column} {f.rule} {f.message}"
        for f in findings
        if f.severity in SERIOUS
    ]


# --- templates as AWS documents them ---------------------------------------------------------


def test_at_least_eight_documented_templates() -> None:
    assert len(GOOD) >= 8
    texts = "\n".join(p.read_text() for p in GOOD)
    for construct in (
        "${AWS::Partition}",
        "${AWS::AccountId}",
        ".Arn}/*",
        "!Join",
        "!Sub\n",  # the list form
        "AWS::NoValue",
        '"Fn::Sub"',
        "!FindInMap",
        "!Select",
        "!ImportValue",
    ):
        assert construct in texts, construct


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_documented_template_has_no_serious_finding(path: Path) -> None:
    loaded = load_path(str(path))
    assert loaded.source == "cloudformation"
    assert loaded.targets, "every fixture holds policy documents"
    findings = _lint(path)
    assert _serious(findings) == []
    for finding in findings:  # placeholders never leak into what users read
        assert MARK not in finding.message


@pytest.mark.parametrize(
    ("name", "rule", "line", "column"),
    [
        ("admin-managed-policy.yaml", "PS201", 20, 13),
        ("public-bucket-policy.yaml", "PS413", 14, 13),
        ("typo-action.yaml", "PS102", 23, 21),
        ("bad-region.yaml", "PS116", 20, 27),
        ("unbound-service-principal.json", "PS418", 14, 13),
        ("open-trust.json", "PS401", 14, 55),
    ],
)
def test_problem_hidden_among_intrinsics_is_caught(
    name: str, rule: str, line: int, column: int
) -> None:
    findings = _lint(BAD / name)
    hits = [f for f in findings if f.rule == rule]
    assert hits, _serious(findings)
    assert (hits[0].line, hits[0].column) == (line, column)  # a place in the template's text
    assert hits[0].severity in SERIOUS


def test_bad_templates_raise_nothing_about_the_intrinsics() -> None:
    """Besides the planted problem (and what it implies), nothing serious is reported."""
    planted = {"PS102", "PS116", "PS401", "PS413", "PS418"}
    for finding in _lint(BAD):
        if finding.severity not in SERIOUS or finding.file.endswith("admin-managed-policy.yaml"):
            continue  # `*` on `*` implies many escalation findings
        assert finding.rule in planted, finding


def test_region_message_shows_the_template_text() -> None:
    (finding,) = [f for f in _lint(BAD / "bad-region.yaml") if f.rule == "PS116"]
    assert "'arn:aws:logs:eu-west-9:${AWS::AccountId}:log-group:/aws/lambda/*'" in finding.message


def test_cli_passes_documented_templates_and_fails_a_bad_one(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "policysim", "lint"]
    good = subprocess.run(
        [*command, *map(str, GOOD)], capture_output=True, text=True, env=env, timeout=300
    )
    assert good.returncode == 0, good.stdout
    bad = subprocess.run(
        [*command, str(BAD / "public-bucket-policy.yaml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert bad.returncode == 1
    assert "public-bucket-policy.yaml:14:13: PS413 security" in bad.stdout


# --- evaluation of intrinsics ------------------------------------------------------------------

TEMPLATE = """\
Parameters:
  Env: {Type: String, Default: prod}
  Account: {Type: String}
Mappings:
  Accounts:
    prod: {Id: "111122223333", Regions: [eu-west-1, eu-central-1]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub "${Env}-events"}}
  Bucket: {Type: AWS::S3::Bucket}
  Role: {Type: AWS::IAM::Role}
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Thing: {Type: AWS::Custom::Thing}
"""


def _eval(yaml_value: str) -> str | None:
    root = parse_tagged_yaml(TEMPLATE)
    node = parse_tagged_yaml(f"v: {yaml_value}\n").value["v"]
    return evaluate_text(node, TemplateValues.of(root))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("!Ref AWS::Partition", "aws"),
        ("!Sub 'lambda.${AWS::URLSuffix}'", "lambda.amazonaws.com"),
        ("!Ref AWS::Region", "${AWS::Region}"),
        ("!Ref Env", "prod"),
        ("!Ref Account", "${Account}"),
        ("!Ref Topic", "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:prod-events"),
        ("!GetAtt Topic.TopicName", "prod-events"),
        ("!Ref Bucket", "${Bucket}"),
        ("!GetAtt Bucket.Arn", "arn:aws:s3:::${Bucket}"),
        ("!Sub '${Bucket.Arn}/*'", "arn:aws:s3:::${Bucket}/*"),
        ("!GetAtt Role.Arn", "arn:aws:iam::${AWS::AccountId}:role/${Role}"),
        ("!GetAtt Queue.Arn", "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs"),
        ("!GetAtt Thing.Arn", "${Thing.Arn}"),
        ("!Sub ['arn:${P}:s3:::${B}', {P: !Ref AWS::Partition, B: x}]", "arn:aws:s3:::x"),
        ("!Sub 'arn:aws:s3:::b/${!aws:username}/*'", "arn:aws:s3:::b/${aws:username}/*"),
        ("!Join ['', ['arn:', !Ref AWS::Partition, ':s3:::b']]", "arn:aws:s3:::b"),
        ("!Join [':', !Ref Account]", "${Fn::Join}"),
        ("!FindInMap [Accounts, !Ref Env, Id]", "111122223333"),
        ("!FindInMap [Accounts, !Ref Account, Id]", "${Fn::FindInMap}"),
        ("!Select [1, !FindInMap [Accounts, prod, Regions]]", "eu-central-1"),
        ("!Select [1, !Split [',', 'a,b,c']]", "b"),
        ("!Select [0, !Split [',', !Ref Account]]", "${Fn::Select}"),
        ("!ImportValue shared-BucketArn", "${Fn::ImportValue_shared-BucketArn}"),
        ("!If [IsProd, a, b]", "a"),
        ("!If [IsDev, a, b]", "b"),
        ("!If [Unknown, a, b]", "a"),
        ("!If [Unknown, !Ref AWS::NoValue, b]", "b"),
        ("!Ref AWS::NoValue", None),
        ("!Base64 x", "${Fn::Base64}"),
    ],
)
def test_intrinsic_values(written: str, expected: str | None) -> None:
    value = _eval(written)
    assert (show(value) if value is not None else None) == expected


def test_no_value_disappears_from_lists_and_objects() -> None:
    node = parse_tagged_yaml(
        "Statement:\n"
        "  - !If [C, {Effect: Allow}, !Ref AWS::NoValue]\n"
        "  - !Ref AWS::NoValue\n"
        "  - Effect: Deny\n"
        "    Condition: !Ref AWS::NoValue\n"
    )
    # an unknown condition takes the branch that is not AWS::NoValue
    expected = {"Statement": [{"Effect": "Allow"}, {"Effect": "Deny"}]}
    assert resolve_intrinsics(node).to_plain() == expected


def test_split_in_a_list_position_is_a_list_and_unknowns_are_opaque() -> None:
    node = parse_tagged_yaml("a: !Split [',', 'x,y']\nb: !Ref Missing\nc: !Sub 'arn:${Missing}'\n")
    opaque: set[object] = set()
    resolved = resolve_intrinsics(node, opaque).to_plain()  # type: ignore[arg-type]
    assert resolved["a"] == ["x", "y"]
    assert opaque == {node.value["b"].position}  # wholly unknown; `c` keeps a literal part


def test_sub_json_document_is_linted_at_its_place() -> None:
    template = (DATA / "templates" / "good" / "secrets-and-ecr.yaml").read_bytes()
    loaded = load_bytes(template, "t.yaml")
    (logs,) = [t for t in loaded.targets if t.label == "LogsPolicy.PolicyDocument"]
    statement = logs.root.to_plain()["Statement"][0]
    assert show(statement["Condition"]["StringEquals"]["aws:SourceAccount"]) == (
        "${AWS::AccountId}"
    )
    assert logs.root.position.line >= 45


def test_reference_loops_do_not_hang() -> None:
    template = parse_tagged_yaml(
        "Resources:\n"
        "  A: {Type: AWS::S3::Bucket, Properties: {BucketName: !GetAtt B.Arn}}\n"
        "  B: {Type: AWS::S3::Bucket, Properties: {BucketName: !GetAtt A.Arn}}\n"
    )
    node = parse_tagged_yaml("v: !GetAtt A.Arn\n").value["v"]
    value = evaluate_text(node, TemplateValues.of(template))
    assert value is not None and value.startswith("arn:aws:s3:::arn:aws:s3:::")


# --- rules see placeholders as "anything of the right shape", and still check literal parts ---


def _doc_findings(statement: dict[str, object], kind: PolicyKind, service: str) -> set[str]:
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "P": {
                "Type": "AWS::SNS::TopicPolicy"
                if service == "sns"
                else ("AWS::S3::BucketPolicy" if service == "s3" else "AWS::IAM::ManagedPolicy"),
                "Properties": {
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}
                },
            },
        },
    }
    loaded = load_bytes(json.dumps(template).encode(), "t.json")
    (target,) = loaded.targets
    assert target.kind is kind
    run = LintRun()
    config = LintConfig()
    lint_loaded(loaded, config, config.options(), run)
    return {f.rule for f in run.findings if f.severity in SERIOUS}


_ROOT = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}


@pytest.mark.parametrize(
    ("principal", "fires"),
    [
        (_ROOT, False),
        ({"Fn::Sub": "arn:aws-foo:iam::${AWS::AccountId}:root"}, True),  # literal partition
        ({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:rol/x"}, True),
        ({"Ref": "Missing"}, False),
    ],
)
def test_principal_checks_only_literal_parts(principal: object, fires: bool) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sns:Publish",
        "Resource": {"Ref": "Topic"},
    }
    assert ("PS017" in _doc_findings(statement, PolicyKind.RESOURCE, "sns")) is fires


@pytest.mark.parametrize(
    ("resource", "rule", "fires"),
    [
        ({"Fn::Sub": "${Imported}/*"}, "PS028", False),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}:*"}, "PS028", True),
        (
            {"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"},
            "PS116",
            False,
        ),
        ({"Fn::Sub": "arn:${AWS::Partition}:logs:mars-1:${AWS::AccountId}:*"}, "PS116", True),
        ({"Fn::Sub": ["arn:${P}:s3:::${B}/*", {"B": {"Ref": "X"}, "P": "aws"}]}, "PS026", False),
    ],
)
def test_resource_checks_only_literal_parts(resource: object, rule: str, fires: bool) -> None:
    statement = {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": resource}
    assert (rule in _doc_findings(statement, PolicyKind.IDENTITY, "iam")) is fires


@pytest.mark.parametrize(
    ("action", "fires"),
    [({"Fn::Sub": "${Service}:Get*"}, False), ({"Fn::Sub": "s3:GetObjekt${AWS::NoValue}"}, True)],
)
def test_action_with_unknown_part_is_not_judged(action: object, fires: bool) -> None:
    statement = {"Effect": "Allow", "Action": action, "Resource": "arn:aws:s3:::b/*"}
    found = _doc_findings(statement, PolicyKind.IDENTITY, "iam")
    assert bool(found & {"PS027", "PS101", "PS102"}) is fires


@pytest.mark.parametrize(
    ("provider", "fires"),
    [
        ("arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.example.com", False),
        ("arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc/token.example.com", True),
    ],
)
def test_federated_provider_in_own_account(provider: str, fires: bool) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": {"Fn::Sub": provider}},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.example.com:aud": "sts.amazonaws.com"}},
    }
    template = {
        "Resources": {
            "R": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}
                },
            }
        }
    }
    loaded = load_bytes(json.dumps(template).encode(), "t.json")
    run = LintRun()
    config = LintConfig()
    lint_loaded(loaded, config, config.options(), run)
    assert any(f.rule == "PS019" for f in run.findings) is fires


@pytest.mark.parametrize(
    ("service", "fires"),
    [("logs.${AWS::Region}.amazonaws.com", False), ("logs.${AWS::Region}.amazonaws.co", True)],
)
def test_regional_service_principal(service: str, fires: bool) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": {"Fn::Sub": service}},
        "Action": "sns:Publish",
        "Resource": {"Ref": "Topic"},
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
    }
    assert ("PS018" in _doc_findings(statement, PolicyKind.RESOURCE, "sns")) is fires


def test_real_policy_variables_in_templates_are_still_checked() -> None:
    statement = {"Effect": "Allow", "Action": "s3:${!aws:username}", "Resource": "*"}
    assert "PS026" in _doc_findings(statement, PolicyKind.IDENTITY, "iam")


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        ({"ArnEquals": {"aws:SourceArn": {"Ref": "Topic"}}}, False),
        ({"ArnEquals": {"aws:SourceArn": {"Fn::ImportValue": "rule-arn"}}}, False),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket"}}, True),
        (None, True),
    ],
)
def test_bound_source_arn(condition: object, fires: bool) -> None:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": {"Ref": "Topic"},
    }
    if condition is not None:
        statement["Condition"] = condition
    assert ("PS418" in _doc_findings(statement, PolicyKind.RESOURCE, "sns")) is fires


# --- the placeholder representation -------------------------------------------------------------

_NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="}*? \u2236\u2215" + MARK),
    min_size=1,
)


@given(_NAMES, st.text(st.characters(blacklist_characters="${" + MARK), max_size=20))
def test_placeholder_round_trip(name: str, literal: str) -> None:
    placeholder = unknown(name)
    assert is_unknown(placeholder) and has_unknown(literal + placeholder)
    assert not any(c in placeholder for c in ":/*?")  # ARN segments and globs are unaffected
    assert show(literal + placeholder + literal) == literal + "${" + name + "}" + literal
    assert literal_parts(literal + placeholder + literal) == [literal, literal]
    assert find_variables(placeholder + "${aws:username}")[0].key == "aws:username"
    assert len(find_variables(placeholder)) == 0


# --- Terraform plans ---------------------------------------------------------------------------


def test_plan_with_unknowns_and_modules_lints_clean() -> None:
    plan = PLANS / "modules-unknown-values.json"
    loaded = load_path(str(plan))
    labels = {t.label: (t.kind, t.service) for t in loaded.targets}
    assert labels == {
        "aws_s3_bucket_policy.logs.policy": (PolicyKind.RESOURCE, "s3"),
        "module.orders.aws_iam_role.app.assume_role_policy": (PolicyKind.TRUST, "sts"),
        "module.orders.data.aws_iam_policy_document.app": (PolicyKind.IDENTITY, None),
        "module.orders.module.queue.data.aws_iam_policy_document.q": (PolicyKind.RESOURCE, "sqs"),
    }
    notes = "\n".join(loaded.notes)
    assert "module.orders.module.queue.aws_sns_topic_policy.events.policy is known only" in notes
    assert _serious(_lint(plan)) == []


def test_deferred_policy_document_keeps_what_the_plan_knows() -> None:
    loaded = load_path(str(PLANS / "modules-unknown-values.json"))
    (app,) = [t for t in loaded.targets if t.label.endswith("aws_iam_policy_document.app")]
    statements = app.root.to_plain()["Statement"]
    assert statements[1]["Resource"] == (
        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders:*"
    )
    assert is_unknown(statements[0]["Resource"])
    assert statements[2]["Condition"] == {
        "StringEquals": {"kms:ViaService": ["dynamodb.eu-west-1.amazonaws.com"]}
    }


def test_plan_hiding_problems_among_unknowns() -> None:
    findings = _lint(PLANS / "modules-unknown-values-bad.json")
    found = {(f.rule, f.message.split(":")[0]) for f in findings if f.severity in SERIOUS}
    assert ("PS413", "aws_s3_bucket_policy.logs.policy") in found  # jsonencode'd, known
    assert ("PS201", "module.orders.data.aws_iam_policy_document.app") in found
    assert ("PS418", "module.orders.module.queue.data.aws_iam_policy_document.q") in found


@pytest.mark.parametrize(("bucket", "fires"), [("logs-bucket", True), (None, False)])
def test_bucket_named_through_ref_is_the_attachment_target(bucket: str | None, fires: bool) -> None:
    properties = {"BucketName": bucket} if bucket else {}
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": properties},
            "Policy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "logging.s3.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Resource": "arn:aws:s3:::elsewhere/*",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": "123456789012"}
                                },
                            }
                        ],
                    },
                },
            },
        }
    }
    loaded = load_bytes(json.dumps(template).encode(), "t.json")
    (target,) = loaded.targets
    assert ("target_arn" in target.attachment) is fires
    run = LintRun()
    config = LintConfig()
    lint_loaded(loaded, config, config.options(), run)
    assert any(f.rule == "PS113" for f in run.findings) is fires


_NAMES_OF_FUNCTIONS = st.sampled_from(
    [
        "Ref",
        "Fn::Sub",
        "Fn::GetAtt",
        "Fn::Join",
        "Fn::If",
        "Fn::Select",
        "Fn::Split",
        "Fn::FindInMap",
        "Fn::ImportValue",
        "Fn::Equals",
        "Condition",
        "Fn::Base64",
    ]
)
_SCALARS = st.one_of(
    st.sampled_from(
        [
            "AWS::NoValue",
            "AWS::Region",
            "Bucket",
            "Bucket.Arn",
            "${Bucket.Arn}/*",
            "${AWS::Partition}",
            "${!x}",
            "${",
            "C",
            ",",
            "0",
            "1",
        ]
    ),
    st.integers(-2, 3),
    st.booleans(),
    st.none(),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(_NAMES_OF_FUNCTIONS, inner, min_size=1, max_size=1),
        st.dictionaries(st.sampled_from(["a", "Statement"]), inner, max_size=2),
    ),
    max_leaves=12,
)


@example({"Fn::If": ["AWS::NoValue", "AWS::NoValue", "AWS::NoValue"]})
@given(_VALUES)
def test_any_shape_of_intrinsics_evaluates_without_crashing(value: object) -> None:
    template = json.dumps(
        {
            "Conditions": {"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}},
            "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
            "v": value,
        }
    )
    root = parse_tagged_yaml(template)
    node = root.value["v"]
    resolved = resolve_intrinsics(node, set(), TemplateValues.of(root))
    # The value keeps its place, or (a branch `Fn::If` chose) the place of what it became,
    # which lies inside it: findings point at the text that was linted.
    start = (node.position.line, node.position.column)
    assert (resolved.position.line, resolved.position.column) >= start
    evaluate_text(node, TemplateValues.of(root))


def test_stand_in_fills_only_placeholders() -> None:
    text = "logs." + unknown("AWS::Region") + ".amazonaws.com"
    assert stand_in(text, "x") == "logs.x.amazonaws.com"
    assert stand_in("a${aws:username}", "x") == "a${aws:username}"


def _deferred(name: str, after: dict[str, object], unknown_mask: dict[str, object]) -> object:
    return {
        "address": name,
        "mode": "data",
        "type": "aws_iam_policy_document",
        "name": name.split(".")[-1].split("[")[0],
        "change": {"actions": ["read"], "after": after, "after_unknown": unknown_mask},
    }


def test_deferred_documents_take_the_kind_of_their_use() -> None:
    trust_statement = {
        "effect": "Allow",
        "actions": ["sts:AssumeRole"],
        "principals": [{"type": "AWS", "identifiers": [None]}],
        "condition": [],
    }
    trust_mask = {"json": True, "statement": [{"principals": [{"identifiers": [True]}]}]}
    inline_statement = {"actions": ["s3:GetObject"], "resources": None}
    inline_mask = {"json": True, "statement": [{"resources": True}]}

    def role_config(prefix: str) -> dict[str, object]:
        return {
            "address": "aws_iam_role.r",
            "mode": "managed",
            "type": "aws_iam_role",
            "name": "r",
            "expressions": {
                "assume_role_policy": {"references": [f"data.aws_iam_policy_document.{prefix}t"]},
                "inline_policy": [
                    {"policy": {"references": [f"data.aws_iam_policy_document.{prefix}i[0].json"]}}
                ],
            },
        }

    plan = {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {}},
        "resource_changes": [
            _deferred(
                "module.m[0].data.aws_iam_policy_document.t",
                {"statement": [trust_statement]},
                trust_mask,
            ),
            _deferred(
                "data.aws_iam_policy_document.i[0]", {"statement": [inline_statement]}, inline_mask
            ),
            _deferred(
                "data.aws_iam_policy_document.merged",
                {"source_policy_documents": ["{}"], "statement": []},
                {"json": True},
            ),
        ],
        "configuration": {
            "root_module": {
                "resources": [role_config("")],
                "module_calls": {"m": {"module": {"resources": [role_config("")]}}},
            }
        },
    }
    loaded = load_bytes(json.dumps(plan).encode(), "plan.json")
    kinds = {t.label: t.kind for t in loaded.targets}
    assert kinds == {
        "module.m[0].data.aws_iam_policy_document.t": PolicyKind.TRUST,
        "data.aws_iam_policy_document.i[0]": PolicyKind.IDENTITY,
    }
    assert any("merged merges other documents" in note for note in loaded.notes)
    trust = next(t for t in loaded.targets if t.kind is PolicyKind.TRUST)
    principal = trust.root.to_plain()["Statement"][0]["Principal"]["AWS"]
    assert is_unknown(principal)
    run = LintRun()
    config = LintConfig()
    lint_loaded(loaded, config, config.options(), run)
    assert _serious(run.findings) == []

"""Misses and wrong findings of existing rules found against Access Analyzer's policy checks:
each case with the policy that must be reported and the near miss that must not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules.exposure import _matches_everything
from policysim.lint.runner import LintOptions, lint_source
from policysim.policy.arn import compile_arn_glob
from policysim.policy.wildcard import glob_match

REPO = Path(__file__).resolve().parents[2]
BUCKET = "arn:aws:s3:::b/*"
ACCOUNT = "arn:aws:iam::111122223333:root"


def _lint(
    rules: str | set[str],
    *statements: Any,
    kind: PolicyKind = PolicyKind.IDENTITY,
    attachment: dict[str, Any] | None = None,
) -> list[Finding]:
    wanted = {rules} if isinstance(rules, str) else rules
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)
    options = LintOptions(enabled=frozenset(wanted))
    found = lint_source(text, "p.json", kind=kind, options=options, attachment=attachment)
    return [f for f in found if f.rule in wanted]


def _allow(action: Any, resource: Any = "*", **condition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        out["Condition"] = condition
    return out


# --- misses -------------------------------------------------------------------------------------


def test_unknown_service_prefix_in_a_condition_key() -> None:
    typo = _allow("lambda:InvokeFunction", StringEquals={"lamda:FunctionArn": "x"})
    (found,) = _lint("PS104", typo)
    assert "'lamda'" in found.message and found.hint is not None and "lambda" in found.hint
    # Provider keys (hosts, `saml:`, Cognito's amr-less prefixes) are not service keys.
    issuers = _allow(
        "sts:AssumeRoleWithWebIdentity",
        StringEquals={
            "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main",
            "saml:aud": "https://signin.aws.amazon.com/saml",
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:a:b",
        },
    )
    assert _lint("PS104", issuers) == []
    # An unknown service named by the actions too is reported once, by PS101.
    unknown = _allow("nosuchsvc:DoIt", StringEquals={"nosuchsvc:Key": "x"})
    assert _lint("PS104", unknown) == []
    assert _lint("PS101", unknown)


def test_federated_principal_in_a_bucket_policy() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": BUCKET,
    }
    (found,) = _lint("PS016", statement, kind=PolicyKind.RESOURCE)
    assert "Federated" in found.message and found.pointer == "/Statement/0/Principal/Federated"
    trust = {**statement, "Action": "sts:AssumeRoleWithWebIdentity"}
    trust.pop("Resource")
    assert _lint("PS016", trust, kind=PolicyKind.TRUST) == []


def _trust(actions: Any, **condition: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": actions}
    if condition:
        out["Condition"] = condition
    return out


def test_trust_conditioned_on_request_tags_without_tag_session() -> None:
    tagged = {"StringEquals": {"aws:RequestTag/team": "a"}}
    (found,) = _lint("PS105", _trust("sts:AssumeRole", **tagged), kind=PolicyKind.TRUST)
    assert "sts:TagSession" in found.message and found.severity is Severity.ERROR
    ok = _trust(["sts:AssumeRole", "sts:TagSession"], **tagged)
    assert _lint("PS105", ok, kind=PolicyKind.TRUST) == []
    # TagSession granted by another statement of the same trust policy also passes tags.
    split = [_trust("sts:AssumeRole", **tagged), _trust("sts:TagSession")]
    assert _lint("PS105", *split, kind=PolicyKind.TRUST) == []
    # A negated test is true without tags: nothing is blocked.
    negated = _trust("sts:AssumeRole", StringNotEquals={"aws:RequestTag/team": "x"})
    assert _lint("PS105", negated, kind=PolicyKind.TRUST) == []


def test_tag_key_support_with_not_action() -> None:
    condition = {"StringEquals": {"aws:ResourceTag/protected": "true"}}
    deny = {"Effect": "Deny", "NotAction": "ec2:RunInstances", "Resource": "*"}
    (found,) = _lint("PS219", {**deny, "Condition": condition})
    assert "NotAction" in found.message and "not denied" in found.message
    allow = {"Effect": "Allow", "NotAction": "ec2:RunInstances", "Resource": "*"}
    (found,) = _lint("PS122", {**allow, "Condition": condition})
    assert "never grants" in found.message
    # Without a tag condition there is nothing to say.
    assert _lint({"PS122", "PS219"}, deny, allow) == []


def test_vacuous_conditions_on_sensitive_keys_outside_public_policies() -> None:
    def grant(**condition: Any) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Principal": {"AWS": ACCOUNT},
            "Action": "s3:GetObject",
            "Resource": BUCKET,
            "Condition": condition,
        }

    cases = [
        grant(ArnLike={"aws:PrincipalArn": "arn:*"}),
        grant(StringEquals={"aws:userid": "${aws:userid}"}),
        grant(StringLike={"aws:UserAgent": "aws-cli/*"}),
        grant(ArnLike={"aws:SourceArn": "arn:*:*:*:*:*"}),
        grant(StringLike={"aws:PrincipalArn": "arn:aws:*"}),
    ]
    for case in cases:
        (found,) = _lint("PS414", case, kind=PolicyKind.RESOURCE)
        assert found.severity is Severity.WARNING, case
    (identity,) = _lint("PS414", _allow("s3:GetObject", BUCKET, ArnLike={"aws:PrincipalArn": "*"}))
    assert identity.severity is Severity.WARNING
    near = [
        grant(ArnLike={"aws:PrincipalArn": "arn:aws:iam::111122223333:role/app-*"}),
        grant(StringEquals={"aws:userid": "AROAEXAMPLEID:alice"}),
        grant(StringEquals={"aws:SourceVpce": "vpce-1a2b3c4d"}),
        grant(StringLike={"aws:UserAgent": "aws-cli/*"}, StringEquals={"aws:SourceVpce": "v"}),
        grant(ArnLike={"aws:PrincipalArn": "arn:aws:iam::*:*"}),
    ]
    assert _lint("PS414", *near, kind=PolicyKind.RESOURCE) == []
    assert _lint("PS414", _allow("s3:GetObject", "arn:aws:s3:::b/${aws:userid}/*")) == []


def test_identity_policy_over_every_identity_quota() -> None:
    actions = [f"s3:GetObjectVersion{i:04d}" for i in range(11600 // 29)]
    big = _allow(actions)
    (found,) = _lint("PS031", big)
    assert found.severity is Severity.ERROR and "10,240" in found.message
    small = _allow(actions[: 9000 // 29])
    assert _lint("PS031", small) == []  # fits a role's inline policies


def test_mixed_json_types_in_one_value_list() -> None:
    mixed = _allow("s3:ListBucket", StringEquals={"s3:prefix": ["home/", 1]})
    (found,) = _lint("PS012", mixed)
    assert "a string and a number" in found.message
    assert found.pointer == "/Statement/0/Condition/StringEquals/s3:prefix"
    same = _allow("s3:ListBucket", NumericLessThan={"s3:max-keys": [10, 20]})
    assert _lint("PS012", same) == []


def test_string_not_like_star_that_never_matches() -> None:
    # `StringNotLike key "*"` holds only when the key is absent: with a value test, never.
    both = _allow(
        "s3:GetObject",
        BUCKET,
        StringNotLike={"aws:PrincipalTag/team": "*"},
        StringEquals={"aws:PrincipalTag/team": "x"},
    )
    (found,) = _lint("PS516", both)
    assert "absent" in found.message
    # On a key every signed request carries, the Allow never applies.
    (found,) = _lint("PS516", _allow("s3:GetObject", BUCKET, ArnNotLike={"aws:PrincipalArn": "*"}))
    assert "never applies" in found.message
    alone = _allow("s3:GetObject", BUCKET, StringNotLike={"aws:PrincipalTag/team": "*"})
    assert _lint("PS516", alone) == []


# --- wrong findings -----------------------------------------------------------------------------


def test_roles_anywhere_certificate_tags_are_present() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "rolesanywhere.amazonaws.com"},
        "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        "Condition": {
            "StringEquals": {"aws:PrincipalTag/x509Issuer/CN": "Bob"},
            "ArnEquals": {
                "aws:SourceArn": "arn:aws:rolesanywhere:us-east-1:123456789012:trust-anchor/TA"
            },
        },
    }
    assert _lint("PS115", statement, kind=PolicyKind.TRUST) == []
    other_tag = {**statement, "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}}}
    assert _lint("PS115", other_tag, kind=PolicyKind.TRUST)
    lambda_trust = {**statement, "Principal": {"Service": "lambda.amazonaws.com"}}
    assert _lint("PS115", lambda_trust, kind=PolicyKind.TRUST)


def test_for_all_values_with_a_key_that_implies_values() -> None:
    tag_keys = {"aws:TagKeys": ["project", "env"]}
    required = _allow(
        "ec2:CreateTags",
        **{"ForAllValues:StringEquals": tag_keys},
        StringLike={"aws:RequestTag/project": "?*"},
    )
    assert _lint("PS214", required) == []
    optional = _allow(
        "ec2:CreateTags",
        **{"ForAllValues:StringEquals": tag_keys},
        StringLikeIfExists={"aws:RequestTag/project": "?*"},
    )
    assert _lint("PS214", optional)
    attributes = {"dynamodb:Attributes": ["id", "name"]}
    select = _allow(
        "dynamodb:GetItem",
        **{"ForAllValues:StringEquals": attributes},
        StringEquals={"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
    )
    assert _lint("PS214", select) == []
    any_select = _allow(
        "dynamodb:GetItem",
        **{"ForAllValues:StringEquals": attributes},
        StringEquals={"dynamodb:Select": ["SPECIFIC_ATTRIBUTES", "ALL_ATTRIBUTES"]},
    )
    assert _lint("PS214", any_select)


def test_resource_policy_writer_cancelled_by_an_unconditional_deny() -> None:
    writer = _allow(["s3:GetObject", "s3:PutBucketPolicy"], ["arn:aws:s3:::b", BUCKET])
    deny = {"Effect": "Deny", "Action": "s3:PutBucketPolicy", "Resource": "*"}
    assert _lint("PS331", writer, deny) == []
    assert _lint("PS331", writer)
    conditional = {**deny, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    assert _lint("PS331", writer, conditional)
    elsewhere = {**deny, "Resource": "arn:aws:s3:::other"}
    assert _lint("PS331", writer, elsewhere)


def test_deny_unless_tagged_applies_when_the_tag_is_missing() -> None:
    guard = {
        "Effect": "Deny",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringNotLike": {"aws:RequestTag/cost-center": "*"}},
    }
    assert _lint("PS210", guard) == []
    no_op = {**guard, "Condition": {"ArnNotLike": {"aws:PrincipalArn": "*"}}}
    assert _lint("PS210", no_op)


def test_scp_allow_lists_are_not_over_permission() -> None:
    allow_list = _allow(["s3:*", "ec2:*", "iam:*", "sts:*", "kms:*"])
    rules = {
        "PS201",
        "PS203",
        "PS204",
        "PS211",
        "PS221",
        "PS222",
        "PS223",
        "PS225",
        "PS228",
    }
    assert _lint(rules, allow_list, kind=PolicyKind.SCP) == []
    assert {"PS203", "PS221", "PS222", "PS223", "PS228"} <= {
        f.rule for f in _lint(rules, allow_list)
    }
    # A boundary still caps a grant: its findings stay, downgraded.
    boundary = _lint(rules, allow_list, kind=PolicyKind.BOUNDARY)
    assert boundary and all(f.severity is not Severity.SECURITY for f in boundary)


# --- as a user runs it ----------------------------------------------------------------------


def _cli(tmp_path: Path, document: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".git").mkdir(exist_ok=True)  # stops the configuration search here
    (tmp_path / "p.json").write_text(json.dumps(document, indent=2))
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "policysim", "lint", "-j", "1", "-f", "json", "p.json", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _rules(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {f["rule"] for f in json.loads(result.stdout)["findings"]}


def test_cli_scp_allow_list_passes_and_the_same_identity_policy_fails(tmp_path: Path) -> None:
    allow_list = {"Version": "2012-10-17", "Statement": [_allow(["s3:*", "ec2:*", "sts:*"])]}
    scp = _cli(tmp_path, allow_list, "--type", "scp")
    assert scp.returncode == 0 and not _rules(scp) & {"PS203", "PS222", "PS228"}, scp.stdout
    identity = _cli(tmp_path, allow_list, "--type", "identity")
    assert identity.returncode == 1 and {"PS203", "PS228"} <= _rules(identity)


def test_cli_trust_without_tag_session_fails(tmp_path: Path) -> None:
    trust = _trust("sts:AssumeRole", StringEquals={"aws:RequestTag/team": "a"})
    document = {"Version": "2012-10-17", "Statement": [trust]}
    result = _cli(tmp_path, document, "--type", "trust")
    assert result.returncode == 1 and "PS105" in _rules(result), result.stdout
    trust["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    assert "PS105" not in _rules(_cli(tmp_path, document, "--type", "trust"))


_SEGMENT = st.text(alphabet="abc-/0", max_size=5)


@example(pattern="arn:*", segments=["aws", "s3", "", "", "b/k"])
@example(pattern="arn:*:*:*:*:*", segments=["aws", "iam", "", "1", "role/r"])
@example(pattern="arn:aws::*", segments=["aws", "iam", "", "1", "role/r"])
@example(pattern="arn:*:*:*:*:*:*", segments=["aws", "", "", "", ""])
@given(
    pattern=st.one_of(
        st.text(alphabet="arnws:*", max_size=14),
        st.lists(st.sampled_from(["", "*", "aws", "aws-cn", "ws"]), min_size=1, max_size=6).map(
            lambda parts: "arn:" + ":".join(parts)
        ),
    ),
    segments=st.lists(_SEGMENT, min_size=5, max_size=5),
)
def test_a_pattern_called_match_everything_matches_every_arn(
    pattern: str, segments: list[str]
) -> None:
    partition = pattern.split(":")[1] if pattern.count(":") > 1 else "aws"
    arn = f"arn:{partition.replace('*', 'aws')}:" + ":".join(segments[1:])
    if _matches_everything(pattern):
        assert glob_match(pattern, arn)
        if len(pattern.split(":", 5)) == 6:
            assert compile_arn_glob(pattern)(arn)

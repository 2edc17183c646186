"""What `diff` and `verify` read: documents, templates, plans and account files as units."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.diff.sources import (
    ComparisonUnit,
    absent_policy_set,
    load_documents,
    load_pair,
    policy_set_for,
    public_resource_type,
)
from policysim.engine.compiled import PolicySet, compile_policy_set
from policysim.engine.evaluate import evaluate
from policysim.engine.request import Context, Request, RequestPrincipal
from policysim.engine.result import Decision
from policysim.policy.build import parse_policy
from policysim.policy.errors import PolicyError

ALICE = "arn:aws:iam::111122223333:user/alice"


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _write(path: Path, data: Any) -> str:
    if path.suffix in (".yaml", ".yml"):
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    else:
        path.write_text(json.dumps(data, indent=2))
    return str(path)


def _decide(
    policies: PolicySet,
    action: str,
    resource: str = "*",
    principal: str = ALICE,
    context: dict[str, str] | None = None,
) -> Decision:
    request = Request(
        RequestPrincipal.parse(principal),
        action,
        resource,
        None,
        Context(context),
    )
    return evaluate(compile_policy_set(policies), request).decision


# ---- two documents ---------------------------------------------------------------------------


def test_two_documents_are_one_identity_pair(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.json", _doc(_allow("s3:GetObject")))
    new = _write(tmp_path / "new.yaml", _doc(_allow(["s3:GetObject", "s3:PutObject"])))
    sources = load_pair(old, new)
    assert sources.format == "policy"
    (unit,) = sources.units
    assert (unit.kind, unit.status) == ("identity", "changed")
    assert unit.new_location == f"{new}:1:1"
    assert _decide(unit.new, "s3:PutObject") is Decision.ALLOWED
    assert _decide(unit.old, "s3:PutObject") is Decision.IMPLICIT_DENY
    position = unit.new_policy.statements[0].position if unit.new_policy else None
    assert position is not None and position.line == 3


def test_type_is_detected_as_lint_does(tmp_path: Path) -> None:
    trust = _doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    bucket = _doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    )
    (unit,) = load_pair(
        _write(tmp_path / "a.json", trust), _write(tmp_path / "b.json", trust)
    ).units
    assert unit.kind == "trust"
    assert unit.new.resource is not None and not unit.new.identity
    (unit,) = load_pair(
        _write(tmp_path / "c.json", bucket), _write(tmp_path / "d.json", bucket)
    ).units
    assert unit.kind == "resource"
    assert [d.resource_type for d in load_documents(str(tmp_path / "d.json"))] == [
        "AWS::S3::Bucket"
    ]


def test_detected_types_that_differ_compare_as_new(tmp_path: Path) -> None:
    identity = _write(tmp_path / "old.json", _doc(_allow("s3:GetObject")))
    resource = _write(
        tmp_path / "new.json",
        _doc({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}),
    )
    (unit,) = load_pair(identity, resource).units
    assert unit.kind == "resource"
    assert unit.old.resource is not None and unit.old_policy is not None


@pytest.mark.parametrize("kind", ["scp", "rcp", "boundary"])
def test_guardrail_types_measure_against_full_access(tmp_path: Path, kind: str) -> None:
    doc = _doc(_allow("s3:*"))
    if kind == "rcp":
        doc = _doc(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
            }
        )
    path = _write(tmp_path / "g.json", doc)
    (unit,) = load_pair(path, path, policy_type=kind).units
    assert unit.kind == kind
    assert [n.policy.statements[0].action for n in unit.new.identity] == [("*",)]
    if kind == "scp":
        assert unit.new.scps is not None and _decide(unit.new, "ec2:RunInstances") is (
            Decision.IMPLICIT_DENY
        )
    if kind == "boundary":
        assert unit.new.boundary is not None
        assert _decide(unit.new, "s3:GetObject") is Decision.ALLOWED
        assert _decide(unit.new, "iam:PassRole") is Decision.IMPLICIT_DENY


def test_absence_grants_nothing_but_lifts_guardrails() -> None:
    for kind in ("identity", "resource", "trust"):
        assert _decide(absent_policy_set(kind), "s3:GetObject") is not Decision.ALLOWED
    for kind in ("scp", "rcp", "boundary"):
        assert _decide(absent_policy_set(kind), "s3:GetObject") is Decision.ALLOWED


def test_policy_set_for_rejects_unknown_types() -> None:
    policy = parse_policy(json.dumps(_doc(_allow("s3:*"))))
    with pytest.raises(PolicyError, match="unknown policy type 'session'"):
        policy_set_for(policy, "session", "p")


# ---- templates and plans ---------------------------------------------------------------------


def _template(resources: dict[str, Any]) -> dict[str, Any]:
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _managed(doc: dict[str, Any]) -> dict[str, Any]:
    return {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": doc}}


def _bucket_policy(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": doc},
    }


def test_templates_pair_policies_by_logical_id(tmp_path: Path) -> None:
    reader = _doc(_allow("s3:GetObject", "arn:aws:s3:::b/*"))
    public = _doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    )
    old = _template(
        {
            "Same": _managed(reader),
            "Changed": _managed(reader),
            "Gone": _managed(_doc(_allow("ec2:*"))),
        }
    )
    new = _template(
        {
            "Same": _managed(reader),
            "Changed": _managed(_doc(_allow("s3:*", "arn:aws:s3:::b/*"))),
            "BucketPolicy": _bucket_policy(public),
        }
    )
    sources = load_pair(_write(tmp_path / "old.yaml", old), _write(tmp_path / "new.yaml", new))
    assert sources.format == "cloudformation"
    assert sources.unchanged == 1
    by_name = {u.name: u for u in sources.units}
    assert {n: (u.kind, u.status) for n, u in by_name.items()} == {
        "Changed.PolicyDocument": ("identity", "changed"),
        "BucketPolicy.PolicyDocument": ("resource", "added"),
        "Gone.PolicyDocument": ("identity", "removed"),
    }
    added = by_name["BucketPolicy.PolicyDocument"]
    assert added.old_policy is None and added.old.resource is not None
    assert not added.old.resource.policy.statements  # compared against an empty policy
    removed = by_name["Gone.PolicyDocument"]
    assert removed.new_policy is None and not removed.new.identity[0].policy.statements
    changed = by_name["Changed.PolicyDocument"]
    assert changed.new_policy is not None
    statement = changed.new_policy.statements[0]
    assert statement.position is not None and statement.position.line > 10  # inside the template
    assert changed.new_location is not None and changed.new_location.startswith(
        str(tmp_path / "new.yaml") + ":"
    )
    documents = load_documents(str(tmp_path / "new.yaml"))
    assert {d.name: d.resource_type for d in documents}["BucketPolicy.PolicyDocument"] == (
        "AWS::S3::Bucket"
    )


def test_template_trust_and_inline_policies(tmp_path: Path) -> None:
    def role(principal: str) -> dict[str, Any]:
        trust = _doc(
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        )
        return {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": trust,
                "Policies": [{"PolicyName": "p", "PolicyDocument": _doc(_allow("s3:GetObject"))}],
            },
        }

    old = _write(tmp_path / "old.json", _template({"App": role("arn:aws:iam::111122223333:root")}))
    new = _write(tmp_path / "new.json", _template({"App": role("arn:aws:iam::444455556666:root")}))
    sources = load_pair(old, new)
    assert sources.unchanged == 1  # the inline policy
    (unit,) = sources.units
    assert (unit.name, unit.kind) == ("App.AssumeRolePolicyDocument", "trust")
    assert [d.resource_type for d in load_documents(new) if d.kind == "trust"] == [
        "AWS::IAM::AssumeRolePolicyDocument"
    ]


def _plan(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": resources}},
    }


def _tf(address: str, kind: str, doc: dict[str, Any], attribute: str = "policy") -> dict[str, Any]:
    name = address.split(".", 1)[1]
    return {
        "address": address,
        "mode": "managed",
        "type": kind,
        "name": name,
        "values": {attribute: json.dumps(doc)},
    }


def test_plans_pair_policies_by_address(tmp_path: Path) -> None:
    old = _plan(
        [
            _tf("aws_iam_policy.a", "aws_iam_policy", _doc(_allow("s3:GetObject"))),
            _tf("aws_iam_policy.b", "aws_iam_policy", _doc(_allow("s3:GetObject"))),
        ]
    )
    new = _plan(
        [
            _tf("aws_iam_policy.a", "aws_iam_policy", _doc(_allow("s3:GetObject"))),
            _tf("aws_iam_policy.b", "aws_iam_policy", _doc(_allow("s3:Get*"))),
            _tf(
                "aws_organizations_policy.guard",
                "aws_organizations_policy",
                _doc(_allow("*")),
                "content",
            )
            | {
                "values": {
                    "type": "SERVICE_CONTROL_POLICY",
                    "content": json.dumps(_doc(_allow("*"))),
                }
            },
        ]
    )
    sources = load_pair(_write(tmp_path / "old.json", old), _write(tmp_path / "new.json", new))
    assert sources.format == "terraform"
    assert sources.unchanged == 1
    by_name = {u.name: u for u in sources.units}
    assert set(by_name) == {"aws_iam_policy.b.policy", "aws_organizations_policy.guard.content"}
    guard = by_name["aws_organizations_policy.guard.content"]
    assert (guard.kind, guard.status) == ("scp", "added")
    assert guard.old.scps is None  # adding a guardrail is compared against no guardrail


# ---- account files ---------------------------------------------------------------------------


def _account(
    users: dict[str, Any],
    policies: dict[str, Any],
    resources: dict[str, Any] | None = None,
    roles: dict[str, Any] | None = None,
    organization: dict[str, Any] | None = None,
) -> dict[str, Any]:
    account: dict[str, Any] = {"id": "111122223333", "users": users, "policies": policies}
    if resources:
        account["resources"] = resources
    if roles:
        account["roles"] = roles
    data: dict[str, Any] = {"accounts": [account]}
    if organization:
        data["organization"] = organization
    return data


READ = _doc(_allow("s3:GetObject", "arn:aws:s3:::data/*"))
WRITE = _doc(_allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::data/*"))


def _users(count: int, attached: set[int]) -> dict[str, Any]:
    return {f"u{i}": {"policies": ["Data" if i in attached else "Other"]} for i in range(count)}


def test_one_changed_managed_policy_yields_its_principals_only(tmp_path: Path) -> None:
    other = _doc(_allow("ec2:Describe*"))
    old = _account(_users(40, {3, 7, 11}), {"Data": READ, "Other": other})
    new = _account(_users(40, {3, 7, 11}), {"Data": WRITE, "Other": other})
    sources = load_pair(_write(tmp_path / "old.yaml", old), _write(tmp_path / "new.yaml", new))
    assert sources.format == "account"
    assert sources.unchanged == 37
    (unit,) = sources.units  # three principals with the same pair of stacks: one question
    assert unit.kind == "principal"
    assert {unit.name, *unit.also} == {f"user u{i} (111122223333)" for i in (3, 7, 11)}
    assert unit.principal is not None and unit.principal.account == "111122223333"
    assert unit.resource_account == "111122223333"
    request = ("s3:PutObject", "arn:aws:s3:::data/x")
    principal = unit.principal.arn or ALICE
    assert _decide(unit.new, *request, principal=principal) is Decision.ALLOWED
    assert _decide(unit.old, *request, principal=principal) is Decision.IMPLICIT_DENY


def test_identical_accounts_yield_nothing(tmp_path: Path) -> None:
    data = _account(_users(5, {1}), {"Data": READ, "Other": READ})
    path = _write(tmp_path / "a.yaml", data)
    sources = load_pair(path, _write(tmp_path / "b.yaml", data))
    assert sources.units == [] and sources.unchanged == 5


def test_caller_dependent_policies_are_never_merged(tmp_path: Path) -> None:
    own = _doc(_allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))
    old = _account(_users(3, {0, 1, 2}), {"Data": READ})
    new = _account(_users(3, {0, 1, 2}), {"Data": own})
    units = load_pair(_write(tmp_path / "o.yaml", old), _write(tmp_path / "n.yaml", new)).units
    assert len(units) == 3 and all(not u.also for u in units)
    assert {u.principal.arn for u in units if u.principal} == {
        f"arn:aws:iam::111122223333:user/u{i}" for i in range(3)
    }


def test_added_and_removed_principals(tmp_path: Path) -> None:
    old = _account({"gone": {"policies": ["Data"]}, "stay": {}}, {"Data": READ})
    new = _account({"stay": {}, "fresh": {"policies": ["Data"]}}, {"Data": READ})
    units = load_pair(_write(tmp_path / "o.yaml", old), _write(tmp_path / "n.yaml", new)).units
    by_status = {u.status: u for u in units}
    assert set(by_status) == {"added", "removed"}
    assert by_status["added"].old.identity == [] and by_status["added"].new.identity
    assert by_status["removed"].new.identity == []


def test_groups_count_through_their_members(tmp_path: Path) -> None:
    def data(doc: dict[str, Any]) -> dict[str, Any]:
        account = _account({"alice": {"groups": ["devs"]}, "bob": {}}, {})
        account["accounts"][0]["groups"] = {"devs": {"inline": {"G": doc}}}
        return account

    units = load_pair(
        _write(tmp_path / "o.yaml", data(READ)), _write(tmp_path / "n.yaml", data(WRITE))
    ).units
    assert [u.name for u in units] == ["user alice (111122223333)"]


def test_resource_and_trust_policies_pair_by_arn(tmp_path: Path) -> None:
    bucket = "arn:aws:s3:::data"

    def bucket_policy(account: str) -> dict[str, Any]:
        return _doc(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "s3:GetObject",
                "Resource": f"{bucket}/*",
            }
        )

    def data(account: str) -> dict[str, Any]:
        return _account(
            {},
            {},
            resources={bucket: {"policy": bucket_policy(account)}},
            roles={"deploy": {"trust_account": account}},
        )

    old = _write(tmp_path / "o.yaml", data("111122223333"))
    new = _write(tmp_path / "n.yaml", data("444455556666"))
    units = load_pair(old, new).units
    by_kind = {u.kind: u for u in units}
    assert set(by_kind) == {"resource", "trust"}
    resource = by_kind["resource"]
    assert resource.name == f"resource policy of {bucket}"
    assert resource.principal is None and resource.resource_account == "111122223333"
    outsider = "arn:aws:iam::444455556666:user/eve"
    request = Request(
        RequestPrincipal.parse(outsider), "s3:GetObject", f"{bucket}/k", "111122223333"
    )
    with_identity = PolicySet(identity=[*resource.new.identity], resource=resource.new.resource)
    assert evaluate(compile_policy_set(with_identity), request).decision is not Decision.ALLOWED
    assert by_kind["trust"].name == "trust policy of arn:aws:iam::111122223333:role/deploy"


def test_scp_change_reaches_every_principal_of_the_account(tmp_path: Path) -> None:
    def data(scp: dict[str, Any]) -> dict[str, Any]:
        return _account(
            _users(4, {0}),
            {"Data": READ, "Other": READ},
            organization={
                "id": "o-a1b2c3d4e5",
                "management_account": "999999999999",
                "policies": {"Guard": scp},
                "root": {"id": "r-root", "scps": ["Guard"]},
                "accounts": {"111122223333": {"scps": ["FullAWSAccess"]}},
            },
        )

    old = data(_doc(_allow("s3:GetObject")))
    new = data(_doc(_allow("s3:*")))
    sources = load_pair(_write(tmp_path / "o.yaml", old), _write(tmp_path / "n.yaml", new))
    units: list[ComparisonUnit] = sources.units
    assert units and sum(1 + len(u.also) for u in units) == 4
    assert all(u.new.scps is not None for u in units)


# ---- errors ----------------------------------------------------------------------------------


def test_unparseable_policy_names_file_and_position(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", _doc(_allow("s3:GetObject")))
    bad = tmp_path / "bad.json"
    bad.write_text('{"Version": "2012-10-17",\n "Statement": [ {"Effect": "Allow",, } ]}')
    with pytest.raises(PolicyError) as caught:
        load_pair(good, str(bad))
    assert caught.value.file == str(bad)
    assert caught.value.position is not None and caught.value.position.line == 2


def test_invalid_policy_is_an_error(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", _doc(_allow("s3:GetObject")))
    bad = _write(
        tmp_path / "bad.json", _doc({"Effect": "Maybe", "Action": "s3:*", "Resource": "*"})
    )
    with pytest.raises(PolicyError, match="Effect") as caught:
        load_pair(good, bad)
    assert caught.value.file == bad


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.json", _doc(_allow("s3:GetObject")))
    with pytest.raises(PolicyError) as caught:
        load_pair(good, str(tmp_path / "missing.json"))
    assert caught.value.file == str(tmp_path / "missing.json")


def test_inputs_of_different_kinds_are_refused(tmp_path: Path) -> None:
    doc = _write(tmp_path / "p.json", _doc(_allow("s3:GetObject")))
    template = _write(tmp_path / "t.yaml", _template({"P": _managed(READ)}))
    with pytest.raises(PolicyError, match=r"is a CloudFormation template but .* is a policy"):
        load_pair(doc, template)


def test_unknown_type_is_refused(tmp_path: Path) -> None:
    doc = _write(tmp_path / "p.json", _doc(_allow("s3:GetObject")))
    with pytest.raises(PolicyError, match="unknown policy type 'identy'"):
        load_pair(doc, doc, policy_type="identy")


def test_type_does_not_apply_to_account_files(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.yaml", _account({"a": {}}, {}))
    with pytest.raises(PolicyError, match="--type applies to policy documents"):
        load_pair(path, path, policy_type="identity")


def test_account_error_names_the_file(tmp_path: Path) -> None:
    good = _write(tmp_path / "o.yaml", _account({"a": {}}, {}))
    bad = _write(tmp_path / "n.yaml", _account({"a": {"policies": ["NoSuchPolicy"]}}, {}))
    with pytest.raises(PolicyError) as caught:
        load_pair(good, bad)
    assert caught.value.file == bad


def test_verify_refuses_account_files(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.yaml", _account({"a": {}}, {}))
    with pytest.raises(PolicyError, match="is an account file"):
        load_documents(path)


@pytest.mark.parametrize(
    ("kind", "service", "cfn", "expected"),
    [
        ("resource", "s3", "", "AWS::S3::Bucket"),
        ("resource", None, "AWS::KMS::Key", "AWS::KMS::Key"),
        ("resource", "sqs", "AWS::SQS::QueuePolicy", "AWS::SQS::Queue"),
        ("resource", "lambda", "", "AWS::Lambda::Function"),
        ("resource", "secretsmanager", "", "AWS::SecretsManager::Secret"),
        ("trust", "sts", "", "AWS::IAM::AssumeRolePolicyDocument"),
        ("identity", None, "AWS::IAM::Policy", None),
        ("resource", "nosuchservice", "", None),
    ],
)
def test_public_resource_types(
    kind: str, service: str | None, cfn: str, expected: str | None
) -> None:
    assert public_resource_type(kind, service, cfn) == expected


# ---- against a git revision ------------------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_against_a_git_revision(tmp_path: Path) -> None:
    from policysim.diff.sources import load_against

    _git(tmp_path, "init", "-q")
    policy = tmp_path / "policies" / "app.json"
    policy.parent.mkdir()
    _write(policy, _doc(_allow("s3:GetObject")))
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "base")
    _write(policy, _doc(_allow(["s3:GetObject", "s3:PutObject"])))
    fresh = _write(tmp_path / "policies" / "fresh.json", _doc(_allow("ec2:*")))
    (unit,) = load_against("HEAD", str(policy)).units
    assert unit.status == "changed"
    assert _decide(unit.old, "s3:PutObject") is Decision.IMPLICIT_DENY
    assert _decide(unit.new, "s3:PutObject") is Decision.ALLOWED
    (added,) = load_against("HEAD", fresh).units
    assert added.status == "added" and not added.old.identity[0].policy.statements
    with pytest.raises(PolicyError, match="cannot read no-such-ref"):
        load_against("no-such-ref", str(policy))


def test_files_without_policies_are_skipped_when_asked(tmp_path: Path) -> None:
    from policysim.diff.sources import load_against

    package = _write(tmp_path / "package.json", {"name": "app", "version": "1.0.0"})
    assert load_documents(package, skip_other=True) == []
    assert load_against("HEAD", package, skip_other=True).units == []
    with pytest.raises(PolicyError):
        load_documents(package)


def test_only_file_documents_stand_alone(tmp_path: Path) -> None:
    old = _write(tmp_path / "old.json", _doc(_allow("s3:GetObject")))
    new = _write(tmp_path / "new.json", _doc(_allow("s3:*")))
    assert [u.standalone for u in load_pair(old, new).units] == [True]
    data = _account({"a": {"policies": ["Data"]}}, {"Data": READ})
    changed = _account({"a": {"policies": ["Data"]}}, {"Data": WRITE})
    units = load_pair(_write(tmp_path / "o.yaml", data), _write(tmp_path / "n.yaml", changed)).units
    assert [u.standalone for u in units] == [False]


# ---- properties of the account pairing -------------------------------------------------------


POOL = {
    "P0": READ,
    "P1": WRITE,
    "P2": _doc(_allow("ec2:Describe*")),
    "P3": _doc(_allow("s3:*", "arn:aws:s3:::home/${aws:username}/*")),
}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    attachments=st.lists(
        st.sets(st.sampled_from(sorted(POOL)), max_size=3), min_size=1, max_size=8
    ),
    changed=st.sampled_from(sorted(POOL)),
)
def test_changed_policy_reaches_exactly_its_principals(
    tmp_path: Path, attachments: list[set[str]], changed: str
) -> None:
    users = {f"u{i}": {"policies": sorted(names)} for i, names in enumerate(attachments)}
    new_pool = {**POOL, changed: _doc(_allow("iam:PassRole"))}
    old = _write(tmp_path / "old.yaml", _account(users, POOL))
    new = _write(tmp_path / "new.yaml", _account(users, new_pool))
    same = load_pair(old, old)
    assert same.units == [] and same.unchanged == len(users)
    sources = load_pair(old, new)
    reached = {
        f"user u{i} (111122223333)" for i, names in enumerate(attachments) if changed in names
    }
    covered = [name for u in sources.units for name in (u.name, *u.also)]
    assert sorted(covered) == sorted(reached)  # each reached principal once, no other
    assert sources.unchanged == len(users) - len(reached)
    for unit in sources.units:
        assert unit.principal is not None
        if unit.also:  # merged only when no document depends on who the caller is
            assert all(
                "P3" not in attachments[int(n.split()[1][1:])] for n in (unit.name, *unit.also)
            )

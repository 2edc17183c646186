"""The method files: every shipped one loads, cites pathfinding.cloud, and a bad file is one
clear error naming the file and the problem."""

from __future__ import annotations

from importlib import resources

import pytest

from policysim.paths.method import PATHFINDING, MethodError, load_method_texts, shipped_methods

MINIMUM = (
    [f"iam-{n:03d}" for n in (1, 2, *range(4, 22))]
    + ["sts-001", "ps-delete-own-boundary", "ps-set-default-policy-version"]
    + ["lambda-001", "lambda-002", "lambda-006", "ec2-001", "ec2-003"]
    + ["cloudformation-001", "cloudformation-003", "codebuild-001", "codebuild-004"]
    + ["glue-001", "glue-003", "glue-004", "sagemaker-001", "sagemaker-002", "sagemaker-003"]
    + [f"ecs-00{n}" for n in range(1, 6)]
    + ["datapipeline-001", "apprunner-001"]
)

GOOD = """\
id: ps-example
name: Example
category: self-escalation
description: An example.
kind: modify
acts_on: user
change: identity
requires:
  - action: iam:PutUserPolicy
    resource: target
"""


def test_every_shipped_method_loads_and_the_minimum_set_is_there() -> None:
    methods = shipped_methods().methods
    assert set(MINIMUM) <= set(methods), sorted(set(MINIMUM) - set(methods))


def test_method_files_ship_inside_the_package() -> None:
    folder = resources.files("policysim.paths") / "methods"
    names = {p.name for p in folder.iterdir() if p.name.endswith(".yaml")}
    assert {f"{m}.yaml" for m in MINIMUM} <= names


@pytest.mark.parametrize("method_id", MINIMUM)
def test_each_method_cites_its_page_and_says_what_it_needs(method_id: str) -> None:
    method = shipped_methods()[method_id]
    if method_id.startswith("ps-"):
        assert method.link is None
    else:
        assert method.link == PATHFINDING + method_id
    assert len(method.description) > 40
    if method.kind == "combo":
        assert len(method.parts) == 2
    else:
        assert method.requires
    if method.kind == "passrole":
        assert method.service and method.service.endswith(".amazonaws.com")
        assert any(r.resource == "passed-role" for r in method.requires)


def test_passrole_services_are_the_ones_the_methods_run_as() -> None:
    methods = shipped_methods()
    assert methods["lambda-001"].service == "lambda.amazonaws.com"
    assert methods["ecs-001"].service == "ecs-tasks.amazonaws.com"
    assert methods["apprunner-001"].service == "tasks.apprunner.amazonaws.com"
    assert methods["ec2-001"].instance_profile
    assert not methods["lambda-001"].instance_profile


def test_a_good_file_loads() -> None:
    loaded = load_method_texts({"x/ps-example.yaml": GOOD})
    assert loaded["ps-example"].requires[0].action == "iam:PutUserPolicy"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("kind: modify", "kind: teleport"), "kind must be one of"),
        (("id: ps-example", "id: ps-other"), "differs from the file name"),
        (("iam:PutUserPolicy", "iam:PutUserPolicyy"), "not an action the IAM catalog knows"),
        (("resource: target", "resource: elsewhere"), "resource must be one of"),
        (("change: identity", "change: sideways"), "change must be one of"),
        (("acts_on: user", "acts_on: bucket"), "acts_on must be one of"),
        (("name: Example\n", "name: Example\ncolour: red\n"), "unknown key 'colour'"),
        (("description: An example.\n", ""), "lacks 'description'"),
        (("id: ps-example\n", "id: ps-example\npathfinding: https://x\n"), "no pathfinding"),
        (("requires:", "requires: 3\nx:"), "unknown key 'x'"),
    ],
)
def test_a_bad_file_is_one_clear_error(change: tuple[str, str], message: str) -> None:
    text = GOOD.replace(*change)
    with pytest.raises(MethodError) as caught:
        load_method_texts({"x/ps-example.yaml": text})
    assert message in str(caught.value)
    assert str(caught.value).startswith("x/ps-example.yaml: ")


def test_not_yaml_is_an_error_with_the_line() -> None:
    with pytest.raises(MethodError, match=r"x/ps-example.yaml: not valid YAML at line 2"):
        load_method_texts({"x/ps-example.yaml": "id: a\n  bad: [\n"})


def test_a_pathfinding_id_needs_its_link() -> None:
    text = GOOD.replace("ps-example", "iam-099")
    with pytest.raises(MethodError, match="pathfinding must be"):
        load_method_texts({"x/iam-099.yaml": text})


def test_a_combo_must_name_a_modify_and_a_become_method() -> None:
    combo = (
        "id: ps-combo\nname: C\ncategory: c\ndescription: d\nkind: combo\n"
        "parts: [ps-example, ps-example]\n"
    )
    with pytest.raises(MethodError, match="combo parts must name"):
        load_method_texts({"x/ps-example.yaml": GOOD, "x/ps-combo.yaml": combo})


def test_a_passrole_method_needs_its_service_and_passrole() -> None:
    text = (
        "id: ps-pass\nname: P\ncategory: c\ndescription: d\nkind: passrole\n"
        "requires:\n  - {action: lambda:CreateFunction, resource: new}\n"
    )
    with pytest.raises(MethodError, match="names the service principal"):
        load_method_texts({"x/ps-pass.yaml": text})
    text = text.replace("kind: passrole\n", "kind: passrole\nservice: lambda.amazonaws.com\n")
    with pytest.raises(MethodError, match="requires iam:PassRole"):
        load_method_texts({"x/ps-pass.yaml": text})


def test_the_docs_list_every_shipped_method() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "paths.md").read_text(encoding="utf-8")
    missing = [
        m for m in shipped_methods().methods if f"| {m} |" not in docs and f"[{m}]" not in docs
    ]
    assert missing == []

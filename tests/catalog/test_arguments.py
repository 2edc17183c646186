"""Actions and resources as users type them (catalog/arguments.py)."""

from __future__ import annotations

import pytest

from policysim.catalog.arguments import (
    RequestActionError,
    ResourceArgumentError,
    ResourceMismatchError,
    UnknownActionError,
    check_request,
    check_resource,
    expand_action_arguments,
    resource_problem,
    select_actions,
)


@pytest.mark.parametrize(
    "resource",
    ["*", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", "arn:aws-cn:iam::123456789012:root"],
)
def test_arns_and_star_are_resources(resource: str) -> None:
    assert resource_problem(resource) is None
    assert check_resource(resource) == resource


@pytest.mark.parametrize(
    ("resource", "says"),
    [
        (
            "bucket/key",
            "'bucket/key' is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)",
        ),
        ("s3:PutObject", "(it looks like an action)"),
        ("arn:aws:s3", "is not an ARN"),
        ("arn:aws:s3:::", "resource must not be empty"),
        ("arn::s3:::b", "partition"),
        ("", "is not an ARN"),
        ("**", "is not an ARN"),
    ],
)
def test_other_text_is_not_a_resource(resource: str, says: str) -> None:
    problem = resource_problem(resource)
    assert problem is not None and says in problem
    with pytest.raises(ResourceArgumentError, match=r"^--resource "):
        check_resource(resource, what="--resource")


@pytest.mark.parametrize(
    ("action", "says"),
    [
        ("s3:GetObjects", "unknown action 's3:GetObjects'; did you mean 's3:GetObject'"),
        ("iamm:PassRole", "unknown service prefix 'iamm' in 'iamm:PassRole'; did you mean 'iam'"),
        ("GetObject", "is not of the form service:Action"),
        ("s3:Gte*", "no action of the IAM catalog matches 's3:Gte*'"),
    ],
)
def test_unknown_actions_are_errors_with_suggestions(action: str, says: str) -> None:
    with pytest.raises(UnknownActionError) as err:
        select_actions([action])
    assert says in err.value.message
    with pytest.raises(UnknownActionError):
        expand_action_arguments([action])


def test_exact_action_on_a_resource_it_does_not_act_on() -> None:
    with pytest.raises(ResourceMismatchError, match=r"s3:ListBucket does not act on"):
        select_actions(["s3:GetObject", "s3:ListBucket"], "arn:aws:s3:::b/k")


def test_selection_keeps_order_and_drops_duplicates() -> None:
    selection = select_actions(["s3:putobject", "S3:GetObject", "s3:PutObject"], "*")
    assert selection.actions == ["s3:PutObject", "s3:GetObject"]
    assert selection.left_out == []


def test_check_request_accepts_a_fitting_question() -> None:
    assert check_request("s3:GetObject", "arn:aws:s3:::b/k") == []
    assert check_request("s3:ListAllMyBuckets", "*") == []


@pytest.mark.parametrize(
    ("action", "resource", "error", "says"),
    [
        ("s3:Get*", "*", RequestActionError, "'s3:Get*' is a pattern"),
        ("s3:GetObjects", "*", UnknownActionError, "did you mean 's3:GetObject'"),
        ("s3:GetObject", "bucket/key", ResourceArgumentError, "is not an ARN"),
        ("s3:ListBucket", "arn:aws:s3:::b/k", ResourceMismatchError, "acts on accesspoint"),
        ("s3:ListAllMyBuckets", "arn:aws:s3:::b", ResourceMismatchError, 'only "*"'),
    ],
)
def test_check_request_refuses(
    action: str, resource: str, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=None) as raised:
        check_request(action, resource)
    assert says in str(raised.value)


def test_unknown_service_prefix_is_answered_with_a_warning() -> None:
    """The catalog trails AWS's newest services; SimulateCustomPolicy takes any name."""
    [warning] = check_request("someservice:Get", "*")
    assert "unknown service prefix 'someservice'" in warning
    assert "answered as written" in warning
    # ...but the resource is still vetted, and a known service's typo is still an error.
    with pytest.raises(ResourceArgumentError):
        check_request("someservice:Get", "thing")
    with pytest.raises(UnknownActionError):
        check_request("s3:Frobnicate", "*")

"""Which resource types an ARN fits (catalog/resources.py), and wildcard actions kept only where
they act on the resource (catalog/arguments.py `select_actions`)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.catalog import ActionInfo, Catalog
from policysim.catalog.arguments import ResourceMismatchError, select_actions
from policysim.catalog.resources import action_resources, acts_on, resource_mismatch

ACCOUNT = "123456789012"
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def info(catalog: Catalog, name: str) -> ActionInfo:
    found = catalog.action(name)
    assert found is not None, name
    return found


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:ListBucket", "arn:aws:s3:::bucket"),
        ("s3:GetObject", "arn:aws:s3:::bucket/key"),
        ("s3:GetObject", "arn:aws:s3:::bucket/dir/sub/key.txt"),
        ("s3:GetObject", "arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/dir/key"),
        ("iam:GetUser", "arn:aws:iam::123456789012:user/division/team/alice"),
        ("iam:PassRole", "arn:aws:iam::123456789012:role/service-role/app"),
        ("kms:DeleteAlias", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3"),
        ("logs:DeleteLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn"),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:log-stream:2026/01/s",
        ),
        ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:fn"),
        ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:fn:prod"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-1:1:secret:a/b-x1"),
        ("sts:AssumeRole", "arn:aws:iam::123456789012:role/app"),
        ("s3:ListAllMyBuckets", "*"),
        ("s3:GetObject", "*"),
        ("ec2:DescribeInstances", "*"),
    ],
)
def test_acts_on(catalog: Catalog, action: str, resource: str) -> None:
    assert acts_on(info(catalog, action), resource)
    assert resource_mismatch(info(catalog, action), resource) is None


@pytest.mark.parametrize(
    ("action", "resource", "says"),
    [
        (
            "s3:ListBucket",
            "arn:aws:s3:::bucket/key",
            "bucket: arn:${Partition}:s3:::${BucketName}",
        ),
        ("s3:ListBucket", "arn:aws:s3:::bucket/dir/key", "acts on accesspoint: "),
        (
            "s3:GetObject",
            "arn:aws:s3:::bucket",
            "object: arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        ),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:123456789012:alias/aws/s3", "acts on key: "),
        ("sqs:SendMessage", "arn:aws:s3:::bucket", "acts on queue: "),
        ("iam:GetUser", "arn:aws:iam::123456789012:role/app", "acts on user: "),
        (
            "s3:ListAllMyBuckets",
            "arn:aws:s3:::bucket",
            's3:ListAllMyBuckets takes only "*" as its resource',
        ),
        ("ec2:DescribeInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", 'only "*"'),
    ],
)
def test_does_not_act_on(catalog: Catalog, action: str, resource: str, says: str) -> None:
    found = info(catalog, action)
    assert not acts_on(found, resource)
    message = resource_mismatch(found, resource)
    assert message is not None and says in message, message
    assert "\n" not in message


def test_mismatch_names_the_action_and_resource(catalog: Catalog) -> None:
    message = resource_mismatch(info(catalog, "s3:ListBucket"), "arn:aws:s3:::b/k")
    assert message is not None
    assert message.startswith("s3:ListBucket does not act on arn:aws:s3:::b/k; s3:ListBucket acts")


def fill(template: str, name: str) -> str:
    """An ARN of a format: head placeholders get plain values, the resource part `name`."""
    parts = template.split(":", 5)
    head = ":".join(_PLACEHOLDER.sub("x1", part) for part in parts[:5])
    return f"{head}:{_PLACEHOLDER.sub(name, parts[5])}"


def test_every_action_acts_on_arns_of_its_own_formats(catalog: Catalog) -> None:
    """No false refusal across the whole catalog: an ARN built from any format of any of an
    action's resource types is accepted, with names holding `:`, `.` and `-`, and with a `/`
    in a final placeholder that follows a `/` (object keys, IAM paths, aliases)."""
    refused = []
    for action in catalog.all_actions():
        for _name, formats in action_resources(action).types:
            for template in formats:
                arns = [fill(template, name) for name in ("x1", "a:b", "x-y.z_1")]
                head = template[: template.rfind("${")]
                if template.endswith("}") and head.endswith("/"):
                    arns.append(fill(head, "x1") + "p/q/r")
                refused += [(action.full_name, arn) for arn in arns if not acts_on(action, arn)]
    assert refused == []


# --- wildcards: kept only where they act on the resource ----------------------------------


def test_wildcard_on_an_object_leaves_bucket_actions_out() -> None:
    selection = select_actions(["s3:Get*"], "arn:aws:s3:::bucket/key")
    assert "s3:GetObject" in selection.actions
    assert "s3:GetBucketPolicy" not in selection.actions
    [entry] = selection.left_out
    assert entry.pattern == "s3:Get*"
    assert entry.kept == len(selection.actions)
    assert entry.count == entry.matched - entry.kept > 0
    assert selection.left_out_json() == [entry.to_json()]
    [note] = selection.notes("arn:aws:s3:::bucket/key")
    assert f"{entry.count} of {entry.matched} matching actions left out" in note


def test_wildcard_with_star_resource_keeps_everything() -> None:
    selection = select_actions(["s3:Get*"], "*")
    assert "s3:GetBucketPolicy" in selection.actions and "s3:GetObject" in selection.actions
    assert selection.notes("*") == [] and selection.left_out_json() == []


def test_wildcard_that_keeps_nothing_is_an_error() -> None:
    with pytest.raises(ResourceMismatchError, match=r"none of the \d+ actions matching"):
        select_actions(["s3:ListAllMy*"], "arn:aws:s3:::bucket")


# A few services with resource types of different shapes.
SERVICES = ("s3", "iam", "kms", "lambda", "logs", "dynamodb", "sqs", "ssm", "ec2")
NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=8)


@st.composite
def questions(draw: st.DrawFn, catalog: Catalog) -> tuple[str, str, str]:
    """(wildcard pattern, resource ARN, the action whose format built the ARN)."""
    service = draw(st.sampled_from(SERVICES))
    actions = [a for a in catalog.actions(service) if action_resources(a).types]
    source = draw(st.sampled_from(actions))
    _type, formats = draw(st.sampled_from(action_resources(source).types))
    template = draw(st.sampled_from(formats))
    names = draw(st.lists(NAME, min_size=1, max_size=4))
    parts = template.split(":", 5)
    head = ":".join(_PLACEHOLDER.sub("x1", part) for part in parts[:5])
    values = iter(names * 8)
    arn = f"{head}:{_PLACEHOLDER.sub(lambda _m: next(values), parts[5])}"
    cut = draw(st.integers(min_value=0, max_value=len(source.name)))
    return f"{service}:{source.name[:cut]}*", arn, source.full_name


def _loosely_fits(arn: str, template: str) -> bool:
    """An independent oracle: can the format describe the ARN at all, placeholders taking any
    text (the most lenient reading there is)?"""
    pieces = [re.escape(p).replace(r"\*", ".*") for p in _PLACEHOLDER.split(template)]
    return re.fullmatch("(?i:" + ".*".join(pieces) + ")", arn, re.DOTALL) is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_wildcards_never_expand_to_actions_that_exclude_the_resource(
    catalog: Catalog, data: st.DataObject
) -> None:
    pattern, arn, source = data.draw(questions(catalog))
    matched = catalog.expand(pattern)
    try:
        selection = select_actions([pattern], arn)
    except ResourceMismatchError:
        selection = None
    kept = [] if selection is None else selection.actions
    for name in kept:
        action = catalog.action(name)
        assert action is not None
        formats = [f for _t, fs in action_resources(action).types for f in fs]
        assert any(_loosely_fits(arn, f) for f in formats), (name, arn)
    # Complete and counted: exactly the matching actions that act on the resource are kept.
    assert kept == [a.full_name for a in matched if acts_on(a, arn)]
    if selection is not None:
        [entry] = selection.left_out
        assert (entry.matched, entry.kept) == (len(matched), len(kept))
    # The action whose own format built the ARN is never left out.
    assert source in kept

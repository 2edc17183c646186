"""Action words that carry their own resource (`s3:GetObject=arn:aws:s3:::b/k`), as the
console simulator asks for a resource per action."""

from __future__ import annotations

import pytest

from policysim.catalog.arguments import (
    ResourceArgumentError,
    ResourceMismatchError,
    UnknownActionError,
    select_action_resources,
    split_action_resource,
)

BUCKET = "arn:aws:s3:::b"
OBJECT = "arn:aws:s3:::b/k"


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("s3:GetObject", ("s3:GetObject", None)),
        (f"s3:GetObject={OBJECT}", ("s3:GetObject", OBJECT)),
        ("s3:GetObject=", ("s3:GetObject", "")),
        ("s3:Get*=*", ("s3:Get*", "*")),
        # only the first '=' separates: a resource may hold one (a tag value, a query)
        ("s3:GetObject=arn:aws:s3:::b/a=b", ("s3:GetObject", "arn:aws:s3:::b/a=b")),
    ],
)
def test_split(word: str, parts: tuple[str, str | None]) -> None:
    assert split_action_resource(word) == parts


def test_each_action_gets_its_own_resource_and_the_default_elsewhere() -> None:
    got = select_action_resources(
        [f"s3:ListBucket={BUCKET}", f"s3:GetObject={OBJECT}", "s3:ListAllMyBuckets"], "*"
    )
    assert got.requests == [
        ("s3:ListBucket", BUCKET),
        ("s3:GetObject", OBJECT),
        ("s3:ListAllMyBuckets", "*"),
    ]
    assert got.resources == [BUCKET, OBJECT, "*"]


def test_the_same_action_on_two_resources_is_two_requests() -> None:
    got = select_action_resources([f"s3:GetObject={OBJECT}", "s3:getobject=arn:aws:s3:::b/j"])
    assert got.requests == [("s3:GetObject", OBJECT), ("s3:GetObject", "arn:aws:s3:::b/j")]
    again = select_action_resources([f"s3:GetObject={OBJECT}", f"s3:GetObject={OBJECT}"])
    assert again.requests == [("s3:GetObject", OBJECT)]


def test_wildcards_are_kept_to_their_own_resource() -> None:
    got = select_action_resources([f"s3:Get*={OBJECT}", f"s3:List*={BUCKET}"])
    objects = [a for a, r in got.requests if r == OBJECT]
    buckets = [a for a, r in got.requests if r == BUCKET]
    assert "s3:GetObject" in objects and "s3:GetBucketPolicy" not in objects
    assert "s3:ListBucket" in buckets and "s3:ListAllMyBuckets" not in buckets
    notes = got.notes()
    assert any(
        n.startswith("s3:Get*:") and n.endswith(f"(they do not act on {OBJECT})") for n in notes
    )
    assert {e["resource"] for e in got.left_out_json()} == {OBJECT, BUCKET}


@pytest.mark.parametrize(
    ("word", "says"),
    [
        ("s3:GetObject=bucket/key", "'s3:GetObject=bucket/key': 'bucket/key' is not an ARN"),
        ("s3:GetObject=", "'s3:GetObject=': no resource after '='"),
        ("s3:GetObject= ", "no resource after '='"),
        (f"={OBJECT}", "no action before '='"),
        ("s3:GetObject=arn:aws:s3", "is not an ARN"),
    ],
)
def test_a_bad_resource_after_the_equals_sign_is_an_error(word: str, says: str) -> None:
    with pytest.raises(ResourceArgumentError) as caught:
        select_action_resources([word])
    assert says in str(caught.value)
    assert "\n" not in str(caught.value)


def test_action_problems_stay_what_select_actions_says() -> None:
    with pytest.raises(ResourceMismatchError, match="ListBucket"):
        select_action_resources([f"s3:ListBucket={OBJECT}"])
    with pytest.raises(UnknownActionError, match="did you mean"):
        select_action_resources([f"s3:GetObjcet={OBJECT}"])

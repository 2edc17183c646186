"""ARN parsing and Resource-pattern matching (spec §2.2; policy/arn.py)."""

from __future__ import annotations

import pytest

from policysim.policy.arn import Arn, compile_arn_glob, is_arn, parse_arn


def matches(pattern: str, value: str, *, head_ignore_case: bool = True) -> bool:
    return compile_arn_glob(pattern, head_ignore_case=head_ignore_case)(value)


# --- parsing -----------------------------------------------------------------------------------


def test_split_on_the_first_five_colons() -> None:
    arn = parse_arn("arn:aws:logs:us-east-1:111122223333:log-group:g:log-stream:s")
    assert arn == Arn("aws", "logs", "us-east-1", "111122223333", "log-group:g:log-stream:s")
    assert arn.resource_type == "log-group"


def test_s3_arns_have_empty_region_and_account() -> None:
    arn = parse_arn("arn:aws:s3:::bucket/key/with:colon")
    assert arn == Arn("aws", "s3", "", "", "bucket/key/with:colon")
    assert arn is not None and str(arn) == "arn:aws:s3:::bucket/key/with:colon"


def test_resource_name_is_the_last_path_segment() -> None:
    arn = parse_arn("arn:aws:iam::111122223333:role/team/app")
    assert arn is not None
    assert (arn.resource_type, arn.resource_name) == ("role", "app")


@pytest.mark.parametrize("text", ["arn:aws:s3", "arn:aws:s3::bucket", "*", "arm:aws:s3:::b", ""])
def test_not_an_arn(text: str) -> None:
    assert parse_arn(text) is None
    assert not is_arn(text)


# --- matching ----------------------------------------------------------------------------------


def test_star_alone_matches_every_resource() -> None:
    assert matches("*", "arn:aws:s3:::b")
    assert matches("*", "*")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # AWS's examples for bucket/*/test/*
        ("arn:aws:s3:::bucket/1/2/test/3/object.jpg", True),
        ("arn:aws:s3:::bucket//test/object.jpg", True),
        ("arn:aws:s3:::bucket/1/test/", True),
        ("arn:aws:s3:::bucket/test/object.jpg", False),
        ("arn:aws:s3:::bucket/1-test/object.jpg", False),
    ],
)
def test_slash_has_no_special_meaning_in_the_resource_segment(value: str, expected: bool) -> None:
    assert matches("arn:aws:s3:::bucket/*/test/*", value) is expected


def test_star_in_the_resource_segment_crosses_colons() -> None:
    assert matches("arn:aws:logs:*:*:*", "arn:aws:logs:us-east-1:111122223333:log-group:g:x:s")


def test_star_in_a_head_segment_stays_within_it() -> None:
    pattern = "arn:aws:sns:*:111122223333:topic"
    assert matches(pattern, "arn:aws:sns:us-east-1:111122223333:topic")
    assert not matches(pattern, "arn:aws:sns:us-east-1:999:x:111122223333:topic")


def test_question_mark_matches_exactly_one_character() -> None:
    assert matches("arn:aws:s3:::b/file?.txt", "arn:aws:s3:::b/file1.txt")
    assert not matches("arn:aws:s3:::b/file?.txt", "arn:aws:s3:::b/file.txt")
    assert not matches("arn:aws:s3:::b/file?.txt", "arn:aws:s3:::b/file12.txt")
    assert matches("arn:aws:s3:us-east-?::b", "arn:aws:s3:us-east-1::b")


def test_several_wildcards_per_segment() -> None:
    assert matches("arn:aws:ec2:*-*-?:*:instance/i-*f*", "arn:aws:ec2:us-east-1:1:instance/i-0f1")


def test_specific_arn_does_not_match_a_request_for_star() -> None:
    assert not matches("arn:aws:s3:::*", "*")


def test_resource_segment_is_case_sensitive() -> None:
    assert not matches("arn:aws:iam::111122223333:user/Bob", "arn:aws:iam::111122223333:user/bob")
    assert not matches("arn:aws:s3:::b/*", "arn:aws:s3:::B/x")


def test_head_is_case_insensitive_by_default_and_sensitive_on_request() -> None:
    assert matches("ARN:AWS:S3:::b/*", "arn:aws:s3:::b/x")
    assert matches("arn:aws:ec2:US-EAST-1:*:instance/*", "arn:aws:ec2:us-east-1:1:instance/i")
    assert not matches("ARN:AWS:S3:::b/*", "arn:aws:s3:::b/x", head_ignore_case=False)
    assert not matches("arn:aws:s3:::b/x", "arn:AWS:s3:::b/x", head_ignore_case=False)
    assert matches("arn:aws:s3:::b/x", "arn:aws:s3:::b/x", head_ignore_case=False)


@pytest.mark.parametrize("pattern", ["arn:aws:s3", "arn:aws:s3::bucket", "s3:::bucket", "bucket*"])
def test_short_or_non_arn_patterns_match_nothing_not_even_themselves(pattern: str) -> None:
    assert not matches(pattern, "arn:aws:s3:::bucket")
    assert not matches(pattern, pattern)


def test_regex_metacharacters_are_literal() -> None:
    assert matches("arn:aws:s3:::b/a.b+(c)", "arn:aws:s3:::b/a.b+(c)")
    assert not matches("arn:aws:s3:::b/a.b", "arn:aws:s3:::b/aXb")


def test_newlines_in_values_are_matched_by_star() -> None:
    assert matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/line1\nline2")


@pytest.mark.parametrize(
    "text",
    ["arn:aws:s3:::b/k", "arn:aws-cn:iam::123456789012:role/a:b", "arn:::::", "arn:a:b:c:d:e:f"],
)
def test_parsed_arns_are_the_dataclass_made_field_by_field(text: str) -> None:
    """`parse_arn` fills the slots directly; the result is what the constructor makes."""
    made = Arn(*text.split(":", 5)[1:])
    parsed = parse_arn(text)
    assert parsed == made and hash(parsed) == hash(made) and repr(parsed) == repr(made)
    assert str(parsed) == text
    with pytest.raises(AttributeError):
        parsed.service = "other"  # type: ignore[misc]

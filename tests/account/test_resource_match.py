"""Resource ARN patterns over the resources the account files name."""

from __future__ import annotations

import textwrap

import pytest

from policysim.account.loaders import parse_snapshot
from policysim.account.resource_match import is_resource_pattern, resources_matching

A = "111122223333"
SNAPSHOT = parse_snapshot(
    textwrap.dedent(f"""
    accounts:
      - id: "{A}"
        users:
          alice: {{}}
        roles:
          app: {{trust_account: "{A}"}}
          app-admin: {{trust_account: "{A}"}}
        resources:
          "arn:aws:s3:::logs-eu": {{tags: {{team: ops}}}}
          "arn:aws:s3:::logs-us": {{tags: {{team: ops}}}}
          "arn:aws:s3:::data": {{tags: {{team: data}}}}
          "arn:aws:sqs:eu-west-1:{A}:jobs": {{tags: {{team: data}}}}
    """),
    "acct.yaml",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*", False),
        ("arn:aws:s3:::logs-eu/key", False),
        ("arn:aws:s3:::logs-eu/*", False),  # a wildcard in the object key only: as written
        ("arn:aws:s3:::logs-*/*", True),
        ("arn:aws:s3:::logs-*", True),
        (f"arn:aws:iam::{A}:role/*", True),
        ("arn:aws:sqs:*:*:jobs", True),
    ],
)
def test_what_is_a_pattern(text: str, expected: bool) -> None:
    assert is_resource_pattern(text) is expected


def test_s3_object_patterns_match_buckets_and_keep_the_object_part() -> None:
    assert resources_matching(SNAPSHOT, "arn:aws:s3:::logs-*/*") == [
        "arn:aws:s3:::logs-eu/*",
        "arn:aws:s3:::logs-us/*",
    ]
    assert resources_matching(SNAPSHOT, "arn:aws:s3:::logs-?u/2026/report.csv") == [
        "arn:aws:s3:::logs-eu/2026/report.csv",
    ]
    assert resources_matching(SNAPSHOT, "arn:aws:s3:::*") == [
        "arn:aws:s3:::logs-eu",
        "arn:aws:s3:::logs-us",
        "arn:aws:s3:::data",
    ]


def test_other_patterns_match_whole_arns_segment_by_segment() -> None:
    assert resources_matching(SNAPSHOT, f"arn:aws:iam::{A}:role/app*") == [
        f"arn:aws:iam::{A}:role/app",
        f"arn:aws:iam::{A}:role/app-admin",
    ]
    assert resources_matching(SNAPSHOT, "arn:aws:sqs:*:*:jobs") == [
        f"arn:aws:sqs:eu-west-1:{A}:jobs"
    ]
    # the resource part is case-sensitive, as in a policy's Resource
    assert resources_matching(SNAPSHOT, "arn:aws:s3:::LOGS-*") == []
    assert resources_matching(SNAPSHOT, "arn:aws:s3:::nothing-*/*") == []

"""Parsing the caller of a request: what is refused, and that the refusal names why."""

from __future__ import annotations

import pytest

from policysim.engine.request import PrincipalKind, RequestError, RequestPrincipal


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("arn:aws:iam::111122223333:user/alice", PrincipalKind.USER),
        ("arn:aws:iam::111122223333:role/path/r+=,.@-", PrincipalKind.ROLE),
        ("arn:aws:sts::111122223333:assumed-role/r/s@example.com", PrincipalKind.ASSUMED_ROLE),
        ("anonymous", PrincipalKind.ANONYMOUS),
        ("lambda.amazonaws.com", PrincipalKind.SERVICE),
        (
            "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1ABC",
            PrincipalKind.CLOUDFRONT_OAI,
        ),
    ],
)
def test_callers_that_aws_can_send_are_parsed(text: str, kind: PrincipalKind) -> None:
    assert RequestPrincipal.parse(text).kind is kind


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:iam::111122223333:user/a b",
        "arn:aws:iam::111122223333:user/a\tb",
        "arn:aws:iam::111122223333:user/alice\n",
        "arn:aws:iam::111122223333:role/r\x1b[31m",
        "arn:aws:sts::111122223333:assumed-role/r/s\u200b",
        "lambda.amazonaws.com\x00",
    ],
)
def test_whitespace_and_control_characters_are_refused_by_name(text: str) -> None:
    """No IAM or STS name holds them: deciding for such a caller would answer a question no
    request can ask (a pasted newline, an escape sequence, a zero-width space)."""
    with pytest.raises(RequestError, match="which no IAM or STS name may contain"):
        RequestPrincipal.parse(text)

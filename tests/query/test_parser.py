"""The query language: every form parses to its AST, and malformed queries explain themselves.

Errors are checked the way a user sees them: `str(err)` is one line, ``query:1:COL: ...``,
pointing at the offending character, with a hint that names the fix.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.grammar_loader import grammar_text
from policysim.policy.errors import PolicyError
from policysim.query import (
    QUERY_HELP,
    CanQuery,
    ContextValue,
    PrincipalRef,
    Query,
    QueryError,
    WhoCanQuery,
    parse_query,
    render_query,
)
from policysim.query.parser import query_parser

ALICE = PrincipalRef("user", "alice")


def can(
    principal: PrincipalRef,
    *actions: str,
    resource: str = "*",
    context: dict[str, ContextValue] | None = None,
) -> CanQuery:
    """A `CanQuery`, briefly."""
    return CanQuery(principal, actions, resource, context or {})


# --------------------------------------------------------------------------------------------
# Every form
# --------------------------------------------------------------------------------------------

VALID: list[tuple[str, Query]] = [
    (
        "can user/alice do s3:PutObject on arn:aws:s3:::b/k when aws:SourceIp=10.0.0.1",
        CanQuery(ALICE, ("s3:PutObject",), "arn:aws:s3:::b/k", {"aws:SourceIp": "10.0.0.1"}),
    ),
    ("who can do iam:PassRole on *", WhoCanQuery(("iam:PassRole",), "*", {})),
    ("who can do iam:PassRole", WhoCanQuery(("iam:PassRole",))),
    ("can user/alice do s3:GetObject", can(ALICE, "s3:GetObject")),
    ("can user/engineering/alice do *", can(PrincipalRef("user", "engineering/alice"), "*")),
    ("can user/a+b=c,d.e@f_g-h do s3:X", can(PrincipalRef("user", "a+b=c,d.e@f_g-h"), "s3:X")),
    ("can role/deploy do iam:PassRole", can(PrincipalRef("role", "deploy"), "iam:PassRole")),
    ("can group/devs do s3:GetObject", can(PrincipalRef("group", "devs"), "s3:GetObject")),
    (
        'can "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"'
        " do s3:GetObject",
        can(
            PrincipalRef(
                "oai",
                "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL",
            ),
            "s3:GetObject",
        ),
    ),
    (
        "can service/lambda.amazonaws.com do sqs:SendMessage",
        can(PrincipalRef("service", "lambda.amazonaws.com"), "sqs:SendMessage"),
    ),
    ("can account/111122223333 do s3:*", can(PrincipalRef("root", "111122223333"), "s3:*")),
    ("can root do s3:GetObject", can(PrincipalRef("root"), "s3:GetObject")),
    ("can anonymous do s3:GetObject", can(PrincipalRef("anonymous"), "s3:GetObject")),
    (
        "can arn:aws:iam::111122223333:user/alice do s3:Get*",
        can(PrincipalRef("arn", "arn:aws:iam::111122223333:user/alice"), "s3:Get*"),
    ),
    (
        "can arn:aws:sts::111122223333:assumed-role/deploy/ci do s3:Get?bject",
        can(
            PrincipalRef("arn", "arn:aws:sts::111122223333:assumed-role/deploy/ci"), "s3:Get?bject"
        ),
    ),
    (
        "can user/alice do s3:GetObject,s3:PutObject , s3:DeleteObject on *",
        can(ALICE, "s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
    ),
    (
        "who can do s3:GetObject, s3:ListBucket on arn:aws:s3:::b when s3:prefix=home/ and"
        " aws:CurrentTime=2026-01-01T00:00:00Z",
        WhoCanQuery(
            ("s3:GetObject", "s3:ListBucket"),
            "arn:aws:s3:::b",
            {"s3:prefix": "home/", "aws:CurrentTime": "2026-01-01T00:00:00Z"},
        ),
    ),
    (
        "can user/alice do ec2:RunInstances when aws:TagKeys=[team, env] and"
        " aws:PrincipalTag/team=data and aws:SourceIp = 10.1.2.3",
        can(
            ALICE,
            "ec2:RunInstances",
            context={
                "aws:TagKeys": ("team", "env"),
                "aws:PrincipalTag/team": "data",
                "aws:SourceIp": "10.1.2.3",
            },
        ),
    ),
    (
        "can user/alice do s3:X when aws:TagKeys=[] and aws:RequestTag/x=[one]",
        can(ALICE, "s3:X", context={"aws:TagKeys": (), "aws:RequestTag/x": ("one",)}),
    ),
    (
        "can service/sns.amazonaws.com do sqs:SendMessage on arn:aws:sqs:us-east-1:111122223333:q"
        " when aws:SourceArn=arn:aws:sns:us-east-1:111122223333:topic",
        can(
            PrincipalRef("service", "sns.amazonaws.com"),
            "sqs:SendMessage",
            resource="arn:aws:sqs:us-east-1:111122223333:q",
            context={"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:topic"},
        ),
    ),
    ("  can\tuser/alice\n do  s3:X  ", can(ALICE, "s3:X")),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_every_form_parses_to_its_ast(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "CAN user/alice DO s3:X ON * WHEN aws:username=1 AND aws:x=2",
        "Can User/alice Do s3:X On * When aws:username=1 And aws:x=2",
        "cAn uSeR/alice dO s3:X oN * wHeN aws:username=1 aNd aws:x=2",
    ],
)
def test_keywords_and_principal_kinds_are_case_insensitive(text: str) -> None:
    assert parse_query(text) == can(ALICE, "s3:X", context={"aws:username": "1", "aws:x": "2"})


def test_who_and_anonymous_and_root_are_case_insensitive() -> None:
    assert parse_query("WHO CAN DO s3:X") == WhoCanQuery(("s3:X",))
    assert parse_query("can ANONYMOUS do s3:X") == can(PrincipalRef("anonymous"), "s3:X")
    assert parse_query("can Root do s3:X") == can(PrincipalRef("root"), "s3:X")
    assert parse_query("can Account/111122223333 do s3:X") == can(
        PrincipalRef("root", "111122223333"), "s3:X"
    )


def test_names_keys_and_values_keep_their_case() -> None:
    query = parse_query("can ROLE/Deploy do S3:GetObject when AWS:UserName=ABC")
    assert query == can(
        PrincipalRef("role", "Deploy"), "S3:GetObject", context={"AWS:UserName": "ABC"}
    )


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ('"data eng"', "data eng"),
        ('""', ""),
        ('"a,b"', "a,b"),
        ('"x=y"', "x=y"),
        ('"[1]"', "[1]"),
        ('"and"', "and"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ('"C:\\path"', "C:\\path"),  # an unknown escape stays as written
        ('"when on"', "when on"),
        ("'single'", "'single'"),  # a bare word, quotes and all
        ("ANDROID", "ANDROID"),  # only the whole word 'and' is reserved
        ("*", "*"),
    ],
)
def test_values_bare_and_quoted(written: str, value: str) -> None:
    query = parse_query(f"can user/alice do s3:X when aws:PrincipalTag/team={written}")
    assert query.context == {"aws:PrincipalTag/team": value}


def test_quoted_values_in_lists() -> None:
    query = parse_query('who can do s3:X when aws:TagKeys=["a b", c, ""]')
    assert query.context == {"aws:TagKeys": ("a b", "c", "")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "can user/alice do s3:GetObject on arn:aws:s3:::when/on/and when aws:a=1",
            can(ALICE, "s3:GetObject", resource="arn:aws:s3:::when/on/and", context={"aws:a": "1"}),
        ),
        (
            "can arn:aws:iam::111122223333:role/when-on-do do s3:X on arn:aws:s3:::on",
            can(
                PrincipalRef("arn", "arn:aws:iam::111122223333:role/when-on-do"),
                "s3:X",
                resource="arn:aws:s3:::on",
            ),
        ),
        (
            "can role/when do s3:X when aws:SourceArn=arn:aws:s3:::do/when/and",
            can(
                PrincipalRef("role", "when"),
                "s3:X",
                context={"aws:SourceArn": "arn:aws:s3:::do/when/and"},
            ),
        ),
        (
            "can user/on do on:when on arn:aws:on:when:111122223333:and",
            can(
                PrincipalRef("user", "on"),
                "on:when",
                resource="arn:aws:on:when:111122223333:and",
            ),
        ),
    ],
)
def test_keywords_inside_arns_names_and_values_are_not_keywords(text: str, expected: Query) -> None:
    assert parse_query(text) == expected


def test_help_examples_all_parse() -> None:
    examples = [
        line.strip()
        for line in QUERY_HELP.split("Examples:")[1].splitlines()
        if line.strip().startswith(("can ", "who "))
    ]
    assert len(examples) >= 5
    for example in examples:
        parse_query(example)
    assert 20 <= len(QUERY_HELP.splitlines()) <= 30


def test_the_grammar_is_the_shipped_file() -> None:
    assert "who_query" in grammar_text("query")
    assert query_parser().options.parser == "lalr"


def test_queries_are_hashable_and_frozen() -> None:
    query = parse_query("can user/alice do s3:X when aws:a=1")
    assert {query: 1}[parse_query("can user/alice do s3:X when aws:a=1")] == 1
    with pytest.raises(AttributeError):
        query.resource = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Malformed queries: (query, column, message fragment, hint fragment)
# --------------------------------------------------------------------------------------------

MALFORMED: list[tuple[str, int, str, str]] = [
    # missing 'do'
    (
        "can user/alice s3:PutObject on arn:aws:s3:::b/k",
        16,
        "expected 'do' after the principal, got 's3:PutObject'",
        "try: can user/alice do s3:PutObject on arn:aws:s3:::b/k",
    ),
    ("can user/alice", 15, "expected 'do'", "try: can user/alice do ACTION"),
    ("who can s3:X", 9, "expected 'do' after 'who can'", "try: who can do s3:X"),
    # 'user alice' for 'user/alice'
    (
        "can user alice do s3:PutObject",
        5,
        "a principal is one word",
        "try: can user/alice do s3:PutObject",
    ),
    ("can user:alice do s3:X", 5, "expected a principal", "try: can user/alice do s3:X"),
    # misspelled keywords
    ("cna user/alice do s3:X", 1, "starts with 'can' or 'who', got 'cna'", "did you mean 'can'?"),
    ("whoo can do s3:X", 1, "got 'whoo'", "did you mean 'who'?"),
    ("candy user/a do s3:X", 1, "got 'candy'", "did you mean 'can'?"),
    ("who cna do s3:X", 5, "expected 'can' after 'who'", "did you mean 'can'?"),
    ("can user/a od s3:X", 12, "expected 'do'", "did you mean 'do'?"),
    ("can user/a do s3:X onn *", 20, "got 'onn'", "did you mean 'on'?"),
    ("can user/a do s3:X wen aws:a=1", 20, "got 'wen'", "did you mean 'when'?"),
    ("can user/a do s3:X on * wen aws:a=1", 25, "got 'wen'", "did you mean 'when'?"),
    ("can user/a do s3:X when aws:a=1 adn aws:b=2", 33, "got 'adn'", "did you mean 'and'?"),
    ("can anonymus do s3:X", 5, "expected a principal", "did you mean 'anonymous'?"),
    ("can usr/alice do s3:X", 5, "unknown principal kind 'usr'", "did you mean user/alice?"),
    # missing value after '='
    ("can user/a do s3:X when aws:SourceIp=", 38, "missing value after '='", "aws:SourceIp=VALUE"),
    (
        "can user/a do s3:X when aws:SourceIp= and aws:b=2",
        39,
        "missing value after '=', got 'and'",
        '"" for an empty string',
    ),
    # unterminated quote
    (
        'can user/a do s3:X when aws:PrincipalTag/team="data eng',
        47,
        "unterminated string",
        'try: ... do s3:X when aws:PrincipalTag/team="data eng"',
    ),
    # an action without ':'
    (
        "can user/alice do PutObject on arn:aws:s3:::b/k",
        19,
        "expected an action after 'do', got 'PutObject': an action is service:Name",
        "try: can user/alice do s3:PutObject on arn:aws:s3:::b/k",
    ),
    ("who can do PassRole", 12, "an action is service:Name", "e.g. s3:PassRole"),
    ("can user/a do s3:Put-Object", 21, "invalid character '-' in action", "letters and digits"),
    ("can user/a do s3:X, on *", 21, "a trailing ','", "try: can user/a do s3:X on *"),
    ("can user/a do", 14, "expected an action after 'do'", "name an action"),
    # missing 'on' / 'when' / 'and' / ','
    ("can user/a do s3:X s3:Y", 20, "separate actions with ','", "try: can user/a do s3:X, s3:Y"),
    ("can user/a do s3:X arn:aws:s3:::b", 20, "missing 'on'", "do s3:X on arn:aws:s3:::b"),
    ("can user/a do s3:X on * aws:a=1", 25, "missing 'when'", "on * when aws:a=1"),
    ("can user/a do s3:X when aws:a=1 aws:b=2", 33, "missing 'and'", "aws:a=1 and aws:b=2"),
    # resources
    ("can user/a do s3:X on b/k", 23, "a resource is an ARN", "on arn:aws:s3:::b/k"),
    ("can user/a do s3:X on arn:aws:s3", 23, "incomplete resource ARN", "arn:aws:s3:::bucket/key"),
    ("can user/a do s3:X on", 22, "expected a resource ARN or '*'", "on arn:aws:s3:::"),
    ("can user/a do s3:X on * on *", 25, "a query names one resource", "once per resource"),
    # conditions
    ("can user/a do s3:X when SourceIp=1", 25, "prefix:Name", "when aws:SourceIp=1"),
    ("can user/a do s3:X when aws:SourceIp 1", 38, "expected '='", "aws:SourceIp=1"),
    ("can user/a do s3:X when aws:SourceIp==1", 38, "single '='", "aws:SourceIp=1"),
    (
        "can user/a do s3:X when aws:a=1 and",
        36,
        "a trailing 'and'",
        "try: can user/a do s3:X when aws:a=1",
    ),
    ("can user/a do s3:X when", 24, "expected a condition key after 'when'", "aws:SourceIp="),
    ("can user/a do s3:X when aws:TagKeys=a,b", 38, "takes a list", "aws:TagKeys=[a, b]"),
    ("can user/a do s3:X when aws:a=1, aws:b=2", 32, "join conditions with 'and'", "aws:a=1 and"),
    ("can user/a do s3:X when aws:t=[a b]", 34, "expected ',' or ']'", "aws:t=[a, b]"),
    ("can user/a do s3:X when aws:t=[a, b", 36, "unclosed '['", "aws:t=[a, b]"),
    ("can user/a do s3:X when aws:t=[a, ]", 35, "a trailing ','", "aws:t=[a]"),
    ("can user/a do s3:X when aws:t='a b'", 34, "double quotes", '"data eng"'),
    ("can user/a do s3:X when aws:a=1 and AWS:A=2", 37, "given twice", "aws:a=[a, b]"),
    # principals
    ("can * do s3:X", 5, "'can *' is not a query", "try: who can do s3:X"),
    ("can do s3:X", 5, "missing principal", "try: can user/NAME do s3:X"),
    ("who can user/a do s3:X", 9, "'who can' asks which principals", "try: can user/a do s3:X"),
    ("who can do arn:aws:s3:::b on *", 12, "got the ARN", "the resource goes after 'on'"),
    ("who can do aws:a=1", 12, "got the condition 'aws:a=1'", "when aws:a=1"),
    ("can user/a do s3:X when arn:aws:s3:::b", 25, "an ARN", "on arn:aws:s3:::b"),
    ("can user/a do s3:X when aws:a=1 =2", 33, "one '=' per condition", 'key="a=b"'),
    ("can user/a do s3:X when aws:t=[a,", 34, "unclosed '['", "aws:t=[a]"),
    ("who user/a do s3:X", 5, "'who can' asks which principals can", "try: can user/a do s3:X"),
    ("can grop/devs do s3:X", 5, "unknown principal kind 'grop'", "did you mean group/devs?"),
    ("can service/lambda do s3:X", 13, "not a host name", "service/lambda.amazonaws.com"),
    ('can "user alice" do s3:X', 5, "quotes are only for", "try: can user alice do"),
    ("can account/123 do s3:X", 13, "an account ID is 12 digits", "account/111122223333"),
    ("can user/ do s3:X", 10, "missing name after 'user/'", "user/alice"),
    ("can user/a!b do s3:X", 11, "invalid character '!' in user name", "allowed:"),
    ("can user/a//b do s3:X", 12, "empty segment", "user/eng/alice"),
    ("can service/x_y do s3:X", 14, "invalid character '_'", "a-z 0-9 . -"),
    ("can arn:aws:s3:::b do s3:X", 5, "an IAM or STS ARN", "arn:aws:iam::"),
    ('can "user/a" do s3:X', 5, "quotes are only for condition values", "try: can user/a do"),
    # empty and nonsense
    ("", 1, "empty query", "e.g. can user/alice"),
    ("   ", 1, "empty query", "e.g. can user/alice"),
    ("hello", 1, "starts with 'can' or 'who', got 'hello'", "e.g. can user/alice"),
    ("user/alice do s3:X", 1, "starts with 'can' or 'who'", "try: can user/alice do s3:X"),
]


@pytest.mark.parametrize(
    ("text", "column", "message", "hint"), MALFORMED, ids=[t or "<empty>" for t, *_ in MALFORMED]
)
def test_malformed_queries_give_one_located_line_with_a_hint(
    text: str, column: int, message: str, hint: str
) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    err = caught.value
    line = str(err)
    assert "\n" not in line
    assert err.position is not None and err.position.column == column, line
    assert line.startswith(f"query:1:{column}: "), line
    assert message in err.message, line
    assert hint in err.hint, line
    assert line.endswith(f"({err.hint})")


def test_query_error_is_a_policy_error_with_the_documented_shape() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_query("can user/alice s3:PutObject on arn:aws:s3:::b/k/with/a/much/longer/key")
    assert str(caught.value) == (
        "query:1:16: expected 'do' after the principal, got 's3:PutObject'"
        " (try: can user/alice do s3:PutObject ...)"
    )
    assert isinstance(caught.value, QueryError)
    relocated = caught.value.located(file="queries.txt")
    assert str(relocated).startswith("queries.txt:1:16: ")
    assert relocated.hint == caught.value.hint


def test_errors_on_later_lines_are_located_by_line() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("can user/alice do s3:X\n  on * wen aws:a=1")
    assert caught.value.position is not None
    assert (caught.value.position.line, caught.value.position.column) == (2, 8)
    assert "\n" not in str(caught.value)


def test_long_words_are_clipped_in_messages() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("can user/a do s3:X on * " + "x" * 500)
    assert len(str(caught.value)) < 200


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "text"),
    [
        (
            can(ALICE, "s3:X", "s3:Y", resource="arn:aws:s3:::b", context={"aws:a": "1"}),
            "can user/alice do s3:X, s3:Y on arn:aws:s3:::b when aws:a=1",
        ),
        (WhoCanQuery(("*",)), "who can do * on *"),
        (can(PrincipalRef("root"), "s3:X"), "can root do s3:X on *"),
        (
            can(PrincipalRef("root", "111122223333"), "s3:X"),
            "can account/111122223333 do s3:X on *",
        ),
        (can(PrincipalRef("anonymous"), "s3:X"), "can anonymous do s3:X on *"),
        (
            can(
                ALICE,
                "s3:X",
                context={"k:a": "", "k:b": "and", "k:c": 'a "b"\\', "k:d": ("x y", "z")},
            ),
            'can user/alice do s3:X on * when k:a="" and k:b="and" and k:c="a \\"b\\"\\\\"'
            ' and k:d=["x y", z]',
        ),
    ],
)
def test_render_query(query: Query, text: str) -> None:
    assert render_query(query) == text
    assert parse_query(text) == query


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


def _regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


NO_SPACE = st.text(
    st.characters(exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=20
).filter(lambda s: not re.search(r"\s", s))
KEYWORDISH = st.sampled_from(["when", "on", "and", "do", "can", "who", "WHEN", "root"])
ARN_TAIL = st.lists(st.one_of(NO_SPACE, KEYWORDISH), min_size=1, max_size=4).map("/".join)

IAM_SEGMENT = _regex(r"[A-Za-z0-9+=,.@_-]{1,12}")
PRINCIPALS = st.one_of(
    st.builds(
        PrincipalRef,
        st.sampled_from(["user", "role", "group"]),
        st.lists(IAM_SEGMENT, min_size=1, max_size=3).map("/".join),
    ),
    st.builds(PrincipalRef, st.just("service"), _regex(r"[A-Za-z0-9-]{1,12}\.[A-Za-z0-9.-]{0,17}")),
    st.builds(
        lambda oai: PrincipalRef(
            "oai", f"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity {oai}"
        ),
        _regex(r"E[A-Z0-9]{5,13}"),
    ),
    st.builds(PrincipalRef, st.just("root"), st.one_of(st.just(""), _regex(r"[0-9]{12}"))),
    st.just(PrincipalRef("anonymous")),
    st.builds(
        lambda service, account, tail: PrincipalRef("arn", f"arn:aws:{service}::{account}:{tail}"),
        st.sampled_from(["iam", "sts"]),
        _regex(r"[0-9]{0,12}"),
        ARN_TAIL,
    ),
)
ACTIONS = st.one_of(st.just("*"), _regex(r"[A-Za-z0-9-]{1,10}:[A-Za-z0-9*?]{1,20}"))
RESOURCES = st.one_of(
    st.just("*"),
    st.builds(
        lambda partition, service, region, account, tail: (
            f"arn:{partition}:{service}:{region}:{account}:{tail}"
        ),
        _regex(r"[a-z-]{1,8}"),
        _regex(r"[a-z0-9-]{1,8}"),
        _regex(r"[a-z0-9-]{0,12}"),
        _regex(r"[0-9*]{0,12}"),
        ARN_TAIL,
    ),
)
KEY_PATTERN = re.compile(query_parser().get_terminal("KEY").pattern.to_regexp())
KEYS = st.builds(
    lambda prefix, name: f"{prefix}:{name}",
    _regex(r"[A-Za-z0-9._-]{1,10}"),
    st.one_of(_regex(r"[A-Za-z0-9]{1,12}(/[A-Za-z0-9_.:@+-]{1,8})?"), NO_SPACE),
).filter(KEY_PATTERN.fullmatch)
VALUES = st.one_of(
    st.text(max_size=20),
    KEYWORDISH,
    _regex(r"[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?"),
    st.lists(st.text(max_size=10), max_size=4).map(tuple),
)
CONTEXTS = st.dictionaries(KEYS, VALUES, max_size=4).filter(
    lambda d: len({k.lower() for k in d}) == len(d)
)
QUERIES = st.one_of(
    st.builds(
        CanQuery,
        PRINCIPALS,
        st.lists(ACTIONS, min_size=1, max_size=3).map(tuple),
        RESOURCES,
        CONTEXTS,
    ),
    st.builds(
        WhoCanQuery, st.lists(ACTIONS, min_size=1, max_size=3).map(tuple), RESOURCES, CONTEXTS
    ),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(QUERIES)
def test_parse_of_render_is_the_identity(query: Query) -> None:
    assert parse_query(render_query(query)) == query


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "can",
                    "who",
                    "do",
                    "on",
                    "when",
                    "and",
                    "user/a",
                    "*",
                    "s3:X",
                    "=",
                    ",",
                    "[",
                    "]",
                    '"',
                    "arn:aws:s3:::b",
                    "aws:a",
                    "1",
                    "user",
                    "x",
                ]
            ),
            st.text(max_size=6),
        ),
        max_size=12,
    ).map(" ".join)
)
def test_anything_either_parses_or_raises_a_one_line_query_error(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as err:
        assert "\n" not in str(err) and "\r" not in str(err)
        assert err.position is not None and err.position.column >= 1

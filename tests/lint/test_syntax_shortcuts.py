"""Shortcuts of the PS0xx rules and PS510/PS514 (pointers built on demand, a `${` pre-test,
a cached ARN check, string-only condition values passed over, actions grouped by statement,
element types vouched for by a statement's model, case-variant keys sought only in Condition
blocks of a document with a model) report exactly what the plain walks report."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from policysim.lint.context import LintContext
from policysim.lint.policy_type import PolicyKind
from policysim.lint.rules import hygiene, syntax
from policysim.lint.runner import LintOptions, lint_source
from policysim.policy.source import parse_source

TEXTS = [
    "*",
    "s3:GetObject",
    "S3:getobject",
    "s3:${aws:username}",
    "arn:aws:s3:::b/${aws:username}/*",
    "arn:aws:s3:::${aws:username",
    "arn:${aws:partition}:s3:::b",
    "arn:aws:s3:::b/${ aws:username}",
    "arn:aws:s3:::b/${aws:username, anon}",
    "arn:aws:s3:::b/${}",
    "arn:aws:s3:::b:${aws:username}",
    "arn:aws:ec2:us-east-1:123:instance/*",
    "Arn:aws:s3:::b",
    "arn:aws:S3:::b",
    "arn:aws:s3:::b/x:y",
    "arn:aws:s3",
    "$",
    "{x}",
    "home/${aws:username}/*",
    "arn:aws:*3:::b/*",
    "arn:aws:*:us-east-1:123:x",
]
SCALARS = st.one_of(st.sampled_from(TEXTS), st.integers(0, 3), st.booleans(), st.none())
VALUES = st.one_of(
    st.sampled_from(TEXTS),
    st.lists(st.one_of(SCALARS, st.just({"a": "b"}), st.just(["x"])), max_size=4),
    SCALARS,
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", None, 1]))}
    for key in ("Sid", "Action", "NotAction", "Resource", "NotResource"):
        if draw(st.booleans()):
            statement[key] = draw(VALUES) if key != "Sid" else draw(SCALARS)
    if draw(st.booleans()):
        operator = draw(
            st.sampled_from(["StringLike", "NumericEquals", "ArnLike", "Bool", "stringlike"])
        )
        key = draw(
            st.sampled_from(
                ["aws:username", "s3:prefix", "aws:${aws:username}", "AWS:UserName", "S3:Prefix"]
            )
        )
        statement["Condition"] = {operator: {key: draw(VALUES)}}
        if draw(st.integers(0, 5)) == 0:  # an operator block that is not an object
            statement["Condition"]["Null"] = draw(VALUES)
    if draw(st.booleans()):
        principal = st.sampled_from(["*", "x", None, ["*"]])
        statement["Principal"] = draw(st.one_of(st.builds(lambda v: {"AWS": v}, VALUES), principal))
    return statement


RULES = frozenset({"PS012", "PS025", "PS026", "PS028", "PS510", "PS514"})


def _report(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    found = lint_source(
        json.dumps(document, indent=1), "p.json", options=LintOptions(enabled=RULES)
    )
    return [(f.rule, f.pointer, f.message) for f in found if f.rule in RULES]


_WITH_VARIABLES = {
    "Sid": "A",
    "Effect": "Allow",
    "Principal": {"AWS": ["111122223333", "arn:aws:iam::${aws:username}:root"]},
    "Action": ["s3:GetObject", "s3:${aws:username}"],
    "Resource": ["arn:aws:s3:::b/*", "arn:${aws:partition}:s3:::b"],
    "Condition": {"NumericEquals": {"s3:max-keys": ["1", "${aws:username}"]}},
}
"""A statement with a model and a variable at each of PS026's sites."""


@settings(max_examples=200, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4))
@example([_WITH_VARIABLES])
@example([{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": ["a", "arn:aws:*3:::b/*"]}])
def test_shortcuts_change_nothing(body: list[dict[str, Any]]) -> None:
    document = {"Version": "2012-10-17", "Statement": body}
    fast = _report(document)
    syntax._arn_problem.cache_clear()
    with (
        mock.patch.object(syntax, "_may_hold_variable", lambda node: True),
        mock.patch.object(syntax, "_strings_only", lambda node: False),
        mock.patch.object(syntax, "_typed_by_model", lambda view: False),
        mock.patch.object(syntax, "_may_have_broken_arn", lambda view, element: True),
        mock.patch.object(hygiene, "_any_wild_service", lambda model, key: True),
        mock.patch.object(hygiene, "model_resources", lambda ctx: None),
        mock.patch.object(syntax, "model_resources", lambda ctx: None),
        mock.patch.object(hygiene, "_operator_spelling", hygiene._operator_spelling.__wrapped__),
        mock.patch.object(hygiene, "_key_spelling", hygiene._key_spelling.__wrapped__),
        mock.patch.object(
            syntax, "_variable_problems_of", lambda text: tuple(syntax._variable_problems(text))
        ),
        mock.patch.object(syntax, "_arn_problem", syntax._arn_problem.__wrapped__),
    ):
        reference = _report(document)
    assert fast == reference


@settings(max_examples=100, deadline=None)
@given(VALUES)
def test_string_nodes_are_string_entries_without_pointers(value: Any) -> None:
    node = parse_source(json.dumps({"k": value}), "p.json").value["k"]
    assert [
        (syntax.entry_pointer("/p", i), n) for i, n in syntax.string_nodes(node)
    ] == syntax.string_entries(node, "/p")
    assert syntax._may_hold_variable(node) == any(
        "${" in n.value for _, n in syntax.string_entries(node, "")
    )


# --- PS002: a document with a policy model is searched only in its Condition blocks ---------

_CASED_KEYS = {
    "root": ["Version", "version", "Id", "ID", "Statement", "statement"],
    "statement": [
        *("Sid", "sid", "Effect", "effect", "Principal", "principal", "NotPrincipal"),
        *("Action", "action", "NotAction", "Resource", "RESOURCE", "NotResource"),
        *("Condition", "condition"),
    ],
    "principal": ["AWS", "aws", "Service", "service", "Federated", "CanonicalUser"],
    "operator": ["StringEquals", "stringequals", "StringLike", "Bool", "BOOL", "NumericEquals"],
    "key": ["aws:username", "AWS:UserName", "s3:prefix", "S3:Prefix", "aws:SecureTransport"],
}
_PLAIN: dict[str, Any] = {
    "root": "2012-10-17",
    "statement": "Allow",
    "principal": "*",
    "key": ["a", 1, True],
}


_WELL_FORMED = {
    "root": ["Version", "Statement"],
    "statement": ["Effect", "Action", "Resource", "Condition"],
    "principal": ["AWS"],
    "key": ["aws:username", "AWS:UserName"],
}


@st.composite
def _cased(draw: st.DrawFn, level: str) -> dict[str, Any]:
    """An object of `level` whose keys may differ only by case; often well-formed (only
    Condition blocks then hold such keys), so that many documents still get a policy model."""
    if draw(st.integers(0, 3)) > 0:
        keys = _WELL_FORMED[level]
    else:
        names = st.sampled_from(_CASED_KEYS[level])
        keys = draw(st.lists(names, min_size=1, max_size=5, unique=True))
    out: dict[str, Any] = {}
    for key in keys:
        lowered = key.lower()
        if level == "root" and lowered == "statement":
            out[key] = draw(st.lists(_cased("statement"), min_size=1, max_size=3))
        elif level == "root" and lowered == "version":
            out[key] = "2012-10-17"
        elif level == "statement" and lowered in ("principal", "notprincipal"):
            out[key] = draw(st.one_of(st.just("*"), _cased("principal")))
        elif level == "statement" and lowered == "condition":
            operators = st.sampled_from(_CASED_KEYS["operator"])
            out[key] = draw(st.dictionaries(operators, _cased("key"), max_size=3))
        elif level == "statement" and lowered == "effect":
            out[key] = "Allow"
        else:
            out[key] = draw(st.one_of(st.just(_PLAIN[level]), st.just(["s3:GetObject", "*"])))
    return out


@settings(max_examples=300, deadline=None)
@given(_cased("root"))
def test_duplicate_key_walks_condition_blocks_only_when_that_suffices(document: Any) -> None:
    """PS002 finds, in the same order, what walking every object finds."""
    root = parse_source(json.dumps(document), "p.json")
    ctx = LintContext.build("p.json", root, PolicyKind.IDENTITY)
    fast = [(i.pointer, i.message) for i in syntax.duplicate_key(ctx)]
    with mock.patch.object(syntax, "_condition_objects", lambda ctx: syntax._objects(ctx.root)):
        reference = [(i.pointer, i.message) for i in syntax.duplicate_key(ctx)]
    assert fast == reference


def test_whitespace_pattern_is_isspace() -> None:
    """PS025's `_WHITESPACE` finds exactly the characters `str.isspace` calls white space."""
    for code in range(0x110000):
        char = chr(code)
        assert (syntax._WHITESPACE.search(char) is not None) == char.isspace(), hex(code)


def test_variables_in_a_statement_with_a_model_are_found() -> None:
    """PS026 reports each site of the example above (its shortcuts pass over none)."""
    found = _report({"Version": "2012-10-17", "Statement": [_WITH_VARIABLES]})
    assert sorted(pointer for rule, pointer, _ in found if rule == "PS026") == [
        "/Statement/0/Action/1",
        "/Statement/0/Condition/NumericEquals/s3:max-keys/1",
        "/Statement/0/Principal/AWS/1",
        "/Statement/0/Resource/1",
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(statements(), min_size=1, max_size=4))
def test_conditioned_lists_every_statement_with_condition_entries(
    body: list[dict[str, Any]],
) -> None:
    """The rules about conditions alone walk `ctx.conditioned()`: the statements whose entries are
    not empty, in order, with those entries."""
    root = parse_source(json.dumps({"Version": "2012-10-17", "Statement": body}), "p.json")
    ctx = LintContext.build("p.json", root, PolicyKind.IDENTITY)
    expected = [(view, view.conditions()) for view in ctx.statements if view.conditions()]
    assert ctx.conditioned() == expected
    assert ctx.conditioned() is ctx.conditioned()


# --- what a document's policy model vouches for (`syntax._modeled`) ----------------------------

_ODD_VALUES: dict[str, list[Any]] = {
    "Sid": ["", "A", "S", "a-b", "\u00e9", None, 1],
    "Effect": ["Deny", "allow", None, 1],
    "Action": [["s3:GetObject", "s3:*"], [], None, 1],
    "NotAction": ["s3:*", None],
    "Resource": [["arn:aws:s3:::b"], [], None],
    "NotResource": ["*", None],
    "Principal": ["*", {"aws": "111122223333"}, {"Federated": "x"}, None, []],
    "NotPrincipal": ["*", None],
    "Condition": [
        {},
        None,
        "x",
        {"StringEqual": {"aws:username": "a"}},
        {"stringequals": {"aws:username": "a"}, "StringEquals": {"aws:username": "b"}},
        {"ForAllValues:Null": {"aws:TagKeys": "true"}},
        {"NullIfExists": {"aws:TokenIssueTime": "true"}},
        {
            "StringEquals": {
                "aws:RequestTag/": "a",
                "a key:x": "b",
                ":x": "c",
                "x": "d",
                "a:*:": "e",
            }
        },
    ],
}
_RENAMED = {"Sid": "sid", "Effect": "effect", "Action": "Actions", "Resource": "resource"}


@st.composite
def _statement_shapes(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed statement (so that most documents get a model) with at most two changes:
    an element set to an odd value or null, the other element of a pair added (often null),
    an element dropped, or its name misspelt or lower-cased."""
    out: dict[str, Any] = {"Sid": "S", "Effect": "Allow", "Action": "s3:GetObject"}
    out["Resource"] = "*"
    if draw(st.booleans()):
        out["Principal"] = {"AWS": "111122223333"}
    if draw(st.booleans()):
        out["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}
    for _ in range(draw(st.integers(0, 2))):
        element = draw(st.sampled_from(sorted(_ODD_VALUES)))
        change = draw(st.sampled_from(["value", "drop", "rename"]))
        if change == "value":
            out[element] = draw(st.sampled_from(_ODD_VALUES[element]))
        elif element in out:
            value = out.pop(element)
            if change == "rename" and element in _RENAMED:
                out[_RENAMED[element]] = value
    return out


_VOUCHED_RULES = frozenset(
    {"PS007", "PS008", "PS009", "PS010", "PS011", "PS013", "PS014", "PS015", "PS021", "PS022"}
    | {"PS502"}
)


_MODELED_BODY: list[dict[str, Any]] = [
    {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": None},
    {"Effect": "Allow", "Action": "s3:GetObject"},
    {
        "Sid": "",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": "*",
        "Principal": None,
        "NotPrincipal": {"AWS": "1"},
    },
    {"Sid": "a-b", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Sid": "a-b", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
]
"""A document with a model and findings of each of the rules."""


_PAIRED_NULLS = [
    {"Effect": "Allow", "Action": "s3:GetObject", "NotAction": None, "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": None, "NotResource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Principal": None, "NotPrincipal": "*"},
]
"""Statements with a model and both elements of a pair (one of them null)."""


@settings(max_examples=400, deadline=None)
@given(
    body=st.lists(_statement_shapes(), min_size=1, max_size=4),
    top=st.sampled_from([{}, {"Id": "x"}, {"id": "x"}, {"Version": None}]),
    kind=st.sampled_from(list(PolicyKind)),
)
@example(body=_PAIRED_NULLS, top={}, kind=PolicyKind.IDENTITY)
@example(body=_MODELED_BODY, top={}, kind=PolicyKind.IDENTITY)
@example(body=[{"Effect": "Allow", "Action": "s3:GetObject"}], top={}, kind=PolicyKind.TRUST)
def test_what_the_model_vouches_for_changes_nothing(
    body: list[dict[str, Any]], top: dict[str, Any], kind: PolicyKind
) -> None:
    """The rules that return at once for a document with a policy model (or pass over a
    statement its model settles) report what the statement-by-statement walks report."""
    document = {"Version": "2012-10-17", **top, "Statement": body}
    text = json.dumps(document, indent=1)
    options = LintOptions(enabled=_VOUCHED_RULES)

    def report() -> list[tuple[str, str, str]]:
        found = lint_source(text, "p.json", kind=kind, options=options)
        return [(f.rule, f.pointer, f.message) for f in found if f.rule in _VOUCHED_RULES]

    fast = report()
    with (
        mock.patch.object(syntax, "_modeled", lambda ctx: False),
        mock.patch.object(syntax, "_has_resource", lambda model: False),
        mock.patch.object(syntax, "_is_null_operator", syntax._is_null_operator.__wrapped__),
        mock.patch.object(
            syntax, "_condition_key_problem", syntax._condition_key_problem.__wrapped__
        ),
    ):
        reference = report()
    assert fast == reference


def test_vouched_documents_are_generated() -> None:
    """The comparison above sees documents with a model and findings of each rule in them:
    a null Principal next to NotPrincipal (PS011) and a statement without Resource (PS010)
    keep a model."""
    body = _MODELED_BODY
    text = json.dumps({"Version": "2012-10-17", "Statement": body})
    root = parse_source(text, "p.json")
    assert LintContext.build("p.json", root, PolicyKind.IDENTITY).policy is not None
    options = LintOptions(enabled=_VOUCHED_RULES)
    found = lint_source(text, "p.json", kind=PolicyKind.IDENTITY, options=options)
    assert {f.rule for f in found} & _VOUCHED_RULES == {
        "PS010",
        "PS011",
        "PS013",
        "PS014",
        "PS015",
        "PS502",
    }


def test_condition_key_problems() -> None:
    """PS022's verdict per key (remembered per key text), one example of each."""
    assert syntax._condition_key_problem("aws:RequestTag/env") is None
    assert syntax._condition_key_problem("aws:RequestTag/") == "names no tag key after the '/'"
    assert syntax._condition_key_problem("a key:x") == "has spaces"
    assert syntax._condition_key_problem(":x") == "has no 'prefix:' part"
    assert syntax._condition_key_problem("x") == "has no 'prefix:' part"
    assert syntax._condition_key_problem("a:") == "is malformed"

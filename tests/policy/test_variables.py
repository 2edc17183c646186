"""Policy variables (spec §4; policy/variables.py)."""

from __future__ import annotations

import pytest

from policysim.engine.condition_block import compile_conditions, conditions_hold
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Context
from policysim.policy.build import policy_from_data
from policysim.policy.variables import (
    LITERAL_QMARK,
    LITERAL_STAR,
    compile_template,
    find_variables,
    protect_literals,
)

CONTEXT = {"aws:username": "alice", "aws:principaltag/team": "blue", "aws:empty": ""}


def lookup(key: str) -> str | None:
    return CONTEXT.get(key)


def render(text: str, *, literal_wildcards: bool = False) -> str | None:
    template = compile_template(text)
    assert template is not None, f"{text!r} holds no variable"
    return template.render(lookup, literal_wildcards=literal_wildcards)


def test_text_without_variables_has_no_template() -> None:
    assert compile_template("arn:aws:s3:::bucket/*") is None
    assert compile_template("price: $5 {x}") is None


def test_substitution() -> None:
    assert render("home/${aws:username}/*") == "home/alice/*"
    assert render("${aws:username}-${aws:PrincipalTag/team}") == "alice-blue"


def test_key_names_are_case_insensitive() -> None:
    assert render("${AWS:UserName}") == "alice"


def test_unresolved_variable_renders_none() -> None:
    assert render("home/${aws:userid}") is None
    assert render("${aws:username}/${aws:userid}") is None


def test_empty_value_is_resolved_not_missing() -> None:
    assert render("x${aws:empty}y") == "xy"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${aws:PrincipalTag/dept, 'company-wide'}", "company-wide"),  # absent: the default
        ("${aws:PrincipalTag/team, 'company-wide'}", "blue"),  # present: the value wins
        ("${aws:PrincipalTag/dept, ''}", ""),  # an empty default is a value
        ("${aws:PrincipalTag/dept,'x'}", "x"),
        ("bucket-${aws:PrincipalTag/dept, 'a b, c'}", "bucket-a b, c"),
    ],
)
def test_default_values(text: str, expected: str) -> None:
    assert render(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("${*}", "*"), ("${?}", "?"), ("${$}", "$")])
def test_special_variables_are_literal_characters(text: str, expected: str) -> None:
    assert render(f"a{text}b") == f"a{expected}b"
    template = compile_template(text)
    assert template is not None
    assert template.keys() == []  # they read no context key


def test_keys_lists_the_context_keys_read() -> None:
    template = compile_template("${aws:username}/${*}/${aws:PrincipalTag/team, 'x'}")
    assert template is not None
    assert template.keys() == ["aws:username", "aws:PrincipalTag/team"]


@pytest.mark.parametrize(
    "text",
    [
        "${}",  # empty body
        "${aws:username",  # unclosed
        "${aws name}",  # space inside a key
        "${aws:username, default}",  # default without quotes
        "${aws:username, 'a' 'b'}",
        "${'aws:username'}",
        "$ {aws:username}",
    ],
)
def test_malformed_variables_are_literal_text(text: str) -> None:
    assert find_variables(text) == []
    assert compile_template(text) is None


def test_well_formed_variables_next_to_malformed_ones() -> None:
    assert render("${}-${aws:username}") == "${}-alice"


def test_variable_positions() -> None:
    [variable] = find_variables("ab${aws:username}cd")
    assert (variable.key, variable.default, variable.start, variable.end) == (
        "aws:username",
        None,
        2,
        17,
    )


def test_literal_wildcards_protects_substituted_text_only() -> None:
    context = {"aws:principaltag/p": "a*b?"}
    template = compile_template("x*${aws:PrincipalTag/p}${*}")
    assert template is not None
    rendered = template.render(context.get, literal_wildcards=True)
    assert rendered == f"x*a{LITERAL_STAR}b{LITERAL_QMARK}{LITERAL_STAR}"
    assert template.render(context.get) == "x*a*b?*"


def test_protect_literals() -> None:
    assert protect_literals("a*b?c") == f"a{LITERAL_STAR}b{LITERAL_QMARK}c"


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_variables_are_literal_text_under_2008_or_without_version(version: str | None) -> None:
    data: dict[str, object] = {
        "Statement": {
            "Effect": "Allow",
            "Action": "a:b",
            "Condition": {"StringLike": {"k": "${aws:username}/${*}"}},
        }
    }
    if version:
        data["Version"] = version
    policy = policy_from_data(data)
    assert policy.substitutes_variables is False
    compiled = compile_conditions(
        policy.statements[0].condition, substitutes_variables=policy.substitutes_variables
    )
    opts = EvaluationOptions()
    context = {"aws:username": "alice"}
    assert not conditions_hold(compiled, Context({**context, "k": "alice/*"}), opts)
    # The text is compared as written; the literal `*` of `${*}` is still a glob star.
    assert conditions_hold(compiled, Context({**context, "k": "${aws:username}/${x}"}), opts)

"""The fast policy builder (policy/fast_build.py) against the pydantic models it stands in for.

Validation is the authority. Whenever the fast path builds a policy, validation must accept
the same data and build an equal policy: the same field values and types, the same fields
set, the same private attributes (statement indexes), the same repr. Whenever validation
rejects data, the fast path must decline, so that the user sees validation's error.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from policysim.policy.build import policy_from_data
from policysim.policy.errors import PolicyError
from policysim.policy.fast_build import fast_policy
from policysim.policy.model import Policy

REPO = Path(__file__).resolve().parents[2]
CONFORMANCE = REPO / "tests" / "data" / "conformance"
MANAGED = REPO / "policysim" / "data" / "aws_managed_policies.json.gz"


def assert_same_model(fast: Any, slow: Any, path: str = "$") -> None:
    """Field by field: `==` would take 1 for 1.0 and ignore fields-set and private state."""
    assert type(fast) is type(slow), path
    if isinstance(slow, BaseModel):
        assert fast.__pydantic_fields_set__ == slow.__pydantic_fields_set__, path
        assert fast.__pydantic_private__ == slow.__pydantic_private__, path
        assert fast.__pydantic_extra__ == slow.__pydantic_extra__, path
        assert list(fast.__dict__) == list(slow.__dict__), path
        for name, value in slow.__dict__.items():
            assert_same_model(fast.__dict__[name], value, f"{path}.{name}")
    elif isinstance(slow, dict):
        assert list(fast) == list(slow), path
        for key, value in slow.items():
            assert_same_model(fast[key], value, f"{path}[{key!r}]")
    elif isinstance(slow, tuple | list):
        assert len(fast) == len(slow), path
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            assert_same_model(a, b, f"{path}[{i}]")
    else:
        assert repr(fast) == repr(slow), path


def check(data: Any) -> Policy | None:
    """The fast path agrees with validation on `data`; returns the fast result."""
    built = fast_policy(data)
    try:
        validated = Policy.model_validate(data)
    except ValidationError:
        assert built is None, f"fast path accepted what validation rejects: {data!r}"
        return None
    if built is not None:
        assert_same_model(built, validated)
        assert repr(built) == repr(validated)
        assert built == validated
    return built


def suite_documents() -> list[Any]:
    docs: list[Any] = []
    for path in sorted(CONFORMANCE.glob("*.jsonl")):
        for text in path.read_text(encoding="utf-8").splitlines():
            case = json.loads(text)
            docs.extend(case.get("identity_policies") or [])
            docs.extend(case.get("permission_boundaries") or [])
            for key in ("resource_policy", "session_policy"):
                if case.get(key) is not None:
                    docs.append(case[key])
            for key in ("scps", "rcps"):
                for level in case.get(key) or []:
                    docs.extend(level)
    return docs


def test_conformance_documents_build_as_validated() -> None:
    docs = suite_documents()
    built = [check(d) for d in docs]
    assert len(docs) > 4000
    # The suites are written in the plain shape: the fast path takes nearly all of them.
    assert sum(b is not None for b in built) >= 0.95 * len(docs)


def test_managed_policies_build_as_validated() -> None:
    with gzip.open(MANAGED) as f:
        snapshot = json.load(f)
    documents = [entry["document"] for entry in snapshot["policies"].values()]
    assert all(check(d) is not None for d in documents)


@pytest.mark.parametrize(
    "data",
    [
        {"Statement": []},
        {"Version": None, "Id": None, "Statement": {"Effect": "Deny", "NotAction": "*"}},
        {"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*", "Sid": None}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Principal": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "NotPrincipal": {}}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Principal": None}]},
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Condition": {
                        "NumericLessThan": {"k": [1, 25, True]},  # floats: below
                        "Bool": {"aws:SecureTransport": False},
                        "StringEqualsIfExists": {"k2": []},
                    },
                }
            ]
        },
    ],
)
def test_edge_shapes_build_as_validated(data: dict[str, Any]) -> None:
    assert check(data) is not None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"Statement": "x"},
        {"Statement": [1]},
        {"Version": "2012-10-18", "Statement": []},
        {"Version": 2012, "Statement": []},
        {"Id": 5, "Statement": []},
        {"Statement": [], "Extra": 1},
        {"Statement": [{"Action": "a:b"}]},
        {"Statement": [{"Effect": "allow", "Action": "a:b"}]},
        {"Statement": [{"Effect": ["Allow"], "Action": "a:b"}]},
        {"Statement": [{"Effect": "Allow"}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "NotAction": "c:d"}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "NotResource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Principal": "x"}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Principal": {"Aws": "x"}}]},
        {
            "Statement": [
                {"Effect": "Allow", "Action": "a:b", "Principal": "*", "NotPrincipal": "*"}
            ]
        },
        {"Statement": [{"Effect": "Allow", "Action": 5}]},
        {"Statement": [{"Effect": "Allow", "Action": ["a:b", None]}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Sid": 1}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Condition": None}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Condition": {"Nope": {"k": "v"}}}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Condition": {"Bool": "v"}}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Condition": {"Bool": {" k": "v"}}}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Condition": {"Bool": {"k": None}}}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "Condition": {"Bool": {"k": [{}]}}}]},
        {"Statement": [{"Effect": "Allow", "Action": "a:b", "action": "c:d"}]},
    ],
)
def test_invalid_or_unusual_data_is_left_to_validation(data: dict[str, Any]) -> None:
    assert fast_policy(data) is None
    check(data)


def test_errors_are_validations_own() -> None:
    """`policy_from_data` still words the error (the fast path only declines)."""
    with pytest.raises(PolicyError, match="Effect"):
        policy_from_data({"Statement": [{"Effect": "Maybe", "Action": "a:b"}]})


# Data near the plain shape: the right element names with values of every JSON type.
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["*", "s3:GetObject", "Allow", "Deny", "2012-10-17", "", " k", "aws:k"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["AWS", "Service", "k", "aws:SourceIp", "StringEquals", "Bool", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)
_statement = st.dictionaries(
    st.sampled_from(
        [
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "Other",
        ]
    ),
    _values,
    max_size=6,
).map(lambda d: {"Effect": "Allow", "Action": "s3:*", **d} if len(d) < 2 else d)
_policy = st.fixed_dictionaries(
    {"Statement": st.one_of(_statement, st.lists(_statement, max_size=3))},
    optional={"Version": _scalars, "Id": _scalars},
)


@settings(max_examples=400, deadline=None)
@given(_policy)
def test_fast_path_never_differs_from_validation(data: dict[str, Any]) -> None:
    check(data)


# Documents in the plain shape, with typed condition values and principals of every form.
_typed = st.one_of(
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(["", "10.0.0.0/8", "true", "ops"]),
)
_strings = st.one_of(
    st.sampled_from(["*", "s3:Get*", "arn:aws:s3:::b/*", "111122223333", ""]),
    st.lists(st.sampled_from(["s3:GetObject", "ec2:*", "arn:aws:iam::1:role/r"]), max_size=3),
)
_condition = st.dictionaries(
    st.sampled_from(["StringEquals", "ForAnyValue:StringLike", "NumericLessThan", "Bool", "Null"]),
    st.dictionaries(
        st.sampled_from(["aws:SourceIp", "s3:prefix", "aws:PrincipalTag/team"]),
        st.one_of(_typed, st.lists(_typed, max_size=3)),
        max_size=2,
    ),
    max_size=2,
)
_principal = st.one_of(
    st.just("*"),
    st.dictionaries(st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]), _strings),
)
_plain_statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"])},
    optional={
        "Sid": st.sampled_from(["", "S1", None]),
        "Action": _strings,
        "Resource": _strings,
        "Principal": _principal,
        "Condition": _condition,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_plain_statement, max_size=4), st.sampled_from(["2012-10-17", "2008-10-17", None]))
def test_plain_documents_are_built_as_validated(statements: list[Any], version: Any) -> None:
    data: dict[str, Any] = {"Statement": statements}
    if version is not None:
        data["Version"] = version
    built = check(data)
    if all("Action" in s for s in statements) and not _float_condition_values(statements):
        assert built is not None


def _float_condition_values(statements: list[Any]) -> bool:
    """Whether a condition value is a float (`fast_policy` leaves those to validation)."""
    for statement in statements:
        for block in statement.get("Condition", {}).values():
            for values in block.values():
                for value in values if isinstance(values, list) else [values]:
                    if type(value) is float:
                        return True
    return False


def test_float_condition_values_are_left_to_validation() -> None:
    """A float's text form is not what was written (`1e5` is `100000.0`): the linter's size
    bound counts on `fast_policy` never building such a document."""
    data: dict[str, Any] = {
        "Statement": {
            "Effect": "Allow",
            "Action": "s3:*",
            "Condition": {"NumericLessThan": {"s3:max-keys": [10, 1e5]}},
        }
    }
    assert fast_policy(data) is None
    built = check(data)
    assert built is None
    data["Statement"]["Condition"]["NumericLessThan"]["s3:max-keys"] = [10, True, "7"]
    assert check(data) is not None

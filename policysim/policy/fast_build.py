"""A fast path from plain JSON data to a `Policy`, for documents in their ordinary shape.

`Policy.model_validate` is the authority on what a policy document is: it accepts every
spelling AWS accepts and words every error. But pydantic's validation (and the setting up of
each model's private attributes) is most of the cost of reading a policy, and a batch of cases
that each carry their own policies reads tens of thousands of them. Nearly every document is
in the plain shape: string elements, lists of strings, a condition block of objects. For that
shape this module builds exactly the models validation would build, directly.

It never reports a problem itself. On anything outside the plain shape (an unknown element,
a value of another type, a bad operator or condition key, Action with NotAction, ...) it
returns None and the caller validates with pydantic, which words the error. So it must be at
least as strict as the models; `tests/policy/test_fast_build.py` checks that, and that the
models it builds are equal to validated ones, field for field. A check added to the models
must be added here too (or make this path decline), or the test fails.
"""

from __future__ import annotations

from typing import Any

from policysim.policy.model import (
    VERSION_2008,
    VERSION_2012,
    Policy,
    Principal,
    Statement,
    _check_condition_key,
)
from policysim.policy.operators import UnknownOperatorError, parse_operator

_set = object.__setattr__  # how pydantic's own `model_construct` fills a model

# Statement elements by their JSON name: the model's field name.
_STATEMENT_FIELDS = {
    "Sid": "sid",
    "Effect": "effect",
    "Principal": "principal",
    "NotPrincipal": "not_principal",
    "Action": "action",
    "NotAction": "not_action",
    "Resource": "resource",
    "NotResource": "not_resource",
    "Condition": "condition",
}
_STATEMENT_KEYS = frozenset(_STATEMENT_FIELDS)
_PRINCIPAL_FIELDS = {
    "AWS": "aws",
    "Service": "service",
    "Federated": "federated",
    "CanonicalUser": "canonical_user",
}
_VERSIONS = frozenset({VERSION_2012, VERSION_2008})
_EFFECTS = frozenset({"Allow", "Deny"})


class _DeclinedError(Exception):
    """The data is not in the plain shape: pydantic must decide."""


def fast_policy(data: dict[str, Any]) -> Policy | None:
    """The `Policy` that `Policy.model_validate(data)` would build, or None to let it decide.

    The result's private attributes (file, position, statement indexes) are set as validation
    sets them; the caller locates the policy as it would a validated one.
    """
    try:
        return _policy(data)
    except _DeclinedError:
        return None


def _strings(value: Any) -> tuple[str, ...]:
    """A string or a list of strings, as the models' `StrList`."""
    if type(value) is str:
        return (value,)
    if type(value) is not list:
        raise _DeclinedError
    for item in value:
        if type(item) is not str:
            raise _DeclinedError
    return tuple(value)


def _principal(value: Any) -> Principal:
    fields: dict[str, Any]
    if value == "*":
        fields = {"wildcard": True}
    elif type(value) is dict:
        fields = {}
        for key, entries in value.items():
            name = _PRINCIPAL_FIELDS.get(key)
            if name is None:
                raise _DeclinedError
            fields[name] = _strings(entries)
    else:
        raise _DeclinedError
    values = {
        "wildcard": fields.get("wildcard", False),
        "aws": fields.get("aws", ()),
        "service": fields.get("service", ()),
        "federated": fields.get("federated", ()),
        "canonical_user": fields.get("canonical_user", ()),
    }
    model = Principal.__new__(Principal)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(fields))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _condition_text(value: Any) -> str:
    """`_condition_scalar` of a boolean or an integer. Anything else is left to validation,
    floats included: the text AWS compares for one (`str(1e5)` is `100000.0`) is not what was
    written, and `LintContext.size_bound` relies on every document built here serializing to
    no more than its source text."""
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    raise _DeclinedError


def _condition(value: Any) -> dict[str, dict[str, tuple[str, ...]]]:
    if type(value) is not dict:
        raise _DeclinedError
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for operator, block in value.items():
        if type(operator) is not str or type(block) is not dict:
            raise _DeclinedError
        try:
            parse_operator(operator)
        except UnknownOperatorError:
            raise _DeclinedError from None
        keys: dict[str, tuple[str, ...]] = {}
        for key, values in block.items():
            if type(key) is not str:
                raise _DeclinedError
            try:
                _check_condition_key(key)
            except ValueError:
                raise _DeclinedError from None
            if type(values) is list:
                texts = tuple([v if type(v) is str else _condition_text(v) for v in values])
            elif type(values) is str:
                texts = (values,)
            else:
                texts = (_condition_text(values),)
            keys[key] = texts
        out[operator] = keys
    return out


def _statement(data: Any, index: int) -> Statement:
    # The common elements are read directly, each only when present (an explicit null is
    # left to validation for the list elements, like any other non-string value).
    if type(data) is not dict or not data.keys() <= _STATEMENT_KEYS:
        raise _DeclinedError
    effect = data.get("Effect")
    if type(effect) is not str or effect not in _EFFECTS:
        raise _DeclinedError
    action = _strings(data["Action"]) if "Action" in data else None
    not_action = _strings(data["NotAction"]) if "NotAction" in data else None
    resource = _strings(data["Resource"]) if "Resource" in data else None
    not_resource = _strings(data["NotResource"]) if "NotResource" in data else None
    # The model's `_exclusive_pairs`: validation words these errors.
    if (action is None) == (not_action is None):
        raise _DeclinedError
    if resource is not None and not_resource is not None:
        raise _DeclinedError
    sid = data.get("Sid")
    if sid is not None and type(sid) is not str:
        raise _DeclinedError
    principal = data.get("Principal")
    if principal is not None:
        principal = _principal(principal)
    not_principal = data.get("NotPrincipal")
    if not_principal is not None:
        if principal is not None:
            raise _DeclinedError
        not_principal = _principal(not_principal)
    model = Statement.__new__(Statement)
    _set(
        model,
        "__dict__",
        {
            "sid": sid,
            "effect": effect,
            "principal": principal,
            "not_principal": not_principal,
            "action": action,
            "not_action": not_action,
            "resource": resource,
            "not_resource": not_resource,
            "condition": _condition(data["Condition"]) if "Condition" in data else {},
        },
    )
    _set(model, "__pydantic_fields_set__", {_STATEMENT_FIELDS[key] for key in data})
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", {"_index": index, "_position": None})
    return model


def _policy(data: dict[str, Any]) -> Policy:
    version = id_ = None
    statements: Any = None
    present: set[str] = set()
    for key, value in data.items():
        if key == "Version":
            if value is not None and (type(value) is not str or value not in _VERSIONS):
                raise _DeclinedError
            version = value
            present.add("version")
        elif key == "Id":
            if value is not None and type(value) is not str:
                raise _DeclinedError
            id_ = value
            present.add("id")
        elif key == "Statement":
            statements = value
            present.add("statements")
        else:
            raise _DeclinedError
    if type(statements) is dict:
        statements = [statements]
    elif type(statements) is not list:
        raise _DeclinedError
    model = Policy.__new__(Policy)
    _set(
        model,
        "__dict__",
        {
            "version": version,
            "id": id_,
            "statements": tuple([_statement(s, i) for i, s in enumerate(statements)]),
        },
    )
    _set(model, "__pydantic_fields_set__", present)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", {"_file": None, "_position": None})
    return model

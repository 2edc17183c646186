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
    _condition_scalar,
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
_LIST_FIELDS = frozenset({"action", "not_action", "resource", "not_resource"})
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
                texts = tuple([_condition_scalar(v) for v in values])
            else:
                texts = (_condition_scalar(values),)
            for text in texts:
                if type(text) is not str:
                    raise _DeclinedError
            keys[key] = texts
        out[operator] = keys
    return out


def _statement(data: Any, index: int) -> Statement:
    if type(data) is not dict:
        raise _DeclinedError
    values: dict[str, Any] = {
        "sid": None,
        "effect": None,
        "principal": None,
        "not_principal": None,
        "action": None,
        "not_action": None,
        "resource": None,
        "not_resource": None,
        "condition": {},
    }
    present: set[str] = set()
    for key, value in data.items():
        name = _STATEMENT_FIELDS.get(key)
        if name is None:
            raise _DeclinedError
        present.add(name)
        if name in _LIST_FIELDS:
            values[name] = _strings(value)
        elif name == "effect":
            if type(value) is not str or value not in _EFFECTS:
                raise _DeclinedError
            values[name] = value
        elif name == "sid":
            if value is not None and type(value) is not str:
                raise _DeclinedError
            values[name] = value
        elif name == "condition":
            values[name] = _condition(value)
        else:  # principal, not_principal
            values[name] = None if value is None else _principal(value)
    if "effect" not in present:
        raise _DeclinedError
    # The model's `_exclusive_pairs`: pydantic words these errors.
    if (values["action"] is None) == (values["not_action"] is None):
        raise _DeclinedError
    if values["resource"] is not None and values["not_resource"] is not None:
        raise _DeclinedError
    if values["principal"] is not None and values["not_principal"] is not None:
        raise _DeclinedError
    model = Statement.__new__(Statement)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", present)
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

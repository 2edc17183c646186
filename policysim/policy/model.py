"""Pydantic models of an IAM policy document.

The models accept every spelling AWS accepts (a single string or a list, a single statement or
a list, condition values as JSON strings, numbers or booleans) and normalise it: lists become
tuples and condition values become strings, which is what the engine compares (spec §3.1).
Anything AWS would reject as malformed is a validation error.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from policysim.policy.errors import Position
from policysim.policy.operators import UnknownOperatorError, parse_operator
from policysim.policy.source import Node

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")


def _as_list(value: Any) -> Any:
    """A single string stands for a one-element list."""
    return [value] if isinstance(value, str) else value


def _condition_scalar(value: Any) -> Any:
    """Condition values may be JSON booleans and numbers; AWS compares their text form."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _condition_values(value: Any) -> Any:
    if isinstance(value, list):
        return [_condition_scalar(v) for v in value]
    return [_condition_scalar(value)]


def _check_operator(name: str) -> str:
    try:
        parse_operator(name)
    except UnknownOperatorError as err:
        raise ValueError(str(err)) from None
    return name


def _check_condition_key(name: str) -> str:
    if not name or name != name.strip() or " " in name:
        raise ValueError(f"malformed condition key {name!r}")
    return name


StrList = Annotated[tuple[str, ...], BeforeValidator(_as_list)]
OperatorName = Annotated[str, AfterValidator(_check_operator)]
ConditionKey = Annotated[str, AfterValidator(_check_condition_key)]
ConditionValues = Annotated[tuple[str, ...], BeforeValidator(_condition_values)]
ConditionBlock = dict[OperatorName, dict[ConditionKey, ConditionValues]]


class Principal(BaseModel):
    """`"*"` or an object keyed by AWS, Service, Federated and CanonicalUser."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    wildcard: bool = False
    aws: StrList = Field(default=(), alias="AWS")
    service: StrList = Field(default=(), alias="Service")
    federated: StrList = Field(default=(), alias="Federated")
    canonical_user: StrList = Field(default=(), alias="CanonicalUser")

    @model_validator(mode="before")
    @classmethod
    def _star(cls, data: Any) -> Any:
        if data == "*":
            return {"wildcard": True}
        if isinstance(data, str):
            raise ValueError('a Principal must be "*" or an object such as {"AWS": "..."}')
        if isinstance(data, dict):
            unknown = [k for k in data if k not in PRINCIPAL_KEYS]
            if unknown:
                raise ValueError(
                    f"unknown principal type {unknown[0]!r}; expected one of"
                    f" {', '.join(PRINCIPAL_KEYS)}"
                )
        return data

    @property
    def is_everyone(self) -> bool:
        """`"*"` and `{"AWS": "*"}` both mean every caller, anonymous included."""
        return self.wildcard or "*" in self.aws

    def to_json(self) -> Any:
        """The AWS JSON form."""
        if self.wildcard:
            return "*"
        out: dict[str, Any] = {}
        for key, values in (
            ("AWS", self.aws),
            ("Service", self.service),
            ("Federated", self.federated),
            ("CanonicalUser", self.canonical_user),
        ):
            if values:
                out[key] = list(values)
        return out


class Statement(BaseModel):
    """One statement. Exactly one of each Action/NotAction pair; the others are optional."""

    model_config = ConfigDict(extra="forbid", validate_by_alias=True, validate_by_name=False)

    sid: str | None = Field(default=None, alias="Sid")
    effect: Literal["Allow", "Deny"] = Field(alias="Effect")
    principal: Principal | None = Field(default=None, alias="Principal")
    not_principal: Principal | None = Field(default=None, alias="NotPrincipal")
    action: StrList | None = Field(default=None, alias="Action")
    not_action: StrList | None = Field(default=None, alias="NotAction")
    resource: StrList | None = Field(default=None, alias="Resource")
    not_resource: StrList | None = Field(default=None, alias="NotResource")
    condition: ConditionBlock = Field(default_factory=dict, alias="Condition")
    _index: int = PrivateAttr(default=0)
    _position: Position | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Statements are equal when their elements are, wherever they were read from."""
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @property
    def index(self) -> int:
        """The statement's place in its policy (0-based)."""
        return self.__pydantic_private__["_index"]  # type: ignore[index,no-any-return]

    @property
    def position(self) -> Position | None:
        """Where the statement starts in its source file, when parsed from one."""
        found: Position | Node | None = self.__pydantic_private__["_position"]  # type: ignore[index]
        return found.position if isinstance(found, Node) else found

    def locate(self, index: int, position: Position | Node | None) -> None:
        """Record the statement's place in its policy and in its source (its node, whose
        position is then worked out only if asked for: the linter builds a model of every
        statement and reads few of their positions)."""
        private = self.__pydantic_private__
        assert private is not None
        private["_index"] = index
        private["_position"] = position

    @model_validator(mode="after")
    def _exclusive_pairs(self) -> Statement:
        if (self.action is None) == (self.not_action is None):
            raise ValueError(
                "a statement needs exactly one of Action or NotAction"
                if self.action is None
                else "Action and NotAction cannot both be present"
            )
        if self.resource is not None and self.not_resource is not None:
            raise ValueError("Resource and NotResource cannot both be present")
        if self.principal is not None and self.not_principal is not None:
            raise ValueError("Principal and NotPrincipal cannot both be present")
        return self

    @property
    def is_allow(self) -> bool:
        """True for Allow, False for Deny."""
        return self.effect == "Allow"

    @property
    def label(self) -> str:
        """How reports name the statement: its Sid, else its index."""
        return self.sid if self.sid else f"#{self.index}"

    def to_json(self) -> dict[str, Any]:
        """The AWS JSON form (lists stay lists)."""
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect
        if self.principal is not None:
            out["Principal"] = self.principal.to_json()
        if self.not_principal is not None:
            out["NotPrincipal"] = self.not_principal.to_json()
        for key, values in (
            ("Action", self.action),
            ("NotAction", self.not_action),
            ("Resource", self.resource),
            ("NotResource", self.not_resource),
        ):
            if values is not None:
                out[key] = list(values)
        if self.condition:
            out["Condition"] = {
                op: {key: list(vals) for key, vals in block.items()}
                for op, block in self.condition.items()
            }
        return out


class Policy(BaseModel):
    """A policy document: Version, Id and one or more statements."""

    model_config = ConfigDict(extra="forbid", validate_by_alias=True, validate_by_name=False)

    version: Literal["2012-10-17", "2008-10-17"] | None = Field(default=None, alias="Version")
    id: str | None = Field(default=None, alias="Id")
    statements: tuple[Statement, ...] = Field(alias="Statement")
    _file: str | None = PrivateAttr(default=None)
    _position: Position | None = PrivateAttr(default=None)

    def __eq__(self, other: object) -> bool:
        """Documents are equal when their elements are, wherever they were read from."""
        return type(other) is type(self) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @property
    def file(self) -> str | None:
        """The file the policy was read from, for `file:line:col` in reports."""
        return self.__pydantic_private__["_file"]  # type: ignore[index,no-any-return]

    @property
    def position(self) -> Position | None:
        """Where the document starts in its file."""
        return self.__pydantic_private__["_position"]  # type: ignore[index,no-any-return]

    def locate(self, file: str | None, position: Position | None = None) -> None:
        """Record where the document came from."""
        private = self.__pydantic_private__
        assert private is not None
        private["_file"] = file
        private["_position"] = position

    @model_validator(mode="before")
    @classmethod
    def _statement_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("Statement"), dict):
            data = {**data, "Statement": [data["Statement"]]}
        return data

    @model_validator(mode="after")
    def _number_statements(self) -> Policy:
        for i, statement in enumerate(self.statements):
            private = statement.__pydantic_private__
            assert private is not None
            private["_index"] = i  # the position, if any, stays (revalidation keeps it)
        return self

    @property
    def substitutes_variables(self) -> bool:
        """Policy variables are substituted only under Version 2012-10-17 (spec §4)."""
        return self.version == VERSION_2012

    def to_json(self) -> dict[str, Any]:
        """The AWS JSON form of the document."""
        out: dict[str, Any] = {}
        if self.version is not None:
            out["Version"] = self.version
        if self.id is not None:
            out["Id"] = self.id
        out["Statement"] = [s.to_json() for s in self.statements]
        return out

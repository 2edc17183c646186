"""The request the engine decides: who asks, for what action, on which resource, in what context."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from policysim.policy.arn import is_account_id, parse_arn

ContextValue = str | tuple[str, ...]
"""One string for a single-valued key; a tuple for a multivalued key (even of one element)."""

ANONYMOUS = "anonymous"

_CLOUDFRONT_OAI = re.compile(
    r"arn:aws[a-z-]*:iam::cloudfront:user/CloudFront Origin Access Identity [A-Za-z0-9]+"
)


_NOT_IN_ANY_NAME = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060\ufeff]")
"""Characters no IAM or STS name (user, role, path, session, service principal) may hold:
whitespace, controls and invisible formatting characters. A caller holding one is a mistake,
and deciding for it would answer a question no AWS request can ask."""


def is_cloudfront_oai(text: str) -> bool:
    """Whether `text` is a CloudFront origin access identity's ARN (its name has spaces and
    its account is the word `cloudfront`, so it is no ordinary IAM user ARN)."""
    return _CLOUDFRONT_OAI.fullmatch(text) is not None


class PrincipalKind(StrEnum):
    """The kinds of caller whose evaluation rules differ (spec §1.1)."""

    ROOT = "root"
    USER = "user"
    ROLE = "role"  # the role entity itself, as simulators allow ("as the role")
    ASSUMED_ROLE = "assumed-role"
    FEDERATED_USER = "federated-user"
    SERVICE = "service"
    CLOUDFRONT_OAI = "cloudfront-oai"
    ANONYMOUS = "anonymous"

    @property
    def is_session(self) -> bool:
        """Role and federated-user sessions carry temporary credentials and session policies."""
        return self in (PrincipalKind.ASSUMED_ROLE, PrincipalKind.FEDERATED_USER)

    @property
    def has_identity(self) -> bool:
        """Only IAM principals have identity policies, boundaries and SCPs."""
        return self not in (
            PrincipalKind.SERVICE,
            PrincipalKind.ANONYMOUS,
            PrincipalKind.CLOUDFRONT_OAI,
        )


class RequestError(ValueError):
    """A request that cannot be evaluated (malformed principal ARN, bad context value)."""


@dataclass(frozen=True, slots=True)
class RequestPrincipal:
    """The caller, with what the engine needs to match it against Principal elements."""

    arn: str | None
    kind: PrincipalKind
    account: str | None = None
    partition: str = "aws"
    role_arn: str | None = None
    """For role sessions (and the role itself): the role ARN, path included when known."""
    user_arn: str | None = None
    """For federated-user sessions: the IAM user that called GetFederationToken, when known."""

    @property
    def role_name(self) -> str | None:
        """The role name of a session or role."""
        if self.role_arn is None:
            return None
        arn = parse_arn(self.role_arn)
        return arn.resource_name if arn else None

    @property
    def is_service_linked_role(self) -> bool:
        """Service-linked roles live under the path `/aws-service-role/` (spec §1.4)."""
        if self.role_arn is None:
            return False
        arn = parse_arn(self.role_arn)
        return arn is not None and arn.resource.startswith("role/aws-service-role/")

    @classmethod
    def parse(cls, text: str, *, principal_arn: str | None = None) -> RequestPrincipal:
        """Parse a caller: an IAM/STS ARN, a CloudFront OAI ARN, `anonymous`, or a service
        principal name.

        `principal_arn` is the request's `aws:PrincipalArn`, which carries what a session ARN
        lacks: the role's path, or the user behind a federated session.
        """
        if text == ANONYMOUS:
            return cls(None, PrincipalKind.ANONYMOUS)
        if is_cloudfront_oai(text):
            return cls(text, PrincipalKind.CLOUDFRONT_OAI, partition=text.split(":")[1])
        bad = _NOT_IN_ANY_NAME.search(text)
        if bad is not None:
            raise RequestError(
                f"principal {text!r} contains {bad.group()!r} at offset {bad.start()}, which no"
                " IAM or STS name may contain"
            )
        arn = parse_arn(text)
        if arn is None:
            if "." in text and ":" not in text and "/" not in text:
                return cls(text, PrincipalKind.SERVICE)
            raise RequestError(
                f"principal {text!r} is not an IAM or STS ARN, 'anonymous' or a service name"
            )
        if not is_account_id(arn.account):
            raise RequestError(f"principal {text!r} has no 12-digit account id")
        rtype, _, rest = arn.resource.partition("/")
        base = {"account": arn.account, "partition": arn.partition}
        if arn.service == "iam" and arn.resource == "root":
            return cls(text, PrincipalKind.ROOT, **base)
        if arn.service == "iam" and rtype == "user" and rest:
            return cls(text, PrincipalKind.USER, **base)
        if arn.service == "iam" and rtype == "role" and rest:
            return cls(text, PrincipalKind.ROLE, role_arn=text, **base)
        if arn.service == "sts" and rtype == "assumed-role" and "/" in rest:
            role_name = rest.split("/", 1)[0]
            role_arn = f"arn:{arn.partition}:iam::{arn.account}:role/{role_name}"
            if principal_arn:
                known = parse_arn(principal_arn)
                if (
                    known
                    and known.resource.startswith("role/")
                    and known.resource_name == role_name
                ):
                    role_arn = principal_arn
            return cls(text, PrincipalKind.ASSUMED_ROLE, role_arn=role_arn, **base)
        if arn.service == "sts" and rtype == "federated-user" and rest:
            user_arn = None
            if principal_arn:
                known = parse_arn(principal_arn)
                if known and known.service == "iam" and known.resource.startswith("user/"):
                    user_arn = principal_arn
            return cls(text, PrincipalKind.FEDERATED_USER, user_arn=user_arn, **base)
        raise RequestError(
            f"principal {text!r} is not a root, user, role, assumed-role or federated-user ARN"
        )


class Context:
    """Request context: condition keys compare case-insensitively (spec §3.1)."""

    __slots__ = ("_names", "_values")

    def __init__(self, values: Mapping[str, str | Iterable[str]] | None = None) -> None:
        self._values: dict[str, ContextValue] = {}
        self._names: dict[str, str] = {}
        if values:
            for key, value in values.items():
                self.set(key, value)

    def set(self, key: str, value: str | Iterable[str]) -> None:
        """Set a key; a list or tuple makes it multivalued."""
        lower = key.lower()
        self._values[lower] = value if isinstance(value, str) else tuple(value)
        self._names[lower] = key

    def get(self, key: str) -> ContextValue | None:
        """The value of a key, whatever its case, or None when absent."""
        return self._values.get(key.lower())

    def single(self, key_lower: str) -> str | None:
        """A single-valued key's value (multivalued keys cannot be variables: spec §4)."""
        value = self._values.get(key_lower)
        return value if isinstance(value, str) else None

    def __contains__(self, key: str) -> bool:
        return key.lower() in self._values

    def items(self) -> list[tuple[str, ContextValue]]:
        """Keys as first written, with their values."""
        return [(self._names[k], v) for k, v in self._values.items()]

    def copy(self) -> Context:
        """A shallow copy."""
        other = Context()
        other._values = dict(self._values)
        other._names = dict(self._names)
        return other


@dataclass(slots=True)
class Request:
    """One authorization request."""

    principal: RequestPrincipal
    action: str
    resource: str = "*"
    resource_account: str | None = None
    context: Context = field(default_factory=Context)
    aws_managed_resource: bool = False
    """The resource is an AWS managed KMS key (known from the account, not the ARN)."""

    @property
    def same_account(self) -> bool:
        """Whether the caller and the resource belong to one account."""
        return (
            self.principal.account is not None
            and self.principal.account == self.effective_resource_account
        )

    @property
    def effective_resource_account(self) -> str | None:
        """The resource's account: given, else from the ARN, else the caller's (as AWS's API)."""
        if self.resource_account:
            return self.resource_account
        arn = parse_arn(self.resource)
        if arn is not None and is_account_id(arn.account):
            return arn.account
        return self.principal.account  # region-less ARNs, and AWS's own (`aws`: managed policies)

"""The questions `diff` asks the prover: pairs of policy sets, and what makes them.

A `ComparisonUnit` holds the engine's `PolicySet` for OLD and NEW; `policy_set_for` builds the
set of one document standing alone, `absent_policy_set` the set when the document is not there.
Fingerprints tell equal documents apart from changed ones without asking the prover.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Literal

from policysim.engine.compiled import NamedPolicy, PolicySet
from policysim.engine.request import RequestPrincipal
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy

__all__ = [
    "DOCUMENT_TYPES",
    "EMPTY_POLICY",
    "FULL_ACCESS",
    "GUARDRAILS",
    "ComparisonUnit",
    "Fingerprints",
    "InputFormat",
    "Sources",
    "Status",
    "absent_policy_set",
    "policy_set_for",
    "same_policy",
]

DOCUMENT_TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary")
"""The `--type` values of `diff` and `verify`."""

GUARDRAILS = frozenset({"scp", "rcp", "boundary"})
"""Types that only limit what others grant: their absence means "no limit"."""

Status = Literal["changed", "added", "removed"]
InputFormat = Literal["policy", "cloudformation", "terraform", "account", "skipped"]

EMPTY_POLICY = Policy.model_validate({"Version": "2012-10-17", "Statement": []})
"""A document with no statement: grants nothing, denies nothing."""

FULL_ACCESS = Policy.model_validate(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
"""What a guardrail is measured against: everything the identity side could grant."""


@dataclass(frozen=True, slots=True)
class ComparisonUnit:
    """One question for the prover: does `new` allow any request `old` does not?"""

    name: str
    """What is compared, for reports: a file, a template's place, `user alice (111122223333)`,
    `resource policy of arn:aws:s3:::logs`."""
    kind: str
    """identity, resource, trust, scp, rcp, boundary, or `principal` (a whole account stack)."""
    status: Status
    old: PolicySet
    new: PolicySet
    principal: RequestPrincipal | None = None
    """The caller whose access is compared (account stacks); None: any caller."""
    resource_account: str | None = None
    old_policy: Policy | None = None
    """For a single document: the OLD document (None when the unit is `added`)."""
    new_policy: Policy | None = None
    """For a single document: the NEW document (None when the unit is `removed`)."""
    old_location: str | None = None
    new_location: str | None = None
    also: tuple[str, ...] = ()
    """Other principals with exactly the same pair of stacks: the answer holds for them too."""
    standalone: bool = False
    """A document compared by itself (from a policy file, template or plan), as opposed to a
    principal's stack or a resource policy with its account's RCPs around it."""


@dataclass(slots=True)
class Sources:
    """Everything two inputs hold, as units to compare."""

    format: InputFormat
    units: list[ComparisonUnit] = field(default_factory=list)
    unchanged: int = 0
    """Pairs dropped because both sides are the same documents."""
    notes: list[str] = field(default_factory=list)


# ---- policy sets for one document --------------------------------------------------------------


def policy_set_for(policy: Policy, kind: str, name: str) -> PolicySet:
    """The engine's view of one document of type `kind` standing alone.

    Grants (identity, resource, trust) are the only policy of their set; a guardrail (SCP,
    boundary, RCP) is measured against an identity policy allowing everything, so that what it
    lets through is what the set allows.
    """
    named = NamedPolicy(policy, name)
    if kind == "identity":
        return PolicySet(identity=[named])
    if kind in ("resource", "trust"):
        return PolicySet(resource=named)
    full = [NamedPolicy(FULL_ACCESS, "full access")]
    if kind == "scp":
        return PolicySet(identity=full, scps=[[named]])
    if kind == "rcp":
        return PolicySet(identity=full, rcps=[[named]])
    if kind == "boundary":
        return PolicySet(identity=full, boundary=[named])
    raise PolicyError(f"unknown policy type {kind!r}; expected one of {', '.join(DOCUMENT_TYPES)}")


def absent_policy_set(kind: str) -> PolicySet:
    """The set when the document is not there: nothing granted, or no guardrail."""
    if kind in GUARDRAILS:
        return PolicySet(identity=[NamedPolicy(FULL_ACCESS, "full access")])
    return policy_set_for(EMPTY_POLICY, kind, "(absent)")


# ---- fingerprints ------------------------------------------------------------------------------


class Fingerprints:
    """Content fingerprints of documents, computed once per document object."""

    def __init__(self) -> None:
        self._by_id: dict[int, tuple[Policy, str]] = {}
        self.texts: dict[str, str] = {}

    def of(self, policy: Policy) -> str:
        found = self._by_id.get(id(policy))
        if found is not None and found[0] is policy:
            return found[1]
        text = json.dumps(
            policy.model_dump(mode="json", by_alias=True, exclude_none=True),
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        self._by_id[id(policy)] = (policy, digest)
        self.texts.setdefault(digest, text)
        return digest


def same_policy(a: Policy | None, b: Policy | None, prints: Fingerprints) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or prints.of(a) == prints.of(b)

"""Builders shared by the engine tests: terse policies, policy sets and requests.

Every builder goes through the real parser (`policy_from_data`), so a typo in a test document
fails loudly instead of silently testing something else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policysim.api import evaluate
from policysim.engine.compiled import NamedPolicy, PolicySet
from policysim.engine.context_keys import build_request
from policysim.engine.options import EvaluationOptions
from policysim.engine.request import Request
from policysim.engine.result import EvaluationResult
from policysim.policy.build import policy_from_data

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/sess1"
FEDERATED = f"arn:aws:sts::{ACCOUNT}:federated-user/fed"
CAROL = f"arn:aws:iam::{OTHER_ACCOUNT}:user/carol"
OTHER_SESSION = f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/ci/run1"
BUCKET_OBJECT = "arn:aws:s3:::examplebucket/key.txt"


def stmt(
    effect: str = "Allow",
    action: str | list[str] | None = "s3:GetObject",
    resource: str | list[str] | None = "*",
    **extra: Any,
) -> dict[str, Any]:
    """One statement as JSON data; `extra` keys are element names (`Principal`, `Condition`)."""
    out: dict[str, Any] = {"Effect": effect}
    if action is not None:
        out["Action"] = action
    if resource is not None:
        out["Resource"] = resource
    out.update(extra)
    return out


def allow(action: str | list[str] = "s3:GetObject", resource: str = "*", **extra: Any) -> dict:
    return stmt("Allow", action, resource, **extra)


def deny(action: str | list[str] = "s3:GetObject", resource: str = "*", **extra: Any) -> dict:
    return stmt("Deny", action, resource, **extra)


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        out["Version"] = version
    return out


def named(document: dict[str, Any], name: str = "p", file: str | None = None) -> NamedPolicy:
    return NamedPolicy(policy_from_data(document, file=file), name)


def policy_set(
    *,
    identity: Iterable[dict[str, Any]] = (),
    resource: dict[str, Any] | None = None,
    boundary: dict[str, Any] | None = None,
    scps: list[list[dict[str, Any]]] | None = None,
    rcps: list[list[dict[str, Any]]] | None = None,
    session: dict[str, Any] | None = None,
    management_account: str | None = None,
    restrict_public_buckets: bool = False,
) -> PolicySet:
    """A `PolicySet` from plain documents, each named after its place."""

    def levels(spec: list[list[dict[str, Any]]] | None, kind: str) -> Any:
        if spec is None:
            return None
        return [
            [named(d, f"{kind}[{i}][{j}]") for j, d in enumerate(level)]
            for i, level in enumerate(spec)
        ]

    return PolicySet(
        identity=[named(d, f"identity[{i}]") for i, d in enumerate(identity)],
        resource=named(resource, "resource") if resource is not None else None,
        boundary=[named(boundary, "boundary")] if boundary is not None else None,
        scps=levels(scps, "scp"),
        rcps=levels(rcps, "rcp"),
        session=named(session, "session") if session is not None else None,
        management_account=management_account,
        restrict_public_buckets=restrict_public_buckets,
    )


def request(
    principal: str = ALICE,
    action: str = "s3:GetObject",
    resource: str = BUCKET_OBJECT,
    *,
    resource_account: str | None = ACCOUNT,
    context: Mapping[str, str | list[str]] | None = None,
) -> Request:
    return build_request(
        principal, action, resource, resource_account=resource_account, context=context
    )


def decide(
    req: Request | None = None,
    options: EvaluationOptions | None = None,
    **policies: Any,
) -> EvaluationResult:
    """Evaluate `req` (default: alice reads an object of her own account) against policies."""
    return evaluate(policy_set(**policies), req or request(), options)

"""The levels of an organization's tree as a snapshot stores them (docs/formats.md): each root,
OU and account with the names of the SCPs and RCPs attached to it, and each policy's document
read once. `fetch` reads the levels on one account's path; `fetch --org` those of the whole
tree, `ListPoliciesForTarget` for many nodes side by side (`calls.bounded`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policysim.aws.calls import Progress, bounded, error_code, pages

FILTERS = (("scps", "SERVICE_CONTROL_POLICY", "SCP"), ("rcps", "RESOURCE_CONTROL_POLICY", "RCP"))
"""(level key, `ListPoliciesForTarget` filter, snapshot policy type)."""

RCP_NOT_ENABLED = ("PolicyTypeNotEnabledException", "InvalidInputException")
"""What an organization without RCPs enabled (or an older endpoint) answers to the RCP filter."""

Node = tuple[dict[str, Any], str]
"""An organization node as Organizations lists it (`Id`, maybe `Name`) and its type: `ROOT`,
`ORGANIZATIONAL_UNIT` or `ACCOUNT`."""


def attached_policies(org: Any, target_id: str) -> dict[str, list[dict[str, Any]]]:
    """The summaries of the SCPs and RCPs attached to one node, by level key."""
    import botocore.exceptions as bx

    found: dict[str, list[dict[str, Any]]] = {}
    for key, filter_name, policy_type in FILTERS:
        try:
            found[key] = list(
                pages(
                    org,
                    "list_policies_for_target",
                    "Policies",
                    TargetId=target_id,
                    Filter=filter_name,
                )
            )
        except bx.ClientError as err:
            if policy_type == "RCP" and error_code(err) in RCP_NOT_ENABLED:
                found[key] = []
                continue
            raise
    return found


def read_levels(
    org: Any,
    nodes: Sequence[Node],
    *,
    workers: int = 1,
    progress: Progress | None = None,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The level of each node, in the order of `nodes`, and the policies the levels name
    (name: `{"type", "document"}`), reading at most `workers` nodes (then policies) at once.

    A policy is named by its name, or `NAME (ID)` when another policy met earlier in `nodes`
    has that name, so the names do not depend on which call finished first. What a call raises
    (after the client's retries) is raised here."""
    bar = progress.start("organization", len(nodes)) if progress else None

    def attached(node: Node) -> dict[str, list[dict[str, Any]]]:
        try:
            return attached_policies(org, str(node[0]["Id"]))
        finally:
            if progress:
                progress.advance(bar)

    try:
        found = bounded(nodes, attached, workers)
    finally:
        if progress:
            progress.finish(bar)
    distinct: dict[str, tuple[dict[str, Any], str]] = {}
    for summaries in found:
        for key, _, policy_type in FILTERS:
            for summary in summaries[key]:
                distinct.setdefault(str(summary["Id"]), (summary, policy_type))
    documents = bounded(
        list(distinct),
        lambda policy_id: org.describe_policy(PolicyId=policy_id)["Policy"]["Content"],
        workers,
    )
    names: dict[str, str] = {}
    policies: dict[str, dict[str, Any]] = {}
    for (policy_id, (summary, policy_type)), document in zip(
        distinct.items(), documents, strict=True
    ):
        name = str(summary.get("Name") or policy_id)
        if name in policies:
            name = f"{name} ({policy_id})"
        names[policy_id] = name
        policies[name] = {"type": policy_type, "document": document}
    levels: list[dict[str, Any]] = []
    for (node, kind), summaries in zip(nodes, found, strict=True):
        level: dict[str, Any] = {"id": node["Id"]}
        if kind != "ACCOUNT" and node.get("Name"):
            level["name"] = node["Name"]
        for key, _, _ in FILTERS:
            level[key] = [names[str(s["Id"])] for s in summaries[key]]
        levels.append(level)
    return levels, policies

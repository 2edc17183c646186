"""Offline proofs about policies: no new access, access not granted, no public access.

`diff_policy_sets` answers "is there a request NEW allows and OLD does not?" with PASS (proved:
none), FAIL (findings, each with a request the engine re-checked) or UNKNOWN (which part could
not be decided, and why). See `prove` for the method.
"""

from policysim.diff.api import diff_documents, diff_policy_sets, verify_not_granted
from policysim.diff.public import PUBLIC_RESOURCE_TYPES, verify_no_public_access
from policysim.diff.report import (
    DiffReport,
    Direction,
    Finding,
    Limits,
    Outcome,
    StatementRef,
)

__all__ = [
    "PUBLIC_RESOURCE_TYPES",
    "DiffReport",
    "Direction",
    "Finding",
    "Limits",
    "Outcome",
    "StatementRef",
    "diff_documents",
    "diff_policy_sets",
    "verify_no_public_access",
    "verify_not_granted",
]

"""Policy documents given as JSON data, parsed once per distinct document and name.

A batch of cases carries every policy inside every case, and test batches repeat documents:
one identity policy tried against many requests, the same SCPs in every case. Parsing and
compiling are most of the cost of a case, so a document seen before returns the very same
`NamedPolicy` object, which lets `CompileCache` (keyed by that object) reuse its compiled
statements and per-action caches.

The key is the document's `repr`: two documents share an entry only when their data is equal
with the same key order and the same types (`1`, `1.0`, `"1"` and `true` all differ), and
under the same name (reports name the policy by its field, `identity_policies[0]`). The cache
is least-recently-used and bounded, so memory stays flat however long the batch is.
"""

from __future__ import annotations

from typing import Any

from policysim.engine.compiled import NamedPolicy
from policysim.policy.build import policy_from_data
from policysim.policy.kinds import PolicyKind

DEFAULT_LIMIT = 4096
"""Documents kept; a case holds a handful, so this covers thousands of distinct cases."""


class DocumentCache:
    """Least-recently-used map of (document, name) to the `NamedPolicy` parsed from it."""

    __slots__ = ("_entries", "limit")

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._entries: dict[tuple[str, str, PolicyKind | None], NamedPolicy] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def named(self, data: Any, name: str, *, kind: PolicyKind | None = None) -> NamedPolicy:
        """The policy `data` (a JSON object) named `name`; raises `PolicyError` as
        `policy_from_data` does. Invalid documents are not remembered."""
        key = (repr(data), name, kind)
        entries = self._entries
        hit = entries.pop(key, None)
        if hit is None:
            hit = NamedPolicy(policy_from_data(data, kind=kind), name)
            if len(entries) >= self.limit:
                del entries[next(iter(entries))]  # the least recently used
        entries[key] = hit  # (re)inserted last: the most recently used
        return hit

    def clear(self) -> None:
        """Forget every document."""
        self._entries.clear()

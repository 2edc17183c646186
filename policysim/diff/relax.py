"""Documents without policy variables that bound every caller's reading of a document.

A document with `${aws:username}` means something different for each caller it is attached
to, and the prover asks about a few callers only (`principals.document_callers`). To prove "no
new access" for every caller at once, each side is replaced by a document with no variables:

- NEW by one that allows at least what NEW allows for any caller (`widen=True`): in an Allow,
  a variable in `Resource` becomes `*` (it matches whatever the variable renders to),
  a `NotResource` entry or a condition entry with a variable is dropped (the statement then
  applies to more requests); a Deny with a variable is dropped (it denies less);
- OLD by one that allows at most what OLD allows for any caller (`widen=False`): an Allow with
  a variable is dropped, a Deny is widened as an Allow of NEW is.

AWS's decision only grows with what Allows apply to and shrinks with what Denies apply to, so
when nothing the widened NEW allows is missing from the narrowed OLD, no caller gains anything.
The converse does not hold (a request found here may be no caller's), so a request found this
way is never reported: the answer then stays UNKNOWN.

Statements with variables that both sides share (the usual `home/${aws:username}/*` grant an
edit leaves alone) would make that bound useless: widened in NEW, dropped from OLD. `bounds`
sets them apart. Write each side's decision on a request as "some Allow applies and no Deny
does", with A/D the Allows/Denies of the statements not shared, S the shared Allows and T the
shared Denies (S and T read for one caller). NEW allows and OLD does not only when
`(A_N or S) and not (D_N or T) and ((not A_O and not S) or D_O)`; T can only make that
smaller, and the part with `not S` needs `A_N`. So that request is one of

1. `A_N and not D_N and not (A_O and not D_O)`: the unshared statements alone gain it;
2. `S and not D_N and D_O`: a shared grant that a Deny only OLD has took away.

Both are asked without variables, each side bounded as above: (1) compares the unshared
statements, (2) compares "everything but OLD's unshared Denies" with "the shared grants but
NEW's unshared Denies". When neither finds anything, no caller gains anything.
"""

from __future__ import annotations

import re
from typing import Any

from policysim.policy.model import Policy

_VARIABLE = re.compile(r"\$\{(?![*?$]\})[^}]*\}")
"""A policy variable, not one of the special `${*}`, `${?}`, `${$}` (literal characters)."""


def _has_variable(value: Any) -> bool:
    if isinstance(value, str):
        return _VARIABLE.search(value) is not None
    if isinstance(value, list):
        return any(_has_variable(v) for v in value)
    if isinstance(value, dict):
        return any(_has_variable(v) for v in value.values())
    return False


def has_variables(policy: Policy) -> bool:
    """Whether the document holds policy variables that AWS substitutes."""
    return policy.substitutes_variables and _has_variable(policy.to_json())


def _widened(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement applying to at least every request it applies to for any caller."""
    out = dict(statement)
    if "Resource" in out:
        entries = out["Resource"] if isinstance(out["Resource"], list) else [out["Resource"]]
        out["Resource"] = [_VARIABLE.sub("*", e) for e in entries]
    if "NotResource" in out:
        entries = out["NotResource"]
        entries = entries if isinstance(entries, list) else [entries]
        kept = [e for e in entries if not _has_variable(e)]
        if kept:
            out["NotResource"] = kept
        else:  # no entry left to exclude: every resource
            del out["NotResource"]
            out["Resource"] = "*"
    if "Condition" in out:
        condition: dict[str, dict[str, Any]] = {}
        for operator, entries in out["Condition"].items():
            kept_entries = {k: v for k, v in entries.items() if not _has_variable(v)}
            if kept_entries:
                condition[operator] = kept_entries
        if condition:
            out["Condition"] = condition
        else:
            del out["Condition"]
    return out


def relax(policy: Policy, *, widen: bool) -> Policy:
    """A document without variables bounding `policy` for every caller: allowing at least
    as much (`widen`) or at most as much (see the module's docstring)."""
    if not has_variables(policy):
        return policy
    data = policy.to_json()
    statements = []
    for statement in data["Statement"]:
        if not _has_variable(statement):
            statements.append(statement)
            continue
        grows = (statement.get("Effect") == "Allow") == widen
        if grows:
            statements.append(_widened(statement))
        # else: dropped (an Allow of OLD, a Deny of NEW)
    data["Statement"] = statements
    return Policy.model_validate(data)


def _statements(policy: Policy) -> list[dict[str, Any]]:
    return list(policy.to_json()["Statement"])


def _document(policy: Policy, statements: list[dict[str, Any]]) -> Policy:
    data = policy.to_json()
    data["Statement"] = statements
    return Policy.model_validate(data)


def bounds(old: Policy, new: Policy, *, principal: bool) -> list[tuple[Policy, Policy]]:
    """Pairs of documents (OLD, NEW) without variables: when NEW allows nothing OLD does not
    in each pair, `new` allows nothing `old` does not, for every caller (module docstring).
    `principal`: the documents are resource policies (the catch-all Allow needs a Principal)."""
    if old.substitutes_variables != new.substitutes_variables:
        return [(relax(old, widen=False), relax(new, widen=True))]
    old_items, new_items = _statements(old), _statements(new)
    shared = [s for s in old_items if _has_variable(s) and s in new_items]
    only_old = [s for s in old_items if s not in shared]
    only_new = [s for s in new_items if s not in shared]
    pairs = [
        (
            relax(_document(old, only_old), widen=False),
            relax(_document(new, only_new), widen=True),
        )
    ]
    grants = [s for s in shared if s.get("Effect") == "Allow"]
    old_denies = [s for s in only_old if s.get("Effect") == "Deny"]
    if grants and old_denies:
        everything: dict[str, Any] = {"Effect": "Allow", "Action": "*", "Resource": "*"}
        if principal:
            everything["Principal"] = "*"
        new_denies = [s for s in only_new if s.get("Effect") == "Deny"]
        pairs.append(
            (
                relax(_document(old, [everything, *old_denies]), widen=False),
                relax(_document(new, [*grants, *new_denies]), widen=True),
            )
        )
    return pairs

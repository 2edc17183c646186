"""Any policy of an account snapshot, or a bundled AWS managed policy, found by the words
people use for it (`policysim show-policy`).

What a word can be (case-insensitive):

- a managed policy's name or ARN (the account's own copy first, then the bundled AWS managed
  policies, which need no account at all);
- an inline policy as the resolver names it, `user alice inline NAME` (`group ...`,
  `role ...`), or its bare NAME when only one principal has an inline policy of that name;
- a role's trust policy: `role NAME trust policy`, or the role's ARN;
- an SCP or RCP: its name, `SCP NAME`, `RCP NAME` or the key `SCP NAME (LEVEL)` of
  `--include-policy` (the snapshot keeps organization policies by name; `fetch --org` names
  a policy whose name repeats `NAME (p-ID)`);
- a resource's policy: the resource's ARN, or `resource policy of ARN`;
- a boundary: its managed policy's name or ARN, or `boundary NAME`.

A word naming several policies is an error listing them; an unknown word suggests near ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from policysim.account.errors import AccountError, did_you_mean
from policysim.account.model import Account, Snapshot
from policysim.policy.model import Policy

FoundKind = Literal["managed", "inline", "trust", "scp", "rcp", "organization", "resource"]


@dataclass(frozen=True, slots=True)
class FoundPolicy:
    """One policy, with what it is and where it lives."""

    key: str
    """The word that names only this policy."""
    kind: FoundKind
    label: str
    """For people: `managed policy AmazonS3ReadOnlyAccess (AWS managed, bundled copy)`,
    `inline policy Own of user alice`, `SCP DenyS3`, `resource policy of arn:aws:s3:::b`."""
    policy: Policy
    arn: str | None = None
    account: str | None = None
    bundled: bool = False
    """An AWS managed policy from the copies bundled with policysim."""
    names: tuple[str, ...] = ()
    """Other words that name it."""


def snapshot_policies(snapshot: Snapshot) -> list[FoundPolicy]:
    """Every policy document the snapshot holds, each once."""
    out: list[FoundPolicy] = []
    boundaries: set[str] = set()
    for account in snapshot.accounts.values():
        boundaries.update(
            u.permissions_boundary for u in account.users.values() if u.permissions_boundary
        )
        boundaries.update(
            r.permissions_boundary for r in account.roles.values() if r.permissions_boundary
        )
    for account in snapshot.accounts.values():
        out += _account_policies(account, boundaries)
    org = snapshot.organization
    if org is not None:
        kinds: dict[str, set[str]] = {}
        levels: dict[str, list[str]] = {}
        for path in org.account_paths.values():
            for level in path:
                for kind, names in (("SCP", level.scps), ("RCP", level.rcps)):
                    for name in names:
                        kinds.setdefault(name, set()).add(kind)
                        where = f"{kind} {name} ({level.name or level.id})"
                        if where not in levels.setdefault(name, []):
                            levels[name].append(where)
        for name, policy in org.policies.items():
            attached = sorted(kinds.get(name, ()))
            which = attached[0] if len(attached) == 1 else None
            word = f"{which} {name}" if which else f"organization policy {name}"
            out.append(
                FoundPolicy(
                    key=word,
                    kind="organization" if which is None else "scp" if which == "SCP" else "rcp",
                    label=word,
                    policy=policy,
                    names=(name, *levels.get(name, ())),
                )
            )
    return out


def _account_policies(account: Account, boundaries: set[str]) -> list[FoundPolicy]:
    out: list[FoundPolicy] = []
    for arn, managed in account.policies.items():
        names = (arn, *([f"boundary {managed.name}"] if arn in boundaries else []))
        out.append(
            FoundPolicy(
                key=managed.name,
                kind="managed",
                label=f"managed policy {managed.name} ({arn})",
                policy=managed.document,
                arn=arn,
                account=account.id,
                names=names,
            )
        )
    for kind, table in (
        ("user", account.users),
        ("group", account.groups),
        ("role", account.roles),
    ):
        for entity in table.values():
            for name, policy in entity.inline_policies.items():
                out.append(
                    FoundPolicy(
                        key=f"{kind} {entity.name} inline {name}",
                        kind="inline",
                        label=f"inline policy {name} of {kind} {entity.name} in {account.id}",
                        policy=policy,
                        account=account.id,
                        names=(name,),
                    )
                )
    for role in account.roles.values():
        if role.trust_policy is not None:
            out.append(
                FoundPolicy(
                    key=f"role {role.name} trust policy",
                    kind="trust",
                    label=f"trust policy of role {role.name} ({role.arn})",
                    policy=role.trust_policy,
                    arn=role.arn,
                    account=account.id,
                    names=(role.arn, f"resource policy of {role.arn}"),
                )
            )
    for arn, resource in account.resources.items():
        if resource.policy is not None:
            out.append(
                FoundPolicy(
                    key=f"resource policy of {arn}",
                    kind="resource",
                    label=f"resource policy of {arn} (account {account.id})",
                    policy=resource.policy,
                    arn=arn,
                    account=account.id,
                    names=(arn,),
                )
            )
    return out


def find_policy(snapshot: Snapshot | None, word: str) -> FoundPolicy:
    """The one policy `word` names in `snapshot` (None: no account, bundled policies only),
    else among the bundled AWS managed policies; `AccountError` when it names none or
    several."""
    from policysim.account.managed import aws_managed_policy, suggest_managed_policies

    candidates = snapshot_policies(snapshot) if snapshot is not None else []
    found = _named(word, candidates)
    if len(found) > 1:
        listed = ", ".join(
            f.key if f.account is None else f"{f.key} ({f.account})" for f in found[:6]
        )
        more = f" and {len(found) - 6} more" if len(found) > 6 else ""
        hint = "; give its ARN" if all(f.kind == "managed" for f in found) else ""
        raise AccountError(f"{word!r} names {len(found)} policies: {listed}{more}{hint}")
    if found:
        return found[0]
    bundled = aws_managed_policy(word)
    if bundled is not None:
        arn = bundled.arn or f"arn:aws:iam::aws:policy/{bundled.name}"
        return FoundPolicy(
            key=bundled.name,
            kind="managed",
            label=f"AWS managed policy {bundled.name} ({arn}), the copy bundled with policysim"
            + (" (deprecated)" if bundled.deprecated else ""),
            policy=bundled.policy,
            arn=arn,
            bundled=True,
        )
    words = _words(candidates)
    close = did_you_mean(word, words) or did_you_mean(word, suggest_managed_policies(word))
    if snapshot is None:
        raise AccountError(
            f"no policy named {word!r} among the bundled AWS managed policies{close}"
            " (no account given: --account FILE looks among the account's policies too)"
        )
    raise AccountError(
        f"no policy named {word!r} in the account or among the bundled AWS managed policies{close}"
    )


def _named(word: str, candidates: list[FoundPolicy]) -> list[FoundPolicy]:
    lowered = word.lower()
    exact = [c for c in candidates if c.key.lower() == lowered]
    if exact:
        return exact
    return [c for c in candidates if any(n.lower() == lowered for n in c.names)]


def _words(candidates: Iterable[FoundPolicy]) -> list[str]:
    out: dict[str, None] = {}
    for c in candidates:
        out.setdefault(c.key, None)
        for name in c.names:
            out.setdefault(name, None)
    return list(out)

"""The callers worth asking about: one of each kind the policies can tell apart.

Principal matching (`engine.principal_match`) compares whole entries: an account id, a user or
role ARN, a session ARN, a service name, or `*`. So callers fall into finitely many classes:
for each account a policy names (and the resource's account, and one no policy names) its root,
a user, a role and a role session no policy names; each user, role and session a policy names
(a role also through a session of it); anonymous; each named service and one unnamed.
"""

from __future__ import annotations

from collections.abc import Iterable

from policysim.engine.compiled import PolicySet
from policysim.engine.request import RequestPrincipal
from policysim.policy.arn import is_account_id, parse_arn

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_PRINCIPAL = f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/alice"
_FRESH_ACCOUNTS = ("999988887777", "888877776666", "777766665555")


def _entries(sets: Iterable[PolicySet]) -> tuple[set[str], set[str]]:
    aws: set[str] = set()
    services: set[str] = set()
    for policy_set in sets:
        documents = []
        if policy_set.resource is not None:
            documents.append(policy_set.resource.policy)
        for level in (policy_set.scps or []) + (policy_set.rcps or []):
            documents += [p.policy for p in level]
        for document in documents:
            for statement in document.statements:
                for element in (statement.principal, statement.not_principal):
                    if element is None:
                        continue
                    aws |= {a for a in element.aws if a != "*"}
                    services |= {s.lower() for s in (*element.service, *element.federated)}
    return aws, services


def fresh_account(taken: Iterable[str]) -> str:
    """An account id no policy names."""
    used = set(taken)
    return next(a for a in _FRESH_ACCOUNTS if a not in used)


def candidates(sets: Iterable[PolicySet], resource_account: str) -> list[RequestPrincipal]:
    """One caller of each class the policies' Principal elements can tell apart."""
    aws, services = _entries(list(sets))
    accounts = {resource_account}
    users: set[str] = set()
    roles: set[str] = set()
    sessions: set[str] = set()
    for entry in aws:
        if is_account_id(entry):
            accounts.add(entry)
            continue
        arn = parse_arn(entry)
        if arn is None or not is_account_id(arn.account):
            continue
        accounts.add(arn.account)
        if arn.service == "iam" and arn.resource.startswith("user/"):
            users.add(entry)
        elif arn.service == "iam" and arn.resource.startswith("role/"):
            roles.add(entry)
        elif arn.service == "sts":
            sessions.add(entry)
    accounts.add(fresh_account(accounts))
    texts: list[tuple[str, str | None]] = []
    for account in sorted(accounts, key=lambda a: (a != resource_account, a)):
        texts += [
            (f"arn:aws:iam::{account}:user/diff-user", None),
            (f"arn:aws:iam::{account}:root", None),
            (f"arn:aws:sts::{account}:assumed-role/diff-role/diff-session", None),
            (f"arn:aws:iam::{account}:role/diff-role", None),
        ]
    texts += [(u, None) for u in sorted(users)]
    for role in sorted(roles):
        arn = parse_arn(role)
        assert arn is not None
        texts.append((role, None))
        texts.append(
            (f"arn:aws:sts::{arn.account}:assumed-role/{arn.resource_name}/diff-session", role)
        )
    texts += [(s, None) for s in sorted(sessions)]
    texts += [("anonymous", None)]
    texts += [(s, None) for s in sorted(services) if "." in s and "/" not in s and ":" not in s]
    texts.append(("unlisted.amazonaws.com", None))
    out: list[RequestPrincipal] = []
    seen: set[str] = set()
    for text, role_arn in texts:
        if text in seen:
            continue
        seen.add(text)
        try:
            out.append(RequestPrincipal.parse(text, principal_arn=role_arn))
        except ValueError:
            continue
    return out


def principal_text(principal: RequestPrincipal) -> str:
    """How a request names the caller."""
    return principal.arn or "anonymous"

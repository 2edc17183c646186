"""The callers worth asking about: one of each kind the policies can tell apart.

Principal matching (`engine.principal_match`) compares whole entries: an account id, a user or
role ARN, a session ARN, a service name, or `*`. So callers fall into finitely many classes:
for each account a policy names (and the resource's account, and one no policy names) its root,
a user, a role and a role session no policy names; each user, role and session a policy names
(a role also through a session of it); anonymous; each named service and one unnamed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from policysim.engine.compiled import PolicySet
from policysim.engine.request import RequestPrincipal
from policysim.policy.arn import is_account_id, parse_arn

DEFAULT_ACCOUNT = "111122223333"
DEFAULT_PRINCIPAL = f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/alice"
_FRESH_ACCOUNTS = ("999988887777", "888877776666", "777766665555")

CALLER_KEYS = (
    "aws:username",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:principalisawsservice",
    "aws:principalservicename",
)
"""Keys AWS sets from the caller whose policy variables the prover replaces by the caller's
own values (lower-cased); a variable of any other key answers UNKNOWN where it matters."""

CALLER_DEPENDENT = re.compile(r"\$\{|principal|userid|username|sourceidentity", re.IGNORECASE)
"""Text that may make a document's answer depend on who the caller is (policy variables,
principal condition keys)."""

_VARIABLE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_ACCOUNT_VARIABLES = frozenset({"aws:principalaccount", "aws:principalarn"})
_NAMED = re.compile(r"(?:user|role|assumed-role)/([A-Za-z0-9+=,.@_-]+)")
_SEGMENT = re.compile(r"/([A-Za-z0-9+=,.@_-]+)(?=/|\"|$)")
"""A path segment (`home/bob/*`): a name a `${aws:username}` in the same place would render."""
_ACCOUNT_ID = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_FRESH_NAMES = ("bob", "carol", "dave", "erin", "mallory", "trent")
MAX_NAMED_CALLERS = 6
"""Names the documents hold asked about as callers besides the fresh ones."""


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


def caller_variables(texts: Iterable[str]) -> frozenset[str]:
    """The keys of `CALLER_KEYS` that the texts read as policy variables (lower-cased)."""
    found = {m.group(1).lower() for t in texts for m in _VARIABLE.finditer(t)}
    return frozenset(found & set(CALLER_KEYS))


def _fresh_name(texts: Sequence[str], taken: Iterable[str] = ()) -> str:
    """A name no text contains (case-insensitively), so no literal of the documents singles
    it out; the conventional names first, for readable counterexamples."""
    lowered = [t.lower() for t in texts]
    used = {t.lower() for t in taken}
    names = (*_FRESH_NAMES, *(f"caller{i}" for i in range(1000)))
    return next(n for n in names if n not in used and not any(n in t for t in lowered))


def document_callers(texts: Sequence[str]) -> list[RequestPrincipal]:
    """The callers a standalone identity document (or guardrail) is asked about.

    Such a document can be attached to any user or role of any account, so its answer must
    hold for every caller. Who the caller is reaches the evaluation of an identity-side
    document only through the keys AWS sets from the caller: condition keys (`aws:username`,
    `aws:PrincipalArn`, ...) and policy variables of them. The prover leaves the condition keys
    free (any value; present whenever AWS always sets them for that kind of caller), so:

    - documents whose text names no such key (`CALLER_DEPENDENT`) decide every caller alike:
      one user, alice of 111122223333, stands for all (the answer is exact);
    - documents that test such keys in conditions only: alice and a role session, because
      which keys exist differs (a role session has no `aws:username`);
    - documents with policy variables of them (`${aws:username}`): besides those two, a user
      and a role session whose names no text of either document contains (`bob`), the users
      and roles the documents name (`user/NAME`, `role/NAME`, then path segments such as
      `home/NAME/`; up to `MAX_NAMED_CALLERS`) and, when a
      variable reads the account (`${aws:PrincipalAccount}`, `${aws:PrincipalArn}`), a user and
      a session of a fresh account and of each account the documents name. These find the
      usual new access, but a name can fall into a pattern (`home/a*` singles out names that
      start with `a`), so they prove nothing for every name: the prover answers UNKNOWN where
      a variable decided an action and no new access was found (`Question.every_caller`).
    """
    callers = [DEFAULT_PRINCIPAL]
    variables = caller_variables(texts)
    dependent = any(CALLER_DEPENDENT.search(t) for t in texts)
    role = _fresh_name(texts, ("alice",))
    session = _fresh_name(texts, ("alice", role))
    if dependent:
        callers.append(f"arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/{role}-role/{session}-session")
    if variables:
        user = _fresh_name(texts, ("alice",))
        callers.append(f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/{user}")
        arns = {m.group(1) for t in texts for m in _NAMED.finditer(t)} - {"alice"}
        segments = {m.group(1) for t in texts for m in _SEGMENT.finditer(t)} - arns - {"alice"}
        named = [*sorted(arns), *sorted(segments)][:MAX_NAMED_CALLERS]
        for name in named:
            callers.append(f"arn:aws:iam::{DEFAULT_ACCOUNT}:user/{name}")
            if name in arns:
                callers.append(f"arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/{name}/{session}")
        if variables & _ACCOUNT_VARIABLES:
            mentioned = sorted({m.group(0) for t in texts for m in _ACCOUNT_ID.finditer(t)})
            accounts = [*mentioned[:2], fresh_account({DEFAULT_ACCOUNT, *mentioned})]
            for account in accounts:
                if account == DEFAULT_ACCOUNT:
                    continue
                callers.append(f"arn:aws:iam::{account}:user/{user}")
                callers.append(f"arn:aws:sts::{account}:assumed-role/{role}-role/{session}")
    out: list[RequestPrincipal] = []
    for text in dict.fromkeys(callers):
        arn = parse_arn(text)
        role_arn = None
        if arn is not None and arn.service == "sts":
            role_name = arn.resource.split("/")[1]
            role_arn = f"arn:aws:iam::{arn.account}:role/{role_name}"
        out.append(RequestPrincipal.parse(text, principal_arn=role_arn))
    return out


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

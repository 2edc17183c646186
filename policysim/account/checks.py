"""What an account file may not hold, and what it holds that is probably a mistake.

A typo in an account file silently changes answers: a bucket policy keyed by an object pattern
is never consulted, an action spelt `s3:GetObjects` never matches, a principal that names no one
grants nothing. The loaders ask this module two things:

* `resource_key_problem`: is a `resources:` key the ARN of one resource that can carry what is
  given (an error when not: the entry would be ignored);
* `site_findings`: for every policy of the file, once the whole file is read, the warnings
  (unknown actions and condition keys, principals that name no user or role of an account the
  file describes, bucket policy statements that never name their bucket) and the errors (a
  principal IAM itself refuses, such as `{"AWS": "john"}`).

Positions come from the loader, which alone knows how the file was written: each policy is
registered as a `PolicySite` with a function that locates a path inside the document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from policysim.account.errors import did_you_mean
from policysim.account.model import LoadWarning, Resource, Snapshot
from policysim.catalog.names import action_problem, condition_key_problem
from policysim.catalog.resources import arn_services, formats_written_with, resource_types_of
from policysim.policy.arn import is_account_id, parse_arn
from policysim.policy.errors import PolicyError, Position
from policysim.policy.model import Policy, Statement
from policysim.policy.wildcard import compile_glob, glob_matches_some_extension, has_wildcard

DocPath = tuple[str | int, ...]
"""A path inside one policy document: `("Statement", 0, "Action", 1)`."""

Locator = Callable[[DocPath], tuple[Position | None, str | None]]
"""Where a path of the document is in the file: (line and column if known, JSON path)."""

SiteKind = Literal["identity", "resource", "trust", "organization"]

PRINCIPAL_KINDS = frozenset({"user", "role"})

_UNIQUE_ID = re.compile(r"^A(?:IDA|ROA|GPA|NPA|NVA|SIA|KIA|IPA)[A-Z0-9]{12,}$")
"""IAM unique ids (`AIDA...` users, `AROA...` roles): AWS shows one in a policy in place of a
principal that was deleted."""
_VARIABLE = re.compile(r"\$\{[^}]*\}")
_FORMATS_SHOWN = 4


# ---- resource keys ---------------------------------------------------------------------------


def resource_key_problem(arn: str, *, has_policy: bool) -> str | None:
    """Why `arn` cannot key a `resources:` entry, or None.

    A key names one resource: an ARN of a resource type the catalog knows (by its ARN
    format), without wildcards. An S3 object is not such a key: a bucket's policy is attached
    to the bucket and governs its objects. IAM users, groups and roles carry no resource
    policy (a role's trust policy is given with the role).
    """
    parsed = parse_arn(arn)
    if parsed is None:
        return f"a resource is keyed by its ARN (arn:PARTITION:SERVICE:...), got {arn!r}"
    if (
        parsed.service == "s3"
        and not parsed.region
        and not parsed.account
        and "/" in parsed.resource
    ):
        bucket = f"arn:{parsed.partition}:s3:::{parsed.resource.split('/', 1)[0]}"
        what = "an object pattern" if has_wildcard(parsed.resource) else "an object"
        return (
            f"resource key must be a bucket ARN ({bucket}), not {what}: a bucket policy,"
            " its tags and its Block Public Access settings belong to the bucket, and its"
            " policy governs the bucket's objects"
        )
    if has_wildcard(arn):
        return (
            f"resource key {arn!r} is a pattern: a key names one resource by its own ARN"
            " (no '*' or '?')"
        )
    types = resource_types_of(arn)
    if not types:
        return _no_type_message(arn, parsed.service)
    if has_policy and parsed.service == "iam":
        kind = types[0].type_name
        hint = " (a role's trust policy goes under roles: NAME: trust:)" if kind == "role" else ""
        return f"an IAM {kind} carries no resource-based policy{hint}"
    return None


_IAM_PATH_AND_NAME = re.compile(r"^(/[\w+=,.@-]+)*/[\w+=,.@-]+$")


def instance_profile_problem(arn: str, account_id: str, partition: str) -> str | None:
    """Why `arn` cannot be the ARN of an instance profile holding a role of `account_id`, or
    None.

    IAM adds a role only to an instance profile of its own account, and the ARN is
    `arn:PARTITION:iam::ACCOUNT:instance-profile/PATH+NAME`; anything else (a pattern, a role
    ARN, another account) would hand EC2 a role through a profile that cannot exist.
    """
    expected = f"arn:{partition}:iam::{account_id}:instance-profile/NAME"
    parsed = parse_arn(arn)
    if (
        parsed is None
        or parsed.service != "iam"
        or parsed.region
        or not parsed.resource.startswith("instance-profile/")
    ):
        return f"an instance profile ARN is {expected}, got {arn!r}"
    if has_wildcard(arn):
        return f"an instance profile ARN names one profile (no '*' or '?'), got {arn!r}"
    if not _IAM_PATH_AND_NAME.match(parsed.resource.removeprefix("instance-profile")):
        return (
            f"instance profile ARN {arn!r} has no valid path and name (letters, digits and"
            " '+=,.@_-', separated by '/')"
        )
    if parsed.account != account_id or parsed.partition != partition:
        return (
            f"instance profile {arn!r} is not in the role's account: IAM adds a role only to"
            f" an instance profile of its own account ({expected})"
        )
    return None


def _no_type_message(arn: str, service: str) -> str:
    formats = formats_written_with(service)
    if not formats and service.lower() not in arn_services():
        return f"{arn!r}: no AWS service writes ARNs with {service!r}" + did_you_mean(
            service, sorted(arn_services())
        )
    shown = "; ".join(f"{f.type_name}: {f.text}" for f in formats[:_FORMATS_SHOWN])
    more = f"; and {len(formats) - _FORMATS_SHOWN} more" if len(formats) > _FORMATS_SHOWN else ""
    return f"{arn!r} is not the ARN of any {service} resource; expected one of: {shown}{more}"


# ---- entity names -----------------------------------------------------------------------------


class UniqueNames:
    """The names of one kind of IAM entity (users, groups, roles, customer managed policies)
    in one account. IAM keeps them unique regardless of letter case and path: `Alice` cannot
    be created next to `alice`, so a file holding both describes no real account, and which
    of the two a principal reference or a policy ARN means would be a guess."""

    __slots__ = ("_account", "_kind", "_seen")

    def __init__(self, kind: str, account: str) -> None:
        self._kind = kind
        self._account = account
        self._seen: dict[str, str] = {}

    def clash(self, name: str) -> str | None:
        """Record `name` (call once per entity); the one-line problem if it is taken."""
        folded = name.lower()
        first = self._seen.get(folded)
        if first is None:
            self._seen[folded] = name
            return None
        kind, account = self._kind, self._account
        if first == name:
            return (
                f"{kind} {name!r} is given twice in account {account}: IAM names are unique"
                " within an account, whatever the path"
            )
        return (
            f"{kind} {name!r} differs from {kind} {first!r} only in letter case: IAM names are"
            f" unique within an account regardless of case (account {account})"
        )


# ---- policies ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicySite:
    """One policy of the file, what it is attached to, and how to locate paths inside it."""

    policy: Policy
    kind: SiteKind
    locate: Locator
    resource: Resource | None = None
    """For resource policies: the resource entry (a bucket policy is checked against it)."""


@dataclass(slots=True)
class SiteCollector:
    """What a loader gathers while reading, for `site_findings` once the file is read."""

    file: str
    sites: list[PolicySite] = field(default_factory=list)
    listed: dict[str, set[str]] = field(default_factory=dict)
    """For each account id, which principal kinds (`user`, `role`) the file lists in full:
    only those can be said not to exist."""

    def add(
        self, policy: Policy, kind: SiteKind, locate: Locator, resource: Resource | None = None
    ) -> None:
        """Register one policy."""
        self.sites.append(PolicySite(policy, kind, locate, resource))

    def warnings(self, snapshot: Snapshot) -> list[LoadWarning]:
        """Every warning of the registered policies, in order, without repeats; a principal
        IAM refuses raises `PolicyError`."""
        out: list[LoadWarning] = []
        seen: set[str] = set()
        for site in self.sites:
            for path, message in site_findings(site, snapshot, self.listed):
                position, json_path = site.locate(path)
                warning = LoadWarning(
                    message=message, file=self.file, position=position, path=json_path
                )
                text = str(warning)
                if text not in seen:
                    seen.add(text)
                    out.append(warning)
        return out


def site_findings(
    site: PolicySite, snapshot: Snapshot, listed: dict[str, set[str]]
) -> Iterator[tuple[DocPath, str]]:
    """(path inside the document, message) for each warning of one policy."""
    for statement in site.policy.statements:
        base: DocPath = ("Statement", statement.index)
        yield from _action_findings(statement, base)
        yield from _key_findings(statement, base)
        if site.kind in ("resource", "trust"):
            yield from _principal_findings(statement, base, snapshot, listed, site.locate)
        if site.resource is not None and site.resource.is_general_purpose_bucket:
            yield from _bucket_findings(statement, base, site.resource.arn)


def _action_findings(statement: Statement, base: DocPath) -> Iterator[tuple[DocPath, str]]:
    for element, values in (("Action", statement.action), ("NotAction", statement.not_action)):
        for index, text in enumerate(values or ()):
            problem = action_problem(text)
            if problem is not None:
                yield (*base, element, index), problem


def _key_findings(statement: Statement, base: DocPath) -> Iterator[tuple[DocPath, str]]:
    for operator, block in statement.condition.items():
        for key in block:
            problem = condition_key_problem(key)
            if problem is not None:
                yield (*base, "Condition", operator, key), problem


def _principal_findings(
    statement: Statement,
    base: DocPath,
    snapshot: Snapshot,
    listed: dict[str, set[str]],
    locate: Locator,
) -> Iterator[tuple[DocPath, str]]:
    for element, principal in (
        ("Principal", statement.principal),
        ("NotPrincipal", statement.not_principal),
    ):
        if principal is None:
            continue
        for index, value in enumerate(principal.aws):
            path: DocPath = (*base, element, "AWS", index)
            refused, message = principal_problem(value, snapshot, listed)
            if message is None:
                continue
            if refused:
                position, json_path = locate(path)
                raise PolicyError(message, file=snapshot.source, position=position, path=json_path)
            yield path, message


def principal_problem(
    value: str, snapshot: Snapshot, listed: dict[str, set[str]]
) -> tuple[bool, str | None]:
    """(IAM refuses it, message) for one `"AWS"` principal value; (False, None) when fine.

    IAM and the services that take resource policies refuse a principal that is neither `*`,
    an account id nor an ARN, an ARN with wildcards, and a group ARN ("Invalid principal in
    policy"): such a file describes no state AWS can be in, so it is an error. A principal
    that names a user or role missing from an account the file lists in full is a warning:
    AWS would have refused it too, or shown the unique id of a deleted principal instead.
    """
    if value == "*" or is_account_id(value):
        return False, None
    if _UNIQUE_ID.match(value):
        return False, (
            f"principal {value!r} is the unique id AWS shows for a deleted user or role:"
            " it matches no caller"
        )
    arn = parse_arn(value)
    if arn is None:
        return True, (
            f'principal {value!r} is not "*", an account id or an ARN: IAM refuses such a'
            f" policy (Invalid principal); write its ARN, e.g. arn:aws:iam::ACCOUNT:user/{value}"
        )
    if has_wildcard(value):
        return True, (
            f"principal {value!r} holds a wildcard: IAM refuses wildcards in principal ARNs"
            ' (Invalid principal); use "*" with a condition on aws:PrincipalArn'
        )
    kind, _, rest = arn.resource.partition("/")
    if arn.service == "iam" and kind == "group":
        return True, (
            f"principal {value!r} is a group: IAM refuses groups as principals (Invalid"
            " principal); name the users, or the account with a condition on aws:PrincipalArn"
        )
    account = snapshot.accounts.get(arn.account)
    if account is None:
        return False, None
    if arn.service == "sts" and kind == "assumed-role" and "/" in rest:
        kind, rest = "role", rest.split("/", 1)[0]
        exact = None
    elif arn.service == "iam" and kind in PRINCIPAL_KINDS:
        exact = value
    else:
        return False, None
    if kind not in listed.get(account.id, set()):
        return False, None
    table = account.users if kind == "user" else account.roles
    name = rest.rsplit("/", 1)[-1]
    if exact is None and name in table:
        return False, None
    if exact is not None and any(e.arn == exact for e in table.values()):
        return False, None
    found = table.get(name)
    if found is not None:
        return False, (
            f"principal {value!r} names no {kind} of account {account.id}: {kind} {name!r}"
            f" has the ARN {found.arn}"
        )
    return False, (
        f"principal {value!r} names no {kind} of account {account.id}"
        f"{did_you_mean(name, table)}: it matches no caller"
    )


def _bucket_findings(
    statement: Statement, base: DocPath, bucket_arn: str
) -> Iterator[tuple[DocPath, str]]:
    if statement.resource is None:
        return
    if any(names_bucket(pattern, bucket_arn) for pattern in statement.resource):
        return
    yield (
        (*base, "Resource"),
        f"statement {statement.label} of the policy of {bucket_arn} names neither the bucket"
        f" nor its objects ({bucket_arn}/*): it applies to no request here (S3 refuses such a"
        " bucket policy: Policy has invalid resource)",
    )


def names_bucket(pattern: str, bucket_arn: str) -> bool:
    """Whether a Resource pattern can match the bucket or some object in it.

    Policy variables (`${aws:username}`) may stand for anything, so they count as `*`.
    """
    if pattern == "*":
        return True
    pattern = _VARIABLE.sub("*", pattern)
    parts = pattern.split(":", 5)
    bucket = bucket_arn.split(":", 5)
    if len(parts) != 6 or len(bucket) != 6 or parts[0].lower() != "arn":
        return False
    for mine, theirs in zip(parts[1:5], bucket[1:5], strict=True):
        if not compile_glob(mine, True)(theirs):
            return False
    name = bucket[5]
    return compile_glob(parts[5])(name) or glob_matches_some_extension(parts[5], f"{name}/")

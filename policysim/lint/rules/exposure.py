"""PS4xx: resource exposure and weak trust.

"Public" has one definition, `policysim.policy.public.statement_is_public` (S3's meaning of
public); trust policies add the keys only a trust policy can be narrowed by (`sts:ExternalId`
and the federation keys). Exposure rules look at Allow statements only; Deny statements are
checked for lockout (PS420) and missing carve-outs (PS421).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat

from policysim.lint.context import (
    ActionNames,
    ConditionEntry,
    Issue,
    LintContext,
    LintSettings,
    StatementView,
    granted_names,
    grants_action,
)
from policysim.lint.finding import Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.registry import example_policy as _doc
from policysim.lint.registry import rule
from policysim.lint.rules.escalation import allows_service
from policysim.policy.arn import is_account_id, parse_arn
from policysim.policy.model import Principal, Statement
from policysim.policy.operators import Family, Qualifier, UnknownOperatorError, parse_operator
from policysim.policy.public import RESTRICTING_KEYS, statement_is_public
from policysim.policy.unknown import has_unknown, is_unknown
from policysim.policy.variables import find_variables
from policysim.policy.wildcard import has_wildcard, literal_prefix

TRUST = (PolicyKind.TRUST,)
RESOURCE = (PolicyKind.RESOURCE,)
_SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths")
_COMPUTE_SERVICES = ("ec2.amazonaws.com", "lambda.amazonaws.com", "edgelambda.amazonaws.com")
_GITHUB = "token.actions.githubusercontent.com"
_COGNITO = "cognito-identity.amazonaws.com"
_ROLE = "arn:aws:iam::123456789012:role/r"


def _trust(
    principal: object, action: str | list[str] = "sts:AssumeRole", **condition: object
) -> dict[str, object]:
    out: dict[str, object] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        out["Condition"] = condition
    return out


def _grant(
    principal: object, action: str | list[str], resource: str | list[str], **condition: object
) -> dict[str, object]:
    out = _trust(principal, action, **condition)
    out["Resource"] = resource
    return out


# --- condition helpers -------------------------------------------------------------------------


def _pinned(statement: Statement, key: str, *, allow_wildcards: bool = False) -> tuple[str, ...]:
    """Values that a positive, non-IfExists operator fixes `key` to (empty when not pinned).

    Values with a wildcard or a policy variable do not pin, unless `allow_wildcards`."""
    out: list[str] = []
    for name, block in statement.condition.items():
        try:
            op = parse_operator(name)
        except UnknownOperatorError:
            continue
        if op.negated or op.if_exists or op.family is Family.NULL:
            continue
        if op.qualifier is Qualifier.FOR_ALL_VALUES:
            continue
        for written, values in block.items():
            if written.lower() != key:
                continue
            for value in values:
                if allow_wildcards or not (has_wildcard(value) or find_variables(value)):
                    out.append(value)
    return tuple(out)


def _keys(statement: Statement) -> list[tuple[str, str]]:
    """(operator, lower-cased key) pairs of the statement's conditions."""
    return [(op, key.lower()) for op, block in statement.condition.items() for key in block]


def _has_key(statement: Statement, key: str) -> bool:
    return any(k == key for _, k in _keys(statement))


def _allows(ctx: LintContext) -> Iterator[tuple[StatementView, Statement, Principal]]:
    for view, statement in ctx.valid_statements():
        if statement.is_allow and statement.principal is not None:
            yield view, statement, statement.principal


def _everyone(principal: Principal) -> bool:
    return principal.is_everyone or any(has_wildcard(a) for a in principal.aws)


def _at(ctx: LintContext, view: StatementView, message: str, key: str = "Principal") -> Issue:
    return ctx.at_statement(view, message, key=key if key in view.items else None)


# --- trust policies ----------------------------------------------------------------------------

_TRUST_KEYS = ("sts:externalid", "saml:aud", f"{_COGNITO}:aud")


def _trust_narrowed(statement: Statement) -> bool:
    """Pinned by a key only trust policies have (external ID, federation sub/aud)."""
    for _, key in _keys(statement):
        if (key in _TRUST_KEYS or key.endswith((":sub", ":aud"))) and _pinned(statement, key):
            return True
    return False


@rule(
    "PS401",
    Severity.SECURITY,
    "Role trust policy that anyone can assume",
    example=_doc(_trust({"AWS": "*"})),
    near_miss=_doc(
        _trust({"AWS": "*"}, StringEquals={"aws:PrincipalOrgID": "o-a1b2c3d4e5"}),
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def trust_anyone(ctx: LintContext) -> Iterator[Issue]:
    """`"*"` or `{"AWS":"*"}` in a trust policy with no condition: every AWS account can
    assume the role."""
    for view, statement, principal in _allows(ctx):
        if _everyone(principal) and not statement.condition:
            yield _at(ctx, view, "any AWS principal in any account can assume this role")


@rule(
    "PS402",
    Severity.SECURITY,
    "Wildcard-principal trust narrowed only by weak conditions",
    example=_doc(_trust("*", Bool={"aws:SecureTransport": "true"})),
    near_miss=_doc(_trust("*", StringEquals={"aws:PrincipalAccount": "123456789012"})),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def trust_anyone_weak(ctx: LintContext) -> Iterator[Issue]:
    """The conditions are weak keys, wildcard values, negations or `IfExists` forms, none of
    which keeps out other accounts."""
    for view, statement, principal in _allows(ctx):
        if not (_everyone(principal) and statement.condition):
            continue
        if statement_is_public(statement) and not _trust_narrowed(statement):
            yield _at(
                ctx,
                view,
                "wildcard principal whose conditions do not restrict who can assume the role",
                "Condition",
            )


def _account_of(entry: str) -> str | None:
    if is_account_id(entry):
        return entry
    arn = parse_arn(entry)
    if arn is not None and arn.service == "iam" and arn.resource == "root":
        return None if has_unknown(arn.account) else arn.account
    return None


@rule(
    "PS403",
    Severity.SECURITY,
    "Trust to a whole external account without an external ID or MFA",
    example=_doc(_trust({"AWS": "arn:aws:iam::444455556666:root"})),
    near_miss=_doc(
        _trust(
            {"AWS": "arn:aws:iam::444455556666:root"},
            StringEquals={"sts:ExternalId": "vendor-issued-uuid"},
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def trust_external_account(ctx: LintContext) -> Iterator[Issue]:
    """Every principal of the other account that its admins allow can assume the role
    (confused deputy for vendors). Accounts listed as trusted in the settings are skipped."""
    trusted = ctx.settings.trusted_accounts
    for view, statement, principal in _allows(ctx):
        if not any(grants_action(statement, a) for a in ("sts:AssumeRole",)):
            continue
        accounts = [a for a in map(_account_of, principal.aws) if a and a not in trusted]
        if not accounts:
            continue
        if _pinned(statement, "sts:externalid") or _pinned(statement, "aws:principalarn"):
            continue
        if _pinned(statement, "aws:multifactorauthpresent"):
            continue
        yield _at(
            ctx,
            view,
            f"account {accounts[0]} as a whole can assume this role; require sts:ExternalId"
            " (vendors), MFA, or narrow aws:PrincipalArn",
        )


def _service_statements(
    ctx: LintContext,
) -> Iterator[tuple[StatementView, Statement, tuple[str, ...]]]:
    for view, statement, principal in _allows(ctx):
        if principal.service:
            yield view, statement, principal.service


_DEPUTY_RESOURCE_SERVICES = ("lambda", "sns", "sqs")
"""Resource policies of these services are checked by PS418 instead of PS404."""


def _source_scoped(statement: Statement) -> bool:
    return any(_pinned(statement, k, allow_wildcards=True) for k in _SOURCE_KEYS)


def _statement_services(statement: Statement) -> set[str]:
    return {a.split(":", 1)[0].lower() for a in statement.action or () if ":" in a}


@rule(
    "PS404",
    Severity.SECURITY,
    "Service principal without source scoping (confused deputy)",
    example=_doc(_trust({"Service": "sns.amazonaws.com"})),
    near_miss=_doc(_trust({"Service": "lambda.amazonaws.com"})),
    kinds=(PolicyKind.TRUST, PolicyKind.RESOURCE),
    example_kind=PolicyKind.TRUST,
)
def service_principal_unscoped(ctx: LintContext) -> Iterator[Issue]:
    """Any customer's resource of that service could make the service act on this one. Compute
    principals that bind the role to an account-owned resource (EC2, Lambda, Lambda@Edge) are
    exempt in trust policies; Lambda/SNS/SQS resource policies are PS418's."""
    for view, statement, services in _service_statements(ctx):
        names = [s for s in services if not has_wildcard(s)]
        if ctx.kind is PolicyKind.TRUST:
            names = [s for s in names if s.lower() not in _COMPUTE_SERVICES]
        elif _statement_services(statement) & set(_DEPUTY_RESOURCE_SERVICES):
            continue
        if names and not _source_scoped(statement):
            yield _at(
                ctx,
                view,
                f"{names[0]} is not scoped by aws:SourceArn / aws:SourceAccount / aws:SourceOrgID",
            )


@rule(
    "PS405",
    Severity.SECURITY,
    "Wildcard service principal",
    example=_doc(_trust({"Service": "*"})),
    near_miss=_doc(
        _trust({"Service": "sns.amazonaws.com"}, StringEquals={"aws:SourceAccount": "123456789012"})
    ),
    kinds=(PolicyKind.TRUST, PolicyKind.RESOURCE),
    example_kind=PolicyKind.TRUST,
)
def wildcard_service_principal(ctx: LintContext) -> Iterator[Issue]:
    """`{"Service":"*"}` (or a wildcard inside a service name) admits every AWS service."""
    for view, _statement, services in _service_statements(ctx):
        wild = [s for s in services if has_wildcard(s)]
        if wild:
            yield _at(ctx, view, f"service principal {wild[0]!r} admits every matching service")


def _oidc_hosts(principal: Principal) -> list[str]:
    hosts = []
    for federated in principal.federated:
        arn = parse_arn(federated)
        if arn is not None and arn.resource.startswith("oidc-provider/"):
            hosts.append(arn.resource.removeprefix("oidc-provider/").lower())
    return hosts


def _has_prefixed_key(statement: Statement, host: str) -> bool:
    return any(key.startswith(f"{host}:") for _, key in _keys(statement))


@rule(
    "PS406",
    Severity.SECURITY,
    "OIDC trust with no condition on the provider's claims",
    example=_doc(
        _trust(
            {
                "Federated": "arn:aws:iam::123456789012:oidc-provider/"
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
            },
            "sts:AssumeRoleWithWebIdentity",
        )
    ),
    near_miss=_doc(
        _trust(
            {
                "Federated": "arn:aws:iam::123456789012:oidc-provider/"
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
            },
            "sts:AssumeRoleWithWebIdentity",
            StringEquals={
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ns:sa",
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
            },
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def oidc_unconditioned(ctx: LintContext) -> Iterator[Issue]:
    """Without a `<host>:sub`/`:aud` condition every identity the provider issues tokens to can
    assume the role."""
    for view, statement, principal in _allows(ctx):
        for host in _oidc_hosts(principal):
            if not _has_prefixed_key(statement, host):
                yield _at(ctx, view, f"no condition on any {host}: claim")
                break


def _sub_values(statement: Statement, host: str) -> tuple[str, ...]:
    return _pinned(statement, f"{host}:sub", allow_wildcards=True)


@rule(
    "PS407",
    Severity.SECURITY,
    "GitHub Actions OIDC trust without a `sub` condition",
    example=_doc(
        _trust(
            {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{_GITHUB}"},
            "sts:AssumeRoleWithWebIdentity",
            StringEquals={f"{_GITHUB}:aud": "sts.amazonaws.com"},
        )
    ),
    near_miss=_doc(
        _trust(
            {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{_GITHUB}"},
            "sts:AssumeRoleWithWebIdentity",
            StringEquals={f"{_GITHUB}:aud": "sts.amazonaws.com"},
            StringLike={f"{_GITHUB}:sub": "repo:acme/deploy:ref:refs/heads/main"},
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def github_without_sub(ctx: LintContext) -> Iterator[Issue]:
    """`aud` is the same for every GitHub repository; only `sub` says which repository and
    branch may assume the role."""
    for view, statement, principal in _allows(ctx):
        if _GITHUB in _oidc_hosts(principal) and not _sub_values(statement, _GITHUB):
            yield _at(
                ctx, view, "every GitHub repository can assume this role: add a sub condition"
            )


def _github_sub_too_broad(value: str) -> bool:
    if not value.startswith("repo:"):
        return has_wildcard(value)
    repo, _, rest = value.removeprefix("repo:").partition(":")
    return has_wildcard(repo) or not rest or rest in ("*", "ref:*", "environment:*")


@rule(
    "PS408",
    Severity.SECURITY,
    "GitHub OIDC `sub` condition too broad",
    example=_doc(
        _trust(
            {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{_GITHUB}"},
            "sts:AssumeRoleWithWebIdentity",
            StringLike={f"{_GITHUB}:sub": "repo:acme/*"},
        )
    ),
    near_miss=_doc(
        _trust(
            {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{_GITHUB}"},
            "sts:AssumeRoleWithWebIdentity",
            StringLike={f"{_GITHUB}:sub": "repo:acme/deploy:environment:production"},
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def github_sub_broad(ctx: LintContext) -> Iterator[Issue]:
    """`*`, `repo:*`, `repo:org/*` (every repository of the org), or a repository with any
    branch/environment; claims placed before `repo:` with a wildcard are user-customisable."""
    for view, statement, principal in _allows(ctx):
        if _GITHUB not in _oidc_hosts(principal):
            continue
        broad = [v for v in _sub_values(statement, _GITHUB) if _github_sub_too_broad(v)]
        if broad:
            yield _at(
                ctx,
                view,
                f"sub {broad[0]!r} admits more than one repository and branch",
                "Condition",
            )


def _segment_wildcard(value: str) -> bool:
    """A whole claim segment is a wildcard: `ns:*`, `group/*`, `*`."""
    head = literal_prefix(value)
    return len(head) < len(value) and (not head or head[-1] in ":/")


@rule(
    "PS409",
    Severity.SECURITY,
    "OIDC `sub` condition too broad (EKS, GitLab, Terraform Cloud, ...)",
    example=_doc(
        _trust(
            {
                "Federated": "arn:aws:iam::123456789012:oidc-provider/"
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
            },
            "sts:AssumeRoleWithWebIdentity",
            StringLike={"oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:*"},
        )
    ),
    near_miss=_doc(
        _trust(
            {
                "Federated": "arn:aws:iam::123456789012:oidc-provider/"
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
            },
            "sts:AssumeRoleWithWebIdentity",
            StringEquals={
                "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:payments:api"
            },
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def oidc_sub_broad(ctx: LintContext) -> Iterator[Issue]:
    """A wildcard for a whole claim segment (`system:serviceaccount:*`, `ns:*`,
    `project_path:group/*`, `organization:x:*`) admits every workload of a cluster, namespace,
    group or organisation. GitHub is PS408's."""
    for view, statement, principal in _allows(ctx):
        for host in _oidc_hosts(principal):
            if host == _GITHUB:
                continue
            broad = [v for v in _sub_values(statement, host) if _segment_wildcard(v)]
            if broad:
                yield _at(ctx, view, f"{host}:sub {broad[0]!r} admits many workloads", "Condition")
                break


@rule(
    "PS410",
    Severity.SECURITY,
    "Cognito identity-pool trust without `aud` or `amr`",
    example=_doc(_trust({"Federated": _COGNITO}, "sts:AssumeRoleWithWebIdentity")),
    near_miss=_doc(
        _trust(
            {"Federated": _COGNITO},
            "sts:AssumeRoleWithWebIdentity",
            StringEquals={f"{_COGNITO}:aud": "eu-west-1:1111-2222"},
            **{"ForAnyValue:StringLike": {f"{_COGNITO}:amr": "authenticated"}},
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def cognito_unscoped(ctx: LintContext) -> Iterator[Issue]:
    """Without `aud` = the pool ID, any identity pool in any account obtains the role; without
    `amr`, unauthenticated identities do too."""
    for view, statement, principal in _allows(ctx):
        if _COGNITO not in (f.lower() for f in principal.federated):
            continue
        missing = []
        if not _pinned(statement, f"{_COGNITO}:aud"):
            missing.append(f"{_COGNITO}:aud")
        if not _has_key(statement, f"{_COGNITO}:amr"):
            missing.append(f"{_COGNITO}:amr")
        if missing:
            yield _at(ctx, view, f"no {' / '.join(missing)} condition")


@rule(
    "PS411",
    Severity.SECURITY,
    "SAML trust without `SAML:aud`",
    example=_doc(
        _trust(
            {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
            "sts:AssumeRoleWithSAML",
        )
    ),
    near_miss=_doc(
        _trust(
            {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
            "sts:AssumeRoleWithSAML",
            StringEquals={"SAML:aud": "https://signin.aws.amazon.com/saml"},
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def saml_without_aud(ctx: LintContext) -> Iterator[Issue]:
    """Any assertion the IdP issues, for any audience, is accepted; a wildcard provider ARN
    accepts every IdP of the account."""
    for view, statement, principal in _allows(ctx):
        providers = [f for f in principal.federated if ":saml-provider/" in f]
        if not providers:
            continue
        if any(has_wildcard(p) for p in providers):
            yield _at(ctx, view, "wildcard SAML provider")
        elif not _pinned(statement, "saml:aud"):
            yield _at(ctx, view, "no SAML:aud condition")


@rule(
    "PS412",
    Severity.WARNING,
    "Trust lets a broad principal choose its own session tags",
    example=_doc(
        _trust({"AWS": "arn:aws:iam::123456789012:root"}, ["sts:AssumeRole", "sts:TagSession"])
    ),
    near_miss=_doc(
        _trust(
            {"AWS": "arn:aws:iam::123456789012:root"},
            ["sts:AssumeRole", "sts:TagSession"],
            **{
                "ForAllValues:StringEquals": {"aws:TagKeys": ["session-id"]},
                "Null": {"aws:TagKeys": "false"},
            },
        )
    ),
    kinds=TRUST,
    example_kind=PolicyKind.TRUST,
)
def trust_tag_session(ctx: LintContext) -> Iterator[Issue]:
    """`sts:TagSession` (or `sts:SetSourceIdentity`) for a whole account or everyone, with no
    `aws:RequestTag/*` or `aws:TagKeys` limit: where permissions use ABAC on
    `aws:PrincipalTag`, the assumer picks its own tags."""
    for view, statement, principal in _allows(ctx):
        if not any(
            grants_action(statement, a) for a in ("sts:TagSession", "sts:SetSourceIdentity")
        ):
            continue
        broad = _everyone(principal) or any(_account_of(a) for a in principal.aws)
        if not broad:
            continue
        keys = [k for _, k in _keys(statement)]
        if any(k == "aws:tagkeys" or k.startswith("aws:requesttag/") for k in keys):
            continue
        if any(k in ("sts:sourceidentity",) for k in keys):
            continue
        yield _at(ctx, view, "the assumer may set arbitrary session tags", "Action")


# --- resource policies -------------------------------------------------------------------------


@rule(
    "PS413",
    Severity.SECURITY,
    "Public resource policy",
    example=_doc(_grant("*", "s3:GetObject", "arn:aws:s3:::b/*")),
    near_miss=_doc(
        _grant(
            "*",
            "s3:GetObject",
            "arn:aws:s3:::b/*",
            StringEquals={"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        )
    ),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def public_resource(ctx: LintContext) -> Iterator[Issue]:
    """A `*` principal (or a web-identity provider) with no condition at all: anyone, anonymous
    callers included. Conditions that fail to restrict are PS414."""
    for view, statement in ctx.valid_statements():
        if statement_is_public(statement) and not statement.condition:
            yield _at(ctx, view, "anyone, anonymous callers included, is granted access")


@rule(
    "PS414",
    Severity.SECURITY,
    "Public in disguise: only weak, wildcard, negated or IfExists conditions",
    example=_doc(
        _grant(
            "*",
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:123456789012:q",
            ArnLike={"aws:SourceArn": "arn:aws:sns:*:*:*"},
        )
    ),
    near_miss=_doc(
        _grant(
            "*",
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:123456789012:q",
            ArnEquals={"aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:orders"},
        )
    ),
    kinds=(*RESOURCE, PolicyKind.TRUST, PolicyKind.IDENTITY, PolicyKind.SESSION),
    example_kind=PolicyKind.RESOURCE,
)
def public_in_disguise(ctx: LintContext) -> Iterator[Issue]:
    """The statement has conditions, but none pins a restricting key to a fixed value with a
    positive operator, so it is still public. Elsewhere (a named principal, an identity or
    trust policy) a condition that only looks like a restriction is a warning: a restricting
    key matched against a pattern every value matches (`ArnLike aws:PrincipalArn "arn:*"`) or
    against its own variable (`aws:userid` = `${aws:userid}`), or `aws:UserAgent`, which the
    caller chooses, as the statement's only condition."""
    for view, statement in ctx.valid_statements():
        if not statement.is_allow or not statement.condition:
            continue
        if statement_is_public(statement):
            if _kms_narrowed(statement) or ctx.kind is not PolicyKind.RESOURCE:
                continue  # public trust: PS401/PS402
            yield _at(
                ctx, view, "public despite its conditions: none restricts who calls", "Condition"
            )
            continue
        entries = view.conditions()
        for entry in entries:
            problem = _sham_restriction(entry, alone=len(entries) == 1)
            if problem is not None:
                yield Issue(
                    problem,
                    entry.key_position,
                    entry.pointer,
                    view.index,
                    severity=Severity.WARNING,
                )


_ARN_OPERATORS = frozenset({"ArnLike", "ArnEquals"})


def _sham_restriction(entry: ConditionEntry, *, alone: bool) -> str | None:
    """Why a positive condition on a restricting key restricts nothing, or None."""
    key = entry.key.lower()
    if key != "aws:useragent" and key not in RESTRICTING_KEYS:
        return None  # most entries: nothing below reports them
    op, texts = entry.op, entry.texts()
    if op is None or op.negated or op.family is Family.NULL or not texts:
        return None
    if op.qualifier is Qualifier.FOR_ALL_VALUES:
        return None
    if key == "aws:useragent":
        if not alone:
            return None
        return f"{entry.key} is a header the caller sets: {entry.operator} on it restricts no one"
    if key not in RESTRICTING_KEYS:
        return None
    own = f"${{{key}}}"
    if any(t.lower() == own for t in texts):
        return (
            f"{entry.operator} compares {entry.key!r} with its own variable: true for every"
            " caller, it restricts no one"
        )
    if op.base in _ARN_OPERATORS:
        for text in texts:
            if _matches_everything(text) and len(text.split(":", 5)) < 6:
                return (
                    f"{entry.operator} {entry.key!r} {text!r} reads as 'any ARN' but is not a"
                    " six-part ARN pattern, and ARN operators compare six parts: it matches"
                    " every ARN or none, and restricts no one as intended"
                )
    if op.base in (*_ARN_OPERATORS, "StringLike") and any(_matches_everything(t) for t in texts):
        return f"{entry.operator} {entry.key!r} pattern matches every value: it restricts no one"
    return None


def _matches_everything(pattern: str) -> bool:
    """`*`, or an ARN pattern of at most six parts whose every part after the partition is `*`
    (`arn:*`, `arn:aws:*`, `arn:*:*:*:*:*`): a glob every ARN (of the partition) matches, as a
    string or part by part. A seventh part is not: `arn:*:*:*:*:*:*` needs a colon in the
    resource, which `arn:aws:s3:::bucket` has not."""
    if pattern and pattern.strip("*") == "":
        return True
    if not pattern.startswith("arn:"):
        return False
    parts = pattern[4:].split(":")
    if len(parts) > 5:
        return False
    partition_ok = parts[0] == "*" or (len(parts) > 1 and parts[0].startswith("aws"))
    return partition_ok and all(p == "*" for p in parts[1:])


_BAD_PUBLIC_ACTIONS = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteBucket",
    "s3:PutBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutObjectAcl",
    "s3:AbortMultipartUpload",
    "s3:RestoreObject",
    "sqs:SetQueueAttributes",
    "sqs:AddPermission",
    "sqs:DeleteQueue",
    "sns:SetTopicAttributes",
    "sns:AddPermission",
    "lambda:AddPermission",
    "lambda:UpdateFunctionCode",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "secretsmanager:PutResourcePolicy",
    "ecr:SetRepositoryPolicy",
    "glacier:SetVaultAccessPolicy",
    "logs:PutResourcePolicy",
    "events:PutPermission",
)


@rule(
    "PS415",
    Severity.SECURITY,
    "Public write or policy-control access",
    example=_doc(_grant("*", ["s3:PutObject", "s3:DeleteObject"], "arn:aws:s3:::b/*")),
    near_miss=_doc(_grant("*", "s3:GetObject", "arn:aws:s3:::b/*")),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def public_write(ctx: LintContext) -> Iterator[Issue]:
    """A public statement that allows writes, deletes, or changes to the resource policy or
    permissions (S3's "bad actions" beyond reads, `Put*Policy`, `AddPermission`, `kms:*`)."""
    for view, statement in ctx.valid_statements():
        if not statement_is_public(statement) or _kms_narrowed(statement):
            continue
        bad = [a for a in _BAD_PUBLIC_ACTIONS if grants_action(statement, a)]
        if bad:
            more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
            yield _at(ctx, view, f"anyone may {bad[0]}{more}", "Action")


_KMS_NARROWING = ("kms:calleraccount", "kms:viaservice", "aws:principalorgid")


def _kms_narrowed(statement: Statement) -> bool:
    return any(_pinned(statement, k) for k in _KMS_NARROWING)


def _principal_account(entry: str) -> str | None:
    """The account of an `AWS` principal entry: a bare account ID or any IAM/STS ARN."""
    if is_account_id(entry):
        return entry
    arn = parse_arn(entry)
    if arn is not None and is_account_id(arn.account):
        return arn.account
    return None


_TRUSTED = LintSettings(
    trusted_accounts=frozenset({"111122223333"}), trusted_orgs=frozenset({"o-a1b2c3d4e5"})
)


@rule(
    "PS416",
    Severity.SECURITY,
    "Resource policy grants to an account outside the trusted set",
    example=_doc(
        _grant({"AWS": "arn:aws:iam::999999999999:root"}, "s3:GetObject", "arn:aws:s3:::b/*")
    ),
    near_miss=_doc(
        _grant(
            {"AWS": "arn:aws:iam::111122223333:role/reader"}, "s3:GetObject", "arn:aws:s3:::b/*"
        ),
        _grant(
            {"AWS": "arn:aws:iam::999999999999:root"},
            "s3:GetObject",
            "arn:aws:s3:::b/*",
            StringEquals={"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
        ),
    ),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
    example_settings=_TRUSTED,
)
def untrusted_account(ctx: LintContext) -> Iterator[Issue]:
    """Only with `trusted-accounts` and/or `trusted-orgs` in the settings (own accounts,
    organization, known vendors): every `AWS` principal of an Allow must belong to a trusted
    account, unless the statement pins `aws:PrincipalOrgID` (or `aws:PrincipalAccount`) to
    trusted values. `*` principals are PS413/PS414's."""
    accounts = ctx.settings.trusted_accounts
    orgs = ctx.settings.trusted_orgs
    if not accounts and not orgs:
        return
    for view, statement, principal in _allows(ctx):
        pinned_orgs = _pinned(statement, "aws:principalorgid")
        if pinned_orgs and set(pinned_orgs) <= orgs:
            continue
        pinned_accounts = _pinned(statement, "aws:principalaccount")
        if pinned_accounts and set(pinned_accounts) <= accounts:
            continue
        outside = sorted(
            {a for a in map(_principal_account, principal.aws) if a and a not in accounts}
        )
        if outside:
            yield _at(
                ctx,
                view,
                f"grants to account {', '.join(outside)}, which is not among the trusted"
                " accounts; pin aws:PrincipalOrgID to a trusted organization or add it to"
                " trusted-accounts",
            )


@rule(
    "PS417",
    Severity.SECURITY,
    "KMS key policy open to every principal",
    example=_doc(_grant({"AWS": "*"}, "kms:*", "*")),
    near_miss=_doc(_grant({"AWS": "arn:aws:iam::123456789012:root"}, "kms:*", "*")),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def kms_public(ctx: LintContext) -> Iterator[Issue]:
    """`*` principal with `kms:*`, `kms:Decrypt` or `kms:CreateGrant` and neither
    `kms:CallerAccount`, `kms:ViaService` nor `aws:PrincipalOrgID` pinned. (The second half of
    the catalog entry, a key policy that keeps no administrator, is not implemented.)"""
    for view, statement in ctx.valid_statements():
        if not statement_is_public(statement) or _kms_narrowed(statement):
            continue
        hits = [a for a in ("kms:Decrypt", "kms:CreateGrant") if grants_action(statement, a)]
        if hits:
            yield _at(ctx, view, f"any principal may use the key ({hits[0]})")


_DEPUTY_ACTIONS = (
    "lambda:InvokeFunction",
    "sns:Publish",
    "sqs:SendMessage",
)


def _names_account(value: str) -> bool:
    """Whether a source ARN names its account; one unknown until deployment (a template's
    `!Ref Topic`, a plan's unknown value) is taken to, as the resource it stands for does."""
    if is_unknown(value):
        return True
    arn = parse_arn(value)
    return arn is not None and bool(arn.account) and not has_wildcard(arn.account)


@rule(
    "PS418",
    Severity.SECURITY,
    "Lambda/SNS/SQS grant to a service principal without source ARN and account",
    example=_doc(
        _grant(
            {"Service": "s3.amazonaws.com"},
            "lambda:InvokeFunction",
            "arn:aws:lambda:eu-west-1:123456789012:function:f",
        )
    ),
    near_miss=_doc(
        _grant(
            {"Service": "s3.amazonaws.com"},
            "lambda:InvokeFunction",
            "arn:aws:lambda:eu-west-1:123456789012:function:f",
            ArnLike={"aws:SourceArn": "arn:aws:s3:::my-bucket"},
            StringEquals={"aws:SourceAccount": "123456789012"},
        )
    ),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def deputy_grant(ctx: LintContext) -> Iterator[Issue]:
    """Any customer's bucket, topic or rule can invoke or publish. Reported when neither key is
    present, or when only `aws:SourceArn` is and its ARN carries no account (S3 bucket ARNs).
    A source ARN fixed only at deployment (CloudFormation `!Ref Topic`, a Terraform value known
    after apply) counts as naming its account."""
    for view, statement, services in _service_statements(ctx):
        if not any(grants_action(statement, a) for a in _DEPUTY_ACTIONS):
            continue
        arns = _pinned(statement, "aws:sourcearn", allow_wildcards=True)
        accounts = _pinned(statement, "aws:sourceaccount", allow_wildcards=True) or _pinned(
            statement, "aws:sourceorgid"
        )
        if accounts:
            continue
        if arns and all(_names_account(a) for a in arns):
            continue
        yield _at(ctx, view, f"{services[0]} is not bound to your source ARN and account")


@rule(
    "PS419",
    Severity.SECURITY,
    "Unauthenticated Lambda function URL",
    example=_doc(
        _grant(
            "*",
            "lambda:InvokeFunctionUrl",
            "arn:aws:lambda:eu-west-1:123456789012:function:f",
            StringEquals={"lambda:FunctionUrlAuthType": "NONE"},
        )
    ),
    near_miss=_doc(
        _grant(
            "*",
            "lambda:InvokeFunctionUrl",
            "arn:aws:lambda:eu-west-1:123456789012:function:f",
            StringEquals={"lambda:FunctionUrlAuthType": "AWS_IAM"},
        )
    ),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def function_url_public(ctx: LintContext) -> Iterator[Issue]:
    """`lambda:InvokeFunctionUrl` to `*` with auth type `NONE` or unpinned: anyone on the
    internet can invoke."""
    for view, statement, principal in _allows(ctx):
        if not _everyone(principal) or not grants_action(statement, "lambda:InvokeFunctionUrl"):
            continue
        auth = {v.upper() for v in _pinned(statement, "lambda:functionurlauthtype")}
        if auth == {"AWS_IAM"}:
            continue
        yield _at(ctx, view, "anyone can invoke the function URL without authentication")


@rule(
    "PS420",
    Severity.WARNING,
    "Bucket policy lockout: Deny to everyone covers policy management",
    example=_doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def bucket_lockout(ctx: LintContext) -> Iterator[Issue]:
    """An unconditional Deny for `*` that covers `s3:PutBucketPolicy`/`s3:DeleteBucketPolicy`:
    only the account root user can repair the bucket policy."""
    for view, statement in ctx.valid_statements():
        if statement.is_allow or statement.condition or statement.principal is None:
            continue
        if not statement.principal.is_everyone:
            continue
        if any(
            grants_action(statement, a) for a in ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy")
        ):
            yield _at(ctx, view, "denies policy changes to everyone, administrators included")


_PERIMETER_KEYS = ("aws:principalorgid", "aws:principalaccount")
_CARVE_OUTS = ("aws:principalisawsservice", "aws:sourceorgid", "aws:sourceaccount")


@rule(
    "PS421",
    Severity.WARNING,
    "Data-perimeter Deny without a carve-out for AWS services",
    example=_doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
            },
        }
    ),
    kinds=(PolicyKind.RESOURCE, PolicyKind.RCP),
    example_kind=PolicyKind.RESOURCE,
)
def perimeter_without_carve_out(ctx: LintContext) -> Iterator[Issue]:
    """A Deny on callers outside the org/account also denies AWS services delivering on your
    behalf (CloudTrail, Config, ELB logs) unless `aws:PrincipalIsAWSService` is exempted."""
    for view, statement in ctx.valid_statements():
        if statement.is_allow:
            continue
        perimeter = False
        for name, key in _keys(statement):
            try:
                negated = parse_operator(name).negated
            except UnknownOperatorError:
                continue
            if negated and key in _PERIMETER_KEYS:
                perimeter = True
        if perimeter and not any(_has_key(statement, k) for k in _CARVE_OUTS):
            yield _at(ctx, view, "add an aws:PrincipalIsAWSService carve-out", "Condition")


def _is_bucket_policy(ctx: LintContext) -> bool:
    if ctx.service is not None:
        return ctx.service == "s3"
    services: set[str] = set()
    for _, statement in ctx.valid_statements():
        services |= _statement_services(statement)
    return services == {"s3"}


def _tls_deny(statement: Statement) -> bool:
    if statement.is_allow:
        return False
    for name, block in statement.condition.items():
        try:
            op = parse_operator(name)
        except UnknownOperatorError:
            continue
        for key, values in block.items():
            if key.lower() == "aws:securetransport" and op.family is Family.BOOL:
                return "false" in (v.lower() for v in values)
    return False


@rule(
    "PS422",
    Severity.WARNING,
    "Bucket policy without a TLS-only Deny",
    example=_doc(_grant({"AWS": _ROLE}, "s3:GetObject", "arn:aws:s3:::b/*")),
    near_miss=_doc(
        _grant({"AWS": _ROLE}, "s3:GetObject", "arn:aws:s3:::b/*"),
        {
            "Sid": "TLS",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ),
    kinds=RESOURCE,
    example_kind=PolicyKind.RESOURCE,
)
def bucket_without_tls(ctx: LintContext) -> Iterator[Issue]:
    """Requests over plain HTTP are accepted unless a Deny on `aws:SecureTransport` = `false`
    refuses them."""
    if not ctx.statements or not _is_bucket_policy(ctx):
        return
    if any(_tls_deny(s) for _, s in ctx.valid_statements()):
        return
    yield Issue("no Deny on aws:SecureTransport = false", ctx.root.position, "")


@rule(
    "PS423",
    Severity.WARNING,
    "Service principal scoped by a weak key",
    example=_doc(
        _grant(
            {"Service": "cloudfront.amazonaws.com"},
            "s3:GetObject",
            "arn:aws:s3:::b/*",
            StringLike={"aws:Referer": "secret*"},
        )
    ),
    near_miss=_doc(
        _grant(
            {"Service": "cloudfront.amazonaws.com"},
            "s3:GetObject",
            "arn:aws:s3:::b/*",
            StringEquals={"AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"},
        )
    ),
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST),
    example_kind=PolicyKind.RESOURCE,
)
def service_weak_key(ctx: LintContext) -> Iterator[Issue]:
    """`aws:Referer` and `aws:UserAgent` are set by the caller; use `aws:SourceArn` /
    `aws:SourceAccount` instead."""
    for view, statement, _services in _service_statements(ctx):
        weak = [k for _, k in _keys(statement) if k in ("aws:referer", "aws:useragent")]
        if weak and not _source_scoped(statement):
            yield _at(ctx, view, f"{weak[0]} is caller-controlled", "Condition")


_EXPOSURE_ACTIONS = (
    "ram:CreateResourceShare",
    "s3:PutBucketAcl",
    "s3:PutObjectAcl",
    "s3:PutBucketPublicAccessBlock",
    "s3:DeletePublicAccessBlock",
    "s3:PutBucketPolicy",
    "ec2:ModifySnapshotAttribute",
    "ec2:ModifyImageAttribute",
    "rds:ModifyDBSnapshotAttribute",
    "rds:ModifyDBClusterSnapshotAttribute",
    "lambda:AddPermission",
    "ecr:SetRepositoryPolicy",
    "glue:PutResourcePolicy",
)
_EXPOSURE_NAMES = ActionNames(_EXPOSURE_ACTIONS)


def _unconstrained(statement: Statement) -> bool:
    """No condition, and a resource scope of `*`, an ARN ending in `:*`, or NotResource
    without `*` (asked of every statement: the tests run in C)."""
    if statement.condition:
        return False
    if statement.not_resource is not None:
        return "*" not in statement.not_resource
    resources = statement.resource
    return resources is not None and (
        "*" in resources or any(map(str.endswith, resources, repeat(":*")))
    )


@rule(
    "PS424",
    Severity.SECURITY,
    "Resource-sharing actions granted without constraint",
    example=_doc({"Effect": "Allow", "Action": "ec2:ModifySnapshotAttribute", "Resource": "*"}),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Action": "ec2:ModifySnapshotAttribute",
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:Add/userId": "123456789012"}},
        }
    ),
    kinds=(PolicyKind.IDENTITY, PolicyKind.SESSION),
)
def sharing_actions(ctx: LintContext) -> Iterator[Issue]:
    """Sharing snapshots, images, resource shares, ACLs or resource policies, on every
    resource and with no condition, can expose data to other accounts or the public."""
    if not allows_service(ctx, _EXPOSURE_NAMES.prefixes):
        return  # no Allow names the services of these actions
    for view, statement in ctx.valid_statements():
        if not statement.is_allow or not _unconstrained(statement):
            continue
        hits = granted_names(statement, _EXPOSURE_NAMES)
        if hits:
            more = f" (and {len(hits) - 1} more)" if len(hits) > 1 else ""
            yield _at(ctx, view, f"{hits[0]}{more} on every resource, unconditioned", "Action")


_CONTRADICTABLE = (
    ("aws:sourcearn", "aws:sourceaccount"),
    ("aws:principalarn", "aws:principalaccount"),
)
"""The (lower-cased) ARN keys and account keys PS425 compares."""


def _contradiction(statement: Statement, arn_key: str, account_key: str) -> str | None:
    arns = _pinned(statement, arn_key, allow_wildcards=True)
    accounts = set(_pinned(statement, account_key))
    if not arns or not accounts or any(map(has_unknown, accounts)):
        return None
    arn_accounts = set()
    for value in arns:
        arn = parse_arn(value)
        if arn is None or not arn.account or has_wildcard(arn.account) or "${" in arn.account:
            return None
        arn_accounts.add(arn.account)
    if arn_accounts & accounts:
        return None
    return f"{arn_key} names account {sorted(arn_accounts)[0]}, {account_key} {sorted(accounts)[0]}"


@rule(
    "PS425",
    Severity.SECURITY,
    "Contradictory source/principal ARN and account conditions",
    example=_doc(
        _grant(
            {"Service": "sns.amazonaws.com"},
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:222222222222:q",
            ArnLike={"aws:SourceArn": "arn:aws:sns:eu-west-1:111111111111:t"},
            StringEquals={"aws:SourceAccount": "222222222222"},
        )
    ),
    near_miss=_doc(
        _grant(
            {"Service": "sns.amazonaws.com"},
            "sqs:SendMessage",
            "arn:aws:sqs:eu-west-1:222222222222:q",
            ArnLike={"aws:SourceArn": "arn:aws:sns:eu-west-1:222222222222:t"},
            StringEquals={"aws:SourceAccount": "222222222222"},
        )
    ),
    example_kind=PolicyKind.RESOURCE,
)
def contradictory_scoping(ctx: LintContext) -> Iterator[Issue]:
    """No request can satisfy both keys, so an Allow never grants and a Deny never applies."""
    for view, statement in ctx.valid_statements():
        if not statement.condition:
            continue  # most statements
        keys = {key.lower() for block in statement.condition.values() for key in block}
        for arn_key, account_key in _CONTRADICTABLE:
            if arn_key not in keys or account_key not in keys:
                continue  # `_contradiction` needs both pinned
            problem = _contradiction(statement, arn_key, account_key)
            if problem:
                yield _at(ctx, view, f"condition can never match: {problem}", "Condition")

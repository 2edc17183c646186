"""Rules for IAM Access Analyzer policy checks that no older rule covered.

Each rule is a defect Access Analyzer's `ValidatePolicy` reports, at the severity of its finding
type (ERROR -> error, SECURITY_WARNING -> security, GENERAL_WARNING -> warning, SUGGESTION ->
suggestion), written for policysim's own catalog and policy types:

* PS123 a multivalued key compared without `ForAnyValue:`/`ForAllValues:`;
* PS124 the S3 KMS key-id key compared with an alias or a bare key ID (S3 puts the key ARN in the
  request, so such a value never matches);
* PS231 `dynamodb:Attributes` restricted without `dynamodb:Select` pinned to
  `SPECIFIC_ATTRIBUTES` (a read without a projection returns every attribute);
* PS232 `s3:prefix` in a negative context (Deny, or a negated operator), bypassed by a shorter
  prefix;
* PS426/PS427 an RCP Deny on a source key (`aws:SourceOrgID`, ...) without the
  `aws:PrincipalIsAWSService` scoping or the `Null` check on `aws:SourceAccount`/`aws:SourceArn`;
* PS519-PS521 a `*` under a Like operator that makes the key test equivalent to `Null` false,
  `Null` true, or always true.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum

from policysim.catalog import get_catalog
from policysim.lint.context import Issue, LintContext
from policysim.lint.finding import Severity
from policysim.lint.policy_type import PolicyKind
from policysim.lint.registry import example_policy as doc
from policysim.lint.registry import rule
from policysim.lint.rules.catalog_rules import Cond, conditions
from policysim.policy.arn import parse_arn
from policysim.policy.operators import Family, Operator, Qualifier

_BUCKET = "arn:aws:s3:::b"
_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
_TABLE = "arn:aws:dynamodb:eu-west-1:123456789012:table/Music"


def _identity(condition: dict[str, object], action: str = "s3:ListBucket") -> dict[str, object]:
    return doc({"Effect": "Allow", "Action": action, "Resource": _BUCKET, "Condition": condition})


# --- PS123: multivalued key without a set qualifier ----------------------------------------------


@rule(
    "PS123",
    Severity.ERROR,
    "Multivalued condition key compared without ForAnyValue or ForAllValues",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:TagKeys": "env"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": "*",
            "Condition": {
                "ForAllValues:StringEquals": {"aws:TagKeys": "env"},
                "Null": {"aws:TagKeys": "false"},
                "StringEquals": {"aws:RequestTag/env": "prod"},
            },
        }
    ),
)
def missing_qualifier(ctx: LintContext) -> Iterator[Issue]:
    """A multivalued key (`aws:TagKeys`, `aws:CalledVia`, `aws:PrincipalOrgPaths`, any
    `ArrayOf...` key of the catalog) holds a set of values; a plain operator does not say
    whether any or every value must match, and Access Analyzer rejects it (how IAM evaluates
    it is undocumented; policysim's evaluator treats it as never matching by default). `Null`
    needs no qualifier; keys the catalog does not know are not judged. Access Analyzer:
    *Missing qualifier* (error)."""
    catalog = get_catalog()
    for view in ctx.statements:
        for cond in conditions(view):
            if cond.op.qualifier is not None or cond.op.family is Family.NULL:
                continue
            if not catalog.is_multivalued(cond.key):
                continue
            written = cond.op_name
            yield cond.issue(
                f"{cond.key!r} is multivalued: {written} must say ForAnyValue: (some value"
                " matches) or ForAllValues: (every value matches)",
                hint=f"ForAnyValue:{written} or ForAllValues:{written}",
            )


# --- PS124: KMS key-id key compared with an alias or a bare key ID -------------------------------

_KMS_KEY_ID_KEYS = frozenset(
    {
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "s3express:x-amz-server-side-encryption-aws-kms-key-id",
    }
)
_REFERENCE = re.compile(r"\$\{[^}]*\}")
_BARE_KEY_ID = re.compile(
    r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.IGNORECASE,
)


def kms_key_value_problem(value: str) -> str | None:
    """Why a value of the S3 KMS key-id key can never equal what S3 puts in the request (the
    key's ARN), or None when it may. Only what is certainly not a key ARN is reported: an
    alias, a bare key ID, or a KMS ARN of another resource type; wildcards and unrecognised
    text (template placeholders) are left alone. Around `${...}` (a policy variable, or a
    CloudFormation `Fn::Sub` reference) only the literal text is judged: `alias/` written
    there names an alias whatever the reference becomes."""
    literal = _REFERENCE.sub("\0", value)
    if literal.startswith("alias/") or ":alias/" in literal:
        return "names a KMS alias"
    if literal != value:
        return None
    if _BARE_KEY_ID.fullmatch(value):
        return "is a bare key ID"
    arn = parse_arn(value)
    if arn is not None and arn.service == "kms" and not arn.resource.startswith(("key/", "*")):
        return "is a KMS ARN but not of a key"
    return None


@rule(
    "PS124",
    Severity.ERROR,
    "KMS key condition compared with an alias or key ID instead of a key ARN",
    example=doc(
        {
            "Effect": "Deny",
            "Action": "s3:PutObject",
            "Resource": f"{_BUCKET}/*",
            "Condition": {
                "StringNotEquals": {
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": "alias/app-data"
                }
            },
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Action": "s3:PutObject",
            "Resource": f"{_BUCKET}/*",
            "Condition": {
                "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": _KEY_ARN}
            },
        }
    ),
)
def kms_key_not_arn(ctx: LintContext) -> Iterator[Issue]:
    """S3 always places the key's ARN in `s3:x-amz-server-side-encryption-aws-kms-key-id`,
    whatever the caller sent (alias, key ID or ARN). A policy value that is an alias or a key
    ID never equals it: an Allow never matches, and a `StringNotEquals` Deny denies every
    upload, the correct key included. Access Analyzer: *Invalid KMS key value* (error); only
    values that are certainly not a key ARN are reported (see `kms_key_value_problem`)."""
    for view in ctx.statements:
        for cond in conditions(view):
            if cond.lower not in _KMS_KEY_ID_KEYS or cond.op.family is Family.NULL:
                continue
            for value in cond.values:
                problem = kms_key_value_problem(value.text)
                if problem is None:
                    continue
                yield ctx.at_node(
                    value.node,
                    f"{value.text!r} {problem}: {cond.key} is always compared with the key's"
                    " ARN, so this value never matches",
                    pointer=value.pointer,
                    statement=view.index,
                    hint="arn:aws:kms:REGION:ACCOUNT:key/KEY-ID",
                )


# --- PS231: dynamodb:Attributes without dynamodb:Select ------------------------------------------


def _pins_specific_attributes(cond: Cond) -> bool:
    return (
        cond.lower == "dynamodb:select"
        and cond.op.family is Family.STRING
        and cond.op.base == "StringEquals"
        and cond.op.qualifier is None
        and bool(cond.texts)
        and all(text == "SPECIFIC_ATTRIBUTES" for text in cond.texts)
    )


@rule(
    "PS231",
    Severity.SECURITY,
    "dynamodb:Attributes restricted without dynamodb:Select = SPECIFIC_ATTRIBUTES",
    example=doc(
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": _TABLE,
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "Song"]}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:Query"],
            "Resource": _TABLE,
            "Condition": {
                "ForAllValues:StringEquals": {"dynamodb:Attributes": ["UserId", "Song"]},
                "StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"},
            },
        }
    ),
)
def attributes_without_select(ctx: LintContext) -> Iterator[Issue]:
    """DynamoDB fills `dynamodb:Attributes` only from the attributes a request names; a read
    without a projection names none, so an attribute allow-list passes it and the whole item
    comes back. Pinning `dynamodb:Select` to `SPECIFIC_ATTRIBUTES` (with `StringEquals`, or
    `StringEqualsIfExists` as AWS's own examples write it) closes that. Allow statements only:
    a Deny on attributes needs its own Deny on `dynamodb:Select`. Access Analyzer: *DynamoDB
    attributes without select* (security warning), which asks for `StringEquals`; the
    `IfExists` form AWS documents for DynamoDB is accepted here on purpose."""
    for view, statement in ctx.valid_statements():
        if not statement.is_allow:
            continue
        conds = conditions(view)
        restricting = [
            c for c in conds if c.lower == "dynamodb:attributes" and c.op.family is not Family.NULL
        ]
        if not restricting or any(_pins_specific_attributes(c) for c in conds):
            continue
        yield restricting[0].issue(
            "dynamodb:Attributes is restricted but dynamodb:Select is not pinned to"
            " SPECIFIC_ATTRIBUTES: a read without a projection expression returns every attribute",
            hint='add "StringEquals": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}',
        )


# --- PS232: s3:prefix in a negative context ------------------------------------------------------


@rule(
    "PS232",
    Severity.SECURITY,
    "s3:prefix in a Deny or under a negated operator",
    example=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": _BUCKET,
            "Condition": {"StringLike": {"s3:prefix": "private/*"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:ListBucket",
            "Resource": _BUCKET,
            "Condition": {"StringNotLike": {"s3:prefix": ["public/", "public/*"]}},
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def prefix_negative(ctx: LintContext) -> Iterator[Issue]:
    """`s3:prefix` is whatever prefix the caller asks to list, not the keys listed. A Deny on
    `StringLike "private/*"` (or an Allow on `StringNotLike`) is bypassed by asking for a
    shorter prefix (`priv`, or none) whose listing still shows the private keys. Restrict
    listing by allowing the permitted prefixes, or by denying every other prefix with
    `StringNotLike`. Access Analyzer: *S3 prefix in negative context* (security warning)."""
    for view, statement in ctx.valid_statements():
        for cond in conditions(view):
            if cond.lower != "s3:prefix" or cond.op.family is not Family.STRING:
                continue
            if statement.is_allow == cond.op.negated:  # Deny + positive, Allow + negated
                where = "a Deny" if not statement.is_allow else f"an Allow with {cond.op_name}"
                yield cond.issue(
                    f"s3:prefix in {where} does not protect the keys under those prefixes: a"
                    " request for a shorter prefix (or none) lists them",
                    hint="Allow s3:ListBucket with StringLike on s3:prefix, or Deny it with"
                    " StringNotLike",
                )


# --- PS426/PS427: RCP source-key perimeters -------------------------------------------------------

_SOURCE_KEYS = frozenset(
    {"aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceaccount", "aws:sourcearn"}
)


def _rcp_source_denies(ctx: LintContext) -> Iterator[tuple[Cond, list[Cond]]]:
    """For each Deny of an RCP that tests a source key, its first such test and all its
    conditions."""
    for view, statement in ctx.valid_statements():
        if statement.is_allow:
            continue
        conds = conditions(view)
        for cond in conds:
            if cond.lower in _SOURCE_KEYS and cond.op.family is not Family.NULL:
                yield cond, conds
                break


_RCP_EXAMPLE = doc(
    {
        "Effect": "Deny",
        "Principal": "*",
        "Action": ["s3:*", "sqs:*"],
        "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:SourceOrgID": "o-a1b2c3d4e5"}},
    }
)


def _rcp_near_miss(**extra: dict[str, str]) -> dict[str, object]:
    return doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["s3:*", "sqs:*"],
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIfExists": {"aws:SourceOrgID": "o-a1b2c3d4e5"},
                **extra,
            },
        }
    )


@rule(
    "PS426",
    Severity.WARNING,
    "RCP source perimeter without aws:PrincipalIsAWSService",
    example=_RCP_EXAMPLE,
    near_miss=_rcp_near_miss(BoolIfExists={"aws:PrincipalIsAWSService": "true"}),
    kinds=(PolicyKind.RCP,),
    example_kind=PolicyKind.RCP,
)
def rcp_source_without_service_scope(ctx: LintContext) -> Iterator[Issue]:
    """Source keys (`aws:SourceOrgID`, `aws:SourceOrgPaths`, `aws:SourceAccount`,
    `aws:SourceArn`) describe what an AWS service acts for; an RCP applies to your own roles
    and users too, for whom these keys are absent. Without `"BoolIfExists":
    {"aws:PrincipalIsAWSService": "true"}` the perimeter also denies your own principals.
    Access Analyzer: *RCP missing related service principal condition key* (warning); the
    principal-key counterpart is PS421."""
    for cond, conds in _rcp_source_denies(ctx):
        scoped = any(
            c.lower == "aws:principalisawsservice"
            and c.op.family is Family.BOOL
            and [t.lower() for t in c.texts] == ["true"]
            for c in conds
        )
        if not scoped:
            yield cond.issue(
                f"this RCP Deny tests {cond.key} but not aws:PrincipalIsAWSService: it also"
                " applies to your own roles and users, which carry no source keys",
                hint='add "BoolIfExists": {"aws:PrincipalIsAWSService": "true"}',
            )


@rule(
    "PS427",
    Severity.WARNING,
    "RCP source perimeter without a Null check on aws:SourceAccount or aws:SourceArn",
    example=_RCP_EXAMPLE,
    near_miss=_rcp_near_miss(Null={"aws:SourceAccount": "false"}),
    kinds=(PolicyKind.RCP,),
    example_kind=PolicyKind.RCP,
)
def rcp_source_without_null_check(ctx: LintContext) -> Iterator[Issue]:
    """Some service integrations call without any source key. With a negated or `IfExists`
    test those calls match the Deny and break; `"Null": {"aws:SourceAccount": "false"}` (or
    `aws:SourceArn`) limits the perimeter to calls that name a source. Access Analyzer: *RCP
    missing service condition key null check* (warning)."""
    for cond, conds in _rcp_source_denies(ctx):
        checked = any(
            c.op.family is Family.NULL
            and c.lower in ("aws:sourceaccount", "aws:sourcearn")
            and [t.lower() for t in c.texts] == ["false"]
            for c in conds
        )
        if not checked:
            yield cond.issue(
                f"this RCP Deny tests {cond.key} without requiring a source: service calls"
                " that carry no source key are denied too",
                hint='add "Null": {"aws:SourceAccount": "false"}',
            )


# --- PS519-PS521: a `*` that makes the key test trivial -------------------------------------------


class WildcardMeaning(StrEnum):
    """What a Like-operator test whose values include `*` reduces to."""

    NULL_FALSE = "the key is present"
    NULL_TRUE = "the key is absent"
    ALWAYS = "always"


def wildcard_meaning(op: Operator) -> WildcardMeaning | None:
    """What `op` with a `*` among its values tests, or None when it is not one of the three
    (a `ForAnyValue:...NotLike` of `*` never matches: PS516's business).

    `*` matches every value, so the value comparison is always true for positive operators and
    always false for negated ones; what remains is how each operator treats an absent key or
    an empty set (the property test in tests/lint checks each case against the engine).
    """
    if op.positive not in ("StringLike", "ArnLike"):
        return None
    qualifier = op.qualifier
    if not op.negated:
        if qualifier is Qualifier.FOR_ALL_VALUES or op.if_exists:
            return WildcardMeaning.ALWAYS
        return WildcardMeaning.NULL_FALSE
    if qualifier is Qualifier.FOR_ANY_VALUE:
        return WildcardMeaning.NULL_TRUE if op.if_exists else None
    return WildcardMeaning.NULL_TRUE


def _is_star(text: str) -> bool:
    """`*`, `**`, ...: every character a `*` (a strip in C, not a set per value)."""
    return bool(text) and not text.strip("*")


def _wildcard_tests(ctx: LintContext, meaning: WildcardMeaning) -> Iterator[tuple[Cond, str]]:
    """The condition entries with a `*` value that reduce to `meaning`, with a note on the
    other values of the list (which the `*` makes redundant). A multivalued key tested
    without a qualifier is left to PS123."""
    catalog = get_catalog()
    for cond in _star_tests(ctx):
        if wildcard_meaning(cond.op) != meaning:
            continue
        if cond.op.qualifier is None and catalog.is_multivalued(cond.key):
            continue  # PS123's mistake, and what it reduces to is disputed
        others = [t for t in cond.texts if not _is_star(t)]
        note = f"; the other values ({', '.join(others)}) add nothing" if others else ""
        yield cond, note


def _star_tests(ctx: LintContext) -> list[Cond]:
    """The condition entries with a `*` value, in document order: found once per document
    for the three rules that ask (PS519-PS521), rather than a walk over every entry each."""
    found: list[Cond] | None = ctx.memo.get("analyzer-star-tests")
    if found is None:
        found = [
            cond
            for view in ctx.statements
            for cond in conditions(view)
            if any(_is_star(t) for t in cond.texts)
        ]
        ctx.memo["analyzer-star-tests"] = found
    return found


def _wildcard_example(operator: str) -> dict[str, object]:
    return doc(
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {operator: {"aws:RequestTag/cost-center": "*"}},
        }
    )


def _null_example(value: str) -> dict[str, object]:
    return doc(
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"Null": {"aws:RequestTag/cost-center": value}},
        }
    )


@rule(
    "PS519",
    Severity.SUGGESTION,
    'Like test of "*" that only checks the key is present (Null false)',
    example=_wildcard_example("StringLike"),
    near_miss=_null_example("false"),
)
def equivalent_null_false(ctx: LintContext) -> Iterator[Issue]:
    """`StringLike` (or `ArnLike`, `ForAnyValue:StringLike`) with the value `*` matches any
    value, so it holds exactly when the key is present: `"Null": {key: "false"}` says so
    plainly. Access Analyzer: *Equivalent to null false* (suggestion)."""
    for cond, note in _wildcard_tests(ctx, WildcardMeaning.NULL_FALSE):
        yield cond.issue(
            f'{cond.op_name} {cond.key!r} "*" only checks that the key is present{note}',
            hint=f'"Null": {{"{cond.key}": "false"}}',
        )


@rule(
    "PS520",
    Severity.SUGGESTION,
    'NotLike test of "*" that only checks the key is absent (Null true)',
    example=_wildcard_example("StringNotLike"),
    near_miss=_null_example("true"),
)
def equivalent_null_true(ctx: LintContext) -> Iterator[Issue]:
    """`StringNotLike` (or `ArnNotLike`, `ForAllValues:StringNotLike`) with the value `*` fails
    on every value, so it holds exactly when the key is absent: `"Null": {key: "true"}` says
    so plainly. (A "deny unless tagged" guard written this way works; it just reads better as
    `Null`.) Access Analyzer: *Equivalent to null true* (suggestion)."""
    for cond, note in _wildcard_tests(ctx, WildcardMeaning.NULL_TRUE):
        yield cond.issue(
            f'{cond.op_name} {cond.key!r} "*" only checks that the key is absent{note}',
            hint=f'"Null": {{"{cond.key}": "true"}}',
        )


@rule(
    "PS521",
    Severity.SUGGESTION,
    'Like test of "*" that always holds (redundant key)',
    example=_wildcard_example("StringLikeIfExists"),
    near_miss=doc(
        {
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"StringLikeIfExists": {"aws:RequestTag/cost-center": "cc-*"}},
        }
    ),
)
def redundant_wildcard_key(ctx: LintContext) -> Iterator[Issue]:
    """`StringLikeIfExists` or `ForAllValues:StringLike` with the value `*` holds whether the
    key is present or not: the entry restricts nothing and can be removed (in a Deny it does
    not narrow the Deny either). Access Analyzer: *Redundant key due to wildcard in
    condition* (suggestion)."""
    for cond, note in _wildcard_tests(ctx, WildcardMeaning.ALWAYS):
        yield cond.issue(
            f'{cond.op_name} {cond.key!r} "*" always holds: the entry restricts nothing{note}',
            hint=f"remove {cond.key!r} from {cond.op_name}",
        )

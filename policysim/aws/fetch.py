"""Read one AWS account into a policysim snapshot (docs/formats.md, version 1).

IAM comes from `GetAccountAuthorizationDetails` (every page), verbatim; then the resource
policies of the requested regions, S3 Block Public Access and ABAC (`GetBucketAbac`: bucket
tags count for authorization only where it is on), whether each KMS key is AWS managed
(`DescribeKey`) and the organization. A resource or service that cannot be read
(AccessDenied, a throttle that outlasted the retries, an endpoint that does not answer, an
answer that is not AWS's, such as a proxy's error page) is recorded under the account's
`errors` and the fetch goes on. Two failures stop it, as a `FetchError`: not learning who the
caller is (no credentials, expired credentials, no network), and not reading IAM
(`IamNotReadError`): a snapshot without its users and roles would answer every question about
principals with "nobody".
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from policysim._version import __version__
from policysim.aws.calls import Progress, bounded, endpoint_metadata, error_code, pages
from policysim.aws.clients import (
    ClientFactory,
    MalformedResponseError,
    ReadOnlyViolation,
    redact_url,
)
from policysim.aws.org_tree import read_levels
from policysim.files import write_atomic

GLOBAL_SERVICES = ("iam", "s3", "organizations")
REGIONAL_SERVICES = ("kms", "sqs", "sns", "lambda", "secretsmanager", "ecr")
SERVICES = (*GLOBAL_SERVICES, *REGIONAL_SERVICES)
"""What `policysim fetch --services` accepts; all by default."""

NOT_FOUND_CODES = frozenset(
    {
        "NoSuchBucketPolicy",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchTagSet",
        "NoSuchTagSetError",
        "ResourceNotFoundException",
        "RepositoryPolicyNotFoundException",
        "NotFoundException",
        "NoSuchEntity",
    }
)
"""Error codes meaning "there is none", e.g. a bucket without a policy: not errors."""

MAX_WORKERS = 8


class FetchError(Exception):
    """The fetch cannot start or go on: one line for the user (never a credential)."""


class IamNotReadError(FetchError):
    """`GetAccountAuthorizationDetails` failed: no snapshot is worth writing (see the module)."""


@cache
def aws_errors() -> tuple[type[BaseException], ...]:
    """What a call to AWS raises when it fails or its answer is garbage.

    botocore's own errors, its response parser's (which is not a `BotoCoreError`), what reading
    a malformed answer raises (a missing key, a value of the wrong type, bad JSON), and the
    guard's refusal: an operation off the list (one botocore would make on its own, such as an
    S3 Express `CreateSession`) was not sent, and what needed it is recorded as not read.
    """
    import botocore.exceptions as bx
    from botocore.parsers import ResponseParserError

    return (
        ReadOnlyViolation,
        bx.BotoCoreError,
        bx.ClientError,
        ResponseParserError,
        MalformedResponseError,
        KeyError,
        TypeError,
        ValueError,
    )


@dataclass
class FetchOptions:
    """What to fetch. `regions` None: every region enabled for the account."""

    profile: str | None = None
    regions: list[str] | None = None
    services: list[str] | None = None
    endpoint_url: str | None = None
    max_workers: int = MAX_WORKERS


@dataclass
class _Account:
    """What is collected for one account while fetching."""

    account_id: str
    partition: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, str | None]] = field(default_factory=list)

    def error(
        self,
        service: str,
        region: str | None,
        operation: str | None,
        resource: str | None,
        err: BaseException,
    ) -> None:
        self.errors.append(
            {
                "service": service,
                "region": region,
                "operation": operation,
                "resource": resource,
                "error": describe_error(err),
            }
        )

    def resource(
        self,
        arn: str,
        policy: Any,
        tags: dict[str, str] | None = None,
        block_public_access: dict[str, bool] | None = None,
        abac: bool | None = None,
        aws_managed: bool | None = None,
    ) -> None:
        entry: dict[str, Any] = {
            "arn": arn,
            "policy": policy,
            "tags": tags or {},
            "block_public_access": block_public_access,
        }
        if abac is not None:
            entry["abac"] = abac
        if aws_managed is not None:
            entry["aws_managed"] = aws_managed
        self.resources[arn] = entry


def describe_error(err: BaseException) -> str:
    """`Code: message` for an AWS error, `MalformedResponse: ...` for an answer that is not
    AWS's, `ExceptionName: message` for anything else: one line, control characters escaped,
    URLs without their user name and password, at most 500 characters."""
    from botocore.parsers import ResponseParserError

    code = error_code(err)
    if code is not None:
        message = getattr(err, "response", {}).get("Error", {}).get("Message") or ""
        text = f"{code}: {message}".rstrip(": ")
    elif isinstance(err, ResponseParserError):
        # The message goes on with the raw body (a whole HTML page): its first line suffices.
        text = f"MalformedResponse: {str(err).splitlines()[0] if str(err) else 'unreadable'}"
    elif isinstance(err, MalformedResponseError):
        text = f"MalformedResponse: {err}"
    elif isinstance(err, KeyError):
        text = f"MalformedResponse: the answer has no {err.args[0] if err.args else '?'}"
    else:
        text = f"{type(err).__name__}: {err}"
    return one_line(redact_url(text))[:500]


def one_line(text: str) -> str:
    """`text` on one line: AWS's (often multi-line) error text with its whitespace runs joined
    by one space, and control, bidi and other invisible characters escaped as every terminal
    output escapes them (`policysim.text_safety`)."""
    from policysim.text_safety import terminal_safe

    return terminal_safe(" ".join(text.split()))


def _is_not_found(err: BaseException) -> bool:
    return error_code(err) in NOT_FOUND_CODES


def _tag_dict(
    tags: Iterable[dict[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {str(t[key]): str(t.get(value, "")) for t in tags or []}


# Fatal errors: the caller's identity cannot be learnt.

_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_REJECTED = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "AuthFailure",
    "InvalidAccessKeyId",
}


def fatal_message(err: BaseException, profile: str | None) -> str | None:
    """One line for an error that stops the fetch before it starts, or None."""
    import botocore.exceptions as bx

    who = f"profile {profile!r}" if profile else "the default AWS credentials"
    if isinstance(err, bx.ProfileNotFound):
        return f"AWS profile {profile!r} not found in the AWS config or credentials files"
    if isinstance(err, bx.NoCredentialsError):
        return (
            "no AWS credentials found: pass --profile, set AWS_PROFILE, or configure"
            " credentials (aws configure / aws sso login)"
        )
    if isinstance(err, bx.SSOError | bx.TokenRetrievalError):
        return f"the SSO session of {who} has expired or was never started: run 'aws sso login'"
    if isinstance(err, bx.CredentialRetrievalError):
        return f"cannot get credentials for {who}: {err}"
    code = error_code(err)
    if code in _EXPIRED:
        return f"the credentials of {who} have expired: refresh them (e.g. aws sso login) and retry"
    if code in _REJECTED:
        return f"AWS rejected the credentials of {who} ({code})"
    if isinstance(err, bx.EndpointConnectionError | bx.ConnectTimeoutError):
        endpoint = getattr(err, "kwargs", {}).get("endpoint_url", "the endpoint")
        return f"cannot reach AWS ({one_line(redact_url(str(endpoint)))}): check the network"
    if isinstance(err, bx.NoRegionError):
        return "no AWS region configured: pass --region"
    if isinstance(err, bx.BotoCoreError):
        return f"AWS: {describe_error(err)}"
    if code is not None:
        return f"cannot identify the caller: {describe_error(err)}"
    return None


def caller_identity(factory: ClientFactory, profile: str | None) -> dict[str, str]:
    """`sts:GetCallerIdentity`, with few retries: it is the credentials and network check."""
    try:
        sts = factory.client("sts", max_attempts=2)
        answer = sts.get_caller_identity()
        if not isinstance(answer.get("Account"), str):
            raise MalformedResponseError("GetCallerIdentity answered without an account id")
    except aws_errors() as err:
        message = fatal_message(err, profile)
        raise FetchError(message or f"cannot identify the caller: {describe_error(err)}") from None
    return {k: str(answer[k]) for k in ("Account", "Arn", "UserId") if k in answer}


def enabled_regions(factory: ClientFactory, account: _Account) -> list[str]:
    """The regions enabled for the account (`ec2:DescribeRegions`); the default one if denied."""
    try:
        answer = factory.client("ec2").describe_regions(AllRegions=False)
        regions = sorted(str(r["RegionName"]) for r in answer.get("Regions") or [])
    except aws_errors() as err:
        account.error("ec2", factory.default_region, "DescribeRegions", None, err)
        regions = []
    return regions or [factory.default_region]


# IAM


def fetch_iam(factory: ClientFactory, account: _Account) -> tuple[dict[str, Any], str | None]:
    """The merged pages of the authorization details, and the account alias.

    Raises `IamNotReadError` when any page of the authorization details cannot be read: a partial
    list of users and roles would be silently wrong.
    """
    iam = factory.client("iam")
    details: dict[str, list[Any]] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": [],
    }
    try:
        for page in iam.get_paginator("get_account_authorization_details").paginate():
            # Every real page says whether more follow; an answer without it is not AWS's.
            if "IsTruncated" not in page:
                raise MalformedResponseError("an authorization details page without IsTruncated")
            for key, items in details.items():
                found = page.get(key) or []
                if not isinstance(found, list):
                    raise MalformedResponseError(f"{key} is not a list")
                items.extend(found)
    except aws_errors() as err:
        account.error("iam", None, "GetAccountAuthorizationDetails", None, err)
        raise IamNotReadError(
            f"IAM could not be read (GetAccountAuthorizationDetails: {describe_error(err)});"
            " no snapshot written: without its users and roles every answer about principals"
            " would be empty. Retry later, or leave iam out of --services"
        ) from None
    for policy in details["Policies"]:
        # AWS always names the policy; emulators (moto) may not: the name ends the ARN.
        if "PolicyName" not in policy and isinstance(policy.get("Arn"), str):
            policy["PolicyName"] = policy["Arn"].rsplit("/", 1)[-1]
    alias: str | None = None
    try:
        aliases = iam.list_account_aliases().get("AccountAliases") or []
        alias = aliases[0] if aliases else None
    except aws_errors() as err:
        account.error("iam", None, "ListAccountAliases", None, err)
    return details, alias


# Resource policies: one lister per service and region, then one task per resource.

Lister = Callable[[Any, _Account, str], list[Any]]
Reader = Callable[[Any, _Account, str, Any], None]


def _s3_list(client: Any, account: _Account, region: str) -> list[Any]:
    return [b["Name"] for b in client.list_buckets().get("Buckets") or []]


def _s3_read(factory: ClientFactory, account: _Account, region: str, bucket: str) -> None:
    arn = f"arn:{account.partition}:s3:::{bucket}"
    s3 = factory.client("s3", region)
    # The bucket's region is a hint only: the global client follows redirects.
    with contextlib.suppress(*aws_errors()):
        location = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
        s3 = factory.client("s3", location or "us-east-1")
    policy = _optional(
        account,
        "s3",
        None,
        "GetBucketPolicy",
        arn,
        lambda: policy_text(s3.get_bucket_policy(Bucket=bucket)["Policy"]),
    )
    if policy is _FAILED:
        return
    bpa = _optional(
        account,
        "s3",
        None,
        "GetPublicAccessBlock",
        arn,
        lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
    )
    tags = _optional(
        account,
        "s3",
        None,
        "GetBucketTagging",
        arn,
        lambda: _tag_dict(s3.get_bucket_tagging(Bucket=bucket).get("TagSet")),
    )
    abac = _optional(
        account,
        "s3",
        None,
        "GetBucketAbac",
        arn,
        lambda: abac_enabled(s3.get_bucket_abac(Bucket=bucket)),
    )
    account.resource(
        arn,
        policy,
        tags if isinstance(tags, dict) else None,
        _bpa(bpa) if isinstance(bpa, dict) else None,
        # Unreadable (recorded under errors) or absent: ABAC off, AWS's default.
        abac if isinstance(abac, bool) else False,
    )


def abac_enabled(answer: dict[str, Any]) -> bool:
    """`GetBucketAbac`'s answer: only `Status: Enabled` turns bucket tags into
    `aws:ResourceTag`; a missing status is the default, disabled."""
    return (answer.get("AbacStatus") or {}).get("Status") == "Enabled"


def _bpa(config: dict[str, Any]) -> dict[str, bool]:
    names = {
        "BlockPublicAcls": "block_public_acls",
        "IgnorePublicAcls": "ignore_public_acls",
        "BlockPublicPolicy": "block_public_policy",
        "RestrictPublicBuckets": "restrict_public_buckets",
    }
    return {ours: bool(config.get(theirs, False)) for theirs, ours in names.items()}


_FAILED = object()
"""`_optional`'s answer when the call failed (and the error was recorded)."""


def _optional(
    account: _Account,
    service: str,
    region: str | None,
    operation: str,
    resource: str | None,
    call: Callable[[], Any],
) -> Any:
    """`call()`; None when AWS says there is none; `_FAILED` (recorded) on any other error."""
    try:
        return call()
    except aws_errors() as err:
        if _is_not_found(err):
            return None
        account.error(service, region, operation, resource, err)
    return _FAILED


def policy_text(value: Any) -> Any:
    """`value`, a policy as a service answers it (JSON text, or None for none), once it is
    known to be a JSON object: a proxy's page answered as a bucket policy is not one."""
    if value is None or isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise MalformedResponseError(f"the policy is a {type(value).__name__}, not JSON text")
    try:
        document = json.loads(value)
    except ValueError:
        raise MalformedResponseError("the policy is not JSON") from None
    if not isinstance(document, dict):
        raise MalformedResponseError("the policy is not a JSON object")
    return value


def _kms_list(client: Any, account: _Account, region: str) -> list[Any]:
    return [k["KeyArn"] for k in pages(client, "list_keys", "Keys")]


def _kms_read(client: Any, account: _Account, region: str, arn: str) -> None:
    metadata = _optional(
        account,
        "kms",
        region,
        "DescribeKey",
        arn,
        lambda: client.describe_key(KeyId=arn)["KeyMetadata"],
    )
    if metadata is _FAILED or not isinstance(metadata, dict):
        return  # not known whether AWS manages it: not claimed either way
    policy = _optional(
        account,
        "kms",
        region,
        "GetKeyPolicy",
        arn,
        lambda: policy_text(client.get_key_policy(KeyId=arn, PolicyName="default")["Policy"]),
    )
    if policy is _FAILED:
        return
    tags = _optional(
        account,
        "kms",
        region,
        "ListResourceTags",
        arn,
        lambda: _tag_dict(client.list_resource_tags(KeyId=arn).get("Tags"), "TagKey", "TagValue"),
    )
    account.resource(
        arn,
        policy,
        tags if isinstance(tags, dict) else None,
        aws_managed=key_is_aws_managed(metadata),
    )


def key_is_aws_managed(metadata: dict[str, Any]) -> bool:
    """`DescribeKey`'s `KeyMetadata.KeyManager` is `AWS` for an AWS managed key (`aws/s3`...),
    which no policy lets a customer change; its alias name proves nothing."""
    return metadata.get("KeyManager") == "AWS"


def _sqs_list(client: Any, account: _Account, region: str) -> list[Any]:
    return list(pages(client, "list_queues", "QueueUrls"))


def _sqs_read(client: Any, account: _Account, region: str, url: str) -> None:
    attributes = _optional(
        account,
        "sqs",
        region,
        "GetQueueAttributes",
        url,
        lambda: _sqs_attributes(
            client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "Policy"])
        ),
    )
    if attributes is _FAILED or not attributes:
        return
    arn = attributes["QueueArn"]
    tags = _optional(
        account,
        "sqs",
        region,
        "ListQueueTags",
        arn,
        lambda: dict(client.list_queue_tags(QueueUrl=url).get("Tags") or {}),
    )
    account.resource(arn, attributes.get("Policy"), tags if isinstance(tags, dict) else None)


def _sqs_attributes(answer: dict[str, Any]) -> dict[str, Any]:
    attributes = answer["Attributes"]
    if not isinstance(attributes.get("QueueArn"), str):
        raise MalformedResponseError("GetQueueAttributes answered without QueueArn")
    policy_text(attributes.get("Policy"))
    return dict(attributes)


def _sns_list(client: Any, account: _Account, region: str) -> list[Any]:
    return [t["TopicArn"] for t in pages(client, "list_topics", "Topics")]


def _sns_read(client: Any, account: _Account, region: str, arn: str) -> None:
    attributes = _optional(
        account,
        "sns",
        region,
        "GetTopicAttributes",
        arn,
        lambda: _sns_attributes(client.get_topic_attributes(TopicArn=arn)),
    )
    if attributes is _FAILED:
        return
    tags = _optional(
        account,
        "sns",
        region,
        "ListTagsForResource",
        arn,
        lambda: _tag_dict(client.list_tags_for_resource(ResourceArn=arn).get("Tags")),
    )
    policy = (attributes or {}).get("Policy")
    account.resource(arn, policy, tags if isinstance(tags, dict) else None)


def _sns_attributes(answer: dict[str, Any]) -> dict[str, Any]:
    attributes = dict(answer["Attributes"])
    policy_text(attributes.get("Policy"))
    return attributes


def _lambda_list(client: Any, account: _Account, region: str) -> list[Any]:
    return [f["FunctionArn"] for f in pages(client, "list_functions", "Functions")]


def _lambda_read(client: Any, account: _Account, region: str, arn: str) -> None:
    policy = _optional(
        account,
        "lambda",
        region,
        "GetPolicy",
        arn,
        lambda: policy_text(client.get_policy(FunctionName=arn)["Policy"]),
    )
    if policy is _FAILED:
        return
    tags = _optional(
        account,
        "lambda",
        region,
        "ListTags",
        arn,
        lambda: dict(client.list_tags(Resource=arn).get("Tags") or {}),
    )
    account.resource(arn, policy, tags if isinstance(tags, dict) else None)


def _secrets_list(client: Any, account: _Account, region: str) -> list[Any]:
    return list(pages(client, "list_secrets", "SecretList"))


def _secrets_read(client: Any, account: _Account, region: str, secret: dict[str, Any]) -> None:
    arn = secret["ARN"]
    answer = _optional(
        account,
        "secretsmanager",
        region,
        "GetResourcePolicy",
        arn,
        lambda: client.get_resource_policy(SecretId=arn),
    )
    if answer is _FAILED:
        return
    policy = _optional(
        account,
        "secretsmanager",
        region,
        "GetResourcePolicy",
        arn,
        lambda: policy_text((answer or {}).get("ResourcePolicy")),
    )
    if policy is _FAILED:
        return
    account.resource(arn, policy, _tag_dict(secret.get("Tags")))


def _ecr_list(client: Any, account: _Account, region: str) -> list[Any]:
    return [r["repositoryArn"] for r in pages(client, "describe_repositories", "repositories")]


def _ecr_read(client: Any, account: _Account, region: str, arn: str) -> None:
    name = arn.split(":repository/", 1)[-1]
    answer = _optional(
        account,
        "ecr",
        region,
        "GetRepositoryPolicy",
        arn,
        lambda: client.get_repository_policy(repositoryName=name),
    )
    if answer is _FAILED:
        return
    policy = _optional(
        account,
        "ecr",
        region,
        "GetRepositoryPolicy",
        arn,
        lambda: policy_text((answer or {}).get("policyText")),
    )
    if policy is _FAILED:
        return
    tags = _optional(
        account,
        "ecr",
        region,
        "ListTagsForResource",
        arn,
        lambda: _tag_dict(client.list_tags_for_resource(resourceArn=arn).get("tags")),
    )
    account.resource(arn, policy, tags if isinstance(tags, dict) else None)


REGIONAL: dict[str, tuple[str, Lister, Reader]] = {
    "kms": ("ListKeys", _kms_list, _kms_read),
    "sqs": ("ListQueues", _sqs_list, _sqs_read),
    "sns": ("ListTopics", _sns_list, _sns_read),
    "lambda": ("ListFunctions", _lambda_list, _lambda_read),
    "secretsmanager": ("ListSecrets", _secrets_list, _secrets_read),
    "ecr": ("DescribeRepositories", _ecr_list, _ecr_read),
}
"""Per regional service: the listing operation, the lister, and the per-resource reader."""


def _run_pool(
    items: list[Any],
    task: Callable[[Any], None],
    *,
    max_workers: int,
    progress: Progress,
    label: str,
    on_error: Callable[[Any, BaseException], None],
) -> None:
    """`task(item)` for every item; what a malformed answer raises past the task's own
    handling goes to `on_error(item, error)` and the other items are still read."""
    bar = progress.start(label, len(items))

    def one(item: Any) -> None:
        try:
            task(item)
        except aws_errors() as err:
            on_error(item, err)
        finally:
            progress.advance(bar)

    try:
        bounded(items, one, max_workers)
    finally:
        progress.finish(bar)


def fetch_regional(
    factory: ClientFactory,
    account: _Account,
    service: str,
    region: str,
    *,
    max_workers: int,
    progress: Progress,
) -> None:
    """Every resource policy of `service` in `region`."""
    operation, lister, reader = REGIONAL[service]
    try:
        client = factory.client(service, region)
        items = lister(client, account, region)
    except aws_errors() as err:
        account.error(service, region, operation, None, err)
        return
    _run_pool(
        items,
        lambda item: reader(client, account, region, item),
        max_workers=max_workers,
        progress=progress,
        label=f"{service} {region}",
        on_error=lambda item, err: account.error(service, region, None, _name(item), err),
    )


def _name(item: Any) -> str | None:
    """What a lister listed, as the `resource` of an error (a secret is listed as a dict)."""
    if isinstance(item, dict):
        return str(item.get("ARN") or item.get("Name") or "") or None
    return str(item)


def fetch_s3(
    factory: ClientFactory, account: _Account, *, max_workers: int, progress: Progress
) -> dict[str, bool] | None:
    """Every bucket's policy, tags and Block Public Access; the account's Block Public Access."""
    account_bpa = _optional(
        account,
        "s3",
        None,
        "GetPublicAccessBlock",
        None,
        lambda: factory.client("s3control").get_public_access_block(AccountId=account.account_id)[
            "PublicAccessBlockConfiguration"
        ],
    )
    try:
        buckets = _s3_list(factory.client("s3"), account, factory.default_region)
    except aws_errors() as err:
        account.error("s3", None, "ListBuckets", None, err)
        buckets = []
    _run_pool(
        buckets,
        lambda bucket: _s3_read(factory, account, factory.default_region, bucket),
        max_workers=max_workers,
        progress=progress,
        label="s3",
        on_error=lambda bucket, err: account.error(
            "s3", None, None, f"arn:{account.partition}:s3:::{bucket}", err
        ),
    )
    return _bpa(account_bpa) if isinstance(account_bpa, dict) else None


# Organizations


def fetch_organization(factory: ClientFactory, account: _Account) -> dict[str, Any] | None:
    """The organization, the account's path from the root and the SCPs and RCPs on it.

    None when the account is in no organization, or `DescribeOrganization` is denied (recorded).
    A member account usually may describe the organization but not walk it: what is denied is
    recorded, and the organization is kept without the path.
    """
    org = factory.client("organizations")
    try:
        described = org.describe_organization()["Organization"]
    except aws_errors() as err:
        if error_code(err) != "AWSOrganizationsNotInUseException":
            account.error("organizations", None, "DescribeOrganization", None, err)
        return None
    result: dict[str, Any] = {
        "id": described.get("Id"),
        "management_account": described.get("MasterAccountId"),
        "policies": {},
        "account_paths": {},
    }
    try:
        levels, policies = read_levels(org, _account_path(org, account.account_id))
    except aws_errors() as err:
        account.error("organizations", None, getattr(err, "operation_name", None), None, err)
        return result
    result["policies"] = policies
    result["account_paths"] = {account.account_id: levels}
    return result


def _account_path(org: Any, account_id: str) -> list[tuple[dict[str, Any], str]]:
    """(node, type) from the root down to the account; a node has `Id` and maybe `Name`."""
    chain: list[tuple[dict[str, Any], str]] = [({"Id": account_id}, "ACCOUNT")]
    child = account_id
    for _ in range(10):  # AWS allows five levels of OUs
        parents = org.list_parents(ChildId=child).get("Parents") or []
        if not parents:
            break
        parent = parents[0]
        if parent["Type"] == "ROOT":
            roots = {r["Id"]: r for r in org.list_roots().get("Roots") or []}
            chain.append((roots.get(parent["Id"], {"Id": parent["Id"], "Name": "Root"}), "ROOT"))
            break
        unit = org.describe_organizational_unit(OrganizationalUnitId=parent["Id"])
        chain.append((unit["OrganizationalUnit"], "ORGANIZATIONAL_UNIT"))
        child = parent["Id"]
    return list(reversed(chain))


# The whole fetch


def open_factory(options: FetchOptions) -> ClientFactory:
    """The read-only clients `options` name (profile, endpoint, first region).

    Raises `FetchError` with one line when botocore cannot set them up (an unknown profile, a
    bad `AWS_MAX_ATTEMPTS`)."""
    import botocore.exceptions as bx

    try:
        return ClientFactory(
            options.profile,
            endpoint_url=options.endpoint_url,
            region=options.regions[0] if options.regions else None,
        )
    except bx.BotoCoreError as err:
        raise FetchError(fatal_message(err, options.profile) or describe_error(err)) from None
    except ValueError as err:  # AWS_MAX_ATTEMPTS
        raise FetchError(str(err)) from None


def fetch_snapshot(
    options: FetchOptions,
    *,
    factory: ClientFactory | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The snapshot of the caller's account, as the JSON object `write_snapshot` writes.

    Raises `FetchError` when the caller cannot be identified, `IamNotReadError` (a `FetchError`)
    when IAM was asked for and could not be read."""

    progress = progress or Progress()
    services = list(options.services or SERVICES)
    factory = factory or open_factory(options)
    identity = caller_identity(factory, options.profile)
    account_id = identity["Account"]
    partition = identity.get("Arn", "arn:aws:").split(":")[1] or "aws"
    account = _Account(account_id, partition)
    regions = list(options.regions) if options.regions else enabled_regions(factory, account)
    started = datetime.now(UTC)

    details: dict[str, Any] = {}
    alias = None
    if "iam" in services:
        details, alias = fetch_iam(factory, account)
    account_bpa = None
    if "s3" in services:
        account_bpa = fetch_s3(factory, account, max_workers=options.max_workers, progress=progress)
    for region in regions:
        for service in services:
            if service in REGIONAL:
                fetch_regional(
                    factory,
                    account,
                    service,
                    region,
                    max_workers=options.max_workers,
                    progress=progress,
                )
    organization = fetch_organization(factory, account) if "organizations" in services else None

    entry: dict[str, Any] = {"account_id": account_id, "alias": alias}
    if "iam" in services:
        entry["authorization_details"] = details
    entry["resources"] = [account.resources[arn] for arn in sorted(account.resources)]
    entry["block_public_access"] = account_bpa
    entry["errors"] = account.errors
    return {
        "policysim_snapshot": 1,
        "generated_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "metadata": {
            "tool": "policysim fetch",
            "version": __version__,
            "finished_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "caller": identity,
            "profile": options.profile,
            "regions": regions,
            "services": services,
            "errors": len(account.errors),
            **endpoint_metadata(factory),
        },
        "accounts": [entry],
        "organization": organization,
    }


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_snapshot(data: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `data` atomically and never through a symbolic link (`files.write_atomic`)."""
    text = json.dumps(data, indent=2, default=_json_default, ensure_ascii=False) + "\n"
    write_atomic(path, text)

"""The one place boto3 clients are made: read-only by construction.

Every client `ClientFactory.client` makes may call only the (service, operation) pairs in
`ALLOWED_OPERATIONS`: the reads `policysim fetch` makes (`FETCH_OPERATIONS`, exactly the calls
written in `fetch.py` and the `org_tree.py` and `calls.py` it uses, which a test checks), those
`fetch --org` adds (`ORG_OPERATIONS`, exactly the calls written in `org.py`; `sts:AssumeRole`
among them, see there) and the one read botocore makes on its own (`BOTOCORE_OPERATIONS`).
Nothing is allowed by the shape of its name: `GetParameterHistory` returns decrypted secrets
and `cognito-identity:GetId` creates an identity.

The check runs at three botocore events, so no path to the wire skips it:

* `before-parameter-build`: a refused call fails before any parameter is built;
* `request-created` and `before-send`: these fire for every HTTP request, also one made with
  the private `client._endpoint.make_request(...)`, which skips the first event;

and the client's HTTP session itself sends only requests the `before-send` check passed, so
even `client._endpoint._send(...)` or `http_session.send(...)` cannot reach the network with
anything else. A test also walks the package's source for calls that are not on the list and
for private endpoint access.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from functools import partial
from typing import Any

FETCH_OPERATIONS: Mapping[str, frozenset[str]] = {
    "sts": frozenset({"GetCallerIdentity"}),
    "ec2": frozenset({"DescribeRegions"}),
    "iam": frozenset({"GetAccountAuthorizationDetails", "ListAccountAliases"}),
    "s3": frozenset(
        {
            "ListBuckets",
            "GetBucketLocation",
            "GetBucketPolicy",
            "GetPublicAccessBlock",
            "GetBucketTagging",
            "GetBucketAbac",
        }
    ),
    "s3control": frozenset({"GetPublicAccessBlock"}),
    "kms": frozenset({"ListKeys", "DescribeKey", "GetKeyPolicy", "ListResourceTags"}),
    "sqs": frozenset({"ListQueues", "GetQueueAttributes", "ListQueueTags"}),
    "sns": frozenset({"ListTopics", "GetTopicAttributes", "ListTagsForResource"}),
    "lambda": frozenset({"ListFunctions", "GetPolicy", "ListTags"}),
    "secretsmanager": frozenset({"ListSecrets", "GetResourcePolicy"}),
    "ecr": frozenset({"DescribeRepositories", "GetRepositoryPolicy", "ListTagsForResource"}),
    "organizations": frozenset(
        {
            "DescribeOrganization",
            "ListParents",
            "ListRoots",
            "DescribeOrganizationalUnit",
            "ListPoliciesForTarget",
            "DescribePolicy",
        }
    ),
}
"""Per botocore service name, the operations `fetch.py` (with `org_tree.py` and `calls.py`)
calls: nothing else."""

ORG_OPERATIONS: Mapping[str, frozenset[str]] = {
    # AssumeRole writes nothing to any account's configuration: it returns short-lived
    # credentials for a role the account's owner created and trusts the caller with (the
    # call is logged in CloudTrail like every read). It is how `fetch --org` reads members.
    "sts": frozenset({"AssumeRole"}),
    "organizations": frozenset(
        {
            "ListAccounts",
            "ListOrganizationalUnitsForParent",
            "ListAccountsForParent",
        }
    ),
}
"""The operations `org.py` (`fetch --org`) calls beyond `FETCH_OPERATIONS`: nothing else."""

BOTOCORE_OPERATIONS: Mapping[str, frozenset[str]] = {
    # botocore's S3 region redirector asks HeadBucket where a bucket lives.
    "s3": frozenset({"HeadBucket"}),
}
"""Reads botocore itself makes on behalf of a fetch call."""

ALLOWED_OPERATIONS: Mapping[str, frozenset[str]] = {
    service: FETCH_OPERATIONS.get(service, frozenset())
    | ORG_OPERATIONS.get(service, frozenset())
    | BOTOCORE_OPERATIONS.get(service, frozenset())
    for service in {*FETCH_OPERATIONS, *ORG_OPERATIONS, *BOTOCORE_OPERATIONS}
}
"""Every (service, operation) a policysim client may send."""


class ReadOnlyViolation(RuntimeError):  # noqa: N818  (the name says what happened)
    """An operation that is not on the allowlist was about to be sent."""


def is_allowed(service: str, operation: str) -> bool:
    """True when `service:operation` (`s3`, `GetBucketPolicy`) is on the allowlist."""
    return operation in ALLOWED_OPERATIONS.get(service, frozenset())


def allowed_operation_names() -> frozenset[str]:
    """Every allowed operation name, whatever the service (what the static audit checks)."""
    return frozenset().union(*ALLOWED_OPERATIONS.values())


def _refuse(service: str, operation: object) -> None:
    if not isinstance(operation, str) or not is_allowed(service, operation):
        raise ReadOnlyViolation(
            f"policysim fetch is read-only: refusing {service}:{operation}"
            " (not on the list of reads fetch makes)"
        )


def _check_model(service: str, model: Any = None, **_: Any) -> None:
    """`before-parameter-build`: the operation model names the operation."""
    _refuse(service, getattr(model, "name", None))


def _check_created(service: str, operation_name: Any = None, **_: Any) -> None:
    """`request-created`: fires for every request, also from `_endpoint.make_request`."""
    _refuse(service, operation_name)


def _check_send(service: str, request: Any = None, event_name: str = "", **_: Any) -> None:
    """`before-send` (`before-send.SERVICE-ID.OPERATION`): the last event before the wire."""
    _refuse(service, event_name.rpartition(".")[2] if event_name.count(".") >= 2 else None)
    # Marks the request as checked: `_GuardedHttpSession` sends nothing else.
    request._policysim_read_only_checked = True


class _GuardedHttpSession:
    """The client's HTTP session, sending only requests that passed `_check_send`.

    botocore's endpoint uses only `send` and `close` of its session."""

    def __init__(self, session: Any, service: str) -> None:
        self._session = session
        self._service = service

    def send(self, request: Any) -> Any:
        if not getattr(request, "_policysim_read_only_checked", False):
            raise ReadOnlyViolation(
                f"policysim fetch is read-only: refusing an unchecked {self._service} request"
            )
        return self._session.send(request)

    def close(self) -> None:
        self._session.close()


def guard(client: Any) -> None:
    """Make `client` send only allowed operations (see the module's docstring)."""
    service = client.meta.service_model.service_name
    events = client.meta.events
    events.register_first("before-parameter-build", partial(_check_model, service))
    events.register_first("request-created", partial(_check_created, service))
    events.register_first("before-send", partial(_check_send, service))
    endpoint = client._endpoint  # the guard itself: the one private access in this package
    endpoint.http_session = _GuardedHttpSession(endpoint.http_session, service)


class MalformedResponseError(Exception):
    """An answer that is not what AWS sends (a proxy's error page, a policy that is not JSON):
    recorded by fetch like an AWS error."""


def _refuse_html(operation_model: Any = None, response_dict: Any = None, **_: Any) -> None:
    """`before-parse`: a successful answer that is a web page came from a proxy, not AWS.

    botocore's JSON parser reads any body that is not JSON as an empty answer (`ListKeys`: no
    keys) and S3 hands an HTML page back as a bucket policy; refused here, it is recorded as an
    error instead. The body is judged, not the content type (moto labels JSON `text/html`).
    Error statuses are left to botocore (retried, then a `ClientError` named by the status).
    """
    if not isinstance(response_dict, dict) or response_dict.get("status_code", 500) >= 300:
        return
    body = response_dict.get("body")
    if not isinstance(body, bytes):
        return  # a stream: nothing fetch reads
    start = body[:64].lstrip().lower()
    protocol = getattr(getattr(operation_model, "service_model", None), "protocol", None)
    json_expected = protocol in ("json", "rest-json")
    if start.startswith((b"<html", b"<!doctype html")) or (
        json_expected and start and not start.startswith(b"{")
    ):
        status = response_dict.get("status_code")
        raise MalformedResponseError(f"HTTP {status} with a body that is not an AWS answer")


def _drop_account_host(request: Any = None, **_: Any) -> None:
    """S3 Control puts the account id in the host name, which a local endpoint does not have."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(request.url)
    account, dot, rest = parts.netloc.partition(".")
    if dot and account.isdigit() and len(account) == 12:
        request.url = urlunsplit(parts._replace(netloc=rest))


_USERINFO = re.compile(r"(?<=://)[^/\s?#\"'<>]*@")
"""The user name and password of a URL: up to the last `@` before the host's end."""


def redact_url(text: str) -> str:
    """`text` with the user name and password of every URL in it replaced by `***`:
    `http://user:password@host/` becomes `http://***@host/` (an endpoint URL may carry them)."""
    return _USERINFO.sub("***@", text)


def custom_endpoint(endpoint_url: str | None) -> str | None:
    """The endpoint in use instead of AWS's: the argument, else `AWS_ENDPOINT_URL`."""
    return endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


DEFAULT_MAX_ATTEMPTS = 10
"""Attempts per call (the first and the retries) unless `AWS_MAX_ATTEMPTS` says otherwise."""


def attempts_from_environment() -> int | None:
    """`AWS_MAX_ATTEMPTS` (as the AWS CLI reads it), or None when unset.

    Raises ValueError with one line for the user when it is not a whole number from 1 to 100.
    """
    text = os.environ.get("AWS_MAX_ATTEMPTS", "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise ValueError(f"AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, not {text!r}")
    return int(text)


class ClientFactory:
    """boto3 clients for one session, each sending only allowed operations (`guard`).

    `profile` is a named profile (None: the default credential chain). `endpoint_url` sends
    every call elsewhere than AWS (a local moto server in the tests and the walkthrough).
    Clients are cached by (service, region) and safe to share between threads.
    """

    def __init__(
        self,
        profile: str | None = None,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        max_attempts: int | None = None,
        session: Any = None,
    ) -> None:
        import boto3

        self.session = session or boto3.session.Session(profile_name=profile)
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.default_region = region or self.session.region_name or "us-east-1"
        self.max_attempts = max_attempts or attempts_from_environment() or DEFAULT_MAX_ATTEMPTS
        self._clients: dict[tuple[str, str, int], Any] = {}
        self._lock = threading.Lock()

    def config(self, max_attempts: int | None = None) -> Any:
        from botocore.config import Config

        settings: dict[str, Any] = {
            "retries": {
                "mode": "adaptive",
                # Counting the first: AWS_MAX_ATTEMPTS=1 is one try, no retry.
                "total_max_attempts": min(max_attempts or self.max_attempts, self.max_attempts),
            },
            "connect_timeout": 10,
            "read_timeout": 60,
            "max_pool_connections": 16,
        }
        if custom_endpoint(self.endpoint_url):
            # A local endpoint has no per-account host names or virtual-hosted buckets.
            settings["inject_host_prefix"] = False
            settings["s3"] = {"addressing_style": "path"}
        return Config(**settings)

    def client(self, service: str, region: str | None = None, *, max_attempts: int = 0) -> Any:
        """A read-only client for `service` in `region` (default: the factory's region)."""
        region = region or self.default_region
        key = (service, region, max_attempts)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                kwargs: dict[str, Any] = {
                    "region_name": region,
                    "config": self.config(max_attempts or None),
                }
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                client = self.session.client(service, **kwargs)
                guard(client)
                client.meta.events.register("before-parse", _refuse_html)
                if service == "s3control" and custom_endpoint(self.endpoint_url):
                    client.meta.events.register("before-sign.s3-control", _drop_account_host)
                self.on_new_client(client)
                self._clients[key] = client
            return client

    def on_new_client(self, client: Any) -> None:
        """Called once for every new client (tests add handlers here)."""

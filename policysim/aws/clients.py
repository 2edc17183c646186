"""The one place boto3 clients are made: read-only by construction.

`ClientFactory.client` registers a botocore event handler on every client it makes that
refuses, before any parameter is built or any byte is sent, each operation whose name does not
start with Get, List or Describe (plus `EXTRA_READ_OPERATIONS`), and the few Get operations
that hand out secrets or credentials (`REFUSED_READ_OPERATIONS`). A test parses this package
to check that no write call is even written down.
"""

from __future__ import annotations

import os
import threading
from typing import Any

READ_PREFIXES = ("Get", "List", "Describe")
"""Operation names that only read."""

EXTRA_READ_OPERATIONS = frozenset({"HeadBucket"})
"""Read operations whose names do not start with a read prefix."""

REFUSED_READ_OPERATIONS = frozenset(
    {
        # Reads of secret material or credentials: policysim needs policies, never secrets.
        "GetSecretValue",
        "BatchGetSecretValue",
        "GetRandomPassword",
        "GetSessionToken",
        "GetFederationToken",
        "GetAuthorizationToken",
        "GetParameter",
        "GetParameters",
        "GetParametersByPath",
        "GetPasswordData",
        "GetObject",
        "GetParametersForImport",
        "GetLoginProfile",
    }
)
"""Operations that start with Get but return secrets or credentials: refused too."""


class ReadOnlyViolation(RuntimeError):  # noqa: N818  (the name says what happened)
    """An operation that is not a read was about to be called."""


def is_read_operation(name: str) -> bool:
    """True for an AWS operation name (`GetBucketPolicy`) that only reads and is allowed."""
    if name in REFUSED_READ_OPERATIONS:
        return False
    return name.startswith(READ_PREFIXES) or name in EXTRA_READ_OPERATIONS


def _refuse_writes(model: Any = None, **_: Any) -> None:
    name = getattr(model, "name", None)
    if not isinstance(name, str) or not is_read_operation(name):
        service = getattr(getattr(model, "service_model", None), "service_name", "?")
        raise ReadOnlyViolation(f"policysim fetch is read-only: refusing {service}:{name}")


def _drop_account_host(request: Any = None, **_: Any) -> None:
    """S3 Control puts the account id in the host name, which a local endpoint does not have."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(request.url)
    account, dot, rest = parts.netloc.partition(".")
    if dot and account.isdigit() and len(account) == 12:
        request.url = urlunsplit(parts._replace(netloc=rest))


def custom_endpoint(endpoint_url: str | None) -> str | None:
    """The endpoint in use instead of AWS's: the argument, else `AWS_ENDPOINT_URL`."""
    return endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


class ClientFactory:
    """boto3 clients for one session, each refusing non-read operations.

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
        max_attempts: int = 10,
        session: Any = None,
    ) -> None:
        import boto3

        self.session = session or boto3.session.Session(profile_name=profile)
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.default_region = region or self.session.region_name or "us-east-1"
        self.max_attempts = max_attempts
        self._clients: dict[tuple[str, str, int], Any] = {}
        self._lock = threading.Lock()

    def config(self, max_attempts: int | None = None) -> Any:
        from botocore.config import Config

        settings: dict[str, Any] = {
            "retries": {"mode": "adaptive", "max_attempts": max_attempts or self.max_attempts},
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
                client.meta.events.register_first("before-parameter-build", _refuse_writes)
                if service == "s3control" and custom_endpoint(self.endpoint_url):
                    client.meta.events.register("before-sign.s3-control", _drop_account_host)
                self.on_new_client(client)
                self._clients[key] = client
            return client

    def on_new_client(self, client: Any) -> None:
        """Called once for every new client (tests add handlers here)."""

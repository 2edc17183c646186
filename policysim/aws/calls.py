"""How `fetch` and `fetch --org` make their calls: every item of a paged list operation, a
bounded pool of calls side by side, the AWS error code of a failure, and the endpoint a snapshot
records. One implementation for both: an account's resources and an organization's tree are read
with the same bounded concurrency over clients that retry in botocore's adaptive mode
(`clients.ClientFactory`: a throttled client slows down instead of failing).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from policysim.aws.clients import ClientFactory, custom_endpoint, redact_url

T = TypeVar("T")
R = TypeVar("R")


class Progress:
    """Progress reports; this one ignores them (the CLI shows a rich bar on a terminal)."""

    def start(self, label: str, total: int) -> object:
        return label

    def advance(self, task: object) -> None:
        pass

    def finish(self, task: object) -> None:
        pass


def pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item under `key` across the pages of a list operation (`operation` in snake case,
    as the client's method is named; the read-only audit checks it at every call)."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key) or []


def bounded(items: Sequence[T], task: Callable[[T], R], workers: int) -> list[R]:
    """`task(item)` for every item, at most `workers` at a time; the results in the order of
    `items`. The first exception a task raises is raised here once the running tasks end; the
    tasks not yet started are not started."""
    if workers <= 1 or len(items) <= 1:
        return [task(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=workers)
    futures = [pool.submit(task, item) for item in items]
    try:
        return [future.result() for future in futures]
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


def error_code(err: BaseException) -> str | None:
    """The AWS error code of a botocore `ClientError`, else None."""
    response = getattr(err, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def endpoint_metadata(factory: ClientFactory) -> dict[str, str]:
    """`{"endpoint_url": ...}` for a snapshot's metadata when it came from elsewhere than AWS,
    without the URL's user name and password; `{}` for AWS itself."""
    url = custom_endpoint(factory.endpoint_url)
    return {"endpoint_url": redact_url(url)} if url else {}

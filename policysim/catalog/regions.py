"""AWS region codes, from the snapshot that `scripts/build_regions.py` copies out of botocore's
endpoint data (`policysim/data/regions.json`): the IAM catalog itself lists no regions.

`requested_region` says which region a request carries (`aws:RequestedRegion`). PS116 and the
`--region` option check codes against the snapshot, so a region launched after the snapshot is
the one false positive to expect; the snapshot's source line says which botocore release it
came from.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from policysim.policy.arn import parse_arn
from policysim.policy.wildcard import has_wildcard

_PACKAGE = "policysim.data"
_RESOURCE = "regions.json"


@cache
def _snapshot() -> tuple[str, frozenset[str]]:
    raw = json.loads(resources.files(_PACKAGE).joinpath(_RESOURCE).read_text(encoding="utf-8"))
    regions = frozenset(code for codes in raw["partitions"].values() for code in codes)
    return str(raw["source"]), regions


def known_regions() -> frozenset[str]:
    """Every region code of every partition in the snapshot."""
    return _snapshot()[1]


def regions_source() -> str:
    """Where the snapshot came from (`botocore 1.44.8 data/endpoints.json`)."""
    return _snapshot()[0]


def is_known_region(code: str) -> bool:
    """Whether `code` is a region of some partition (case-sensitive, as AWS writes them)."""
    return code in _snapshot()[1]


GLOBAL_SERVICES = frozenset({"iam", "organizations", "cloudfront", "route53", "sts", "waf"})
"""Services with one global endpoint in us-east-1: AWS authorizes their requests there."""

REGIONAL_ENDPOINT_SERVICES = frozenset({"sts"})
"""Global services that also answer at regional endpoints: the AWS CLI v2 and current SDKs
call STS in the configured region, so a named region is the one the request carries."""


def requested_region(service: str, resource: str, region: str | None) -> str | None:
    """The `aws:RequestedRegion` AWS would see for a request on `resource`.

    A regional ARN carries its own region, whatever region the caller names. A global
    service's requests go to us-east-1 (STS's to the named region when one is given). Any
    other request, on a region-less ARN (S3 buckets and objects) or `*`, is sent to the
    region the caller names; with none named, None: the key is absent.
    """
    arn = parse_arn(resource)
    if arn is not None and arn.region and not has_wildcard(arn.region) and "${" not in arn.region:
        return arn.region
    service = service.lower()
    if service in GLOBAL_SERVICES and not (region and service in REGIONAL_ENDPOINT_SERVICES):
        return "us-east-1"
    return region

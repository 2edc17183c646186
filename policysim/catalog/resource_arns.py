"""Which resource types a concrete ARN is, by the ARN formats of the Service Authorization
Reference (`arn:${Partition}:s3:::${BucketName}`, ...).

The reference lists each type's format under the service that defines the type, and the ARN's
own service segment is not always that prefix (`es` domains are `arn:...:es:...`, OpenSearch
applications `arn:...:opensearch:...`), so formats are indexed by the service segment they
write. A placeholder in the first five segments stands for one segment; in the resource part
it may hold `/` and `:` (S3 object keys, IAM paths and secret names do). When several formats
fit (`arn:aws:s3:::b/k` fits `${BucketName}` too), the ones with the most literal text in the
resource part win, so an object is an object and not a bucket named `b/k`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from policysim.catalog.catalog import get_catalog
from policysim.catalog.model import ResourceTypeInfo

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True, slots=True)
class _Format:
    info: ResourceTypeInfo
    template: str
    pattern: re.Pattern[str]
    specificity: int


def _segment_regex(text: str, placeholder: str) -> str:
    out: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(re.escape(text[last : match.start()]).replace(r"\*", "[^:]*"))
        out.append(placeholder)
        last = match.end()
    out.append(re.escape(text[last:]).replace(r"\*", "[^:]*"))
    return "".join(out)


def _compile(template: str) -> tuple[str, re.Pattern[str], int] | None:
    """(service segment, regex, literal length of the resource part), or None if malformed."""
    parts = template.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    head = ":".join(_segment_regex(p, "[^:]+") for p in parts[:5])
    tail = _segment_regex(parts[5], ".+")
    literal = len(_PLACEHOLDER.sub("", parts[5]))
    return parts[2], re.compile(f"{head}:{tail}", re.S), literal


@cache
def _formats() -> dict[str, tuple[_Format, ...]]:
    """Every resource type's ARN formats, by the service segment they write (lower-case)."""
    catalog = get_catalog()
    index: dict[str, list[_Format]] = {}
    for service in sorted(catalog.service_prefixes()):
        for info in catalog.resource_types(service):
            for template in info.arn_template.split(", "):
                compiled = _compile(template.strip())
                if compiled is None:
                    continue
                segment, pattern, literal = compiled
                index.setdefault(segment.lower(), []).append(
                    _Format(info, template.strip(), pattern, literal)
                )
    return {segment: tuple(found) for segment, found in index.items()}


def arn_services() -> frozenset[str]:
    """Every service segment some ARN format writes (`s3`, `es`, `opensearch`, ...)."""
    return frozenset(_formats())


def resource_types_of(arn: str) -> list[tuple[ResourceTypeInfo, str]]:
    """The resource types whose ARN format a concrete ARN fits, with the format it fits; when
    several fit, only the most specific ones (see the module docstring). Empty when none does.
    """
    parts = arn.split(":", 5)
    if len(parts) != 6:
        return []
    fitting = [f for f in _formats().get(parts[2].lower(), ()) if f.pattern.fullmatch(arn)]
    if not fitting:
        return []
    best = max(f.specificity for f in fitting)
    return [(f.info, f.template) for f in fitting if f.specificity == best]


def arn_formats(service: str) -> list[tuple[ResourceTypeInfo, str]]:
    """The resource types (and ARN formats) written with this service segment."""
    return [(f.info, f.template) for f in _formats().get(service.lower(), ())]

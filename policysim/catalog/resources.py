"""Which resource types a concrete ARN can be, and so which actions can act on it.

The catalog gives every resource type an ARN format with `${Placeholder}` parts
(`arn:${Partition}:s3:::${BucketName}/${ObjectName}`); an action lists the resource types it is
authorized against. A request ARN fits a format when the literal parts agree and each
placeholder takes some text. The difficulty is `/`: a bucket name never holds one, an object key,
an IAM path, a KMS alias or a log group name may. Nothing in a placeholder's name says which,
so the match runs in two tiers:

1. *strict*: a placeholder takes no `/`, except the last one of a format that ends in
   `/${Name}` (`.../${ObjectName}`, `user/${UserNameWithPath}`, `alias/${Alias}`), which may
   take the rest of the ARN. `arn:aws:s3:::b/dir/key` is then an object and not a bucket.
2. *loose*, only when no format of the candidates fits strictly: a placeholder takes anything
   (`log-group:/aws/lambda/fn` is a log group).

The candidates are the resource types of the action's service and of the ARN's service, so that
an ARN is compared with every format that could claim it. The answer errs towards "fits":
where formats overlap (a Lambda function and its alias, a table and its index) every overlapping
type counts, so a refusal means no format of the action can describe the ARN at all.

Matching reuses the policy layer's ARN glob for the five head segments and its glob
translation for the literal text of the resource segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policysim.catalog.catalog import get_catalog
from policysim.catalog.model import ActionInfo, ResourceTypeInfo
from policysim.policy.arn import compile_arn_glob, parse_arn
from policysim.policy.wildcard import Matcher

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_FORMAT_SEPARATOR = ", "


@dataclass(frozen=True, slots=True)
class ResourceFormat:
    """One ARN format of one resource type, compiled for both tiers."""

    service: str
    type_name: str
    text: str
    head: Matcher
    strict: re.Pattern[str]
    loose: re.Pattern[str]
    specificity: int
    """How much literal text the resource part holds: when several formats fit one ARN, the
    most literal ones describe it (`arn:aws:s3:::b/k` is an object before it is a bucket)."""

    def fits(self, arn: str, resource: str, *, strict: bool) -> bool:
        """Whether the ARN (and its resource segment, given split) fits this format."""
        pattern = self.strict if strict else self.loose
        return self.head(arn) and pattern.fullmatch(resource) is not None


def _literal_regex(literal: str) -> str:
    """A format's literal text as a regex fragment, its `*` a wildcard. Formats are the
    catalog's own (a handful of placeholders each), never user input: a regular expression is
    safe here, unlike for policy globs (see `policy.wildcard`)."""
    return ".*".join(re.escape(part) for part in literal.split("*"))


def _resource_regex(segment: str, *, strict: bool) -> re.Pattern[str]:
    """The resource segment of a format as a regular expression (a literal `*` in a format,
    as in `/backend/${AppId}/*`, is a wildcard there too)."""
    pieces = _PLACEHOLDER.split(segment)
    spans_last = segment.endswith("}") and len(pieces) > 1 and pieces[-2].endswith("/")
    out: list[str] = []
    for index, literal in enumerate(pieces):
        out.append(_literal_regex(literal))
        if index == len(pieces) - 1:
            break
        last = index == len(pieces) - 2
        out.append(".*" if not strict or (last and spans_last) else "[^/]*")
    return re.compile("".join(out), re.DOTALL)


@lru_cache(maxsize=8192)
def compile_format(service: str, type_name: str, text: str) -> ResourceFormat | None:
    """Compile one ARN format; None when it is not six-part (never seen in the catalog)."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    head_glob = ":".join(_PLACEHOLDER.sub("*", part) for part in parts[:5]) + ":*"
    return ResourceFormat(
        service,
        type_name,
        text,
        compile_arn_glob(head_glob),
        _resource_regex(parts[5], strict=True),
        _resource_regex(parts[5], strict=False),
        len(_PLACEHOLDER.sub("", parts[5])),
    )


def format_texts(info: ResourceTypeInfo) -> tuple[str, ...]:
    """The ARN formats of a resource type as the catalog writes them (a few types list two,
    comma-separated), the six-part ones `compile_format` accepts; nothing compiled."""
    texts = (text.strip() for text in info.arn_template.split(_FORMAT_SEPARATOR))
    return tuple(t for t in texts if t.startswith("arn:") and t.count(":") >= 5)


def type_formats(info: ResourceTypeInfo) -> tuple[ResourceFormat, ...]:
    """The compiled formats of a resource type."""
    found = (compile_format(info.service, info.key, text) for text in format_texts(info))
    return tuple(f for f in found if f is not None)


@dataclass(frozen=True, slots=True)
class ActionResources:
    """The resource types an action acts on, with their formats as the catalog writes them."""

    action: str
    types: tuple[tuple[str, tuple[str, ...]], ...]
    complete: bool
    """False when a listed type has no format in the catalog: then nothing can be refused."""

    @property
    def star_only(self) -> bool:
        """The action has no resource types: AWS authorizes it only against `*`."""
        return not self.types

    def describe(self) -> str:
        """`s3:ListBucket acts on accesspoint: arn:...; bucket: arn:${Partition}:s3:::${...}`."""
        if self.star_only:
            return f'{self.action} takes only "*" as its resource (it has no resource types)'
        listed = "; ".join(f"{name}: {' or '.join(formats)}" for name, formats in self.types)
        return f"{self.action} acts on {listed}"


def action_resources(info: ActionInfo) -> ActionResources:
    """The resource types of an action, each with its ARN formats."""
    return _action_resources(info.full_name)


@lru_cache(maxsize=32768)  # every catalog action fits: the prover asks about all of them
def _action_resources(action: str) -> ActionResources:
    catalog = get_catalog()
    info = catalog.action(action)
    assert info is not None, action
    types: list[tuple[str, tuple[str, ...]]] = []
    complete = True
    for listed in info.resource_types:
        declared = catalog.resource_type(info.service, listed.name)
        formats = format_texts(declared) if declared is not None else ()
        if not formats:
            complete = False
            continue
        types.append((listed.name, formats))
    return ActionResources(info.full_name, tuple(types), complete)


@lru_cache(maxsize=512)
def _service_formats(prefix: str) -> tuple[ResourceFormat, ...]:
    catalog = get_catalog()
    return tuple(f for info in catalog.resource_types(prefix) for f in type_formats(info))


def _candidates(info: ActionInfo, arn_service: str) -> tuple[ResourceFormat, ...]:
    """Every format that could claim an ARN of `arn_service` asked about with this action."""
    catalog = get_catalog()
    own = _service_formats(info.service)
    if arn_service.lower() == info.service or not catalog.has_service(arn_service):
        return own
    return own + _service_formats(arn_service.lower())


def fitting_types(info: ActionInfo, arn: str) -> frozenset[tuple[str, str]]:
    """The (service, resource type) pairs among the candidates that the ARN fits, by tiers."""
    return _fitting_types(info.full_name, arn)


@lru_cache(maxsize=65536)
def _fitting_types(action: str, arn: str) -> frozenset[tuple[str, str]]:
    info = get_catalog().action(action)
    parsed = parse_arn(arn)
    if info is None or parsed is None:
        return frozenset()
    candidates = _candidates(info, parsed.service)
    for strict in (True, False):
        found = frozenset(
            (f.service, f.type_name.lower())
            for f in candidates
            if f.fits(arn, parsed.resource, strict=strict)
        )
        if found:
            return found
    return frozenset()


def acts_on(info: ActionInfo, resource: str) -> bool:
    """Whether AWS could ever be asked to authorize `info` against `resource`.

    `*` always can. An action without resource types takes only `*`. Otherwise the ARN must fit
    one of the action's own resource types (see the module docstring for how). An action whose
    listed types lack a format in the catalog is given the benefit of the doubt.
    """
    if resource == "*":
        return True
    listed = action_resources(info)
    if listed.star_only:
        return False
    if not listed.complete:
        return True
    own = {(info.service, name.lower()) for name, _ in listed.types}
    return bool(own & fitting_types(info, resource))


def resource_mismatch(info: ActionInfo, resource: str) -> str | None:
    """One line saying why `info` cannot act on `resource`, naming what the catalog expects;
    None when it can."""
    if acts_on(info, resource):
        return None
    listed = action_resources(info)
    if listed.star_only:
        return f"{listed.describe()}, not {resource}"
    return f"{info.full_name} does not act on {resource}; {listed.describe()}"


# ---- from an ARN to its resource types ---------------------------------------------------------


@lru_cache(maxsize=1)
def _formats_by_segment() -> dict[str, tuple[ResourceFormat, ...]]:
    """Every format, by the service segment its ARNs write (lower-case). That segment is not
    always the defining service's prefix: OpenSearch domains are `arn:...:es:...`."""
    catalog = get_catalog()
    index: dict[str, list[ResourceFormat]] = {}
    for prefix in sorted(catalog.service_prefixes()):
        for found in _service_formats(prefix):
            index.setdefault(found.text.split(":", 3)[2].lower(), []).append(found)
    return {segment: tuple(found) for segment, found in index.items()}


def arn_services() -> frozenset[str]:
    """Every service segment some ARN format writes (`s3`, `es`, `opensearch`, ...)."""
    return frozenset(_formats_by_segment())


def formats_written_with(service: str) -> tuple[ResourceFormat, ...]:
    """The formats whose ARNs carry this service segment."""
    return _formats_by_segment().get(service.lower(), ())


def resource_types_of(arn: str) -> tuple[ResourceFormat, ...]:
    """The formats a concrete ARN fits, by the same two tiers as `fitting_types`; within the
    tier that fits, only the most literal formats. Empty when none fits."""
    parsed = parse_arn(arn)
    if parsed is None:
        return ()
    candidates = formats_written_with(parsed.service)
    for strict in (True, False):
        fitting = [f for f in candidates if f.fits(arn, parsed.resource, strict=strict)]
        if fitting:
            best = max(f.specificity for f in fitting)
            return tuple(f for f in fitting if f.specificity == best)
    return ()

"""PS1xx: catalog errors (unknown actions, condition keys, resource types, regions).

Every check here asks the shared catalog (`policysim.catalog.get_catalog()`), which reads one
service file at a time and caches it; nothing expands the bare `*` action. Prefixes that are not
AWS services (`saml:`, OIDC providers such as `token.actions.githubusercontent.com:`) are never
reported as unknown: the catalog does not describe them.

The small located-element helpers at the top are shared with the PS2xx rules (`security.py`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from itertools import chain
from operator import attrgetter

from policysim.catalog import ActionInfo, get_catalog
from policysim.catalog.keys import is_template, template_regex
from policysim.catalog.regions import is_known_region, regions_source
from policysim.lint.context import (
    ActionPatterns,
    Issue,
    LintContext,
    StatementView,
    action_patterns,
    grants_action,
    scalar_text,
)
from policysim.lint.facts import action_facts, expand_action, flagged_actions
from policysim.lint.finding import Severity
from policysim.lint.glob_overlap import Token, glob_tokens, globs_intersect
from policysim.lint.policy_type import IDENTITY_LIKE, PolicyKind
from policysim.lint.registry import example_policy as doc
from policysim.lint.registry import rule
from policysim.policy.arn import compile_arn_glob, is_account_id, parse_arn
from policysim.policy.literals import literal_error
from policysim.policy.model import Statement
from policysim.policy.operators import Family, Operator, Qualifier
from policysim.policy.source import Node
from policysim.policy.wildcard import has_wildcard, literal_prefix

V = "2012-10-17"


# --- located elements ------------------------------------------------------------------------


class Value:
    """One string of an Action/Resource/Principal element, with where it is written.

    The JSON pointer is put together only when asked for (a finding): rules walk every
    Action and Resource entry of a corpus (60,878 actions in 1,643 managed policies), and
    formatting a pointer for each cost more than the rest of building the value."""

    __slots__ = ("_index", "_pointer", "node", "text")

    def __init__(self, text: str, node: Node, pointer: str, index: int | None = None) -> None:
        self.text = text
        self.node = node
        self._pointer = pointer
        """The pointer, or with `_index` the pointer of the array holding the value."""
        self._index = index

    @property
    def pointer(self) -> str:
        """Where the value is written (`/Statement/0/Action/3`)."""
        if self._index is None:
            return self._pointer
        return f"{self._pointer}/{self._index}"

    def __eq__(self, other: object) -> bool:
        return type(other) is Value and (self.text, self.node, self.pointer) == (
            other.text,
            other.node,
            other.pointer,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Value(text={self.text!r}, node={self.node!r}, pointer={self.pointer!r})"


_NO_VALUES: list[Value] = []
"""`element_values` of an absent element (shared: callers must not change it)."""
_VALUES_MEMO = {
    key: ("element-values", key)
    for key in ("Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal")
}
"""The statement-memo keys of `element_values`, made once rather than per call."""


def element_values(view: StatementView, key: str) -> list[Value]:
    """The strings of a statement element written as a string or an array of strings (built
    once per statement and element; callers must not change the list)."""
    node = view.items.get(key)
    if node is None:
        return _NO_VALUES  # NotAction, NotResource, often Resource: nothing to remember
    memo_key = _VALUES_MEMO.get(key) or ("element-values", key)
    found: list[Value] | None = view.memo.get(memo_key)
    if found is not None:
        return found
    base = f"{view.pointer}/{key}"
    if node.kind == "string":
        found = [Value(node.value, node, base)]
    elif node.kind == "array":
        found = [
            Value(child.value, child, base, i)
            for i, child in enumerate(node.value)
            if child.kind == "string"
        ]
    else:
        found = []
    view.memo[memo_key] = found
    return found


def model_value(view: StatementView, key: str, index: int) -> Value:
    """The located value of entry `index` of a list element of the statement's model
    (`model.action[index]` for `Action`). A model holds the element's strings as written,
    in order (it exists only when each entry is a string), so a rule can walk the model's
    tuple and locate only the entries it reports: `element_values` builds a `Value` for
    every entry."""
    return element_values(view, key)[index]


def principal_values(view: StatementView, kind: str) -> list[Value]:
    """Values of one principal type (`AWS`, `Service`, ...) of Principal and NotPrincipal,
    numbers included (as their text)."""
    out: list[Value] = []
    for element in ("Principal", "NotPrincipal"):
        node = view.items.get(element)
        if node is None or node.kind != "object" or kind not in node.value:
            continue
        child = node.value[kind]
        base = f"{view.pointer}/{element}/{kind}"
        nodes = (
            [(base, child)]
            if child.kind != "array"
            else [(f"{base}/{i}", c) for i, c in enumerate(child.value)]
        )
        out += [Value(_scalar_text(n), n, p) for p, n in nodes if n.kind in _SCALARS]
    return out


_SCALARS = frozenset({"string", "number", "bool"})


def _scalar_text(node: Node) -> str:
    """`scalar_text` of a node known to be a scalar (callers filter on `_SCALARS`)."""
    text = scalar_text(node)
    assert text is not None, node.kind
    return text


@dataclass(slots=True)
class Cond:
    """One `operator: {key: values}` entry of a statement's Condition element."""

    view: StatementView
    op_name: str
    op: Operator
    key: str
    key_node: Node
    op_node: Node
    pointer: str
    values: list[Value]
    lower: str = field(init=False)
    """The key, lower-cased (keys are case-insensitive): worked out once, since some thirty
    rules compare it."""

    def __post_init__(self) -> None:
        self.lower = self.key.lower()

    @property
    def texts(self) -> list[str]:
        """The values as text."""
        return [v.text for v in self.values]

    @property
    def positive(self) -> bool:
        """A plain positive test: not negated, no IfExists, not Null."""
        return not (self.op.negated or self.op.if_exists or self.op.family is Family.NULL)

    def issue(
        self, message: str, *, severity: Severity | None = None, hint: str | None = None
    ) -> Issue:
        """An issue located at the condition key."""
        position = self.op_node.key_positions.get(self.key, self.key_node.position)
        return Issue(message, position, self.pointer, self.view.index, hint, severity)


def conditions(view: StatementView) -> list[Cond]:
    """Every well-formed condition entry of a statement (unknown operators are PS021's); built
    once per statement, callers must not change the list."""
    if "Condition" not in view.items:
        return _NO_CONDS  # most statements: nothing to walk or remember
    found: list[Cond] | None = view.memo.get("conditions")
    if found is None:
        found = _walk_conditions(view)
        view.memo["conditions"] = found
    return found


_NO_CONDS: list[Cond] = []
"""`conditions` of a statement without a Condition element (shared: callers must not change
it)."""


def document_conditions(ctx: LintContext) -> list[Cond]:
    """`conditions` of every statement, in statement order (built once per document; callers
    must not change the list). Rules that only look at condition entries loop over this
    instead of asking each statement: most statements have no Condition, and a document's
    list is usually empty."""
    found: list[Cond] | None = ctx.memo.get("document-conditions")
    if found is None:
        found = [cond for view in ctx.statements for cond in conditions(view)]
        ctx.memo["document-conditions"] = found
    return found


def _walk_conditions(view: StatementView) -> list[Cond]:
    found: list[Cond] = []
    for entry in view.conditions():
        if entry.op is None:
            continue
        key_node = entry.node
        if key_node.kind == "array":
            values = [
                Value(_scalar_text(c), c, entry.pointer, i)
                for i, c in enumerate(key_node.value)
                if c.kind in _SCALARS
            ]
        elif key_node.kind in _SCALARS:
            values = [Value(_scalar_text(key_node), key_node, entry.pointer)]
        else:
            continue
        found.append(
            Cond(
                view,
                entry.operator,
                entry.op,
                entry.key,
                key_node,
                entry.block,
                entry.pointer,
                values,
            )
        )
    return found


def at_value(
    ctx: LintContext,
    view: StatementView,
    value: Value,
    message: str,
    *,
    hint: str | None = None,
    severity: Severity | None = None,
) -> Issue:
    """An issue located at one value of an element."""
    return ctx.at_node(
        value.node,
        message,
        pointer=value.pointer,
        statement=view.index,
        hint=hint,
        severity=severity,
    )


def known_action(name: str) -> ActionInfo | None:
    """The catalog entry of an exact (wildcard-free) action name (from the shared facts)."""
    return action_facts(name).info


@lru_cache(maxsize=4096)
def statement_actions(patterns: tuple[str, ...]) -> tuple[tuple[ActionInfo, ...], bool]:
    """The catalog actions some patterns name (bare `*` is not expanded) and whether every
    pattern could be resolved (False when `*` or an unknown name was among them).

    Cached: PS105, PS122, PS204, PS223 and others ask it of the same statement. An exact
    name is answered from the facts every linted entry already has (`known_action`: the
    same case-insensitive lookup `Catalog.expand` makes for it) rather than by expanding it
    again, and a lone pattern's expansion needs no de-duplication: together 2.5 times
    faster over the 4,679 distinct Action lists of the managed policies."""
    found: list[ActionInfo] = []
    complete = True
    for pattern in patterns:
        if "*" in pattern or "?" in pattern:  # `has_wildcard`, inline: the loop is hot
            if pattern == "*":
                complete = False  # never expanded
                continue
            expansion = expand_action(pattern)
            if not expansion:
                complete = False
            elif len(patterns) == 1:
                return expansion, True  # distinct records already
            found += expansion
        else:
            info = known_action(pattern)
            if info is None:
                complete = False
            else:
                found.append(info)
    return tuple(dict.fromkeys(found)), complete


def supported_keys(info: ActionInfo) -> frozenset[str]:
    """Declared (lower-case, possibly templated) condition keys an action can be checked with:
    its own keys plus those of every resource type it accepts (cached per action)."""
    return _supported_keys(info)


@lru_cache(maxsize=65536)
def _supported_keys(action: ActionInfo) -> frozenset[str]:
    """`supported_keys`, remembered per record (hashed by identity: no name to format for
    each of the thousands of actions a statement's patterns expand to). The answer is that
    of the process catalog's record of the same name: the record itself when it is that
    record (every record the linter meets), told by one dictionary lookup rather than by
    formatting its name and looking that up."""
    catalog = get_catalog()
    info = action if catalog.is_own(action) else catalog.action(action.full_name)
    if info is None:
        return frozenset()
    types = info.resource_types
    if not types:
        return frozenset(map(str.lower, info.condition_keys))
    keys = set(info.condition_keys)
    for art in types:
        keys.update(art.condition_keys)
    found = set(map(str.lower, keys))  # each distinct key lower-cased once
    for art in types:
        found |= _declared_type_keys(info.service, art.name)
    return frozenset(found)


@lru_cache(maxsize=16384)
def _declared_type_keys(service: str, name: str) -> frozenset[str]:
    """The lower-cased condition keys the catalog declares for a resource type of a service
    (none when it does not describe the type): shared by every action that accepts it."""
    declared = get_catalog().resource_type(service, name)
    return frozenset(map(str.lower, declared.condition_keys)) if declared else frozenset()


def declared_key(name: str) -> str | None:
    """The declared (template) name of a condition key, lower-case, or None when unknown."""
    info = get_catalog().condition_key(name)
    return info.name.lower() if info is not None else None


def _key_prefix(name: str) -> str:
    return name.partition(":")[0].lower()


def is_service_key(name: str) -> bool:
    """A key whose prefix is an AWS service (not `aws:`, `saml:`, an OIDC host, ...)."""
    prefix = _key_prefix(name)
    return prefix != "aws" and get_catalog().has_service(prefix)


def _names_service(view: StatementView, prefix: str) -> bool:
    """Whether the statement's actions use the prefix: then an unknown one is PS101's."""
    return any(_key_prefix(value.text) == prefix for value in _action_entries(view))


@lru_cache(maxsize=4096)
def _unknown_key_prefix(prefix: str) -> str | None:
    """None when a condition key prefix may be legitimate (`aws`, a service, an issuer the
    catalog declares keys for, anything with a dot or slash: an identity provider's URL);
    else a hint naming close service prefixes ('' when none is close)."""
    if prefix == "aws" or "." in prefix or "/" in prefix:
        return None
    catalog = get_catalog()
    if prefix in catalog.condition_key_prefixes:
        return None
    if catalog.has_service(prefix):
        return None
    close = catalog.suggest_services(prefix)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _catalog_is_fresh(days: int = 180) -> bool:
    """An unknown action is an error only while the catalog snapshot is recent."""
    try:
        return datetime.now(UTC) - get_catalog().data_updated < timedelta(days=days)
    except Exception:  # pragma: no cover - metadata missing
        return True


# --- PS101 / PS102: actions ------------------------------------------------------------------


def _action_entries(view: StatementView) -> list[Value]:
    found: list[Value] | None = view.memo.get("action-entries")
    if found is None:
        found = element_values(view, "Action") + element_values(view, "NotAction")
        view.memo["action-entries"] = found
    return found


@rule(
    "PS101",
    Severity.ERROR,
    "Service prefix does not exist",
    example=doc({"Effect": "Allow", "Action": "s4:GetObject", "Resource": "*"}),
    near_miss=doc({"Effect": "Allow", "Action": "S3:GetObject", "Resource": "*"}),
)
def unknown_service(ctx: LintContext) -> Iterator[Issue]:
    """An Action/NotAction prefix that names no AWS service (case-insensitive); malformed
    entries are PS027's."""
    catalog = get_catalog()
    for entry in flagged_actions(ctx).unknown_service:
        prefix = entry.facts.prefix
        assert prefix is not None
        close = catalog.suggest_services(prefix)
        yield ctx.at_node(
            entry.node,
            f"unknown service prefix {prefix!r} in {entry.text!r}",
            pointer=entry.pointer,
            statement=entry.view.index,
            hint=f"did you mean {', '.join(close)}?" if close else None,
        )


@rule(
    "PS102",
    Severity.ERROR,
    "Action name does not exist, or a wildcard pattern matches no action",
    example=doc({"Effect": "Allow", "Action": "iam:PassRoles", "Resource": "*"}),
    near_miss=doc({"Effect": "Allow", "Action": ["s3:Get*", "iam:passrole"], "Resource": "*"}),
)
def unknown_action(ctx: LintContext) -> Iterator[Issue]:
    """Only for known service prefixes (PS101 covers the rest). An error while the catalog
    snapshot is recent, a warning once it is stale (the action may simply be newer)."""
    unmatched = flagged_actions(ctx).unmatched
    if not unmatched:
        return  # nearly every document: no need to ask the clock
    catalog = get_catalog()
    severity = None if _catalog_is_fresh() else Severity.WARNING
    for entry in unmatched:
        text = entry.text
        what = "matches no action" if has_wildcard(text) else "is not an action"
        close = [] if has_wildcard(text) else catalog.suggest_actions(text)
        yield ctx.at_node(
            entry.node,
            f"{text!r} {what} of service {entry.facts.prefix!r} (catalog {catalog.data_version})",
            pointer=entry.pointer,
            statement=entry.view.index,
            hint=f"did you mean {', '.join(close)}?" if close else None,
            severity=severity,
        )


# --- PS103 / PS104 / PS107: condition keys ---------------------------------------------------

DEPRECATED_GLOBAL_KEYS: dict[str, tuple[Severity, str]] = {
    "aws:arn": (Severity.ERROR, "aws:PrincipalArn (the caller) or aws:SourceArn (the source)"),
}
"""Global keys AWS no longer supports or deprecates -> (severity, replacement)."""

_KEY_SHAPE = re.compile(r"^[^:\s]+:\S+$")


@rule(
    "PS103",
    Severity.ERROR,
    "Unknown aws: global condition key",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceOrg": "o-abc1234567"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:sourceorgid": "o-abc1234567"}},
        }
    ),
)
def unknown_global_key(ctx: LintContext) -> Iterator[Issue]:
    """Global keys are case-insensitive; templated ones (`aws:RequestTag/k`) resolve."""
    for cond in document_conditions(ctx):
        if _unknown_global_key(cond.key):
            yield cond.issue(f"unknown global condition key {cond.key!r}")


@lru_cache(maxsize=65536)
def _unknown_global_key(key: str) -> bool:
    """Whether PS103 reports a key: it depends on the key alone, and the same keys recur in
    condition after condition (one memo hit instead of a prefix, a pattern and a catalog
    lookup each time)."""
    if _key_prefix(key) != "aws" or not _KEY_SHAPE.match(key):
        return False
    if key.lower() in DEPRECATED_GLOBAL_KEYS or get_catalog().global_condition_key(key):
        return False
    return not key.endswith("/")  # tag key family without a key: PS022


@rule(
    "PS104",
    Severity.ERROR,
    "Unknown service condition key",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"StringEquals": {"ec2:InstanceTypes": "t3.micro"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "ec2:InstanceType": "t3.micro",
                    "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main",
                }
            },
        }
    ),
)
def unknown_service_key(ctx: LintContext) -> Iterator[Issue]:
    """Keys whose prefix is a known AWS service but that the service does not declare, and
    keys whose prefix is neither a service nor any issuer's (`lamda:FunctionArn`). `saml:`,
    OIDC provider hosts (`token.actions.githubusercontent.com:sub`, `oidc.eks...:sub`: a
    provider's prefix has a dot) and other issuers' keys are never reported, nor is a prefix
    that the statement's actions also use (PS101 reports an unknown service once)."""
    for cond in document_conditions(ctx):
        verdict = _service_key_problem(cond.key)
        if verdict is None:
            continue
        unknown_prefix, hint = verdict
        if unknown_prefix:
            if not _names_service(cond.view, _key_prefix(cond.key)):
                yield cond.issue(
                    f"unknown service prefix {_key_prefix(cond.key)!r} in condition key"
                    f" {cond.key!r}: the key is never present",
                    hint=hint or None,
                )
            continue
        yield cond.issue(
            f"unknown condition key {cond.key!r} for service {_key_prefix(cond.key)!r}"
        )


@lru_cache(maxsize=65536)
def _service_key_problem(key: str) -> tuple[bool, str] | None:
    """PS104's verdict on a key alone (the same keys recur in condition after condition):
    None when it is fine; (True, hint) when its prefix is neither a service nor an issuer
    (reported unless the statement's actions use the prefix: PS101's then); (False, '')
    when its service does not declare it."""
    if not _KEY_SHAPE.match(key):
        return None
    if not is_service_key(key):
        problem = _unknown_key_prefix(_key_prefix(key))
        return None if problem is None else (True, problem)
    return (False, "") if declared_key(key) is None else None


@rule(
    "PS107",
    Severity.ERROR,
    "Unsupported or deprecated global condition key",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:ARN": "arn:aws:iam::123456789012:role/x"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/x"}},
        }
    ),
)
def deprecated_global_key(ctx: LintContext) -> Iterator[Issue]:
    """`aws:ARN` is not in the request context; the intended key is almost always
    `aws:PrincipalArn` or `aws:SourceArn`."""
    for cond in document_conditions(ctx):
        entry = DEPRECATED_GLOBAL_KEYS.get(cond.lower)
        if entry is not None:
            severity, replacement = entry
            yield cond.issue(
                f"{cond.key!r} is not a supported global condition key",
                severity=severity,
                hint=f"use {replacement}",
            )


# --- PS105 / PS122 / PS219: keys the actions do not support ---------------------------------


CONTEXT_KEYS = frozenset(
    {
        "ec2:sourceinstancearn",
        "ec2:sourceinstanceprivateipv4",
        "ec2:roledelivery",
        "lambda:sourcefunctionarn",
        "glue:roleassumedby",
        "glue:credentialissuingservice",
    }
)
"""Service keys attached to the caller's credentials, present whatever the action."""


def _supports(supported: frozenset[str], key: str, declared: str) -> bool:
    """Whether a key (whose declaration is `declared`) is among the supported ones: by name,
    by declaration, by one of their templates, or, when the declaration has a slash, by
    what comes before a supported key's last slash (`secretsmanager:ResourceTag/tag-key`
    style placeholders)."""
    lower = key.lower()
    if lower in supported or declared in supported:
        return True
    regexes, heads = _support_tests(supported)
    if any(regex.fullmatch(key) for regex in regexes):
        return True
    return "/" in declared and lower.startswith(heads)


@lru_cache(maxsize=4096)
def _support_tests(
    supported: frozenset[str],
) -> tuple[tuple[re.Pattern[str], ...], tuple[str, ...]]:
    """The regexes of the templated keys among `supported` and the text up to and with the
    last slash of each key with one: `_supports` used to work them out name by name for each
    of the 6,000 (action, key) pairs a corpus asks about, though actions share key sets."""
    regexes = tuple(template_regex(name) for name in sorted(supported) if is_template(name))
    heads = {name.rpartition("/")[0] + "/" for name in supported if "/" in name}
    return regexes, tuple(sorted(heads))


@cache
def _service_supported_keys(service: str) -> frozenset[str]:
    """Every key some action (or resource type) of a service lists: the union of
    `supported_keys` over its actions, gathered in one pass (each resource type's declared
    keys once, not once per action that accepts it: EC2 has some 700 actions). The records'
    keys are gathered in C (`chain`, `attrgetter`), each of a service's shared resource-type
    records once (by identity), and each distinct key is lower-cased once."""
    infos = get_catalog().actions(service)
    arts = list(chain.from_iterable(map(_RESOURCE_TYPES_OF, infos)))
    # A service's equal resource-type records are one shared record: gathered by identity.
    distinct = dict(zip(map(id, arts), arts, strict=True)).values()
    keys = set(chain.from_iterable(map(_CONDITION_KEYS_OF, infos)))
    keys.update(chain.from_iterable(map(_CONDITION_KEYS_OF, distinct)))
    out = set(map(str.lower, keys))
    for name in set(map(_NAME_OF, distinct)):
        out |= _declared_type_keys(service, name)
    return frozenset(out)


_RESOURCE_TYPES_OF = attrgetter("resource_types")
_CONDITION_KEYS_OF = attrgetter("condition_keys")
_NAME_OF = attrgetter("name")


def unsupported_for(cond: Cond, actions: Sequence[ActionInfo]) -> list[ActionInfo]:
    """The actions for which the condition key is never in the request context.

    A service key that no action of its service lists (`aws-marketplace:ProductId`,
    `a4b:amazonId`) is a gap in the reference's action-to-key mapping, not proof that the key
    is absent: it is not judged.
    """
    if cond.lower in CONTEXT_KEYS:
        return []
    declared = declared_key(cond.key)
    if declared is None:
        return []
    prefix = _key_prefix(cond.key)
    if prefix != "aws" and not _supports(_service_supported_keys(prefix), cond.key, declared):
        return []
    return [info for info in actions if not _action_supports(info, cond.key, declared)]


@lru_cache(maxsize=65536)
def _action_supports(action: ActionInfo, key: str, declared: str) -> bool:
    """Whether the action supports the key, remembered per record (by identity) and key."""
    return _supports(_supported_keys(action), key, declared)


def listed(names: Sequence[str], limit: int = 4) -> str:
    """`a, b, c, d and 3 more`: the first few of a long list of names, for messages."""
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def action_names(actions: Sequence[ActionInfo], limit: int = 4) -> str:
    """`listed` for catalog actions (only the names shown are formatted: a statement may
    grant thousands)."""
    more = len(actions) - limit
    return ", ".join([a.full_name for a in actions[:limit]]) + (
        f" and {more} more" if more > 0 else ""
    )


@rule(
    "PS105",
    Severity.ERROR,
    "Service condition key that the statement's actions do not support",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringLike": {"s3:prefix": "home/*"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::b",
            "Condition": {"StringLike": {"s3:prefix": "home/*"}},
        }
    ),
)
def key_unsupported_by_actions(ctx: LintContext) -> Iterator[Issue]:
    """The key is absent for those actions, so an Allow never matches them and a Deny never
    fires. Error when no action supports the key, warning when only some do. Skipped for
    `...IfExists` and `Null` (deliberate), `NotAction`, and statements whose actions cannot be
    fully resolved (bare `*`, unknown names). In a role trust policy, session-tag keys
    (`aws:RequestTag/...`, `aws:TagKeys`, `sts:TransitiveTagKeys`) are present only when the
    caller passes session tags, which needs `sts:TagSession`: a positive test of one in an
    Allow of a trust policy that allows no `sts:TagSession` never matches."""
    if ctx.kind is PolicyKind.TRUST:
        yield from _session_tags_without_tag_session(ctx)
    for view, model in ctx.valid_statements():
        if model.action is None or not model.condition:
            continue
        actions, complete = statement_actions(model.action)
        if not complete or not actions:
            continue
        for cond in conditions(view):
            if cond.op.if_exists or cond.op.family is Family.NULL or not is_service_key(cond.key):
                continue
            missing = unsupported_for(cond, actions)
            if not missing:
                continue
            if len(missing) == len(actions):
                yield cond.issue(
                    f"no action of the statement supports {cond.key!r}: it is never present,"
                    f" so the statement {'never matches' if model.is_allow else 'never fires'}"
                )
            else:
                yield cond.issue(
                    f"{cond.key!r} is not supported by {action_names(missing)}: the statement"
                    f" {'never allows' if model.is_allow else 'never denies'} those",
                    severity=Severity.WARNING,
                )


_SESSION_TAG_KEY = re.compile(
    r"^(aws:requesttag/.+|aws:tagkeys|sts:transitivetagkeys)$", re.IGNORECASE
)


def _session_tags_without_tag_session(ctx: LintContext) -> Iterator[Issue]:
    statements = ctx.valid_statements()
    if any(m.is_allow and grants_action(m, "sts:TagSession") for _, m in statements):
        return
    for view, model in statements:
        if not model.is_allow or not model.condition:
            continue
        for cond in conditions(view):
            if not cond.positive or cond.op.qualifier is Qualifier.FOR_ALL_VALUES:
                continue
            if _SESSION_TAG_KEY.match(cond.key):
                yield cond.issue(
                    f"{cond.key!r} is present only when session tags are passed, which needs"
                    " sts:TagSession: no statement of this trust policy allows it, so the"
                    " statement never matches",
                    hint="add sts:TagSession to the trust statement's actions",
                )


TAG_KEY = re.compile(r"^aws:(resourcetag/.+|requesttag/.+|tagkeys)$", re.IGNORECASE)


def tag_key_gaps(ctx: LintContext, *, allow: bool) -> Iterator[tuple[Cond, list[ActionInfo]]]:
    """Positive tag-key conditions of Allow (or Deny) statements that some actions ignore;
    with NotAction, the actions are every catalog action it leaves."""
    for view, model in ctx.valid_statements():
        if model.is_allow != allow or not model.condition:
            continue
        tag_conds = [c for c in conditions(view) if TAG_KEY.match(c.key) and c.positive]
        if not tag_conds:
            continue
        if model.action is not None:
            actions, _ = statement_actions(model.action)
        else:
            actions = not_action_complement(model.not_action or ())
        for cond in tag_conds:
            missing = unsupported_for(cond, actions)
            if missing:
                yield cond, missing


@lru_cache(maxsize=64)
def not_action_complement(patterns: tuple[str, ...]) -> tuple[ActionInfo, ...]:
    """The catalog actions a NotAction list leaves (every action it does not match)."""
    excluded = action_patterns(patterns)
    return tuple(a for a in get_catalog().all_actions() if not excluded.matches(a.full_name))


def left_by_not_action(cond: Cond) -> str:
    """` (of the actions NotAction leaves)` for a NotAction statement's finding, else ''."""
    model = cond.view.model
    return " (of the actions NotAction leaves)" if model and model.not_action is not None else ""


@rule(
    "PS122",
    Severity.WARNING,
    "Allow scoped by a tag key that some listed actions do not support",
    example=doc(
        {
            "Effect": "Allow",
            "Action": ["ec2:StartInstances", "s3:ListAllMyBuckets"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:StartInstances",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceTag/team": "a"}},
        },
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"},
    ),
)
def allow_unsupported_tag_key(ctx: LintContext) -> Iterator[Issue]:
    """Those actions never carry the tag key, so the Allow silently never grants them. With
    NotAction, every action it leaves counts."""
    for cond, missing in tag_key_gaps(ctx, allow=True):
        yield cond.issue(
            f"{cond.key!r} is never present for {action_names(missing)}{left_by_not_action(cond)}:"
            " this Allow never grants them; move them to a statement without the tag condition"
        )


# --- PS106: a resource's own key in its own policy -------------------------------------------

IRRELEVANT_KEYS: dict[str, frozenset[str]] = {
    "s3": frozenset({"s3:resourceaccount"}),
}
"""Resource-policy service -> keys that describe the resource itself (constant there)."""


def resource_policy_service(ctx: LintContext) -> str | None:
    """The service of a resource policy: given, else the one service its Resource ARNs name."""
    if ctx.service:
        return ctx.service.lower()
    services: set[str] = set()
    for _view, model in ctx.valid_statements():
        for resource in model.resource or ():
            arn = parse_arn(resource)
            if arn is not None and arn.service and not has_wildcard(arn.service):
                services.add(arn.service.lower())
    return services.pop() if len(services) == 1 else None


@rule(
    "PS106",
    Severity.SUGGESTION,
    "Condition key describing the resource used in that resource's own policy",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"s3:ResourceAccount": "123456789012"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"s3:prefix": "home/"}},
        }
    ),
    kinds=[PolicyKind.RESOURCE],
    example_kind=PolicyKind.RESOURCE,
)
def irrelevant_key(ctx: LintContext) -> Iterator[Issue]:
    """In a bucket policy `s3:ResourceAccount` is the bucket owner: a constant."""
    keys = IRRELEVANT_KEYS.get(resource_policy_service(ctx) or "")
    if not keys:
        return
    for cond in document_conditions(ctx):
        if cond.lower in keys:
            yield cond.issue(
                f"{cond.key!r} describes the resource this policy is attached to; it is"
                " constant here"
            )


# --- PS108 / PS109: operator and value types -------------------------------------------------

_FAMILIES_FOR_TYPE: dict[str, frozenset[Family]] = {
    "string": frozenset({Family.STRING}),
    "arn": frozenset({Family.ARN, Family.STRING}),
    "numeric": frozenset({Family.NUMERIC}),
    "long": frozenset({Family.NUMERIC}),
    "date": frozenset({Family.DATE}),
    "bool": frozenset({Family.BOOL}),
    "boolean": frozenset({Family.BOOL}),
    "ipaddress": frozenset({Family.IP}),
    "binary": frozenset({Family.BINARY}),
}
_NUMERIC_DATES = frozenset({"aws:epochtime"})


@rule(
    "PS108",
    Severity.WARNING,
    "Operator family does not fit the condition key's type",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"NumericEquals": {"aws:SourceVpc": "1"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "sns:Publish",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:t"}},
        }
    ),
)
def operator_type_mismatch(ctx: LintContext) -> Iterator[Issue]:
    """`Numeric*` on a string key, `Date*` on a non-date key, `IpAddress` on a non-IP key and so
    on never match as intended. Keys the catalog does not know and `Null` are not checked.
    `String*` on an ARN key works and is not reported here: PS513 suggests the `Arn*` operator
    (this rule reported it too, as a suggestion, before PS513 took it over)."""
    catalog = get_catalog()
    for cond in document_conditions(ctx):
        if cond.op.family is Family.NULL:
            continue
        info = catalog.condition_key(cond.key)
        if info is None:
            continue
        base = info.type.removeprefix("ArrayOf").lower()
        allowed = _FAMILIES_FOR_TYPE.get(base)
        if allowed is None:
            continue
        if cond.lower in _NUMERIC_DATES and cond.op.family is Family.NUMERIC:
            continue
        if cond.op.family in allowed:
            continue  # String* on an ARN key works: PS513 suggests the Arn operator
        if base == "string" and cond.op.family is Family.ARN:
            continue  # Arn operators on string-typed ARN-valued keys still compare text
        yield cond.issue(
            f"{cond.op_name} compares {cond.op.family.value} values but {cond.key!r} is {info.type}"
        )


@rule(
    "PS109",
    Severity.ERROR,
    "Condition value cannot be parsed for the operator",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "next week"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2026-12-31T23:59:59Z"}},
        }
    ),
)
def unparseable_value(ctx: LintContext) -> Iterator[Issue]:
    """`Bool` with `yes`, `Numeric*` with `ten`, `IpAddress` with `10.0.0`, `Date*` with
    `tomorrow`: the comparison can never succeed. Values with `${...}` variables are left.
    Epoch seconds (`"1893456000"`) in a `Date*` condition are accepted on purpose: IAM reads
    them as dates, where Access Analyzer warns (*Invalid date value*) and asks for ISO 8601."""
    for cond in document_conditions(ctx):
        if cond.op.family is Family.NULL:
            continue  # PS024
        for value in cond.values:
            if "${" in value.text:
                continue
            error = literal_error(cond.op, value.text)
            if error is not None:
                yield at_value(ctx, cond.view, value, f"{cond.op_name} {cond.key!r}: {error}")


# --- PS110 / PS111 / PS112: resources against the catalog's ARN templates --------------------

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_WILD_START = re.compile(r"[*?]|\$\{")
_PLACEHOLDER_START = re.compile(r"\$\{")


@lru_cache(maxsize=65536)
def _literal_head(text: str, *, template: bool) -> str:
    """The lower-cased text before the first wildcard (or `${`): two globs can only match a
    common string when one head starts with the other, a test far cheaper than
    `globs_intersect`, which most pairs fail."""
    found = (_PLACEHOLDER_START if template else _WILD_START).search(text)
    return (text if found is None else text[: found.start()]).lower()


def _tail(template: str) -> tuple[tuple[Token, ...], tuple[Token, ...]] | None:
    parts = template.split(":", 5)
    if len(parts) != 6:
        return None
    return glob_tokens(parts[2], template=True), glob_tokens(parts[5], template=True)


_TAILS: dict[str, tuple[tuple[Token, ...], tuple[Token, ...]] | None] = {}


def _template_tail(template: str) -> tuple[tuple[Token, ...], tuple[Token, ...]] | None:
    if template not in _TAILS:
        _TAILS[template] = _tail(template)
    return _TAILS[template]


@lru_cache(maxsize=65536)
def resource_may_match(resource: str, templates: tuple[str, ...]) -> bool:
    """Whether some ARN the policy pattern matches could be of one of the templates.

    Compares the service and the resource part (region and account are PS112's); `*`, `?` and
    `${...}` act as wildcards. An ARN that is not six-part is left to PS028 (counts as a match).
    """
    arn = parse_arn(resource)
    if resource == "*" or arn is None:
        return True
    head = _literal_head(arn.resource, template=False)
    tokens: tuple[tuple[Token, ...], tuple[Token, ...]] | None = None  # when a head meets
    for template in templates:
        try:
            parsed = _TEMPLATE_PARTS[template]
        except KeyError:
            parsed = _TEMPLATE_PARTS[template] = _template_parts(template)
        if parsed is None:
            return True
        t_service, t_tail, t_head = parsed
        if not (
            head.startswith(t_head) or t_head.startswith(head)
        ):  # the heads meet: see `_literal_head`
            continue
        if tokens is None:
            tokens = (
                glob_tokens(arn.service, template=False),
                glob_tokens(arn.resource, template=False),
            )
        if globs_intersect(tokens[0], t_service) and globs_intersect(tokens[1], t_tail):
            return True
    return False


def _template_parts(template: str) -> tuple[tuple[Token, ...], tuple[Token, ...], str] | None:
    """A six-part ARN template's service and resource tokens and its resource part's literal
    head (None for another shape)."""
    parsed = _template_tail(template)
    if parsed is None:
        return None
    return parsed[0], parsed[1], _literal_head(template.split(":", 5)[5], template=True)


_TEMPLATE_PARTS: dict[str, tuple[tuple[Token, ...], tuple[Token, ...], str] | None] = {}
"""`_template_parts` per catalog template (a few thousand at most)."""


def action_templates(info: ActionInfo) -> tuple[str, ...] | None:
    """ARN templates of the resource types an action accepts; None when one is unknown
    (remembered per catalog action, whose records live as long as the process)."""
    try:
        return _TEMPLATES[info]
    except KeyError:
        found = _TEMPLATES[info] = _templates_of(info)
        return found


_TEMPLATES: dict[ActionInfo, tuple[str, ...] | None] = {}
"""`action_templates` per catalog action (records are hashed by identity: cheap)."""


def _templates_of(info: ActionInfo) -> tuple[str, ...] | None:
    catalog = get_catalog()
    out = []
    for art in info.resource_types:
        declared = catalog.resource_type(info.service, art.name)
        if declared is None:
            return None
        out.append(declared.arn_template)
    return tuple(out)


@lru_cache(maxsize=65536)
def _typed_action(text: str) -> tuple[ActionInfo, tuple[str, ...]] | None:
    """The catalog action an exact Action entry names and the ARN templates of the resource
    types it accepts; None for an entry that names none, an action without resource types, or
    one with a type the catalog does not describe (PS110 judges none of those). Remembered per
    text: PS110 asks it of every Action entry of every statement with specific resources."""
    info = known_action(text)
    if info is None or not info.resource_types:
        return None
    templates = action_templates(info)
    return None if templates is None else (info, templates)


@rule(
    "PS110",
    Severity.WARNING,
    "No resource of the statement matches a resource type the action accepts",
    example=doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:GetObject"],
            "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:s3:::${aws:username}*"],
        }
    ),
    kinds=IDENTITY_LIKE,
)
def resource_type_mismatch(ctx: LintContext) -> Iterator[Issue]:
    """Object actions on a bucket ARN and vice versa, or ARNs of another service. Only exact
    action names are checked; ARNs with `*` or `${...}` match by pattern. Not reported when
    another statement of the same effect covers the action on a fitting resource (the common
    "one action list, several resource statements" layout)."""
    statements = ctx.valid_statements()
    # The statements that may cover an entry, each with its action patterns: gathered when
    # the first entry fits none of its own statement's resources (most documents have none).
    others: list[tuple[Statement, ActionPatterns, tuple[str, ...]]] | None = None
    for view, model in statements:
        if model.action is None or model.resource is None or "*" in model.resource:
            continue
        fits: dict[tuple[str, ...], bool] = {}  # actions of a service share their templates
        for index, text in enumerate(model.action):
            typed = _typed_action(text)
            if typed is None:
                continue
            info, templates = typed
            fit = fits.get(templates)
            if fit is None:
                fit = fits[templates] = any(
                    resource_may_match(r, templates) for r in model.resource
                )
            if fit:
                continue
            if others is None:
                others = [
                    (other, action_patterns(other.action), other.resource)
                    for _v, other in statements
                    if other.action is not None and other.resource is not None
                ]
            name = info.full_name
            covered = any(
                other is not model
                and other.effect == model.effect
                and patterns.matches(name)
                and any(resource_may_match(r, templates) for r in resources)
                for other, patterns, resources in others
            )
            if not covered:
                yield at_value(
                    ctx,
                    view,
                    model_value(view, "Action", index),
                    f"{info.full_name} accepts {', '.join(a.name for a in info.resource_types)}"
                    " resources, and no Resource of the statement is one",
                )


@lru_cache(maxsize=65536)
def _untyped_action(text: str) -> ActionInfo | None:
    """The catalog action an exact Action entry names when it accepts no resource type (PS111
    judges only those), else None; remembered per text, as PS111 asks of every entry of
    every statement with specific resources."""
    info = known_action(text)
    return info if info is not None and not info.resource_types else None


def _allowed_on_star(ctx: LintContext) -> ActionPatterns:
    """The Action entries of the Allow statements whose Resource is `*` (or every resource)."""
    entries = {
        a.lower()
        for _view, model in ctx.valid_statements()
        if model.is_allow and model.action is not None and _star(model.resource)
        for a in model.action
    }
    return ActionPatterns(tuple(sorted(entries)))


@rule(
    "PS111",
    Severity.ERROR,
    "Action without resource-level permissions paired only with specific ARNs",
    example=doc({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::b"}),
    near_miss=doc({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}),
    kinds=IDENTITY_LIKE,
)
def no_resource_level(ctx: LintContext) -> Iterator[Issue]:
    """Such actions are authorized against `*`, which a specific ARN never matches. Not
    reported when another Allow of the policy grants the action on `*` anyway (then the entry
    is dead weight, not a missing grant). An error when no Resource is even a resource type of
    the action's service (or of the ARN's service); a warning when one is: service teams do
    write `fsx:DescribeBackups` on `backup/*` or `ssmmessages:OpenDataChannel` on ssm sessions,
    and the reference may lag what the service checks."""
    elsewhere: ActionPatterns | None = None  # Allow entries on `*`, built when first needed
    for view, model in ctx.valid_statements():
        if model.action is None or model.resource is None or _star(model.resource):
            continue
        if not any(map(_untyped_action, model.action)):
            continue  # most statements, told without a Python step per entry
        for index, text in enumerate(model.action):
            info = _untyped_action(text)
            if info is None:
                continue
            if model.is_allow:
                if elsewhere is None:
                    elsewhere = _allowed_on_star(ctx)
                if elsewhere.matches(info.full_name):
                    continue
            fits = any(_fits_some_type(r, info.service) for r in model.resource)
            yield at_value(
                ctx,
                view,
                model_value(view, "Action", index),
                f"{info.full_name} supports no resource-level permissions (catalog"
                f' {get_catalog().data_version}): only "Resource": "*" matches it',
                severity=Severity.WARNING if fits else None,
            )


@lru_cache(maxsize=16384)
def _fits_some_type(resource: str, service: str) -> bool:
    """Whether an ARN is a resource type of the action's service or of its own service
    (remembered: a service may have dozens of types). One `resource_may_match` of them all,
    which parses the ARN once and answers as trying each type alone and taking `any`."""
    arn = parse_arn(resource)
    services = {service} | (
        {arn.service.lower()} if arn and not has_wildcard(arn.service) else set()
    )
    catalog = get_catalog()
    templates = [rt.arn_template for svc in services for rt in catalog.resource_types(svc)]
    return bool(templates) and resource_may_match(resource, tuple(templates))


@lru_cache(maxsize=4096)
def _star(resources: tuple[str, ...] | None) -> bool:
    """`*`, or an ARN naming every resource of a service (`arn:aws:s3:::*`, which S3's own
    examples pair with `s3:ListAllMyBuckets`): not a specific ARN. Remembered per Resource
    tuple: PS111 asks it of every statement, and again of each Allow for its exceptions."""
    if resources is None:
        return False
    for resource in resources:
        arn = parse_arn(resource)
        if resource.strip("*") == "" or (arn is not None and arn.resource.strip("*") == ""):
            return True
    return False


Shape = tuple[bool, bool]
"""Whether an ARN template's region segment and its account segment are empty."""


@cache
def _service_templates(
    service: str,
) -> tuple[tuple[Shape, tuple[tuple[str, tuple[Token, ...]], ...]], ...]:
    """The six-part ARN templates of a service's resource types (other shapes never fit a
    resource), grouped by their `Shape`, in order of each shape's first template; each is
    its resource part's literal head and tokens."""
    groups: dict[Shape, list[tuple[str, tuple[Token, ...]]]] = {}
    for rt in get_catalog().resource_types(service):
        parts = rt.arn_template.split(":", 5)
        parsed = _template_tail(rt.arn_template)
        if len(parts) == 6 and parsed is not None:
            shape = (parts[3] == "", parts[4] == "")
            head = _literal_head(parts[5], template=True)
            groups.setdefault(shape, []).append((head, parsed[1]))
    return tuple((shape, tuple(templates)) for shape, templates in groups.items())


@lru_cache(maxsize=16384)
def _fitting_shapes(service: str, resource: str) -> tuple[Shape, ...]:
    """The `Shape`s of the service's ARN templates whose resource part fits the policy's
    resource part; worked out once for both segments `_segment_rule` asks about.

    A verdict depends on nothing but which shapes fit, so the search of a shape stops at its
    first fitting template: most of a service's templates share one shape (region and
    account), and each template tried may cost a `globs_intersect`."""
    head = _literal_head(resource, template=False)
    tail: tuple[Token, ...] | None = None  # tokenized when some template's head meets
    fitting = []
    for shape, templates in _service_templates(service):
        for t_head, t_tail in templates:
            if not (
                head.startswith(t_head) or t_head.startswith(head)
            ):  # the heads meet: see `_literal_head`
                continue
            if tail is None:
                tail = glob_tokens(resource, template=False)
            if globs_intersect(tail, t_tail):
                fitting.append(shape)
                break
    return tuple(fitting)


@cache
def _segment_kinds(service: str) -> tuple[frozenset[bool], frozenset[bool]]:
    """Whether the region segment, and whether the account segment, is empty, over the
    service's six-part ARN templates (the `Shape`s of `_service_templates`, without
    tokenizing any template): a verdict of `_segment_rule` is "forbidden" only when some
    template's segment is empty, "required" only when some template's is not, so a segment
    every template agrees with needs none."""
    templates = [rt.arn_template.split(":", 5) for rt in get_catalog().resource_types(service)]
    six = [parts for parts in templates if len(parts) == 6]
    return frozenset(p[3] == "" for p in six), frozenset(p[4] == "" for p in six)


def _segment_rule(service: str, resource: str, index: int) -> str | None:
    """'forbidden' / 'required' when every ARN template of the service whose resource part fits
    the policy's resource part agrees on the segment (None: no verdict)."""
    empty = [shape[index - 3] for shape in _fitting_shapes(service, resource)]
    if not empty:
        return None
    if all(empty):
        return "forbidden"
    if not any(empty):
        return "required"
    return None


@rule(
    "PS112",
    Severity.ERROR,
    "ARN region or account segment the service's ARN format forbids or requires",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:us-east-1:123456789012:my-bucket/*",
        }
    ),
    near_miss=doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/*"}
    ),
)
def arn_segments(ctx: LintContext) -> Iterator[Issue]:
    """S3 bucket/object and IAM ARNs have no region; S3 ones no account. Only reported when
    every resource type of the service agrees (S3 access points, for one, do carry both)."""
    for view in ctx.statements:
        for element in ("Resource", "NotResource"):
            for value in element_values(view, element):
                message = _segment_problem(value.text)
                if message is not None:
                    yield at_value(ctx, view, value, message)


@lru_cache(maxsize=65536)
def _segment_problem(text: str) -> str | None:
    """PS112's message for one Resource/NotResource entry, None when it has no problem: it
    depends on the text alone, and the same ARNs recur across policies."""
    arn = parse_arn(text)
    if arn is None or has_wildcard(arn.service) or not get_catalog().has_service(arn.service):
        return None
    problems = []
    service = arn.service.lower()
    kinds = _segment_kinds(service)
    segments = ((3, "a region", arn.region), (4, "an account", arn.account))
    for index, name, segment in segments:
        if "${" in segment or has_wildcard(segment):
            continue
        if kinds[index - 3] <= {segment == ""}:
            # No template of the service has the segment the other way (empty where this one
            # is written, written where it is empty): no verdict can go against it, whichever
            # templates fit (most entries: IAM's empty region, a regional service's region).
            continue
        verdict = _segment_rule(service, arn.resource, index)
        if verdict == "forbidden" and segment:
            problems.append(f"have no {name.split()[1]}")
        elif verdict == "required" and not segment:
            problems.append(f"need {name} (or *)")
    if not problems:
        return None
    return f"{arn.service} ARNs of this kind {' and '.join(problems)}: {text!r} never matches"


# --- PS114 / PS115: resource-policy scope and service principals -----------------------------


def _within(entry: str, target: str) -> bool:
    """Whether a Resource entry can name the attached resource or something inside it."""
    if entry == "*" or "${" in entry or compile_arn_glob(entry)(target):
        return True
    inside = f"{target}/"
    if entry.startswith(inside):
        return True
    if not has_wildcard(entry):
        return False
    head = literal_prefix(entry)
    return head.startswith(inside) or inside.startswith(head)


@rule(
    "PS113",
    Severity.ERROR,
    "Resource names something other than the resource the policy is attached to",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b2/*",
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::b1/*", "arn:aws:s3:::b1", "arn:aws:s3:::b1/logs/*"],
        }
    ),
    kinds=[PolicyKind.RESOURCE],
    example_kind=PolicyKind.RESOURCE,
    example_attachment={"target_arn": "arn:aws:s3:::b1"},
    near_miss_attachment={"target_arn": "arn:aws:s3:::b1"},
)
def foreign_resource(ctx: LintContext) -> Iterator[Issue]:
    """A resource policy governs only its own resource (and, for buckets, the objects in it):
    AWS rejects the policy, or the statement never applies. With the attachment target (from
    CloudFormation `AWS::S3::BucketPolicy` with a literal `Bucket`, Terraform
    `aws_s3_bucket_policy`, an account file, or `policysim lint --resource-arn ARN`) every
    Resource must name it or something inside it; without one, when the policy's service is
    known (`--type resource:s3`, the template's resource type), a Resource ARN of another
    service (a KMS key in a bucket policy) is reported, since no such policy can hold it."""
    target = ctx.attachment.get("target_arn")
    if not isinstance(target, str) or not target:
        yield from _foreign_service_resources(ctx)
        return
    for view in ctx.statements:
        for value in element_values(view, "Resource"):
            if not _within(value.text, target):
                yield at_value(
                    ctx,
                    view,
                    value,
                    f"{value.text!r} is neither {target} nor inside it, and this policy is"
                    f" attached to {target}",
                )


_GOVERNED: dict[str, frozenset[str]] = {
    "s3": frozenset({"s3", "s3-object-lambda", "s3express"}),
}
_OWN_ARNS_ONLY = frozenset(
    {
        "s3", "sqs", "sns", "kms", "secretsmanager", "ecr", "logs", "glacier",
        "elasticfilesystem", "backup", "es", "glue", "lambda", "events",
    }
)  # fmt: skip
"""Resource-policy services whose policies name only their own service's ARNs in Resource."""


def _foreign_service_resources(ctx: LintContext) -> Iterator[Issue]:
    """PS113 without an attachment target: Resource ARNs of a service other than the one the
    resource policy belongs to (only for services in `_OWN_ARNS_ONLY`)."""
    service = (ctx.service or "").lower()
    if service not in _OWN_ARNS_ONLY:
        return
    governed = _GOVERNED.get(service, frozenset({service}))
    catalog = get_catalog()
    for view in ctx.statements:
        for value in element_values(view, "Resource"):
            arn = parse_arn(value.text)
            if arn is None or has_wildcard(arn.service) or "${" in arn.service:
                continue
            other = arn.service.lower()
            if other in governed or not catalog.has_service(other):
                continue
            yield at_value(
                ctx,
                view,
                value,
                f"{value.text!r} is a {other} resource: a {service} resource policy cannot name it",
            )


@rule(
    "PS114",
    Severity.ERROR,
    "Action from a service the resource policy cannot govern",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "ec2:StartInstances",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "s3:*",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    kinds=[PolicyKind.RESOURCE],
    example_kind=PolicyKind.RESOURCE,
)
def foreign_action(ctx: LintContext) -> Iterator[Issue]:
    """A bucket policy only ever sees S3 requests: an `ec2:` action in it does nothing. The
    service comes from `--type resource:SVC` or from the policy's Resource ARNs."""
    catalog = get_catalog()
    service = resource_policy_service(ctx)
    if service is None or not catalog.has_service(service):
        return
    governed = _GOVERNED.get(service, frozenset({service}))
    for view in ctx.statements:
        for value in _action_entries(view):
            facts = action_facts(value.text)
            prefix = facts.prefix
            if prefix is None or prefix in governed or not facts.known_service:
                continue
            yield at_value(
                ctx,
                view,
                value,
                f"{value.text!r} is not a {service} action: a {service} resource policy never"
                " applies to it",
            )


SERVICE_PRINCIPAL_ABSENT = frozenset(
    {"aws:principalorgid", "aws:principalorgpaths", "aws:principalarn", "aws:username"}
)
"""Keys that a call by a service principal never carries."""
_ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
_CERTIFICATE_TAGS = tuple(
    f"aws:principaltag/{part}/" for part in ("x509subject", "x509issuer", "x509san")
)
"""The principal tags IAM Roles Anywhere maps from the authenticating X.509 certificate."""


@rule(
    "PS115",
    Severity.ERROR,
    "Condition key never present for a service-principal caller",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
            "Condition": {
                "StringEquals": {
                    "aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E1"
                }
            },
        }
    ),
    kinds=[PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.ENDPOINT],
    example_kind=PolicyKind.RESOURCE,
)
def service_principal_key(ctx: LintContext) -> Iterator[Issue]:
    """Only for statements whose principals are all service principals; `...IfExists` and
    `Null` tests are deliberate and left alone. IAM Roles Anywhere is the exception AWS
    documents: it maps the authenticating certificate's subject, issuer and SAN to principal
    tags (`aws:PrincipalTag/x509Subject/CN`, `x509Issuer/...`, `x509SAN/...`) that the trust
    policy may test."""
    for view, model in ctx.valid_statements():
        principal = model.principal
        if principal is None or principal.wildcard or not principal.service:
            continue
        if principal.aws or principal.federated or principal.canonical_user:
            continue
        certificate_tags = _ROLES_ANYWHERE in {s.lower() for s in principal.service}
        for cond in conditions(view):
            if cond.op.if_exists or cond.op.family is Family.NULL:
                continue
            if certificate_tags and cond.lower.startswith(_CERTIFICATE_TAGS):
                continue
            tag = cond.lower.startswith("aws:principaltag/")
            if cond.lower in SERVICE_PRINCIPAL_ABSENT or tag:
                yield cond.issue(
                    f"{cond.key!r} is never present when a service principal calls: the"
                    f" statement {'never matches' if model.is_allow else 'always applies'}",
                    hint="scope service principals with aws:SourceArn / aws:SourceAccount",
                )


# --- PS116: regions ---------------------------------------------------------------------------


@rule(
    "PS116",
    Severity.ERROR,
    "Region code that does not exist",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-9"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "ec2:*",
            "Resource": "arn:aws:ec2:mx-central-1:123456789012:instance/*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-*"]}},
        }
    ),
)
def unknown_region(ctx: LintContext) -> Iterator[Issue]:
    """In the region segment of a Resource/NotResource ARN or in an `aws:RequestedRegion`
    value (no requests come from a region that does not exist). Regions come from a snapshot of
    botocore's endpoint data (`policysim/data/regions.json`); values with wildcards or
    variables are not judged."""
    source = regions_source()
    for view in ctx.statements:
        for element in ("Resource", "NotResource"):
            for value in element_values(view, element):
                message = _region_problem(value.text)
                if message is not None:
                    yield at_value(ctx, view, value, message)
        for cond in conditions(view):
            if cond.lower != "aws:requestedregion" or cond.op.family is not Family.STRING:
                continue
            for value in cond.values:
                if value.text and _literal(value.text) and not is_known_region(value.text.lower()):
                    yield at_value(
                        ctx,
                        view,
                        value,
                        f"aws:RequestedRegion {value.text!r} is not a region ({source})",
                    )


@lru_cache(maxsize=65536)
def _region_problem(text: str) -> str | None:
    """PS116's message for one Resource/NotResource entry, None when its region is fine (it
    depends on the text alone, and the same ARNs recur across policies)."""
    arn = parse_arn(text)
    if arn is None or not arn.region or not _literal(arn.region):
        return None
    if is_known_region(arn.region.lower()):
        return None
    return f"region {arn.region!r} in {text!r} does not exist ({regions_source()})"


# --- PS117 / PS118 / PS119 / PS120 / PS121: literal values -----------------------------------

_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def _private_network(text: str) -> bool:
    try:
        network = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return any(
        network.version == p.version and network.subnet_of(p)  # type: ignore[arg-type]
        for p in _PRIVATE
    )


@rule(
    "PS117",
    Severity.ERROR,
    "Private IP range in aws:SourceIp",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"},
                "StringEquals": {"aws:SourceVpc": "vpc-0abc1234"},
            },
        }
    ),
)
def private_source_ip(ctx: LintContext) -> Iterator[Issue]:
    """Private traffic reaches AWS through VPC endpoints, where `aws:SourceIp` is absent: an
    `IpAddress` Allow never matches, a `NotIpAddress` Deny denies everything. Only when every
    listed range is private (a mix is PS508)."""
    for cond in document_conditions(ctx):
        if cond.lower != "aws:sourceip" or cond.op.family is not Family.IP:
            continue
        if cond.values and all(_private_network(v.text) for v in cond.values):
            yield cond.issue(
                f"{', '.join(cond.texts)} is private: aws:SourceIp is the public address,"
                " absent for traffic through VPC endpoints",
                hint="use aws:VpcSourceIp together with aws:SourceVpc",
            )


_ID_SHAPES: dict[str, tuple[re.Pattern[str], str]] = {
    "aws:sourcevpc": (re.compile(r"^vpc-[0-9a-z]{8,17}$"), "vpc-<8 or 17 characters>"),
    "aws:sourcevpce": (re.compile(r"^vpce-[0-9a-z]{8,17}$"), "vpce-<8 or 17 characters>"),
}


def _literal(text: str) -> bool:
    return not has_wildcard(text) and "${" not in text


@rule(
    "PS118",
    Severity.ERROR,
    "Malformed VPC or VPC endpoint ID",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpc-1a2b3c4d"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d5e6f7g8h9"}},
        }
    ),
)
def malformed_vpc_id(ctx: LintContext) -> Iterator[Issue]:
    """`aws:SourceVpc` takes `vpc-...`, `aws:SourceVpce` takes `vpce-...`."""
    for cond in document_conditions(ctx):
        shape = _ID_SHAPES.get(cond.lower)
        if shape is None or cond.op.family is not Family.STRING:
            continue
        for value in cond.values:
            if _literal(value.text) and not shape[0].match(value.text):
                yield at_value(
                    ctx, cond.view, value, f"{value.text!r} is not a {cond.key} ({shape[1]})"
                )


_UNIQUE_ID = re.compile(r"^(AROA|AIDA)[A-Z0-9]{12,}$")


@rule(
    "PS119",
    Severity.WARNING,
    "Principal written as an IAM unique ID",
    example=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "AROAEXAMPLEID1234567"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"},
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ),
    example_kind=PolicyKind.RESOURCE,
)
def unique_id_principal(ctx: LintContext) -> Iterator[Issue]:
    """AWS rewrites a principal ARN to the unique ID when the principal is deleted; a recreated
    principal of the same name gets a new ID and is not trusted."""
    for view in ctx.statements:
        for value in principal_values(view, "AWS"):
            if _UNIQUE_ID.match(value.text):
                kind = "role" if value.text.startswith("AROA") else "user"
                yield at_value(
                    ctx,
                    view,
                    value,
                    f"{value.text!r} is the unique ID of a (probably deleted) {kind}",
                    hint=f"name the {kind} by ARN",
                )


_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
_ORG_ID_KEYS = frozenset(
    {"aws:principalorgid", "aws:sourceorgid", "aws:resourceorgid", "aws:vpceorgid"}
)
_ORG_PATH_KEYS = frozenset(
    {"aws:principalorgpaths", "aws:sourceorgpaths", "aws:resourceorgpaths", "aws:vpceorgpaths"}
)
_PATH_SEGMENTS = (
    re.compile(r"^o-[a-z0-9]{10,32}$"),
    re.compile(r"^r-[0-9a-z]{4,32}$"),
)
_OU = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")


def _org_path_error(text: str) -> bool:
    head = text
    for mark in ("*", "?", "${"):
        if mark in head:
            head = head[: head.index(mark)]
    complete = text == head
    segments = head.split("/")
    if not complete or segments[-1] == "":
        segments = segments[:-1]  # a partial (or empty) last segment is not judged
    for i, segment in enumerate(segments):
        pattern = _PATH_SEGMENTS[i] if i < len(_PATH_SEGMENTS) else _OU
        if not pattern.match(segment):
            return True
    return False


@rule(
    "PS120",
    Severity.ERROR,
    "Malformed organization ID or organization path",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "org-123"}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"},
                "ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"
                },
            },
        }
    ),
)
def malformed_org(ctx: LintContext) -> Iterator[Issue]:
    """IDs are `o-` + 10-32 characters; paths are `o-.../r-.../ou-.../`. Values with wildcards
    are judged up to the first wildcard; values with variables are left alone."""
    for cond in document_conditions(ctx):
        if cond.op.family is not Family.STRING:
            continue
        for value in cond.values:
            if cond.lower in _ORG_ID_KEYS:
                if _literal(value.text) and not _ORG_ID.match(value.text):
                    yield at_value(
                        ctx, cond.view, value, f"{value.text!r} is not an organization ID (o-...)"
                    )
            elif cond.lower in _ORG_PATH_KEYS and _org_path_error(value.text):
                yield at_value(
                    ctx,
                    cond.view,
                    value,
                    f"{value.text!r} is not an organization path (o-.../r-.../ou-.../)",
                )


ACCOUNT_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:principalaccount",
        "aws:resourceaccount",
        "aws:vpceaccount",
        "aws:sourceowner",
        "s3:resourceaccount",
    }
)


@rule(
    "PS121",
    Severity.ERROR,
    "Account ID that is not a 12-digit string",
    example=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": 12345678901}},
        }
    ),
    near_miss=doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "012345678901"}},
        }
    ),
)
def malformed_account(ctx: LintContext) -> Iterator[Issue]:
    """JSON numbers lose leading zeros (a `jsonencode`/YAML artefact); other lengths are typos.
    Checked in account condition keys and in bare account IDs of `Principal`."""
    for view in ctx.statements:
        for cond in conditions(view):
            if cond.lower not in ACCOUNT_KEYS or cond.op.family is not Family.STRING:
                continue
            for value in cond.values:
                yield from _account_issue(ctx, view, value, allow_anonymous=True)
        for value in principal_values(view, "AWS"):
            if value.node.kind == "number" or value.text.isdigit():
                yield from _account_issue(ctx, view, value, allow_anonymous=False)


def _account_issue(
    ctx: LintContext, view: StatementView, value: Value, *, allow_anonymous: bool
) -> Iterator[Issue]:
    if value.node.kind == "number":
        yield at_value(
            ctx,
            view,
            value,
            f"account ID written as the number {value.text}: write it as a 12-digit string"
            " (leading zeros are lost)",
        )
    elif _literal(value.text) and not is_account_id(value.text):
        if allow_anonymous and value.text == "anonymous":
            return
        yield at_value(ctx, view, value, f"{value.text!r} is not a 12-digit account ID")

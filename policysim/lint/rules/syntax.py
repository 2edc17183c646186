"""PS0xx: documents that are invalid, or parts of them that never work (grammar errors)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import Any

from policysim.catalog import get_catalog
from policysim.lint.context import (
    Issue,
    LintContext,
    StatementView,
    compact_json,
    scalar_text,
)
from policysim.lint.facts import flagged_actions
from policysim.lint.finding import Severity
from policysim.lint.policy_type import IDENTITY_LIKE, PRINCIPAL_TYPES, PolicyKind
from policysim.lint.registry import example_policy as _doc
from policysim.lint.registry import rule
from policysim.policy.action import compile_action_pattern, split_action
from policysim.policy.arn import is_account_id, parse_arn
from policysim.policy.literals import literal_error
from policysim.policy.model import PRINCIPAL_KEYS, VERSION_2008, VERSION_2012, Statement
from policysim.policy.operators import (
    BASE_OPERATORS,
    Family,
    UnknownOperatorError,
    parse_operator,
)
from policysim.policy.source import Node
from policysim.policy.unknown import MARK, UNKNOWN_START, has_unknown, is_unknown, stand_in
from policysim.policy.validate import resource_element_problem
from policysim.policy.variables import SPECIAL, find_variables
from policysim.policy.wildcard import has_wildcard

_S = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


@rule(
    "PS001",
    Severity.ERROR,
    "Document is not parseable JSON or YAML",
    example='{"Statement":[{"Effect":"Allow",}]}',
    near_miss='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
)
def not_parseable(ctx: LintContext) -> Iterator[Issue]:
    """The parser reports the line and column of the first syntax error; the runner turns it
    into this finding (a document that does not parse cannot be checked further)."""
    return iter(())


@rule(
    "PS002",
    Severity.ERROR,
    "The same key twice in one object",
    example='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Action":"s3:*",'
    '"Resource":"*"}]}',
    near_miss='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},'
    '{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}',
)
def duplicate_key(ctx: LintContext) -> Iterator[Issue]:
    """JSON loaders keep the last of duplicate keys, so what is reviewed is not what AWS sees.
    Exact duplicates stop the parser (reported by the runner); keys that differ only by case
    are reported here."""
    objects = _objects(ctx.root) if ctx.policy is None else _condition_objects(ctx)
    for node in objects:
        keys = node.value
        if len(keys) > 1 and len(set(map(str.lower, keys))) != len(keys):
            pointer = _pointer_to(ctx.root, node)
            seen: dict[str, str] = {}
            for key in node.value:
                folded = key.lower()
                if folded in seen:
                    yield ctx.at_node(
                        node,
                        f"keys {seen[folded]!r} and {key!r} differ only by case",
                        pointer=f"{pointer}/{key}",
                    )
                seen[folded] = key


def _objects(root: Node) -> Iterator[Node]:
    """Every object of the tree, depth first, the last child of a node first."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.kind == "object":
            yield node
            stack.extend(node.value.values())
        elif node.kind == "array":
            stack.extend(node.value)


def _condition_objects(ctx: LintContext) -> Iterator[Node]:
    """The objects of a document whose policy model was built that may hold two keys
    differing only by case, in `_objects`' order: each Condition element and its operator
    blocks.

    The models take no other keys than their elements' names (the document's Version, Id and
    Statement, a statement's nine elements, a principal's four types), which differ from each
    other otherwise than by case, and no other objects than statements, principals and
    Condition blocks (values are strings, lists of strings or scalars). Visiting only these
    spares walking every entry of every Action and Resource list."""
    for view in reversed(ctx.statements):
        condition = view.items.get("Condition")
        if condition is None or condition.kind != "object":
            continue
        yield condition
        for block in reversed(condition.value.values()):
            if block.kind == "object":
                yield block


def _pointer_to(root: Node, target: Node) -> str:
    """The JSON pointer of a node of the tree (looked up only when a finding needs it)."""
    stack = [("", root)]
    while stack:
        pointer, node = stack.pop()
        if node is target:
            return pointer
        if node.kind == "object":
            stack.extend((f"{pointer}/{k}", v) for k, v in node.value.items())
        elif node.kind == "array":
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(node.value))
    return ""


@rule(
    "PS003",
    Severity.WARNING,
    "No Version element: the 2008 grammar treats policy variables as text",
    example={"Statement": [_S]},
    near_miss=_doc(_S),
)
def missing_version(ctx: LintContext) -> Iterator[Issue]:
    """Without `Version`, AWS falls back to the 2008-10-17 grammar."""
    if ctx.root.kind == "object" and "Version" not in ctx.root.value:
        yield Issue(
            f'no Version: policy variables would be literal text; add "Version": "{VERSION_2012}"',
            ctx.root.position,
            "",
        )


@rule(
    "PS004",
    Severity.ERROR,
    "Version is not one of the two accepted dates",
    example={"Version": "2012-10-18", "Statement": [_S]},
    near_miss={"Version": VERSION_2008, "Statement": [_S]},
)
def invalid_version(ctx: LintContext) -> Iterator[Issue]:
    """Only 2012-10-17 and 2008-10-17 exist; anything else is rejected."""
    node = ctx.root.value.get("Version") if ctx.root.kind == "object" else None
    if node is not None and node.value not in (VERSION_2012, VERSION_2008):
        yield ctx.at_node(
            node,
            f"Version {node.value!r} is not {VERSION_2012!r} (or the legacy {VERSION_2008!r})",
            pointer="/Version",
        )


# --- shared walkers -------------------------------------------------------------------------

_TOP_KEYS = ("Version", "Id", "Statement")
_STATEMENT_KEYS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
_PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


def string_entries(node: Node | None, pointer: str) -> list[tuple[str, Node]]:
    """The string values of a string-or-array element, with their pointers."""
    if node is None:
        return []
    if node.kind == "string":
        return [(pointer, node)]
    if node.kind == "array":
        return [(f"{pointer}/{i}", n) for i, n in enumerate(node.value) if n.kind == "string"]
    return []


def string_nodes(node: Node | None) -> list[tuple[int, Node]]:
    """`string_entries` without the pointers: (index in the array, or -1 for a lone string,
    node). Rules that report few of the entries they test build a pointer (`entry_pointer`)
    only for those: one f-string per entry of every Action and Resource list was most of what
    walking them cost."""
    if node is None:
        return []
    if node.kind == "string":
        return [(-1, node)]
    if node.kind == "array":
        return [(i, n) for i, n in enumerate(node.value) if n.kind == "string"]
    return []


def entry_pointer(pointer: str, index: int) -> str:
    """The pointer of entry `index` of `string_nodes` of the element at `pointer`."""
    return pointer if index < 0 else f"{pointer}/{index}"


def _may_hold_variable(node: Node | None) -> bool:
    """Whether some string of a string-or-array element contains `${` (a policy variable,
    well-formed or not, needs one): answered with one join, in C."""
    if node is None:
        return False
    if node.kind == "string":
        return "${" in node.value
    if node.kind == "array":
        return "${" in "\0".join([n.value for n in node.value if n.kind == "string"])
    return False


def _all_strings(node: Node, pointer: str = "") -> Iterator[tuple[str, Node]]:
    stack = [(pointer, node)]
    while stack:
        here, current = stack.pop()
        if current.kind == "string":
            yield here, current
        elif current.kind == "object":
            stack.extend((f"{here}/{k}", v) for k, v in current.value.items())
        elif current.kind == "array":
            stack.extend((f"{here}/{i}", v) for i, v in enumerate(current.value))


def _principal_values(view: StatementView) -> Iterator[tuple[str, str, Node]]:
    """(principal type, pointer, value node) for every value of Principal and NotPrincipal."""
    for element in ("Principal", "NotPrincipal"):
        node = view.items.get(element)
        if node is None or node.kind != "object":
            continue
        for key, value in node.value.items():
            for pointer, item in string_entries(value, f"{view.pointer}/{element}/{key}"):
                yield key, pointer, item


def _statement_actions(view: StatementView) -> list[str]:
    return [n.value for _, n in string_entries(view.items.get("Action"), "")]


def _modeled(ctx: LintContext) -> bool:
    """Whether the document has a policy model, so that every statement has one (nearly every
    document). The models then vouch for what several rules would otherwise look up statement
    by statement: the policy's and each statement's element names are the grammar's (both
    models forbid other keys and take their elements by alias only), each Effect is exactly
    `Allow` or `Deny`, and each statement has exactly one of Action and NotAction (a null one
    is absent)."""
    return ctx.policy is not None


# --- PS005 - PS032 --------------------------------------------------------------------------

_VAR_RESOURCE = "arn:aws:s3:::home/${aws:username}/*"


@rule(
    "PS005",
    Severity.ERROR,
    "Legacy 2008-10-17 grammar",
    example={
        "Version": VERSION_2008,
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": _VAR_RESOURCE}],
    },
    near_miss=_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": _VAR_RESOURCE}),
)
def legacy_version(ctx: LintContext) -> Iterator[Issue]:
    """Under 2008-10-17 policy variables are never substituted: an error when the policy uses
    `${...}`, a suggestion to move to 2012-10-17 otherwise."""
    if ctx.version != VERSION_2008:
        return
    node = ctx.root.value["Version"]
    uses = ctx.mentions_variables and any(
        find_variables(n.value) for _, n in _all_strings(ctx.root)
    )
    if uses:
        yield ctx.at_node(
            node,
            f"Version {VERSION_2008} never substitutes the policy variables this policy uses;"
            f" use {VERSION_2012}",
            pointer="/Version",
        )
    else:
        yield ctx.at_node(
            node,
            f"legacy Version {VERSION_2008}; prefer {VERSION_2012}",
            pointer="/Version",
            severity=Severity.SUGGESTION,
        )


@rule(
    "PS006",
    Severity.ERROR,
    "Statement missing, null or empty",
    example={"Version": VERSION_2012},
    near_miss={"Version": VERSION_2012, "Statement": _S},
)
def missing_statement(ctx: LintContext) -> Iterator[Issue]:
    """A policy without statements grants and denies nothing, and AWS rejects it."""
    if ctx.root.kind != "object":
        return
    node = ctx.root.value.get("Statement")
    if node is None:
        yield Issue("no Statement element", ctx.root.position, "")
    elif node.kind == "null":
        yield Issue("Statement is null", ctx.root.key_positions["Statement"], "/Statement")
    elif node.kind == "array" and not node.value:
        yield Issue(
            "Statement is an empty array", ctx.root.key_positions["Statement"], "/Statement"
        )


def _did_you_mean(key: str, known: tuple[str, ...]) -> str | None:
    folded = {k.lower(): k for k in known}
    if key.lower() in folded:
        return f"element names are case-sensitive: write {folded[key.lower()]!r}"
    close = difflib.get_close_matches(key.lower(), list(folded), n=1, cutoff=0.6)
    return f"did you mean {folded[close[0]]!r}?" if close else None


@rule(
    "PS007",
    Severity.ERROR,
    "Unknown element name",
    example=_doc({"Effect": "Allow", "Actions": ["s3:GetObject"], "Resource": "*"}),
    near_miss={"Version": VERSION_2012, "Id": "p1", "Statement": [{"Sid": "A", **_S}]},
)
def unknown_element(ctx: LintContext) -> Iterator[Issue]:
    """Elements other than the grammar's are rejected; they are almost always typos
    (`Actions`, `Resources`, `Principals`, `Id` inside a statement)."""
    if _modeled(ctx):
        return  # no element name but the grammar's
    if ctx.root.kind == "object":
        for key in ctx.root.value:
            if key not in _TOP_KEYS:
                yield Issue(
                    f"unknown policy element {key!r}",
                    ctx.root.key_positions[key],
                    f"/{key}",
                    hint=_did_you_mean(key, _TOP_KEYS),
                )
    for view in ctx.statements:
        for key in view.items:
            if key not in _STATEMENT_KEYS:
                yield ctx.at_statement(
                    view,
                    f"unknown statement element {key!r}",
                    key=key,
                    hint=_did_you_mean(key, _STATEMENT_KEYS),
                )


@rule(
    "PS008",
    Severity.ERROR,
    "Effect absent or not exactly Allow or Deny",
    example=_doc({"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"}),
    near_miss=_doc(_S),
)
def invalid_effect(ctx: LintContext) -> Iterator[Issue]:
    """Every statement needs `Effect`, and its value is case-sensitive."""
    if _modeled(ctx):
        return  # every Effect is Allow or Deny
    for view in ctx.statements:
        if view.node.kind != "object":
            continue
        node = view.items.get("Effect")
        if node is None:
            yield ctx.at_statement(view, "statement has no Effect")
        elif node.kind == "string" and node.value not in ("Allow", "Deny"):
            yield ctx.at_node(
                node,
                f"Effect {node.value!r} is not 'Allow' or 'Deny' (case-sensitive)",
                pointer=f"{view.pointer}/Effect",
                statement=view.index,
            )


@rule(
    "PS009",
    Severity.ERROR,
    "Neither Action nor NotAction",
    example=_doc({"Effect": "Allow", "Resource": "*"}),
    near_miss=_doc({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}),
)
def missing_action(ctx: LintContext) -> Iterator[Issue]:
    """A statement must say which actions it is about."""
    if _modeled(ctx):
        return  # every statement has Action or NotAction
    for view in ctx.statements:
        if view.node.kind == "object" and not {"Action", "NotAction"} & view.items.keys():
            yield ctx.at_statement(view, "statement has neither Action nor NotAction")


@rule(
    "PS010",
    Severity.ERROR,
    "Resource element missing, or present in a role trust policy",
    example=_doc({"Effect": "Allow", "Action": "s3:GetObject"}),
    near_miss=_doc(_S),
    kinds=(*IDENTITY_LIKE, PolicyKind.TRUST),
)
def resource_by_type(ctx: LintContext) -> Iterator[Issue]:
    """Identity policies, boundaries, session policies and SCPs need `Resource`/`NotResource`;
    a role trust policy must not have one (its resource is the role)."""
    needs_resource = ctx.kind in IDENTITY_LIKE
    for view in ctx.statements:
        model = view.model
        if needs_resource and model is not None and _has_resource(model):
            continue  # the element is there (not null): what it needs
        if view.node.kind != "object":
            continue
        found = resource_element_problem(view.items.keys(), ctx.kind)
        if found is None:
            continue
        message, key = found
        yield ctx.at_statement(view, message, key=key)


_RESOURCE_OF = attrgetter("resource")
_NOT_RESOURCE_OF = attrgetter("not_resource")


def model_resources(ctx: LintContext) -> tuple[str, ...] | None:
    """Every Resource and NotResource string of a document with a policy model (the models
    hold exactly those elements' strings), None for another document; gathered once per
    document, in C: PS028 and PS510 settle nearly every document with one test over them
    instead of asking statement by statement."""
    if ctx.policy is None:
        return None
    found: tuple[str, ...] | None = ctx.memo.get("model-resources")
    if found is None:
        statements = ctx.policy.statements
        found = (
            *chain.from_iterable(filter(None, map(_RESOURCE_OF, statements))),
            *chain.from_iterable(filter(None, map(_NOT_RESOURCE_OF, statements))),
        )
        ctx.memo["model-resources"] = found
    return found


def _has_resource(model: Statement) -> bool:
    """Whether the statement's model has Resource or NotResource: then that element is
    present and not null (a model leaves an absent or null one None)."""
    return model.resource is not None or model.not_resource is not None


@rule(
    "PS011",
    Severity.ERROR,
    "Mutually exclusive elements in one statement",
    example=_doc({"Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Delete*", "Resource": "*"}),
    near_miss=_doc(
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "NotAction": "s3:Get*", "Resource": "*"},
    ),
)
def exclusive_pair(ctx: LintContext) -> Iterator[Issue]:
    """`Action`/`NotAction`, `Resource`/`NotResource` and `Principal`/`NotPrincipal` cannot be
    combined in one statement."""
    for view in ctx.statements:
        items = view.items
        for key, negated in _EXCLUSIVE:
            if key in items and negated in items:
                yield ctx.at_statement(
                    view, f"{key} and {negated} cannot both be present", key=negated
                )


_EXCLUSIVE = (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal"))


def _kind_name(node: Node) -> str:
    return {"object": "an object", "array": "an array", "null": "null"}.get(
        node.kind, f"a {node.kind}"
    )


def _type_errors(ctx: LintContext) -> Iterator[tuple[Node, str, str]]:
    """(node, pointer, problem) for every element of the wrong JSON type."""
    root = ctx.root
    if root.kind != "object":
        yield root, "", f"the policy must be a JSON object, not {_kind_name(root)}"
        return
    if "Id" in root.value and root.value["Id"].kind != "string":
        yield root.value["Id"], "/Id", "Id must be a string"
    statement = root.value.get("Statement")
    if statement is not None and statement.kind not in ("object", "array", "null"):
        yield statement, "/Statement", "Statement must be an object or an array of objects"
    for view in ctx.statements:
        if view.node.kind != "object":
            yield (
                view.node,
                view.pointer,
                f"a statement must be an object, not {_kind_name(view.node)}",
            )
            continue
        items = view.items
        typed = _typed_by_model(view)
        if not typed:
            yield from _element_type_errors(view)
        cond = items.get("Condition")
        if cond is None:
            continue
        if cond.kind != "object":
            yield (
                cond,
                f"{view.pointer}/Condition",
                (f"Condition must be an object of operators, not {_kind_name(cond)}"),
            )
            continue
        for op, block in () if typed else cond.value.items():  # a model's blocks are objects
            if block.kind != "object":
                yield (
                    block,
                    f"{view.pointer}/Condition/{op}",
                    (f"operator {op!r} must map condition keys to values, not {_kind_name(block)}"),
                )
        for entry in view.conditions():
            if _strings_only(entry.node):
                continue  # nothing below is wrong (the usual case)
            for pointer, value in entry.values:
                if scalar_text(value) is None:
                    yield (
                        value,
                        pointer,
                        (
                            f"condition values must be strings, numbers or booleans, not"
                            f" {_kind_name(value)}"
                        ),
                    )
            mixed = _mixed_types(entry.node)
            if mixed is not None:
                yield entry.node, entry.pointer, mixed


def _typed_by_model(view: StatementView) -> bool:
    """Whether the statement's model vouches for the types `_element_type_errors` checks:
    a model is built only when Sid and Effect are strings, the list elements strings or
    arrays of strings and the principals `"*"` or objects of such lists, except that it takes
    an explicit null for the optional elements, and its Condition's operator blocks are
    objects. Spares looking at each entry of every Action and Resource list of a valid
    statement, and at each block of its Condition."""
    return view.model is not None and "null" not in map(_KIND, view.items.values())


_KIND = attrgetter("kind")


def _element_type_errors(view: StatementView) -> Iterator[tuple[Node, str, str]]:
    """`_type_errors` of the elements other than Condition of a statement (an object)."""
    items = view.items
    for key in ("Sid", "Effect"):
        if key in items and items[key].kind != "string":
            yield items[key], f"{view.pointer}/{key}", f"{key} must be a string"
    for key in _LIST_ELEMENTS:
        node = items.get(key)
        if node is None:
            continue
        if node.kind == "array":
            for i, item in enumerate(node.value):
                if item.kind != "string":
                    yield item, f"{view.pointer}/{key}/{i}", f"{key} entries must be strings"
        elif node.kind != "string":
            yield (
                node,
                f"{view.pointer}/{key}",
                f"{key} must be a string or an array of strings",
            )
    for key in ("Principal", "NotPrincipal"):
        node = items.get(key)
        if node is None:
            continue
        if node.kind == "string":
            if node.value != "*":
                yield (
                    node,
                    f"{view.pointer}/{key}",
                    (f'{key} must be "*" or an object such as {{"AWS": "..."}}'),
                )
        elif node.kind == "object":
            for name, value in node.value.items():
                here = f"{view.pointer}/{key}/{name}"
                if value.kind == "array":
                    for i, item in enumerate(value.value):
                        if item.kind != "string":
                            yield item, f"{here}/{i}", f"{key} values must be strings"
                elif value.kind != "string":
                    yield value, here, f"{key} values must be a string or an array of strings"
        else:
            yield (
                node,
                f"{view.pointer}/{key}",
                (f'{key} must be "*" or an object, not {_kind_name(node)}'),
            )


def _strings_only(node: Node) -> bool:
    """A string, or an array of nothing but strings: a condition value `_type_errors` finds
    no fault with, told without building each value's pointer."""
    if node.kind == "array":
        return all(item.kind == "string" for item in node.value)
    return node.kind == "string"


_SCALAR_KINDS = ("string", "number", "bool")


def _mixed_types(node: Node) -> str | None:
    """Why one key's value list mixes JSON scalar types (`["home/", 1]`), or None: AWS
    rejects such a list, whatever the operator (Access Analyzer: invalid condition data
    type)."""
    if node.kind != "array":
        return None
    kinds = {item.kind for item in node.value} & set(_SCALAR_KINDS)
    if len(kinds) < 2:
        return None
    names = [_kind_name_of(kind) for kind in _SCALAR_KINDS if kind in kinds]
    listed = " and ".join([", ".join(names[:-1]), names[-1]])
    return f"the values of one condition key mix JSON types ({listed}): use one type"


def _kind_name_of(kind: str) -> str:
    return {"string": "a string", "number": "a number", "bool": "a boolean"}[kind]


@rule(
    "PS012",
    Severity.ERROR,
    "Element has the wrong JSON type",
    example=_doc({**_S, "Condition": "aws:SecureTransport"}),
    near_miss=_doc(
        {
            **_S,
            "Condition": {
                "Bool": {"aws:SecureTransport": "true"},
                "StringEquals": {"aws:PrincipalTag/team": ["a", "b"]},
            },
        }
    ),
)
def wrong_type(ctx: LintContext) -> Iterator[Issue]:
    """Elements are strings, arrays of strings or objects of a fixed shape; AWS rejects a
    `Condition` given as a string, a `Sid` given as a number, a `Principal` given as a list,
    and one condition key's value list that mixes strings, numbers and booleans."""
    for node, pointer, problem in _type_errors(ctx):
        owner = [
            v.index
            for v in ctx.statements
            if pointer == v.pointer or pointer.startswith(f"{v.pointer}/")
        ]
        statement = owner[-1] if owner and pointer != "/Statement" else None
        yield ctx.at_node(node, problem, pointer=pointer, statement=statement)


_SID = re.compile(r"[A-Za-z0-9]*")


@rule(
    "PS013",
    Severity.ERROR,
    "Sid has characters the policy type does not allow",
    example=_doc({"Sid": "allow-read objects", **_S}),
    near_miss=_doc({"Sid": "AllowReadObjects", **_S}),
    kinds=(PolicyKind.IDENTITY, PolicyKind.BOUNDARY, PolicyKind.SCP),
)
def sid_charset(ctx: LintContext) -> Iterator[Issue]:
    """Identity policies and SCPs accept only ASCII letters and digits in a Sid (several
    resource policies are more lenient, so they are not checked)."""
    for view in ctx.statements:
        node = view.items.get("Sid")
        if node is not None and node.kind == "string" and not _SID.fullmatch(node.value):
            bad = sorted({c for c in node.value if not (c.isascii() and c.isalnum())})
            yield ctx.at_node(
                node,
                f"Sid {node.value!r} has characters other than ASCII letters and digits:"
                f" {' '.join(repr(c) for c in bad)}",
                pointer=f"{view.pointer}/Sid",
                statement=view.index,
            )


@rule(
    "PS014",
    Severity.ERROR,
    "Two statements share a Sid",
    example=_doc(
        {"Sid": "Read", **_S},
        {"Sid": "Read", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
    ),
    near_miss=_doc(_S, {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
)
def duplicate_sid(ctx: LintContext) -> Iterator[Issue]:
    """Sids identify statements: SCPs and RCPs require them to be unique (error), other policy
    types only recommend it (warning)."""
    severity = Severity.ERROR if ctx.kind in (PolicyKind.SCP, PolicyKind.RCP) else Severity.WARNING
    seen: dict[str, int] = {}
    for view in ctx.statements:
        node = view.items.get("Sid")
        if node is None or node.kind != "string" or node.value == "":
            continue
        if node.value in seen:
            yield ctx.at_node(
                node,
                f"Sid {node.value!r} is already used by statement #{seen[node.value]}",
                pointer=f"{view.pointer}/Sid",
                statement=view.index,
                severity=severity,
            )
        else:
            seen[node.value] = view.index


_BUCKET_STATEMENT = {
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "s3:GetObject",
    "Resource": "arn:aws:s3:::b/*",
}


@rule(
    "PS015",
    Severity.ERROR,
    "Principal present where the policy type forbids it, or absent where it is required",
    example=_doc({**_S, "Principal": "*"}),
    near_miss=_doc(_S),
    kinds=(*IDENTITY_LIKE, PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP),
)
def principal_by_type(ctx: LintContext) -> Iterator[Issue]:
    """Identity policies, boundaries, session policies and SCPs apply to the principal they are
    attached to and cannot name one; resource, trust and resource control policies must."""
    forbidden = ctx.kind in IDENTITY_LIKE
    for view in ctx.statements:
        items = view.items
        if forbidden and "Principal" not in items and "NotPrincipal" not in items:
            continue  # nearly every statement of an identity policy
        if view.node.kind != "object":
            continue
        present = [k for k in ("Principal", "NotPrincipal") if k in items]
        if forbidden:
            for key in present:
                yield ctx.at_statement(
                    view, f"a {ctx.kind.value} policy statement cannot have {key}", key=key
                )
        elif not present:
            yield ctx.at_statement(
                view, f"a {ctx.kind.value} policy statement needs Principal or NotPrincipal"
            )


@rule(
    "PS016",
    Severity.ERROR,
    "Unknown key inside Principal",
    example=_doc({**_BUCKET_STATEMENT, "Principal": {"Account": "123456789012"}}),
    near_miss=_doc({**_BUCKET_STATEMENT, "Principal": {"AWS": "123456789012"}}),
    example_kind=PolicyKind.RESOURCE,
)
def unknown_principal_key(ctx: LintContext) -> Iterator[Issue]:
    """A principal is `"*"` or an object keyed by `AWS`, `Service`, `Federated` or
    `CanonicalUser` (case-sensitive). `Federated` names an identity provider, which only a
    role trust policy can trust: AWS rejects it in a bucket, key, queue or other resource
    policy (and in RCPs and endpoint policies)."""
    for view in ctx.statements:
        for element in ("Principal", "NotPrincipal"):
            node = view.items.get(element)
            if node is None or node.kind != "object":
                continue
            for key in node.value:
                if key == "Federated" and ctx.kind in _NO_FEDERATED:
                    yield Issue(
                        "a Federated principal (an identity provider) is only valid in a role"
                        f" trust policy, not in a {ctx.kind.value} policy",
                        node.key_positions[key],
                        f"{view.pointer}/{element}/{key}",
                        view.index,
                    )
                elif key not in PRINCIPAL_KEYS:
                    yield Issue(
                        f"unknown principal type {key!r}; expected one of"
                        f" {', '.join(PRINCIPAL_KEYS)}",
                        node.key_positions[key],
                        f"{view.pointer}/{element}/{key}",
                        view.index,
                        _did_you_mean(key, PRINCIPAL_KEYS),
                    )


_NO_FEDERATED = PRINCIPAL_TYPES - {PolicyKind.TRUST}
"""Policy types that name principals but cannot trust an identity provider."""
_UNIQUE_ID = re.compile(r"A(IDA|ROA|GPA|NPA|NVA|IPA|SIA|KIA)[A-Z0-9]{12,}")
_CANONICAL = re.compile(r"[0-9a-f]{64}")
_AWS_PRINCIPAL_RESOURCE = {
    "iam": re.compile(r"root|(user|role)/.+"),
    "sts": re.compile(r"(assumed-role/[^/]+/.+|federated-user/.+)"),
}


def _aws_principal_problem(value: str) -> str | None:
    if value == "*":
        return None
    if has_wildcard(value):
        return (
            "only the full wildcard '*' is accepted in a principal; use 'AWS': '*' with an"
            " ArnLike condition on aws:PrincipalArn instead"
        )
    if is_account_id(value) or _UNIQUE_ID.fullmatch(value):
        return None
    if is_unknown(value):
        return None
    arn = parse_arn(value)
    if arn is None:
        return "neither a 12-digit account ID nor an IAM/STS ARN"
    if _literal(arn.partition) and arn.partition not in _PARTITIONS:
        return f"unknown partition {arn.partition!r}"
    pattern = _AWS_PRINCIPAL_RESOURCE.get(arn.service)
    if pattern is None:
        return f"service {arn.service!r}: a principal ARN is an iam or sts ARN"
    if arn.region:
        return "IAM and STS ARNs have no region"
    oai = arn.resource.startswith("user/CloudFront Origin Access Identity ")
    if arn.service == "iam" and arn.account == "cloudfront" and oai:
        return None  # legacy CloudFront origin access identity
    if _literal(arn.account) and not is_account_id(arn.account):
        return f"account {arn.account!r} is not 12 digits"
    if not pattern.fullmatch(arn.resource):
        return f"{arn.resource!r} is not a principal (root, user, role, assumed-role session)"
    return None


@rule(
    "PS017",
    Severity.ERROR,
    "Malformed principal value",
    example=_doc(
        {
            **_BUCKET_STATEMENT,
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/app-*"},
        }
    ),
    near_miss=_doc(
        {
            **_BUCKET_STATEMENT,
            "Principal": {"AWS": "*"},
            "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/app-*"}},
        }
    ),
    example_kind=PolicyKind.RESOURCE,
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP, PolicyKind.ENDPOINT),
)
def malformed_principal(ctx: LintContext) -> Iterator[Issue]:
    """An AWS principal is `*`, a 12-digit account ID, or the ARN of an account root, user,
    role or session; partial wildcards (`role/app-*`, `arn:aws:iam::*:root`) are rejected."""
    for view in ctx.statements:
        for key, pointer, node in _principal_values(view):
            problem: str | None = None
            if key == "AWS":
                problem = _aws_principal_problem(node.value)
            elif key == "CanonicalUser" and not _CANONICAL.fullmatch(node.value):
                problem = "a canonical user ID is 64 lower-case hex digits"
            if problem:
                yield ctx.at_node(
                    node,
                    f"principal {node.value!r}: {problem}",
                    pointer=pointer,
                    statement=view.index,
                )


_SERVICE_PRINCIPAL = re.compile(
    r"[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazonaws\.com\.cn|amazonaws\.eu|c2s\.ic\.gov"
    r"|sc2s\.sgov\.gov|cloud\.adc-e\.uk|csp\.hci\.ic\.gov)"
)


@rule(
    "PS018",
    Severity.ERROR,
    "Service principal not in <name>.amazonaws.com form",
    example=_doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda"},
            "Action": "sts:AssumeRole",
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com.cn"]},
            "Action": "sts:AssumeRole",
        }
    ),
    example_kind=PolicyKind.TRUST,
    kinds=(PolicyKind.RESOURCE, PolicyKind.TRUST, PolicyKind.RCP, PolicyKind.ENDPOINT),
)
def service_principal_format(ctx: LintContext) -> Iterator[Issue]:
    """Service principals are DNS names such as `lambda.amazonaws.com` (or the partition's
    suffix); a bare service name or a mistyped domain never matches."""
    for view in ctx.statements:
        for key, pointer, node in _principal_values(view):
            if (
                key == "Service"
                and node.value != "*"
                and not _SERVICE_PRINCIPAL.fullmatch(stand_in(node.value, "x"))
            ):
                name = node.value.split(".")[0].lower()
                yield ctx.at_node(
                    node,
                    f"service principal {node.value!r} is not of the form <service>.amazonaws.com",
                    pointer=pointer,
                    statement=view.index,
                    hint=f"did you mean '{name}.amazonaws.com'?" if name else None,
                )


_WEB_IDENTITY_HOSTS = frozenset(
    {
        "cognito-identity.amazonaws.com",
        "accounts.google.com",
        "graph.facebook.com",
        "www.amazon.com",
    }
)


def _federation(value: str) -> str | None:
    """'saml', 'oidc', or None for a value that is neither a provider ARN nor a known IdP."""
    if value.lower() in _WEB_IDENTITY_HOSTS or value.lower().startswith("cognito-identity."):
        return "oidc"
    arn = parse_arn(value)
    if arn is None or arn.service != "iam":
        return None
    if not (is_account_id(arn.account) or has_unknown(arn.account)):
        return None
    if arn.resource.startswith("saml-provider/") and len(arn.resource) > len("saml-provider/"):
        return "saml"
    if arn.resource.startswith("oidc-provider/") and len(arn.resource) > len("oidc-provider/"):
        return "oidc"
    return None


_SAML_ACTION = "sts:assumerolewithsaml"
_OIDC_ACTION = "sts:assumerolewithwebidentity"


@rule(
    "PS019",
    Severity.ERROR,
    "Federated principal with the wrong assume action, or not a provider",
    example=_doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
            "Action": "sts:AssumeRoleWithWebIdentity",
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:saml-provider/Okta"},
            "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
        }
    ),
    example_kind=PolicyKind.TRUST,
    kinds=(PolicyKind.TRUST,),
)
def federated_mismatch(ctx: LintContext) -> Iterator[Issue]:
    """A SAML provider is assumed with `sts:AssumeRoleWithSAML`, an OIDC provider with
    `sts:AssumeRoleWithWebIdentity`; any other pairing never matches a request."""
    for view in ctx.statements:
        kinds: set[str] = set()
        for key, pointer, node in _principal_values(view):
            if key != "Federated":
                continue
            kind = _federation(node.value)
            if kind is None:
                yield ctx.at_node(
                    node,
                    f"federated principal {node.value!r} is neither a SAML/OIDC provider ARN"
                    " nor a known web identity provider",
                    pointer=pointer,
                    statement=view.index,
                )
            else:
                kinds.add(kind)
        if not kinds:
            continue
        principal = view.items.get("Principal") or view.items.get("NotPrincipal")
        only_federated = (
            principal is not None
            and principal.kind == "object"
            and set(principal.value) == {"Federated"}
        )
        for pointer, node in string_entries(view.items.get("Action"), f"{view.pointer}/Action"):
            action = node.value.lower()
            wrong = None
            if action == _OIDC_ACTION and "oidc" not in kinds:
                wrong = "a SAML provider is assumed with sts:AssumeRoleWithSAML"
            elif action == _SAML_ACTION and "saml" not in kinds:
                wrong = "an OIDC provider is assumed with sts:AssumeRoleWithWebIdentity"
            elif action == "sts:assumerole" and only_federated:
                wrong = (
                    "a federated principal cannot use sts:AssumeRole; use"
                    " sts:AssumeRoleWithSAML or sts:AssumeRoleWithWebIdentity"
                )
            if wrong:
                yield ctx.at_node(
                    node,
                    f"action {node.value!r} never matches this federated principal: {wrong}",
                    pointer=pointer,
                    statement=view.index,
                )


@rule(
    "PS020",
    Severity.ERROR,
    "NotPrincipal in a role trust policy",
    example=_doc(
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
        }
    ),
    example_kind=PolicyKind.TRUST,
    kinds=(PolicyKind.TRUST,),
)
def trust_not_principal(ctx: LintContext) -> Iterator[Issue]:
    """Role trust policies do not support `NotPrincipal`."""
    for view in ctx.statements:
        if "NotPrincipal" in view.items:
            yield ctx.at_statement(
                view, "NotPrincipal is not supported in a role trust policy", key="NotPrincipal"
            )


@lru_cache(maxsize=4096)
def _is_null_operator(name: str) -> bool:
    """`Null`, possibly with IfExists or a set qualifier (misuses that PS024/PS509 explain).
    Remembered per name: PS021 and PS024 ask for every operator of every Condition block, and
    a corpus writes a few dozen names."""
    qualifier, sep, base = name.rpartition(":")
    if sep and qualifier.lower() not in ("forallvalues", "foranyvalue"):
        return False
    return base.lower() in ("null", "nullifexists")


@rule(
    "PS021",
    Severity.ERROR,
    "Unknown condition operator or qualifier",
    example=_doc({**_S, "Condition": {"StringEqual": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}),
    near_miss=_doc(
        {
            **_S,
            "Condition": {
                "StringEqualsIgnoreCase": {"aws:SourceVpc": "vpc-1a2b3c4d"},
                "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team*"},
            },
        }
    ),
)
def unknown_operator(ctx: LintContext) -> Iterator[Issue]:
    """AWS rejects condition operators it does not know (`StringEqual`, `ForAllValue:`,
    `IfExist`); `Null` with a qualifier or `IfExists` is reported by PS024 and PS509."""
    if _modeled(ctx):
        return  # the models take no operator `parse_operator` rejects
    for view in ctx.statements:
        cond = view.items.get("Condition")
        if cond is None or cond.kind != "object":
            continue
        for op in cond.value:
            if _is_null_operator(op):
                continue
            try:
                parse_operator(op)
            except UnknownOperatorError as err:
                close = difflib.get_close_matches(
                    op.rpartition(":")[2], list(BASE_OPERATORS), n=1, cutoff=0.7
                )
                yield Issue(
                    str(err),
                    cond.key_positions[op],
                    f"{view.pointer}/Condition/{op}",
                    view.index,
                    f"did you mean {close[0]!r}?" if close else None,
                )


_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*:\S+")
"""`prefix:Name`; OIDC prefixes are provider URLs (`oidc.eks.REGION.amazonaws.com/id/ID`)."""


@rule(
    "PS022",
    Severity.ERROR,
    "Malformed condition key",
    example=_doc({**_S, "Condition": {"StringEquals": {"aws:RequestTag/": "prod"}}}),
    near_miss=_doc({**_S, "Condition": {"StringEquals": {"aws:RequestTag/env": "prod"}}}),
)
def malformed_condition_key(ctx: LintContext) -> Iterator[Issue]:
    """A condition key is `prefix:Name` without spaces; a tag-key family (`aws:RequestTag/`)
    needs the tag key after the slash."""
    for view, entries in ctx.conditioned():
        for entry in entries:
            key = entry.key
            problem = _condition_key_problem(key)
            if problem is None:
                continue
            yield Issue(
                f"condition key {key!r} {problem}",
                entry.key_position,
                entry.pointer,
                view.index,
            )


@lru_cache(maxsize=4096)
def _condition_key_problem(key: str) -> str | None:
    """Why a condition key is malformed (PS022), or None; remembered per key: managed
    policies test ~5,600 keys, a few hundred distinct."""
    if not _KEY_NAME.fullmatch(key):
        if any(c.isspace() for c in key):
            return "has spaces"
        if ":" not in key or key.startswith(":"):
            return "has no 'prefix:' part"
        return "is malformed"
    if key.endswith("/"):
        return "names no tag key after the '/'"
    return None


@rule(
    "PS023",
    Severity.ERROR,
    "Bool condition with more than one value",
    example=_doc({**_S, "Condition": {"Bool": {"aws:SecureTransport": ["true", "false"]}}}),
    near_miss=_doc({**_S, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
)
def bool_multiple(ctx: LintContext) -> Iterator[Issue]:
    """A boolean key has one value, so listing several makes the test constant."""
    for view, entries in ctx.conditioned():
        for entry in entries:
            op = entry.op
            if op is None or op.family is not Family.BOOL or op.qualifier is not None:
                continue
            if len(entry.values) > 1:
                yield Issue(
                    f"{entry.operator} on {entry.key!r} lists {len(entry.values)} values; a"
                    " boolean is only ever one of them",
                    entry.key_position,
                    entry.pointer,
                    view.index,
                )


@rule(
    "PS024",
    Severity.ERROR,
    "Null misused: value not true/false, or with IfExists",
    example=_doc({**_S, "Condition": {"NullIfExists": {"aws:TokenIssueTime": "true"}}}),
    near_miss=_doc({**_S, "Condition": {"Null": {"aws:TokenIssueTime": "true"}}}),
)
def null_misuse(ctx: LintContext) -> Iterator[Issue]:
    """`Null` tests whether a key is present: its value is `true` or `false`, and `IfExists`
    makes no sense with it."""
    null = parse_operator("Null")
    for view in ctx.statements:
        cond = view.items.get("Condition")
        if cond is None or cond.kind != "object":
            continue
        for op in cond.value:
            if _is_null_operator(op) and op.lower().endswith("ifexists"):
                yield Issue(
                    f"{op!r}: Null cannot be combined with IfExists",
                    cond.key_positions[op],
                    f"{view.pointer}/Condition/{op}",
                    view.index,
                )
        for entry in view.conditions():
            if not _is_null_operator(entry.operator):
                continue
            for pointer, node in entry.values:
                text = scalar_text(node)
                reason = literal_error(null, text) if text is not None else None
                if reason:
                    yield ctx.at_node(
                        node,
                        f"Null value {reason}",
                        pointer=pointer,
                        statement=view.index,
                    )


_VARIABLE_KEY = re.compile(r"[A-Za-z0-9_:/.@+=-]+")
_WHITESPACE = re.compile(r"\s")
"""What `str.isspace` calls white space, one character at a time (the same test in C)."""


def _variable_problems(text: str) -> Iterator[str]:
    """Why each `${...}` in `text` is malformed (well-formed ones yield nothing)."""
    start = text.find("${")
    while start != -1:
        end = text.find("}", start + 2)
        nested = text.find("${", start + 2)
        if end == -1 or (nested != -1 and nested < end):
            yield f"'${{' at offset {start} has no closing '}}'"
            start = nested
            continue
        body = text[start + 2 : end]
        shown = text[start : end + 1]
        key, comma, default = body.partition(",")
        if body.startswith(MARK):
            pass  # a value unknown until deployment, not a policy variable
        elif not body.strip():
            yield f"{shown!r} is empty"
        elif body.strip() in SPECIAL:
            pass
        elif key != key.strip() or _WHITESPACE.search(key):
            yield f"{shown!r} has a space in the key name"
        elif not _VARIABLE_KEY.fullmatch(key):
            bad = sorted({c for c in key if not _VARIABLE_KEY.fullmatch(c)})
            yield f"{shown!r} has unsupported symbols: {' '.join(repr(c) for c in bad)}"
        elif comma and not re.fullmatch(r"\s*'[^']*'\s*", default):
            yield f"{shown!r}: the default value must be in single quotes, as in ${{key, 'x'}}"
        elif not find_variables(shown):
            yield f"{shown!r} is not a valid policy variable"
        start = text.find("${", end + 1)


@lru_cache(maxsize=4096)
def _variable_problems_of(text: str) -> tuple[str, ...]:
    """`_variable_problems`, remembered per text: the texts with `${` recur (the managed
    policies: 1,469 checked, 110 distinct), and checking a well-formed variable takes
    `find_variables`' regular expressions."""
    return tuple(_variable_problems(text))


def _variable_sites(ctx: LintContext, view: StatementView) -> Iterator[tuple[str, Node]]:
    """Strings where a policy variable may stand: Resource, NotResource, condition values
    (elements and condition values without `${` left out)."""
    for element in ("Resource", "NotResource"):
        node = view.items.get(element)
        if _may_hold_variable(node):
            yield from string_entries(node, f"{view.pointer}/{element}")
    for entry in view.conditions():
        if not _may_hold_variable(entry.node):
            continue  # and no value's pointer need be built
        for pointer, node in entry.values:
            if node.kind == "string":
                yield pointer, node


@rule(
    "PS025",
    Severity.ERROR,
    "Policy variable syntax error",
    example=_doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username/*",
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": [
                "arn:aws:s3:::b/${aws:username}/*",
                "arn:aws:s3:::b/${aws:username, 'anon'}/*",
            ],
        }
    ),
)
def variable_syntax(ctx: LintContext) -> Iterator[Issue]:
    """A malformed `${...}` (no closing brace, empty, spaces, unquoted default, unsupported
    symbols) is never substituted and stays literal text."""
    if not ctx.substitutes_variables or not ctx.mentions_variables:
        return
    for view in ctx.statements:
        for pointer, node in _variable_sites(ctx, view):
            if "${" not in node.value:
                continue
            for problem in _variable_problems_of(node.value):
                yield ctx.at_node(
                    node, f"policy variable: {problem}", pointer=pointer, statement=view.index
                )


@rule(
    "PS026",
    Severity.ERROR,
    "Policy variable where substitution never happens",
    example=_doc({"Effect": "Allow", "Action": "s3:${aws:username}", "Resource": "*"}),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username}/*",
            "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}},
        }
    ),
)
def variable_misplaced(ctx: LintContext) -> Iterator[Issue]:
    """Variables are substituted only in the resource part of Resource/NotResource ARNs and in
    String and ARN condition values; elsewhere `${...}` is literal text."""
    if not ctx.substitutes_variables or not ctx.mentions_variables:
        return
    for view in ctx.statements:
        items = view.items
        for element in ("Sid", "Effect", "Action", "NotAction"):
            if not _may_hold_variable(items.get(element)):
                continue
            for pointer, node in string_entries(items.get(element), f"{view.pointer}/{element}"):
                if find_variables(node.value):
                    yield ctx.at_node(
                        node,
                        f"policy variables are not substituted in {element}",
                        pointer=pointer,
                        statement=view.index,
                    )
        for element in ("Principal", "NotPrincipal"):
            principal = items.get(element)
            if principal is None:
                continue
            for pointer, value in _all_strings(principal, f"{view.pointer}/{element}"):
                if find_variables(value.value):
                    yield ctx.at_node(
                        value,
                        f"policy variables are not substituted in {element}",
                        pointer=pointer,
                        statement=view.index,
                    )
        for element in ("Resource", "NotResource"):
            if not _may_hold_variable(items.get(element)):
                continue  # the text before the fifth colon would hold `${`
            for pointer, node in string_entries(items.get(element), f"{view.pointer}/{element}"):
                head = node.value.split(":", 5)[:5]
                if len(head) == 5 and find_variables(":".join(head)):
                    yield ctx.at_node(
                        node,
                        f"policy variables in {element} are substituted only after the fifth"
                        " colon (the resource part of the ARN)",
                        pointer=pointer,
                        statement=view.index,
                    )
        seen_keys: set[str] = set()
        for entry in view.conditions():
            if entry.key not in seen_keys and find_variables(entry.key):
                yield Issue(
                    f"condition key {entry.key!r}: variables are not substituted in key names",
                    entry.key_position,
                    entry.pointer,
                    view.index,
                )
            seen_keys.add(entry.key)
            op = entry.op
            if op is None or op.supports_variables or not _may_hold_variable(entry.node):
                continue
            for pointer, node in entry.values:
                if node.kind == "string" and find_variables(node.value):
                    yield ctx.at_node(
                        node,
                        f"{entry.operator} does not substitute policy variables; only String"
                        " and ARN operators do",
                        pointer=pointer,
                        statement=view.index,
                    )


@rule(
    "PS027",
    Severity.ERROR,
    "Malformed action string",
    example=_doc({"Effect": "Allow", "Action": "s3GetObject", "Resource": "*"}),
    near_miss=_doc({"Effect": "Allow", "Action": ["s3:Get*", "*"], "Resource": "*"}),
)
def malformed_action(ctx: LintContext) -> Iterator[Issue]:
    """An action is `*` or `service:Name`, with wildcards only in the name."""
    for entry in flagged_actions(ctx).malformed:
        if ctx.substitutes_variables and entry.facts.has_variables:
            continue  # PS026
        yield ctx.at_node(
            entry.node,
            f"action {entry.text!r} {entry.facts.problem}",
            pointer=entry.pointer,
            statement=entry.view.index,
        )


_VARIABLE_TEXT = re.compile(r"\$\{[^}]*\}")


def _literal(segment: str) -> bool:
    """Whether an ARN segment is plain text (no wildcard or variable to check around)."""
    return not has_wildcard(segment) and "${" not in segment


@lru_cache(maxsize=16384)
def _arn_problem(value: str) -> str | None:
    """Why a Resource entry is no ARN, or None. Cached: the same ARNs recur across the
    statements and policies of a corpus."""
    if value == "*" or value.startswith(UNKNOWN_START):
        return None  # `*`, or an ARN whose leading fields are unknown until deployment
    if not value.startswith("arn:"):
        if value.lower().startswith("arn:"):
            return "the 'arn:' prefix must be lower-case"
        return "does not start with 'arn:'"
    parts = value.split(":", 5)
    if len(parts) < 6:
        return f"has {len(parts)} of the 6 ':'-separated ARN fields"
    _, partition, service, region, account, resource = parts
    if _literal(partition) and partition not in _PARTITIONS:
        return f"unknown partition {partition!r}"
    if not service:
        return "has an empty service field"
    if _literal(service) and service != service.lower():
        return f"service {service!r} must be lower-case"
    if region and _literal(region) and not _REGION.fullmatch(region):
        return f"region {region!r} is malformed"
    if account and _literal(account) and not (is_account_id(account) or account == "aws"):
        return f"account {account!r} is not 12 digits"
    if not resource:
        return "has an empty resource field"
    if service == "s3" and not region and not account and ":" in _VARIABLE_TEXT.sub("", resource):
        return "S3 object paths use '/', not ':', after the bucket name"
    return None


def _may_have_broken_arn(view: StatementView, element: str) -> bool:
    """False when the statement's model shows that no string of its Resource or NotResource
    element (`element`) has an `_arn_problem`: the model holds exactly the element's strings,
    in order (None without the element), so the usual statement is settled without building
    the list of its nodes (`string_nodes`)."""
    model = view.model
    if model is None:
        return True
    texts = model.resource if element == "Resource" else model.not_resource
    return texts is not None and any(map(_arn_problem, texts))


@rule(
    "PS028",
    Severity.ERROR,
    "Resource ARN structurally broken",
    example=_doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket1:*"}
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "iam:GetRole"],
            "Resource": [
                "arn:aws:s3:::bucket1/*",
                "arn:aws-us-gov:iam::123456789012:role/x",
            ],
        }
    ),
)
def malformed_resource(ctx: LintContext) -> Iterator[Issue]:
    """A resource is `*` or an ARN `arn:partition:service:region:account:resource`; a broken
    one matches nothing."""
    texts = model_resources(ctx)
    if texts is not None and not any(map(_arn_problem, texts)):
        return  # nearly every document
    for view in ctx.statements:
        for element in ("Resource", "NotResource"):
            if not _may_have_broken_arn(view, element):
                continue
            for index, node in string_nodes(view.items.get(element)):
                problem = _arn_problem(node.value)
                if problem:
                    yield ctx.at_node(
                        node,
                        f"resource {node.value!r} {problem}",
                        pointer=entry_pointer(f"{view.pointer}/{element}", index),
                        statement=view.index,
                    )


@rule(
    "PS029",
    Severity.ERROR,
    "SCP grammar: action wildcards only at the end",
    example=_doc({"Effect": "Deny", "Action": "iam:*Role", "Resource": "*"}),
    near_miss=_doc(
        {"Effect": "Deny", "Action": "iam:Get*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
        },
    ),
    example_kind=PolicyKind.SCP,
    kinds=(PolicyKind.SCP,),
)
def scp_grammar(ctx: LintContext) -> Iterator[Issue]:
    """SCPs accept a wildcard in an action only as its last character (`iam:Get*`). Principal
    and size are checked by PS015 and PS031; conditions, ARNs and NotAction in Allow
    statements are legal since 2025-09."""
    for view in ctx.statements:
        for element in ("Action", "NotAction"):
            for pointer, node in string_entries(
                view.items.get(element), f"{view.pointer}/{element}"
            ):
                text = node.value
                if text == "*" or not has_wildcard(text):
                    continue
                if "?" in text or "*" in text[:-1]:
                    yield ctx.at_node(
                        node,
                        f"SCP action {text!r}: a wildcard may only end the action name",
                        pointer=pointer,
                        statement=view.index,
                    )


_RCP_FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def _is_rcp_full_access(statement: Node) -> bool:
    """Whether a statement is the AWS-managed RCPFullAWSAccess grant (an optional Sid aside)."""
    plain = statement.to_plain()
    if not isinstance(plain, dict):
        return False
    plain.pop("Sid", None)
    return plain == _RCP_FULL_ACCESS


@rule(
    "PS030",
    Severity.ERROR,
    "RCP grammar violated",
    example=_doc({"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}),
    near_miss=_doc(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    ),
    example_kind=PolicyKind.RCP,
    kinds=(PolicyKind.RCP,),
)
def rcp_grammar(ctx: LintContext) -> Iterator[Issue]:
    """Customer resource control policies may only Deny, name `"Principal": "*"`, and list
    actions of the services RCPs support (no `NotPrincipal`, `NotAction` or bare `*`). The
    one Allow statement AWS itself attaches everywhere, RCPFullAWSAccess (`Allow`, `"*"`
    principal, action and resource, no condition), is accepted as it is: organization exports
    and account files carry it."""
    supported = get_catalog().rcp_supported_services()
    for view in ctx.statements:
        items = view.items
        if _is_rcp_full_access(view.node):
            continue
        effect = items.get("Effect")
        if effect is not None and effect.value == "Allow":
            yield ctx.at_node(
                effect,
                "RCP statements must Deny (Allow exists only in the AWS-managed RCPFullAWSAccess)",
                pointer=f"{view.pointer}/Effect",
                statement=view.index,
            )
        principal = items.get("Principal")
        if principal is not None and principal.value != "*":
            yield ctx.at_statement(view, 'an RCP Principal must be exactly "*"', key="Principal")
        for key in ("NotPrincipal", "NotAction"):
            if key in items:
                yield ctx.at_statement(view, f"RCPs do not support {key}", key=key)
        for pointer, node in string_entries(items.get("Action"), f"{view.pointer}/Action"):
            if node.value == "*":
                yield ctx.at_node(
                    node,
                    'RCPs do not accept the bare "*" action; name the services',
                    pointer=pointer,
                    statement=view.index,
                )
                continue
            parts = split_action(node.value)
            if parts is not None and parts[0] not in supported:
                yield ctx.at_node(
                    node,
                    f"service {parts[0]!r} is not supported by resource control policies",
                    pointer=pointer,
                    statement=view.index,
                )


_SIZE_LIMITS: dict[PolicyKind, tuple[int, int | None, str]] = {
    # kind -> (limit, larger limit after a quota increase or None, what the quota is)
    PolicyKind.SESSION: (2048, None, "session policy"),
    PolicyKind.SCP: (5120, None, "SCP"),
    PolicyKind.RCP: (5120, None, "RCP"),
    PolicyKind.TRUST: (2048, 4096, "role trust policy"),
}
_RESOURCE_SIZE_LIMITS = {"s3": 20480, "kms": 32768, "sqs": 8192}
_IDENTITY_SIZE_LIMITS = {
    # CloudFormation / Terraform resource type holding the document -> quota
    "AWS::IAM::ManagedPolicy": (6144, "customer managed policy"),
    "aws_iam_policy": (6144, "customer managed policy"),
    "AWS::IAM::User": (2048, "inline policies of a user (aggregate)"),
    "aws_iam_user_policy": (2048, "inline policies of a user (aggregate)"),
    "AWS::IAM::Group": (5120, "inline policies of a group (aggregate)"),
    "aws_iam_group_policy": (5120, "inline policies of a group (aggregate)"),
    "AWS::IAM::Role": (10240, "inline policies of a role (aggregate)"),
    "aws_iam_role_policy": (10240, "inline policies of a role (aggregate)"),
}
_LARGEST_IDENTITY_LIMIT = max(limit for limit, _ in _IDENTITY_SIZE_LIMITS.values())
"""A document of unknown attachment over this fits no customer identity policy at all."""
_LARGEST_IDENTITY = "largest identity-policy"
_IDENTITY_QUOTAS_HINT = (
    "customer managed policy: 6,144 characters; inline policies of a user: 2,048, a group:"
    " 5,120, a role: 10,240 (in aggregate); split the policy"
)


def policy_size(document: Any) -> int:
    """Characters AWS counts: the document without whitespace outside strings."""
    return len(compact_json(document))


def _size_limit(ctx: LintContext) -> tuple[int, int | None, str] | None:
    if ctx.kind is PolicyKind.RESOURCE:
        limit = _RESOURCE_SIZE_LIMITS.get(ctx.service or "")
        return (limit, None, f"{ctx.service} resource policy") if limit else None
    if ctx.kind in (PolicyKind.IDENTITY, PolicyKind.BOUNDARY):
        known = _IDENTITY_SIZE_LIMITS.get(str(ctx.attachment.get("type", "")))
        if known is None:
            return (_LARGEST_IDENTITY_LIMIT, None, _LARGEST_IDENTITY)
        return (known[0], None, known[1])
    return _SIZE_LIMITS.get(ctx.kind)


def _padded_scp(chars: int) -> dict[str, Any]:
    actions = [f"s3:GetObjectVersion{i:04d}" for i in range(chars // 29)]
    return _doc({"Effect": "Deny", "Action": actions, "Resource": "*"})


@rule(
    "PS031",
    Severity.ERROR,
    "Policy exceeds its size quota",
    example=_padded_scp(7000),
    near_miss=_padded_scp(5000),
    example_kind=PolicyKind.SCP,
)
def size_quota(ctx: LintContext) -> Iterator[Issue]:
    """AWS rejects policies over their type's character quota (whitespace outside strings not
    counted); a warning when the quota can be raised (role trust policies, to 4,096). Identity
    policies get their attachment's quota when the source says how they are attached (managed
    policy 6,144; inline policies of a user 2,048, a group 5,120, a role 10,240, in aggregate);
    otherwise only the largest of these, 10,240, is checked, which no customer identity policy
    can exceed (AWS managed policies, linted as plain files, sometimes do)."""
    limits = _size_limit(ctx)
    if limits is None:
        return
    limit, raised, what = limits
    if ctx.size_bound is not None and ctx.size_bound <= limit:
        return  # nearly every document: no need to serialize it
    size = len(ctx.compact_json())
    if size <= limit:
        return
    if raised is not None and size <= raised:
        yield Issue(
            f"{size:,} characters exceed the default {what} quota of {limit:,} (can be raised"
            f" to {raised:,})",
            ctx.root.position,
            "",
            severity=Severity.WARNING,
        )
    else:
        yield Issue(
            f"{size:,} characters exceed the {what} quota of {raised or limit:,}",
            ctx.root.position,
            "",
            hint=_IDENTITY_QUOTAS_HINT if what == _LARGEST_IDENTITY else None,
        )


_ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
_ROLES_ANYWHERE_ACTIONS = ("sts:TagSession", "sts:SetSourceIdentity")


@rule(
    "PS032",
    Severity.ERROR,
    "Roles Anywhere trust lacks sts:TagSession / sts:SetSourceIdentity",
    example=_doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": _ROLES_ANYWHERE},
            "Action": "sts:AssumeRole",
        }
    ),
    near_miss=_doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": _ROLES_ANYWHERE},
            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
        }
    ),
    example_kind=PolicyKind.TRUST,
    kinds=(PolicyKind.TRUST,),
)
def roles_anywhere_actions(ctx: LintContext) -> Iterator[Issue]:
    """IAM Roles Anywhere always requests `sts:TagSession` and `sts:SetSourceIdentity` along
    with `sts:AssumeRole`; a trust statement without them makes every session fail."""
    for view in ctx.statements:
        model = view.model
        if model is None or not model.is_allow or model.principal is None:
            continue
        if _ROLES_ANYWHERE not in (s.lower() for s in model.principal.service):
            continue
        if model.action is None:
            continue
        matchers = [compile_action_pattern(a) for a in model.action]
        missing = [a for a in _ROLES_ANYWHERE_ACTIONS if not any(m(a) for m in matchers)]
        if missing:
            yield ctx.at_statement(
                view,
                f"a Roles Anywhere trust statement must also allow {', '.join(missing)}",
                key="Action",
            )

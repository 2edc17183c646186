"""The resources a request for an action may name, as automata built from the catalog's ARN
formats (`catalog.resources`).

A request names `*` or an ARN of one of the action's resource types (the simulator refuses
others: `catalog.arguments.check_request`). The exact language of a type is its format with
every placeholder taking any text (the catalog's loose tier, a superset of what it accepts);
narrower languages (placeholders without `/`, `aws` as partition, a fixed region and account)
are tried first only to make witnesses readable, and every witness is re-checked against the
catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from policysim.catalog.catalog import get_catalog
from policysim.catalog.model import ActionInfo
from policysim.catalog.resources import action_resources
from policysim.diff.automata import Nfa, Token, segments_nfa
from policysim.diff.solver import ANY_ARN, STAR_ONLY, ResourceSpace
from policysim.engine.evaluate import TRUST_ACTIONS

_PLACEHOLDER = re.compile(r"(\$\{[^}]*\})")
READABLE_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class TypedSpace:
    """One resource type of an action (or `*`), with what it means for evaluation."""

    name: str
    space: ResourceSpace
    strict: str | None
    """"trust" or "kms" when the engine makes the resource policy decisive for it."""


def _head(segment: str, readable: dict[str, str]) -> str:
    out = []
    for piece in _PLACEHOLDER.split(segment):
        if _PLACEHOLDER.fullmatch(piece):
            name = piece[2:-1].lower()
            out.append(readable.get(name, "*"))
        else:
            out.append(piece)
    text = "".join(out)
    return "+" if text == "*" and readable else text


def _resource_pieces(segment: str, mode: str) -> list[tuple[str, str]]:
    pieces = _PLACEHOLDER.split(segment)
    holders = [i for i, p in enumerate(pieces) if _PLACEHOLDER.fullmatch(p)]
    last = holders[-1] if holders else -1
    spans_last = (
        last == len(pieces) - 2 and pieces[-1] == "" and last > 0 and pieces[last - 1].endswith("/")
    )
    out: list[tuple[str, str]] = []
    for i, piece in enumerate(pieces):
        if i in holders:
            if mode == "loose":
                out.append(("any", ""))
            elif i == last and spans_last:
                out.append(("plus", ""))
            else:
                out.append(("plus", "/:") if mode == "readable" else ("nonslash", ""))
        else:
            for j, literal in enumerate(piece.split("*")):
                if j:
                    out.append(("any", ""))
                if literal:
                    out.append(("lit", literal))
    return out


def format_nfa(text: str, mode: str, account: str | None = None) -> Nfa | None:
    """One catalog format as an automaton: `loose` (exact superset), `strict` or `readable`."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    readable: dict[str, str] = {}
    if mode == "readable":
        readable = {"partition": "aws", "region": READABLE_REGION}
        if account:
            readable["account"] = account
    head = [_head(p, readable) for p in parts[1:5]]
    return segments_nfa(head, _resource_pieces(parts[5], mode))


def _strict_of(action: str, text: str) -> str | None:
    parts = text.split(":", 5)
    if len(parts) != 6:
        return None
    service, resource = parts[2].lower(), parts[5]
    if action.lower() in TRUST_ACTIONS and service == "iam" and resource.startswith("role/"):
        return "trust"
    if service == "kms" and resource.startswith("key/"):
        return "kms"
    return None


STAR = TypedSpace("*", STAR_ONLY, None)


def _shape(service: str, prefix: str) -> Nfa:
    """ARNs whose service segment is exactly `service` and whose resource starts with
    `prefix` (the engine's test for trust and key policies, case-sensitive)."""
    colon = frozenset({":"})
    tokens = [Token("lit", frozenset({c})) for c in "arn:"]
    tokens.append(Token("star", colon))
    tokens += [Token("lit", frozenset({c})) for c in f":{service}:"]
    tokens += [Token("star", colon), Token("lit", colon), Token("star", colon), Token("lit", colon)]
    tokens += [Token("lit", frozenset({c})) for c in prefix]
    tokens.append(Token("star", frozenset()))
    return Nfa(tuple(tokens))


KMS_KEY = _shape("kms", "key/")
ROLE = _shape("iam", "role/")


def _variants(name: str, space: ResourceSpace, action: str) -> list[TypedSpace]:
    """Split an ARN space by the engine's strict rules: KMS keys (key policy decisive), roles
    for the trust actions (trust policy decisive), and everything else."""
    trust = action.lower() in TRUST_ACTIONS
    shapes = [(KMS_KEY, "kms")] + ([(ROLE, "trust")] if trust else [])
    out = [TypedSpace(name, replace(space, required=(shape,)), strict) for shape, strict in shapes]
    out.append(TypedSpace(name, replace(space, excluded=tuple(s for s, _ in shapes)), None))
    return out


@lru_cache(maxsize=65536)
def action_spaces(action: str, account: str | None) -> tuple[TypedSpace, ...]:
    """`*` and each resource type of a catalog action (split by the strict rules); any ARN
    for actions the catalog does not know."""
    info: ActionInfo | None = get_catalog().action(action)
    if info is None:
        return (*_variants("any ARN", _unlisted_space(action, account), action), STAR)
    listed = action_resources(info)
    if listed.star_only:
        return (STAR,)
    if not listed.complete:
        return (*_variants("any ARN", ANY_ARN, action), STAR)
    out = []
    for name, formats in listed.types:
        exact = tuple(n for n in (format_nfa(f, "loose") for f in formats) if n is not None)
        preferred = (
            tuple(n for n in (format_nfa(f, "readable", account) for f in formats) if n),
            tuple(n for n in (format_nfa(f, "strict") for f in formats) if n is not None),
        )
        out += _variants(name, ResourceSpace(exact, preferred), action)
    return (*out, STAR)


def _unlisted_space(action: str, account: str | None) -> ResourceSpace:
    """Any ARN, for an action the catalog does not describe; a witness reads best as an ARN
    of the action's own service in a usual region and the resource's account."""
    service = action.partition(":")[0].lower().replace("*", "?")
    readable = [("plus", "/:")]
    preferred = (
        (segments_nfa(["aws", service, READABLE_REGION, account or "+"], readable),),
        (segments_nfa(["aws", service, "", ""], readable),),
        (segments_nfa(["aws", "+", READABLE_REGION, account or "+"], readable),),
        (segments_nfa(["aws", "+", "", account or "+"], readable),),
    )
    return replace(ANY_ARN, preferred=preferred)


@lru_cache(maxsize=4096)
def superset_spaces(action: str) -> tuple[TypedSpace, ...]:
    """Spaces covering every resource any action of a class could name, for a cheap first
    pass: `*` and any ARN, split by the strict rules."""
    return (STAR, *_variants("any ARN", ANY_ARN, action))


@lru_cache(maxsize=65536)
def space_services(action: str) -> frozenset[str]:
    """The ARN service segments (lower-cased) of an action's resource formats; `*` when any
    ARN may do (actions the catalog does not know, types without a format)."""
    info = get_catalog().action(action)
    if info is None:
        return frozenset({"*"})
    listed = action_resources(info)
    if not listed.complete:
        return frozenset({"*"})
    return frozenset(
        f.split(":", 3)[2].lower()
        for _, formats in listed.types
        for f in formats
        if f.count(":") >= 3
    )


@lru_cache(maxsize=4096)
def service_spaces(service: str, action: str) -> tuple[TypedSpace, ...]:
    """Every ARN whose service segment is `service` (any case), split by the strict rules: a
    superset of the formats of that service."""
    shape = segments_nfa(["*", service.replace("*", "?"), "*", "*"], [("any", "")])
    return tuple(_variants(service, ResourceSpace((shape,)), action))

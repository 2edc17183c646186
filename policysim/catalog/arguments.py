"""What people type as actions and resources (`s3:PutObject`, `s3:Get*`, an ARN) checked against
the catalog before any question is answered.

A question AWS would never be asked deserves an error, not an answer: an action that does not
exist, a resource that is not an ARN, an action on a resource of a type it does not act on
(`s3:ListBucket` on an object). Every command that takes actions and resources from a user
(check, explain, who-can, query, test, simulate) goes through these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from policysim.catalog.catalog import get_catalog
from policysim.catalog.model import ActionInfo
from policysim.catalog.names import action_problem
from policysim.catalog.resources import acts_on, resource_mismatch
from policysim.policy.arn import parse_arn
from policysim.policy.errors import PolicyError
from policysim.policy.wildcard import has_wildcard

ARN_SHAPE = "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE"


class UnknownActionError(PolicyError):
    """An action the catalog does not know, with the nearest names suggested."""


class ResourceArgumentError(PolicyError):
    """A resource that is neither an ARN nor `*`."""


class ResourceMismatchError(PolicyError):
    """An action asked about a resource of a type it does not act on."""


def resource_problem(text: str) -> str | None:
    """Why `text` is not a resource a request can name (an ARN or `*`), or None when it is."""
    if text == "*":
        return None
    arn = parse_arn(text)
    if arn is None:
        looks_like_action = ":" in text and "/" not in text and text.count(":") == 1
        hint = " (it looks like an action)" if looks_like_action else ""
        return f"{text!r} is not an ARN ({ARN_SHAPE}) or '*'{hint}"
    if not arn.partition or not arn.service or not arn.resource:
        return f"{text!r} is not an ARN: partition, service and resource must not be empty"
    return None


def check_resource(text: str, *, what: str = "resource") -> str:
    """Return `text` when it is an ARN or `*`; raise `ResourceArgumentError` otherwise."""
    problem = resource_problem(text)
    if problem is not None:
        raise ResourceArgumentError(f"{what} {problem}")
    return text


def unknown_action_problem(name: str) -> str | None:
    """Why an exact (wildcard-free) action name is unknown, with suggestions; None if known.
    The account loaders ask the same question of policy text (`names.action_problem`)."""
    return action_problem(name)


@dataclass(slots=True)
class LeftOut:
    """Actions a wildcard matched that do not act on the resource asked about."""

    pattern: str
    matched: int
    kept: int

    @property
    def count(self) -> int:
        """How many were left out."""
        return self.matched - self.kept

    def describe(self, resource: str) -> str:
        """One line for text output."""
        return (
            f"{self.pattern}: {self.count} of {self.matched} matching actions left out"
            f" (they do not act on {resource})"
        )

    def to_json(self) -> dict[str, Any]:
        """JSON for scripts."""
        return {
            "pattern": self.pattern,
            "matched": self.matched,
            "kept": self.kept,
            "left_out": self.count,
        }


@dataclass(slots=True)
class ActionSelection:
    """The actions to ask about, and what each wildcard left out for the resource."""

    actions: list[str] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)

    def notes(self, resource: str) -> list[str]:
        """One line per wildcard that left actions out."""
        return [entry.describe(resource) for entry in self.left_out if entry.count]

    def left_out_json(self) -> list[dict[str, Any]]:
        """The wildcards that left actions out, for `--json` output."""
        return [entry.to_json() for entry in self.left_out if entry.count]


def _matches(pattern: str) -> list[ActionInfo]:
    catalog = get_catalog()
    if ":" not in pattern and pattern != "*":
        raise UnknownActionError(f"action {pattern!r} is not of the form service:Action")
    if has_wildcard(pattern):
        found = catalog.expand(pattern)
        if not found:
            raise UnknownActionError(f"no action of the IAM catalog matches {pattern!r}")
        return found
    problem = unknown_action_problem(pattern)
    if problem is not None:
        raise UnknownActionError(problem)
    info = catalog.action(pattern)
    assert info is not None
    return [info]


def select_actions(patterns: list[str], resource: str = "*") -> ActionSelection:
    """Canonical action names for each argument, wildcards expanded, in the order given, kept
    only where they act on `resource`.

    An exact name must exist in the catalog (case-insensitive) and act on the resource
    (`ResourceMismatchError` naming what it acts on otherwise); a wildcard must match at least
    one action, and at least one that acts on the resource. `*` as the resource suits every
    action. The resource itself must already be an ARN or `*` (see `check_resource`).
    """
    out = ActionSelection()
    seen: set[str] = set()
    for pattern in patterns:
        found = _matches(pattern)
        if has_wildcard(pattern):
            kept = [info for info in found if acts_on(info, resource)]
            if not kept:
                raise ResourceMismatchError(
                    f"none of the {len(found)} actions matching {pattern!r} acts on {resource}"
                )
            out.left_out.append(LeftOut(pattern, len(found), len(kept)))
        else:
            mismatch = resource_mismatch(found[0], resource)
            if mismatch is not None:
                raise ResourceMismatchError(mismatch)
            kept = found
        for info in kept:
            if info.full_name.lower() not in seen:
                seen.add(info.full_name.lower())
                out.actions.append(info.full_name)
    return out


def expand_action_arguments(patterns: list[str]) -> list[str]:
    """Canonical action names for each argument, wildcards expanded, in the order given.

    An exact name must exist in the catalog (case-insensitive); a wildcard must match at least
    one action. Unknown names raise `UnknownActionError` with suggestions. No resource is
    considered: see `select_actions` for that.
    """
    return select_actions(patterns).actions


class RequestActionError(PolicyError):
    """The action of a single request is not one AWS could be asked to authorize."""


def check_request(action: str, resource: str) -> list[str]:
    """Vet the action and resource of one request (simulate, a batch case); return warnings.

    The resource must be an ARN or `*` (`ResourceArgumentError`); the action a name without
    wildcards (a request names one action) that the catalog knows, acting on the resource
    (`RequestActionError`, `UnknownActionError`, `ResourceMismatchError`). One exception is a
    warning rather than an error: a service prefix the catalog does not know at all. The
    catalog trails AWS's newest services, and AWS's own `SimulateCustomPolicy` answers for any
    action name, so such a request is answered as written, with the warning saying that
    nothing checked the action.
    """
    error, message, warnings = _request_verdict(action, resource)
    if error is not None:
        raise error(message)
    return list(warnings)


@lru_cache(maxsize=16384)
def _request_verdict(
    action: str, resource: str
) -> tuple[type[PolicyError] | None, str, tuple[str, ...]]:
    """`check_request`'s answer, remembered: a batch asks the same few questions many times."""
    problem = resource_problem(resource)
    if problem is not None:
        return ResourceArgumentError, problem, ()
    if has_wildcard(action):
        return (
            RequestActionError,
            f"{action!r} is a pattern; a request names one action (e.g. s3:GetObject)",
            (),
        )
    catalog = get_catalog()
    info = catalog.action(action)
    if info is None:
        problem = unknown_action_problem(action)
        assert problem is not None
        prefix = action.split(":", 1)[0]
        if ":" in action and prefix and not catalog.has_service(prefix):
            note = f"{problem} (answered as written: the IAM catalog does not describe it)"
            return None, "", (note,)
        return UnknownActionError, problem, ()
    mismatch = resource_mismatch(info, resource)
    if mismatch is not None:
        return ResourceMismatchError, mismatch, ()
    return None, "", ()


def split_action_resource(word: str) -> tuple[str, str | None]:
    """`s3:GetObject=arn:aws:s3:::b/k` -> (`s3:GetObject`, `arn:aws:s3:::b/k`); a word without
    `=` -> (word, None). Action names never hold `=`, so the first one separates; what follows
    is the resource as given (empty when nothing follows, which `select_action_resources`
    rejects)."""
    action, sep, resource = word.partition("=")
    return (action, resource) if sep else (word, None)


@dataclass(slots=True)
class ActionResources:
    """The requests of a command whose action words may each carry `=RESOURCE`: one
    (action, resource) pair per action to ask, in the order given, and what each wildcard
    left out for its resource."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    parts: list[tuple[str, ActionSelection]] = field(default_factory=list)
    """Each word's resource and its selection."""

    @property
    def resources(self) -> list[str]:
        """The distinct resources asked about, in order of first use."""
        return list(dict.fromkeys(resource for _, resource in self.requests))

    def notes(self) -> list[str]:
        """One line per wildcard that left actions out of its resource."""
        return [note for resource, part in self.parts for note in part.notes(resource)]

    def left_out_json(self) -> list[dict[str, Any]]:
        """The wildcards that left actions out, each with its resource, for `--json`."""
        return [
            {**entry, "resource": resource}
            for resource, part in self.parts
            for entry in part.left_out_json()
        ]


def select_action_resources(words: list[str], default_resource: str = "*") -> ActionResources:
    """The requests `words` ask for: each word an action or pattern (as `select_actions` takes
    them), optionally followed by `=RESOURCE`; words without `=` ask about `default_resource`.

    A resource after `=` must be an ARN or `*` (`ResourceArgumentError` naming the word); each
    action must act on its own resource. An action asked twice about one resource is asked
    once."""
    out = ActionResources()
    seen: set[tuple[str, str]] = set()
    for word in words:
        action, given = split_action_resource(word)
        resource = default_resource if given is None else given
        if given is not None:
            if not action:
                problem: str | None = "no action before '='"
            elif not given.strip():
                problem = "no resource after '=' (give an ARN or '*')"
            else:
                problem = resource_problem(given)
            if problem is not None:
                raise ResourceArgumentError(f"{word!r}: {problem}")
        part = select_actions([action], resource)
        out.parts.append((resource, part))
        for name in part.actions:
            if (name.lower(), resource) not in seen:
                seen.add((name.lower(), resource))
                out.requests.append((name, resource))
    return out

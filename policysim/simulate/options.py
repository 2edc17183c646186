"""Command-line spellings of evaluation options and context entries."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, get_type_hints

from policysim.engine.options import DEFAULT_OPTIONS, EvaluationOptions
from policysim.policy.errors import PolicyError

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


def option_names() -> list[str]:
    """Every option `--option NAME=VALUE` accepts."""
    return [f.name for f in fields(EvaluationOptions)]


def parse_options(items: list[str]) -> EvaluationOptions:
    """`name=value` pairs onto the defaults; unknown names and bad values are errors."""
    if not items:
        return DEFAULT_OPTIONS
    hints = get_type_hints(EvaluationOptions)
    changes: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in hints:
            names = ", ".join(option_names())
            raise PolicyError(f"--option {item!r}: expected NAME=VALUE with NAME one of: {names}")
        if hints[name] is bool:
            if value.lower() in _TRUE:
                changes[name] = True
            elif value.lower() in _FALSE:
                changes[name] = False
            else:
                raise PolicyError(f"--option {name}: {value!r} is not true or false")
        else:
            allowed = getattr(hints[name], "__args__", ())
            if allowed and value not in allowed:
                raise PolicyError(f"--option {name}: {value!r} is not one of {', '.join(allowed)}")
            changes[name] = value
    return replace(DEFAULT_OPTIONS, **changes)


def parse_context(items: list[str]) -> dict[str, str | list[str]]:
    """`key=value` entries; multivalued keys (per the catalog) split their value on commas.

    Each value must suit the key's type (`context_value_error`): an IP address for
    `aws:SourceIp`, a date for `aws:CurrentTime`, and so on.
    """
    from policysim.catalog import is_multivalued_key
    from policysim.catalog.key_values import context_value_error

    context: dict[str, str | list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise PolicyError(f"--context {item!r}: expected KEY=VALUE, e.g. aws:SourceIp=10.0.0.1")
        multivalued = is_multivalued_key(key)
        values = [v for v in value.split(",") if v] if multivalued else [value]
        for one in values:
            problem = context_value_error(key, one)
            if problem is not None:
                raise PolicyError(f"--context {key}: {problem}")
        context[key] = values if multivalued else value
    return context

"""Action names typed by people (`s3:PutObject`, `s3:Get*`) checked against the catalog."""

from __future__ import annotations

from policysim.catalog.catalog import get_catalog
from policysim.policy.errors import PolicyError
from policysim.policy.wildcard import has_wildcard


class UnknownActionError(PolicyError):
    """An action the catalog does not know, with the nearest names suggested."""


def expand_action_arguments(patterns: list[str]) -> list[str]:
    """Canonical action names for each argument, wildcards expanded, in the order given.

    An exact name must exist in the catalog (case-insensitive); a wildcard must match at least
    one action. Unknown names raise `UnknownActionError` with suggestions.
    """
    catalog = get_catalog()
    out: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        if ":" not in pattern and pattern != "*":
            raise UnknownActionError(f"action {pattern!r} is not of the form service:Action")
        if has_wildcard(pattern):
            found = [a.full_name for a in catalog.expand(pattern)]
            if not found:
                raise UnknownActionError(f"no action of the IAM catalog matches {pattern!r}")
        else:
            info = catalog.action(pattern)
            if info is None:
                prefix = pattern.split(":", 1)[0]
                if not catalog.has_service(prefix):
                    near = catalog.suggest_services(prefix)
                    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
                    raise UnknownActionError(f"unknown service prefix {prefix!r}{hint}")
                near = catalog.suggest_actions(pattern)
                hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
                raise UnknownActionError(f"unknown action {pattern!r}{hint}")
            found = [info.full_name]
        for name in found:
            if name.lower() not in seen:
                seen.add(name.lower())
                out.append(name)
    return out

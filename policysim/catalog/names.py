"""Why an Action entry or a condition key written in a policy names nothing the catalog knows.

The questions the linter's PS101/PS102/PS103/PS104 ask, in the form the account loaders need:
one sentence, or None when the name is fine. Answers are cached per distinct text, since the
same names recur across the thousands of policies of a large account.
"""

from __future__ import annotations

import re
from functools import lru_cache

from policysim.catalog.catalog import get_catalog
from policysim.policy.action import split_action
from policysim.policy.wildcard import has_wildcard

_KEY_SHAPE = re.compile(r"^[^:\s]+:\S+$")
DEPRECATED_GLOBAL_KEYS = frozenset({"aws:arn"})
"""Global keys AWS once documented: not unknown, only unwise (the linter's PS107 says why)."""


def _suggestion(names: list[str]) -> str:
    if not names:
        return ""
    if len(names) == 1:
        return f"; did you mean {names[0]!r}?"
    return "; did you mean " + ", ".join(repr(n) for n in names[:-1]) + f" or {names[-1]!r}?"


@lru_cache(maxsize=65536)
def action_problem(text: str) -> str | None:
    """Why an Action/NotAction entry matches no action of the catalog, or None.

    `*` is fine; so is any `service:Name` (wildcards allowed) that names or matches at least
    one catalog action, case-insensitively, as IAM compares them.
    """
    if text == "*":
        return None
    parts = split_action(text)
    if parts is None or not parts[0] or not parts[1] or any(c.isspace() for c in text):
        return f"{text!r} is not an action (service:Name)"
    catalog = get_catalog()
    prefix = parts[0]
    if not catalog.has_service(prefix):
        return f"unknown service prefix {prefix!r} in {text!r}" + _suggestion(
            catalog.suggest_services(prefix)
        )
    if has_wildcard(text):
        if catalog.expand(text):
            return None
        return f"{text!r} matches no action of service {prefix.lower()!r}"
    if catalog.action(text) is not None:
        return None
    return f"unknown action {text!r}" + _suggestion(catalog.suggest_actions(text))


@lru_cache(maxsize=65536)
def condition_key_problem(name: str) -> str | None:
    """Why a condition key is unknown, or None.

    Only `aws:` keys and keys whose prefix is an AWS service are judged: `saml:`, OIDC
    provider hosts (`token.actions.githubusercontent.com:sub`) and other issuers' keys are not
    in the catalog and are never reported. Templated keys resolve (`aws:ResourceTag/team`).
    """
    if not _KEY_SHAPE.match(name) or name.endswith("/"):
        return None
    catalog = get_catalog()
    prefix = name.partition(":")[0].lower()
    if prefix == "aws":
        if name.lower() in DEPRECATED_GLOBAL_KEYS or catalog.global_condition_key(name):
            return None
        return f"unknown global condition key {name!r}"
    if not catalog.has_service(prefix) or catalog.condition_key(name) is not None:
        return None
    return f"unknown condition key {name!r} for service {prefix!r}"

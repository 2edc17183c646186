"""Rule modules, one per group of the catalog; importing this package registers them all."""

from policysim.lint.rules import (  # noqa: F401
    analyzer,
    catalog_rules,
    escalation,
    exposure,
    hygiene,
    security,
    syntax,
)

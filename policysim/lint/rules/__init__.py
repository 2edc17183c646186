"""Rule modules, one per group of the catalog; importing this package registers them all."""

from policysim.lint.rules import (  # noqa: F401
    catalog_rules,
    escalation,
    exposure,
    hygiene,
    security,
    syntax,
)

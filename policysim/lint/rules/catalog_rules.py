"""PS1xx: catalog errors (unknown actions, condition keys, resource types, regions)."""

from __future__ import annotations

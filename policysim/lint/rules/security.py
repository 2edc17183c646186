"""PS2xx: security warnings (over-permissive grants, conditions that do not restrict)."""

from __future__ import annotations

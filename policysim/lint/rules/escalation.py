"""PS3xx: privilege escalation methods."""

from __future__ import annotations

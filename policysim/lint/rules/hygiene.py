"""PS5xx: suggestions and hygiene (no change in access, or dead and redundant parts)."""

from __future__ import annotations

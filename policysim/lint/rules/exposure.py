"""PS4xx: resource exposure and weak trust."""

from __future__ import annotations

"""Provers of "no new access", "not granted" and "no public access" (issue 11)."""

"""Filling the slots of a frozen, slotted dataclass directly, for records made by the
thousand on hot paths.

A frozen dataclass's `__init__` sets each field through `object.__setattr__`, which is most
of the cost of making one. The slot descriptors' own setters make the same object (equal,
hashed alike, still frozen to ordinary assignment) in about half the time. Callers make the
object with `object.__new__(cls)` and call each setter once, for every field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """The slot descriptors' setters of a slotted dataclass, in field order. `names` must be
    every field in order, so that a field added to the class cannot be left unset silently."""
    assert names == tuple(f.name for f in fields(cls)), cls
    return tuple(cls.__dict__[name].__set__ for name in names)

"""Locate the lark grammars, whether installed (inside the wheel) or in a source checkout."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def grammar_text(name: str) -> str:
    """Return the text of `grammars/<name>.lark`.

    The wheel ships the grammars as `policysim/grammars/`; a source checkout keeps them in the
    top-level `grammars/` folder beside the package.
    """
    filename = f"{name}.lark"
    packaged = resources.files("policysim").joinpath("grammars").joinpath(filename)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parent.parent / "grammars" / filename
    return checkout.read_text(encoding="utf-8")

"""The names `import policysim` promises resolve, and the type-checking imports agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import policysim


@pytest.mark.parametrize("name", policysim.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(policysim, name) is not None


def test_type_checking_imports_match_the_lazy_table() -> None:
    """A name added to the lazy table but not to the TYPE_CHECKING block is invisible to mypy
    users, and the reverse is a name that fails at run time."""
    tree = ast.parse(Path(policysim.__file__).read_text(encoding="utf-8"))
    typed = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.If)
        for child in node.body
        if isinstance(child, ast.ImportFrom)
        for alias in child.names
    }
    assert typed == set(policysim.__all__) - {"__version__"}


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = policysim.nope  # type: ignore[attr-defined]

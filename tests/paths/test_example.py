"""examples/paths/README.md: every command prints what the walkthrough shows.

The walkthrough has the format of examples/accounts (tests/examples/regenerate.py parses and
runs it; its `rewrite` refreshes the outputs)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "examples" / "paths" / "README.md"


def _walkthrough() -> ModuleType:
    path = ROOT / "tests" / "examples" / "regenerate.py"
    spec = importlib.util.spec_from_file_location("paths_walkthrough", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


walkthrough = _walkthrough()
STEPS = walkthrough.parse(README)


def test_the_example_has_commands() -> None:
    assert len(STEPS) >= 3


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_example_prints_what_it_shows(step: Any) -> None:
    result = walkthrough.run(step)
    assert result.status == step.expected_status, result.output + result.stderr
    assert result.output == step.expected_output
    assert result.stderr == ""

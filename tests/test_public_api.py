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


ORG_ENTRY_POINTS = [
    "load_accounts",
    "Snapshot",
    "UnreadableAccount",
    "Executor",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "ExecutorError",
    "who_can_org",
    "OrgWhoCan",
    "AccountFailure",
]


@pytest.mark.parametrize("name", ORG_ENTRY_POINTS)
def test_the_organization_entry_points_are_exported_with_docstrings(name: str) -> None:
    assert name in policysim.__all__
    value = getattr(policysim, name)
    assert (value.__doc__ or "").strip(), f"{name} has no docstring"


def test_the_organization_entry_points_run_without_dask() -> None:
    """Exported from `policysim.org`, they import no Dask until a DaskExecutor runs (checked in
    a fresh interpreter: this one may have imported Dask for other tests)."""
    import subprocess
    import sys

    code = (
        "import sys, policysim\n"
        "policysim.who_can_org, policysim.DaskExecutor, policysim.ProcessExecutor\n"
        "assert not any(m == 'dask' or m.startswith('dask.') for m in sys.modules), 'dask'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_who_can_org_answers_serially_from_the_top_level() -> None:
    resolver = policysim.open_resolver([Path(__file__).parent / "account" / "data" / "org-dir"])
    answer = policysim.who_can_org(
        resolver,
        "s3:GetObject",
        "arn:aws:s3:::payments-ledger/x",
        executor=policysim.SerialExecutor(),
    )
    assert isinstance(answer, policysim.OrgWhoCan)
    assert answer.failures == []
    accounts = resolver.snapshot.accounts.values()
    assert answer.report.checked == sum(len(a.users) + len(a.roles) for a in accounts)
    assert answer.report.allowed

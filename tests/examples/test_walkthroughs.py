"""Every command shown in examples/accounts/*/README.md prints what the README shows.

The format of a walkthrough (a ```sh block with one `policysim` command, its output in the
next fenced block, then a line `exit status: N`) is described in `regenerate.py`, which
refreshes the outputs: `python tests/examples/regenerate.py`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def _load_regenerate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("walkthrough_regenerate", HERE / "regenerate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


walkthrough = _load_regenerate()
ROOT: Path = walkthrough.ROOT
EXAMPLES: Path = walkthrough.EXAMPLES
READMES: list[Path] = walkthrough.readmes()
STEPS = [step for readme in READMES for step in walkthrough.parse(readme)]
ACCOUNT_DIRS = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
FIXTURES = sorted((ROOT / "fixtures" / "accounts").glob("*.yaml"))


def test_every_example_has_an_account_and_a_walkthrough() -> None:
    assert len(ACCOUNT_DIRS) >= 10
    for folder in ACCOUNT_DIRS:
        assert (folder / "account.yaml").is_file(), folder
        assert (folder / "README.md").is_file(), folder


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.parent.name)
def test_walkthrough_shows_three_to_six_commands_with_outputs(readme: Path) -> None:
    steps = walkthrough.parse(readme)
    assert 3 <= len(steps) <= 6, f"{readme}: {len(steps)} commands"
    for step in steps:
        assert step.expected_output is not None, f"{step.id}: no output block after the command"
        assert step.expected_status is not None, f"{step.id}: no 'exit status: N' line"
        assert step.expected_status in (0, 1), f"{step.id}: exit status 2 is an input error"
        argv = step.argv
        if argv[0] in ("check", "explain", "who-can"):
            assert "--now" in argv, f"{step.id}: pass --now so the output does not change"
            account = argv[argv.index("--account") + 1]
            assert (ROOT / account).is_file(), f"{step.id}: no file {account}"


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
def test_command_prints_what_the_walkthrough_shows(step: Any) -> None:
    result = walkthrough.run(step)
    where = f"{step.readme.relative_to(ROOT)}:{step.line}: {step.command}"
    hint = "\n(refresh with: python tests/examples/regenerate.py, then read the diff)"
    assert result.status == step.expected_status, (
        f"{where}\nexit status {result.status}\n{result.output}{result.stderr}{hint}"
    )
    assert result.output == step.expected_output, f"{where}{hint}"
    assert result.stderr == "", f"{where}: wrote to stderr: {result.stderr}"


def test_regenerate_is_idempotent_on_a_parsed_walkthrough(tmp_path: Path) -> None:
    # The rewriter keeps prose and replaces only output blocks and status lines.
    readme = tmp_path / "README.md"
    readme.write_text(
        "# t\n\nText.\n\n```sh\n# a comment\npolicysim --version\n```\n\nMore text.\n",
        encoding="utf-8",
    )
    text, changed = walkthrough.rewrite(readme)
    assert changed == [f"{tmp_path.name}:5"]
    readme.write_text(text, encoding="utf-8")
    (step,) = walkthrough.parse(readme)
    assert step.expected_output.startswith("policysim ")
    assert step.expected_status == 0
    assert "More text." in text
    again, changed = walkthrough.rewrite(readme)
    assert (again, changed) == (text, [])


@pytest.mark.parametrize(
    "path",
    [p / "account.yaml" for p in ACCOUNT_DIRS] + FIXTURES,
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_account_file_loads(path: Path) -> None:
    from policysim.account.loaders import load_snapshot

    snapshot = load_snapshot(path)
    assert snapshot.accounts


@pytest.mark.parametrize(
    "path", sorted(EXAMPLES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_shipped_json_policy_is_the_one_in_the_account(path: Path) -> None:
    # simulate-based steps read a JSON copy of a resource policy; it must not drift from the
    # policy in the example's account.yaml.
    import json

    import yaml

    account = yaml.safe_load((path.parent / "account.yaml").read_text(encoding="utf-8"))
    accounts = account.get("accounts", [account])
    policies = [r.get("policy") for a in accounts for r in (a.get("resources") or {}).values()]
    assert json.loads(path.read_text(encoding="utf-8")) in policies

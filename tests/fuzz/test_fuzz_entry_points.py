"""Fuzz every entry point in-process: each input ends in an answer or a clean error, fast.

Inputs come from `fuzz_inputs` (seeded mutations of AWS managed policies, account files and
batch cases; random structures and strings; hostile CLI values). Hypothesis draws the seed, so a
failure prints a seed that reproduces it (`fuzz_inputs.GENERATORS[name](random.Random(seed))`).
`benchmarks/fuzz.py` runs the same generators over many more inputs.
"""

from __future__ import annotations

import contextlib
import json
import random
from typing import Any

import fuzz_inputs as fz
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from policysim.policy.build import policy_from_data
from policysim.policy.errors import PolicyError
from policysim.policy.json_grammar import parse_with_grammar
from policysim.policy.kinds import PolicyKind
from policysim.policy.located_json import FastPathDeclinedError, scan_located_json
from policysim.policy.source import parse_source

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SECONDS = 10.0


def check(outcome: fz.Outcome) -> None:
    assume(not outcome.known)  # being fixed on another branch (fuzz_inputs.KNOWN)
    assert outcome.problem is None, (
        f"{outcome.problem}\n{outcome.case.describe()}\n"
        f"stderr: {outcome.stderr[:1000]!r}\n{outcome.trace or ''}"
    )
    assert outcome.seconds < SECONDS


def run(name: str, seed: int) -> fz.Outcome:
    case = fz.GENERATORS[name](random.Random(seed))
    return fz.run_case(case, SECONDS)


@pytest.mark.parametrize("name", ["simulate", "batch", "account", "cli"])
@FAST
@given(seed=SEEDS)
def test_commands_end_cleanly(name: str, seed: int) -> None:
    check(run(name, seed))


@FAST
@given(seed=SEEDS)
def test_lint_ends_cleanly(seed: int) -> None:
    rnd = random.Random(seed)
    case = fz.gen_lint(rnd)
    # configuration files have a test of their own (below)
    case.files = {k: v for k, v in case.files.items() if not k.endswith(".toml")}
    if "--no-config" not in case.argv:
        case.argv.insert(1, "--no-config")
    check(fz.run_case(case, SECONDS))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(seed=SEEDS)
def test_lint_configuration_files_end_cleanly(seed: int) -> None:
    rnd = random.Random(seed)
    case = fz.gen_lint(rnd)
    case.argv = [a for a in case.argv if a != "--no-config"]
    case.files.update(fz.config_file(rnd))
    check(fz.run_case(case, SECONDS))


def test_outcomes_are_classified() -> None:
    """The runner itself: an answer, a clean error, and a crash are told apart."""
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]}).encode()
    argv = ["simulate", "--policy", "@p.json", "--action", "s3:GetObject"]
    allowed = fz.run_case(fz.Case("simulate", argv, {"p.json": policy}))
    assert (allowed.code, allowed.problem) == (0, None)
    broken = fz.run_case(fz.Case("simulate", argv, {"p.json": b"{"}))
    assert broken.code == 2 and broken.problem is None
    assert broken.stderr.startswith("policysim: error:")


# --- library entry points ---------------------------------------------------------------------

TEXTS = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda seed: fz.mutate_text(
            random.Random(seed), json.dumps(random.Random(seed).choice(fz.managed_seeds())), False
        ),
        SEEDS,
    ),
    st.sampled_from(fz.JSON_SNIPPETS),
)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_both_json_readers_raise_only_policy_errors(text: str) -> None:
    """The grammar path refuses bad JSON with a located `PolicyError`; the fast scanner
    either returns the same tree or declines (then the grammar path decides)."""
    try:
        expected: Any = parse_with_grammar(text, "p.json").to_plain()
    except PolicyError:
        expected = PolicyError
    try:
        fast: Any = scan_located_json(text).to_plain()
    except FastPathDeclinedError:
        return
    assert fast == expected


YAML_TEXTS = st.builds(
    lambda seed: fz.mutate_text(
        random.Random(seed), fz.to_yaml(random.Random(seed).choice(fz.managed_seeds())), True
    ),
    SEEDS,
) | st.sampled_from(fz.YAML_SNIPPETS)


@settings(max_examples=150, deadline=None)
@given(st.one_of(TEXTS, YAML_TEXTS), st.sampled_from(["p.json", "p.yaml"]))
def test_parse_and_validate_raise_only_policy_errors(text: str, file: str) -> None:
    """Parsing (JSON or YAML, by name and content) and building a policy of every kind end in
    a policy or a `PolicyError` (the command line prints it as one line)."""
    try:
        node = parse_source(fz.encode(text), file)
    except PolicyError:
        return
    for kind in PolicyKind:
        with contextlib.suppress(PolicyError):
            policy_from_data(node.to_plain(), file=file, kind=kind)


@settings(max_examples=150, deadline=None)
@given(SEEDS)
def test_mutated_policies_validate_or_raise_policy_errors(seed: int) -> None:
    rnd = random.Random(seed)
    data = fz.mutate_data(rnd, rnd.choice(fz.managed_seeds()))
    for kind in PolicyKind:
        with contextlib.suppress(PolicyError):
            policy_from_data(data, file="p.json", kind=kind)

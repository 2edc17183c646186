"""The prover answers every hand-written case as written (data/pairs.yaml, data/public.yaml).

`test_case_data.py` proves the answers with the engine alone; this module asks the prover the
same questions: every expected PASS is PASS, every expected FAIL is FAIL with a witness, every
public policy fails `verify_no_public_access` and every non-public one passes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policysim.diff import Outcome, diff_documents, verify_no_public_access
from policysim.policy.build import policy_from_data

DATA = Path(__file__).parent / "data"
PAIRS: list[dict[str, Any]] = yaml.safe_load((DATA / "pairs.yaml").read_text())
PUBLIC: list[dict[str, Any]] = yaml.safe_load((DATA / "public.yaml").read_text())


@pytest.mark.parametrize("case", PAIRS, ids=[c["id"] for c in PAIRS])
def test_diff_answers_each_pair(case: dict[str, Any]) -> None:
    old = policy_from_data(case["old"], file="old.json")
    new = policy_from_data(case["new"], file="new.json")
    report = diff_documents(old, new, case["type"])
    assert report.result == Outcome(case["expected"]), report.unknown
    if case["expected"] == "FAIL":
        assert report.findings


@pytest.mark.parametrize("case", PUBLIC, ids=[c["id"] for c in PUBLIC])
def test_verify_public_answers_each_policy(case: dict[str, Any]) -> None:
    policy = policy_from_data(case["policy"], file="policy.json")
    report = verify_no_public_access(policy, case["resource_type"])
    expected = Outcome.FAIL if case["public"] else Outcome.PASS
    assert report.result == expected, report.unknown

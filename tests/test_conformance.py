"""The conformance suites (copies of ../shared/conformance) as data-driven tests.

Every case must produce its `expected` decision, except the known exceptions of
`data/conformance/known_exceptions.json`: cases where the suite's reference simulator departs
from the AWS documentation. For those the engine must give the documented decision, and the
tests at the end prove each departure's explanation by reproducing the suite's answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policysim.catalog import get_catalog
from policysim.engine.conditions import dates
from policysim.engine.options import EvaluationOptions
from policysim.policy.source import strict_loads
from policysim.simulate.cases import DECISIONS, parse_case, run_case

DATA = Path(__file__).parent / "data" / "conformance"
SUITES = ("handwritten", "spec-vectors", "random-2000")
SUITE_SIZES = {"handwritten": 131, "spec-vectors": 100, "random-2000": 2000}
EXCEPTIONS_FILE = DATA / "known_exceptions.json"


@dataclass(frozen=True, slots=True)
class Entry:
    suite: str
    line: int
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])


def _load() -> list[Entry]:
    entries: list[Entry] = []
    for suite in SUITES:
        text = (DATA / f"{suite}.jsonl").read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                entries.append(Entry(suite, number, strict_loads(line)))
    return entries


CASES = _load()
BY_ID = {entry.id: entry for entry in CASES}
EXCEPTIONS: dict[str, dict[str, str]] = {
    row["id"]: row for row in json.loads(EXCEPTIONS_FILE.read_text(encoding="utf-8"))
}
# Why each exception departs from the suite (proved by the tests at the end).
EPOCH_DATE_EXCEPTIONS = (
    "rnd-00624",
    "rnd-00747",
    "rnd-00898",
    "rnd-01013",
    "rnd-01506",
    "rnd-01698",
    "rnd-01715",
)
RCP_SERVICE_EXCEPTIONS = ("rnd-00208", "rnd-01602", "rnd-01844")


def decide(entry: Entry, options: EvaluationOptions | None = None) -> str:
    case = parse_case(entry.data)
    return run_case(case, options or EvaluationOptions()).decision.value


# --- the suites --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", CASES, ids=[entry.id for entry in CASES])
def test_case(entry: Entry) -> None:
    exception = EXCEPTIONS.get(entry.id)
    want = exception["documented_decision"] if exception else entry.data["expected"]
    got = decide(entry)
    detail = entry.data.get("note") or entry.data.get("why") or ""
    assert got == want, f"{entry.suite}.jsonl line {entry.line}: {detail}"


def test_every_suite_is_complete_with_unique_ids() -> None:
    sizes = {suite: sum(1 for e in CASES if e.suite == suite) for suite in SUITES}
    assert sizes == SUITE_SIZES
    assert len(BY_ID) == len(CASES)
    assert all(e.data.get("expected") in DECISIONS for e in CASES)


# --- the known exceptions ----------------------------------------------------------------------


def test_known_exceptions_are_well_formed() -> None:
    rows = json.loads(EXCEPTIONS_FILE.read_text(encoding="utf-8"))
    assert len(rows) == len(EXCEPTIONS) == 10
    for row in rows:
        assert set(row) == {"id", "expected_by_suite", "documented_decision", "reason", "doc"}
        entry = BY_ID[row["id"]]
        assert entry.suite == "random-2000"
        assert row["expected_by_suite"] == entry.data["expected"]
        assert row["documented_decision"] != row["expected_by_suite"]
        assert row["doc"].startswith("https://docs.aws.amazon.com/")
    assert set(EXCEPTIONS) == {*EPOCH_DATE_EXCEPTIONS, *RCP_SERVICE_EXCEPTIONS}


@pytest.fixture
def epoch_as_milliseconds(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Read a pure-integer date as milliseconds since 1970, as the suite's simulator does."""
    seconds = dates.parse_date

    def parse(text: str) -> Decimal | None:
        if re.fullmatch(r"[0-9]+", text):
            return Decimal(text) / 1000
        return seconds(text)

    monkeypatch.setattr(dates, "parse_date", parse)
    yield


def _random_mismatches(options: EvaluationOptions | None = None) -> set[str]:
    return {
        e.id for e in CASES if e.suite == "random-2000" and decide(e, options) != e.data["expected"]
    }


def test_epoch_date_exceptions_are_the_cases_that_epoch_seconds_decide() -> None:
    # Each case's policy compares aws:CurrentTime with "1704067200", 2024-01-01T00:00:00Z.
    for case_id in EPOCH_DATE_EXCEPTIONS:
        assert '"1704067200"' in json.dumps(BY_ID[case_id].data)


@pytest.mark.usefixtures("epoch_as_milliseconds")
def test_epoch_as_milliseconds_reproduces_the_suite_exactly_where_documented_seconds_differ() -> (
    None
):
    for case_id in EPOCH_DATE_EXCEPTIONS:
        entry = BY_ID[case_id]
        assert decide(entry) == entry.data["expected"], case_id
    # Reading epochs as milliseconds changes nothing else: only the RCP exceptions remain.
    assert _random_mismatches() == set(RCP_SERVICE_EXCEPTIONS)


def test_rcps_on_every_service_reproduce_the_suite_for_the_rcp_exceptions() -> None:
    everywhere = EvaluationOptions(rcps_apply_to_all_services=True)
    for case_id in RCP_SERVICE_EXCEPTIONS:
        entry = BY_ID[case_id]
        assert decide(entry, everywhere) == entry.data["expected"], case_id
    # The option explains exactly these cases: only the epoch exceptions remain.
    assert _random_mismatches(everywhere) == set(EPOCH_DATE_EXCEPTIONS)


def test_rcp_exceptions_concern_services_outside_the_rcp_list() -> None:
    supported = get_catalog().rcp_supported_services()
    for case_id in RCP_SERVICE_EXCEPTIONS:
        entry = BY_ID[case_id]
        service = entry.data["request"]["action"].split(":")[0].lower()
        assert service not in supported, case_id
        assert entry.data["rcps"], case_id

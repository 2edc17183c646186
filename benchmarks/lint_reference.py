"""How much of AWS IAM Access Analyzer's policy validation `policysim lint` finds, offline.

Run:  .venv/bin/python benchmarks/lint_reference.py [--data FILE]... [--json] [--verbose]

The data (benchmarks/reference/analyzer_checks.yaml) holds one entry per check of Access
Analyzer's policy validation check reference (ERROR, SECURITY_WARNING, WARNING, SUGGESTION):
a policy written to trigger the check, the policy type it is validated as, the policysim rules
expected to report it, and a near miss: a correct policy, as close to the trigger as possible,
that must get no error- or security-severity finding. The policies are written for this file;
no text is copied from AWS or from other linters. A second file
(benchmarks/reference/parliament_cases.yaml) does the same for what the unit tests of
parliament (duo-labs, BSD) check: the defects they expect reported and the policies they
expect clean, rewritten as new policies, measured and printed on their own.

Every policy is linted in this process with the default rules (`lint_source`, as
`policysim lint` does). Printed:

- recall: the share of triggering policies on which lint reports one of the expected rules,
  overall and by finding type; checks that need more than the document (the account, the
  resource a policy is attached to, a choice the author made on purpose) are marked `blind`
  with the reason, listed, and left out of the share;
- the near-miss false-positive rate: the share of near misses with an error- or
  security-severity finding;
- every miss and every false positive, with what lint reported instead.

Exit status 0 always (it is a measurement); tests/lint/test_reference_checks.py pins the
figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policysim.lint.finding import Finding, Severity
from policysim.lint.policy_type import parse_kind
from policysim.lint.runner import LintOptions, lint_source

REFERENCE = Path(__file__).resolve().parent / "reference"
DATA = REFERENCE / "analyzer_checks.yaml"
PARLIAMENT_DATA = REFERENCE / "parliament_cases.yaml"
ANALYZER = "access-analyzer"
FINDING_TYPES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")
BLOCKING = frozenset({Severity.ERROR, Severity.SECURITY})
"""Severities a correct policy must never get: they fail a pre-commit hook."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One Access Analyzer check with its triggering policy and its near miss."""

    check: str
    finding_type: str
    """Access Analyzer's finding type, or for other sources their own issue id."""
    policy_type: str
    expect: tuple[str, ...]
    trigger: str
    near_miss: str
    near_miss_type: str
    blind: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Outcome:
    """What lint said about one entry."""

    entry: Entry
    trigger_rules: list[str]
    hit: bool
    near_miss_blocking: list[Finding]


@dataclass(slots=True)
class Report:
    """Recall and false positives over all entries."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def scored(self, finding_type: str | None = None) -> list[Outcome]:
        """Outcomes that count toward recall (not blind), of one finding type or all."""
        return [
            o
            for o in self.outcomes
            if o.entry.blind is None
            and (finding_type is None or o.entry.finding_type == finding_type)
        ]

    def recall(self, finding_type: str | None = None) -> float:
        """Share of scored triggering policies on which an expected rule fired."""
        scored = self.scored(finding_type)
        return sum(o.hit for o in scored) / len(scored) if scored else 1.0

    def misses(self) -> list[Outcome]:
        """Scored entries whose trigger no expected rule reported."""
        return [o for o in self.scored() if not o.hit]

    def blind(self) -> list[Outcome]:
        """Entries lint cannot judge from the document alone."""
        return [o for o in self.outcomes if o.entry.blind is not None]

    def false_positives(self) -> list[Outcome]:
        """Entries whose near miss got an error- or security-severity finding."""
        return [o for o in self.outcomes if o.near_miss_blocking]

    def false_positive_rate(self) -> float:
        """Share of near misses with an error- or security-severity finding."""
        return len(self.false_positives()) / len(self.outcomes) if self.outcomes else 0.0


def _document(spec: Any) -> str:
    """A policy's text: a string is used as it is (broken JSON, odd layouts); a list is the
    statements of a 2012-10-17 policy; `{repeat: STATEMENT, times: N}` is N numbered copies
    of one statement (for the size quotas); any other mapping is the whole document."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and "repeat" in spec:
        template, times = spec["repeat"], int(spec["times"])
        spec = [{"Sid": f"S{i}", **template} for i in range(times)]
    if isinstance(spec, list):
        spec = {"Version": "2012-10-17", "Statement": spec}
    if isinstance(spec, dict):
        return json.dumps(spec, indent=2)
    raise ValueError(f"a policy must be text, a list of statements or a document, not {spec!r}")


def _entry(raw: dict[str, Any], position: int, source: str) -> Entry:
    where = f"entry {position} ({raw.get('check', '?')})"
    try:
        finding_type = str(raw["type"])
        if source == ANALYZER and finding_type not in FINDING_TYPES:
            raise ValueError(f"{where}: type {finding_type!r} is not one of {FINDING_TYPES}")
        policy_type = str(raw["policy_type"])
        parse_kind(policy_type)
        expect = raw.get("expect") or []
        if not isinstance(expect, list) or not all(isinstance(r, str) for r in expect):
            raise ValueError(f"{where}: expect must be a list of rule ids")
        blind = raw.get("blind")
        if not expect and not blind:
            raise ValueError(f"{where}: an entry expects a rule or says why lint is blind")
        near_miss_type = str(raw.get("near_miss_type", policy_type))
        parse_kind(near_miss_type)
        return Entry(
            check=str(raw["check"]),
            finding_type=finding_type,
            policy_type=policy_type,
            expect=tuple(expect),
            trigger=_document(raw["trigger"]),
            near_miss=_document(raw["near_miss"]),
            near_miss_type=near_miss_type,
            blind=str(blind) if blind else None,
            note=str(raw["note"]) if raw.get("note") else None,
        )
    except KeyError as missing:
        raise ValueError(f"{where}: missing {missing}") from None


def load_entries(path: Path = DATA) -> list[Entry]:
    """The reference entries of a data file, checked for shape. The file's `source` says whose
    checks they are (`access-analyzer` unless given; its types are Access Analyzer's four)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    checks = raw.get("checks") if isinstance(raw, dict) else None
    if not isinstance(checks, list):
        raise ValueError(f"{path}: expected a mapping with a 'checks' list")
    source = str(raw.get("source", ANALYZER))
    return [_entry(item, i, source) for i, item in enumerate(checks, 1)]


def lint_text(text: str, policy_type: str, options: LintOptions | None = None) -> list[Finding]:
    """Lint one policy as `policysim lint --type policy_type` does, with the default rules."""
    kind, service = parse_kind(policy_type)
    return lint_source(text, "reference.json", kind=kind, service=service, options=options)


def evaluate(entries: Iterable[Entry]) -> Report:
    """Lint every trigger and near miss."""
    options = LintOptions()
    report = Report()
    start = time.perf_counter()
    for entry in entries:
        found = lint_text(entry.trigger, entry.policy_type, options)
        rules = sorted({f.rule for f in found})
        hit = any(rule in entry.expect for rule in rules)
        clean = lint_text(entry.near_miss, entry.near_miss_type, options)
        blocking = [f for f in clean if f.severity in BLOCKING]
        report.outcomes.append(Outcome(entry, rules, hit, blocking))
    report.seconds = time.perf_counter() - start
    return report


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def render(report: Report, verbose: bool = False, title: str = "Access Analyzer checks") -> str:
    """The figures and the lists, as text (the breakdown by Access Analyzer finding type when
    the entries have those types)."""
    lines: list[str] = []
    scored = report.scored()
    lines.append(
        f"{title}: {len(report.outcomes)} "
        f"({len(scored)} scored, {len(report.blind())} blind to a document-only linter); "
        f"linted in {report.seconds:.1f}s"
    )
    hits = sum(o.hit for o in scored)
    lines.append(f"recall: {_percent(report.recall())} ({hits}/{len(scored)})")
    by_type = any(o.entry.finding_type in FINDING_TYPES for o in report.outcomes)
    for finding_type in FINDING_TYPES if by_type else ():
        subset = report.scored(finding_type)
        got = sum(o.hit for o in subset)
        lines.append(
            f"  {finding_type:<17} {_percent(report.recall(finding_type)):>6} ({got}/{len(subset)})"
        )
    fps = report.false_positives()
    lines.append(
        f"near misses with an error or security finding: {_percent(report.false_positive_rate())} "
        f"({len(fps)}/{len(report.outcomes)})"
    )
    if report.misses():
        lines.append("\nmisses (check, type: expected -> what lint reported):")
        for o in report.misses():
            got = ", ".join(o.trigger_rules) or "nothing"
            lines.append(
                f"  - {o.entry.check} [{o.entry.finding_type}, {o.entry.policy_type}]: "
                f"{'/'.join(o.entry.expect)} -> {got}"
            )
    if fps:
        lines.append("\nfalse positives on near misses:")
        for o in fps:
            for f in o.near_miss_blocking:
                lines.append(f"  - {o.entry.check}: {f.rule} {f.severity.value}: {f.message}")
    if report.blind():
        lines.append("\nblind (not scored):")
    for o in report.blind():
        seen = " (lint reports it anyway)" if o.hit else ""
        lines.append(f"  - {o.entry.check} [{o.entry.finding_type}]: {o.entry.blind}{seen}")
    if verbose:
        lines.append("\nall entries:")
        for o in report.outcomes:
            mark = "blind" if o.entry.blind else ("hit" if o.hit else "MISS")
            lines.append(f"  {mark:<5} {o.entry.check}: {', '.join(o.trigger_rules)}")
    return "\n".join(lines)


def summary(report: Report) -> dict[str, Any]:
    """The figures as JSON."""
    return {
        "checks": len(report.outcomes),
        "scored": len(report.scored()),
        "blind": [o.entry.check for o in report.blind()],
        "recall": report.recall(),
        "recall_by_type": {t: report.recall(t) for t in FINDING_TYPES},
        "near_miss_false_positive_rate": report.false_positive_rate(),
        "misses": [o.entry.check for o in report.misses()],
        "false_positives": {
            o.entry.check: [f.rule for f in o.near_miss_blocking] for o in report.false_positives()
        },
        "seconds": report.seconds,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--data", type=Path, action="append", help="a data file (default: both shipped ones)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--verbose", action="store_true", help="list every entry")
    args = parser.parse_args(argv)
    paths: list[Path] = args.data or [DATA, PARLIAMENT_DATA]
    summaries: dict[str, Any] = {}
    texts: list[str] = []
    for path in paths:
        try:
            entries = load_entries(path)
        except (OSError, ValueError, yaml.YAMLError) as err:
            print(f"lint_reference: {err}", file=sys.stderr)
            return 2
        report = evaluate(entries)
        title = "Access Analyzer checks" if path == DATA else f"{path.stem} cases"
        summaries[path.stem] = summary(report)
        texts.append(render(report, args.verbose, title))
    print(json.dumps(summaries, indent=2) if args.json else "\n\n".join(texts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

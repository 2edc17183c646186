"""Where `policysim lint` spends its time on a corpus: reading and scanning files, building the
document context, and each rule's own share.

Run:  .venv/bin/python scripts/lint_rule_times.py [--corpus DIR] [--top N] [--passes 2]

Lints every file in one process pinned to one core (as `benchmarks/bench_lint.py` measures
"one core"), after one warm-up file, with the cyclic collector off as the CLI runs. Each rule's
check is wrapped in a timer; a rule that first asks for a fact several rules share (the
flagged action entries, a statement's condition entries) is charged for building it, so read
the per-rule figures as "where to look", not as what removing the rule would save. The
wrapping itself costs about 0.4 us per rule and document, included in the total. A pass's
total is the CPU time of the linting thread (`time.thread_time`); the parts are wall-clock
(`time.perf_counter`, which costs a tenth of a CPU-clock read and so distorts less), so on a
busy machine the parts can add up to more than the total ("the rest" then comes out low).

`--passes 2` lints the corpus a second time in the same process and prints both passes per
rule. The benchmark measures the first pass; the difference is first-time work, which fills
process-wide memos (per action text, per pattern, per ARN) and builds the catalog's records
of each service a document names, and which a later pass finds done.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from policysim.lint import registry
from policysim.lint.context import Issue, LintContext
from policysim.lint.inputs import load_path
from policysim.lint.registry import Check, Rule
from policysim.lint.runner import LintOptions, lint_node

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "aws-managed"


def timed(rule: Rule, seconds: dict[str, float]) -> Rule:
    """The rule with its check timed into `seconds[rule.id]`."""
    check: Check = rule.check

    def timed_check(ctx: LintContext) -> Iterable[Issue]:
        start = time.perf_counter()
        issues = list(check(ctx))
        seconds[rule.id] += time.perf_counter() - start
        return issues

    return replace(rule, check=timed_check)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--top", type=int, default=40, help="How many rules to list.")
    parser.add_argument(
        "--passes", type=int, choices=(1, 2), default=1, help="2: lint the corpus twice."
    )
    args = parser.parse_args()
    if not args.corpus.is_dir():
        parser.error(f"no corpus directory {args.corpus} (give one with --corpus)")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    files = sorted(str(p) for p in args.corpus.rglob("*") if p.is_file())
    seconds: dict[str, float] = defaultdict(float)
    registry.all_rules()
    for rule_id, rule in list(registry.RULES.items()):
        registry.RULES[rule_id] = timed(rule, seconds)
    options = LintOptions()
    reading = 0.0

    def lint_one(path: str) -> None:
        nonlocal reading
        start = time.perf_counter()
        loaded = load_path(path)
        reading += time.perf_counter() - start
        for target in loaded.targets:
            lint_node(
                target.root, target.file, kind=target.kind, options=options, source=target.text
            )

    lint_one(files[0])  # warm-up: rule registry, catalog
    passes: list[dict[str, float]] = []
    for number in range(1, args.passes + 1):
        seconds.clear()
        reading = 0.0
        gc.disable()
        cpu = time.thread_time()
        for path in files:
            lint_one(path)
        cpu = time.thread_time() - cpu
        gc.enable()
        rules = sum(seconds.values())
        rest = cpu - reading - rules
        print(
            f"pass {number}, {len(files)} files: CPU {cpu:.3f} s; reading and scanning"
            f" {reading:.3f} s; rules {rules:.3f} s; the rest (context, folding, sorting)"
            f" {rest:.3f} s"
        )
        passes.append(dict(seconds))
    first = passes[0]
    ranked = sorted(first.items(), key=lambda item: -item[1])
    running = 0.0
    for rank, (rule_id, spent) in enumerate(ranked[: args.top], 1):
        running += spent
        line = f"{rank:4} {rule_id}  {spent * 1000:7.1f} ms  (top {rank}: {running:.3f} s)"
        if len(passes) > 1:
            again = passes[1].get(rule_id, 0.0)
            line += f"  pass 2 {again * 1000:7.1f} ms, first-time {(spent - again) * 1000:6.1f} ms"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

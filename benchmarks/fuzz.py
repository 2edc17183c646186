"""A long fuzz run over every command, and pathological sizes that must grow linearly.

Run:  .venv/bin/python benchmarks/fuzz.py [COUNT] [--seed N] [--time-limit S] [--no-sizes]

Part 1 drives the generators of `tests/fuzz/fuzz_inputs.py` (seeded mutations of AWS managed
policies, account files, batch cases, CloudFormation templates, Terraform plans, lint
configuration files and command-line values) through the command line in this process: the
typer app run as the console script runs it, in a scratch directory, each input stopped after
`--time-limit` seconds (SIGALRM). The process's address space is limited (`--memory-gib`), so
a memory blow-up shows as a MemoryError rather than swapping. It prints the inputs tried, the
outcomes by command and exit code, the failures grouped by cause (exception type and the
innermost policysim frame, or the broken property) with one reproducer each, and the slowest
inputs. Input `i` of seed `s` is `fuzz_inputs.generate(random.Random(f"{s}-{i}"))`.

Part 2 measures sizes a hostile or simply large input can reach: adversarial globs (k stars
against n characters), an account of 50,000 roles (who-can), 10,000 condition values
(simulate) and 4,000 statements (lint). Each is timed at a few sizes; "growth" is the ratio of
the time growth to the size growth between the smallest and the largest size (about 1 for
linear work, about the size ratio for quadratic work).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fuzz"))

import fuzz_inputs as fz  # noqa: E402


def fuzz(count: int, seed: int, seconds: float) -> None:
    outcomes: Counter[tuple[str, int | str]] = Counter()
    failures: dict[str, list[tuple[int, fz.Outcome]]] = defaultdict(list)
    slowest: list[tuple[float, int, str]] = []
    start = time.perf_counter()
    for i in range(count):
        case = fz.generate(random.Random(f"{seed}-{i}"))
        try:
            outcome = fz.run_case(case, seconds)
        except MemoryError:
            outcome = fz.Outcome(case, "internal", "", "", 0.0, "MemoryError in the harness")
        outcomes[(case.entry, outcome.code)] += 1
        problem = outcome.problem
        if problem is not None:
            failures[problem if outcome.code != 2 else f"{problem} ({case.entry})"].append(
                (i, outcome)
            )
        slowest.append((outcome.seconds, i, case.entry))
        if len(slowest) > 50:
            slowest = sorted(slowest, reverse=True)[:10]
        if (i + 1) % 500 == 0:
            print(f"  ... {i + 1} inputs, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    took = time.perf_counter() - start
    total_failures = sum(map(len, failures.values()))
    print(f"inputs tried: {count} (seed {seed}) in {took:.0f} s, {count / took:.1f} inputs/s")
    by_code: Counter[int | str] = Counter()
    for (_, code), n in outcomes.items():
        by_code[code] += n
    print(
        "outcomes by exit code: "
        + ", ".join(f"{c}: {n}" for c, n in sorted(by_code.items(), key=str))
    )
    print("outcomes by command:")
    entries = sorted({entry for entry, _ in outcomes})
    for entry in entries:
        row = {code: n for (e, code), n in outcomes.items() if e == entry}
        shown = ", ".join(f"exit {c}: {n}" for c, n in sorted(row.items(), key=str))
        print(f"  {entry:<14} {sum(row.values()):>6}  {shown}")
    internal = sum(n for code, n in by_code.items() if code in ("internal", 70))
    timeouts = by_code.get("timeout", 0)
    over = sum(1 for t, _, _ in slowest if t > 10)
    print(f"internal errors: {internal}; timeouts (> {seconds:g} s): {timeouts}; over 10 s: {over}")
    print(f"failures: {total_failures} inputs, {len(failures)} causes")
    for cause, found in sorted(failures.items(), key=lambda kv: -len(kv[1])):
        i, outcome = found[0]
        note = outcome.known
        print(f"  {len(found):>5} x {cause}" + (f"  [known: {note}]" if note else ""))
        print(f"        first: input {i}: {outcome.case.describe()[:400]}")
        last = (outcome.trace or outcome.stderr).strip().splitlines()[-1:] or [""]
        print(f"        {last[0][:300]}")
    print("slowest inputs:")
    for seconds_taken, i, entry in sorted(slowest, reverse=True)[:10]:
        print(f"  {seconds_taken:7.3f} s  input {i:>6}  {entry}")


# --- pathological sizes -----------------------------------------------------------------------


def timed(action: Callable[[], Any], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


def report(title: str, unit: str, rows: list[tuple[int, float]], note: str = "") -> None:
    print(f"{title}{f' ({note})' if note else ''}")
    for size, seconds in rows:
        print(f"  {size:>8} {unit:<12} {seconds * 1000:10.3f} ms")
    (s0, t0), (s1, t1) = rows[0], rows[-1]
    growth = (t1 / max(t0, 1e-9)) / (s1 / s0)
    print(f"  size x{s1 / s0:g}, time x{t1 / max(t0, 1e-9):.1f}: growth {growth:.2f} (1 = linear)")


def cli(
    argv: list[str], files: dict[str, bytes], seconds: float = 300, warm: bool = False
) -> float:
    """Seconds one whole command takes in this process (after one discarded run with `warm`:
    the first run of a series also pays for loading the catalog and compiling caches)."""
    if warm:
        fz.run_case(fz.Case("size", argv, files), seconds)
    gc.collect()
    gc.disable()  # as the console script runs: no cyclic collection over a growing heap
    try:
        outcome = fz.run_case(fz.Case("size", argv, files), seconds)
    finally:
        gc.enable()
    if outcome.problem is not None or outcome.code not in (0, 1):
        raise SystemExit(f"{argv[0]} failed: {outcome.problem or outcome.code} {outcome.stderr}")
    return outcome.seconds


def globs() -> None:
    from policysim.policy.arn import compile_arn_glob
    from policysim.policy.wildcard import compile_glob

    # patterns end with a star and values lack the last piece: every piece is searched for
    # and the match fails only at the end (a backtracking matcher costs about n**k here)
    rows = []
    for n in (10_000, 100_000, 1_000_000):
        match = compile_glob("*a" * 10 + "*b*")
        value = "a" * n
        rows.append((n, timed(lambda m=match, v=value: m(v), repeat=3)))
    report("glob '*a'*10 + '*b*' against n characters", "chars", rows)
    rows = []
    for k in (5, 10, 20, 40):
        match = compile_glob("*a" * k + "*b*")
        rows.append((k, timed(lambda m=match: m("a" * 100_000), repeat=3)))
    report("glob '*a'*k + '*b*' against 100,000 characters", "stars", rows)
    rows = []
    for n in (1_000, 10_000, 100_000):
        match = compile_arn_glob("arn:aws:s3:::*a*a*a*a*b*")
        value = "arn:aws:s3:::b/" + "a" * n
        rows.append((n, timed(lambda m=match, v=value: m(v), repeat=3)))
    report("Resource arn:aws:s3:::*a*a*a*a*b* against an n-character key", "chars", rows)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::" + "*a" * 10 + "*b*",
            }
        ],
    }
    rows = []
    for n in (1_000, 10_000, 100_000):
        argv = ["simulate", "--policy", "@p.json", "--action", "s3:GetObject"]
        argv += ["--resource", "arn:aws:s3:::b/" + "a" * n]
        files = {"p.json": json.dumps(policy).encode()}
        rows.append((n, cli(argv, files, warm=None if rows else files)))
    report("simulate: Resource of ten stars, n-character key (whole command)", "chars", rows)


def roles_account(count: int) -> bytes:
    lines = ['account: "111122223333"', "roles:"]
    for i in range(count):
        lines.append(
            f"  r{i}: {{trust_service: lambda.amazonaws.com, policies: [AmazonS3ReadOnlyAccess]}}"
        )
    lines.append("users:")
    lines.append("  alice: {policies: [AdministratorAccess]}")
    return ("\n".join(lines) + "\n").encode()


def roles() -> None:
    rows = []
    for count in (5_000, 20_000, 50_000):
        argv = ["who-can", "s3:GetObject", "arn:aws:s3:::b/k", "--account", "@account.yaml"]
        rows.append((count, cli(argv, {"account.yaml": roles_account(count)})))
    report(
        "who-can over an account of n roles", "roles", rows, "file read, model built, all decided"
    )


def _values_policy(count: int, tag: str) -> dict[str, bytes]:
    values = [f"{tag}-{i}-*" for i in range(count)]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:PrincipalTag/team": values}},
            }
        ],
    }
    return {"p.json": json.dumps(policy).encode()}


def condition_values() -> None:
    rows: list[tuple[int, float]] = []
    argv = ["simulate", "--policy", "@p.json", "--action", "s3:GetObject"]
    argv += ["--context", "aws:PrincipalTag/team=nobody"]
    for count in (1_000, 5_000, 10_000, 20_000):
        warm = None if rows else _values_policy(count, "warm")
        rows.append((count, cli(argv, _values_policy(count, "team"), warm=warm)))
    report("simulate: StringLike with n values, none matching", "values", rows)


def _statements(pattern: str, count: int, tag: str) -> dict[str, bytes]:
    body = [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern.format(i=f"{tag}{i}")}
        for i in range(count)
    ]
    return {"p.json": json.dumps({"Version": "2012-10-17", "Statement": body}).encode()}


def statements() -> None:
    for shape, pattern in (
        ("distinct buckets", "arn:aws:s3:::bucket-{i}/*"),
        ("one shared literal prefix", "arn:aws:s3:::b/*x{i}"),
    ):
        rows: list[tuple[int, float]] = []
        argv = ["lint", "--no-config", "--jobs", "1", "@p.json", "--format", "json"]
        for count in (1_000, 2_000, 4_000, 8_000):
            warm = None if rows else _statements(pattern, count, "w")
            rows.append((count, cli(argv, _statements(pattern, count, ""), warm=warm)))
        report(f"lint: n statements, {shape}", "statements", rows, "every rule, whole command")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, nargs="?", default=10_000, help="inputs to try")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per input")
    parser.add_argument("--memory-gib", type=float, default=3.0, help="address-space limit")
    parser.add_argument("--no-sizes", action="store_true", help="skip the pathological sizes")
    parser.add_argument("--only-sizes", action="store_true", help="skip the fuzz run")
    args = parser.parse_args()
    limit = int(args.memory_gib * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if not args.only_sizes:
        print("== fuzz run")
        fuzz(args.count, args.seed, args.time_limit)
    if not args.no_sizes:
        print("== pathological sizes")
        globs()
        condition_values()
        statements()
        roles()


if __name__ == "__main__":
    main()

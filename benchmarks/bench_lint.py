"""Throughput of `policysim lint` over the AWS managed policy corpus, against parliament.

Run:  .venv/bin/python benchmarks/bench_lint.py [--corpus DIR] [--limit N] [--no-peer] [--rounds N]

All runs lint the same files (../shared/corpus/aws-managed by default, 1,643 documents):

(a) policysim in one process on one CPU core (pinned where `os.sched_setaffinity` exists),
    after its imports and one warm-up file, with the cyclic garbage collector off as in the
    CLI: read each file, parse it into a located tree, run
    every enabled rule (`policysim.lint.inputs.load_path` + `lint_node`, as `policysim lint`
    does);
(b) policysim the same way but with the CLI's default `--jobs` (every CPU this machine
    offers; parliament has no parallel mode), `lint_paths` in a fresh process after its
    imports and one warm-up file;
(c) policysim as a user runs it: `policysim lint DIR --format json` in a fresh process,
    timed from start to exit (interpreter start, imports and the report included), with its
    default `--jobs` (every CPU this machine offers), and again with `--jobs 1`. The package
    is byte-compiled first (`compileall`, as `pip install` does), so that an editable
    checkout under PYTHONDONTWRITEBYTECODE=1 does not compile its ~60 modules from source in
    every run (about 80 ms that no installed copy pays);
(d) parliament 1.6.4 (duo-labs), installed at run time into a scratch virtual environment
    (`pip install parliament==1.6.4`; it is not a dependency of the project), in one process on
    one core after its imports and one warm-up file: read each file and call
    `parliament.analyze_policy_string` with the default config. Parliament has no parallel
    mode.

Each measure runs in a fresh process, so every round of (a) is a first pass over the corpus
(what a user's run pays: the process-wide memos start empty). The measures are taken in
`--rounds` interleaved rounds (default 3: a, b, c, d, then again), so that a slow spell of a
shared or virtual machine falls on both sides rather than on one; the same code's wall-clock
time on this 2-core VM moves by up to a third from one minute to the next, with the machine
otherwise idle.

For each it prints the best and the median time of the rounds as files/s, crashes (exceptions
raised while linting one file; for the CLI, a failed run) and the number of findings, then the
ratios of throughputs, best against best and median against median. Target: policysim >= 5x
parliament (`docs/status.md`, "Speed, latest", has the figures measured so far and how).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "aws-managed"
PARLIAMENT = "parliament==1.6.4"

PARLIAMENT_SCRIPT = r"""
import json, sys, time
files = json.loads(sys.stdin.read())
import parliament
from parliament import analyze_policy_string
analyze_policy_string(open(files[0], encoding="utf-8").read())  # warm-up
crashes, findings, kinds = 0, 0, {}
start = time.perf_counter()
for path in files:
    try:
        with open(path, encoding="utf-8") as handle:
            policy = analyze_policy_string(handle.read())
        findings += len(policy.findings)
        for finding in policy.findings:
            kinds[finding.issue] = kinds.get(finding.issue, 0) + 1
    except Exception:
        crashes += 1
seconds = time.perf_counter() - start
print(json.dumps({"files": len(files), "seconds": seconds, "crashes": crashes,
                  "findings": findings, "top": sorted(kinds.items(), key=lambda kv: -kv[1])[:5]}))
"""


ALL_CPUS: set[int] = set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else set()


def pin() -> None:
    if ALL_CPUS:
        os.sched_setaffinity(0, {min(ALL_CPUS)})


def unpin() -> None:
    """For child processes: every CPU the benchmark itself was given."""
    if ALL_CPUS:
        os.sched_setaffinity(0, ALL_CPUS)


PARALLEL_SCRIPT = r"""
import gc, json, sys, time
from collections import Counter
from policysim.lint.config import LintConfig
from policysim.lint.inputs.parallel import available_cpus
from policysim.lint.inputs.run import lint_paths
files = json.loads(sys.stdin.read())
lint_paths(files[:1], LintConfig(), jobs=1)  # warm-up, as for the other in-process runs
gc.disable()
start = time.perf_counter()
run = lint_paths(files, LintConfig(), jobs=available_cpus())
seconds = time.perf_counter() - start
counts = Counter(f.rule for f in run.findings)
print(json.dumps({"files": run.files, "seconds": seconds, "crashes": len(files) - run.files,
                  "findings": len(run.findings),
                  "parse_errors": counts.get("PS001", 0) + counts.get("PS002", 0),
                  "top": counts.most_common(5)}))
"""


def bench_parallel(files: list[str]) -> dict[str, object]:
    """`lint_paths` with the CLI's default --jobs, in a process that has imported policysim
    and linted one file (the in-process runs' method), on every CPU."""
    run = subprocess.run(
        [sys.executable, "-c", PARALLEL_SCRIPT],
        input=json.dumps(files),
        capture_output=True,
        text=True,
        preexec_fn=unpin,
        cwd=REPO,
    )
    if run.returncode != 0:
        print(f"policysim (parallel) failed:\n{run.stderr[-2000:]}", file=sys.stderr)
        return {
            "files": len(files),
            "seconds": float("inf"),
            "crashes": len(files),
            "findings": 0,
            "top": [],
        }
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


ONE_CORE_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import bench_lint
files = json.loads(sys.stdin.read())
bench_lint.pin()
print(json.dumps(bench_lint.bench_policysim(files)))
"""


def bench_one_core(files: list[str]) -> dict[str, object]:
    """(a) in a fresh process: its imports, one warm-up file, then one timed pass."""
    run = subprocess.run(
        [sys.executable, "-c", ONE_CORE_SCRIPT, str(Path(__file__).resolve().parent)],
        input=json.dumps(files),
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if run.returncode != 0:
        print(f"policysim (one core) failed:\n{run.stderr[-2000:]}", file=sys.stderr)
        return {"files": len(files), "seconds": float("inf"), "crashes": len(files), "findings": 0}
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def byte_compile() -> None:
    """Byte-compile the policysim package as `pip install` does (quietly; where the checkout
    cannot be written, imports compile from source as before)."""
    import compileall

    import policysim

    compileall.compile_dir(Path(policysim.__file__).parent, quiet=1)


def bench_cli(files: list[str], jobs: int | None) -> dict[str, object]:
    """`policysim lint` end to end in a fresh process (on all CPUs, whatever the parent's pin)."""
    command = [sys.executable, "-m", "policysim.cli", "lint", *files, "--format", "json"]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, preexec_fn=unpin)
    seconds = time.perf_counter() - start
    crashed = run.returncode not in (0, 1)
    report = {} if crashed else json.loads(run.stdout)
    findings = report.get("findings", [])
    counts = Counter(f["rule"] for f in findings)
    return {
        "files": len(files),
        "seconds": seconds,
        "crashes": int(crashed),
        "findings": len(findings),
        "parse_errors": counts.get("PS001", 0) + counts.get("PS002", 0),
        "top": counts.most_common(5),
    }


def bench_policysim(files: list[str]) -> dict[str, object]:
    from policysim.lint.inputs import load_path
    from policysim.lint.runner import LintOptions, lint_node

    options = LintOptions()

    def lint_one(path: str) -> list[str]:
        loaded = load_path(path)
        rules = [f.rule for f in loaded.findings]
        for target in loaded.targets:
            found = lint_node(
                target.root,
                target.file,
                kind=target.kind,
                service=target.service,
                options=options,
                source=target.text,
            )
            rules += [f.rule for f in found]
        return rules

    lint_one(files[0])  # warm-up: rule registry, IAM catalog
    gc.disable()  # as `policysim lint` runs (its entry point turns the cyclic collector off)
    crashes = 0
    counts: Counter[str] = Counter()
    start = time.perf_counter()
    for path in files:
        try:
            counts.update(lint_one(path))
        except Exception as err:  # a crash is what this counts
            crashes += 1
            print(f"  policysim crashed on {path}: {type(err).__name__}: {err}", file=sys.stderr)
    seconds = time.perf_counter() - start
    gc.enable()
    return {
        "files": len(files),
        "seconds": seconds,
        "crashes": crashes,
        "findings": sum(counts.values()),
        "parse_errors": counts.get("PS001", 0) + counts.get("PS002", 0),
        "top": counts.most_common(5),
    }


def install_parliament(scratch: Path) -> Path | None:
    """A scratch virtual environment with parliament; its Python, or None when pip fails."""
    env_dir = scratch / "venv"
    print(f"installing {PARLIAMENT} into a scratch venv ...", file=sys.stderr)
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", PARLIAMENT],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        print(f"parliament could not be installed:\n{install.stderr[-2000:]}", file=sys.stderr)
        return None
    return python


def bench_parliament(python: Path, files: list[str]) -> dict[str, object] | None:
    """(d): one timed pass in a fresh process of the scratch environment."""
    run = subprocess.run(
        [str(python), "-c", PARLIAMENT_SCRIPT],
        input=json.dumps(files),
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        print(f"parliament failed:\n{run.stderr[-2000:]}", file=sys.stderr)
        return None
    result: dict[str, object] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def show(name: str, rounds: list[dict[str, object]], how: str) -> tuple[float, float]:
    """Print a measure's best and median round; return their throughputs (files/s)."""
    times = sorted(float(r["seconds"]) for r in rounds)  # type: ignore[arg-type]
    best, median = times[0], statistics.median(times)
    first = rounds[0]
    files = int(first["files"])  # type: ignore[call-overload]
    extra = f", parse errors {first['parse_errors']}" if "parse_errors" in first else ""
    crashes = max(int(r["crashes"]) for r in rounds)  # type: ignore[call-overload]
    findings = sorted({int(r["findings"]) for r in rounds})  # type: ignore[call-overload]
    print(
        f"{name:<10} {files} files: best {best:.2f} s = {files / best:,.0f} files/s, median"
        f" {median:.2f} s = {files / median:,.0f} files/s over {len(rounds)} rounds ({how});"
        f" crashes {crashes}; findings {', '.join(map(str, findings))}{extra}"
    )
    each = " ".join(f"{float(r['seconds']):.2f}" for r in rounds)  # type: ignore[arg-type]
    print(f"{'':<10} rounds, in order: {each} s")
    if "top" in first:
        print(f"{'':<10} most frequent: {first['top']}")
    return files / best, files / median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N files.")
    parser.add_argument("--no-peer", action="store_true", help="Skip parliament.")
    parser.add_argument(
        "--rounds", type=int, default=3, help="Interleaved rounds of every measure (default 3)."
    )
    args = parser.parse_args()
    files = sorted(str(p) for p in args.corpus.glob("*.json"))
    if not files:
        print(f"no policies in {args.corpus}", file=sys.stderr)
        return 2
    if args.limit:
        files = files[: args.limit]
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    cpus = len(ALL_CPUS) or os.cpu_count() or 1
    byte_compile()
    with tempfile.TemporaryDirectory(prefix="bench-parliament-") as scratch:
        python = None if args.no_peer else install_parliament(Path(scratch))
        if not args.no_peer and python is None:
            return 1
        measures: dict[str, list[dict[str, object]]] = {}
        for number in range(1, args.rounds + 1):
            print(f"round {number} of {args.rounds} ...", file=sys.stderr)
            pin()  # (a) and (d) on one core; (b) and (c) unpin their children
            measures.setdefault("one", []).append(bench_one_core(files))
            measures.setdefault("workers", []).append(bench_parallel(files))
            measures.setdefault("cli", []).append(bench_cli(files, None))
            measures.setdefault("cli1", []).append(bench_cli(files, 1))
            if python is not None:
                peer = bench_parliament(python, files)
                if peer is None:
                    return 1
                measures.setdefault("peer", []).append(peer)
            unpin()
    ours = show("policysim", measures["one"], "one process, one core, first pass")
    workers = show("policysim", measures["workers"], f"default --jobs ({cpus} CPUs), warm")
    cli = show("policysim", measures["cli"], f"CLI, default --jobs ({cpus} CPUs), cold start")
    show("policysim", measures["cli1"], "CLI, --jobs 1, cold start")
    if python is None:
        return 0
    theirs = show("parliament", measures["peer"], "one process, one core, first pass")
    runs = (("one core", ours), (f"{cpus} CPUs, warm", workers), (f"CLI on {cpus} CPUs", cli))
    for label, (best, median) in runs:
        for which, rate, peer_rate in (("best", best, theirs[0]), ("median", median, theirs[1])):
            ratio = rate / peer_rate if peer_rate else float("inf")
            verdict = "meets" if ratio >= 5 else "misses"
            print(
                f"ratio      policysim ({label}) / parliament, {which} of each ="
                f" {ratio:.2f}x ({verdict} >= 5x)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

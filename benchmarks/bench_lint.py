"""Throughput of `policysim lint` over the AWS managed policy corpus, against parliament.

Run:  .venv/bin/python benchmarks/bench_lint.py [--corpus DIR] [--limit N] [--no-peer]

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

For each it prints files/s, crashes (exceptions raised while linting one file; for the CLI, a
failed run) and the number of findings, then the ratios of throughputs. Target: policysim
>= 5x parliament. Wall-clock figures on a machine shared with other work scatter widely:
repeat the run and keep those where nothing else held a CPU (`docs/status.md`, "Speed,
latest", has the figures measured so far and how).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
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


def bench_parliament(files: list[str]) -> dict[str, object] | None:
    with tempfile.TemporaryDirectory(prefix="bench-parliament-") as scratch:
        env_dir = Path(scratch) / "venv"
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


def show(name: str, result: dict[str, object], how: str) -> float:
    files = int(result["files"])  # type: ignore[call-overload]
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    rate = files / seconds if seconds else float("inf")
    extra = f", parse errors {result['parse_errors']}" if "parse_errors" in result else ""
    print(
        f"{name:<10} {files} files in {seconds:.2f} s = {rate:,.0f} files/s ({how});"
        f" crashes {result['crashes']}; findings {result['findings']}{extra}"
    )
    print(f"{'':<10} most frequent: {result['top']}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="Only the first N files.")
    parser.add_argument("--no-peer", action="store_true", help="Skip parliament.")
    args = parser.parse_args()
    files = sorted(str(p) for p in args.corpus.glob("*.json"))
    if not files:
        print(f"no policies in {args.corpus}", file=sys.stderr)
        return 2
    if args.limit:
        files = files[: args.limit]
    cpus = len(ALL_CPUS) or os.cpu_count() or 1
    byte_compile()
    default = bench_cli(files, None)
    single_cli = bench_cli(files, 1)
    parallel = bench_parallel(files)
    pin()
    ours = show("policysim", bench_policysim(files), "one process, one core, warm")
    workers = show("policysim", parallel, f"default --jobs ({cpus} CPUs), warm")
    cli = show("policysim", default, f"CLI, default --jobs ({cpus} CPUs), cold start")
    show("policysim", single_cli, "CLI, --jobs 1, cold start")
    if args.no_peer:
        return 0
    peer = bench_parliament(files)
    if peer is None:
        return 1
    theirs = show("parliament", peer, "one process, one core, warm")
    runs = (("one core", ours), (f"{cpus} CPUs, warm", workers), (f"CLI on {cpus} CPUs", cli))
    for label, rate in runs:
        ratio = rate / theirs if theirs else float("inf")
        verdict = "meets" if ratio >= 5 else "misses"
        print(f"ratio      policysim ({label}) / parliament = {ratio:.1f}x ({verdict} >= 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

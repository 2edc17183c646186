"""Throughput of `policysim simulate`: batch cases/s, compiled requests/s, and peers.

Run:  .venv/bin/python benchmarks/bench_simulate.py [--quick] [--no-peers]

(a) cases/s for `policysim simulate --batch` over tests/data/conformance/random-2000.jsonl
    repeated with new ids (50,000 cases by default), end to end through the real command line
    in a subprocess (wall time, output to /dev/null), and in-process through
    `policysim.simulate.cases.simulate_lines` (parsing, compiling each case's policies,
    evaluating and serializing each outcome to JSON, as the CLI does).
(b) requests/s for many requests (200,000 by default, actions/resources/contexts drawn from the
    random suite) against ONE policy set compiled once (`compile_policy_set` + `evaluate`).
(c) the same requests against the same identity policies in moto's IAM access-control
    evaluator (moto/iam/access_control.py, `IAMPolicy.is_action_permitted`), when some Python
    on this machine can import moto; it usually lives outside the project's venv.
(d) cases that each carry their own policies, `policysim simulate --batch` against the
    iam-simulate reference (npm `@cloud-copilot/iam-simulate`, installed with npm into a
    temporary folder and run through benchmarks/iam_simulate_driver.mjs; it is AGPL, so it is
    only ever run, never copied or shipped). Both read the same JSON Lines file in the same
    run, one process each, measured alone: cases/s end to end and less start-up, their ratio,
    each process's peak memory (RSS high-water mark), and how many decisions agree. The
    workload (`generate_workload`) draws cases from the conformance suites, adds an AWS
    managed policy (from the snapshot policysim ships) to some identities, and comes in two
    forms: "shared", where cases reuse documents as a test suite does, and "unique", where
    every document is made distinct (a per-case policy `Id`, which no decision reads).

Everything runs pinned to one CPU core where `os.sched_setaffinity` exists (subprocesses
inherit the pin). Targets: >= 10,000 cases/s in batch on one core, >= 50,000 requests/s
against a compiled policy set; policysim >= 3x iam-simulate on cases that carry their own
policies.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _bench_common import pin_to_one_core

REPO = Path(__file__).resolve().parents[1]
CONFORMANCE = REPO / "tests" / "data" / "conformance"
RANDOM_SUITE = CONFORMANCE / "random-2000.jsonl"
NODE_DRIVER = REPO / "benchmarks" / "iam_simulate_driver.mjs"
IAM_SIMULATE = "@cloud-copilot/iam-simulate"

TARGET_BATCH = 10_000  # cases/s, one core
TARGET_COMPILED = 50_000  # requests/s, one core
TARGET_RATIO = 3.0  # policysim / iam-simulate, cases that carry their own policies


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def verdict(value: float, target: float) -> str:
    return "meets target" if value >= target else "BELOW target"


def line(label: str, value: float, unit: str, target: float | None = None, extra: str = "") -> None:
    text = f"  {label:<52} {value:>12,.0f} {unit}"
    if target is not None:
        text += f"   (target >= {target:,.0f}: {verdict(value, target)})"
    if extra:
        text += f"   {extra}"
    print(text, flush=True)


def best_of(repeats: int, run: Callable[[], float]) -> float:
    """The fastest of `repeats` timings (seconds): the least disturbed by the machine."""
    return min(run() for _ in range(repeats))


def load_suite() -> list[dict[str, Any]]:
    with RANDOM_SUITE.open(encoding="utf-8") as f:
        return [json.loads(text) for text in f if text.strip()]


def write_repeated_suite(cases: list[dict[str, Any]], total: int, directory: Path) -> Path:
    """`total` cases: the suite repeated, each copy's ids suffixed so that every id is new."""
    path = directory / f"random-x{total}.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for n in range(total):
            case = dict(cases[n % len(cases)])
            case["id"] = f"{case['id']}-r{n // len(cases):03d}"
            f.write(json.dumps(case, separators=(",", ":")) + "\n")
    return path


# ------------------------------------------------------------------------------------------
# (a) batch
# ------------------------------------------------------------------------------------------


def cli_seconds(batch: Path) -> float:
    """Wall time of `policysim simulate --batch FILE` with standard output to /dev/null."""
    command = [sys.executable, "-m", "policysim.cli", "simulate", "--batch", str(batch)]
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.run(command, stdout=devnull, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"policysim failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return seconds


def in_process_seconds(batch: Path) -> tuple[float, int, Counter[str]]:
    from policysim.simulate.cases import simulate_lines

    sink = io.StringIO()
    decisions: Counter[str] = Counter()

    def emit(outcome: Any) -> None:
        decisions[outcome.decision] += 1
        sink.write(json.dumps(outcome.to_json(), separators=(",", ":")))
        sink.write("\n")
        if sink.tell() > 1 << 22:  # keep memory flat; the text is thrown away
            sink.seek(0)
            sink.truncate()

    gc.collect()
    with batch.open(encoding="utf-8") as f:
        start = time.perf_counter()
        outcomes = simulate_lines(f, file=str(batch), on_outcome=emit)
        seconds = time.perf_counter() - start
    return seconds, len(outcomes), decisions


def bench_batch(cases: list[dict[str, Any]], total: int, workdir: Path, repeats: int) -> None:
    print(f"\n(a) batch: `policysim simulate --batch`, {total:,} cases", flush=True)
    batch = write_repeated_suite(cases, total, workdir)
    empty = workdir / "empty.jsonl"
    empty.write_text("")
    size_mb = batch.stat().st_size / 1e6
    print(f"  input: {batch.name}, {size_mb:.1f} MB ({RANDOM_SUITE.name} repeated, new ids)")

    startup = best_of(3, lambda: cli_seconds(empty))
    wall = best_of(repeats, lambda: cli_seconds(batch))
    line(
        "CLI end to end, subprocess (wall time)",
        rate(total, wall),
        "cases/s",
        TARGET_BATCH,
        f"{wall:.2f} s",
    )
    line(
        "  same, less process start-up",
        rate(total, wall - startup),
        "cases/s",
        extra=f"start-up (empty batch) {startup * 1000:.0f} ms",
    )

    # Warm the catalog and caches as a long-running process would have them.
    warm = workdir / "warm.jsonl"
    warm.write_text("".join(json.dumps(c) + "\n" for c in cases[:200]))
    in_process_seconds(warm)
    timings = [in_process_seconds(batch) for _ in range(repeats)]
    seconds, answered, decisions = min(timings, key=lambda t: t[0])
    assert answered == total, (answered, total)
    line(
        "in-process simulate_lines (+ JSON of each outcome)",
        rate(total, seconds),
        "cases/s",
        TARGET_BATCH,
        f"{seconds:.2f} s",
    )
    print(f"  decisions: {dict(sorted(decisions.items()))}")


# ------------------------------------------------------------------------------------------
# (b) compiled
# ------------------------------------------------------------------------------------------


def policy_sources(cases: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Identity policy documents of `count` suite cases whose expected decision is Allowed.

    Those policies grant something, so the suite's requests get a mix of decisions against
    them. (Policies from arbitrary cases include broad `Deny` + `NotAction` statements that
    deny nearly every request after one statement, which flatters the figure.)
    """
    granting = [c for c in cases if c.get("expected") == "Allowed" and c.get("identity_policies")]
    step = max(1, len(granting) // count)
    docs: list[dict[str, Any]] = []
    for case in granting[::step][:count]:
        docs.extend(case["identity_policies"])
    return docs


def statement_count(docs: list[dict[str, Any]]) -> int:
    return sum(len(d["Statement"]) if isinstance(d["Statement"], list) else 1 for d in docs)


def build_requests(cases: list[dict[str, Any]]) -> list[Any]:
    from policysim.engine.context_keys import build_request

    out = []
    for case in cases:
        r = case["request"]
        out.append(
            build_request(
                r["principal"],
                r["action"],
                r.get("resource") or "*",
                resource_account=r.get("resource_account"),
                context=r.get("context") or {},
            )
        )
    return out


def layered_extras(
    cases: list[dict[str, Any]], identity: list[dict[str, Any]], requests: list[Any]
) -> dict[str, Any]:
    """A permissions boundary and SCP levels from the suite for the layered set: of a dozen
    candidates each, the ones that let the most requests through (so that the layers are
    evaluated rather than short-circuiting every request to a deny)."""
    from policysim.engine.compiled import PolicySet, compile_policy_set
    from policysim.engine.evaluate import evaluate

    def allowed(boundary: Any, scps: Any) -> int:
        policy_set = PolicySet(identity=_named(identity, "identity"))
        if boundary:
            policy_set.boundary = _named(boundary, "boundary")
        if scps:
            policy_set.scps = [_named(level, f"scp{i}") for i, level in enumerate(scps)]
        compiled = compile_policy_set(policy_set)
        return sum(evaluate(compiled, r).allowed for r in requests)

    boundaries = [c["permission_boundaries"] for c in cases if c.get("permission_boundaries")]
    boundary = max(boundaries[:12], key=lambda b: allowed(b, None))
    levels = [c["scps"] for c in cases if c.get("scps") and len(c["scps"]) >= 2]
    scps = max(levels[:12], key=lambda s: allowed(boundary, s))
    return {"boundary": boundary, "scps": scps}


def _named(docs: list[dict[str, Any]], kind: str) -> list[Any]:
    from policysim.engine.compiled import NamedPolicy
    from policysim.policy.build import policy_from_data

    return [NamedPolicy(policy_from_data(d), f"{kind}[{i}]") for i, d in enumerate(docs)]


def compiled_rate(
    identity_docs: list[dict[str, Any]],
    requests: list[Any],
    total: int,
    repeats: int,
    extras: dict[str, Any] | None = None,
) -> tuple[float, float, Counter[str], list[str]]:
    from policysim.engine.compiled import PolicySet, compile_policy_set
    from policysim.engine.evaluate import evaluate

    policy_set = PolicySet(identity=_named(identity_docs, "identity"))
    if extras:
        policy_set.boundary = _named(extras["boundary"], "boundary")
        policy_set.scps = [_named(level, f"scp{i}") for i, level in enumerate(extras["scps"])]
    start = time.perf_counter()
    compiled = compile_policy_set(policy_set)
    compile_seconds = time.perf_counter() - start

    first = [evaluate(compiled, r).decision.value for r in requests]  # warms per-action caches
    n = len(requests)
    batch = [requests[i % n] for i in range(total)]

    def run() -> float:
        gc.collect()
        start = time.perf_counter()
        for request in batch:
            evaluate(compiled, request)
        return time.perf_counter() - start

    seconds = best_of(repeats, run)
    return rate(total, seconds), compile_seconds, Counter(first), first


def bench_compiled(
    cases: list[dict[str, Any]], total: int, repeats: int
) -> tuple[list[dict[str, Any]], list[str], float]:
    print(f"\n(b) compiled: {total:,} requests against one policy set compiled once", flush=True)
    requests = build_requests(cases)
    actions = {c["request"]["action"].lower() for c in cases}
    resources = {c["request"].get("resource") for c in cases}
    print(
        f"  requests: the suite's {len(requests):,} (principal, action, resource, context),"
        f" cycled ({len(actions)} actions, {len(resources)} resources); Request objects built"
        " beforehand. Policy sets: the identity policies of N suite cases that expect Allowed."
    )
    extras = layered_extras(cases, policy_sources(cases, 40), requests)
    compared: tuple[list[dict[str, Any]], list[str], float] | None = None
    for n_cases, layered in ((10, False), (40, False), (40, True)):
        docs = policy_sources(cases, n_cases)
        label = f"{len(docs)} identity policies, {statement_count(docs)} statements"
        if layered:
            label = f"same + boundary + {len(extras['scps'])} SCP levels"
        per_s, compile_s, decisions, first = compiled_rate(
            docs, requests, total, repeats, extras if layered else None
        )
        line(label, per_s, "req/s", TARGET_COMPILED, f"compile {compile_s * 1000:.1f} ms")
        print(f"    decisions of the distinct requests: {dict(sorted(decisions.items()))}")
        if n_cases == 40 and not layered:
            compared = (docs, first, per_s)
    assert compared is not None
    return compared


# ------------------------------------------------------------------------------------------
# (c) peers
# ------------------------------------------------------------------------------------------

MOTO_SNIPPET = r"""
import json, os, sys, time
from moto.iam.access_control import IAMPolicy, PermissionResult
import moto
data = json.load(open(sys.argv[1]))
total = int(sys.argv[2])
policies = [IAMPolicy(json.dumps(d)) for d in data["policies"]]  # parsed once, as we compile once
requests = data["requests"]

def decide(action, resource, context):
    permitted = False
    for policy in policies:  # moto's IAMRequestBase.check_action_permitted, minus signing
        result = policy.is_action_permitted(action, resource, None, context)
        if result == PermissionResult.DENIED:
            return "Deny"
        if result == PermissionResult.PERMITTED:
            permitted = True
    return "Allow" if permitted else "Neutral"

errors = 0
first = []
for action, resource, context in requests:
    try:
        first.append(decide(action, resource, context))
    except Exception:
        errors += 1
        first.append("Error")
n = len(requests)
best = None
for _ in range(int(sys.argv[3])):
    start = time.perf_counter()
    for i in range(total):
        action, resource, context = requests[i % n]
        try:
            decide(action, resource, context)
        except Exception:
            pass
    seconds = time.perf_counter() - start
    best = seconds if best is None else min(best, seconds)
print(json.dumps({"version": moto.__version__, "seconds": best, "errors": errors,
                  "decisions": first, "python": sys.version.split()[0]}))
"""


def find_moto_python() -> str | None:
    """An interpreter that can import moto: this one, the venv's base, or python3 on PATH."""
    candidates = [sys.executable, getattr(sys, "_base_executable", None)]
    candidates += [shutil.which("python3"), "/usr/bin/python3"]
    seen: set[str] = set()
    for exe in candidates:
        if not exe or exe in seen or not os.path.exists(exe):
            continue
        seen.add(exe)
        probe = subprocess.run(
            [exe, "-c", "import moto.iam.access_control"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        if probe.returncode == 0:
            return exe
    return None


def bench_moto(
    cases: list[dict[str, Any]],
    docs: list[dict[str, Any]],
    ours: list[str],
    our_rate: float,
    total: int,
    repeats: int,
    workdir: Path,
) -> None:
    print(f"\n(c) peers: the same requests and identity policies, {total:,} requests", flush=True)
    exe = find_moto_python()
    if exe is None:
        print("  moto: skipped (no Python here can import moto.iam.access_control)")
        return
    requests = [
        [c["request"]["action"], c["request"].get("resource") or "*", c["request"].get("context")]
        for c in cases
    ]
    data = workdir / "moto-input.json"
    data.write_text(json.dumps({"policies": docs, "requests": requests}))
    proc = subprocess.run(
        [exe, "-c", MOTO_SNIPPET, str(data), str(total), str(repeats)],
        capture_output=True,
        check=False,
        timeout=300,
    )
    if proc.returncode != 0:
        print(f"  moto: skipped (it failed: {proc.stderr.decode().strip().splitlines()[-1:]})")
        return
    result = json.loads(proc.stdout)
    moto_rate = rate(total, result["seconds"])
    line(
        f"moto {result['version']} IAMPolicy.is_action_permitted",
        moto_rate,
        "req/s",
        extra=f"({exe}, Python {result['python']})",
    )
    line("policysim compiled, same policies and requests", our_rate, "req/s")
    print(f"  ratio policysim / moto: {our_rate / moto_rate:.1f}x")
    same = sum(
        (m == "Allow") == (o == "Allowed") for m, o in zip(result["decisions"], ours, strict=True)
    )
    print(
        f"  allow/deny agreement on the {len(ours):,} distinct requests: {same:,}"
        f" ({100 * same / len(ours):.1f}%); moto errors: {result['errors']}"
    )
    print(
        "  note: moto's evaluator is a much smaller model: it matches Action/NotAction and"
        " Resource with '*' globs (regex, case-sensitive, no '?'), checks only the StringEquals"
        " condition operator (every other operator counts as met), compares Principal only to"
        " '*', treats a NotResource statement as applying to every resource, and has no policy"
        " variables, boundaries, SCPs, RCPs or session policies; an Allow statement whose"
        " StringEquals condition fails counts as a Deny."
        " It is a speed reference, not a correctness one."
    )


# ------------------------------------------------------------------------------------------
# (d) iam-simulate
# ------------------------------------------------------------------------------------------


def load_conformance() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CONFORMANCE.glob("*.jsonl")):
        with path.open(encoding="utf-8") as f:
            cases.extend(json.loads(text) for text in f if text.strip())
    return cases


def managed_pool(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` AWS managed policy documents of ordinary size (under 4 KB of JSON), from the
    snapshot policysim ships: what an identity typically has attached beside its own policy."""
    import gzip

    with gzip.open(REPO / "policysim" / "data" / "aws_managed_policies.json.gz") as f:
        snapshot = json.load(f)
    documents = [
        entry["document"]
        for _, entry in sorted(snapshot["policies"].items())
        if len(json.dumps(entry["document"])) < 4000
    ]
    return rng.sample(documents, min(count, len(documents)))


def generate_workload(total: int, path: Path, *, unique: bool, seed: int = 9) -> dict[str, int]:
    """Write `total` cases, each with every policy that bears on it, to `path`.

    Each case is a conformance case (identity policies of a few statements with conditions,
    and in many a resource policy, boundary, SCP or RCP levels, session policy), with a new
    id; a third of the identities also get an AWS managed policy. With `unique`, every
    document gets a per-case `Id` element, so no two cases share a document text. Returns
    counts for the report.
    """
    rng = random.Random(seed)
    cases = load_conformance()
    pool = managed_pool(150, rng)
    documents = 0
    texts: set[int] = set()
    with path.open("w", encoding="utf-8") as f:
        for n in range(total):
            case = json.loads(json.dumps(rng.choice(cases)))
            case["id"] = f"w{n:06d}-{case['id']}"
            for key in ("note", "doc"):
                case.pop(key, None)
            identity = case.get("identity_policies")
            if identity is not None and rng.random() < 1 / 3:
                identity.append(rng.choice(pool))
                case.pop("expected", None)  # no longer known
            for document in _documents(case):
                if unique:
                    document["Id"] = f"w{n:06d}"
                documents += 1
                texts.add(hash(json.dumps(document, sort_keys=True)))
            f.write(json.dumps(case, separators=(",", ":")) + "\n")
    return {"documents": documents, "distinct": len(texts)}


def _documents(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Every policy document of a case, in place (the caller may edit them)."""
    out: list[dict[str, Any]] = []
    for key in ("identity_policies", "permission_boundaries"):
        out.extend(d for d in case.get(key) or [] if isinstance(d, dict))
    for key in ("resource_policy", "session_policy"):
        if isinstance(case.get(key), dict):
            out.append(case[key])
    for key in ("scps", "rcps"):
        for level in case.get(key) or []:
            out.extend(d for d in level if isinstance(d, dict))
    # A document that appears twice in one case (two levels naming the same SCP) is one object
    # after json.loads only if it was one object before: copies are independent here.
    return out


# Runs a command with its standard output to a file, alone in this wrapper, and reports the
# wall time and the peak RSS of the command (RUSAGE_CHILDREN holds only that one child).
_MEASURE = r"""
import json, resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    start = time.perf_counter()
    proc = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak, "code": proc.returncode,
                  "stderr": proc.stderr.decode(errors="replace")[-2000:]}))
"""


def measure(command: list[str], stdout: Path) -> dict[str, Any]:
    """Wall seconds and peak RSS (KB on Linux) of `command`, run in isolation."""
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(stdout), *command],
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    if sys.platform == "darwin":  # ru_maxrss is in bytes there
        result["peak_kb"] //= 1024
    return result


def install_iam_simulate(directory: Path) -> str | None:
    """npm-install iam-simulate into `directory`; its version, or None (with the reason
    printed) when node or npm is missing or the install fails."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        print("  iam-simulate: skipped (node and npm are needed)")
        return None
    (directory / "package.json").write_text('{"name": "bench-iam-simulate", "private": true}')
    proc = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", IAM_SIMULATE],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        print(f"  iam-simulate: skipped (npm install failed: {proc.stderr.strip()[-300:]})")
        return None
    manifest = directory / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
    version: str = json.loads(manifest.read_text())["version"]
    return version


def _decisions(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as f:
        for text in f:
            if text.strip():
                row = json.loads(text)
                out[row["id"]] = row["decision"]
    return out


def bench_iam_simulate(total: int, workdir: Path, repeats: int) -> None:
    print(
        f"\n(d) cases that carry their own policies, {total:,} cases:"
        " `policysim simulate --batch` vs iam-simulate",
        flush=True,
    )
    install = workdir / "iam-simulate"
    install.mkdir()
    version = install_iam_simulate(install)
    if version is None:
        return
    node = shutil.which("node")
    assert node is not None
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    print(f"  iam-simulate {version} (npm, AGPL, run only), node {node_version.strip()}")
    empty = workdir / "empty-peer.jsonl"
    empty.write_text("")

    def ours(batch: Path, out: Path) -> dict[str, Any]:
        command = [sys.executable, "-m", "policysim.cli", "simulate", "--batch", str(batch)]
        return measure(command, out)

    def theirs(batch: Path, out: Path) -> dict[str, Any]:
        command = [node, str(NODE_DRIVER), str(install), str(batch), str(out)]
        return measure(command, workdir / "iam-simulate-summary.json")

    ours_start = min(ours(empty, workdir / "o.jsonl")["seconds"] for _ in range(3))
    theirs_start = min(theirs(empty, workdir / "t.jsonl")["seconds"] for _ in range(3))
    print(
        f"  start-up (empty batch): policysim {ours_start * 1000:.0f} ms,"
        f" iam-simulate {theirs_start * 1000:.0f} ms"
    )
    for unique in (False, True):
        batch = workdir / f"workload-{'unique' if unique else 'shared'}.jsonl"
        counts = generate_workload(total, batch, unique=unique)
        print(
            f"  workload {'unique' if unique else 'shared'}: {counts['documents']:,} policy"
            f" documents, {counts['distinct']:,} distinct texts,"
            f" {batch.stat().st_size / 1e6:.1f} MB"
        )
        our_out, their_out = workdir / "ours.jsonl", workdir / "theirs.jsonl"
        runs_ours = [ours(batch, our_out) for _ in range(repeats)]
        runs_theirs = [theirs(batch, their_out) for _ in range(repeats)]
        for run, label in ((runs_ours[-1], "policysim"), (runs_theirs[-1], "iam-simulate")):
            if run["code"] != 0:
                sys.exit(f"{label} failed ({run['code']}): {run['stderr']}")
        best_ours = min(r["seconds"] for r in runs_ours)
        best_theirs = min(r["seconds"] for r in runs_theirs)
        peak_ours = max(r["peak_kb"] for r in runs_ours) / 1024
        peak_theirs = max(r["peak_kb"] for r in runs_theirs) / 1024
        line(
            "policysim simulate --batch, end to end",
            rate(total, best_ours),
            "cases/s",
            extra=f"{best_ours:.2f} s, peak RSS {peak_ours:.0f} MB",
        )
        line(
            f"iam-simulate {version} runSimulation, end to end",
            rate(total, best_theirs),
            "cases/s",
            extra=f"{best_theirs:.2f} s, peak RSS {peak_theirs:.0f} MB",
        )
        ratio = best_theirs / best_ours
        less = (best_theirs - theirs_start) / max(best_ours - ours_start, 1e-9)
        met = "meets" if ratio >= TARGET_RATIO else "BELOW"
        print(
            f"  ratio policysim / iam-simulate: {ratio:.1f}x end to end"
            f" (target >= {TARGET_RATIO:.0f}x: {met} target), {less:.1f}x less start-up;"
            f" peak memory {peak_ours:.0f} MB vs {peak_theirs:.0f} MB"
        )
        report_agreement(batch, _decisions(our_out), _decisions(their_out))


def report_agreement(batch: Path, ours: dict[str, str], theirs: dict[str, str]) -> None:
    """How many decisions agree, and what explains the others.

    A case that kept its conformance `expected` (the decision the AWS documentation gives)
    and where iam-simulate departs from it while policysim gives it is a documented difference
    (tests/data/conformance/known_exceptions.json lists the random suite's); those are left
    out of the agreement count, and so are the cases iam-simulate refuses to run.
    """
    expected: dict[str, str | None] = {}
    with batch.open(encoding="utf-8") as f:
        for text in f:
            case = json.loads(text)
            expected[case["id"]] = case.get("expected")
    documented = refused = agree = other = 0
    for case_id, decision in ours.items():
        theirs_decision = theirs.get(case_id)
        if theirs_decision == decision:
            agree += 1
        elif theirs_decision == "Error":
            refused += 1
        elif expected.get(case_id) == decision:
            documented += 1
        else:
            other += 1
    compared = len(ours) - documented - refused
    print(
        f"  decisions agree on {agree:,} of {compared:,} cases"
        f" ({100 * agree / max(compared, 1):.1f}%), leaving out {documented:,} where"
        f" iam-simulate departs from the documented decision and {refused:,} it refuses"
        f" (resultType error); {other:,} other differences;"
        f" policysim: {dict(sorted(Counter(ours.values()).items()))}"
    )


# ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (~15 s)")
    parser.add_argument(
        "--no-peers", action="store_true", help="skip the moto and iam-simulate comparisons"
    )
    parser.add_argument(
        "--only-peer",
        action="store_true",
        help="run only (d), policysim against iam-simulate on cases with their own policies",
    )
    args = parser.parse_args()
    if args.quick:
        batch_cases, requests, moto_requests, peer_cases, repeats = 10_000, 40_000, 4_000, 5_000, 1
    else:
        batch_cases, requests, moto_requests, peer_cases, repeats = (
            50_000,
            200_000,
            20_000,
            20_000,
            2,
        )

    import policysim
    from policysim.catalog import get_catalog

    print(f"policysim {policysim.__version__}, Python {sys.version.split()[0]}, {sys.platform}")
    print(pin_to_one_core())
    get_catalog()
    cases = load_suite()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="policysim-bench-") as tmp:
        workdir = Path(tmp)
        if not args.only_peer:
            bench_batch(cases, batch_cases, workdir, repeats)
            docs, ours, our_rate = bench_compiled(cases, requests, repeats)
            if args.no_peers:
                print("\n(c) peers: skipped (--no-peers)")
            else:
                bench_moto(cases, docs, ours, our_rate, moto_requests, repeats, workdir)
        if args.no_peers:
            print("\n(d) iam-simulate: skipped (--no-peers)")
        else:
            bench_iam_simulate(peer_cases, workdir, repeats)
    print(f"\ntotal benchmark time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

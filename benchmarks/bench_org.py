"""Speed of org-wide who-can (issue 13) on a generated organization, on every executor.

Run:  .venv/bin/python benchmarks/bench_org.py [--accounts N] [--roles N] [--seed N]
          [--workers N] [--no-dask] [--keep DIR]

The organization: N accounts (default 300) of R roles each (default 100), written as a
DIRECTORY of per-account policysim snapshots (`account-<id>.json`) plus one organization-only
file (`organization.json`), as `policysim fetch --org` writes. Accounts sit in three OUs: one
with FullAWSAccess only, one whose SCP denies s3:*, one whose SCP allows only listing and
reads. Roles attach one or two managed policies from a small per-account pool (readers, writers,
admins, unrelated services, a conditional reader), so many roles share a policy stack, as in real
accounts. Account 0 holds a bucket whose policy lets the whole organization read, keyed on
`aws:PrincipalOrgID`, plus one partner account outside.

Measured, in this order:
(a) loading: a fresh process imports policysim and loads the directory (`load_accounts`), with
    its resident memory before and after; the survey of the files alone (`survey_files`: what
    the client of a distributed run reads); the directory's size in MB;
(b) who-can s3:GetObject on an object of the bucket over every principal, END TO END from the
    directory (each run starts from files on disk, as the CLI does):
      serial, plain         load_accounts + who_can (the CLI without --workers/--dask)
      serial, files         who_can_files on the serial executor (the distributed code path)
      --workers N, files    who_can_files on N processes, each reading its own accounts' files
      --workers N, fork     load here, then who_can_org on N forked processes that inherit it
      --dask local, files   who_can_files on an N-process LocalCluster, start-up included
    then the LocalCluster's start and close with no task, and the serial decision alone over
    a loaded snapshot (`who_can_org`, nothing loaded: the figure the 3 s target was set on),
    with and without the whole-stack compile cache; answers are compared and a mismatch is
    printed loudly;
(c) per-unit costs for the 1,000 accounts x 1,000 roles plan (docs/scale.md).

Targets (issue 13): serial who-can within 3 s wall; Dask local no slower than 1.5x serial.
Nothing is asserted: the machine is shared and timings are noisy; each figure is also printed
as a ratio to serial measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _bench_common import doc

ORG_ID = "o-bench00001"
BUCKET = "arn:aws:s3:::org-bench-shared"
OBJECT = f"{BUCKET}/reports/q1.csv"
ACTION = "s3:GetObject"
PARTNER = "999999999999"


def allow(action: str | list[str], arn: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": arn, **extra}


def account_id(number: int) -> str:
    return f"{200000000000 + number:012d}"


def policy_pool(arn: str) -> dict[str, dict[str, Any]]:
    """The managed policies every account holds (same documents: shared across accounts)."""
    return {
        "S3Reader": doc(allow(["s3:Get*", "s3:List*"])),
        "S3Writer": doc(allow(["s3:PutObject", "s3:GetObject"], f"{BUCKET}/*")),
        "Admin": doc(allow("*")),
        "Ec2Ops": doc(allow(["ec2:Describe*", "ec2:StartInstances"])),
        "Lambda": doc(allow(["lambda:*", "logs:*"])),
        "TaggedReader": doc(
            allow(
                "s3:GetObject",
                f"{BUCKET}/*",
                Condition={"StringEquals": {"s3:ExistingObjectTag/class": "open"}},
            )
        ),
        "DenyDelete": doc({"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}),
    }


def account_file(number: int, roles: int, rng: random.Random) -> dict[str, Any]:
    """One account's snapshot: `roles` roles of one or two policies from the pool."""
    aid = account_id(number)
    arn = f"arn:aws:iam::{aid}"
    pool = policy_pool(arn)
    names = list(pool)
    weights = [5, 2, 1, 4, 4, 2, 1]
    role_list = []
    for i in range(roles):
        picked = sorted(set(rng.choices(names, weights, k=rng.randint(1, 2))))
        role_list.append(
            {
                "RoleName": f"role-{i}",
                "Arn": f"{arn}:role/role-{i}",
                "Path": "/",
                "RoleId": f"AROA{number:08d}{i:08d}",
                "AssumeRolePolicyDocument": doc(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ),
                "RolePolicyList": [],
                "AttachedManagedPolicies": [
                    {"PolicyName": n, "PolicyArn": f"{arn}:policy/{n}"} for n in picked
                ],
                "InstanceProfileList": [],
            }
        )
    account: dict[str, Any] = {
        "account_id": aid,
        "alias": f"bench-{number}",
        "authorization_details": {
            "UserDetailList": [],
            "GroupDetailList": [],
            "RoleDetailList": role_list,
            "Policies": [
                {
                    "PolicyName": name,
                    "Arn": f"{arn}:policy/{name}",
                    "Path": "/",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"Document": document, "VersionId": "v1", "IsDefaultVersion": True}
                    ],
                }
                for name, document in pool.items()
            ],
        },
    }
    if number == 0:
        account["resources"] = [
            {
                "arn": BUCKET,
                "policy": doc(
                    {
                        "Sid": "OrgReads",
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"{BUCKET}/*",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
                    },
                    {
                        "Sid": "Partner",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
                        "Action": "s3:GetObject",
                        "Resource": f"{BUCKET}/*",
                    },
                ),
            }
        ]
    return {
        "policysim_snapshot": 1,
        "generated_at": "2026-12-06T00:00:00Z",
        "metadata": {"tool": "benchmarks/bench_org.py"},
        "accounts": [account],
    }


def organization_file(accounts: int) -> dict[str, Any]:
    """The organization alone: three OUs with their SCPs, every account's path."""
    ous = [
        {"id": "ou-bench-open", "name": "Open", "scps": ["FullAWSAccess"]},
        {"id": "ou-bench-nos3", "name": "NoS3", "scps": ["FullAWSAccess", "DenyS3"]},
        {"id": "ou-bench-list", "name": "ReadOnly", "scps": ["OnlyReads"]},
    ]
    root = {"id": "r-bench", "scps": ["FullAWSAccess"]}
    return {
        "policysim_snapshot": 1,
        "generated_at": "2026-12-06T00:00:00Z",
        "organization": {
            "id": ORG_ID,
            "management_account": account_id(0),
            "policies": {
                "DenyS3": {
                    "type": "SCP",
                    "document": doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
                },
                "OnlyReads": {
                    "type": "SCP",
                    "document": doc(allow(["s3:List*", "s3:GetObject", "ec2:Describe*"])),
                },
            },
            "account_paths": {
                account_id(n): [
                    root,
                    ous[n % 3],
                    {"id": account_id(n), "scps": ["FullAWSAccess"]},
                ]
                for n in range(accounts)
            },
        },
    }


def generate(directory: Path, accounts: int, roles: int, seed: int) -> float:
    """Write the organization's directory; return its size in MB."""
    rng = random.Random(seed)
    size = 0
    for number in range(accounts):
        path = directory / f"account-{account_id(number)}.json"
        path.write_text(json.dumps(account_file(number, roles, rng)))
        size += path.stat().st_size
    org = directory / "organization.json"
    org.write_text(json.dumps(organization_file(accounts)))
    size += org.stat().st_size
    return size / 1e6


# ---- timing ---------------------------------------------------------------------------------

COLD_SCRIPT = r"""
import resource, sys, time
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
from pathlib import Path
from policysim.account.loaders.merge import load_accounts
from policysim.account.resolve import Resolver
from policysim.account.who_can import who_can
imported = time.perf_counter()
base = rss()
snapshot = load_accounts(Path(sys.argv[1]))
loaded = time.perf_counter()
after_load = rss()
who_can(Resolver(snapshot), sys.argv[2], sys.argv[3])
print(imported - start, loaded - imported, base, after_load, rss())
"""


RUN_SCRIPT = r"""
import hashlib, json, sys, time
from pathlib import Path
directory, mode, workers, action, resource = sys.argv[1:6]
workers = int(workers)
from policysim.account.who_can import who_can
from policysim.account.workspace import open_resolver
from policysim.org import DaskExecutor, ProcessExecutor, who_can_files, who_can_org
def main():
    if mode == "plain":
        report = who_can(open_resolver(Path(directory)), action, resource)
    elif mode == "fork":
        resolver = open_resolver(Path(directory))
        report = who_can_org(resolver, action, resource, executor=ProcessExecutor(workers)).report
    elif mode == "start":
        list(DaskExecutor(workers=workers).run(len, None, []))
        print("-")
        return
    else:
        executor = {"serial": None, "workers": ProcessExecutor(workers),
                    "dask": DaskExecutor(workers=workers)}[mode]
        report = who_can_files(Path(directory), action, resource, executor=executor).report
    text = json.dumps(report.to_json(), sort_keys=True, default=str)
    print(hashlib.sha256(text.encode()).hexdigest()[:16], len(report.allowed))
if __name__ == "__main__":
    main()
"""
"""One run in a fresh process, as the CLI runs it: interpreter start, import, load, answer."""


def show(label: str, seconds: float, serial: float | None = None, extra: str = "") -> None:
    text = f"  {label:<46} {seconds:>8.2f} s"
    if serial:
        text += f"   {seconds / serial:>5.2f}x serial"
    if extra:
        text += f"   {extra}"
    print(text, flush=True)


def cpu_of_children() -> float:
    """CPU seconds (user + system) used so far by this process's finished children and theirs
    (the CLI run, and the pool or cluster workers it waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def fingerprint(report: Any) -> str:
    """The report as JSON (what the CLI prints), to compare executors' answers."""
    return json.dumps(report.to_json(), sort_keys=True, default=str)


class _NoStore(dict):  # type: ignore[type-arg]
    """A compile-cache table that keeps nothing (to time the decision without it)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask local runs")
    parser.add_argument("--keep", type=Path, help="write the organization here and keep it")
    args = parser.parse_args()

    from policysim.account.loaders.merge import load_accounts, survey_files
    from policysim.engine import compiled
    from policysim.org.who_can import who_can_org

    directory = args.keep or Path(tempfile.mkdtemp(prefix="bench_org_"))
    directory.mkdir(parents=True, exist_ok=True)
    n = args.workers
    try:
        principals = args.accounts * args.roles
        print(f"organization: {args.accounts} accounts x {args.roles} roles = {principals:,}")
        made_s, megabytes = timed(lambda: generate(directory, args.accounts, args.roles, args.seed))
        files = args.accounts + 1
        print(f"  generated {files} files, {megabytes:.1f} MB in {directory} ({made_s:.1f} s)")

        print("\n(a) loading the directory")
        cold = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT, str(directory), ACTION, OBJECT],
            capture_output=True,
            text=True,
            check=True,
        )
        imported_s, cold_load_s, rss_base, rss_loaded, rss_decided = (
            float(x) for x in cold.stdout.split()
        )
        show("cold: import policysim", imported_s)
        show("cold: load_accounts(directory)", cold_load_s, extra=f"{megabytes:.1f} MB")
        survey_s, _ = timed(lambda: survey_files(directory))
        show("survey_files(directory) (JSON only)", survey_s)

        print(f"\n(b) who-can {ACTION} {OBJECT}, end to end from the directory")
        print("    (each run a fresh process: interpreter start, import, reading, answer)")
        runs = [
            ("serial, plain (CLI default)", "plain"),
            ("serial, files", "serial"),
            (f"--workers {n}, files", "workers"),
            (f"--workers {n}, fork (loaded here, inherited)", "fork"),
        ]
        if not args.no_dask:
            runs.append((f"--dask local ({n} processes), files", "dask"))
        results: dict[str, tuple[float, str]] = {}
        cpu: dict[str, float] = {}
        for label, mode in runs:
            command = [sys.executable, "-c", RUN_SCRIPT, str(directory), mode, str(n), ACTION]
            before = cpu_of_children()
            seconds, done = timed(
                lambda c=command: subprocess.run([*c, OBJECT], capture_output=True, text=True)
            )
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["?"])[-1]
                print(f"  {label}: not run ({last})")
                continue
            results[label] = (seconds, done.stdout.strip())
            cpu[label] = cpu_of_children() - before
        serial_s, reference = results["serial, plain (CLI default)"]
        for label, (seconds, answer) in results.items():
            same = "same answer" if answer == reference else "ANSWER DIFFERS"
            allowed = f"{answer.split()[-1]} allowed, {cpu[label]:.1f} s CPU"
            show(
                label,
                seconds,
                None if label.startswith("serial, plain") else serial_s,
                f"{same}; {allowed}",
            )
        start_s: float | None = None
        if not args.no_dask:
            command = [sys.executable, "-c", RUN_SCRIPT, str(directory), "start", str(n), "-", "-"]
            seconds, _ = timed(lambda: subprocess.run(command, capture_output=True, check=True))
            start_s = seconds - imported_s
            show(f"--dask local ({n} proc.): start + close, no task", seconds, serial_s)

        snapshot = load_accounts(directory)
        from policysim.account.resolve import Resolver

        who_can_org(Resolver(snapshot), ACTION, OBJECT)  # warm: imports, the catalog's indexes
        compiled._SHARED_CACHE.stacks.clear()  # count this run's stacks only
        cpu_start = time.process_time()
        decide_s, _ = timed(lambda: who_can_org(Resolver(snapshot), ACTION, OBJECT))
        decide_cpu = time.process_time() - cpu_start
        stacks = len(compiled._SHARED_CACHE.stacks)
        show(
            "serial decision alone (snapshot loaded)",
            decide_s,
            serial_s,
            f"{decide_cpu:.2f} s CPU; {stacks:,} distinct policy stacks, {principals:,} principals",
        )
        kept = compiled._SHARED_CACHE.stacks
        compiled._SHARED_CACHE.stacks = _NoStore()
        try:
            cpu_start = time.process_time()
            nostack_s, _ = timed(lambda: who_can_org(Resolver(snapshot), ACTION, OBJECT))
            nostack_cpu = time.process_time() - cpu_start
        finally:
            compiled._SHARED_CACHE.stacks = kept
        show(
            "  the same without the whole-stack cache",
            nostack_s,
            serial_s,
            f"{nostack_cpu:.2f} s CPU",
        )

        print("\n  side by side (end to end; ratio to serial, plain):")
        for label, (seconds, _) in results.items():
            print(f"    {label:<46} {seconds:>7.2f} s  {seconds / serial_s:>5.2f}x")
        print(
            f"  target serial who-can <= 3 s (decision alone): "
            f"{'meets' if decide_s <= 3 else 'ABOVE'}"
            f" ({decide_s:.2f} s wall, {decide_cpu:.2f} s CPU)"
        )
        for label, (seconds, _) in results.items():
            if label.startswith("--dask"):
                for name in ("serial, plain (CLI default)", "serial, files"):
                    base = results[name][0]
                    verdict = "meets" if seconds <= 1.5 * base else "ABOVE"
                    print(
                        f"  target Dask local <= 1.5x {name} (end to end): {verdict}"
                        f" ({seconds / base:.2f}x)"
                    )

        print("\n(c) per-unit costs (for the 1,000 x 1,000 plan)")
        print(
            f"  decided per principal (serial)       {decide_s / principals * 1e6:9.1f} us"
            f"   ({decide_cpu / principals * 1e6:.1f} us of CPU)"
        )
        print(f"  loaded per MB (cold)                 {cold_load_s / megabytes * 1000:9.1f} ms")
        print(f"  surveyed per MB                      {survey_s / megabytes * 1000:9.1f} ms")
        print(f"  snapshot size per principal          {megabytes / principals * 1000:9.3f} kB")
        loaded_per = (rss_loaded - rss_base) * 1024 / principals
        print(f"  memory per principal (loaded)        {loaded_per:9.1f} kB")
        per_principal = (rss_decided - rss_base) * 1024 / principals
        print(
            f"  memory per principal (loaded+decided){per_principal:9.1f} kB"
            f"   (process: {rss_base:.0f} MB after import, {rss_decided:.0f} MB at the end)"
        )
        if start_s is not None:
            print(f"  LocalCluster start + close ({n} proc.)  {start_s:9.2f} s")
        scale = 1_000_000 / principals
        print(
            f"  1,000 x 1,000 extrapolated linearly, one core: load {cold_load_s * scale:.0f} s"
            f" of {megabytes * scale / 1000:.2f} GB, decide {decide_s * scale:.0f} s,"
            f" {per_principal * 1e6 / 1024 / 1024:.1f} GB"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Speed of org-wide who-can (issue 13) on a generated organization, on every executor.

Run:  .venv/bin/python benchmarks/bench_org.py [--accounts N] [--roles N] [--seed N]
          [--no-dask] [--keep DIR]

The organization: N accounts (default 300) of R roles each (default 100), written as a
DIRECTORY of per-account policysim snapshots (`account-<id>.json`) plus one organization-only
file (`organization.json`), as `policysim fetch --org` writes. Accounts sit in three OUs: one
with FullAWSAccess only, one whose SCP denies s3:*, one whose SCP allows only listing and
reads. Roles attach one or two managed policies from a small per-account pool (readers, writers,
admins, unrelated services, a conditional reader), so many roles share a policy stack, as in real
accounts. Account 0 holds a bucket whose policy lets the whole organization read, keyed on
`aws:PrincipalOrgID`, plus one partner account outside.

Measured, in this order, each figure printed with its ratio to serial:
(a) cold load: a fresh process imports policysim and loads the directory (`load_accounts`),
    and the in-process load alone; the directory's size in MB;
(b) who-can s3:GetObject on an object of the bucket, over every principal of the organization:
    serial (`who_can_org`, default executor), `--workers 2` (ProcessExecutor) and Dask local
    (a 2-process LocalCluster, start-up included, as the CLI pays it); the answers are compared
    and a mismatch is printed loudly; then a Dask run with no task (cluster start, broadcast of
    the snapshot, shutdown) shows how much of the Dask figure is overhead;
(c) per-unit costs for the 1,000 accounts x 1,000 roles plan (docs/scale.md): seconds per
    principal decided (serial), seconds per MB loaded, MB per principal, resident memory.

Targets (issue 13): serial who-can within 3 s wall; Dask local no slower than 1.5x serial.
Nothing is asserted: the machine is shared and timings are noisy.
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


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


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
import sys, time
start = time.perf_counter()
from pathlib import Path
from policysim.account.loaders.merge import load_accounts
from policysim.account.resolve import Resolver
imported = time.perf_counter()
snapshot = load_accounts(Path(sys.argv[1]))
loaded = time.perf_counter()
print(imported - start, loaded - imported)
"""


def show(label: str, seconds: float, serial: float | None = None, extra: str = "") -> None:
    text = f"  {label:<44} {seconds:>9.3f} s"
    if serial:
        text += f"   {seconds / serial:>6.2f}x serial"
    if extra:
        text += f"   {extra}"
    print(text, flush=True)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def fingerprint(result: Any) -> str:
    """The merged report as JSON (what the CLI prints), to compare executors' answers."""
    return json.dumps(result.report.to_json(), sort_keys=True, default=str)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask local run")
    parser.add_argument("--keep", type=Path, help="write the organization here and keep it")
    args = parser.parse_args()

    from policysim.account.loaders.merge import load_accounts
    from policysim.account.resolve import Resolver
    from policysim.org.executors import DaskExecutor, ProcessExecutor
    from policysim.org.who_can import who_can_org

    directory = args.keep or Path(tempfile.mkdtemp(prefix="bench_org_"))
    directory.mkdir(parents=True, exist_ok=True)
    try:
        principals = args.accounts * args.roles
        print(f"organization: {args.accounts} accounts x {args.roles} roles = {principals:,}")
        made_s, megabytes = timed(lambda: generate(directory, args.accounts, args.roles, args.seed))
        files = args.accounts + 1
        print(f"  generated {files} files, {megabytes:.1f} MB in {directory} ({made_s:.1f} s)")

        print("\n(a) loading the directory")
        cold = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT, str(directory)],
            capture_output=True,
            text=True,
            check=True,
        )
        imported_s, cold_load_s = (float(x) for x in cold.stdout.split())
        show("cold: import policysim", imported_s)
        show("cold: load_accounts(directory)", cold_load_s, extra=f"{megabytes:.1f} MB")
        load_s, snapshot = timed(lambda: load_accounts(directory))
        show("warm: load_accounts(directory)", load_s)

        print(f"\n(b) who-can {ACTION} {OBJECT}, every principal of the organization")
        results: dict[str, tuple[float, Any]] = {}

        def run(label: str, executor: Any) -> None:
            resolver = Resolver(snapshot)
            seconds, result = timed(
                lambda: who_can_org(resolver, ACTION, OBJECT, executor=executor)
            )
            results[label] = (seconds, result)

        run("serial", None)
        serial_s, serial = results["serial"]
        run(f"--workers {args.workers}", ProcessExecutor(args.workers))
        if not args.no_dask:
            try:
                run(f"--dask local ({args.workers} processes)", DaskExecutor(workers=args.workers))
            except Exception as exc:  # e.g. the org extra not installed
                print(f"  --dask local: not run ({type(exc).__name__}: {exc})")
        overhead_s: float | None = None
        if any(label.startswith("--dask") for label in results):
            # The same run with no accounts: cluster start, broadcast of the snapshot, shutdown.
            overhead_s, _ = timed(
                lambda: list(DaskExecutor(workers=args.workers).run(len, Resolver(snapshot), []))
            )
        reference = fingerprint(serial)
        for label, (seconds, result) in results.items():
            same = "same answer" if fingerprint(result) == reference else "ANSWER DIFFERS"
            extra = f"{same}; {len(result.report.allowed)} allowed, {len(result.failures)} failed"
            show(label, seconds, None if label == "serial" else serial_s, extra)
        if overhead_s is not None:
            show("--dask local, start + broadcast only, no task", overhead_s, serial_s)
        target = "meets" if serial_s <= 3 else "ABOVE"
        print(f"  target serial <= 3 s: {target}")
        for label, (seconds, _) in results.items():
            if label.startswith("--dask"):
                verdict = "meets" if seconds <= 1.5 * serial_s else "ABOVE"
                print(f"  target Dask local <= 1.5x serial: {verdict} ({seconds / serial_s:.2f}x)")

        print("\n(c) per-unit costs (for the 1,000 x 1,000 plan)")
        checked = serial.report.checked or principals
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  principals decided (serial)        {checked:,}")
        print(f"  serial who-can per principal       {serial_s / checked * 1e6:9.1f} us")
        print(f"  cold load per MB                   {cold_load_s / megabytes * 1000:9.1f} ms")
        print(f"  snapshot MB per principal          {megabytes / principals * 1000:9.3f} kB")
        print(f"  peak resident memory, this process {rss_mb:9.0f} MB")
        scale = 1_000_000 / principals
        print(
            f"  1,000 x 1,000 extrapolated linearly (one core): load"
            f" {cold_load_s * scale:.0f} s of {megabytes * scale / 1000:.1f} GB,"
            f" who-can {serial_s * scale:.0f} s"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Speed of the account commands: `who-can` over a big account, and the cold start of `check`.

Run:  .venv/bin/python benchmarks/bench_accounts.py [--roles N] [--runs N] [--keep DIR]

(a) A generated account: 5,000 roles, each with 4 customer managed policies (20,000 policies)
    of varied S3, EC2 and IAM statements with wildcards, some with conditions, some denies; a
    few hundred roles really may `s3:GetObject` on the benchmark bucket, which has a bucket
    policy. It is written as a policysim snapshot JSON (`policysim_snapshot: 1`, the roles and
    policies in `authorization_details`, the bucket under `resources`) and loaded through the
    real loader (`policysim.account.loaders.load_snapshot`), so the in-process and the command
    line figures read the same file.
    * in-process: `policysim.account.who_can.who_can(resolver, "s3:GetObject",
      "arn:aws:s3:::bench-data/key")`, timed apart from loading (loading is shown too);
    * command line: `policysim who-can s3:GetObject arn:aws:s3:::bench-data/key --account
      big.json --json` in a subprocess, wall time, loading included.
    Target: < 2 s for each.
(b) Cold start: the median wall time of 10 runs of
    `policysim check user alice s3:GetObject --account small.yaml` in a subprocess.
    Target: < 0.5 s.

Everything runs pinned to one CPU core where `os.sched_setaffinity` exists (subprocesses
inherit the pin). The whole script takes well under two minutes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _bench_common import doc, pin_to_one_core

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ACCOUNT = "111122223333"
PARTNER = "444455556666"
BUCKET = "bench-data"
KEY = "key"
ACTION = "s3:GetObject"
RESOURCE = f"arn:aws:s3:::{BUCKET}/{KEY}"

TARGET_WHO_CAN = 2.0  # seconds, in-process and through the CLI
TARGET_COLD_START = 0.5  # seconds, median

SMALL_YAML = f"""\
account: "{ACCOUNT}"
users:
  alice:
    policies: [AmazonS3ReadOnlyAccess]
  bob: {{}}
"""


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def command() -> list[str]:
    """The installed `policysim` script next to this interpreter, else `python -m policysim`."""
    script = Path(sys.executable).parent / "policysim"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "policysim"]


def env() -> dict[str, str]:
    out = dict(os.environ)
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "TERM"):
        out.pop(name, None)
    out["NO_COLOR"] = "1"
    return out


def run_cli(args: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    proc = subprocess.run(
        [*command(), *args], capture_output=True, cwd=cwd, env=env(), check=False, timeout=120
    )
    return time.perf_counter() - start, proc


def show(label: str, seconds: float, target: float | None = None, extra: str = "") -> None:
    text = f"  {label:<58} {seconds:>8.3f} s"
    if target is not None:
        ok = "meets target" if seconds < target else "ABOVE target"
        text += f"   (target < {target:g} s: {ok})"
    if extra:
        text += f"   {extra}"
    print(text, flush=True)


# ------------------------------------------------------------------------------------------
# the generated account
# ------------------------------------------------------------------------------------------


def filler_statement(rng: random.Random, i: int) -> dict[str, Any]:
    """A statement that does not grant s3:GetObject on the benchmark bucket."""
    bucket = f"team-{rng.randrange(400)}"
    kind = rng.randrange(9)
    if kind == 0:
        return {
            "Effect": "Allow",
            "Action": ["s3:Get*", "s3:List*"],
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        }
    if kind == 1:
        return {
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/uploads/${{aws:username}}/*",
            "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}},
        }
    if kind == 2:
        return {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/reports/{i % 50}/*",  # another prefix
        }
    if kind == 3:
        return {
            "Effect": "Allow",
            "Action": ["ec2:Describe*", "ec2:Get*"],
            "Resource": "*",
        }
    if kind == 4:
        return {
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:StartInstances", "ec2:StopInstances"],
            "Resource": f"arn:aws:ec2:*:{ACCOUNT}:instance/*",
            "Condition": {
                "StringEquals": {
                    "aws:RequestedRegion": rng.choice(["eu-west-1", "us-east-1"]),
                    "aws:ResourceTag/team": f"t{i % 40}",
                }
            },
        }
    if kind == 5:
        return {
            "Effect": "Allow",
            "Action": ["iam:Get*", "iam:List*"],
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/app-{i % 300}-*",
        }
    if kind == 6:
        return {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"arn:aws:iam::{ACCOUNT}:role/service-role/*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        }
    if kind == 7:
        return {
            "Effect": "Deny",
            "Action": ["iam:Create*", "iam:Delete*", "iam:Put*"],
            "Resource": "*",
        }
    return {
        "Effect": "Allow",
        "NotAction": ["iam:*", "organizations:*", "s3:*"],
        "Resource": f"arn:aws:ec2:eu-west-1:{ACCOUNT}:volume/*",
    }


GRANTS = [
    # unconditional grants: the role is allowed
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"},
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{BUCKET}/k*"},
    {"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"},
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}},
    },
]
NEAR_MISSES = [
    # conditional grants whose condition fails without extra context
    {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
    },
    # granted, then denied
    {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::team-*"},
]


def generate(roles: int, seed: int = 20261125) -> tuple[dict[str, Any], int]:
    """The snapshot, and how many roles are meant to be allowed."""
    rng = random.Random(seed)
    role_list: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    granted = 0
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    for r in range(roles):
        name = f"app-{r % 300}-role-{r}"
        attached = []
        grant = r % 17 == 0  # ~300 of 5,000
        miss = r % 23 == 0 and not grant
        for p in range(4):
            statements = [filler_statement(rng, r * 4 + p) for _ in range(rng.randint(1, 4))]
            if grant and p == 2:
                statements.append(GRANTS[r % len(GRANTS)])
            if miss and p == 1:
                statements.append(GRANTS[0] if r % 2 else NEAR_MISSES[0])
                if r % 2:
                    statements.append(NEAR_MISSES[1])
            policy_name = f"{name}-p{p}"
            arn = f"arn:aws:iam::{ACCOUNT}:policy/generated/{policy_name}"
            policies.append(
                {
                    "PolicyName": policy_name,
                    "Arn": arn,
                    "Path": "/generated/",
                    "DefaultVersionId": "v1",
                    "PolicyVersionList": [
                        {"Document": doc(*statements), "VersionId": "v1", "IsDefaultVersion": True}
                    ],
                }
            )
            attached.append({"PolicyName": policy_name, "PolicyArn": arn})
        granted += grant
        role_list.append(
            {
                "RoleName": name,
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
                "Path": "/",
                "RoleId": f"AROA{r:016d}",
                "AssumeRolePolicyDocument": trust,
                "RolePolicyList": [],
                "AttachedManagedPolicies": attached,
                "Tags": [{"Key": "team", "Value": f"t{r % 40}"}],
            }
        )
    # The bucket policy: HTTPS only; one named role; the partner account under a condition.
    named_role = f"arn:aws:iam::{ACCOUNT}:role/{role_list[1]['RoleName']}"
    bucket_policy = doc(
        {
            "Sid": "HttpsOnly",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": "NamedRole",
            "Effect": "Allow",
            "Principal": {"AWS": named_role},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        },
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-partner"}},
        },
    )
    snapshot = {
        "policysim_snapshot": 1,
        "generated_at": "2026-11-25T00:00:00Z",
        "metadata": {"tool": "benchmarks/bench_accounts.py", "seed": seed},
        "accounts": [
            {
                "account_id": ACCOUNT,
                "alias": "bench",
                "authorization_details": {
                    "UserDetailList": [],
                    "GroupDetailList": [],
                    "RoleDetailList": role_list,
                    "Policies": policies,
                },
                "resources": [
                    {
                        "arn": f"arn:aws:s3:::{BUCKET}",
                        "policy": bucket_policy,
                        "tags": {"data": "bench"},
                        "block_public_access": None,
                    }
                ],
            }
        ],
    }
    return snapshot, granted + 1  # + the role named by the bucket policy (r == 1)


# ------------------------------------------------------------------------------------------
# the measurements
# ------------------------------------------------------------------------------------------


def bench_who_can(work: Path, roles: int) -> None:
    from policysim.account.loaders import load_snapshot
    from policysim.account.resolve import Resolver
    from policysim.account.who_can import who_can
    from policysim.account.workspace import aws_managed

    start = time.perf_counter()
    data, expected = generate(roles)
    big = work / "big.json"
    big.write_text(json.dumps(data))
    size = big.stat().st_size
    roles_n = len(data["accounts"][0]["authorization_details"]["RoleDetailList"])
    policies_n = len(data["accounts"][0]["authorization_details"]["Policies"])
    print(
        f"(a) who-can over a generated account: {roles_n:,} roles, {policies_n:,} customer"
        f" managed policies, {size / 1e6:.1f} MB snapshot JSON"
        f" (generated in {time.perf_counter() - start:.1f} s)",
        flush=True,
    )

    gc.collect()
    start = time.perf_counter()
    snapshot = load_snapshot(big)
    load = time.perf_counter() - start
    show("load_snapshot (real loader)", load)

    timings = []
    report = None
    for _ in range(3):  # the first run also compiles; later runs reuse the compile cache
        resolver = Resolver(snapshot, managed_lookup=aws_managed)
        gc.collect()
        start = time.perf_counter()
        report = who_can(resolver, ACTION, RESOURCE)
        timings.append(time.perf_counter() - start)
    assert report is not None
    allowed = len(report.allowed)
    show(
        "who_can in-process, first of 3 (fresh resolver)",
        timings[0],
        TARGET_WHO_CAN,
        f"{allowed} of {report.checked} allowed (meant: {expected})",
    )
    show("who_can in-process, best of 3", min(timings), TARGET_WHO_CAN)
    show("load + who_can in-process", load + timings[0], TARGET_WHO_CAN)
    if allowed != expected:
        print(f"  NOTE: {allowed} roles allowed, the generator meant {expected}", flush=True)

    args = ["who-can", ACTION, RESOURCE, "--account", str(big), "--json"]
    cli = []
    for _ in range(2):
        seconds, proc = run_cli(args, work)
        if proc.returncode != 0:
            print(proc.stderr.decode(errors="replace"), file=sys.stderr)
            raise SystemExit(f"policysim who-can failed with exit {proc.returncode}")
        cli.append(seconds)
    answer = json.loads(proc.stdout)
    show(
        "policysim who-can (subprocess, load included), first",
        cli[0],
        TARGET_WHO_CAN,
        f"{len(answer['allowed'])} allowed, {len(answer['external'])} external",
    )
    show("policysim who-can (subprocess, load included), best of 2", min(cli), TARGET_WHO_CAN)


def bench_cold_start(work: Path, runs: int) -> None:
    small = work / "small.yaml"
    small.write_text(SMALL_YAML)
    args = ["check", "user", "alice", ACTION, "--account", str(small)]
    print(f"(b) cold start: {' '.join(['policysim', *args[:-1]])} small.yaml, {runs} runs")
    run_cli(args, work)  # warm the OS page cache once; not counted
    timings = []
    for _ in range(runs):
        seconds, proc = run_cli(args, work)
        if proc.returncode != 0:
            print(proc.stderr.decode(errors="replace"), file=sys.stderr)
            raise SystemExit(f"policysim check failed with exit {proc.returncode}")
        timings.append(seconds)
    show(
        "policysim check (subprocess), median",
        statistics.median(timings),
        TARGET_COLD_START,
        f"min {min(timings):.3f} s, max {max(timings):.3f} s",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--roles", type=int, default=5000, help="roles to generate (4 policies each)"
    )
    parser.add_argument("--runs", type=int, default=10, help="cold-start runs")
    parser.add_argument("--keep", type=Path, help="write the generated files here and keep them")
    options = parser.parse_args()

    print(f"policysim account benchmarks; {pin_to_one_core()}; {' '.join(command())}", flush=True)
    total = time.perf_counter()
    work = options.keep or Path(tempfile.mkdtemp(prefix="policysim-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        bench_who_can(work, options.roles)
        bench_cold_start(work, options.runs)
    finally:
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.perf_counter() - total:.1f} s", flush=True)


if __name__ == "__main__":
    main()

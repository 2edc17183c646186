"""Speed of `policysim diff` (issue 11): the prover on documents, AWS managed policies and a
whole account.

Run:  .venv/bin/python benchmarks/bench_diff.py [--pairs N] [--principals N] [--seed N]

(a) Two documents without conditions: N generated pairs of identity policies (action patterns
    with wildcards, ARN patterns, NotAction/NotResource, Deny statements), each a small edit of
    the other; `diff_documents(old, new, "identity")` timed per pair. Target: median < 50 ms.
(b) The same with conditions (IP ranges, StringLike patterns, date windows, Bool/IfExists,
    ForAnyValue/ForAllValues, negated operators). Target: p95 < 300 ms.
(c) AWS managed policies over the whole catalog: ReadOnlyAccess vs ViewOnlyAccess, both ways
    (from the bundled offline copies). Target: < 200 ms each.
(d) An account diff: a generated account of 5,000 principals (users and roles, shared and own
    managed policies, inline policies) written as a policysim snapshot; NEW changes one shared
    managed policy. Timed end to end as the CLI does it: load both files, pair the principals
    (`policysim.diff.sources.load_pair`), prove every changed unit. Target: < 2 s.

Everything runs pinned to one CPU core where `os.sched_setaffinity` exists. Figures are
printed next to their targets; nothing is asserted (timings on a shared machine are noisy).
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _bench_common import doc, pin_to_one_core, show

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ACCOUNT = "111122223333"
TARGET_PLAIN_MEDIAN = 0.050
TARGET_CONDITIONS_P95 = 0.300
TARGET_MANAGED = 0.200
TARGET_ACCOUNT = 2.0

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:List*",
    "s3:*Object",
    "s3:DeleteObject",
    "ec2:Describe*",
    "ec2:RunInstances",
    "ec2:*",
    "iam:PassRole",
    "iam:Get*",
    "iam:List*",
    "kms:Decrypt",
    "kms:*",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:*",
    "sqs:SendMessage",
    "sqs:*",
    "lambda:InvokeFunction",
    "logs:*",
    "cloudwatch:PutMetricData",
    "sts:AssumeRole",
    "secretsmanager:GetSecretValue",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::data/*",
    "arn:aws:s3:::data/app/*",
    "arn:aws:s3:::logs-??/*",
    "arn:aws:s3:::*",
    f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
    f"arn:aws:dynamodb:*:{ACCOUNT}:table/*",
    f"arn:aws:iam::{ACCOUNT}:role/app-*",
    f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*",
    f"arn:aws:sqs:*:{ACCOUNT}:jobs-*",
    f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:*",
]
CONDITIONS: list[dict[str, Any]] = [
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"IpAddress": {"aws:SourceIp": ["10.20.0.0/16", "192.168.0.0/24"]}},
    {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "public/*"]}},
    {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
    {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}},
    {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["env", "team"]}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team", "cost"]}},
    {"StringEqualsIfExists": {"aws:PrincipalTag/team": "blue"}},
    {"NumericLessThan": {"s3:max-keys": "100"}},
]


# ---- generated document pairs ------------------------------------------------------------------


def statement(rng: random.Random, conditions: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": "Deny" if rng.random() < 0.15 else "Allow"}
    actions = rng.sample(ACTIONS, rng.randint(1, 4))
    out["NotAction" if rng.random() < 0.08 else "Action"] = actions
    resources = rng.sample(RESOURCES, rng.randint(1, 2))
    out["NotResource" if rng.random() < 0.05 else "Resource"] = resources
    if conditions and rng.random() < 0.7:
        block: dict[str, Any] = {}
        for chosen in rng.sample(CONDITIONS, rng.randint(1, 2)):
            for operator, keys in chosen.items():
                block.setdefault(operator, {}).update(keys)
        out["Condition"] = block
    return out


def edited(rng: random.Random, document: dict[str, Any], conditions: bool) -> dict[str, Any]:
    """A small change such as a pull request makes: add, drop or alter one statement."""
    statements = json.loads(json.dumps(document["Statement"]))
    choice = rng.random()
    if choice < 0.3 or len(statements) < 2:
        statements.append(statement(rng, conditions))
    elif choice < 0.5:
        statements.pop(rng.randrange(len(statements)))
    else:
        target = statements[rng.randrange(len(statements))]
        key = "Action" if "Action" in target else "NotAction"
        target[key] = rng.sample(ACTIONS, rng.randint(1, 4))
    return doc(*statements)


def pairs(count: int, conditions: bool, seed: int) -> list[tuple[Any, Any]]:
    from policysim.policy.build import policy_from_data

    rng = random.Random(seed)
    out = []
    for _ in range(count):
        old = doc(*(statement(rng, conditions) for _ in range(rng.randint(1, 5))))
        new = edited(rng, old, conditions)
        out.append((policy_from_data(old), policy_from_data(new)))
    return out


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def outcomes(results: list[Any]) -> str:
    counts: dict[str, int] = {}
    for report in results:
        counts[str(report.result)] = counts.get(str(report.result), 0) + 1
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))


def bench_documents(prover: Any, count: int, seed: int) -> None:
    print(f"(a, b) two-document diffs, {count} generated pairs each", flush=True)
    for conditions in (False, True):
        work = pairs(count, conditions, seed + int(conditions))
        prover.diff_documents(*work[0], "identity")  # warm the catalog and caches
        times, results = [], []
        for old, new in work:
            seconds, report = timed(lambda o=old, n=new: prover.diff_documents(o, n, "identity"))
            times.append(seconds)
            results.append(report)
        label = "with conditions" if conditions else "without conditions"
        if conditions:
            show(f"{label}: p95", percentile(times, 0.95), TARGET_CONDITIONS_P95)
            show(f"{label}: median", statistics.median(times))
        else:
            show(f"{label}: median", statistics.median(times), TARGET_PLAIN_MEDIAN)
            show(f"{label}: p95", percentile(times, 0.95))
        print(f"    results: {outcomes(results)}; slowest {max(times) * 1000:.1f} ms", flush=True)


def bench_managed(prover: Any) -> None:
    from policysim.account.managed import aws_managed_policy

    print("(c) AWS managed policies over the whole catalog", flush=True)
    read_only = aws_managed_policy("ReadOnlyAccess")
    view_only = aws_managed_policy("ViewOnlyAccess")
    assert read_only is not None and view_only is not None
    for old, new, label in (
        (read_only, view_only, "ReadOnlyAccess -> ViewOnlyAccess"),
        (view_only, read_only, "ViewOnlyAccess -> ReadOnlyAccess"),
    ):
        seconds, report = timed(
            lambda o=old, n=new: prover.diff_documents(o.policy, n.policy, "identity")
        )
        show(label, seconds, TARGET_MANAGED, f"{report.result}, {len(report.findings)} findings")


# ---- the generated account ---------------------------------------------------------------------


def managed_entry(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/{name}",
        "Path": "/",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}],
    }


def account_snapshot(principals: int, seed: int, changed: bool) -> tuple[dict[str, Any], int]:
    """A snapshot of `principals` users and roles; `changed` adds iam:CreateAccessKey to the
    shared policy `Team-7`. Returns the snapshot and how many principals `Team-7` reaches."""
    rng = random.Random(seed)
    shared = {f"Team-{i}": doc(statement(rng, True), statement(rng, False)) for i in range(150)}
    shared["Team-7"] = doc(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}
    )
    if changed:
        extra = {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}
        shared["Team-7"] = doc(*shared["Team-7"]["Statement"], extra)
    policies = [managed_entry(name, document) for name, document in shared.items()]
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    reached = 0
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    for i in range(principals):
        names = rng.sample(sorted(shared), 2)
        reached += "Team-7" in names
        attached = [
            {"PolicyName": n, "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/{n}"} for n in names
        ]
        inline = []
        if i % 3 == 0:
            own = doc({"Effect": "Allow", "Action": "s3:*", "Resource": f"arn:aws:s3:::home-{i}/*"})
            inline = [{"PolicyName": "own", "PolicyDocument": own}]
        if i % 2:
            users.append(
                {
                    "UserName": f"user-{i}",
                    "Arn": f"arn:aws:iam::{ACCOUNT}:user/user-{i}",
                    "Path": "/",
                    "UserId": f"AIDA{i:016d}",
                    "GroupList": [],
                    "UserPolicyList": inline,
                    "AttachedManagedPolicies": attached,
                }
            )
        else:
            roles.append(
                {
                    "RoleName": f"role-{i}",
                    "Arn": f"arn:aws:iam::{ACCOUNT}:role/role-{i}",
                    "Path": "/",
                    "RoleId": f"AROA{i:016d}",
                    "AssumeRolePolicyDocument": trust,
                    "RolePolicyList": inline,
                    "AttachedManagedPolicies": attached,
                }
            )
    snapshot = {
        "policysim_snapshot": 1,
        "generated_at": "2026-12-05T00:00:00Z",
        "metadata": {"tool": "benchmarks/bench_diff.py", "seed": seed},
        "accounts": [
            {
                "account_id": ACCOUNT,
                "alias": "bench",
                "authorization_details": {
                    "UserDetailList": users,
                    "GroupDetailList": [],
                    "RoleDetailList": roles,
                    "Policies": policies,
                },
            }
        ],
    }
    return snapshot, reached


def bench_account(prover: Any | None, principals: int, seed: int) -> None:
    from policysim.diff.sources import load_pair

    print(f"(d) account diff, {principals} principals, one changed managed policy", flush=True)
    with tempfile.TemporaryDirectory(prefix="policysim-bench-diff-") as folder:
        old_path, new_path = Path(folder) / "old.json", Path(folder) / "new.json"
        old, reached = account_snapshot(principals, seed, changed=False)
        new, _ = account_snapshot(principals, seed, changed=True)
        old_path.write_text(json.dumps(old))
        new_path.write_text(json.dumps(new))
        start = time.perf_counter()
        sources = load_pair(str(old_path), str(new_path))
        loaded = time.perf_counter() - start
        covered = sum(1 + len(u.also) for u in sources.units)
        show(
            "load and pair both files",
            loaded,
            extra=f"{len(sources.units)} units for {covered} principals"
            f" (Team-7 reaches {reached}); {sources.unchanged} unchanged",
        )
        if prover is None:
            return
        results = []
        for unit in sources.units:
            results.append(
                prover.diff_policy_sets(
                    unit.old,
                    unit.new,
                    principal=unit.principal,
                    resource_account=unit.resource_account,
                )
            )
        total = time.perf_counter() - start
        show("end to end (load, pair, prove)", total, TARGET_ACCOUNT, outcomes(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--principals", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    print(f"bench_diff: {pin_to_one_core()}", flush=True)
    module = importlib.import_module("policysim.diff")
    prover = module if hasattr(module, "diff_documents") else None
    if prover is None:
        print("  the prover (policysim.diff.diff_documents) is not in this build: (a)-(c) skipped")
    else:
        bench_documents(prover, args.pairs, args.seed)
        bench_managed(prover)
    bench_account(prover, args.principals, args.seed)


if __name__ == "__main__":
    main()

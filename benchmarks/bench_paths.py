"""Speed of `policysim paths` (issue 12) on a generated account, beside a naive all-pairs search.

Run:  .venv/bin/python benchmarks/bench_paths.py [--principals N] [--seed N]
          [--baseline-sources K] [--keep DIR]

The account: N principals (default 5,000) in one account, written as a policysim snapshot (the
format `policysim fetch` writes) in a temporary directory. Users sit in groups and attach a few
managed policies from a shared pool, so many principals share one policy stack; roles trust
services, the account, or other roles. A small share carries escalation-relevant permissions:
iam:PutUserPolicy on oneself, iam:PassRole to Lambda or EC2 with the service actions, AssumeRole
chains (users -> app-* roles -> ops-* roles -> the BreakGlass admin role), iam:CreateAccessKey
on other users (two of whom are admins), AddUserToGroup. Some EC2 roles are in instance profiles.

(a) Generation and loading: the generator's figures (principals, distinct policy stacks,
    escalation-relevant principals) and the time to load the snapshot.
(c) policysim paths, cold: a fresh process imports `policysim.paths`, loads the snapshot and
    calls `find_paths(snapshot, target="admin")`, each step timed, with the report's figures
    (policy stacks, engine calls, edges, modifications); and `policysim paths --account FILE
    --json` timed from start to exit. Target: all paths to admin in < 5 s cold. When
    `policysim.paths` is not in this build, says so and goes on.
(b) The naive baseline: for every ordered pair of principals (and every principal and group),
    the engine is asked directly (`Resolver.decide`, compiling the policy set each time, as a
    per-pair simulator does) whether the source may sts:AssumeRole, iam:UpdateAssumeRolePolicy,
    iam:PutRolePolicy, iam:AttachRolePolicy or iam:PassRole (to each service the target trusts)
    on a target role; iam:CreateAccessKey, iam:CreateLoginProfile, iam:UpdateLoginProfile,
    iam:PutUserPolicy or iam:AttachUserPolicy on a target user; iam:AddUserToGroup,
    iam:PutGroupPolicy or iam:AttachGroupPolicy on a group; whether each principal is admin
    (probe actions on "*"); then one reverse breadth-first search from the admins. All pairs of
    5,000 principals is ~125 million engine calls (hours), so by default the pairs of K sampled
    sources (--baseline-sources, default 10; all sources when N <= 200) are measured and the
    time is extrapolated linearly to all N sources: the figure printed says which. With K = N
    the whole graph is built and searched, and the count of sources with a path is printed.

Everything runs pinned to one CPU core where `os.sched_setaffinity` exists (the subprocesses
inherit it). Figures are printed with ratios; nothing is asserted (timings on a shared machine
are noisy).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _bench_common import doc, pin_to_one_core
from _bench_common import show as _show

ACCOUNT = "111111111111"
ARN = f"arn:aws:iam::{ACCOUNT}"
TARGET_COLD = 5.0
ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"

SERVICE_ACTIONS: dict[str, tuple[str, ...]] = {
    "lambda.amazonaws.com": ("lambda:CreateFunction", "lambda:InvokeFunction"),
    "ec2.amazonaws.com": ("ec2:RunInstances",),
    "cloudformation.amazonaws.com": ("cloudformation:CreateStack",),
    "glue.amazonaws.com": ("glue:CreateJob", "glue:StartJobRun"),
}
"""The services the naive search tries to pass roles to, with the actions that run code."""

ADMIN_PROBES = (
    "iam:CreateUser",
    "iam:PutRolePolicy",
    "s3:DeleteBucket",
    "ec2:TerminateInstances",
    "kms:ScheduleKeyDeletion",
    "organizations:LeaveOrganization",
)
"""The naive admin test: every one of these allowed on "*"."""

BENIGN_ACTIONS = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sns:Publish",
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "ec2:Describe*",
    "cloudwatch:GetMetricData",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
)


# ---- output ---------------------------------------------------------------------------------


def show(label: str, seconds: float, target: float | None = None, extra: str = "") -> None:
    _show(label, seconds, target, extra, width=11)


# ---- the generated account ------------------------------------------------------------------


def allow(action: str | list[str], resource: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def trust(principal: dict[str, Any]) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def managed_entry(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "PolicyName": name,
        "Arn": f"{ARN}:policy/{name}",
        "Path": "/",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"Document": document, "VersionId": "v1", "IsDefaultVersion": True}],
    }


def attached(*arns: str) -> list[dict[str, str]]:
    return [{"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in arns]


ESCALATION_POLICIES: dict[str, dict[str, Any]] = {
    "SelfService": doc(allow("iam:PutUserPolicy", f"{ARN}:user/${{aws:username}}")),
    "LambdaDeployer": doc(
        allow("iam:PassRole", f"{ARN}:role/lambda-*"),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"]),
    ),
    "Ec2Launcher": doc(
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": f"{ARN}:role/ec2-*",
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        },
        allow("ec2:RunInstances"),
    ),
    "AssumeApp": doc(allow("sts:AssumeRole", f"{ARN}:role/app-*")),
    "AssumeOps": doc(allow("sts:AssumeRole", f"{ARN}:role/ops-*")),
    "KeyRotator": doc(allow("iam:CreateAccessKey", f"{ARN}:user/*")),
    "GroupManager": doc(allow("iam:AddUserToGroup", f"{ARN}:group/*")),
}


class Generated:
    """The snapshot's data and the generator's own figures."""

    def __init__(self) -> None:
        self.users: list[dict[str, Any]] = []
        self.groups: list[dict[str, Any]] = []
        self.roles: list[dict[str, Any]] = []
        self.policies: list[dict[str, Any]] = []
        self.stacks: set[tuple[Any, ...]] = set()
        self.escalation: dict[str, int] = {}

    def snapshot(self, seed: int) -> dict[str, Any]:
        return {
            "policysim_snapshot": 1,
            "generated_at": "2026-12-06T00:00:00Z",
            "metadata": {"tool": "benchmarks/bench_paths.py", "seed": seed},
            "accounts": [
                {
                    "account_id": ACCOUNT,
                    "alias": "bench-paths",
                    "authorization_details": {
                        "UserDetailList": self.users,
                        "GroupDetailList": self.groups,
                        "RoleDetailList": self.roles,
                        "Policies": self.policies,
                    },
                }
            ],
        }


def generate(principals: int, seed: int) -> Generated:
    """An account of `principals` users and roles (60% users), sharing policy stacks."""
    rng = random.Random(seed)
    out = Generated()
    pool = {}
    for i in range(60):
        statements = [
            allow(rng.sample(BENIGN_ACTIONS, rng.randint(1, 4)), f"arn:aws:s3:::team-{i}/*")
            for _ in range(rng.randint(1, 3))
        ]
        pool[f"Team-{i}"] = doc(*statements)
    for name, document in {**pool, **ESCALATION_POLICIES}.items():
        out.policies.append(managed_entry(name, document))
    pool_arns = [f"{ARN}:policy/{name}" for name in pool]

    group_names = [f"group-{i}" for i in range(40)]
    for name in group_names:
        out.groups.append(
            {
                "GroupName": name,
                "Arn": f"{ARN}:group/{name}",
                "Path": "/",
                "GroupPolicyList": [],
                "AttachedManagedPolicies": attached(*rng.sample(pool_arns, rng.randint(1, 2))),
            }
        )
    out.groups.append(
        {
            "GroupName": "admins",
            "Arn": f"{ARN}:group/admins",
            "Path": "/",
            "GroupPolicyList": [],
            "AttachedManagedPolicies": attached(ADMINISTRATOR_ACCESS),
        }
    )

    # Users pick one of a few group combinations: principals share policy stacks, as teams do.
    combos = [sorted(rng.sample(group_names, rng.randint(1, 2))) for _ in range(30)]
    n_users = principals * 3 // 5
    n_roles = principals - n_users
    escalations = [
        ("SelfService", 0.005),
        ("LambdaDeployer", 0.005),
        ("Ec2Launcher", 0.004),
        ("AssumeApp", 0.01),
        ("KeyRotator", 0.002),
        ("GroupManager", 0.001),
    ]
    for i in range(n_users):
        name = f"user-{i}"
        groups = list(rng.choice(combos))
        own: list[str] = []
        if i < 2:
            own = [ADMINISTRATOR_ACCESS]
        elif i < 5:
            groups = ["admins"]
        else:
            for policy, share in escalations:
                if rng.random() < share:
                    own.append(f"{ARN}:policy/{policy}")
                    out.escalation[policy] = out.escalation.get(policy, 0) + 1
            if rng.random() < 0.1:
                own.append(rng.choice(pool_arns))
        out.stacks.add(("user", tuple(groups), tuple(sorted(own))))
        out.users.append(
            {
                "UserName": name,
                "Arn": f"{ARN}:user/{name}",
                "Path": "/",
                "UserId": f"AIDA{i:016d}",
                "GroupList": groups,
                "UserPolicyList": [],
                "AttachedManagedPolicies": attached(*own),
            }
        )

    ops = max(2, n_roles // 200)
    apps = max(4, n_roles // 50)
    for i in range(n_roles):
        policies: list[str] = [rng.choice(pool_arns)]
        profiles: list[str] = []
        if i == 0:
            name, trusted = "BreakGlass", trust({"AWS": f"{ARN}:role/ops-0"})
            policies = [ADMINISTRATOR_ACCESS]
        elif i == 1:
            name, trusted = "lambda-admin", trust({"Service": "lambda.amazonaws.com"})
            policies = [ADMINISTRATOR_ACCESS]
        elif i == 2:
            name, trusted = "ec2-admin", trust({"Service": "ec2.amazonaws.com"})
            policies = [ADMINISTRATOR_ACCESS]
            profiles = [f"{ARN}:instance-profile/ec2-admin"]
        elif i < 3 + ops:
            k = i - 3
            name = f"ops-{k}"
            trusted = trust({"AWS": [f"{ARN}:role/app-{j}" for j in range(k, apps, ops)]})
            if k == 0:
                policies = [*policies, f"{ARN}:policy/AssumeApp"]
            # ops-0 may go on to BreakGlass through its trust of ops-0 by ARN.
        elif i < 3 + ops + apps:
            k = i - 3 - ops
            name, trusted = f"app-{k}", trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
            if k % 3 == 0:
                policies = [*policies, f"{ARN}:policy/AssumeOps"]
        elif i % 3 == 0:
            name, trusted = f"lambda-{i}", trust({"Service": "lambda.amazonaws.com"})
        elif i % 3 == 1:
            name, trusted = f"ec2-{i}", trust({"Service": "ec2.amazonaws.com"})
            if i % 2:
                profiles = [f"{ARN}:instance-profile/ec2-{i}"]
        else:
            name, trusted = f"svc-{i}", trust({"Service": "ecs-tasks.amazonaws.com"})
        out.stacks.add(("role", tuple(sorted(policies))))
        out.roles.append(
            {
                "RoleName": name,
                "Arn": f"{ARN}:role/{name}",
                "Path": "/",
                "RoleId": f"AROA{i:016d}",
                "AssumeRolePolicyDocument": trusted,
                "RolePolicyList": [],
                "AttachedManagedPolicies": attached(*policies),
                "InstanceProfileList": [
                    {"Arn": arn, "InstanceProfileName": arn.rsplit("/", 1)[-1], "Path": "/"}
                    for arn in profiles
                ],
            }
        )
    return out


# ---- policysim paths ------------------------------------------------------------------------

COLD_SCRIPT = r"""
import json, sys, time
start = time.perf_counter()
try:
    from policysim.paths import find_paths
except ImportError as err:
    print(json.dumps({"missing": str(err)}))
    sys.exit(0)
from policysim.account.loaders import load_snapshot
imported = time.perf_counter()
snapshot = load_snapshot(sys.argv[1])
loaded = time.perf_counter()
report = find_paths(snapshot, target="admin")
found = time.perf_counter()
print(json.dumps({"import": imported - start, "load": loaded - imported,
                  "find": found - loaded, "paths": len(report.paths),
                  "reached": len(report.reached), "stats": report.stats}))
"""
"""A fresh process: import, load the snapshot, `find_paths(snapshot, target="admin")`."""


def bench_paths_library(snapshot_path: Path, baseline_all_pairs: float | None) -> None:
    print("(c) policysim paths, cold (fresh processes)", flush=True)
    done = subprocess.run(
        [sys.executable, "-c", COLD_SCRIPT, str(snapshot_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"  find_paths failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if "missing" in figures:
        print(f"  policysim.paths not available ({figures['missing']})", flush=True)
        return
    show("import policysim.paths", figures["import"])
    show("load the snapshot", figures["load"])
    stats = figures["stats"]
    show(
        "find_paths(target admin)",
        figures["find"],
        extra=f"{figures['paths']} paths, {figures['reached']} admins;"
        f" {stats['stacks']} stacks, {stats['engine_calls']:,} engine calls,"
        f" {stats['edges']:,} edges, {stats['modifications']} modifications,"
        f" graph built in {stats['build_seconds'] * 1000:,.0f} ms",
    )
    cold = figures["import"] + figures["load"] + figures["find"]
    show("cold total (import, load, find)", cold, TARGET_COLD)
    if baseline_all_pairs is not None and figures["find"] > 0:
        print(
            f"  naive all-pairs / find_paths: {baseline_all_pairs / figures['find']:,.0f}x",
            flush=True,
        )
    cli = shutil.which("policysim") or ""
    command = [cli] if cli else [sys.executable, "-m", "policysim.cli"]
    probe = subprocess.run([*command, "paths", "--help"], capture_output=True, check=False)
    if probe.returncode != 0:
        print("  `policysim paths` is not in this CLI: skipped", flush=True)
        return
    start = time.perf_counter()
    run = subprocess.run(
        [*command, "paths", "--account", str(snapshot_path), "--json"],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    show(
        "policysim paths --account FILE --json (start to exit)",
        elapsed,
        TARGET_COLD,
        f"exit {run.returncode}, {len(run.stdout):,} bytes of JSON",
    )


# ---- the naive baseline ---------------------------------------------------------------------

Edge = tuple[str, str, str]
"""(source ARN, target ARN or "admin", method)."""


class Naive:
    """Every pair asked of the engine directly, one `Resolver.decide` per question."""

    def __init__(self, resolver: Any) -> None:
        self.resolver = resolver
        self.calls = 0
        self.targets = resolver.principals()
        account = resolver.snapshot.accounts[ACCOUNT]
        self.groups = list(account.groups.values())
        self.trusted_services: dict[str, list[str]] = {}

    def allowed(
        self, source: Any, action: str, resource: str, context: dict[str, str] | None = None
    ) -> bool:
        self.calls += 1
        return bool(self.resolver.decide(source, action, resource, context).allowed)

    def prepare(self) -> None:
        """Per target: the services its trust policy lets run as it (asked of the engine)."""
        for target in self.targets:
            if target.kind == "role":
                self.trusted_services[target.entity.arn] = [
                    service
                    for service in SERVICE_ACTIONS
                    if self.resolver.decide_outsider(
                        service, "sts:AssumeRole", target.entity.arn
                    ).allowed
                ]

    def is_admin(self, source: Any) -> bool:
        return all(self.allowed(source, action, "*") for action in ADMIN_PROBES)

    def edges_from(self, source: Any) -> Iterator[Edge]:
        arn = source.entity.arn
        runs = {
            service: all(self.allowed(source, action, "*") for action in actions)
            for service, actions in SERVICE_ACTIONS.items()
        }
        makes_profiles = self.allowed(
            source, "iam:CreateInstanceProfile", f"{ARN}:instance-profile/x"
        ) and self.allowed(source, "iam:AddRoleToInstanceProfile", f"{ARN}:instance-profile/x")
        for target in self.targets:
            other = target.entity.arn
            if target.kind == "role":
                assume = self.allowed(source, "sts:AssumeRole", other)
                retrust = self.allowed(source, "iam:UpdateAssumeRolePolicy", other)
                modify = self.allowed(source, "iam:PutRolePolicy", other) or self.allowed(
                    source, "iam:AttachRolePolicy", other
                )
                if other != arn:
                    if assume:
                        yield arn, other, "sts-001"
                    if retrust:
                        yield arn, other, "iam-012"
                if modify and (other == arn or assume or retrust):
                    yield arn, "admin", "iam-005/009/014/017/019/021"
                for service in self.trusted_services[other]:
                    if not runs[service]:
                        continue
                    if (
                        service == "ec2.amazonaws.com"
                        and not target.entity.instance_profiles
                        and not makes_profiles
                    ):
                        continue
                    context = {"iam:PassedToService": service}
                    if self.allowed(source, "iam:PassRole", other, context):
                        yield arn, other, f"passrole:{service}"
            else:
                if other != arn:
                    for action in (
                        "iam:CreateAccessKey",
                        "iam:CreateLoginProfile",
                        "iam:UpdateLoginProfile",
                    ):
                        if self.allowed(source, action, other):
                            yield arn, other, action
                modify = self.allowed(source, "iam:PutUserPolicy", other) or self.allowed(
                    source, "iam:AttachUserPolicy", other
                )
                if modify and (other == arn or self.allowed(source, "iam:CreateAccessKey", other)):
                    yield arn, "admin", "iam-007/008/015/018"
        if source.kind == "user":
            member = set(source.entity.groups)
            for group in self.groups:
                if self.allowed(source, "iam:AddUserToGroup", group.arn):
                    yield arn, f"group:{group.name}", "iam-013"
                if group.name in member and (
                    self.allowed(source, "iam:PutGroupPolicy", group.arn)
                    or self.allowed(source, "iam:AttachGroupPolicy", group.arn)
                ):
                    yield arn, "admin", "iam-010/011"


def reverse_bfs(admins: set[str], edges: list[Edge], group_admin: set[str]) -> dict[str, int]:
    """Hops from each source to admin: one breadth-first search from the admins backwards."""
    into: dict[str, list[str]] = {}
    for source, target, _ in edges:
        if target.startswith("group:"):
            target = "admin" if target.removeprefix("group:") in group_admin else target
        into.setdefault(target, []).append(source)
    distance: dict[str, int] = {arn: 0 for arn in admins}
    queue: deque[str] = deque(admins)
    for source in into.get("admin", []):
        if source not in distance:
            distance[source] = 1
            queue.append(source)
    while queue:
        node = queue.popleft()
        for source in into.get(node, []):
            if source not in distance:
                distance[source] = distance[node] + 1
                queue.append(source)
    return distance


def bench_naive(snapshot: Any, sample: int, seed: int) -> float | None:
    """The naive baseline; returns its (measured or extrapolated) all-pairs time."""
    from policysim.account.resolve import Resolver
    from policysim.account.workspace import aws_managed

    resolver = Resolver(snapshot, managed_lookup=aws_managed)
    naive = Naive(resolver)
    total = len(naive.targets)
    full = sample >= total
    sources = naive.targets if full else random.Random(seed).sample(naive.targets, sample)
    print(
        f"(b) naive all-pairs baseline: {'every source' if full else f'{len(sources)} sources'}"
        f" x {total} principals and {len(naive.groups)} groups",
        flush=True,
    )
    start = time.perf_counter()
    naive.prepare()
    prepared = time.perf_counter() - start
    show("trust of every role by each service (per target)", prepared)
    start = time.perf_counter()
    admins = {t.entity.arn for t in (naive.targets if full else sources) if naive.is_admin(t)}
    edges: list[Edge] = []
    for source in sources:
        edges.extend(naive.edges_from(source))
    measured = time.perf_counter() - start
    per_source = measured / len(sources)
    all_pairs = prepared + per_source * total
    show(
        "pairs measured" if not full else "all pairs",
        measured,
        extra=f"{naive.calls:,} engine calls, {naive.calls / measured:,.0f} calls/s,"
        f" {len(edges)} edges",
    )
    if not full:
        show(
            f"all {total} sources, extrapolated ({total}/{len(sources)} x measured)",
            all_pairs,
            extra=f"~{naive.calls / len(sources) * total:,.0f} engine calls,"
            f" about {all_pairs / 60:,.0f} min",
        )
        return all_pairs
    group_admin = {
        g.name
        for g in naive.groups
        if any(arn == "arn:aws:iam::aws:policy/AdministratorAccess" for arn in g.managed_policies)
    }
    start = time.perf_counter()
    distance = reverse_bfs(admins, edges, group_admin)
    searched = time.perf_counter() - start
    with_path = sum(1 for d in distance.values() if d > 0)
    show(
        "reverse BFS from the admins",
        searched,
        extra=f"{len(admins)} admins, {with_path} sources with a path,"
        f" longest {max(distance.values(), default=0)} hops",
    )
    show("naive total (all pairs + BFS)", all_pairs + searched)
    return all_pairs + searched


# ---- main -----------------------------------------------------------------------------------


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--principals", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument(
        "--baseline-sources",
        type=int,
        default=None,
        help="sources the naive baseline measures (default 10; every one when N <= 200)",
    )
    parser.add_argument("--keep", type=Path, help="write the generated snapshot here and keep it")
    args = parser.parse_args()
    sample = args.baseline_sources
    if sample is None:
        sample = args.principals if args.principals <= 200 else 10
    print(f"bench_paths: {pin_to_one_core()}", flush=True)

    from policysim.account.loaders import load_snapshot

    folder = Path(tempfile.mkdtemp(prefix="policysim-bench-paths-"))
    try:
        path = (args.keep or folder) / "account.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"(a) generated account: {args.principals} principals, seed {args.seed}", flush=True)
        seconds, generated = timed(lambda: generate(args.principals, args.seed))
        path.write_text(json.dumps(generated.snapshot(args.seed)))
        escalation = ", ".join(f"{k} {v}" for k, v in sorted(generated.escalation.items()))
        show(
            "generate and write the snapshot",
            seconds,
            extra=f"{len(generated.users)} users, {len(generated.roles)} roles,"
            f" {len(generated.groups)} groups, {len(generated.stacks)} distinct policy stacks,"
            f" {path.stat().st_size / 1e6:.1f} MB",
        )
        print(f"  escalation-relevant users: {escalation}", flush=True)
        seconds, snapshot = timed(lambda: load_snapshot(path))
        show("load the snapshot (this process)", seconds)
        baseline = bench_naive(snapshot, sample, args.seed)
        bench_paths_library(path, baseline)
        if args.keep:
            print(f"  kept {path}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

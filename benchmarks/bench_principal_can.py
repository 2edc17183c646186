"""Speed of `policysim principal-can` (issue 14): every action of the IAM catalog (~22,000)
decided for one principal, beside asking `Resolver.decide` once per action.

Run:  .venv/bin/python benchmarks/bench_principal_can.py [--repeat N]

Principals, from examples/accounts/org-region-scp/account.yaml (AdministratorAccess each):
  org-admin  in the management account (no SCP applies): every action allowed;
  tinkerer   in Sandbox (FullAWSAccess): almost every action allowed;
  ops        in Prod (a region-denying SCP and an allow-list SCP): most answers are
             "allowed if aws:RequestedRegion is ...", the worst case for the dependency search.
For each: `effective_permissions` (the library behind the command: the policy set compiled
once per service, dependencies searched once per distinct set of statements), then the naive
loop `Resolver.decide(..., depends=True)` per action, and the ratio. Also `policysim
principal-can user ops --json` end to end in a fresh process. Pinned to one CPU core; nothing
asserted (timings on a shared machine are noisy): the figures are printed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from _bench_common import pin_to_one_core, show

REPO = Path(__file__).resolve().parents[1]
ACCOUNT = REPO / "examples" / "accounts" / "org-region-scp" / "account.yaml"
TARGET = 1.0
"""Interactive: a second or less for every action of the catalog."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast path (best shown)")
    args = parser.parse_args()
    print(pin_to_one_core())

    from policysim.account.effective import catalog_actions, effective_permissions
    from policysim.account.principal_spec import split_principal
    from policysim.account.workspace import open_resolver

    actions = [info.full_name for info in catalog_actions()]
    print(f"catalog actions: {len(actions):,}")
    for name in ("org-admin", "tinkerer", "ops"):
        resolver = open_resolver([ACCOUNT])
        target = resolver.resolve(split_principal(["user", name])[0])
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            answer = effective_permissions(resolver, target)
            best = min(best, time.perf_counter() - started)
        figures = f"{answer.allowed:,} allowed, {answer.conditional:,} allowed if"
        show(f"user {name}: effective_permissions (best of {args.repeat})", best, TARGET, figures)
        fresh = open_resolver([ACCOUNT])
        started = time.perf_counter()
        for action in actions:
            fresh.decide(target, action, "*", None, depends=True)
        naive = time.perf_counter() - started
        show(f"user {name}: Resolver.decide per action", naive, extra=f"{naive / best:.1f}x")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "policysim.cli",
            "principal-can",
            "user",
            "ops",
            "-a",
            str(ACCOUNT),
            "--json",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    show("policysim principal-can user ops --json (process, cold)", time.perf_counter() - started)


if __name__ == "__main__":
    main()

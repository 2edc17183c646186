"""Prove a change to the linter kept every finding: write the corpus report, compare with one
written before the change.

Run:  .venv/bin/python scripts/lint_report_diff.py OUT.json [--against BEFORE.json] [--corpus DIR]

Writes `policysim lint CORPUS --format json --jobs 1` to OUT.json; with --against, exits 1
and names the first differing finding unless the two reports are byte-identical.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

DEFAULT_CORPUS = Path("/work/shared/corpus/aws-managed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--against", type=Path)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    command = [sys.executable, "-m", "policysim.cli", "lint", str(args.corpus)]
    run = subprocess.run([*command, "--format", "json", "--jobs", "1"], capture_output=True)
    if run.returncode not in (0, 1):
        print(run.stderr.decode(errors="replace")[-2000:], file=sys.stderr)
        return 2
    args.out.write_bytes(run.stdout)
    findings = json.loads(run.stdout)["findings"]
    print(f"{len(findings)} findings written to {args.out}")
    if args.against is None:
        return 0
    before = args.against.read_bytes()
    if before == run.stdout:
        print(f"byte-identical to {args.against}")
        return 0
    old = json.loads(before)["findings"]
    for index, (a, b) in enumerate(zip(old, findings, strict=False)):
        if a != b:
            print(f"first difference at finding {index}:\n  before {a}\n  after  {b}")
            break
    else:
        print(f"counts differ: before {len(old)}, after {len(findings)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

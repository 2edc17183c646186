"""AWS managed policies resolve offline from the shipped snapshot, which the script rebuilds.

The resolution tests use only the shipped `policysim/data` snapshot, so the suite stands
alone; the comparison with a fresh build from the real corpus skips when the corpus (outside
the repository) is absent.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
import sys
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from policysim.account.managed import (
    ManagedPolicyDocument,
    _parsed_policy,
    aws_managed_policy,
    managed_policy_names,
    managed_snapshot_info,
    suggest_managed_policies,
)
from policysim.policy.model import Policy

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "build_managed_policies.py"
SHIPPED = REPO / "policysim" / "data" / "aws_managed_policies.json.gz"


def _load_script() -> ModuleType:
    """Import the build script by path: `scripts/` is not a package."""
    spec = importlib.util.spec_from_file_location("build_managed_policies", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


build_script = _load_script()


def _allows_s3_everything(policy: Policy) -> bool:
    return any(
        s.effect == "Allow" and s.action is not None and "s3:*" in s.action and s.resource == ("*",)
        for s in policy.statements
    )


# ---- resolution ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "AmazonS3FullAccess",
        "arn:aws:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess",
        "arn:aws-cn:iam::aws:policy/AmazonS3FullAccess",
        "amazons3fullaccess",
        "AMAZONS3FULLACCESS",
    ],
)
def test_s3_full_access_resolves_to_a_policy_allowing_s3(reference: str) -> None:
    found = aws_managed_policy(reference)
    assert isinstance(found, ManagedPolicyDocument)
    assert found.name == "AmazonS3FullAccess"
    assert found.arn == "arn:aws:iam::aws:policy/AmazonS3FullAccess"
    assert found.path == "/"
    assert re.fullmatch(r"v\d+", found.version)
    assert found.deprecated is False
    assert isinstance(found.policy, Policy)
    assert _allows_s3_everything(found.policy)
    assert found.policy.file == "aws-managed:AmazonS3FullAccess"


@pytest.mark.parametrize(
    ("reference", "name", "path"),
    [
        (
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "AWSLambdaBasicExecutionRole",
            "/service-role/",
        ),
        ("AWSLambdaBasicExecutionRole", "AWSLambdaBasicExecutionRole", "/service-role/"),
        (
            "service-role/AWSLambdaBasicExecutionRole",
            "AWSLambdaBasicExecutionRole",
            "/service-role/",
        ),
        (
            "arn:aws-us-gov:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "AWSLambdaBasicExecutionRole",
            "/service-role/",
        ),
        (
            "arn:aws:iam::aws:policy/aws-service-role/AWSSupportServiceRolePolicy",
            "AWSSupportServiceRolePolicy",
            "/aws-service-role/",
        ),
        (
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
            "ViewOnlyAccess",
            "/job-function/",
        ),
    ],
)
def test_path_bearing_references_resolve(reference: str, name: str, path: str) -> None:
    found = aws_managed_policy(reference)
    assert found is not None
    assert found.name == name
    assert found.path == path
    assert found.arn == f"arn:aws:iam::aws:policy{path}{name}"
    assert found.policy.statements


def test_the_lambda_role_policy_grants_logs() -> None:
    found = aws_managed_policy("AWSLambdaBasicExecutionRole")
    assert found is not None
    actions = {a for s in found.policy.statements if s.effect == "Allow" for a in s.action or ()}
    assert "logs:PutLogEvents" in actions


@pytest.mark.parametrize(
    "reference",
    [
        # A wrong path names a policy that does not exist.
        "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AmazonS3FullAccess",
        # Customer managed policies are not AWS managed, whatever their name.
        "arn:aws:iam::123456789012:policy/AmazonS3FullAccess",
        "arn:aws:iam::aws:role/AmazonS3FullAccess",
        "arn:aws:s3:::AmazonS3FullAccess",
        "arn:aws:iam::aws:policy/",
        "",
        "NoSuchPolicyAnywhere",
    ],
)
def test_unknown_or_malformed_references_give_none(reference: str) -> None:
    assert aws_managed_policy(reference) is None


def test_path_case_follows_name_case() -> None:
    assert (
        aws_managed_policy("arn:aws:iam::aws:policy/Service-Role/AWSLambdaBasicExecutionRole")
        is None
    )
    found = aws_managed_policy("arn:aws:iam::aws:policy/SERVICE-ROLE/awslambdabasicexecutionrole")
    assert found is not None and found.name == "AWSLambdaBasicExecutionRole"


def test_policies_without_a_recorded_arn_resolve_by_name_and_any_path() -> None:
    found = next(
        (p for p in map(aws_managed_policy, managed_policy_names()) if p and p.arn is None), None
    )
    assert found is not None, "the snapshot has (deprecated) policies without ARNs"
    assert found.path is None
    name = found.name
    assert aws_managed_policy(f"arn:aws:iam::aws:policy/{name}") == found


def test_lookups_share_one_parsed_policy_and_documents_are_copies() -> None:
    first = aws_managed_policy("AmazonS3FullAccess")
    second = aws_managed_policy("arn:aws:iam::aws:policy/AmazonS3FullAccess")
    assert first is not None and second is not None
    assert first.policy is second.policy
    document = first.document
    document["Statement"].clear()
    assert second.document["Statement"]
    assert _allows_s3_everything(second.policy)


def test_loading_the_index_parses_no_documents() -> None:
    before = _parsed_policy.cache_info().currsize
    names = managed_policy_names()
    aws_managed_policy(names[-1])
    assert _parsed_policy.cache_info().currsize == before


def test_every_shipped_document_parses() -> None:
    names = managed_policy_names()
    assert names == sorted(names)
    for name in names:
        found = aws_managed_policy(name)
        assert found is not None and found.name == name
        assert found.policy.statements, name


# ---- suggestions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("AmazonS3FulAccess", "AmazonS3FullAccess"),
        ("amazons3fullacess", "AmazonS3FullAccess"),
        ("S3FullAccess", "AmazonS3FullAccess"),
        ("arn:aws:iam::aws:policy/AmazonS3FulAccess", "AmazonS3FullAccess"),
        ("AWSLambdaBasicExecRole", "AWSLambdaBasicExecutionRole"),
    ],
)
def test_suggestions_for_near_misses(query: str, expected: str) -> None:
    assert aws_managed_policy(query) is None
    suggestions = suggest_managed_policies(query)
    assert suggestions[0] == expected
    assert len(suggestions) <= 3


def test_suggestions_put_a_wrong_path_name_first() -> None:
    query = "arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole"
    assert suggest_managed_policies(query)[0] == "AWSLambdaBasicExecutionRole"


def test_suggestion_limits() -> None:
    assert suggest_managed_policies("xyzzy-nothing-like-it") == []
    assert suggest_managed_policies("AmazonS3FulAccess", limit=0) == []
    assert len(suggest_managed_policies("ReadOnly", limit=5)) == 5
    assert suggest_managed_policies("AmazonS3FulAccess", limit=1) == ["AmazonS3FullAccess"]


# ---- snapshot info and shipped files -----------------------------------------------------


def test_snapshot_info() -> None:
    info = managed_snapshot_info()
    assert info["format"] == 1
    assert info["count"] == len(managed_policy_names()) > 1000
    collected = date.fromisoformat(info["collected"])
    newest = datetime.fromisoformat(info["newest_updatedate"])
    assert newest.date() <= collected
    for needle in (
        "iann0036/iam-dataset",
        "MIT",
        "z0ph/MAMIP",
        "2073fa52ac008a45477aa0b1b4580cd99",
    ):
        assert needle in info["source"]
    assert "AmazonS3FullAccess" not in info["missing"]
    for name in info["missing"]:
        assert aws_managed_policy(name) is None
    info["missing"].append("changed")
    assert "changed" not in managed_snapshot_info()["missing"]


def test_license_texts_ship_with_the_snapshot() -> None:
    licenses = resources.files("policysim.data").joinpath("LICENSES")
    mit = licenses.joinpath("iam-dataset-MIT.txt").read_text(encoding="utf-8")
    assert "MIT License" in mit and "Ian Mckay" in mit
    assert "Redistribution" in licenses.joinpath("cloudsplaining-BSD-3-Clause.txt").read_text(
        encoding="utf-8"
    )


# ---- the build script ------------------------------------------------------------------


def _fake_corpus(root: Path) -> Path:
    """A two-policy corpus with the real one's layout, so the script is tested without it."""
    corpus = root / "corpus"
    (corpus / "aws-managed").mkdir(parents=True)
    (corpus / "LICENSES").mkdir()
    commits = " ".join(f"{name} {info['commit']}" for name, info in build_script.DATASETS.items())
    missing = " ".join(build_script.MISSING)
    (corpus / "README.md").write_text(
        f"# corpus\n\nCollected 2026-01-02.\n{commits}\nMissing: {missing}\n", encoding="utf-8"
    )
    rows: list[dict[str, Any]] = [
        {
            "name": "ZetaRolePolicy",
            "arn": "arn:aws:iam::aws:policy/service-role/ZetaRolePolicy",
            "version": "v3",
            "createdate": "2020-01-01T00:00:00+00:00",
            "updatedate": "2025-12-31T10:00:00+00:00",
            "deprecated": False,
            "source": "iann0036/iam-dataset",
        },
        {
            "name": "AlphaOld",
            "arn": None,
            "version": "v1",
            "createdate": "2018-01-01T00:00:00Z",
            "updatedate": None,
            "deprecated": True,
            "source": "z0ph/MAMIP",
        },
    ]
    (corpus / "aws-managed.index.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8"
    )
    (corpus / "aws-managed" / "ZetaRolePolicy.json").write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    (corpus / "aws-managed" / "AlphaOld.json").write_text(
        '{"Statement": {"Effect": "Deny", "NotAction": ["iam:*"], "Resource": "*"}}',
        encoding="utf-8",
    )
    (corpus / "LICENSES" / "one-MIT.txt").write_text("MIT License\n", encoding="utf-8")
    return corpus


def test_build_script_is_deterministic_and_records_its_source(tmp_path: Path) -> None:
    corpus = _fake_corpus(tmp_path)
    outputs = [tmp_path / "out1", tmp_path / "out2"]
    for out in outputs:
        assert build_script.main(["--corpus", str(corpus), "--output", str(out)]) == 0
    first, second = (out / "aws_managed_policies.json.gz" for out in outputs)
    assert first.read_bytes() == second.read_bytes()

    snapshot = json.loads(gzip.decompress(first.read_bytes()))
    assert snapshot["format"] == 1
    assert snapshot["collected"] == "2026-01-02"
    assert snapshot["newest_updatedate"] == "2025-12-31T10:00:00+00:00"
    assert snapshot["count"] == 2
    assert "iann0036/iam-dataset" in snapshot["source"]
    zeta = snapshot["policies"]["ZetaRolePolicy"]
    assert zeta["path"] == "/service-role/"
    assert zeta["version"] == "v3"
    assert zeta["document"]["Statement"][0]["Action"] == "s3:GetObject"
    old = snapshot["policies"]["AlphaOld"]
    assert old["arn"] is None and old["path"] is None and old["deprecated"] is True
    assert (outputs[0] / "LICENSES" / "one-MIT.txt").read_text(encoding="utf-8") == "MIT License\n"


def test_build_script_rejects_a_corpus_it_does_not_know(tmp_path: Path) -> None:
    corpus = _fake_corpus(tmp_path)
    (corpus / "aws-managed" / "Stray.json").write_text('{"Statement": []}', encoding="utf-8")
    assert build_script.main(["--corpus", str(corpus), "--output", str(tmp_path / "o")]) == 1
    (corpus / "aws-managed" / "Stray.json").unlink()
    (corpus / "aws-managed" / "AlphaOld.json").write_text(
        '{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}', encoding="utf-8"
    )
    assert build_script.main(["--corpus", str(corpus), "--output", str(tmp_path / "o")]) == 1
    assert not (tmp_path / "o" / "aws_managed_policies.json.gz").exists()


def test_shipped_snapshot_equals_a_fresh_build_from_the_corpus(tmp_path: Path) -> None:
    corpus: Path = build_script.DEFAULT_CORPUS
    if not (corpus / "aws-managed.index.jsonl").is_file():
        pytest.skip(f"corpus not present at {corpus}")
    out = tmp_path / "fresh"
    assert build_script.main(["--corpus", str(corpus), "--output", str(out)]) == 0
    fresh = out / "aws_managed_policies.json.gz"
    # The JSON must be identical. The gzip bytes are identical too with the same zlib (as in
    # the determinism test); comparing the JSON keeps this check valid across zlib builds.
    assert gzip.decompress(fresh.read_bytes()) == gzip.decompress(SHIPPED.read_bytes())
    shipped_licenses = REPO / "policysim" / "data" / "LICENSES"
    for text in (out / "LICENSES").iterdir():
        assert (shipped_licenses / text.name).read_bytes() == text.read_bytes()

"""Files planted by someone else: FIFOs, devices, symbolic links, reports written over links."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from policysim.files import UnsafeFileError, is_within, read_input_file, write_atomic

POLICY = (
    '{"Version": "2012-10-17", "Statement":'
    ' [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
)


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "policy.json"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeFileError, match="not a regular file \\(a FIFO\\)"):
        read_input_file(fifo, 1000)


def test_an_endless_device_costs_no_more_than_the_limit() -> None:
    with pytest.raises(UnsafeFileError, match="not a regular file \\(a device\\)"):
        read_input_file("/dev/zero", 1000)


def test_a_large_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 2000)
    too_large = r"larger than 1,000 bytes \(2,000 bytes\), the limit for input files"
    with pytest.raises(UnsafeFileError, match=too_large):
        read_input_file(big, 1000)
    assert read_input_file(big, 2000) == b" " * 2000


def test_write_atomic_refuses_a_symbolic_link_and_leaves_its_target(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "report.sarif"
    link.symlink_to(victim)
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        write_atomic(link, "report")
    assert victim.read_text() == "precious"
    assert link.is_symlink()


def test_write_atomic_replaces_a_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write_atomic(target, "new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_is_within(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    inside = tmp_path / "repo" / "a.json"
    inside.write_text("{}")
    outside_link = tmp_path / "repo" / "b.json"
    outside_link.symlink_to(tmp_path)
    assert is_within(inside, tmp_path / "repo")
    assert not is_within(outside_link, tmp_path / "repo")


def test_lint_skips_links_out_of_the_tree_and_never_quotes_them(
    tmp_path: Path, run_cli: Any
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("root:$6$very-secret-hash:19000:0:99999:7:::\n")
    repo = tmp_path / "repo"
    (repo / "policies").mkdir(parents=True)
    (repo / "policies" / "ok.json").write_text(POLICY)
    (repo / "policies" / "x.yaml").symlink_to(secret)
    run = run_cli("lint", "policies", "--no-config", cwd=repo)
    assert "very-secret-hash" not in run.stdout + run.stderr, run
    assert "x.yaml: skipped, a symbolic link to" in run.stderr, run
    named = run_cli("lint", "policies/x.yaml", "--no-config", cwd=repo)
    assert "very-secret-hash" not in named.stdout + named.stderr, named
    assert "skipped, a symbolic link" in named.stderr, named


def test_lint_reports_a_fifo_instead_of_hanging(tmp_path: Path, run_cli: Any) -> None:
    os.mkfifo(tmp_path / "p.json")
    run = run_cli("lint", "p.json", "--no-config", cwd=tmp_path, timeout=60)
    assert "not a regular file (a FIFO)" in run.stdout, run


def test_lint_output_never_writes_through_a_planted_link(tmp_path: Path, run_cli: Any) -> None:
    (tmp_path / "p.json").write_text(POLICY)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "report.sarif").symlink_to(victim)
    run = run_cli(
        "lint", "p.json", "--no-config", "--format", "sarif", "-o", "report.sarif", cwd=tmp_path
    )
    assert run.returncode == 2, run
    assert "symbolic link" in run.stderr
    assert victim.read_text() == "precious"

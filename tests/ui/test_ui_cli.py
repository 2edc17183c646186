"""`policysim ui` on the command line: the missing extra, bad input, and a real served page."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "accounts" / "deploy-user"


def _policysim(*args: str, script: str = "") -> subprocess.CompletedProcess[str]:
    code = f"{script}import sys; sys.argv = ['policysim', *{list(args)!r}];"
    code += " from policysim.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_without_the_extra_one_line_says_how_to_install_it() -> None:
    proc = _policysim(
        "ui", "--account", str(EXAMPLE), script="import sys; sys.modules['flask'] = None; "
    )
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert "pip install 'policysim[ui]'" in lines[0]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--account", "/nonexistent/account.yaml"), "/nonexistent/account.yaml"),
        (("--account", str(EXAMPLE), "--port", "70000"), "--port"),
        (("--account", str(EXAMPLE), "--host", "203.0.113.1"), "cannot listen"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], problem: str) -> None:
    proc = _policysim("ui", *args)
    assert proc.returncode == 2, proc
    assert len(proc.stderr.splitlines()) == 1, proc.stderr
    assert problem in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serves_on_a_free_loopback_port_and_prints_its_url() -> None:
    code = (
        "import sys; sys.argv = ['policysim', 'ui', '--port', '0', '--account', "
        f"{str(EXAMPLE)!r}]; from policysim.cli import main; main()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-u", "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("policysim ui: serving http://127.0.0.1:"), (line, proc.stderr)
        url = line.split()[3]
        with urllib.request.urlopen(url, timeout=30) as response:
            html = response.read().decode()
        assert "arn:aws:iam::111122223333:user/ci/alice" in html
    finally:
        proc.terminate()
        proc.wait(timeout=30)

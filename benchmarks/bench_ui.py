"""`policysim ui`: first render of the page for the largest bundled example account, and a Run
of 50 actions (targets from issue 14: under 1 s and under 0.5 s; printed, not asserted).

    python benchmarks/bench_ui.py

The first render is timed against the real command: `policysim ui --port 0` started fresh,
its start-up (imports, account opened and checked, port bound) until it prints the URL, then
the first GET / over loopback (templates compiled, catalog's service list read); the peer of
the start-up is a whole `policysim check` of one action on the same account. The Run is timed
in-process, first (cold) and then as the median of repeats, against its peer measured in the
same run: the same 50 decisions asked of the library directly (`Resolver.decide`, as
`policysim check` does). Their ratio is what the page adds (forms, policy text, templates).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _bench_common import pin_to_one_core, show

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "accounts"
ACTIONS = 50
REPEATS = 5


def largest_example() -> Path:
    """The bundled example whose account file is the largest."""
    files = sorted(EXAMPLES.glob("*/account.yaml"), key=lambda p: p.stat().st_size)
    return files[-1].parent


def served_first_render(example: Path) -> tuple[float, float, float, int]:
    """Start `policysim ui --port 0` in a fresh process: seconds until it prints its URL
    (imports, account opened, port bound), then of the first and second GET / over loopback,
    and the page's size."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-u",
            "-m",
            "policysim.cli",
            "ui",
            "--port",
            "0",
            "--account",
            str(example),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[3]
        up = time.perf_counter() - started
        times = []
        for _ in range(2):
            started = time.perf_counter()
            with urllib.request.urlopen(url, timeout=60) as response:
                size = len(response.read())
            times.append(time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return up, times[0], times[1], size


def cli_check(example: Path) -> float:
    """Seconds of a whole `policysim check` of one action, in a fresh process."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "policysim.cli",
            "check",
            "root",
            "s3:GetObject",
            "--account",
            str(example),
        ],
        capture_output=True,
        check=False,
    )
    return time.perf_counter() - started


def main() -> None:
    print(f"bench_ui: {pin_to_one_core()}; machine shared with other work: figures are indicative")
    example = largest_example()
    size = (example / "account.yaml").stat().st_size
    print(f"largest bundled example: {example.name} ({size} bytes)")

    runs = sorted(served_first_render(example) for _ in range(3))
    up, first, second, size = runs[1]  # the median start-up, with its GETs
    show("policysim ui start-up until the URL is printed (median of 3)", up)
    show("first render: first GET / of a fresh server", first, 1.0, f"{size // 1024} KiB")
    show("start-up + first render", up + first, 1.0)
    show("second GET /", second)
    check = sorted(cli_check(example) for _ in range(3))[1]
    show(
        "peer: a whole `policysim check` run on the same account (median)",
        check,
        extra=f"start-up / check = {up / check:.1f}x",
    )

    from policysim.account.workspace import open_resolver
    from policysim.catalog import get_catalog
    from policysim.ui.app import create_app
    from policysim.ui.serve import settle_heap
    from policysim.ui.simulator import principal_options

    resolver = open_resolver([example])
    settle_heap()  # as `make_server` does before serving
    client = create_app(resolver).test_client()
    principal = principal_options(resolver)[0]
    actions = [a.full_name for a in get_catalog().actions("s3")][:ACTIONS]
    form = {"principal": principal.arn, "action": actions, "do": "run"}
    print(f"Run: {principal.kind} {principal.name}, {len(actions)} s3 actions on '*'")

    started = time.perf_counter()
    response = client.post("/", data=form)
    cold = time.perf_counter() - started
    assert response.status_code == 200 and response.data.count(b'<td class="decision">') == ACTIONS
    show(f"Run of {ACTIONS} actions through the page, first", cold, 0.5)
    page_times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        client.post("/", data=form)
        page_times.append(time.perf_counter() - started)
    page = statistics.median(page_times)
    show(f"Run of {ACTIONS} actions through the page, median of {REPEATS}", page, 0.5)

    target = resolver.find("arn", principal.arn)
    library_times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for action in actions:
            resolver.decide(target, action, "*", {}, depends=True)
        library_times.append(time.perf_counter() - started)
    library = statistics.median(library_times)
    show(
        f"peer: the same {ACTIONS} decisions from the library, median",
        library,
        extra=f"page / library = {page / library:.1f}x",
    )


if __name__ == "__main__":
    main()

"""Fixtures of the web page's tests: an app over an account file, a served page, a browser."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

pytest.importorskip("flask", reason="the ui extra (flask) is not installed")

from flask.testing import FlaskClient

from policysim.account.resolve import Resolver
from policysim.account.workspace import open_resolver
from policysim.ui.app import create_app
from policysim.ui.serve import make_server, page_url

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "accounts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

ClientFor = Callable[[Path], FlaskClient]


@pytest.fixture
def client_for() -> ClientFor:
    """A test client of the app over an account file or directory."""

    def make(path: Path) -> FlaskClient:
        return create_app(open_resolver([path])).test_client()

    return make


@pytest.fixture
def deny_uploads() -> Path:
    """The example whose bucket policy denies unencrypted uploads."""
    return EXAMPLES / "deny-unencrypted-uploads"


@contextmanager
def serving(resolver: Resolver) -> Iterator[str]:
    """The page over `resolver` served on a free loopback port, while the block runs."""
    server, port = make_server(resolver, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield page_url("127.0.0.1", port)
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture
def served_example() -> Iterator[Callable[[str], str]]:
    """Serve an example account (by folder name) on a free loopback port; returns its URL."""
    with ExitStack() as stack:
        yield lambda name: stack.enter_context(serving(open_resolver([EXAMPLES / name])))


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is absent (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install '.[test]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Selenium through /usr/bin/chromedriver (Selenium
    Manager never runs: it would try to download a driver). Skipped where the browser is
    absent, except under CI (env CI set), where its absence fails."""
    missing = browser_missing()
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run under CI: {missing}")
        pytest.skip(f"browser tests need Debian chromium and chromium-driver: {missing}")
    import tempfile

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="policysim-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

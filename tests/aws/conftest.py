"""A local moto server per test module (moto keeps its state per process), and the seed script.

Nothing here talks to AWS: every client points at 127.0.0.1, the credentials are moto's
dummies, and the AWS config and credentials files of whoever runs the tests are hidden.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto.server")

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "examples" / "fetch-with-moto" / "seed.py"

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/policysim-test/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/policysim-test/credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
UNSET_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION")


def seed_module() -> ModuleType:
    """examples/fetch-with-moto/seed.py, imported."""
    spec = importlib.util.spec_from_file_location("fetch_with_moto_seed", SEED)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def aws_env() -> Iterator[None]:
    """Dummy credentials, for this test module only."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in FAKE_ENV.items():
            patch.setenv(key, value)
        for key in UNSET_ENV:
            patch.delenv(key, raising=False)
        yield


@pytest.fixture(scope="module")
def moto_url(aws_env: None) -> Iterator[str]:
    """The URL of a fresh moto server on a free loopback port."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()

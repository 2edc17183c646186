"""A local moto server per test module (reset at the start: moto keeps its state per process),
and the seed script.

Nothing here talks to AWS: every client points at 127.0.0.1, the credentials are moto's
dummies, and the AWS config and credentials files of whoever runs the tests are hidden.
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

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


class RecordingMotoServer:
    """A moto server on a free loopback port that remembers every request it receives, as
    (method, path, operation): the operation from `X-Amz-Target` or the `Action` parameter,
    else "" (S3 names operations by method and path)."""

    def __init__(self) -> None:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        self.requests: list[tuple[str, str, str]] = []
        recorder = self

        class Server(ThreadedMotoServer):
            def _server_entry(self) -> None:
                from moto.moto_server.werkzeug_app import (
                    DomainDispatcherApplication,
                    MotoRequestHandler,
                    create_backend_app,
                )
                from werkzeug.serving import make_server

                app = DomainDispatcherApplication(create_backend_app)

                def recording(environ: dict[str, Any], start_response: Any) -> Any:
                    recorder.record(environ)
                    return app(environ, start_response)

                self._server = make_server(
                    "127.0.0.1", 0, recording, True, request_handler=MotoRequestHandler
                )
                self._server_ready_event.set()
                self._server.serve_forever()

        self.server = Server(ip_address="127.0.0.1", port=0, verbose=False)

    def record(self, environ: dict[str, Any]) -> None:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target.rpartition(".")[2]
        if not operation:
            query = parse_qs(environ.get("QUERY_STRING", ""))
            form = parse_qs(body.decode("utf-8", "replace")) if b"Action=" in body else {}
            operation = (query.get("Action") or form.get("Action") or [""])[0]
        self.requests.append((environ["REQUEST_METHOD"], environ["PATH_INFO"], operation))

    def operations(self) -> set[str]:
        return {operation for _, _, operation in self.requests}


@pytest.fixture(scope="module")
def moto_server(aws_env: None) -> Iterator[RecordingMotoServer]:
    """A fresh recording moto server on a free loopback port."""
    import urllib.request

    recorder = RecordingMotoServer()
    recorder.server.start()
    host, port = recorder.server.get_host_and_port()
    # moto keeps its state per process, not per server: start each module from nothing.
    reset = urllib.request.Request(f"http://{host}:{port}/moto-api/reset", method="POST")
    with urllib.request.urlopen(reset, timeout=10):
        pass
    recorder.requests.clear()
    try:
        yield recorder
    finally:
        recorder.server.stop()


@pytest.fixture(scope="module")
def moto_url(moto_server: RecordingMotoServer) -> str:
    """The URL of the module's moto server."""
    host, port = moto_server.server.get_host_and_port()
    return f"http://{host}:{port}"

"""`policysim fetch` when answers go wrong: a proxy's error page, throttling that never clears,
a body that is not AWS's. A small HTTP server on loopback stands between fetch and moto and
answers chosen operations itself; retries are bounded with AWS_MAX_ATTEMPTS so this is fast."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import seed_module
from typer.testing import CliRunner

from policysim.account.loaders import load_snapshot
from policysim.aws.clients import ClientFactory, redact_url
from policysim.aws.fetch import (
    FetchOptions,
    IamNotReadError,
    describe_error,
    fetch_snapshot,
    policy_text,
)
from policysim.cli import app

ACCOUNT = "123456789012"
PROXY_PAGE = b"<html><body><h1>502 Bad Gateway</h1>\x1b[32mAllowed</body></html>"
Answer = tuple[int, dict[str, str], bytes]

HTML_200: Answer = (200, {"Content-Type": "text/html"}, PROXY_PAGE)
HTML_502: Answer = (502, {"Content-Type": "text/html"}, PROXY_PAGE)
XML_THROTTLED: Answer = (
    400,
    {"Content-Type": "text/xml"},
    b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
    b"<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>",
)
JSON_THROTTLED: Answer = (
    400,
    {"Content-Type": "application/x-amz-json-1.1"},
    b'{"__type":"ThrottlingException","message":"Rate exceeded"}',
)


class FaultyProxy:
    """A loopback HTTP server forwarding to moto, except for the operations in `faults`
    (`GetAccountAuthorizationDetails`, or `GET ?policy` for S3), which it answers itself.
    `seen` counts every operation it received."""

    def __init__(self, upstream: str) -> None:
        self.faults: dict[str, Answer] = {}
        self.seen: Counter[str] = Counter()
        target = urlsplit(upstream)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = proxy.operation(self.command, self.path, dict(self.headers), body)
                proxy.seen[operation] += 1
                status, headers, payload = proxy.faults.get(operation) or proxy.forward(
                    target.netloc, self.command, self.path, dict(self.headers), body
                )
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_one  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def operation(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
        target = {k.lower(): v for k, v in headers.items()}.get("x-amz-target", "")
        if target:
            return target.rpartition(".")[2]
        query = parse_qs(urlsplit(path).query, keep_blank_values=True)
        form = parse_qs(body.decode("utf-8", "replace")) if b"Action=" in body else {}
        action = (query.get("Action") or form.get("Action") or [""])[0]
        if action:
            return action
        return f"{method} ?{'&'.join(sorted(query))}"

    @staticmethod
    def forward(
        netloc: str, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Answer:
        connection = http.client.HTTPConnection(netloc, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture(scope="module")
def seeded(moto_url: str) -> dict[str, str]:
    arns: dict[str, str] = seed_module().seed(moto_url)
    return arns


@pytest.fixture
def proxy(moto_url: str, seeded: dict[str, str]) -> Iterator[FaultyProxy]:
    faulty = FaultyProxy(moto_url)
    faulty.thread.start()
    try:
        yield faulty
    finally:
        faulty.server.shutdown()
        faulty.server.server_close()


def _fetch(url: str, output: Path, monkeypatch: pytest.MonkeyPatch, attempts: int = 1) -> Any:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", str(attempts))
    return CliRunner().invoke(
        app, ["fetch", "--region", "us-east-1", "--endpoint-url", url, "--output", str(output)]
    )


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (HTML_200, "MalformedResponse"),
        (HTML_502, "502"),
        (XML_THROTTLED, "Throttling: Rate exceeded"),
    ],
)
def test_unreadable_iam_exits_3_and_writes_no_snapshot(
    proxy: FaultyProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: Answer,
    expected: str,
) -> None:
    proxy.faults["GetAccountAuthorizationDetails"] = answer
    output = tmp_path / "snapshot.json"
    result = _fetch(proxy.url, output, monkeypatch, attempts=2)
    assert result.exit_code == 3, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("policysim: error: IAM could not be read")
    assert expected in lines[0]
    assert "\x1b" not in result.output and "Traceback" not in result.output
    assert not output.exists()  # no empty snapshot to answer "0 of 0 principals" later
    # Retried up to the bound, then given up: the page and the throttle are not retried forever.
    assert 1 <= proxy.seen["GetAccountAuthorizationDetails"] <= 2
    assert proxy.seen["ListBuckets"] == 0  # nothing more was read after IAM failed


def test_throttling_that_never_clears_is_retried_then_given_up(
    proxy: FaultyProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy.faults["GetAccountAuthorizationDetails"] = XML_THROTTLED
    result = _fetch(proxy.url, tmp_path / "s.json", monkeypatch, attempts=2)
    assert result.exit_code == 3
    assert proxy.seen["GetAccountAuthorizationDetails"] == 2  # the first try and one retry


def test_bad_answers_elsewhere_are_recorded_per_service_and_the_rest_is_read(
    proxy: FaultyProxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeded: dict[str, str]
) -> None:
    proxy.faults.update(
        {
            "ListKeys": HTML_502,
            "GET ?policy": HTML_200,  # S3 GetBucketPolicy: the page is not a bucket policy
            "ListTopics": (200, {}, b"<ListTopicsResponse><ListTopicsResult><Topics>"),
            "ListSecrets": JSON_THROTTLED,
            "GetQueueAttributes": (200, {}, b"this is not json"),
        }
    )
    output = tmp_path / "snapshot.json"
    result = _fetch(proxy.url, output, monkeypatch)
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text())
    [account] = data["accounts"]
    errors = {(e["service"], e["operation"]): e["error"] for e in account["errors"]}
    assert errors[("kms", "ListKeys")].startswith("502")
    assert errors[("s3", "GetBucketPolicy")].startswith("MalformedResponse")
    assert errors[("sns", "ListTopics")].startswith("MalformedResponse")
    assert errors[("secretsmanager", "ListSecrets")] == "ThrottlingException: Rate exceeded"
    assert errors[("sqs", "GetQueueAttributes")].startswith("MalformedResponse")
    assert all("\x1b" not in e and "\n" not in e for e in errors.values())
    arns = {r["arn"] for r in account["resources"]}
    assert seeded["bucket"] not in arns  # its policy was not read: not claimed to have none
    assert seeded["function"] in arns
    assert {u["UserName"] for u in account["authorization_details"]["UserDetailList"]} == {
        "alice",
        "bob",
    }
    for service, operation, code in [
        ("kms", "ListKeys", "502"),
        ("s3", "GetBucketPolicy", "MalformedResponse"),
        ("secretsmanager", "ListSecrets", "ThrottlingException"),
    ]:
        assert f"not read: {service} {operation}: {code} (x1)" in result.stderr
    assert "\x1b" not in result.stderr
    loaded = load_snapshot(output)
    assert loaded.metadata["account_errors"][ACCOUNT]


def test_a_json_service_answering_a_web_page_is_an_error_not_an_empty_list(
    proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch, seeded: dict[str, str]
) -> None:
    """botocore reads any non-JSON body of a JSON service as `{}`: no keys, silently."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    proxy.faults["ListKeys"] = HTML_200
    data = fetch_snapshot(
        FetchOptions(regions=["us-east-1"], services=["kms"]),
        factory=ClientFactory(endpoint_url=proxy.url, region="us-east-1"),
    )
    [account] = data["accounts"]
    assert [(e["operation"], e["error"].split(":")[0]) for e in account["errors"]] == [
        ("ListKeys", "MalformedResponse")
    ]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<GetAccountAuthorizationDetailsResponse/>", "MalformedResponse"),
        (
            b"<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult>"
            b"</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>",
            "without IsTruncated",
        ),
    ],
)
def test_iam_not_read_raises_from_the_library_too(
    proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch, body: bytes, problem: str
) -> None:
    """XML that parses but is no page of AWS's (every real page says IsTruncated)."""
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    proxy.faults["GetAccountAuthorizationDetails"] = (200, {"Content-Type": "text/xml"}, body)
    with pytest.raises(IamNotReadError, match=problem):
        fetch_snapshot(
            FetchOptions(regions=["us-east-1"], services=["iam"]),
            factory=ClientFactory(endpoint_url=proxy.url, region="us-east-1"),
        )


def test_without_iam_an_unread_iam_is_not_asked_for(
    proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    proxy.faults["GetAccountAuthorizationDetails"] = HTML_502
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    output = tmp_path / "s.json"
    result = CliRunner().invoke(
        app,
        ["fetch", "--region", "us-east-1", "--services", "sqs", "--endpoint-url", proxy.url,
         "--output", str(output)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert proxy.seen["GetAccountAuthorizationDetails"] == 0


# The endpoint's user name and password are never shown or stored.


def test_redact_url() -> None:
    assert redact_url("http://user:password@host:8080/x") == "http://***@host:8080/x"
    assert redact_url('at "https://a@b.example/" and http://c/') == (
        'at "https://***@b.example/" and http://c/'
    )
    assert redact_url("http://host/path@x") == "http://host/path@x"  # not userinfo
    assert redact_url("http://user:p@ss@host/") == "http://***@host/"  # an unescaped @


def test_the_endpoint_userinfo_is_not_printed_when_unreachable(
    aws_env: None, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app,
        ["fetch", "--region", "us-east-1", "--endpoint-url", "http://user:s3cret@127.0.0.1:9/",
         "--output", str(tmp_path / "s.json")],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "s3cret" not in result.output
    assert "cannot reach AWS (http://***@127.0.0.1:9/)" in result.stderr


def test_the_endpoint_userinfo_is_not_stored_in_the_snapshot(
    proxy: FaultyProxy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = proxy.url.replace("http://", "http://user:s3cret@")
    proxy.faults["ListQueues"] = HTML_502
    output = tmp_path / "s.json"
    result = _fetch(url, output, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "s3cret" not in output.read_text() and "s3cret" not in result.output
    data = json.loads(output.read_text())
    assert data["metadata"]["endpoint_url"] == proxy.url.replace("http://", "http://***@")


def test_describe_error_is_one_redacted_line() -> None:
    from botocore.exceptions import EndpointConnectionError
    from botocore.parsers import ResponseParserError

    text = describe_error(EndpointConnectionError(endpoint_url="http://u:pw@h:1/"))
    assert "pw" not in text and "http://***@h:1/" in text
    page = ResponseParserError("Unable to parse response, invalid XML:\nb'<html>\x1b[2K'")
    assert describe_error(page) == "MalformedResponse: Unable to parse response, invalid XML:"
    assert describe_error(KeyError("Policy")) == "MalformedResponse: the answer has no Policy"
    assert describe_error(ValueError("a\x1b[1Ab\nc")) == "ValueError: a\\x1b[1Ab c"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ('{"Version": "2012-10-17", "Statement": []}', True),
        (None, True),
        ("<html>proxy</html>", False),
        ("[1, 2]", False),
        (b"{}", False),
    ],
)
def test_policy_text(value: Any, ok: bool) -> None:
    from policysim.aws.clients import MalformedResponseError

    if ok:
        assert policy_text(value) == value
    else:
        with pytest.raises(MalformedResponseError):
            policy_text(value)


def test_bad_aws_max_attempts_is_one_line(aws_env: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["fetch", "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9",
         "--output", str(tmp_path / "s.json")],
        env={"AWS_MAX_ATTEMPTS": "lots"},
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "policysim: error: AWS_MAX_ATTEMPTS must be a whole number from 1 to 100, not 'lots'"
    )


def test_help_documents_the_exit_statuses() -> None:
    result = CliRunner().invoke(app, ["fetch", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "3 IAM could not be read (no snapshot written)" in " ".join(result.output.split())

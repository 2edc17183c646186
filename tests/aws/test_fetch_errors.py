"""`policysim fetch` that cannot start: one clear line and exit status 2; organizations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from policysim.aws.fetch import fetch_organization
from policysim.cli import app


def _fetch(tmp_path: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, ["fetch", "--output", str(tmp_path / "s.json"), *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("policysim: error: ")
    assert "Traceback" not in result.output
    assert not (tmp_path / "s.json").exists()
    return lines[0]


def test_no_credentials(aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    line = _fetch(tmp_path, "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9")
    assert "no AWS credentials found" in line


def test_unknown_profile(aws_env: None, tmp_path: Path) -> None:
    line = _fetch(tmp_path, "--profile", "nope")
    assert "AWS profile 'nope' not found" in line


def test_expired_sso_profile(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile old]\n"
        "sso_start_url = https://example.invalid/start\n"
        "sso_region = us-east-1\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = Reader\n"
        "region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))  # no cached SSO token
    line = _fetch(tmp_path, "--profile", "old", "--endpoint-url", "http://127.0.0.1:9")
    assert "aws sso login" in line


def test_expired_token(aws_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from botocore.awsrequest import AWSResponse

    from policysim.aws import clients

    def expired(client: Any) -> None:
        def answer(**_: Any) -> Any:
            error = {"Error": {"Code": "ExpiredToken", "Message": "The token has expired"}}
            return AWSResponse("https://sts.invalid/", 403, {}, None), error

        client.meta.events.register("before-call", answer)

    monkeypatch.setattr(clients.ClientFactory, "on_new_client", lambda self, c: expired(c))
    line = _fetch(tmp_path, "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9")
    assert "have expired" in line


def test_no_network(aws_env: None, tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    line = _fetch(tmp_path, "--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9")
    assert "cannot reach AWS" in line


def test_unknown_service(tmp_path: Path) -> None:
    line = _fetch(tmp_path, "--services", "s3,ec9")
    assert "unknown service 'ec9'" in line


class FakeOrganizations:
    """The Organizations calls fetch makes, answered from a small tree."""

    def __init__(self, deny: set[str] | None = None) -> None:
        self.deny = deny or set()

    def _check(self, operation: str) -> None:
        if operation in self.deny:
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "member account"}},
                operation,
            )

    def describe_organization(self) -> dict[str, Any]:
        self._check("DescribeOrganization")
        return {"Organization": {"Id": "o-abc1234567", "MasterAccountId": "999999999999"}}

    def list_parents(self, ChildId: str) -> dict[str, Any]:  # noqa: N803
        self._check("ListParents")
        parents = {"111122223333": ("ou-ab12-prod", "ORGANIZATIONAL_UNIT"),
                   "ou-ab12-prod": ("r-ab12", "ROOT")}  # fmt: skip
        parent, kind = parents[ChildId]
        return {"Parents": [{"Id": parent, "Type": kind}]}

    def list_roots(self) -> dict[str, Any]:
        return {"Roots": [{"Id": "r-ab12", "Name": "Root"}]}

    def describe_organizational_unit(self, OrganizationalUnitId: str) -> dict[str, Any]:  # noqa: N803
        return {"OrganizationalUnit": {"Id": OrganizationalUnitId, "Name": "Prod"}}

    def get_paginator(self, operation: str) -> Any:
        assert operation == "list_policies_for_target"
        attached = {
            ("r-ab12", "SERVICE_CONTROL_POLICY"): [("p-full", "FullAWSAccess")],
            ("ou-ab12-prod", "SERVICE_CONTROL_POLICY"): [("p-full", "FullAWSAccess"),
                                                          ("p-deny", "DenyLeave")],
            ("ou-ab12-prod", "RESOURCE_CONTROL_POLICY"): [("p-rcp", "OrgOnly")],
            ("111122223333", "SERVICE_CONTROL_POLICY"): [("p-full", "FullAWSAccess")],
        }  # fmt: skip

        class Pages:
            def paginate(self, TargetId: str, Filter: str) -> list[dict[str, Any]]:  # noqa: N803
                found = attached.get((TargetId, Filter), [])
                return [{"Policies": [{"Id": i, "Name": n} for i, n in found]}]

        return Pages()

    def describe_policy(self, PolicyId: str) -> dict[str, Any]:  # noqa: N803
        documents = {
            "p-full": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
            '"Resource":"*"}]}',
            "p-deny": '{"Version":"2012-10-17","Statement":[{"Effect":"Deny",'
            '"Action":"organizations:LeaveOrganization","Resource":"*"}]}',
            "p-rcp": '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
            '"Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":'
            '{"aws:PrincipalOrgID":"o-abc1234567"}}}]}',
        }
        return {"Policy": {"Content": documents[PolicyId]}}


class _Factory:
    def __init__(self, client: Any) -> None:
        self._client = client

    def client(self, service: str, region: str | None = None) -> Any:
        assert service == "organizations"
        return self._client


def _account() -> Any:
    from policysim.aws.fetch import _Account

    return _Account("111122223333", "aws")


def test_organization_path_and_policies_load(tmp_path: Path) -> None:
    import json

    from policysim.account.loaders import load_snapshot

    account = _account()
    org = fetch_organization(_Factory(FakeOrganizations()), account)  # type: ignore[arg-type]
    assert account.errors == []
    assert org is not None
    levels = org["account_paths"]["111122223333"]
    assert [level["id"] for level in levels] == ["r-ab12", "ou-ab12-prod", "111122223333"]
    assert levels[1] == {"id": "ou-ab12-prod", "name": "Prod",
                         "scps": ["FullAWSAccess", "DenyLeave"], "rcps": ["OrgOnly"]}  # fmt: skip
    assert org["policies"]["OrgOnly"]["type"] == "RCP"
    data = {
        "policysim_snapshot": 1,
        "generated_at": "2026-11-25T10:00:00Z",
        "accounts": [{"account_id": "111122223333"}],
        "organization": org,
    }
    (tmp_path / "org.json").write_text(json.dumps(data))
    snapshot = load_snapshot(tmp_path / "org.json")
    assert snapshot.organization is not None
    assert snapshot.organization.management_account == "999999999999"


def test_organization_access_denied_is_recorded_not_fatal() -> None:
    account = _account()
    org = fetch_organization(_Factory(FakeOrganizations({"ListParents"})), account)  # type: ignore[arg-type]
    assert org is not None and org["account_paths"] == {} and org["id"] == "o-abc1234567"
    assert [(e["service"], e["operation"]) for e in account.errors] == [
        ("organizations", "ListParents")
    ]
    account = _account()
    assert (
        fetch_organization(
            _Factory(FakeOrganizations({"DescribeOrganization"})),  # type: ignore[arg-type]
            account,
        )
        is None
    )
    assert account.errors[0]["operation"] == "DescribeOrganization"

"""`policysim fetch --org` against a moto server over real HTTP on 127.0.0.1: Organizations
(OUs, an SCP on one OU) and STS AssumeRole into each member account.

What is simulated: moto does not enforce IAM, so AssumeRole never fails there. The refusing
member account is simulated by a botocore `before-call` hook on the clients of the test's
factory that answers AssumeRole into that one account with HTTP 403 AccessDenied, exactly as
AWS answers when the role does not exist or does not trust the caller; the call does not reach
moto. Everything else (the organization walk, the assumed credentials, each member's IAM) is
moto's real answers over HTTP.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import RecordingMotoServer
from typer.testing import CliRunner

from policysim.account.loaders.merge import load_accounts
from policysim.aws.calls import Progress, bounded
from policysim.aws.clients import ALLOWED_OPERATIONS, ClientFactory, allowed_operation_names
from policysim.aws.fetch import FetchOptions
from policysim.aws.org import (
    ORGANIZATION_FILE,
    OrgFetchOptions,
    account_file,
    fetch_organization_directory,
)
from policysim.cli import app

MANAGEMENT = "123456789012"
ROLE = "PolicysimRead"
SCP = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}],
}


def _client(moto_url: str, service: str, **credentials: str) -> Any:
    import boto3

    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=credentials.get("AccessKeyId", "testing"),
        aws_secret_access_key=credentials.get("SecretAccessKey", "testing"),
        aws_session_token=credentials.get("SessionToken", "testing"),
    )


@pytest.fixture(scope="module")
def organization(moto_url: str) -> dict[str, Any]:
    """An organization: Prod (SCP attached) with two accounts, Dev with one; a role `worker`
    in each member account, created with credentials of that account."""
    org = _client(moto_url, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    prod = org.create_organizational_unit(ParentId=root, Name="Prod")["OrganizationalUnit"]["Id"]
    dev = org.create_organizational_unit(ParentId=root, Name="Dev")["OrganizationalUnit"]["Id"]
    scp = org.create_policy(
        Name="NoDelete",
        Description="",
        Type="SERVICE_CONTROL_POLICY",
        Content=json.dumps(SCP),
    )["Policy"]["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=scp, TargetId=prod)
    members: dict[str, str] = {}
    for name, unit in (("prod-a", prod), ("prod-b", prod), ("dev", dev)):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)
        account_id = status["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account_id, SourceParentId=root, DestinationParentId=unit)
        members[name] = account_id
        credentials = _client(moto_url, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{ROLE}", RoleSessionName="seed"
        )["Credentials"]
        _client(moto_url, "iam", **credentials).create_role(
            RoleName=f"worker-{name}", AssumeRolePolicyDocument=json.dumps(SCP)
        )
    return {"members": members, "prod": prod, "dev": dev, "root": root}


class RefusingFactory(ClientFactory):
    """Clients on which AssumeRole into `REFUSED` answers AccessDenied (see the module), and
    which note every (service, operation) they send."""

    refused: set[str] = set()
    sent: set[tuple[str, str]] = set()

    def on_new_client(self, client: Any) -> None:
        from botocore.awsrequest import AWSResponse

        service = client.meta.service_model.service_name

        def refuse(params: Any = None, **_: Any) -> Any:
            arn = str((params or {}).get("body", {}).get("RoleArn", ""))
            if arn.split(":")[4:5] and arn.split(":")[4] in RefusingFactory.refused:
                error = {"Code": "AccessDenied", "Message": f"not authorized to assume {arn}"}
                return AWSResponse("", 403, {}, None), {"Error": error}
            return None

        def note(event_name: str, **_: Any) -> None:
            RefusingFactory.sent.add((service, event_name.rpartition(".")[2]))

        client.meta.events.register_first("before-call.sts.AssumeRole", refuse)
        client.meta.events.register("before-send", note)


@pytest.fixture(scope="module")
def fetched(
    moto_url: str,
    moto_server: RecordingMotoServer,
    organization: dict[str, Any],
    tmp_path_factory: Any,
) -> tuple[Path, Any]:
    RefusingFactory.refused = {organization["members"]["dev"]}
    RefusingFactory.sent = set()
    moto_server.requests.clear()
    output = tmp_path_factory.mktemp("org") / "org"
    request = OrgFetchOptions(
        role_name=ROLE,
        output=output,
        options=FetchOptions(regions=["us-east-1"], services=["iam", "s3", "organizations"]),
    )
    factory = RefusingFactory(endpoint_url=moto_url, region="us-east-1")
    result = fetch_organization_directory(request, factory=factory)
    return output, result


def test_every_account_is_fetched_but_the_refusing_one(
    fetched: tuple[Path, Any], organization: dict[str, Any]
) -> None:
    output, result = fetched
    members = organization["members"]
    assert result.fetched == sorted([MANAGEMENT, members["prod-a"], members["prod-b"]])
    assert list(result.failed) == [members["dev"]]
    assert "AccessDenied" in result.failed[members["dev"]]
    assert not account_file(output, members["dev"]).exists()
    written = json.loads((output / ORGANIZATION_FILE).read_text())
    assert written["accounts"] == []
    assert list(written["metadata"]["account_errors"]) == [members["dev"]]
    assert written["metadata"]["role_name"] == ROLE


def test_the_organization_file_has_the_ou_paths_and_scps(
    fetched: tuple[Path, Any], organization: dict[str, Any]
) -> None:
    output, _ = fetched
    org = json.loads((output / ORGANIZATION_FILE).read_text())["organization"]
    members = organization["members"]
    path = org["account_paths"][members["prod-a"]]
    assert [level["id"] for level in path] == [
        organization["root"],
        organization["prod"],
        members["prod-a"],
    ]
    assert path[1]["name"] == "Prod" and "NoDelete" in path[1]["scps"]
    dev_path = org["account_paths"][members["dev"]]
    assert dev_path[1]["id"] == organization["dev"] and "NoDelete" not in dev_path[1]["scps"]
    assert json.loads(org["policies"]["NoDelete"]["document"]) == SCP
    assert org["policies"]["NoDelete"]["type"] == "SCP"


def test_each_account_file_holds_its_own_account_read_through_the_role(
    fetched: tuple[Path, Any], organization: dict[str, Any]
) -> None:
    output, _ = fetched
    for name in ("prod-a", "prod-b"):
        account_id = organization["members"][name]
        data = json.loads(account_file(output, account_id).read_text())
        assert data["organization"] is None
        (entry,) = data["accounts"]
        assert entry["account_id"] == account_id
        roles = {r["RoleName"] for r in entry["authorization_details"]["RoleDetailList"]}
        assert f"worker-{name}" in roles
        assert not {f"worker-{n}" for n in organization["members"] if n != name} & roles


def test_the_directory_loads_as_one_organization(
    fetched: tuple[Path, Any], organization: dict[str, Any]
) -> None:
    output, _ = fetched
    snapshot = load_accounts(output)
    members = organization["members"]
    assert set(snapshot.accounts) == {MANAGEMENT, members["prod-a"], members["prod-b"]}
    assert snapshot.organization is not None
    # The unread account is named in the organization file's own metadata (kept verbatim).
    (org_file,) = [f for f in snapshot.metadata["files"] if f["organization"]]
    assert Path(str(org_file["file"])).name == ORGANIZATION_FILE and org_file["accounts"] == []


def test_nothing_but_allowed_reads_was_sent(
    fetched: tuple[Path, Any], moto_server: RecordingMotoServer
) -> None:
    """The allow-list pattern of test_readonly: every request moto received during the fetch
    is an allowed read, and so is every request the clients sent."""
    assert RefusingFactory.sent
    assert all(op in ALLOWED_OPERATIONS.get(s, frozenset()) for s, op in RefusingFactory.sent)
    # Whatever the allow-list says, every operation that left is shaped like a read: the
    # listings and reads, and AssumeRole (short-lived credentials; it changes no account).
    shapes = re.compile(r"(List|Get|Describe|Head)[A-Z]\w*|AssumeRole")
    assert {op for _, op in RefusingFactory.sent if not shapes.fullmatch(op)} == set()
    assert ("sts", "AssumeRole") in RefusingFactory.sent
    received = moto_server.operations() - {""}  # S3 operations are named by method and path
    assert received <= allowed_operation_names(), received - allowed_operation_names()
    assert {"ListAccountsForParent", "AssumeRole", "GetAccountAuthorizationDetails"} <= received
    assert all(method in ("GET", "POST", "HEAD") for method, _, _ in moto_server.requests)


def test_a_second_run_resumes_and_refresh_fetches_again(
    moto_url: str, fetched: tuple[Path, Any], organization: dict[str, Any]
) -> None:
    output, _ = fetched
    members = organization["members"]
    account_file(output, members["prod-b"]).unlink()
    factory = RefusingFactory(endpoint_url=moto_url, region="us-east-1")
    options = FetchOptions(regions=["us-east-1"], services=["iam"])
    again = fetch_organization_directory(
        OrgFetchOptions(role_name=ROLE, output=output, options=options), factory=factory
    )
    assert again.fetched == [members["prod-b"]]
    assert again.skipped == sorted([MANAGEMENT, members["prod-a"]])
    assert list(again.failed) == [members["dev"]]
    progress = RecordingProgress()
    refreshed = fetch_organization_directory(
        OrgFetchOptions(role_name=ROLE, output=output, options=options, refresh=True),
        factory=RefusingFactory(endpoint_url=moto_url, region="us-east-1"),
        progress=progress,
    )
    assert refreshed.skipped == []
    assert len(refreshed.fetched) == 3
    # a bar of the organization's nodes (the root, two OUs, the management account and the
    # members), then one of the four accounts to read, each advanced once per item, then closed
    nodes = 1 + 2 + 1 + len(members)
    assert progress.events == [
        ("start", "organization", nodes),
        *[("advance",)] * nodes,
        ("finish",),
        ("start", "accounts", 4),
        *[("advance",)] * 4,
        ("finish",),
    ]


class RecordingProgress(Progress):
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def start(self, label: str, total: int) -> object:
        self.events.append(("start", label, total))
        return label

    def advance(self, task: object) -> None:
        self.events.append(("advance",))

    def finish(self, task: object) -> None:
        self.events.append(("finish",))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_accounts_are_read_at_most_workers_at_a_time(workers: int) -> None:
    import threading
    import time

    active = 0
    peak = 0
    done: list[str] = []
    lock = threading.Lock()

    def task(item: str) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
            done.append(item)

    items = [str(i) for i in range(8)]
    bounded(items, task, workers)
    assert sorted(done) == items
    assert peak <= workers
    assert workers == 1 or peak > 1  # the pool does run accounts side by side


def test_cli_fetch_org_exits_2_naming_the_unread_account_and_writes_the_rest(
    moto_url: str, organization: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """Through the command line: the refusal hook (see the module) is put on every client the
    CLI's factory makes; the run writes the readable accounts, names the refused one, exits 2;
    a second run resumes (nothing fetched again) and still exits 2 for the refused account."""
    dev = organization["members"]["dev"]
    RefusingFactory.refused = {dev}
    monkeypatch.setattr(ClientFactory, "on_new_client", RefusingFactory.on_new_client)
    output = tmp_path / "org"
    args = ["fetch", "--org", "--role-name", ROLE, "--output", str(output)]
    args += ["--region", "us-east-1", "--services", "iam", "--endpoint-url", moto_url]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 2, first.output
    assert "3 accounts fetched, 0 already there" in first.stderr
    assert f"not read: account {dev}: AssumeRole: AccessDenied" in first.stderr
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 2, second.output
    assert "0 accounts fetched, 3 already there" in second.stderr
    assert len(load_accounts(output).accounts) == 3
    RefusingFactory.refused = set()
    third = CliRunner().invoke(app, args)
    assert third.exit_code == 0, third.output
    assert "1 accounts fetched, 3 already there" in third.stderr


def test_who_can_over_the_fetched_directory_shows_the_refused_account_as_an_error_row(
    moto_url: str, organization: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """`fetch --org` with one refusing member (see the module), then `who-can` over the
    directory: the refused account is an error row (text and --json), exit 2, and the accounts
    that were read are answered."""
    dev = organization["members"]["dev"]
    RefusingFactory.refused = {dev}
    monkeypatch.setattr(ClientFactory, "on_new_client", RefusingFactory.on_new_client)
    output = tmp_path / "org"
    args = ["fetch", "--org", "--role-name", ROLE, "--output", str(output), "--quiet"]
    args += ["--region", "us-east-1", "--services", "iam", "--endpoint-url", moto_url]
    fetched = CliRunner().invoke(app, args)
    assert fetched.exit_code == 2, fetched.output
    loaded = load_accounts(output)
    assert [u.account_id for u in loaded.unreadable] == [dev]
    principals = sum(len(a.users) + len(a.roles) for a in loaded.accounts.values())
    assert principals > 0
    question = ["who-can", "iam:ListRoles", "*", "--account", str(output)]
    text = CliRunner().invoke(app, question)
    assert text.exit_code == 2, text.output
    row = f"policysim: error: account {dev}: could not be read by fetch --org: AssumeRole:"
    (line,) = text.stderr.splitlines()
    assert line.startswith(row) and "AccessDenied" in line
    as_json = CliRunner().invoke(app, [*question, "--json"])
    assert as_json.exit_code == 2, as_json.output
    payload = json.loads(as_json.stdout)
    (error,) = payload["errors"]
    assert error["account"] == dev
    assert error["error"].startswith("could not be read by fetch --org: AssumeRole: AccessDenied")
    assert payload["principals_checked"] == principals  # every account read was answered
    assert str(dev) not in json.dumps(payload["allowed"] + payload["allowed_if"])


def test_cli_output_must_be_a_directory(tmp_path: Path) -> None:
    (tmp_path / "file.json").write_text("{}")
    args = ["fetch", "--org", "--role-name", ROLE, "--output", str(tmp_path / "file.json")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "is a directory, and this is a file" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "--output", "o"], "--org needs --role-name"),
        (["--role-name", ROLE, "--output", "o"], "--role-name and --refresh go with --org"),
        (["--refresh"], "--role-name and --refresh go with --org"),
        (["--org", "--role-name", ROLE], "--org needs --output DIR"),
    ],
)
def test_cli_usage_errors(args: list[str], message: str, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["fetch", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_organization_that_cannot_be_read_writes_nothing(
    moto_url: str, organization: dict[str, Any], tmp_path: Path, monkeypatch: Any
) -> None:
    """Simulated as in the module: ListAccounts answers AccessDenied (a member account's
    caller, not the management account or a delegated administrator)."""
    from botocore.awsrequest import AWSResponse

    def deny(**_: Any) -> Any:
        error = {"Code": "AccessDeniedException", "Message": "not the management account"}
        return AWSResponse("", 400, {}, None), {"Error": error}

    def hook(self: ClientFactory, client: Any) -> None:
        client.meta.events.register_first("before-call.organizations.ListAccounts", deny)

    monkeypatch.setattr(ClientFactory, "on_new_client", hook)
    output = tmp_path / "org"
    args = ["fetch", "--org", "--role-name", ROLE, "--output", str(output)]
    result = CliRunner().invoke(app, [*args, "--region", "us-east-1", "--endpoint-url", moto_url])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert "cannot read the organization (ListAccounts): AccessDeniedException" in line
    assert not output.exists()

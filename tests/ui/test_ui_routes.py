"""The page's routes through Flask's test client: what each form shows and what Run answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from policysim.account.workspace import open_resolver
from policysim.catalog import get_catalog
from policysim.ui.app import create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "accounts"
ClientFor = Callable[[Path], Any]
UPLOADER = "arn:aws:iam::111122223333:user/uploader"
OBJECT = "arn:aws:s3:::landing-zone/report.csv"


def _run(client: object, **fields: object) -> str:
    """Press Run; without `loaded_principal` the principal is new and all its policies count."""
    data = {"do": "run", **fields}
    response = client.post("/", data=data)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.data[:500]
    return str(response.data.decode())


def _decisions(html: str) -> list[str]:
    return re.findall(r'<td class="decision">([^<]*)</td>', html)


def _marked_lines(html: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", html)]


def test_first_visit_lists_every_principal(client_for: ClientFor, deny_uploads: Path) -> None:
    html = client_for(deny_uploads).get("/").data.decode()
    assert f'<option value="{UPLOADER}"' in html
    assert "user analyst" in html
    assert "Run simulation" in html


def test_picking_a_principal_shows_its_policies_ticked(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    html = (
        client_for(deny_uploads).post("/", data={"principal": UPLOADER, "do": "load"}).data.decode()
    )
    box = re.search(
        r'<input type="checkbox" id="policy-1" name="policy" value="([^"]+)"\s+checked', html
    )
    assert box is not None, html
    assert "WriteLanding" in unescape(box.group(1))


def test_run_shows_the_deny_with_its_statement_highlighted_and_allowed_if(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    client = client_for(deny_uploads)
    html = _run(
        client,
        principal=UPLOADER,
        action="s3:PutObject",
        **{"resource:s3:PutObject": OBJECT},
    )
    assert _decisions(html) == ["ExplicitDeny"]
    assert "allowed if s3:x-amz-server-side-encryption is AES256 or aws:kms" in html
    # With the header absent both Deny statements apply; each is shown in the bucket
    # policy with its own lines marked, and nothing else of the policy is.
    blocks = re.findall(r'<pre class="policy".*?</pre>', html, re.S)
    assert len(blocks) == 2
    sids = [[line for line in _marked_lines(b) if '"Sid"' in line] for b in blocks]
    assert sids == [
        ['      "Sid": "DenyWrongEncryptionHeader",'],
        ['      "Sid": "DenyMissingEncryptionHeader",'],
    ]
    assert not any('"Version"' in line for line in _marked_lines(html))


def test_context_key_fields_come_from_the_policies_and_change_the_answer(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    client = client_for(deny_uploads)
    fields = {"principal": UPLOADER, "action": "s3:PutObject", "resource:s3:PutObject": OBJECT}
    html = _run(client, **fields)
    assert 'name="context:s3:x-amz-server-side-encryption"' in html
    assert "(String)" in html
    allowed = _run(client, **fields, **{"context:s3:x-amz-server-side-encryption": "AES256"})
    assert _decisions(allowed) == ["Allowed"]
    assert '      "Sid": "WriteLanding",' in _marked_lines(allowed)


def test_unticking_a_policy_changes_the_decision(client_for: ClientFor, deny_uploads: Path) -> None:
    client = client_for(deny_uploads)
    loaded = client.post("/", data={"principal": UPLOADER, "do": "load"}).data.decode()
    key = unescape(re.findall(r'name="policy" value="([^"]+)"', loaded)[0])
    fields = {"principal": UPLOADER, "action": "s3:GetObject", "resource:s3:GetObject": OBJECT}
    shown = {"loaded_principal": UPLOADER, "resource_policy": "on", "shown_policy": key}
    ticked = _run(client, **fields, **shown, policy=key)
    assert _decisions(ticked) == ["Allowed"]
    unticked = _run(client, **fields, **shown)  # no `policy`: unticked
    assert _decisions(unticked) == ["ImplicitDeny"]
    assert re.search(r'name="policy" value="[^"]+"\s+>', unticked), "the box stays unticked"


def test_a_new_principal_starts_with_every_policy_ticked(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    html = _run(
        client_for(deny_uploads),
        principal="arn:aws:iam::111122223333:user/analyst",
        loaded_principal=UPLOADER,
        action="s3:GetObject",
        **{"resource:s3:GetObject": OBJECT},
    )
    assert _decisions(html) == ["Allowed"]


def test_each_selected_action_shows_the_arn_format_of_its_resource_types(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    html = client_for(deny_uploads).post("/", data={"action": ["s3:GetObject", "iam:ListUsers"]})
    text = unescape(html.data.decode())
    assert "object: arn:${Partition}:s3:::${BucketName}/${ObjectName}" in re.sub(
        r"<[^>]+>", "", text
    )
    assert 'Takes only "*"' in text


def test_search_lists_matching_actions_of_the_service(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    client = client_for(deny_uploads)
    html = client.post("/", data={"service": "s3", "q": "getobjectt", "do": "pick"}).data.decode()
    listed = re.findall(r'id="act-\d+" name="action" value="([^"]+)"', html)
    assert "s3:GetObjectTagging" in listed
    assert all("getobjectt" in a.lower() and a.startswith("s3:") for a in listed)
    anywhere = client.post("/", data={"q": "PassRole", "do": "pick"}).data.decode()
    assert 'value="iam:PassRole"' in anywhere


def test_all_actions_of_a_service_selects_each_of_them(
    client_for: ClientFor, deny_uploads: Path
) -> None:
    html = (
        client_for(deny_uploads)
        .post("/", data={"service": "sts", "all_of_service": "on", "do": "pick"})
        .data.decode()
    )
    selected = re.findall(r'id="sel-\d+" name="action" value="([^"]+)"', html)
    assert selected == [a.full_name for a in get_catalog().actions("sts")]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"resource:s3:GetObject": "not-an-arn"}, "is not an ARN"),
        ({"resource:s3:GetObject": "arn:aws:s3:::landing-zone"}, "s3:GetObject"),
    ],
)
def test_a_bad_resource_is_an_error_row_not_a_failure(
    client_for: ClientFor, deny_uploads: Path, fields: dict[str, str], problem: str
) -> None:
    html = _run(client_for(deny_uploads), principal=UPLOADER, action="s3:GetObject", **fields)
    assert _decisions(html) == ["Error"]
    assert problem in unescape(html)


def test_bad_input_is_shown_as_an_alert(client_for: ClientFor, deny_uploads: Path) -> None:
    client = client_for(deny_uploads)
    unknown = client.post("/", data={"principal": "arn:aws:iam::111122223333:user/nobody"})
    assert unknown.status_code == 200
    assert 'role="alert"' in unknown.data.decode()
    assert "no user named 'nobody'" in unescape(unknown.data.decode())
    bad_action = client.post("/", data={"action": "s3:NoSuchThing"}).data.decode()
    assert "is not an action of the IAM catalog" in unescape(bad_action)
    nothing = _run(client, principal=UPLOADER)
    assert "pick one or more actions to run" in nothing


def test_a_bad_context_value_is_an_alert(client_for: ClientFor, tmp_path: Path) -> None:
    account = tmp_path / "account.yaml"
    account.write_text(
        'account: "111122223333"\nusers:\n  u:\n    inline:\n      P:\n'
        '        Version: "2012-10-17"\n        Statement:\n'
        "          - {Effect: Allow, Action: s3:GetObject, Resource: '*',"
        " Condition: {IpAddress: {aws:SourceIp: 10.0.0.0/8}}}\n"
    )
    html = _run(
        client_for(account),
        principal="arn:aws:iam::111122223333:user/u",
        action="s3:GetObject",
        **{"context:aws:SourceIp": "not-an-ip"},
    )
    assert 'role="alert"' in html
    assert "aws:SourceIp" in html
    allowed = _run(
        client_for(account),
        principal="arn:aws:iam::111122223333:user/u",
        action="s3:GetObject",
        **{"context:aws:SourceIp": "10.1.2.3"},
    )
    assert _decisions(allowed) == ["Allowed"]


def test_who_can_lists_principals_and_conditions(client_for: ClientFor, deny_uploads: Path) -> None:
    client = client_for(deny_uploads)
    assert client.get("/who-can").status_code == 200
    html = client.post("/who-can", data={"action": "s3:PutObject", "resource": OBJECT})
    text = unescape(html.data.decode())
    assert "user uploader" in text
    assert "allowed if s3:x-amz-server-side-encryption is AES256 or aws:kms" in text
    assert "user analyst" not in text
    bad = unescape(client.post("/who-can", data={"action": "s3:Nope"}).data.decode())
    assert 'role="alert"' in bad


def test_lint_shows_findings_under_their_lines(client_for: ClientFor, deny_uploads: Path) -> None:
    client = client_for(deny_uploads)
    policy = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n'
        '    {"Effect": "Allow", "Action": "*", "Resource": "*"}\n  ]\n}\n'
    )
    html = client.post("/lint", data={"policy": policy, "kind": "identity"}).data.decode()
    line4 = re.search(r'<li class="lint-line has-finding" value="4">(.*?)</li>', html, re.S)
    assert line4 is not None, html
    assert re.search(r"<strong>PS201 \w+</strong>", line4.group(1)), line4.group(1)
    broken = client.post("/lint", data={"policy": "{", "kind": "identity"}).data.decode()
    assert "has-finding" in broken


def test_security_headers_and_host_check(deny_uploads: Path) -> None:
    app = create_app(open_resolver([deny_uploads]), allowed_hosts={"127.0.0.1:5000"})
    client = app.test_client()
    ok = client.get("/", headers={"Host": "127.0.0.1:5000"})
    assert ok.status_code == 200
    assert "script-src 'self'" in ok.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in ok.headers["Content-Security-Policy"]
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 403


HOSTILE = """account: "111122223333"
users:
  mallory:
    tags: {team: "<script>alert('tag')</script>"}
    inline:
      Hostile:
        Version: "2012-10-17"
        Statement:
          - Sid: "<img src=x onerror=alert(1)>"
            Effect: Allow
            Action: s3:GetObject
            Resource: "arn:aws:s3:::b/<script>alert(2)</script>"
            Condition:
              StringEquals: {"aws:PrincipalTag/x\\"><script>alert(3)</script>": "'\\"<b>"}
"""
RAW = ("<script>alert", "<img src=x", '"><script', "<b>")


def test_hostile_names_and_texts_are_escaped_everywhere(
    client_for: ClientFor, tmp_path: Path
) -> None:
    account = tmp_path / "hostile.yaml"
    account.write_text(HOSTILE)
    client = client_for(account)
    mallory = "arn:aws:iam::111122223333:user/mallory"
    pages = [
        client.get("/").data.decode(),
        _run(
            client,
            principal=mallory,
            action="s3:GetObject",
            **{"resource:s3:GetObject": "arn:aws:s3:::b/<script>alert(2)</script>"},
        ),
        client.post(
            "/who-can", data={"action": "s3:GetObject", "resource": "arn:aws:s3:::b/<script>x"}
        ).data.decode(),
        client.post("/lint", data={"policy": HOSTILE, "kind": "identity"}).data.decode(),
        client.post("/", data={"q": "<script>alert(9)</script>", "do": "pick"}).data.decode(),
    ]
    for html in pages:
        for raw in RAW:
            assert raw not in html
    run = pages[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in run  # the Sid, shown as text
    assert _decisions(run), run
    assert 'name="context:aws:PrincipalTag/x&#34;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"' in run


@pytest.mark.parametrize(
    "example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "account.yaml").is_file())
)
def test_every_example_account_renders_and_runs(client_for: ClientFor, example: str) -> None:
    client = client_for(EXAMPLES / example)
    first = client.get("/").data.decode()
    principals = re.findall(r'<option value="(arn:[^"]+)"', first)
    assert principals, f"{example}: no principal listed"
    loaded = client.post("/", data={"principal": principals[0], "do": "load"}).data.decode()
    assert 'id="policies"' in loaded
    html = _run(client, principal=principals[0], action="sts:GetCallerIdentity")
    assert _decisions(html) and _decisions(html)[0] in ("Allowed", "ImplicitDeny", "ExplicitDeny")
    assert 'role="alert"' not in html


def test_an_aws_managed_policy_is_shown_from_the_bundled_copy(client_for: ClientFor) -> None:
    html = _run(
        client_for(EXAMPLES / "deploy-user"),
        principal="arn:aws:iam::111122223333:user/ci/alice",
        action="s3:PutObject",
        **{"resource:s3:PutObject": "arn:aws:s3:::deploy-artifacts/build.zip"},
    )
    assert _decisions(html) == ["Allowed"]
    assert "identity policy &#39;AmazonS3FullAccess&#39;" in html
    marked = _marked_lines(html)
    assert '        "s3:*",' in marked or '        "s3:*"' in marked, marked


def test_lint_loads_a_policy_of_the_account(client_for: ClientFor, deny_uploads: Path) -> None:
    client = client_for(deny_uploads)
    page = client.get("/lint").data.decode()
    keys = [unescape(k) for k in re.findall(r'<option value="([^"]+)"', page)]
    bucket = next(k for k in keys if "landing-zone" in k)
    html = client.post("/lint", data={"choice": bucket, "do": "load"}).data.decode()
    assert "DenyWrongEncryptionHeader" in html
    assert '<option value="resource" selected>' in html
    assert re.search(r"<h2 id=\"h-results\" tabindex=\"-1\">\d+ findings?</h2>", html)


def test_context_fields_are_typed(client_for: ClientFor, tmp_path: Path) -> None:
    account = tmp_path / "account.yaml"
    account.write_text(
        'account: "111122223333"\nusers:\n  u:\n    inline:\n      P:\n'
        '        Version: "2012-10-17"\n        Statement:\n'
        "          - {Effect: Allow, Action: s3:GetObject, Resource: '*', Condition:"
        " {Bool: {aws:MultiFactorAuthPresent: 'true'}, IpAddress: {aws:SourceIp: 10.0.0.0/8}}}\n"
    )
    client = client_for(account)
    fields = {"principal": "arn:aws:iam::111122223333:user/u", "action": "s3:GetObject"}
    html = _run(client, **fields)
    assert re.search(r'<select id="ctx-\d+" name="context:aws:MultiFactorAuthPresent">', html)
    assert 'placeholder="203.0.113.10"' in html
    allowed = _run(
        client,
        **fields,
        **{"context:aws:MultiFactorAuthPresent": "true", "context:aws:SourceIp": "10.0.0.1"},
    )
    assert _decisions(allowed) == ["Allowed"]
    assert re.search(r'<option value="true" selected>true</option>', allowed)


def _shown_keys(client: Any, principal: str) -> list[str]:
    """The policy keys the page shows checkboxes for, for `principal`."""
    html = client.post("/", data={"principal": principal, "do": "load"}).data.decode()
    return [unescape(k) for k in re.findall(r'name="shown_policy" value="([^"]+)"', html)]


def _run_without(client: Any, principal: str, left_out: str, **fields: str) -> str:
    """Run with every shown policy ticked but those whose key contains `left_out`."""
    keys = _shown_keys(client, principal)
    assert any(left_out in k for k in keys), keys
    return _run(
        client,
        principal=principal,
        loaded_principal=principal,
        shown_policy=keys,
        policy=[k for k in keys if left_out not in k],
        resource_policy="on",
        **fields,
    )


def test_unticking_an_scp_removes_its_deny(client_for: ClientFor) -> None:
    client = client_for(EXAMPLES / "org-region-scp")
    ops = "arn:aws:iam::111122223333:user/ops"
    fields = {
        "action": "ec2:RunInstances",
        "resource:ec2:RunInstances": "arn:aws:ec2:us-east-1:111122223333:instance/*",
    }
    with_all = _run(client, principal=ops, **fields)
    assert _decisions(with_all) == ["ExplicitDeny"]
    assert "DenyOutsideEURegions" in with_all
    without = _run_without(client, ops, "DenyOutsideEURegions", **fields)
    assert _decisions(without) == ["Allowed"]


def test_unticking_the_boundary_lifts_its_limit(client_for: ClientFor, tmp_path: Path) -> None:
    account = tmp_path / "account.yaml"
    account.write_text(
        'account: "111122223333"\nusers:\n  u:\n    boundary: NoS3\n    inline:\n      All:\n'
        '        Version: "2012-10-17"\n'
        "        Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]\n"
        "policies:\n  NoS3:\n    document:\n      Version: '2012-10-17'\n"
        "      Statement: [{Effect: Allow, NotAction: 's3:*', Resource: '*'}]\n"
    )
    client = client_for(account)
    user = "arn:aws:iam::111122223333:user/u"
    assert _decisions(_run(client, principal=user, action="s3:ListAllMyBuckets")) == [
        "ImplicitDeny"
    ]
    without = _run_without(client, user, "boundary", action="s3:ListAllMyBuckets")
    assert _decisions(without) == ["Allowed"]


def test_include_resource_policy_is_the_consoles_checkbox(client_for: ClientFor) -> None:
    client = client_for(EXAMPLES / "bucket-grants-user")
    carol = "arn:aws:iam::111122223333:user/analysts/carol"
    fields = {"action": "s3:GetObject", "resource:s3:GetObject": "arn:aws:s3:::team-reports/q3"}
    with_it = _run(client, principal=carol, **fields)
    assert _decisions(with_it) == ["Allowed"]
    assert "resource policy of arn:aws:s3:::team-reports" in unescape(with_it)
    keys = _shown_keys(client, carol)
    without = _run(
        client,
        principal=carol,
        loaded_principal=carol,
        shown_policy=keys,
        policy=keys,
        **fields,
    )  # no `resource_policy`: unticked
    assert _decisions(without) == ["ImplicitDeny"]

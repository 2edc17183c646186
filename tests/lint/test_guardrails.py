"""`lint --account`: which findings the organization's SCPs and RCPs, or a principal's
permissions boundary, already block (decided by the engine), and what lowering does to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from policysim.account.loaders import load_snapshot, parse_snapshot
from policysim.lint.config import LintConfig
from policysim.lint.finding import Finding, Severity
from policysim.lint.guardrails import GuardrailMode, Guardrails
from policysim.lint.inputs.run import lint_paths
from policysim.policy.kinds import PolicyKind

ORG = Path(__file__).parent / "data" / "guardrails-org.yaml"


def _guardrails(mode: GuardrailMode = GuardrailMode.LOWER) -> Guardrails:
    return Guardrails(load_snapshot(ORG), str(ORG), mode)


def _allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> Any:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def test_scp_that_denies_the_action_blocks_an_identity_grant() -> None:
    blocker = _guardrails().blocker(_allow("iam:CreateAccessKey"), PolicyKind.IDENTITY)
    assert blocker is not None
    assert "SCP DenyLeaveOrg" in blocker and "'NoLeaving'" in blocker
    assert "guardrails-org.yaml:" in blocker  # where the guardrail statement is written


def test_wildcard_action_is_blocked_only_when_every_action_it_names_is() -> None:
    guard = _guardrails()
    # organizations:Leave* expands to LeaveOrganization alone, which the SCP denies
    assert guard.blocker(_allow("organizations:Leave*"), PolicyKind.IDENTITY) is not None
    # iam:Create* includes actions the SCP leaves alone
    assert guard.blocker(_allow("iam:Create*"), PolicyKind.IDENTITY) is None
    assert (
        guard.blocker(_allow(["iam:CreateAccessKey", "s3:GetObject"]), PolicyKind.IDENTITY) is None
    )


def test_scp_deny_under_a_condition_is_not_enough() -> None:
    # DenyPassRoleOutsideEU denies iam:PassRole only outside eu-west-1: the lint cannot know
    assert _guardrails().blocker(_allow("iam:PassRole"), PolicyKind.IDENTITY) is None


def test_scp_that_denies_another_action_blocks_nothing() -> None:
    assert _guardrails().blocker(_allow("ec2:RunInstances"), PolicyKind.IDENTITY) is None


def test_rcp_blocks_resource_policies_and_scp_does_not() -> None:
    guard = _guardrails()
    public = _allow("secretsmanager:GetSecretValue", Principal="*")
    blocker = guard.blocker(public, PolicyKind.RESOURCE)
    assert blocker is not None and "RCP DenySecretsToEveryone" in blocker
    # SCPs govern the account's own principals, not whom a resource policy lets in
    assert guard.blocker(_allow("iam:CreateAccessKey", Principal="*"), PolicyKind.RESOURCE) is None
    # and RCPs do not govern what an identity policy grants on other accounts' resources
    assert guard.blocker(_allow("secretsmanager:GetSecretValue"), PolicyKind.IDENTITY) is None


def test_statements_the_lint_cannot_pin_down_are_never_blocked() -> None:
    guard = _guardrails()
    assert (
        guard.blocker({**_allow("iam:CreateAccessKey"), "Effect": "Deny"}, PolicyKind.IDENTITY)
        is None
    )
    not_action = {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}
    assert guard.blocker(not_action, PolicyKind.IDENTITY) is None
    variable = _allow("iam:CreateAccessKey", "arn:aws:iam::*:user/${aws:username}")
    assert guard.blocker(variable, PolicyKind.IDENTITY) is None
    assert guard.blocker(_allow("iam:CreateAccessKey"), PolicyKind.SCP) is None
    assert guard.blocker(_allow("iam:NoSuchAction"), PolicyKind.IDENTITY) is None


def test_management_account_and_non_members_are_not_governed() -> None:
    guard = _guardrails()
    assert guard.members() == ["111111111111", "222222222222"]
    grant = _allow("iam:CreateAccessKey")
    assert guard.blocker(grant, PolicyKind.IDENTITY, account="111111111111") is not None
    assert guard.blocker(grant, PolicyKind.IDENTITY, account="333333333333") is None
    assert guard.blocker(grant, PolicyKind.IDENTITY, account="999999999999") is None


def test_an_organization_where_one_member_escapes_the_scp_blocks_nothing() -> None:
    text = ORG.read_text().replace(
        '"222222222222": {}', '"222222222222": {}\n    "444444444444": {}'
    )
    text = text.replace(
        "scps: [FullAWSAccess, DenyLeaveOrg, DenyPassRoleOutsideEU]", "scps: [FullAWSAccess]"
    )
    text += "  ous:\n    - {id: ou-gr-1111, name: Guarded, scps: [FullAWSAccess, DenyLeaveOrg]}\n"
    text = text.replace('"111111111111": {}', '"111111111111": {parent: ou-gr-1111}')
    snapshot = parse_snapshot(text, "org.yaml")
    guard = Guardrails(snapshot, "org.yaml")
    grant = _allow("iam:CreateAccessKey")
    assert guard.blocker(grant, PolicyKind.IDENTITY) is None  # 222222222222 is not guarded
    assert guard.blocker(grant, PolicyKind.IDENTITY, account="111111111111") is not None


BOUNDARY_ACCOUNT = """\
accounts:
  - id: "111111111111"
    policies:
      OnlyS3:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: "s3:*", Resource: "*"}
      S3IfTagged:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: "ec2:*", Resource: "*",
             Condition: {StringEquals: {aws:ResourceTag/team: blue}}}
    roles:
      app: {boundary: OnlyS3}
      tagged: {boundary: S3IfTagged}
      free: {}
"""


def test_boundary_of_an_attached_role_blocks_what_it_does_not_allow() -> None:
    guard = Guardrails(parse_snapshot(BOUNDARY_ACCOUNT, "acct.yaml"), "acct.yaml")
    ec2 = _allow("ec2:RunInstances")
    blocker = guard.blocker(ec2, PolicyKind.IDENTITY, "111111111111", "role/app")
    assert blocker is not None and "boundary OnlyS3 of role/app" in blocker
    assert (
        guard.blocker(_allow("s3:GetObject"), PolicyKind.IDENTITY, "111111111111", "role/app")
        is None
    )
    assert guard.blocker(ec2, PolicyKind.IDENTITY, "111111111111", "role/free") is None
    # a conditional Allow in the boundary may apply: not blocked
    assert guard.blocker(ec2, PolicyKind.IDENTITY, "111111111111", "role/tagged") is None
    # without knowing the principal, no boundary counts
    assert guard.blocker(ec2, PolicyKind.IDENTITY, "111111111111") is None


def _finding(rule: str, severity: Severity, statement: int | None) -> Finding:
    return Finding(rule, severity, f"{rule} message", "p.json", 1, 1, "", statement)


def test_apply_lowers_to_suggestion_and_names_the_guardrail() -> None:
    statements = [_allow("iam:CreateAccessKey"), _allow("ec2:RunInstances")]
    findings = [
        _finding("PS221", Severity.SECURITY, 0),
        _finding("PS204", Severity.WARNING, 0),
        _finding("PS027", Severity.ERROR, 0),
        _finding("PS211", Severity.SECURITY, 1),
        _finding("PS003", Severity.WARNING, None),
    ]
    out = _guardrails().apply(findings, statements, PolicyKind.IDENTITY)
    assert [f.severity for f in out] == [
        Severity.SUGGESTION,
        Severity.SUGGESTION,
        Severity.ERROR,  # an error is never lowered: AWS rejects the policy
        Severity.SECURITY,
        Severity.WARNING,
    ]
    assert out[0].blocked_by is not None and out[0].blocked_by in out[0].message
    assert out[0].to_json()["blocked_by"] == out[0].blocked_by
    assert "blocked_by" not in out[3].to_json()


def test_drop_mode_leaves_blocked_findings_out() -> None:
    statements = [_allow("iam:CreateAccessKey"), _allow("ec2:RunInstances")]
    findings = [_finding("PS221", Severity.SECURITY, 0), _finding("PS211", Severity.SECURITY, 1)]
    out = _guardrails(GuardrailMode.DROP).apply(findings, statements, PolicyKind.IDENTITY)
    assert [f.rule for f in out] == ["PS211"]


ACTIONS = [
    "iam:CreateAccessKey",
    "iam:PassRole",
    "organizations:LeaveOrganization",
    "ec2:RunInstances",
    "secretsmanager:GetSecretValue",
    "s3:*",
    "*",
]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
            st.sampled_from(["Allow", "Deny"]),
        ),
        min_size=1,
        max_size=4,
    ),
    st.lists(
        st.tuples(st.sampled_from(list(Severity)), st.integers(min_value=0, max_value=5)),
        max_size=8,
    ),
    st.sampled_from([PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST]),
)
def test_lowering_never_raises_a_severity_nor_removes_a_finding(
    shapes: list[tuple[list[str], str]],
    raw: list[tuple[Severity, int]],
    kind: PolicyKind,
) -> None:
    statements = [
        {"Effect": effect, "Action": actions, "Resource": "*"} for actions, effect in shapes
    ]
    findings = [_finding(f"PS{i:03d}", severity, index) for i, (severity, index) in enumerate(raw)]
    out = GUARD.apply(findings, statements, kind)
    assert len(out) == len(findings)
    for before, after in zip(findings, out, strict=True):
        assert after.rule == before.rule and after.statement == before.statement
        assert after.severity.rank >= before.severity.rank
        if after.blocked_by is None:
            assert after == before
        else:
            assert after.severity is Severity.SUGGESTION
            assert before.severity in (Severity.SECURITY, Severity.WARNING)
            assert statements[before.statement or 0]["Effect"] == "Allow"
    dropped = Guardrails(GUARD.snapshot, GUARD.file, GuardrailMode.DROP).apply(
        findings, statements, kind
    )
    assert [f for f in out if f.blocked_by is None] == dropped


GUARD = _guardrails()


def test_lint_paths_lowers_findings_of_a_file(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": ['
        '{"Sid": "Keys", "Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"},'
        '{"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}'
    )
    plain = lint_paths([str(policy)], LintConfig())
    guarded = lint_paths([str(policy)], LintConfig(), guardrails=_guardrails())
    assert len(plain.findings) == len(guarded.findings)
    lowered = [f for f in guarded.findings if f.blocked_by]
    assert lowered and all(f.statement == 0 for f in lowered)
    assert all(f.severity is Severity.SECURITY for f in guarded.findings if f.statement == 1)


def test_worker_processes_lower_the_same_findings(tmp_path: Path) -> None:
    source = (
        '{"Version": "2012-10-17", "Statement": ['
        '{"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"},'
        '{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}'
    )
    for i in range(130):  # enough files for two workers
        (tmp_path / f"p{i:03d}.json").write_text(source)
    serial = lint_paths([str(tmp_path)], LintConfig(), guardrails=GUARD, jobs=1)
    parallel = lint_paths([str(tmp_path)], LintConfig(), guardrails=GUARD, jobs=2)
    assert serial.findings == parallel.findings
    assert sum(1 for f in parallel.findings if f.blocked_by) == 130 * 3


RESOURCE_ORG = """\
accounts:
  - id: "111111111111"
organization:
  id: o-resources1
  policies:
    DenyAdminRole:
      Version: "2012-10-17"
      Statement:
        - {Sid: AdminRole, Effect: Deny, Action: iam:PassRole,
           Resource: "arn:aws:iam::111111111111:role/adm?n"}
    OnlyOneBucket:
      Version: "2012-10-17"
      Statement:
        - {Effect: Allow, Action: "iam:*", Resource: "*"}
        - {Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::public/*"}
  root: {id: r-res1, scps: [DenyAdminRole, OnlyOneBucket]}
  accounts:
    "111111111111": {}
"""


def test_resource_patterns_are_blocked_only_by_denies_on_every_resource() -> None:
    guard = Guardrails(parse_snapshot(RESOURCE_ORG, "org.yaml"), "org.yaml")
    exact = _allow("iam:PassRole", "arn:aws:iam::111111111111:role/admin")
    assert guard.blocker(exact, PolicyKind.IDENTITY) is not None  # the SCP's pattern matches it
    # `role/adm*` includes `role/administrator`, which `adm?n` does not deny, although the
    # pattern `adm?n` matches the text `adm*n`
    wide = _allow("iam:PassRole", "arn:aws:iam::111111111111:role/adm*n")
    assert guard.blocker(wide, PolicyKind.IDENTITY) is None
    assert guard.blocker(_allow("iam:PassRole"), PolicyKind.IDENTITY) is None


def test_allow_list_guardrails_count_as_allowing_every_resource() -> None:
    guard = Guardrails(parse_snapshot(RESOURCE_ORG, "org.yaml"), "org.yaml")
    # the allow-list SCP grants s3:GetObject on public/*: a grant on * may reach those objects
    assert guard.blocker(_allow("s3:GetObject"), PolicyKind.IDENTITY) is None
    # conservative: an allow-list is read as granting its actions on every resource
    assert (
        guard.blocker(_allow("s3:GetObject", "arn:aws:s3:::private/x"), PolicyKind.IDENTITY) is None
    )
    # an action no SCP statement allows is blocked on every resource
    blocker = guard.blocker(_allow("s3:PutObject", "arn:aws:s3:::private/*"), PolicyKind.IDENTITY)
    assert blocker is not None and "account 111111111111" in blocker

"""The console simulator's checkboxes: every policy that takes part in a request as a
`PolicyChoice`, and include/exclude over all of them (identity, boundary, SCPs, RCPs, the
resource policy). Each exclusion is checked against the decision AWS would reach without that
policy: a Deny SCP gone turns ExplicitDeny into Allowed, a boundary gone lifts its limit, the
resource policy of a cross-account bucket gone leaves nothing granting from that side."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

import pytest

from policysim.account.choices import (
    PolicyChoice,
    PolicyFilter,
    deciding_statement_text,
    policies_by_name,
    policy_choices,
)
from policysim.account.loaders import load_snapshot
from policysim.account.principal_spec import parse_principal
from policysim.account.resolve import Resolver, Target
from policysim.account.workspace import aws_managed
from policysim.engine.result import Decision, PolicyType
from policysim.policy.text import statement_text

A = "111122223333"
B = "444455556666"
SHARED = "arn:aws:s3:::shared"

ACCOUNT = Path(__file__).parent / "data" / "choices.yaml"


def resolver(*, exclude: Collection[str] = (), include: Collection[str] = ()) -> Resolver:
    snapshot = load_snapshot(ACCOUNT)
    return Resolver(
        snapshot,
        now=datetime(2030, 1, 1, tzinfo=UTC),
        policy_filter=PolicyFilter(frozenset(include), frozenset(exclude)),
        managed_lookup=aws_managed,
    )


def target(r: Resolver, principal: str = "user alice") -> Target:
    found = r.resolve(parse_principal(principal))
    assert isinstance(found, Target)
    return found


def decision(r: Resolver, action: str, resource: str = "*", who: str = "user alice") -> Decision:
    return r.decide(target(r, who), action, resource).decision


def test_every_kind_is_a_choice_in_order_with_unique_keys() -> None:
    r = resolver()
    choices = policy_choices(r, target(r), f"{SHARED}/k")
    assert [(c.kind, c.key) for c in choices] == [
        ("identity", "user alice inline Own"),
        ("identity", "AmazonS3ReadOnlyAccess"),
        ("identity", "group devs inline Describe"),
        ("boundary", "boundary DevBoundary"),
        ("scp", "SCP FullAWSAccess (Root)"),
        ("scp", "SCP FullAWSAccess (Sandbox)"),
        ("scp", "SCP DenyPuts (Sandbox)"),
        ("scp", f"SCP FullAWSAccess ({A})"),
        ("rcp", f"RCP NoDeletes ({B})"),
        ("resource", f"resource policy of {SHARED}"),
    ]
    labels = {c.key: c.label for c in choices}
    assert labels["AmazonS3ReadOnlyAccess"] == "managed AmazonS3ReadOnlyAccess (user alice)"
    assert labels["group devs inline Describe"] == "inline Describe (group devs)"
    assert labels["boundary DevBoundary"] == "permissions boundary DevBoundary"
    assert labels["SCP DenyPuts (Sandbox)"] == "SCP DenyPuts (ou Sandbox)"
    assert labels["SCP FullAWSAccess (Root)"] == "SCP FullAWSAccess (root)"
    by_key = {c.key: c for c in choices}
    assert by_key["AmazonS3ReadOnlyAccess"].arn == "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    assert by_key[f"resource policy of {SHARED}"].arn == SHARED
    assert by_key["SCP DenyPuts (Sandbox)"].level == 1
    assert {c.policy_type for c in choices} == {
        PolicyType.IDENTITY,
        PolicyType.BOUNDARY,
        PolicyType.SCP,
        PolicyType.RCP,
        PolicyType.RESOURCE,
    }


def test_no_resource_policy_where_the_resource_has_none() -> None:
    r = resolver()
    kinds = {c.kind for c in policy_choices(r, target(r), "arn:aws:s3:::other/k")}
    assert "resource" not in kinds and "rcp" not in kinds  # no RCP on A's side


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:PutObject", "arn:aws:s3:::own/k"),
        ("s3:GetObject", f"{SHARED}/k"),
        ("s3:DeleteObject", f"{SHARED}/k"),
        ("s3:ListBucket", "arn:aws:s3:::own"),
        ("sqs:SendMessage", "*"),
    ],
)
def test_matched_names_find_the_deciding_statements(action: str, resource: str) -> None:
    r = resolver()
    choices = policy_choices(r, target(r), resource)
    policies = policies_by_name(choices)
    result = r.decide(target(r), action, resource)
    assert result.matched_statements
    for m in result.matched_statements:
        text = deciding_statement_text(m, policies)
        policy = policies[(m.policy_type, m.policy_name)]
        assert text == statement_text(policy, m.statement_index)
        if m.sid:
            assert f'"Sid": "{m.sid}"' in text


def _decides(exclude: str, action: str, resource: str, before: Decision, after: Decision) -> None:
    assert decision(resolver(), action, resource) is before
    assert decision(resolver(exclude={exclude}), action, resource) is after


def test_excluding_a_deny_scp_turns_explicit_deny_into_allowed() -> None:
    for word in ("SCP DenyPuts (Sandbox)", "DenyPuts", "scp denyputs"):
        _decides(
            word, "s3:PutObject", "arn:aws:s3:::own/k", Decision.EXPLICIT_DENY, Decision.ALLOWED
        )


def test_excluding_full_aws_access_at_a_level_leaves_that_level_allowing_nothing() -> None:
    r = resolver(exclude={"SCP FullAWSAccess (Sandbox)"})
    result = r.decide(target(r), "sqs:SendMessage")
    assert result.decision is Decision.IMPLICIT_DENY
    assert "level 1" in result.reason
    # at the account's own level it is the same; the root's copy alone changes nothing else
    assert decision(resolver(exclude={f"SCP FullAWSAccess ({A})"}), "sqs:SendMessage") is (
        Decision.IMPLICIT_DENY
    )
    assert decision(resolver(), "sqs:SendMessage") is Decision.ALLOWED


def test_excluding_the_boundary_lifts_its_limit() -> None:
    for word in ("boundary DevBoundary", "boundary", "DevBoundary"):
        _decides(word, "ec2:DescribeInstances", "*", Decision.IMPLICIT_DENY, Decision.ALLOWED)


def test_a_name_attached_as_identity_policy_addresses_that_attachment_first() -> None:
    # bob holds DevBoundary both as an identity policy and as his boundary
    r = resolver(exclude={"DevBoundary"})
    assert [
        c.key for c in r.policy_filter.select(policy_choices(r, target(r, "user bob"))).dropped
    ] == ["DevBoundary"]
    assert decision(r, "s3:GetObject", who="user bob") is Decision.IMPLICIT_DENY
    r = resolver(exclude={"boundary DevBoundary"})
    assert decision(r, "s3:GetObject", who="user bob") is Decision.ALLOWED
    assert decision(r, "ec2:DescribeInstances", who="user bob") is Decision.IMPLICIT_DENY


def test_excluding_the_resource_policy_of_a_cross_account_bucket() -> None:
    for word in (f"resource policy of {SHARED}", "resource policy", SHARED):
        _decides(word, "s3:GetObject", f"{SHARED}/k", Decision.ALLOWED, Decision.IMPLICIT_DENY)


def test_excluding_an_rcp_lifts_its_deny() -> None:
    for word in (f"RCP NoDeletes ({B})", "NoDeletes", "RCP NoDeletes"):
        _decides(word, "s3:DeleteObject", f"{SHARED}/k", Decision.EXPLICIT_DENY, Decision.ALLOWED)


def test_identity_exclusions_keep_working_as_before() -> None:
    _decides(
        "AmazonS3ReadOnlyAccess", "s3:GetObject", "arn:aws:s3:::own/k",
        Decision.ALLOWED, Decision.IMPLICIT_DENY,
    )  # fmt: skip
    _decides(
        "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "s3:GetObject", "arn:aws:s3:::own/k",
        Decision.ALLOWED, Decision.IMPLICIT_DENY,
    )  # fmt: skip
    for word in ("Own", "user alice inline Own"):
        _decides(word, "sqs:SendMessage", "*", Decision.ALLOWED, Decision.IMPLICIT_DENY)


def test_include_restricts_only_the_kinds_it_names() -> None:
    # an identity policy included: the SCP deny still applies
    r = resolver(include={"Own"})
    assert decision(r, "s3:PutObject", "arn:aws:s3:::own/k") is Decision.EXPLICIT_DENY
    assert decision(r, "s3:GetObject", "arn:aws:s3:::own/k") is Decision.IMPLICIT_DENY
    # an SCP key included: the other SCPs are left out, identity policies all count
    r = resolver(
        include={
            "SCP FullAWSAccess (Root)",
            "SCP FullAWSAccess (Sandbox)",
            f"SCP FullAWSAccess ({A})",
        }
    )
    assert decision(r, "s3:PutObject", "arn:aws:s3:::own/k") is Decision.ALLOWED
    assert decision(r, "s3:GetObject", "arn:aws:s3:::own/k") is Decision.ALLOWED
    # a name that addresses nothing leaves the identity side empty, as before
    r = resolver(include={"Nothing"})
    assert decision(r, "s3:GetObject", "arn:aws:s3:::own/k") is Decision.IMPLICIT_DENY


def test_selection_reports_kept_dropped_and_unknown_words() -> None:
    r = resolver(exclude={"boundary", "Nope"}, include={"Own"})
    choices = policy_choices(r, target(r))
    selection = r.policy_filter.select(choices)
    assert [c.key for c in selection.dropped] == [
        "AmazonS3ReadOnlyAccess",
        "group devs inline Describe",
        "boundary DevBoundary",
    ]
    assert "user alice inline Own" in [c.key for c in selection.kept]
    assert selection.unmatched == [("exclude", "Nope")]
    assert PolicyFilter().select(choices).kept == choices


def test_outsiders_have_the_resource_side_only() -> None:
    r = resolver()
    anonymous = r.resolve(parse_principal("anonymous"))
    choices = policy_choices(r, anonymous, f"{SHARED}/k")
    assert [c.kind for c in choices] == ["rcp", "resource"]
    service = r.resolve(parse_principal("service/logging.s3.amazonaws.com"))
    r2 = resolver(exclude={"RCP NoDeletes"})
    assert [
        c.kind for c in r2.policy_filter.select(policy_choices(r2, service, f"{SHARED}/k")).kept
    ] == ["resource"]


def test_a_roles_trust_policy_is_its_resource_policy_for_assume_role() -> None:
    r = resolver()
    role = f"arn:aws:iam::{A}:role/app"
    choices = policy_choices(r, target(r), role, action="sts:AssumeRole")
    assert choices[-1].key == f"resource policy of {role}"
    assert decision(r, "sts:AssumeRole", role) is Decision.IMPLICIT_DENY  # alice holds no grant
    assert not [c for c in policy_choices(r, target(r), role) if c.kind == "resource"]


def test_choices_are_frozen_records() -> None:
    r = resolver()
    choice = policy_choices(r, target(r))[0]
    assert isinstance(choice, PolicyChoice)
    with pytest.raises(AttributeError):
        choice.key = "x"  # type: ignore[misc]

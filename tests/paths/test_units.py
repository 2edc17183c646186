"""Unit tests of the paths modules: the ARN index, stacks, annotations, the admin goal and the
search's hop counting."""

from __future__ import annotations

from pathlib import Path

import pytest

from policysim.account.loaders import load_snapshot
from policysim.account.resolve import Resolver
from policysim.account.workspace import aws_managed
from policysim.engine.result import Decision, Dependency, EvaluationResult, KeyCondition
from policysim.paths import find_paths
from policysim.paths.decide import NO_CHANGE, Change, Decider, annotate
from policysim.paths.goal import AdminGoal
from policysim.paths.nodes import ArnIndex, collect, reads_caller_key


def _resolver(tmp_path: Path, text: str) -> Resolver:
    path = tmp_path / "account.yaml"
    path.write_text(text, encoding="utf-8")
    return Resolver(load_snapshot(path), managed_lookup=aws_managed)


# ---- the ARN index ---------------------------------------------------------------------------


def test_the_arn_index_finds_by_literal_head() -> None:
    index = ArnIndex(
        [
            ("arn:aws:iam::1:role/app-a", 1),
            ("arn:aws:iam::1:role/app-b", 2),
            ("arn:aws:iam::1:role/db", 3),
            ("arn:aws:iam::2:role/app-c", 4),
        ]
    )
    assert sorted(index.candidates("arn:aws:iam::1:role/app-*")) == [1, 2]
    assert sorted(index.candidates("arn:aws:iam::1:role/db")) == [3]
    assert sorted(index.candidates("arn:aws:iam::*:role/app-*")) == [1, 2, 3, 4]
    assert sorted(index.candidates("*")) == [1, 2, 3, 4]
    assert list(index.candidates("arn:aws:iam::1:role/nothing")) == []
    assert sorted(index.candidates("arn:aws:iam::1:role/${aws:username}")) == [1, 2, 3]


# ---- stacks ------------------------------------------------------------------------------------

STACKS = """\
account: "111111111111"
users:
  a: {groups: [devs]}
  b: {groups: [devs]}
  c: {groups: [devs], boundary: B}
  d:
    inline:
      Own:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: iam:PutUserPolicy, Resource: "arn:aws:iam::111111111111:user/${aws:username}"}
  e:
    inline:
      Own:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: iam:PutUserPolicy, Resource: "arn:aws:iam::111111111111:user/${aws:username}"}
groups:
  devs: {policies: [ReadOnlyAccess]}
policies:
  B:
    Version: "2012-10-17"
    Statement: [{Effect: Allow, Action: "*", Resource: "*"}]
"""  # noqa: E501


def test_principals_with_the_same_policies_share_a_stack(tmp_path: Path) -> None:
    principals = collect(_resolver(tmp_path, STACKS))
    stack_of = {n.arn.rsplit("/", 1)[1]: n.stack for n in principals.nodes}
    assert stack_of["a"] is stack_of["b"]
    assert stack_of["c"] is not stack_of["a"]  # a boundary makes another stack
    # a policy that reads the caller (a variable) makes each principal its own stack
    assert stack_of["d"].per_caller and stack_of["d"] is not stack_of["e"]


def test_caller_keys() -> None:
    assert reads_caller_key("aws:PrincipalArn")
    assert reads_caller_key("aws:PrincipalTag/team")
    assert reads_caller_key("aws:username")
    assert not reads_caller_key("aws:SourceIp")
    assert not reads_caller_key("aws:PrincipalAccount")


def test_variables_are_decided_per_caller(tmp_path: Path) -> None:
    report = find_paths(_resolver(tmp_path, STACKS))
    sources = {p.source.rsplit("/", 1)[1]: [h.method.id for h in p.hops] for p in report.paths}
    assert sources == {"d": ["iam-007"], "e": ["iam-007"]}


def _self_service(others: int, untagged: bool = False) -> str:
    own = "arn:aws:iam::111111111111:user/${aws:PrincipalTag/self}"
    lines = [
        'account: "111111111111"',
        "users:",
        "  d:",
        "    inline:",
        "      Own:",
        '        Version: "2012-10-17"',
        "        Statement:",
        "          - {Effect: Allow, Action: iam:PutUserPolicy,"
        ' Resource: "arn:aws:iam::111111111111:user/${aws:username}"}',
        "  t:",
        "    tags: {self: t}",
        "    inline:",
        "      Own:",
        '        Version: "2012-10-17"',
        f'        Statement: [{{Effect: Allow, Action: iam:PutUserPolicy, Resource: "{own}"}}]',
    ]
    if untagged:
        lines += [
            "  untagged:",
            "    inline:",
            "      Own:",
            '        Version: "2012-10-17"',
            f"        Statement: [{{Effect: Allow, Action: iam:PutUserPolicy, Resource: {own!r}}}]",
        ]
    lines += [f"  other-{i}: {{}}" for i in range(others)]
    return "\n".join(lines) + "\n"


def test_caller_variables_narrow_the_candidates(tmp_path: Path) -> None:
    """`user/${aws:username}` names the caller alone: the same paths, and the engine is not
    asked about every other user of the account (the calls do not grow with them)."""
    reports = []
    for others, untagged in ((5, False), (40, False), (5, True)):
        folder = tmp_path / f"{others}-{untagged}"
        folder.mkdir()
        reports.append(find_paths(_resolver(folder, _self_service(others, untagged))))
    for report in reports:
        sources = {p.source.rsplit("/", 1)[1]: [h.method.id for h in p.hops] for p in report.paths}
        # a missing tag leaves the variable unresolved: that statement matches nothing
        assert sources == {"d": ["iam-007"], "t": ["iam-007"]}
    assert reports[0].stats["engine_calls"] == reports[1].stats["engine_calls"]


# ---- annotations -------------------------------------------------------------------------------


def _result(decision: Decision, *dependencies: Dependency) -> EvaluationResult:
    return EvaluationResult(decision, "", depends_on=list(dependencies))


def test_a_key_the_attacker_sets_becomes_a_requirement() -> None:
    mfa = Dependency(
        Decision.ALLOWED, (KeyCondition("aws:MultiFactorAuthPresent", "Bool", ("true",)),)
    )
    assert annotate(_result(Decision.IMPLICIT_DENY, mfa)) == (True, ("requires MFA",))
    external = Dependency(
        Decision.ALLOWED, (KeyCondition("sts:ExternalId", "StringEquals", ("x1",)),)
    )
    allowed, notes = annotate(_result(Decision.IMPLICIT_DENY, external))
    assert allowed and notes == ("requires sts:ExternalId is x1",)


def test_another_key_makes_the_edge_depend_on_it() -> None:
    ip = Dependency(Decision.ALLOWED, (KeyCondition("aws:SourceIp", "IpAddress", ("10.0.0.0/8",)),))
    allowed, notes = annotate(_result(Decision.IMPLICIT_DENY, ip))
    assert allowed and notes[0].startswith("depends on aws:SourceIp (allowed if")
    denied_if = Dependency(
        Decision.EXPLICIT_DENY, (KeyCondition("aws:SourceVpc", "StringEquals", ("vpc-1",)),)
    )
    allowed, notes = annotate(_result(Decision.ALLOWED, denied_if))
    assert allowed and notes[0].startswith("depends on aws:SourceVpc (denied if")


def test_no_way_to_allow_is_no_edge() -> None:
    assert annotate(_result(Decision.IMPLICIT_DENY)) == (False, ())


def test_an_attacker_key_is_preferred_over_another() -> None:
    ip = Dependency(Decision.ALLOWED, (KeyCondition("aws:SourceIp", "IpAddress", ("10.0.0.0/8",)),))
    mfa = Dependency(
        Decision.ALLOWED, (KeyCondition("aws:MultiFactorAuthPresent", "Bool", ("true",)),)
    )
    assert annotate(_result(Decision.IMPLICIT_DENY, ip, mfa)) == (True, ("requires MFA",))


# ---- decisions shared across resources ---------------------------------------------------------

SHARED = """\
account: "111111111111"
users:
  u:
    inline:
      P:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: iam:CreateAccessKey, Resource: "arn:aws:iam::111111111111:user/t-*"}
          - {Effect: Deny, Action: iam:CreateAccessKey, Resource: "arn:aws:iam::111111111111:user/t-9"}
  t-1: {}
  t-2: {}
  t-9: {}
  other: {}
"""  # noqa: E501


def test_resources_the_same_statements_match_share_one_decision(tmp_path: Path) -> None:
    resolver = _resolver(tmp_path, SHARED)
    principals = collect(resolver)
    decider = Decider(resolver)
    node = principals.node_for("arn:aws:iam::111111111111:user/u")
    assert node is not None

    def ask(name: str) -> bool:
        return decider.check(
            node.stack,
            node.target,
            "iam:CreateAccessKey",
            f"arn:aws:iam::111111111111:user/{name}",
            resource_account="111111111111",
        ).allowed

    assert [ask(n) for n in ("t-1", "t-2", "t-9", "other")] == [True, True, False, False]
    assert decider.engine_calls == 3  # t-1 and t-2 are matched by the same statements
    report = find_paths(resolver)
    assert report.paths == []  # no one there is admin: keys to nobody


# ---- admin -------------------------------------------------------------------------------------

ADMINS = """\
accounts:
  - id: "111111111111"
    users:
      full: {policies: [AdministratorAccess]}
      bounded: {policies: [AdministratorAccess], boundary: Half}
      denied:
        policies: [AdministratorAccess]
        inline:
          NoDelete:
            Version: "2012-10-17"
            Statement: [{Effect: Deny, Action: s3:DeleteBucket, Resource: "*"}]
      conditional:
        inline:
          Mfa:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "*", Resource: "*", Condition: {Bool: {aws:MultiFactorAuthPresent: "true"}}}
      singled: {policies: [AdministratorAccess]}
      power: {policies: [PowerUserAccess]}
    policies:
      Half:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]
organization:
  root: {id: r-abcd, scps: [FullAWSAccess]}
  policies:
    Regions:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          NotAction: iam:*
          Resource: "*"
          Condition: {StringNotEquals: {aws:RequestedRegion: [eu-west-1]}}
    NotSingled:
      Version: "2012-10-17"
      Statement:
        - Effect: Deny
          Action: iam:*
          Resource: "*"
          Condition: {ArnEquals: {aws:PrincipalArn: arn:aws:iam::111111111111:user/singled}}
  accounts:
    "111111111111": {scps: [FullAWSAccess, Regions, NotSingled]}
"""  # noqa: E501


def test_admin_means_everything_for_this_principal(tmp_path: Path) -> None:
    resolver = _resolver(tmp_path, ADMINS)
    principals = collect(resolver)
    goal = AdminGoal(Decider(resolver))
    admins = {
        n.arn.rsplit("/", 1)[1] for n in principals.nodes if goal.reached(n, NO_CHANGE) is not None
    }
    # an account-wide SCP (regions) bounds everyone alike; one that singles a principal out,
    # a boundary, a Deny, a condition and a policy short of everything do not leave admin
    assert admins == {"full"}
    bounded = principals.node_for("arn:aws:iam::111111111111:user/bounded")
    assert bounded is not None
    assert goal.reached(bounded, Change(drop_boundary=True)) is not None
    power = principals.node_for("arn:aws:iam::111111111111:user/power")
    assert power is not None
    assert goal.reached(power, Change(allow_all=True)) is not None


# ---- hops and limits ---------------------------------------------------------------------------

CHAIN = """\
account: "111111111111"
users:
  start:
    inline:
      P:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: sts:AssumeRole, Resource: "*"}]
roles:
  r1:
    trust: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:user/start"}, Action: sts:AssumeRole}]}
  r2:
    trust: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:role/r1"}, Action: sts:AssumeRole}]}
  top:
    trust: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "arn:aws:iam::111111111111:role/r2"}, Action: sts:AssumeRole}]}
    policies: [AdministratorAccess]
"""  # noqa: E501


@pytest.mark.parametrize(("limit", "found"), [(None, 3), (3, 3), (2, None), (0, None)])
def test_max_hops_bounds_the_paths(tmp_path: Path, limit: int | None, found: int | None) -> None:
    report = find_paths(
        _resolver(tmp_path, CHAIN), sources=["arn:aws:iam::111111111111:user/start"], max_hops=limit
    )
    lengths = [len(p.hops) for p in report.paths]
    assert lengths == ([] if found is None else [found])


def test_a_trust_naming_the_user_needs_no_identity_policy(tmp_path: Path) -> None:
    text = CHAIN.replace(
        'Action: sts:AssumeRole, Resource: "*"', 'Action: s3:GetObject, Resource: "*"'
    )
    report = find_paths(_resolver(tmp_path, text), sources=["arn:aws:iam::111111111111:user/start"])
    assert [h.method.id for h in report.paths[0].hops] == ["sts-001"] * 3


def test_a_trust_naming_the_account_needs_an_identity_policy(tmp_path: Path) -> None:
    text = CHAIN.replace(
        '{AWS: "arn:aws:iam::111111111111:user/start"}', '{AWS: "arn:aws:iam::111111111111:root"}'
    )
    resolver = _resolver(tmp_path, text)
    assert len(find_paths(resolver, sources=["arn:aws:iam::111111111111:user/start"]).paths) == 1
    text = text.replace(
        'Action: sts:AssumeRole, Resource: "*"', 'Action: s3:GetObject, Resource: "*"'
    )
    resolver = _resolver(tmp_path, text)
    assert find_paths(resolver, sources=["arn:aws:iam::111111111111:user/start"]).paths == []


def test_the_cheapest_fix_is_the_statement_most_paths_use(tmp_path: Path) -> None:
    report = find_paths(_resolver(tmp_path, CHAIN))
    fix = report.cheapest_fix()
    assert fix is not None
    # every path ends with r2 -> top, whose trust statement every one of them relies on
    assert fix.paths == len(report.paths) == 3
    assert "resource policy of arn:aws:iam::111111111111:role/top" in fix.statement.policy_name


def test_unknown_sources_and_actions_are_errors(tmp_path: Path) -> None:
    from policysim.account.errors import AccountError

    resolver = _resolver(tmp_path, CHAIN)
    with pytest.raises(AccountError, match="did you mean 'start'"):
        find_paths(resolver, sources=["arn:aws:iam::111111111111:user/strat"])
    with pytest.raises(AccountError, match="unknown action"):
        find_paths(resolver, ("s3:GetObjekt", "*"))


def test_the_arn_index_ignores_letter_case() -> None:
    index = ArnIndex([("arn:aws:iam::1:role/App-a", 1), ("arn:aws:iam::1:role/db", 2)])
    assert list(index.candidates("ARN:AWS:IAM::1:role/app-*")) == [1]


CONDITIONS = """\
account: "111111111111"
users:
  partner:
    inline:
      P:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: sts:AssumeRole, Resource: "*"}]
roles:
  External:
    trust:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {AWS: "111111111111"}
          Action: sts:AssumeRole
          Condition: {StringEquals: {sts:ExternalId: "k-123"}}
    policies: [AdministratorAccess]
  Office:
    trust:
      Version: "2012-10-17"
      Statement:
        - Effect: Allow
          Principal: {AWS: "111111111111"}
          Action: sts:AssumeRole
          Condition: {IpAddress: {aws:SourceIp: "10.0.0.0/8"}}
    policies: [AdministratorAccess]
"""


def test_condition_keys_become_annotations_end_to_end(tmp_path: Path) -> None:
    from policysim.paths.nodes import collect as collect_nodes

    resolver = _resolver(tmp_path, CONDITIONS)
    principals = collect_nodes(resolver)
    decider = Decider(resolver)
    partner = principals.node_for("arn:aws:iam::111111111111:user/partner")
    assert partner is not None

    def ask(role: str) -> tuple[bool, tuple[str, ...], int]:
        check = decider.check(
            partner.stack,
            partner.target,
            "sts:AssumeRole",
            f"arn:aws:iam::111111111111:role/{role}",
            resource_account="111111111111",
        )
        return check.allowed, check.annotations, len(check.statements)

    allowed, notes, statements = ask("External")
    assert allowed and notes == ("requires sts:ExternalId is k-123",) and statements == 2
    allowed, notes, statements = ask("Office")
    assert allowed and notes[0].startswith("depends on aws:SourceIp (allowed if aws:SourceIp is in")
    report = find_paths(resolver)
    [path] = report.paths
    assert [h.method.id for h in path.hops] == ["sts-001"]


def test_service_linked_roles_are_never_changed(tmp_path: Path) -> None:
    text = """\
account: "111111111111"
users:
  u:
    inline:
      P:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: [iam:PutRolePolicy, sts:AssumeRole], Resource: "*"}]
roles:
  plain: {trust_account: "111111111111"}
  AWSServiceRoleForX:
    path: /aws-service-role/x.amazonaws.com/
    trust_account: "111111111111"
"""
    report = find_paths(_resolver(tmp_path, text))
    [path] = report.paths
    hop = path.hops[0]
    assert hop.method.id == "iam-017" and hop.changed == "arn:aws:iam::111111111111:role/plain"
    resolver = _resolver(tmp_path, text)
    principals = collect(resolver)
    decider = Decider(resolver)
    node = principals.node_for("arn:aws:iam::111111111111:user/u")
    assert node is not None
    answers = [
        decider.check(
            node.stack,
            node.target,
            "iam:PutRolePolicy",
            arn,
            resource_account="111111111111",
        ).allowed
        for arn in (
            "arn:aws:iam::111111111111:role/plain",
            "arn:aws:iam::111111111111:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
        )
    ]
    assert answers == [True, False]


def test_a_walk_names_who_made_the_change() -> None:
    account = Path(__file__).parent / "data" / "own" / "accounts" / "selfmod.yaml"
    report = find_paths(account, sources=["arn:aws:iam::111111111111:user/walker"])
    [path] = report.paths
    last = path.hops[-1]
    assert last.source == "arn:aws:iam::111111111111:role/far" and last.to == "admin"
    assert last.by == "arn:aws:iam::111111111111:user/walker"
    assert last.changed == "arn:aws:iam::111111111111:role/far"
    assert [c.action for c in last.checks] == ["iam:PutRolePolicy", "*"]
    assert last.checks[-1].evidence and not last.checks[0].evidence


def test_of_two_equal_paths_the_one_without_a_caveat_is_reported(tmp_path: Path) -> None:
    text = """\
account: "111111111111"
users:
  u: {policies: [Mine]}
policies:
  Mine:
    Version: "2012-10-17"
    Statement:
      - Effect: Allow
        Action: [iam:SetDefaultPolicyVersion, iam:CreatePolicyVersion]
        Resource: "*"
"""
    [path] = find_paths(_resolver(tmp_path, text)).paths
    assert [h.method.id for h in path.hops] == ["iam-001"]
    assert path.hops[0].annotations == ()


REDUNDANT = """\
account: "111111111111"
users:
  a: {groups: [g]}
  b: {groups: [g]}
groups:
  g:
    inline:
      Assume:
        Version: "2012-10-17"
        Statement:
          - {Sid: Any, Effect: Allow, Action: sts:AssumeRole, Resource: "*"}
          - {Sid: Named, Effect: Allow, Action: sts:AssumeRole, Resource: "arn:aws:iam::111111111111:role/Admin"}
roles:
  Admin:
    trust:
      Version: "2012-10-17"
      Statement:
        - {Sid: Account, Effect: Allow, Principal: {AWS: "111111111111"}, Action: sts:AssumeRole}
    policies: [AdministratorAccess]
"""  # noqa: E501


def test_the_checked_fix_is_the_statement_whose_removal_cuts(tmp_path: Path) -> None:
    from policysim.paths.fix import verified_fix

    resolver = _resolver(tmp_path, REDUNDANT)
    report = find_paths(resolver)
    assert len(report.paths) == 2
    # both identity statements and the trust statement are used by both paths; removing
    # either identity statement leaves the other, removing the trust statement cuts both
    fix = verified_fix(resolver, report, "admin")
    assert fix is not None and fix.cuts == 2 and fix.statement.sid == "Account"
    group = resolver.snapshot.accounts["111111111111"].groups["g"]
    assert [s.sid for s in group.inline_policies["Assume"].statements] == ["Any", "Named"]
    # the document is restored: the same search finds the same paths
    assert [p.source for p in find_paths(resolver).paths] == [p.source for p in report.paths]


def test_the_fix_is_checked_in_authorization_details_too() -> None:
    from policysim.paths.fix import verified_fix

    details = Path(__file__).parents[1] / "account" / "data" / "cloudsplaining-example.json"
    resolver = Resolver(load_snapshot(details), managed_lookup=aws_managed)
    report = find_paths(resolver)
    fix = verified_fix(resolver, report, "admin")
    assert fix is not None and fix.cuts is not None and 0 < fix.cuts <= fix.paths


# ---- what the builder may leave out ------------------------------------------------------------

_DATA = Path(__file__).parent / "data"
ACCOUNTS = sorted([*(_DATA / "accounts").glob("*.yaml"), *(_DATA / "own" / "accounts").glob("*")])


@pytest.mark.parametrize("account", ACCOUNTS, ids=lambda p: p.stem)
def test_edges_of_principals_at_the_goal_change_no_answer(
    account: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The builder leaves out the edges and modifications of stacks already at the goal:
    every report is the same as when it builds them too."""
    from policysim.paths.edges import Builder

    pruned = find_paths(account)
    monkeypatch.setattr(Builder, "at_goal", lambda self, stack: False)
    full = find_paths(account)
    assert pruned.to_json() == full.to_json()
    assert pruned.stats["modifications"] <= full.stats["modifications"]
    assert pruned.stats["edges"] <= full.stats["edges"]


def test_an_admin_changes_nothing_the_search_would_use(tmp_path: Path) -> None:
    text = """\
account: "111111111111"
users:
  root-like: {policies: [AdministratorAccess]}
  dev: {}
"""
    report = find_paths(_resolver(tmp_path, text))
    assert list(report.reached) == ["arn:aws:iam::111111111111:user/root-like"]
    assert report.paths == [] and report.stats["modifications"] == 0
    assert report.stats["edges"] == 0  # it could become dev, but has nowhere further to go

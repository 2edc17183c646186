"""Actions the IAM catalog does not list yet: the prover never says PASS when one is newly
allowed.

AWS adds actions every week; a policy that allows `s3:*` or `s3:GetObject*` allows them as soon
as they exist, and they may name resources no catalog action names. The property test draws
policy pairs and requests whose actions include such names, and has the engine (which decides
any action name by its Action/NotAction patterns) say whether NEW gains access: if it does,
the prover must not answer PASS.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.catalog import get_catalog
from policysim.catalog.arguments import check_request, resource_problem
from policysim.diff import Outcome, diff_documents, verify_not_granted
from policysim.diff.actions import action_classes
from policysim.diff.api import document_sets
from policysim.diff.automata import glob_nfa, signature_classes, signature_of, witness_avoiding
from policysim.diff.prove import all_statements
from policysim.engine.compiled import NamedPolicy, PolicySet, compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.evaluate import evaluate
from policysim.policy.errors import PolicyError
from policysim.policy.model import Policy


def policy(items: list[dict[str, Any]]) -> Policy:
    return Policy.model_validate({"Version": "2012-10-17", "Statement": items})


def unlisted_names(*documents: Policy, rcp: bool = False) -> list[str]:
    statements = []
    for document in documents:
        compiled = compile_policy_set(PolicySet(identity=[NamedPolicy(document, "p")]))
        statements += all_statements(compiled)
    classes = action_classes(statements, rcp_sensitive=rcp)
    return [name for c in classes if c.unlisted for name in c.members]


# ---- the search for names ----------------------------------------------------------------


def test_signature_classes_see_strings_that_return_to_the_start() -> None:
    """`*` alone: every non-empty string is accepted and leads back to the start state."""
    assert signature_classes([glob_nfa("*")], letters=["a"]) == {(True,): "a"}


def test_witness_avoiding_skips_the_excluded_names() -> None:
    nfas = [glob_nfa("get*")]
    letters = ["a", "g", "e", "t"]
    assert witness_avoiding(nfas, (True,), [], letters) == "get"
    found = witness_avoiding(nfas, (True,), ["get", "geta"], letters)
    assert found is not None and found.startswith("get") and found not in ("get", "geta")
    assert signature_of(nfas, found) == (True,)
    # a finite language wholly excluded: no name at all
    assert witness_avoiding([glob_nfa("getobject")], (True,), ["getobject"], letters) is None


# ---- the classes -------------------------------------------------------------------------


def test_placeholder_names_are_marked_and_not_catalog_actions() -> None:
    names = unlisted_names(
        policy([{"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}])
    )
    catalog = get_catalog()
    assert "s3:GetObjectUnlisted" in names
    assert "unlistedservice:UnlistedAction" in names
    for name in names:
        assert "Unlisted" in name
        assert catalog.action(name) is None


def test_a_pattern_whose_shortest_name_is_a_catalog_action_still_has_an_unlisted_class() -> None:
    """`s3:GetObject*`: the shortest name it matches is `GetObject` (a catalog action); its
    future actions are still asked about."""
    names = unlisted_names(
        policy([{"Effect": "Allow", "Action": "s3:GetObject*", "Resource": "*"}])
    )
    assert any(n.lower().startswith("s3:getobject") for n in names)


def test_a_literal_action_has_no_unlisted_class() -> None:
    """Only `s3:GetObject` itself matches `s3:GetObject`, and it is in the catalog."""
    names = unlisted_names(policy([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))
    assert all(not n.lower().startswith("s3:getobject") for n in names)
    assert "s3:UnlistedAction" in names  # s3's other future actions match nothing


def test_every_named_service_gets_unlisted_classes_including_star_patterns() -> None:
    names = unlisted_names(
        policy(
            [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "NotAction": ["ec2:*", "iam:Get*"], "Resource": "*"},
            ]
        )
    )
    assert "ec2:UnlistedAction" in names
    assert any(n.lower().startswith("iam:get") for n in names)
    assert "iam:UnlistedAction" in names


def test_a_wildcard_in_the_prefix_names_no_service() -> None:
    """The engine compares prefixes literally: `s3*:Get*` matches no real action."""
    names = unlisted_names(policy([{"Effect": "Allow", "Action": "s3*:Get*", "Resource": "*"}]))
    assert names == ["unlistedservice:UnlistedAction"]
    report = diff_documents(
        policy([]), policy([{"Effect": "Allow", "Action": "s3*:Get*", "Resource": "*"}]), "identity"
    )
    assert report.result is Outcome.PASS


def test_rcps_split_the_unnamed_services() -> None:
    document = policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    assert unlisted_names(document) == ["unlistedservice:UnlistedAction"]
    with_rcp = unlisted_names(document, rcp=True)
    assert len(with_rcp) == 2
    service = with_rcp[1].partition(":")[0]
    assert service in get_catalog().rcp_supported_services()


def test_verify_not_granted_asks_about_unlisted_actions_of_the_pattern() -> None:
    grant = policy([{"Effect": "Allow", "Action": "s3:GetObjectZ*", "Resource": "*"}])
    report = verify_not_granted(grant, "identity", ["s3:Get*"])
    assert report.result is Outcome.FAIL
    (finding,) = report.findings
    assert finding.unlisted and finding.request.action.lower().startswith("s3:getobjectz")
    assert verify_not_granted(grant, "identity", ["s3:List*"]).result is Outcome.PASS
    assert verify_not_granted(grant, "identity", ["s3:GetObject"]).result is Outcome.PASS


def test_verify_not_granted_refuses_unknown_actions() -> None:
    grant = policy([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    for bad in ("s3:GetObjcet", "s3:Gte*", "s3x:GetObject"):
        try:
            verify_not_granted(grant, "identity", [bad])
        except ValueError as err:
            assert repr(bad) in str(err) or "s3x" in str(err)
        else:
            raise AssertionError(f"{bad} was accepted")


# ---- the property: engine as the oracle ----------------------------------------------------

ACTIONS = [
    "s3:GetObject",
    "s3:GetObject*",
    "s3:Get*",
    "s3:*",
    "*",
    "s3:GetObjectZ*",
    "s3:?etObject*",
    "s3:*Object",
    "s3:Frob*",
    "ec2:*",
    "newservice:*",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::*",
    "arn:aws:ec2:*:*:*",
    "arn:aws:iam::*:role/*",
    "arn:aws:*:*:*:*",
]
REQUEST_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:GetObjectZap",
    "s3:GetObjectLegalHoldX",
    "s3:Frobnicate",
    "s3:Unobject",
    "ec2:Zap",
    "ec2:TerminateInstances",
    "newservice:DoIt",
    "otherservice:DoIt",
]
REQUEST_RESOURCES = [
    "*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    "arn:aws:iam::111122223333:role/r",
    "arn:aws:lambda:us-east-1:111122223333:function:f",
]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {"Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True))
    out["NotAction" if draw(st.integers(0, 4)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2, unique=True))
    out["NotResource" if draw(st.integers(0, 3)) == 0 else "Resource"] = resources
    return out


def engine_gains(old: Policy, new: Policy, action: str, resource: str) -> bool:
    """The engine's answer for a request a caller could send: a catalog action on a resource
    of its types, or an action the catalog does not list on any resource."""
    if get_catalog().action(action) is None:
        if resource_problem(resource) is not None:
            return False
    else:
        try:
            check_request(action, resource)
        except PolicyError:
            return False
    ((old_set, new_set, _),) = document_sets(old, new, "identity")
    built = build_request(
        "arn:aws:iam::111122223333:user/alice", action, resource, resource_account="111122223333"
    )
    return (
        evaluate(compile_policy_set(new_set), built).allowed
        and not evaluate(compile_policy_set(old_set), built).allowed
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.lists(statements(), max_size=3),
    st.lists(statements(), min_size=1, max_size=3),
    st.lists(
        st.tuples(st.sampled_from(REQUEST_ACTIONS), st.sampled_from(REQUEST_RESOURCES)),
        min_size=1,
        max_size=8,
    ),
)
def test_engine_gain_with_unlisted_actions_means_not_pass(
    old_items: list[dict[str, Any]],
    new_items: list[dict[str, Any]],
    probes: list[tuple[str, str]],
) -> None:
    old, new = policy(old_items), policy(new_items)
    report = diff_documents(old, new, "identity")
    ((old_set, new_set, _),) = document_sets(old, new, "identity")
    for finding in report.findings:  # every witness re-checks, unlisted ones included
        assert evaluate(compile_policy_set(new_set), finding.request).allowed
        assert not evaluate(compile_policy_set(old_set), finding.request).allowed
        assert finding.unlisted == (get_catalog().action(finding.request.action) is None)
    if any(engine_gains(old, new, action, resource) for action, resource in probes):
        assert report.result is not Outcome.PASS, report.to_json()

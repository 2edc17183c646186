"""The hand-written diff and public-access cases are right, proved with the engine alone.

`data/pairs.yaml` and `data/public.yaml` are the answers the prover (`policysim diff`, `verify`)
is tested against; this module proves the answers themselves, independently of the prover:
every FAIL witness is allowed by NEW and not by OLD, every PASS probe allowed by NEW is allowed
by OLD, every public/not-public answer follows the one definition (`policysim.policy.public`),
and every public policy lets a caller from another account in, all decided by the same
evaluation `policysim simulate` uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from policysim.catalog import get_catalog
from policysim.engine.compiled import compile_policy_set
from policysim.engine.context_keys import build_request
from policysim.engine.evaluate import evaluate
from policysim.engine.result import Decision
from policysim.policy.build import policy_from_data
from policysim.policy.kinds import PolicyKind
from policysim.policy.public import is_public_policy
from policysim.simulate.cases import parse_case, run_case

DATA = Path(__file__).parent / "data"
PAIRS: list[dict[str, Any]] = yaml.safe_load((DATA / "pairs.yaml").read_text())
PUBLIC: list[dict[str, Any]] = yaml.safe_load((DATA / "public.yaml").read_text())

DEFAULT_PRINCIPAL = "arn:aws:iam::111122223333:user/alice"
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
TYPES = ("identity", "resource", "trust", "scp", "rcp", "boundary")
RESOURCE_TYPES = {
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Lambda::Function",
    "AWS::SecretsManager::Secret",
    "AWS::IAM::AssumeRolePolicyDocument",
}


def _account_of(arn: str) -> str:
    return arn.split(":")[4]


def _case(policy_type: str, document: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """A batch case in which `document`, of `policy_type`, decides `request` by itself."""
    request = {"principal": DEFAULT_PRINCIPAL, **request}
    case: dict[str, Any] = {"request": request}
    if policy_type == "identity":
        case["identity_policies"] = [document]
    elif policy_type in ("resource", "trust"):
        # The resource's policy alone: a caller of another account needs its own account's
        # permission too, which is taken as given (everything); a caller of the resource's
        # account gets nothing from identity policies.
        resource_account = request.get("resource_account") or _account_of(request["resource"])
        cross = _account_of(request["principal"]) != resource_account
        case["identity_policies"] = [ALLOW_ALL] if cross else []
        case["resource_policy"] = document
    else:
        case["identity_policies"] = [ALLOW_ALL]
        if policy_type == "scp":
            case["scps"] = [[document]]
        elif policy_type == "rcp":
            case["rcps"] = [[document]]
        else:
            case["permission_boundaries"] = [document]
    return case


def _decide(policy_type: str, document: dict[str, Any], request: dict[str, Any]) -> Decision:
    request = dict(request)
    if not request.pop("unlisted", False):
        return run_case(parse_case(_case(policy_type, document, request))).decision
    # An action the catalog does not list: `policysim simulate` refuses the name for a known
    # service (a typo in a request someone wrote), so the engine decides it directly, under
    # the policies simulate would read for the case.
    assert get_catalog().action(request["action"]) is None, "not an unlisted action"
    case = _case(policy_type, document, request)
    case["request"] = {**case["request"], "action": "sts:GetCallerIdentity", "resource": "*"}
    policies = parse_case(case).policies
    built = build_request(
        request.get("principal", DEFAULT_PRINCIPAL),
        request["action"],
        request.get("resource", "*"),
        resource_account=request.get("resource_account", "111122223333"),
        context=request.get("context", {}),
    )
    return evaluate(compile_policy_set(policies), built).decision


def test_there_are_enough_cases() -> None:
    assert len(PAIRS) >= 25
    assert len(PUBLIC) >= 30
    assert len({p["id"] for p in PAIRS}) == len(PAIRS)
    assert len({p["id"] for p in PUBLIC}) == len(PUBLIC)
    assert {p["expected"] for p in PAIRS} == {"PASS", "FAIL"}
    assert {p["public"] for p in PUBLIC} == {True, False}
    assert {p["resource_type"] for p in PUBLIC} >= RESOURCE_TYPES


@pytest.mark.parametrize("pair", PAIRS, ids=[p["id"] for p in PAIRS])
def test_pair_documents_are_valid_for_their_type(pair: dict[str, Any]) -> None:
    assert pair["type"] in TYPES
    assert pair["expected"] in ("PASS", "FAIL")
    kind = PolicyKind(pair["type"])
    for side in ("old", "new"):
        policy_from_data(pair[side], file=f"{pair['id']}.{side}", kind=kind)


@pytest.mark.parametrize(
    "pair", [p for p in PAIRS if p["expected"] == "FAIL"], ids=lambda p: p["id"]
)
def test_fail_witness_is_new_access(pair: dict[str, Any]) -> None:
    witness = pair["witness"]
    assert _decide(pair["type"], pair["new"], witness) is Decision.ALLOWED, "NEW must allow it"
    assert _decide(pair["type"], pair["old"], witness) is not Decision.ALLOWED, (
        "OLD must not allow it"
    )


@pytest.mark.parametrize(
    "pair", [p for p in PAIRS if p["expected"] == "PASS"], ids=lambda p: p["id"]
)
def test_pass_probe_is_old_access(pair: dict[str, Any]) -> None:
    assert "witness" not in pair
    probe = pair["probe"]
    assert _decide(pair["type"], pair["new"], probe) is Decision.ALLOWED
    assert _decide(pair["type"], pair["old"], probe) is Decision.ALLOWED


@pytest.mark.parametrize("case", PUBLIC, ids=[p["id"] for p in PUBLIC])
def test_public_answer_follows_the_definition(case: dict[str, Any]) -> None:
    kind = (
        PolicyKind.TRUST
        if case["resource_type"] == "AWS::IAM::AssumeRolePolicyDocument"
        else PolicyKind.RESOURCE
    )
    policy = policy_from_data(case["policy"], file=case["id"], kind=kind)
    assert is_public_policy(policy) is case["public"]


@pytest.mark.parametrize("case", [p for p in PUBLIC if p["public"]], ids=lambda p: p["id"])
def test_public_witness_is_an_outsider_let_in(case: dict[str, Any]) -> None:
    witness = case["witness"]
    assert _account_of(witness["principal"]) != witness["resource_account"]
    assert _decide("resource", case["policy"], witness) is Decision.ALLOWED


@pytest.mark.parametrize("case", [p for p in PUBLIC if not p["public"]], ids=lambda p: p["id"])
def test_not_public_cases_carry_no_witness(case: dict[str, Any]) -> None:
    assert "witness" not in case

"""Properties of the decision procedure and of the policy parser, over generated policies.

The generated policies are small but reach every policy set (identity, resource, boundary,
session, SCP and RCP levels) and the element kinds that matter (Action/NotAction,
Resource/NotResource with wildcards, Principal forms, simple conditions), for same- and
cross-account callers. The decision properties are the laws of spec §1: deny wins, allows only
add, order never matters. The parser properties say the positional parser, the plain one and
`Policy.to_json` agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policysim.api import evaluate
from policysim.engine.compiled import PolicySet
from policysim.engine.result import Decision
from policysim.policy.build import parse_policy, policy_from_data

from .support import ACCOUNT, ALICE, CAROL, OTHER_ACCOUNT, ROLE, SESSION, policy_set, request

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the alphabet of requests ------------------------------------------------------------------

KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k1"
REQUEST_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "ec2:StartInstances",
    "kms:Decrypt",
]
REQUEST_RESOURCES = [
    "arn:aws:s3:::bucket/a",
    "arn:aws:s3:::bucket/b/c",
    "arn:aws:s3:::other/a",
    "arn:aws:s3:::bucket",
    KEY,
    "*",
]
CALLERS = [
    (ALICE, {}),
    (ALICE, {}),
    (SESSION, {"aws:PrincipalArn": ROLE}),
    (SESSION, {"aws:PrincipalArn": ROLE}),
    (CAROL, {}),
]
CONTEXTS: list[dict[str, str | list[str]]] = [
    {},
    {"aws:SecureTransport": "true", "aws:SourceIp": "10.1.2.3"},
    {"aws:SecureTransport": "false", "aws:PrincipalTag/team": "blue", "aws:TagKeys": ["a"]},
    {"aws:SourceIp": "192.0.2.1", "aws:TagKeys": ["a", "b"], "s3:prefix": "home/x"},
]

# --- the alphabet of policies ------------------------------------------------------------------

# Broad patterns appear several times so that statements often apply to the request.
ACTION_PATTERNS = [
    "*",
    "*",
    "s3:*",
    "s3:*",
    "s3:GetObject",
    "s3:Get*",
    "s3:*Object",
    "s3:?utObject",
    "S3:listbucket",
    "ec2:*",
    "ec2:Start*",
    "kms:*",
    "kms:Decrypt",
]
RESOURCE_PATTERNS = [
    "*",
    "*",
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::*",
    "arn:aws:s3:::bucket/?",
    "arn:aws:s3:::other/a",
    "arn:aws:kms:*:*:key/*",
    KEY,
]
CONDITIONS: list[dict[str, Any]] = [
    {"Bool": {"aws:SecureTransport": "true"}},
    {"BoolIfExists": {"aws:SecureTransport": "false"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "172.16.0.0/12"]}},
    {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
    {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
    {"StringLike": {"s3:prefix": "home/*"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "c"]}},
    {"Null": {"aws:SourceIp": "true"}},
]
PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": ACCOUNT},
    {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"},
    {"AWS": ALICE},
    {"AWS": ROLE},
    {"AWS": [SESSION, CAROL]},
]


def one_or_more(values: list[Any]) -> st.SearchStrategy[Any]:
    """A single value or a short list of them: both spellings AWS accepts."""
    return st.one_of(
        st.sampled_from(values), st.lists(st.sampled_from(values), min_size=1, max_size=3)
    )


@st.composite
def statements(
    draw: st.DrawFn,
    *,
    effect: str | None = None,
    with_principal: bool = False,
    conditional: bool | None = None,
) -> dict[str, Any]:
    # Mostly Allow, so that a fair share of generated requests is allowed.
    out: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow"] * 4 + ["Deny"]))}
    if with_principal:
        negated = out["Effect"] == "Deny" and draw(st.integers(0, 4)) == 0
        out["NotPrincipal" if negated else "Principal"] = draw(st.sampled_from(PRINCIPALS))
    action_key = draw(st.sampled_from(["Action", "Action", "Action", "NotAction"]))
    out[action_key] = draw(one_or_more(ACTION_PATTERNS))
    resource_key = draw(st.sampled_from(["Resource", "Resource", "Resource", "NotResource"]))
    out[resource_key] = draw(one_or_more(RESOURCE_PATTERNS))
    if conditional is None:
        conditional = draw(st.sampled_from([True, False, False]))
    if conditional:
        condition: dict[str, Any] = {}
        for block in draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=2)):
            for operator, entries in block.items():
                condition.setdefault(operator, {}).update(entries)
        out["Condition"] = condition
    return out


def documents(*, with_principal: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    return st.lists(statements(with_principal=with_principal), min_size=1, max_size=3).map(
        lambda body: {"Version": "2012-10-17", "Statement": body}
    )


def rcp_documents() -> st.SearchStrategy[dict[str, Any]]:
    """Customer RCPs may only deny, with Principal "*" (RCPFullAWSAccess is implicit); real
    ones are conditional."""
    deny = statements(effect="Deny", conditional=True).map(lambda s: {**s, "Principal": "*"})
    return st.lists(deny, min_size=1, max_size=2).map(
        lambda body: {"Version": "2012-10-17", "Statement": body}
    )


ALLOW_EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@st.composite
def level(draw: st.DrawFn, documents: st.SearchStrategy[dict[str, Any]]) -> list[dict[str, Any]]:
    """The policies attached at one organization level; usually FullAWSAccess among them."""
    attached = draw(st.lists(documents, min_size=1, max_size=2))
    if draw(st.integers(0, 3)):
        attached.insert(0, ALLOW_EVERYTHING)
    return attached


def levels(documents: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    return st.lists(level(documents), min_size=1, max_size=2)


@dataclass
class Scenario:
    """A generated policy set (as plain documents) and a request."""

    sets: dict[str, Any]
    caller: str
    action: str
    resource: str
    context: dict[str, Any] = field(default_factory=dict)

    def decide(self, sets: dict[str, Any] | None = None) -> Decision:
        req = request(self.caller, self.action, self.resource, context=self.context)
        ps: PolicySet = policy_set(**(sets if sets is not None else self.sets))
        return evaluate(ps, req).decision

    def places(self, *, resource_ok: bool = True) -> list[tuple[str, int, int]]:
        """Where a statement can be appended: (set, level or policy index, policy index)."""
        out: list[tuple[str, int, int]] = [
            ("identity", i, 0) for i in range(len(self.sets["identity"]))
        ]
        out.append(("identity-new", 0, 0))
        for name in ("boundary", "session"):
            if self.sets[name] is not None:
                out.append((name, 0, 0))
        if resource_ok and self.sets["resource"] is not None:
            out.append(("resource", 0, 0))
        for name in ("scps", "rcps"):
            for i, level in enumerate(self.sets[name] or []):
                out.extend((name, i, j) for j in range(len(level)))
        return out


def sometimes(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly None: these sets only restrict, and each one present makes Allowed rarer."""
    return st.sampled_from([False, False, True]).flatmap(lambda on: values if on else st.none())


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    caller, derived = draw(st.sampled_from(CALLERS))
    context = {**draw(st.sampled_from(CONTEXTS)), **derived}
    sets = {
        "identity": draw(
            st.lists(documents(), min_size=draw(st.sampled_from([0, 1, 1])), max_size=2)
        ),
        "resource": draw(st.none() | documents(with_principal=True)),
        "boundary": draw(sometimes(documents())),
        "session": draw(sometimes(documents())),
        "scps": draw(sometimes(levels(documents()))),
        "rcps": draw(sometimes(levels(rcp_documents()))),
    }
    return Scenario(
        sets,
        caller,
        draw(st.sampled_from(REQUEST_ACTIONS)),
        draw(st.sampled_from(REQUEST_RESOURCES)),
        context,
    )


def with_statement(sets: dict[str, Any], place: tuple[str, int, int], new: dict) -> dict:
    """A deep copy of `sets` with `new` appended to the policy at `place`."""
    out = json.loads(json.dumps(sets))
    name, i, j = place
    if name == "identity-new":
        out["identity"].append({"Version": "2012-10-17", "Statement": [new]})
    elif name == "identity":
        out["identity"][i]["Statement"].append(new)
    elif name in ("scps", "rcps"):
        out[name][i][j]["Statement"].append(new)
    else:
        out[name]["Statement"].append(new)
    return out


def statement_for(place: tuple[str, int, int], effect: str) -> st.SearchStrategy[dict]:
    if place[0] == "resource":
        return statements(effect=effect, with_principal=True)
    if place[0] == "rcps":
        return statements(effect=effect).map(lambda s: {**s, "Principal": "*"})
    return statements(effect=effect)


# --- decision laws -----------------------------------------------------------------------------


@SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_adding_a_deny_never_allows_more(scenario: Scenario, data: st.DataObject) -> None:
    before = scenario.decide()
    place = data.draw(st.sampled_from(scenario.places()))
    new = data.draw(statement_for(place, "Deny"))
    after = scenario.decide(with_statement(scenario.sets, place, new))
    # A Deny can only add an explicit deny; it never grants, nor turns Allowed into ImplicitDeny.
    assert after in (before, Decision.EXPLICIT_DENY)
    if before is not Decision.ALLOWED:
        assert after is not Decision.ALLOWED


@SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_adding_an_allow_never_denies_more(scenario: Scenario, data: st.DataObject) -> None:
    before = scenario.decide()
    place = data.draw(st.sampled_from(scenario.places()))
    new = data.draw(statement_for(place, "Allow"))
    after = scenario.decide(with_statement(scenario.sets, place, new))
    if before is Decision.ALLOWED:
        assert after is Decision.ALLOWED
    elif before is Decision.EXPLICIT_DENY:
        assert after is Decision.EXPLICIT_DENY
    else:
        assert after is not Decision.EXPLICIT_DENY


@SETTINGS
@given(scenario=scenarios(), data=st.data())
def test_order_of_statements_and_policies_never_matters(
    scenario: Scenario, data: st.DataObject
) -> None:
    def shuffled(items: list[Any]) -> list[Any]:
        return data.draw(st.permutations(items))

    def shuffle_doc(document: dict[str, Any] | None) -> dict[str, Any] | None:
        if document is None:
            return None
        return {**document, "Statement": shuffled(document["Statement"])}

    sets = scenario.sets
    reordered = {
        "identity": shuffled([shuffle_doc(d) for d in sets["identity"]]),
        "resource": shuffle_doc(sets["resource"]),
        "boundary": shuffle_doc(sets["boundary"]),
        "session": shuffle_doc(sets["session"]),
        **{
            name: None
            if sets[name] is None
            else [shuffled([shuffle_doc(d) for d in level]) for level in sets[name]]
            for name in ("scps", "rcps")
        },
    }
    assert scenario.decide(reordered) is scenario.decide()


# --- parser laws -------------------------------------------------------------------------------

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12
)  # quotes, backslashes, control characters and non-ASCII included
NAMES = st.text(st.sampled_from("abcXYZ09:/*?-_${}'. é"), min_size=1, max_size=12)
CONDITION_KEYS = st.text(st.sampled_from("abcXYZ09:/-_"), min_size=1, max_size=10)
OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringNotLikeIfExists",
        "ForAnyValue:StringLike",
        "ForAllValues:NumericLessThan",
        "Bool",
        "DateGreaterThan",
        "IpAddress",
        "ArnNotEquals",
        "Null",
        "binaryequals",
    ]
)
SCALARS = st.one_of(
    TEXT,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)


def strings(values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.one_of(values, st.lists(values, max_size=3))


PRINCIPAL_VALUES = st.one_of(
    st.just("*"),
    st.dictionaries(
        st.sampled_from(["AWS", "Service", "Federated", "CanonicalUser"]),
        strings(NAMES),
        max_size=3,
    ),
)


@st.composite
def any_statement(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["Sid"] = draw(TEXT)
    out["Effect"] = draw(st.sampled_from(["Allow", "Deny"]))
    principal = draw(st.sampled_from([None, "Principal", "NotPrincipal"]))
    if principal:
        out[principal] = draw(PRINCIPAL_VALUES)
    out[draw(st.sampled_from(["Action", "NotAction"]))] = draw(strings(NAMES))
    resource = draw(st.sampled_from([None, "Resource", "NotResource"]))
    if resource:
        out[resource] = draw(strings(NAMES))
    if draw(st.booleans()):
        out["Condition"] = draw(
            st.dictionaries(
                OPERATORS,
                st.dictionaries(
                    CONDITION_KEYS, st.one_of(SCALARS, st.lists(SCALARS, max_size=3)), max_size=2
                ),
                max_size=3,
            )
        )
    return out


@st.composite
def any_document(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    version = draw(st.sampled_from([None, "2012-10-17", "2008-10-17"]))
    if version:
        out["Version"] = version
    if draw(st.booleans()):
        out["Id"] = draw(TEXT)
    body = draw(st.lists(any_statement(), max_size=3))
    out["Statement"] = body[0] if len(body) == 1 and draw(st.booleans()) else body
    return out


def dumps(document: dict[str, Any], style: int) -> str:
    """JSON text in one of a few layouts, so positions and escapes vary."""
    if style == 0:
        return json.dumps(document)
    if style == 1:
        return json.dumps(document, indent=2, ensure_ascii=False)
    return json.dumps(document, separators=(",", ":"), indent="\t")


@SETTINGS
@given(document=any_document(), style=st.integers(0, 2))
def test_positional_and_plain_parsers_build_equal_models(
    document: dict[str, Any], style: int
) -> None:
    text = dumps(document, style)
    located = parse_policy(text, "p.json")
    plain = policy_from_data(json.loads(text))
    # Model equality compares the elements, not where they were read from.
    assert located == plain
    assert located.model_dump() == plain.model_dump()
    assert located.position is not None
    assert all(s.position is not None for s in located.statements)


@SETTINGS
@given(document=any_document(), style=st.integers(0, 2))
def test_parse_serialize_parse_is_the_identity(document: dict[str, Any], style: int) -> None:
    first = parse_policy(dumps(document, style), "p.json")
    again_text = dumps(first.to_json(), style)
    second = parse_policy(again_text, "p.json")
    assert second == first
    assert policy_from_data(first.to_json()) == policy_from_data(json.loads(again_text))
    assert second.to_json() == first.to_json()

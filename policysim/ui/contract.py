"""TEMPORARY stand-in for the library pieces of UI_CONTRACT §1-2 (owned by branch cli-select):
`PolicyChoice`/`policy_choices`, `policy_text` and `statement_line_span`. Deleted once that
branch is merged; the page imports these names from here only.

Until then only identity policies can be left out (today's `PolicyFilter`): the other choices
are listed but `excludable` is False for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from policysim.account.resolve import Resolver, Target
from policysim.engine.result import PolicyType
from policysim.policy.model import Policy

ChoiceKind = Literal["identity", "boundary", "scp", "rcp", "resource"]


@dataclass(frozen=True, slots=True)
class PolicyChoice:
    """One policy that can take part in a request (UI_CONTRACT §1)."""

    key: str
    kind: ChoiceKind
    label: str
    matched_name: str
    policy_type: PolicyType
    arn: str | None
    policy: Policy

    @property
    def excludable(self) -> bool:
        """Whether leaving it out is supported yet (identity only until cli-select lands)."""
        return self.kind == "identity"


def policy_choices(resolver: Resolver, target: Target, resource: str = "*") -> list[PolicyChoice]:
    """Every policy that can take part in a request by `target` on `resource`."""
    out: list[PolicyChoice] = []
    for names, key, document in resolver._attached(target):
        arn = names[1] if names[1].startswith("arn:") else None
        label = names[1] if arn is None else f"managed {names[0]}"
        out.append(
            PolicyChoice(names[1], "identity", label, key[1], PolicyType.IDENTITY, arn, document)
        )
    for named in resolver.boundary(target) or []:
        label = f"permissions boundary {named.name.removeprefix('boundary ')}"
        out.append(
            PolicyChoice(
                named.name, "boundary", label, named.name, PolicyType.BOUNDARY, None, named.policy
            )
        )
    org_kinds: tuple[tuple[Literal["scp", "rcp"], PolicyType], ...] = (
        ("scp", PolicyType.SCP),
        ("rcp", PolicyType.RCP),
    )
    for kind, policy_type in org_kinds:
        for level in resolver.org_levels(target.account.id, kind) or []:
            for named in level:
                out.append(
                    PolicyChoice(
                        named.name, kind, named.name, named.name, policy_type, None, named.policy
                    )
                )
    entry, _ = resolver.find_resource(resource, "")
    if entry is not None and entry.policy is not None:
        name = f"resource policy of {entry.arn}"
        out.append(
            PolicyChoice(name, "resource", name, name, PolicyType.RESOURCE, entry.arn, entry.policy)
        )
    return out


def policy_text(policy: Policy) -> str:
    """Pretty JSON of the whole document, statements in order."""
    return "\n".join(_text_lines(policy)[0])


def statement_text(policy: Policy, index: int) -> str:
    """Pretty JSON of one statement."""
    return json.dumps(policy.statements[index].to_json(), indent=2)


def statement_line_span(policy: Policy, index: int) -> tuple[int, int]:
    """1-based first and last line of statement `index` inside `policy_text(policy)`."""
    return _text_lines(policy)[1][index]


def _text_lines(policy: Policy) -> tuple[list[str], list[tuple[int, int]]]:
    data = policy.to_json()
    statements = data.pop("Statement")
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in data.items()]
    lines.append('  "Statement": [')
    spans: list[tuple[int, int]] = []
    for i, statement in enumerate(statements):
        body = json.dumps(statement, indent=2).splitlines()
        first = len(lines) + 1
        comma = "," if i < len(statements) - 1 else ""
        lines += ["    " + line for line in body[:-1]] + ["    " + body[-1] + comma]
        spans.append((first, len(lines)))
    lines += ["  ]", "}"]
    return lines, spans

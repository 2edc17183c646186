"""What the input readers produce: policy documents to lint, and findings about the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policysim.lint.finding import Finding
from policysim.lint.policy_type import PolicyKind
from policysim.policy.errors import PolicyError, Position
from policysim.policy.source import Node, parse_json_source


@dataclass(slots=True)
class LintTarget:
    """One policy document found in an input file."""

    file: str
    root: Node
    kind: PolicyKind | None = None
    """None: detect the type from the document."""
    service: str | None = None
    attachment: dict[str, Any] = field(default_factory=dict)
    label: str = ""
    """Where the document sits in a template or plan, e.g. `MyRole.AssumeRolePolicyDocument` or
    `aws_iam_policy.admin.policy`; empty for a plain policy file."""
    ignore: frozenset[str] = frozenset()
    """Rule ids suppressed for the whole document (CloudFormation Metadata)."""
    ignore_sids: dict[str, frozenset[str]] = field(default_factory=dict)
    """Rule ids suppressed on statements with these Sids (CloudFormation Metadata)."""
    opaque: frozenset[Position] = frozenset()
    """Where intrinsic functions (Ref, Fn::GetAtt, ...) stand for values unknown before
    deployment: findings located exactly there are about a placeholder and are dropped."""
    text: str | None = None
    """The JSON text the document was parsed from, when it is the whole file (a plain policy
    file): the context reads from it what would otherwise take serializing the document
    (`LintContext.build`'s `source`)."""


@dataclass(slots=True)
class Loaded:
    """What one input file holds: documents to lint, findings about the file, and notes."""

    targets: list[LintTarget] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: str = "policy"
    """policy, cloudformation, terraform, account or skipped."""
    line_ignores: dict[int, frozenset[str]] = field(default_factory=dict)
    """YAML comments `# policysim: ignore[PS203]`: line -> rule ids."""


def shift_positions(node: Node, origin: Position) -> Node:
    """Move the positions of a tree parsed from a string value to where that string is written
    (approximately: the string's escapes are not counted)."""

    def shifted(position: Position) -> Position:
        if position.line == 1:
            return Position(origin.line, origin.column + position.column)
        return Position(origin.line + position.line - 1, position.column)

    stack = [node]
    while stack:
        current = stack.pop()
        current.position = shifted(current.position)
        if current.kind == "object":
            current.key_positions = {k: shifted(p) for k, p in current.key_positions.items()}
            stack.extend(current.value.values())
        elif current.kind == "array":
            stack.extend(current.value)
    return node


def parse_embedded(text: str, file: str, origin: Position | None) -> Node:
    """A policy document written as a JSON string inside a template or plan."""
    node = parse_json_source(text, file)
    return shift_positions(node, origin) if origin is not None else node


def error_at(err: PolicyError, origin: Position | None) -> PolicyError:
    """Move a parse error inside an embedded string to the string's place."""
    if origin is None or err.position is None:
        return err
    position = err.position
    if position.line == 1:
        moved = Position(origin.line, origin.column + position.column)
    else:
        moved = Position(origin.line + position.line - 1, position.column)
    return PolicyError(err.message, file=err.file, position=moved, path=err.path)

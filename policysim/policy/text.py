"""A policy document as text people read: pretty JSON, statements in order, and where each
statement sits in it (so a page or a terminal can point at the statement that decided).

The text is the AWS JSON form of the parsed document (`Policy.to_json`), indented by two
spaces: stable whatever the source looked like (YAML, one long line, comments), so that a
statement's lines are the same wherever the policy came from.
"""

from __future__ import annotations

import json

from policysim.policy.model import Policy

_INDENT = 2
_STATEMENT_INDENT = " " * (2 * _INDENT)
"""A statement sits inside `"Statement": [...]`, itself inside the document: two levels in."""


def statement_text(policy: Policy, index: int) -> str:
    """Statement `index` (0-based) of `policy` as pretty JSON, on its own (no indent)."""
    return json.dumps(policy.statements[index].to_json(), indent=_INDENT, ensure_ascii=False)


def _lines(policy: Policy) -> tuple[list[str], list[tuple[int, int]]]:
    """The document's lines, and each statement's 1-based first and last line among them."""
    head = {k: v for k, v in policy.to_json().items() if k != "Statement"}
    lines = ["{"]
    lines += [f"{' ' * _INDENT}{json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()]
    spans: list[tuple[int, int]] = []
    if not policy.statements:
        lines.append(f'{" " * _INDENT}"Statement": []')
    else:
        lines.append(f'{" " * _INDENT}"Statement": [')
        last = len(policy.statements) - 1
        for i in range(len(policy.statements)):
            body = statement_text(policy, i).splitlines()
            first = len(lines) + 1
            lines += [_STATEMENT_INDENT + line for line in body]
            if i < last:
                lines[-1] += ","
            spans.append((first, len(lines)))
        lines.append(f"{' ' * _INDENT}]")
    lines.append("}")
    return lines, spans


def policy_text(policy: Policy) -> str:
    """The whole document as pretty JSON (`json.dumps(policy.to_json(), indent=2)`, non-ASCII
    characters kept), statements in order."""
    return "\n".join(_lines(policy)[0])


def statement_line_span(policy: Policy, index: int) -> tuple[int, int]:
    """The 1-based first and last line of statement `index` inside `policy_text(policy)`."""
    spans = _lines(policy)[1]
    if not 0 <= index < len(spans):
        raise IndexError(f"the policy has {len(spans)} statements; no statement #{index}")
    return spans[index]

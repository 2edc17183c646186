"""PS0xx: documents that are invalid, or parts of them that never work (grammar errors)."""

from __future__ import annotations

from collections.abc import Iterator

from policysim.lint.context import Issue, LintContext
from policysim.lint.finding import Severity
from policysim.lint.registry import rule
from policysim.policy.model import VERSION_2008, VERSION_2012

_S = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}


@rule(
    "PS001",
    Severity.ERROR,
    "Document is not parseable JSON or YAML",
    example='{"Statement":[{"Effect":"Allow",}]}',
    near_miss='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
)
def not_parseable(ctx: LintContext) -> Iterator[Issue]:
    """The parser reports the line and column of the first syntax error; the runner turns it
    into this finding (a document that does not parse cannot be checked further)."""
    return iter(())


@rule(
    "PS002",
    Severity.ERROR,
    "The same key twice in one object",
    example='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Action":"s3:*",'
    '"Resource":"*"}]}',
    near_miss='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},'
    '{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}',
)
def duplicate_key(ctx: LintContext) -> Iterator[Issue]:
    """JSON loaders keep the last of duplicate keys, so what is reviewed is not what AWS sees.
    Exact duplicates stop the parser (reported by the runner); keys that differ only by case
    are reported here."""
    stack = [("", ctx.root)]
    while stack:
        pointer, node = stack.pop()
        if node.kind == "object":
            seen: dict[str, str] = {}
            for key in node.value:
                folded = key.lower()
                if folded in seen:
                    yield ctx.at_node(
                        node,
                        f"keys {seen[folded]!r} and {key!r} differ only by case",
                        pointer=f"{pointer}/{key}",
                    )
                seen[folded] = key
            stack.extend((f"{pointer}/{k}", v) for k, v in node.value.items())
        elif node.kind == "array":
            stack.extend((f"{pointer}/{i}", v) for i, v in enumerate(node.value))


@rule(
    "PS003",
    Severity.WARNING,
    "No Version element: the 2008 grammar treats policy variables as text",
    example={"Statement": [_S]},
    near_miss={"Version": VERSION_2012, "Statement": [_S]},
)
def missing_version(ctx: LintContext) -> Iterator[Issue]:
    """Without `Version`, AWS falls back to the 2008-10-17 grammar."""
    if ctx.root.kind == "object" and "Version" not in ctx.root.value:
        yield Issue(
            "no Version: policy variables would be literal text; add"
            f' "Version": "{VERSION_2012}"',
            ctx.root.position,
            "",
        )


@rule(
    "PS004",
    Severity.ERROR,
    "Version is not one of the two accepted dates",
    example={"Version": "2012-10-18", "Statement": [_S]},
    near_miss={"Version": VERSION_2008, "Statement": [_S]},
)
def invalid_version(ctx: LintContext) -> Iterator[Issue]:
    """Only 2012-10-17 and 2008-10-17 exist; anything else is rejected."""
    node = ctx.root.value.get("Version") if ctx.root.kind == "object" else None
    if node is not None and node.value not in (VERSION_2012, VERSION_2008):
        yield ctx.at_node(
            node,
            f"Version {node.value!r} is not {VERSION_2012!r} (or the legacy {VERSION_2008!r})",
            pointer="/Version",
        )

"""Read an IAM test file: a YAML (or JSON) list of expectations, each with its line.

```yaml
account: account.yaml          # optional, relative to this file; --account overrides it
tests:                         # or the list alone, without `account:`
  - name: alice can upload build artifacts
    principal: user/alice      # user NAME, role NAME, group NAME, user/NAME, an ARN,
                               # service/HOST, a CloudFront OAI ARN or anonymous
    action: s3:PutObject       # or a list; wildcards expand through the IAM catalog
    resource: arn:aws:s3:::deploy-artifacts/build.zip   # default *
    context: {aws:SourceIp: 203.0.113.5}
    expect: Allowed            # Allowed, Denied (either kind), ExplicitDeny or ImplicitDeny
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policysim.account.errors import did_you_mean
from policysim.account.principal_spec import PrincipalRef, PrincipalSyntaxError
from policysim.account.principal_spec import parse_principal as parse_shared
from policysim.catalog.arguments import resource_problem, select_actions
from policysim.catalog.key_values import context_value_error
from policysim.files import read_input, read_problem
from policysim.policy.errors import PolicyError, Position
from policysim.policy.source import Node, parse_source

EXPECTATIONS = ("Allowed", "Denied", "ExplicitDeny", "ImplicitDeny")
_TEST_KEYS = ("name", "principal", "action", "resource", "context", "expect", "session_name")


@dataclass(frozen=True, slots=True)
class IamTest:
    """One expectation."""

    name: str
    principal: PrincipalRef
    actions: tuple[str, ...]
    resource: str
    context: dict[str, str | tuple[str, ...]]
    expect: str
    position: Position
    session_name: str = "policysim"
    principal_position: Position | None = None
    """Where the principal is written, for an error naming one the account does not hold."""


@dataclass(slots=True)
class IamTestFile:
    """A parsed test file."""

    file: str
    tests: list[IamTest] = field(default_factory=list)
    account: Path | None = None


def parse_principal(text: str) -> PrincipalRef:
    """The principal grammar every command shares (`account.principal_spec`)."""
    try:
        return parse_shared(text)
    except PrincipalSyntaxError as err:
        raise ValueError(f"principal {text!r}: {err}") from None


def _error(message: str, file: str, node: Node) -> PolicyError:
    return PolicyError(message, file=file, position=node.position)


def _string(node: Node, what: str, file: str) -> str:
    if node.kind not in ("string", "number"):
        raise _error(f"{what} must be a string", file, node)
    return str(node.value)


def _context_value(key: str, node: Node, file: str) -> str:
    """A context value as AWS sees it (text; a boolean `true`/`false`), of the key's type."""
    text = ("true" if node.value else "false") if node.kind == "bool" else None
    if text is None:
        text = _string(node, f"context {key}", file)
    problem = context_value_error(key, text)
    if problem is not None:
        raise _error(f"context {key}: {problem}", file, node)
    return text


def _test(node: Node, index: int, file: str) -> IamTest:
    if node.kind != "object":
        raise _error("each test must be a mapping with principal, action and expect", file, node)
    items: dict[str, Node] = node.value
    for key in items:
        if key not in _TEST_KEYS:
            raise PolicyError(
                f"unknown key {key!r} in a test{did_you_mean(key, _TEST_KEYS)}"
                f" (a test has: {', '.join(_TEST_KEYS)})",
                file=file,
                position=node.key_positions[key],
            )
    for required in ("principal", "action", "expect"):
        if required not in items:
            raise _error(f"test #{index + 1} has no {required!r}", file, node)
    try:
        principal = parse_principal(_string(items["principal"], "principal", file))
    except ValueError as err:
        raise _error(str(err), file, items["principal"]) from None
    action_node = items["action"]
    if action_node.kind == "array":
        actions = tuple(_string(a, "an action", file) for a in action_node.value)
    else:
        actions = (_string(action_node, "action", file),)
    if not actions:
        raise _error("action must name at least one action", file, action_node)
    expect = _string(items["expect"], "expect", file)
    matched = [e for e in EXPECTATIONS if e.lower() == expect.lower()]
    if not matched:
        canonical = {e.lower(): e for e in EXPECTATIONS}
        hint = did_you_mean(expect.lower(), canonical)
        for lowered, name in canonical.items():  # suggest the names as written
            hint = hint.replace(repr(lowered), repr(name))
        raise _error(
            f"expect must be one of {', '.join(EXPECTATIONS)}, not {expect!r}{hint}",
            file,
            items["expect"],
        )
    context: dict[str, str | tuple[str, ...]] = {}
    if "context" in items:
        ctx = items["context"]
        if ctx.kind != "object":
            raise _error("context must be a mapping of key to value(s)", file, ctx)
        for key, value in ctx.value.items():
            if value.kind == "array":
                context[key] = tuple(_context_value(key, v, file) for v in value.value)
            else:
                context[key] = _context_value(key, value, file)
    resource = _string(items["resource"], "resource", file) if "resource" in items else "*"
    _check_question(items, actions, resource, file)
    name = (
        _string(items["name"], "name", file)
        if "name" in items
        else (f"{_string(items['principal'], 'principal', file)} {' '.join(actions)} {resource}")
    )
    session = (
        _string(items["session_name"], "session_name", file)
        if "session_name" in items
        else "policysim"
    )
    return IamTest(
        name,
        principal,
        actions,
        resource,
        context,
        matched[0],
        node.position,
        session,
        items["principal"].position,
    )


def _check_question(
    items: dict[str, Node], actions: tuple[str, ...], resource: str, file: str
) -> None:
    """The resource must be an ARN or `*`, and each action known and acting on it: a test of
    a question AWS would never be asked is an error at its line, not a pass or a failure."""
    if "resource" in items:
        problem = resource_problem(resource)
        if problem is not None:
            raise _error(f"resource {problem}", file, items["resource"])
    action_node = items["action"]
    nodes = action_node.value if action_node.kind == "array" else [action_node]
    for action, node in zip(actions, nodes, strict=True):
        try:
            select_actions([action], resource)
        except PolicyError as err:
            raise _error(err.message, file, node) from None


def load_test_file(path: Path) -> IamTestFile:
    """Parse a test file, or raise `PolicyError` at the offending line.

    Read through `read_input` (`policysim.files`): a regular file within the input size limit,
    or a pipe the user named (`policysim test <(...)`); devices are never read.
    """
    name = str(path)
    try:
        data = read_input(path, allow_pipes=True)
    except OSError as err:
        raise PolicyError(read_problem(err), file=name) from None
    root = parse_source(data, name if name.endswith((".json", ".yaml", ".yml")) else name + ".yaml")
    out = IamTestFile(name)
    tests_node = root
    if root.kind == "object":
        unknown = [k for k in root.value if k not in ("account", "tests")]
        if unknown:
            hint = did_you_mean(unknown[0], ["account", "tests"])
            raise PolicyError(
                f"unknown key {unknown[0]!r}{hint} (a test file has 'account' and 'tests')",
                file=name,
                position=root.key_positions[unknown[0]],
            )
        if "tests" not in root.value:
            raise _error("no 'tests' list", name, root)
        if "account" in root.value:
            out.account = path.parent / _string(root.value["account"], "account", name)
        tests_node = root.value["tests"]
    if tests_node.kind != "array":
        raise _error("the tests must be a list", name, tests_node)
    out.tests = [_test(node, i, name) for i, node in enumerate(tests_node.value)]
    if not out.tests:
        raise _error("the file holds no tests", name, tests_node)
    return out

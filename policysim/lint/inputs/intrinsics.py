"""CloudFormation intrinsic functions inside policy documents, and YAML short-form tags.

Rules see plain policy documents, so an intrinsic such as `{"Fn::Sub": "arn:...:${Bucket}"}` or
`{"Ref": "Role"}` is rewritten into a string node at the same position: `Fn::Sub` becomes its
template string, `Ref` becomes `${Name}`, `Fn::GetAtt` becomes `${Name.Attribute}`, `Fn::Join`
joins its parts, `Fn::If` takes its first branch, and anything else becomes an opaque
`${Fn::Name}` placeholder. Nothing crashes on an unexpected shape.
"""

from __future__ import annotations

from policysim.policy.errors import Position
from policysim.policy.source import Node, parse_yaml_source

INTRINSIC_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
}
"""Short-form tags whose long form is not `Fn::` + the tag name."""


def is_intrinsic(node: Node) -> bool:
    """A one-key object whose key is `Ref` or `Fn::...`."""
    if node.kind != "object" or len(node.value) != 1:
        return False
    key = str(next(iter(node.value)))
    return key == "Ref" or key.startswith("Fn::")


def _placeholder(node: Node) -> str:
    """A string standing for an intrinsic's value."""
    (key, arg) = next(iter(node.value.items()))
    if key == "Ref":
        return f"${{{arg.value}}}" if arg.kind == "string" else "${Ref}"
    if key == "Fn::GetAtt":
        if arg.kind == "array" and all(a.kind == "string" for a in arg.value):
            return "${" + ".".join(a.value for a in arg.value) + "}"
        if arg.kind == "string":
            return f"${{{arg.value}}}"
        return "${Fn::GetAtt}"
    if key == "Fn::Sub":
        template = arg.value[0] if arg.kind == "array" and arg.value else arg
        if template.kind == "string":
            return str(template.value).replace("${!", "${")
        return "${Fn::Sub}"
    if key == "Fn::Join" and arg.kind == "array" and len(arg.value) == 2:
        delimiter, parts = arg.value
        if delimiter.kind == "string" and parts.kind == "array":
            return str(delimiter.value).join(_as_text(p) for p in parts.value)
    return f"${{{key}}}"


def _as_text(node: Node) -> str:
    if is_intrinsic(node):
        return _placeholder(node)
    if node.kind in ("string", "number", "bool"):
        return str(node.value)
    return "${?}"


def resolve_intrinsics(node: Node, opaque: set[Position] | None = None) -> Node:
    """The tree with every intrinsic function replaced by a string (or, for `Fn::If`, by its
    first branch); positions are kept. The positions of values whose content is unknown (all
    but `Fn::Sub` templates) are added to `opaque`."""
    if is_intrinsic(node):
        (key, arg) = next(iter(node.value.items()))
        if key == "Fn::If" and arg.kind == "array" and len(arg.value) == 3:
            return resolve_intrinsics(arg.value[1], opaque)
        text = _placeholder(node)
        if opaque is not None and not (key == "Fn::Sub" and text != "${Fn::Sub}"):
            opaque.add(node.position)
        return Node("string", text, node.position)
    if node.kind == "object":
        items = {k: resolve_intrinsics(v, opaque) for k, v in node.value.items()}
        return Node("object", items, node.position, dict(node.key_positions), node.depth)
    if node.kind == "array":
        return Node(
            "array",
            [resolve_intrinsics(v, opaque) for v in node.value],
            node.position,
            depth=node.depth,
        )
    return node


def contains_intrinsic(node: Node) -> bool:
    """Whether any intrinsic function occurs below this node."""
    stack = [node]
    while stack:
        current = stack.pop()
        if is_intrinsic(current):
            return True
        if current.kind == "object":
            stack.extend(current.value.values())
        elif current.kind == "array":
            stack.extend(current.value)
    return False


# --- YAML with CloudFormation short-form tags -------------------------------------------------


def _long_form(tag: str, inner: Node) -> Node:
    """`!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`, `!Sub x` -> `{"Fn::Sub": "x"}`, ..."""
    name = INTRINSIC_TAGS.get(tag, "Fn::" + tag[1:])
    if name == "Fn::GetAtt" and inner.kind == "string" and "." in inner.value:
        parts = [Node("string", p, inner.position) for p in inner.value.split(".", 1)]
        inner = Node("array", parts, inner.position, depth=2)
    return Node("object", {name: inner}, inner.position, {name: inner.position}, inner.depth + 1)


def parse_tagged_yaml(text: str, file: str | None = None) -> Node:
    """Parse YAML into a located tree, turning short-form tags (`!Ref`, `!Sub`, `!GetAtt`, ...)
    into their long-form intrinsic objects."""
    return parse_yaml_source(text, file, tags=_long_form)

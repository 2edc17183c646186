"""CloudFormation intrinsic functions inside policy documents, and YAML short-form tags.

Rules see plain policy documents, so an intrinsic such as `{"Fn::Sub": "arn:...:${Bucket}"}` or
`{"Ref": "Topic"}` is evaluated into a string node at the same position. What the template fixes
is used: a parameter's `Default`, `AWS::Partition` (`aws`), `AWS::URLSuffix`, `Mappings` looked up
with literal keys, and a resource's type, which gives the shape of its ARN (`!GetAtt Bucket.Arn`
is `arn:aws:s3:::<name>`, `!Ref Topic` is `arn:aws:sns:<region>:<account>:<name>`). Everything
else (the account, the region, generated names, imports) becomes an unknown placeholder
(`policysim.policy.unknown`), which rules treat as "anything of the right shape": they check
only the literal text around it. `Fn::If` takes its first branch, or its second when the first
is `AWS::NoValue`; an `AWS::NoValue` element or key disappears. Nothing crashes on an unexpected
shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policysim.policy.errors import Position
from policysim.policy.source import Node, parse_yaml_source
from policysim.policy.unknown import has_unknown, is_unknown, unknown

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


_FIXED_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
"""Pseudo parameters whose value the linter assumes (the commercial partition)."""
_REGION = unknown("AWS::Region")
_ACCOUNT = unknown("AWS::AccountId")


@dataclass(frozen=True, slots=True)
class Shape:
    """What `Ref` and `Fn::GetAtt` return for one resource type: format strings over
    `{partition}`, `{region}`, `{account}`, `{name}` (the resource's name property, else unknown)
    and `{id}` (a generated identifier, unknown)."""

    name_property: str | None
    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


_ARN = "arn:{partition}:"
SHAPES: dict[str, Shape] = {
    "AWS::S3::Bucket": Shape(
        "BucketName",
        "{name}",
        {
            "Arn": _ARN + "s3:::{name}",
            "DomainName": "{name}.s3.amazonaws.com",
            "RegionalDomainName": "{name}.s3.{region}.amazonaws.com",
        },
    ),
    "AWS::SNS::Topic": Shape(
        "TopicName",
        _ARN + "sns:{region}:{account}:{name}",
        {"TopicArn": _ARN + "sns:{region}:{account}:{name}", "TopicName": "{name}"},
    ),
    "AWS::SQS::Queue": Shape(
        "QueueName",
        "https://sqs.{region}.amazonaws.com/{account}/{name}",
        {
            "Arn": _ARN + "sqs:{region}:{account}:{name}",
            "QueueName": "{name}",
            "QueueUrl": "https://sqs.{region}.amazonaws.com/{account}/{name}",
        },
    ),
    "AWS::IAM::Role": Shape("RoleName", "{name}", {"Arn": _ARN + "iam::{account}:role/{name}"}),
    "AWS::IAM::User": Shape("UserName", "{name}", {"Arn": _ARN + "iam::{account}:user/{name}"}),
    "AWS::IAM::Group": Shape("GroupName", "{name}", {"Arn": _ARN + "iam::{account}:group/{name}"}),
    "AWS::IAM::ManagedPolicy": Shape(
        "ManagedPolicyName",
        _ARN + "iam::{account}:policy/{name}",
        {"PolicyArn": _ARN + "iam::{account}:policy/{name}"},
    ),
    "AWS::IAM::InstanceProfile": Shape(
        "InstanceProfileName",
        "{name}",
        {"Arn": _ARN + "iam::{account}:instance-profile/{name}"},
    ),
    "AWS::KMS::Key": Shape(
        None, "{id}", {"Arn": _ARN + "kms:{region}:{account}:key/{id}", "KeyId": "{id}"}
    ),
    "AWS::KMS::Alias": Shape("AliasName", "{name}"),
    "AWS::Lambda::Function": Shape(
        "FunctionName", "{name}", {"Arn": _ARN + "lambda:{region}:{account}:function:{name}"}
    ),
    "AWS::DynamoDB::Table": Shape(
        "TableName",
        "{name}",
        {
            "Arn": _ARN + "dynamodb:{region}:{account}:table/{name}",
            "StreamArn": _ARN + "dynamodb:{region}:{account}:table/{name}/stream/{id}",
        },
    ),
    "AWS::Logs::LogGroup": Shape(
        "LogGroupName", "{name}", {"Arn": _ARN + "logs:{region}:{account}:log-group:{name}:*"}
    ),
    "AWS::SecretsManager::Secret": Shape(
        "Name", _ARN + "secretsmanager:{region}:{account}:secret:{name}-{id}"
    ),
    "AWS::StepFunctions::StateMachine": Shape(
        "StateMachineName",
        _ARN + "states:{region}:{account}:stateMachine:{name}",
        {"Arn": _ARN + "states:{region}:{account}:stateMachine:{name}", "Name": "{name}"},
    ),
    "AWS::Kinesis::Stream": Shape(
        "Name", "{name}", {"Arn": _ARN + "kinesis:{region}:{account}:stream/{name}"}
    ),
    "AWS::KinesisFirehose::DeliveryStream": Shape(
        "DeliveryStreamName",
        "{name}",
        {"Arn": _ARN + "firehose:{region}:{account}:deliverystream/{name}"},
    ),
    "AWS::ECR::Repository": Shape(
        "RepositoryName",
        "{name}",
        {"Arn": _ARN + "ecr:{region}:{account}:repository/{name}"},
    ),
    "AWS::Events::EventBus": Shape(
        "Name", "{name}", {"Arn": _ARN + "events:{region}:{account}:event-bus/{name}"}
    ),
    "AWS::Events::Rule": Shape(
        "Name", "{name}", {"Arn": _ARN + "events:{region}:{account}:rule/{name}"}
    ),
    "AWS::CloudTrail::Trail": Shape(
        "TrailName", "{name}", {"Arn": _ARN + "cloudtrail:{region}:{account}:trail/{name}"}
    ),
    "AWS::CodeBuild::Project": Shape(
        "Name", "{name}", {"Arn": _ARN + "codebuild:{region}:{account}:project/{name}"}
    ),
    "AWS::S3::AccessPoint": Shape(
        "Name", "{name}", {"Arn": _ARN + "s3:{region}:{account}:accesspoint/{name}"}
    ),
    "AWS::SSM::Parameter": Shape("Name", "{name}"),
    "AWS::Glue::Database": Shape(None, "{id}"),
}
"""Resource types whose `Ref`/`Fn::GetAtt` values have a known shape."""


class _NoValue:
    """`AWS::NoValue`: the property or list element is removed."""


NO_VALUE = _NoValue()


@dataclass(slots=True)
class TemplateValues:
    """What a template fixes about the values intrinsics stand for."""

    parameters: dict[str, Node] = field(default_factory=dict)
    """Parameter name -> its `Default` (when it has one; absent parameters map to nothing)."""
    declared: frozenset[str] = frozenset()
    mappings: Node | None = None
    conditions: dict[str, Node] = field(default_factory=dict)
    """Condition name -> its definition (`Fn::Equals`, `Fn::Not`, ...)."""
    resources: dict[str, tuple[str, Node | None]] = field(default_factory=dict)
    """Logical id -> (type, Properties)."""

    @classmethod
    def of(cls, root: Node | None) -> TemplateValues:
        """The values of a parsed template (empty for anything else)."""
        values = cls()
        if root is None or root.kind != "object":
            return values
        parameters = root.value.get("Parameters")
        if parameters is not None and parameters.kind == "object":
            values.declared = frozenset(parameters.value)
            for name, declaration in parameters.value.items():
                if declaration.kind == "object":
                    default = declaration.value.get("Default")
                    if default is not None and default.kind in ("string", "number", "bool"):
                        values.parameters[name] = default
        mappings = root.value.get("Mappings")
        if mappings is not None and mappings.kind == "object":
            values.mappings = mappings
        conditions = root.value.get("Conditions")
        if conditions is not None and conditions.kind == "object":
            values.conditions = dict(conditions.value)
        resources = root.value.get("Resources")
        if resources is not None and resources.kind == "object":
            for logical_id, resource in resources.value.items():
                if resource.kind != "object":
                    continue
                type_node = resource.value.get("Type")
                properties = resource.value.get("Properties")
                if type_node is not None and type_node.kind == "string":
                    props = properties if properties and properties.kind == "object" else None
                    values.resources[logical_id] = (str(type_node.value), props)
        return values


_NO_TEMPLATE = TemplateValues()


class _Evaluator:
    """Evaluates intrinsics against one template's values (guarding against reference loops
    between resource names)."""

    def __init__(self, values: TemplateValues) -> None:
        self.values = values
        self.busy: set[str] = set()

    # --- text ---------------------------------------------------------------------------

    def text(self, node: Node) -> str | _NoValue:
        """The string an intrinsic or scalar evaluates to (with placeholders)."""
        if not is_intrinsic(node):
            if node.kind in ("string", "number"):
                return str(node.value)
            if node.kind == "bool":
                return "true" if node.value else "false"
            return unknown("value")
        (key, arg) = next(iter(node.value.items()))
        if key == "Ref":
            return self.ref(str(arg.value)) if arg.kind == "string" else unknown("Ref")
        if key == "Fn::GetAtt":
            return self.get_att(arg)
        if key == "Fn::Sub":
            return self.sub(arg)
        if key == "Fn::Join":
            return self.join(arg)
        if key == "Fn::If":
            branch = self.branch(arg)
            return branch if isinstance(branch, _NoValue) else self.text(branch)
        if key == "Fn::Select":
            chosen = self.select(arg)
            return self.text(chosen) if chosen is not None else unknown("Fn::Select")
        if key == "Fn::FindInMap":
            found = self.find_in_map(arg)
            if found is not None and found.kind in ("string", "number", "bool"):
                return self.text(found)
            return unknown("Fn::FindInMap")
        if key == "Fn::ImportValue" and arg.kind == "string":
            return unknown(f"Fn::ImportValue {arg.value}")
        return unknown(key)

    def ref(self, name: str) -> str | _NoValue:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in _FIXED_PSEUDO:
            return _FIXED_PSEUDO[name]
        if name.startswith("AWS::"):
            return unknown(name)
        default = self.values.parameters.get(name)
        if default is not None:
            return self.text(default)
        if name in self.values.resources:
            shape = self._shape(name)
            if shape is not None:
                return self._format(name, shape.ref)
        return unknown(name)

    def get_att(self, arg: Node) -> str:
        if arg.kind == "array" and len(arg.value) == 2 and arg.value[0].kind == "string":
            resource = str(arg.value[0].value)
            attribute = self.text(arg.value[1])
        elif arg.kind == "string" and "." in arg.value:
            resource, attribute = str(arg.value).split(".", 1)
        else:
            return unknown("Fn::GetAtt")
        if isinstance(attribute, _NoValue):
            return unknown("Fn::GetAtt")
        shape = self._shape(resource)
        if shape is not None and attribute in shape.attributes:
            return self._format(resource, shape.attributes[attribute])
        return unknown(f"{resource}.{attribute}")

    def _shape(self, resource: str) -> Shape | None:
        entry = self.values.resources.get(resource)
        return SHAPES.get(entry[0]) if entry is not None else None

    def _format(self, resource: str, pattern: str) -> str:
        (_, properties) = self.values.resources[resource]
        shape = self._shape(resource)
        name: str | _NoValue = unknown(resource)
        if shape is not None and shape.name_property and properties is not None:
            given = properties.value.get(shape.name_property)
            if given is not None and resource not in self.busy:
                self.busy.add(resource)
                try:
                    name = self.text(given)
                finally:
                    self.busy.discard(resource)
        if isinstance(name, _NoValue):
            name = unknown(resource)
        return pattern.format(
            partition="aws",
            region=_REGION,
            account=_ACCOUNT,
            name=name,
            id=unknown(f"{resource}.Id"),
        )

    def sub(self, arg: Node) -> str:
        template = arg.value[0] if arg.kind == "array" and arg.value else arg
        if template.kind != "string":
            return unknown("Fn::Sub")
        local: dict[str, Node] = {}
        if arg.kind == "array" and len(arg.value) > 1 and arg.value[1].kind == "object":
            local = dict(arg.value[1].value)
        text = str(template.value)
        out: list[str] = []
        cursor = 0
        while True:
            start = text.find("${", cursor)
            end = text.find("}", start + 2) if start != -1 else -1
            if start == -1 or end == -1:
                out.append(text[cursor:])
                break
            out.append(text[cursor:start])
            body = text[start + 2 : end]
            if body.startswith("!"):
                out.append("${" + body[1:] + "}")  # escaped: literal `${...}` (a policy variable)
            else:
                out.append(self._sub_variable(body.strip(), local))
            cursor = end + 1
        return "".join(out)

    def _sub_variable(self, name: str, local: dict[str, Node]) -> str:
        if name in local:
            value = self.text(local[name])
        elif "::" in name or name in self.values.declared or name in self.values.resources:
            value = self.ref(name)
        elif "." in name and name.split(".", 1)[0] in self.values.resources:
            resource, attribute = name.split(".", 1)
            value = self.get_att(
                Node(
                    "array",
                    [Node("string", resource, _ORIGIN), Node("string", attribute, _ORIGIN)],
                    _ORIGIN,
                )
            )
        elif ":" in name:
            return "${" + name + "}"  # an IAM policy variable written without the `!` escape
        elif "." in name:
            value = unknown(name)
        else:
            value = self.ref(name)
        return "" if isinstance(value, _NoValue) else value

    def join(self, arg: Node) -> str:
        if arg.kind != "array" or len(arg.value) != 2 or arg.value[0].kind != "string":
            return unknown("Fn::Join")
        delimiter = str(arg.value[0].value)
        parts = self.items(arg.value[1])
        if parts is None:
            return unknown("Fn::Join")
        texts = [self.text(p) for p in parts]
        return delimiter.join(t for t in texts if not isinstance(t, _NoValue))

    def items(self, node: Node) -> list[Node] | None:
        """The elements of a list argument (literal, `Fn::Split`, `Fn::If`), None if unknown."""
        if node.kind == "array":
            return list(node.value)
        if not is_intrinsic(node):
            return None
        (key, arg) = next(iter(node.value.items()))
        if key == "Fn::Split" and arg.kind == "array" and len(arg.value) == 2:
            delimiter, source = arg.value
            text = self.text(source)
            if delimiter.kind != "string" or isinstance(text, _NoValue) or is_unknown(text):
                return None
            return [Node("string", piece, node.position) for piece in text.split(delimiter.value)]
        if key == "Fn::If":
            branch = self.branch(arg)
            return None if isinstance(branch, _NoValue) else self.items(branch)
        if key == "Fn::FindInMap":
            found = self.find_in_map(arg)
            return list(found.value) if found is not None and found.kind == "array" else None
        return None

    def select(self, arg: Node) -> Node | None:
        if arg.kind != "array" or len(arg.value) != 2:
            return None
        index = self.text(arg.value[0])
        parts = self.items(arg.value[1])
        if parts is None or isinstance(index, _NoValue) or not index.isdigit():
            return None
        position = int(index)
        return parts[position] if position < len(parts) else None

    def find_in_map(self, arg: Node) -> Node | None:
        mappings = self.values.mappings
        if mappings is None or arg.kind != "array" or len(arg.value) != 3:
            return None
        current: Node | None = mappings
        for key_node in arg.value:
            key = self.text(key_node)
            if isinstance(key, _NoValue) or has_unknown(key):
                return None
            if current is None or current.kind != "object":
                return None
            current = current.value.get(key)
        return current

    def branch(self, arg: Node) -> Node | _NoValue:
        """`Fn::If`: the branch its condition takes when the template fixes the condition
        (parameter defaults, pseudo parameters); otherwise the first branch, or the second when
        the first is `AWS::NoValue`."""
        if arg.kind != "array" or len(arg.value) != 3:
            return NO_VALUE
        name: Node = arg.value[0]
        first: Node = arg.value[1]
        second: Node = arg.value[2]
        holds = self.condition(str(name.value)) if name.kind == "string" else None
        if holds is None:
            return second if _is_no_value(first) else first
        return first if holds else second

    def condition(self, name: str) -> bool | None:
        """The value of a named condition, None when it depends on unknowns."""
        definition = self.values.conditions.get(name)
        key = "condition:" + name
        if definition is None or key in self.busy:
            return None
        self.busy.add(key)
        try:
            return self.truth(definition)
        finally:
            self.busy.discard(key)

    def truth(self, node: Node) -> bool | None:
        """A condition function's value (`Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or`,
        `Condition`), None when unknown."""
        if node.kind == "bool":
            return bool(node.value)
        if node.kind != "object" or len(node.value) != 1:
            return None
        (key, arg) = next(iter(node.value.items()))
        if key == "Condition" and arg.kind == "string":
            return self.condition(str(arg.value))
        if arg.kind != "array":
            return None
        if key == "Fn::Equals" and len(arg.value) == 2:
            left, right = (self.text(a) for a in arg.value)
            if isinstance(left, _NoValue) or isinstance(right, _NoValue):
                return None
            if has_unknown(left) or has_unknown(right):
                return None
            return left == right
        parts = [self.truth(a) for a in arg.value]
        if key == "Fn::Not" and len(parts) == 1:
            return None if parts[0] is None else not parts[0]
        if key == "Fn::And":
            return False if False in parts else (None if None in parts else True)
        if key == "Fn::Or":
            return True if True in parts else (None if None in parts else False)
        return None

    # --- trees ----------------------------------------------------------------------------

    def tree(self, node: Node, opaque: set[Position] | None) -> Node | _NoValue:
        if is_intrinsic(node):
            (key, arg) = next(iter(node.value.items()))
            if _is_no_value(node):
                return NO_VALUE
            if key == "Fn::If":
                branch = self.branch(arg)
                return branch if isinstance(branch, _NoValue) else self.tree(branch, opaque)
            if key in ("Fn::Split", "Fn::GetAZs"):
                parts = self.items(node)
                if parts is not None:
                    return self.tree(Node("array", parts, node.position, depth=2), opaque)
            if key in ("Fn::Select", "Fn::FindInMap"):
                chosen = self.select(arg) if key == "Fn::Select" else self.find_in_map(arg)
                if chosen is not None and chosen.kind in ("array", "object"):
                    return self.tree(chosen, opaque)
            text = self.text(node)
            if isinstance(text, _NoValue):
                return NO_VALUE
            if opaque is not None and is_unknown(text):
                opaque.add(node.position)
            return Node("string", text, node.position)
        if node.kind == "object":
            items: dict[str, Node] = {}
            for k, v in node.value.items():
                resolved = self.tree(v, opaque)
                if not isinstance(resolved, _NoValue):
                    items[k] = resolved
            positions = {k: p for k, p in node.key_positions.items() if k in items}
            return Node("object", items, node.position, positions, node.depth)
        if node.kind == "array":
            kept = [self.tree(v, opaque) for v in node.value]
            return Node(
                "array",
                [v for v in kept if not isinstance(v, _NoValue)],
                node.position,
                depth=node.depth,
            )
        return node


_ORIGIN = Position(1, 1)


def _is_no_value(node: Node) -> bool:
    return (
        node.kind == "object"
        and len(node.value) == 1
        and "Ref" in node.value
        and node.value["Ref"].kind == "string"
        and node.value["Ref"].value == "AWS::NoValue"
    )


def evaluate_text(node: Node, values: TemplateValues | None = None) -> str | None:
    """The string a scalar or intrinsic evaluates to (placeholders for unknown parts); None for
    `AWS::NoValue`."""
    text = _Evaluator(values or _NO_TEMPLATE).text(node)
    return None if isinstance(text, _NoValue) else text


def resolve_intrinsics(
    node: Node, opaque: set[Position] | None = None, values: TemplateValues | None = None
) -> Node:
    """The tree with every intrinsic function evaluated (see the module's docstring); positions
    are kept. The positions of values that are wholly unknown are added to `opaque`. A
    document that is itself `AWS::NoValue` becomes an empty object."""
    resolved = _Evaluator(values or _NO_TEMPLATE).tree(node, opaque)
    if isinstance(resolved, _NoValue):
        return Node("object", {}, node.position)
    return resolved


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

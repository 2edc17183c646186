"""CloudFormation templates (JSON or YAML): every policy document of every resource.

The documents are sub-trees of the template's located tree, so findings point into the
template. Intrinsic functions are evaluated against the template's parameters, mappings and
resource types, unknown parts becoming placeholders (see `intrinsics`). A resource's
`Metadata` may suppress rules: `Metadata: {policysim: {ignore: [PS203, {rule: PS401, sid: X}]}}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from policysim.lint.finding import Finding, Severity
from policysim.lint.inputs.intrinsics import (
    TemplateValues,
    contains_intrinsic,
    evaluate_text,
    is_intrinsic,
    resolve_intrinsics,
)
from policysim.lint.inputs.target import LintTarget, Loaded, error_at, parse_embedded
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import parse_error_finding
from policysim.policy.errors import PolicyError, Position
from policysim.policy.source import Node
from policysim.policy.unknown import has_unknown


@dataclass(frozen=True, slots=True)
class DocumentPlace:
    """Where a resource type keeps a policy document."""

    property: str
    kind: PolicyKind | None
    service: str | None = None
    inline_list: bool = False
    """The property is a list of {PolicyName, PolicyDocument} (Role/User/Group `Policies`)."""


_IDENTITY = PolicyKind.IDENTITY
_RESOURCE = PolicyKind.RESOURCE

RESOURCE_DOCUMENTS: dict[str, tuple[DocumentPlace, ...]] = {
    "AWS::IAM::Policy": (DocumentPlace("PolicyDocument", _IDENTITY),),
    "AWS::IAM::ManagedPolicy": (DocumentPlace("PolicyDocument", _IDENTITY),),
    "AWS::IAM::RolePolicy": (DocumentPlace("PolicyDocument", _IDENTITY),),
    "AWS::IAM::UserPolicy": (DocumentPlace("PolicyDocument", _IDENTITY),),
    "AWS::IAM::GroupPolicy": (DocumentPlace("PolicyDocument", _IDENTITY),),
    "AWS::IAM::Role": (
        DocumentPlace("AssumeRolePolicyDocument", PolicyKind.TRUST, "sts"),
        DocumentPlace("Policies", _IDENTITY, inline_list=True),
    ),
    "AWS::IAM::User": (DocumentPlace("Policies", _IDENTITY, inline_list=True),),
    "AWS::IAM::Group": (DocumentPlace("Policies", _IDENTITY, inline_list=True),),
    "AWS::S3::BucketPolicy": (DocumentPlace("PolicyDocument", _RESOURCE, "s3"),),
    "AWS::S3Express::BucketPolicy": (DocumentPlace("PolicyDocument", _RESOURCE, "s3express"),),
    "AWS::S3::AccessPointPolicy": (DocumentPlace("Policy", _RESOURCE, "s3"),),
    "AWS::S3::AccessPoint": (DocumentPlace("Policy", _RESOURCE, "s3"),),
    "AWS::SQS::QueuePolicy": (DocumentPlace("PolicyDocument", _RESOURCE, "sqs"),),
    "AWS::SNS::TopicPolicy": (DocumentPlace("PolicyDocument", _RESOURCE, "sns"),),
    "AWS::KMS::Key": (DocumentPlace("KeyPolicy", _RESOURCE, "kms"),),
    "AWS::KMS::ReplicaKey": (DocumentPlace("KeyPolicy", _RESOURCE, "kms"),),
    "AWS::SecretsManager::ResourcePolicy": (
        DocumentPlace("ResourcePolicy", _RESOURCE, "secretsmanager"),
    ),
    "AWS::ECR::Repository": (DocumentPlace("RepositoryPolicyText", _RESOURCE, "ecr"),),
    "AWS::Logs::ResourcePolicy": (DocumentPlace("PolicyDocument", _RESOURCE, "logs"),),
    "AWS::Events::EventBusPolicy": (DocumentPlace("Statement", None),),
    "AWS::EC2::VPCEndpoint": (DocumentPlace("PolicyDocument", PolicyKind.ENDPOINT),),
    "AWS::OpenSearchService::Domain": (DocumentPlace("AccessPolicies", _RESOURCE, "es"),),
    "AWS::Elasticsearch::Domain": (DocumentPlace("AccessPolicies", _RESOURCE, "es"),),
    "AWS::EFS::FileSystem": (DocumentPlace("FileSystemPolicy", _RESOURCE, "elasticfilesystem"),),
    "AWS::Backup::BackupVault": (DocumentPlace("AccessPolicy", _RESOURCE, "backup"),),
    "AWS::Lambda::LayerVersionPermission": (),
    "AWS::SSO::PermissionSet": (DocumentPlace("InlinePolicy", _IDENTITY),),
    "AWS::Glue::ResourcePolicy": (DocumentPlace("PolicyInJson", _RESOURCE, "glue"),),
    "AWS::CodeArtifact::Domain": (DocumentPlace("PermissionsPolicyDocument", _RESOURCE),),
    "AWS::CodeArtifact::Repository": (DocumentPlace("PermissionsPolicyDocument", _RESOURCE),),
    "AWS::IoT::Policy": (DocumentPlace("PolicyDocument", _IDENTITY, "iot"),),
    "AWS::ApiGateway::RestApi": (DocumentPlace("Policy", _RESOURCE, "execute-api"),),
}
"""Resource types and the properties holding their policy documents. `AWS::Organizations::Policy`
is handled apart (its `Type` says SCP or RCP)."""


def is_template(root: Node) -> bool:
    """A CloudFormation template: AWSTemplateFormatVersion, or Resources with AWS:: types."""
    if root.kind != "object":
        return False
    if "AWSTemplateFormatVersion" in root.value:
        return True
    resources = root.value.get("Resources")
    if resources is None or resources.kind != "object":
        return False
    for resource in resources.value.values():
        if resource.kind == "object":
            type_node = resource.value.get("Type")
            if (
                type_node is not None
                and type_node.kind == "string"
                and type_node.value.startswith(("AWS::", "Custom::"))
            ):
                return True
    return False


def _ignores(resource: Node) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Rules suppressed by the resource's `Metadata.policysim.ignore`."""
    metadata = resource.value.get("Metadata")
    if metadata is None or metadata.kind != "object":
        return frozenset(), {}
    block = metadata.value.get("policysim")
    if block is None or block.kind != "object":
        return frozenset(), {}
    entries = block.value.get("ignore")
    if entries is None:
        return frozenset(), {}
    items = entries.value if entries.kind == "array" else [entries]
    whole: set[str] = set()
    by_sid: dict[str, set[str]] = {}
    for item in items:
        if item.kind == "string":
            whole.add(item.value.upper())
        elif item.kind == "object":
            rule_node = item.value.get("rule")
            sid_node = item.value.get("sid")
            if rule_node is None or rule_node.kind != "string":
                continue
            if sid_node is not None and sid_node.kind == "string":
                by_sid.setdefault(sid_node.value, set()).add(rule_node.value.upper())
            else:
                whole.add(rule_node.value.upper())
    return frozenset(whole), {k: frozenset(v) for k, v in by_sid.items()}


def _name(node: Node | None) -> str | None:
    """A plain string, or the logical id a `Ref` names; None for other intrinsics."""
    if node is None:
        return None
    if node.kind == "string":
        return str(node.value)
    if node.kind == "object" and set(node.value) == {"Ref"}:
        ref = node.value["Ref"]
        return str(ref.value) if ref.kind == "string" else None
    return None


def _names(node: Node | None) -> list[str]:
    if node is None or node.kind != "array":
        return []
    return [name for name in map(_name, node.value) if name is not None]


def _attached_to(
    resource_type: str, logical_id: str, properties: Node, values: TemplateValues
) -> dict[str, object]:
    """What the template says a resource's documents apply to: the IAM users a policy is
    attached to (`users`, for PS518) and the resource a resource policy governs
    (`target_arn`, for PS113), when the template names them plainly."""
    found: dict[str, object] = {}
    if resource_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        users = _names(properties.value.get("Users"))
        if users:
            found["users"] = users
    elif resource_type == "AWS::IAM::UserPolicy":
        user = _name(properties.value.get("UserName"))
        if user:
            found["users"] = [user]
    elif resource_type == "AWS::IAM::User":
        found["users"] = [_name(properties.value.get("UserName")) or logical_id]
    elif resource_type == "AWS::S3::BucketPolicy":
        bucket = properties.value.get("Bucket")
        name = evaluate_text(bucket, values) if bucket is not None else None
        if name and not has_unknown(name):  # a bucket named at deployment is not compared
            found["target_arn"] = f"arn:aws:s3:::{name}"
    return found


def _organizations_place(properties: Node) -> DocumentPlace | None:
    type_node = properties.value.get("Type")
    kind_name = type_node.value if type_node is not None and type_node.kind == "string" else ""
    if kind_name == "SERVICE_CONTROL_POLICY":
        return DocumentPlace("Content", PolicyKind.SCP)
    if kind_name == "RESOURCE_CONTROL_POLICY":
        return DocumentPlace("Content", PolicyKind.RCP)
    return None


def load_template(root: Node, file: str) -> Loaded:
    """Every policy document of the template."""
    loaded = Loaded(source="cloudformation")
    values = TemplateValues.of(root)
    resources = root.value.get("Resources")
    if resources is None or resources.kind != "object":
        loaded.notes.append(f"{file}: CloudFormation template has no Resources section")
        return loaded
    for logical_id, resource in resources.value.items():
        if resource.kind != "object":
            continue
        type_node = resource.value.get("Type")
        properties = resource.value.get("Properties")
        if type_node is None or type_node.kind != "string":
            continue
        if properties is None or properties.kind != "object":
            continue
        resource_type = type_node.value
        if resource_type == "AWS::Organizations::Policy":
            place = _organizations_place(properties)
            places: tuple[DocumentPlace, ...] = (place,) if place else ()
        else:
            places = RESOURCE_DOCUMENTS.get(resource_type, ())
        if not places:
            continue
        ignore, ignore_sids = _ignores(resource)
        attachment: dict[str, object] = {
            "source": "cloudformation",
            "resource": logical_id,
            "type": resource_type,
            **_attached_to(resource_type, logical_id, properties, values),
        }
        for place in places:
            node = properties.value.get(place.property)
            if node is None:
                continue
            if place.inline_list:
                if node.kind != "array":
                    continue
                for index, entry in enumerate(node.value):
                    if entry.kind != "object" or "PolicyDocument" not in entry.value:
                        continue
                    name_node = entry.value.get("PolicyName")
                    name = name_node.value if name_node and name_node.kind == "string" else index
                    label = f"{logical_id}.{place.property}[{name}].PolicyDocument"
                    _add(
                        loaded,
                        file,
                        entry.value["PolicyDocument"],
                        place,
                        label,
                        {**attachment, "property": place.property, "policy_name": name},
                        ignore,
                        ignore_sids,
                        values,
                    )
                continue
            if place.property == "Statement":
                node = Node(
                    "object",
                    {"Version": Node("string", "2012-10-17", node.position), "Statement": node},
                    node.position,
                    {"Version": node.position, "Statement": node.position},
                    node.depth + 1,
                )
            _add(
                loaded,
                file,
                node,
                place,
                f"{logical_id}.{place.property}",
                {**attachment, "property": place.property},
                ignore,
                ignore_sids,
                values,
            )
    if not loaded.targets and not loaded.findings:
        loaded.notes.append(f"{file}: CloudFormation template holds no policy documents")
    return loaded


def _add(
    loaded: Loaded,
    file: str,
    node: Node,
    place: DocumentPlace,
    label: str,
    attachment: dict[str, object],
    ignore: frozenset[str],
    ignore_sids: dict[str, frozenset[str]],
    values: TemplateValues,
) -> None:
    if is_intrinsic(node):
        (key,) = node.value
        if key == "Fn::If":
            node = resolve_intrinsics(node, values=values)
            if node.kind == "object" and not node.value:
                return  # AWS::NoValue: no document
        elif key in ("Fn::Sub", "Fn::Join") and _json_text(node, values):
            # A document written as JSON text (`PolicyDocument: !Sub '{"Statement": ...}'`):
            # the evaluated text is parsed below, at the intrinsic's place.
            node = Node("string", _json_text(node, values), node.position)
        else:
            loaded.notes.append(f"{file}:{node.position}: {label} is computed by {key}; not linted")
            return
    if node.kind == "string":
        try:
            node = parse_embedded(node.value, file, node.position)
        except PolicyError as err:
            finding = parse_error_finding(error_at(err, node.position), file)
            loaded.findings.append(_labelled(finding, label))
            return
    opaque: set[Position] = set()
    root = resolve_intrinsics(node, opaque, values)
    loaded.targets.append(
        LintTarget(
            file,
            root,
            place.kind,
            place.service,
            {**attachment, "intrinsics": contains_intrinsic(node)},
            label,
            ignore,
            ignore_sids,
            frozenset(opaque),
        )
    )


def _json_text(node: Node, values: TemplateValues) -> str:
    """The text of an intrinsic that evaluates to a JSON object, else ''."""
    text = evaluate_text(node, values)
    return text if text is not None and text.lstrip().startswith("{") else ""


def _labelled(finding: Finding, label: str) -> Finding:
    from dataclasses import replace

    return replace(finding, message=f"{label}: {finding.message}", severity=Severity.ERROR)

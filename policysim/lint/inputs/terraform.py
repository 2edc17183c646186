"""Terraform plan JSON (`terraform show -json plan.out`, or of a state): the policy attributes of
`aws_iam_policy`, `aws_iam_role` (`assume_role_policy`, `inline_policy`), `aws_s3_bucket_policy`
and the like, in the root module and every child module.

Policy attributes are JSON strings; they are parsed on their own, so a finding's line and column
are those inside the policy string, and its message starts with the resource address and
attribute (`aws_iam_policy.admin.policy: ...`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policysim.lint.inputs.target import LintTarget, Loaded, parse_embedded
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import parse_error_finding
from policysim.policy.errors import PolicyError

_I = PolicyKind.IDENTITY
_R = PolicyKind.RESOURCE

RESOURCE_ATTRIBUTES: dict[str, tuple[tuple[str, PolicyKind, str | None], ...]] = {
    "aws_iam_policy": (("policy", _I, None),),
    "aws_iam_role_policy": (("policy", _I, None),),
    "aws_iam_user_policy": (("policy", _I, None),),
    "aws_iam_group_policy": (("policy", _I, None),),
    "aws_iam_role": (("assume_role_policy", PolicyKind.TRUST, "sts"),),
    "aws_s3_bucket_policy": (("policy", _R, "s3"),),
    "aws_s3_bucket": (("policy", _R, "s3"),),
    "aws_s3control_access_point_policy": (("policy", _R, "s3"),),
    "aws_s3_access_point": (("policy", _R, "s3"),),
    "aws_sqs_queue_policy": (("policy", _R, "sqs"),),
    "aws_sqs_queue": (("policy", _R, "sqs"),),
    "aws_sns_topic_policy": (("policy", _R, "sns"),),
    "aws_sns_topic": (("policy", _R, "sns"),),
    "aws_kms_key": (("policy", _R, "kms"),),
    "aws_kms_replica_key": (("policy", _R, "kms"),),
    "aws_secretsmanager_secret_policy": (("policy", _R, "secretsmanager"),),
    "aws_secretsmanager_secret": (("policy", _R, "secretsmanager"),),
    "aws_ecr_repository_policy": (("policy", _R, "ecr"),),
    "aws_cloudwatch_log_resource_policy": (("policy_document", _R, "logs"),),
    "aws_glacier_vault": (("access_policy", _R, "glacier"),),
    "aws_efs_file_system_policy": (("policy", _R, "elasticfilesystem"),),
    "aws_elasticsearch_domain_policy": (("access_policies", _R, "es"),),
    "aws_opensearch_domain_policy": (("access_policies", _R, "es"),),
    "aws_backup_vault_policy": (("policy", _R, "backup"),),
    "aws_api_gateway_rest_api_policy": (("policy", _R, "execute-api"),),
    "aws_vpc_endpoint": (("policy", PolicyKind.ENDPOINT, None),),
    "aws_vpc_endpoint_policy": (("policy", PolicyKind.ENDPOINT, None),),
    "aws_ssoadmin_permission_set_inline_policy": (("inline_policy", _I, None),),
    "aws_lambda_layer_version_permission": (),
}


def is_plan(data: Any) -> bool:
    """A `terraform show -json` document: a plan or a state."""
    return (
        isinstance(data, dict)
        and "terraform_version" in data
        and ("planned_values" in data or "values" in data or "format_version" in data)
    )


def _modules(module: Any) -> Iterator[dict[str, Any]]:
    stack = [module]
    while stack:
        current = stack.pop()
        if not isinstance(current, dict):
            continue
        yield current
        children = current.get("child_modules")
        if isinstance(children, list):
            stack.extend(reversed(children))


def _resources(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    values = data.get("planned_values")
    if not isinstance(values, dict):
        values = data.get("values")
    if not isinstance(values, dict):
        return
    for module in _modules(values.get("root_module")):
        resources = module.get("resources")
        if not isinstance(resources, list):
            continue
        for resource in resources:
            if isinstance(resource, dict) and resource.get("mode", "managed") == "managed":
                yield resource


def _documents(resource: dict[str, Any]) -> Iterator[tuple[str, Any, PolicyKind, str | None]]:
    kind_name = resource.get("type")
    values = resource.get("values")
    if not isinstance(values, dict) or not isinstance(kind_name, str):
        return
    for attribute, kind, service in RESOURCE_ATTRIBUTES.get(kind_name, ()):
        yield attribute, values.get(attribute), kind, service
    if kind_name == "aws_iam_role":
        inline = values.get("inline_policy")
        if isinstance(inline, list):
            for index, entry in enumerate(inline):
                if isinstance(entry, dict) and entry.get("policy"):
                    yield f"inline_policy[{index}].policy", entry.get("policy"), _I, None
    if kind_name == "aws_organizations_policy":
        policy_type = values.get("type")
        if policy_type == "SERVICE_CONTROL_POLICY":
            yield "content", values.get("content"), PolicyKind.SCP, None
        elif policy_type == "RESOURCE_CONTROL_POLICY":
            yield "content", values.get("content"), PolicyKind.RCP, None


def _attached_to(resource: dict[str, Any]) -> dict[str, Any]:
    """The IAM user an inline policy belongs to (`users`, PS518) and the bucket a bucket
    policy governs (`target_arn`, PS113), when the plan knows them."""
    values = resource.get("values")
    if not isinstance(values, dict):
        return {}
    kind_name = resource.get("type")
    if kind_name == "aws_iam_user_policy" and isinstance(values.get("user"), str):
        return {"users": [values["user"]]}
    if kind_name in ("aws_s3_bucket_policy", "aws_s3_bucket"):
        bucket = values.get("bucket")
        if isinstance(bucket, str) and bucket:
            return {"target_arn": f"arn:aws:s3:::{bucket}"}
    return {}


def load_plan(data: dict[str, Any], file: str) -> Loaded:
    """Every policy document of the plan's resources."""
    from dataclasses import replace

    loaded = Loaded(source="terraform")
    for resource in _resources(data):
        address = str(resource.get("address") or f"{resource.get('type')}.{resource.get('name')}")
        for attribute, value, kind, service in _documents(resource):
            if value is None or value == "":
                continue
            label = f"{address}.{attribute}"
            if not isinstance(value, str):
                loaded.notes.append(f"{file}: {label} is not a JSON string; not linted")
                continue
            try:
                root = parse_embedded(value, file, None)
            except PolicyError as err:
                finding = parse_error_finding(err, file)
                loaded.findings.append(
                    replace(finding, message=f"{label}: {finding.message}", pointer=label)
                )
                continue
            attachment = {
                "source": "terraform",
                "address": address,
                "type": resource.get("type"),
                "attribute": attribute,
                **_attached_to(resource),
            }
            loaded.targets.append(LintTarget(file, root, kind, service, attachment, label))
    if not loaded.targets and not loaded.findings:
        loaded.notes.append(f"{file}: Terraform plan holds no policy documents")
    return loaded

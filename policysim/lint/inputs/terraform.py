"""Terraform plan JSON (`terraform show -json plan.out`, or of a state): the policy attributes of
`aws_iam_policy`, `aws_iam_role` (`assume_role_policy`, `inline_policy`), `aws_s3_bucket_policy`
and the like, in the root module and every child module.

Policy attributes are JSON strings (`jsonencode(...)` and `data.aws_iam_policy_document.x.json`
are rendered into the plan); they are parsed on their own, so a finding's line and column are those
inside the policy string, and its message starts with the resource address and attribute
(`aws_iam_policy.admin.policy: ...`).

A policy that Terraform knows only after apply (`after_unknown`) cannot be linted as text. When it
comes from an `aws_iam_policy_document` data source whose reading is deferred, the document is
built from the data source's `statement` blocks, each value the plan does not know yet being an
unknown placeholder (`policysim.policy.unknown`) that rules leave alone; its kind is that of the
attribute using it (`assume_role_policy` -> trust). Otherwise the attribute is named in a note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from policysim.lint.inputs.target import LintTarget, Loaded, parse_embedded
from policysim.lint.policy_type import PolicyKind
from policysim.lint.runner import parse_error_finding
from policysim.policy.errors import PolicyError
from policysim.policy.unknown import unknown

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


def _changes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`resource_changes` by address."""
    changes = data.get("resource_changes")
    if not isinstance(changes, list):
        return {}
    return {
        str(c["address"]): c
        for c in changes
        if isinstance(c, dict) and isinstance(c.get("address"), str)
    }


def _unknown_after(change: dict[str, Any] | None, attribute: str) -> bool:
    """Whether the plan says the attribute is known only after apply."""
    if change is None:
        return False
    body = change.get("change")
    if not isinstance(body, dict):
        return False
    after_unknown = body.get("after_unknown")
    return isinstance(after_unknown, dict) and after_unknown.get(attribute.split("[")[0]) is True


_DOCUMENT_TYPE = "aws_iam_policy_document"
_INSTANCE_KEY = re.compile(r"\[[^\]]*\]")
"""`[0]`, `["a"]`: count/for_each keys, absent from configuration addresses."""


def _module_configs(config: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(module address, module configuration) for the root module and every module call."""
    if not isinstance(config, dict):
        return
    yield prefix, config
    calls = config.get("module_calls")
    if isinstance(calls, dict):
        for name, call in calls.items():
            if isinstance(call, dict):
                address = f"{prefix}.module.{name}" if prefix else f"module.{name}"
                yield from _module_configs(call.get("module"), address)


def _document_uses(data: dict[str, Any]) -> dict[str, tuple[PolicyKind, str | None, str]]:
    """Which attribute uses each `aws_iam_policy_document` data source (by address without
    instance keys): the kind and service of the documents it makes, and the using attribute."""
    uses: dict[str, tuple[PolicyKind, str | None, str]] = {}
    configuration = data.get("configuration")
    root = configuration.get("root_module") if isinstance(configuration, dict) else None
    for prefix, module in _module_configs(root):
        resources = module.get("resources")
        if not isinstance(resources, list):
            continue
        for resource in resources:
            if not isinstance(resource, dict) or resource.get("mode", "managed") != "managed":
                continue
            expressions = resource.get("expressions")
            kind_name = resource.get("type")
            if not isinstance(expressions, dict) or not isinstance(kind_name, str):
                continue
            places = [
                (attribute, kind, service, expressions.get(attribute))
                for attribute, kind, service in RESOURCE_ATTRIBUTES.get(kind_name, ())
            ]
            blocks = expressions.get("inline_policy") if kind_name == "aws_iam_role" else None
            for block in blocks if isinstance(blocks, list) else []:
                if isinstance(block, dict):  # inline_policy { policy = data...json }
                    places.append(("inline_policy", _I, None, block.get("policy")))
            for attribute, kind, service, expression in places:
                references = expression.get("references") if isinstance(expression, dict) else None
                if not isinstance(references, list):
                    continue
                for reference in references:
                    if isinstance(reference, str) and reference.startswith(
                        f"data.{_DOCUMENT_TYPE}."
                    ):
                        name = _INSTANCE_KEY.sub("", reference.split(".")[2])
                        address = f"data.{_DOCUMENT_TYPE}.{name}"
                        full = f"{prefix}.{address}" if prefix else address
                        using = f"{resource.get('address', kind_name)}.{attribute}"
                        uses.setdefault(full, (kind, service, using))
    return uses


def _with_unknowns(known: Any, unknown_mask: Any, name: str) -> Any:
    """The value with every part the plan marks unknown replaced by a placeholder."""
    if unknown_mask is True:
        return unknown(name)
    if isinstance(known, list):
        marks = unknown_mask if isinstance(unknown_mask, list) else []
        return [
            _with_unknowns(v, marks[i] if i < len(marks) else None, f"{name}[{i}]")
            for i, v in enumerate(known)
        ]
    if isinstance(known, dict):
        mask = unknown_mask if isinstance(unknown_mask, dict) else {}
        merged = {k: _with_unknowns(v, mask.get(k), f"{name}.{k}") for k, v in known.items()}
        for key, flag in mask.items():
            if flag is True and key not in merged:
                merged[key] = unknown(f"{name}.{key}")
        return merged
    return known


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def _document_from_blocks(after: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The policy an `aws_iam_policy_document` renders, from its (partly unknown) arguments;
    None when it also merges other documents (`source_policy_documents`, ...)."""
    for merged in ("source_policy_documents", "override_policy_documents", "source_json"):
        if after.get(merged):
            return None
    statements: list[dict[str, Any]] = []
    blocks = after.get("statement")
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        statement: dict[str, Any] = {}
        if block.get("sid"):
            statement["Sid"] = block["sid"]
        statement["Effect"] = block.get("effect") or "Allow"
        for field, element in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            values = _strings(block.get(field))
            if values:
                statement[element] = values if len(values) > 1 else values[0]
        for field, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals: dict[str, list[str]] = {}
            entries = block.get(field)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict):
                    key = str(entry.get("type") or "AWS")
                    principals.setdefault(key, []).extend(_strings(entry.get("identifiers")))
            if principals == {"*": ["*"]}:
                statement[element] = "*"
            elif principals:
                statement[element] = {
                    k: (v if len(v) > 1 else v[0]) for k, v in principals.items() if v
                }
        conditions: dict[str, dict[str, list[str]]] = {}
        entries = block.get("condition")
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("test") and entry.get("variable"):
                block_values = conditions.setdefault(str(entry["test"]), {})
                block_values.setdefault(str(entry["variable"]), []).extend(
                    _strings(entry.get("values"))
                )
        if conditions:
            statement["Condition"] = conditions
        statements.append(statement)
    document: dict[str, Any] = {"Version": after.get("version") or "2012-10-17"}
    if after.get("policy_id"):
        document["Id"] = after["policy_id"]
    document["Statement"] = statements
    return document


def _deferred_documents(
    data: dict[str, Any], changes: dict[str, dict[str, Any]]
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """`aws_iam_policy_document` data sources read only at apply, with the document built from
    their arguments (None when it cannot be)."""
    for address, change in changes.items():
        if change.get("mode") != "data" or change.get("type") != _DOCUMENT_TYPE:
            continue
        body = change.get("change")
        if not isinstance(body, dict):
            continue
        after = body.get("after")
        mask = body.get("after_unknown")
        if not isinstance(after, dict):
            after = {}
        if isinstance(after.get("json"), str) and after["json"]:
            continue  # known: it is linted where it is used
        merged = _with_unknowns(after, mask if isinstance(mask, dict) else {}, address)
        yield address, _document_from_blocks(merged, address)


def load_plan(data: dict[str, Any], file: str) -> Loaded:
    """Every policy document of the plan's resources, and of the policy documents data sources
    that Terraform reads only at apply."""
    from dataclasses import replace

    loaded = Loaded(source="terraform")
    changes = _changes(data)
    for resource in _resources(data):
        address = str(resource.get("address") or f"{resource.get('type')}.{resource.get('name')}")
        for attribute, value, kind, service in _documents(resource):
            label = f"{address}.{attribute}"
            if value is None or value == "":
                if _unknown_after(changes.get(address), attribute):
                    loaded.notes.append(
                        f"{file}: {label} is known only after apply; not linted as text"
                    )
                continue
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
    uses = _document_uses(data)
    for address, document in _deferred_documents(data, changes):
        if document is None:
            loaded.notes.append(f"{file}: {address} merges other documents; not linted")
            continue
        use = uses.get(_INSTANCE_KEY.sub("", address))
        use_kind, use_service = (use[0], use[1]) if use is not None else (None, None)
        root = parse_embedded(json.dumps(document, indent=2), file, None)
        attachment = {
            "source": "terraform",
            "address": address,
            "type": _DOCUMENT_TYPE,
            "used_by": use[2] if use is not None else None,
        }
        loaded.targets.append(LintTarget(file, root, use_kind, use_service, attachment, address))
    if not loaded.targets and not loaded.findings:
        loaded.notes.append(f"{file}: Terraform plan holds no policy documents")
    return loaded

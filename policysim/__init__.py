"""policysim: an offline AWS IAM policy simulator and linter.

The public API, importable for notebooks and scripts::

    import policysim

    policy = policysim.parse_policy(text, "policy.json")
    request = policysim.build_request(
        "arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::bucket/key"
    )
    result = policysim.evaluate(policysim.PolicySet(identity=[policysim.NamedPolicy(policy, "p")]), request)
    print(result.decision, result.reason)

Names are imported lazily so that `import policysim` (and the CLI's start) stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from policysim._version import __version__

_EXPORTS = {
    "Policy": "policysim.policy.model",
    "Statement": "policysim.policy.model",
    "Principal": "policysim.policy.model",
    "PolicyError": "policysim.policy.errors",
    "Position": "policysim.policy.errors",
    "parse_policy": "policysim.policy.build",
    "load_policy": "policysim.policy.build",
    "policy_from_data": "policysim.policy.build",
    "Arn": "policysim.policy.arn",
    "parse_arn": "policysim.policy.arn",
    "Request": "policysim.engine.request",
    "RequestPrincipal": "policysim.engine.request",
    "PrincipalKind": "policysim.engine.request",
    "Context": "policysim.engine.request",
    "build_request": "policysim.engine.context_keys",
    "PolicySet": "policysim.engine.compiled",
    "NamedPolicy": "policysim.engine.compiled",
    "CompiledPolicySet": "policysim.engine.compiled",
    "compile_policy_set": "policysim.engine.compiled",
    "EvaluationOptions": "policysim.engine.options",
    "Decision": "policysim.engine.result",
    "EvaluationResult": "policysim.engine.result",
    "MatchedStatement": "policysim.engine.result",
    "PolicyType": "policysim.engine.result",
    "Dependency": "policysim.engine.result",
    "KeyCondition": "policysim.engine.result",
    "Resolver": "policysim.account.resolve",
    "open_resolver": "policysim.account.workspace",
    "load_snapshot": "policysim.account.loaders",
    "evaluate": "policysim.api",
    "get_catalog": "policysim.catalog",
    "find_paths": "policysim.paths",
    "PathsReport": "policysim.paths",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from policysim.account.loaders import load_snapshot
    from policysim.account.resolve import Resolver
    from policysim.account.workspace import open_resolver
    from policysim.api import evaluate
    from policysim.catalog import get_catalog
    from policysim.engine.compiled import (
        CompiledPolicySet,
        NamedPolicy,
        PolicySet,
        compile_policy_set,
    )
    from policysim.engine.context_keys import build_request
    from policysim.engine.options import EvaluationOptions
    from policysim.engine.request import Context, PrincipalKind, Request, RequestPrincipal
    from policysim.engine.result import (
        Decision,
        Dependency,
        EvaluationResult,
        KeyCondition,
        MatchedStatement,
        PolicyType,
    )
    from policysim.paths import PathsReport, find_paths
    from policysim.policy.arn import Arn, parse_arn
    from policysim.policy.build import load_policy, parse_policy, policy_from_data
    from policysim.policy.errors import PolicyError, Position
    from policysim.policy.model import Policy, Principal, Statement


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'policysim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value

"""policysim: an offline AWS IAM policy simulator and linter.

The public API, importable for notebooks and scripts::

    import policysim

    policy = policysim.parse_policy(text, "policy.json")
    request = policysim.build_request(
        "arn:aws:iam::111122223333:user/alice", "s3:GetObject", "arn:aws:s3:::bucket/key"
    )
    result = policysim.evaluate(policysim.PolicySet(identity=[policysim.NamedPolicy(policy, "p")]), request)
    print(result.decision, result.reason)

A whole organization (a directory `policysim fetch --org` wrote, or several account files)
is one snapshot; who-can over it runs on an executor, serial by default::

    resolver = policysim.open_resolver([Path("org/")])
    answer = policysim.who_can_org(
        resolver, "s3:GetObject", "arn:aws:s3:::bucket/key",
        executor=policysim.ProcessExecutor(4),  # or DaskExecutor("local"), SerialExecutor()
    )
    answer.report.allowed, answer.failures  # failures: accounts that could not be answered
    resolver.snapshot.unreadable            # accounts fetch --org could not read

Names are imported lazily so that `import policysim` (and the CLI's start) stays fast; Dask
only when a `DaskExecutor` runs.
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
    "load_accounts": "policysim.account.loaders",
    "Snapshot": "policysim.account.model",
    "UnreadableAccount": "policysim.account.model",
    "Executor": "policysim.org",
    "SerialExecutor": "policysim.org",
    "ProcessExecutor": "policysim.org",
    "DaskExecutor": "policysim.org",
    "ExecutorError": "policysim.org",
    "who_can_org": "policysim.org",
    "OrgWhoCan": "policysim.org",
    "AccountFailure": "policysim.org",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:
    from policysim.account.loaders import load_accounts, load_snapshot
    from policysim.account.model import Snapshot, UnreadableAccount
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
    from policysim.org import (
        AccountFailure,
        DaskExecutor,
        Executor,
        ExecutorError,
        OrgWhoCan,
        ProcessExecutor,
        SerialExecutor,
        who_can_org,
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

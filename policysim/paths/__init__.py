"""Privilege-escalation paths: who can become admin, or reach a permission, hop by hop.

    from policysim.paths import find_paths

    report = find_paths("account.yaml")                       # every path to admin
    report = find_paths(resolver, ("s3:GetObject", "arn:aws:s3:::b/k"), sources=["arn:..."])
    for path in report.paths:
        print(path.source, [hop.method.id for hop in path.hops])

Methods are data (`policysim/paths/methods/*.yaml`, each citing its pathfinding.cloud id);
every edge is a set of engine decisions; see docs/paths.md.
"""

from policysim.paths.api import Target, find_paths
from policysim.paths.method import Method, MethodError, MethodSet, shipped_methods
from policysim.paths.report import FoundPath, PathsReport
from policysim.paths.search import Hop

__all__ = [
    "FoundPath",
    "Hop",
    "Method",
    "MethodError",
    "MethodSet",
    "PathsReport",
    "Target",
    "find_paths",
    "shipped_methods",
]

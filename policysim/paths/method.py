"""Escalation methods as data: one YAML file per method under `policysim/paths/methods/`.

A method says what a caller must be allowed to do (each action and the resource it is asked
on), and what it then obtains. The graph (`paths.edges`) reads only these declarations, so a
new method is a new file, checked here when loaded: a bad file is one clear error naming the
file and the problem, never a half-read method.

Kinds:

* `become`: the caller obtains the permissions of another principal (`acts_on: user` or
  `role`).
* `modify`: the caller changes a principal's permissions (`acts_on: user`, `role`, `group`,
  `policy` or `principal`): `change: identity` (it may now write any identity policy),
  `boundary` (its permissions boundary is gone) or `join` (a user joins the group).
* `passrole`: the caller passes a role to a new resource of `service`, which runs the caller's
  code as that role; the role must trust the service (and for EC2 sit in an instance profile).
* `combo`: a named combination of a `modify` and a `become` method on the same principal.

Resources: `target` (the principal, group or policy acted on), `passed-role` (the role of a
`passrole` method), `new` (a resource the caller creates and so names: any ARN of the action's
resource type that the caller's policies allow is a witness).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from policysim.policy.errors import PolicyError

Kind = Literal["become", "modify", "passrole", "combo"]
Change = Literal["identity", "boundary", "join"]
On = Literal["user", "role", "group", "policy", "principal"]
ResourceRole = Literal["target", "passed-role", "new"]

PATHFINDING = "https://pathfinding.cloud/paths/"
_KINDS = ("become", "modify", "passrole", "combo")
_CHANGES = ("identity", "boundary", "join")
_ON = {"become": ("user", "role"), "modify": ("user", "role", "group", "policy", "principal")}
_RESOURCES = ("target", "passed-role", "new")
_KEYS = {
    "id",
    "name",
    "category",
    "pathfinding",
    "description",
    "kind",
    "acts_on",
    "change",
    "requires",
    "service",
    "instance_profile",
    "parts",
    "annotation",
}
_REQUIREMENT_KEYS = {"action", "resource", "context", "when", "trust"}


class MethodError(PolicyError):
    """A method file that cannot be used: names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Requirement:
    """One action the caller must be allowed, and on what."""

    action: str
    resource: ResourceRole
    context: tuple[tuple[str, str], ...] = ()
    """Context keys the request carries (`{partition}` is replaced by the account's)."""
    when: Literal["user", "role"] | None = None
    """Only for targets of this kind (`DeleteUserPermissionsBoundary` is for users)."""
    trust_names_caller: bool = False
    """`sts:AssumeRole` decided against a trust policy rewritten to name the caller."""


@dataclass(frozen=True, slots=True)
class Method:
    """One escalation method, as its file declares it."""

    id: str
    name: str
    category: str
    description: str
    kind: Kind
    requires: tuple[Requirement, ...] = ()
    on: On | None = None
    change: Change | None = None
    service: str | None = None
    instance_profile: bool = False
    parts: tuple[str, ...] = ()
    annotation: str | None = None
    pathfinding: str | None = None
    file: str = ""

    @property
    def link(self) -> str | None:
        """The pathfinding.cloud page of the method, when it has one."""
        return self.pathfinding

    def requirements_for(self, kind: str) -> tuple[Requirement, ...]:
        """The requirements that apply to a target of `kind` (user or role)."""
        return tuple(r for r in self.requires if r.when is None or r.when == kind)


@dataclass(slots=True)
class MethodSet:
    """Every loaded method, by id, in file-name order."""

    methods: dict[str, Method] = field(default_factory=dict)

    def __getitem__(self, method_id: str) -> Method:
        return self.methods[method_id]

    def of_kind(self, kind: Kind) -> list[Method]:
        """The methods of one kind, those that need nothing the account cannot show first (so
        that of two equally short paths, the one without a caveat is reported)."""
        found = [m for m in self.methods.values() if m.kind == kind]
        return sorted(found, key=lambda m: (m.annotation is not None, m.id))

    def combos(self) -> dict[tuple[str, str], Method]:
        """Combination methods keyed by (modify method id, become method id)."""
        return {(m.parts[0], m.parts[1]): m for m in self.of_kind("combo")}


def _fail(file: str, message: str) -> MethodError:
    return MethodError(message, file=file)


def _text(data: dict[str, Any], key: str, file: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise _fail(file, f"method file lacks {key!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(file, f"{key!r} must be a non-empty string, got {value!r}")
    return value


def _requirement(entry: Any, file: str, index: int) -> Requirement:
    where = f"requires[{index}]"
    if not isinstance(entry, dict):
        raise _fail(file, f"{where} must be a mapping with action and resource")
    unknown = set(entry) - _REQUIREMENT_KEYS
    if unknown:
        raise _fail(file, f"{where}: unknown key {sorted(unknown)[0]!r}")
    action = entry.get("action")
    if not isinstance(action, str) or action.count(":") != 1:
        raise _fail(file, f"{where}: action must be SERVICE:Name, got {action!r}")
    from policysim.catalog import get_catalog

    if get_catalog().action(action) is None:
        raise _fail(file, f"{where}: {action!r} is not an action the IAM catalog knows")
    resource = entry.get("resource")
    if resource not in _RESOURCES:
        raise _fail(file, f"{where}: resource must be one of {', '.join(_RESOURCES)}")
    context = entry.get("context") or {}
    if not isinstance(context, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in context.items()
    ):
        raise _fail(file, f"{where}: context must map keys to string values")
    when = entry.get("when")
    if when not in (None, "user", "role"):
        raise _fail(file, f"{where}: when must be user or role")
    trust = entry.get("trust")
    if trust not in (None, "names-caller"):
        raise _fail(file, f"{where}: trust may only be names-caller")
    return Requirement(action, resource, tuple(context.items()), when, trust == "names-caller")


def parse_method(data: Any, file: str) -> Method:
    """A method from the parsed YAML of its file; `MethodError` on any problem."""
    if not isinstance(data, dict):
        raise _fail(file, "a method file holds a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise _fail(file, f"unknown key {sorted(unknown)[0]!r}")
    method_id = _text(data, "id", file)
    assert method_id is not None
    stem = file.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem != method_id:
        raise _fail(file, f"id {method_id!r} differs from the file name {stem!r}")
    kind = data.get("kind")
    if kind not in _KINDS:
        raise _fail(file, f"kind must be one of {', '.join(_KINDS)}, got {kind!r}")
    link = _text(data, "pathfinding", file, required=False)
    if method_id.startswith("ps-"):
        if link is not None:
            raise _fail(file, "a ps- method has no pathfinding.cloud page")
    elif link != PATHFINDING + method_id:
        raise _fail(file, f"pathfinding must be {PATHFINDING}{method_id}")
    raw_requires = data.get("requires") or []
    if not isinstance(raw_requires, list):
        raise _fail(file, "requires must be a list")
    requires = tuple(_requirement(e, file, i) for i, e in enumerate(raw_requires))
    method = Method(
        id=method_id,
        name=_text(data, "name", file) or "",
        category=_text(data, "category", file) or "",
        description=_text(data, "description", file) or "",
        kind=kind,
        requires=requires,
        on=data.get("acts_on"),
        change=data.get("change"),
        service=_text(data, "service", file, required=False),
        instance_profile=bool(data.get("instance_profile", False)),
        parts=tuple(data.get("parts") or ()),
        annotation=_text(data, "annotation", file, required=False),
        pathfinding=link,
        file=file,
    )
    _check_shape(method)
    return method


def _check_shape(method: Method) -> None:
    """What each kind needs, and nothing it cannot use."""
    file = method.file
    if method.kind == "combo":
        if len(method.parts) != 2 or method.requires:
            raise _fail(file, "a combo names two parts (a modify and a become method), no requires")
        return
    if not method.requires:
        raise _fail(file, "a method must require at least one action")
    if method.kind in _ON and method.on not in _ON[method.kind]:
        raise _fail(file, f"acts_on must be one of {', '.join(_ON[method.kind])} for {method.kind}")
    if method.kind == "modify" and method.change not in _CHANGES:
        raise _fail(file, f"change must be one of {', '.join(_CHANGES)}")
    if method.kind != "modify" and method.change is not None:
        raise _fail(file, "only modify methods have a change")
    if method.kind == "passrole":
        if not method.service or not method.service.endswith(".amazonaws.com"):
            raise _fail(file, "a passrole method names the service principal it passes to")
        if not any(r.action.lower() == "iam:passrole" for r in method.requires):
            raise _fail(file, "a passrole method requires iam:PassRole on the passed role")
    elif method.service is not None or method.instance_profile:
        raise _fail(file, "only passrole methods name a service or an instance profile")
    roles = {r.resource for r in method.requires}
    if method.kind == "passrole" and "target" in roles:
        raise _fail(file, "a passrole method acts on the passed-role and new resources")
    if method.kind != "passrole" and roles - {"target"}:
        raise _fail(file, f"a {method.kind} method acts on its target only")


def _check_combos(found: dict[str, Method]) -> None:
    for method in found.values():
        if method.kind != "combo":
            continue
        first, second = (found.get(p) for p in method.parts)
        if first is None or first.kind != "modify" or second is None or second.kind != "become":
            raise _fail(
                method.file,
                f"combo parts must name a loaded modify method, then a become method: "
                f"{list(method.parts)}",
            )


def load_method_texts(texts: dict[str, str]) -> MethodSet:
    """Methods from file name -> YAML text (the shipped files, or a test's)."""
    found: dict[str, Method] = {}
    for file in sorted(texts):
        try:
            data = yaml.safe_load(texts[file])
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise _fail(file, f"not valid YAML{where}") from None
        method = parse_method(data, file)
        if method.id in found:
            raise _fail(file, f"method {method.id!r} is defined twice")
        found[method.id] = method
    _check_combos(found)
    return MethodSet(found)


@cache
def shipped_methods() -> MethodSet:
    """The methods shipped with policysim (read once per process)."""
    folder = resources.files("policysim.paths") / "methods"
    texts = {
        f"policysim/paths/methods/{entry.name}": entry.read_text(encoding="utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    }
    return load_method_texts(texts)

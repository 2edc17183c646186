"""What the simulator form posted, read into one value (no decision here: see `simulator`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

RESOURCE_FIELD = "resource:"
"""Name prefix of the per-action resource fields: `resource:s3:GetObject`."""
CONTEXT_FIELD = "context:"
"""Name prefix of the context-key fields: `context:aws:SourceIp`."""


@dataclass(slots=True)
class SimulatorForm:
    """The simulator page's fields."""

    principal: str = ""
    """The principal's ARN (user, group, role)."""
    loaded_principal: str = ""
    """The principal whose policy checkboxes the posted form showed: when it differs from
    `principal`, the checkboxes belong to another principal and every policy counts."""
    included: frozenset[str] | None = None
    """Keys of the ticked policies; None: all (a principal just picked)."""
    shown: frozenset[str] = frozenset()
    """Keys of the policies the posted form showed a checkbox for."""
    include_resource_policy: bool = True
    service: str = ""
    query: str = ""
    actions: list[str] = field(default_factory=list)
    all_of_service: bool = False
    resources: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)
    run: bool = False

    def resource_of(self, action: str) -> str:
        """The resource given for `action`, `*` when none."""
        return self.resources.get(action, "").strip() or "*"


def read_simulator_form(data: MultiDict[str, str], *, posted: bool) -> SimulatorForm:
    """The form's values; `posted` False (a first visit, or a link) leaves every policy ticked."""
    principal = data.get("principal", "").strip()
    loaded = data.get("loaded_principal", "").strip()
    fresh = not posted or principal != loaded
    actions: list[str] = []
    for action in data.getlist("action"):
        action = action.strip()
        if action and action not in actions:
            actions.append(action)
    return SimulatorForm(
        principal=principal,
        loaded_principal=loaded,
        included=None if fresh else frozenset(data.getlist("policy")),
        shown=frozenset(data.getlist("shown_policy")),
        include_resource_policy=fresh or data.get("resource_policy", "") == "on",
        service=data.get("service", "").strip().lower(),
        query=data.get("q", "").strip(),
        actions=actions,
        all_of_service=data.get("all_of_service", "") == "on",
        resources={
            key.removeprefix(RESOURCE_FIELD): data.get(key, "")
            for key in data
            if key.startswith(RESOURCE_FIELD)
        },
        context={
            key.removeprefix(CONTEXT_FIELD): data.get(key, "").strip()
            for key in data
            if key.startswith(CONTEXT_FIELD)
        },
        run=data.get("do", "") == "run",
    )

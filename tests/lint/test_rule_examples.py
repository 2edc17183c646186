"""Every rule fires on its catalog example and stays silent on its near miss."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policysim.lint.context import LintSettings
from policysim.lint.registry import Rule, all_rules
from policysim.lint.runner import LintOptions, lint_source

RULES = all_rules()


def _text(document: Any) -> str:
    return document if isinstance(document, str) else json.dumps(document, indent=2)


def _rules_fired(rule: Rule, document: Any, attachment: dict[str, Any] | None) -> set[str]:
    options = LintOptions(
        enabled=frozenset({rule.id}), settings=rule.example_settings or LintSettings()
    )
    findings = lint_source(
        _text(document),
        "example.json",
        kind=rule.example_kind,
        options=options,
        attachment=attachment,
    )
    return {f.rule for f in findings}


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_example_triggers(rule: Rule) -> None:
    assert rule.id in _rules_fired(rule, rule.example, rule.example_attachment)


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_near_miss_does_not_trigger(rule: Rule) -> None:
    assert rule.id not in _rules_fired(rule, rule.near_miss, rule.near_miss_attachment)


def test_every_rule_is_documented() -> None:
    for rule in RULES.values():
        assert rule.title and rule.description, rule.id

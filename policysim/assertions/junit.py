"""JUnit XML for `policysim test --junit FILE`: what CI systems (GitHub, GitLab, Jenkins) show
as test results.

One `<testsuite>` per test file and one `<testcase>` per check (a test with several actions
is several checks). A failed check carries `<failure>` whose message is `expected X, got Y`
and whose text holds the place in the file, the reason, the deciding statements and the
context keys the request lacked. The elements and attributes are those the common JUnit
schema (Jenkins' junit-10.xsd, Ant's JUnit.xsd) requires, and nothing outside it.
Characters XML 1.0 cannot hold (control characters from a test's name) are written as escapes.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from policysim.assertions.run import Outcome

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """`text` with the characters XML 1.0 cannot carry shown as `\\xNN` / `\\uNNNN` escapes."""
    return _NOT_XML.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _failure_text(file: str, outcome: Outcome) -> str:
    lines = [f"{file}:{outcome.test.position.line}: {outcome.test.name} [{outcome.action}]"]
    result = outcome.result
    if result is None:
        lines.append(f"error: {outcome.error}")
        return "\n".join(lines)
    lines.append(f"expected {outcome.test.expect}, got {result.decision.value}")
    lines.append(f"why: {result.reason}")
    for statement in result.matched_statements:
        lines.append(f"deciding statement: {statement.effect} {statement.describe()}")
    if result.missing_context_keys:
        lines.append("missing context keys: " + ", ".join(result.missing_context_keys))
    return "\n".join(lines)


def junit_xml(
    outcomes: Sequence[tuple[str, Outcome]],
    seconds: float,
    region: str | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """The JUnit XML document for these outcomes (file, outcome), in file order."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")
    host = socket.gethostname() or "localhost"
    files = list(dict.fromkeys(file for file, _ in outcomes))
    failed_total = sum(1 for _, o in outcomes if not o.passed)
    root = ET.Element(
        "testsuites",
        name="policysim test",
        tests=str(len(outcomes)),
        failures=str(failed_total),
        errors="0",
        time=f"{seconds:.3f}",
    )
    for index, file in enumerate(files):
        mine = [o for f, o in outcomes if f == file]
        failed = sum(1 for o in mine if not o.passed)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_xml(file),
            tests=str(len(mine)),
            failures=str(failed),
            errors="0",
            skipped="0",
            time=f"{sum(o.seconds for o in mine):.3f}",
            timestamp=stamp,
            hostname=_xml(host),
            id=str(index),
            package="policysim",
        )
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="region", value=region or "none")
        for outcome in mine:
            case = ET.SubElement(
                suite,
                "testcase",
                name=_xml(f"{outcome.test.name} [{outcome.action}]"),
                classname=_xml(file),
                time=f"{outcome.seconds:.3f}",
            )
            if not outcome.passed:
                got = outcome.result.decision.value if outcome.result else "Error"
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=_xml(f"expected {outcome.test.expect}, got {got}"),
                    type=got,
                )
                failure.text = _xml(_failure_text(file, outcome))
        ET.SubElement(suite, "system-out")
        ET.SubElement(suite, "system-err")
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"

"""Unknown values: text that stands for something fixed only when infrastructure code deploys.

A CloudFormation `${AWS::AccountId}`, `!GetAtt Bucket.Arn` or a Terraform value known only after
apply is not policy text, and a linter must not judge it as such. Readers of templates and
plans write such a value as a *placeholder*, `${` + a private-use marker + the name + `}`:

- it contains `${`, so every check that already leaves policy variables alone (ARN segments,
  regions, account IDs, wildcard analysis) leaves placeholders alone too: "could be anything
  of the right shape";
- it is not a policy variable (`find_variables` skips it), so no rule about variables fires;
- it contains no `:`, `/`, `*` or `?`, so an ARN built around it keeps its literal segments
  (`arn:aws:s3:::${Bucket}/*` is still checked as an S3 object ARN);
- `show` turns it back into the `${Name}` the user wrote, for messages.

This module is the one place that knows the spelling.
"""

from __future__ import annotations

import re

MARK = "\u2983"
"""`⦃`, opening a placeholder's name: printable (so `repr` in messages keeps it), and never
valid in an ARN, action or condition key."""
_COLON = "\u2236"
"""RATIO (U+2236) stands for `:` inside a placeholder's name (`AWS::Region`), so that ARN
splitting is unaffected."""
_SLASH = "\u2215"
"""DIVISION SLASH (U+2215) stands for `/` inside a placeholder's name."""

UNKNOWN_START = "${" + MARK
"""How every placeholder begins."""

_PLACEHOLDER = re.compile("\\$\\{" + MARK + "([^}]*)\\}")


def unknown(name: str) -> str:
    """The placeholder of a value known only at deployment, named for messages (`show` gives
    the name back, except that `}*?` and spaces become `)__` and `_`)."""
    safe = (
        name.replace(":", _COLON)
        .replace("/", _SLASH)
        .replace("}", ")")
        .replace("*", "_")
        .replace("?", "_")
        .replace(" ", "_")
    )
    return "${" + MARK + safe + "}"


def has_unknown(text: str) -> bool:
    """Whether some part of the text is unknown until deployment."""
    return MARK in text


def is_unknown(text: str) -> bool:
    """Whether the whole text is one placeholder."""
    return _PLACEHOLDER.fullmatch(text) is not None


def literal_parts(text: str) -> list[str]:
    """The text around placeholders (what a check may still judge)."""
    return _PLACEHOLDER.split(text)[::2]


def stand_in(text: str, sample: str) -> str:
    """The text with each placeholder replaced by a sample of the right shape, for checks of
    a whole value's form (`logs.${AWS::Region}.amazonaws.com` is a service principal)."""
    if MARK not in text:
        return text
    return _PLACEHOLDER.sub(lambda _: sample, text)


def show(text: str) -> str:
    """The text with each placeholder written back as the `${Name}` of the template."""
    if MARK not in text:
        return text
    return _PLACEHOLDER.sub(
        lambda m: "${" + m.group(1).replace(_COLON, ":").replace(_SLASH, "/") + "}", text
    )

"""A query AST back to text: `parse_query(render_query(q)) == q` for every parsed query."""

from __future__ import annotations

from policysim.account.principal_spec import render_principal as principal_text
from policysim.query.ast import CanQuery, ContextValue, PrincipalRef, Query
from policysim.query.parser import bare_value_pattern


def render_principal(principal: PrincipalRef) -> str:
    """``user/alice``, ``account/111122223333``, ``root``, ``anonymous``, an ARN, ...; a
    CloudFront OAI ARN (its name has spaces) in double quotes."""
    text = principal_text(principal)
    return render_value(text) if principal.kind == "oai" else text


def render_value(value: ContextValue) -> str:
    """A bare word when the grammar allows one, else a double-quoted string; lists in ``[]``."""
    if isinstance(value, tuple):
        return "[" + ", ".join(render_value(item) for item in value) + "]"
    if bare_value_pattern().fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def render_query(query: Query) -> str:
    """The canonical text of a query: lower-case keywords, ``on`` always written."""
    head = f"can {render_principal(query.principal)}" if isinstance(query, CanQuery) else "who can"
    text = f"{head} do {', '.join(query.actions)} on {query.resource}"
    if query.context:
        conditions = " and ".join(f"{k}={render_value(v)}" for k, v in query.context.items())
        text += f" when {conditions}"
    return text

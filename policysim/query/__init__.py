"""The query language: ``can user/alice do s3:PutObject on ARN when KEY=VALUE``, ``who can ...``.

`parse_query` turns a query into a typed AST (`CanQuery`, `WhoCanQuery`) or raises a one-line
`QueryError` with a hint; `render_query` writes an AST back as text. The language reference is
the docstring of `policysim.query.parser` and, in brief, `QUERY_HELP`.
"""

from policysim.query.ast import (
    CanQuery,
    ContextValue,
    PrincipalKind,
    PrincipalRef,
    Query,
    WhoCanQuery,
)
from policysim.query.errors import QueryError
from policysim.query.parser import QUERY_HELP, parse_query
from policysim.query.render import render_query

__all__ = [
    "QUERY_HELP",
    "CanQuery",
    "ContextValue",
    "PrincipalKind",
    "PrincipalRef",
    "Query",
    "QueryError",
    "WhoCanQuery",
    "parse_query",
    "render_query",
]

"""The query language: ``can user/alice do s3:PutObject on arn:aws:s3:::b/k when ...``.

Grammar
-------
The grammar is ``grammars/query.lark``, parsed with lark's LALR parser and contextual lexer::

    can PRINCIPAL do ACTION[, ACTION...] [on RESOURCE] [when CONDITION [and CONDITION...]]
    who can do ACTION[, ACTION...] [on RESOURCE] [when CONDITION [and CONDITION...]]

Keywords (``can who do on when and anonymous root``) are case-insensitive and only whole words:
``candy`` is not ``can``. Words are separated by whitespace; an ARN is one word from ``arn:`` up
to the next whitespace, so ``on``, ``when`` or ``and`` inside an ARN never act as keywords.

PRINCIPAL (`PrincipalRef`, the grammar every command shares: `policysim.account.principal_spec`)
    ``user/NAME``, ``role/NAME`` and ``group/NAME``: NAME uses the IAM name characters ``A-Z a-z
    0-9 + = , . @ _ -``; earlier ``/``-separated segments are the IAM path
    (``user/engineering/alice`` is user ``alice`` at path ``/engineering/``; the AST keeps
    ``engineering/alice``). The kind word is case-insensitive (``User/alice``); the name is kept
    as written. A group is asked about as any of its members (the group's policies).
    ``service/HOST``: a service principal, ``service/lambda.amazonaws.com``.
    ``account/ID``: the root of account ID (12 digits); ``root``: the root user of the account
    being asked about (kind ``root``, empty name).
    ``anonymous``: an unauthenticated caller.
    An IAM or STS ARN: ``arn:aws:iam::111122223333:user/alice``,
    ``arn:aws:sts::111122223333:assumed-role/deploy/ci-session`` (kind ``arn``).
    A CloudFront origin access identity's ARN, double-quoted because its name has spaces:
    ``"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"``.
ACTION
    ``service:Name`` with ``*`` and ``?`` wildcards in the name (``s3:Get*``), or ``*``. Several
    actions are separated by commas: ``do s3:GetObject, s3:PutObject``.
RESOURCE
    An ARN (with wildcards if wanted) or ``*``; without ``on`` the resource is ``*``.
CONDITION
    ``KEY=VALUE``, spaces around ``=`` allowed. KEY is ``prefix:Name`` (``aws:SourceIp``,
    ``s3:prefix``, ``aws:PrincipalTag/team``). VALUE is a bare word (``10.0.0.1``,
    ``10.0.0.0/8``, ``2026-01-01T00:00:00Z``, ``arn:aws:...``) that contains none of
    whitespace, ``" , = [ ]`` and is not the word ``and``; anything else is a double-quoted string
    in which ``\\"`` is a quote and ``\\\\`` a backslash. A multivalued key takes a list,
    ``aws:TagKeys=[team, env]`` (``[]`` is the empty set, ``[x]`` a set of one), which the AST
    keeps as a tuple; a single value is a string. ``aws:TagKeys=a,b`` is rejected with a hint,
    so that a comma is never silently a separator. A key may appear once (compared
    case-insensitively, as IAM does).

Errors
------
`parse_query` raises `QueryError`: one line, ``query:LINE:COL: what is wrong (hint)``, the
column pointing at the offending character and the hint usually a corrected query. It covers
misspelled keywords (``cna``, ``wen``, ``whoo``), a missing ``do``/``on``/``when``/``and``,
``user alice`` for ``user/alice``, actions without a service prefix, values missing after
``=``, unterminated quotes, ``a,b`` lists and more (see `policysim.query.diagnose`).

Nothing here evaluates a query: the result is a typed AST (`CanQuery`, `WhoCanQuery`).
"""

from __future__ import annotations

import re
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from policysim.account.principal_spec import PrincipalSyntaxError, parse_principal_word
from policysim.catalog.key_values import context_value_error
from policysim.engine.request import is_cloudfront_oai
from policysim.grammar_loader import grammar_text
from policysim.policy.errors import Position, position_at
from policysim.query.ast import CanQuery, ContextValue, PrincipalRef, Query, WhoCanQuery
from policysim.query.diagnose import EXAMPLE, syntax_error
from policysim.query.errors import QueryError

__all__ = ["QUERY_HELP", "QueryError", "parse_query"]

QUERY_HELP = """\
A query asks whether one principal may make a request, or which principals may:

  can PRINCIPAL do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and KEY=VALUE...]]
  who can do ACTION[, ACTION...] [on RESOURCE] [when KEY=VALUE [and KEY=VALUE...]]

PRINCIPAL  user/NAME, role/NAME or group/NAME (an IAM path may come first:
           user/eng/alice), service/HOST (service/lambda.amazonaws.com), account/ID (that
           account's root), root (the account's root user), anonymous, an IAM or STS ARN
           (arn:aws:sts::111122223333:assumed-role/deploy/ci), or a CloudFront OAI ARN in
           double quotes ("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID").
ACTION     service:Name, with * and ? wildcards (s3:Get*), or * for every action.
RESOURCE   an ARN (arn:aws:s3:::bucket/key) or *; without 'on' the resource is *.
KEY=VALUE  a request context entry: aws:SourceIp=10.0.0.1,
           aws:CurrentTime=2026-01-01T00:00:00Z. Double-quote values with spaces or any
           of , = [ ] (aws:PrincipalTag/team="data eng"); a multivalued key takes a
           list: aws:TagKeys=[team, env].
Keywords are case-insensitive. An ARN is one word, so 'on' or 'when' inside it is fine.

Examples:
  can user/alice do s3:PutObject on arn:aws:s3:::b/k when aws:SourceIp=10.0.0.1
  can role/deploy do iam:PassRole, iam:GetRole on arn:aws:iam::111122223333:role/app
  can service/sns.amazonaws.com do sqs:SendMessage on arn:aws:sqs:us-east-1:111122223333:q
  can anonymous do s3:GetObject on arn:aws:s3:::public-site/index.html
  who can do iam:PassRole on *
  who can do s3:DeleteObject on arn:aws:s3:::b/* when aws:MultiFactorAuthPresent=false
"""
"""The language reference in brief, for the CLI's ``policysim query --help``."""

_ACTION_NAME_CHAR = re.compile(r"[A-Za-z0-9*?]")
_ESCAPE = re.compile(r"\\([\s\S])")


@cache
def query_parser() -> Lark:
    """The LALR parser for ``grammars/query.lark`` (built once)."""
    return Lark(grammar_text("query"), parser="lalr", lexer="contextual")


@cache
def bare_value_pattern() -> re.Pattern[str]:
    """The grammar's BARE terminal: a value matching it fully needs no quotes."""
    return re.compile(query_parser().get_terminal("BARE").pattern.to_regexp())


def parse_query(text: str) -> Query:
    """Parse one query into a `CanQuery` or `WhoCanQuery`, or raise `QueryError`."""
    if not text.strip():
        raise QueryError(
            "empty query; a query starts with 'can' or 'who'",
            position=Position(1, 1),
            hint=f"e.g. {EXAMPLE}",
        )
    try:
        tree = query_parser().parse(text)
    except UnexpectedInput as err:
        raise syntax_error(err, text) from None
    return _Builder(text).query(tree)


class _Builder:
    """Turns the parse tree into the AST, checking what the terminals leave loose."""

    def __init__(self, text: str) -> None:
        self.text = text

    def error(self, token: Token, offset: int, message: str, hint: str = "") -> QueryError:
        """A `QueryError` at `offset` characters into `token`."""
        start = token.start_pos or 0
        return QueryError(message, position=position_at(self.text, start + offset), hint=hint)

    def query(self, tree: Tree[Token]) -> Query:
        node = tree.children[0]
        assert isinstance(node, Tree)
        principal: PrincipalRef | None = None
        actions: tuple[str, ...] = ()
        resource = "*"
        context: dict[str, ContextValue] = {}
        for child in node.children:
            if not isinstance(child, Tree):
                continue  # keywords
            if child.data == "principal":
                principal = self.principal(_token(child.children[0]))
            elif child.data == "actions":
                actions = tuple(self.action(_token(c)) for c in child.children)
            elif child.data == "on_clause":
                resource = self.resource(_token(child.children[1]))
            elif child.data == "when_clause":
                context = self.conditions(child)
        if node.data == "who_query":
            return WhoCanQuery(actions, resource, context)
        assert principal is not None
        return CanQuery(principal, actions, resource, context)

    def principal(self, token: Token) -> PrincipalRef:
        """The principal grammar shared with every command (`account.principal_spec`); its
        errors point at the offending character of the token."""
        text, shift = str(token), 0
        if token.type == "ARN":
            self.check_arn(token, "principal")
        elif token.type == "STRING":
            text, shift = _scalar(token), 1  # an OAI ARN: its name has spaces
            if not is_cloudfront_oai(text):
                raise self.error(
                    token,
                    0,
                    "quotes are only for condition values and CloudFront OAI ARNs",
                    f"try: can {text} do ...",
                )
        try:
            return parse_principal_word(text)
        except PrincipalSyntaxError as err:
            raise self.error(token, err.offset + shift, err.reason, err.hint) from None

    def check_chars(
        self,
        token: Token,
        at: int,
        allowed: re.Pattern[str],
        what: str,
        listing: str,
    ) -> None:
        """Every character of `token` from `at` on matches `allowed`."""
        for index, char in enumerate(token[at:], start=at):
            if not allowed.fullmatch(char):
                raise self.error(
                    token,
                    index,
                    f"invalid character {char!r} in {what} {_clip(token[at:])!r}",
                    f"allowed: {listing}",
                )

    def check_arn(self, token: Token, what: str) -> None:
        parts = token.split(":", 5)
        example = (
            "arn:aws:iam::111122223333:user/alice"
            if what == "principal"
            else "arn:aws:s3:::bucket/key"
        )
        if len(parts) < 6:
            raise self.error(
                token,
                0,
                f"incomplete {what} ARN {_clip(token)!r}: an ARN is"
                " arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE",
                f"e.g. {example}",
            )
        for index, field_name in ((1, "partition"), (2, "service"), (5, "resource")):
            if not parts[index]:
                offset = len(":".join(parts[:index])) + 1
                raise self.error(
                    token,
                    offset,
                    f"the {field_name} of ARN {_clip(token)!r} is empty",
                    f"e.g. {example}",
                )

    def action(self, token: Token) -> str:
        if token.type == "STAR":
            return "*"
        if token.lower().startswith("arn:"):
            raise self.error(
                token,
                0,
                f"expected an action, got the ARN {_clip(token)!r}",
                "an action is service:Name; the resource goes after 'on'",
            )
        prefix, _, name = token.partition(":")
        if "=" in name:
            raise self.error(
                token,
                0,
                f"expected an action, got the condition {_clip(token)!r}",
                f"a condition goes after 'when': when {_clip(token)}",
            )
        for index, char in enumerate(name, start=len(prefix) + 1):
            if not _ACTION_NAME_CHAR.fullmatch(char):
                hint = "action names are letters and digits, with * and ? wildcards"
                if char == ":":
                    hint = "an action has one ':' between the service prefix and the name"
                raise self.error(
                    token, index, f"invalid character {char!r} in action {_clip(token)!r}", hint
                )
        return str(token)

    def resource(self, token: Token) -> str:
        if token.type == "STAR":
            return "*"
        self.check_arn(token, "resource")
        return str(token)

    def conditions(self, tree: Tree[Token]) -> dict[str, ContextValue]:
        context: dict[str, ContextValue] = {}
        first_seen: dict[str, Token] = {}
        for condition in tree.children:
            if not isinstance(condition, Tree):
                continue  # 'when' and 'and'
            key = _token(condition.children[0])
            folded = key.lower()
            if folded in first_seen:
                first = first_seen[folded]
                raise self.error(
                    key,
                    0,
                    f"condition key {str(key)!r} is given twice (first at column {first.column})",
                    f"give a multivalued key a list: {first}=[a, b]",
                )
            first_seen[folded] = key
            value = condition.children[1]
            context[str(key)] = _value(value)
            for item in value.children if isinstance(value, Tree) else [value]:
                problem = context_value_error(str(key), _scalar(_token(item)))
                if problem is not None:
                    raise self.error(_token(item), 0, f"condition key {str(key)!r}: {problem}")
        return context


def _token(node: Tree[Token] | Token) -> Token:
    assert isinstance(node, Token)
    return node


def _value(node: Tree[Token] | Token) -> ContextValue:
    if isinstance(node, Tree):  # a list
        return tuple(_scalar(_token(item)) for item in node.children)
    return _scalar(node)


def _scalar(token: Token) -> str:
    if token.type == "STRING":
        return _ESCAPE.sub(lambda m: m[1] if m[1] in '"\\' else m[0], token[1:-1])
    return str(token)


def _clip(text: str, limit: int = 48) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."

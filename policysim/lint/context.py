"""What rules look at: one policy document, located, typed, and as models where valid.

Structural rules (PS0xx) walk the located tree, so that they can report every problem of an
invalid document; semantic rules use the statement models, which exist for every statement
that is itself valid even when a sibling is not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import ValidationError

from policysim.lint.finding import Severity
from policysim.lint.policy_type import PolicyKind
from policysim.policy.action import split_action
from policysim.policy.errors import Position
from policysim.policy.fast_build import fast_policy
from policysim.policy.model import VERSION_2012, Policy, Statement
from policysim.policy.operators import Operator, UnknownOperatorError, parse_operator
from policysim.policy.source import Node
from policysim.policy.wildcard import compile_glob, has_wildcard


class ActionPatterns:
    """An Action/NotAction list answering "does some entry match this action name?".

    Equivalent to `any(compile_action_pattern(p)(action) for p in patterns)`, but answers are
    remembered (rules ask about the same few names, iam:PassRole, sts:AssumeRole, ..., of
    statements that may list thousands of actions), and most questions never look at the
    entries one by one: an ASCII list is also kept as one lower-cased text, an entry a line, so
    that "has the list an entry of this service?" and "is this exact name an entry?" are
    substring searches in C. Only when the service has entries, the name is not one of them and
    the list has wildcards (or when the list is too long to search: `_SEARCH_LIMIT`) are the
    service's entries read off the text and its globs compiled (once per service; a list
    without the one text has its entries grouped by prefix, once). Building a matcher is
    then nearly free, which matters: every statement gets one, and most are only asked about
    services they never name.
    """

    __slots__ = (
        "_answers",
        "_any",
        "_by_prefix_built",
        "_compiled",
        "_patterns",
        "_prefixes",
        "_prefixes_known",
        "_text",
        "_wild",
    )

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self._patterns = patterns
        self._any = "*" in patterns
        joined = "\n".join(patterns)
        # One text only when lower-casing it whole is lower-casing each entry's halves (ASCII:
        # a capital sigma lowers by its context) and no entry holds the line separator.
        self._text: str | None = (
            f"\n{joined.lower()}\n"
            if patterns and joined.isascii() and joined.count("\n") == len(patterns) - 1
            else None
        )
        self._wild = "*" in joined or "?" in joined
        self._by_prefix_built: dict[str, list[str]] | None = None
        self._prefixes: frozenset[str] | None = None
        self._prefixes_known = False
        self._compiled: dict[str, tuple[set[str], list[Callable[[str], bool]]]] = {}
        self._answers: dict[str, bool] = {}

    @property
    def prefixes(self) -> frozenset[str] | None:
        """The (lower-cased) service prefixes some entry can match; None for `*`."""
        if not self._prefixes_known:
            if self._any:
                pass
            elif self._text is not None:
                self._prefixes = frozenset(_LINE_PREFIX.findall(self._text))
            else:
                self._prefixes = frozenset(self._by_prefix())
            self._prefixes_known = True
        return None if self._any else self._prefixes

    @property
    def service_wildcards(self) -> bool:
        """Whether some entry is a whole-service wildcard (`iam:*`: its name, after the first
        colon, is `*`). Most lists have none, which the one text tells in C."""
        if self._text is not None and ":*\n" not in self._text:
            return False
        return any(p.partition(":")[2] == "*" for p in self._patterns)

    def reach(self) -> tuple[list[str], list[str]] | None:
        """What the entries can match, as two lists to test a name against without matching:
        the entries lower-cased (a line each), and the prefixes of those with a wildcard; None
        for a list without the one text (or with `*`). Whenever some entry matches an ASCII
        request name without line breaks, the lower-cased name is among the first or its
        prefix among the second: `_match` finds the name as a line, or as the name of an
        entry of its service, exact or a glob, and an exact name is that line."""
        text = self._text
        if text is None or self._any:
            return None
        lines = text[1:-1].split("\n")
        if not self._wild:
            return lines, []
        return lines, [line.partition(":")[0] for line in lines if "*" in line or "?" in line]

    def _by_prefix(self) -> dict[str, list[str]]:
        """The entries' lower-cased names by lower-cased prefix (grouped the first time they
        are needed; an entry without a colon matches nothing and is left out)."""
        by_prefix = self._by_prefix_built
        if by_prefix is None:
            by_prefix = self._by_prefix_built = {}
            for pattern in self._patterns:
                # Each half lower-cased on its own: a capital sigma lowers by its context.
                prefix, sep, name = pattern.partition(":")
                if sep:
                    prefix = prefix.lower()
                    names = by_prefix.get(prefix)
                    if names is None:
                        by_prefix[prefix] = [name.lower()]
                    else:
                        names.append(name.lower())
        return by_prefix

    def matching(self, names: ActionNames) -> list[str]:
        """The names of a fixed list that some entry matches, in the list's order; only the
        names of services the entries mention are tried."""
        prefixes = self.prefixes
        if prefixes is None:
            return list(names.names)
        common = prefixes & names.prefixes
        if not common:
            return []  # most lists: no service of the names
        found = [
            (position, name)
            for prefix in common
            for position, name in names.by_prefix[prefix]
            if self.matches(name)
        ]
        return [name for _, name in sorted(found)]

    def matches(self, action: str) -> bool:
        """Whether some entry matches the request action name (case-insensitively)."""
        answer = self._answers.get(action)
        if answer is None:
            answer = self._match(action)
            self._answers[action] = answer
        return answer

    def _match(self, action: str) -> bool:
        if self._any:
            return True
        request = _request(action)
        if request is None:
            return False
        prefix, name, line_head = request
        text = self._text
        if text is not None and line_head is not None and len(text) <= _SEARCH_LIMIT:
            if line_head not in text:
                return False  # no entry of the service
            if f"{line_head}{name}\n" in text:
                return True  # the name itself is an entry
            if not self._wild:
                return False  # and no entry is a glob
        compiled = self._compiled.get(prefix)
        if compiled is None:
            if text is not None and line_head is not None:
                names = _line_names(text, line_head)
            else:
                names = self._by_prefix().get(prefix)
            if names is None:
                return False
            exact = {n for n in names if not has_wildcard(n)}
            compiled = (exact, [compile_glob(n) for n in names if has_wildcard(n)])
            self._compiled[prefix] = compiled
        exact, globs = compiled
        return name in exact or any(name_matches(name) for name_matches in globs)


def _line_names(text: str, line_head: str) -> list[str] | None:
    """The names of the entries of one service in an `ActionPatterns` text (`line_head` is
    `"\\nsvc:"`), in order; None when it has none: what `_by_prefix` groups under the
    service, found by searches in C and a step per entry of that service only (a long list
    is asked about a few services)."""
    start = text.find(line_head)
    if start == -1:
        return None
    names = []
    while start != -1:
        begin = start + len(line_head)
        end = text.index("\n", begin)
        names.append(text[begin:end])
        start = text.find(line_head, end)
    return names


_SEARCH_LIMIT = 2048
"""The longest `ActionPatterns` text searched for a name: past it (lists of hundreds of
entries, ReadOnlyAccess has thousands) a search that finds nothing reads the whole text, and
rules ask such a list about dozens of names, so its entries are grouped by service once."""

_LINE_PREFIX = re.compile(r"\n([^\n:]*):")
"""The prefix of each line of an `ActionPatterns` text that has a colon."""


def _request(action: str) -> tuple[str, str, str | None] | None:
    """A request action name's lower-cased prefix and name, and the start of an
    `ActionPatterns` text line of its service (`"\\niam:"`; None when the name holds a line
    break and cannot be searched for as a line). None without a colon. Remembered: rules ask
    about the same few hundred names, of every statement."""
    found = _REQUESTS.get(action, _UNSEEN)
    if found is _UNSEEN:
        parts = split_action(action)
        if parts is None:
            found = None
        else:
            prefix, name = parts
            found = (prefix, name, None if "\n" in action else f"\n{prefix}:")
        if len(_REQUESTS) >= 65536:
            _REQUESTS.clear()  # bounded: a caller asking about endless distinct names
        _REQUESTS[action] = found
    return found


_REQUESTS: dict[str, tuple[str, str, str | None] | None] = {}
_UNSEEN: tuple[str, str, str | None] = ("", "", None)
"""`_REQUESTS`'s answer for a name not asked about yet (compared by identity)."""


class ActionNames:
    """A fixed list of action names (sensitive actions, escalation needs) grouped by service
    prefix, so that asking which of them a statement grants skips the other services."""

    __slots__ = ("by_prefix", "names", "prefixes")

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        self.by_prefix: dict[str, list[tuple[int, str]]] = {}
        for position, name in enumerate(self.names):
            self.by_prefix.setdefault(name.partition(":")[0].lower(), []).append((position, name))
        self.prefixes = frozenset(self.by_prefix)


@lru_cache(maxsize=1024)
def action_patterns(patterns: tuple[str, ...]) -> ActionPatterns:
    """The (shared, cached) matcher of one statement's Action or NotAction tuple."""
    return ActionPatterns(patterns)


def grants_action(statement: Statement, action: str) -> bool:
    """Whether the statement's Action/NotAction covers an action name (whatever its Effect).

    The one place rules ask this: Action must match the name, NotAction must not.
    """
    if statement.action is not None:
        return action_patterns(statement.action).matches(action)
    return not action_patterns(statement.not_action or ()).matches(action)


def granted_names(statement: Statement, names: ActionNames) -> list[str]:
    """The names of a fixed list that the statement's Action/NotAction covers, in list order:
    `[n for n in names.names if grants_action(statement, n)]`, trying only the services an
    Action list mentions."""
    if statement.action is not None:
        return action_patterns(statement.action).matching(names)
    excluded = action_patterns(statement.not_action or ())
    return [name for name in names.names if not excluded.matches(name)]


@dataclass(slots=True)
class StatementView:
    """One statement: its located node, its JSON pointer and its model (None if invalid)."""

    index: int
    node: Node
    pointer: str
    model: Statement | None
    memo: dict[Any, Any] = field(default_factory=dict)
    """Per-statement memo for located views that several rules build (element values,
    condition entries)."""
    items: dict[str, Node] = field(init=False)
    """The statement's elements (empty when the statement is not an object)."""

    def __post_init__(self) -> None:
        self.items = self.node.value if self.node.kind == "object" else {}

    def key_position(self, key: str) -> Position:
        """Where an element's key is written, else the statement's start."""
        return self.node.key_positions.get(key, self.node.position)

    def conditions(self) -> list[ConditionEntry]:
        """Every operator/key pair of the Condition element (built once; callers must not
        change the list)."""
        found: list[ConditionEntry] | None = self.memo.get("condition-entries")
        if found is not None:
            return found
        found = []
        block = self.items.get("Condition")
        if block is not None and block.kind == "object":
            for operator, keys in block.value.items():
                if keys.kind != "object":
                    continue
                op = known_operator(operator)
                for key, value in keys.value.items():
                    pointer = f"{self.pointer}/Condition/{operator}/{key}"
                    found.append(ConditionEntry(operator, op, keys, key, value, pointer))
        self.memo["condition-entries"] = found
        return found


@dataclass(slots=True)
class ConditionEntry:
    """One `operator: {key: value}` pair of a statement's Condition element, located.

    The one walker of Condition blocks: rules filter these (known operators, scalar values)
    rather than walking the block themselves.
    """

    operator: str
    """The operator as written."""
    op: Operator | None
    """The parsed operator; None when it is unknown (PS021)."""
    block: Node
    """The operator's object (its key positions locate the condition keys)."""
    key: str
    node: Node
    """The value: a scalar or an array."""
    pointer: str

    @property
    def key_position(self) -> Position:
        """Where the condition key is written."""
        return self.block.key_position(self.key)

    @property
    def values(self) -> list[tuple[str, Node]]:
        """Each value with its pointer (a scalar is a one-element list)."""
        if self.node.kind == "array":
            return [(f"{self.pointer}/{i}", n) for i, n in enumerate(self.node.value)]
        return [(self.pointer, self.node)]

    def texts(self) -> list[str] | None:
        """The values as AWS compares them; None when one is not a scalar. Read off the nodes
        directly: `values` would build a pointer for each, which rules asking for the texts
        never use."""
        node = self.node
        out: list[str] = []
        for item in node.value if node.kind == "array" else (node,):
            if item.kind == "string":
                out.append(item.value)
                continue
            text = scalar_text(item)
            if text is None:
                return None
            out.append(text)
        return out


def scalar_text(node: Node) -> str | None:
    """A condition value's text as AWS compares it (None for objects, arrays and null)."""
    if node.kind == "string":
        return str(node.value)
    if node.kind == "bool":
        return "true" if node.value else "false"
    if node.kind == "number":
        return str(node.value)
    return None


def known_operator(name: str) -> Operator | None:
    """The parsed condition operator, or None when the name is not one (PS021 reports it)."""
    try:
        return parse_operator(name)
    except UnknownOperatorError:
        return None


@dataclass(slots=True)
class Issue:
    """A rule's report before it is turned into a `Finding` (rule id, file, severity)."""

    message: str
    position: Position | None = None
    pointer: str = ""
    statement: int | None = None
    hint: str | None = None
    severity: Severity | None = None
    """For rules whose severity depends on the case (error / warning)."""


def compact_json(document: Any) -> str:
    """The document without whitespace outside strings, non-ASCII as written: the text whose
    length AWS compares with a policy's size quota."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _text_bounds_compact(source: str) -> bool:
    """Whether the JSON text of a document `fast_policy` built is at least as long as its
    `compact_json`, and holds `${` exactly when some key or string does.

    Serializing writes each value in at most the characters its source spent on it: the same
    punctuation without whitespace, a string's characters as written or shorter (`\\/` becomes
    `/`; `\\"`, `\\\\`, `\\n` and the like stay two characters). Two things break that: a `\\u`
    escape (`\\u0041` is one character; `\\u0024{` makes a `${` the text does not show), and a
    number written as a float (`1e5` comes back as `100000.0`). `fast_policy` admits numbers
    only as condition values, and declines floats there, so only escapes are looked for."""
    return "\\u" not in source


@dataclass(slots=True)
class LintSettings:
    """Knowledge from configuration that some rules need."""

    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    sensitive_actions: frozenset[str] = frozenset()


@dataclass(slots=True)
class LintContext:
    """A policy document under review."""

    file: str
    root: Node
    kind: PolicyKind
    service: str | None = None
    settings: LintSettings = field(default_factory=LintSettings)
    attachment: dict[str, Any] = field(default_factory=dict)
    """What the source says the policy is attached to (CloudFormation, Terraform or account
    file context)."""
    policy: Policy | None = None
    statements: list[StatementView] = field(default_factory=list)
    memo: dict[Any, Any] = field(default_factory=dict)
    """Per-document memo for rules that ask the same question many times."""
    mentions_variables: bool = True
    """Whether some key or string of the document contains `${`: rules about policy variables
    skip the (usual) documents without one."""
    size_bound: int | None = None
    """A number the document's size as AWS counts it (`compact_json`) cannot exceed, known
    without serializing the document; None when only serializing tells."""

    @classmethod
    def build(
        cls,
        file: str,
        root: Node,
        kind: PolicyKind,
        service: str | None = None,
        settings: LintSettings | None = None,
        attachment: dict[str, Any] | None = None,
        data: Any = None,
        source: str | None = None,
    ) -> LintContext:
        """Type the document and build what models can be built (`data`: the document as
        plain data, when the caller has it already; `source`: the JSON text it was parsed
        from, when that text is the whole document)."""
        ctx = cls(file, root, kind, service, settings or LintSettings(), attachment or {})
        if data is None:
            data = root.to_plain()
        ctx.memo["plain"] = data  # for rules that need the whole document as data
        fast = fast_policy(data) if type(data) is dict else None
        try:
            # Documents in the plain shape are built directly (the same models, several times
            # faster: `policy.fast_build`); anything else is validated by pydantic.
            ctx.policy = fast or Policy.model_validate(data)
        except ValidationError:
            ctx.policy = None
        if source is not None and fast is not None and _text_bounds_compact(source):
            ctx.size_bound = len(source)
            ctx.mentions_variables = "${" in source
        else:
            # Serialized once, in C: it answers whether some key or string holds `${` (JSON
            # escapes neither `$` nor `{`, and a string's closing quote keeps `$` of one token
            # from meeting `{` of the next), and PS031 reads its length.
            compact = ctx.compact_json()
            ctx.size_bound = len(compact)
            ctx.mentions_variables = "${" in compact
        statement_node = root.value.get("Statement") if root.kind == "object" else None
        if statement_node is None:
            return ctx
        if statement_node.kind == "object":
            nodes = [("/Statement", statement_node)]
        elif statement_node.kind == "array":
            nodes = [(f"/Statement/{i}", n) for i, n in enumerate(statement_node.value)]
        else:
            nodes = []
        for index, (pointer, node) in enumerate(nodes):
            model: Statement | None = None
            if ctx.policy is not None:
                model = ctx.policy.statements[index]
            elif node.kind == "object":
                try:
                    model = Statement.model_validate(node.to_plain())
                except ValidationError:
                    model = None
            if model is not None:
                model.locate(index, node)
            ctx.statements.append(StatementView(index, node, pointer, model))
        return ctx

    def release(self) -> None:
        """Forget what the rules remembered, once they have all run. Some of it refers back
        to what holds it (a statement's condition entries name the statement's view, kept in
        the view's memo): cycles that only the cyclic collector frees, which `policysim lint`
        turns off for speed. Without this, every document's tree, models and memos would
        stay in memory until the run ends, and the run would keep reaching for fresh memory
        instead of reusing the last document's."""
        self.memo.clear()
        for view in self.statements:
            view.memo.clear()

    def compact_json(self) -> str:
        """The document as AWS counts its size (`compact_json`), serialized on first use."""
        found: str | None = self.memo.get("compact-json")
        if found is None:
            found = self.memo["compact-json"] = compact_json(self.memo["plain"])
        return found

    @property
    def version(self) -> str | None:
        """The Version element as written (None when absent or not a string)."""
        node = self.root.value.get("Version") if self.root.kind == "object" else None
        return node.value if node is not None and node.kind == "string" else None

    @property
    def substitutes_variables(self) -> bool:
        """Policy variables are substituted only under 2012-10-17."""
        return self.version == VERSION_2012

    def valid_statements(self) -> list[tuple[StatementView, Statement]]:
        """The statements that have models (built once; callers must not change the list)."""
        found: list[tuple[StatementView, Statement]] | None = self.memo.get("valid-statements")
        if found is None:
            found = [(v, v.model) for v in self.statements if v.model is not None]
            self.memo["valid-statements"] = found
        return found

    def conditioned(self) -> list[tuple[StatementView, list[ConditionEntry]]]:
        """The statements with condition entries, each with them (`StatementView.conditions`),
        in document order (built once; callers must not change the list): the rules about
        conditions alone pass over the other statements (most of them) without asking each."""
        found: list[tuple[StatementView, list[ConditionEntry]]] | None = self.memo.get(
            "conditioned"
        )
        if found is None:
            found = [(view, entries) for view in self.statements if (entries := view.conditions())]
            self.memo["conditioned"] = found
        return found

    def at_statement(
        self,
        view: StatementView,
        message: str,
        *,
        key: str | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Issue:
        """An issue located at a statement, or at one of its element keys."""
        position = view.key_position(key) if key else view.node.position
        pointer = f"{view.pointer}/{key}" if key else view.pointer
        return Issue(message, position, pointer, view.index, hint, severity)

    def at_node(
        self,
        node: Node,
        message: str,
        *,
        pointer: str = "",
        statement: int | None = None,
        hint: str | None = None,
        severity: Severity | None = None,
    ) -> Issue:
        """An issue located at a value."""
        return Issue(message, node.position, pointer, statement, hint, severity)

"""Exact automata over the strings IAM globs describe: membership, intersection, difference and
the shortest witness, in pure Python.

Why automata and not sampling: a PASS must be a proof. Every glob (`Resource`, `StringLike`,
`ArnLike`, an action name) is a small NFA whose states are positions in the pattern; a question
such as "is there a resource matched by this statement's Resource and not by that one's, and of
a type `s3:GetObject` acts on" is a breadth-first search over the product of the NFAs, which is
finite, so an exhausted search proves the answer is no, and the first accepting state found is a
shortest witness.

The alphabet is infinite but only finitely many characters matter: those written in some pattern
(and, for case-insensitive comparisons, every character whose lower-casing or case folding
produces one of them). All other characters behave alike, so one "other" character stands for
them. The semantics follow `policy.wildcard` and `policy.arn` exactly (segment-wise ARN globs,
case-insensitive ARN heads, `?` as one character); `tests/diff/test_automata.py` checks the
agreement with hypothesis.
"""

from __future__ import annotations

import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

Fold = Callable[[str], str]


class BudgetExceededError(Exception):
    """A search visited more states than its budget allowed (the caller answers UNKNOWN)."""


@dataclass(frozen=True, slots=True)
class Token:
    """One pattern position: a literal character class, `?` (one character) or `*` (a run).

    `chars` is the set of characters a literal accepts; for `?` and `*` it is the set of
    characters they may NOT consume (`:` inside an ARN head segment). `fold` says the input
    character is lower-cased (or case-folded) before it meets this position.
    """

    kind: str  # "lit" | "one" | "star"
    chars: frozenset[str]
    fold: Fold | None = None

    def accepts(self, char: str) -> bool:
        """Whether one (already folded) character may pass this position."""
        if self.kind == "lit":
            return char in self.chars
        return char not in self.chars


class Nfa:
    """A glob as a chain of tokens; state `i` means "the first i tokens are matched".

    Steps are memoized per (state set, character): searches revisit the same few.
    """

    __slots__ = ("_closure_from", "_steps", "empty", "final", "tokens", "universal")

    def __init__(self, tokens: tuple[Token, ...], empty: bool = False) -> None:
        self.tokens = tokens
        self.empty = empty
        """The language is empty (a Resource entry that is not an ARN matches nothing)."""
        self.final = len(tokens)
        closure_from = []
        for i in range(len(tokens) + 1):
            bits = 1 << i
            j = i
            while j < len(tokens) and tokens[j].kind == "star":
                j += 1
                bits |= 1 << j
            closure_from.append(bits)
        self._closure_from = closure_from
        universal = 0
        j = len(tokens)
        while j > 0 and tokens[j - 1].kind == "star" and not tokens[j - 1].chars:
            j -= 1
            universal |= 1 << j
        self.universal = universal
        """States from which every continuation is accepted (a trailing unrestricted `*`)."""
        self._steps: dict[tuple[int, str], int] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Nfa) and (self.tokens, self.empty) == (other.tokens, other.empty)

    def __hash__(self) -> int:
        return hash((self.tokens, self.empty))

    def closure(self, mask: int) -> int:
        """Add the states reachable by letting `*` tokens match nothing."""
        out = 0
        closure_from = self._closure_from
        while mask:
            low = mask & -mask
            out |= closure_from[low.bit_length() - 1]
            mask ^= low
        return out

    def start(self) -> int:
        return 0 if self.empty else self.closure(1)

    def step(self, mask: int, char: str) -> int:
        """The states after reading `char` (memoized)."""
        key = (mask, char)
        found = self._steps.get(key)
        if found is None:
            found = self._step(mask, char)
            if len(self._steps) < 200000:
                self._steps[key] = found
        return found

    def _step(self, mask: int, char: str) -> int:
        out = 0
        tokens = self.tokens
        rest = mask
        while rest:
            low = rest & -rest
            rest ^= low
            i = low.bit_length() - 1
            if i >= len(tokens):
                continue
            token = tokens[i]
            if token.fold is None:
                out |= self._advance(i, char)
            else:
                out |= self._advance_folded(i, token.fold(char))
        return self.closure(out) if out else 0

    def _advance(self, i: int, char: str) -> int:
        token = self.tokens[i]
        if not token.accepts(char):
            return 0
        return 1 << i if token.kind == "star" else 1 << (i + 1)

    def _advance_folded(self, i: int, folded: str) -> int:
        """Feed the characters a folded input character becomes, one by one."""
        mask = 1 << i
        for piece in folded:
            nxt = 0
            rest = mask
            while rest:
                low = rest & -rest
                rest ^= low
                j = low.bit_length() - 1
                if j < len(self.tokens):
                    nxt |= self._advance(j, piece)
            mask = self.closure(nxt) if nxt else 0
            if not mask:
                return 0
        return mask

    def accepting(self, mask: int) -> bool:
        return bool(mask >> self.final & 1)

    def matches(self, text: str) -> bool:
        """Membership, for tests and cheap checks."""
        mask = self.start()
        for char in text:
            if not mask:
                return False
            mask = self.step(mask, char)
        return self.accepting(mask)

    def characters(self) -> set[str]:
        out: set[str] = set()
        for token in self.tokens:
            out |= token.chars
        return out

    def folds(self) -> set[Fold]:
        return {t.fold for t in self.tokens if t.fold is not None}


EMPTY = Nfa((), empty=True)
UNIVERSAL = Nfa((Token("star", frozenset()),))


def _glob_tokens(pattern: str, *, exclude: frozenset[str], fold: Fold | None) -> list[Token]:
    tokens: list[Token] = []
    for char in pattern:
        if char == "*":
            if tokens and tokens[-1].kind == "star" and tokens[-1].chars == exclude:
                continue  # `**` is `*`
            tokens.append(Token("star", exclude, fold))
        elif char == "?":
            tokens.append(Token("one", exclude, fold))
        else:
            tokens.append(Token("lit", frozenset({char}), fold))
    return tokens


def _lower(char: str) -> str:
    return char.lower()


def _casefold(char: str) -> str:
    return char.casefold()


@lru_cache(maxsize=65536)
def glob_nfa(pattern: str, ignore_case: bool = False) -> Nfa:
    """`compile_glob(pattern, ignore_case)`: `*` any run, `?` one character; with
    `ignore_case`, pattern and value lower-cased."""
    if ignore_case:
        return Nfa(tuple(_glob_tokens(pattern.lower(), exclude=frozenset(), fold=_lower)))
    return Nfa(tuple(_glob_tokens(pattern, exclude=frozenset(), fold=None)))


@lru_cache(maxsize=65536)
def literal_nfa(text: str, fold: str | None = None) -> Nfa:
    """Exact equality; `fold="casefold"` for `StringEqualsIgnoreCase`."""
    if fold == "casefold":
        return Nfa(tuple(Token("lit", frozenset({c}), _casefold) for c in text.casefold()))
    return Nfa(tuple(Token("lit", frozenset({c})) for c in text))


_COLON = frozenset({":"})


@lru_cache(maxsize=65536)
def arn_glob_nfa(pattern: str, head_ignore_case: bool = True) -> Nfa:
    """`compile_arn_glob(pattern, head_ignore_case=...)`, exactly (see policy/arn.py)."""
    if pattern == "*":
        return UNIVERSAL
    parts = pattern.split(":", 5)
    if len(parts) != 6 or parts[0].lower() != "arn":
        return EMPTY
    if not head_ignore_case and "*" not in pattern and "?" not in pattern:
        return literal_nfa(pattern)
    fold = _lower if head_ignore_case else None
    tokens = [Token("lit", frozenset({c}), fold) for c in "arn"]
    for segment in parts[1:5]:
        tokens.append(Token("lit", _COLON))
        text = segment.lower() if head_ignore_case else segment
        tokens += _glob_tokens(text, exclude=_COLON, fold=fold)
    tokens.append(Token("lit", _COLON))
    tokens += _glob_tokens(parts[5], exclude=frozenset(), fold=None)
    return Nfa(tuple(tokens))


@lru_cache(maxsize=65536)
def resource_prefix(nfa: Nfa) -> str | None:
    """The literal text every string of an ARN automaton has right after the fifth `:` (the
    resource segment's fixed beginning, compared case-sensitively), or None when the automaton
    is not an ARN shape of separate segments. Two ARN languages whose prefixes disagree share
    no string: a cheap test before a product of many automata."""
    separators = 0
    out: list[str] = []
    for token in nfa.tokens:
        if separators < 5:
            if token.kind == "lit" and token.chars == _COLON:
                separators += 1
            elif ":" in token.chars if token.kind == "lit" else ":" not in token.chars:
                return None  # a head position that may hold a `:`: not segment-wise
            continue
        if token.kind != "lit" or len(token.chars) != 1 or token.fold is not None:
            break
        out.extend(token.chars)
    return "".join(out) if separators == 5 else None


def segments_nfa(head: Sequence[str], resource: Sequence[tuple[str, str]]) -> Nfa:
    """An ARN shape: head segment globs (lower-cased compare, `*` within the segment) and a
    resource segment given as pieces: ("lit", text), ("any", "") for any run, ("nonslash", "")
    for a run without `/`, ("plus", excluded) for a non-empty run."""
    tokens = [Token("lit", frozenset({c}), _lower) for c in "arn"]
    for segment in head:
        tokens.append(Token("lit", _COLON))
        if segment == "+":
            tokens.append(Token("one", _COLON, _lower))
            tokens.append(Token("star", _COLON, _lower))
        else:
            tokens += _glob_tokens(segment.lower(), exclude=_COLON, fold=_lower)
    tokens.append(Token("lit", _COLON))
    for kind, text in resource:
        if kind == "lit":
            tokens += [Token("lit", frozenset({c})) for c in text]
        elif kind == "any":
            tokens.append(Token("star", frozenset()))
        elif kind == "nonslash":
            tokens.append(Token("star", frozenset({"/"})))
        else:  # plus: one or more characters not in `text`
            tokens.append(Token("one", frozenset(text)))
            tokens.append(Token("star", frozenset(text)))
    return Nfa(tuple(tokens))


VALID_ARN = Nfa(
    (
        Token("lit", frozenset("a")),
        Token("lit", frozenset("r")),
        Token("lit", frozenset("n")),
        Token("lit", _COLON),
        Token("one", _COLON),
        Token("star", _COLON),
        Token("lit", _COLON),
        Token("one", _COLON),
        Token("star", _COLON),
        Token("lit", _COLON),
        Token("star", _COLON),
        Token("lit", _COLON),
        Token("star", _COLON),
        Token("lit", _COLON),
        Token("one", frozenset()),
        Token("star", frozenset()),
    )
)
"""What a request may name as a resource besides `*` (`catalog.arguments.resource_problem`):
`arn:` and six parts, partition, service and resource not empty."""


def _changed_by(fold: Fold, chunk: int = 512) -> Iterable[int]:
    """The code points that `fold` changes, found a block at a time: folding a block that has
    no cased letter gives it back unchanged, which one C call tells (a block's folding equals
    it only when every character folds to itself: a changed character never folds back)."""
    codes = array("I", range(0x110000))
    if codes.itemsize == 4:  # every code point at once, as UTF-32 (4x faster than chr)
        every = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e", "surrogatepass")
    else:  # pragma: no cover - a platform whose C int is not 32 bits
        every = "".join(map(chr, range(0x110000)))
    for start in range(0, 0x110000, chunk):
        block = every[start : start + chunk]
        if fold(block) != block:
            yield from (c for c in range(start, start + chunk) if fold(chr(c)) != chr(c))


@cache
def _preimages(fold: Fold) -> dict[str, frozenset[str]]:
    """char -> the characters whose folding differs from themselves and contains it."""
    out: dict[str, set[str]] = {}
    for code in _changed_by(fold):
        char = chr(code)
        folded = fold(char)
        if folded != char:
            for piece in folded:
                out.setdefault(piece, set()).add(char)
            if len(folded) > 1:  # consumes several `?`: never like the stand-in
                out.setdefault("", set()).add(char)
    return {k: frozenset(v) for k, v in out.items()}


_OTHER_CHOICES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_."


def alphabet(nfas: Iterable[Nfa], prefer: str = "") -> list[str]:
    """The characters that matter to these NFAs, plus one that stands for every other one;
    the stand-in (a plain letter where possible) comes first so that witnesses read well."""
    chars: set[str] = set(prefer)
    folds: set[Fold] = set()
    for nfa in nfas:
        chars |= nfa.characters()
        folds |= nfa.folds()
    for fold in folds:
        table = _preimages(fold)
        extra: set[str] = set(table.get("", frozenset()))
        for char in chars:
            extra |= table.get(char, frozenset())
            extra |= table.get(fold(char), frozenset()) if len(fold(char)) == 1 else set()
            for piece in fold(char):
                extra.add(piece)
        chars |= extra
    other = next(
        (c for c in _OTHER_CHOICES if c not in chars and all(f(c) == c for f in folds)),
        None,
    )
    if other is None:  # every plain character is in a pattern: find any neutral one
        code = 0x4E00
        while chr(code) in chars:
            code += 1
        other = chr(code)
    return [other, *sorted(chars, key=_reading_order)]


def _reading_order(char: str) -> tuple[int, str]:
    """Lower-case letters and digits first, then other ASCII, then the rest."""
    if char.isascii() and (char.islower() or char.isdigit()):
        return (0, char)
    return (1 if char.isascii() else 2, char)


def _samples(nfa: Nfa, fills: Sequence[str]) -> list[str]:
    """A few members of a glob's language: each `*` filled with one of `fills`."""
    if nfa.empty:
        return []
    out = []
    for fill in fills:
        text = []
        for token in nfa.tokens:
            if token.kind == "lit":
                text.append(min(token.chars, key=_reading_order))
            elif token.kind == "one":
                text.append(fill if fill and fill not in token.chars else _spare(token.chars))
            elif fill and fill not in token.chars:
                text.append(fill)
        out.append("".join(text))
    return out


def _spare(excluded: frozenset[str]) -> str:
    return next(c for c in _OTHER_CHOICES if c not in excluded)


def shortest(
    positive: Sequence[Sequence[Nfa]],
    negative: Sequence[Sequence[Nfa]] = (),
    *,
    budget: int = 20000,
    prefer: str = "",
    sample: bool = False,
) -> str | None:
    """The shortest string in every positive union and in no negative union, or None when the
    languages leave nothing (a proof: the product automaton was explored completely).

    Each union is a list of NFAs (a Resource list is the union of its entries). With `sample`,
    a few members of the positive globs are tried first (a witness, not always the shortest).
    Raises `BudgetExceededError` after about `budget` product states.
    """
    groups = [list(g) for g in positive] + [list(g) for g in negative]
    n_pos = len(positive)
    if any(not group for group in groups[:n_pos]):
        return None  # an empty union accepts nothing
    if sample:
        found = _sampled(positive, negative)
        if found is not None:
            return found
    flat = [nfa for group in groups for nfa in group]
    letters = alphabet(flat, prefer)
    owner: list[int] = [g for g, group in enumerate(groups) for _ in group]
    size = len(flat)
    done = -1  # a positive group that accepts every continuation

    def settle(state: list[int]) -> tuple[int, ...] | None:
        """Collapse satisfied positive groups; None when a negative can no longer be left
        or a positive can no longer be reached."""
        alive = [False] * n_pos
        for k in range(size):
            mask = state[k]
            g = owner[k]
            if mask == done:
                if g < n_pos:
                    alive[g] = True
                continue
            if not mask:
                continue
            if flat[k].universal & mask:
                if g >= n_pos:
                    return None
                alive[g] = True
                for j in range(size):
                    if owner[j] == g:
                        state[j] = done
                continue
            if g < n_pos:
                alive[g] = True
        return tuple(state) if all(alive) else None

    def accepted(state: tuple[int, ...]) -> bool:
        hits = [False] * len(groups)
        for k in range(size):
            mask = state[k]
            if mask == done or (mask and flat[k].accepting(mask)):
                hits[owner[k]] = True
        return all(hits[:n_pos]) and not any(hits[n_pos:])

    start = settle([nfa.start() for nfa in flat])
    if start is None:
        return None
    parents: dict[tuple[int, ...], tuple[tuple[int, ...], str] | None] = {start: None}
    queue = deque([start])
    work = 0
    limit = budget * 20
    while queue:
        state = queue.popleft()
        if accepted(state):
            out: list[str] = []
            cursor: tuple[int, ...] | None = state
            while cursor is not None:
                link = parents[cursor]
                if link is None:
                    break
                cursor, char = link
                out.append(char)
            return "".join(reversed(out))
        for char in letters:
            nxt_list = [
                m if m == done else (flat[k].step(m, char) if m else 0) for k, m in enumerate(state)
            ]
            work += size
            nxt = settle(nxt_list)
            if nxt is None or nxt in parents:
                continue
            parents[nxt] = (state, char)
            if len(parents) > budget or work > limit:
                raise BudgetExceededError(f"more than {budget} automaton states")
            queue.append(nxt)
    return None


def _sampled(positive: Sequence[Sequence[Nfa]], negative: Sequence[Sequence[Nfa]]) -> str | None:
    fills = ("", "a", "ab")
    for group in positive:
        for nfa in group:
            for text in _samples(nfa, fills):
                if all(any(n.matches(text) for n in g) for g in positive) and not any(
                    any(n.matches(text) for n in g) for g in negative
                ):
                    return text
    return None


def signature_classes(
    nfas: Sequence[Nfa],
    *,
    budget: int = 20000,
    prefer: str = "",
    letters: Sequence[str] | None = None,
) -> dict[tuple[bool, ...], str]:
    """For every combination of "which NFAs accept" that some string realizes, the shortest
    such string (the whole product automaton is explored: exact, within the budget).

    `letters` replaces the alphabet (it must hold one character for each class of characters
    the NFAs tell apart that the caller cares about: action names, for instance, are drawn
    from a few plain characters only)."""
    if letters is None:
        letters = alphabet(nfas, prefer)
    start = tuple(nfa.start() for nfa in nfas)
    # The search starts from the one-character strings (an empty name is no action), so that
    # a string leading back to the start state (`*` alone) is seen too.
    seen: dict[tuple[int, ...], str] = {}
    for char in letters:
        first = tuple(nfa.step(m, char) if m else 0 for nfa, m in zip(nfas, start, strict=True))
        seen.setdefault(first, char)
    queue = deque(seen)
    found: dict[tuple[bool, ...], str] = {}
    while queue:
        state = queue.popleft()
        text = seen[state]
        signature = tuple(nfa.accepting(m) for nfa, m in zip(nfas, state, strict=True))
        found.setdefault(signature, text)
        for char in letters:
            nxt = tuple(nfa.step(m, char) if m else 0 for nfa, m in zip(nfas, state, strict=True))
            if nxt not in seen:
                if len(seen) >= budget:
                    raise BudgetExceededError(f"more than {budget} automaton states")
                seen[nxt] = text + char
                queue.append(nxt)
    return found


def signature_of(nfas: Sequence[Nfa], text: str) -> tuple[bool, ...]:
    """Which NFAs accept `text`."""
    return tuple(nfa.matches(text) for nfa in nfas)


def witness_avoiding(
    nfas: Sequence[Nfa],
    signature: tuple[bool, ...],
    excluded: Iterable[str],
    letters: Sequence[str],
    *,
    budget: int = 20000,
) -> str | None:
    """The shortest string over `letters` whose signature is `signature` and that is none of
    the `excluded` strings; None when every such string is excluded (the search is the product
    of the NFAs with the trie of the excluded strings, so it ends and is exact)."""
    words = frozenset(excluded)
    prefixes = {w[:i] for w in words for i in range(len(w) + 1)}
    origin = tuple(nfa.start() for nfa in nfas)
    seen: dict[tuple[tuple[int, ...], str | None], str] = {}
    for char in letters:  # from the one-character strings, as in `signature_classes`
        masks = tuple(nfa.step(m, char) if m else 0 for nfa, m in zip(nfas, origin, strict=True))
        seen.setdefault((masks, char if char in prefixes else None), char)
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        masks, node = state
        text = seen[state]
        if node is None or node not in words:
            pairs = zip(nfas, masks, signature, strict=True)
            if all(nfa.accepting(m) == want for nfa, m, want in pairs):
                return text
        for char in letters:
            nxt_masks = tuple(
                nfa.step(m, char) if m else 0 for nfa, m in zip(nfas, masks, strict=True)
            )
            nxt_node = None if node is None or node + char not in prefixes else node + char
            nxt = (nxt_masks, nxt_node)
            if nxt not in seen:
                if len(seen) >= budget:
                    raise BudgetExceededError(f"more than {budget} automaton states")
                seen[nxt] = text + char
                queue.append(nxt)
    return None

"""Lark's syntax errors, translated into one-line `QueryError`s that suggest the fix.

The parser state an error happens in is recognised by the terminals it expected (each state of
the query grammar expects a distinct set). The offending input is taken from the text itself,
as the whitespace-delimited word at the error's offset, rather than from lark's token, whose
type depends on which terminal of the whole grammar happened to match first.

A hint is either ``did you mean 'when'?`` (a misspelled keyword, found with `difflib` or as a
transposition), ``try: <the query, corrected>`` (shortened to the part around the fix), or a
short rule with an example.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from policysim.policy.errors import position_at
from policysim.query.errors import QueryError

EXAMPLE = "can user/alice do s3:GetObject on arn:aws:s3:::bucket/key"
"""A complete query, for hints that need one."""

KEYWORDS = ("can", "who", "do", "on", "when", "and")
_PRINCIPAL_WORDS = ("anonymous", "root")
_KINDS = ("user", "role", "service", "account")
_ACTION_LIKE = re.compile(r"[A-Za-z0-9-]+:[A-Za-z0-9*?]+")
_NAME_LIKE = re.compile(r"[A-Za-z0-9+=,.@_-]+")
_KIND_TYPO = re.compile(r"(?i)(user|role|service|account)[:=\\](\S+)")
_ARN_SERVICE = re.compile(r"\barn:[^:\s]*:([a-z0-9-]+):")
_KEY_VALUE = re.compile(r"([A-Za-z0-9._:/-]+)=(\S*)")
_HEAD_LIMIT = 40
_TAIL_LIMIT = 24
_PUNCTUATION = ",[]="


@dataclass(frozen=True)
class _Site:
    """Where parsing stopped: the offset, the word there (None at the end) and the context."""

    text: str
    offset: int
    word: str | None
    expected: frozenset[str]

    @property
    def end(self) -> int:
        """The offset just past the word."""
        return self.offset + len(self.word or "")

    @property
    def got(self) -> str:
        """The offending input, for the message."""
        if self.word is None:
            return "the end of the query"
        if self.word[0] in _PUNCTUATION:
            return repr(self.word[0])
        return repr(_clip(self.word.rstrip(",") or self.word))

    @property
    def previous(self) -> str:
        """The word before the error (empty at the start)."""
        head = self.text[: self.offset].split()
        return head[-1] if head else ""

    @property
    def gap_start(self) -> int:
        """The offset just past the previous word: where an insertion goes."""
        return len(self.text[: self.offset].rstrip())

    @property
    def is_who(self) -> bool:
        return self.text.split(maxsplit=1)[0].lower() == "who"

    def fix(self, replacement: str, start: int | None = None, end: int | None = None) -> str:
        """``try: ...``: the query with [start, end) (the word by default) replaced."""
        start = self.offset if start is None else start
        end = self.end if end is None else end
        head = self.text[:start]
        if len(head) > _HEAD_LIMIT:
            words = head.split()
            kept: list[str] = []
            while words and (not kept or len(" ".join([words[-1], *kept])) <= _HEAD_LIMIT):
                kept.insert(0, words.pop())
            head = "... " + " ".join(kept) + (" " if head[-1:].isspace() else "")
        tail = self.text[end:].rstrip()
        if len(tail.strip()) > _TAIL_LIMIT:
            tail = " ..."
        return "try: " + _one_line(head + replacement) + tail

    def error(self, message: str, hint: str = "", offset: int | None = None) -> QueryError:
        where = self.offset if offset is None else offset
        return QueryError(
            _one_line(message), position=position_at(self.text, where), hint=_one_line(hint)
        )


def syntax_error(err: UnexpectedInput, text: str) -> QueryError:
    """Translate a lark error on `text` into a located `QueryError` with a hint."""
    if isinstance(err, UnexpectedCharacters):
        offset = err.pos_in_stream or 0
        site = _Site(text, offset, _word_at(text, offset), frozenset(err.allowed or ()))
        if text[offset : offset + 1] == '"':
            return site.error(
                "unterminated string: a '\"' has no closing quote",
                site.fix(text[offset:].rstrip() + '"', end=len(text)),
            )
        return site.error(f"unexpected character {text[offset]!r}")
    assert isinstance(err, UnexpectedToken)
    expected = frozenset(err.expected)
    if err.token.type == "$END":
        site = _Site(text, len(text.rstrip()), None, expected)
    else:
        offset = err.token.start_pos or 0
        site = _Site(text, offset, _word_at(text, offset), expected)
    return _diagnose(site)


def _diagnose(site: _Site) -> QueryError:
    expected = site.expected
    word = site.word
    if word is not None and word.startswith('"') and not expected & {"BARE", "AND", "RSQB"}:
        unquoted = word.strip('"')
        return site.error(
            f"unexpected quoted text {site.got}: quotes are only for condition values",
            site.fix(unquoted),
        )
    for marker, handler in _PHASES:
        if marker in expected:
            return handler(site)
    return site.error(f"unexpected {site.got}", f"e.g. {EXAMPLE}")


def _start(site: _Site) -> QueryError:
    message = f"a query starts with 'can' or 'who', got {site.got}"
    word = site.word or ""
    close = _close(word, ("can", "who"))
    if close:
        return site.error(message, f"did you mean {close!r}?")
    if "/" in word or word.startswith("arn:") or word.lower() in _PRINCIPAL_WORDS:
        return site.error(message, site.fix(f"can {word}"))
    if word.lower() == "do":
        return site.error(message, site.fix(f"who can {word}"))
    return site.error(message, f"e.g. {EXAMPLE}, or: who can do iam:PassRole on *")


def _after_who(site: _Site) -> QueryError:
    message = f"expected 'can' after 'who', got {site.got}"
    if site.word is None:
        return site.error(message, site.fix(" can do ACTION", start=site.gap_start))
    close = _close(site.word, ("can",))
    if close:
        return site.error(message, f"did you mean {close!r}?")
    word = site.word
    if "/" in word or word.startswith("arn:") or word.lower() in _PRINCIPAL_WORDS:
        who = len(site.text) - len(site.text.lstrip())
        return site.error(
            f"{message}: 'who can' asks which principals can",
            site.fix(f"can {word}", start=who),
        )
    return site.error(message, site.fix(f"can {word}"))


def _principal(site: _Site) -> QueryError:
    message = f"expected a principal after 'can', got {site.got}"
    word = site.word
    if word is None:
        return site.error(message, f"e.g. {EXAMPLE}")
    lowered = word.lower()
    following = site.text[site.end :].split()
    if lowered in _KINDS and following and following[0].lower() not in KEYWORDS:
        name_end = site.text.index(following[0], site.end) + len(following[0])
        return site.error(
            f"expected a principal after 'can', got {word!r}: a principal is one word, kind/name",
            site.fix(f"{word}/{following[0]}", end=name_end),
        )
    typo = _KIND_TYPO.fullmatch(word)
    if typo:
        return site.error(message, site.fix(f"{typo[1]}/{typo[2]}"))
    if word == "*":
        return site.error(
            "'can *' is not a query: ask which principals can with 'who can'",
            site.fix("who can", start=0, end=site.end),
            offset=site.offset,
        )
    if lowered == "do":
        return site.error("missing principal between 'can' and 'do'", site.fix(f"user/NAME {word}"))
    close = _close(word, _PRINCIPAL_WORDS)
    if close:
        return site.error(message, f"did you mean {close!r}?")
    if _NAME_LIKE.fullmatch(word):
        return site.error(message, f"write user/{word} or role/{word}")
    return site.error(
        message, "use user/NAME, role/NAME, service/HOST, account/ID, root, anonymous or an ARN"
    )


def _do(site: _Site) -> QueryError:
    after = "'who can'" if site.is_who else "the principal"
    message = f"expected 'do' after {after}, got {site.got}"
    word = site.word
    if word is None:
        return site.error(message, site.fix(" do ACTION", start=site.gap_start))
    close = _close(word, ("do",))
    if close:
        return site.error(message, f"did you mean {close!r}?")
    if word.lower() in KEYWORDS:
        return site.error(message, site.fix(f"do ACTION {word}"))
    if site.is_who and ("/" in word or word.startswith("arn:") or word.lower() in _PRINCIPAL_WORDS):
        who = len(site.text) - len(site.text.lstrip())
        return site.error(
            f"{message}: 'who can' asks which principals can",
            site.fix(f"can {word}", start=who),
        )
    return site.error(message, site.fix(f"do {word}"))


def _action(site: _Site) -> QueryError:
    after_comma = site.text[: site.offset].rstrip().endswith(",")
    after = "','" if after_comma else "'do'"
    message = f"expected an action after {after}, got {site.got}"
    word = site.word
    if word is None or word.lower() in KEYWORDS or word.startswith(("arn:", ",")):
        if after_comma:
            comma = site.text.rindex(",", 0, site.offset)
            return site.error(
                f"{message}: a trailing ','",
                site.fix("", start=comma, end=comma + 1) if word else "remove the ','",
            )
        return site.error(message, "name an action, e.g. s3:GetObject, or * for every action")
    if ":" not in word and re.fullmatch(r"[A-Za-z0-9*?]+", word):
        service = _guess_service(site.text)
        if service:
            return site.error(
                f"{message}: an action is service:Name", site.fix(f"{service}:{word}")
            )
        return site.error(f"{message}: an action is service:Name", f"e.g. s3:{word}")
    return site.error(message, "an action is service:Name, e.g. s3:GetObject, or *")


def _after_action(site: _Site) -> QueryError:
    message = f"expected ',', 'on', 'when' or the end after the action, got {site.got}"
    word = site.word or ""
    if _ACTION_LIKE.fullmatch(word):
        return site.error(
            f"{message}: separate actions with ','",
            site.fix(f", {word}", start=site.gap_start),
        )
    if word.startswith("arn:") or word == "*":
        return site.error(f"{message}: missing 'on'", site.fix(f"on {word}"))
    if "=" in word:
        return site.error(f"{message}: missing 'when'", site.fix(f"when {word}"))
    close = _close(word, ("on", "when"))
    if close:
        return site.error(message, f"did you mean {close!r}?")
    if site.previous and site.offset == len(site.text[: site.offset].rstrip()):
        return site.error(
            f"unexpected {site.got} right after action {site.previous!r}",
            "an action is service:Name, with * and ? wildcards in the name",
        )
    return site.error(message, "e.g. ... do s3:GetObject on arn:aws:s3:::bucket/key")


def _resource(site: _Site) -> QueryError:
    message = f"expected a resource ARN or '*' after 'on', got {site.got}"
    word = site.word
    if word is None or word.lower() in KEYWORDS:
        return site.error(message, "e.g. on arn:aws:s3:::bucket/key, or on *")
    if word.lower().startswith("arn:"):
        return site.error(message, site.fix("arn:" + word[4:]))
    if _guess_service(site.text) == "s3" and ":" not in word:
        return site.error(f"{message}: a resource is an ARN", site.fix(f"arn:aws:s3:::{word}"))
    return site.error(
        f"{message}: a resource is an ARN", "arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, or *"
    )


def _after_resource(site: _Site) -> QueryError:
    message = f"expected 'when' or the end after the resource, got {site.got}"
    word = site.word or ""
    if "=" in word:
        return site.error(f"{message}: missing 'when'", site.fix(f"when {word}"))
    close = _close(word, ("when",))
    if close:
        return site.error(message, f"did you mean {close!r}?")
    if word.lower() == "on" or word.startswith("arn:") or word == "*":
        return site.error(f"{message}: a query names one resource", "ask once per resource")
    if word == "," or _ACTION_LIKE.fullmatch(word.lstrip(",")):
        return site.error(
            message, "list every action before 'on': do s3:GetObject, s3:PutObject on ..."
        )
    return site.error(message, "conditions follow 'when': when aws:SourceIp=10.0.0.1")


def _key(site: _Site) -> QueryError:
    after = site.previous.lower() if site.previous.lower() in ("when", "and") else "when"
    message = f"expected a condition key after {after!r}, got {site.got}"
    word = site.word
    if word is not None and word.startswith("arn:"):
        return site.error(f"{message}: an ARN", f"the resource goes after 'on': on {_clip(word)}")
    if word is not None and word.lower() in KEYWORDS:
        return site.error(message, "e.g. aws:SourceIp=10.0.0.1")
    if word is None:
        if after == "and":
            start = site.text.lower().rindex("and", 0, site.offset)
            return site.error(
                f"{message}: a trailing 'and'", site.fix("", start=start - 1, end=site.offset)
            )
        return site.error(message, "e.g. when aws:SourceIp=10.0.0.1")
    key = word.split("=", 1)[0]
    if key and ":" not in key and _NAME_LIKE.fullmatch(key):
        return site.error(f"{message}: a condition key is prefix:Name", site.fix(f"aws:{word}"))
    return site.error(message, "e.g. aws:SourceIp=10.0.0.1 or aws:PrincipalTag/team=data")


def _equal(site: _Site) -> QueryError:
    key = site.previous
    message = f"expected '=' after the condition key {key!r}, got {site.got}"
    start = site.gap_start
    if site.word is None:
        return site.error(message, site.fix("=VALUE", start=start))
    if "=" in site.word or site.word.lower() in KEYWORDS:
        return site.error(message, f"give {key!r} a value ({key}=VALUE) or remove it")
    return site.error(message, site.fix(f"={site.word}", start=start))


def _value(site: _Site) -> QueryError:
    word = site.word
    in_list = "LSQB" not in site.expected
    if in_list:
        if word is None:
            start = site.gap_start
            if site.text[:start].endswith(","):
                start -= 1
            return site.error("unclosed '[': expected a value or ']'", site.fix("]", start=start))
        if word.startswith("]"):
            comma = site.text.rindex(",", 0, site.offset)
            return site.error(
                "expected a value after ',' in the list, got ']': a trailing ','",
                site.fix("", start=comma, end=site.offset),
            )
        return site.error(
            f"expected a value in the list, got {site.got}",
            'each value is a word or a "quoted string": aws:TagKeys=[team, env]',
        )
    message = f"missing value after '=', got {site.got}"
    if word is not None and word.startswith("="):
        return site.error("'==': a condition has a single '='", site.fix(word[1:]))
    key = site.text[: site.offset].rstrip()[:-1].split()
    example = f"{key[-1] if key else 'aws:SourceIp'}=VALUE"
    return site.error(message, f'give a value, e.g. {example}, or "" for an empty string')


def _after_item(site: _Site) -> QueryError:
    word = site.word
    if word is None:
        return site.error("unclosed '[': expected ',' or ']'", site.fix("]", start=site.gap_start))
    item = word.rstrip(",]") or word
    return site.error(
        f"expected ',' or ']' in the list, got {item!r}",
        site.fix(f", {word}", start=site.gap_start),
    )


def _after_value(site: _Site) -> QueryError:
    message = f"expected 'and' or the end after the value, got {site.got}"
    word = site.word or ""
    if word.startswith(","):
        rest = site.text[site.offset + 1 :].lstrip()
        if _KEY_VALUE.match(rest) and ":" in rest.split("=", 1)[0]:
            return site.error(
                f"{message}: join conditions with 'and'",
                site.fix(" and", start=site.gap_start, end=site.offset + 1),
            )
        chunk_start = len(site.text[: site.offset]) - len(site.previous)
        chunk = (site.previous + word).rstrip(",")
        pair = _KEY_VALUE.fullmatch(chunk)
        if pair and "," not in pair[1] and chunk_start + len(chunk) >= site.offset:
            values = [v for v in pair[2].split(",") if v]
            return site.error(
                f"{message}: a multivalued key takes a list",
                site.fix(f"{pair[1]}=[{', '.join(values)}]", start=chunk_start),
            )
        return site.error(message, "a multivalued key takes a list: aws:TagKeys=[team, env]")
    if word.startswith("="):
        return site.error(
            f"{message}: one '=' per condition",
            "double-quote a value that contains '=': key=\"a=b\"",
        )
    if "=" in word:
        return site.error(f"{message}: missing 'and'", site.fix(f"and {word}"))
    close = _close(word, ("and",))
    if close:
        return site.error(message, f"did you mean {close!r}?")
    if "='" in site.previous or site.previous.startswith("'"):
        return site.error(
            f"{message}: values are quoted with double quotes",
            'e.g. aws:PrincipalTag/team="data eng"',
        )
    return site.error(
        message,
        'double-quote a value with spaces (key="a b"); give several values as a list: key=[a, b]',
    )


_PHASES: tuple[tuple[str, Callable[[_Site], QueryError]], ...] = (
    ("WHO", _start),
    ("PRINCIPAL_PATH", _principal),
    ("ACTION", _action),
    ("ON", _after_action),
    ("DO", _do),
    ("CAN", _after_who),
    ("ARN", _resource),
    ("KEY", _key),
    ("EQUAL", _equal),
    ("BARE", _value),
    ("AND", _after_value),
    ("RSQB", _after_item),
    ("WHEN", _after_resource),
)
"""Each parser state, recognised by a terminal only it expects (checked in this order)."""


def _word_at(text: str, offset: int) -> str | None:
    rest = text[offset:].split(maxsplit=1)
    return rest[0] if rest else None


def _close(word: str, candidates: Collection[str]) -> str | None:
    """The keyword `word` is probably a typo of: a transposition, or a close `difflib` match."""
    lowered = word.lower()
    if lowered in candidates:
        return None
    for candidate in candidates:
        if sorted(lowered) == sorted(candidate):
            return candidate
    matches = difflib.get_close_matches(lowered, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _guess_service(text: str) -> str | None:
    """The service of the query's first ARN or action, to complete `PutObject` as `s3:...`."""
    arn = _ARN_SERVICE.search(text)
    if arn:
        return arn[1]
    action = re.search(r"(?<!\S)([a-z0-9-]+):[A-Za-z*?]", text)
    if action and action[1] not in ("arn", "aws"):
        return action[1]
    return None


def _clip(text: str, limit: int = 48) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(text: str) -> str:
    return re.sub(r"[\r\n\t]", " ", text)

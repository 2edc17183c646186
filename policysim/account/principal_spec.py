"""The one principal grammar of every command: how users write "who asks".

check, explain, query, test and who-can's output all name a caller the same way:

=================================================== ============== =========================
written                                             kind           name
=================================================== ============== =========================
``user alice``, ``user/alice``, ``user/eng/alice``  user           ``alice``, ``eng/alice``
``role deploy``, ``role/deploy``                    role           ``deploy``
``group devs``, ``group/devs``                      group          ``devs``
``root`` / ``account/111122223333``                 root           ``""`` / the account id
an IAM or STS ARN (user, role, assumed-role          arn            the whole ARN
session, federated user, root, group)
``service/s3.amazonaws.com``                        service        ``s3.amazonaws.com``
``arn:aws:iam::cloudfront:user/CloudFront Origin    oai            the whole ARN
Access Identity E2QWRUHAPOMQZL``
``anonymous``                                       anonymous      ``""``
=================================================== ============== =========================

A group is simulated as AWS's console simulator does: its inline and managed policies, as any
member gets them (no member's own policies or boundary). Service principals, CloudFront origin
access identities and anonymous callers are *outsiders*: they have no identity side, so only
resource policies (and RCPs) decide their requests.

Errors are `PrincipalSyntaxError`: a message, a hint and the offset of the offending character,
so that the query language can point at it and the CLI can print one line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

from policysim.account.errors import AccountError
from policysim.engine.request import RequestPrincipal, is_cloudfront_oai
from policysim.policy.arn import is_account_id, parse_arn

PrincipalKind: TypeAlias = Literal[
    "user", "role", "group", "arn", "anonymous", "service", "root", "oai"
]
"""How a principal is named (see the table above)."""

SLASH_KINDS = ("user", "role", "group", "service", "account")
"""The ``kind/name`` spellings."""

WORD_KINDS = ("user", "role", "group")
"""The kinds that may also be written as two words: ``user alice``."""

_IAM_NAME_CHAR = re.compile(r"[A-Za-z0-9+=,.@_/-]")
_SERVICE_CHAR = re.compile(r"[A-Za-z0-9.-]")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_EXAMPLES = {
    "user": "user/alice",
    "role": "role/deploy",
    "group": "group/developers",
    "service": "service/lambda.amazonaws.com",
    "account": "account/111122223333",
}
FORMS = (
    "user NAME, role NAME, group NAME (or user/NAME ...), an IAM or STS ARN, service/HOST,"
    " a CloudFront OAI ARN, root, account/ID or anonymous"
)
"""The grammar in one line, for help texts and errors."""


class PrincipalSyntaxError(AccountError):
    """A principal that is not written in the grammar; `offset` points at the culprit."""

    def __init__(self, message: str, *, offset: int = 0, hint: str = "") -> None:
        super().__init__(f"{message} ({hint})" if hint else message)
        self.reason = message
        self.offset = offset
        self.hint = hint


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """A principal as written: a kind and a name (see the module's table)."""

    kind: PrincipalKind
    name: str = ""


@dataclass(frozen=True, slots=True)
class Outsider:
    """A caller that is no IAM principal of any account: a service principal, a CloudFront
    origin access identity or an anonymous caller. Only resource policies decide for it."""

    kind: Literal["service", "oai", "anonymous"]
    caller: str
    """The service host, the OAI's ARN, or ``anonymous``."""

    @property
    def caller_arn(self) -> str:
        """What the request carries as the caller (the host for a service principal)."""
        return self.caller

    @property
    def label(self) -> str:
        """`service s3.amazonaws.com`, `CloudFront OAI E2QW...` or `anonymous`."""
        if self.kind == "service":
            return f"service {self.caller}"
        if self.kind == "oai":
            return f"CloudFront OAI {self.caller.rsplit(' ', 1)[-1]}"
        return "anonymous"

    def request_principal(self) -> RequestPrincipal:
        """The engine's view of the caller."""
        return RequestPrincipal.parse(self.caller)


def parse_principal(text: str) -> PrincipalRef:
    """Parse a whole principal (``user alice``, ``user/alice``, an ARN, ...)."""
    stripped = text.strip()
    lead = len(text) - len(text.lstrip())
    words = stripped.split()
    if len(words) == 2 and words[0].lower() in WORD_KINDS:
        kind = words[0].lower()
        at = lead + stripped.index(words[1], len(words[0]))
        return _named(kind, words[1], at)
    if len(words) > 1 and not is_cloudfront_oai(stripped):
        raise PrincipalSyntaxError(
            f"{stripped!r} is not a principal", offset=lead, hint=f"write {FORMS}"
        )
    try:
        return parse_principal_word(stripped)
    except PrincipalSyntaxError as err:
        raise PrincipalSyntaxError(err.reason, offset=err.offset + lead, hint=err.hint) from None


def split_principal(words: list[str]) -> tuple[PrincipalRef, list[str]]:
    """The principal at the head of command-line words, and the words after it.

    ``user NAME`` takes two words; an OAI ARN typed without quotes (its name has spaces) is
    joined back from five words; everything else is one word.
    """
    if not words:
        raise PrincipalSyntaxError("name a principal", hint=f"write {FORMS}")
    first = words[0].lower()
    if first in WORD_KINDS:
        if len(words) < 2:
            raise PrincipalSyntaxError(
                f"give the {first}'s name after '{words[0]}'", hint=f"e.g. {first} NAME"
            )
        return _named(first, words[1], len(words[0]) + 1), words[2:]
    joined = " ".join(words[:5])
    if len(words) >= 5 and is_cloudfront_oai(joined):
        return PrincipalRef("oai", joined), words[5:]
    return parse_principal_word(words[0]), words[1:]


def parse_principal_word(word: str) -> PrincipalRef:
    """One word: ``kind/name``, an ARN (an OAI ARN has spaces), ``root`` or ``anonymous``."""
    lowered = word.lower()
    if lowered == "anonymous":
        return PrincipalRef("anonymous")
    if lowered == "root":
        return PrincipalRef("root")
    if lowered.startswith("arn:"):
        return _arn(word)
    written, sep, name = word.partition("/")
    kind = written.lower()
    if not sep or kind not in SLASH_KINDS:
        if not sep and kind in WORD_KINDS:
            raise PrincipalSyntaxError(
                f"give the {kind}'s name after '{written}'", hint=f"e.g. {_EXAMPLES[kind]}"
            )
        close = difflib.get_close_matches(kind, SLASH_KINDS, n=1, cutoff=0.6)
        if sep:
            message = f"unknown principal kind {written!r}"
            hint = f"did you mean {close[0]}/{name}?" if close else f"write {FORMS}"
        else:
            message = f"{word!r} is not a principal"
            hint = f"write {FORMS}"
        raise PrincipalSyntaxError(message, hint=hint)
    return _named(kind, name, len(written) + 1)


def _named(kind: str, name: str, at: int) -> PrincipalRef:
    """`kind` + `name` (which starts `at` characters into the text), checked."""
    if not name:
        raise PrincipalSyntaxError(
            f"missing name after {kind + '/'!r}", offset=at, hint=_EXAMPLES[kind]
        )
    if kind == "account":
        if not _ACCOUNT_ID.fullmatch(name):
            raise PrincipalSyntaxError(
                f"an account ID is 12 digits, got {name!r}",
                offset=at,
                hint="e.g. account/111122223333",
            )
        return PrincipalRef("root", name)
    if kind == "service":
        _check_chars(name, at, _SERVICE_CHAR, "service principal", "a-z 0-9 . -")
        if "." not in name:
            raise PrincipalSyntaxError(
                f"service principal {name!r} is not a host name",
                offset=at,
                hint=f"did you mean service/{name.lower()}.amazonaws.com?",
            )
        return PrincipalRef("service", name)
    offset = at
    for segment in name.split("/"):
        if not segment:
            raise PrincipalSyntaxError(
                f"empty segment in {kind} name {name!r}",
                offset=offset,
                hint=f"an IAM path and name are separated by single '/': {kind}/eng/alice",
            )
        offset += len(segment) + 1
    _check_chars(
        name, at, _IAM_NAME_CHAR, f"{kind} name", "A-Z a-z 0-9 + = , . @ _ - and / for a path"
    )
    return PrincipalRef(kind, name)  # type: ignore[arg-type]


def _check_chars(name: str, at: int, allowed: re.Pattern[str], what: str, listing: str) -> None:
    for index, char in enumerate(name):
        if not allowed.fullmatch(char):
            shown = name if len(name) <= 40 else name[:37] + "..."
            raise PrincipalSyntaxError(
                f"invalid character {char!r} in {what} {shown!r}",
                offset=at + index,
                hint=f"allowed: {listing}",
            )


def _arn(text: str) -> PrincipalRef:
    if is_cloudfront_oai(text):
        return PrincipalRef("oai", text)
    arn = parse_arn(text)
    if arn is None:
        raise PrincipalSyntaxError(
            f"{text!r} is not an ARN", hint="e.g. arn:aws:iam::111122223333:user/alice"
        )
    if arn.service not in ("iam", "sts"):
        raise PrincipalSyntaxError(
            f"a principal ARN is an IAM or STS ARN, not {arn.service or 'empty'!r}",
            hint="e.g. arn:aws:iam::111122223333:user/alice",
        )
    return PrincipalRef("arn", text)


def render_principal(ref: PrincipalRef) -> str:
    """The canonical one-word spelling (``user/alice``, ``account/ID``, an ARN, ...)."""
    if ref.kind in ("anonymous", "arn", "oai"):
        return ref.name or ref.kind
    if ref.kind == "root":
        return f"account/{ref.name}" if ref.name else "root"
    return f"{ref.kind}/{ref.name}"


OutsideKind: TypeAlias = Literal["everyone", "service", "oai", "account", "principal"]
"""How a resource policy's principal entry names someone outside the snapshot."""


def outside_kind(entry: str) -> OutsideKind:
    """Classify a Principal entry: everyone, a service, a CloudFront OAI, an account (its own
    IAM policies must also allow), or one principal of another account (likewise)."""
    if entry == "*":
        return "everyone"
    if is_cloudfront_oai(entry):
        return "oai"
    if is_account_id(entry):
        return "account"
    arn = parse_arn(entry)
    if arn is None:
        return "service" if "." in entry else "principal"
    return "account" if arn.resource == "root" else "principal"


def outsider_of(ref: PrincipalRef) -> Outsider | None:
    """The outsider a reference names, or None for IAM principals of an account."""
    if ref.kind == "service":
        return Outsider("service", ref.name)
    if ref.kind == "oai":
        return Outsider("oai", ref.name)
    if ref.kind == "anonymous":
        return Outsider("anonymous", "anonymous")
    return None


__all__ = [
    "FORMS",
    "Outsider",
    "PrincipalKind",
    "PrincipalRef",
    "PrincipalSyntaxError",
    "outside_kind",
    "outsider_of",
    "parse_principal",
    "parse_principal_word",
    "render_principal",
    "split_principal",
]

"""Text taken from input, made safe to show on a terminal.

policysim prints values that other people wrote: Sids, policy and principal names, account
aliases, ARNs, condition keys and values, file names, key paths. A terminal acts on some
characters instead of showing them: ESC and CSI (`\\x9b`) start sequences that move the
cursor, erase lines and recolour text (a Sid `Nope<ESC>[1A<ESC>[2K<ESC>[32mAllowed` draws a
green "Allowed" over a denial), CR and BS overwrite, BEL rings; bidi overrides (U+202E) and
isolates reorder what follows, and other format characters (zero-width spaces, tag
characters) hide text. Newlines and line/paragraph separators break the one-line shape
every report and error keeps.

`terminal_safe` shows each such character as a Python-style escape (`\\x1b`, `\\n`,
`\\u202e`) and leaves every other character as it is, so ordinary text, including non-ASCII
letters, is unchanged. Its output never contains a character it would escape, so escaping
twice is the same as once: layers may each escape what they print without doubling
backslashes. (Backslashes are not escaped: the escape of a control character and the same
characters typed literally look alike, which is the price of printable text staying as
written.)

Structured outputs (JSON, SARIF) do not use this: their encoders escape what they must.
"""

from __future__ import annotations

import re

# The characters of Unicode categories Cc (C0, DEL, C1 controls), Cf (format: bidi
# controls, zero-width characters, tag characters, ...), Cs (lone surrogates, which cannot
# even be encoded for output), Zl and Zp (U+2028, U+2029). Written out because `re` has no
# category classes; tests/test_text_safety.py checks the list against `unicodedata` over
# every code point, so a newer Unicode database that adds a format character is noticed.
_UNSAFE_RANGES = (
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xD800, 0xDFFF),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)

_UNSAFE = re.compile(
    "["
    + "".join(
        re.escape(chr(low)) + ("-" + re.escape(chr(high)) if high != low else "")
        for low, high in _UNSAFE_RANGES
    )
    + "]"
)

_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_terminal_safe(text: str) -> bool:
    """True when `text` has no character that `terminal_safe` would escape."""
    return _UNSAFE.search(text) is None


def terminal_safe(text: str, *, allow: str = "") -> str:
    """`text` with every control, format, separator and lone surrogate character shown as
    an escape (`\\x1b`, `\\n`, `\\u202e`), everything else unchanged. Characters in `allow`
    (for example "\\n" in a report whose lines the caller splits itself) are kept."""
    if _UNSAFE.search(text) is None:
        return text
    if not allow:
        return _UNSAFE.sub(_escape, text)
    return _UNSAFE.sub(lambda m: m.group() if m.group() in allow else _escape(m), text)


def one_line(text: str) -> str:
    """A message as one safe line: surrounding whitespace dropped, and every newline or
    other control character inside shown as an escape."""
    return terminal_safe(text.strip())

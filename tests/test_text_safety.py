"""The terminal escaper: what it escapes, what it leaves alone, and how rich output keeps it."""

from __future__ import annotations

import io
import sys
import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st
from rich.text import Span, Text

from policysim.render import _SafeConsole, safe_text
from policysim.text_safety import is_terminal_safe, one_line, terminal_safe

UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in UNSAFE_CATEGORIES


def test_every_code_point_of_the_unsafe_categories_is_escaped_and_no_other() -> None:
    """Checked against this Python's Unicode database, so a newer one that adds a format
    character fails here rather than letting it through. (Code points this database has not
    assigned may be escaped: a newer Unicode made some of them format characters.)"""
    missed = []
    changed = []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if _unsafe(char) == is_terminal_safe(char):
            if _unsafe(char):
                missed.append(f"U+{code:04X}")
            elif unicodedata.category(char) != "Cn":
                changed.append(f"U+{code:04X}")
    assert not missed, f"not escaped: {missed[:20]}"
    assert not changed, f"escaped without need: {changed[:20]}"


def test_the_attack_sid_is_shown_not_performed() -> None:
    sid = "Nope\x1b[1A\x1b[2K\x1b[32mAllowed"
    assert terminal_safe(sid) == "Nope\\x1b[1A\\x1b[2K\\x1b[32mAllowed"


def test_escape_forms() -> None:
    assert terminal_safe("\t\n\r") == "\\t\\n\\r"
    assert terminal_safe("\x00\x07\x08\x7f") == "\\x00\\x07\\x08\\x7f"
    assert terminal_safe("\x9b31m") == "\\x9b31m"  # C1 CSI, one character
    assert terminal_safe("\u202eevil\u2066") == "\\u202eevil\\u2066"
    assert terminal_safe("a\u2028b\u2029c") == "a\\u2028b\\u2029c"
    assert terminal_safe("\ud800") == "\\ud800"
    assert terminal_safe("tag\U000e0041") == "tag\\U000e0041"


def test_allow_keeps_the_named_characters_only() -> None:
    assert terminal_safe("a\nb\x1b", allow="\n") == "a\nb\\x1b"


def test_one_line_strips_the_ends_and_escapes_inside() -> None:
    assert one_line('  problem\n  in "<unicode string>"\n') == 'problem\\n  in "<unicode string>"'


@given(st.text())
def test_output_is_always_safe_and_escaping_twice_changes_nothing(text: str) -> None:
    out = terminal_safe(text)
    assert not any(_unsafe(c) for c in out)
    assert "\x1b" not in out and "\n" not in out
    assert terminal_safe(out) == out


@given(st.text(st.characters(blacklist_categories=tuple(UNSAFE_CATEGORIES))))
def test_printable_text_is_unchanged(text: str) -> None:
    assert terminal_safe(text) == text


@given(st.lists(st.text(), min_size=2, max_size=2, unique=True))
def test_inputs_without_backslashes_stay_distinct(pair: list[str]) -> None:
    a, b = (t.replace("\\", "") for t in pair)
    if a != b:
        assert terminal_safe(a) != terminal_safe(b)


def test_safe_text_keeps_styles_on_the_same_characters() -> None:
    text = Text.assemble(("a\x1bb", "bold"), ("c", "red"))
    safe = safe_text(text)
    assert safe.plain == "a\\x1bbc"
    assert [(s.start, s.end, s.style) for s in safe.spans] == [(0, 6, "bold"), (6, 7, "red")]
    plain = Text("nothing to do")
    assert safe_text(plain) is plain


def test_safe_console_never_reads_markup_or_writes_control_characters() -> None:
    out = io.StringIO()
    console = _SafeConsole(file=out, width=200, color_system=None, markup=False)
    console.print("[bold]x[/] :smile: \x1b[2K\u202e")
    console.print(Text("y\x9b"))
    assert out.getvalue() == "[bold]x[/] :smile: \\x1b[2K\\u202e\ny\\x9b\n"


@given(st.lists(st.tuples(st.text(max_size=8), st.sampled_from(["", "bold", "red"])), max_size=6))
@example([("\x08", "bold")])  # a part of control codes only (CI found it)
def test_safe_text_equals_escaping_each_styled_part(parts: list[tuple[str, str]]) -> None:
    """Escaping a styled Text is escaping each part and keeping its style on it."""
    from rich.control import strip_control_codes

    text = Text.assemble(*parts)
    expected = Text.assemble(
        *((terminal_safe(strip_control_codes(s)), style) for s, style in parts)
    )
    safe = safe_text(text)
    assert safe.plain == expected.plain
    # rich keeps a zero-width span for a part made only of control codes (it tests the length
    # before stripping them); such a span styles nothing, so only spans with width are compared.
    assert _wide(safe.spans) == _wide(expected.spans)


def _wide(spans: list[Span]) -> list[Span]:
    return [span for span in spans if span.end > span.start]

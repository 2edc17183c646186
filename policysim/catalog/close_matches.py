"""`difflib.get_close_matches` with the same answers, but fewer full comparisons.

"Did you mean" suggestions compare a misspelt name with every action of a service (or every
service prefix). difflib computes the expensive `ratio()` for every candidate whose cheap upper
bounds (`real_quick_ratio`, `quick_ratio`) pass the cutoff, and long action names with similar
letters nearly all pass: a corpus of managed policies spent 42 ms in 79 such calls. Here:

- `quick_ratio` is worked out with `str.count` per distinct letter of the word (the same
  number: the letters two strings have in common, counted with multiplicity), not a Python
  loop over every letter of every candidate;
- the candidates are taken in order of that bound, best first, and the search stops as soon
  as no remaining candidate's bound can beat the n-th best score found;
- before `ratio()`, a tighter bound: the matching blocks `ratio()` counts appear in the same
  order in both strings, so they are a common subsequence, no longer than the longest one
  (found with a bit-parallel pass, a few integer operations per letter). A candidate whose
  longest common subsequence cannot beat the n-th best score is passed over.

Every bound is at least the true score, so the answer is the same list, in the same order, as
difflib's (15 ms instead of 42 on that corpus).

The `quick_ratio` bounds of all candidates are summed column by column in C: for each letter
of the word, the candidates' counts of it, capped at the word's count (a `Candidates` list
keeps those columns, so the catalog's lists of service prefixes and of a service's action
names count each letter once per process; 79 calls: 16 -> 7 ms).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from difflib import SequenceMatcher
from itertools import compress, repeat
from operator import add


def _ratio(matches: int, length: int) -> float:
    """difflib's `_calculate_ratio`, the same float for the same counts."""
    return 2.0 * matches / length if length else 1.0


def common_subsequence_length(text: str, masks: dict[str, int], size: int) -> int:
    """The length of the longest common subsequence of `text` and a word of `size` letters
    whose `masks` give, for each letter, the bits of its positions in the word.

    The bit-parallel algorithm of Allison and Dix (Hyyrö's form): bit j of `row` is clear when
    the prefix of the word ending at j gains from the letters read so far; the answer is the
    number of clear bits."""
    full = (1 << size) - 1
    row = full
    for letter in text:
        matched = row & masks.get(letter, 0)
        row = (row + matched) | (row - matched)
    return size - (row & full).bit_count()


def letter_masks(word: str) -> dict[str, int]:
    """For each letter of `word`, the bits of its positions (`common_subsequence_length`)."""
    masks: dict[str, int] = {}
    for j, letter in enumerate(word):
        masks[letter] = masks.get(letter, 0) | (1 << j)
    return masks


def close_matches(
    word: str, possibilities: Iterable[str], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """Exactly `difflib.get_close_matches(word, possibilities, n, cutoff)`."""
    if not n > 0:
        raise ValueError(f"n must be > 0: {n!r}")
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    size = len(word)
    bounded: list[tuple[float, str]]
    if isinstance(possibilities, Candidates):
        bounded = possibilities.bounded(word, cutoff)
    else:
        bounded = []
        counts = [(letter, word.count(letter)) for letter in set(word)]
        for candidate in possibilities:
            length = len(candidate) + size
            if _ratio(min(len(candidate), size), length) < cutoff:  # `real_quick_ratio`
                continue
            common = 0
            for letter, most in counts:
                found = candidate.count(letter)
                common += found if found < most else most
            bound = _ratio(common, length)  # `quick_ratio`
            if bound >= cutoff:
                bounded.append((bound, candidate))
    # difflib ranks (score, candidate) pairs, highest first; score <= bound, so once a pair's
    # (bound, candidate) ranks below the n-th best (score, candidate) so far, neither it nor any
    # later pair (sorted by bound) can enter the top n.
    bounded.sort(reverse=True)
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    masks = letter_masks(word)
    best: list[tuple[float, str]] = []  # a min-heap of the n best pairs so far
    for bound, candidate in bounded:
        if len(best) == n and (bound, candidate) < best[0]:
            break
        tighter = _ratio(common_subsequence_length(candidate, masks, size), len(candidate) + size)
        if tighter < cutoff or (len(best) == n and (tighter, candidate) < best[0]):
            continue  # score <= tighter: it can neither pass the cutoff nor enter the top n
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score < cutoff:
            continue
        if len(best) < n:
            heapq.heappush(best, (score, candidate))
        elif (score, candidate) > best[0]:
            heapq.heapreplace(best, (score, candidate))
    return [candidate for _, candidate in sorted(best, reverse=True)]


class Candidates(tuple[str, ...]):
    """The possibilities of `close_matches`, with what it counts in them remembered.

    For a letter and a cap, the column of each candidate's count of that letter, capped
    (the letters a word shares with each candidate are the sum of its letters' columns).
    The catalog asks for suggestions among the same lists again and again (every service
    prefix, a service's action names): keeping one `Candidates` per list counts each letter
    in it once rather than once per misspelt word."""

    lengths: tuple[int, ...]
    """The length of each candidate."""
    _counts: dict[str, tuple[int, ...]]
    _capped: dict[tuple[str, int], tuple[int, ...]]

    def __new__(cls, names: Iterable[str]) -> Candidates:
        self = super().__new__(cls, names)
        self.lengths = tuple(map(len, self))
        self._counts = {}
        self._capped = {}
        return self

    def bounded(self, word: str, cutoff: float) -> list[tuple[float, str]]:
        """`(quick_ratio, candidate)` for each candidate whose `quick_ratio` against `word`
        reaches the cutoff, in order: what `close_matches` works out candidate by candidate
        for other possibilities, here with a C loop over the candidates per letter of the
        word. (difflib's `real_quick_ratio` test first would change nothing: that bound is
        at least this one, with the same denominator and a numerator no smaller.)"""
        size = len(word)
        columns = [self.column(letter, word.count(letter)) for letter in set(word)]
        commons = map(sum, zip(*columns, strict=True)) if columns else repeat(0, len(self))
        # `_ratio(common, length + size)`, its float operations in the same order; the
        # length is never 0 there unless the word and a candidate are both empty.
        bounds = [
            2.0 * common / length if length else 1.0
            for common, length in zip(commons, map(add, self.lengths, repeat(size)), strict=True)
        ]
        return list(compress(zip(bounds, self, strict=True), map(cutoff.__le__, bounds)))

    def column(self, letter: str, cap: int) -> tuple[int, ...]:
        """`min(candidate.count(letter), cap)` for each candidate, in order."""
        key = (letter, cap)
        found = self._capped.get(key)
        if found is not None:
            return found
        counts = self._counts.get(letter)
        if counts is None:
            counts = tuple(map(str.count, self, repeat(letter)))  # each count called from C
            if len(self._counts) >= _COLUMNS_KEPT:
                self._counts.clear()  # words come from untrusted input: stay bounded
                self._capped.clear()
            self._counts[letter] = counts
        found = (
            counts
            if max(counts, default=0) <= cap
            else tuple([n if n < cap else cap for n in counts])
        )
        if len(self._capped) >= _COLUMNS_KEPT:
            self._capped.clear()
        self._capped[key] = found
        return found


_COLUMNS_KEPT = 1024
"""Columns a `Candidates` keeps before it starts again (a few dozen letters in practice)."""

"""`difflib.get_close_matches` with the same answers, but fewer full comparisons.

"Did you mean" suggestions compare a misspelt name with every action of a service (or every
service prefix). difflib computes the expensive `ratio()` for every candidate whose cheap upper
bounds (`real_quick_ratio`, `quick_ratio`) pass the cutoff, and long action names with similar
letters nearly all pass: a corpus of managed policies spent 84 ms in 79 such calls. Here the
candidates are taken in order of their `quick_ratio` bound, best first, and the search stops as
soon as no remaining candidate's bound can beat the n-th best score found: the answer is the
same list, in the same order, as difflib's.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from difflib import SequenceMatcher


def close_matches(
    word: str, possibilities: Iterable[str], n: int = 3, cutoff: float = 0.6
) -> list[str]:
    """Exactly `difflib.get_close_matches(word, possibilities, n, cutoff)`."""
    if not n > 0:
        raise ValueError(f"n must be > 0: {n!r}")
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    bounded: list[tuple[float, str]] = []
    for candidate in possibilities:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= cutoff:
            bound = matcher.quick_ratio()
            if bound >= cutoff:
                bounded.append((bound, candidate))
    # difflib ranks (score, candidate) pairs, highest first; score <= bound, so once a pair's
    # (bound, candidate) ranks below the n-th best (score, candidate) so far, neither it nor any
    # later pair (sorted by bound) can enter the top n.
    bounded.sort(reverse=True)
    best: list[tuple[float, str]] = []  # a min-heap of the n best pairs so far
    for bound, candidate in bounded:
        if len(best) == n and (bound, candidate) < best[0]:
            break
        matcher.set_seq1(candidate)
        score = matcher.ratio()
        if score < cutoff:
            continue
        if len(best) < n:
            heapq.heappush(best, (score, candidate))
        elif (score, candidate) > best[0]:
            heapq.heapreplace(best, (score, candidate))
    return [candidate for _, candidate in sorted(best, reverse=True)]

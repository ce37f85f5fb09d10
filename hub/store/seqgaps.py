"""Seq gaps: which of a kiosk's responses (numbered 1, 2, 3 … with no gaps) have not arrived yet.

Pure functions over ranges of missing seqs; the store keeps the ranges per kiosk and updates
them in the same transaction as the responses, so "k03: 12 ratings not yet delivered" is one
small read, however many responses the kiosk has sent.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

Gap = tuple[int, int]  # first and last missing seq, inclusive


def add_seqs(gaps: Sequence[Gap], max_seq: int, seqs: Iterable[int]) -> tuple[list[Gap], int]:
    """The gaps and highest seq after ``seqs`` have arrived (repeats and old seqs are harmless)."""
    ranges = [list(g) for g in sorted(gaps)]
    for seq in sorted(set(seqs)):
        if seq > max_seq:
            if seq > max_seq + 1:
                ranges.append([max_seq + 1, seq - 1])
            max_seq = seq
            continue
        index = bisect_right(ranges, [seq, float("inf")]) - 1
        if index < 0:
            continue
        first, last = ranges[index]
        if not first <= seq <= last:
            continue  # already here: a repeated seq
        if first == last:
            del ranges[index]
        elif seq == first:
            ranges[index][0] = seq + 1
        elif seq == last:
            ranges[index][1] = seq - 1
        else:
            ranges[index][1] = seq - 1
            ranges.insert(index + 1, [seq + 1, last])
    return [(a, b) for a, b in ranges], max_seq


def missing_count(gaps: Iterable[Gap], max_seq: int, last_created: int | None = None) -> int:
    """Responses not delivered: holes below the highest seq received, plus any the kiosk says it
    created beyond it (its status carries the last seq it created)."""
    holes = sum(last - first + 1 for first, last in gaps)
    beyond = max(0, last_created - max_seq) if last_created is not None else 0
    return holes + beyond

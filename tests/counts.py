"""Counts the reliability tests report at the end of the run (docs/reliability.md).

A test calls ``count("bad input: invalid cases raising PavedRoadError")`` for each case it
checked; ``tests/conftest.py`` prints every count in the terminal summary, so each run shows
how many generated cases, messages, policies and acknowledgments were actually checked.
"""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()


def count(name: str, n: int = 1) -> None:
    """Add ``n`` to the count ``name`` (printed at the end of the run)."""
    COUNTS[name] += n


def reported() -> list[str]:
    """The lines the terminal summary prints, sorted by name."""
    return [f"{name}: {COUNTS[name]:,}" for name in sorted(COUNTS)]

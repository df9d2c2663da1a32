"""The command-line helpers shared by the paved-road subcommands."""

from __future__ import annotations

import argparse

import pytest

from paved_road._help import help_text, int_range


def test_int_range_accepts_the_bounds() -> None:
    parse = int_range(1, 5)
    assert (parse("1"), parse("5")) == (1, 5)
    assert int_range(0, None)("123456") == 123456


@pytest.mark.parametrize(
    ("low", "high", "value", "message"),
    [
        (1, 5, "0", "must be between 1 and 5, got 0"),
        (1, 5, "6", "must be between 1 and 5, got 6"),
        (1, None, "0", "must be at least 1, got 0"),
        (1, 5, "two", "must be an integer, got 'two'"),
    ],
)
def test_int_range_says_what_is_allowed(
    low: int, high: int | None, value: str, message: str
) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        int_range(low, high)(value)


def test_help_text_drops_roles_and_the_imports_paragraph() -> None:
    doc = "Uses :class:`~paved_road.QueueConsumer` and ``x``.\n\nLike the rest, imports...\n"
    assert help_text(doc) == "Uses paved_road.QueueConsumer and x.\n"

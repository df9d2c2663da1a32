"""Command-line helpers shared by the ``paved-road`` subcommands: help text from module
docstrings, and integer arguments within bounds."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

_ROLE = re.compile(r":(?:mod|class|func|meth|data):`~?([^`]+)`")


def help_text(docstring: str, *, drop: tuple[str, ...] = ()) -> str:
    """A module docstring as plain text for ``--help``: reST literals and roles become
    plain names, ``drop`` snippets are removed, and the paragraph about the module's
    imports ("Like the rest ...") and what follows it are left out."""
    text = docstring
    for snippet in drop:
        text = text.replace(snippet, "")
    text = _ROLE.sub(r"\1", text.replace("``", "").replace("::\n", ":\n"))
    return text.split("\nLike the rest", 1)[0].rstrip() + "\n"


def int_range(low: int, high: int | None) -> Callable[[str], int]:
    """An argparse ``type`` for an integer from ``low`` to ``high`` (no upper bound when
    None); anything else is an ``ArgumentTypeError`` that says what is allowed."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer, got {value!r}") from None
        if number < low or (high is not None and number > high):
            bound = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {number}")
        return number

    return parse

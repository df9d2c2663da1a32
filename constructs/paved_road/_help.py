"""Command help from module docstrings, shared by the ``paved-road`` subcommands."""

from __future__ import annotations

import re

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

"""Errors of the constructs a blueprint composes, said as the blueprint's own.

A blueprint that renames a prop on its way to an inner construct (``snippets`` ->
the fleet's ``tenants``, ``cohort_glob`` -> a routing rule's ``headers``) re-raises the
inner construct's PavedRoadError under its own kind, path and prop names, so the error
names what the caller passed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from paved_road.errors import PavedRoadError, Problems


@contextlib.contextmanager
def reported_as(kind: str, path: str, inner: str, rename: Callable[[str], str]) -> Iterator[None]:
    """Re-raise a PavedRoadError of ``inner`` (``"Kind 'path'"``) raised in the block as
    ``kind``'s at ``path``: ``rename`` maps each problem's text after ``"<inner>: "``
    (``"tenants[0].function must match ..."``) to this construct's
    (``"snippets[0].name must match ..."``). Errors of other constructs pass unchanged."""
    try:
        yield
    except PavedRoadError as error:
        head = f"{inner}: "
        if not all(line.startswith(head) for line in error.problems):
            raise
        problems = Problems(kind, path)
        for line in error.problems:
            prop, _, message = rename(line.removeprefix(head)).partition(" ")
            problems.add(prop, message)
        raise problems.error() from None


def renaming(prefixes: dict[str, str]) -> Callable[[str], str]:
    """A ``rename`` for :func:`reported_as` that replaces the first matching prefix."""

    def rename(text: str) -> str:
        for old, new in prefixes.items():
            if text.startswith(old):
                return new + text[len(old) :]
        return text

    return rename

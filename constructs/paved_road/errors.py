"""The one exception type paved-road raises for bad props."""

from __future__ import annotations

from collections.abc import Iterable


class PavedRoadError(ValueError):
    """Bad props given to a paved-road construct, raised at construct time.

    The message names the construct path, the prop, the value received and what
    is allowed, e.g. ``QueueConsumer 'App/Orders': max_receive_count must be
    between 1 and 1000, got 0``. When several props conflict, every problem is
    collected and raised once (``problems`` holds them one per item).
    """

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) or [message]


class Problems:
    """Collects validation problems for one construct, then raises them once.

    ``Problems("QueueConsumer", "App/Orders")`` prefixes every message with the
    construct kind and path so the error always says where it came from.
    """

    def __init__(self, kind: str, path: str) -> None:
        self.kind = kind
        self.path = path
        self._items: list[str] = []

    def add(self, prop: str, message: str, received: object = ...) -> None:
        """Record that ``prop`` is wrong: ``message`` says what is allowed."""
        got = "" if received is ... else f", got {received!r}"
        self._items.append(f"{prop} {message}{got}")

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise self.error()

    def error(self) -> PavedRoadError:
        """The PavedRoadError for the problems collected so far (at least one)."""
        where = f"{self.kind} '{self.path}'"
        if len(self._items) == 1:
            return PavedRoadError(f"{where}: {self._items[0]}", [f"{where}: {self._items[0]}"])
        lines = "\n".join(f"  - {item}" for item in self._items)
        return PavedRoadError(
            f"{where}: {len(self._items)} problems:\n{lines}",
            [f"{where}: {item}" for item in self._items],
        )

"""Lambda runtime lifecycle: deprecation and block dates, and the governed horizon.

The dates come from cfn-lint's ``LmbdRuntimeLifecycle.json`` (shipped in the
``cfn-lint`` package, refreshed with every cfn-lint release), which mirrors the
"Runtime deprecation" table of the Lambda Developer Guide
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html):

* ``deprecated``: AWS stops applying security patches; the runtime is no longer
  supported (Lambda's "deprecation date").
* ``create-block``: new functions on the runtime can no longer be created.
* ``update-block``: existing functions on the runtime can no longer be updated.

"Today" is ``date.today()`` unless the ``PAVED_ROAD_TODAY`` environment variable
(``YYYY-MM-DD``) says otherwise, so tests and reproducible builds can pin it.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources

TODAY_ENV = "PAVED_ROAD_TODAY"
TODAY_CONTEXT = "paved-road:today"


class Phase(enum.Enum):
    """Where a runtime is in its lifecycle on a given day."""

    SUPPORTED = "supported"
    DEPRECATED = "deprecated"
    CREATE_BLOCKED = "create-blocked"
    UPDATE_BLOCKED = "update-blocked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RuntimeLifecycle:
    """The published lifecycle dates of one Lambda runtime identifier."""

    name: str
    deprecated: _dt.date | None
    block_create: _dt.date | None
    block_update: _dt.date | None
    successor: str | None

    def phase(self, today: _dt.date) -> Phase:
        if self.block_update and today >= self.block_update:
            return Phase.UPDATE_BLOCKED
        if self.block_create and today >= self.block_create:
            return Phase.CREATE_BLOCKED
        if self.deprecated and today >= self.deprecated:
            return Phase.DEPRECATED
        return Phase.SUPPORTED

    def days_left(self, today: _dt.date) -> int | None:
        """Days until deprecation (negative once deprecated); None if no date is set."""
        return None if self.deprecated is None else (self.deprecated - today).days


def _date(value: str | None) -> _dt.date | None:
    return _dt.date.fromisoformat(value) if value else None


@cache
def lifecycle_table() -> dict[str, RuntimeLifecycle]:
    """Every runtime cfn-lint knows, keyed by identifier (``python3.14``)."""
    raw = json.loads(
        resources.files("cfnlint.data.AdditionalSpecs")
        .joinpath("LmbdRuntimeLifecycle.json")
        .read_text(encoding="utf-8")
    )
    return {
        name: RuntimeLifecycle(
            name=name,
            deprecated=_date(dates.get("deprecated")),
            block_create=_date(dates.get("create-block")),
            block_update=_date(dates.get("update-block")),
            successor=dates.get("successor"),
        )
        for name, dates in raw.items()
    }


def lifecycle(runtime: str) -> RuntimeLifecycle | None:
    """The lifecycle of ``runtime`` (an identifier such as ``nodejs24.x``), if known."""
    return lifecycle_table().get(runtime)


def phase(runtime: str, today: _dt.date | None = None) -> Phase:
    entry = lifecycle(runtime)
    return Phase.UNKNOWN if entry is None else entry.phase(today or current_date())


def days_left(runtime: str, today: _dt.date | None = None) -> int | None:
    entry = lifecycle(runtime)
    return None if entry is None else entry.days_left(today or current_date())


def supported_runtimes(today: _dt.date | None = None) -> list[str]:
    """Runtime identifiers not yet deprecated on ``today``, sorted."""
    day = today or current_date()
    return sorted(n for n, e in lifecycle_table().items() if e.phase(day) is Phase.SUPPORTED)


def parse_today(value: str, *, source: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{source} must be a date YYYY-MM-DD, got {value!r}") from exc


def current_date(override: str | None = None) -> _dt.date:
    """``override`` (YYYY-MM-DD), else ``$PAVED_ROAD_TODAY``, else today's date."""
    if override:
        return parse_today(override, source=f"context {TODAY_CONTEXT}")
    env = os.environ.get(TODAY_ENV)
    if env:
        return parse_today(env, source=TODAY_ENV)
    return _dt.date.today()

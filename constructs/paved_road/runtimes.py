"""Lambda runtime lifecycle: deprecation and block dates, and the governed horizon.

The dates come from cfn-lint's ``LmbdRuntimeLifecycle.json`` (shipped in the
``cfn-lint`` package, refreshed with every cfn-lint release), which mirrors the
"Runtime deprecation" table of the Lambda Developer Guide
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html):

* ``deprecated``: AWS stops applying security patches; the runtime is no longer
  supported (Lambda's "deprecation date").
* ``create-block``: new functions on the runtime can no longer be created.
* ``update-block``: existing functions on the runtime can no longer be updated.

An organization can tighten that table with an override file (YAML or JSON, see
:func:`load_policy`): an ``approved`` list (runtimes not on it are
:attr:`Phase.NOT_APPROVED`) and earlier or extra dates per runtime, including
runtimes cfn-lint does not know. The file named by ``$PAVED_ROAD_RUNTIME_POLICY``
is the active policy (:func:`policy`); without it the active policy is cfn-lint's
table alone. The module-level functions (:func:`lifecycle`, :func:`phase`, ...) use the
active policy unless given ``policy=``.

"Today" is ``date.today()`` unless the ``PAVED_ROAD_TODAY`` environment variable
(``YYYY-MM-DD``) says otherwise, so tests and reproducible builds can pin it.

No aws-cdk-lib import: the ``paved-road`` command uses this module and must start fast.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import json
import os
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from paved_road.errors import PavedRoadError, Problems

TODAY_ENV = "PAVED_ROAD_TODAY"
TODAY_CONTEXT = "paved-road:today"

POLICY_ENV = "PAVED_ROAD_RUNTIME_POLICY"
"""Environment variable naming the organization override file (YAML or JSON)."""

POLICY_CONTEXT = "paved-road:runtime-policy"
"""CDK context key holding the path of an organization override file."""

POLICY_KEYS = ("approved", "runtimes")
"""Top-level keys of an override file."""

RUNTIME_KEYS = ("deprecated", "create-block", "update-block", "successor")
"""Keys of one runtime's entry in an override file (cfn-lint's names)."""

_DATE_KEYS = {
    "deprecated": "deprecated",
    "create-block": "block_create",
    "update-block": "block_update",
}
_POLICY_SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class Phase(enum.Enum):
    """Where a runtime is in its lifecycle on a given day.

    For one day the phases take precedence in this order: update-blocked,
    create-blocked, deprecated, not-approved, supported. ``unknown`` is a runtime with
    no published dates (and not excluded by the organization's approved list)."""

    SUPPORTED = "supported"
    DEPRECATED = "deprecated"
    CREATE_BLOCKED = "create-blocked"
    UPDATE_BLOCKED = "update-blocked"
    NOT_APPROVED = "not-approved"
    UNKNOWN = "unknown"

    @property
    def failing(self) -> bool:
        """True for phases a pipeline should stop on (deprecated, blocked, not approved)."""
        return self in _FAILING


_FAILING = frozenset(
    {Phase.DEPRECATED, Phase.CREATE_BLOCKED, Phase.UPDATE_BLOCKED, Phase.NOT_APPROVED}
)


@dataclass(frozen=True)
class RuntimeLifecycle:
    """The lifecycle dates of one Lambda runtime identifier, and whether the
    organization approves it (always True without an ``approved`` list)."""

    name: str
    deprecated: _dt.date | None
    block_create: _dt.date | None
    block_update: _dt.date | None
    successor: str | None
    approved: bool = True

    def phase(self, today: _dt.date) -> Phase:
        if self.block_update and today >= self.block_update:
            return Phase.UPDATE_BLOCKED
        if self.block_create and today >= self.block_create:
            return Phase.CREATE_BLOCKED
        if self.deprecated and today >= self.deprecated:
            return Phase.DEPRECATED
        if not self.approved:
            return Phase.NOT_APPROVED
        return Phase.SUPPORTED

    def phase_started(self, today: _dt.date) -> _dt.date | None:
        """The date that applies on ``today``: when the current phase started for a
        deprecated or blocked runtime, else the deprecation date (None if unset)."""
        current = self.phase(today)
        if current is Phase.UPDATE_BLOCKED:
            return self.block_update
        if current is Phase.CREATE_BLOCKED:
            return self.block_create
        return self.deprecated

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


@dataclass(frozen=True)
class RuntimePolicy:
    """cfn-lint's lifecycle table, tightened by an organization override file.

    ``entries`` holds every runtime with dates (cfn-lint's and the file's), with the
    file's dates applied and ``approved`` set from the file's approved list.
    ``approved`` is that list (None when the file has none: every runtime is approved).
    ``source`` is the override file, None for cfn-lint's table alone."""

    entries: Mapping[str, RuntimeLifecycle] = field(hash=False, repr=False)
    approved: tuple[str, ...] | None = None
    source: Path | None = None

    def is_approved(self, runtime: str) -> bool:
        return self.approved is None or runtime in self.approved

    def lifecycle(self, runtime: str) -> RuntimeLifecycle | None:
        """The lifecycle of ``runtime`` if cfn-lint or the override file has dates for it."""
        return self.entries.get(runtime)

    def phase(self, runtime: str, today: _dt.date | None = None) -> Phase:
        """``runtime``'s phase on ``today``; for a runtime without dates NOT_APPROVED
        when the approved list excludes it, else UNKNOWN."""
        entry = self.lifecycle(runtime)
        if entry is not None:
            return entry.phase(today or current_date())
        return Phase.UNKNOWN if self.is_approved(runtime) else Phase.NOT_APPROVED

    def days_left(self, runtime: str, today: _dt.date | None = None) -> int | None:
        entry = self.lifecycle(runtime)
        return None if entry is None else entry.days_left(today or current_date())

    def supported(self, today: _dt.date | None = None) -> list[str]:
        """Runtime identifiers approved and not yet deprecated on ``today``, sorted."""
        day = today or current_date()
        return sorted(n for n, e in self.entries.items() if e.phase(day) is Phase.SUPPORTED)


@cache
def default_policy() -> RuntimePolicy:
    """cfn-lint's table alone: no approved list, no override."""
    return RuntimePolicy(types.MappingProxyType(lifecycle_table()))


def load_policy(path: str | os.PathLike[str]) -> RuntimePolicy:
    """cfn-lint's table tightened by the override file at ``path`` (read every call).

    The file (``.yaml``/``.yml`` or ``.json``) is a mapping with two optional keys:

    * ``approved``: a list of runtime identifiers; runtimes not on it are
      :attr:`Phase.NOT_APPROVED` until a lifecycle date makes them worse.
    * ``runtimes``: runtime identifier -> ``{deprecated, create-block, update-block,
      successor}``, each optional. A date replaces cfn-lint's when it is earlier (an
      organization can only tighten: Lambda enforces AWS's dates regardless); a
      successor replaces cfn-lint's. Runtimes cfn-lint does not know are added.

    Dates are ``YYYY-MM-DD`` (YAML may give them as dates). Block dates given in the
    file must be on or after the runtime's deprecation date.

    :raises PavedRoadError: the message names the file, the key path, the value and
        what is allowed; every problem in the file is reported at once.
    """
    source = Path(path)
    return _build_policy(source, _read_policy_file(source))


def _read_policy_file(path: Path) -> Any:
    kind = _POLICY_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        allowed = ", ".join(sorted(_POLICY_SUFFIXES))
        raise PavedRoadError(
            f"runtime policy '{path}': the file name must end in {allowed}, "
            f"got {path.suffix or '(no suffix)'!r}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PavedRoadError(
            f"runtime policy '{path}': cannot be read ({exc.strerror or exc})"
        ) from exc
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise PavedRoadError(f"runtime policy '{path}': not valid JSON: {exc}") from exc
    import yaml  # type: ignore[import-untyped, unused-ignore]  # PyYAML: YAML files only

    class Loader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]
        """SafeLoader that keeps an impossible date (2026-13-01) as a string, so the
        validation below can name its key."""

    def timestamp(loader: Any, node: Any) -> Any:
        try:
            return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
        except ValueError:
            return loader.construct_scalar(node)

    Loader.add_constructor("tag:yaml.org,2002:timestamp", timestamp)
    try:
        return yaml.load(text, Loader=Loader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())
        raise PavedRoadError(f"runtime policy '{path}': not valid YAML: {detail}") from exc


def _policy_date(value: object) -> _dt.date | None:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _is_identifier(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _build_policy(path: Path, raw: Any) -> RuntimePolicy:
    problems = Problems("runtime policy", str(path))
    if raw is None:  # an empty file: no overrides
        raw = {}
    if not isinstance(raw, dict):
        problems.add(
            "(top level)", f"must be a mapping with the keys {', '.join(POLICY_KEYS)}", raw
        )
        raise problems.error()
    for key, value in raw.items():
        if key not in POLICY_KEYS:
            problems.add(str(key), f"is not a known key (allowed: {', '.join(POLICY_KEYS)})", value)
    approved = _parse_approved(problems, raw.get("approved"))
    entries = dict(lifecycle_table())
    overrides = raw.get("runtimes")
    if overrides is not None and not isinstance(overrides, dict):
        problems.add(
            "runtimes",
            f"must be a mapping of runtime identifier to {{{', '.join(RUNTIME_KEYS)}}}",
            overrides,
        )
    elif overrides:
        for name, entry in overrides.items():
            merged = _override(problems, name, entry, entries.get(str(name)))
            if merged is not None:
                entries[merged.name] = merged
    problems.raise_if_any()
    if approved is not None:
        allowed = set(approved)
        entries = {
            name: dataclasses.replace(entry, approved=name in allowed)
            for name, entry in entries.items()
        }
    return RuntimePolicy(types.MappingProxyType(entries), approved, path)


def _parse_approved(problems: Problems, value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        problems.add("approved", "must be a list of runtime identifiers (strings)", value)
        return None
    for index, item in enumerate(value):
        if not _is_identifier(item):
            problems.add(f"approved[{index}]", "must be a runtime identifier (a string)", item)
    return tuple(str(item).strip() for item in value if _is_identifier(item))


def _override(
    problems: Problems, name: object, entry: object, base: RuntimeLifecycle | None
) -> RuntimeLifecycle | None:
    """``base`` (cfn-lint's entry, if any) with the file's ``entry`` for ``name`` applied."""
    where = f"runtimes.{name}"
    if not _is_identifier(name):
        problems.add(where, "must be keyed by a runtime identifier (a string)", name)
        return None
    if not isinstance(entry, dict):
        problems.add(where, f"must be a mapping with the keys {', '.join(RUNTIME_KEYS)}", entry)
        return None
    given: dict[str, _dt.date] = {}
    successor = base.successor if base else None
    for key, value in entry.items():
        if key == "successor":
            if _is_identifier(value):
                successor = str(value)
            else:
                problems.add(f"{where}.successor", "must be a runtime identifier (a string)", value)
        elif key in _DATE_KEYS:
            day = _policy_date(value)
            if day is None:
                problems.add(f"{where}.{key}", "must be a date YYYY-MM-DD", value)
            else:
                given[key] = day
        else:
            problems.add(
                f"{where}.{key}", f"is not a known key (allowed: {', '.join(RUNTIME_KEYS)})", value
            )
    dates: dict[str, _dt.date | None] = {}
    for key, attribute in _DATE_KEYS.items():
        published = getattr(base, attribute) if base else None
        candidates = [d for d in (given.get(key), published) if d is not None]
        dates[attribute] = min(candidates) if candidates else None
    deprecated = dates["deprecated"]
    if deprecated is not None:
        origin = "this file" if given.get("deprecated") == deprecated else "cfn-lint"
        for key in ("create-block", "update-block"):
            if key in given and given[key] < deprecated:
                problems.add(
                    f"{where}.{key}",
                    f"must be on or after the deprecated date {deprecated} (from {origin})",
                    given[key].isoformat(),
                )
    return RuntimeLifecycle(
        name=str(name),
        deprecated=deprecated,
        block_create=dates["block_create"],
        block_update=dates["block_update"],
        successor=successor,
    )


@lru_cache(maxsize=32)
def _cached_policy(path: str, mtime_ns: int, size: int) -> RuntimePolicy:
    return load_policy(path)


def policy_for(path: str | os.PathLike[str] | None) -> RuntimePolicy:
    """The policy of the override file at ``path`` (cached while the file is unchanged),
    or the active :func:`policy` when ``path`` is None or empty."""
    if path is None or not str(path):
        return policy()
    source = Path(path)
    try:
        stat = source.stat()
    except OSError:
        return load_policy(source)  # raises PavedRoadError naming the file
    return _cached_policy(str(source.resolve()), stat.st_mtime_ns, stat.st_size)


def policy() -> RuntimePolicy:
    """The active policy: the file named by ``$PAVED_ROAD_RUNTIME_POLICY`` if set,
    else cfn-lint's table alone."""
    path = os.environ.get(POLICY_ENV)
    return policy_for(path) if path else default_policy()


def lifecycle(runtime: str, *, policy: RuntimePolicy | None = None) -> RuntimeLifecycle | None:
    """The lifecycle of ``runtime`` (an identifier such as ``nodejs24.x``), if known."""
    return (policy or _active()).lifecycle(runtime)


def phase(
    runtime: str, today: _dt.date | None = None, *, policy: RuntimePolicy | None = None
) -> Phase:
    return (policy or _active()).phase(runtime, today or current_date())


def days_left(
    runtime: str, today: _dt.date | None = None, *, policy: RuntimePolicy | None = None
) -> int | None:
    return (policy or _active()).days_left(runtime, today or current_date())


def supported_runtimes(
    today: _dt.date | None = None, *, policy: RuntimePolicy | None = None
) -> list[str]:
    """Runtime identifiers approved and not yet deprecated on ``today``, sorted."""
    return (policy or _active()).supported(today or current_date())


def _active() -> RuntimePolicy:
    """:func:`policy`, for the functions whose ``policy`` parameter hides it."""
    return policy()


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

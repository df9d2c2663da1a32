"""Small validation helpers shared by the constructs (see errors.Problems).

They never read unresolved tokens: a prop given as a CDK token is left to
CloudFormation, because its value is not known at construct time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from aws_cdk import Duration, Size, Token

from paved_road.errors import Problems

THIRTY_SECONDS = Duration.seconds(30)
ONE_MINUTE = Duration.minutes(1)
FIFTEEN_MINUTES = Duration.minutes(15)
"""Shared defaults: a Duration is immutable, and each new one is a jsii round trip."""

ONE_MIB = 1024 * 1024
"""The largest SQS message, EventBridge event and asynchronous Lambda payload."""
ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")


def is_token(value: object) -> bool:
    """True when ``value`` is an unresolved CDK token. Python ints are never tokens
    (jsii encodes number tokens as floats), so the common case costs no jsii call."""
    if value is None or isinstance(value, bool | int):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False  # NaN/infinity are never tokens, and jsii cannot encode them
    if isinstance(value, str) and "${Token[" not in value:
        return False  # CDK encodes every string token as ${Token[...]}: no jsii call
    return bool(Token.is_unresolved(value))


_SECONDS: dict[int, tuple[Duration, float | None]] = {}
_MILLIS: dict[int, tuple[Duration, float | None]] = {}


def _cached(
    cache: dict[int, tuple[Duration, float | None]], duration: Duration, unit: str
) -> float | None:
    """A Duration's value in ``unit``, read through jsii once per Duration object.

    Durations are immutable, so the value is kept (with the object, so its id is not
    reused) and the constructs' repeated checks of shared defaults cost no round trip
    (two per read otherwise; see docs/performance.md)."""
    hit = cache.get(id(duration))
    if hit is not None and hit[0] is duration:
        return hit[1]
    if duration.is_unresolved():
        value = None
    elif unit == "s":
        # integral=False: a Duration of 1500 ms is 1.5 s here, not a jsii error; the
        # boundary (_boundary.py) refuses fractional seconds where a prop needs whole ones
        value = float(duration.to_seconds(integral=False))
    else:
        value = float(duration.to_milliseconds(integral=False))
    cache[id(duration)] = (duration, value)
    return value


def seconds(duration: Duration | None) -> float | None:
    """Whole duration in seconds, or None if absent or a token."""
    if duration is None:
        return None
    return _cached(_SECONDS, duration, "s")


def millis(duration: object) -> float | None:
    """A Duration in milliseconds (fractions of a second kept); None if absent, not a
    Duration, or a token."""
    if not isinstance(duration, Duration):
        return None
    return _cached(_MILLIS, duration, "ms")


def size_bytes(size: Size | None) -> int | None:
    if size is None or size.is_unresolved():
        return None
    return int(size.to_bytes())


def check_range(
    problems: Problems,
    prop: str,
    value: float | None,
    low: float,
    high: float,
    unit: str = "",
) -> None:
    """Record a problem unless ``low <= value <= high`` (None and tokens pass)."""
    if value is None or is_token(value):
        return
    if not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        problems.add(
            prop, f"must be between {_fmt(low)} and {_fmt(high)}{suffix}", _fmt_received(value)
        )


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


class Shown:
    """A received value rendered without repr quotes in messages ("got a token", "got 3")."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _fmt_received(value: float) -> object:
    return Shown(_fmt(value))


def matches_or_token(value: object, pattern: re.Pattern[str]) -> bool:
    """True for None, a token, or a string matching ``pattern``."""
    if value is None or is_token(value):
        return True
    return isinstance(value, str) and pattern.match(value) is not None


def check_types(
    problems: Problems,
    *,
    durations: Mapping[str, object] | None = None,
    integers: Mapping[str, object] | None = None,
    numbers: Mapping[str, object] | None = None,
    booleans: Mapping[str, object] | None = None,
    resources: Mapping[str, tuple[object, str, str]] | None = None,
) -> None:
    """Type checks before range checks (a wrong type never reaches a comparison or jsii):
    ``durations`` must be None or an ``aws_cdk.Duration``, ``integers`` None or a whole
    number, ``numbers`` None or any number (never a bool), ``booleans`` True or False.
    ``resources`` maps a prop to ``(value, attribute, what)``: None, or an object with that
    attribute (jsii interfaces cannot be checked with isinstance), e.g.
    ``{"alarm_topic": (topic, "topic_arn", "an sns.ITopic")}``."""
    for prop, value in (durations or {}).items():
        if value is not None and not isinstance(value, Duration):
            problems.add(prop, "must be an aws_cdk.Duration (e.g. Duration.hours(1))", value)
    for prop, value in (integers or {}).items():
        if value is not None and not _is_number(value, whole=True):
            problems.add(prop, "must be a whole number", value)
    for prop, value in (numbers or {}).items():
        if value is not None and not _is_number(value, whole=False):
            problems.add(prop, "must be a number", value)
    for prop, value in (booleans or {}).items():
        if not isinstance(value, bool):
            problems.add(prop, "must be True or False", value)
    for prop, (value, attribute, what) in (resources or {}).items():
        if value is not None and not hasattr(value, attribute):
            problems.add(prop, f"must be {what}", type(value).__name__)


def check_description(problems: Problems, description: object, limit: int = 512) -> None:
    """A resource description: a string of at most ``limit`` characters (512 for
    EventBridge rules and Scheduler schedules)."""
    if description is None or is_token(description):
        return
    if not isinstance(description, str):
        problems.add("description", "must be a string", description)
    elif len(description) > limit:
        problems.add("description", f"must be at most {limit} characters", len(description))


def _is_number(value: object, *, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if is_token(value):
        return True
    return not whole or float(value).is_integer()

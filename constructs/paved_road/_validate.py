"""Small validation helpers shared by the constructs (see errors.Problems).

They never read unresolved tokens: a prop given as a CDK token is left to
CloudFormation, because its value is not known at construct time.
"""

from __future__ import annotations

import math

from aws_cdk import Duration, Size, Token

from paved_road.errors import Problems


def is_token(value: object) -> bool:
    """True when ``value`` is an unresolved CDK token. Python ints are never tokens
    (jsii encodes number tokens as floats), so the common case costs no jsii call."""
    if value is None or isinstance(value, bool | int):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False  # NaN/infinity are never tokens, and jsii cannot encode them
    return bool(Token.is_unresolved(value))


def seconds(duration: Duration | None) -> float | None:
    """Whole duration in seconds, or None if absent or a token."""
    if duration is None or duration.is_unresolved():
        return None
    return float(duration.to_seconds())


def millis(duration: object) -> float | None:
    """A Duration in milliseconds (fractions of a second kept); None if absent, not a
    Duration, or a token."""
    if not isinstance(duration, Duration) or duration.is_unresolved():
        return None
    return float(duration.to_milliseconds())


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


class _Received:
    """Renders a received number without repr quotes in messages."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _fmt_received(value: float) -> object:
    return _Received(_fmt(value))

"""EventBridge event patterns as dicts: validation, and writing one onto a rule verbatim.

Shared by EventConsumer and the cross-account transport constructs. Limits (AWS
documentation, "Amazon EventBridge quotas" and PutRule): a pattern is at most 4,096
characters; the default "Event pattern size" quota is 2,048 (a warning above it). A
pattern's leaves are non-empty lists of matchers, ``$or`` a list of at least 2 patterns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import Annotations, Token
from aws_cdk import aws_events as events
from constructs import Construct

from paved_road.errors import Problems

EVENT_FIELDS = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)
"""The top-level fields of an EventBridge event a pattern may name (besides ``$or``)."""
DEFAULT_PATTERN_QUOTA_CHARS = 2048
"""EventBridge's default "Event pattern size" quota (characters)."""
MAX_PATTERN_CHARS = 4096
"""The most a raised quota (and the PutRule API) allows."""


def pattern_as_dict(pattern: events.EventPattern | Mapping[str, Any]) -> dict[str, Any]:
    """An ``events.EventPattern`` (or a dict) as a dict in EventBridge's JSON syntax."""
    if not isinstance(pattern, events.EventPattern):
        return dict(pattern)
    fields = {
        "version": pattern.version,
        "id": pattern.id,
        "detail-type": pattern.detail_type,
        "source": pattern.source,
        "account": pattern.account,
        "time": pattern.time,
        "region": pattern.region,
        "resources": pattern.resources,
        "detail": pattern.detail,
    }
    return {key: value for key, value in fields.items() if value is not None}


def bad_leaf(pattern: Mapping[str, Any], prefix: str = "") -> str | None:
    """The first place where ``pattern`` is not a pattern: a leaf that is not a
    non-empty list, an empty object, or a ``$or`` that is not a list of >= 2 objects."""
    for key, value in pattern.items():
        where = f"{prefix}.{key}" if prefix else str(key)
        if key == "$or":
            if not (
                isinstance(value, list)
                and len(value) >= 2
                and all(isinstance(v, Mapping) and v for v in value)
            ):
                return where
            for index, clause in enumerate(value):
                found = bad_leaf(clause, f"{where}[{index}]")
                if found is not None:
                    return found
        elif isinstance(value, Mapping):
            if not value:
                return where
            found = bad_leaf(value, where)
            if found is not None:
                return found
        elif not isinstance(value, list) or not value:
            return where
    return None


MATCHERS = (
    "prefix",
    "suffix",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "equals-ignore-case",
    "wildcard",
)
"""The content-filter operators of EventBridge event patterns (AWS documentation,
"Comparison operators for use in event patterns in Amazon EventBridge")."""


def unknown_matcher(pattern: Mapping[str, Any], prefix: str = "") -> tuple[str, str] | None:
    """``(where, operator)`` of the first matcher object in ``pattern``'s leaves that is
    not exactly one known operator (``{"prefixx": "a"}``, ``{}``, two keys), else None."""
    for key, value in pattern.items():
        where = f"{prefix}.{key}" if prefix else str(key)
        if key == "$or" and isinstance(value, list):
            for index, clause in enumerate(value):
                if isinstance(clause, Mapping):
                    found = unknown_matcher(clause, f"{where}[{index}]")
                    if found is not None:
                        return found
        elif isinstance(value, Mapping):
            found = unknown_matcher(value, where)
            if found is not None:
                return found
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping) and (
                    len(item) != 1 or next(iter(item)) not in MATCHERS
                ):
                    return where, ",".join(map(str, item)) or "{}"
    return None


def check_event_pattern(
    problems: Problems, prop: str, pattern: Mapping[str, Any], scope: Construct
) -> None:
    """Record a problem for a pattern EventBridge would reject; warn (annotation) above
    the default size quota."""
    if not pattern:
        problems.add(prop, "must not be empty (EventBridge needs at least one field)", {})
        return
    bad = bad_leaf(pattern)
    if bad is not None:
        problems.add(
            prop,
            "must have a non-empty list of matchers at every leaf, and '$or' must be a list "
            f"of at least 2 patterns (at '{bad}')",
            dict(pattern),
        )
        return
    unknown = unknown_matcher(pattern)
    if unknown is not None:
        where, operator = unknown
        problems.add(
            prop,
            f"uses an unknown matcher {operator!r} at '{where}' (EventBridge matchers: "
            f"{', '.join(MATCHERS)}; a matcher object has exactly one of them)",
            dict(pattern),
        )
        return
    top = [k for k in pattern if k != "$or" and k not in EVENT_FIELDS]
    if top:
        problems.add(
            prop,
            f"may only match the event fields {', '.join(EVENT_FIELDS)} or '$or' "
            f"(unknown: {', '.join(sorted(map(str, top)))})",
            dict(pattern),
        )
        return
    try:
        text = json.dumps(pattern, separators=(",", ":"))
    except (TypeError, ValueError):
        problems.add(prop, "must be JSON-serializable", dict(pattern))
        return
    if Token.is_unresolved(text):
        return  # tokens resolve at deploy time: their length is not known here
    if len(text) > MAX_PATTERN_CHARS:
        problems.add(prop, f"must be at most {MAX_PATTERN_CHARS} characters as JSON", len(text))
    elif len(text) > DEFAULT_PATTERN_QUOTA_CHARS:
        Annotations.of(scope).add_warning_v2(
            "paved-road:EventPattern:size",
            f"{prop} is {len(text)} characters as JSON: above EventBridge's default "
            f"'Event pattern size' quota of {DEFAULT_PATTERN_QUOTA_CHARS}. Raise the quota "
            "(Service Quotas) before deploying, or narrow the pattern.",
        )


def set_pattern(rule: events.Rule, pattern: Mapping[str, Any]) -> None:
    """Write ``pattern`` as the rule's ``EventPattern`` verbatim (``events.EventPattern``
    has no top-level ``$or``)."""
    cfn = rule.node.default_child
    assert isinstance(cfn, events.CfnRule)
    # Assigned, not add_property_override: an override is deep-merged into the rendered
    # placeholder, which would leave its fields in the pattern.
    cfn.event_pattern = dict(pattern)


def placeholder_pattern() -> events.EventPattern:
    """A pattern so that ``events.Rule`` validates; :func:`set_pattern` replaces it."""
    return events.EventPattern(source=["paved-road.placeholder"])

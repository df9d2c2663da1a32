"""Event filter patterns for event source mappings, validated at construct time.

Lambda's event filtering (AWS documentation, "Control which events Lambda sends to your
function"): a mapping holds at most 5 filter criteria by default (a quota that can be
raised to 10), each pattern a JSON object of at most 4,096 characters whose leaves are
non-empty lists of matchers (``{"value": {"type": ["order"]}}``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from paved_road._patterns import bad_leaf
from paved_road.errors import Problems

MAX_FILTERS = 5
MAX_FILTER_PATTERN_CHARS = 4096


def check_filters(
    problems: Problems,
    filters: Sequence[Mapping[str, Any]],
    *,
    top_level_keys: Collection[str] | None = None,
    source: str = "",
) -> None:
    """Record a problem for each invalid pattern in ``filters``. ``top_level_keys``, when
    given, are the only fields a pattern may start with (the event's record fields);
    ``source`` names the event source in that message (e.g. "Kafka")."""
    if len(filters) > MAX_FILTERS:
        problems.add("filters", f"must hold at most {MAX_FILTERS} patterns", len(filters))
    seen: dict[str, int] = {}
    for index, pattern in enumerate(filters):
        prop = f"filters[{index}]"
        if not isinstance(pattern, Mapping) or not pattern:
            problems.add(prop, "must be a non-empty dict (an event filter pattern)", pattern)
            continue
        if top_level_keys is not None:
            unknown = sorted(str(k) for k in pattern if k not in top_level_keys)
            if unknown:
                problems.add(
                    prop,
                    f"may only filter on the {source} record fields "
                    f"{', '.join(sorted(top_level_keys))} (unknown: {', '.join(unknown)})",
                    pattern,
                )
        bad_leaf_at = bad_leaf(pattern)
        if bad_leaf_at is not None:
            problems.add(
                prop,
                f"must have a non-empty list of matchers at every leaf (at '{bad_leaf_at}')",
                pattern,
            )
        try:
            text = json.dumps(pattern, separators=(",", ":"))
        except (TypeError, ValueError):
            problems.add(prop, "must be JSON-serializable", pattern)
            continue
        if len(text) > MAX_FILTER_PATTERN_CHARS:
            problems.add(
                prop,
                f"must be at most {MAX_FILTER_PATTERN_CHARS} characters as JSON",
                len(text),
            )
        canonical = json.dumps(pattern, sort_keys=True, separators=(",", ":"))
        if canonical in seen:
            # FilterCriteria.Filters is a set: CloudFormation rejects a repeated pattern
            problems.add(prop, f"must differ from filters[{seen[canonical]}] (a repeat)", pattern)
        else:
            seen[canonical] = index

"""PavedRoad-FleetStackResourceBudget: a fleet shard stack over its resource or size budget.

Reported once per stack, on the template's first function (smallest logical id).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road._markers import FLEET_METADATA_KEY
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView, number
from paved_road.guardrails.rules._common import LAMBDA_FUNCTION, TemplateMemo


def _fleet_metadata(template: Mapping[str, Any]) -> Mapping[str, Any] | None:
    metadata = template.get("Metadata")
    fleet = metadata.get(FLEET_METADATA_KEY) if isinstance(metadata, Mapping) else None
    return fleet if isinstance(fleet, Mapping) else None


def _budget(value: Any) -> int | None:
    """A literal budget, as an int (counts are whole, so ``n > budget`` is unchanged)."""
    found = number(value)
    return int(found) if found is not None and math.isfinite(found) else None


def _reporter(template: Mapping[str, Any]) -> str | None:
    """The logical id of the function that reports for the stack (the smallest)."""
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return None
    functions = [
        logical_id
        for logical_id, resource in resources.items()
        if isinstance(resource, Mapping) and resource.get("Type") == LAMBDA_FUNCTION
    ]
    return min(functions) if functions else None


_REPORTER = TemplateMemo(_reporter)


def check(view: ResourceView) -> Finding | None:
    fleet = _fleet_metadata(view.template)
    if fleet is None or view.logical_id != _REPORTER(view.template):
        return None  # not a fleet shard stack, or not the one function that reports
    resources = view.template.get("Resources") or {}
    over: list[str] = []
    max_resources = _budget(fleet.get("MaxResources"))
    if max_resources is not None and len(resources) > max_resources:
        over.append(f"{len(resources)} resources, budget {max_resources}")
    max_bytes = _budget(fleet.get("MaxTemplateBytes"))
    if max_bytes is not None:
        # the template file's size when the pack read it from cdk.out; else as CDK writes it
        size = view.template_bytes
        if size is None:
            size = len(json.dumps(view.template, indent=1).encode())
        if size > max_bytes:
            over.append(f"{size} template bytes, budget {max_bytes}")
    if not over:
        return None
    where = f"fleet {fleet.get('Fleet', '?')} shard {fleet.get('Shard', '?')}"
    return Finding(f"{where}: {'; '.join(over)}.")


RULE = GuardrailRule(
    rule_id="FleetStackResourceBudget",
    level=NagMessageLevel.ERROR,
    resource_types=(LAMBDA_FUNCTION,),
    info="The fleet shard stack exceeds the resource or template-size budget the fleet "
    "packed it to.",
    explanation="CloudFormation caps a stack at 500 resources and a template at 1 MB. A "
    "tenant fleet packs tenants into shard stacks under a lower budget, so deploys stay "
    "fast and a shard can always take one more tenant; resources added to a shard stack "
    "after packing break that budget.",
    fix="Move the added resources to a stack of their own: shard stacks belong to the fleet. "
    "Raising max_resources_per_stack re-packs a deployed fleet (tenants move between stacks), "
    "so choose it before the first deploy.",
    check=check,
)

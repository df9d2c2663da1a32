"""PavedRoad-LambdaProvisionedConcurrencyAutoscaling: provisioned concurrency with a fixed
value, no Application Auto Scaling target tracking it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import TemplateMemo, flatten

SCALABLE_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"
PC_DIMENSION = "lambda:function:ProvisionedConcurrency"


def _targets(template: Mapping[str, Any]) -> list[str]:
    """The flattened ``ResourceId`` of every provisioned-concurrency scalable target."""
    out = []
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, Mapping) or resource.get("Type") != SCALABLE_TARGET:
            continue
        props = resource.get("Properties") or {}
        if props.get("ScalableDimension") == PC_DIMENSION:
            out.append(flatten(props.get("ResourceId")))
    return out


_TARGETS = TemplateMemo(_targets)


def _scaled(view: ResourceView) -> bool:
    """Whether a scalable target's ResourceId names this alias or version: through a
    reference to it, or as ``function:<function>:<alias name>``."""
    function = flatten(view.properties.get("FunctionName"))
    qualifier = view.properties.get("Name")
    for resource_id in _TARGETS(view.template):
        if view.logical_id in resource_id:
            return True
        if (
            isinstance(qualifier, str)
            and function
            and function in resource_id
            and resource_id.endswith(f":{qualifier}")
        ):
            return True
    return False


def check(view: ResourceView) -> Finding | None:
    config = view.properties.get("ProvisionedConcurrencyConfig")
    if not isinstance(config, Mapping) or "ProvisionedConcurrentExecutions" not in config:
        return None
    if _scaled(view):
        return None
    amount = config.get("ProvisionedConcurrentExecutions")
    return Finding(
        f"{amount} execution environments are provisioned at all hours; nothing scales them "
        "with utilization."
    )


RULE = GuardrailRule(
    rule_id="LambdaProvisionedConcurrencyAutoscaling",
    level=NagMessageLevel.WARN,
    resource_types=("AWS::Lambda::Alias", "AWS::Lambda::Version"),
    info="Provisioned concurrency is fixed: no autoscaling target tracks its utilization.",
    explanation="Static provisioned concurrency sized for peak hours is paid for at night "
    "and on weekends, and spills to cold starts above it. Target tracking on "
    "LambdaProvisionedConcurrencyUtilization follows the traffic (0.6 for interactive "
    "functions, 0.9 for asynchronous processing).",
    fix="GovernedFunction(provisioned_concurrency=ProvisionedConcurrency(min_capacity, "
    "max_capacity, workload='interactive'|'async')), or alias.add_auto_scaling(...)"
    ".scale_on_utilization(...).",
    check=check,
)

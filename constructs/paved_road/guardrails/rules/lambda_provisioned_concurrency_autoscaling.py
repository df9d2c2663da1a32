"""PavedRoad-LambdaProvisionedConcurrencyAutoscaling: provisioned concurrency with a fixed
value, no Application Auto Scaling target tracking it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road._template import reference_target
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import TemplateMemo, flatten

SCALABLE_TARGET = "AWS::ApplicationAutoScaling::ScalableTarget"
PC_DIMENSION = "lambda:function:ProvisionedConcurrency"


def _targets(template: Mapping[str, Any]) -> list[Any]:
    """The ``ResourceId`` of every provisioned-concurrency scalable target."""
    out = []
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, Mapping) or resource.get("Type") != SCALABLE_TARGET:
            continue
        props = resource.get("Properties") or {}
        if props.get("ScalableDimension") == PC_DIMENSION:
            out.append(props.get("ResourceId"))
    return out


_TARGETS = TemplateMemo(_targets)


def _references(value: Any) -> set[str]:
    """Every logical id a ``Ref``/``Fn::GetAtt`` inside ``value`` names."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        target = reference_target(value)
        if target is not None:
            found.add(target)
        for inner in value.values():
            found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def _scaled(view: ResourceView) -> bool:
    """Whether a scalable target's ResourceId names this alias or version: through a
    reference to it, as ``function:<Ref function>:<alias name>``, or as the literal
    ``function:<name>:<alias name>``."""
    function = view.properties.get("FunctionName")
    function_ref = reference_target(function)
    qualifier = view.properties.get("Name")
    for resource_id in _TARGETS(view.template):
        refs = _references(resource_id)
        if view.logical_id in refs:
            return True
        if not isinstance(qualifier, str):
            continue
        if isinstance(resource_id, str) and isinstance(function, str):
            if resource_id == f"function:{function}:{qualifier}":
                return True
        elif (
            function_ref is not None
            and refs == {function_ref}
            and flatten(resource_id).endswith(f":{qualifier}")
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

"""PavedRoad-KafkaProvisionedPollers: provisioned pollers out of range or min > max."""

from __future__ import annotations

from collections.abc import Mapping

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView, number
from paved_road.guardrails.rules._common import ESM, is_kafka_mapping

MIN_RANGE = (1, 200)
MAX_RANGE = (1, 2000)
DEFAULT_MIN = 1.0
DEFAULT_MAX = 200.0


def check(view: ResourceView) -> Finding | None:
    config = view.properties.get("ProvisionedPollerConfig")
    if not isinstance(config, Mapping) or not is_kafka_mapping(view):
        return None
    minimum = number(config.get("MinimumPollers"), DEFAULT_MIN)
    maximum = number(config.get("MaximumPollers"), DEFAULT_MAX)
    problems = []
    if minimum is not None and not MIN_RANGE[0] <= minimum <= MIN_RANGE[1]:
        problems.append(f"MinimumPollers {minimum:g} is outside {MIN_RANGE[0]}-{MIN_RANGE[1]}")
    if maximum is not None and not MAX_RANGE[0] <= maximum <= MAX_RANGE[1]:
        problems.append(f"MaximumPollers {maximum:g} is outside {MAX_RANGE[0]}-{MAX_RANGE[1]}")
    if minimum is not None and maximum is not None and minimum > maximum:
        defaulted = " (default)" if config.get("MaximumPollers") is None else ""
        problems.append(f"MinimumPollers {minimum:g} > MaximumPollers {maximum:g}{defaulted}")
    if not problems:
        return None
    return Finding("; ".join(problems) + ".")


RULE = GuardrailRule(
    rule_id="KafkaProvisionedPollers",
    level=NagMessageLevel.ERROR,
    resource_types=(ESM,),
    info="The Kafka mapping's provisioned pollers are out of range or the minimum exceeds "
    "the maximum.",
    explanation="Lambda accepts MinimumPollers 1-200 and MaximumPollers 1-2,000 with minimum "
    "<= maximum (defaults 1 and 200); anything else fails the deployment. KafkaConsumer "
    "checks this at construct time; this rule covers mappings written with the L1/L2 "
    "constructs or changed through escape hatches.",
    fix="Use KafkaConsumer with PollerSizing.from_throughput(...), or set "
    "ProvisionedPollerConfig within the ranges with minimum <= maximum.",
    check=check,
)

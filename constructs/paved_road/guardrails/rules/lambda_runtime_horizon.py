"""PavedRoad-LambdaRuntimeHorizon: a runtime inside its tier's deprecation horizon."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road import runtimes
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView


def check(view: ResourceView) -> Finding | None:
    runtime = view.properties.get("Runtime")
    if not isinstance(runtime, str):
        return None
    entry = view.lifecycle(runtime)
    if entry is None or entry.phase(view.today) is not runtimes.Phase.SUPPORTED:
        return None  # unknown, or already deprecated (LambdaRuntimeDeprecated reports it)
    left = entry.days_left(view.today)
    tier = view.criticality
    horizon = view.matrix.tier(tier).deprecation_horizon_days
    if left is None or left > horizon:
        return None
    successor = f"; plan the move to {entry.successor}" if entry.successor else ""
    return Finding(
        f"{runtime} is deprecated on {entry.deprecated}, in {left} days, inside the "
        f"{tier.value} horizon of {horizon} days{successor}."
    )


RULE = GuardrailRule(
    rule_id="LambdaRuntimeHorizon",
    level=NagMessageLevel.WARN,
    resource_types=("AWS::Lambda::Function",),
    info="The Lambda function's runtime is deprecated within its criticality's horizon.",
    explanation="Upgrades are planned ahead by tier: the criticality matrix's deprecation "
    "horizon (default CRITICAL 180 days before the runtime's deprecation date, IMPORTANT 90, "
    "STANDARD 30; the criticality tag, STANDARD when untagged; a replaced matrix from the "
    "paved-road:criticality-matrix context applies).",
    fix="Schedule the runtime upgrade to the successor runtime.",
    check=check,
)

"""PavedRoad-LambdaRuntimeDeprecated: a Lambda function on a deprecated runtime."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road import runtimes
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView


def check(view: ResourceView) -> Finding | None:
    runtime = view.properties.get("Runtime")
    if not isinstance(runtime, str):
        return None  # container image, or an intrinsic: not decidable here
    entry = runtimes.lifecycle(runtime)
    if entry is None:
        return None
    phase = entry.phase(view.today)
    if phase is runtimes.Phase.SUPPORTED:
        return None
    successor = f"; successor: {entry.successor}" if entry.successor else ""
    return Finding(f"{runtime} is {phase.value} (deprecated {entry.deprecated}{successor}).")


RULE = GuardrailRule(
    rule_id="LambdaRuntimeDeprecated",
    level=NagMessageLevel.ERROR,
    resource_types=("AWS::Lambda::Function",),
    info="The Lambda function uses a deprecated runtime.",
    explanation="After its deprecation date a runtime gets no security patches or support; "
    "later Lambda blocks creating and then updating functions on it. Dates come from the "
    "Lambda runtime deprecation table (cfn-lint's LmbdRuntimeLifecycle.json).",
    fix="Move to the runtime's successor, or acknowledge with a reason "
    "(GovernedFunction(acknowledge_deprecated_runtime='...')).",
    check=check,
)

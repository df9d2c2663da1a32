"""PavedRoad-LambdaRuntimeDeprecated: a Lambda function on a deprecated runtime."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road import runtimes
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView


def check(view: ResourceView) -> Finding | None:
    runtime = view.properties.get("Runtime")
    if not isinstance(runtime, str):
        return None  # container image, or an intrinsic: not decidable here
    policy = view.runtime_policy or runtimes.policy()
    phase = policy.phase(runtime, view.today)  # NOT_APPROVED also for runtimes without dates
    if phase in (runtimes.Phase.SUPPORTED, runtimes.Phase.UNKNOWN):
        return None
    entry = policy.lifecycle(runtime)
    successor = f"; successor: {entry.successor}" if entry and entry.successor else ""
    if phase is runtimes.Phase.NOT_APPROVED:
        return Finding(f"{runtime} is not on the organization's approved list{successor}.")
    deprecated = entry.deprecated if entry else None
    return Finding(f"{runtime} is {phase.value} (deprecated {deprecated}{successor}).")


RULE = GuardrailRule(
    rule_id="LambdaRuntimeDeprecated",
    level=NagMessageLevel.ERROR,
    resource_types=("AWS::Lambda::Function",),
    info="The Lambda function uses a deprecated (or not approved) runtime.",
    explanation="After its deprecation date a runtime gets no security patches or support; "
    "later Lambda blocks creating and then updating functions on it. Dates come from the "
    "Lambda runtime deprecation table (cfn-lint's LmbdRuntimeLifecycle.json), tightened by "
    "the organization's runtime policy file when one is set (paved-road:runtime-policy "
    "context or $PAVED_ROAD_RUNTIME_POLICY), whose approved list also applies.",
    fix="Move to the runtime's successor, or acknowledge with a reason "
    "(GovernedFunction(acknowledge_deprecated_runtime='...')).",
    check=check,
)

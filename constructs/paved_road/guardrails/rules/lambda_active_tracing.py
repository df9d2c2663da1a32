"""PavedRoad-LambdaActiveTracing: a Lambda function without X-Ray active tracing."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView


def check(view: ResourceView) -> Finding | None:
    mode = view.setting("TracingConfig", "Mode")
    if mode == "Active":
        return None
    return Finding(f"TracingConfig.Mode is {mode or 'PassThrough (default)'}.")


RULE = GuardrailRule(
    rule_id="LambdaActiveTracing",
    level=NagMessageLevel.WARN,
    resource_types=("AWS::Lambda::Function",),
    info="The Lambda function does not have X-Ray active tracing.",
    explanation="Active tracing samples every entry into the function so a request can be "
    "followed across queues and services; Powertools Tracer needs it.",
    fix="Use GovernedFunction, or set tracing=Tracing.ACTIVE.",
    check=check,
)

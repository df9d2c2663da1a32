"""PavedRoad-EventTargetDeadLetterQueue: an EventBridge rule or Scheduler schedule that
invokes a Lambda function without a dead-letter queue on the target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import EVENT_RULE, SCHEDULE, is_lambda_arn


def check(view: ResourceView) -> Finding | None:
    targets: Any
    if view.type == SCHEDULE:  # a schedule has one target, with the same DeadLetterConfig
        target = view.properties.get("Target")
        targets = [{"Id": "Target", **target}] if isinstance(target, Mapping) else []
    else:
        targets = view.properties.get("Targets")
    if not isinstance(targets, list):
        return None
    missing = []
    for index, target in enumerate(targets):
        if not isinstance(target, Mapping) or not is_lambda_arn(view.template, target.get("Arn")):
            continue
        config = target.get("DeadLetterConfig")
        if isinstance(config, Mapping) and config.get("Arn"):
            continue
        target_id = target.get("Id")
        missing.append(target_id if isinstance(target_id, str) else f"Targets[{index}]")
    if not missing:
        return None
    return Finding(
        f"Lambda target{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
        "without DeadLetterConfig.Arn."
    )


RULE = GuardrailRule(
    rule_id="EventTargetDeadLetterQueue",
    level=NagMessageLevel.ERROR,
    resource_types=(EVENT_RULE, SCHEDULE),
    info="The EventBridge rule or Scheduler schedule invokes a Lambda function without a "
    "dead-letter queue on the target.",
    explanation="EventBridge delivers to a Lambda target asynchronously and retries a failed "
    "delivery (throttling, a missing permission or function, an unavailable service) for up "
    "to 24 hours and 185 attempts by default; after that, or past the target's retry "
    "policy, the event is dropped. Without a target dead-letter queue nothing records it: "
    "the event is lost and only the rule's FailedInvocations metric shows that something "
    "was. With one, the event is kept with the error code for inspection and redrive "
    "(a centralized DLQ for a fleet of accounts keeps this cheap).",
    fix="Use EventConsumer or ScheduledFunction (a dead-letter queue on every target by "
    "default), or pass dead_letter_queue=... to targets.LambdaFunction(...) / "
    "aws_scheduler_targets.LambdaInvoke(...) (DeadLetterConfig.Arn on the target).",
    check=check,
)

"""PavedRoad-EventTargetDeadLetterQueue: an EventBridge rule or Scheduler schedule that
invokes a Lambda function without a dead-letter queue on the target."""

from __future__ import annotations

from collections.abc import Mapping

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import EVENT_RULE, SCHEDULE, event_targets, is_lambda_arn


def check(view: ResourceView) -> Finding | None:
    missing = [
        label
        for label, target in event_targets(view)
        if is_lambda_arn(view.template, target.get("Arn"))
        and not (
            isinstance(target.get("DeadLetterConfig"), Mapping)
            and target["DeadLetterConfig"].get("Arn")
        )
    ]
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

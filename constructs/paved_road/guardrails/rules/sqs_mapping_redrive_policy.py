"""PavedRoad-SqsMappingRedrivePolicy: a queue feeding a mapping without a redrive policy."""

from __future__ import annotations

from collections.abc import Mapping

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import ESM, mapping_queue


def check(view: ResourceView) -> Finding | None:
    found = mapping_queue(view)
    if found is None:
        return None  # not SQS, or a queue defined outside this template
    queue_id, queue = found
    props = queue.get("Properties") or {}
    if isinstance(props, Mapping) and props.get("RedrivePolicy"):
        return None
    return Finding(f"Queue {queue_id} has no RedrivePolicy.")


RULE = GuardrailRule(
    rule_id="SqsMappingRedrivePolicy",
    level=NagMessageLevel.ERROR,
    resource_types=(ESM,),
    info="The SQS queue feeding a Lambda event source mapping has no redrive policy (DLQ).",
    explanation="Without a dead-letter queue a message that always fails is retried until its "
    "retention expires, consuming concurrency and then vanishing; with one it is kept for "
    "inspection and redrive.",
    fix="Use QueueConsumer, or give the queue dead_letter_queue=DeadLetterQueue(...).",
    check=check,
)

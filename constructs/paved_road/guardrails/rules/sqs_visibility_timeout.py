"""PavedRoad-SqsVisibilityTimeout: queue visibility timeout < 6 x function timeout."""

from __future__ import annotations

from collections.abc import Mapping

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView, number
from paved_road.guardrails.rules._common import ESM, mapping_function, mapping_queue

SQS_DEFAULT_VISIBILITY = 30.0
LAMBDA_DEFAULT_TIMEOUT = 3.0


def check(view: ResourceView) -> Finding | None:
    found_queue, found_function = mapping_queue(view), mapping_function(view)
    if found_queue is None or found_function is None:
        return None
    queue, function = found_queue[1], found_function[1]
    queue_props = queue.get("Properties") or {}
    fn_props = function.get("Properties") or {}
    if not isinstance(queue_props, Mapping) or not isinstance(fn_props, Mapping):
        return None
    visibility = number(queue_props.get("VisibilityTimeout"), SQS_DEFAULT_VISIBILITY)
    timeout = number(fn_props.get("Timeout"), LAMBDA_DEFAULT_TIMEOUT)
    if visibility is None or timeout is None:
        return None  # an intrinsic: not known at synth
    window = number(view.properties.get("MaximumBatchingWindowInSeconds"), 0.0) or 0.0
    required = 6 * timeout + window
    if visibility >= required:
        return None
    window_text = f" + batching window {window:g} s" if window else ""
    return Finding(
        f"Visibility timeout {visibility:g} s < 6 x function timeout {timeout:g} s"
        f"{window_text} = {required:g} s."
    )


RULE = GuardrailRule(
    rule_id="SqsVisibilityTimeout",
    level=NagMessageLevel.ERROR,
    resource_types=(ESM,),
    info="The SQS queue's visibility timeout is less than 6 times the consumer's timeout "
    "plus the batching window.",
    explanation="Lambda's guidance for SQS event sources: a visibility timeout of at least six "
    "times the function timeout (plus the batching window) lets Lambda retry throttled or "
    "failed batches before the messages reappear; shorter timeouts cause duplicate "
    "processing and early moves to the DLQ.",
    fix="Use QueueConsumer (derives it), or raise the queue's visibility_timeout.",
    check=check,
)

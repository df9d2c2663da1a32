"""PavedRoad-KafkaBatchingWindow: batch size above 1 with no batching window."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView, number
from paved_road.guardrails.rules._common import ESM, is_kafka_mapping

KAFKA_DEFAULT_BATCH_SIZE = 100.0


def check(view: ResourceView) -> Finding | None:
    if not is_kafka_mapping(view):
        return None
    window = view.properties.get("MaximumBatchingWindowInSeconds")
    if window is None:
        return None  # Lambda's Kafka default is a 500 ms window
    window_s = number(window)
    batch = number(view.properties.get("BatchSize"), KAFKA_DEFAULT_BATCH_SIZE)
    if window_s is None or batch is None or window_s > 0 or batch <= 1:
        return None
    return Finding(
        f"BatchSize {batch:g} with MaximumBatchingWindowInSeconds 0: Lambda invokes as soon "
        "as any record is available, so batches rarely fill."
    )


RULE = GuardrailRule(
    rule_id="KafkaBatchingWindow",
    level=NagMessageLevel.WARN,
    resource_types=(ESM,),
    info="The Kafka mapping allows batches above 1 record but has no batching window.",
    explanation="A batch is sent when the window elapses, the batch size is reached or the "
    "payload nears 6 MB. With a zero window the first condition is always met at once: "
    "invocations carry whatever arrived, the batch size is rarely reached, and the "
    "invocation count (cost, concurrency) grows with traffic. A zero window is right only "
    "for low-latency consumers (provisioned mode); acknowledge it there with that reason.",
    fix="Set max_batching_window (KafkaConsumer defaults to 1 second), or set batch_size=1 "
    "if every record must be handled alone.",
    check=check,
)

"""PavedRoad-KafkaFunctionTimeoutBatch: the function timeout cannot cover a full batch."""

from __future__ import annotations

from collections.abc import Mapping

from cdk_nag import NagMessageLevel

from paved_road._markers import RECORD_PROCESSING_METADATA
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView, number
from paved_road.guardrails.rules._common import ESM, is_kafka_mapping, mapping_function

KAFKA_DEFAULT_BATCH_SIZE = 100.0
LAMBDA_DEFAULT_TIMEOUT = 3.0
DEFAULT_RECORD_MILLIS = 10.0


def check(view: ResourceView) -> Finding | None:
    if not is_kafka_mapping(view):
        return None
    found = mapping_function(view)
    if found is None:
        return None  # the function is defined elsewhere: its timeout is unknown here
    fn_props = found[1].get("Properties") or {}
    if not isinstance(fn_props, Mapping):
        return None
    timeout = number(fn_props.get("Timeout"), LAMBDA_DEFAULT_TIMEOUT)
    batch = number(view.properties.get("BatchSize"), KAFKA_DEFAULT_BATCH_SIZE)
    per_record = _record_millis(view)
    if timeout is None or batch is None or per_record is None:
        return None
    needed = batch * per_record / 1000
    if timeout >= needed:
        return None
    return Finding(
        f"Timeout {timeout:g} s < BatchSize {batch:g} x {per_record:g} ms per record "
        f"= {needed:g} s."
    )


def _record_millis(view: ResourceView) -> float | None:
    resource = view.resource(view.logical_id) or {}
    metadata = resource.get("Metadata")
    value = metadata.get(RECORD_PROCESSING_METADATA) if isinstance(metadata, Mapping) else None
    return number(value, DEFAULT_RECORD_MILLIS)


RULE = GuardrailRule(
    rule_id="KafkaFunctionTimeoutBatch",
    level=NagMessageLevel.WARN,
    resource_types=(ESM,),
    info="The Kafka consumer's timeout is shorter than a full batch takes at the expected "
    "time per record.",
    explanation="During a spike batches fill up to the batch size; a function that times out "
    "mid-batch fails the whole batch, which is retried (and split, with bisect on error) "
    "while offset lag grows. The expected time per record comes from the mapping's "
    "PavedRoad::RecordProcessingMillis metadata (KafkaConsumer's record_processing_time), "
    "10 ms when absent.",
    fix="Raise the function timeout, lower batch_size, or speed up the handler (more memory "
    "means more CPU); declare the measured per-record time with record_processing_time.",
    check=check,
)

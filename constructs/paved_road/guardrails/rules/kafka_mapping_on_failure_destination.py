"""PavedRoad-KafkaMappingOnFailureDestination: a Kafka mapping without an on-failure
destination."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import ESM, is_kafka_mapping


def check(view: ResourceView) -> Finding | None:
    if not is_kafka_mapping(view):
        return None
    if view.setting("DestinationConfig", "OnFailure", "Destination"):
        return None
    return Finding("DestinationConfig.OnFailure.Destination is not set.")


RULE = GuardrailRule(
    rule_id="KafkaMappingOnFailureDestination",
    level=NagMessageLevel.ERROR,
    resource_types=(ESM,),
    info="The Kafka event source mapping has no on-failure destination.",
    explanation="When Lambda gives up on a batch (retries exhausted, record too old, or the "
    "records expire from the topic while a poison batch blocks its partition) the records "
    "are skipped; without an on-failure destination nothing records what was lost. An SQS "
    "queue, SNS topic or S3 bucket destination keeps the batch metadata (S3: the records "
    "too) for inspection and replay.",
    fix="Use KafkaConsumer (creates an encrypted SQS destination with an alarm), or set "
    "on_failure=SqsDlq(...)/SnsDlq(...)/S3OnFailureDestination(...) on the mapping.",
    check=check,
)

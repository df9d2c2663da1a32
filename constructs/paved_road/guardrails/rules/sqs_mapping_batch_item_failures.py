"""PavedRoad-SqsMappingBatchItemFailures: an SQS mapping without partial batch failures."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import ESM, is_sqs_source


def check(view: ResourceView) -> Finding | None:
    if not is_sqs_source(view):
        return None
    types = view.properties.get("FunctionResponseTypes") or []
    if isinstance(types, list) and "ReportBatchItemFailures" in types:
        return None
    return Finding("FunctionResponseTypes lacks ReportBatchItemFailures.")


RULE = GuardrailRule(
    rule_id="SqsMappingBatchItemFailures",
    level=NagMessageLevel.ERROR,
    resource_types=(ESM,),
    info="The SQS event source mapping does not report batch item failures.",
    explanation="Without ReportBatchItemFailures one failed record makes the whole batch "
    "visible again: records that succeeded are processed again, and a poison message drags "
    "its batch-mates to the dead-letter queue.",
    fix="Use QueueConsumer, or set report_batch_item_failures=True and return "
    "batchItemFailures from the handler (Powertools BatchProcessor).",
    check=check,
)

"""Helpers shared by several rules (kept out of the rule modules themselves)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paved_road.guardrails.rule import ResourceView

SQS_QUEUE = "AWS::SQS::Queue"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
ESM = "AWS::Lambda::EventSourceMapping"


def is_sqs_source(view: ResourceView) -> bool:
    """Whether an event source mapping reads from SQS (a queue in this template or
    a literal SQS ARN, including an ``Fn::Join``/``Fn::Sub`` that spells one)."""
    arn = view.properties.get("EventSourceArn")
    if view.referenced(arn, SQS_QUEUE) is not None:
        return True
    return ":sqs:" in _flatten(arn)


def mapping_queue(view: ResourceView) -> tuple[str, Mapping[str, Any]] | None:
    """(logical id, resource) of the SQS queue a mapping reads, if in this template."""
    return view.referenced(view.properties.get("EventSourceArn"), SQS_QUEUE)


def mapping_function(view: ResourceView) -> tuple[str, Mapping[str, Any]] | None:
    """(logical id, resource) of the function a mapping invokes, if in this template."""
    return view.referenced(view.properties.get("FunctionName"), LAMBDA_FUNCTION)


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "".join(_flatten(v) for v in value.values())
    if isinstance(value, list):
        return "".join(_flatten(v) for v in value)
    return ""

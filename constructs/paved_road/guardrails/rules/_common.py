"""Helpers shared by several rules (kept out of the rule modules themselves)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from paved_road.guardrails.rule import ResourceView

SQS_QUEUE = "AWS::SQS::Queue"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
ESM = "AWS::Lambda::EventSourceMapping"
FUNCTION_POINTERS = ("AWS::Lambda::Alias", "AWS::Lambda::Version")

T = TypeVar("T")


def is_sqs_source(view: ResourceView) -> bool:
    """Whether an event source mapping reads from SQS (a queue in this template or
    a literal SQS ARN, including an ``Fn::Join``/``Fn::Sub`` that spells one)."""
    arn = view.properties.get("EventSourceArn")
    if view.referenced(arn, SQS_QUEUE) is not None:
        return True
    return ":sqs:" in flatten(arn)


def is_kafka_mapping(view: ResourceView) -> bool:
    """Whether an event source mapping reads Kafka: MSK (a ``:kafka:`` cluster ARN) or
    self-managed (``SelfManagedEventSource``). Only Kafka mappings have ``Topics``."""
    props = view.properties
    if "Topics" in props or "SelfManagedEventSource" in props:
        return True
    return ":kafka:" in flatten(props.get("EventSourceArn"))


def mapping_queue(view: ResourceView) -> tuple[str, Mapping[str, Any]] | None:
    """(logical id, resource) of the SQS queue a mapping reads, if in this template."""
    return view.referenced(view.properties.get("EventSourceArn"), SQS_QUEUE)


def mapping_function(view: ResourceView) -> tuple[str, Mapping[str, Any]] | None:
    """(logical id, resource) of the function a mapping invokes, if in this template,
    also through an ``AWS::Lambda::Alias`` or ``AWS::Lambda::Version`` of it."""
    target = _unqualified(view.properties.get("FunctionName"))
    found = view.referenced(target, LAMBDA_FUNCTION, *FUNCTION_POINTERS)
    if found is not None and found[1].get("Type") in FUNCTION_POINTERS:
        props = found[1].get("Properties") or {}
        inner = props.get("FunctionName") if isinstance(props, Mapping) else None
        return view.referenced(inner, LAMBDA_FUNCTION)
    return found


def _unqualified(value: Any) -> Any:
    """A function name qualified with an alias, back to the reference it is built from:

    * ``{"Fn::Join": ["", [{"Ref": "Fn"}, ":live"]]}`` -> ``{"Ref": "Fn"}``;
    * ``{"Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "Alias"}]}]},
      ":live"]]}`` (how CDK writes an alias's ``functionName``: the function name cut out
      of the alias ARN) -> ``{"Ref": "Alias"}``;

    anything else unchanged."""
    join = value.get("Fn::Join") if isinstance(value, Mapping) else None
    if not (isinstance(join, list) and len(join) == 2 and join[0] == ""):
        return value
    parts = join[1]
    if (
        isinstance(parts, list)
        and len(parts) >= 2
        and isinstance(parts[0], Mapping)
        and all(isinstance(p, str) for p in parts[1:])
        and "".join(parts[1:]).startswith(":")
    ):
        return _split_source(parts[0])
    return value


def _split_source(value: Mapping[str, Any]) -> Any:
    """``{"Fn::Select": [i, {"Fn::Split": [":", X]}]}`` -> ``X``; otherwise ``value``."""
    select = value.get("Fn::Select")
    if isinstance(select, list) and len(select) == 2 and isinstance(select[1], Mapping):
        split = select[1].get("Fn::Split")
        if isinstance(split, list) and len(split) == 2 and split[0] == ":":
            return split[1]
    return value


def flatten(value: Any) -> str:
    """The literal text of a value, intrinsics included: strings are concatenated
    depth-first (``{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sqs:..."]]}``
    gives ``"arn:AWS::Partition:sqs:..."``). For suffix/substring tests, not parsing."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return "".join(flatten(v) for v in value.values())
    if isinstance(value, list):
        return "".join(flatten(v) for v in value)
    return ""


class TemplateMemo(Generic[T]):
    """One value computed per stack template, for rules that look at the whole
    template (an index, a count) but run once per resource.

    Entries are keyed on ``id(template)`` and keep the template object itself, so
    an id reused after a template is garbage-collected never returns a stale
    value (the held reference also keeps the id from being reused while cached).
    At most ``size`` templates are held; the oldest is dropped first. Templates are
    assumed not to change while they are being checked (the pack loads each one
    once from ``cdk.out``).
    """

    def __init__(self, compute: Callable[[Mapping[str, Any]], T], size: int = 8) -> None:
        self._compute = compute
        self._size = size
        self._entries: dict[int, tuple[Mapping[str, Any], T]] = {}

    def __call__(self, template: Mapping[str, Any]) -> T:
        key = id(template)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is template:
            return entry[1]
        value = self._compute(template)
        self._entries.pop(key, None)
        while len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (template, value)
        return value

"""Helpers shared by several rules (kept out of the rule modules themselves)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from paved_road._template import reference_target
from paved_road.guardrails.rule import ResourceView

SQS_QUEUE = "AWS::SQS::Queue"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
ESM = "AWS::Lambda::EventSourceMapping"
LAMBDA_ALIAS = "AWS::Lambda::Alias"
LAMBDA_VERSION = "AWS::Lambda::Version"
FUNCTION_POINTERS = (LAMBDA_ALIAS, LAMBDA_VERSION)
EVENT_RULE = "AWS::Events::Rule"
SCHEDULE = "AWS::Scheduler::Schedule"
LATEST = "$LATEST"
"""The qualifier of an unqualified invocation."""

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
    qualified = _qualified_join(value)
    return value if qualified is None else _split_source(qualified[0])


def _qualified_join(value: Any) -> tuple[Mapping[str, Any], str] | None:
    """``{"Fn::Join": ["", [X, ":live"]]}`` (an intrinsic followed by literal text that
    starts with ``:``) -> ``(X, "live")``; None for anything else."""
    join = value.get("Fn::Join") if isinstance(value, Mapping) else None
    if not (isinstance(join, list) and len(join) == 2 and join[0] == ""):
        return None
    parts = join[1]
    if not (
        isinstance(parts, list)
        and len(parts) >= 2
        and isinstance(parts[0], Mapping)
        and all(isinstance(p, str) for p in parts[1:])
    ):
        return None
    suffix = "".join(parts[1:])
    return (parts[0], suffix[1:]) if suffix.startswith(":") else None


def _split_source(value: Mapping[str, Any]) -> Any:
    """``{"Fn::Select": [i, {"Fn::Split": [":", X]}]}`` -> ``X``; otherwise ``value``."""
    select = value.get("Fn::Select")
    if isinstance(select, list) and len(select) == 2 and isinstance(select[1], Mapping):
        split = select[1].get("Fn::Split")
        if isinstance(split, list) and len(split) == 2 and split[0] == ":":
            return split[1]
    return value


def referenced(
    template: Mapping[str, Any], value: Any, *types: str
) -> tuple[str, Mapping[str, Any]] | None:
    """:meth:`ResourceView.referenced` for a bare template (index builders): the
    resource a ``Ref``/``Fn::GetAtt`` names, if in ``template`` and of one of ``types``."""
    target = reference_target(value)
    found = (template.get("Resources") or {}).get(target) if target is not None else None
    if target is None or not isinstance(found, Mapping):
        return None
    if types and found.get("Type") not in types:
        return None
    return target, found


def pointer_qualifier(logical_id: str, resource: Mapping[str, Any]) -> str:
    """The qualifier an ``AWS::Lambda::Alias`` or ``AWS::Lambda::Version`` stands for:
    the alias's literal ``Name``; otherwise (a version, whose number is assigned at
    deploy, or an alias named by an intrinsic) a placeholder naming the resource,
    ``"version <logical id>"``/``"alias <logical id>"`` (the space keeps it apart from
    any real qualifier)."""
    props = resource.get("Properties") or {}
    if resource.get("Type") == LAMBDA_ALIAS:
        name = props.get("Name") if isinstance(props, Mapping) else None
        return name if isinstance(name, str) else f"alias {logical_id}"
    return f"version {logical_id}"


def event_targets(view: ResourceView) -> list[tuple[str, Mapping[str, Any]]]:
    """``(label, target)`` of each target of an ``AWS::Events::Rule`` (its ``Targets``,
    labelled by Id, else ``Targets[i]``) or an ``AWS::Scheduler::Schedule`` (its one
    ``Target``, labelled ``Target``); malformed entries are skipped."""
    if view.type == SCHEDULE:
        target = view.properties.get("Target")
        return [("Target", target)] if isinstance(target, Mapping) else []
    targets = view.properties.get("Targets")
    found = []
    for index, target in enumerate(targets if isinstance(targets, list) else []):
        if isinstance(target, Mapping):
            target_id = target.get("Id")
            found.append((target_id if isinstance(target_id, str) else f"Targets[{index}]", target))
    return found


def is_lambda_arn(template: Mapping[str, Any], value: Any) -> bool:
    """Whether a target ``Arn`` is a Lambda function (or an alias or version of one): a
    reference to one in ``template`` (also ``{"Fn::Join": ["", [<ref>, ":live"]]}``), or
    a literal, ``Fn::Join`` or ``Fn::Sub`` ARN that spells ``:lambda:`` and ``:function:``."""
    if invoked_function(template, value) is not None:
        return True
    if referenced(template, value, LAMBDA_FUNCTION, *FUNCTION_POINTERS) is not None:
        return True  # an alias or version of a function outside this template
    text = flatten(value)
    return ":lambda:" in text and ":function:" in text


def invoked_function(template: Mapping[str, Any], value: Any) -> tuple[str, str] | None:
    """(function logical id, qualifier) a target ``Arn`` invokes, when the function is in
    ``template``:

    * a ``Ref``/``Fn::GetAtt`` of the function -> ``$LATEST``;
    * of an alias or version of it (an alias's ``Ref`` is its ARN) -> the alias's name,
      or the version's placeholder (:func:`pointer_qualifier`);
    * ``{"Fn::Join": ["", [<ref of the function>, ":live"]]}`` -> ``live``.

    None for anything else: not Lambda, or a function outside the template (imported,
    or spelled as a literal ARN), which cannot be checked."""
    found = referenced(template, value, LAMBDA_FUNCTION, *FUNCTION_POINTERS)
    if found is not None:
        logical_id, resource = found
        if resource.get("Type") == LAMBDA_FUNCTION:
            return logical_id, LATEST
        function = pointer_function(template, resource)
        return None if function is None else (function, pointer_qualifier(*found))
    qualified = _qualified_join(value)
    if qualified is not None:
        head, qualifier = qualified
        function_ref = referenced(template, head, LAMBDA_FUNCTION)
        if function_ref is not None and qualifier:
            return function_ref[0], qualifier
    return None


def pointer_function(template: Mapping[str, Any], resource: Mapping[str, Any]) -> str | None:
    """The logical id of the function an alias or version points at (its
    ``FunctionName``), if that function is in ``template``."""
    props = resource.get("Properties") or {}
    name = props.get("FunctionName") if isinstance(props, Mapping) else None
    found = referenced(template, _unqualified(name), LAMBDA_FUNCTION)
    return None if found is None else found[0]


def named_function(template: Mapping[str, Any], value: Any) -> str | None:
    """The logical id of the function an EventInvokeConfig's ``FunctionName`` names: a
    reference to it (or to an alias or version of it), or its literal name (also as the
    last part of an ARN or partial ARN) equal to the function's literal ``FunctionName``."""
    found = referenced(template, _unqualified(value), LAMBDA_FUNCTION, *FUNCTION_POINTERS)
    if found is not None:
        if found[1].get("Type") == LAMBDA_FUNCTION:
            return found[0]
        return pointer_function(template, found[1])
    if not isinstance(value, str):
        return None
    name = value.split(":function:", 1)[-1].split(":", 1)[0]
    for logical_id, resource in (template.get("Resources") or {}).items():
        if isinstance(resource, Mapping) and resource.get("Type") == LAMBDA_FUNCTION:
            props = resource.get("Properties") or {}
            if isinstance(props, Mapping) and props.get("FunctionName") == name:
                return str(logical_id)
    return None


def named_qualifier(template: Mapping[str, Any], value: Any) -> str | None:
    """The qualifier an EventInvokeConfig's ``Qualifier`` names: a literal (``$LATEST``, an
    alias name, a version number); or an alias or version reference, as CDK writes it for
    ``alias.configure_async_invoke`` (``{"Fn::Select": [7, {"Fn::Split": [":", {"Ref":
    "<Alias>"}]}]}``) and ``version.configure_async_invoke`` (``{"Fn::GetAtt":
    ["<Version>", "Version"]}``), read as :func:`pointer_qualifier`. None when unknown."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        return None
    found = referenced(template, _split_source(value), *FUNCTION_POINTERS)
    return None if found is None else pointer_qualifier(*found)


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

"""PavedRoad-LambdaAsyncOnFailureDestination: an EventBridge rule or Scheduler schedule
invokes a Lambda function (asynchronously) whose invoked version has no on-failure
destination and no dead-letter queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import (
    EVENT_RULE,
    LATEST,
    SCHEDULE,
    TemplateMemo,
    event_targets,
    invoked_function,
    named_function,
    named_qualifier,
)

INVOKE_CONFIG = "AWS::Lambda::EventInvokeConfig"


def _invoke_configs(template: Mapping[str, Any]) -> dict[tuple[str, str], bool]:
    """(function logical id, qualifier) -> whether an EventInvokeConfig for it sets
    ``DestinationConfig.OnFailure.Destination`` (configs whose function or qualifier
    cannot be resolved are left out)."""
    found: dict[tuple[str, str], bool] = {}
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, Mapping) or resource.get("Type") != INVOKE_CONFIG:
            continue
        props = resource.get("Properties") or {}
        if not isinstance(props, Mapping):
            continue
        function = named_function(template, props.get("FunctionName"))
        qualifier = named_qualifier(template, props.get("Qualifier"))
        if function is None or qualifier is None:
            continue
        key = (function, qualifier)
        found[key] = found.get(key, False) or _on_failure(props.get("DestinationConfig"))
    return found


def _on_failure(config: Any) -> bool:
    """Whether a ``DestinationConfig`` sets ``OnFailure.Destination`` (an intrinsic in
    place of either object is not known at synth and counts as set)."""
    for key in ("OnFailure", "Destination"):
        if not isinstance(config, Mapping):
            return False
        if any(str(k).startswith("Fn::") for k in config):
            return True
        config = config.get(key)
    return bool(config)


_CONFIGS = TemplateMemo(_invoke_configs)


def _has_dead_letter_queue(view: ResourceView, function: str) -> bool:
    resource = view.resource(function) or {}
    props = resource.get("Properties") or {}
    config = props.get("DeadLetterConfig") if isinstance(props, Mapping) else None
    return isinstance(config, Mapping) and bool(config.get("TargetArn"))


def _describe(qualifier: str) -> str:
    if qualifier == LATEST:
        return LATEST
    if qualifier.startswith(("version ", "alias ")):
        return qualifier
    return f"qualifier {qualifier}"


def check(view: ResourceView) -> Finding | None:
    configs = _CONFIGS(view.template)
    problems = []
    for label, target in event_targets(view):
        invoked = invoked_function(view.template, target.get("Arn"))
        if invoked is None:
            continue  # not Lambda, or a function outside this template (not checkable)
        function, qualifier = invoked
        if configs.get(invoked) or _has_dead_letter_queue(view, function):
            continue
        shown = _describe(qualifier)
        if invoked in configs:
            missing = f"its EventInvokeConfig for {shown} has no OnFailure destination"
        else:
            missing = f"no EventInvokeConfig for {shown}"
        problems.append(
            f"{label} invokes {function} ({shown}): {missing}, and the function has no "
            "DeadLetterConfig.TargetArn."
        )
    return Finding(" ".join(problems)) if problems else None


RULE = GuardrailRule(
    rule_id="LambdaAsyncOnFailureDestination",
    level=NagMessageLevel.ERROR,
    resource_types=(EVENT_RULE, SCHEDULE),
    info="The Lambda function invoked asynchronously by the EventBridge rule or schedule has "
    "no on-failure destination for the version it invokes.",
    explanation="EventBridge rules and EventBridge Scheduler invoke Lambda asynchronously: "
    "once Lambda has queued the event, the rule or schedule counts it as delivered and its "
    "own dead-letter queue never sees it. If the function then fails (an error, a timeout, "
    "throttling until the maximum event age) Lambda retries it twice by default and then "
    "discards it. Only an on-failure destination for the qualifier the target invokes (an "
    "EventInvokeConfig for that alias, version or $LATEST: each has its own) keeps the "
    "record, with the request, the error and the response, for inspection and redrive; a "
    "function dead-letter queue (legacy) keeps the event.",
    fix="Use EventConsumer or ScheduledFunction (both configure the alias they invoke with an "
    "on-failure destination), or call configure_async_invoke(on_failure=SqsDestination(...)) "
    "on the alias or function that the target invokes (not on another qualifier), or give "
    "the function dead_letter_queue=....",
    check=check,
)

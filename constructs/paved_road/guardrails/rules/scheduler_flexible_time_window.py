"""PavedRoad-SchedulerFlexibleTimeWindow: an EventBridge Scheduler schedule that fires at
the exact same moment wherever it is deployed (no flexible time window)."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import SCHEDULE

FLEXIBLE = "FLEXIBLE"


def check(view: ResourceView) -> Finding | None:
    mode = view.setting("FlexibleTimeWindow", "Mode")
    if mode == FLEXIBLE or (mode is not None and not isinstance(mode, str)):
        return None  # flexible, or an intrinsic (not known at synth)
    expression = view.properties.get("ScheduleExpression")
    when = f" ({expression})" if isinstance(expression, str) else ""
    if mode is None:
        return Finding(f"FlexibleTimeWindow.Mode is not set (OFF){when}.")
    return Finding(f"FlexibleTimeWindow.Mode is {mode}{when}.")


RULE = GuardrailRule(
    rule_id="SchedulerFlexibleTimeWindow",
    level=NagMessageLevel.WARN,
    resource_types=(SCHEDULE,),
    info="The EventBridge Scheduler schedule has no flexible time window.",
    explanation="With FlexibleTimeWindow OFF a schedule fires at the exact time its "
    "expression names, and every copy of the stack fires at that same moment: a rate(5 "
    "minutes) deployed to a thousand accounts is a thousand simultaneous calls to the same "
    "APIs and quotas, aligned to the minute, which looks and acts like a DDoS on your own "
    "services (ProGlove, at one million functions: never do the same thing at the same time "
    "everywhere). A flexible window lets Scheduler spread the invocations over the window; a "
    "scatter offset derived from the account or tenant spreads them further.",
    fix="Use ScheduledFunction (a flexible time window by default, plus a deterministic "
    "scatter offset), or set time_window=TimeWindow.flexible(Duration.minutes(...)) "
    "(FlexibleTimeWindow Mode FLEXIBLE with MaximumWindowInMinutes). When the job must run "
    "at the exact time, acknowledge with that reason.",
    check=check,
)

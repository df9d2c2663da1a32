"""ScheduledFunction: EventBridge Scheduler invoking a GovernedFunction, jittered.

"Never do the same thing at the same time everywhere" (ProGlove, "Lessons learned from
scaling to 1 million Lambda functions": thousands of accounts running the same
``rate(5 minutes)`` all fired at the top of the minute and overwhelmed an internal API).
Every ScheduledFunction therefore gets, by default:

* a **flexible time window**: Scheduler invokes the target at a point of its choosing
  within the window after the scheduled time (AWS documentation, "Configuring flexible
  time windows in EventBridge Scheduler"), so the spread happens service side, at run
  time, in every account;
* for ``rate(...)`` expressions, a **deterministic scatter offset**: the rate is rewritten
  as the equivalent ``cron(...)`` starting at minute ``offset`` of each period, where the
  offset is a stable hash (SHA-256) of (account, Region, construct path, ``scatter_key``)
  modulo the period in minutes. Identical schedules in different stacks, accounts or
  construct paths land on different minutes, the same schedule always on the same one
  (a redeploy does not move it). A plain ``rate()`` schedule starts counting when it is
  created (documentation, "Schedule types": without a start date it invokes immediately),
  so fleets created together stay in phase; the cron form does not depend on creation
  time.

Only rates whose period divides an hour or a day have an exact cron equivalent: 1, 2, 3,
4, 5, 6, 10, 12, 15, 20, 30 minutes; 1, 2, 3, 4, 6, 8, 12 hours; 1 day. Other rates need
``scatter=False`` (the flexible window still applies) or a cron expression.

Account and Region only enter the hash when the stack's environment is explicit: an
environment-agnostic stack deployed unchanged to many accounts (StackSets) has the same
offset everywhere; give ``scatter_key`` (e.g. the tenant id) to tell the copies apart. The
flexible window spreads them at run time either way.

Opting out is visible: ``exact_timing="<reason>"`` turns off the window and the scatter
and acknowledges ``PavedRoad-SchedulerFlexibleTimeWindow`` with that reason.

Service limits validated here (Scheduler API reference: CreateSchedule,
FlexibleTimeWindow, RetryPolicy): flexible window 1-1,440 minutes; retry attempts 0-185;
maximum event age 60 s - 24 h; Lambda's asynchronous retries 0-2 and event age 60 s - 6 h.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import math
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, Duration, Stack, TimeZone, Token, Validations
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from constructs import Construct

from paved_road._boundary import checked_props
from paved_road._validate import (
    Shown,
    check_description,
    check_range,
    check_types,
    is_token,
    seconds,
)
from paved_road.errors import Problems
from paved_road.events import (
    AsyncAlarms,
    DeadLetterTarget,
    async_alarms,
    async_function,
    check_retry_ranges,
    configure_async_failure,
    create_async_function,
    resolve_dead_letter_queue,
)
from paved_road.function import GovernedFunction, GovernedFunctionProps

FLEXIBLE_WINDOW_RULE_ID = "PavedRoad-SchedulerFlexibleTimeWindow"
DEFAULT_WINDOW_MINUTES = 15
MAX_WINDOW_MINUTES = 1440
MAX_RETRY_ATTEMPTS = 185
SCATTERABLE_MINUTES = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
SCATTERABLE_HOURS = (1, 2, 3, 4, 6, 8, 12)

_RATE = re.compile(r"^rate\((?P<value>\d+) (?P<unit>minutes?|hours?|days?)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_AT = re.compile(r"^at\((?P<when>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@dataclass(frozen=True)
class _CronField:
    """One cron field's name, value range and names (months, weekdays)."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    question: bool = False  # "?" allowed (day-of-month, day-of-week)


_CRON_FIELDS = (
    _CronField("minutes", 0, 59),
    _CronField("hours", 0, 23),
    _CronField("day-of-month", 1, 31, question=True),
    _CronField("month", 1, 12, _MONTHS),
    _CronField("day-of-week", 1, 7, _WEEKDAYS, question=True),
    _CronField("year", 1970, 2199),
)
"""The EventBridge cron fields and their values (AWS documentation, "Schedule types in
EventBridge Scheduler": cron expressions)."""


@dataclass(frozen=True)
class ParsedSchedule:
    """A validated schedule expression. ``period_minutes`` is the rate's period (None for
    cron and at); ``step_minutes`` the minute step of a cron expression like
    ``cron(0/10 * * * ? *)`` (None otherwise)."""

    kind: str  # "rate" | "cron" | "at"
    expression: str
    period_minutes: int | None = None
    step_minutes: int | None = None


def parse_expression(expression: object) -> tuple[ParsedSchedule | None, str | None]:
    """``(parsed, None)`` for a valid Scheduler expression, ``(None, what is wrong)``
    otherwise. Checks the rate/cron/at syntax EventBridge Scheduler accepts (cron: six
    fields, one of day-of-month and day-of-week is ``?``)."""
    if not isinstance(expression, str):
        return None, "must be a string: rate(...), cron(...) or at(...)"
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value = int(rate["value"])
        unit = rate["unit"]
        if value < 1:
            return None, "rate value must be a positive whole number"
        if (value == 1) != (not unit.endswith("s")):
            return None, f"rate needs the {'singular' if value == 1 else 'plural'} unit"
        per = {"minute": 1, "hour": 60, "day": 1440}[unit.rstrip("s")]
        return ParsedSchedule("rate", text, period_minutes=value * per), None
    cron = _CRON.match(text)
    if cron:
        fields = cron["fields"].split()
        if len(fields) != 6:
            return None, (
                "cron needs six fields: minutes hours day-of-month month day-of-week year"
            )
        day_of_month, day_of_week = fields[2], fields[4]
        if (day_of_month == "?") == (day_of_week == "?"):
            return None, "cron needs '?' in exactly one of day-of-month and day-of-week"
        for field, spec in zip(fields, _CRON_FIELDS, strict=True):
            problem = _check_cron_field(field, spec)
            if problem:
                return None, problem
        return ParsedSchedule("cron", text, step_minutes=_cron_minute_step(fields)), None
    at = _AT.match(text)
    if at:
        try:
            datetime.datetime.fromisoformat(at["when"])
        except ValueError:
            return None, "at() needs a real date and time (yyyy-mm-ddThh:mm:ss)"
        return ParsedSchedule("at", text), None
    return None, (
        "must be rate(<n> minute[s]|hour[s]|day[s]), cron(<6 fields>) or at(yyyy-mm-ddThh:mm:ss)"
    )


def _check_cron_field(field: str, spec: _CronField) -> str | None:
    """What is wrong with one cron field, or None. Each comma-separated item is ``*``,
    ``?`` (day fields), a value or name, a range ``a-b``, a step ``a/n`` or ``*/n`` or
    ``a-b/n``, or for the day fields ``L``, ``nL``/``MONL`` (last), ``nW``/``LW`` (weekday)
    and ``n#k`` (k-th weekday of the month)."""
    if field == "?":
        return None if spec.question else f"cron {spec.name} cannot be '?'"
    for item in field.split(","):
        problem = _check_cron_item(item.upper(), spec)
        if problem:
            return f"cron {spec.name} {problem}, got {field!r}"
    return None


def _check_cron_item(item: str, spec: _CronField) -> str | None:
    if item == "*":
        return None
    if spec.name == "day-of-month" and (item in ("L", "LW") or re.fullmatch(r"\d{1,2}W", item)):
        return _check_cron_value(item.rstrip("W") or "1", spec) if item[0].isdigit() else None
    if spec.name == "day-of-week":
        if item == "L":
            return None
        last = re.fullmatch(r"(\w+)L", item)
        if last:
            return _check_cron_value(last[1], spec)
        nth = re.fullmatch(r"(\w+)#([1-5])", item)
        if nth:
            return _check_cron_value(nth[1], spec)
    base, _, step = item.partition("/")
    if step and (not step.isdigit() or not 1 <= int(step) <= spec.high):
        return f"step '/{step}' must be between 1 and {spec.high}"
    if base == "*" and step:
        return None
    low, _, high = base.partition("-")
    for value in (low, high) if high else (low,):
        problem = _check_cron_value(value, spec)
        if problem:
            return problem
    return None


def _check_cron_value(value: str, spec: _CronField) -> str | None:
    if value in spec.names:
        return None
    if not value.isdigit() or not spec.low <= int(value) <= spec.high:
        names = f" or {spec.names[0]}-{spec.names[-1]}" if spec.names else ""
        return f"must be between {spec.low} and {spec.high}{names}"
    return None


def _cron_minute_step(fields: list[str]) -> int | None:
    """The shortest time between two runs of a cron that fires several times an hour
    (minutes ``*``, ``a/n`` or a list, with hours ``*``); None otherwise."""
    minutes, hours = fields[0], fields[1]
    if hours != "*":
        return None
    if minutes == "*":
        return 1
    step = re.fullmatch(r"(?:\*|\d{1,2})/(\d{1,2})", minutes)
    if step:
        return int(step[1])
    if re.fullmatch(r"\d{1,2}(?:,\d{1,2})+", minutes):
        marks = sorted({int(m) for m in minutes.split(",")})
        gaps = [b - a for a, b in itertools.pairwise(marks)]
        return min([*gaps, 60 - marks[-1] + marks[0]])
    return None


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _is_time_zone(name: object) -> bool:
    """An IANA time zone name known to the tz database (the ``tzdata`` package when the
    system has none), as Scheduler's ``ScheduleExpressionTimezone`` expects."""
    return isinstance(name, str) and (name in _time_zones() or name == "UTC")


def _human(value: object) -> object:
    return value.to_human_string() if isinstance(value, Duration) else value


_TOKEN = Shown("a token")


def _not_json(value: object, where: str) -> tuple[str, object] | None:
    """``(where, shown value)`` of the first part of ``value`` JSON cannot carry: an
    object, NaN or infinity (which would reach jsii's own JSON and break it), a dict key
    that is not a string or number; None when it is all JSON."""
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, value)
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str | int | float | bool):
                return where, Shown(f"a dict with a {type(key).__name__} key")
            found = _not_json(item, f"{where}[{key!r}]")
            if found is not None:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _not_json(item, f"{where}[{index}]")
            if found is not None:
                return found
        return None
    name = type(value).__name__
    return where, Shown(f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}")


def scatter_offset(
    path: str, *, account: str = "", region: str = "", key: str = "", period_minutes: int
) -> int:
    """The deterministic offset, in minutes ``[0, period_minutes)``, of a schedule at
    construct ``path``: SHA-256 of account, Region, path and key (unknown parts empty)."""
    digest = hashlib.sha256("\x1f".join((account, region, path, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") % period_minutes


def scattered_cron(period_minutes: int, offset: int) -> str | None:
    """The cron expression firing every ``period_minutes`` starting at minute ``offset``
    of the period (UTC), or None when the period does not divide an hour or a day."""
    if period_minutes in SCATTERABLE_MINUTES:
        return f"cron({offset}/{period_minutes} * * * ? *)" if period_minutes > 1 else None
    hours, rest = divmod(period_minutes, 60)
    if rest == 0 and hours in SCATTERABLE_HOURS:
        minute, hour = offset % 60, offset // 60
        hour_field = "*" if hours == 1 else f"{hour}/{hours}"
        return f"cron({minute} {hour_field} * * ? *)"
    if period_minutes == 1440:
        return f"cron({offset % 60} {offset // 60} * * ? *)"
    return None


@dataclass(frozen=True)
class ScheduledFunctionAlarms(AsyncAlarms):
    """The alarms of a :class:`ScheduledFunction` (asynchronous invocation alarms)."""


class ScheduledFunction(Construct):
    """An EventBridge Scheduler schedule invoking a GovernedFunction (its ``live`` alias),
    with a flexible time window, a deterministic scatter offset, a retry policy and a
    dead-letter queue on both the schedule and the function's asynchronous invocations.

    Attributes: ``schedule`` (``aws_scheduler.Schedule``), ``expression`` (the expression
    deployed, after scatter), ``scatter_offset`` (minutes, None when not scattered),
    ``flexible_window`` (Duration or None), ``function``, ``governed_function``,
    ``invoke_target``, ``dead_letter_queue``, ``async_invoke_config``, ``alarms``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        schedule: str,
        existing_function: lambda_.IFunction | GovernedFunction | None = None,
        function_props: GovernedFunctionProps | None = None,
        input: Mapping[str, Any] | None = None,
        time_zone: str | None = None,
        flexible_window: Duration | None = None,
        scatter: bool = True,
        scatter_key: str | None = None,
        exact_timing: str | None = None,
        dead_letter_queue: DeadLetterTarget | None = None,
        delivery_retry_attempts: int = 185,
        delivery_max_event_age: Duration | None = None,
        retry_attempts: int = 2,
        max_event_age: Duration | None = None,
        schedule_group: scheduler.IScheduleGroup | None = None,
        description: str | None = None,
        enabled: bool = True,
        errors_threshold: int = 1,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param schedule: ``rate(5 minutes)``, ``cron(0 8 * * ? *)`` or
            ``at(2026-12-01T09:00:00)``. Required.
        :param existing_function: the function to invoke (``IFunction`` or
            ``GovernedFunction``; not tenant-isolated). Exclusive with ``function_props``.
        :param function_props: props of the ``GovernedFunction`` to create.
        :param input: JSON payload the function receives; default none (Scheduler sends
            ``{}``).
        :param time_zone: IANA time zone for cron and at expressions (e.g.
            ``Europe/Berlin``); default UTC. Scattered rates are always evaluated in UTC.
        :param flexible_window: the flexible time window, 1-1,440 whole minutes, at most
            the rate's period (not a token); default 15 minutes, capped at the rate's period (or the
            cron's minute step).
        :param scatter: rewrite ``rate()`` as a cron at a deterministic offset; default
            True.
        :param scatter_key: extra input to the scatter hash (tenant id, cell name) for
            environment-agnostic stacks deployed many times; default none.
        :param exact_timing: a reason to fire exactly on time: no flexible window, no
            scatter; the guardrail warning is acknowledged with this reason. Default none.
        :param dead_letter_queue: where failed invocations go (Scheduler's DLQ and the
            function's on-failure destination): a ``CentralDeadLetterQueue``, an
            ``sqs.IQueue`` or a queue ARN; default the stack's shared queue.
        :param delivery_retry_attempts: Scheduler's retries when Lambda cannot be reached
            (throttling), 0-185; default 185 (bounded by ``delivery_max_event_age``).
        :param delivery_max_event_age: how long Scheduler retries, 60 s - 24 h; default
            the rate's period (a run is not retried into the next one), for cron its
            shortest interval when it fires several times an hour, else 1 hour; 24 hours
            for at.
        :param retry_attempts: Lambda's retries after a function error, 0-2; default 2.
        :param max_event_age: how long Lambda keeps an invocation, 60 s - 6 h; default the
            rate's period (a cron's shortest interval when it fires several times an hour,
            else 1 hour; 6 hours for at), at most 6 hours.
        :param schedule_group: the schedule group; default the account's default group.
        :param description: schedule description; default none.
        :param enabled: whether the schedule is enabled; default True.
        :param errors_threshold: alarm when function errors per minute reach this;
            default 1.
        :param alarm_topic: SNS topic notified by every alarm; default none.
        """
        super().__init__(scope, id)
        problems = Problems("ScheduledFunction", self.node.path)
        async_function(self, problems, "ScheduledFunction", existing_function, function_props)
        parsed, why = (None, None)
        if is_token(schedule):
            problems.add("schedule", "must be a literal expression, not a token", schedule)
        else:
            parsed, why = parse_expression(schedule)
            if why is not None:
                problems.add("schedule", why, schedule)
        check_types(
            problems,
            durations={
                "flexible_window": flexible_window,
                "delivery_max_event_age": delivery_max_event_age,
                "max_event_age": max_event_age,
            },
            integers={
                "delivery_retry_attempts": delivery_retry_attempts,
                "retry_attempts": retry_attempts,
                "errors_threshold": errors_threshold,
            },
            booleans={"scatter": scatter, "enabled": enabled},
            resources={
                "alarm_topic": (alarm_topic, "topic_arn", "an sns.ITopic"),
                "schedule_group": (
                    schedule_group,
                    "schedule_group_name",
                    "an aws_scheduler.IScheduleGroup",
                ),
            },
        )
        if exact_timing is not None and (
            not isinstance(exact_timing, str) or not exact_timing.strip()
        ):
            problems.add("exact_timing", "must be a non-empty reason", exact_timing)
        if exact_timing and flexible_window is not None:
            problems.add(
                "flexible_window",
                "must not be given with exact_timing (exact timing turns the window off)",
                _human(flexible_window),
            )
        if time_zone is not None and not is_token(time_zone) and not _is_time_zone(time_zone):
            problems.add(
                "time_zone", "must be an IANA time zone name such as Europe/Berlin", time_zone
            )
        if scatter_key is not None and (not isinstance(scatter_key, str) or not scatter_key):
            problems.add("scatter_key", "must be a non-empty string", scatter_key)
        if input is not None:
            if not isinstance(input, Mapping):
                problems.add("input", "must be a JSON-serializable dict (the payload)", input)
            else:
                found = _not_json(input, "input")
                if found is not None:
                    problems.add(
                        found[0],
                        "must be JSON: a string, a finite number, True/False, None, or a list "
                        "or dict of those (the payload is sent as JSON)",
                        found[1],
                    )
        check_description(problems, description)
        if problems:
            problems.raise_if_any()
        assert parsed is not None

        period = parsed.period_minutes
        expression = parsed.expression
        offset: int | None = None
        if parsed.kind == "rate" and scatter and not exact_timing and period is not None:
            stack = Stack.of(self)
            offset = scatter_offset(
                self.node.path,
                account="" if Token.is_unresolved(stack.account) else stack.account,
                region="" if Token.is_unresolved(stack.region) else stack.region,
                key=scatter_key or "",
                period_minutes=period,
            )
            cron = scattered_cron(period, offset)
            if cron is not None:
                expression = cron
            elif period > 1:
                problems.add(
                    "schedule",
                    "cannot be scattered exactly: the rate's period must divide an hour or a "
                    f"day ({', '.join(map(str, SCATTERABLE_MINUTES))} minutes; "
                    f"{', '.join(map(str, SCATTERABLE_HOURS))} hours; 1 day); use one of "
                    "those, a cron expression, or scatter=False",
                    schedule,
                )
            else:
                offset = None  # rate(1 minute): every minute, nothing to scatter

        window_cap = period or parsed.step_minutes or MAX_WINDOW_MINUTES
        window: Duration | None = None
        if not exact_timing:
            if flexible_window is None:
                window = Duration.minutes(min(DEFAULT_WINDOW_MINUTES, window_cap))
            elif seconds(flexible_window) is None:  # a token
                problems.add(
                    "flexible_window",
                    "must be a literal Duration, not a token: it is checked against the 1-1,440 "
                    "minute limit and the rate's period at synth time",
                    _TOKEN,
                )
            else:
                window_s = seconds(flexible_window)
                if window_s is not None:
                    minutes = window_s / 60
                    if not minutes.is_integer():
                        problems.add(
                            "flexible_window",
                            "must be whole minutes",
                            flexible_window.to_human_string(),
                        )
                    else:
                        check_range(
                            problems, "flexible_window", minutes, 1, MAX_WINDOW_MINUTES, "minutes"
                        )
                        if period is not None and minutes > period:
                            problems.add(
                                "flexible_window",
                                f"must not exceed the rate's period ({period} minutes): runs "
                                "would overlap",
                                flexible_window.to_human_string(),
                            )
                window = flexible_window

        default_age = {
            "rate": Duration.minutes(max(1, period or 60)),
            "cron": Duration.minutes(parsed.step_minutes or 60),
            "at": Duration.hours(24),
        }[parsed.kind]
        delivery_age = delivery_max_event_age or Duration.seconds(
            min(default_age.to_seconds(), 86400)
        )
        lambda_age = max_event_age or Duration.seconds(
            min(max(default_age.to_seconds(), 60), 6 * 3600) if parsed.kind != "at" else 6 * 3600
        )
        check_retry_ranges(
            problems,
            delivery_retry_attempts=delivery_retry_attempts,
            delivery_max_event_age=delivery_max_event_age,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
            errors_threshold=errors_threshold,
        )
        # tokens are written into the template (aws_scheduler_targets compares them)
        overrides: dict[str, Any] = {}
        if is_token(delivery_retry_attempts):
            overrides["MaximumRetryAttempts"] = delivery_retry_attempts
            delivery_retry_attempts = MAX_RETRY_ATTEMPTS
        if delivery_max_event_age is not None and seconds(delivery_max_event_age) is None:
            # a seconds token (the boundary refuses a token in another unit)
            overrides["MaximumEventAgeInSeconds"] = delivery_age.to_seconds()
            delivery_age = Duration.hours(24)
        queue = resolve_dead_letter_queue(self, problems, dead_letter_queue, "dead_letter_queue")
        problems.raise_if_any()
        assert queue is not None

        self.governed_function, self.function, self.invoke_target = create_async_function(
            self, existing_function, function_props
        )
        self.dead_letter_queue = queue
        self.expression = expression
        self.scatter_offset = offset
        self.flexible_window = window
        self.async_invoke_config = configure_async_failure(
            self, problems, self.invoke_target, self.function, queue, lambda_age, retry_attempts
        )
        problems.raise_if_any()

        target = scheduler_targets.LambdaInvoke(
            self.invoke_target,
            dead_letter_queue=queue,
            max_event_age=delivery_age,
            retry_attempts=delivery_retry_attempts,
            input=scheduler.ScheduleTargetInput.from_object(dict(input)) if input else None,
        )
        time_zone_value = None
        if time_zone and expression == parsed.expression:
            time_zone_value = TimeZone.of(time_zone)
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule=scheduler.ScheduleExpression.expression(expression, time_zone_value),
            target=target,
            time_window=(
                scheduler.TimeWindow.flexible(window) if window else scheduler.TimeWindow.off()
            ),
            schedule_group=schedule_group,
            description=description,
            enabled=enabled,
        )
        if overrides:
            cfn_schedule = self.schedule.node.default_child
            assert isinstance(cfn_schedule, scheduler.CfnSchedule)
            for name, value in overrides.items():
                cfn_schedule.add_property_override(f"Target.RetryPolicy.{name}", value)
        if exact_timing:
            Validations.of(self.schedule).acknowledge(
                Acknowledgment(id=FLEXIBLE_WINDOW_RULE_ID, reason=exact_timing)
            )

        self.alarms = async_alarms(self, self.function, errors_threshold, ScheduledFunctionAlarms)
        if alarm_topic is not None:
            action = cw_actions.SnsAction(alarm_topic)
            for alarm in self.alarms.all():
                alarm.add_alarm_action(action)


__all__ = [
    "ParsedSchedule",
    "ScheduledFunction",
    "ScheduledFunctionAlarms",
    "parse_expression",
    "scatter_offset",
    "scattered_cron",
]

"""ScheduledFunction: expression validation, the scatter offset and its distribution, the
flexible window, retry policies and the dead-letter path."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from paved_road import GovernedFunction, Invocation, PavedRoadError
from paved_road.events import CentralDeadLetterQueue
from paved_road.schedule import (
    ScheduledFunction,
    parse_expression,
    scatter_offset,
    scattered_cron,
)
from paved_road.tenancy import TenantIsolatedFunction
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
PROPS: Any = {"code": CODE, "handler": "index.handler"}


def schedule_props(stack: Stack) -> dict[str, Any]:
    schedules = template(stack).find_resources("AWS::Scheduler::Schedule")
    assert len(schedules) == 1
    return next(iter(schedules.values()))["Properties"]


# ------------------------------------------------------------------ expression parsing


@pytest.mark.parametrize(
    ("expression", "kind", "period"),
    [
        ("rate(1 minute)", "rate", 1),
        ("rate(5 minutes)", "rate", 5),
        ("rate(2 hours)", "rate", 120),
        ("rate(1 day)", "rate", 1440),
        ("cron(0 8 * * ? *)", "cron", None),
        ("cron(0/10 * ? * MON-FRI *)", "cron", None),
        ("at(2026-12-01T09:00:00)", "at", None),
    ],
)
def test_valid_expressions_parse(expression: str, kind: str, period: int | None) -> None:
    parsed, problem = parse_expression(expression)
    assert problem is None and parsed is not None
    assert parsed.kind == kind
    assert parsed.period_minutes == period


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(5 minute)", "plural unit"),
        ("rate(1 minutes)", "singular unit"),
        ("rate(0 minutes)", "positive"),
        ("rate(5 weeks)", "must be rate"),
        ("cron(0 8 * * *)", "six fields"),
        ("cron(0 8 * * * *)", "exactly one of day-of-month"),
        ("cron(0 8 ? * ? *)", "exactly one of day-of-month"),
        ("cron(61 8 * * ? *)", "minutes must be between 0 and 59"),
        ("cron(0 24 * * ? *)", "hours must be between 0 and 23"),
        ("cron(0 8 * * ? *;)", "year must be between 1970 and 2199"),
        ("at(2026-12-01 09:00)", "must be rate"),
        ("every 5 minutes", "must be rate"),
        (300, "must be a string"),
    ],
)
def test_invalid_expressions_are_explained(expression: Any, message: str) -> None:
    parsed, problem = parse_expression(expression)
    assert parsed is None
    assert problem is not None and message in problem


def test_cron_minute_step_is_recognized() -> None:
    parsed, _ = parse_expression("cron(0/10 * * * ? *)")
    assert parsed is not None and parsed.step_minutes == 10


# ------------------------------------------------------------------ scatter


@pytest.mark.parametrize("period", [2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 720, 1440])
def test_scattered_cron_fires_every_period_from_the_offset(period: int) -> None:
    """Expanding the cron over one UTC day gives exactly the rate's firing times,
    shifted by the offset."""
    for offset in {0, 1, period // 2, period - 1}:
        cron = scattered_cron(period, offset)
        assert cron is not None
        assert fire_minutes_of_day(cron) == list(range(offset, 1440, period))


def test_rates_without_an_exact_cron_are_not_scattered() -> None:
    assert scattered_cron(7, 3) is None
    assert scattered_cron(90, 3) is None
    assert scattered_cron(2880, 3) is None
    assert scattered_cron(1, 0) is None  # nothing to scatter within one minute


def test_scatter_offset_is_deterministic_and_depends_on_every_input() -> None:
    base = {"account": "111122223333", "region": "eu-west-1", "key": "", "period_minutes": 60}
    first = scatter_offset("App/Stack/Job", **base)
    assert first == scatter_offset("App/Stack/Job", **base)
    variants = {
        scatter_offset("App/Stack/Job", **{**base, "account": "444455556666"}),
        scatter_offset("App/Stack/Job", **{**base, "region": "us-east-1"}),
        scatter_offset("App/Stack/Job", **{**base, "key": "tenant-7"}),
        scatter_offset("App/Stack/Other", **base),
    }
    assert variants != {first}


def test_one_thousand_identical_schedules_spread_over_the_period() -> None:
    """1,000 rate(1 hour) ScheduledFunctions at different construct paths: their
    deployed cron minutes cover the hour evenly (chi-square goodness of fit against the
    uniform distribution, and no minute holds more than 3x its share)."""
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "Fleet")
    fn = GovernedFunction(stack, "Shared", **PROPS, keep_versions=None)
    minutes = []
    for i in range(1000):
        job = ScheduledFunction(stack, f"Job{i}", schedule="rate(1 hour)", existing_function=fn)
        assert job.scatter_offset is not None
        match = re.fullmatch(r"cron\((\d+) \* \* \* \? \*\)", job.expression)
        assert match is not None, job.expression
        assert int(match[1]) == job.scatter_offset
        minutes.append(job.scatter_offset)
    counts = Counter(minutes)
    expected = 1000 / 60
    chi_square = sum((counts.get(m, 0) - expected) ** 2 / expected for m in range(60))
    # 59 degrees of freedom: the 99.9th percentile of chi-square is about 98.3
    assert chi_square < 98.3, (chi_square, counts)
    assert len(counts) == 60  # every minute of the hour is used
    assert max(counts.values()) <= 3 * expected
    assert min(minutes) >= 0 and max(minutes) < 60


def test_identical_schedules_in_different_accounts_spread() -> None:
    """The same construct path in 1,000 accounts (explicit environments) spreads over a
    5-minute rate: each of the 5 offsets gets between 150 and 250 of them."""
    counts: Counter[int] = Counter()
    for i in range(1000):
        account = f"{100000000000 + i * 7919:012d}"
        counts[
            scatter_offset(
                "Tenant/Stack/Poller", account=account, region="eu-west-1", period_minutes=5
            )
        ] += 1
    assert sorted(counts) == [0, 1, 2, 3, 4]
    assert all(150 <= n <= 250 for n in counts.values()), counts


def test_rate_is_deployed_as_scattered_cron_with_a_flexible_window(stack: Stack) -> None:
    job = ScheduledFunction(stack, "Poller", schedule="rate(5 minutes)", function_props=PROPS)
    props = schedule_props(stack)
    assert props["ScheduleExpression"] == f"cron({job.scatter_offset}/5 * * * ? *)"
    assert props["ScheduleExpressionTimezone"] == "Etc/UTC"
    assert props["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5}


def test_explicit_environment_enters_the_hash() -> None:
    offsets = set()
    for account in ("111122223333", "444455556666", "777788889999", "123412341234"):
        app = App(builtin_cloud_formation_validation=False)
        stack = Stack(app, "S", env=Environment(account=account, region="eu-west-1"))
        job = ScheduledFunction(stack, "Job", schedule="rate(1 hour)", function_props=PROPS)
        offsets.add(job.scatter_offset)
    assert len(offsets) > 1


def test_scatter_key_separates_environment_agnostic_copies() -> None:
    offsets = set()
    for tenant in ("acme", "globex", "initech", "umbrella", "hooli"):
        stack = new_stack()
        job = ScheduledFunction(
            stack, "Job", schedule="rate(1 hour)", function_props=PROPS, scatter_key=tenant
        )
        offsets.add(job.scatter_offset)
    assert len(offsets) > 1


def test_scatter_false_keeps_the_rate(stack: Stack) -> None:
    job = ScheduledFunction(
        stack, "Job", schedule="rate(7 minutes)", function_props=PROPS, scatter=False
    )
    assert job.scatter_offset is None
    props = schedule_props(stack)
    assert props["ScheduleExpression"] == "rate(7 minutes)"
    assert props["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 7}


def test_cron_is_kept_with_its_time_zone_and_a_capped_window(stack: Stack) -> None:
    ScheduledFunction(
        stack,
        "Job",
        schedule="cron(0/10 * ? * MON-FRI *)",
        time_zone="Europe/Berlin",
        function_props=PROPS,
    )
    props = schedule_props(stack)
    assert props["ScheduleExpression"] == "cron(0/10 * ? * MON-FRI *)"
    assert props["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert props["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10}


def test_daily_cron_gets_the_default_fifteen_minute_window(stack: Stack) -> None:
    ScheduledFunction(stack, "Job", schedule="cron(30 2 * * ? *)", function_props=PROPS)
    assert schedule_props(stack)["FlexibleTimeWindow"]["MaximumWindowInMinutes"] == 15


def test_exact_timing_turns_window_and_scatter_off_and_acknowledges(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        job = ScheduledFunction(
            stack,
            "Settlement",
            schedule="rate(1 hour)",
            function_props=PROPS,
            exact_timing="Settlement must start on the hour (bank cut-off).",
        )
        assert job.scatter_offset is None and job.flexible_window is None

    run = run_guardrails(build, tmp_path)
    assert run.error is None, run.error
    assert "PavedRoad-SchedulerFlexibleTimeWindow" not in run.rules()


# ------------------------------------------------------------------ targets and failures


def test_target_has_retry_policy_dead_letter_queue_and_least_privilege_role(
    stack: Stack,
) -> None:
    ScheduledFunction(stack, "Job", schedule="rate(15 minutes)", function_props=PROPS)
    tpl = template(stack)
    props = schedule_props(stack)
    target = props["Target"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 900, "MaximumRetryAttempts": 185}
    assert target["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": [Match.string_like_regexp("PavedRoadDeadLetters"), "Arn"]
    } or "PavedRoadDeadLetters" in str(target["DeadLetterConfig"])
    # the schedule invokes the live alias
    assert "Alias" in target["Arn"]["Ref"]
    policies = tpl.find_resources("AWS::IAM::Policy")
    scheduler_policy = [p for k, p in policies.items() if k.startswith("SchedulerRoleForTarget")]
    assert len(scheduler_policy) == 1
    statements = scheduler_policy[0]["Properties"]["PolicyDocument"]["Statement"]
    assert {s["Action"] for s in statements} == {"lambda:InvokeFunction", "sqs:SendMessage"}
    assert all("*" not in str(s["Resource"]) for s in statements)


def test_function_async_failures_go_to_the_same_queue(stack: Stack) -> None:
    ScheduledFunction(stack, "Job", schedule="rate(1 hour)", function_props=PROPS)
    tpl = template(stack)
    tpl.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "Qualifier": "live",
            "MaximumRetryAttempts": 2,
            "MaximumEventAgeInSeconds": 3600,
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": {
                        "Fn::GetAtt": [Match.string_like_regexp("PavedRoadDeadLetters"), "Arn"]
                    }
                }
            },
        },
    )


def test_alarms_cover_dropped_events_dead_letter_errors_and_errors(stack: Stack) -> None:
    job = ScheduledFunction(stack, "Job", schedule="rate(1 hour)", function_props=PROPS)
    assert len(job.alarms.all()) == 3
    tpl = template(stack)
    tpl.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "AsyncEventsDropped", "Threshold": 1}
    )
    tpl.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Metrics": Match.array_with([Match.object_like({"Expression": "dlq + destination"})])},
    )


def test_explicit_queue_and_input(stack: Stack) -> None:
    queue = sqs.Queue(stack, "Failures", enforce_ssl=True)
    ScheduledFunction(
        stack,
        "Job",
        schedule="cron(0 3 * * ? *)",
        function_props=PROPS,
        dead_letter_queue=queue,
        input={"task": "compact"},
        delivery_retry_attempts=3,
        delivery_max_event_age=Duration.hours(2),
    )
    target = schedule_props(stack)["Target"]
    assert target["Input"] == '{"task":"compact"}'
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 3}
    assert "Failures" in str(target["DeadLetterConfig"])


def test_template_passes_cfn_lint(stack: Stack) -> None:
    ScheduledFunction(stack, "Job", schedule="rate(5 minutes)", function_props=PROPS)
    ScheduledFunction(stack, "Nightly", schedule="cron(0 2 * * ? *)", function_props=PROPS)
    assert lint_errors(template(stack).to_json()) == []


def test_guardrails_pass_with_defaults(tmp_path: Path) -> None:
    run = run_guardrails(
        lambda s: ScheduledFunction(s, "Job", schedule="rate(5 minutes)", function_props=PROPS),
        tmp_path,
        strict=True,
    )
    assert run.error is None, run.error


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "rate(5 minute)"}, r"schedule rate needs the plural unit"),
        ({"schedule": "rate(7 minutes)"}, r"schedule cannot be scattered exactly"),
        ({"schedule": "rate(2 days)"}, r"schedule cannot be scattered exactly"),
        (
            {"schedule": "rate(5 minutes)", "flexible_window": Duration.minutes(10)},
            r"flexible_window must not exceed the rate's period \(5 minutes\)",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "flexible_window": Duration.minutes(1441)},
            r"flexible_window must be between 1 and 1440 minutes",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "flexible_window": Duration.seconds(90)},
            r"flexible_window must be whole minutes",
        ),
        ({"schedule": "cron(0 2 * * ? *)", "flexible_window": 5}, r"must be an aws_cdk.Duration"),
        (
            {"schedule": "cron(0 2 * * ? *)", "exact_timing": ""},
            r"exact_timing must be a non-empty reason",
        ),
        (
            {
                "schedule": "cron(0 2 * * ? *)",
                "exact_timing": "cut-off",
                "flexible_window": Duration.minutes(5),
            },
            r"flexible_window must not be given with exact_timing",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "delivery_retry_attempts": 186},
            r"delivery_retry_attempts must be between 0 and 185",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "delivery_max_event_age": Duration.days(2)},
            r"delivery_max_event_age must be between 60 and 86400 seconds",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "retry_attempts": 3},
            r"retry_attempts must be between 0 and 2",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "max_event_age": Duration.hours(7)},
            r"max_event_age must be between 60 and 21600 seconds",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "retry_attempts": "2"},
            r"retry_attempts must be a whole number",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "time_zone": "Berlin time"},
            r"time_zone must be an IANA time zone name",
        ),
        ({"schedule": "cron(0 2 * * ? *)", "scatter_key": ""}, r"scatter_key must be"),
        (
            {"schedule": "cron(0 2 * * ? *)", "input": ["x"]},
            r"input must be a dict with string keys or None, got \['x'\]",
        ),
        (
            {"schedule": "cron(0 2 * * ? *)", "dead_letter_queue": "arn:aws:sqs:x"},
            r"dead_letter_queue must be an SQS queue ARN",
        ),
        (
            {
                "schedule": "cron(0 2 * * ? *)",
                "dead_letter_queue": "arn:aws:sqs:eu-west-1:111122223333:dead.fifo",
            },
            r"dead_letter_queue must be a standard queue",
        ),
    ],
)
def test_invalid_props_raise_paved_road_error(
    stack: Stack, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(PavedRoadError, match=r"ScheduledFunction 'Test/Job': .*" + message):
        ScheduledFunction(stack, "Job", function_props=PROPS, **kwargs)


def test_dead_letter_queue_in_another_region_is_rejected() -> None:
    app = App(builtin_cloud_formation_validation=False)
    stack = Stack(app, "S", env=Environment(account="111122223333", region="eu-west-1"))
    with pytest.raises(PavedRoadError, match=r"must be in the stack's Region \(eu-west-1\)"):
        ScheduledFunction(
            stack,
            "Job",
            schedule="rate(1 hour)",
            function_props=PROPS,
            dead_letter_queue="arn:aws:sqs:us-east-1:444455556666:central",
        )


def test_function_choice_is_validated(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"existing_function/function_props exactly one"):
        ScheduledFunction(stack, "Job", schedule="rate(1 hour)")
    tenant_fn = TenantIsolatedFunction(stack, "Tenant", **PROPS)
    with pytest.raises(PavedRoadError, match=r"must not be a tenant-isolated function"):
        ScheduledFunction(stack, "Job2", schedule="rate(1 hour)", existing_function=tenant_fn)
    sync = GovernedFunction(stack, "Sync", **PROPS, invocation=Invocation.SYNCHRONOUS)
    with pytest.raises(PavedRoadError, match=r"is declared SYNCHRONOUS"):
        ScheduledFunction(stack, "Job3", schedule="rate(1 hour)", existing_function=sync)
    with pytest.raises(PavedRoadError, match=r"function_props.invocation must be ASYNCHRONOUS"):
        ScheduledFunction(
            stack,
            "Job4",
            schedule="rate(1 hour)",
            function_props={**PROPS, "invocation": Invocation.EVENT_SOURCE_MAPPING},
        )


def test_problems_are_collected_then_raised_once(stack: Stack) -> None:
    with pytest.raises(PavedRoadError) as info:
        ScheduledFunction(
            stack,
            "Job",
            schedule="rate(0 minutes)",
            function_props=PROPS,
            retry_attempts=5,
            time_zone="nowhere land",
        )
    assert len(info.value.problems) >= 2


def test_two_schedules_on_one_function_share_its_async_config(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Fn", **PROPS)
    ScheduledFunction(stack, "Hourly", schedule="rate(1 hour)", existing_function=fn)
    second = ScheduledFunction(
        stack,
        "Daily",
        schedule="cron(0 4 * * ? *)",
        existing_function=fn,
        max_event_age=Duration.hours(1),
    )
    assert second.async_invoke_config is None
    template(stack).resource_count_is("AWS::Lambda::EventInvokeConfig", 1)
    with pytest.raises(PavedRoadError, match=r"must match the asynchronous invoke configuration"):
        ScheduledFunction(
            stack,
            "Other",
            schedule="cron(0 5 * * ? *)",
            existing_function=fn,
            retry_attempts=0,
        )


def test_existing_central_queue_is_used(stack: Stack) -> None:
    central = CentralDeadLetterQueue(stack, "Central", organization_id="o-abcdefghij")
    job = ScheduledFunction(
        stack, "Job", schedule="rate(1 hour)", function_props=PROPS, dead_letter_queue=central
    )
    assert job.dead_letter_queue is central.queue
    assert stack.node.try_find_child("PavedRoadDeadLetters") is None


# ------------------------------------------------------------------ helpers


def fire_minutes_of_day(cron: str) -> list[int]:
    """The minutes of a UTC day at which ``cron(m h * * ? *)`` fires, for the minute and
    hour forms scattered_cron writes: ``a/b``, ``*`` or a number."""
    match = re.fullmatch(r"cron\((\S+) (\S+) \* \* \? \*\)", cron)
    assert match is not None, cron
    minutes = expand(match[1], 60)
    hours = expand(match[2], 24)
    return sorted(h * 60 + m for h in hours for m in minutes)


def expand(field: str, size: int) -> list[int]:
    if field == "*":
        return list(range(size))
    if "/" in field:
        start, step = field.split("/")
        return list(range(int(start), size, int(step)))
    return [int(field)]


def test_chi_square_threshold_is_what_the_comment_says() -> None:
    """Guard the constant of the distribution test: the Wilson-Hilferty approximation of
    the 99.9th percentile of chi-square with 59 degrees of freedom."""
    k, z = 59, 3.0902
    approx = k * (1 - 2 / (9 * k) + z * math.sqrt(2 / (9 * k))) ** 3
    assert abs(approx - 98.3) < 0.5


# ------------------------------------------------------------------ review fixes


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 8 32 * ? *)", "day-of-month must be between 1 and 31"),
        ("cron(0 8 * 13 ? *)", "month must be between 1 and 12 or JAN-DEC"),
        ("cron(0 8 ? * FOO *)", "day-of-week must be between 1 and 7 or SUN-SAT"),
        ("cron(0 8 ? * 9 *)", "day-of-week must be between 1 and 7"),
        ("cron(ab 8 ? * MON *)", "minutes must be between 0 and 59"),
        ("cron(0 8 * * ? 1800)", "year must be between 1970 and 2199"),
        ("cron(0/0 8 * * ? *)", "minutes step '/0' must be between 1 and 59"),
        ("cron(? 8 * * ? *)", "minutes cannot be '?'"),
        ("at(2026-13-45T25:61:00)", "real date and time"),
    ],
)
def test_cron_fields_and_at_dates_are_checked(expression: str, message: str) -> None:
    parsed, problem = parse_expression(expression)
    assert parsed is None
    assert problem is not None and message in problem, problem


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 8 ? * MON-FRI *)",
        "cron(0 8 L * ? *)",
        "cron(0 8 15W * ? *)",
        "cron(0 8 LW * ? *)",
        "cron(0 8 ? * 6L *)",
        "cron(0 8 ? * MON#2 *)",
        "cron(0,30 8-18 ? JAN,JUL * 2026-2030)",
        "cron(*/15 * * * ? *)",
        "cron(5/20 0-12/2 1-15 * ? *)",
        "at(2026-02-28T23:59:59)",
    ],
)
def test_valid_cron_forms_are_accepted(expression: str) -> None:
    parsed, problem = parse_expression(expression)
    assert problem is None and parsed is not None


@pytest.mark.parametrize(
    ("expression", "step"),
    [
        ("cron(* * * * ? *)", 1),
        ("cron(0,20,40 * * * ? *)", 20),
        ("cron(0,5 * * * ? *)", 5),
        ("cron(0/10 * * * ? *)", 10),
        ("cron(0 * * * ? *)", None),
        ("cron(0/10 8 * * ? *)", None),
    ],
)
def test_cron_shortest_interval(expression: str, step: int | None) -> None:
    parsed, _ = parse_expression(expression)
    assert parsed is not None and parsed.step_minutes == step


def test_every_minute_cron_gets_a_one_minute_window(stack: Stack) -> None:
    ScheduledFunction(stack, "Job", schedule="cron(* * * * ? *)", function_props=PROPS)
    props = schedule_props(stack)
    assert props["FlexibleTimeWindow"]["MaximumWindowInMinutes"] == 1
    assert props["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"] == 60


def test_at_schedules_keep_failed_events_six_hours_in_lambda(stack: Stack) -> None:
    ScheduledFunction(stack, "Job", schedule="at(2026-12-24T18:00:00)", function_props=PROPS)
    tpl = template(stack)
    tpl.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig", {"MaximumEventAgeInSeconds": 21600}
    )
    assert schedule_props(stack)["Target"]["RetryPolicy"]["MaximumEventAgeInSeconds"] == 86400


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"exact_timing": "cut-off", "flexible_window": 5},
            r"flexible_window must be an aws_cdk.Duration",
        ),
        ({"input": {"a": object()}}, r"input\['a'\] must be JSON: .*got an object$"),
        ({"time_zone": "Europe/Berlinn"}, r"time_zone must be an IANA time zone name"),
        ({"retry_attempts": 1.5}, r"retry_attempts must be a whole number"),
        ({"delivery_retry_attempts": 10.5}, r"delivery_retry_attempts must be a whole number"),
        ({"description": "d" * 513}, r"description must be at most 512 characters"),
    ],
)
def test_more_invalid_props(stack: Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=message):
        ScheduledFunction(
            stack, "Job", schedule="cron(0 2 * * ? *)", function_props=PROPS, **kwargs
        )


def test_utc_and_iana_time_zones_are_accepted(stack: Stack) -> None:
    for index, zone in enumerate(("UTC", "Etc/UTC", "America/Sao_Paulo", "Asia/Kolkata")):
        ScheduledFunction(
            stack,
            f"Job{index}",
            schedule="cron(0 2 * * ? *)",
            time_zone=zone,
            function_props=PROPS,
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scatter": "no"}, r"scatter must be True or False"),
        ({"enabled": None}, r"enabled must be True or False"),
        ({"alarm_topic": "ops"}, r"alarm_topic must be an sns.ITopic"),
        (
            {"schedule_group": "nightly"},
            r"schedule_group must be a scheduler\.IScheduleGroup or None, got 'nightly'",
        ),
    ],
)
def test_wrong_kinds_of_props(stack: Stack, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=r"ScheduledFunction 'Test/Job': .*" + message):
        ScheduledFunction(
            stack, "Job", schedule="cron(0 2 * * ? *)", function_props=PROPS, **kwargs
        )


def test_disabled_schedule_in_its_own_group(stack: Stack) -> None:
    from aws_cdk import aws_scheduler as scheduler

    group = scheduler.ScheduleGroup(stack, "Nightly")
    ScheduledFunction(
        stack,
        "Job",
        schedule="cron(0 2 * * ? *)",
        function_props=PROPS,
        schedule_group=group,
        enabled=False,
    )
    props = schedule_props(stack)
    assert props["State"] == "DISABLED"
    # CDK names the group after its path and writes the literal name
    assert props["GroupName"] == group.schedule_group_name


# ------------------------------------------------------------------ bad input (issue 9)


@pytest.mark.parametrize(
    ("payload", "where", "shown"),
    [
        ({"a": float("nan")}, r"input\['a'\]", "nan"),
        ({"a": [1, float("inf")]}, r"input\['a'\]\[1\]", "inf"),
        ({"a": {"b": object()}}, r"input\['a'\]\['b'\]", "an object"),
        ({"when": Duration.minutes(5)}, r"input\['when'\]", "a Duration"),
    ],
)
def test_input_must_be_json(stack: Stack, payload: dict[str, Any], where: str, shown: str) -> None:
    # NaN/infinity used to reach jsii's own JSON and kill its process; objects were shown
    # by their address
    with pytest.raises(
        PavedRoadError,
        match=rf"ScheduledFunction 'Test/Job': {where} must be JSON: a string, a finite "
        rf"number, .*got {shown}$",
    ):
        ScheduledFunction(
            stack, "Job", schedule="cron(0 2 * * ? *)", function_props=PROPS, input=payload
        )


def test_delivery_retry_tokens_are_written_to_the_template(stack: Stack) -> None:
    from aws_cdk import CfnParameter

    # GIVEN the Scheduler retry policy as tokens (aws_scheduler_targets compares them: a
    # jsii error before)
    retries = CfnParameter(stack, "Retries", type="Number", default=10).value_as_number
    age = CfnParameter(stack, "Age", type="Number", default=600).value_as_number
    ScheduledFunction(
        stack,
        "Job",
        schedule="cron(0 2 * * ? *)",
        function_props=PROPS,
        delivery_retry_attempts=retries,
        delivery_max_event_age=Duration.seconds(age),
    )
    # THEN CloudFormation receives them
    assert schedule_props(stack)["Target"]["RetryPolicy"] == {
        "MaximumRetryAttempts": {"Ref": "Retries"},
        "MaximumEventAgeInSeconds": {"Ref": "Age"},
    }


def test_delivery_max_event_age_token_must_be_in_seconds(stack: Stack) -> None:
    from aws_cdk import CfnParameter

    age = CfnParameter(stack, "Age", type="Number", default=10).value_as_number
    with pytest.raises(
        PavedRoadError,
        match=r"ScheduledFunction 'Test/Job': delivery_max_event_age must be given as "
        r"Duration.seconds\(<token>\) when it is a token, got 'Duration.minutes\(<token>\)'$",
    ):
        ScheduledFunction(
            stack,
            "Job",
            schedule="cron(0 2 * * ? *)",
            function_props=PROPS,
            delivery_max_event_age=Duration.minutes(age),
        )


def test_flexible_window_token_is_reported(stack: Stack) -> None:
    from aws_cdk import CfnParameter

    window = CfnParameter(stack, "Window", type="Number", default=10).value_as_number
    with pytest.raises(
        PavedRoadError,
        match=r"ScheduledFunction 'Test/Job': flexible_window must be a literal Duration, not a "
        r"token: .*got a token$",
    ):
        ScheduledFunction(
            stack,
            "Job",
            schedule="cron(0 2 * * ? *)",
            function_props=PROPS,
            flexible_window=Duration.seconds(window),
        )


def test_invalid_cron_step_says_what_is_allowed(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ScheduledFunction 'Test/Job': schedule cron minutes step '/0' must be between 1 "
        r"and 59, got '0/0', got 'cron\(0/0 8 \* \* \? \*\)'$",
    ):
        ScheduledFunction(stack, "Job", schedule="cron(0/0 8 * * ? *)", function_props=PROPS)

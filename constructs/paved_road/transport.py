"""Cross-account event transport: :class:`EventBusForwarder` in member accounts sends
chosen events (e.g. CloudTrail management events) to a :class:`CentralEventBus`, whose
resource policy admits only the organization (and/or listed accounts) and which routes
security-relevant events to a priority target ahead of everything else.

The pattern follows the AWS Compute Blog post "Enhancing multi-account activity
monitoring with event-driven architectures"
(https://aws.amazon.com/blogs/compute/enhancing-multi-account-activity-monitoring-with-event-driven-architectures/):
push CloudTrail activity with EventBridge's direct bus-to-bus delivery, filter in the
source accounts (cross-account delivery costs $1 per million events), buffer ingested
events in SQS, and classify early so that IAM and security group changes are processed
before routine activity.

Service facts this module relies on (AWS documentation):

* CloudTrail events reach EventBridge with ``detail-type`` "AWS API Call via CloudTrail";
  a CloudTrail trail with logging enabled is needed for them ("Events from AWS
  services", https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html).
* Read-only management events (``Get*``, ``List*``, ``Describe*``) reach a rule only when
  its state is ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``; some are high volume
  (IAM ``GetRole``/``GetPolicy``, KMS ``DescribeKey``) ("Receiving read-only management
  events from AWS services",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html).
* Global services (IAM, Organizations, Account Management) deliver their events only to
  us-east-1 (AWS re:Post knowledge center, "Why does my EventBridge rule for IAM events
  only trigger in the us-east-1 Region?",
  https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region).
* An organization-wide bus policy is ``Principal: "*"`` with an ``aws:PrincipalOrgID``
  condition; senders in the organization must then target the bus with a role
  (``RoleArn``); a bus policy is at most 10 KB ("AWS::Events::EventBusPolicy",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-eventbuspolicy.html;
  "Permissions for event buses in Amazon EventBridge", which recommends a role whenever
  the target is an event bus,
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html).
* Bus-to-bus delivery works across accounts in every Region, and across Regions only to
  supported destination Regions ("Sending and receiving events between AWS accounts in
  Amazon EventBridge",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html).
* Target retry policy: 0-185 attempts, 60 s - 24 h maximum event age (EventBridge's
  default: 24 hours, 185 attempts); undelivered events go to the target's dead-letter
  queue, a standard SQS queue ("How EventBridge retries delivering events",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html;
  "Using dead-letter queues to process undelivered events",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html). The CDK's
  ``targets.EventBus`` takes no retry policy ("Retry policy is not supported for Event
  bus targets", aws-cdk-lib ``aws_events_targets.EventBusProps``), so a forwarder's
  target has a dead-letter queue and EventBridge's default retries.
* EventBridge invokes a Lambda target asynchronously: Lambda retries a failed event 0-2
  times (default 2) for up to 60 s - 6 h (default 6 h) and then drops it unless the
  invoked qualifier has an on-failure destination ("Asynchronous invocation",
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html; "Configuring
  destinations for asynchronous invocation",
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
* Event pattern size: 2,048 characters by default (a quota that can be raised; the API
  accepts at most 4,096); 18,750 target invocations per second in the largest Regions
  ("Amazon EventBridge quotas",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
* Patterns: ``anything-but`` with a list, ``$or``; a pattern only matches an event that
  has every field it names ("Comparison operators for use in event patterns",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html;
  "Event pattern syntax",
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern.html).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard, cast

from aws_cdk import (
    Annotations,
    Aws,
    Duration,
    Names,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road._alarms import threshold_alarm
from paved_road._boundary import checked_props
from paved_road._patterns import (
    check_event_pattern,
    pattern_as_dict,
    placeholder_pattern,
    set_pattern,
)
from paved_road._queues import DLQ_RETENTION, dead_letter_queue, messages_visible_alarm
from paved_road._validate import (
    ACCOUNT_ID,
    ONE_MIB,
    ORGANIZATION_ID,
    check_range,
    is_token,
    matches_or_token,
    seconds,
)
from paved_road.errors import Problems
from paved_road.events import configure_async_failure, invoked_qualifier
from paved_road.function import GovernedFunction, Invocation

CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
"""The ``detail-type`` of every event CloudTrail delivers to EventBridge."""

SECURITY_GROUP_EVENT_NAMES: tuple[str, ...] = (
    "AuthorizeSecurityGroupEgress",
    "AuthorizeSecurityGroupIngress",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "ModifySecurityGroupRules",
    "RevokeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "UpdateSecurityGroupRuleDescriptionsIngress",
)
"""The EC2 API calls that create, change or delete a security group or its rules."""

DEFAULT_PRIORITY_EVENTS: Mapping[str, tuple[str, ...] | None] = MappingProxyType(
    {
        "iam.amazonaws.com": None,  # every IAM call that reaches EventBridge
        "ec2.amazonaws.com": SECURITY_GROUP_EVENT_NAMES,
    }
)
"""CloudTrail event source -> API calls (``eventName``) that are security-relevant;
``None`` means every call of that source. Extend it with a dict union, e.g.
``{**DEFAULT_PRIORITY_EVENTS, "kms.amazonaws.com": ("DisableKey", "ScheduleKeyDeletion")}``."""

EVENT_BUS_NAME = re.compile(r"^[/.\-_A-Za-z0-9]{1,256}$")
CUSTOM_BUS_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,256}$")
"""A custom bus's name: no '/', which only partner event buses have (CreateEventBus)."""
BUS_NAME_RULE = "must be 1-256 characters of A-Za-z0-9 . - _ (a custom event bus name has no '/')"
EVENT_BUS_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):events:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r":(?P<account>\d{12}):event-bus/(?P<name>[/.\-_A-Za-z0-9]{1,256})$"
)
EVENT_SOURCE = re.compile(r"^[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)*\.amazonaws\.com$")
EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,127}$")
MAX_RETRY_ATTEMPTS = 185
MAX_EVENT_AGE_SECONDS = 24 * 60 * 60
MAX_VISIBILITY_SECONDS = 12 * 60 * 60
DEFAULT_MAX_EVENT_AGE = Duration.hours(24)
DEFAULT_QUEUE_RETENTION = Duration.days(4)
DEFAULT_VISIBILITY_TIMEOUT = Duration.minutes(3)
DEFAULT_PRIORITY_AGE = Duration.minutes(5)
MAX_FUNCTION_RETRY_ATTEMPTS = 2
MAX_FUNCTION_EVENT_AGE_SECONDS = 6 * 60 * 60
DEFAULT_FUNCTION_EVENT_AGE = Duration.hours(6)
BUS_POLICY_MAX_BYTES = 10 * 1024
"""EventBridge's limit on an event bus policy (10 KB)."""

# Placeholders for what the template leaves to deploy time, at least as long as the real
# value: the longest partition name, a Region name longer than any, a 12-digit account.
_POLICY_PARTITION = "aws-us-gov"
_POLICY_REGION = "x" * 16
_POLICY_ACCOUNT = "0" * 12
_TOKEN_ORGANIZATION_ID = "o-" + "x" * 32
_TOKEN_BUS_NAME_LENGTH = 64

PriorityEvents = Mapping[str, Sequence[str] | None]
"""CloudTrail event source (``iam.amazonaws.com``) -> event names, or None for all."""

EventTarget = sqs.IQueue | lambda_.IFunction | GovernedFunction
"""What a :class:`CentralEventBus` route may deliver to."""


# --------------------------------------------------------------------------- patterns


class ForwardedEvents:
    """Event patterns (dicts in EventBridge's JSON syntax) for :class:`EventBusForwarder`.

    Filtering in the member account is what keeps the transport cheap: cross-account
    delivery is charged per event ($1 per million), so forward only what the central
    account processes.
    """

    @staticmethod
    def cloudtrail(calls: PriorityEvents | None = None) -> dict[str, Any]:
        """CloudTrail events (``detail-type`` "AWS API Call via CloudTrail").

        :param calls: event source -> event names to forward (None for every call of
            that source), e.g. ``{"iam.amazonaws.com": None, "ec2.amazonaws.com":
            SECURITY_GROUP_EVENT_NAMES}``; default None: every CloudTrail event that
            reaches the bus (management events, plus data events if a trail logs them).
        """
        return cloudtrail_pattern(calls)

    @staticmethod
    def security_changes() -> dict[str, Any]:
        """The CloudTrail events of :data:`DEFAULT_PRIORITY_EVENTS`: IAM calls and EC2
        security group changes (what :class:`CentralEventBus` routes as priority)."""
        return cloudtrail_pattern(DEFAULT_PRIORITY_EVENTS)


def _split(calls: PriorityEvents) -> tuple[list[str], dict[str, list[str]]]:
    """(sources with every call, {source: sorted event names})."""
    whole = sorted(source for source, names in calls.items() if names is None)
    named = {
        source: sorted(set(names)) for source, names in sorted(calls.items()) if names is not None
    }
    return whole, named


def _or(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def cloudtrail_pattern(calls: PriorityEvents | None) -> dict[str, Any]:
    """The pattern matching CloudTrail events of ``calls`` (all CloudTrail events for
    None): ``eventSource`` in the sources with every call, or ``eventSource`` = s and
    ``eventName`` in the names given for s."""
    pattern: dict[str, Any] = {"detail-type": [CLOUDTRAIL_DETAIL_TYPE]}
    if calls is None:
        return pattern
    whole, named = _split(calls)
    clauses: list[dict[str, Any]] = []
    if whole:
        clauses.append({"eventSource": whole})
    clauses.extend({"eventSource": [source], "eventName": names} for source, names in named.items())
    if clauses:
        pattern["detail"] = _or(clauses)
    return pattern


def complement_pattern(calls: PriorityEvents) -> dict[str, Any]:
    """The pattern matching every event :func:`cloudtrail_pattern` (``calls``) does not,
    as a linear ``$or`` (an event has exactly one ``eventSource``):

    * any event that is not a CloudTrail event;
    * a CloudTrail event of a source ``calls`` does not name;
    * a CloudTrail event of a source with listed names, with another name.

    Events without ``detail.eventSource``/``eventName`` (every CloudTrail record has
    both) match neither pattern."""
    whole, named = _split(calls)
    clauses: list[dict[str, Any]] = [
        {"detail-type": [{"anything-but": [CLOUDTRAIL_DETAIL_TYPE]}]},
        {
            "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
            "detail": {"eventSource": [{"anything-but": sorted([*whole, *named])}]},
        },
    ]
    clauses.extend(
        {
            "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
            "detail": {"eventSource": [source], "eventName": [{"anything-but": names}]},
        }
        for source, names in named.items()
    )
    return {"$or": clauses}


def check_priority_events(problems: Problems, prop: str, calls: object) -> PriorityEvents | None:
    """``calls`` if it is a valid source -> names mapping, else None (after problems)."""
    if not isinstance(calls, Mapping) or not calls:
        problems.add(
            prop,
            "must be a non-empty dict of CloudTrail event source -> event names (or None "
            "for every call of the source)",
            calls,
        )
        return None
    ok = True
    for source, names in calls.items():
        if not isinstance(source, str) or not (is_token(source) or EVENT_SOURCE.match(source)):
            problems.add(
                f"{prop} key",
                "must be a CloudTrail event source such as 'iam.amazonaws.com'",
                source,
            )
            ok = False
            continue
        if names is None:
            continue
        if isinstance(names, str) or not isinstance(names, Sequence) or not names:
            problems.add(
                f"{prop}[{source!r}]",
                "must be a non-empty list of event names, or None for every call",
                names,
            )
            ok = False
            continue
        bad = [n for n in names if not (isinstance(n, str) and EVENT_NAME.match(n))]
        if bad:
            problems.add(
                f"{prop}[{source!r}]",
                "must hold API call names such as 'CreateSecurityGroup'",
                bad,
            )
            ok = False
    return calls if ok else None


def _whole(value: object) -> TypeGuard[float]:
    """A whole number, or a number token (left to CloudFormation)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or is_token(value) or value.is_integer()


def _check_retry(problems: Problems, retry_attempts: int, max_event_age: Duration) -> None:
    if not _whole(retry_attempts):
        problems.add("retry_attempts", "must be a whole number", retry_attempts)
    else:
        check_range(problems, "retry_attempts", retry_attempts, 0, MAX_RETRY_ATTEMPTS)
    if not isinstance(max_event_age, Duration):
        problems.add("max_event_age", "must be an aws_cdk.Duration", max_event_age)
    else:
        check_range(
            problems, "max_event_age", seconds(max_event_age), 60, MAX_EVENT_AGE_SECONDS, "seconds"
        )


def _check_function_retry(
    problems: Problems, retry_attempts: object, max_event_age: object
) -> None:
    """Lambda's asynchronous invocation limits: 0-2 retries, 60 s - 6 h maximum age."""
    if not _whole(retry_attempts):
        problems.add("function_retry_attempts", "must be a whole number", retry_attempts)
    else:
        check_range(
            problems, "function_retry_attempts", retry_attempts, 0, MAX_FUNCTION_RETRY_ATTEMPTS
        )
    if not isinstance(max_event_age, Duration):
        problems.add("function_max_event_age", "must be an aws_cdk.Duration", max_event_age)
    else:
        check_range(
            problems,
            "function_max_event_age",
            seconds(max_event_age),
            60,
            MAX_FUNCTION_EVENT_AGE_SECONDS,
            "seconds",
        )


def bus_policy_bytes(
    organization_id: str | None, source_accounts: Sequence[str], bus_name_length: int
) -> int:
    """An upper estimate of the size of the bus policy :class:`CentralEventBus` writes:
    its statements as EventBridge stores them (compact JSON), with the partition, Region
    and account the template leaves to deploy time replaced by values at least as long,
    and tokens by the longest value they can stand for."""
    bus_arn = (
        f"arn:{_POLICY_PARTITION}:events:{_POLICY_REGION}:{_POLICY_ACCOUNT}"
        f":event-bus/{'x' * bus_name_length}"
    )
    statements: list[dict[str, Any]] = []
    if organization_id is not None:
        org = organization_id
        if not isinstance(org, str) or is_token(org):
            org = _TOKEN_ORGANIZATION_ID
        statements.append(
            {
                "Sid": "cdk-AllowPutEventsFromOrganization",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": bus_arn,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org}},
            }
        )
    for index, account in enumerate(source_accounts):
        if not isinstance(account, str) or is_token(account):
            account = _POLICY_ACCOUNT
        statements.append(
            {
                "Sid": f"cdk-AllowPutEventsFromAccount{index + 1}",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{_POLICY_PARTITION}:iam::{account}:root"},
                "Action": "events:PutEvents",
                "Resource": bus_arn,
            }
        )
    document = {"Version": "2012-10-17", "Statement": statements}
    return len(json.dumps(document, separators=(",", ":")).encode())


# --------------------------------------------------------------------------- central bus


@dataclass(frozen=True)
class CentralEventBusAlarms:
    """The alarms a :class:`CentralEventBus` creates; the queue alarms are None when the
    route delivers to a target you gave instead of a queue the construct created."""

    delivery_dlq_messages_visible: cloudwatch.Alarm
    priority_oldest_message_age: cloudwatch.Alarm | None
    priority_dlq_messages_visible: cloudwatch.Alarm | None
    standard_dlq_messages_visible: cloudwatch.Alarm | None

    def all(self) -> list[cloudwatch.Alarm]:
        return [
            alarm
            for alarm in (
                self.delivery_dlq_messages_visible,
                self.priority_oldest_message_age,
                self.priority_dlq_messages_visible,
                self.standard_dlq_messages_visible,
            )
            if alarm is not None
        ]


class CentralEventBus(Construct):
    """A custom event bus that member accounts forward events to, with priority routing.

    * The bus policy allows ``events:PutEvents`` only to principals of the organization
      (``Principal: "*"`` with ``StringEquals aws:PrincipalOrgID``) and/or to the listed
      accounts: never to the world.
    * The priority rule matches the CloudTrail events of ``priority_events`` (default:
      IAM calls and EC2 security group changes) and delivers them to the priority target;
      the standard rule matches every other event (the exact complement, see
      :func:`complement_pattern`) and delivers it to the standard target. An event goes
      to exactly one of them.
    * Targets default to encrypted (SSE-SQS), TLS-only SQS buffer queues, each with its
      own dead-letter queue for consumer failures; every rule target has a retry policy
      and the shared delivery dead-letter queue (``dead_letter_queue``) for events
      EventBridge could not deliver.
    * A Lambda target is invoked asynchronously: its invoked qualifier (a
      ``GovernedFunction``'s ``live`` alias) gets an asynchronous invoke configuration
      with ``dead_letter_queue`` as on-failure destination, so events the function
      fails on are kept too (``async_invoke_configs``).

    Attributes: ``event_bus``, ``event_bus_arn``, ``event_bus_name``, ``priority_rule``,
    ``standard_rule``, ``rules``, ``priority_queue`` / ``standard_queue`` (None when a
    target was given), ``dead_letter_queue``, ``priority_pattern``, ``standard_pattern``,
    ``policy_statements``, ``async_invoke_configs`` (the ``EventInvokeConfig`` of each
    function target), ``alarms`` (:class:`CentralEventBusAlarms`).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        organization_id: str | None = None,
        source_accounts: Sequence[str] = (),
        event_bus_name: str | None = None,
        priority_events: PriorityEvents = DEFAULT_PRIORITY_EVENTS,
        priority_target: EventTarget | None = None,
        standard_target: EventTarget | None = None,
        retry_attempts: int = MAX_RETRY_ATTEMPTS,
        max_event_age: Duration | None = None,
        function_retry_attempts: int = MAX_FUNCTION_RETRY_ATTEMPTS,
        function_max_event_age: Duration | None = None,
        max_receive_count: int = 5,
        queue_retention: Duration | None = None,
        visibility_timeout: Duration | None = None,
        priority_age_threshold: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """
        :param organization_id: AWS Organizations id (``o-`` + 10-32 lowercase letters or
            digits) whose principals may put events on the bus; default none. At least
            one of ``organization_id`` and ``source_accounts`` is required.
        :param source_accounts: 12-digit account ids that may put events on the bus
            (each its own policy statement); default none. The bus policy is limited to
            10 KB: about 40 accounts (fewer with a long bus name); admit an organization
            with ``organization_id`` instead of listing its accounts.
        :param event_bus_name: the bus name (1-256 of ``A-Za-z0-9._-``, not ``default``;
            ``/`` is for partner event buses only); default generated from the construct
            path. Set it when member stacks build the bus ARN themselves.
        :param priority_events: CloudTrail event source -> event names (None: every call
            of the source) routed as priority; default :data:`DEFAULT_PRIORITY_EVENTS`
            (every IAM call; EC2 security group create/delete/authorize/revoke/modify).
        :param priority_target: where priority events go: an ``sqs.IQueue`` (standard,
            not FIFO), a Lambda ``IFunction``, or a ``GovernedFunction`` (its ``live``
            alias is invoked); default a new encrypted buffer queue
            (``priority_queue``). The qualifier a function target's rule invokes (an
            alias, a version, ``$LATEST``) gets ``dead_letter_queue`` as on-failure
            destination, unless the app configured that qualifier itself; a function
            imported without its execution role gets a warning instead.
        :param standard_target: where every other event goes, same choices; default a
            new encrypted buffer queue (``standard_queue``).
        :param retry_attempts: delivery retries of both rule targets, 0-185; default 185.
        :param max_event_age: how long EventBridge keeps retrying a delivery, 60 s - 24 h;
            default 24 hours.
        :param function_retry_attempts: how often Lambda retries an event a function
            target failed on (asynchronous invocation), 0-2; default 2.
        :param function_max_event_age: how long Lambda keeps an event of a function
            target for processing (asynchronous invocation), 60 s - 6 h; default 6 hours.
        :param max_receive_count: receives of a buffered event before it moves to the
            buffer queue's dead-letter queue, 1-1,000; default 5.
        :param queue_retention: retention of the buffer queues, 60 s to less than the
            14 days of their dead-letter queues; default 4 days.
        :param visibility_timeout: of the buffer queues, 0 s - 12 h; default 3 minutes
            (6 x the 30 s timeout of a default ``GovernedFunction`` consumer).
        :param priority_age_threshold: alarm when the oldest event in the priority queue
            is this old, 60 s - 14 days; default 5 minutes.
        :param alarm_topic: SNS topic notified by every alarm; default none.
        :param removal_policy: of the queues; default the CDK's (delete).
        """
        super().__init__(scope, id)
        problems = Problems("CentralEventBus", self.node.path)
        max_event_age = max_event_age or DEFAULT_MAX_EVENT_AGE
        queue_retention = queue_retention or DEFAULT_QUEUE_RETENTION
        visibility_timeout = visibility_timeout or DEFAULT_VISIBILITY_TIMEOUT
        priority_age_threshold = priority_age_threshold or DEFAULT_PRIORITY_AGE
        function_max_event_age = function_max_event_age or DEFAULT_FUNCTION_EVENT_AGE
        source_accounts = self._check_principals(problems, organization_id, source_accounts)
        if event_bus_name is not None and not is_token(event_bus_name):
            if not isinstance(event_bus_name, str) or not CUSTOM_BUS_NAME.match(event_bus_name):
                problems.add("event_bus_name", BUS_NAME_RULE, event_bus_name)
            elif event_bus_name == "default":
                problems.add(
                    "event_bus_name",
                    "must not be 'default' (every account already has that bus)",
                    event_bus_name,
                )
        calls = check_priority_events(problems, "priority_events", priority_events)
        for prop, target in (
            ("priority_target", priority_target),
            ("standard_target", standard_target),
        ):
            _check_target(problems, prop, target)
        _check_retry(problems, retry_attempts, max_event_age)
        _check_function_retry(problems, function_retry_attempts, function_max_event_age)
        self._check_policy_size(problems, organization_id, source_accounts, event_bus_name)
        check_range(problems, "max_receive_count", max_receive_count, 1, 1000)
        retention_s = seconds(queue_retention)
        if retention_s is not None and not 60 <= retention_s < DLQ_RETENTION.to_seconds():
            problems.add(
                "queue_retention",
                f"must be at least 60 seconds and shorter than the dead-letter queues' "
                f"{DLQ_RETENTION.to_seconds():.0f} seconds (a dead-lettered message keeps "
                "its original enqueue time)",
                f"{retention_s:.0f} seconds",
            )
        check_range(
            problems,
            "visibility_timeout",
            seconds(visibility_timeout),
            0,
            MAX_VISIBILITY_SECONDS,
            "seconds",
        )
        check_range(
            problems,
            "priority_age_threshold",
            seconds(priority_age_threshold),
            60,
            14 * 86400,
            "seconds",
        )
        self.priority_pattern: dict[str, Any] = {}
        self.standard_pattern: dict[str, Any] = {}
        if calls is not None:
            self.priority_pattern = cloudtrail_pattern(calls)
            self.standard_pattern = complement_pattern(calls)
            check_event_pattern(
                problems, "priority_events (priority rule pattern)", self.priority_pattern, self
            )
            check_event_pattern(
                problems, "priority_events (standard rule pattern)", self.standard_pattern, self
            )
        problems.raise_if_any()

        self.organization_id = organization_id
        self.source_accounts: tuple[str, ...] = tuple(source_accounts)
        self.event_bus = events.EventBus(
            self,
            "Bus",
            event_bus_name=event_bus_name,
            description="paved-road central event bus: events forwarded by member accounts",
        )
        self.event_bus_arn = self.event_bus.event_bus_arn
        self.event_bus_name = self.event_bus.event_bus_name
        self.policy_statements = self._allow_senders(organization_id, self.source_accounts)

        # Events EventBridge could not deliver to either target (retries exhausted, missing
        # permissions, deleted target): one queue, RULE_ARN/TARGET_ARN tell them apart.
        # EventBridge invokes a function asynchronously: without an on-failure destination
        # Lambda drops the events it failed on after its own retries
        async_targets = self._async_targets(
            {"priority_target": priority_target, "standard_target": standard_target}
        )
        function_targets = bool(async_targets)
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeliveryDeadLetterQueue",
            reason="This queue is the dead-letter queue of the central bus's rule targets "
            "(events EventBridge could not deliver)"
            + (
                " and the on-failure destination of its function targets (events they failed on)."
                if function_targets
                else "."
            ),
            max_message_size_bytes=ONE_MIB,
            removal_policy=removal_policy,
        )
        queue_kwargs: dict[str, Any] = {
            "max_receive_count": max_receive_count,
            "retention": queue_retention,
            "visibility_timeout": visibility_timeout,
            "removal_policy": removal_policy,
        }
        self.priority_queue: sqs.Queue | None = None
        self.standard_queue: sqs.Queue | None = None
        if priority_target is None:
            self.priority_queue = self._buffer("Priority", **queue_kwargs)
        if standard_target is None:
            self.standard_queue = self._buffer("Standard", **queue_kwargs)

        self.priority_rule = events.Rule(
            self,
            "PriorityRule",
            event_bus=self.event_bus,
            event_pattern=placeholder_pattern(),
            description="Security-relevant events (priority_events) -> priority target",
            targets=[
                self._target(priority_target or self.priority_queue, retry_attempts, max_event_age)
            ],
        )
        set_pattern(self.priority_rule, self.priority_pattern)
        self.standard_rule = events.Rule(
            self,
            "StandardRule",
            event_bus=self.event_bus,
            event_pattern=placeholder_pattern(),
            description="Every event the priority rule does not match -> standard target",
            targets=[
                self._target(standard_target or self.standard_queue, retry_attempts, max_event_age)
            ],
        )
        set_pattern(self.standard_rule, self.standard_pattern)
        self.rules: list[events.Rule] = [self.priority_rule, self.standard_rule]

        self.async_invoke_configs: list[lambda_.EventInvokeConfig] = []
        rules = {"priority_target": self.priority_rule, "standard_target": self.standard_rule}
        for prop, invoked in async_targets.items():
            config = configure_async_failure(
                rules[prop],
                problems,
                invoked,
                None,
                self.dead_letter_queue,
                function_max_event_age,
                function_retry_attempts,
                target_prop=prop,
                settings_prop="function_max_event_age/function_retry_attempts",
            )
            if config is not None:
                self.async_invoke_configs.append(config)
        problems.raise_if_any()

        self.alarms = self._create_alarms(priority_age_threshold, function_targets)
        if alarm_topic is not None:
            action = cw_actions.SnsAction(alarm_topic)
            for alarm in self.alarms.all():
                alarm.add_alarm_action(action)

    @staticmethod
    def arn(
        account: str,
        event_bus_name: str,
        *,
        region: str | None = None,
        partition: str | None = None,
    ) -> str:
        """The ARN of a central bus named ``event_bus_name`` in ``account``, for member
        stacks (no lookup): ``region`` and ``partition`` default to the deploying stack's
        (``AWS::Region``, ``AWS::Partition``), i.e. a central bus in the same Region.
        Raises :class:`PavedRoadError` for a malformed account id or name."""
        problems = Problems("CentralEventBus", "arn()")
        if account is None or not matches_or_token(account, ACCOUNT_ID):
            problems.add("account", "must be a 12-digit account id", account)
        if event_bus_name is None or not matches_or_token(event_bus_name, CUSTOM_BUS_NAME):
            problems.add("event_bus_name", BUS_NAME_RULE, event_bus_name)
        problems.raise_if_any()
        return (
            f"arn:{partition or Aws.PARTITION}:events:{region or Aws.REGION}:{account}"
            f":event-bus/{event_bus_name}"
        )

    # ------------------------------------------------------------------ helpers
    def _check_policy_size(
        self,
        problems: Problems,
        organization_id: str | None,
        source_accounts: Sequence[str],
        event_bus_name: str | None,
    ) -> None:
        """The statements this construct writes must fit the 10 KB bus policy."""
        if not source_accounts:
            return
        if event_bus_name is None:
            # the generated name: the bus's unique id, <this construct's unique id>Bus...
            name_length = min(len(Names.unique_id(self)) + len("Bus"), 256)
        elif isinstance(event_bus_name, str) and not is_token(event_bus_name):
            name_length = len(event_bus_name)
        else:
            name_length = _TOKEN_BUS_NAME_LENGTH
        size = bus_policy_bytes(organization_id, source_accounts, name_length)
        if size <= BUS_POLICY_MAX_BYTES:
            return
        fitting = 0
        while (
            fitting < len(source_accounts)
            and bus_policy_bytes(organization_id, source_accounts[: fitting + 1], name_length)
            <= BUS_POLICY_MAX_BYTES
        ):
            fitting += 1
        problems.add(
            "source_accounts",
            f"must fit the event bus policy, which EventBridge limits to 10 KB "
            f"({BUS_POLICY_MAX_BYTES} bytes): one statement per account makes it about "
            f"{size} bytes; list at most {fitting} accounts with this bus name, or admit "
            "their organization with organization_id (a single statement)",
            f"{len(source_accounts)} accounts",
        )

    def _async_targets(
        self, given: Mapping[str, EventTarget | None]
    ) -> dict[str, lambda_.IFunction]:
        """prop -> what its rule invokes, for the function targets whose asynchronous
        invoke configuration this construct sets. Skipped: queues; a qualifier the app
        configured itself (``configure_async_invoke``, ``on_failure=``: kept, and
        PavedRoad-LambdaAsyncOnFailureDestination checks it has a destination); a function
        imported without its execution role (a warning: Lambda needs the role to send
        to the queue)."""
        planned: dict[str, lambda_.IFunction] = {}
        for prop, target in given.items():
            if target is None or _is_queue(target):
                continue
            invoked = (
                target.invoke_target
                if isinstance(target, GovernedFunction)
                else cast(lambda_.IFunction, target)
            )
            function, qualifier = invoked_qualifier(invoked)
            owner = function if qualifier == "$LATEST" else invoked
            if owner.node.try_find_child("EventInvokeConfig") is not None:
                continue
            if function.role is None:
                Annotations.of(self).add_warning_v2(
                    "paved-road:CentralEventBus:noOnFailureDestination",
                    f"{prop} {_path(target)} is invoked asynchronously, but was imported "
                    "without its execution role, which Lambda needs to send failed events to "
                    "the dead-letter queue: import it with Function.from_function_attributes("
                    "..., role=...), or give the qualifier it invokes an on-failure "
                    "destination yourself; otherwise the events it fails on are dropped after "
                    "Lambda's retries.",
                )
                continue
            planned[prop] = invoked
        return planned

    @staticmethod
    def _check_principals(
        problems: Problems, organization_id: str | None, source_accounts: Sequence[str]
    ) -> Sequence[str]:
        given_wrongly = isinstance(source_accounts, str)
        if given_wrongly:
            problems.add(
                "source_accounts", "must be a list of account ids, not a string", source_accounts
            )
            source_accounts = ()
        elif not isinstance(source_accounts, Sequence):
            problems.add(
                "source_accounts", "must be a list of account ids", type(source_accounts).__name__
            )
            given_wrongly = True  # given, if wrongly: "neither" would be misleading
            source_accounts = ()
        if organization_id is None and not source_accounts and not given_wrongly:
            problems.add(
                "organization_id/source_accounts",
                "at least one is required: the bus policy never admits everyone",
                "neither",
            )
        if not matches_or_token(organization_id, ORGANIZATION_ID):
            problems.add(
                "organization_id",
                "must be an AWS Organizations id: 'o-' and 10-32 lowercase letters or digits",
                organization_id,
            )
        for index, account in enumerate(source_accounts):
            if account is None or not matches_or_token(account, ACCOUNT_ID):
                problems.add(f"source_accounts[{index}]", "must be a 12-digit account id", account)
        if len(set(source_accounts)) != len(source_accounts):
            problems.add("source_accounts", "must not repeat an account id", list(source_accounts))
        return source_accounts

    def _allow_senders(
        self, organization_id: str | None, accounts: Sequence[str]
    ) -> list[iam.PolicyStatement]:
        statements = []
        if organization_id is not None:
            statements.append(
                iam.PolicyStatement(
                    sid="AllowPutEventsFromOrganization",
                    principals=[iam.StarPrincipal()],
                    actions=["events:PutEvents"],
                    resources=[self.event_bus.event_bus_arn],
                    conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
                )
            )
        for index, account in enumerate(accounts):
            statements.append(
                iam.PolicyStatement(
                    sid=f"AllowPutEventsFromAccount{index + 1}",
                    principals=[iam.AccountPrincipal(account)],
                    actions=["events:PutEvents"],
                    resources=[self.event_bus.event_bus_arn],
                )
            )
        for statement in statements:
            self.event_bus.add_to_resource_policy(statement)
        return statements

    def _buffer(
        self,
        name: str,
        *,
        max_receive_count: int,
        retention: Duration,
        visibility_timeout: Duration,
        removal_policy: RemovalPolicy | None,
    ) -> sqs.Queue:
        dlq = dead_letter_queue(
            self,
            f"{name}DeadLetterQueue",
            reason=f"This queue is the dead-letter queue of the {name.lower()} buffer queue "
            "(events its consumer failed on).",
            max_message_size_bytes=ONE_MIB,
            removal_policy=removal_policy,
        )
        return sqs.Queue(
            self,
            f"{name}Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=retention,
            visibility_timeout=visibility_timeout,
            max_message_size_bytes=ONE_MIB,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=max_receive_count),
            removal_policy=removal_policy,
        )

    def _target(
        self, target: EventTarget | None, retry_attempts: int, max_event_age: Duration
    ) -> events.IRuleTarget:
        kwargs: dict[str, Any] = {
            "dead_letter_queue": self.dead_letter_queue,
            "retry_attempts": retry_attempts,
            "max_event_age": max_event_age,
        }
        if isinstance(target, GovernedFunction):
            return targets.LambdaFunction(target.invoke_target, **kwargs)
        if _is_queue(target):
            return targets.SqsQueue(target, **kwargs)  # type: ignore[arg-type]
        return targets.LambdaFunction(target, **kwargs)  # type: ignore[arg-type]

    def _create_alarms(
        self, priority_age: Duration, function_targets: bool
    ) -> CentralEventBusAlarms:
        priority_dlq = standard_dlq = priority_age_alarm = None
        if self.priority_queue is not None:
            priority_age_alarm = threshold_alarm(
                self,
                "PriorityOldestMessageAgeAlarm",
                description=f"oldest priority event older than {priority_age.to_human_string()}",
                metric=self.priority_queue.metric_approximate_age_of_oldest_message(
                    period=Duration.minutes(1), statistic="Maximum"
                ),
                threshold=priority_age.to_seconds(),
                evaluation_periods=3,
            )
            priority_dlq = messages_visible_alarm(
                self,
                "PriorityDlqMessagesVisibleAlarm",
                self.priority_queue.dead_letter_queue.queue,  # type: ignore[union-attr]
                description="priority events their consumer failed on "
                "(redrive with `paved-road redrive`)",
            )
        if self.standard_queue is not None:
            standard_dlq = messages_visible_alarm(
                self,
                "StandardDlqMessagesVisibleAlarm",
                self.standard_queue.dead_letter_queue.queue,  # type: ignore[union-attr]
                description="standard events their consumer failed on "
                "(redrive with `paved-road redrive`)",
            )
        return CentralEventBusAlarms(
            delivery_dlq_messages_visible=messages_visible_alarm(
                self,
                "DeliveryDlqMessagesVisibleAlarm",
                self.dead_letter_queue,
                description="events the central bus could not deliver to a target (message "
                "attributes RULE_ARN, TARGET_ARN and ERROR_CODE say which and why)"
                + (
                    " or its function targets failed on (Lambda invocation records)"
                    if function_targets
                    else ""
                ),
            ),
            priority_oldest_message_age=priority_age_alarm,
            priority_dlq_messages_visible=priority_dlq,
            standard_dlq_messages_visible=standard_dlq,
        )


def _is_queue(target: object) -> bool:
    return hasattr(target, "queue_arn") and hasattr(target, "queue_url")


def _is_function(target: object) -> bool:
    return isinstance(target, GovernedFunction) or hasattr(target, "function_arn")


def _path(target: object) -> str:
    node = getattr(target, "node", None)
    return str(node.path) if node is not None else repr(target)


def _check_target(problems: Problems, prop: str, target: object) -> None:
    if target is None:
        return
    if _is_queue(target):
        if getattr(target, "fifo", False):
            problems.add(
                prop,
                "must be a standard queue: EventBridge delivers in no particular order and a "
                "FIFO target needs a message group id",
                _path(target),
            )
        return
    if not _is_function(target):
        problems.add(
            prop,
            "must be an sqs.IQueue, a Lambda IFunction or a GovernedFunction",
            type(target).__name__,
        )
        return
    if getattr(target, "_tenant_isolation_mode", None):
        problems.add(
            prop,
            "must not be a tenant-isolated function: EventBridge invokes it without the "
            "tenant id (X-Amz-Tenant-Id) tenant isolation mode requires on every invoke",
            _path(target),
        )
        return
    invocation = target.invocation if isinstance(target, GovernedFunction) else None
    if invocation in (Invocation.SYNCHRONOUS, Invocation.EVENT_SOURCE_MAPPING):
        problems.add(
            prop,
            "must be declared Invocation.ASYNCHRONOUS (or leave invocation out): EventBridge "
            f"invokes it asynchronously, but it is declared {invocation.name} (its "
            "Serverless-LambdaDLQ acknowledgment would be wrong)",
            _path(target),
        )


# --------------------------------------------------------------------------- forwarder


@dataclass(frozen=True)
class EventBusForwarderAlarms:
    """The alarm an :class:`EventBusForwarder` creates."""

    dlq_messages_visible: cloudwatch.Alarm

    def all(self) -> list[cloudwatch.Alarm]:
        return [self.dlq_messages_visible]


class EventBusForwarder(Construct):
    """In a member account: a rule that forwards chosen events to a central event bus.

    * The rule sits on the account's default bus (where AWS services, CloudTrail
      included, put their events) or on ``event_bus``.
    * Its target is the central bus ARN, with a role of its own that EventBridge assumes
      and that may only ``events:PutEvents`` on that one bus.
    * Events that cannot be delivered (the central bus policy refuses them, the bus is
      gone, throttling past EventBridge's retries) go to an encrypted, TLS-only
      dead-letter queue in this account, with an alarm.

    Attributes: ``rule``, ``role``, ``dead_letter_queue``, ``central_bus`` (the imported
    ``IEventBus``), ``event_pattern`` (the dict written to the rule), ``alarms``
    (:class:`EventBusForwarderAlarms`).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        central_bus_arn: str,
        event_pattern: events.EventPattern | Mapping[str, Any] | None = None,
        event_bus: events.IEventBus | None = None,
        include_read_only_management_events: bool = False,
        allow_cross_region: bool = False,
        alarm_topic: sns.ITopic | None = None,
        removal_policy: RemovalPolicy | None = None,
    ) -> None:
        """
        :param central_bus_arn: ARN of the central bus,
            ``arn:<partition>:events:<region>:<account>:event-bus/<name>`` (a token is not
            validated).
        :param event_pattern: the events to forward, an ``events.EventPattern`` or a dict
            in EventBridge's JSON syntax (``$or`` allowed); see :class:`ForwardedEvents`.
            Default ``ForwardedEvents.security_changes()``: IAM calls and EC2 security
            group changes, the narrowest useful set (cross-account events are billed).
        :param event_bus: the bus the rule listens on; default the account's default bus.
        :param include_read_only_management_events: match read-only CloudTrail management
            events too (rule state ``ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS``);
            default False (they are high volume, e.g. IAM ``GetRole``).
        :param allow_cross_region: allow a central bus in another Region than this stack
            (when both are known); default False: collect regionally. Set it, e.g., to send
            us-east-1's global-service events (IAM) to a central bus elsewhere.
        :param alarm_topic: SNS topic notified by the dead-letter queue alarm; default
            none.
        :param removal_policy: of the dead-letter queue; default the CDK's (delete).
        """
        super().__init__(scope, id)
        problems = Problems("EventBusForwarder", self.node.path)
        stack = Stack.of(self)
        if not isinstance(central_bus_arn, str):
            problems.add("central_bus_arn", "must be an event bus ARN string", central_bus_arn)
        elif not is_token(central_bus_arn):
            match = EVENT_BUS_ARN.match(central_bus_arn)
            if match is None:
                problems.add(
                    "central_bus_arn",
                    "must be an event bus ARN: "
                    "arn:<partition>:events:<region>:<12-digit account>:event-bus/<name>",
                    central_bus_arn,
                )
            else:
                self._check_destination(problems, stack, match, event_bus, allow_cross_region)
        pattern: dict[str, Any] = {}
        if event_pattern is None:
            pattern = ForwardedEvents.security_changes()
        elif isinstance(event_pattern, events.EventPattern | Mapping):
            pattern = pattern_as_dict(event_pattern)
            check_event_pattern(problems, "event_pattern", pattern, self)
        else:
            problems.add(
                "event_pattern",
                "must be an events.EventPattern or a dict in EventBridge pattern syntax",
                type(event_pattern).__name__,
            )
        problems.raise_if_any()

        self.event_pattern: dict[str, Any] = pattern
        self.central_bus = events.EventBus.from_event_bus_arn(self, "CentralBus", central_bus_arn)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("events.amazonaws.com"),
            description="EventBridge forwards events to the central bus (PutEvents on it only)",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["events:PutEvents"], resources=[central_bus_arn])
        )
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeadLetterQueue",
            reason="This queue is the dead-letter queue of the forwarding rule's target (events "
            "that could not be delivered to the central bus).",
            max_message_size_bytes=ONE_MIB,
            removal_policy=removal_policy,
        )
        self.rule = events.Rule(
            self,
            "Rule",
            event_bus=event_bus,
            event_pattern=placeholder_pattern(),
            description="Forward events to the central event bus",
            targets=[
                targets.EventBus(
                    self.central_bus, role=self.role, dead_letter_queue=self.dead_letter_queue
                )
            ],
        )
        set_pattern(self.rule, pattern)
        if include_read_only_management_events:
            cfn = self.rule.node.default_child
            assert isinstance(cfn, events.CfnRule)
            cfn.add_property_override("State", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")

        self.alarms = EventBusForwarderAlarms(
            dlq_messages_visible=messages_visible_alarm(
                self,
                "DlqMessagesVisibleAlarm",
                self.dead_letter_queue,
                description="events that could not be forwarded to the central bus (message "
                "attribute ERROR_CODE says why, e.g. CROSS_ACCOUNT_INGESTION_FAILED)",
            )
        )
        if alarm_topic is not None:
            self.alarms.dlq_messages_visible.add_alarm_action(cw_actions.SnsAction(alarm_topic))

    @staticmethod
    def _check_destination(
        problems: Problems,
        stack: Stack,
        match: re.Match[str],
        event_bus: events.IEventBus | None,
        allow_cross_region: bool,
    ) -> None:
        region, account, name = match["region"], match["account"], match["name"]
        stack_region = stack.region
        if not allow_cross_region and not is_token(stack_region) and region != stack_region:
            problems.add(
                "central_bus_arn",
                f"must be in this stack's Region ({stack_region}): collect regionally, or "
                "set allow_cross_region=True (e.g. to send us-east-1's IAM events to a "
                "central bus elsewhere; the destination Region must support cross-Region "
                "delivery)",
                f"{match.string} (Region {region})",
            )
        source_name = "default" if event_bus is None else event_bus.event_bus_name
        if (
            not is_token(stack.account)
            and account == stack.account
            and region == stack_region
            and not is_token(source_name)
            and name == source_name
        ):
            problems.add(
                "central_bus_arn",
                "must not be the bus the rule listens on (it would forward every event to itself)",
                match.string,
            )

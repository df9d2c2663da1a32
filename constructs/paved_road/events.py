"""EventConsumer: EventBridge rule -> Lambda directly, with a centralized dead-letter queue.

No SQS queue sits between the rule and the function, so an idle consumer costs nothing
(ProGlove, "Lessons learned from scaling to 1 million Lambda functions": polling a queue
per consumer, and a DLQ per consumer, kept "idle" accounts from scaling to zero). What a
queue would have protected is covered instead by:

* the rule target's retry policy and dead-letter queue (events EventBridge could not
  deliver: throttling past the retry window, missing permissions, deleted function);
* the function's asynchronous invoke configuration (maximum event age, retries) with an
  on-failure destination (events the function failed on, or that expired in Lambda's
  internal queue);
* both pointing at one :class:`CentralDeadLetterQueue`: created per stack by default, or
  given by ARN, another account's queue included;
* alarms on ``AsyncEventsDropped`` (events dropped without reaching a destination),
  ``DeadLetterErrors`` (+ ``DestinationDeliveryFailures``: a failed event could not be
  stored), EventBridge's ``InvocationsFailedToBeSentToDlq``, function errors, and the
  account's ``ConcurrentExecutions`` near its quota (throttled async events wait in
  Lambda's queue and age out).

Service limits used in validation (AWS documentation: "Retry policies" for EventBridge
targets, "Configuring error handling for asynchronous invocation" for Lambda, PutRule):

* EventBridge target retries 0-185, maximum event age 60 s - 24 h; the DLQ must be a
  standard SQS queue in the rule's Region (it may be in another account);
* Lambda asynchronous retries 0-2, maximum event age 60 s - 6 h; SQS destinations must
  be standard queues;
* rule names 1-64 characters ``[.-_A-Za-z0-9]``, event patterns at most 4,096 characters.

Attribution: Lambda's on-failure record carries the function ARN (account, Region,
function, qualifier) and the original event (its ``account`` is the emitting account);
EventBridge DLQ messages carry ``RULE_ARN``/``TARGET_ARN`` attributes. With
``attribution=True`` (default) the rule's input transformer re-emits the event unchanged
plus ``"paved-road": {"rule": "<rule ARN>"}``, so Lambda's record names the rule too.
``paved-road redrive --reinvoke`` groups and re-delivers by account, function and rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_cdk import (
    Acknowledgment,
    Aws,
    CfnOutput,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road._alarms import threshold_alarm
from paved_road._boundary import checked_props
from paved_road._patterns import (
    EVENT_FIELDS,
    check_event_pattern,
    pattern_as_dict,
    placeholder_pattern,
    set_pattern,
)
from paved_road._queues import dead_letter_queue, messages_visible_alarm
from paved_road._validate import (
    ACCOUNT_ID,
    ONE_MIB,
    ORGANIZATION_ID,
    Shown,
    check_description,
    check_range,
    check_types,
    is_token,
    matches_or_token,
    seconds,
)
from paved_road.errors import Problems
from paved_road.function import (
    GovernedFunction,
    GovernedFunctionProps,
    Invocation,
    mapping_consumer_function,
)

QUEUE_ARN = re.compile(
    r"^arn:aws[a-z-]*:sqs:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+):(?P<account>\d{12})"
    r":(?P<name>[A-Za-z0-9_-]{1,80}(?:\.fifo)?)$"
)
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")
ATTRIBUTION_KEY = "paved-road"
"""Top-level key the attribution transformer adds to each event: ``{"rule": <ARN>}``."""
SHARED_DLQ_ID = "PavedRoadDeadLetters"
ACCOUNT_CONCURRENCY_ID = "PavedRoadAccountConcurrencyAlarm"
DEFAULT_CONCURRENCY_QUOTA = 1000
"""Lambda's default concurrent executions quota per account and Region."""
SQS_POLICY_MAX_PRINCIPALS = 50
"""The most principals an SQS queue policy may name (Amazon SQS policy quotas)."""


_TOKEN = Shown("a token")

# --------------------------------------------------------------------------- central DLQ


@dataclass(frozen=True)
class DeadLetterAlarms:
    """The alarms of a :class:`CentralDeadLetterQueue`."""

    messages_visible: cloudwatch.Alarm
    oldest_message_age: cloudwatch.Alarm

    def all(self) -> list[cloudwatch.Alarm]:
        return [self.messages_visible, self.oldest_message_age]


class CentralDeadLetterQueue(Construct):
    """One encrypted SQS queue that collects failed asynchronous events for many
    functions and accounts: Lambda on-failure destinations, EventBridge rule-target DLQs
    and EventBridge Scheduler DLQs all send here.

    The queue policy lets in only the listed accounts and/or the organization (never
    ``*`` without a condition, which ``PavedRoad-SqsQueuePolicyOpen`` rejects) and denies
    non-TLS access. Encryption is SQS-managed (SSE-SQS): senders in other accounts and
    EventBridge need no KMS key policy (a customer managed key would need one per sender).

    Attributes: ``queue``, ``queue_arn``, ``queue_url``, ``alarms``
    (:class:`DeadLetterAlarms`), ``organization_id``, ``accounts``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        organization_id: str | None = None,
        accounts: Sequence[str] = (),
        queue_name: str | None = None,
        retention_period: Duration | None = None,
        expiry_warning: Duration | None = None,
        alarm_threshold: int = 1,
        alarm_topic: sns.ITopic | None = None,
        removal_policy: RemovalPolicy | None = None,
        redrive_output: bool = True,
    ) -> None:
        """
        :param organization_id: AWS Organizations id (``o-...``) whose accounts may send
            failed events here; default none.
        :param accounts: other account ids (12 digits) that may send here; default none.
            The queue's own account always may (through IAM). At most 48 (46 with
            ``organization_id``): an SQS queue policy names at most 50 principals.
        :param queue_name: physical name; default generated.
        :param retention_period: how long failed events are kept, 60 s - 14 days;
            default 14 days (the maximum: time to notice, fix and redrive).
        :param expiry_warning: alarm when the oldest message is this old (before it
            expires); default three quarters of the retention period.
        :param alarm_threshold: alarm when this many messages are visible; default 1.
        :param alarm_topic: SNS topic notified by both alarms; default none.
        :param removal_policy: of the queue; default CDK's (retain).
        :param redrive_output: add a stack output with the redrive command; default True.
        """
        super().__init__(scope, id)
        problems = Problems("CentralDeadLetterQueue", self.node.path)
        if not matches_or_token(organization_id, ORGANIZATION_ID):
            problems.add(
                "organization_id",
                "must be an AWS Organizations id: 'o-' and 10-32 lowercase letters or digits",
                organization_id,
            )
        if isinstance(accounts, str) or not isinstance(accounts, Sequence):
            problems.add("accounts", "must be a list of account ids", accounts)
            accounts = ()
        for index, account in enumerate(accounts):
            if account is None or not matches_or_token(account, ACCOUNT_ID):
                problems.add(f"accounts[{index}]", "must be a 12-digit account id", account)
        # the TLS deny and the rule DLQ statements, and the organization's two statements
        others = 2 + (2 if organization_id is not None else 0)
        if len(accounts) > SQS_POLICY_MAX_PRINCIPALS - others:
            problems.add(
                "accounts",
                f"must list at most {SQS_POLICY_MAX_PRINCIPALS - others} accounts: an SQS "
                f"queue policy names at most {SQS_POLICY_MAX_PRINCIPALS} principals and the "
                f"queue's other statements name {others}; admit their organization with "
                "organization_id instead",
                f"{len(accounts)} accounts",
            )
        if not matches_or_token(queue_name, QUEUE_NAME):
            problems.add(
                "queue_name",
                "must be 1-80 letters, digits, hyphens or underscores (a standard queue: "
                "EventBridge, Scheduler and Lambda destinations do not support FIFO)",
                queue_name,
            )
        check_types(
            problems,
            durations={"retention_period": retention_period, "expiry_warning": expiry_warning},
            integers={"alarm_threshold": alarm_threshold},
            booleans={"redrive_output": redrive_output},
            resources={"alarm_topic": (alarm_topic, "topic_arn", "an sns.ITopic")},
        )
        if removal_policy is not None and not isinstance(removal_policy, RemovalPolicy):
            problems.add("removal_policy", "must be an aws_cdk.RemovalPolicy", removal_policy)
        problems.raise_if_any()
        retention = retention_period or Duration.days(14)
        retention_s = seconds(retention)
        check_range(problems, "retention_period", retention_s, 60, 14 * 86400, "seconds")
        warning_s = seconds(expiry_warning)
        if retention_s is not None and warning_s is not None and not 60 <= warning_s < retention_s:
            problems.add(
                "expiry_warning",
                f"must be at least 60 seconds and shorter than retention_period "
                f"({retention_s:.0f} seconds)",
                f"{warning_s:.0f} seconds",
            )
        check_range(problems, "alarm_threshold", alarm_threshold, 1, 1_000_000)
        problems.raise_if_any()

        self.organization_id = organization_id
        self.accounts: tuple[str, ...] = tuple(accounts)
        self.queue = dead_letter_queue(
            self,
            "Queue",
            reason="This queue is the central dead-letter queue of asynchronous invocations "
            "(Lambda on-failure destinations, EventBridge target and Scheduler DLQs); its "
            "messages are redriven by `paved-road redrive --reinvoke`.",
            retention_period=retention,
            max_message_size_bytes=ONE_MIB,
            queue_name=queue_name,
            removal_policy=removal_policy,
        )
        self.queue_arn = self.queue.queue_arn
        self.queue_url = self.queue.queue_url
        self._allow_senders()
        # whole seconds: a fraction (3,601 s x 0.75) would fail in Duration.to_seconds()
        warning = expiry_warning or Duration.seconds(int((retention_s or 14 * 86400) * 0.75))
        self.alarms = DeadLetterAlarms(
            messages_visible=messages_visible_alarm(
                self,
                "MessagesVisibleAlarm",
                self.queue,
                description="failed events in the central dead-letter queue (redrive with "
                "`paved-road redrive --reinvoke`)",
                threshold=alarm_threshold,
            ),
            oldest_message_age=threshold_alarm(
                self,
                "OldestMessageAgeAlarm",
                description=f"a failed event is {warning.to_human_string()} old and will "
                "expire: redrive or inspect it",
                metric=self.queue.metric_approximate_age_of_oldest_message(
                    period=Duration.minutes(5), statistic="Maximum"
                ),
                threshold=warning.to_seconds(),
            ),
        )
        if alarm_topic is not None:
            action = cw_actions.SnsAction(alarm_topic)
            for alarm in self.alarms.all():
                alarm.add_alarm_action(action)
        if redrive_output:
            CfnOutput(
                self,
                "RedriveCommand",
                description="Re-deliver the failed events of one account (tenant) to the "
                "functions they failed in",
                value=self.redrive_command(account="<ACCOUNT_ID>"),
            )

    def _allow_senders(self) -> None:
        send = ["sqs:SendMessage"]
        if self.organization_id is not None:
            # Lambda destinations and Scheduler DLQs send with the sender's IAM role
            self.queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="OrganizationRolesSend",
                    actions=send,
                    principals=[iam.AnyPrincipal()],
                    resources=[self.queue.queue_arn],
                    conditions={"StringEquals": {"aws:PrincipalOrgID": self.organization_id}},
                )
            )
            # EventBridge rule-target DLQs send as the service, on behalf of the rule
            self.queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="OrganizationRuleDeadLetters",
                    actions=send,
                    principals=[iam.ServicePrincipal("events.amazonaws.com")],
                    resources=[self.queue.queue_arn],
                    conditions={"StringEquals": {"aws:SourceOrgID": self.organization_id}},
                )
            )
        if self.accounts:
            self.queue.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AccountRolesSend",
                    actions=send,
                    principals=[iam.AccountPrincipal(a) for a in self.accounts],
                    resources=[self.queue.queue_arn],
                )
            )
        self.queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AccountRuleDeadLetters",
                actions=send,
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                resources=[self.queue.queue_arn],
                conditions={
                    "StringEquals": {"aws:SourceAccount": [Aws.ACCOUNT_ID, *self.accounts]}
                },
            )
        )

    def redrive_command(self, *, account: str | None = None) -> str:
        """The ``paved-road redrive --reinvoke`` command line for this queue, limited to
        one account (tenant) when given. The queue URL is a token until deployed: use it in
        a ``CfnOutput`` (as the construct does), not in Python string checks."""
        from paved_road.event_redrive import reinvoke_command

        return reinvoke_command(self.queue_url, account=account)

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send failed events here (an IAM grant in this account)."""
        return self.queue.grant_send_messages(grantee)

    @staticmethod
    def of_stack(scope: Construct) -> CentralDeadLetterQueue:
        """The stack's shared dead-letter queue (``<Stack>/PavedRoadDeadLetters``), created
        on first use: EventConsumers and ScheduledFunctions without an explicit
        ``dead_letter_queue`` share it, one queue and two alarms per stack."""
        stack = Stack.of(scope)
        found = stack.node.try_find_child(SHARED_DLQ_ID)
        if isinstance(found, CentralDeadLetterQueue):
            return found
        return CentralDeadLetterQueue(stack, SHARED_DLQ_ID)


DeadLetterTarget = CentralDeadLetterQueue | sqs.IQueue | str
"""What ``dead_letter_queue=`` accepts: a CentralDeadLetterQueue, an SQS queue, or a
queue ARN (another account's queue included)."""


def resolve_dead_letter_queue(
    scope: Construct, problems: Problems, value: DeadLetterTarget | None, prop: str
) -> sqs.IQueue | None:
    """The queue behind ``dead_letter_queue=`` (validated; None after a problem). None as
    input means the stack's shared :class:`CentralDeadLetterQueue`."""
    if value is None:
        return CentralDeadLetterQueue.of_stack(scope).queue
    if isinstance(value, CentralDeadLetterQueue):
        return value.queue
    if isinstance(value, str):
        if is_token(value):
            return sqs.Queue.from_queue_arn(scope, "DeadLetterQueueRef", value)
        match = QUEUE_ARN.match(value)
        if match is None:
            problems.add(
                prop,
                "must be an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>), a "
                "CentralDeadLetterQueue or an sqs.IQueue",
                value,
            )
            return None
        region = Stack.of(scope).region
        if not Token.is_unresolved(region) and match["region"] != region:
            problems.add(
                prop,
                f"must be in the stack's Region ({region}): EventBridge and Lambda send "
                "failed events only to a queue in the same Region",
                value,
            )
            return None
        if match["name"].endswith(".fifo"):
            problems.add(
                prop,
                "must be a standard queue: Lambda destinations and EventBridge DLQs do not "
                "support FIFO queues",
                value,
            )
            return None
        return sqs.Queue.from_queue_arn(scope, "DeadLetterQueueRef", value)
    if isinstance(value, sqs.QueueBase) or hasattr(value, "queue_arn"):
        if getattr(value, "fifo", False) is True:
            problems.add(
                prop,
                "must be a standard queue: Lambda destinations and EventBridge DLQs do not "
                "support FIFO queues",
                value.node.path,
            )
            return None
        return value
    problems.add(
        prop,
        "must be a CentralDeadLetterQueue, an sqs.IQueue or a queue ARN string",
        type(value).__name__,
    )
    return None


# --------------------------------------------------------------------- async invoke setup


@dataclass(frozen=True)
class AsyncAlarms:
    """Alarms of a function invoked asynchronously (EventConsumer, ScheduledFunction)."""

    async_events_dropped: cloudwatch.Alarm
    dead_letter_errors: cloudwatch.Alarm
    function_errors: cloudwatch.Alarm

    def all(self) -> list[cloudwatch.Alarm]:
        return [self.async_events_dropped, self.dead_letter_errors, self.function_errors]


AlarmsT = TypeVar("AlarmsT", bound=AsyncAlarms)


def check_retry_ranges(
    problems: Problems,
    *,
    delivery_retry_attempts: int,
    delivery_max_event_age: Duration | None,
    retry_attempts: int,
    max_event_age: Duration | None,
    errors_threshold: int,
) -> None:
    """The two retry layers' limits: EventBridge / Scheduler delivery (retries 0-185,
    maximum event age 60 s - 24 h) and Lambda's asynchronous invocation (retries 0-2,
    maximum event age 60 s - 6 h); and the errors alarm threshold."""
    check_range(problems, "delivery_retry_attempts", delivery_retry_attempts, 0, 185)
    check_range(
        problems, "delivery_max_event_age", seconds(delivery_max_event_age), 60, 86400, "seconds"
    )
    check_range(problems, "retry_attempts", retry_attempts, 0, 2)
    check_range(problems, "max_event_age", seconds(max_event_age), 60, 6 * 3600, "seconds")
    check_range(problems, "errors_threshold", errors_threshold, 1, 1_000_000)


def async_function(
    scope: Construct,
    problems: Problems,
    kind: str,
    existing: lambda_.IFunction | GovernedFunction | None,
    props: GovernedFunctionProps | None,
) -> None:
    """Validate the function choice of an asynchronously invoked construct (problems
    only; :func:`create_async_function` builds it)."""
    if (existing is None) == (props is None):
        problems.add(
            "existing_function/function_props",
            "exactly one must be given",
            "both" if existing is not None else "neither",
        )
    if getattr(existing, "_tenant_isolation_mode", None):
        problems.add(
            "existing_function",
            f"must not be a tenant-isolated function: {kind} invokes it without a tenant id "
            "(X-Amz-Tenant-Id), which tenant isolation mode requires on every invoke",
            existing.node.path if existing is not None else None,
        )
    declared = props.get("invocation") if isinstance(props, Mapping) else None
    if declared in (Invocation.SYNCHRONOUS, Invocation.EVENT_SOURCE_MAPPING):
        problems.add(
            "function_props.invocation",
            f"must be ASYNCHRONOUS (or left out): {kind} invokes the function asynchronously",
            declared.name,
        )
    if isinstance(existing, GovernedFunction) and existing.invocation in (
        Invocation.SYNCHRONOUS,
        Invocation.EVENT_SOURCE_MAPPING,
    ):
        problems.add(
            "existing_function",
            f"must be declared Invocation.ASYNCHRONOUS (or leave invocation out): {kind} "
            f"invokes it asynchronously, but it is declared {existing.invocation.name} (its "
            "Serverless-LambdaDLQ acknowledgment would be wrong)",
            existing.node.path,
        )


def create_async_function(
    scope: Construct,
    existing: lambda_.IFunction | GovernedFunction | None,
    props: GovernedFunctionProps | None,
) -> tuple[GovernedFunction | None, lambda_.IFunction, lambda_.IFunction]:
    """``(governed or None, the function, what callers invoke)``: a GovernedFunction
    ``<scope>/Function`` from ``props`` (``invocation=ASYNCHRONOUS``, ``service_name`` =
    the scope's id), or ``existing``. Callers invoke a governed function's ``live`` alias."""
    governed, function = mapping_consumer_function(scope, existing, props, Invocation.ASYNCHRONOUS)
    return governed, function, governed.invoke_target if governed is not None else function


def invoked_qualifier(target: lambda_.IFunction) -> tuple[lambda_.IFunction, str]:
    """``(unqualified function, qualifier)`` of what a rule or schedule invokes: an alias
    (a CDK ``Alias`` or an imported ``IAlias``) -> its function and name; a version ->
    its function and number; a function -> itself and ``$LATEST``."""
    alias_name = getattr(target, "alias_name", None)
    if isinstance(alias_name, str):
        return target.version.lambda_, alias_name  # type: ignore[attr-defined]
    version = getattr(target, "version", None)
    if isinstance(version, str) and getattr(target, "lambda_", None) is not None:
        return target.lambda_, version  # type: ignore[attr-defined]
    return target, "$LATEST"


def configure_async_failure(
    scope: Construct,
    problems: Problems,
    target: lambda_.IFunction,
    function: lambda_.IFunction | None,
    queue: sqs.IQueue,
    max_event_age: Duration,
    retry_attempts: int,
    *,
    target_prop: str = "existing_function",
    settings_prop: str = "max_event_age/retry_attempts/dead_letter_queue",
) -> lambda_.EventInvokeConfig | None:
    """The asynchronous invoke configuration of the qualifier ``target`` is (the alias,
    version or ``$LATEST``; ``function`` is ignored, the function is derived from
    ``target``), with ``queue`` as on-failure destination. Lambda holds one configuration
    per qualifier: a second paved-road construct on the same target must agree on it (the
    first configuration is then reused and None returned); a configuration made outside
    paved-road (``configure_async_invoke``, ``on_failure=``) or an imported function
    without its role are problems, reported on the caller's ``target_prop`` (the
    function) or ``settings_prop`` (queue, age, retries)."""
    del function
    fn, qualifier = invoked_qualifier(target)
    settings = (queue.node.path, seconds(max_event_age), retry_attempts)
    # kept on the (round-tripping) jsii proxy of the function: one registry per function
    registry: dict[str, tuple[str, tuple[Any, ...]]] = fn.__dict__.setdefault(
        "_paved_road_async_configs", {}
    )
    existing = registry.get(qualifier)
    if existing is not None:
        if existing[1] != settings:
            problems.add(
                settings_prop,
                f"must match the asynchronous invoke configuration {existing[0]} already set "
                f"on qualifier {qualifier} of {fn.node.path} (Lambda keeps one per "
                f"qualifier): it has (queue, max age s, retries) = {existing[1]}",
                settings,
            )
        return None
    owner = fn if qualifier == "$LATEST" else target
    foreign = owner.node.try_find_child("EventInvokeConfig")
    if foreign is not None:
        problems.add(
            target_prop,
            f"already has an asynchronous invoke configuration for {qualifier} "
            f"({foreign.node.path}: configure_async_invoke or on_failure/retry_attempts/"
            "max_event_age props); Lambda keeps one per qualifier: remove it, this construct "
            "sets one with the dead-letter queue as on-failure destination",
            fn.node.path,
        )
        return None
    if fn.role is None:
        problems.add(
            target_prop,
            "was imported without its execution role, which Lambda uses to send failed "
            "events to the dead-letter queue: import it with "
            "Function.from_function_attributes(..., role=...) (or pass a GovernedFunction)",
            fn.node.path,
        )
        return None
    config = lambda_.EventInvokeConfig(
        scope,
        "AsyncInvokeConfig",
        function=fn,
        qualifier=qualifier,
        on_failure=destinations.SqsDestination(queue),
        max_event_age=max_event_age,
        retry_attempts=retry_attempts,
    )
    registry[qualifier] = (config.node.path, settings)
    # cdk-nag's rule looks for a DLQ or an on-failure destination of the unqualified
    # function; callers invoke the qualifier configured here
    Validations.of(fn).acknowledge(
        Acknowledgment(
            id="Serverless-LambdaDLQ",
            reason=f"Asynchronous invocations of qualifier {qualifier} (what EventBridge and "
            f"Scheduler invoke) have an on-failure destination: {config.node.path}.",
        )
    )
    return config


def async_alarms(
    scope: Construct,
    function: lambda_.IFunction,
    errors_threshold: int,
    alarms_type: type[AlarmsT],
    **extra: cloudwatch.Alarm | None,
) -> AlarmsT:
    """The alarms of an asynchronously invoked function, as ``alarms_type`` (an
    :class:`AsyncAlarms` subclass) with its ``extra`` fields."""
    minute = Duration.minutes(1)
    dead_letter_errors = cloudwatch.MathExpression(
        expression="dlq + destination",
        using_metrics={
            "dlq": function.metric("DeadLetterErrors", period=minute, statistic="Sum"),
            "destination": function.metric(
                "DestinationDeliveryFailures", period=minute, statistic="Sum"
            ),
        },
        period=minute,
        label="DeadLetterErrors + DestinationDeliveryFailures",
    )
    return alarms_type(
        async_events_dropped=threshold_alarm(
            scope,
            "AsyncEventsDroppedAlarm",
            description="asynchronous events dropped without reaching the on-failure "
            "destination (AsyncEventsDropped)",
            metric=function.metric("AsyncEventsDropped", period=minute, statistic="Sum"),
            threshold=1,
        ),
        dead_letter_errors=threshold_alarm(
            scope,
            "DeadLetterErrorsAlarm",
            description="failed events could not be stored in the dead-letter queue "
            "(DeadLetterErrors + DestinationDeliveryFailures): check its policy and size",
            metric=dead_letter_errors,
            threshold=1,
        ),
        function_errors=threshold_alarm(
            scope,
            "FunctionErrorsAlarm",
            description="function errors",
            metric=function.metric_errors(period=minute, statistic="Sum"),
            threshold=errors_threshold,
        ),
        **extra,
    )


def account_concurrency_alarm(
    scope: Construct, problems: Problems, quota: int | None, ratio: float
) -> cloudwatch.Alarm | None:
    """The stack's one alarm on the account's ``ConcurrentExecutions`` (no dimension: the
    account and Region total) at ``ratio`` of ``quota``; shared by every construct that
    asks for the same threshold."""
    tokens = False
    for prop, value in (("account_concurrency_quota", quota), ("concurrency_alarm_ratio", ratio)):
        if is_token(value):  # the threshold (quota x ratio) is computed here, not deployed
            problems.add(
                prop,
                "must be a literal number, not a token: the alarm threshold (quota x ratio) "
                "is computed at synth time",
                _TOKEN,
            )
            tokens = True
    if tokens:
        return None
    check_range(problems, "account_concurrency_quota", quota, 10, 10_000_000)
    check_range(problems, "concurrency_alarm_ratio", ratio, 0.1, 1.0)
    if quota is None or problems:
        return None
    stack = Stack.of(scope)
    threshold = int(quota * ratio)
    found = stack.node.try_find_child(ACCOUNT_CONCURRENCY_ID)
    if isinstance(found, cloudwatch.Alarm):
        previous = getattr(found, "_paved_road_threshold", None)
        if previous != threshold:
            problems.add(
                "account_concurrency_quota/concurrency_alarm_ratio",
                f"must give the same alarm threshold as the stack's existing account "
                f"concurrency alarm ({previous} concurrent executions)",
                threshold,
            )
            return None
        return found
    alarm = threshold_alarm(
        stack,
        ACCOUNT_CONCURRENCY_ID,
        description=f"account ConcurrentExecutions at {ratio:.0%} of the {quota} quota: "
        "asynchronous events are throttled and age out",
        metric=cloudwatch.Metric(
            namespace="AWS/Lambda",
            metric_name="ConcurrentExecutions",
            period=Duration.minutes(1),
            statistic="Maximum",
        ),
        threshold=threshold,
        evaluation_periods=3,
        datapoints_to_alarm=2,
    )
    alarm._paved_road_threshold = threshold  # type: ignore[attr-defined]
    return alarm


# --------------------------------------------------------------------------- EventConsumer


def rule_dimensions(rule: events.Rule, bus: events.IEventBus | None) -> dict[str, str]:
    """The CloudWatch dimensions of a rule's metrics: ``RuleName`` alone for the default
    bus; ``EventBusName`` and ``RuleName`` for a custom bus (EventBridge documentation,
    "Monitoring Amazon EventBridge": a metric with only RuleName refers to the default
    bus). The rule name is cut from the rule ARN (``...:rule/[bus/]name``), which has the
    same form for both buses, rather than taken from ``Ref``."""
    parts = Fn.split("/", rule.rule_arn)
    if bus is None:
        return {"RuleName": Fn.select(1, parts)}
    return {"EventBusName": bus.event_bus_name, "RuleName": Fn.select(2, parts)}


_OBJECT_FIELDS = ("resources", "detail")
"""Event fields holding a JSON array or object: inserted unquoted by the transformer."""


def attribution_transformer() -> dict[str, Any]:
    """The rule target's ``InputTransformer``: the event, field for field, plus
    ``"paved-road": {"rule": "<rule ARN>"}``. Each top-level field is copied by an input
    path; string fields are quoted and the array/object fields are not, as EventBridge
    requires; ``<aws.events.rule-arn>`` is a predefined variable (AWS documentation,
    "Amazon EventBridge input transformation")."""
    parts = []
    for name in EVENT_FIELDS:
        value = f"<{name}>" if name in _OBJECT_FIELDS else f'"<{name}>"'
        parts.append(f'"{name}":{value}')
    parts.append(f'"{ATTRIBUTION_KEY}":{{"rule":"<aws.events.rule-arn>"}}')
    return {
        "InputPathsMap": {name: f"$.{name}" for name in EVENT_FIELDS},
        "InputTemplate": "{" + ",".join(parts) + "}",
    }


@dataclass(frozen=True)
class EventConsumerAlarms(AsyncAlarms):
    """The alarms of an :class:`EventConsumer`: the asynchronous ones, the rule's failed
    DLQ deliveries (``InvocationsFailedToBeSentToDlq``: events lost) and the stack's account
    concurrency alarm (shared; None when ``account_concurrency_quota=None``)."""

    failed_to_dead_letter: cloudwatch.Alarm | None = None
    account_concurrency: cloudwatch.Alarm | None = None

    def all(self) -> list[cloudwatch.Alarm]:
        extra = [a for a in (self.failed_to_dead_letter, self.account_concurrency) if a]
        return [*super().all(), *extra]


class EventConsumer(Construct):
    """An EventBridge rule invoking a Lambda function directly, governed (see the module
    docstring).

    Attributes: ``rule``, ``function`` (the ``IFunction``), ``governed_function`` (when
    created here or given), ``invoke_target`` (what the rule invokes: the ``live`` alias of
    a GovernedFunction), ``dead_letter_queue`` (the ``sqs.IQueue``), ``async_invoke_config``
    (None when an identical one already existed), ``alarms`` (:class:`EventConsumerAlarms`).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        event_pattern: events.EventPattern | Mapping[str, Any],
        event_bus: events.IEventBus | None = None,
        existing_function: lambda_.IFunction | GovernedFunction | None = None,
        function_props: GovernedFunctionProps | None = None,
        dead_letter_queue: DeadLetterTarget | None = None,
        max_event_age: Duration | None = None,
        retry_attempts: int = 2,
        delivery_max_event_age: Duration | None = None,
        delivery_retry_attempts: int = 185,
        attribution: bool = True,
        rule_name: str | None = None,
        description: str | None = None,
        enabled: bool = True,
        errors_threshold: int = 1,
        account_concurrency_quota: int | None = DEFAULT_CONCURRENCY_QUOTA,
        concurrency_alarm_ratio: float = 0.8,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param event_pattern: which events to consume: a dict in EventBridge pattern syntax
            (``{"source": ["orders"], "detail-type": ["OrderPlaced"]}``, ``$or`` allowed)
            or an ``events.EventPattern``. Required.
        :param event_bus: the bus the rule listens on; default the account's default bus.
        :param existing_function: the consumer (``IFunction`` or ``GovernedFunction``;
            not tenant-isolated). Exclusive with ``function_props``.
        :param function_props: props of the ``GovernedFunction`` to create (declared
            ``Invocation.ASYNCHRONOUS``).
        :param dead_letter_queue: where failed events go, both from EventBridge (target
            DLQ) and from Lambda (on-failure destination): a
            :class:`CentralDeadLetterQueue`, an ``sqs.IQueue`` or a queue ARN (same
            Region, any account whose queue policy lets this account in); default the
            stack's shared ``PavedRoadDeadLetters`` queue.
        :param max_event_age: how long Lambda keeps retrying an event, 60 s - 6 h; default
            6 hours.
        :param retry_attempts: Lambda's retries after a function error, 0-2; default 2.
        :param delivery_max_event_age: how long EventBridge retries delivery to Lambda,
            60 s - 24 h; default 24 hours.
        :param delivery_retry_attempts: EventBridge delivery retries, 0-185; default 185.
        :param attribution: add ``"paved-road": {"rule": <rule ARN>}`` to each event so
            dead letters name their rule; default True. Other fields are unchanged (a
            replayed event's ``replay-name`` is not copied).
        :param rule_name: physical rule name (1-64 of ``[.-_A-Za-z0-9]``); default
            generated.
        :param description: rule description; default none.
        :param enabled: whether the rule is enabled; default True.
        :param errors_threshold: alarm when function errors per minute reach this;
            default 1.
        :param account_concurrency_quota: the account's concurrent executions quota for
            the stack's ``ConcurrentExecutions`` alarm (10 - 10,000,000, not a token: the
            threshold is computed at synth time); default 1,000 (Lambda's default quota);
            None for no alarm.
        :param concurrency_alarm_ratio: alarm at this share of the quota, 0.1-1.0 (not a
            token); default 0.8.
        :param alarm_topic: SNS topic notified by every alarm; default none.
        """
        super().__init__(scope, id)
        problems = Problems("EventConsumer", self.node.path)
        async_function(self, problems, "EventConsumer", existing_function, function_props)
        pattern: dict[str, Any] | None = None
        if isinstance(event_pattern, events.EventPattern | Mapping):
            pattern = pattern_as_dict(event_pattern)
            check_event_pattern(problems, "event_pattern", pattern, self)
        else:
            problems.add(
                "event_pattern",
                "must be a dict in EventBridge pattern syntax (e.g. {'source': ['orders']}) "
                "or an events.EventPattern",
                type(event_pattern).__name__,
            )
        check_types(
            problems,
            durations={
                "max_event_age": max_event_age,
                "delivery_max_event_age": delivery_max_event_age,
            },
            integers={
                "retry_attempts": retry_attempts,
                "delivery_retry_attempts": delivery_retry_attempts,
                "errors_threshold": errors_threshold,
                "account_concurrency_quota": account_concurrency_quota,
            },
            numbers={"concurrency_alarm_ratio": concurrency_alarm_ratio},
            booleans={"attribution": attribution, "enabled": enabled},
            resources={
                "alarm_topic": (alarm_topic, "topic_arn", "an sns.ITopic"),
                "event_bus": (event_bus, "event_bus_name", "an events.IEventBus"),
            },
        )
        if not problems:
            check_retry_ranges(
                problems,
                delivery_retry_attempts=delivery_retry_attempts,
                delivery_max_event_age=delivery_max_event_age,
                retry_attempts=retry_attempts,
                max_event_age=max_event_age,
                errors_threshold=errors_threshold,
            )
        if (
            rule_name is not None
            and not is_token(rule_name)
            and (not isinstance(rule_name, str) or not RULE_NAME.match(rule_name))
        ):
            problems.add(
                "rule_name", "must be 1-64 characters of letters, digits, . - _", rule_name
            )
        check_description(problems, description)
        queue = resolve_dead_letter_queue(self, problems, dead_letter_queue, "dead_letter_queue")
        problems.raise_if_any()
        assert pattern is not None and queue is not None

        self.governed_function, self.function, self.invoke_target = create_async_function(
            self, existing_function, function_props
        )
        self.dead_letter_queue = queue
        self.async_invoke_config = configure_async_failure(
            self,
            problems,
            self.invoke_target,
            self.function,
            queue,
            max_event_age or Duration.hours(6),
            retry_attempts,
        )
        concurrency = account_concurrency_alarm(
            self, problems, account_concurrency_quota, concurrency_alarm_ratio
        )
        problems.raise_if_any()

        self.rule = events.Rule(
            self,
            "Rule",
            event_bus=event_bus,
            event_pattern=placeholder_pattern(),
            rule_name=rule_name,
            description=description,
            enabled=enabled,
            targets=[
                targets.LambdaFunction(
                    self.invoke_target,
                    dead_letter_queue=queue,
                    max_event_age=delivery_max_event_age or Duration.hours(24),
                    retry_attempts=delivery_retry_attempts,
                )
            ],
        )
        set_pattern(self.rule, pattern)
        self.event_pattern = pattern
        if attribution:
            cfn_rule = self.rule.node.default_child
            assert isinstance(cfn_rule, events.CfnRule)
            cfn_rule.add_property_override("Targets.0.InputTransformer", attribution_transformer())
        failed_to_dlq = threshold_alarm(
            self,
            "FailedToDeadLetterAlarm",
            description="EventBridge could not store undeliverable events in the "
            "dead-letter queue (InvocationsFailedToBeSentToDlq): events lost",
            metric=cloudwatch.Metric(
                namespace="AWS/Events",
                metric_name="InvocationsFailedToBeSentToDlq",
                dimensions_map=rule_dimensions(self.rule, event_bus),
                period=Duration.minutes(1),
                statistic="Sum",
            ),
            threshold=1,
        )
        self.alarms = async_alarms(
            self,
            self.function,
            errors_threshold,
            EventConsumerAlarms,
            failed_to_dead_letter=failed_to_dlq,
            account_concurrency=concurrency,
        )
        if alarm_topic is not None:
            action = cw_actions.SnsAction(alarm_topic)
            # the account concurrency alarm is the stack's, shared: not this consumer's topic
            for alarm in self.alarms.all():
                if alarm is not concurrency:
                    alarm.add_alarm_action(action)

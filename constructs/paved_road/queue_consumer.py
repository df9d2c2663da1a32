"""QueueConsumer: SQS -> Lambda with a dead-letter queue, partial batch failures,
alarms and an operator redrive grant.

Service rules this construct validates at construct time (AWS documentation,
"Using Lambda with Amazon SQS" and "Amazon SQS quotas"):

* batch size 1-10,000 for standard queues, 1-10 for FIFO queues; a batch size
  above 10 needs a batching window of at least 1 second;
* maximum batching window 0-300 seconds, not supported for FIFO queues;
* maximum concurrency 2-1,000;
* at most 5 filter criteria per event source mapping, each pattern up to 4,096
  characters;
* visibility timeout at least six times the function timeout (plus the batching
  window), at most 12 hours;
* message size 1,024 bytes - 1 MiB (SQS raised the maximum to 1 MiB);
* retention 60 seconds - 14 days; ``max_receive_count`` 1-1,000.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, Annotations, Duration, Names, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road._alarms import threshold_alarm
from paved_road._boundary import checked_props
from paved_road._filters import check_filters
from paved_road._queues import messages_visible_alarm
from paved_road._tree import path_of
from paved_road._validate import (
    FIFTEEN_MINUTES,
    ONE_MIB,
    ONE_MINUTE,
    THIRTY_SECONDS,
    check_range,
    is_token,
    seconds,
)
from paved_road.errors import Problems
from paved_road.function import GovernedFunction, GovernedFunctionProps, mapping_consumer_function

MAX_VISIBILITY_SECONDS = 12 * 60 * 60
DLQ_RETENTION = Duration.days(14)
DEFAULT_RETENTION = Duration.days(4)
REDRIVE_ACTIONS = (
    "sqs:StartMessageMoveTask",
    "sqs:ListMessageMoveTasks",
    "sqs:CancelMessageMoveTask",
    "sqs:ListDeadLetterSourceQueues",
)


@dataclass(frozen=True)
class QueueConsumerAlarms:
    """The alarms a QueueConsumer creates (CloudWatch L2 ``Alarm`` objects)."""

    dlq_messages_visible: cloudwatch.Alarm
    oldest_message_age: cloudwatch.Alarm
    function_errors: cloudwatch.Alarm
    function_throttles: cloudwatch.Alarm

    def all(self) -> list[cloudwatch.Alarm]:
        return [
            self.dlq_messages_visible,
            self.oldest_message_age,
            self.function_errors,
            self.function_throttles,
        ]


class QueueConsumer(Construct):
    """An SQS queue consumed by a Lambda function, governed.

    Exposes ``queue``, ``dead_letter_queue``, ``function`` (the ``IFunction``),
    ``governed_function`` (when this construct created it), ``event_source_mapping``,
    ``alarms`` (:class:`QueueConsumerAlarms`) and ``visibility_timeout``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        existing_queue: sqs.IQueue | None = None,
        queue_props: sqs.QueueProps | None = None,
        existing_function: lambda_.IFunction | GovernedFunction | None = None,
        function_props: GovernedFunctionProps | None = None,
        max_receive_count: int = 5,
        batch_size: int = 10,
        max_batching_window: Duration | None = None,
        max_concurrency: int | None = None,
        filters: Sequence[Mapping[str, Any]] = (),
        esm_metrics: bool = True,
        enabled: bool = True,
        oldest_message_age_threshold: Duration | None = None,
        errors_threshold: int = 1,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param existing_queue: consume this queue instead of creating one. It must
            have a dead-letter queue (an ``sqs.Queue`` with ``dead_letter_queue``).
            Exclusive with ``queue_props``.
        :param queue_props: props for the queue this construct creates; governed
            defaults: SQS-managed SSE (``encryption``; KMS allowed, unencrypted is an
            error), ``enforce_ssl`` True (False is an error), 1 MiB
            ``max_message_size_bytes``, 4-day ``retention_period``,
            ``visibility_timeout`` derived as 6 x function timeout + batching window.
            ``dead_letter_queue`` must not be set: the construct creates it.
        :param existing_function: the consumer (an ``IFunction`` or a
            ``GovernedFunction``). Exclusive with ``function_props``.
        :param function_props: props of the ``GovernedFunction`` to create.
        :param max_receive_count: receives before a message moves to the DLQ, 1-1000;
            default 5.
        :param batch_size: records per invoke; default 10 (1-10,000; FIFO 1-10).
        :param max_batching_window: default none (0 s); 0-300 s; not for FIFO.
        :param max_concurrency: ESM maximum concurrency, 2-1000; default unlimited.
        :param filters: event filter patterns (Python dicts, EventBridge pattern
            syntax, e.g. ``{"body": {"type": ["order"]}}``), at most 5; default none.
        :param esm_metrics: enable the ESM's EventCount metrics; default True.
        :param enabled: whether the mapping polls; default True.
        :param oldest_message_age_threshold: alarm when the oldest message is older;
            default 15 minutes.
        :param errors_threshold: alarm when function errors per minute reach this;
            default 1.
        :param alarm_topic: SNS topic notified by every alarm; default none.
        """
        super().__init__(scope, id)
        problems = Problems("QueueConsumer", path_of(self))

        if (existing_queue is None) == (queue_props is None):
            problems.add(
                "existing_queue/queue_props",
                "exactly one must be given",
                "both" if existing_queue else "neither",
            )
        if (existing_function is None) == (function_props is None):
            problems.add(
                "existing_function/function_props",
                "exactly one must be given",
                "both" if existing_function else "neither",
            )
        check_range(problems, "max_receive_count", max_receive_count, 1, 1000)
        check_range(problems, "max_concurrency", max_concurrency, 2, 1000)
        check_range(problems, "errors_threshold", errors_threshold, 1, 1_000_000)
        check_range(
            problems,
            "oldest_message_age_threshold",
            seconds(oldest_message_age_threshold),
            60,
            14 * 86400,
            "seconds",
        )

        fifo = self._is_fifo(existing_queue, queue_props)
        given_window_s = seconds(max_batching_window)  # None when absent or a token
        window_known = max_batching_window is None or given_window_s is not None
        window_s = given_window_s or 0.0
        check_range(problems, "max_batching_window", given_window_s, 0, 300, "seconds")
        if fifo:
            check_range(problems, "batch_size", batch_size, 1, 10)
            if window_s > 0:
                problems.add(
                    "max_batching_window",
                    "is not supported for FIFO queues (omit it or use 0)",
                    f"{window_s:g} seconds",
                )
        else:
            check_range(problems, "batch_size", batch_size, 1, 10_000)
            if not is_token(batch_size) and batch_size > 10 and window_known and window_s < 1:
                problems.add(
                    "batch_size",
                    "above 10 needs max_batching_window of at least 1 second",
                    batch_size,
                )
        check_filters(problems, filters)

        fn_timeout_s = self._function_timeout_seconds(existing_function, function_props)
        required_visibility = None if fn_timeout_s is None else 6 * fn_timeout_s + window_s
        queue_kwargs: dict[str, Any] = {}
        if queue_props is not None:
            queue_kwargs = self._governed_queue_kwargs(
                problems, queue_props, required_visibility, fifo
            )
        elif (
            existing_queue is not None
            and getattr(existing_queue, "dead_letter_queue", None) is None
        ):
            problems.add(
                "existing_queue",
                "must have a dead-letter queue (an sqs.Queue created with dead_letter_queue=...); "
                "or give queue_props and QueueConsumer creates both",
                existing_queue.node.path,
            )
        problems.raise_if_any()

        # --- function ---------------------------------------------------------
        self.governed_function: GovernedFunction | None
        self.function: lambda_.IFunction
        self.governed_function, self.function = mapping_consumer_function(
            self, existing_function, function_props
        )

        # --- queues -----------------------------------------------------------
        if queue_props is not None:
            queue, dlq = self._create_queues(queue_kwargs, max_receive_count, fifo)
            self.queue: sqs.IQueue = queue
            self.dead_letter_queue: sqs.IQueue = dlq
            self.visibility_timeout: Duration | None = queue_kwargs["visibility_timeout"]
        else:
            assert existing_queue is not None
            self.queue = existing_queue
            dlq = existing_queue.dead_letter_queue  # type: ignore[attr-defined]
            self.dead_letter_queue = dlq.queue
            self.visibility_timeout = None

        # --- event source mapping ----------------------------------------------
        if self.function.role is not None:
            self.queue.grant_consume_messages(self.function)
        else:
            Annotations.of(self).add_warning_v2(
                "paved-road:QueueConsumer:noRole",
                "existing_function was imported without its role: grant it "
                "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility and "
                "sqs:GetQueueAttributes on the queue (and kms:Decrypt for KMS) yourself.",
            )
        self.event_source_mapping = lambda_.EventSourceMapping(
            self,
            "EventSourceMapping",
            # a GovernedFunction's live alias: deployments shift the mapping's traffic too
            target=(
                self.governed_function.invoke_target
                if self.governed_function is not None
                else self.function
            ),
            event_source_arn=self.queue.queue_arn,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            max_concurrency=max_concurrency,
            report_batch_item_failures=True,
            enabled=enabled,
            filters=[lambda_.FilterCriteria.filter(dict(f)) for f in filters] or None,
            metrics_config=(
                lambda_.MetricsConfig(metrics=[lambda_.MetricType.EVENT_COUNT])
                if esm_metrics
                else None
            ),
        )
        # Lambda polls on the function's behalf: the mapping needs the grant first.
        self.event_source_mapping.node.add_dependency(self.function)
        self._acknowledge_false_positives()

        # --- alarms -------------------------------------------------------------
        self.alarms = self._create_alarms(
            oldest_message_age_threshold or FIFTEEN_MINUTES, errors_threshold
        )
        if alarm_topic is not None:
            action = cw_actions.SnsAction(alarm_topic)
            for alarm in self.alarms.all():
                alarm.add_alarm_action(action)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _is_fifo(existing_queue: sqs.IQueue | None, queue_props: sqs.QueueProps | None) -> bool:
        if queue_props is not None:
            # CDK makes a queue FIFO when its name ends in .fifo, even without fifo=True
            return bool(queue_props.fifo) or str(queue_props.queue_name or "").endswith(".fifo")
        if existing_queue is not None:
            return bool(existing_queue.fifo)
        return False

    @staticmethod
    def _function_timeout_seconds(
        existing: lambda_.IFunction | GovernedFunction | None,
        props: GovernedFunctionProps | None,
    ) -> float | None:
        if props is not None:
            return seconds(props.get("timeout") or THIRTY_SECONDS)
        if isinstance(existing, GovernedFunction):
            return seconds(existing.timeout)
        if isinstance(existing, lambda_.Function):
            return seconds(existing.timeout) if existing.timeout else 3.0
        return None

    def _governed_queue_kwargs(
        self,
        problems: Problems,
        props: sqs.QueueProps,
        required_visibility: float | None,
        fifo: bool,
    ) -> dict[str, Any]:
        if props.dead_letter_queue is not None:
            problems.add(
                "queue_props.dead_letter_queue",
                "must not be set: QueueConsumer creates the DLQ (see max_receive_count)",
                "a DeadLetterQueue",
            )
        if props.enforce_ssl is False:
            problems.add("queue_props.enforce_ssl", "must be True (TLS-only queue policy)", False)
        encryption = props.encryption or (
            sqs.QueueEncryption.KMS
            if props.encryption_master_key
            else sqs.QueueEncryption.SQS_MANAGED
        )
        if encryption == sqs.QueueEncryption.UNENCRYPTED:
            problems.add(
                "queue_props.encryption", "must be SQS_MANAGED, KMS_MANAGED or KMS", "UNENCRYPTED"
            )
        max_size = (
            props.max_message_size_bytes if props.max_message_size_bytes is not None else ONE_MIB
        )
        check_range(
            problems, "queue_props.max_message_size_bytes", max_size, 1024, ONE_MIB, "bytes"
        )
        retention = props.retention_period or DEFAULT_RETENTION
        retention_s = seconds(retention)
        check_range(
            problems, "queue_props.retention_period", retention_s, 60, 14 * 86400, "seconds"
        )
        dlq_s = seconds(DLQ_RETENTION) or 0.0
        if not fifo and retention_s is not None and dlq_s <= retention_s <= 14 * 86400:
            # Standard queues keep a message's original enqueue timestamp when it moves to
            # the DLQ: with equal retention a dead-lettered message can expire at once.
            problems.add(
                "queue_props.retention_period",
                f"must be shorter than the DLQ's retention ({dlq_s:.0f} seconds) for standard "
                "queues: a dead-lettered message keeps its original enqueue time",
                f"{retention_s:.0f} seconds",
            )
        visibility = props.visibility_timeout
        given_s = seconds(visibility)
        if visibility is None:
            if required_visibility is None:
                problems.add(
                    "queue_props.visibility_timeout",
                    "is required when the function's timeout is not known "
                    "(at least 6 x the function timeout + batching window)",
                    None,
                )
            else:
                # at most 6 x 900 s + 300 s = 5,700 s: always within the 12-hour maximum
                visibility = Duration.seconds(required_visibility)
        elif given_s is not None:
            check_range(
                problems,
                "queue_props.visibility_timeout",
                given_s,
                0,
                MAX_VISIBILITY_SECONDS,
                "seconds",
            )
            if required_visibility is not None and given_s < required_visibility:
                problems.add(
                    "queue_props.visibility_timeout",
                    f"must be at least 6 x function timeout + batching window = "
                    f"{required_visibility:g} seconds",
                    f"{given_s:g} seconds",
                )
        passthrough = {
            key: getattr(props, key)
            for key in (
                "queue_name",
                "fifo",
                "content_based_deduplication",
                "deduplication_scope",
                "fifo_throughput_limit",
                "delivery_delay",
                "receive_message_wait_time",
                "redrive_allow_policy",
                "removal_policy",
                "data_key_reuse",
            )
            if getattr(props, key) is not None
        }
        return {
            **passthrough,
            "encryption": encryption,
            "encryption_master_key": props.encryption_master_key,
            "enforce_ssl": True,
            "max_message_size_bytes": max_size,
            "retention_period": retention,
            "visibility_timeout": visibility,
        }

    def _create_queues(
        self, kwargs: dict[str, Any], max_receive_count: int, fifo: bool
    ) -> tuple[sqs.Queue, sqs.Queue]:
        # The DLQ's redrive allow policy names its source queue and the source's
        # redrive policy names the DLQ: with two references CloudFormation sees a
        # cycle, so the source queue gets a deterministic name and the DLQ refers
        # to it by ARN. The name derives from the construct path (stable).
        suffix = ".fifo" if fifo else ""
        name = kwargs.pop("queue_name", None) or (
            Names.unique_resource_name(self, max_length=80 - len(suffix)) + suffix
        )
        source_arn = _queue_arn(self, name)
        dlq = sqs.Queue(
            self,
            "DeadLetterQueue",
            fifo=fifo or None,
            encryption=kwargs["encryption"],
            encryption_master_key=kwargs["encryption_master_key"],
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
            max_message_size_bytes=kwargs["max_message_size_bytes"],
            redrive_allow_policy=sqs.RedriveAllowPolicy(
                redrive_permission=sqs.RedrivePermission.BY_QUEUE,
                source_queues=[sqs.Queue.from_queue_arn(self, "SourceQueueRef", source_arn)],
            ),
            removal_policy=kwargs.get("removal_policy"),
        )
        queue = sqs.Queue(
            self,
            "Queue",
            queue_name=name,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=max_receive_count),
            **kwargs,
        )
        return queue, dlq

    def _acknowledge_false_positives(self) -> None:
        Validations.of(self.event_source_mapping).acknowledge(
            Acknowledgment(
                id="Serverless-LambdaEventSourceMappingDestination",
                reason="SQS event source mappings support no on-failure destination; failed "
                "messages are moved by the queue's redrive policy to the DLQ.",
            )
        )
        if (
            isinstance(self.dead_letter_queue, sqs.Queue)
            and self.dead_letter_queue.node.scope is self
        ):
            Validations.of(self.dead_letter_queue).acknowledge(
                Acknowledgment(
                    id="Serverless-SQSRedrivePolicy",
                    reason="This queue is the dead-letter queue of the consumer's source queue.",
                ),
                Acknowledgment(
                    id="AwsSolutions-SQS3",
                    reason="This queue is the dead-letter queue of the consumer's source queue.",
                ),
            )

    def _create_alarms(self, oldest_age: Duration, errors_threshold: int) -> QueueConsumerAlarms:
        minute = ONE_MINUTE
        return QueueConsumerAlarms(
            dlq_messages_visible=messages_visible_alarm(
                self,
                "DlqMessagesVisibleAlarm",
                self.dead_letter_queue,
                description="messages in the dead-letter queue (redrive with `paved-road redrive`)",
            ),
            oldest_message_age=threshold_alarm(
                self,
                "OldestMessageAgeAlarm",
                description=f"oldest message older than {oldest_age.to_human_string()}",
                metric=self.queue.metric_approximate_age_of_oldest_message(
                    period=minute, statistic="Maximum"
                ),
                threshold=seconds(oldest_age) or oldest_age.to_seconds(),
                evaluation_periods=3,
            ),
            function_errors=threshold_alarm(
                self,
                "FunctionErrorsAlarm",
                description="consumer function errors",
                metric=self.function.metric_errors(period=minute, statistic="Sum"),
                threshold=errors_threshold,
            ),
            function_throttles=threshold_alarm(
                self,
                "FunctionThrottlesAlarm",
                description="consumer function throttles",
                metric=self.function.metric_throttles(period=minute, statistic="Sum"),
                threshold=1,
            ),
        )

    # ------------------------------------------------------------------ grants
    def grant_redrive(self, principal: iam.IGrantable) -> list[iam.Grant]:
        """Let ``principal`` move messages from the DLQ back to the source queue with
        SQS's native message move task (Start/List/CancelMessageMoveTask), as used
        by ``paved-road redrive``: receive/delete on the DLQ, send on the source
        queue, and the KMS permissions of both when KMS-encrypted."""
        return [
            self.dead_letter_queue.grant(principal, *REDRIVE_ACTIONS),
            self.dead_letter_queue.grant_consume_messages(principal),
            self.queue.grant_send_messages(principal),
        ]


def _queue_arn(scope: Construct, name: str) -> str:
    return Stack.of(scope).format_arn(service="sqs", resource=name)

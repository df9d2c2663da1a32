"""KafkaStreamProcessor: an MSK (or self-managed Kafka) topic -> KafkaConsumer -> a
batch-aware Powertools handler -> a secure S3 bucket or an SQS FIFO queue.

The handler (``handlers/kafka_processor``) decodes each record (base64 value as a JSON
object, key, headers), writes it to the output and reports failed records. Writes are
idempotent by record coordinates: the S3 key is ``<prefix>/<topic>/<partition>/<offset>.json``
and the SQS message is de-duplicated on ``<topic>-<partition>-<offset>`` with one message
group per partition (order kept), so a redelivered batch never duplicates output.

In provisioned mode (the default here, sized by :class:`paved_road.PollerSizing` or given
pollers) the mapping reports batch item failures, retries 3 times and splits failing
batches; in on-demand mode the handler fails the whole batch instead (Kafka mappings only
honour partial responses in provisioned mode).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road import (
    Criticality,
    DeliveryProps,
    GovernedFunctionProps,
    KafkaConsumer,
    KafkaSource,
    PollerSizing,
)
from paved_road._boundary import checked_props
from paved_road.errors import Problems
from paved_road.kafka import DEFAULT_BATCHING_WINDOW, DEFAULT_RECORD_PROCESSING_TIME
from paved_road_blueprints._assets import handler_code
from paved_road_blueprints._storage import (
    check_object_prefix,
    data_bucket_with_access_logs,
    grant_put_under_prefix,
)

HANDLER_DIR = Path(__file__).parent / "handlers" / "kafka_processor"
OUTPUT_DLQ_MAX_RECEIVE_COUNT = 5


class StreamOutput(enum.Enum):
    """Where KafkaStreamProcessor writes each record."""

    S3 = "s3"
    """One JSON object per record in a secure bucket (default)."""
    SQS = "sqs"
    """One message per record in an encrypted SQS FIFO queue (group = partition)."""


class KafkaStreamProcessor(Construct):
    """Kafka topic -> governed Lambda -> S3 or SQS, with the paved-road defaults.

    Attributes: ``consumer`` (:class:`paved_road.KafkaConsumer`), ``output``,
    ``bucket`` and ``access_logs_bucket`` (S3 output) or ``queue`` and
    ``output_dead_letter_queue`` (SQS output), ``poller_sizing`` (or None).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        source: KafkaSource,
        topic: str,
        output: StreamOutput = StreamOutput.S3,
        production: bool = False,
        criticality: Criticality = Criticality.STANDARD,
        delivery: DeliveryProps | None = None,
        poller_sizing: PollerSizing | None = None,
        minimum_pollers: int | None = None,
        maximum_pollers: int | None = None,
        on_demand: bool = False,
        batch_size: int = 100,
        max_batching_window: Duration | None = DEFAULT_BATCHING_WINDOW,
        filters: Sequence[Mapping[str, Any]] = (),
        object_prefix: str = "records",
        memory_size: int = 1024,
        timeout: Duration | None = None,
        record_processing_time: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param source: ``KafkaSource.msk(cluster_arn)`` (or ``.self_managed(...)``).
        :param topic: the topic to consume.
        :param output: ``StreamOutput.S3`` (default) or ``StreamOutput.SQS``.
        :param production: versioned data bucket (S3 output); default False.
        :param criticality: of the handler function; default STANDARD.
        :param delivery: the handler's runtime-governance and delivery props
            (``paved_road.DeliveryProps``: ``runtime_version_arn``, ``deployment``,
            ``provisioned_concurrency`` ...); default: the criticality's tier. CRITICAL
            needs ``runtime_version_arn``.
        :param poller_sizing: provisioned pollers from
            ``PollerSizing.from_throughput(...)`` (also passes its partition count, so a
            ceiling above it is flagged). Exclusive with ``minimum_pollers``/
            ``maximum_pollers`` and with ``on_demand``.
        :param minimum_pollers: provisioned mode floor; default 1 (when neither sizing
            nor ``on_demand`` is given).
        :param maximum_pollers: provisioned mode ceiling; default 2.
        :param on_demand: use on-demand polling (no provisioned pollers, no partial
            batch responses, no ESM metrics); default False.
        :param batch_size: records per invocation; default 100.
        :param max_batching_window: default 1 second.
        :param filters: Kafka filter patterns (``{"value": {"type": ["order"]}}``).
        :param object_prefix: S3 key prefix (no leading/trailing '/'); default ``records``.
        :param memory_size: MB; default 1024 (more memory, more CPU per batch).
        :param timeout: handler timeout; default 60 s.
        :param record_processing_time: expected handler time per record (guardrail
            input); default KafkaConsumer's (10 ms).
        :param alarm_topic: SNS topic for every alarm; default none.
        """
        super().__init__(scope, id)
        problems = Problems("KafkaStreamProcessor", self.node.path)
        if not isinstance(output, StreamOutput):
            problems.add("output", "must be StreamOutput.S3 or StreamOutput.SQS", output)
        check_object_prefix(problems, object_prefix)
        explicit = minimum_pollers is not None or maximum_pollers is not None
        if poller_sizing is not None and explicit:
            problems.add(
                "poller_sizing",
                "is exclusive with minimum_pollers/maximum_pollers: give only one of them "
                "(the sizing sets both)",
                "both given",
            )
        if on_demand and (poller_sizing is not None or explicit):
            problems.add(
                "on_demand", "cannot be combined with provisioned pollers", "on_demand=True"
            )
        problems.raise_if_any()

        self.output = output
        self.poller_sizing = poller_sizing
        environment: dict[str, str] = {"OUTPUT": output.value}
        self.bucket: s3.Bucket | None = None
        self.access_logs_bucket: s3.Bucket | None = None
        self.queue: sqs.Queue | None = None
        self.output_dead_letter_queue: sqs.Queue | None = None
        if output is StreamOutput.S3:
            self.bucket, self.access_logs_bucket = data_bucket_with_access_logs(self, production)
            environment["BUCKET_NAME"] = self.bucket.bucket_name
            environment["OBJECT_PREFIX"] = object_prefix
        else:
            self.output_dead_letter_queue = sqs.Queue(
                self,
                "OutputDeadLetterQueue",
                fifo=True,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(14),
            )
            Validations.of(self.output_dead_letter_queue).acknowledge(
                Acknowledgment(
                    id="Serverless-SQSRedrivePolicy",
                    reason="This queue is the dead-letter queue of the processor's output queue.",
                )
            )
            self.queue = sqs.Queue(
                self,
                "OutputQueue",
                fifo=True,
                encryption=sqs.QueueEncryption.SQS_MANAGED,
                enforce_ssl=True,
                retention_period=Duration.days(4),
                dead_letter_queue=sqs.DeadLetterQueue(
                    queue=self.output_dead_letter_queue,
                    max_receive_count=OUTPUT_DLQ_MAX_RECEIVE_COUNT,
                ),
            )
            environment["QUEUE_URL"] = self.queue.queue_url

        pollers: dict[str, Any] = {}
        if poller_sizing is not None:
            pollers = {
                "minimum_pollers": poller_sizing.minimum_pollers,
                "maximum_pollers": poller_sizing.maximum_pollers,
                "topic_partitions": poller_sizing.partitions,
            }
        elif not on_demand:
            pollers = {
                "minimum_pollers": 1 if minimum_pollers is None else minimum_pollers,
                "maximum_pollers": 2 if maximum_pollers is None else maximum_pollers,
            }

        function_props: GovernedFunctionProps = {
            "code": handler_code(HANDLER_DIR),
            "handler": "index.handler",
            "criticality": criticality,
            **(delivery or {}),
            "service_name": id,
            "memory_size": memory_size,
            "timeout": timeout or Duration.seconds(60),
            "environment": environment,
        }
        self.consumer = KafkaConsumer(
            self,
            "Consumer",
            source=source,
            topic=topic,
            function_props=function_props,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            filters=filters,
            alarm_topic=alarm_topic,
            record_processing_time=record_processing_time or DEFAULT_RECORD_PROCESSING_TIME,
            **pollers,
        )
        fn = self.consumer.function
        # The handler must know whether Lambda honours its partial batch response.
        assert self.consumer.governed_function is not None
        self.consumer.governed_function.function.add_environment(
            "REPORT_BATCH_ITEM_FAILURES",
            "true" if self.consumer.report_batch_item_failures else "false",
        )
        if self.bucket is not None:
            grant_put_under_prefix(
                fn,
                self.consumer.governed_function.role,
                self.bucket,
                object_prefix,
                "The handler writes one object per Kafka record under the service's key prefix",
            )
        if self.queue is not None:
            self.queue.grant_send_messages(fn)

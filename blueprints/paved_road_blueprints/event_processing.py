"""EventProcessingService: SQS -> governed Lambda (Powertools batch handler) -> secure S3.

The CyberArk blueprint: a QueueConsumer (queue, DLQ, partial batch failures,
alarms, redrive grant) whose Powertools handler writes each message as a JSON
object to a data bucket that blocks public access, encrypts at rest (SSE-S3),
denies non-TLS requests, logs server access to a separate logs bucket, and is
versioned when ``production=True``. Optional idempotency keeps a DynamoDB table
(on-demand, point-in-time recovery, TTL) for Powertools' idempotency utility.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road import Criticality, DeliveryProps, GovernedFunctionProps, QueueConsumer
from paved_road._boundary import checked_props
from paved_road.errors import Problems
from paved_road_blueprints._assets import handler_code as _handler_code
from paved_road_blueprints._storage import (
    check_object_prefix,
    data_bucket_with_access_logs,
    grant_put_under_prefix,
)

HANDLER_DIR = Path(__file__).parent / "handlers" / "event_processor"


def handler_code() -> lambda_.Code:
    """The blueprint's handler as a zip asset (no bundling, no Docker: the handler
    needs only the runtime's boto3 and the Powertools layer)."""
    return _handler_code(HANDLER_DIR)


class EventProcessingService(Construct):
    """SQS -> Lambda -> S3 with the governed defaults.

    Attributes: ``consumer`` (QueueConsumer), ``bucket``, ``access_logs_bucket``,
    ``idempotency_table`` (or None).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        production: bool = False,
        criticality: Criticality = Criticality.STANDARD,
        delivery: DeliveryProps | None = None,
        idempotency: bool = False,
        object_prefix: str = "events",
        batch_size: int = 10,
        max_batching_window: Duration | None = None,
        max_concurrency: int | None = None,
        memory_size: int = 512,
        timeout: Duration | None = None,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        """
        :param production: versioned data bucket and RETAIN on the idempotency
            table; default False.
        :param criticality: of the handler function; default STANDARD.
        :param delivery: the handler's runtime-governance and delivery props
            (``paved_road.DeliveryProps``: ``runtime_version_arn``, ``deployment``,
            ``provisioned_concurrency`` ...); default: the criticality's tier. CRITICAL
            needs ``runtime_version_arn``.
        :param idempotency: create a DynamoDB table and enable Powertools
            idempotency in the handler; default False.
        :param object_prefix: S3 key prefix for written objects (no leading or
            trailing '/'); default ``events``.
        :param batch_size: see QueueConsumer; default 10.
        :param max_batching_window: see QueueConsumer; default none.
        :param max_concurrency: see QueueConsumer; default unlimited.
        :param memory_size: handler memory (MB); default 512 (1 MiB messages are
            parsed in memory).
        :param timeout: handler timeout; default 60 s.
        :param alarm_topic: SNS topic for the consumer's alarms; default none.
        """
        super().__init__(scope, id)
        problems = Problems("EventProcessingService", self.node.path)
        check_object_prefix(problems, object_prefix)
        problems.raise_if_any()

        self.bucket, self.access_logs_bucket = data_bucket_with_access_logs(self, production)

        environment = {"BUCKET_NAME": self.bucket.bucket_name, "OBJECT_PREFIX": object_prefix}
        self.idempotency_table: dynamodb.TableV2 | None = None
        if idempotency:
            self.idempotency_table = dynamodb.TableV2(
                self,
                "IdempotencyTable",
                partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
                time_to_live_attribute="expiration",
                billing=dynamodb.Billing.on_demand(),
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                removal_policy=RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY,
            )
            environment["IDEMPOTENCY_TABLE"] = self.idempotency_table.table_name

        function_props: GovernedFunctionProps = {
            "code": handler_code(),
            "handler": "index.handler",
            "criticality": criticality,
            **(delivery or {}),
            "service_name": id,
            "memory_size": memory_size,
            "timeout": timeout or Duration.seconds(60),
            "environment": environment,
        }
        self.consumer = QueueConsumer(
            self,
            "Consumer",
            queue_props=sqs.QueueProps(),
            function_props=function_props,
            batch_size=batch_size,
            max_batching_window=max_batching_window,
            max_concurrency=max_concurrency,
            alarm_topic=alarm_topic,
        )
        fn = self.consumer.function
        role = self.consumer.governed_function.role if self.consumer.governed_function else None
        grant_put_under_prefix(
            fn,
            role,
            self.bucket,
            object_prefix,
            "The handler writes one object per message under the service's key prefix",
        )
        if self.idempotency_table is not None:
            self.idempotency_table.grant_read_write_data(fn)

"""The dead-letter queue shape paved-road constructs share, and its depth alarm."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road._alarms import threshold_alarm
from paved_road._validate import ONE_MINUTE

DLQ_RETENTION = Duration.days(14)
"""SQS's maximum retention: time to notice, fix and redrive."""


def dead_letter_queue(
    scope: Construct,
    id: str,
    *,
    reason: str,
    retention_period: Duration = DLQ_RETENTION,
    max_message_size_bytes: int | None = None,
    queue_name: str | None = None,
    removal_policy: RemovalPolicy | None = None,
) -> sqs.Queue:
    """An encrypted (SSE-SQS), TLS-only standard queue that keeps failed messages; the
    cdk-nag findings for a queue without a DLQ of its own (``Serverless-SQSRedrivePolicy``,
    ``AwsSolutions-SQS3``) are acknowledged with ``reason`` (what the queue is for)."""
    queue = sqs.Queue(
        scope,
        id,
        queue_name=queue_name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=retention_period,
        max_message_size_bytes=max_message_size_bytes,
        removal_policy=removal_policy,
    )
    Validations.of(queue).acknowledge(
        Acknowledgment(id="Serverless-SQSRedrivePolicy", reason=reason),
        Acknowledgment(id="AwsSolutions-SQS3", reason=reason),
    )
    return queue


def messages_visible_alarm(
    scope: Construct, id: str, queue: sqs.IQueue, *, description: str, threshold: float = 1
) -> cloudwatch.Alarm:
    """An alarm when at least ``threshold`` messages are visible in ``queue`` (the maximum
    of one minute): a dead-letter or failure queue that has something to look at."""
    return threshold_alarm(
        scope,
        id,
        description=description,
        metric=queue.metric_approximate_number_of_messages_visible(
            period=ONE_MINUTE, statistic="Maximum"
        ),
        threshold=threshold,
    )

"""Lambda handler of the ``EventProcessingService`` blueprint: SQS -> Lambda -> S3.

Entry point: ``index.handler``. This directory is shipped as a CDK asset and runs on the
AWS Lambda Python runtime with the AWS-managed Powertools for AWS Lambda (Python) layer, so
this module imports only the standard library, ``boto3`` and ``aws_lambda_powertools``.

Contract
--------
Input
    An SQS event (a batch of records). Each message body must be a JSON *object*.

Effect
    For every record whose body is a JSON object, the object is written (as JSON,
    ``Content-Type: application/json``) to the S3 bucket ``BUCKET_NAME`` under the key
    ``{OBJECT_PREFIX}/{messageId}.json``. No ``ServerSideEncryption`` is sent: the bucket's
    default encryption applies. One ``RecordsProcessed`` metric (Count) is emitted per stored
    record; every log line written while a record is handled carries its ``message_id``.
    Message bodies are never logged.

Return value
    ``{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`` listing exactly the
    records that failed (an empty list when all succeeded). The event source mapping has
    ``ReportBatchItemFailures`` on, so SQS deletes the successful messages and makes only the
    failed ones visible again. The handler does not raise when *every* record of a batch
    fails (``raise_on_entire_batch_failure=False``): it returns them all, so a batch made
    only of poison messages behaves like any other partial failure. Failures are counted in
    a ``RecordsFailed`` metric (Count), emitted only when there is at least one.

Poison messages
    A body that is not valid JSON, or valid JSON that is not an object (array, string,
    number, ``null``...), raises :class:`PoisonMessageError`; the record is reported in
    ``batchItemFailures`` and logged at ERROR level with its message id. It is retried by
    SQS until the queue's redrive policy moves it to the dead-letter queue. Any other error
    (for instance S3 access denied) is reported the same way.

Environment variables
    ``BUCKET_NAME`` (required)
        Destination bucket.
    ``OBJECT_PREFIX`` (optional, default ``events``)
        Key prefix, without a trailing slash.
    ``IDEMPOTENCY_TABLE`` (optional)
        Name of a DynamoDB table (partition key ``id``, string; TTL attribute
        ``expiration``) used by Powertools idempotency. When unset or empty, no DynamoDB
        client is created and no DynamoDB call is made.
    ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``...
        Read by Powertools; set by the infrastructure.

Idempotency key
    When ``IDEMPOTENCY_TABLE`` is set, the record processing is wrapped with Powertools
    ``idempotent_function`` and keyed on the SQS ``messageId``
    (``IdempotencyConfig(event_key_jmespath="messageId")``), hashed by Powertools into the
    ``id`` attribute. Why the message id and not the body (or a body field):

    * the unit of work is the *message*: the S3 key is derived from the message id, so two
      distinct messages with identical bodies must each produce their own object, which a
      body-derived key would prevent (the second would be "served from the store" and its
      object never written);
    * SQS (standard queues) delivers *at least once*, and a redelivery keeps the same
      message id while ``receiptHandle`` and ``attributes`` change, so the whole record
      cannot be the key; the message id is present in every record, unlike an optional
      body field (``raise_on_no_idempotency_key=True`` makes a record without one fail
      instead of silently skipping idempotency).

    It protects against duplicate deliveries (a batch redelivered after a timeout, a message
    seen again after its visibility timeout expired while it was still being processed): a
    completed message is served from the store for ``expires_after_seconds`` (Powertools
    default, one hour) without writing S3 again or emitting ``RecordsProcessed``; a message
    still in progress elsewhere fails with ``IdempotencyAlreadyInProgressError`` and is
    retried later. A failed attempt (poison message included) leaves no record in the
    table, so a retry is processed normally. De-duplicating producer-side duplicates (the
    same business event sent as two messages) is out of scope: use a FIFO queue with
    content-based de-duplication, or make the object key business-derived.

Testing
    AWS clients are created lazily (:func:`s3_client`, :func:`record_processor`, both
    cached), so importing this module needs neither credentials nor a region. Tests can
    replace :func:`s3_client` on the module (``monkeypatch.setattr(module, "s3_client",
    ...)``) or clear the caches with ``s3_client.cache_clear()`` /
    ``record_processor.cache_clear()``.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

DEFAULT_OBJECT_PREFIX = "events"
IDEMPOTENCY_KEY_JMESPATH = "messageId"

logger = Logger()
tracer = Tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class PoisonMessageError(ValueError):
    """An SQS message whose body is not a JSON object; it can never be processed."""


@functools.cache
def s3_client() -> Any:
    """The S3 client, created on first use (importing the module needs no AWS settings)."""
    return boto3.client("s3")


def object_key(message_id: str) -> str:
    """S3 key of the object written for the message ``message_id``."""
    prefix = os.environ.get("OBJECT_PREFIX", DEFAULT_OBJECT_PREFIX)
    return f"{prefix}/{message_id}.json"


def _reject_constant(name: str) -> Any:
    """``NaN``/``Infinity`` are accepted by :func:`json.loads` but are not JSON."""
    raise ValueError(f"{name} is not a valid JSON value")


def parse_body(record: SQSRecord) -> dict[str, Any]:
    """The message body as a JSON object; :class:`PoisonMessageError` if it is not one."""
    try:
        payload = json.loads(record.body, parse_constant=_reject_constant)
    except (TypeError, ValueError) as exc:
        raise PoisonMessageError(
            f"body of SQS message {record.message_id} is not valid JSON: {exc}"
        ) from exc
    if not isinstance(payload, dict):
        raise PoisonMessageError(
            f"body of SQS message {record.message_id} is a JSON {type(payload).__name__},"
            " expected a JSON object"
        )
    return payload


def process_record(record: SQSRecord) -> dict[str, str]:
    """Store one message in S3. ``record`` must be passed by keyword (idempotency)."""
    payload = parse_body(record)
    bucket = os.environ["BUCKET_NAME"]
    key = object_key(record.message_id)
    s3_client().put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(payload, separators=(",", ":"), allow_nan=False).encode("utf-8"),
        ContentType="application/json",
    )
    metrics.add_metric(name="RecordsProcessed", unit=MetricUnit.Count, value=1)
    logger.info("Stored event", extra={"bucket": bucket, "key": key})
    return {"bucket": bucket, "key": key}


@functools.cache
def record_processor() -> tuple[Callable[..., dict[str, str]], IdempotencyConfig | None]:
    """The record processing function, and the idempotency config when it is enabled.

    Without ``IDEMPOTENCY_TABLE`` this is :func:`process_record` itself and no DynamoDB
    client is ever created.
    """
    table_name = os.environ.get("IDEMPOTENCY_TABLE")
    if not table_name:
        return process_record, None
    config = IdempotencyConfig(
        event_key_jmespath=IDEMPOTENCY_KEY_JMESPATH,
        raise_on_no_idempotency_key=True,
    )
    persistence_store = DynamoDBPersistenceLayer(table_name=table_name)
    idempotent = idempotent_function(
        data_keyword_argument="record",
        persistence_store=persistence_store,
        config=config,
    )
    return idempotent(process_record), config


def record_handler(record: SQSRecord) -> dict[str, str]:
    """Handle one SQS record for the batch processor; raising marks it as failed."""
    process, _ = record_processor()
    with logger.append_context_keys(message_id=record.message_id):
        try:
            return process(record=record)
        except Exception:
            logger.exception("Failed to process SQS message")
            raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process an SQS batch; return the partial batch response (failed message ids)."""
    _, idempotency_config = record_processor()
    if idempotency_config is not None:
        idempotency_config.register_lambda_context(context)
    response = process_partial_response(
        event=event,
        record_handler=record_handler,
        processor=processor,
        context=context,
    )
    failed = len(response.get("batchItemFailures", []))
    if failed:
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=failed)
    return dict(response)

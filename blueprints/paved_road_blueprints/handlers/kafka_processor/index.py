"""Lambda handler of the ``KafkaStreamProcessor`` blueprint: MSK / Kafka -> Lambda -> S3 or SQS.

Entry point: ``index.handler``. This directory is shipped as a CDK asset and runs on the
AWS Lambda Python runtime with the AWS-managed Powertools for AWS Lambda (Python) layer, so
this module imports only the standard library, ``boto3`` and ``aws_lambda_powertools``. The
layer the blueprint pins predates Powertools' Kafka *batch processing* support, so the batch
utility is not used: the batch is walked here, which also lets the handler apply the Kafka
ordering rule below (the SQS batch processor knows nothing of partitions).

Contract
--------
Input
    An Amazon MSK (``"eventSource": "aws:kafka"``) or self-managed Apache Kafka
    (``"eventSource": "SelfManagedKafka"``, no ``eventSourceArn``) event: ``records`` maps
    ``"{topic}-{partition}"`` to that partition's records, in offset order. Each record has
    ``topic``, ``partition``, ``offset``, ``timestamp``, an optional base64 ``key``, a base64
    ``value`` and ``headers`` (a list of ``{name: [byte, ...]}``; bytes may be signed, as Java
    producers send them). Each value must be a UTF-8 JSON *object*. An event without a
    ``records`` object, or a record without integer ``partition``/``offset`` and a string
    ``topic``, is not a Kafka event: the handler raises ``ValueError`` before writing anything.

Effect
    Every record is decoded (the value as a JSON object; the key, when present, as UTF-8
    text with undecodable bytes replaced; headers as ``{name: text}``, the last one winning
    when a name repeats, undecodable bytes replaced) into the document ::

        {"topic", "partition", "offset", "timestamp", "key", "headers", "value": <object>}

    which is then written according to ``OUTPUT``:

    ``s3`` (default)
        ``put_object`` to ``BUCKET_NAME``, key
        ``{OBJECT_PREFIX}/{topic}/{partition}/{offset}.json``, ``Content-Type:
        application/json``. No ``ServerSideEncryption`` is sent: the bucket's default
        encryption applies.
    ``sqs``
        ``send_message_batch`` to the FIFO queue ``QUEUE_URL``, at most 10 entries and at most
        256 KiB of bodies per call (a larger record is sent alone), with
        ``MessageGroupId = "{topic}-{partition}"`` (SQS keeps a group in order, so a
        partition's order survives) and ``MessageDeduplicationId = "{topic}-{partition}-{offset}"``.
        Both are reduced to the characters SQS accepts and to 128 characters (an identifier
        that had to change ends with a SHA-256 of the original, so it stays unique and
        stable). An entry listed in the response's ``Failed`` is a failure of its record; a
        call that raises fails every record it carried.

    Metrics (Count): ``RecordsProcessed`` (records written, emitted even when 0) and
    ``RecordsFailed`` (only when at least one record failed). Every log line written while a
    record is handled carries its ``topic``, ``partition`` and ``offset``; keys, headers and
    values are never logged. Successful records are logged at DEBUG level (a Kafka batch can
    hold thousands of records), failures at ERROR/WARNING, and one INFO summary per batch.

Ordering
    Records of one partition are handled in offset order, and once a record of a partition
    fails, the later offsets of that partition in this batch are *not* written: they are
    reported as failed too (logged at WARNING), so that Lambda redelivers the partition from
    the first failure and a later offset is never written before an earlier one. Other
    partitions go on. With ``OUTPUT=sqs``, an entry that SQS accepted in the same call as an
    earlier, rejected offset of its group is also reported as failed; its redelivery is
    de-duplicated by SQS (see below), so in that rare case (a per-entry failure in the
    middle of a call) that message stays ahead of the earlier one in the queue.

Return value
    ``REPORT_BATCH_ITEM_FAILURES=true`` (default): ``{"batchItemFailures": [{"itemIdentifier":
    {"partition": "{topic}-{partition}", "offset": <offset>}}, ...]}`` listing exactly the
    failed records, in event order (an empty list when all succeeded). This is the Kafka
    partial batch response, honoured only by event source mappings in *provisioned* mode with
    ``ReportBatchItemFailures``. The handler does not raise when every record fails.

    ``REPORT_BATCH_ITEM_FAILURES=false`` (on-demand mode mappings, which ignore a partial
    response): if any record failed, :class:`BatchFailedError` is raised (its message lists
    the failed coordinates, its ``failures`` attribute holds them all) so that Lambda retries
    the whole batch; the records already written are written again, harmlessly (see
    Idempotency). Otherwise ``{"batchItemFailures": []}`` is returned.

Poison records
    A value that is missing or ``null`` (a tombstone), not strict base64, not UTF-8, not JSON,
    JSON with ``NaN``/``Infinity``, or JSON that is not an object (array, string, number,
    ``null``), a key that is not base64, or malformed headers raise :class:`PoisonRecordError`
    (a ``ValueError``). The record is reported as failed and logged at ERROR level with its
    coordinates; like any failure, it blocks the later offsets of its partition until the event
    source mapping's retry policy (maximum retry attempts / record age, on-failure destination)
    moves past it. Any other error (S3 access denied, SQS throttling...) is handled the same way.

Environment variables
    ``OUTPUT`` (optional, ``s3`` or ``sqs``, default ``s3``)
        Where records are written.
    ``BUCKET_NAME`` (required with ``OUTPUT=s3``)
        Destination bucket.
    ``OBJECT_PREFIX`` (optional, default ``records``)
        Key prefix, without a trailing slash.
    ``QUEUE_URL`` (required with ``OUTPUT=sqs``)
        URL of the destination FIFO queue.
    ``REPORT_BATCH_ITEM_FAILURES`` (optional, ``true`` or ``false``, default ``true``)
        Return a partial batch response (``true``) or raise on any failure (``false``).
    ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``, ``POWERTOOLS_LOG_LEVEL``...
        Read by Powertools; set by the infrastructure.

    An unknown ``OUTPUT`` or ``REPORT_BATCH_ITEM_FAILURES`` value, or a missing destination,
    raises ``ValueError`` before any record is handled.

Idempotency
    Idempotency is *by record coordinates*. Kafka identifies a record by (topic, partition,
    offset) and never gives that triple to another record (short of deleting and recreating
    the topic), and every write is derived from it alone: a redelivered record (a retried
    batch, a partial failure, an on-demand mapping retrying everything) overwrites the same
    S3 object with the same content, or is sent to SQS with the same de-duplication id, which
    the FIFO queue drops within its 5-minute de-duplication window. No DynamoDB idempotency
    table is needed: it would only remember what the coordinates already say, at the cost of a
    table, two extra calls per record and one more way to fail. Limits: a redelivery more than
    5 minutes after the first send reaches the SQS consumers twice (they can de-duplicate on
    the coordinates carried in the body), and a recreated topic overwrites the objects of its
    predecessor.

Testing
    AWS clients are created lazily (:func:`s3_client`, :func:`sqs_client`, both cached), so
    importing this module needs neither credentials nor a region. Tests can replace them on
    the module (``monkeypatch.setattr(module, "s3_client", ...)``) or clear the caches with
    ``s3_client.cache_clear()`` / ``sqs_client.cache_clear()``. The environment is read at
    every invocation.

Why not the Powertools Kafka consumer utility
    ``aws_lambda_powertools.utilities.kafka`` deserializes lazily, per record (``value`` is a
    cached property), so one bad record could be reported alone. It is still not used: its
    JSON deserializer decodes base64 leniently (characters outside the alphabet are dropped),
    accepts ``NaN``/``Infinity`` and any JSON type, and its default key deserializer raises on a
    non-UTF-8 key. The strict decoding the contract above needs is a few lines of stdlib.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import os
import string
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

DEFAULT_OBJECT_PREFIX = "records"
OUTPUTS = ("s3", "sqs")
SQS_MAX_BATCH_ENTRIES = 10
SQS_MAX_BATCH_BYTES = 256 * 1024
SQS_ID_MAX_LENGTH = 128
SQS_ID_ALLOWED = frozenset(string.ascii_letters + string.digits + string.punctuation)
MAX_LISTED_FAILURES = 100

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class PoisonRecordError(ValueError):
    """A Kafka record that can never be processed (its value is not a JSON object...)."""


class BatchFailedError(RuntimeError):
    """Some records failed and partial batch responses are off: Lambda retries the batch."""

    def __init__(self, failures: list[Coordinates], total: int) -> None:
        self.failures = list(failures)
        listed = ", ".join(str(c) for c in self.failures[:MAX_LISTED_FAILURES])
        more = len(self.failures) - MAX_LISTED_FAILURES
        if more > 0:
            listed += f" and {more} more"
        super().__init__(f"{len(self.failures)} of {total} Kafka records failed: {listed}")


@dataclass(frozen=True)
class Coordinates:
    """Where a record lives: the identity Kafka gives it."""

    topic: str
    partition: int
    offset: int

    @property
    def partition_id(self) -> str:
        """``{topic}-{partition}``, as Lambda names a partition."""
        return f"{self.topic}-{self.partition}"

    def item_identifier(self) -> dict[str, Any]:
        """The entry of this record in a Kafka partial batch response."""
        return {"itemIdentifier": {"partition": self.partition_id, "offset": self.offset}}

    def __str__(self) -> str:
        return f"{self.partition_id}@{self.offset}"


@dataclass(frozen=True)
class Settings:
    """The handler configuration, read from the environment at every invocation."""

    output: str
    report_batch_item_failures: bool
    bucket: str = ""
    object_prefix: str = DEFAULT_OBJECT_PREFIX
    queue_url: str = ""

    @classmethod
    def from_environment(cls) -> Settings:
        output = os.environ.get("OUTPUT", "s3").strip().lower() or "s3"
        if output not in OUTPUTS:
            raise ValueError(f"OUTPUT must be one of {', '.join(OUTPUTS)}, not {output!r}")
        report = os.environ.get("REPORT_BATCH_ITEM_FAILURES", "true").strip().lower() or "true"
        if report not in ("true", "false"):
            raise ValueError(f"REPORT_BATCH_ITEM_FAILURES must be true or false, not {report!r}")
        settings = cls(
            output=output,
            report_batch_item_failures=report == "true",
            bucket=os.environ.get("BUCKET_NAME", ""),
            object_prefix=os.environ.get("OBJECT_PREFIX", DEFAULT_OBJECT_PREFIX),
            queue_url=os.environ.get("QUEUE_URL", ""),
        )
        if output == "s3" and not settings.bucket:
            raise ValueError("BUCKET_NAME must be set when OUTPUT=s3")
        if output == "sqs" and not settings.queue_url:
            raise ValueError("QUEUE_URL must be set when OUTPUT=sqs")
        return settings


@dataclass(frozen=True)
class DecodedRecord:
    """A record ready to be written: its coordinates and the JSON document to write."""

    coordinates: Coordinates
    body: str

    @property
    def size(self) -> int:
        return len(self.body.encode("utf-8"))


@dataclass
class BatchOutcome:
    """What became of the records of a batch."""

    processed: int = 0
    failed: set[Coordinates] = field(default_factory=set)
    first_failed_offset: dict[tuple[str, int], int] = field(default_factory=dict)

    def is_blocked(self, coordinates: Coordinates) -> bool:
        """True when an earlier offset of the same partition has failed."""
        first = self.first_failed_offset.get((coordinates.topic, coordinates.partition))
        return first is not None and coordinates.offset > first

    def fail(self, coordinates: Coordinates) -> None:
        self.failed.add(coordinates)
        key = (coordinates.topic, coordinates.partition)
        first = self.first_failed_offset.get(key)
        if first is None or coordinates.offset < first:
            self.first_failed_offset[key] = coordinates.offset

    def skip(self, coordinates: Coordinates) -> None:
        """Report a record behind a failed offset of its partition as failed, unwritten."""
        logger.warning("Not written: an earlier offset of this partition failed")
        self.fail(coordinates)

    def succeed(self) -> None:
        self.processed += 1
        logger.debug("Record written")


@functools.cache
def s3_client() -> Any:
    """The S3 client, created on first use (importing the module needs no AWS settings)."""
    return boto3.client("s3")


@functools.cache
def sqs_client() -> Any:
    """The SQS client, created on first use (importing the module needs no AWS settings)."""
    return boto3.client("sqs")


@contextmanager
def record_context(coordinates: Coordinates) -> Iterator[None]:
    """Every log line written inside carries the record's coordinates."""
    with logger.append_context_keys(
        topic=coordinates.topic, partition=coordinates.partition, offset=coordinates.offset
    ):
        yield


# --------------------------------------------------------------------------- decoding


def event_records(event: Any) -> list[tuple[Coordinates, Mapping[str, Any]]]:
    """The records of a Kafka event, in event order; ``ValueError`` if it is not one."""
    if not isinstance(event, Mapping) or not isinstance(event.get("records"), Mapping):
        raise ValueError("not a Kafka event: no 'records' object")
    records: list[tuple[Coordinates, Mapping[str, Any]]] = []
    for name, chunk in event["records"].items():
        if not isinstance(chunk, list):
            raise ValueError(f"not a Kafka event: records[{name!r}] is not a list")
        for record in chunk:
            records.append((coordinates_of(record, name), record))
    return records


def coordinates_of(record: Any, name: str) -> Coordinates:
    """The coordinates of one record of ``records[name]``; ``ValueError`` if it has none."""
    if not isinstance(record, Mapping):
        raise ValueError(f"not a Kafka event: a record of {name!r} is not an object")
    topic = record.get("topic")
    partition = _natural(record.get("partition"))
    offset = _natural(record.get("offset"))
    if not isinstance(topic, str) or not topic or partition is None or offset is None:
        raise ValueError(f"not a Kafka event: a record of {name!r} has no valid coordinates")
    return Coordinates(topic, partition, offset)


def _natural(value: Any) -> int | None:
    """``value`` if it is a non-negative int (not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _reject_constant(name: str) -> Any:
    """``NaN``/``Infinity`` are accepted by :func:`json.loads` but are not JSON."""
    raise ValueError(f"{name} is not a valid JSON value")


def _base64(data: Any, what: str) -> bytes:
    if not isinstance(data, str):
        raise PoisonRecordError(f"record {what} is not a base64 string")
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise PoisonRecordError(f"record {what} is not valid base64: {exc}") from exc


def decode_value(data: Any) -> dict[str, Any]:
    """The record value as a JSON object; :class:`PoisonRecordError` if it is not one."""
    if data is None:
        raise PoisonRecordError("record value is missing (tombstone)")
    raw = _base64(data, "value")
    try:
        payload = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        # Neither message quotes the value: only a position and a reason.
        raise PoisonRecordError(f"record value is not UTF-8 JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise PoisonRecordError(
            f"record value is a JSON {type(payload).__name__}, expected a JSON object"
        )
    return payload


def decode_key(data: Any) -> str | None:
    """The record key as text (undecodable bytes replaced), None when there is none."""
    if data is None:
        return None
    return _base64(data, "key").decode("utf-8", errors="replace")


def decode_headers(data: Any) -> dict[str, str]:
    """``[{name: [byte, ...]}, ...]`` as ``{name: text}``; bytes may be signed (-128..255)."""
    if data is None:
        return {}
    if not isinstance(data, list):
        raise PoisonRecordError("record headers are not a list")
    headers: dict[str, str] = {}
    try:
        for header in data:
            for name, values in header.items():
                raw = bytes(value + 256 if -128 <= value < 0 else value for value in values)
                headers[str(name)] = raw.decode("utf-8", errors="replace")
    except (AttributeError, TypeError, ValueError) as exc:
        raise PoisonRecordError(f"record headers are malformed: {exc}") from exc
    return headers


def decode_record(coordinates: Coordinates, record: Mapping[str, Any]) -> DecodedRecord:
    """The document written for ``record``; :class:`PoisonRecordError` if it has none."""
    value = decode_value(record.get("value"))
    document = {
        "topic": coordinates.topic,
        "partition": coordinates.partition,
        "offset": coordinates.offset,
        "timestamp": record.get("timestamp"),
        "key": decode_key(record.get("key")),
        "headers": decode_headers(record.get("headers")),
        "value": value,
    }
    body = json.dumps(document, separators=(",", ":"), allow_nan=False)
    return DecodedRecord(coordinates, body)


# --------------------------------------------------------------------------- outputs


def object_key(coordinates: Coordinates, prefix: str = DEFAULT_OBJECT_PREFIX) -> str:
    """S3 key of the object written for the record at ``coordinates``."""
    return f"{prefix}/{coordinates.topic}/{coordinates.partition}/{coordinates.offset}.json"


def sqs_identifier(text: str) -> str:
    """``text`` as an SQS message group / de-duplication id: allowed characters only, at most
    128 of them; a changed id ends with a SHA-256 of ``text`` so it stays unique."""
    cleaned = "".join(c if c in SQS_ID_ALLOWED else "_" for c in text)
    if cleaned == text and len(text) <= SQS_ID_MAX_LENGTH:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{cleaned[: SQS_ID_MAX_LENGTH - len(digest) - 1]}-{digest}"


def write_to_s3(records: list[DecodedRecord], settings: Settings, outcome: BatchOutcome) -> None:
    for record in records:
        with record_context(record.coordinates):
            if outcome.is_blocked(record.coordinates):
                outcome.skip(record.coordinates)
                continue
            try:
                s3_client().put_object(
                    Bucket=settings.bucket,
                    Key=object_key(record.coordinates, settings.object_prefix),
                    Body=record.body.encode("utf-8"),
                    ContentType="application/json",
                )
            except Exception:
                logger.exception("Failed to write Kafka record to S3")
                outcome.fail(record.coordinates)
            else:
                outcome.succeed()


def write_to_sqs(records: list[DecodedRecord], settings: Settings, outcome: BatchOutcome) -> None:
    pending = deque(records)
    while pending:
        chunk: list[DecodedRecord] = []
        size = 0
        while pending and len(chunk) < SQS_MAX_BATCH_ENTRIES:
            record = pending[0]
            if outcome.is_blocked(record.coordinates):
                pending.popleft()
                with record_context(record.coordinates):
                    outcome.skip(record.coordinates)
                continue
            if chunk and size + record.size > SQS_MAX_BATCH_BYTES:
                break
            chunk.append(pending.popleft())
            size += record.size
        if chunk:
            send_chunk(chunk, settings, outcome)


def send_chunk(chunk: list[DecodedRecord], settings: Settings, outcome: BatchOutcome) -> None:
    """One ``send_message_batch`` call; entry ids are the positions in ``chunk``."""
    entries = [
        {
            "Id": str(position),
            "MessageBody": record.body,
            "MessageGroupId": sqs_identifier(record.coordinates.partition_id),
            "MessageDeduplicationId": sqs_identifier(deduplication_source(record.coordinates)),
        }
        for position, record in enumerate(chunk)
    ]
    try:
        response = sqs_client().send_message_batch(QueueUrl=settings.queue_url, Entries=entries)
    except Exception as exc:
        for record in chunk:
            with record_context(record.coordinates):
                logger.error("Failed to send Kafka record to SQS", exc_info=exc)
                outcome.fail(record.coordinates)
        return
    rejected = {entry.get("Id"): entry for entry in response.get("Failed", [])}
    for position, record in enumerate(chunk):
        with record_context(record.coordinates):
            entry = rejected.get(str(position))
            if entry is not None:
                logger.error(
                    "SQS rejected the Kafka record",
                    extra={
                        "error_code": entry.get("Code"),
                        "sender_fault": entry.get("SenderFault"),
                        "error_message": entry.get("Message"),
                    },
                )
                outcome.fail(record.coordinates)
            elif outcome.is_blocked(record.coordinates):
                logger.warning(
                    "Accepted by SQS after an earlier offset of this partition was rejected:"
                    " reported as failed (its redelivery is de-duplicated by SQS)"
                )
                outcome.fail(record.coordinates)
            else:
                outcome.succeed()


def deduplication_source(coordinates: Coordinates) -> str:
    """``{topic}-{partition}-{offset}``: the de-duplication id before sanitizing."""
    return f"{coordinates.partition_id}-{coordinates.offset}"


# --------------------------------------------------------------------------- handler


def process_records(
    records: list[tuple[Coordinates, Mapping[str, Any]]], settings: Settings
) -> BatchOutcome:
    """Decode every record, then write the decodable ones, applying the ordering rule."""
    outcome = BatchOutcome()
    decoded: list[DecodedRecord] = []
    for coordinates, record in records:
        with record_context(coordinates):
            if outcome.is_blocked(coordinates):
                outcome.skip(coordinates)
                continue
            try:
                decoded.append(decode_record(coordinates, record))
            except PoisonRecordError:
                logger.exception("Poison Kafka record")
                outcome.fail(coordinates)
    if settings.output == "sqs":
        write_to_sqs(decoded, settings, outcome)
    else:
        write_to_s3(decoded, settings, outcome)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Process a Kafka batch; return the partial batch response (failed coordinates)."""
    records = event_records(event)
    settings = Settings.from_environment()
    outcome = process_records(records, settings)
    failures = [coordinates for coordinates, _ in records if coordinates in outcome.failed]
    failures = list(dict.fromkeys(failures))
    metrics.add_metric(name="RecordsProcessed", unit=MetricUnit.Count, value=outcome.processed)
    if failures:
        metrics.add_metric(name="RecordsFailed", unit=MetricUnit.Count, value=len(failures))
    logger.info(
        "Kafka batch handled",
        extra={
            "event_source": event.get("eventSource"),
            "output": settings.output,
            "records": len(records),
            "processed": outcome.processed,
            "failed": len(failures),
        },
    )
    if failures and not settings.report_batch_item_failures:
        raise BatchFailedError(failures, len(records))
    return {"batchItemFailures": [coordinates.item_identifier() for coordinates in failures]}

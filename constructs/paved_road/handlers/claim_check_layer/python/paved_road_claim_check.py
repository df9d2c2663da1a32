"""paved_road_claim_check: the claim-check runtime helper for Lambda functions.

``paved_road.ClaimCheck`` ships this module as a Lambda layer (its ``python/`` folder is
on ``sys.path`` in the Python runtimes) and sets three environment variables on every
function it grants access to:

* ``PAVED_ROAD_CLAIM_CHECK_BUCKET``: the claim-check bucket;
* ``PAVED_ROAD_CLAIM_CHECK_PREFIX``: the key prefix claims are written under (``claims/``);
* ``PAVED_ROAD_CLAIM_CHECK_THRESHOLD``: the largest payload, in bytes, sent inline
  (default 1,048,576: the SQS, EventBridge and asynchronous Lambda invoke maximum).

Producer side::

    import boto3
    import paved_road_claim_check as claims

    sqs = boto3.client("sqs")
    claims.send_message(sqs, queue_url, body)          # offloads when too large
    body_or_reference = claims.offload(body)           # or offload yourself

Consumer side (works as a plain decorator and stacks with Powertools' decorators)::

    from aws_lambda_powertools import Logger
    import paved_road_claim_check as claims

    logger = Logger()

    @logger.inject_lambda_context
    @claims.resolve_claims
    def handler(event, context):
        ...   # every SQS body / SNS message / EventBridge detail is the original payload

A payload at most the threshold (counted in UTF-8 bytes, plus the SQS message attributes
or the EventBridge entry fields that count toward the same service limit) is sent as is.
A larger one is written to ``s3://<bucket>/<prefix><uuid>`` and replaced by a reference::

    {"paved_road_claim_check": {"v": 1, "bucket": "...", "key": "claims/...",
                                "size": 3145728, "sha256": "<hex>"}}

Resolving a reference downloads the object and checks its size and SHA-256 digest. A
reference naming another bucket, or a key outside the configured prefix, is refused
(:class:`ForeignClaimError`): a message's sender must not choose what the consumer reads.

Only the standard library and boto3 (part of the Lambda Python runtime) are used. The
S3 client is created on first use, never at import time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

__all__ = [
    "BUCKET_ENV",
    "DEFAULT_PREFIX",
    "MARKER",
    "PREFIX_ENV",
    "SERVICE_MAX_BYTES",
    "THRESHOLD_ENV",
    "Claim",
    "ClaimCheckConfigError",
    "ClaimCheckError",
    "ClaimIntegrityError",
    "ClaimNotFoundError",
    "ClaimStore",
    "ForeignClaimError",
    "MalformedClaimError",
    "default_store",
    "event_entry_size",
    "invoke_async",
    "offload",
    "prepare_event_entry",
    "resolve",
    "resolve_claims",
    "resolve_event",
    "send_message",
    "sqs_attributes_size",
]

MARKER = "paved_road_claim_check"
"""The single key of a claim reference object."""
REFERENCE_VERSION = 1
BUCKET_ENV = "PAVED_ROAD_CLAIM_CHECK_BUCKET"
PREFIX_ENV = "PAVED_ROAD_CLAIM_CHECK_PREFIX"
THRESHOLD_ENV = "PAVED_ROAD_CLAIM_CHECK_THRESHOLD"
DEFAULT_PREFIX = "claims/"
SERVICE_MAX_BYTES = 1024 * 1024
"""1 MiB: the largest SQS message, EventBridge entry and asynchronous Lambda payload."""
EVENT_TIME_BYTES = 14
"""What an EventBridge entry's ``Time`` counts toward the entry size, when given."""
_REFERENCE_MAX_CHARS = 4096
"""A reference is about 200 characters; a longer text is never parsed as one."""

_log = logging.getLogger(__name__)
_Handler = TypeVar("_Handler", bound=Callable[..., Any])


class ClaimCheckError(Exception):
    """Base class of every error this module raises."""


class ClaimCheckConfigError(ClaimCheckError):
    """The store is not configured (no bucket) or configured with invalid values."""


class MalformedClaimError(ClaimCheckError):
    """A ``paved_road_claim_check`` reference without the expected fields."""


class ForeignClaimError(ClaimCheckError):
    """A reference to another bucket or to a key outside the configured prefix."""


class ClaimNotFoundError(ClaimCheckError):
    """The referenced object does not exist (expired by the lifecycle rule, or deleted)."""


class ClaimIntegrityError(ClaimCheckError):
    """The object's size or SHA-256 digest differs from the reference's."""


@dataclass(frozen=True)
class Claim:
    """A reference to a payload stored in S3 (``size`` in bytes, ``sha256`` in hex)."""

    bucket: str
    key: str
    size: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {
            MARKER: {
                "v": REFERENCE_VERSION,
                "bucket": self.bucket,
                "key": self.key,
                "size": self.size,
                "sha256": self.sha256,
            }
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_value(cls, value: object) -> Claim | None:
        """The claim ``value`` (a reference dict, or its JSON text) refers to; None when
        ``value`` is not a reference. Raises :class:`MalformedClaimError` for an object
        whose only key is the marker but whose fields are wrong."""
        if isinstance(value, str):
            text = value.strip()
            if not text.startswith("{") or len(text) > _REFERENCE_MAX_CHARS or MARKER not in text:
                return None
            try:
                value = json.loads(text)
            except ValueError:
                return None
        if not isinstance(value, dict) or set(value) != {MARKER}:
            return None
        fields = value[MARKER]
        if not isinstance(fields, dict):
            raise MalformedClaimError(f"{MARKER} must be an object, got {type(fields).__name__}")
        bucket, key, size, digest = (fields.get(k) for k in ("bucket", "key", "size", "sha256"))
        if (
            fields.get("v") != REFERENCE_VERSION
            or not isinstance(bucket, str)
            or not bucket
            or not isinstance(key, str)
            or not key
            or not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
            or not isinstance(digest, str)
            or len(digest) != 64
        ):
            raise MalformedClaimError(
                f"{MARKER} reference must hold v={REFERENCE_VERSION}, bucket, key, a "
                f"non-negative integer size and a 64-character sha256, got {fields!r}"
            )
        return cls(bucket=bucket, key=key, size=size, sha256=digest.lower())


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def sqs_attributes_size(attributes: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Bytes SQS message attributes add to the message size: every attribute's name,
    data type and value count (SQS ``MessageAttributeValue`` documentation)."""
    total = 0
    for name, attribute in (attributes or {}).items():
        total += utf8_size(name) + utf8_size(str(attribute.get("DataType", "")))
        if attribute.get("StringValue") is not None:
            total += utf8_size(str(attribute["StringValue"]))
        if attribute.get("BinaryValue") is not None:
            value = attribute["BinaryValue"]
            total += len(value) if isinstance(value, bytes | bytearray) else utf8_size(value)
    return total


def event_entry_size(entry: Mapping[str, Any]) -> int:
    """The size EventBridge computes for a ``PutEvents`` entry ("Calculating Amazon
    EventBridge PutEvents event entry size"): ``Time`` 14 bytes when given, and the
    UTF-8 bytes of ``Source``, ``DetailType``, ``Detail`` and each of ``Resources``."""
    total = EVENT_TIME_BYTES if entry.get("Time") is not None else 0
    for field in ("Source", "DetailType", "Detail"):
        if entry.get(field) is not None:
            total += utf8_size(str(entry[field]))
    return total + sum(utf8_size(str(r)) for r in entry.get("Resources") or () if r is not None)


class ClaimStore:
    """Offloads payloads to, and resolves references from, one bucket and key prefix.

    :param bucket: default ``$PAVED_ROAD_CLAIM_CHECK_BUCKET``. Checked on first use, so
        a consumer that only ever sees small payloads needs no configuration.
    :param prefix: default ``$PAVED_ROAD_CLAIM_CHECK_PREFIX``, else ``claims/``; must end
        with ``/`` (the bucket/prefix check compares key prefixes).
    :param threshold: the largest payload (bytes) kept inline; default
        ``$PAVED_ROAD_CLAIM_CHECK_THRESHOLD``, else 1,048,576. 0 offloads every payload.
    :param s3_client: a boto3 S3 client; default one created on first use.
    """

    def __init__(
        self,
        bucket: str | None = None,
        *,
        prefix: str | None = None,
        threshold: int | None = None,
        s3_client: Any = None,
    ) -> None:
        self._bucket = bucket if bucket is not None else os.environ.get(BUCKET_ENV, "")
        self.prefix = prefix if prefix is not None else os.environ.get(PREFIX_ENV, DEFAULT_PREFIX)
        if threshold is None:
            raw = os.environ.get(THRESHOLD_ENV, "")
            try:
                threshold = int(raw) if raw else SERVICE_MAX_BYTES
            except ValueError:
                raise ClaimCheckConfigError(
                    f"{THRESHOLD_ENV} must be an integer number of bytes, got {raw!r}"
                ) from None
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
            raise ClaimCheckConfigError(f"threshold must be an integer >= 0, got {threshold!r}")
        if self.prefix.startswith("/") or not self.prefix.endswith("/"):
            # ends with '/': "claims" would also accept keys under "claims-other/"
            raise ClaimCheckConfigError(
                f"prefix must end with '/' and not start with '/', got {self.prefix!r}"
            )
        self.threshold = threshold
        self._s3 = s3_client

    @property
    def bucket(self) -> str:
        if not self._bucket:
            raise ClaimCheckConfigError(
                f"no claim-check bucket: set {BUCKET_ENV} (ClaimCheck.grant_producer / "
                "grant_consumer set it) or pass bucket= to ClaimStore"
            )
        return self._bucket

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3")
        return self._s3

    # ------------------------------------------------------------------ producer
    def store(self, body: str) -> Claim:
        """Write ``body`` (UTF-8) to ``s3://bucket/prefix<uuid>`` and return its claim.
        S3 verifies the upload against the SHA-256 checksum sent with it."""
        data = body.encode("utf-8")
        digest = hashlib.sha256(data)
        claim = Claim(
            bucket=self.bucket,
            key=f"{self.prefix}{uuid.uuid4()}",
            size=len(data),
            sha256=digest.hexdigest(),
        )
        self.s3.put_object(
            Bucket=claim.bucket,
            Key=claim.key,
            Body=data,
            ContentType="text/plain; charset=utf-8",
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(digest.digest()).decode("ascii"),
        )
        _log.debug(
            "claim-check: offloaded %d bytes to s3://%s/%s", claim.size, claim.bucket, claim.key
        )
        return claim

    def offload(
        self,
        body: str,
        *,
        threshold: int | None = None,
        message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
        overhead: int = 0,
    ) -> str:
        """``body`` itself when its UTF-8 size plus ``overhead`` bytes plus the size of the
        SQS ``message_attributes`` is at most the threshold; otherwise the JSON text of a
        reference to the stored body. ``threshold`` overrides the store's for this call."""
        limit = self.threshold if threshold is None else threshold
        size = utf8_size(body) + sqs_attributes_size(message_attributes) + overhead
        if size <= limit:
            return body
        return self.store(body).to_json()

    def send_message(
        self, sqs_client: Any, queue_url: str, body: str, **kwargs: Any
    ) -> dict[str, Any]:
        """``sqs_client.send_message`` with ``body`` offloaded when the message (body and
        ``MessageAttributes``) would exceed the threshold. Other keyword arguments
        (``MessageAttributes``, ``MessageGroupId``, ...) are passed through."""
        message = self.offload(body, message_attributes=kwargs.get("MessageAttributes"))
        response: dict[str, Any] = sqs_client.send_message(
            QueueUrl=queue_url, MessageBody=message, **kwargs
        )
        return response

    def prepare_event_entry(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of the EventBridge ``PutEvents`` entry whose ``Detail`` (a JSON object
        text) is replaced by a reference when the entry size exceeds the threshold.
        Consumers see ``detail`` = the reference until :func:`resolve_event` resolves it."""
        prepared = dict(entry)
        detail = prepared.get("Detail")
        if detail is None or event_entry_size(prepared) <= self.threshold:
            return prepared
        prepared["Detail"] = self.store(str(detail)).to_json()
        return prepared

    def invoke_async(
        self, lambda_client: Any, function_name: str, payload: Any, **kwargs: Any
    ) -> dict[str, Any]:
        """``lambda_client.invoke(InvocationType="Event")`` with ``payload`` (a JSON text,
        or a value to serialize) offloaded when larger than the threshold; the function
        then receives the reference as its event."""
        text = payload if isinstance(payload, str) else json.dumps(payload)
        response: dict[str, Any] = lambda_client.invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=self.offload(text).encode("utf-8"),
            **kwargs,
        )
        return response

    # ------------------------------------------------------------------ consumer
    def fetch(self, claim: Claim) -> str:
        """The payload ``claim`` refers to, after checking it belongs to this store's
        bucket and prefix and that its size and SHA-256 digest match."""
        if claim.bucket != self.bucket or not claim.key.startswith(self.prefix):
            raise ForeignClaimError(
                f"refusing claim s3://{claim.bucket}/{claim.key}: only keys under "
                f"s3://{self.bucket}/{self.prefix} are resolved"
            )
        try:
            response = self.s3.get_object(Bucket=claim.bucket, Key=claim.key)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404"):
                raise ClaimNotFoundError(
                    f"claim s3://{claim.bucket}/{claim.key} does not exist (expired by the "
                    "bucket's lifecycle rule, or deleted)"
                ) from exc
            if code in ("AccessDenied", "403"):
                raise ClaimCheckError(
                    f"access denied to claim s3://{claim.bucket}/{claim.key}: the object is "
                    "missing (without s3:ListBucket S3 answers 403 for a missing key) or the "
                    "role lacks s3:GetObject / kms:Decrypt (ClaimCheck.grant_consumer)"
                ) from exc
            raise
        body = response["Body"]
        try:
            length = response.get("ContentLength")
            if length is not None and length != claim.size:
                raise ClaimIntegrityError(
                    f"claim s3://{claim.bucket}/{claim.key} holds {length} bytes, the "
                    f"reference says {claim.size}"
                )
            data: bytes = body.read(claim.size + 1)
        finally:
            body.close()
        if len(data) != claim.size:
            raise ClaimIntegrityError(
                f"claim s3://{claim.bucket}/{claim.key} holds {len(data)} bytes, the "
                f"reference says {claim.size}"
            )
        if hashlib.sha256(data).hexdigest() != claim.sha256:
            raise ClaimIntegrityError(
                f"claim s3://{claim.bucket}/{claim.key} does not match the reference's SHA-256"
            )
        return data.decode("utf-8")

    def resolve(self, body: str) -> str:
        """``body`` itself, or the payload when ``body`` is a reference."""
        claim = Claim.from_value(body)
        return body if claim is None else self.fetch(claim)

    def resolve_event(self, event: Any) -> Any:
        """``event`` with every reference replaced by its payload; the input is not
        modified. Recognized shapes:

        * SQS batches: ``Records[].body``, including a body that is an SNS notification
          (``Message``) or an EventBridge event (``detail``) delivered to the queue;
        * SNS: ``Records[].Sns.Message``;
        * EventBridge events: ``detail`` holding a reference (replaced by the JSON value
          of the payload);
        * asynchronous invokes whose whole event is a reference (see
          :meth:`invoke_async`): the JSON value of the payload.
        """
        if not isinstance(event, dict):
            return event
        claim = Claim.from_value(event)
        if claim is not None:
            return json.loads(self.fetch(claim))
        records = event.get("Records")
        if isinstance(records, list):
            return {**event, "Records": [self.resolve_record(r) for r in records]}
        if "detail-type" in event and "detail" in event:
            return self._resolve_detail(event)
        return event

    def resolve_record(self, record: Any) -> Any:
        """One SQS or SNS record of a Lambda event, resolved (a new dict if changed)."""
        if not isinstance(record, dict):
            return record
        if isinstance(record.get("body"), str):  # SQS
            body = self._resolve_body(record["body"])
            return record if body is record["body"] else {**record, "body": body}
        sns = record.get("Sns")
        if isinstance(sns, dict) and isinstance(sns.get("Message"), str):
            message = self.resolve(sns["Message"])
            if message is not sns["Message"]:
                return {**record, "Sns": {**sns, "Message": message}}
        return record

    def _resolve_body(self, body: str) -> str:
        if MARKER not in body:
            return body  # the common case: one substring search, no JSON parsing
        claim = Claim.from_value(body)
        if claim is not None:
            return self.fetch(claim)
        try:
            envelope = json.loads(body)
        except ValueError:
            return body
        if not isinstance(envelope, dict):
            return body
        if envelope.get("Type") == "Notification" and isinstance(envelope.get("Message"), str):
            message = self.resolve(envelope["Message"])  # SNS -> SQS (not raw delivery)
            if message is not envelope["Message"]:
                return json.dumps({**envelope, "Message": message})
        elif "detail-type" in envelope and "detail" in envelope:  # EventBridge -> SQS
            resolved = self._resolve_detail(envelope)
            if resolved is not envelope:
                return json.dumps(resolved)
        return body

    def _resolve_detail(self, event: dict[str, Any]) -> dict[str, Any]:
        claim = Claim.from_value(event["detail"])
        if claim is None:
            return event
        return {**event, "detail": json.loads(self.fetch(claim))}


# ---------------------------------------------------------------------- module API
_default: ClaimStore | None = None


def default_store() -> ClaimStore:
    """The store configured from the environment, created on first use and reused
    across invocations of a warm Lambda execution environment."""
    global _default
    if _default is None:
        _default = ClaimStore()
    return _default


def offload(
    body: str,
    *,
    threshold: int | None = None,
    message_attributes: Mapping[str, Mapping[str, Any]] | None = None,
) -> str:
    """:meth:`ClaimStore.offload` on the default store."""
    return default_store().offload(body, threshold=threshold, message_attributes=message_attributes)


def send_message(sqs_client: Any, queue_url: str, body: str, **kwargs: Any) -> dict[str, Any]:
    """:meth:`ClaimStore.send_message` on the default store."""
    return default_store().send_message(sqs_client, queue_url, body, **kwargs)


def prepare_event_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """:meth:`ClaimStore.prepare_event_entry` on the default store."""
    return default_store().prepare_event_entry(entry)


def invoke_async(
    lambda_client: Any, function_name: str, payload: Any, **kwargs: Any
) -> dict[str, Any]:
    """:meth:`ClaimStore.invoke_async` on the default store."""
    return default_store().invoke_async(lambda_client, function_name, payload, **kwargs)


def resolve(body: str) -> str:
    """:meth:`ClaimStore.resolve` on the default store."""
    return default_store().resolve(body)


def resolve_event(event: Any) -> Any:
    """:meth:`ClaimStore.resolve_event` on the default store."""
    return default_store().resolve_event(event)


def resolve_claims(
    handler: _Handler | None = None,
    *,
    store: ClaimStore | None = None,
    report_failures: bool = False,
) -> Any:
    """Decorate a Lambda handler so that it receives the event with every reference
    resolved (:meth:`ClaimStore.resolve_event`). Use it bare (``@resolve_claims``) or
    with options (``@resolve_claims(report_failures=True)``); put Powertools'
    ``@logger.inject_lambda_context`` / ``@tracer.capture_lambda_handler`` above it.

    :param store: default :func:`default_store` (configured from the environment).
    :param report_failures: for SQS batches only. False (default): an SQS record whose
        claim cannot be resolved fails the whole invoke (the batch is retried). True:
        such records are left out of the event and reported as ``batchItemFailures``
        merged into the handler's partial batch response (the mapping must have
        ``ReportBatchItemFailures``, as QueueConsumer's has); a handler that returns
        something else than a dict then makes the invoke fail instead.
    """

    def decorate(fn: _Handler) -> _Handler:
        @functools.wraps(fn)
        def wrapper(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
            claims = store or default_store()
            if not (report_failures and _is_sqs_batch(event)):
                return fn(claims.resolve_event(event), context, *args, **kwargs)
            kept, failed = [], []
            for record in event["Records"]:
                try:
                    kept.append(claims.resolve_record(record))
                except ClaimCheckError as exc:
                    _log.error("claim-check: record %s: %s", record.get("messageId"), exc)
                    failed.append({"itemIdentifier": record.get("messageId")})
            if not kept:
                return {"batchItemFailures": failed}
            result = fn({**event, "Records": kept}, context, *args, **kwargs)
            if not failed:
                return result
            if result is None:
                result = {"batchItemFailures": []}
            if not isinstance(result, dict):
                raise ClaimCheckError(
                    f"{len(failed)} record(s) could not be resolved and the handler returned "
                    f"{type(result).__name__}, not a partial batch response"
                )
            return {**result, "batchItemFailures": [*result.get("batchItemFailures", []), *failed]}

        return wrapper  # type: ignore[return-value]

    return decorate(handler) if handler is not None else decorate


def _is_sqs_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, dict) and r.get("eventSource") == "aws:sqs" for r in records)
    )

"""Tests of the claim-check runtime helper (``paved_road_claim_check``, the module
``ClaimCheck`` ships as a Lambda layer), against moto's S3 and SQS.

The module lives in the layer's asset directory (``handlers/claim_check_layer/python``,
not a package), so it is loaded from its file path, afresh for every test: the
environment-configured default store never leaks from one test to the next.

Round trips cover payloads below, exactly at and above the 1 MiB threshold (ASCII and
multi-byte UTF-8), through SQS (send_message), EventBridge (entries and the events rules
deliver, directly and through a queue), SNS and asynchronous invokes; the payload bytes
are compared after each round trip.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.handlers.support import (
    FakeLambdaContext,
    forbid_aws_clients,
    isolated_handler_environment,
    json_lines,
)

MODULE_FILE = (
    Path(__file__).resolve().parents[2]
    / "constructs"
    / "paved_road"
    / "handlers"
    / "claim_check_layer"
    / "python"
    / "paved_road_claim_check.py"
)
MODULE_NAME = "paved_road_claim_check"
REGION = "eu-west-1"
BUCKET = "paved-road-claims-test"
OTHER_BUCKET = "paved-road-claims-other"
PREFIX = "claims/"
ONE_MIB = 1024 * 1024


def load_module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The layer module as a brand new module (like ``support.load_asset_module``, which
    also wires a Powertools logger this stdlib-only module does not have)."""
    spec = importlib.util.spec_from_file_location(MODULE_NAME, MODULE_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # keep the asset dir clean
    monkeypatch.setitem(sys.modules, MODULE_NAME, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="claim-check",
        namespace="PavedRoad/Tests",
        clear=(
            "PAVED_ROAD_CLAIM_CHECK_BUCKET",
            "PAVED_ROAD_CLAIM_CHECK_PREFIX",
            "PAVED_ROAD_CLAIM_CHECK_THRESHOLD",
        ),
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for name in (BUCKET, OTHER_BUCKET):
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield


@pytest.fixture
def claims(aws: None, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The module configured as ClaimCheck.grant_producer / grant_consumer configure it."""
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_BUCKET", BUCKET)
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_PREFIX", PREFIX)
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_THRESHOLD", str(ONE_MIB))
    return load_module(monkeypatch)


@pytest.fixture
def s3() -> Any:
    return boto3.client("s3", region_name=REGION)


def stored_keys(s3: Any, bucket: str = BUCKET) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def sqs_record(body: str) -> dict[str, Any]:
    """A record shaped like the ones the SQS event source mapping delivers."""
    return {
        "messageId": str(uuid.uuid4()),
        "receiptHandle": f"AQEB{uuid.uuid4().hex}==",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1735689600000"},
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # what SQS sends
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:orders",
        "awsRegion": REGION,
    }


def eventbridge_event(detail: Any) -> dict[str, Any]:
    """An event as an EventBridge rule delivers it (``detail`` is the parsed Detail)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": "123456789012",
        "time": "2026-11-23T12:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def sns_record(message: str) -> dict[str, Any]:
    return {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "Sns": {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": f"arn:aws:sns:{REGION}:123456789012:orders",
            "Message": message,
            "MessageAttributes": {},
        },
    }


# Payloads: (id, text, offloaded?) with the default 1 MiB threshold.
PAYLOADS = [
    ("small", '{"order": 1}', False),
    ("at-threshold", "a" * ONE_MIB, False),
    ("threshold-plus-one", "a" * (ONE_MIB + 1), True),
    ("3-mib", "b" * (3 * ONE_MIB), True),
    # 524,289 two-byte characters: below 1 Mi characters, above 1 MiB of UTF-8
    ("non-ascii-over", "é" * (ONE_MIB // 2 + 1), True),
    ("non-ascii-under", "注文🧾" * 1000, False),
]


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize(
    ("text", "offloaded"), [p[1:] for p in PAYLOADS], ids=[p[0] for p in PAYLOADS]
)
def test_offload_and_resolve_round_trip(
    claims: ModuleType, s3: Any, text: str, offloaded: bool
) -> None:
    sent = claims.offload(text)

    if offloaded:
        reference = json.loads(sent)
        assert set(reference) == {"paved_road_claim_check"}
        assert len(sent) < 300
        (key,) = stored_keys(s3)
        assert key.startswith(PREFIX)
        assert reference["paved_road_claim_check"]["size"] == len(text.encode("utf-8"))
    else:
        assert sent is text
        assert stored_keys(s3) == []
    received = claims.resolve(sent)
    assert received.encode("utf-8") == text.encode("utf-8")


def test_upload_carries_a_sha256_checksum(claims: ModuleType, s3: Any) -> None:
    text = "c" * (ONE_MIB + 10)
    reference = json.loads(claims.offload(text))["paved_road_claim_check"]
    digest = hashlib.sha256(text.encode()).digest()
    stored = s3.get_object(Bucket=BUCKET, Key=reference["key"], ChecksumMode="ENABLED")
    assert stored["ContentLength"] == ONE_MIB + 10
    assert stored["ChecksumSHA256"] == base64.b64encode(digest).decode()
    assert reference["sha256"] == digest.hex()


def test_message_attributes_count_toward_the_threshold(claims: ModuleType) -> None:
    attributes = {"tenant": {"DataType": "String", "StringValue": "acme"}}  # 6 + 6 + 4 bytes
    body = "x" * (ONE_MIB - 16)
    assert claims.offload(body, message_attributes=attributes) is body
    longer = body + "x"
    assert claims.offload(longer, message_attributes=attributes) != longer
    assert claims.offload(longer) is longer  # without the attributes it fits


def test_threshold_from_the_environment(
    aws: None, monkeypatch: pytest.MonkeyPatch, s3: Any
) -> None:
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_BUCKET", BUCKET)
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_THRESHOLD", str(256 * 1024))  # SNS
    claims = load_module(monkeypatch)
    assert claims.offload("s" * (256 * 1024)) == "s" * (256 * 1024)
    sent = claims.offload("s" * (256 * 1024 + 1))
    assert claims.Claim.from_value(sent) is not None
    assert stored_keys(s3)[0].startswith("claims/")  # prefix default


def test_threshold_override_per_call(claims: ModuleType) -> None:
    assert claims.Claim.from_value(claims.offload("tiny", threshold=0)) is not None
    assert claims.offload("tiny", threshold=4) == "tiny"


# --------------------------------------------------------------------------- SQS
def test_send_message_through_sqs(claims: ModuleType) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    large, small = "L" * (3 * ONE_MIB), "S" * ONE_MIB

    claims.send_message(sqs, queue_url, large)
    claims.send_message(
        sqs,
        queue_url,
        small,
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "small"}},
    )

    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    bodies = [m["Body"] for m in messages]
    # the small body plus its attribute is above 1 MiB: both were offloaded
    assert all(claims.Claim.from_value(b) is not None for b in bodies)
    event = {"Records": [sqs_record(b) for b in bodies]}
    resolved = claims.resolve_event(event)
    assert sorted(r["body"] for r in resolved["Records"]) == sorted([large, small])
    assert event["Records"][0]["body"] == bodies[0]  # the input event is not modified


def test_sqs_batch_mixes_inline_and_claimed_bodies(claims: ModuleType) -> None:
    large = json.dumps({"items": ["x" * 100] * 20_000})
    records = [sqs_record("inline"), sqs_record(claims.offload(large))]
    resolved = claims.resolve_event({"Records": records})
    assert [r["body"] for r in resolved["Records"]] == ["inline", large]
    assert resolved["Records"][0] is records[0]  # unchanged records are not copied


# --------------------------------------------------------------------------- EventBridge
def test_eventbridge_entry_and_event(claims: ModuleType) -> None:
    detail = {"order": "o-1", "lines": ["ü" * 1000] * 600}  # ~1.2 MB of UTF-8
    entry = {
        "Source": "com.example.orders",
        "DetailType": "OrderPlaced",
        "Detail": json.dumps(detail),
    }

    prepared = claims.prepare_event_entry(entry)

    assert prepared["Source"] == entry["Source"]
    assert claims.event_entry_size(prepared) < 400
    delivered = eventbridge_event(json.loads(prepared["Detail"]))
    resolved = claims.resolve_event(delivered)
    assert resolved["detail"] == detail
    assert resolved["detail-type"] == "OrderPlaced"


def test_eventbridge_entry_size_counts_every_field(claims: ModuleType) -> None:
    detail = json.dumps({"d": "x" * (ONE_MIB - 200)})
    entry = {
        "Source": "com.example.orders",
        "DetailType": "OrderPlaced",
        "Detail": detail,
        "Time": "2026-11-23T12:00:00Z",
        "Resources": ["arn:aws:s3:::bucket/" + "r" * 200],
    }
    assert claims.utf8_size(detail) <= ONE_MIB
    assert claims.event_entry_size(entry) > ONE_MIB
    assert claims.prepare_event_entry(entry)["Detail"] != detail
    small = {**entry, "Detail": '{"d": 1}'}
    assert claims.prepare_event_entry(small) == small


def test_eventbridge_event_delivered_to_a_queue(claims: ModuleType) -> None:
    detail = {"blob": "q" * (2 * ONE_MIB)}
    prepared = claims.prepare_event_entry(
        {"Source": "s", "DetailType": "t", "Detail": json.dumps(detail)}
    )
    body = json.dumps(eventbridge_event(json.loads(prepared["Detail"])))
    resolved = claims.resolve_event({"Records": [sqs_record(body)]})
    assert json.loads(resolved["Records"][0]["body"])["detail"] == detail


# --------------------------------------------------------------------------- SNS, async
def test_sns_records_and_sns_envelope_in_sqs(claims: ModuleType) -> None:
    message = "m" * (ONE_MIB + 5)
    reference = claims.offload(message)
    resolved = claims.resolve_event({"Records": [sns_record(reference)]})
    assert resolved["Records"][0]["Sns"]["Message"] == message

    envelope = json.dumps({"Type": "Notification", "MessageId": "1", "Message": reference})
    via_queue = claims.resolve_event({"Records": [sqs_record(envelope)]})
    assert json.loads(via_queue["Records"][0]["body"])["Message"] == message


class RecordingLambda:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"StatusCode": 202}


def test_async_invoke_payload(claims: ModuleType) -> None:
    client = RecordingLambda()
    payload = {"prompt": "p" * (2 * ONE_MIB), "model": "m"}
    claims.invoke_async(client, "summarize", payload)
    claims.invoke_async(client, "summarize", {"prompt": "short"})

    (large_call, small_call) = client.calls
    assert large_call["InvocationType"] == "Event"
    assert len(large_call["Payload"]) < 300
    assert claims.resolve_event(json.loads(large_call["Payload"])) == payload
    assert claims.resolve_event(json.loads(small_call["Payload"])) == {"prompt": "short"}


def test_events_without_references_are_returned_as_is(claims: ModuleType) -> None:
    for event in ({"key": "value"}, eventbridge_event({"a": 1}), [], "text", None):
        assert claims.resolve_event(event) is event
    mentions = sqs_record('{"note": "we use paved_road_claim_check for large payloads"}')
    assert claims.resolve_event({"Records": [mentions]})["Records"][0] is mentions


# --------------------------------------------------------------------------- failures
def test_tampered_object_same_size(claims: ModuleType, s3: Any) -> None:
    text = "t" * (ONE_MIB + 1)
    reference = claims.offload(text)
    key = json.loads(reference)["paved_road_claim_check"]["key"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=("T" + text[1:]).encode())
    with pytest.raises(claims.ClaimIntegrityError, match="does not match the reference's SHA-256"):
        claims.resolve(reference)


def test_tampered_object_other_size(claims: ModuleType, s3: Any) -> None:
    reference = claims.offload("t" * (ONE_MIB + 1))
    key = json.loads(reference)["paved_road_claim_check"]["key"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"short")
    with pytest.raises(claims.ClaimIntegrityError, match="holds 5 bytes, the reference says"):
        claims.resolve(reference)


def test_missing_object(claims: ModuleType, s3: Any) -> None:
    reference = claims.offload("gone" * ONE_MIB)
    s3.delete_object(Bucket=BUCKET, Key=json.loads(reference)["paved_road_claim_check"]["key"])
    with pytest.raises(claims.ClaimNotFoundError, match="does not exist"):
        claims.resolve(reference)


def forged(claims: ModuleType, s3: Any, bucket: str, key: str) -> str:
    """A valid reference to an object that really exists, in a place the store does not
    own: only the bucket/prefix check stands in the way."""
    data = b"secret"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    claim = claims.Claim(bucket, key, len(data), hashlib.sha256(data).hexdigest())
    return str(claim.to_json())


def test_foreign_bucket_is_refused(claims: ModuleType, s3: Any) -> None:
    reference = forged(claims, s3, OTHER_BUCKET, "claims/secret")
    with pytest.raises(claims.ForeignClaimError, match=f"only keys under s3://{BUCKET}/claims/"):
        claims.resolve(reference)


def test_key_outside_the_prefix_is_refused(claims: ModuleType, s3: Any) -> None:
    reference = forged(claims, s3, BUCKET, "config/secret")
    with pytest.raises(claims.ForeignClaimError, match="refusing claim"):
        claims.resolve_event({"Records": [sqs_record(reference)]})


@pytest.mark.parametrize(
    "fields",
    [
        {"v": 1, "bucket": BUCKET, "key": "claims/x", "size": "3", "sha256": "0" * 64},
        {"v": 2, "bucket": BUCKET, "key": "claims/x", "size": 3, "sha256": "0" * 64},
        {"v": 1, "bucket": BUCKET, "key": "claims/x", "size": 3},
        "not an object",
    ],
)
def test_malformed_reference(claims: ModuleType, fields: Any) -> None:
    with pytest.raises(claims.MalformedClaimError):
        claims.resolve(json.dumps({"paved_road_claim_check": fields}))


def test_no_bucket_configured(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    claims = load_module(monkeypatch)
    assert claims.offload("small") == "small"  # nothing to store, nothing to configure
    with pytest.raises(claims.ClaimCheckConfigError, match="PAVED_ROAD_CLAIM_CHECK_BUCKET"):
        claims.offload("x" * (ONE_MIB + 1))


def test_bad_threshold_in_the_environment(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_THRESHOLD", "1MiB")
    claims = load_module(monkeypatch)
    with pytest.raises(claims.ClaimCheckConfigError, match="must be an integer number of bytes"):
        claims.resolve("body")


@pytest.mark.parametrize("prefix", ["claims", "/claims/", ""])
def test_bad_prefix(aws: None, monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    claims = load_module(monkeypatch)
    with pytest.raises(claims.ClaimCheckConfigError, match="prefix must end with '/'"):
        claims.ClaimStore(BUCKET, prefix=prefix)


def test_import_and_small_payloads_create_no_client(monkeypatch: pytest.MonkeyPatch) -> None:
    forbid_aws_clients(monkeypatch)
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_BUCKET", BUCKET)
    claims = load_module(monkeypatch)
    assert claims.offload("small") == "small"
    assert claims.resolve_event({"Records": [sqs_record("small")]})["Records"][0]["body"] == "small"


# --------------------------------------------------------------------------- decorator
def test_plain_decorator(claims: ModuleType) -> None:
    payload = "d" * (ONE_MIB + 1)

    @claims.resolve_claims
    def handler(event: dict[str, Any], context: Any) -> list[str]:
        return [r["body"] for r in event["Records"]]

    assert handler.__name__ == "handler"
    assert handler({"Records": [sqs_record(claims.offload(payload))]}, None) == [payload]


def test_decorator_with_powertools_logger_and_batch_processor(
    claims: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    logger = Logger()
    processor = BatchProcessor(event_type=EventType.SQS)
    seen: list[str] = []

    def record_handler(record: SQSRecord) -> None:
        seen.append(record.body)
        logger.info("processed", extra={"bytes": len(record.body.encode())})

    @logger.inject_lambda_context
    @claims.resolve_claims
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return process_partial_response(  # type: ignore[no-any-return]
            event=event, record_handler=record_handler, processor=processor, context=context
        )

    large, small = "L" * (2 * ONE_MIB), "small"
    event = {"Records": [sqs_record(claims.offload(large)), sqs_record(small)]}

    result = handler(event, FakeLambdaContext())

    assert result == {"batchItemFailures": []}
    assert seen == [large, small]
    logs = [
        line for line in json_lines(capsys.readouterr().out) if line.get("message") == "processed"
    ]
    assert [line["bytes"] for line in logs] == [2 * ONE_MIB, 5]
    assert all(line["function_name"] == "handler" for line in logs)  # context injected


def test_unresolvable_record_fails_the_invoke_by_default(claims: ModuleType, s3: Any) -> None:
    reference = claims.offload("x" * (ONE_MIB + 1))
    s3.delete_object(Bucket=BUCKET, Key=json.loads(reference)["paved_road_claim_check"]["key"])

    @claims.resolve_claims
    def handler(event: dict[str, Any], context: Any) -> None:
        raise AssertionError("not called")

    with pytest.raises(claims.ClaimNotFoundError):
        handler({"Records": [sqs_record("ok"), sqs_record(reference)]}, None)


def test_report_failures_merges_batch_item_failures(claims: ModuleType, s3: Any) -> None:
    gone = claims.offload("x" * (ONE_MIB + 1))
    s3.delete_object(Bucket=BUCKET, Key=json.loads(gone)["paved_road_claim_check"]["key"])
    good = "y" * (ONE_MIB + 1)
    records = [sqs_record(claims.offload(good)), sqs_record(gone), sqs_record("bad-inline")]
    received: list[str] = []

    @claims.resolve_claims(report_failures=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        received.extend(r["body"] for r in event["Records"])
        failures = [r for r in event["Records"] if r["body"] == "bad-inline"]
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failures]}

    result = handler({"Records": records}, None)

    assert received == [good, "bad-inline"]
    assert result == {
        "batchItemFailures": [
            {"itemIdentifier": records[2]["messageId"]},
            {"itemIdentifier": records[1]["messageId"]},
        ]
    }


def test_report_failures_when_no_record_resolves(claims: ModuleType) -> None:
    foreign = claims.Claim(OTHER_BUCKET, "claims/x", 1, "0" * 64).to_json()
    record = sqs_record(foreign)

    @claims.resolve_claims(report_failures=True)
    def handler(event: dict[str, Any], context: Any) -> None:
        raise AssertionError("not called with an empty batch")

    assert handler({"Records": [record]}, None) == {
        "batchItemFailures": [{"itemIdentifier": record["messageId"]}]
    }


def test_decorator_with_an_explicit_store(
    aws: None, monkeypatch: pytest.MonkeyPatch, s3: Any
) -> None:
    claims = load_module(monkeypatch)  # nothing in the environment
    store = claims.ClaimStore(OTHER_BUCKET, prefix="big/", threshold=10, s3_client=s3)
    reference = store.offload("more than ten bytes")
    assert stored_keys(s3, OTHER_BUCKET)[0].startswith("big/")

    @claims.resolve_claims(store=store)
    def handler(event: dict[str, Any], context: Any) -> Any:
        return event

    assert (
        handler(json.loads(json.dumps({"Records": [sns_record(reference)]})), None)["Records"][0][
            "Sns"
        ]["Message"]
        == "more than ten bytes"
    )

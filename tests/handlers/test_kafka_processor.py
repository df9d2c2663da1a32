"""Tests of the ``KafkaStreamProcessor`` Lambda handler (MSK / Kafka -> Lambda -> S3 or SQS).

The handler lives in a CDK asset directory (not a package), so it is loaded from its file
path with importlib, afresh for every test: module-level caches (S3 and SQS clients) never
leak from one test to the next. AWS is moto; events are shaped like the ones the MSK and
self-managed Kafka event source mappings deliver.
"""

from __future__ import annotations

import base64
import functools
import json
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.handlers.support import (
    FakeLambdaContext,
    emitted_metrics,
    forbid_aws_clients,
    isolated_handler_environment,
    json_lines,
    load_asset_module,
)

HANDLER_FILE = (
    Path(__file__).resolve().parents[2]
    / "blueprints"
    / "paved_road_blueprints"
    / "handlers"
    / "kafka_processor"
    / "index.py"
)
MODULE_NAME = "kafka_processor_index"

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "paved-road-kafka-test"
QUEUE_NAME = "paved-road-orders.fifo"
CLUSTER_ARN = (
    f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/orders/abcd1234-0123-4567-89ab-cdef01234567-1"
)
BOOTSTRAP = (
    "b-1.orders.abcd12.c2.kafka.eu-west-1.amazonaws.com:9098,"
    "b-2.orders.abcd12.c2.kafka.eu-west-1.amazonaws.com:9098"
)
FUNCTION_NAME = "kafka-processor"
NAMESPACE = "PavedRoad/Tests"
TIMESTAMP = 1_767_225_600_000
# A marker put in every record value: it must never show up in the logs.
SECRET = "card-4111111111111111"


# --------------------------------------------------------------------------- helpers


def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext(function_name=FUNCTION_NAME, region=REGION, account=ACCOUNT)


def b64(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return base64.b64encode(raw).decode("ascii")


def order(partition: int, offset: int) -> dict[str, Any]:
    """The JSON object a producer sends for one order."""
    return {"orderId": f"o-{partition}-{offset}", "amount": 10 + offset, "note": SECRET}


def kafka_record(
    partition: int,
    offset: int,
    *,
    topic: str = "orders",
    value: Any = None,
    raw_value: str | None = None,
    key: str | None = None,
    headers: list[dict[str, list[int]]] | None = None,
) -> dict[str, Any]:
    """A record as the Kafka event source mapping delivers it: base64 key and value,
    headers as lists of byte values. ``raw_value`` is put as is (poison records)."""
    if raw_value is None:
        raw_value = b64(json.dumps(value if value is not None else order(partition, offset)))
    record = {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "timestamp": TIMESTAMP + offset,
        "timestampType": "CREATE_TIME",
        "value": raw_value,
        "headers": headers
        if headers is not None
        else [{"source": list(b"checkout")}, {"trace-id": list(f"t-{offset}".encode())}],
    }
    if key is not None:
        record["key"] = b64(key)
    return record


def msk_event(*records: dict[str, Any]) -> dict[str, Any]:
    """An MSK event: records grouped by ``{topic}-{partition}``, in the given order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        grouped.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
    return {
        "eventSource": "aws:kafka",
        "eventSourceArn": CLUSTER_ARN,
        "bootstrapServers": BOOTSTRAP,
        "records": grouped,
    }


def self_managed_event(*records: dict[str, Any]) -> dict[str, Any]:
    event = msk_event(*records)
    del event["eventSourceArn"]
    event["eventSource"] = "SelfManagedKafka"
    event["bootstrapServers"] = "kafka-1.internal:9092,kafka-2.internal:9092"
    return event


def orders_batch(p0: int = 5, p1: int = 3) -> list[dict[str, Any]]:
    """Two partitions of the ``orders`` topic, offsets from 0, keyed by customer."""
    return [
        kafka_record(partition, offset, key=f"customer-{partition}")
        for partition, count in ((0, p0), (1, p1))
        for offset in range(count)
    ]


def failure(partition: int, offset: int, topic: str = "orders") -> dict[str, Any]:
    return {"itemIdentifier": {"partition": f"{topic}-{partition}", "offset": offset}}


def expected_document(record: dict[str, Any], key: str | None) -> dict[str, Any]:
    return {
        "topic": record["topic"],
        "partition": record["partition"],
        "offset": record["offset"],
        "timestamp": record["timestamp"],
        "key": key,
        "headers": {"source": "checkout", "trace-id": f"t-{record['offset']}"},
        "value": order(record["partition"], record["offset"]),
    }


@functools.cache
def client(service: str) -> Any:
    """One boto3 client per service for the whole module (creating one costs ~50 ms, the
    bulk of a test's time). Moto, imported first, intercepts it in every test that runs
    under ``mock_aws``; the credentials are fake, so nothing can reach AWS without it."""
    return boto3.client(
        service,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


def s3() -> Any:
    return client("s3")


def object_keys() -> list[str]:
    listing = s3().list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def read_object(key: str) -> dict[str, Any]:
    return json.loads(s3().get_object(Bucket=BUCKET, Key=key)["Body"].read())


def drain_queue(queue_url: str) -> list[dict[str, Any]]:
    """Every message of the queue, in the order SQS hands them out (then deleted)."""
    sqs = client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        received = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not received:
            return messages
        for message in received:
            messages.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def log_lines(output: str) -> list[dict[str, Any]]:
    return [line for line in json_lines(output) if "level" in line]


class CountingSqs:
    """A wrapper of the (moto) SQS client recording every ``send_message_batch`` call;
    ``reject`` lists de-duplication ids whose entries are reported in ``Failed``
    instead of being sent."""

    def __init__(self, reject: tuple[str, ...] = ()) -> None:
        self.client = client("sqs")
        self.calls: list[list[dict[str, Any]]] = []
        self.reject = set(reject)

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:
        self.calls.append(Entries)
        kept = [e for e in Entries if e["MessageDeduplicationId"] not in self.reject]
        failed = [
            {"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "boom"}
            for e in Entries
            if e["MessageDeduplicationId"] in self.reject
        ]
        response = {"Successful": [], "Failed": failed}
        if kept:
            sent = self.client.send_message_batch(QueueUrl=QueueUrl, Entries=kept)
            response["Successful"] = sent["Successful"]
            response["Failed"] += sent.get("Failed", [])
        return response


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="kafka-processor-test",
        namespace=NAMESPACE,
        clear=(
            "OUTPUT",
            "OBJECT_PREFIX",
            "QUEUE_URL",
            "REPORT_BATCH_ITEM_FAILURES",
            "POWERTOOLS_LOG_LEVEL",
        ),
    )
    monkeypatch.setenv("BUCKET_NAME", BUCKET)


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[[], ModuleType]:
    """Load ``index.py`` from its path as a brand new module (fresh caches)."""

    def load() -> ModuleType:
        return load_asset_module(monkeypatch, MODULE_NAME, HANDLER_FILE)

    return load


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        s3().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield


@pytest.fixture
def handler_module(
    aws: None, load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    """The handler, using the shared clients (its own lazy clients are exercised by
    ``test_s3_output_writes_one_object_per_record``)."""
    module = load_handler()
    monkeypatch.setattr(module, "s3_client", lambda: client("s3"))
    monkeypatch.setattr(module, "sqs_client", lambda: client("sqs"))
    return module


@pytest.fixture
def queue_url(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """A FIFO queue (explicit de-duplication ids, no content-based de-duplication) as output."""
    url = client("sqs").create_queue(QueueName=QUEUE_NAME, Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    monkeypatch.setenv("OUTPUT", "sqs")
    monkeypatch.setenv("QUEUE_URL", url)
    return url


@pytest.fixture
def counting_sqs(
    handler_module: ModuleType, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> CountingSqs:
    wrapper = CountingSqs()
    monkeypatch.setattr(handler_module, "sqs_client", lambda: wrapper)
    return wrapper


# --------------------------------------------------------------------------- import


def test_importing_the_module_needs_no_aws_settings(
    load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no AWS credentials nor region, and boto3 unable to create any client
    forbid_aws_clients(monkeypatch)
    monkeypatch.setenv("OUTPUT", "sqs")

    # WHEN the handler module is imported
    module = load_handler()

    # THEN the import succeeds and no client is cached yet
    assert module.s3_client.cache_info().currsize == 0
    assert module.sqs_client.cache_info().currsize == 0


# --------------------------------------------------------------------------- S3 output


def test_s3_output_writes_one_object_per_record(
    aws: None, load_handler: Callable[[], ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the handler with its own lazily created S3 client
    handler_module = load_handler()
    # AND an MSK batch of two partitions (5 and 3 offsets), keyed records
    records = orders_batch()

    # WHEN the handler processes it (OUTPUT defaults to s3)
    response = handler_module.handler(msk_event(*records), lambda_context())

    # THEN no record failed
    assert response == {"batchItemFailures": []}
    # AND every record is an object named after its coordinates, holding the exact document
    assert object_keys() == sorted(
        [f"records/orders/0/{offset}.json" for offset in range(5)]
        + [f"records/orders/1/{offset}.json" for offset in range(3)]
    )
    for record in records:
        key = f"records/orders/{record['partition']}/{record['offset']}.json"
        assert read_object(key) == expected_document(record, f"customer-{record['partition']}")
    # AND the metrics count eight processed records and no failure
    assert emitted_metrics(capsys.readouterr().out, NAMESPACE) == {"RecordsProcessed": 8}
    assert handler_module.s3_client.cache_info().currsize == 1


def test_put_object_is_json_and_leaves_encryption_to_the_bucket_default(
    load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the handler with a stub S3 client, and a custom object prefix
    module = load_handler()
    monkeypatch.setenv("OBJECT_PREFIX", "raw/kafka")
    puts: list[dict[str, Any]] = []

    class StubS3:
        def put_object(self, **kwargs: Any) -> dict[str, Any]:
            puts.append(kwargs)
            return {}

    monkeypatch.setattr(module, "s3_client", StubS3)
    record = kafka_record(1, 42)

    # WHEN one record (without a key) is processed
    response = module.handler(msk_event(record), lambda_context())

    # THEN one object is put under the prefix, as JSON, without any encryption override
    assert response == {"batchItemFailures": []}
    [put] = puts
    assert put["Bucket"] == BUCKET
    assert put["Key"] == "raw/kafka/orders/1/42.json"
    assert put["ContentType"] == "application/json"
    assert json.loads(put["Body"]) == expected_document(record, None)
    assert not {"ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled"} & put.keys()


def test_a_redelivered_batch_overwrites_the_same_objects(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a batch, and a count of the S3 writes
    event = msk_event(*orders_batch())
    puts: list[str] = []
    original = s3().put_object

    def counting_put(**kwargs: Any) -> Any:
        puts.append(kwargs["Key"])
        return original(**kwargs)

    monkeypatch.setattr(s3(), "put_object", counting_put)

    # WHEN the same batch is delivered twice
    first = handler_module.handler(event, lambda_context())
    keys_after_first = object_keys()
    contents_after_first = {key: read_object(key) for key in keys_after_first}
    second = handler_module.handler(event, lambda_context())

    # THEN both succeed, every object was written twice, to the same keys
    assert first == second == {"batchItemFailures": []}
    assert len(puts) == 16
    assert sorted(puts[:8]) == sorted(puts[8:]) == keys_after_first
    # AND the bucket holds the same objects, with the same content: no duplicate
    assert object_keys() == keys_after_first
    assert len(keys_after_first) == 8
    assert {key: read_object(key) for key in keys_after_first} == contents_after_first


def test_self_managed_kafka_event_is_processed(handler_module: ModuleType) -> None:
    # GIVEN a self-managed Kafka event (no eventSourceArn)
    records = [
        kafka_record(0, 7, topic="payments", key="p-1"),
        kafka_record(3, 9, topic="payments"),
    ]
    event = self_managed_event(*records)
    assert "eventSourceArn" not in event

    # WHEN the handler processes it
    response = handler_module.handler(event, lambda_context())

    # THEN it is handled like an MSK event
    assert response == {"batchItemFailures": []}
    assert object_keys() == ["records/payments/0/7.json", "records/payments/3/9.json"]
    assert read_object("records/payments/0/7.json")["key"] == "p-1"
    assert read_object("records/payments/3/9.json")["key"] is None


def test_headers_are_decoded_to_text(handler_module: ModuleType) -> None:
    # GIVEN a record whose headers hold UTF-8 text, signed bytes (as Java producers send
    # them), an invalid UTF-8 sequence, an empty value and a repeated name
    headers = [
        {"content-type": list(b"application/json")},
        {"city": [-61, -87, 116, -61, -87]},  # "été" as signed bytes
        {"binary": [0xFF, 0x41]},
        {"empty": []},
        {"trace-id": list(b"first")},
        {"trace-id": list(b"second")},
    ]
    record = kafka_record(0, 1, headers=headers, key="k\u00e9")

    # WHEN it is processed
    response = handler_module.handler(msk_event(record), lambda_context())

    # THEN the stored document holds the headers as text (last repeated name wins,
    # undecodable bytes replaced) and the UTF-8 key
    assert response == {"batchItemFailures": []}
    stored = read_object("records/orders/0/1.json")
    assert stored["headers"] == {
        "content-type": "application/json",
        "city": "\u00e9t\u00e9",
        "binary": "\ufffdA",
        "empty": "",
        "trace-id": "second",
    }
    assert stored["key"] == "k\u00e9"


def test_a_record_without_headers_gets_an_empty_header_map(handler_module: ModuleType) -> None:
    record = kafka_record(0, 0, headers=[])
    response = handler_module.handler(msk_event(record), lambda_context())
    assert response == {"batchItemFailures": []}
    assert read_object("records/orders/0/0.json")["headers"] == {}


# --------------------------------------------------------------------------- poison records


@pytest.mark.parametrize(
    "raw_value",
    [
        pytest.param("not base64 at all!", id="bad-base64"),
        pytest.param(b64('{"orderId": "o-1"}') + "@@", id="base64-with-junk"),
        pytest.param(b64("this is not JSON {"), id="not-json"),
        pytest.param(b64(b"\xff\xfe{}"), id="not-utf8"),
        pytest.param(b64("[1, 2]"), id="array"),
        pytest.param(b64('"a string"'), id="string"),
        pytest.param(b64("42"), id="number"),
        pytest.param(b64("null"), id="json-null"),
        pytest.param(b64('{"amount": NaN}'), id="nan"),
        pytest.param(b64('{"amount": -Infinity}'), id="infinity"),
        pytest.param(b64(""), id="empty"),
        pytest.param(None, id="tombstone"),
    ],
)
def test_a_value_that_is_not_a_json_object_is_a_poison_record(
    handler_module: ModuleType, raw_value: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch where offset 3 of partition 1 is poison, next to a good record
    poison = kafka_record(1, 3, raw_value="placeholder")
    poison["value"] = raw_value
    good = kafka_record(0, 8)

    # WHEN the handler processes the batch
    response = handler_module.handler(msk_event(good, poison), lambda_context())

    # THEN exactly the poison record is reported, in the Kafka itemIdentifier format
    assert response == {
        "batchItemFailures": [{"itemIdentifier": {"partition": "orders-1", "offset": 3}}]
    }
    # AND only the good record is written
    assert object_keys() == ["records/orders/0/8.json"]
    # AND the failure is logged at ERROR level with its coordinates, and counted
    output = capsys.readouterr().out
    errors = [line for line in log_lines(output) if line["level"] == "ERROR"]
    assert [(e["topic"], e["partition"], e["offset"]) for e in errors] == [("orders", 1, 3)]
    assert "PoisonRecordError" in errors[0]["exception"]
    assert emitted_metrics(output, NAMESPACE) == {"RecordsProcessed": 1, "RecordsFailed": 1}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("key", "%%% not base64", id="bad-base64-key"),
        pytest.param("headers", [{"h": [104, 999]}], id="byte-out-of-range"),
        pytest.param("headers", [{"h": ["a"]}], id="header-not-bytes"),
        pytest.param("headers", ["h"], id="header-not-an-object"),
        pytest.param("headers", {"h": [1]}, id="headers-not-a-list"),
    ],
)
def test_a_malformed_key_or_headers_is_a_poison_record(
    handler_module: ModuleType, field: str, value: Any
) -> None:
    record = kafka_record(0, 5)
    record[field] = value
    response = handler_module.handler(msk_event(record), lambda_context())
    assert response == {"batchItemFailures": [failure(0, 5)]}
    assert object_keys() == []


def test_poison_record_error_is_a_value_error_naming_no_content(
    handler_module: ModuleType,
) -> None:
    with pytest.raises(handler_module.PoisonRecordError, match="JSON list, expected a JSON object"):
        handler_module.decode_value(b64(json.dumps([SECRET])))
    with pytest.raises(handler_module.PoisonRecordError) as raised:
        handler_module.decode_value(b64(f"{{{SECRET}"))
    assert SECRET not in str(raised.value)
    assert issubclass(handler_module.PoisonRecordError, ValueError)


def test_a_failure_blocks_the_later_offsets_of_its_partition_only(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN partition 0 with offsets 0..4, offset 2 being poison, and partition 1 (0..2)
    records = orders_batch()
    records[2]["value"] = b64("not JSON")

    # WHEN the handler processes the batch
    response = handler_module.handler(msk_event(*records), lambda_context())

    # THEN offset 2 and the later offsets 3 and 4 of partition 0 are reported, in order
    assert response == {"batchItemFailures": [failure(0, 2), failure(0, 3), failure(0, 4)]}
    # AND offsets 0 and 1 of partition 0 and all of partition 1 are written, 3 and 4 are not
    assert object_keys() == [
        "records/orders/0/0.json",
        "records/orders/0/1.json",
        "records/orders/1/0.json",
        "records/orders/1/1.json",
        "records/orders/1/2.json",
    ]
    # AND the skipped offsets are logged as such (WARNING), with their coordinates
    output = capsys.readouterr().out
    warnings = [line for line in log_lines(output) if line["level"] == "WARNING"]
    assert [(w["partition"], w["offset"]) for w in warnings] == [(0, 3), (0, 4)]
    assert emitted_metrics(output, NAMESPACE) == {"RecordsProcessed": 5, "RecordsFailed": 3}


def test_an_s3_write_failure_blocks_the_later_offsets_of_its_partition(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN S3 refusing the object of offset 1 of partition 1
    original = s3().put_object

    def flaky_put(**kwargs: Any) -> Any:
        if kwargs["Key"] == "records/orders/1/1.json":
            raise RuntimeError("S3 is unavailable")
        return original(**kwargs)

    monkeypatch.setattr(s3(), "put_object", flaky_put)

    # WHEN the batch is processed
    response = handler_module.handler(msk_event(*orders_batch(p0=2, p1=4)), lambda_context())

    # THEN offset 1 and the later offsets of partition 1 fail; partition 0 is written
    assert response == {"batchItemFailures": [failure(1, 1), failure(1, 2), failure(1, 3)]}
    assert object_keys() == [
        "records/orders/0/0.json",
        "records/orders/0/1.json",
        "records/orders/1/0.json",
    ]


def test_a_batch_made_only_of_poison_records_does_not_raise(handler_module: ModuleType) -> None:
    records = [kafka_record(0, n, raw_value=b64("[]")) for n in range(2)]
    response = handler_module.handler(msk_event(*records), lambda_context())
    assert response == {"batchItemFailures": [failure(0, 0), failure(0, 1)]}


# --------------------------------------------------------------------------- SQS output


def test_sqs_output_keeps_partition_order_with_coordinate_ids(
    counting_sqs: CountingSqs, handler_module: ModuleType, queue_url: str
) -> None:
    # GIVEN a batch of two partitions, and OUTPUT=sqs to a FIFO queue
    records = orders_batch(p0=4, p1=3)

    # WHEN the handler processes it
    response = handler_module.handler(msk_event(*records), lambda_context())

    # THEN all records are sent, in one call (7 entries)
    assert response == {"batchItemFailures": []}
    [entries] = counting_sqs.calls
    assert [(e["MessageGroupId"], e["MessageDeduplicationId"]) for e in entries] == [
        ("orders-0", "orders-0-0"),
        ("orders-0", "orders-0-1"),
        ("orders-0", "orders-0-2"),
        ("orders-0", "orders-0-3"),
        ("orders-1", "orders-1-0"),
        ("orders-1", "orders-1-1"),
        ("orders-1", "orders-1-2"),
    ]
    # AND the queue holds one message per record, each group in offset order, the body
    # being the same document as the S3 output
    messages = drain_queue(queue_url)
    assert len(messages) == 7
    by_group: dict[str, list[int]] = {}
    for message in messages:
        body = json.loads(message["Body"])
        attributes = message["Attributes"]
        assert attributes["MessageGroupId"] == f"orders-{body['partition']}"
        assert attributes["MessageDeduplicationId"] == (
            f"orders-{body['partition']}-{body['offset']}"
        )
        by_group.setdefault(attributes["MessageGroupId"], []).append(body["offset"])
        record = next(
            r
            for r in records
            if (r["partition"], r["offset"]) == (body["partition"], body["offset"])
        )
        assert body == expected_document(record, f"customer-{record['partition']}")
    assert by_group == {"orders-0": [0, 1, 2, 3], "orders-1": [0, 1, 2]}


def test_sqs_output_sends_at_most_ten_entries_per_call(
    counting_sqs: CountingSqs, handler_module: ModuleType, queue_url: str
) -> None:
    # GIVEN 23 records (15 in partition 0, 8 in partition 1)
    records = orders_batch(p0=15, p1=8)

    # WHEN the handler processes them
    response = handler_module.handler(msk_event(*records), lambda_context())

    # THEN they are sent in three calls of 10, 10 and 3 entries, in event order
    assert response == {"batchItemFailures": []}
    assert [len(entries) for entries in counting_sqs.calls] == [10, 10, 3]
    sent = [e["MessageDeduplicationId"] for entries in counting_sqs.calls for e in entries]
    assert sent == [f"orders-{r['partition']}-{r['offset']}" for r in records]
    assert len(drain_queue(queue_url)) == 23


def test_sqs_output_splits_calls_at_256_kib(
    counting_sqs: CountingSqs, handler_module: ModuleType
) -> None:
    # GIVEN four records of about 100 KB each
    records = [
        kafka_record(0, n, value={"orderId": f"o-{n}", "blob": "x" * 100_000}) for n in range(4)
    ]

    # WHEN they are sent
    response = handler_module.handler(msk_event(*records), lambda_context())

    # THEN no call carries more than 256 KiB of bodies
    assert response == {"batchItemFailures": []}
    assert [len(entries) for entries in counting_sqs.calls] == [2, 2]
    for entries in counting_sqs.calls:
        assert sum(len(e["MessageBody"].encode()) for e in entries) <= 256 * 1024


def test_sqs_redelivery_is_deduplicated_by_the_fifo_queue(
    counting_sqs: CountingSqs, handler_module: ModuleType, queue_url: str
) -> None:
    # GIVEN a batch processed once
    event = msk_event(*orders_batch(p0=3, p1=2))
    assert handler_module.handler(event, lambda_context()) == {"batchItemFailures": []}

    # WHEN the same batch is redelivered
    response = handler_module.handler(event, lambda_context())

    # THEN it is sent again with the same de-duplication ids, and the queue drops them
    assert response == {"batchItemFailures": []}
    first, second = counting_sqs.calls
    assert [e["MessageDeduplicationId"] for e in first] == [
        e["MessageDeduplicationId"] for e in second
    ]
    assert len(drain_queue(queue_url)) == 5


def test_sqs_failed_entries_are_reported_and_block_their_partition(
    handler_module: ModuleType, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN SQS rejecting offset 3 of partition 0 (12 offsets) and offset 0 of partition 1
    wrapper = CountingSqs(reject=("orders-0-3", "orders-1-0"))
    monkeypatch.setattr(handler_module, "sqs_client", lambda: wrapper)
    records = orders_batch(p0=12, p1=2)

    # WHEN the handler processes the batch
    response = handler_module.handler(msk_event(*records), lambda_context())

    # THEN the rejected records and every later offset of their partitions are reported:
    # offsets 4..9 of partition 0 were accepted in the same call but are reported too, and
    # offsets 10 and 11 are not sent at all; partition 1 offset 1 is reported the same way
    assert response == {
        "batchItemFailures": [failure(0, n) for n in range(3, 12)] + [failure(1, 0), failure(1, 1)]
    }
    sent = [[e["MessageDeduplicationId"] for e in entries] for entries in wrapper.calls]
    assert sent == [
        [f"orders-0-{n}" for n in range(10)],
        ["orders-1-0", "orders-1-1"],
    ]
    # AND what SQS accepted is in the queue: the accepted-but-reported records too (their
    # redelivery will be de-duplicated by the FIFO queue)
    queued = sorted(
        (body["partition"], body["offset"])
        for body in (json.loads(m["Body"]) for m in drain_queue(queue_url))
    )
    assert queued == [(0, n) for n in (0, 1, 2, 4, 5, 6, 7, 8, 9)] + [(1, 1)]


def test_a_failing_sqs_call_fails_its_records(
    handler_module: ModuleType, queue_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN SQS failing the second call only
    wrapper = CountingSqs()
    real_send = wrapper.send_message_batch

    def send(QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:
        if len(wrapper.calls) == 1:
            wrapper.calls.append(Entries)
            raise RuntimeError("SQS throttled the call")
        return real_send(QueueUrl=QueueUrl, Entries=Entries)

    monkeypatch.setattr(wrapper, "send_message_batch", send)
    monkeypatch.setattr(handler_module, "sqs_client", lambda: wrapper)

    # WHEN 15 records of one partition are processed
    response = handler_module.handler(msk_event(*orders_batch(p0=15, p1=0)), lambda_context())

    # THEN the 5 records of the failed call are reported; the first 10 are in the queue
    assert response == {"batchItemFailures": [failure(0, n) for n in range(10, 15)]}
    assert len(drain_queue(queue_url)) == 10


def test_sqs_identifiers_are_sanitized_and_stay_unique(handler_module: ModuleType) -> None:
    allowed = set(string.ascii_letters + string.digits + string.punctuation)
    # A normal id is kept as is
    assert handler_module.sqs_identifier("orders.v2_eu-0-15") == "orders.v2_eu-0-15"
    # A too long or non-ASCII id is cut to 128 allowed characters, deterministically
    long_topic = "t" * 249
    for text in (f"{long_topic}-0-1", f"{long_topic}-0-2", "commandes-\u00e9t\u00e9-0-1"):
        ident = handler_module.sqs_identifier(text)
        assert len(ident) <= 128
        assert set(ident) <= allowed
        assert handler_module.sqs_identifier(text) == ident
    assert handler_module.sqs_identifier(f"{long_topic}-0-1") != handler_module.sqs_identifier(
        f"{long_topic}-0-2"
    )


def test_sqs_entries_use_sanitized_ids_for_long_topics(
    counting_sqs: CountingSqs, handler_module: ModuleType
) -> None:
    topic = "orders." + "x" * 200
    response = handler_module.handler(msk_event(kafka_record(0, 1, topic=topic)), lambda_context())
    assert response == {"batchItemFailures": []}
    [[entry]] = counting_sqs.calls
    assert len(entry["MessageGroupId"]) == len(entry["MessageDeduplicationId"]) == 128
    assert entry["MessageGroupId"] != entry["MessageDeduplicationId"]


# --------------------------------------------------------------------------- reporting mode


def test_without_partial_responses_a_failure_raises_batch_failed_error(
    handler_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN REPORT_BATCH_ITEM_FAILURES=false and a batch with offset 1 of partition 0 poison
    monkeypatch.setenv("REPORT_BATCH_ITEM_FAILURES", "false")
    records = orders_batch(p0=3, p1=1)
    records[1]["value"] = b64("[]")

    # WHEN the handler processes it
    # THEN it raises BatchFailedError listing the failed coordinates, so Lambda retries
    with pytest.raises(handler_module.BatchFailedError) as raised:
        handler_module.handler(msk_event(*records), lambda_context())
    assert str(raised.value) == "2 of 4 Kafka records failed: orders-0@1, orders-0@2"
    assert [str(c) for c in raised.value.failures] == ["orders-0@1", "orders-0@2"]
    # AND the metrics are still emitted
    assert emitted_metrics(capsys.readouterr().out, NAMESPACE) == {
        "RecordsProcessed": 2,
        "RecordsFailed": 2,
    }


def test_without_partial_responses_a_good_batch_returns_no_failures(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPORT_BATCH_ITEM_FAILURES", "false")
    response = handler_module.handler(msk_event(*orders_batch()), lambda_context())
    assert response == {"batchItemFailures": []}
    assert len(object_keys()) == 8


# --------------------------------------------------------------------------- logs, metrics


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_logs_carry_coordinates_and_never_values(
    load_handler: Callable[[], ModuleType],
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN DEBUG logs, and a batch with good and poison records whose values, keys and
    # headers hold a secret
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    module = load_handler()
    secret_b64 = b64(SECRET)
    records = [
        kafka_record(0, 0, key=SECRET, headers=[{"secret": list(SECRET.encode())}]),
        kafka_record(0, 1, raw_value=b64(f'["{SECRET}"]')),
        kafka_record(1, 0, raw_value=b64(f'{{"x": {SECRET}')),
        kafka_record(1, 1),
    ]

    # WHEN the handler processes it
    response = module.handler(msk_event(*records), lambda_context())

    # THEN every log line about a record carries its coordinates
    assert response == {"batchItemFailures": [failure(0, 1), failure(1, 0), failure(1, 1)]}
    output = capsys.readouterr().out
    lines = log_lines(output)
    per_record = [line for line in lines if line["message"] != "Kafka batch handled"]
    assert per_record
    for line in per_record:
        assert {"topic", "partition", "offset"} <= line.keys(), line
    assert {(line["partition"], line["offset"]) for line in per_record} == {
        (0, 0),
        (0, 1),
        (1, 0),
        (1, 1),
    }
    # AND the batch summary carries no record coordinates
    [summary] = [line for line in lines if line["message"] == "Kafka batch handled"]
    assert "offset" not in summary
    assert summary["processed"] == 1
    assert summary["failed"] == 3
    # AND no value, key or header content (plain or base64) is ever written
    assert SECRET not in output
    assert secret_b64 not in output


def test_records_failed_is_emitted_only_when_a_record_failed(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    handler_module.handler(msk_event(*orders_batch(p0=2, p1=0)), lambda_context())
    assert emitted_metrics(capsys.readouterr().out, NAMESPACE) == {"RecordsProcessed": 2}

    handler_module.handler(msk_event(kafka_record(0, 9, raw_value="!")), lambda_context())
    assert emitted_metrics(capsys.readouterr().out, NAMESPACE) == {
        "RecordsProcessed": 0,
        "RecordsFailed": 1,
    }


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({}, id="no-records"),
        pytest.param({"eventSource": "aws:kafka", "records": []}, id="records-not-an-object"),
        pytest.param({"Records": [{"body": "{}"}]}, id="sqs-event"),
        pytest.param({"records": {"orders-0": {"offset": 1}}}, id="partition-not-a-list"),
        pytest.param(
            {"records": {"orders-0": [{"topic": "orders", "partition": 0}]}}, id="no-offset"
        ),
        pytest.param(
            {"records": {"orders-0": [{"topic": "orders", "partition": "0", "offset": 1}]}},
            id="partition-not-an-int",
        ),
    ],
)
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_a_malformed_event_raises_value_error_and_writes_nothing(
    handler_module: ModuleType, event: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="not a Kafka event"):
        handler_module.handler(event, lambda_context())
    assert object_keys() == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        pytest.param("OUTPUT", "kinesis", "OUTPUT must be one of", id="unknown-output"),
        pytest.param("REPORT_BATCH_ITEM_FAILURES", "yes", "must be true or false", id="report"),
        pytest.param("BUCKET_NAME", "", "BUCKET_NAME must be set", id="no-bucket"),
    ],
)
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_a_misconfiguration_fails_before_any_write(
    handler_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str,
    message: str,
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        handler_module.handler(msk_event(*orders_batch()), lambda_context())
    assert object_keys() == []

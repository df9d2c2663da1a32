"""Tests of the ``EventProcessingService`` Lambda handler (SQS -> Lambda -> S3).

The handler lives in a CDK asset directory (not a package), so it is loaded from its file
path with importlib, afresh for every test: module-level caches (S3 client, idempotency
persistence layer, batch processor) never leak from one test to the next. AWS is moto.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.client
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
    / "event_processor"
    / "index.py"
)
MODULE_NAME = "event_processor_index"

REGION = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "paved-road-events-test"
TABLE = "paved-road-idempotency-test"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:paved-road-events"
FUNCTION_NAME = "event-processor"
NAMESPACE = "PavedRoad/Tests"

ApiCall = tuple[str, str, dict[str, Any]]


# --------------------------------------------------------------------------- helpers


def lambda_context(**overrides: Any) -> FakeLambdaContext:
    """A Lambda context of this handler's function."""
    return FakeLambdaContext(
        function_name=FUNCTION_NAME, region=REGION, account=ACCOUNT, **overrides
    )


def sqs_record(
    body: str, message_id: str | None = None, *, receive_count: int = 1
) -> dict[str, Any]:
    """A record shaped like the ones the SQS event source mapping delivers."""
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": f"AQEB{uuid.uuid4().hex}{uuid.uuid4().hex}==",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1735689600000",
            "SenderId": "AROAEXAMPLEPRODUCER:producer-session",
            "ApproximateFirstReceiveTimestamp": "1735689600042",
        },
        "messageAttributes": {
            "source": {
                "stringValue": "orders",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            },
        },
        "md5OfBody": hashlib.md5(body.encode("utf-8")).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": REGION,
    }


def sqs_event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def read_object(key: str) -> dict[str, Any]:
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=BUCKET, Key=key)["Body"]
    return json.loads(body.read())


def object_keys() -> list[str]:
    listing = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def idempotency_items() -> list[dict[str, Any]]:
    return boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]


def calls_to(api_calls: list[ApiCall], service: str, operation: str | None = None) -> list:
    return [
        call
        for call in api_calls
        if call[0] == service and (operation is None or call[1] == operation)
    ]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="event-processor-test",
        namespace=NAMESPACE,
        clear=(
            "OBJECT_PREFIX",
            "IDEMPOTENCY_TABLE",
            "POWERTOOLS_IDEMPOTENCY_DISABLED",
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
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield


@pytest.fixture
def handler_module(aws: None, load_handler: Callable[[], ModuleType]) -> ModuleType:
    return load_handler()


@pytest.fixture
def idempotency_table(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The table shape Powertools' DynamoDBPersistenceLayer expects (partition key ``id``)."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=TABLE,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
    )
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)
    return TABLE


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[ApiCall]:
    """Every AWS API call made by any boto3 client, as (service, operation, params)."""
    calls: list[ApiCall] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    return calls


# --------------------------------------------------------------------------- tests


def test_poisoned_record_is_the_only_batch_item_failure(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch of three messages, the second of which is not JSON
    first = sqs_record(json.dumps({"orderId": "o-1", "amount": 12.5}))
    poison = sqs_record("this is not JSON {")
    third = sqs_record(json.dumps({"orderId": "o-3", "items": [1, 2, 3]}))

    # WHEN the handler processes the batch
    response = handler_module.handler(sqs_event(first, poison, third), lambda_context())

    # THEN exactly the poisoned message is reported as failed
    assert response == {"batchItemFailures": [{"itemIdentifier": poison["messageId"]}]}
    # AND the two good messages are stored in S3, under the default prefix, unchanged
    assert object_keys() == sorted(
        [f"events/{first['messageId']}.json", f"events/{third['messageId']}.json"]
    )
    assert read_object(f"events/{first['messageId']}.json") == {"orderId": "o-1", "amount": 12.5}
    assert read_object(f"events/{third['messageId']}.json") == {
        "orderId": "o-3",
        "items": [1, 2, 3],
    }
    # AND one RecordsProcessed per stored record is emitted, and the failure is counted
    output = capsys.readouterr().out
    assert emitted_metrics(output, NAMESPACE) == {"RecordsProcessed": 2, "RecordsFailed": 1}
    # AND the failure is logged at ERROR level with the poisoned message id
    errors = [line for line in json_lines(output) if line.get("level") == "ERROR"]
    assert [line["message_id"] for line in errors] == [poison["messageId"]]
    assert "PoisonMessageError" in errors[0]["exception"]
    # AND the message bodies are never logged
    assert "this is not JSON" not in output


def test_all_good_batch_returns_no_failures(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a batch of valid JSON-object messages
    records = [sqs_record(json.dumps({"sequence": n})) for n in range(3)]

    # WHEN the handler processes the batch
    response = handler_module.handler(sqs_event(*records), lambda_context())

    # THEN no record is reported as failed
    assert response == {"batchItemFailures": []}
    # AND every message is stored with its content
    for n, record in enumerate(records):
        assert read_object(f"events/{record['messageId']}.json") == {"sequence": n}
    # AND the metrics count three processed records and no failure
    assert emitted_metrics(capsys.readouterr().out, NAMESPACE) == {"RecordsProcessed": 3}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param("not json", id="not-json"),
        pytest.param("[1, 2]", id="array"),
        pytest.param('"a string"', id="string"),
        pytest.param("42", id="number"),
        pytest.param("null", id="null"),
        pytest.param('{"amount": NaN}', id="nan"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_poison_message(
    handler_module: ModuleType, body: str
) -> None:
    # GIVEN a batch made only of one poison message
    record = sqs_record(body)

    # WHEN the handler processes it
    response = handler_module.handler(sqs_event(record), lambda_context())

    # THEN the handler does not raise but reports the record as failed
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    # AND nothing is written to S3
    assert object_keys() == []


def test_poison_message_error_names_the_message(handler_module: ModuleType) -> None:
    # GIVEN an SQS record whose body is a JSON array
    record = handler_module.SQSRecord(sqs_record("[]", "msg-123"))

    # WHEN its body is parsed
    # THEN a PoisonMessageError (a ValueError) names the message and the problem
    with pytest.raises(handler_module.PoisonMessageError, match=r"msg-123 is a JSON list"):
        handler_module.parse_body(record)
    assert issubclass(handler_module.PoisonMessageError, ValueError)


def test_object_prefix_comes_from_the_environment(
    handler_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a custom object prefix
    monkeypatch.setenv("OBJECT_PREFIX", "incoming/orders")
    record = sqs_record(json.dumps({"orderId": "o-9"}))

    # WHEN a message is processed
    response = handler_module.handler(sqs_event(record), lambda_context())

    # THEN it is stored under that prefix
    assert response == {"batchItemFailures": []}
    assert object_keys() == [f"incoming/orders/{record['messageId']}.json"]


def test_put_object_leaves_encryption_to_the_bucket_default(
    load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the handler with a stub S3 client substituted for the real one
    module = load_handler()
    puts: list[dict[str, Any]] = []

    class StubS3:
        def put_object(self, **kwargs: Any) -> dict[str, Any]:
            puts.append(kwargs)
            return {}

    monkeypatch.setattr(module, "s3_client", StubS3)
    record = sqs_record(json.dumps({"orderId": "o-1"}), "11111111-2222-3333-4444-555555555555")

    # WHEN a message is processed
    response = module.handler(sqs_event(record), lambda_context())

    # THEN one object is put, as JSON, without any encryption override
    assert response == {"batchItemFailures": []}
    assert len(puts) == 1
    put = puts[0]
    assert put["Bucket"] == BUCKET
    assert put["Key"] == "events/11111111-2222-3333-4444-555555555555.json"
    assert put["ContentType"] == "application/json"
    assert json.loads(put["Body"]) == {"orderId": "o-1"}
    assert not {"ServerSideEncryption", "SSEKMSKeyId", "BucketKeyEnabled"} & put.keys()


def test_importing_the_module_needs_no_aws_settings(
    load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no AWS credentials nor region, and boto3 unable to create any client
    forbid_aws_clients(monkeypatch)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", TABLE)

    # WHEN the handler module is imported
    module = load_handler()

    # THEN the import succeeds and no client is cached yet
    assert module.s3_client.cache_info().currsize == 0
    assert module.record_processor.cache_info().currsize == 0


def test_no_dynamodb_access_without_idempotency_table(
    handler_module: ModuleType, api_calls: list[ApiCall], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no IDEMPOTENCY_TABLE, and a persistence layer that must never be built
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("DynamoDBPersistenceLayer created without IDEMPOTENCY_TABLE")

    monkeypatch.setattr(handler_module, "DynamoDBPersistenceLayer", forbidden)
    records = [sqs_record(json.dumps({"n": n})) for n in range(2)]

    # WHEN a batch (with a redelivery of the first message) is processed
    first = handler_module.handler(sqs_event(*records), lambda_context())
    second = handler_module.handler(
        sqs_event(sqs_record(records[0]["body"], records[0]["messageId"], receive_count=2)),
        lambda_context(),
    )

    # THEN everything succeeds, without idempotency (the redelivery is written again)
    assert first == second == {"batchItemFailures": []}
    assert handler_module.record_processor()[1] is None
    assert len(calls_to(api_calls, "s3", "PutObject")) == 3
    # AND not a single DynamoDB call was made
    assert calls_to(api_calls, "dynamodb") == []


# Served from the store, the second invocation emits no metric at all; Powertools warns.
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_idempotency_serves_a_redelivered_message_from_the_store(
    handler_module: ModuleType,
    idempotency_table: str,
    api_calls: list[ApiCall],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN idempotency enabled and a message that SQS delivers twice (same messageId,
    # new receipt handle and receive count)
    message_id = str(uuid.uuid4())
    body = json.dumps({"orderId": "o-42", "amount": 99})
    delivery = sqs_record(body, message_id, receive_count=1)
    redelivery = sqs_record(body, message_id, receive_count=2)
    assert delivery["receiptHandle"] != redelivery["receiptHandle"]

    # WHEN the handler processes the first delivery
    first = handler_module.handler(sqs_event(delivery), lambda_context())
    first_output = capsys.readouterr().out

    # THEN the object is written once and the idempotency record is COMPLETED
    assert first == {"batchItemFailures": []}
    assert len(calls_to(api_calls, "s3", "PutObject")) == 1
    assert emitted_metrics(first_output, NAMESPACE) == {"RecordsProcessed": 1}
    items = idempotency_items()
    assert len(items) == 1
    stored = items[0]
    assert stored["status"]["S"] == "COMPLETED"
    assert stored["id"]["S"].endswith(
        "#" + hashlib.md5(json.dumps(message_id).encode()).hexdigest()
    )
    assert json.loads(stored["data"]["S"]) == {
        "bucket": BUCKET,
        "key": f"events/{message_id}.json",
    }

    # WHEN the handler processes the redelivery
    calls_before = len(api_calls)
    second = handler_module.handler(sqs_event(redelivery), lambda_context())
    second_output = capsys.readouterr().out
    second_calls = api_calls[calls_before:]

    # THEN it succeeds, served from the idempotency store: the table was consulted,
    # S3 was not written again and no RecordsProcessed was emitted
    assert second == {"batchItemFailures": []}
    assert calls_to(second_calls, "dynamodb", "PutItem")
    assert calls_to(second_calls, "s3") == []
    assert len(calls_to(api_calls, "s3", "PutObject")) == 1
    assert emitted_metrics(second_output, NAMESPACE) == {}
    assert idempotency_items() == items
    assert read_object(f"events/{message_id}.json") == {"orderId": "o-42", "amount": 99}


def test_idempotency_is_keyed_on_the_message_not_the_body(
    handler_module: ModuleType, idempotency_table: str, api_calls: list[ApiCall]
) -> None:
    # GIVEN idempotency enabled and two distinct messages with identical bodies
    body = json.dumps({"orderId": "o-7"})
    records = [sqs_record(body), sqs_record(body)]

    # WHEN they are processed
    response = handler_module.handler(sqs_event(*records), lambda_context())

    # THEN each message gets its own object and its own idempotency record
    assert response == {"batchItemFailures": []}
    assert len(calls_to(api_calls, "s3", "PutObject")) == 2
    assert object_keys() == sorted(f"events/{r['messageId']}.json" for r in records)
    assert len(idempotency_items()) == 2


def test_idempotency_does_not_remember_a_failed_message(
    handler_module: ModuleType, idempotency_table: str
) -> None:
    # GIVEN idempotency enabled and a batch with one good and one poison message
    good = sqs_record(json.dumps({"ok": True}))
    poison = sqs_record("[]")

    # WHEN the batch is processed
    response = handler_module.handler(sqs_event(good, poison), lambda_context())

    # THEN the poison message fails and leaves no idempotency record behind (so a retry
    # is processed normally), while the good one is recorded as COMPLETED
    assert response == {"batchItemFailures": [{"itemIdentifier": poison["messageId"]}]}
    items = idempotency_items()
    assert [item["status"]["S"] for item in items] == ["COMPLETED"]
    assert object_keys() == [f"events/{good['messageId']}.json"]

"""The event-driven sample's handlers, invoked with realistic events: the OrderPlaced
consumer (an attributed EventBridge event), the scheduled tenant sync, and the nightly
report published through the claim check and consumed on the other side (moto S3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from paved_road.events import attribution_transformer
from tests.handlers.support import (
    FakeLambdaContext,
    emitted_metrics,
    isolated_handler_environment,
    json_lines,
    load_asset_module,
)
from tests.unit.test_events import apply_input_transformer

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "sample_apps" / "event_driven" / "handlers"
LAYER = ROOT / "constructs" / "paved_road" / "handlers" / "claim_check_layer" / "python"
REGION = "eu-west-1"
BUCKET = "paved-road-claims-test"
NAMESPACE = "PavedRoad/Samples"
RULE_ARN = "arn:aws:events:eu-west-1:444455556666:rule/orders"


def order_event(detail: dict[str, Any]) -> dict[str, Any]:
    """An OrderPlaced event as the EventConsumer's rule delivers it (attributed)."""
    event = {
        "version": "0",
        "id": "0f7e3a52-5c1b-4f8e-9d3a-2b7c6e1f0a94",
        "detail-type": "OrderPlaced",
        "source": "shop.orders",
        "account": "444455556666",
        "time": "2026-11-23T17:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": detail,
    }
    return json.loads(apply_input_transformer(attribution_transformer(), event, RULE_ARN))


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="event-driven",
        namespace=NAMESPACE,
        clear=("PAVED_ROAD_CLAIM_CHECK_BUCKET", "PAVED_ROAD_CLAIM_CHECK_THRESHOLD"),
    )


def load(monkeypatch: pytest.MonkeyPatch, name: str) -> ModuleType:
    monkeypatch.syspath_prepend(str(LAYER))
    return load_asset_module(monkeypatch, f"event_driven_{name}", HANDLERS / f"{name}.py")


def test_order_consumer_accepts_an_attributed_event(
    environment: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = load(monkeypatch, "orders")
    result = orders.handler(order_event({"orderId": 42}), FakeLambdaContext())
    assert result == {"orderId": 42, "status": "accepted"}
    output = capsys.readouterr().out
    logged = [line for line in json_lines(output) if line.get("message") == "order placed"]
    assert logged and logged[0]["rule"] == RULE_ARN and logged[0]["tenant"] == "444455556666"
    assert emitted_metrics(output, NAMESPACE) == {"OrdersAccepted": 1}


def test_order_consumer_raises_on_an_order_without_id(
    environment: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    orders = load(monkeypatch, "orders")
    with pytest.raises(orders.InvalidOrder, match=r"has no detail\.orderId"):
        orders.handler(order_event({"total": 10}), FakeLambdaContext())


def test_scheduled_sync_reads_its_input(environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    sync = load(monkeypatch, "sync")
    assert sync.handler({"task": "sync-tenants"}, FakeLambdaContext()) == {
        "task": "sync-tenants",
        "status": "done",
    }


class RecordingEvents:
    """An EventBridge client that keeps the entries put (moto's EventBridge would need
    rules and targets to hand them back)."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "1"} for _ in Entries]}


@pytest.fixture
def s3(environment: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_BUCKET", BUCKET)
        monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_PREFIX", "claims/")
        yield client


@pytest.mark.parametrize(("rows", "offloaded"), [(100, False), (60_000, True)])
def test_nightly_report_round_trip_through_the_claim_check(
    s3: Any, monkeypatch: pytest.MonkeyPatch, rows: int, offloaded: bool
) -> None:
    reports = load(monkeypatch, "reports")
    bus = RecordingEvents()
    monkeypatch.setattr(reports, "_events", bus)
    # a fresh store per test: the layer caches its default store (and S3 client)
    monkeypatch.setattr(reports.claims, "_default", None)

    assert reports.produce({"rows": rows}, FakeLambdaContext()) == {"failed": 0}
    (entry,) = bus.entries
    detail_text = entry["Detail"]
    report = reports.build_report(rows)
    assert (reports.claims.MARKER in detail_text) is offloaded
    assert len(detail_text.encode()) <= 1024 * 1024
    stored = s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0)
    assert stored == (1 if offloaded else 0)

    delivered = {
        "version": "0",
        "id": "c1",
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": "444455556666",
        "time": "2026-11-24T01:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": json.loads(detail_text),
    }
    assert reports.consume(delivered, FakeLambdaContext()) == {"rows": rows}
    # the bytes the consumer saw are the bytes the producer meant to send
    resolved = reports.claims.resolve_event(delivered)
    assert json.dumps(resolved["detail"]) == json.dumps(report)

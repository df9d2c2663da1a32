"""Nightly report: the producer may exceed 1 MiB, so it publishes through the claim check;
the consumer receives the original report, resolved by the claim-check layer.

``paved_road_claim_check`` comes from the ``ClaimCheck`` construct's layer; the bucket,
prefix and threshold come from the environment variables it sets.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import paved_road_claim_check as claims
from aws_lambda_powertools import Logger

logger = Logger()
_events = None


def _events_client() -> Any:
    global _events
    if _events is None:
        _events = boto3.client("events")
    return _events


def build_report(rows: int) -> dict[str, Any]:
    return {"rows": [{"tenant": f"t{i}", "orders": i} for i in range(rows)]}


@logger.inject_lambda_context
def produce(event: dict[str, Any], context: Any) -> dict[str, Any]:
    report = build_report(int(event.get("rows", 100_000)))
    entry = claims.prepare_event_entry(
        {
            "Source": os.environ.get("EVENT_SOURCE", "shop.reports"),
            "DetailType": "ReportReady",
            "Detail": json.dumps(report),
        }
    )
    result = _events_client().put_events(Entries=[entry])
    logger.info("report published", offloaded=claims.MARKER in entry["Detail"])
    return {"failed": result.get("FailedEntryCount", 0)}


@logger.inject_lambda_context
@claims.resolve_claims
def consume(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rows = event["detail"]["rows"]
    logger.info("report received", rows=len(rows))
    return {"rows": len(rows)}

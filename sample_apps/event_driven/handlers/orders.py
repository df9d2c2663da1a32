"""OrderPlaced consumer: EventBridge invokes it directly (asynchronously).

Raising makes Lambda retry (twice) and then send the event, with the function ARN and the
rule that delivered it, to the central dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

logger = Logger()
metrics = Metrics()


class InvalidOrder(ValueError):
    """The event has no order id: retrying will not help; it goes to the DLQ."""


@metrics.log_metrics
@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: Any) -> dict[str, Any]:
    order_id = event.detail.get("orderId")
    if order_id is None:
        raise InvalidOrder(f"event {event.get_id} has no detail.orderId")
    rule = (event.raw_event.get("paved-road") or {}).get("rule")
    logger.info("order placed", order_id=order_id, tenant=event.account, rule=rule)
    metrics.add_metric(name="OrdersAccepted", unit=MetricUnit.Count, value=1)
    return {"orderId": order_id, "status": "accepted"}

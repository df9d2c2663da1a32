"""Backend of each API version of the VersionedApi blueprint.

It answers with the version it implements (``API_VERSION``) and the path and stage it
received, so a deployed routing table can be checked request by request against
``RoutingRules.resolve``: the ``path`` shows whether the routing rule stripped its base
path. Dependencies: the AWS-managed Powertools layer.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@app.route("/.+", method=METHODS)
@app.route("/", method=METHODS)
def describe() -> dict[str, Any]:
    version = os.environ.get("API_VERSION", "unknown")
    event = app.current_event
    metrics.add_dimension(name="ApiVersion", value=version)
    metrics.add_metric(name="VersionedRequests", unit=MetricUnit.Count, value=1)
    logger.info("versioned request", extra={"apiVersion": version, "path": event.path})
    return {
        "version": version,
        "path": event.path,
        "stage": event.request_context.stage,
        "cohort": event.headers.get("x-user-cohort"),  # case-insensitive in Powertools v3
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

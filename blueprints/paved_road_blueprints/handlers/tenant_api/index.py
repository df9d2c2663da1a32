"""Sample tenant handler of the MultiTenantApi blueprint (tenant-isolated function).

API Gateway invokes it with ``X-Amz-Tenant-Id`` set from the authorizer, so Lambda
runs it in an execution environment of that tenant only and exposes the id as
``context.tenant_id``. Module-level state (``_SEEN``) therefore only ever holds one
tenant's data: the isolation the mode provides, visible in the response.
Dependencies: the AWS-managed Powertools layer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()

_SEEN: set[str] = set()
"""Tenants this execution environment has served (never more than one)."""


def _tenant() -> str:
    context = app.lambda_context
    tenant = getattr(context, "tenant_id", None)
    if not tenant:
        # API Gateway maps the authorizer's tenantId; without it Lambda rejects the invoke
        # before this code runs, so this only happens when invoked outside the API.
        raise ValueError("invoked without a tenant id")
    return str(tenant)


@app.route("/.+", method=["GET", "POST", "PUT", "PATCH", "DELETE"])
@app.route("/", method=["GET", "POST", "PUT", "PATCH", "DELETE"])
def echo() -> dict[str, Any]:
    tenant = _tenant()
    # Powertools writes the JSON line itself: add the key the tenant queries filter on
    logger.append_keys(tenantId=tenant)
    _SEEN.add(tenant)
    metrics.add_metric(name="TenantRequests", unit=MetricUnit.Count, value=1)
    logger.info("tenant request", extra={"path": app.current_event.path})
    return {
        "tenant": tenant,
        "authorizedTenant": app.current_event.request_context.authorizer.get("tenantId"),
        "path": app.current_event.path,
        "environmentTenants": sorted(_SEEN),
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

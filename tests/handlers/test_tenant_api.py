"""Tests of the MultiTenantApi sample handler (Powertools REST resolver, tenant-isolated).

The handler lives in a CDK asset directory (not a package), so it is loaded from its file
path with importlib, afresh for every test: its module-level ``_SEEN`` set (the tenants
an execution environment has served) never leaks from one test to the next. It is
invoked with API Gateway REST proxy events, as the ``{proxy+}`` ANY method sends them
after the TOKEN authorizer, and a context carrying ``tenant_id`` as Lambda's Python
runtime sets it in tenant isolation mode. It calls no AWS API.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.handlers.support import (
    FakeLambdaContext,
    emitted_metrics,
    isolated_handler_environment,
    json_lines,
    load_asset_module,
)

HANDLER_FILE = (
    Path(__file__).resolve().parents[2]
    / "blueprints"
    / "paved_road_blueprints"
    / "handlers"
    / "tenant_api"
    / "index.py"
)
MODULE_NAME = "tenant_api_index"

REGION = "eu-west-1"
ACCOUNT = "123456789012"
API_ID = "a1b2c3d4e5"
FUNCTION_NAME = "tenant-api"
NAMESPACE = "PavedRoad/Tests"


# --------------------------------------------------------------------------- helpers


def lambda_context(**overrides: Any) -> FakeLambdaContext:
    """A Lambda context of this handler's function, invoked for tenant acme by default."""
    overrides.setdefault("tenant_id", "acme")
    return FakeLambdaContext(
        function_name=FUNCTION_NAME, region=REGION, account=ACCOUNT, **overrides
    )


@dataclass
class ContextWithoutTenant:
    """A context of a runtime that predates tenant isolation: no ``tenant_id`` at all."""

    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def rest_event(
    tenant: str = "acme",
    *,
    method: str = "GET",
    path: str = "/orders/42",
    body: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST (v1) proxy event of the ``{proxy+}`` ANY method, after the
    TOKEN authorizer returned ``tenantId`` in its context."""
    resource = "/" if path == "/" else "/{proxy+}"
    headers = {
        "Accept": "application/json",
        "Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJhY21lIn0.c2ln",
        "Host": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
        "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": "Root=1-67891233-abcdef012345678912345678",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if body is not None:
        headers["Content-Type"] = "application/json"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None if path == "/" else {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "authorizer": {
                "principalId": "alice",
                "tenantId": tenant,
                "subject": "alice",
                "integrationLatency": 42,
            },
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": "ZX8EHFgDjoEFvXA=",
            "requestTime": "01/Jan/2026:12:00:00 +0000",
            "path": f"/prod{path}",
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": "prod",
            "domainPrefix": API_ID,
            "requestTimeEpoch": 1767268800000,
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": "203.0.113.7",
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": "curl/8.5.0",
                "user": None,
            },
            "domainName": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def body_of(response: dict[str, Any]) -> dict[str, Any]:
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="tenant-api-test",
        namespace=NAMESPACE,
        clear=(
            "POWERTOOLS_DEV",
            "POWERTOOLS_EVENT_HANDLER_DEBUG",
            "POWERTOOLS_LOGGER_LOG_EVENT",
        ),
    )


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[[], ModuleType]:
    """Load ``index.py`` from its path as a brand new module (a new ``_SEEN``)."""

    def load() -> ModuleType:
        return load_asset_module(monkeypatch, MODULE_NAME, HANDLER_FILE)

    return load


@pytest.fixture
def handler_module(load_handler: Callable[[], ModuleType]) -> ModuleType:
    return load_handler()


# --------------------------------------------------------------------------- tests


def test_request_is_served_for_the_context_tenant(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a request authorized for tenant acme, invoked in an acme environment
    event = rest_event("acme")

    # WHEN the function is invoked
    response = handler_module.handler(event, lambda_context(tenant_id="acme"))

    # THEN it answers 200 JSON with the tenant, the authorizer's tenant, the path, and
    # the one tenant this execution environment has served
    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert body_of(response) == {
        "tenant": "acme",
        "authorizedTenant": "acme",
        "path": "/orders/42",
        "environmentTenants": ["acme"],
    }
    # AND the request is logged (JSON) with its path and counted in a metric
    output = capsys.readouterr().out
    [logged] = [line for line in json_lines(output) if line.get("message") == "tenant request"]
    assert logged["path"] == "/orders/42"
    assert logged["level"] == "INFO"
    assert logged["function_name"] == FUNCTION_NAME
    # (with the tenantId key the TenantIsolatedFunction Logs Insights queries filter on)
    assert logged["tenantId"] == "acme"
    assert emitted_metrics(output, NAMESPACE) == {"TenantRequests": 1}


def test_second_request_of_the_same_tenant_keeps_one_environment_tenant(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an environment that already served tenant globex
    first = handler_module.handler(rest_event("globex"), lambda_context(tenant_id="globex"))
    assert body_of(first)["environmentTenants"] == ["globex"]

    # WHEN the same module serves globex again, on another route and method
    second = handler_module.handler(
        rest_event("globex", method="POST", path="/", body=json.dumps({"total": 12})),
        lambda_context(tenant_id="globex"),
    )

    # THEN it still holds that one tenant only
    assert second["statusCode"] == 200
    assert body_of(second) == {
        "tenant": "globex",
        "authorizedTenant": "globex",
        "path": "/",
        "environmentTenants": ["globex"],
    }
    assert sorted(handler_module._SEEN) == ["globex"]
    assert emitted_metrics(capsys.readouterr().out, NAMESPACE) == {"TenantRequests": 2}


def test_each_module_load_starts_with_no_tenant(load_handler: Callable[[], ModuleType]) -> None:
    # GIVEN two fresh loads of the handler (two execution environments)
    blue, green = load_handler(), load_handler()

    # WHEN each serves its own tenant
    blue_body = body_of(blue.handler(rest_event("blue"), lambda_context(tenant_id="blue")))
    green_body = body_of(green.handler(rest_event("green"), lambda_context(tenant_id="green")))

    # THEN neither has seen the other's tenant
    assert blue_body["environmentTenants"] == ["blue"]
    assert green_body["environmentTenants"] == ["green"]


def test_tenant_comes_from_the_lambda_context_not_the_event(handler_module: ModuleType) -> None:
    # GIVEN an event whose authorizer context names another tenant than the invoke
    # (API Gateway maps one to the other, so only a direct invoke could do this)
    response = handler_module.handler(rest_event("globex"), lambda_context(tenant_id="acme"))

    # THEN the served tenant is Lambda's (the environment's); the event's is only echoed
    body = body_of(response)
    assert body["tenant"] == "acme"
    assert body["authorizedTenant"] == "globex"
    assert body["environmentTenants"] == ["acme"]


@pytest.mark.parametrize(
    "context",
    [lambda_context(tenant_id=None), lambda_context(tenant_id=""), ContextWithoutTenant()],
    ids=["tenant-id-none", "tenant-id-empty", "no-tenant-id-attribute"],
)
@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_invoke_without_a_tenant_id_raises(
    handler_module: ModuleType, caplog: pytest.LogCaptureFixture, context: Any
) -> None:
    # GIVEN a context without a tenant id (an invoke outside the API)
    event = rest_event("acme")

    # WHEN the function is invoked
    # THEN the route's ValueError is not turned into an HTTP response: the resolver has no
    # exception handler for it (and is not in debug mode), so it logs and re-raises it and
    # the invocation fails (behind API Gateway, a 502)
    with (
        caplog.at_level(logging.ERROR, logger="aws_lambda_powertools"),
        pytest.raises(ValueError, match=r"^invoked without a tenant id$"),
    ):
        handler_module.handler(event, context)
    assert any(
        r.levelno == logging.ERROR and "invoked without a tenant id" in r.getMessage()
        for r in caplog.records
    )
    # AND nothing is recorded for the environment
    assert not handler_module._SEEN


@pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")
def test_unknown_method_is_not_found(handler_module: ModuleType) -> None:
    # GIVEN a HEAD request (the API's ANY method forwards it; the handler routes
    # GET/POST/PUT/PATCH/DELETE only)
    response = handler_module.handler(
        rest_event("acme", method="HEAD"), lambda_context(tenant_id="acme")
    )

    # THEN the resolver answers 404 and records no tenant
    assert response["statusCode"] == 404
    assert body_of(response) == {"statusCode": 404, "message": "Not found"}
    assert not handler_module._SEEN

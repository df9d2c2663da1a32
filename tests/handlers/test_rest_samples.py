"""The buffered-answer (StreamingApi) and api-version (VersionedApi) sample handlers,
invoked with API Gateway REST proxy events as their IAM-authorized ``ANY``/``GET``
methods send them. Neither calls an AWS API."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.handlers.support import (
    FakeLambdaContext,
    isolated_handler_environment,
    load_asset_module,
)

HANDLERS = Path(__file__).resolve().parents[2] / "blueprints" / "paved_road_blueprints" / "handlers"
REGION = "eu-west-1"


def rest_event(
    *,
    method: str = "GET",
    path: str = "/chat",
    query: dict[str, str] | None = None,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    stage: str = "prod",
) -> dict[str, Any]:
    """An API Gateway REST proxy event of an IAM-authorized method."""
    all_headers = {"Host": "api.example.com", "User-Agent": "curl/8.5.0", **(headers or {})}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "identity": {"sourceIp": "203.0.113.7", "userArn": "arn:aws:iam::1:user/a"},
            "apiId": "a1b2c3d4e5",
        },
        "body": body,
        "isBase64Encoded": False,
    }


@pytest.fixture
def buffered(monkeypatch: pytest.MonkeyPatch) -> Any:
    isolated_handler_environment(
        monkeypatch, region=REGION, service="buffered", namespace="PavedRoad/Tests"
    )
    return load_asset_module(
        monkeypatch, "buffered_answer_index", HANDLERS / "buffered_answer" / "index.py"
    )


@pytest.fixture
def versioned(monkeypatch: pytest.MonkeyPatch) -> Any:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="versioned",
        namespace="PavedRoad/Tests",
        clear=("API_VERSION",),
    )
    monkeypatch.setenv("API_VERSION", "v2")
    return load_asset_module(
        monkeypatch, "api_version_index", HANDLERS / "api_version" / "index.py"
    )


def invoke(module: Any, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = module.handler(event, FakeLambdaContext(region=REGION))
    return response["statusCode"], json.loads(response["body"])


def test_buffered_answer_from_query_and_body(buffered: Any) -> None:
    # GIVEN a prompt in the query string WHEN GET /chat THEN the whole answer comes back
    status, body = invoke(buffered, rest_event(query={"prompt": "why roads"}))
    assert status == 200
    assert body["answer"].startswith("You asked: why roads")
    assert body["tokens"] == len(buffered.answer_for("why roads"))
    # AND a JSON body works for POST
    status, body = invoke(
        buffered, rest_event(method="POST", body=json.dumps({"prompt": "hello there"}))
    )
    assert status == 200 and "hello there" in body["answer"]


def test_buffered_answer_defaults_and_limits(buffered: Any) -> None:
    status, body = invoke(buffered, rest_event())
    assert status == 200 and buffered.DEFAULT_PROMPT in body["answer"]
    status, body = invoke(buffered, rest_event(query={"prompt": "x" * 2001}))
    assert status == 400 and "prompt" in body["message"]
    status, _ = invoke(buffered, rest_event(query={"prompt": "   "}))
    assert status == 400


def test_version_handler_reports_version_path_stage_and_cohort(versioned: Any) -> None:
    # GIVEN a request routed with its base path stripped and a cohort header
    event = rest_event(path="/checkout", headers={"X-User-Cohort": "beta-testers"})
    # WHEN handled THEN the answer names the version and echoes what the API received
    status, body = invoke(versioned, event)
    assert status == 200
    assert body == {
        "version": "v2",
        "path": "/checkout",
        "stage": "prod",
        "cohort": "beta-testers",
    }
    status, body = invoke(versioned, rest_event(method="DELETE", path="/"))
    assert status == 200 and body["path"] == "/" and body["cohort"] is None

"""Tests of the smoke-test traffic hook handler (``paved_road/handlers/traffic_hook``).

The handler lives in a CDK asset directory (not a package), so it is loaded from its file
path, afresh for every test. Its Lambda and CodeDeploy clients are real boto3 clients
(fake credentials) with botocore ``Stubber``s: every call must match the parameters a test
expects, and nothing reaches AWS. A stubbed Lambda invoke that received other parameters
raises inside the handler, which reports ``Failed``; so every test asserts the exact status
(and reason) reported.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import Stubber

from tests.handlers.support import (
    FakeLambdaContext,
    forbid_aws_clients,
    isolated_handler_environment,
    load_asset_module,
)

HANDLER_FILE = (
    Path(__file__).resolve().parents[2]
    / "constructs"
    / "paved_road"
    / "handlers"
    / "traffic_hook"
    / "index.py"
)
MODULE_NAME = "traffic_hook_index"

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TARGET = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-api:42"
DEPLOYMENT_ID = "d-EXAMPLE123"
EXECUTION_ID = "eyJlbmNyeXB0ZWREYXRhIjoiY3lWaDE3dlNFMEd0SnRBWlJ0b1hMWUdtbHNsOGpsb2dZMEJqN3ZsbWNaUX"
DEFAULT_PAYLOAD = b'{"smokeTest": true}'


# --------------------------------------------------------------------------- helpers


def hook_event() -> dict[str, Any]:
    """What CodeDeploy sends a Lambda deployment's BeforeAllowTraffic hook."""
    return {"DeploymentId": DEPLOYMENT_ID, "LifecycleEventHookExecutionId": EXECUTION_ID}


def lambda_context() -> FakeLambdaContext:
    """A Lambda context of the hook function (30 s remaining)."""
    return FakeLambdaContext(function_name="orders-smoke-test", region=REGION, account=ACCOUNT)


def invoke_response(
    body: bytes, *, function_error: str | None = None, status_code: int = 200
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "StatusCode": status_code,
        "ExecutedVersion": "42",
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
    }
    if function_error is not None:
        response["FunctionError"] = function_error
    return response


def hook_results(output: str) -> list[dict[str, Any]]:
    """The ``Traffic hook result`` log lines."""
    lines = []
    for line in output.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict) and parsed.get("message") == "Traffic hook result":
            lines.append(parsed)
    return lines


@dataclass
class Clients:
    """The stubbed clients the handler gets, and the read timeouts it asked for."""

    lambda_: Any
    codedeploy: Any
    lambda_stub: Stubber
    codedeploy_stub: Stubber
    read_timeouts: list[int] = field(default_factory=list)

    def expect_invoke(self, response: dict[str, Any], payload: bytes = DEFAULT_PAYLOAD) -> None:
        self.lambda_stub.add_response(
            "invoke",
            response,
            {"FunctionName": TARGET, "InvocationType": "RequestResponse", "Payload": payload},
        )

    def expect_report(self, status: str) -> None:
        self.codedeploy_stub.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": EXECUTION_ID},
            {
                "deploymentId": DEPLOYMENT_ID,
                "lifecycleEventHookExecutionId": EXECUTION_ID,
                "status": status,
            },
        )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="traffic-hook-test",
        namespace="PavedRoad/Tests",
        clear=(
            "TARGET_FUNCTION_ARN",
            "SMOKE_TEST_PAYLOAD",
            "EXPECT_JSON",
            "POWERTOOLS_LOGGER_LOG_EVENT",
        ),
    )
    monkeypatch.setenv("TARGET_FUNCTION_ARN", TARGET)


@pytest.fixture
def module(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load_asset_module(monkeypatch, f"{MODULE_NAME}_{uuid.uuid4().hex[:8]}", HANDLER_FILE)


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> Iterator[Clients]:
    lambda_ = boto3.client("lambda", region_name=REGION)
    codedeploy = boto3.client("codedeploy", region_name=REGION)
    with Stubber(lambda_) as lambda_stub, Stubber(codedeploy) as codedeploy_stub:
        found = Clients(lambda_, codedeploy, lambda_stub, codedeploy_stub)

        def lambda_client(read_timeout: int) -> Any:
            found.read_timeouts.append(read_timeout)
            return lambda_

        monkeypatch.setattr(module, "lambda_client", lambda_client)
        monkeypatch.setattr(module, "codedeploy_client", lambda: codedeploy)
        yield found
        # every expected call was made
        lambda_stub.assert_no_pending_responses()
        codedeploy_stub.assert_no_pending_responses()


@pytest.fixture
def run(module: ModuleType) -> Callable[[], dict[str, str]]:
    def invoke() -> dict[str, str]:
        result: dict[str, str] = module.handler(hook_event(), lambda_context())
        return result

    return invoke


# --------------------------------------------------------------------------- outcomes


def test_a_healthy_version_is_reported_succeeded_with_one_log_line(
    clients: Clients, run: Callable[[], dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a new version that answers the smoke test without error
    clients.expect_invoke(invoke_response(b'{"ok": true}'))
    clients.expect_report("Succeeded")

    # WHEN CodeDeploy runs the hook
    result = run()

    # THEN the version was invoked with the default payload and Succeeded was reported
    assert result == {"status": "Succeeded", "reason": f"{TARGET} answered without error"}
    # AND one structured line records the outcome, the reason and the deployment
    (line,) = hook_results(capsys.readouterr().out)
    assert line["level"] == "INFO"
    assert line["status"] == "Succeeded"
    assert line["reason"] == f"{TARGET} answered without error"
    assert line["target"] == TARGET
    assert line["deployment_id"] == DEPLOYMENT_ID
    assert line["lifecycle_event_hook_execution_id"] == EXECUTION_ID
    assert line["reported"] is True


def test_the_payload_sent_is_smoke_test_payload_byte_for_byte(
    monkeypatch: pytest.MonkeyPatch, clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN a configured payload (spacing and key order of its own)
    payload = '{"path": "/health",  "headers": {"x-smoke": "1"}, "smokeTest": true}'
    monkeypatch.setenv("SMOKE_TEST_PAYLOAD", payload)
    # AND a stub that only answers an invoke with exactly those bytes
    clients.expect_invoke(invoke_response(b"null"), payload=payload.encode("utf-8"))
    clients.expect_report("Succeeded")

    # WHEN the hook runs
    result = run()

    # THEN the invoke matched (a different payload would have been reported Failed)
    assert result["status"] == "Succeeded", result["reason"]


def test_the_invoke_gets_the_remaining_time_minus_the_reporting_margin(
    clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN a context with 30 s left
    clients.expect_invoke(invoke_response(b"{}"))
    clients.expect_report("Succeeded")

    # WHEN the hook runs
    run()

    # THEN the Lambda client it used waits at most 25 s for the answer
    assert clients.read_timeouts == [25]


@pytest.mark.parametrize("function_error", ["Unhandled", "Handled"])
def test_a_function_error_is_reported_failed(
    clients: Clients,
    run: Callable[[], dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    function_error: str,
) -> None:
    # GIVEN a new version that raises on the smoke test
    error = b'{"errorMessage": "boom", "errorType": "KeyError", "stackTrace": []}'
    clients.expect_invoke(invoke_response(error, function_error=function_error))
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = run()

    # THEN Failed is reported, the reason quoting the error
    assert result["status"] == "Failed"
    assert result["reason"].startswith(f"{TARGET} returned a function error ({function_error})")
    assert "KeyError" in result["reason"] and "boom" in result["reason"]
    # AND the log line is an error with that reason
    (line,) = hook_results(capsys.readouterr().out)
    assert line["level"] == "ERROR"
    assert (line["status"], line["reason"]) == ("Failed", result["reason"])


def test_a_function_error_fails_even_when_the_expectation_is_met(
    monkeypatch: pytest.MonkeyPatch, clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN an expectation the error payload happens to satisfy
    monkeypatch.setenv("EXPECT_JSON", '{"errorType": "KeyError"}')
    clients.expect_invoke(invoke_response(b'{"errorType": "KeyError"}', function_error="Unhandled"))
    clients.expect_report("Failed")

    # WHEN the hook runs / THEN the function error decides
    assert run()["status"] == "Failed"


def test_an_invoke_error_is_reported_failed_and_not_raised(
    clients: Clients, run: Callable[[], dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a throttled invoke
    clients.lambda_stub.add_client_error(
        "invoke",
        service_error_code="TooManyRequestsException",
        service_message="Rate exceeded",
        http_status_code=429,
    )
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = run()

    # THEN the error is reported as Failed (and still logged and reported)
    assert result["status"] == "Failed"
    assert result["reason"] == (
        f"invoking {TARGET} failed: TooManyRequestsException: An error occurred "
        "(TooManyRequestsException) when calling the Invoke operation: Rate exceeded"
    )
    (line,) = hook_results(capsys.readouterr().out)
    assert line["reported"] is True


def test_an_invoke_timeout_is_reported_failed(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, clients: Clients
) -> None:
    # GIVEN a version that does not answer within the read timeout
    class Slow:
        def invoke(self, **kwargs: Any) -> Any:
            raise ReadTimeoutError(endpoint_url="https://lambda.eu-west-1.amazonaws.com")

    monkeypatch.setattr(module, "lambda_client", lambda read_timeout: Slow())
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = module.handler(hook_event(), lambda_context())

    # THEN Failed is reported, naming the timeout
    assert result["status"] == "Failed"
    assert result["reason"].startswith(f"invoking {TARGET} failed: ReadTimeoutError")


def test_a_status_code_other_than_200_is_reported_failed(
    clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN an invoke answered with an unexpected status code
    clients.expect_invoke(invoke_response(b"", status_code=202))
    clients.expect_report("Failed")

    # WHEN the hook runs / THEN it fails
    assert run() == {
        "status": "Failed",
        "reason": f"invoking {TARGET} answered status code 202",
    }


# --------------------------------------------------------------------------- expectations


@pytest.mark.parametrize(
    ("expect", "body"),
    [
        pytest.param({"statusCode": 200}, {"statusCode": 200, "body": "{}"}, id="one-item"),
        pytest.param(
            {"status": "ok", "checks": {"db": True}, "items": [1, 2]},
            {"status": "ok", "checks": {"db": True}, "items": [1, 2], "extra": None},
            id="nested-and-extra-keys",
        ),
        pytest.param({"count": 1}, {"count": 1.0}, id="json-numbers-1-equals-1.0"),
        pytest.param({"value": None}, {"value": None}, id="null"),
    ],
)
def test_a_met_expectation_is_reported_succeeded(
    monkeypatch: pytest.MonkeyPatch,
    clients: Clients,
    run: Callable[[], dict[str, str]],
    expect: dict[str, Any],
    body: dict[str, Any],
) -> None:
    # GIVEN an expectation and a response holding every expected item at top level
    monkeypatch.setenv("EXPECT_JSON", json.dumps(expect))
    clients.expect_invoke(invoke_response(json.dumps(body).encode()))
    clients.expect_report("Succeeded")

    # WHEN the hook runs
    result = run()

    # THEN it succeeds
    assert result == {
        "status": "Succeeded",
        "reason": f"{TARGET} answered without error and with every expected item",
    }


@pytest.mark.parametrize(
    ("expect", "body", "detail"),
    [
        pytest.param(
            {"statusCode": 200},
            {"statusCode": 500},
            "'statusCode' is 500 (expected 200)",
            id="value",
        ),
        pytest.param(
            {"statusCode": 200}, {"body": "ok"}, "'statusCode' is missing (expected 200)", id="key"
        ),
        pytest.param({"ok": True}, {"ok": 1}, "'ok' is 1 (expected true)", id="true-is-not-1"),
        pytest.param({"n": 0}, {"n": False}, "'n' is false (expected 0)", id="false-is-not-0"),
        pytest.param(
            {"checks": {"db": True}},
            {"checks": {"db": True, "cache": False}},
            "'checks' is",
            id="nested-object-differs",
        ),
        pytest.param({"id": "1"}, {"id": 1}, "'id' is 1 (expected \"1\")", id="string-vs-number"),
        pytest.param({"items": [1, 2]}, {"items": [1]}, "'items' is [1]", id="array-length"),
        pytest.param(
            {"nested": {"a": 1}}, {"a": 1}, "'nested' is missing", id="not-searched-below-top"
        ),
    ],
)
def test_an_unmet_expectation_is_reported_failed(
    monkeypatch: pytest.MonkeyPatch,
    clients: Clients,
    run: Callable[[], dict[str, str]],
    expect: dict[str, Any],
    body: dict[str, Any],
    detail: str,
) -> None:
    # GIVEN an expectation the response does not meet
    monkeypatch.setenv("EXPECT_JSON", json.dumps(expect))
    clients.expect_invoke(invoke_response(json.dumps(body).encode()))
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = run()

    # THEN Failed is reported, saying which item differs
    assert result["status"] == "Failed"
    assert result["reason"].startswith(f"{TARGET} answered unexpectedly: ")
    assert detail in result["reason"]


def test_every_unmet_item_is_named(
    monkeypatch: pytest.MonkeyPatch, clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN two expected items, both wrong
    monkeypatch.setenv("EXPECT_JSON", '{"a": 1, "b": 2}')
    clients.expect_invoke(invoke_response(b'{"a": 0}'))
    clients.expect_report("Failed")

    # WHEN the hook runs / THEN the reason names both
    assert run()["reason"] == (
        f"{TARGET} answered unexpectedly: 'a' is 0 (expected 1); 'b' is missing (expected 2)"
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<html>Internal error</html>", id="not-json"),
        pytest.param(b"[1, 2]", id="json-array"),
        pytest.param(b'"ok"', id="json-string"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_response_that_is_not_a_json_object_fails_an_expectation(
    monkeypatch: pytest.MonkeyPatch,
    clients: Clients,
    run: Callable[[], dict[str, str]],
    body: bytes,
) -> None:
    # GIVEN an expectation and a response that is not a JSON object
    monkeypatch.setenv("EXPECT_JSON", '{"statusCode": 200}')
    clients.expect_invoke(invoke_response(body))
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = run()

    # THEN Failed is reported
    assert result["status"] == "Failed"
    assert result["reason"].startswith(
        f"{TARGET} did not answer a JSON object, so EXPECT_JSON cannot match"
    )


def test_without_expectation_a_non_json_answer_passes(
    clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN no EXPECT_JSON and a plain-text answer
    clients.expect_invoke(invoke_response(b"pong"))
    clients.expect_report("Succeeded")

    # WHEN the hook runs / THEN only errors count
    assert run()["status"] == "Succeeded"


def test_a_long_response_is_clipped_in_the_reason(
    monkeypatch: pytest.MonkeyPatch, clients: Clients, run: Callable[[], dict[str, str]]
) -> None:
    # GIVEN a long non-JSON answer to an expectation
    monkeypatch.setenv("EXPECT_JSON", '{"ok": true}')
    clients.expect_invoke(invoke_response(b"x" * 5000))
    clients.expect_report("Failed")

    # WHEN the hook runs
    reason = run()["reason"]

    # THEN the reason quotes at most 300 characters of it
    assert reason.endswith("x" * 297 + "...")
    assert "x" * 298 not in reason


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        pytest.param(
            "TARGET_FUNCTION_ARN",
            None,
            "TARGET_FUNCTION_ARN is not set (SmokeTestHook.bind(target) was not called)",
            id="no-target",
        ),
        pytest.param(
            "SMOKE_TEST_PAYLOAD",
            "{smokeTest: true}",
            "SMOKE_TEST_PAYLOAD is not JSON: {smokeTest: true}",
            id="payload-not-json",
        ),
        pytest.param(
            "EXPECT_JSON", "[200]", "EXPECT_JSON is not a JSON object: [200]", id="expect-array"
        ),
        pytest.param(
            "EXPECT_JSON",
            "statusCode=200",
            "EXPECT_JSON is not a JSON object: statusCode=200",
            id="expect-not-json",
        ),
    ],
)
def test_an_unusable_configuration_is_reported_failed_without_invoking(
    monkeypatch: pytest.MonkeyPatch,
    clients: Clients,
    run: Callable[[], dict[str, str]],
    variable: str,
    value: str | None,
    reason: str,
) -> None:
    # GIVEN a configuration the hook cannot use
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = run()

    # THEN Failed is reported, saying why, and the target is not invoked
    assert result == {"status": "Failed", "reason": reason}
    assert clients.read_timeouts == []


def test_an_unexpected_error_is_still_reported_failed(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType, clients: Clients
) -> None:
    # GIVEN an invoke answering something the smoke test does not anticipate (no Payload)
    class Odd:
        def invoke(self, **kwargs: Any) -> Any:
            return {"StatusCode": 200}

    monkeypatch.setattr(module, "lambda_client", lambda read_timeout: Odd())
    clients.expect_report("Failed")

    # WHEN the hook runs
    result = module.handler(hook_event(), lambda_context())

    # THEN Failed is reported with the error
    assert result == {"status": "Failed", "reason": "unexpected error: KeyError: 'Payload'"}


# --------------------------------------------------------------------------- reporting


@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param(
            {"LifecycleEventHookExecutionId": EXECUTION_ID},
            "the event has no DeploymentId: it does not come from a CodeDeploy lifecycle hook",
            id="no-deployment-id",
        ),
        pytest.param(
            {"DeploymentId": DEPLOYMENT_ID},
            "the event has no LifecycleEventHookExecutionId: ",
            id="no-execution-id",
        ),
        pytest.param(
            {"DeploymentId": " ", "LifecycleEventHookExecutionId": ""},
            "the event has no DeploymentId nor LifecycleEventHookExecutionId: ",
            id="blank",
        ),
        pytest.param(
            {"smokeTest": True},
            "the event has no DeploymentId nor LifecycleEventHookExecutionId: ",
            id="not-a-hook-event",
        ),
        pytest.param(
            None,
            "the event must be a CodeDeploy lifecycle hook event .* got NoneType",
            id="null",
        ),
    ],
)
def test_an_event_without_hook_ids_raises_and_reports_nothing(
    module: ModuleType, clients: Clients, event: Any, message: str
) -> None:
    # GIVEN an event that is not a CodeDeploy hook event (nothing to report to)
    # WHEN the hook is invoked with it
    # THEN it raises a clear error
    with pytest.raises(module.HookEventError, match=message):
        module.handler(event, lambda_context())
    # AND invokes nothing (the stubbers would fail the test on any call)
    assert clients.read_timeouts == []


def test_a_failed_report_raises_so_that_lambda_retries_the_hook(
    clients: Clients, run: Callable[[], dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a healthy version but a CodeDeploy call that fails
    clients.expect_invoke(invoke_response(b"{}"))
    clients.codedeploy_stub.add_client_error(
        "put_lifecycle_event_hook_execution_status",
        service_error_code="ThrottlingException",
        http_status_code=400,
    )

    # WHEN the hook runs
    with pytest.raises(Exception, match="ThrottlingException"):
        run()

    # THEN the outcome is still logged, marked as not reported
    (line,) = hook_results(capsys.readouterr().out)
    assert line["status"] == "Succeeded"
    assert line["reported"] is False
    assert line["level"] == "ERROR"


# --------------------------------------------------------------------------- clients


def test_the_module_creates_no_client_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no AWS credentials, no region, and boto3 unable to create clients
    forbid_aws_clients(monkeypatch)

    # WHEN the handler module is imported
    module = load_asset_module(monkeypatch, MODULE_NAME, HANDLER_FILE)

    # THEN no client is cached yet
    assert module.lambda_client.cache_info().currsize == 0
    assert module.codedeploy_client.cache_info().currsize == 0


def test_clients_are_created_once_and_the_invoke_is_not_retried(module: ModuleType) -> None:
    # GIVEN the handler module (fake credentials)
    # WHEN its clients are asked for twice
    first = module.lambda_client(25)
    codedeploy = module.codedeploy_client()

    # THEN each is cached, the Lambda client waits 25 s and makes one attempt only
    assert module.lambda_client(25) is first
    assert module.codedeploy_client() is codedeploy
    assert first.meta.config.read_timeout == 25
    assert first.meta.config.retries["total_max_attempts"] == 1
    assert first.meta.service_model.service_name == "lambda"
    assert codedeploy.meta.service_model.service_name == "codedeploy"

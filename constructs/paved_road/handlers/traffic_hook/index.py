"""A CodeDeploy traffic hook that smoke-tests the version being deployed.

Entry point: ``index.handler``. This directory is shipped as a CDK asset
(:class:`paved_road.traffic_hook.SmokeTestHook`) and runs on the AWS Lambda Python runtime
with the AWS-managed Powertools for AWS Lambda (Python) layer, so this module imports only
the standard library, ``boto3`` and ``aws_lambda_powertools``.

What it does
    CodeDeploy invokes the hook (``BeforeAllowTraffic`` or ``AfterAllowTraffic``) with
    ``{"DeploymentId": "d-...", "LifecycleEventHookExecutionId": "..."}``. The hook
    invokes the new version of the target function synchronously (``RequestResponse``)
    with the smoke-test payload, checks the answer, then reports ``Succeeded`` or
    ``Failed`` with ``PutLifecycleEventHookExecutionStatus``. ``Failed`` fails the
    deployment, and paved-road's deployment groups roll a failed deployment back.

What fails the smoke test
    * the configuration is unusable: ``TARGET_FUNCTION_ARN`` unset, ``SMOKE_TEST_PAYLOAD``
      not JSON, ``EXPECT_JSON`` not a JSON object;
    * the invoke raises (throttling, missing permission, timeout...): the invoke is not
      retried, so that the hook keeps the time to report;
    * the response has a ``FunctionError`` (the function raised or timed out), or a status
      code other than 200;
    * with ``EXPECT_JSON``: the response payload is not a JSON object, or one of the
      expected top-level items is missing or has another value (JSON equality: ``true``
      is not ``1``, ``1`` is ``1.0``).

Always reporting
    Whatever happens once the event is read, the status is reported (``Failed`` on any
    error), so that CodeDeploy never waits for the hook's one-hour limit. Only two cases
    raise: an event without ``DeploymentId`` / ``LifecycleEventHookExecutionId`` (there is
    nothing to report to), and a failed report (the invocation then counts as an error and
    Lambda's asynchronous retries run the hook again).

Environment variables
    ``TARGET_FUNCTION_ARN`` (required)
        The qualified ARN of the version being deployed (``...:function:name:42``).
    ``SMOKE_TEST_PAYLOAD`` (default ``{"smokeTest": true}``)
        The JSON payload sent, byte for byte.
    ``EXPECT_JSON`` (default: no check)
        A JSON object whose items must all be at the top level of the response payload,
        e.g. ``{"statusCode": 200}`` for an API Gateway proxy handler.
    ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_LOG_LEVEL``
        Read by Powertools; set by the infrastructure.

Output
    One log line, ``Traffic hook result``, with the status, the reason, the target and the
    deployment and hook execution ids; the same status and reason as the return value.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SUCCEEDED = "Succeeded"
FAILED = "Failed"
DEFAULT_PAYLOAD = '{"smokeTest": true}'
REPORT_MARGIN_SECONDS = 5
"""Time kept back from the invoke for reporting to CodeDeploy."""
DETAIL_LIMIT = 300
"""Characters of a response or error quoted in a reason."""

logger = Logger()


class HookEventError(ValueError):
    """The event is not a CodeDeploy lifecycle hook event: there is nothing to report to."""


class SmokeTestError(Exception):
    """The smoke test failed; the message is the reason reported."""


@dataclass(frozen=True)
class Outcome:
    """The status reported to CodeDeploy and why."""

    status: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "reason": self.reason}


@functools.cache
def lambda_client(read_timeout: int) -> Any:
    """The Lambda client, created on first use, one per read timeout (the hook's timeout
    is fixed, so a warm environment reuses one). No retries: a retried invoke could
    outlast the hook and leave nothing reported."""
    return boto3.client(
        "lambda",
        config=Config(
            connect_timeout=5,
            read_timeout=read_timeout,
            retries={"mode": "standard", "total_max_attempts": 1},
        ),
    )


@functools.cache
def codedeploy_client() -> Any:
    """The CodeDeploy client, created on first use."""
    return boto3.client(
        "codedeploy",
        config=Config(
            connect_timeout=3, read_timeout=5, retries={"mode": "standard", "max_attempts": 3}
        ),
    )


def hook_ids(event: object) -> tuple[str, str]:
    """``(DeploymentId, LifecycleEventHookExecutionId)`` of a CodeDeploy hook event."""
    if not isinstance(event, Mapping):
        raise HookEventError(
            "the event must be a CodeDeploy lifecycle hook event (a JSON object with "
            f"DeploymentId and LifecycleEventHookExecutionId), got {type(event).__name__}"
        )
    missing = [
        key
        for key in ("DeploymentId", "LifecycleEventHookExecutionId")
        if not isinstance(event.get(key), str) or not event[key].strip()
    ]
    if missing:
        raise HookEventError(
            f"the event has no {' nor '.join(missing)}: it does not come from a CodeDeploy "
            "lifecycle hook, and there is no deployment to report a status to"
        )
    return event["DeploymentId"], event["LifecycleEventHookExecutionId"]


def _clip(text: str) -> str:
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 3] + "..."


def _json_equal(expected: Any, actual: Any) -> bool:
    """JSON equality: ``true`` differs from ``1`` (Python's ``True == 1``), objects and
    arrays compare item by item."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(_json_equal(v, actual[k]) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_json_equal(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and expected == actual
    return type(expected) is type(actual) and expected == actual


def mismatches(expected: Mapping[str, Any], response: Mapping[str, Any]) -> list[str]:
    """One description per expected item the response lacks or differs on."""
    found = []
    for key, value in expected.items():
        if key not in response:
            found.append(f"{key!r} is missing (expected {json.dumps(value)})")
        elif not _json_equal(value, response[key]):
            found.append(
                f"{key!r} is {_clip(json.dumps(response[key]))} (expected {json.dumps(value)})"
            )
    return found


def settings() -> tuple[str, bytes, dict[str, Any] | None]:
    """``(target ARN, payload bytes, expected items or None)`` from the environment;
    :class:`SmokeTestError` if they are unusable."""
    target = os.environ.get("TARGET_FUNCTION_ARN", "").strip()
    if not target:
        raise SmokeTestError(
            "TARGET_FUNCTION_ARN is not set (SmokeTestHook.bind(target) was not called)"
        )
    payload = os.environ.get("SMOKE_TEST_PAYLOAD") or DEFAULT_PAYLOAD
    try:
        json.loads(payload)
    except ValueError:
        raise SmokeTestError(f"SMOKE_TEST_PAYLOAD is not JSON: {_clip(payload)}") from None
    raw_expect = os.environ.get("EXPECT_JSON", "").strip()
    expect = None
    if raw_expect:
        try:
            expect = json.loads(raw_expect)
        except ValueError:
            expect = None
        if not isinstance(expect, dict):
            raise SmokeTestError(f"EXPECT_JSON is not a JSON object: {_clip(raw_expect)}")
    return target, payload.encode("utf-8"), expect


def smoke_test(context: LambdaContext) -> str:
    """Invoke the target version with the payload and check the response; the reason of
    success, or :class:`SmokeTestError` with the reason of failure."""
    target, payload, expect = settings()
    remaining = context.get_remaining_time_in_millis() // 1000 - REPORT_MARGIN_SECONDS
    try:
        response = lambda_client(max(1, remaining)).invoke(
            FunctionName=target, InvocationType="RequestResponse", Payload=payload
        )
    except Exception as error:  # ClientError, BotoCoreError (timeouts) and the like
        raise SmokeTestError(
            f"invoking {target} failed: {type(error).__name__}: {_clip(str(error))}"
        ) from error
    body = response["Payload"].read().decode("utf-8", errors="replace")
    if response.get("FunctionError"):
        raise SmokeTestError(
            f"{target} returned a function error ({response['FunctionError']}): {_clip(body)}"
        )
    status_code = response.get("StatusCode")
    if status_code != 200:
        raise SmokeTestError(f"invoking {target} answered status code {status_code}")
    if expect is None:
        return f"{target} answered without error"
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise SmokeTestError(
            f"{target} did not answer a JSON object, so EXPECT_JSON cannot match: {_clip(body)}"
        )
    wrong = mismatches(expect, answer)
    if wrong:
        raise SmokeTestError(f"{target} answered unexpectedly: {'; '.join(wrong)}")
    return f"{target} answered without error and with every expected item"


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    """Run the smoke test and report its outcome to CodeDeploy (see the module docstring)."""
    deployment_id, execution_id = hook_ids(event)
    outcome = Outcome(FAILED, "the smoke test did not complete")
    try:
        outcome = Outcome(SUCCEEDED, smoke_test(context))
    except SmokeTestError as error:
        outcome = Outcome(FAILED, str(error))
    except Exception as error:
        outcome = Outcome(FAILED, f"unexpected error: {type(error).__name__}: {_clip(str(error))}")
    finally:
        line = {
            **outcome.as_dict(),
            "target": os.environ.get("TARGET_FUNCTION_ARN", ""),
            "deployment_id": deployment_id,
            "lifecycle_event_hook_execution_id": execution_id,
        }
        try:
            codedeploy_client().put_lifecycle_event_hook_execution_status(
                deploymentId=deployment_id,
                lifecycleEventHookExecutionId=execution_id,
                status=outcome.status,
            )
        except Exception:
            logger.exception("Traffic hook result", extra={**line, "reported": False})
            raise
        log = logger.info if outcome.status == SUCCEEDED else logger.error
        log("Traffic hook result", extra={**line, "reported": True})
    return outcome.as_dict()

"""SmokeTestHook: a ready-made CodeDeploy traffic hook that invokes the version being
deployed with a smoke-test payload and fails the deployment when it errors or answers
unexpectedly.

The hook is a :class:`~paved_road.GovernedFunction` running
``paved_road/handlers/traffic_hook/index.py`` (what counts as a failure, the environment
variables and the log line are described there). It is passed to the target as
``pre_traffic_hook=`` (or ``post_traffic_hook=``), which also grants it
``codedeploy:PutLifecycleEventHookExecutionStatus``; :meth:`SmokeTestHook.bind` then points
it at the target's current version and lets it invoke that version.

Why ``bind`` comes after the target: the hook is a prop of the target, so it exists first,
and the version it tests exists only once the target does. CloudFormation sees no cycle:
the hook's environment and policy reference the target's version (which references the
target function), and the target's ``live`` alias references the hook in its
``UpdatePolicy``; nothing of the target's function or version references the hook.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import Acknowledgment, Duration, Token, Validations
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road._boundary import checked_props
from paved_road._validate import seconds
from paved_road.errors import Problems
from paved_road.function import (
    GovernedFunction,
    HelperFunction,
    Invocation,
    environment_bytes,
    powertools_environment,
)

TRAFFIC_HOOK_HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "traffic_hook"
TARGET_ENV = "TARGET_FUNCTION_ARN"
PAYLOAD_ENV = "SMOKE_TEST_PAYLOAD"
EXPECT_ENV = "EXPECT_JSON"
DEFAULT_PAYLOAD: Mapping[str, Any] = {"smokeTest": True}
DEFAULT_TIMEOUT = Duration.minutes(1)
MAX_TIMEOUT_S = 900  # Lambda's maximum function timeout
REPORT_MARGIN_SECONDS = 5
"""What the handler keeps of its run for the CodeDeploy report (``REPORT_MARGIN_SECONDS`` in
``handlers/traffic_hook/index.py``): the target's invoke gets the rest."""
ENVIRONMENT_LIMIT_BYTES = 4096
"""Lambda's quota on a function's environment variables: 4 KB for all of them together
("Function environment variables: 4 KB",
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). The payload and
the expectation share it with the Powertools variables and the target ARN, so this is the
upper bound checked at synthesis; Lambda rejects a larger total at deployment."""
TARGET_ARN_RESERVE = 170
"""Room kept for the target's alias ARN (a token at synth): ``arn:aws-us-gov:lambda:`` +
Region + account + ``:function:`` + a 64-character name + ``:live`` fits."""
PAYLOAD_LIMIT_BYTES = (
    ENVIRONMENT_LIMIT_BYTES
    - environment_bytes(powertools_environment("smoke-test-hook"))
    - len(PAYLOAD_ENV)
    - len(TARGET_ENV)
    - TARGET_ARN_RESERVE
)
"""The bytes of JSON the payload (and the expectation, less its key) may take: the 4 KB
quota less the hook function's other variables."""

HOOK_FAILURE_DOC = (
    "https://docs.aws.amazon.com/codedeploy/latest/userguide/"
    "reference-appspec-file-structure-hooks.html"
    "#reference-appspec-file-structure-hooks-section-structure-lambda-sample-function"
)
DLQ_REASON = (
    "CodeDeploy traffic hook: CodeDeploy waits for the hook's "
    "PutLifecycleEventHookExecutionStatus report and considers the deployment failed if it "
    f"is not notified within one hour ({HOOK_FAILURE_DOC}); the deployment group rolls a "
    "failed deployment back, so a lost invocation fails the deployment instead of passing "
    "silently, and a DLQ would hold nothing to redrive."
)


class SmokeTestHook(Construct):
    """A CodeDeploy traffic hook that smoke-tests the version being deployed.

    Pass ``hook.function`` as the target's ``pre_traffic_hook`` (or
    ``post_traffic_hook``), then bind the hook to the target, in that order::

        hook = SmokeTestHook(self, "OrdersSmokeTest", expect={"statusCode": 200})
        orders = GovernedFunction(
            self, "Orders", code=..., handler="index.handler",
            pre_traffic_hook=hook.function,
        )
        hook.bind(orders)

    Before CodeDeploy shifts any traffic (``pre_traffic_hook``) the hook invokes the new
    version synchronously with ``payload``; an invoke error, a function error, or (with
    ``expect``) a response that is not a JSON object holding every item of ``expect`` at
    its top level fails the deployment, and the deployment group rolls it back. The hook
    always reports ``Succeeded`` or ``Failed``, so CodeDeploy never waits for its one-hour
    limit.

    The hook's own function is a :class:`~paved_road.function.HelperFunction` (the governed
    baseline without a ``live`` alias, deployment group or version pruning: CodeDeploy
    invokes it unqualified). It is declared ``Invocation.ASYNCHRONOUS`` (CodeDeploy invokes it and
    waits for its status report, not for its answer) and acknowledges cdk-nag
    ``Serverless-LambdaDLQ``: "The deployment is considered to have failed if CodeDeploy is
    not notified by the Lambda validation function within one hour"
    (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html,
    "Sample Lambda 'hooks' function"), and the deployment group rolls a failed deployment
    back, so a lost invocation cannot pass silently.

    Give the hook a ``timeout`` longer than the target's answer takes: the invoke gets the
    hook's remaining time minus 5 s (kept for the report), and a slower answer fails the
    smoke test.

    Attributes: ``function`` (the hook's :class:`~paved_road.GovernedFunction`), ``target``
    (the bound GovernedFunction, or None before :meth:`bind`).

    :param payload: the JSON object sent to the target; default ``{"smokeTest": true}``.
        Plain JSON values (no CDK tokens), at most 4 KB serialized (Lambda's environment
        variable quota), together with ``expect``.
    :param expect: items (key -> JSON value) the response payload must hold at its top
        level, e.g. ``{"statusCode": 200}``; default none (any answer without a function
        error passes). At least one item when given.
    :param timeout: the hook function's timeout, more than 5 seconds (kept for the report)
        and at most 15 minutes; default 1 minute.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        payload: Mapping[str, Any] | None = None,
        expect: Mapping[str, Any] | None = None,
        timeout: Duration = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems(type(self).__name__, self.node.path)
        payload_json = _json_object(
            problems, "payload", DEFAULT_PAYLOAD if payload is None else payload
        )
        expect_json = None
        if expect is not None:
            expect_json = _json_object(problems, "expect", expect)
            if expect_json is not None and not expect:
                problems.add(
                    "expect", "must have at least one item (or be None for no check)", expect
                )
                expect_json = None
        if payload_json is not None:
            size = len(payload_json.encode("utf-8"))
            total = size + (len(expect_json.encode("utf-8")) if expect_json else 0)
            if size > PAYLOAD_LIMIT_BYTES:
                problems.add(
                    "payload",
                    f"must serialize to at most {PAYLOAD_LIMIT_BYTES} bytes of JSON (Lambda's "
                    "4 KB quota on a function's environment variables, less the hook's other "
                    "variables)",
                    f"{size} bytes",
                )
            elif expect_json and total > PAYLOAD_LIMIT_BYTES - len(EXPECT_ENV):
                problems.add(
                    "expect",
                    "and payload must serialize to at most "
                    f"{PAYLOAD_LIMIT_BYTES - len(EXPECT_ENV)} bytes of JSON together (Lambda's "
                    "4 KB quota on a function's environment variables, less the hook's other "
                    "variables)",
                    f"{total} bytes",
                )
        timeout_s = seconds(timeout)  # whole seconds (the boundary checks it); None: a token
        if timeout_s is not None and not REPORT_MARGIN_SECONDS < timeout_s <= MAX_TIMEOUT_S:
            problems.add(
                "timeout",
                f"must be more than {REPORT_MARGIN_SECONDS} and at most {MAX_TIMEOUT_S} seconds "
                f"(the hook keeps {REPORT_MARGIN_SECONDS} s of its run to report to CodeDeploy)",
                int(timeout_s) if timeout_s.is_integer() else timeout_s,
            )
        problems.raise_if_any()
        assert payload_json is not None

        environment = {PAYLOAD_ENV: payload_json}
        if expect_json is not None:
            environment[EXPECT_ENV] = expect_json
        self.target: GovernedFunction | None = None
        self.function = HelperFunction(
            self,
            "Function",
            code=lambda_.Code.from_asset(
                str(TRAFFIC_HOOK_HANDLER_DIR), exclude=["__pycache__", "*.pyc"]
            ),
            handler="index.handler",
            service_name="smoke-test-hook",
            description="paved-road: CodeDeploy traffic hook smoke-testing the new version",
            timeout=timeout,
            environment=environment,
            invocation=Invocation.ASYNCHRONOUS,
            keep_versions=None,
        )
        Validations.of(self.function.function).acknowledge(
            Acknowledgment(id="Serverless-LambdaDLQ", reason=DLQ_REASON)
        )

    def bind(self, target: GovernedFunction) -> SmokeTestHook:
        """Test ``target``'s current version: sets ``TARGET_FUNCTION_ARN`` to its ARN and
        grants the hook ``lambda:InvokeFunction`` on it. Call it once, after creating the
        target with ``pre_traffic_hook=hook.function`` (or ``post_traffic_hook=``).
        Returns the hook."""
        problems = Problems(type(self).__name__, self.node.path)
        if self.target is not None:
            problems.add(
                "bind",
                f"was already called (target {self.target.node.path}): a SmokeTestHook tests "
                "one function; create one hook per target",
            )
        elif not isinstance(target, GovernedFunction):
            problems.add("target", "must be a paved_road.GovernedFunction", target)
        elif target is self.function:
            problems.add("target", "must not be the hook's own function", target.node.path)
        elif target.delivery is None:
            problems.add(
                "target",
                "must have a delivery (a live alias on its current version); paved-road's "
                "own helper functions have none",
                target.node.path,
            )
        elif target.delivery.deployment_group is None:
            problems.add(
                "target",
                "has no CodeDeploy deployment group (deployment=TrafficShift.none()), so "
                "nothing would run the hook",
                target.node.path,
            )
        problems.raise_if_any()
        assert target.delivery is not None
        version = target.delivery.version
        self.function.add_environment(TARGET_ENV, version.function_arn)
        version.grant_invoke(self.function.role)
        self.target = target
        return self


def _json_object(problems: Problems, prop: str, value: object) -> str | None:
    """The compact JSON text of ``value``, or None after recording why it has none."""
    if not isinstance(value, Mapping):
        problems.add(prop, "must be a mapping (a JSON object)", value)
        return None
    keys = [k for k in value if not isinstance(k, str)]
    if keys:
        problems.add(prop, "must have string keys only (JSON object keys)", keys)
        return None
    try:
        text = json.dumps(dict(value), allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        problems.add(prop, f"must be JSON-serializable ({exc})", value)
        return None
    if Token.is_unresolved(text):
        problems.add(prop, "must hold plain JSON values, not CDK tokens", value)
        return None
    return text

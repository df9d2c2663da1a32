"""A CDK app with one error-level and one warning-level guardrail finding
(context ``finding=error|warning|none``), for the CLI integration tests."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_lambda as lambda_

from paved_road import GovernedFunction
from paved_road.guardrails import enforce

app = App()
stack = Stack(app, "Findings")
fn = GovernedFunction(
    stack,
    "Fn",
    code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"),
    handler="index.handler",
)
Validations.of(fn).acknowledge(
    Acknowledgment(id="Serverless-LambdaDLQ", reason="Invoked synchronously only"),
    Acknowledgment(id="Serverless-LambdaTracing", reason="PavedRoad-LambdaActiveTracing covers it"),
)
cfn = fn.function.node.default_child
finding = app.node.try_get_context("finding")
if finding == "error":
    cfn.add_property_override("LoggingConfig.LogFormat", "Text")  # type: ignore[union-attr]
elif finding == "warning":
    cfn.add_property_override("TracingConfig.Mode", "PassThrough")  # type: ignore[union-attr]
enforce(app, strict=app.node.try_get_context("strict") == "true")
app.synth()

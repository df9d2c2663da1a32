"""The runtime governance sample: a CRITICAL API function pinned to a runtime version,
deployed by CodeDeploy canary behind a smoke-test hook, with interactive provisioned
concurrency; an IMPORTANT queue worker with asynchronous provisioned concurrency; and the
AWS Config rule that watches every function's runtime.

Deploying it needs the runtime version ARN to pin
(``cdk deploy PavedRoadRuntimeGovernance --parameters CheckoutRuntimeVersionArn=arn:...``);
see docs/runtime_governance.md for where to find it.
"""

from __future__ import annotations

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road import (
    Criticality,
    GovernedFunction,
    Invocation,
    ProvisionedConcurrency,
    QueueConsumer,
    RuntimeComplianceRule,
    SmokeTestHook,
    Workload,
)
from paved_road.function import RUNTIME_VERSION_ARN

CHECKOUT_CODE = """
import json

def handler(event, context):
    if event.get("smokeTest"):
        return {"ok": True}
    return {"statusCode": 200, "body": json.dumps({"ok": True})}
"""

WORKER_CODE = """
def handler(event, context):
    return {"batchItemFailures": []}
"""


class RuntimeGovernanceStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: runtime governance and progressive delivery "
            "(criticality matrix, CodeDeploy canary, provisioned concurrency autoscaling, "
            "AWS Config runtime rule)",
        )
        runtime_version = CfnParameter(
            self,
            "CheckoutRuntimeVersionArn",
            type="String",
            description="Runtime version ARN the CRITICAL checkout function is pinned to "
            "(INIT_START log line, or aws lambda get-runtime-management-config)",
            allowed_pattern=RUNTIME_VERSION_ARN.pattern,
        )
        self.smoke_test = SmokeTestHook(self, "CheckoutSmokeTest", expect={"ok": True})
        self.checkout = GovernedFunction(
            self,
            "Checkout",
            code=lambda_.Code.from_inline(CHECKOUT_CODE),
            handler="index.handler",
            criticality=Criticality.CRITICAL,
            runtime_version_arn=runtime_version.value_as_string,
            invocation=Invocation.SYNCHRONOUS,
            provisioned_concurrency=ProvisionedConcurrency(2, 20, workload=Workload.INTERACTIVE),
            pre_traffic_hook=self.smoke_test.function,
        )
        self.smoke_test.bind(self.checkout)
        self.fulfilment = QueueConsumer(
            self,
            "Fulfilment",
            queue_props=sqs.QueueProps(),
            function_props={
                "code": lambda_.Code.from_inline(WORKER_CODE),
                "handler": "index.handler",
                "criticality": Criticality.IMPORTANT,
                "provisioned_concurrency": ProvisionedConcurrency(1, 10, workload=Workload.ASYNC),
            },
        )
        self.compliance = RuntimeComplianceRule(self, "LambdaRuntimes", create_topic=True)


def build(app: Construct) -> list[Stack]:
    return [RuntimeGovernanceStack(app, "PavedRoadRuntimeGovernance")]

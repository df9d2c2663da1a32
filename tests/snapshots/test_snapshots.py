"""One reviewed snapshot per construct / blueprint default, with its resource count.

Build-dependent values are normalized so snapshots are stable across machines:
asset hashes (S3 keys, asset metadata) become ``<asset-hash>``. Every snapshot
template also passes cfn-lint with no errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from paved_road import (
    CentralDeadLetterQueue,
    CentralEventBus,
    ClaimCheck,
    Criticality,
    EventBusForwarder,
    EventConsumer,
    GovernedFunction,
    Invocation,
    KafkaConsumer,
    KafkaSource,
    ProvisionedConcurrency,
    QueueConsumer,
    ScheduledFunction,
    Tenant,
    TenantFunctionFleet,
    Workload,
)
from paved_road.tenancy import TenantAuthorizer, TenantIsolatedFunction
from paved_road_blueprints import (
    EventProcessingService,
    KafkaStreamProcessor,
    MultiTenantApi,
    Snippet,
    StreamingApi,
    StreamOutput,
    TenantCodeRunner,
    VersionedApi,
)
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, template

FLEET_CODE = Path(__file__).resolve().parents[1] / "unit" / "fleet_code"
HASH = re.compile(r"\b[0-9a-f]{64}\b")
MSK_ARN = (
    "arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0f2e4d6c-8b1a-4c3e-9f5d-7a6b5c4d3e2f-3"
)
INLINE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def normalized(stack: Stack) -> dict[str, Any]:
    text = json.dumps(template(stack).to_json(), sort_keys=True)
    return json.loads(HASH.sub("<asset-hash>", text))  # type: ignore[no-any-return]


def governed_function(stack: Stack) -> None:
    GovernedFunction(stack, "Fn", code=INLINE, handler="index.handler")


def governed_function_critical(stack: Stack) -> None:
    """A CRITICAL function: pinned runtime version (a parameter, as in the docs), canary
    deployment with both rollback alarms, interactive provisioned concurrency."""
    runtime_version = CfnParameter(stack, "RuntimeVersionArn", type="String")
    GovernedFunction(
        stack,
        "Fn",
        code=INLINE,
        handler="index.handler",
        criticality=Criticality.CRITICAL,
        runtime_version_arn=runtime_version.value_as_string,
        invocation=Invocation.SYNCHRONOUS,
        provisioned_concurrency=ProvisionedConcurrency(2, 20, workload=Workload.INTERACTIVE),
    )


def queue_consumer(stack: Stack) -> None:
    QueueConsumer(
        stack,
        "Orders",
        queue_props=sqs.QueueProps(),
        function_props={"code": INLINE, "handler": "index.handler"},
    )


def kafka_consumer(stack: Stack) -> None:
    """On-demand (the default polling mode)."""
    KafkaConsumer(
        stack,
        "Orders",
        source=KafkaSource.msk(MSK_ARN),
        topic="orders",
        function_props={"code": INLINE, "handler": "index.handler"},
    )


def kafka_consumer_provisioned(stack: Stack) -> None:
    KafkaConsumer(
        stack,
        "Orders",
        source=KafkaSource.msk(MSK_ARN),
        topic="orders",
        function_props={"code": INLINE, "handler": "index.handler"},
        minimum_pollers=1,
        maximum_pollers=4,
    )


def kafka_stream_processor(stack: Stack) -> None:
    KafkaStreamProcessor(stack, "Orders", source=KafkaSource.msk(MSK_ARN), topic="orders")


def kafka_stream_processor_sqs(stack: Stack) -> None:
    KafkaStreamProcessor(
        stack, "Orders", source=KafkaSource.msk(MSK_ARN), topic="orders", output=StreamOutput.SQS
    )


def event_processing_service(stack: Stack) -> None:
    EventProcessingService(stack, "Orders")


def tenant_isolated_function(stack: Stack) -> None:
    TenantIsolatedFunction(stack, "Fn", code=INLINE, handler="index.handler")


def tenant_authorizer_api(stack: Stack) -> None:
    """TenantAuthorizer + TenantIsolatedFunction.add_to_rest_api (authorizer source)."""
    auth = TenantAuthorizer(
        stack,
        "Auth",
        signing_secret=secretsmanager.Secret(stack, "Key"),
        allowed_tenants=["blue", "green"],
    )
    fn = TenantIsolatedFunction(stack, "Fn", code=INLINE, handler="index.handler")
    api = apigw.RestApi(stack, "Api")
    fn.add_to_rest_api(api.root.add_resource("orders"), "GET", authorizer=auth.authorizer)


def multi_tenant_api(stack: Stack) -> None:
    MultiTenantApi(stack, "Orders")


def streaming_api(stack: Stack) -> None:
    StreamingApi(stack, "Chat")


def versioned_api(stack: Stack) -> None:
    VersionedApi(
        stack,
        "Checkout",
        domain_name="api.example.com",
        certificate_arn="arn:aws:acm:eu-west-1:111122223333:certificate/"
        "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
    )


def central_event_bus(stack: Stack) -> None:
    CentralEventBus(stack, "Activity", organization_id="o-exampleorgid1")


def event_bus_forwarder(stack: Stack) -> None:
    EventBusForwarder(
        stack,
        "Forwarder",
        central_bus_arn="arn:aws:events:us-east-1:111122223333:event-bus/central-activity",
    )


def claim_check(stack: Stack) -> None:
    ClaimCheck(stack, "Claims")


def scheduled_function(stack: Stack) -> None:
    ScheduledFunction(
        stack,
        "TenantSync",
        schedule="rate(5 minutes)",
        function_props={"code": INLINE, "handler": "index.handler"},
    )


def event_consumer(stack: Stack) -> None:
    EventConsumer(
        stack,
        "OrderPlaced",
        event_pattern={"source": ["shop.orders"], "detail-type": ["OrderPlaced"]},
        function_props={"code": INLINE, "handler": "index.handler"},
    )


def central_dead_letter_queue(stack: Stack) -> None:
    CentralDeadLetterQueue(
        stack, "DeadLetters", organization_id="o-exampleorgid1", accounts=["444455556666"]
    )


CASES: dict[str, tuple[Callable[[Stack], None], int]] = {
    # name: (builder, expected resource count). Every GovernedFunction adds its version,
    # live alias, rollback alarm(s) and CodeDeploy deployment group; every stack with one
    # adds the shared CodeDeploy application and role and the version pruner (6 resources).
    "governed_function": (governed_function, 16),
    "governed_function_critical": (governed_function_critical, 19),
    "queue_consumer": (queue_consumer, 25),
    "event_processing_service": (event_processing_service, 29),
    "kafka_consumer": (kafka_consumer, 24),
    "kafka_consumer_provisioned": (kafka_consumer_provisioned, 24),
    "kafka_stream_processor": (kafka_stream_processor, 28),
    "kafka_stream_processor_sqs": (kafka_stream_processor_sqs, 28),
    "tenant_isolated_function": (tenant_isolated_function, 19),
    "tenant_authorizer_api": (tenant_authorizer_api, 39),
    "multi_tenant_api": (multi_tenant_api, 45),
    "streaming_api": (streaming_api, 41),
    "versioned_api": (versioned_api, 53),
    # bucket + its TLS-only policy, the runtime helper layer
    "claim_check": (claim_check, 3),
    # bus, org policy, 2 rules, 5 queues (2 buffers, their DLQs, the delivery DLQ) with
    # their TLS-only policies, 4 alarms
    "central_event_bus": (central_event_bus, 18),
    # role + policy, rule, DLQ + policy, alarm
    "event_bus_forwarder": (event_bus_forwarder, 6),
    # GovernedFunction (16 with the stack's CodeDeploy app/role and pruner), the schedule and
    # its CDK-made role + policy, the async invoke config, 3 alarms, and the stack's shared
    # dead-letter queue with its policy and 2 alarms
    "scheduled_function": (scheduled_function, 27),
    # the same with, instead of the schedule and its role + policy, the rule, its invoke
    # permission and 2 more alarms (rule DLQ failures, account concurrency): one more
    "event_consumer": (event_consumer, 28),
    # queue, policy, 2 alarms
    "central_dead_letter_queue": (central_dead_letter_queue, 4),
}


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_snapshot(name: str, json_snapshot: SnapshotAssertion) -> None:
    build, expected_resources = CASES[name]
    stack = new_stack(name="Snap")
    build(stack)
    tpl = normalized(stack)
    assert len(tpl["Resources"]) == expected_resources
    assert lint_errors(tpl) == []
    assert tpl == json_snapshot


def app_snapshots(app: App) -> dict[str, dict[str, Any]]:
    """Every stack of an app (constructs that create their own stacks), normalized."""
    assembly = app.synth()
    return {
        artifact.hierarchical_id: json.loads(
            HASH.sub("<asset-hash>", json.dumps(artifact.template, sort_keys=True))
        )
        for artifact in assembly.stacks_recursively
    }


APP_CASES: dict[str, tuple[Callable[[App], None], dict[str, int]]] = {
    # name: (builder, expected resource count per stack)
    "tenant_function_fleet": (
        lambda app: TenantFunctionFleet(
            app,
            "Fleet",
            code=str(FLEET_CODE),
            tenants=[Tenant("blue"), Tenant("green", untrusted=True)],
        ),
        {"Fleet/Shard001": 5},
    ),
    "tenant_code_runner": (
        lambda app: TenantCodeRunner(
            app,
            "Runner",
            platform_account="111122223333",
            snippets=[
                Snippet("acme", "discount", code=str(FLEET_CODE)),
                Snippet("globex", "validate", code=str(FLEET_CODE), handler="index.validate"),
            ],
        ),
        {"Runner/Access001": 2, "Runner/Functions/Shard001": 4},
    ),
}


@pytest.mark.parametrize("name", sorted(APP_CASES))
def test_default_app_snapshot(name: str, json_snapshot: SnapshotAssertion) -> None:
    build, expected_resources = APP_CASES[name]
    app = App(builtin_cloud_formation_validation=False)
    build(app)
    templates = app_snapshots(app)
    assert {k: len(v["Resources"]) for k, v in templates.items()} == expected_resources
    for tpl in templates.values():
        assert lint_errors(tpl) == []
    assert templates == json_snapshot

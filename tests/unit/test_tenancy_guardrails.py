"""The tenancy guardrails through cdk-nag and ``enforce()`` on real constructs: the
constructs pass by default, and each rule catches what an escape hatch breaks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from paved_road.fleet import Tenant, TenantFunctionFleet
from paved_road.guardrails import enforce
from paved_road.tenancy import TenantIdSource, TenantIsolatedFunction
from tests.conftest import GuardrailRun, run_guardrails

FLEET_CODE = Path(__file__).resolve().parent / "fleet_code"
INLINE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def run_app(build: Callable[[App], Any], tmp_path: Path, *, strict: bool = False) -> GuardrailRun:
    """Like ``run_guardrails`` for constructs that create their own stacks."""
    app = App(outdir=str(tmp_path / "cdk.out"), builtin_cloud_formation_validation=False)
    build(app)
    enforce(app, strict=strict)
    error = None
    try:
        app.synth()
    except Exception as exc:
        error = str(exc)
    report = tmp_path / "cdk.out" / "validation-report.json"
    violations: list[dict[str, Any]] = []
    if report.exists():
        for plugin in json.loads(report.read_text())["pluginReports"]:
            violations.extend(plugin.get("violations", []))
    return GuardrailRun(error, violations)


def mixed_fleet(app: App) -> TenantFunctionFleet:
    return TenantFunctionFleet(
        app,
        "Fleet",
        code=str(FLEET_CODE),
        tenants=[Tenant("blue"), Tenant("green", untrusted=True), Tenant("red")],
        max_resources_per_stack=11,  # 3 tenants per shard
    )


def test_fleet_of_trusted_and_untrusted_tenants_passes_every_pack(tmp_path: Path) -> None:
    # GIVEN a fleet mixing trusted and untrusted tenants, under all three packs, strict
    run = run_app(mixed_fleet, tmp_path, strict=True)
    # THEN synthesis succeeds with no finding left
    assert run.error is None, run.error
    assert run.violations == []


def test_resources_added_to_a_shard_break_the_budget(tmp_path: Path) -> None:
    # GIVEN a shard at its budget, and queues someone adds to it afterwards
    def build(app: App) -> None:
        fleet = mixed_fleet(app)
        for i in range(4):
            queue = sqs.Queue(fleet.stacks[0], f"Extra{i}", enforce_ssl=True)
            queue.node.default_child.add_metadata("cdk_nag", {})  # type: ignore[union-attr]

    run = run_app(build, tmp_path)
    # THEN the budget rule fails synthesis, once, on the shard
    assert run.error is not None
    assert "PavedRoad-FleetStackResourceBudget" in run.rules("error")
    assert len(run.paths("PavedRoad-FleetStackResourceBudget")) == 1


def test_an_allow_added_to_an_untrusted_role_is_an_error(tmp_path: Path) -> None:
    def build(app: App) -> None:
        fleet = mixed_fleet(app)
        fleet.roles["green"].add_property_override(
            "Policies",
            [
                {
                    "PolicyName": "oops",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
                        ],
                    },
                }
            ],
        )

    run = run_app(build, tmp_path)
    assert "PavedRoad-UntrustedTenantRoleAllow" in run.rules("error")
    assert run.paths("PavedRoad-UntrustedTenantRoleAllow") == {"Fleet/Shard001/greenRole"}


def test_text_logs_on_a_tenant_isolated_function_are_an_error(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        fn = TenantIsolatedFunction(stack, "Fn", code=INLINE, handler="index.handler")
        fn.function.node.default_child.add_property_override(  # type: ignore[union-attr]
            "LoggingConfig.LogFormat", "Text"
        )

    run = run_guardrails(build, tmp_path)
    assert "PavedRoad-LambdaTenantIsolationJsonLogs" in run.rules("error")


def client_header_without_authorizer(stack: Stack) -> None:
    fn = TenantIsolatedFunction(stack, "Fn", code=INLINE, handler="index.handler")
    api = apigw.RestApi(stack, "Api", deploy=False)
    fn.add_to_rest_api(api.root, "GET", tenant_id_source=TenantIdSource.header())


def test_client_supplied_tenant_without_authorizer_warns(tmp_path: Path) -> None:
    run = run_guardrails(client_header_without_authorizer, tmp_path, aws_solutions=False)
    assert "PavedRoad-ApiTenantIdFromClient" in run.rules("warning")
    assert run.paths("PavedRoad-ApiTenantIdFromClient") == {"Guarded/Api/Default/GET/Resource"}


def test_client_supplied_tenant_without_authorizer_fails_strict(tmp_path: Path) -> None:
    run = run_guardrails(
        client_header_without_authorizer, tmp_path, strict=True, aws_solutions=False
    )
    assert run.error is not None
    assert "PavedRoad-ApiTenantIdFromClient" in run.error


def test_fleet_reason_for_a_deprecated_runtime_covers_the_runtime_rules(tmp_path: Path) -> None:
    # GIVEN a fleet on a deprecated runtime, acknowledged with a reason
    def build(app: App) -> None:
        TenantFunctionFleet(
            app,
            "Fleet",
            code=str(FLEET_CODE),
            tenants=[Tenant("blue")],
            runtime=lambda_.Runtime.PYTHON_3_9,
            acknowledge_deprecated_runtime="Vendor SDK pinned to 3.9 until the Q1 migration",
        )

    # THEN every pack accepts it (the reason is recorded as the acknowledgment)
    run = run_app(build, tmp_path)
    assert run.error is None, run.error


def test_asynchronous_fleet_keeps_the_dlq_finding(tmp_path: Path) -> None:
    # GIVEN a fleet declared as invoked asynchronously (synchronous=False)
    def build(app: App) -> None:
        TenantFunctionFleet(
            app, "Fleet", code=str(FLEET_CODE), tenants=[Tenant("blue")], synchronous=False
        )

    # THEN nothing acknowledges the missing failure destination
    run = run_app(build, tmp_path)
    assert "Serverless-LambdaDLQ" in run.rules()

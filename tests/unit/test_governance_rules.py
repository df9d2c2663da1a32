"""The runtime governance rules on template fragments: the tier matrix's horizon,
CRITICAL functions without progressive delivery, fixed provisioned concurrency; and
through cdk-nag, on what GovernedFunction synthesizes."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_

from paved_road import Criticality, GovernedFunction, Invocation, TrafficShift
from paved_road.governance import DEFAULT_MATRIX, CriticalityMatrix
from paved_road.guardrails.rule import ResourceView
from paved_road.guardrails.rules import (
    LAMBDA_CRITICAL_DEPLOYMENT,
    LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING,
    LAMBDA_RUNTIME_DEPRECATED,
    LAMBDA_RUNTIME_HORIZON,
)
from paved_road.runtimes import lifecycle
from tests.conftest import run_guardrails

TODAY = datetime.date(2026, 11, 23)
CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
RUNTIME_ARN = "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64


def view_of(
    resources: dict[str, dict[str, Any]],
    logical_id: str,
    *,
    today: datetime.date = TODAY,
    matrix: CriticalityMatrix = DEFAULT_MATRIX,
) -> ResourceView:
    resource = resources[logical_id]
    return ResourceView(
        logical_id=logical_id,
        type=resource["Type"],
        properties=resource.get("Properties", {}),
        template={"Resources": resources},
        today=today,
        matrix=matrix,
    )


def function(criticality: str | None = None, runtime: str = "python3.14") -> dict[str, Any]:
    props: dict[str, Any] = {"Runtime": runtime}
    if criticality:
        props["Tags"] = [{"Key": "criticality", "Value": criticality}]
    return {"Type": "AWS::Lambda::Function", "Properties": props}


def alias(group: str | None = None, **props: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "Type": "AWS::Lambda::Alias",
        "Properties": {"FunctionName": {"Ref": "Fn"}, "Name": "live", **props},
    }
    if group:
        resource["UpdatePolicy"] = {
            "CodeDeployLambdaAliasUpdate": {
                "ApplicationName": {"Ref": "App"},
                "DeploymentGroupName": {"Ref": group},
            }
        }
    return resource


def group(alarms: list[Any] | None, *, rollback_events: list[str] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        "ApplicationName": {"Ref": "App"},
        "AutoRollbackConfiguration": {
            "Enabled": True,
            "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
            if rollback_events is None
            else rollback_events,
        },
    }
    if alarms is not None:
        props["AlarmConfiguration"] = {"Enabled": True, "Alarms": alarms}
    return {"Type": "AWS::CodeDeploy::DeploymentGroup", "Properties": props}


# ------------------------------------------------------------ horizon by matrix


def horizon_runtime() -> tuple[str, int]:
    """A runtime supported on TODAY with a deprecation date, and its days left."""
    from paved_road.runtimes import lifecycle_table

    for name, entry in sorted(lifecycle_table().items()):
        left = entry.days_left(TODAY)
        if entry.deprecated and left is not None and 31 <= left <= 179:
            return name, left
    pytest.skip("no runtime deprecating 31-179 days after the pinned date in cfn-lint's data")


def test_horizon_comes_from_the_matrix_in_force() -> None:
    # GIVEN a runtime deprecating between the STANDARD (30) and CRITICAL (180) horizons
    runtime, left = horizon_runtime()
    resources = {"Fn": function("STANDARD", runtime)}
    # THEN the default matrix does not warn a STANDARD function ...
    assert LAMBDA_RUNTIME_HORIZON.check(view_of(resources, "Fn")) is None
    # ... but an organization matrix with a longer STANDARD horizon does
    longer = CriticalityMatrix.from_dict({"STANDARD": {"deprecation_horizon_days": left + 1}})
    finding = LAMBDA_RUNTIME_HORIZON.check(view_of(resources, "Fn", matrix=longer))
    assert finding is not None
    assert f"STANDARD horizon of {left + 1} days" in finding.detail
    entry = lifecycle(runtime)
    assert entry is not None and str(entry.deprecated) in finding.detail


# ----------------------------------------------------- CRITICAL without delivery


def test_critical_function_without_any_alias_deployment_warns() -> None:
    resources = {"Fn": function("CRITICAL"), "Live": alias()}
    finding = LAMBDA_CRITICAL_DEPLOYMENT.check(view_of(resources, "Fn"))
    assert finding is not None and "No alias of it is deployed by CodeDeploy" in finding.detail


def test_critical_function_with_a_group_without_alarms_warns() -> None:
    resources = {"Fn": function("CRITICAL"), "Live": alias("Group"), "Group": group(None)}
    finding = LAMBDA_CRITICAL_DEPLOYMENT.check(view_of(resources, "Fn"))
    assert finding is not None and "does not roll back on alarms" in finding.detail


def test_critical_function_with_group_and_alarms_passes() -> None:
    resources = {
        "Fn": function("CRITICAL"),
        "Live": alias("Group"),
        "Group": group([{"Name": {"Ref": "Alarm"}}]),
    }
    assert LAMBDA_CRITICAL_DEPLOYMENT.check(view_of(resources, "Fn")) is None


def test_critical_function_whose_alarms_do_not_roll_back_warns() -> None:
    # GIVEN alarms on the group, but automatic rollback only on failed deployments
    resources = {
        "Fn": function("CRITICAL"),
        "Live": alias("Group"),
        "Group": group([{"Name": {"Ref": "Alarm"}}], rollback_events=["DEPLOYMENT_FAILURE"]),
    }
    finding = LAMBDA_CRITICAL_DEPLOYMENT.check(view_of(resources, "Fn"))
    assert finding is not None and "does not roll back on alarms" in finding.detail


@pytest.mark.parametrize("criticality", ["IMPORTANT", "STANDARD", None])
def test_other_tiers_are_not_required_to_deploy_progressively(criticality: str | None) -> None:
    resources = {"Fn": function(criticality)}
    assert LAMBDA_CRITICAL_DEPLOYMENT.check(view_of(resources, "Fn")) is None


# ------------------------------------------------ provisioned concurrency scaling


def pc(amount: int = 5) -> dict[str, Any]:
    return {"ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": amount}}


def target(resource_id: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
        "Properties": {
            "ResourceId": resource_id,
            "ScalableDimension": "lambda:function:ProvisionedConcurrency",
            "ServiceNamespace": "lambda",
            "MinCapacity": 1,
            "MaxCapacity": 10,
        },
    }


def test_fixed_provisioned_concurrency_on_an_alias_warns() -> None:
    resources = {"Fn": function(), "Live": alias(**pc(7))}
    finding = LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live"))
    assert finding is not None and "7 execution environments" in finding.detail


def test_fixed_provisioned_concurrency_on_a_version_warns() -> None:
    resources = {
        "Fn": function(),
        "V1": {
            "Type": "AWS::Lambda::Version",
            "Properties": {"FunctionName": {"Ref": "Fn"}, **pc()},
        },
    }
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "V1")) is not None


@pytest.mark.parametrize(
    "resource_id",
    [
        # CDK's form: the alias name split out of the alias's Ref
        {
            "Fn::Join": [
                "",
                [
                    "function:",
                    {"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "Live"}]}]},
                    ":live",
                ],
            ]
        },
        # hand-written: the function's Ref and the alias name
        {"Fn::Join": ["", ["function:", {"Ref": "Fn"}, ":live"]]},
    ],
)
def test_autoscaled_provisioned_concurrency_passes(resource_id: Any) -> None:
    resources = {"Fn": function(), "Live": alias(**pc()), "Scaling": target(resource_id)}
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live")) is None


def test_a_scalable_target_of_another_alias_does_not_count() -> None:
    resources = {
        "Fn": function(),
        "Live": alias(**pc()),
        "Scaling": target({"Fn::Join": ["", ["function:", {"Ref": "Fn"}, ":canary"]]}),
    }
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live")) is not None


def test_a_function_whose_name_prefixes_another_is_not_confused() -> None:
    # GIVEN fixed PC on the alias of "Api" and a scalable target for "ApiV2"'s alias only
    resources = {
        "Api": function(),
        "ApiV2": function(),
        "Live": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {"FunctionName": {"Ref": "Api"}, "Name": "live", **pc(5)},
        },
        "Scaling": target({"Fn::Join": ["", ["function:", {"Ref": "ApiV2"}, ":live"]]}),
    }
    # THEN Api's alias is still reported
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live")) is not None


def test_literal_resource_ids_match_literal_function_names() -> None:
    resources = {
        "Live": {
            "Type": "AWS::Lambda::Alias",
            "Properties": {"FunctionName": "orders", "Name": "live", **pc(2)},
        },
        "Scaling": target("function:orders:live"),
    }
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live")) is None
    resources["Scaling"] = target("function:orders-v2:live")
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live")) is not None


def test_aliases_without_provisioned_concurrency_pass() -> None:
    resources = {"Fn": function(), "Live": alias()}
    assert LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING.check(view_of(resources, "Live")) is None


# --------------------------------------------------------------- through cdk-nag


def test_rules_fire_through_cdk_nag_on_escape_hatches(tmp_path: Path) -> None:
    # GIVEN a CRITICAL function deployed without a deployment group, and an alias
    # with fixed provisioned concurrency built around the construct
    def build(stack: Stack) -> None:
        fn = GovernedFunction(
            stack,
            "Critical",
            code=CODE,
            handler="index.handler",
            criticality=Criticality.CRITICAL,
            runtime_version_arn=RUNTIME_ARN,
            deployment=TrafficShift.none(),
            invocation=Invocation.SYNCHRONOUS,
        )
        lambda_.Alias(
            stack,
            "Fixed",
            alias_name="fixed",
            version=fn.function.current_version,
            provisioned_concurrent_executions=4,
        )

    run = run_guardrails(build, tmp_path)
    # THEN both are reported as warnings, and synthesis still succeeds (not strict)
    assert run.error is None
    assert {
        "PavedRoad-LambdaCriticalDeployment",
        "PavedRoad-LambdaProvisionedConcurrencyAutoscaling",
    } <= run.rules("warning")
    assert run.paths("PavedRoad-LambdaCriticalDeployment") == {"Guarded/Critical/Function/Resource"}
    assert run.paths("PavedRoad-LambdaProvisionedConcurrencyAutoscaling") == {
        "Guarded/Fixed/Resource"
    }


def test_governed_critical_function_passes_both_rules(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        GovernedFunction(
            stack,
            "Critical",
            code=CODE,
            handler="index.handler",
            criticality=Criticality.CRITICAL,
            runtime_version_arn=RUNTIME_ARN,
            invocation=Invocation.SYNCHRONOUS,
        )

    run = run_guardrails(build, tmp_path, strict=True)
    assert run.error is None, run.violations


# ---------------------------------------- mapping rules see through the live alias


def test_mapping_rules_follow_the_live_alias_to_the_function() -> None:
    # GIVEN a QueueConsumer synthesized for real: its mapping invokes the live alias, whose
    # name CDK writes as {"Fn::Join": [{"Fn::Select": [6, {"Fn::Split": [":", Ref alias]}]},
    # ":live"]}
    from aws_cdk import aws_sqs as sqs

    from paved_road import QueueConsumer
    from paved_road.guardrails.rules._common import mapping_function
    from tests.conftest import new_stack, template

    stack = new_stack()
    consumer = QueueConsumer(
        stack,
        "Orders",
        queue_props=sqs.QueueProps(),
        function_props={"code": CODE, "handler": "index.handler"},
    )
    resources = template(stack).to_json()["Resources"]
    (mapping_id,) = [k for k, v in resources.items() if v["Type"].endswith("EventSourceMapping")]
    # WHEN the mapping's function is looked up as the SQS rules do
    found = mapping_function(view_of(resources, mapping_id))
    # THEN it is the consumer's function
    assert consumer.governed_function is not None
    function_id = stack.resolve(
        stack.get_logical_id(consumer.governed_function.function.node.default_child)  # type: ignore[arg-type]
    )
    assert found is not None and found[0] == function_id


# --------------------------------------------------------- settings per stack, policy


def test_a_stage_level_matrix_reaches_the_guardrails(tmp_path: Path) -> None:
    # GIVEN a matrix set on a Stage (not the App the guardrails are registered on) whose
    # STANDARD horizon covers a runtime deprecating within a few hundred days
    from aws_cdk import App, Stage

    from paved_road.governance import use_matrix
    from paved_road.guardrails import enforce

    runtime, left = horizon_runtime()
    app = App(outdir=str(tmp_path / "out"), builtin_cloud_formation_validation=False)
    stage = Stage(app, "Prod")
    use_matrix(
        stage,
        CriticalityMatrix.from_dict({"STANDARD": {"deprecation_horizon_days": left + 1}}),
    )
    stack = Stack(stage, "Svc")
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "index.js").write_text("exports.handler = async () => ({});\n")
    GovernedFunction(
        stack,
        "Fn",
        code=lambda_.Code.from_asset(str(code_dir)),
        handler="index.handler",
        runtime=lambda_.Runtime(runtime, lambda_.RuntimeFamily.OTHER),
        invocation=Invocation.SYNCHRONOUS,
        keep_versions=None,
    )
    enforce(app)
    app.synth()
    # THEN the horizon warning uses the Stage's matrix
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "PavedRoad-LambdaRuntimeHorizon" in rules


def test_the_deprecated_rule_reports_unknown_runtimes_the_policy_does_not_approve(
    tmp_path: Path,
) -> None:
    # GIVEN a policy approving python3.14 only, and a runtime cfn-lint has no dates for
    from paved_road import runtimes

    policy_file = tmp_path / "runtimes.yaml"
    policy_file.write_text("approved: [python3.14]\n", encoding="utf-8")
    policy = runtimes.load_policy(policy_file)
    resources = {"Fn": function(runtime="python9.99")}
    view = dataclasses.replace(view_of(resources, "Fn"), runtime_policy=policy)
    # THEN it is reported as not approved (without a policy it is unknown: not reported)
    finding = LAMBDA_RUNTIME_DEPRECATED.check(view)
    assert finding is not None and "not on the organization's approved list" in finding.detail
    assert LAMBDA_RUNTIME_DEPRECATED.check(view_of(resources, "Fn")) is None

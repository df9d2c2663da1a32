"""Progressive delivery of GovernedFunction: the live alias, the CodeDeploy deployment
group per tier, rollback alarms, hooks, provisioned concurrency autoscaling, the
version pruner, runtime management and the Graviton default."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from paved_road import (
    Criticality,
    GovernedFunction,
    Invocation,
    PavedRoadError,
    ProgressiveDelivery,
    ProvisionedConcurrency,
    QueueConsumer,
    RollbackAlarms,
    RuntimeManagement,
    TenantIsolatedFunction,
    TrafficShift,
    Workload,
)
from paved_road.governance import DEFAULT_MATRIX, use_matrix
from paved_road.pruning import PRUNER_HANDLER_DIR, PRUNER_ID
from tests.cfn_lint import lint_errors
from tests.conftest import run_guardrails, template
from tests.handlers.support import load_asset_module

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
RUNTIME_ARN = "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64


def make(stack: Stack, id: str = "Fn", **props: typing.Any) -> GovernedFunction:
    props.setdefault("code", CODE)
    props.setdefault("handler", "index.handler")
    if props.get("criticality") is Criticality.CRITICAL:
        props.setdefault("runtime_version_arn", RUNTIME_ARN)
    return GovernedFunction(stack, id, **props)


def resources(stack: Stack, type_: str) -> dict[str, typing.Any]:
    found: dict[str, typing.Any] = template(stack).find_resources(type_)
    return found


# --------------------------------------------------------------------- per tier


def test_standard_function_deploys_all_at_once_with_an_errors_alarm(stack: Stack) -> None:
    # GIVEN a STANDARD function (the default tier)
    fn = make(stack)
    t = template(stack)
    # THEN callers get the live alias on the current version
    t.has_resource_properties(
        "AWS::Lambda::Alias",
        {
            "Name": "live",
            "FunctionName": {"Ref": Match.string_like_regexp("FnFunction")},
            "FunctionVersion": {
                "Fn::GetAtt": [Match.string_like_regexp("CurrentVersion"), "Version"]
            },
        },
    )
    assert fn.invoke_target is fn.live
    # AND CodeDeploy moves it all at once, rolling back on the error-rate alarm only
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {
            "DeploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce",
            "AutoRollbackConfiguration": {
                "Enabled": True,
                "Events": [
                    "DEPLOYMENT_FAILURE",
                    "DEPLOYMENT_STOP_ON_REQUEST",
                    "DEPLOYMENT_STOP_ON_ALARM",
                ],
            },
            "AlarmConfiguration": {"Enabled": True, "Alarms": [{"Name": Match.any_value()}]},
        },
    )
    t.resource_count_is("AWS::CloudWatch::Alarm", 1)
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Threshold": 1.5,
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
            "TreatMissingData": "notBreaching",
            "Metrics": Match.array_with(
                [
                    Match.object_like(
                        {"Expression": "IF(invocations > 0, 100 * errors / invocations, 0)"}
                    )
                ]
            ),
        },
    )
    # AND Lambda patches the runtime on its own schedule
    t.has_resource_properties(
        "AWS::Lambda::Function", {"RuntimeManagementConfig": {"UpdateRuntimeOn": "Auto"}}
    )


def test_alarms_watch_the_alias_not_the_function(stack: Stack) -> None:
    make(stack, criticality=Criticality.IMPORTANT)
    for alarm in resources(stack, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        stats = [m["MetricStat"] for m in props.get("Metrics", []) if "MetricStat" in m]
        dims = [s["Metric"]["Dimensions"] for s in stats] or [props["Dimensions"]]
        for dimensions in dims:
            names = {d["Name"]: d["Value"] for d in dimensions}
            assert names["Resource"]["Fn::Join"][1][1] == ":live"


def test_important_function_shifts_linearly_with_both_alarms(stack: Stack) -> None:
    make(stack, criticality=Criticality.IMPORTANT, timeout=Duration.seconds(10))
    t = template(stack)
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {"DeploymentConfigName": "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"},
    )
    t.resource_count_is("AWS::CloudWatch::Alarm", 2)
    # the p99 duration limit is 80 % of the 10 s timeout
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "Duration", "ExtendedStatistic": "p99", "Threshold": 8000},
    )
    group = next(iter(resources(stack, "AWS::CodeDeploy::DeploymentGroup").values()))
    assert len(group["Properties"]["AlarmConfiguration"]["Alarms"]) == 2
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {"RuntimeManagementConfig": {"UpdateRuntimeOn": "FunctionUpdate"}},
    )


def test_critical_function_pins_the_runtime_and_deploys_by_canary(stack: Stack) -> None:
    make(stack, criticality=Criticality.CRITICAL)
    t = template(stack)
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "RuntimeManagementConfig": {
                "UpdateRuntimeOn": "Manual",
                "RuntimeVersionArn": RUNTIME_ARN,
            }
        },
    )
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent10Minutes"},
    )
    t.resource_count_is("AWS::CloudWatch::Alarm", 2)


def test_critical_without_a_runtime_version_arn_says_where_to_find_it(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"runtime_version_arn is required.*INIT_START"):
        GovernedFunction(
            stack, "Fn", code=CODE, handler="index.handler", criticality=Criticality.CRITICAL
        )


def test_critical_may_choose_function_update_instead(stack: Stack) -> None:
    make(
        stack,
        criticality=Criticality.CRITICAL,
        runtime_management=RuntimeManagement.FUNCTION_UPDATE,
        runtime_version_arn=None,
    )
    template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"RuntimeManagementConfig": {"UpdateRuntimeOn": "FunctionUpdate"}},
    )


def test_runtime_version_arn_may_be_a_parameter(stack: Stack) -> None:
    arn = CfnParameter(stack, "RuntimeVersion", type="String")
    make(stack, criticality=Criticality.CRITICAL, runtime_version_arn=arn.value_as_string)
    template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "RuntimeManagementConfig": {
                "UpdateRuntimeOn": "Manual",
                "RuntimeVersionArn": {"Ref": "RuntimeVersion"},
            }
        },
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"runtime_version_arn": RUNTIME_ARN},
            r"runtime_version_arn is only used with RuntimeManagement.MANUAL \(mode is Auto\)",
        ),
        (
            {
                "runtime_management": RuntimeManagement.MANUAL,
                "runtime_version_arn": "arn:aws:lambda:eu-west-1::runtime:abc",
            },
            r"runtime_version_arn must look like arn:aws:lambda:<region>::runtime:",
        ),
        (
            {"runtime_management": "Manual"},
            r"runtime_management must be a paved_road.RuntimeManagement \(AUTO, FUNCTION_UPDATE, "
            r"MANUAL\) or None, got 'Manual'$",
        ),
        ({"deployment": "canary"}, r"deployment must be a paved_road.TrafficShift"),
        ({"deployment": TrafficShift.canary(0, 5)}, r"deployment percentage must be between"),
        ({"rollback_alarms": {"errors": True}}, r"rollback_alarms must be a paved_road"),
        (
            {"rollback_alarms": RollbackAlarms(error_rate_baseline_percent=0)},
            r"rollback_alarms error_rate_baseline_percent must be above 0",
        ),
        (
            {"duration_limit": Duration.seconds(31)},
            r"duration_limit must be above 0 and at most the timeout \(30000 ms\), got '31000 ms'",
        ),
        ({"keep_versions": 0}, r"keep_versions must be an integer between 1 and 100, or None"),
        (
            {"deployment": TrafficShift.none(), "extra_rollback_alarms": ["an alarm"]},
            r"extra_rollback_alarms\[0\] must be a cloudwatch.IAlarm, got 'an alarm'$",
        ),
        ({"keep_versions": True}, r"keep_versions must be a whole number or None, got True$"),
        (
            {"architecture": lambda_.Architecture.X86_64},
            r"architecture is x86_64: Graviton \(ARM_64\) is the default; pass x86_reason",
        ),
        (
            {"provisioned_concurrency": ProvisionedConcurrency(0, 5)},
            r"provisioned_concurrency.min_capacity must be an integer of at least 1, got 0",
        ),
        (
            {"provisioned_concurrency": ProvisionedConcurrency(5, 2)},
            r"provisioned_concurrency.max_capacity must be an integer of at least min_capacity",
        ),
        (
            {
                "provisioned_concurrency": ProvisionedConcurrency(2, 50),
                "reserved_concurrent_executions": 20,
            },
            r"max_capacity must not exceed reserved_concurrent_executions \(20\)",
        ),
        (
            {"provisioned_concurrency": ProvisionedConcurrency(1, 5, utilization_target=0.95)},
            r"provisioned_concurrency.utilization_target must be between 0.1 and 0.9, got 0.95",
        ),
        (
            {"provisioned_concurrency": ProvisionedConcurrency(1, 5, workload="batch")},
            r"provisioned_concurrency.workload must be Workload.INTERACTIVE or Workload.ASYNC",
        ),
        ({"provisioned_concurrency": 5}, r"provisioned_concurrency must be a paved_road"),
    ],
)
def test_delivery_props_are_validated(
    stack: Stack, props: dict[str, typing.Any], message: str
) -> None:
    with pytest.raises(PavedRoadError, match=message) as caught:
        make(stack, **props)
    assert "GovernedFunction 'Test/Fn'" in str(caught.value)


def test_extra_rollback_alarms_need_a_codedeploy_deployment(stack: Stack) -> None:
    # GIVEN a real alarm WHEN it is given as an extra rollback alarm without a deployment
    alarm = cloudwatch.Alarm(
        stack,
        "Latency",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="Latency"),
        threshold=1,
        evaluation_periods=1,
    )
    # THEN the conflict is named
    with pytest.raises(
        PavedRoadError,
        match=r"extra_rollback_alarms needs a CodeDeploy deployment, but deployment is "
        r"TrafficShift.none\(\)",
    ):
        make(stack, deployment=TrafficShift.none(), extra_rollback_alarms=[alarm])


def test_x86_with_a_reason_is_recorded(stack: Stack) -> None:
    fn = make(
        stack, architecture=lambda_.Architecture.X86_64, x86_reason="vendor SDK ships x86 only"
    )
    template(stack).has_resource_properties("AWS::Lambda::Function", {"Architectures": ["x86_64"]})
    assert [e.data for e in fn.node.metadata if e.type == "paved-road:x86-reason"] == [
        "vendor SDK ships x86 only"
    ]


# ----------------------------------------------------------- overrides and hooks


def test_custom_traffic_shift_creates_a_deployment_config(stack: Stack) -> None:
    make(stack, deployment=TrafficShift.canary(25, 15))
    t = template(stack)
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentConfig",
        {
            "ComputePlatform": "Lambda",
            "TrafficRoutingConfig": {
                "Type": "TimeBasedCanary",
                "TimeBasedCanary": {"CanaryInterval": 15, "CanaryPercentage": 25},
            },
        },
    )
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {"DeploymentConfigName": {"Ref": Match.string_like_regexp("DeploymentConfig")}},
    )


def test_no_deployment_group_keeps_the_alias(stack: Stack) -> None:
    fn = make(stack, deployment=TrafficShift.none())
    t = template(stack)
    assert fn.delivery is not None and fn.delivery.deployment_group is None
    t.resource_count_is("AWS::CodeDeploy::DeploymentGroup", 0)
    t.resource_count_is("AWS::Lambda::Alias", 1)
    # no deployment, so no rollback alarms either
    t.resource_count_is("AWS::CloudWatch::Alarm", 0)
    alias = next(iter(resources(stack, "AWS::Lambda::Alias").values()))
    assert "UpdatePolicy" not in alias


def test_rollback_alarm_thresholds_follow_the_props(stack: Stack) -> None:
    extra = cloudwatch.Alarm(
        stack,
        "Extra",
        metric=cloudwatch.Metric(namespace="Shop", metric_name="FailedOrders"),
        threshold=1,
        evaluation_periods=1,
    )
    make(
        stack,
        rollback_alarms=RollbackAlarms(
            error_rate_baseline_percent=2, error_rate_increase_percent=100, duration_p99=True
        ),
        duration_limit=Duration.seconds(5),
        extra_rollback_alarms=[extra],
    )
    t = template(stack)
    t.has_resource_properties("AWS::CloudWatch::Alarm", {"Threshold": 4})
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "Duration", "Threshold": 5000}
    )
    group = next(iter(resources(stack, "AWS::CodeDeploy::DeploymentGroup").values()))
    assert len(group["Properties"]["AlarmConfiguration"]["Alarms"]) == 3


def test_without_alarms_no_alarm_rollback(stack: Stack) -> None:
    make(stack, rollback_alarms=RollbackAlarms(errors=False, duration_p99=False))
    t = template(stack)
    t.resource_count_is("AWS::CloudWatch::Alarm", 0)
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {
            "AutoRollbackConfiguration": {
                "Enabled": True,
                "Events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
            }
        },
    )


def test_traffic_hooks_are_wired_and_may_report(stack: Stack) -> None:
    pre = make(stack, "Pre", deployment=TrafficShift.none(), keep_versions=None)
    post = make(stack, "Post", deployment=TrafficShift.none(), keep_versions=None)
    make(stack, pre_traffic_hook=pre, post_traffic_hook=post.function)
    t = template(stack)
    t.has_resource(
        "AWS::Lambda::Alias",
        {
            "UpdatePolicy": {
                "CodeDeployLambdaAliasUpdate": {
                    "BeforeAllowTrafficHook": {"Ref": Match.string_like_regexp("PreFunction")},
                    "AfterAllowTrafficHook": {"Ref": Match.string_like_regexp("PostFunction")},
                    "ApplicationName": Match.any_value(),
                    "DeploymentGroupName": Match.any_value(),
                }
            }
        },
    )
    policies = resources(stack, "AWS::IAM::Policy")
    reporting = [
        name
        for name, p in policies.items()
        if any(
            s["Action"] == "codedeploy:PutLifecycleEventHookExecutionStatus"
            for s in p["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    assert sorted(n[:4] for n in reporting) == ["Post", "PreR"]


def test_one_codedeploy_application_and_role_per_stack(stack: Stack) -> None:
    make(stack, "A")
    make(stack, "B", criticality=Criticality.IMPORTANT)
    t = template(stack)
    t.resource_count_is("AWS::CodeDeploy::DeploymentGroup", 2)
    t.resource_count_is("AWS::CodeDeploy::Application", 1)
    roles = [
        r
        for r in resources(stack, "AWS::IAM::Role").values()
        if "codedeploy.amazonaws.com" in str(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(roles) == 1


# ------------------------------------------------------- provisioned concurrency


@pytest.mark.parametrize(
    ("workload", "target"),
    [(Workload.INTERACTIVE, 0.6), ("async", 0.9), (Workload.ASYNC, 0.9), ("interactive", 0.6)],
)
def test_provisioned_concurrency_tracks_utilization_by_workload(
    stack: Stack, workload: Workload | str, target: float
) -> None:
    make(stack, provisioned_concurrency=ProvisionedConcurrency(2, 40, workload=workload))
    t = template(stack)
    t.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": 2,
            "MaxCapacity": 40,
            "ScalableDimension": "lambda:function:ProvisionedConcurrency",
            "ServiceNamespace": "lambda",
        },
    )
    t.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "LambdaProvisionedConcurrencyUtilization"
                },
                "TargetValue": target,
            },
        },
    )


def test_provisioned_concurrency_is_applied_after_the_deployment(stack: Stack) -> None:
    # GIVEN a canary-deployed function with provisioned concurrency
    make(
        stack,
        criticality=Criticality.CRITICAL,
        provisioned_concurrency=ProvisionedConcurrency(1, 10, utilization_target=0.7),
    )
    # THEN the alias carries no provisioned concurrency of its own (Lambda rejects changes
    # to it while CodeDeploy has the alias weighted across two versions) ...
    alias_id, alias = next(iter(resources(stack, "AWS::Lambda::Alias").items()))
    assert "ProvisionedConcurrencyConfig" not in alias["Properties"]
    # ... and the scalable target waits for the alias update and its deployment group
    target = next(iter(resources(stack, "AWS::ApplicationAutoScaling::ScalableTarget").values()))
    group_id = next(iter(resources(stack, "AWS::CodeDeploy::DeploymentGroup")))
    assert set(target["DependsOn"]) == {alias_id, group_id}
    template(stack).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 0.7})},
    )


def test_tenant_isolated_functions_reject_provisioned_concurrency(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"provisioned_concurrency must be None: Lambda tenant isolation mode does not "
        r"support provisioned concurrency",
    ):
        TenantIsolatedFunction(
            stack,
            "Tenant",
            code=CODE,
            handler="index.handler",
            provisioned_concurrency=ProvisionedConcurrency(1, 2),
        )


# ----------------------------------------------------------------- the pruner


def test_one_pruner_per_stack_keeps_each_functions_count(stack: Stack) -> None:
    make(stack, "A")
    make(stack, "B")
    make(stack, "C", keep_versions=10)
    make(stack, "D", keep_versions=None)
    t = template(stack)
    functions = resources(stack, "AWS::Lambda::Function")
    (pruner_id,) = [k for k in functions if k.startswith(PRUNER_ID)]
    # one daily rule invokes it with the scheduled event (no input: the environment rules)
    (rule,) = resources(stack, "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 day)"
    assert "Input" not in rule["Properties"]["Targets"][0]
    # the environment lists every pruned function with its own keep count
    env = functions[pruner_id]["Properties"]["Environment"]["Variables"]["FUNCTION_NAMES"]
    text = json.dumps(env)
    parts = env["Fn::Join"][1]
    names = [stack.resolve(p) for p in parts if isinstance(p, dict)]
    assert [n["Ref"][:9] for n in names] == ["AFunction", "BFunction", "CFunction"]
    assert text.count('\\"keep\\":3') == 2 and text.count('\\"keep\\":10') == 1
    assert "DFunction" not in text
    # the pruner may delete versions of the pruned functions only
    statements = [
        s
        for p in resources(stack, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "lambda:DeleteFunction"
    ]
    targets = sorted(s["Resource"]["Fn::Join"][1][0]["Fn::GetAtt"][0][:9] for s in statements)
    assert targets == ["AFunction", "BFunction", "CFunction"]
    # and the pruner itself has no alias and is not pruned
    assert len(resources(stack, "AWS::Lambda::Alias")) == 4
    t.resource_count_is("AWS::Lambda::Permission", 1)


def test_the_pruner_environment_is_what_the_handler_reads(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the FUNCTION_NAMES a stack synthesizes, with the Refs replaced by names
    make(stack, "A")
    make(stack, "C", keep_versions=10)
    functions = resources(stack, "AWS::Lambda::Function")
    (pruner_id,) = [k for k in functions if k.startswith(PRUNER_ID)]
    env = functions[pruner_id]["Properties"]["Environment"]["Variables"]["FUNCTION_NAMES"]
    text = "".join(p if isinstance(p, str) else p["Ref"][:1] + "-fn" for p in env["Fn::Join"][1])
    monkeypatch.setenv("FUNCTION_NAMES", text)
    handler = load_asset_module(
        monkeypatch, "version_pruner_index", PRUNER_HANDLER_DIR / "index.py"
    )
    # WHEN the handler reads it for a scheduled run and for a manual dry run
    scheduled = handler.Settings.from_env(
        handler.event_overrides({"detail-type": "Scheduled Event"})
    )
    manual = handler.Settings.from_env(handler.event_overrides({"dry_run": True}))
    # THEN each function keeps its own count in both
    for settings in (scheduled, manual):
        assert settings.functions == ["A-fn", "C-fn"]
        assert (settings.keep_for("A-fn"), settings.keep_for("C-fn")) == (3, 10)


def test_no_pruner_when_every_function_keeps_all_versions(stack: Stack) -> None:
    make(stack, keep_versions=None)
    assert not [k for k in resources(stack, "AWS::Lambda::Function") if k.startswith(PRUNER_ID)]


# -------------------------------------------------------------- callers use it


def test_queue_consumer_mapping_invokes_the_live_alias(stack: Stack) -> None:
    consumer = QueueConsumer(
        stack,
        "Orders",
        queue_props=sqs.QueueProps(),
        function_props={"code": CODE, "handler": "index.handler"},
    )
    mapping = next(iter(resources(stack, "AWS::Lambda::EventSourceMapping").values()))
    assert consumer.governed_function is not None
    live = consumer.governed_function.invoke_target
    assert mapping["Properties"]["FunctionName"] == stack.resolve(live.function_name)
    assert mapping["Properties"]["FunctionName"]["Fn::Join"][1][1] == ":live"


def test_a_fully_governed_critical_function_passes_the_guardrails_and_cfn_lint(
    tmp_path: Path,
) -> None:
    def build(stack: Stack) -> None:
        hook = make(
            stack,
            "Hook",
            deployment=TrafficShift.none(),
            keep_versions=None,
            invocation=Invocation.SYNCHRONOUS,
        )
        make(
            stack,
            criticality=Criticality.CRITICAL,
            invocation=Invocation.SYNCHRONOUS,
            provisioned_concurrency=ProvisionedConcurrency(1, 10),
            pre_traffic_hook=hook,
        )

    run = run_guardrails(build, tmp_path, strict=True)
    assert run.error is None and run.violations == [], run.violations
    out = tmp_path / "cdk.out" / "Guarded.template.json"
    assert lint_errors(out.read_text(encoding="utf-8")) == []


# --------------------------------------------------------------- review findings


def test_a_sub_second_duration_limit_is_a_threshold_in_milliseconds(stack: Stack) -> None:
    make(stack, criticality=Criticality.IMPORTANT, duration_limit=Duration.millis(750))
    template(stack).has_resource_properties(
        "AWS::CloudWatch::Alarm", {"MetricName": "Duration", "Threshold": 750}
    )


def test_a_new_runtime_version_parameter_value_publishes_a_new_version() -> None:
    # GIVEN the pinned runtime version ARN as a parameter (the documented rollout)
    stack = Stack(App(builtin_cloud_formation_validation=False), "S")
    arn = CfnParameter(stack, "RuntimeVersion", type="String")
    make(stack, criticality=Criticality.CRITICAL, runtime_version_arn=arn.value_as_string)
    # THEN the version resource carries the parameter: a new value replaces the Version
    # (CloudFormation cannot update one), so a new version is published and CodeDeploy
    # shifts the live alias to it; without it only $LATEST would change
    (version,) = resources(stack, "AWS::Lambda::Version").values()
    assert version["Properties"]["Description"] == {
        "Fn::Join": ["", ["runtime version ", {"Ref": "RuntimeVersion"}]]
    }


def test_functions_without_a_pinned_runtime_have_no_version_description(stack: Stack) -> None:
    make(stack)
    (version,) = resources(stack, "AWS::Lambda::Version").values()
    assert "Description" not in version["Properties"]


def test_a_traffic_hook_from_another_stack_is_rejected() -> None:
    # GIVEN a hook function in another stack of the same app
    app = App(builtin_cloud_formation_validation=False)
    hooks = Stack(app, "Hooks")
    hook = make(hooks, "Hook", deployment=TrafficShift.none(), keep_versions=None)
    # THEN the target refuses it at construct time (it would be a dependency cycle at synth)
    with pytest.raises(PavedRoadError, match=r"pre_traffic_hook must be in the function's own"):
        make(Stack(app, "Api"), pre_traffic_hook=hook)


def test_helper_functions_need_no_arn_even_when_the_matrix_says_manual() -> None:
    # GIVEN an organization whose STANDARD tier is Manual too
    app = App(builtin_cloud_formation_validation=False)
    use_matrix(
        app,
        DEFAULT_MATRIX.with_tier(
            Criticality.STANDARD,
            dataclasses.replace(
                DEFAULT_MATRIX.standard, runtime_management=RuntimeManagement.MANUAL
            ),
        ),
    )
    stack = Stack(app, "S")
    # WHEN a STANDARD function without an ARN is added, the message names the tier
    with pytest.raises(PavedRoadError, match=r"Manual \(the STANDARD tier's mode in the"):
        make(stack, "Plain")
    # AND paved-road's own version pruner (a HelperFunction) still builds, patched on deploy
    make(stack, "Pinned", runtime_version_arn=RUNTIME_ARN)
    pruner = [
        f for k, f in resources(stack, "AWS::Lambda::Function").items() if k.startswith(PRUNER_ID)
    ]
    assert pruner[0]["Properties"]["RuntimeManagementConfig"] == {
        "UpdateRuntimeOn": "FunctionUpdate"
    }


def test_a_literal_runtime_version_of_another_region_is_rejected() -> None:
    from aws_cdk import Environment

    app = App(builtin_cloud_formation_validation=False)
    dublin = Stack(app, "Dublin", env=Environment(region="eu-west-1"))
    make(dublin, criticality=Criticality.CRITICAL)  # an eu-west-1 ARN: accepted
    virginia = Stack(app, "Virginia", env=Environment(region="us-east-1"))
    with pytest.raises(PavedRoadError, match=r"region us-east-1 .*not eu-west-1"):
        make(virginia, criticality=Criticality.CRITICAL)


# --------------------------------------------------------------- ProgressiveDelivery alone


def _plain_function(stack: Stack, id: str = "Plain", **props: typing.Any) -> lambda_.Function:
    return lambda_.Function(
        stack, id, code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_14, **props
    )


def _deliver(stack: Stack, **props: typing.Any) -> ProgressiveDelivery:
    values: dict[str, typing.Any] = {
        "function": props.pop("function", None) or _plain_function(stack),
        "timeout": Duration.seconds(30),
        "shift": TrafficShift.canary(10, 5),
        "rollback_alarms": RollbackAlarms(),
        **props,
    }
    return ProgressiveDelivery(stack, "Delivery", **values)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {"shift": TrafficShift.canary(0, 5)},
            r"shift percentage must be between 1 and 99, got 0$",
            id="shift-percentage",
        ),
        pytest.param(
            {"shift": TrafficShift.linear(10, 2881)},
            r"shift interval_minutes must be between 1 and 2880, got 2881$",
            id="shift-interval",
        ),
        pytest.param(
            {"rollback_alarms": RollbackAlarms(duration_limit_ratio=1.5)},
            r"rollback_alarms duration_limit_ratio must be above 0 and at most 1, got 1.5$",
            id="rollback-ratio",
        ),
        pytest.param(
            {"duration_limit": Duration.seconds(45)},
            r"duration_limit must be above 0 and at most the timeout \(30000 ms\), "
            r"got '45000 ms'$",
            id="limit-above-timeout",
        ),
        pytest.param(
            {"timeout": Duration.minutes(20)},
            r"timeout must be between 1 and 900 seconds, got 1200$",
            id="timeout-above-lambda-limit",
        ),
        pytest.param(
            {"provisioned_concurrency": ProvisionedConcurrency(5, 2)},
            r"provisioned_concurrency.max_capacity must be an integer of at least "
            r"min_capacity \(5\), got 2$",
            id="provisioned-max-below-min",
        ),
        pytest.param(
            {"provisioned_concurrency": ProvisionedConcurrency(1, 5, utilization_target="high")},  # type: ignore[arg-type]
            r"provisioned_concurrency.utilization_target must be .*, got 'high'$",
            id="utilization-not-a-number",
        ),
        pytest.param(
            {"alias_name": "123"},
            r"alias_name must be 1-128 letters, digits, '-' or '_', and not only digits "
            r"\(a Lambda alias name\), got '123'$",
            id="alias-digits-only",
        ),
        pytest.param(
            {"alias_name": "live alias"}, r"alias_name .*, got 'live alias'$", id="alias-space"
        ),
        pytest.param({"alias_name": ""}, r"alias_name must be 1-128 .*, got ''$", id="alias-empty"),
        pytest.param(
            {"shift": TrafficShift.none(), "extra_alarms": ["alarm"]},
            r"extra_alarms needs a CodeDeploy deployment, but shift is TrafficShift.none\(\)",
            id="extra-alarms-without-deployment",
        ),
        pytest.param(
            {"shift": TrafficShift.none(), "pre_traffic_hook": "hook"},
            r"pre_traffic_hook needs a CodeDeploy deployment, but shift is TrafficShift.none\(\)",
            id="hook-without-deployment",
        ),
    ],
)
def test_progressive_delivery_validates_its_props(
    stack: Stack, props: dict[str, typing.Any], message: str
) -> None:
    # GIVEN ProgressiveDelivery used directly (an aws_lambda.Function built outside
    # paved-road) with one bad prop; real alarms and hooks stand for the placeholders
    if props.get("extra_alarms") == ["alarm"]:
        metric = cloudwatch.Metric(namespace="Shop", metric_name="Errors")
        alarm = cloudwatch.Alarm(stack, "A", metric=metric, threshold=1, evaluation_periods=1)
        props = {**props, "extra_alarms": [alarm]}
    if props.get("pre_traffic_hook") == "hook":
        props = {**props, "pre_traffic_hook": _plain_function(stack, "Hook")}
    # WHEN it is created THEN one PavedRoadError names it, the prop and the value
    with pytest.raises(
        PavedRoadError, match="ProgressiveDelivery 'Test/Delivery': " + message
    ) as info:
        _deliver(stack, **props)
    assert len(info.value.problems) == 1


def test_progressive_delivery_caps_provisioned_concurrency_at_the_reserved(stack: Stack) -> None:
    # GIVEN a function reserving 5 WHEN up to 10 are provisioned THEN it is refused
    function = _plain_function(stack, reserved_concurrent_executions=5)
    with pytest.raises(
        PavedRoadError,
        match=r"provisioned_concurrency.max_capacity must not exceed "
        r"reserved_concurrent_executions \(5\)",
    ):
        _deliver(stack, function=function, provisioned_concurrency=ProvisionedConcurrency(1, 10))


def test_progressive_delivery_accepts_a_valid_plan(stack: Stack) -> None:
    # GIVEN valid props THEN the alias and the deployment group are created
    delivery = _deliver(stack, alias_name="blue-green_1", duration_limit=Duration.seconds(10))
    assert delivery.deployment_group is not None
    template(stack).has_resource_properties("AWS::Lambda::Alias", {"Name": "blue-green_1"})

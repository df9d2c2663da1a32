"""GovernedFunction: the governed baseline and every validation branch."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match

from paved_road import Criticality, GovernedFunction, GovernedFunctionProps, PavedRoadError
from paved_road.assembly import acknowledgments
from paved_road.function import CRITICALITY_TAG, POWERTOOLS_LAYER_VERSION, powertools_layer_arn
from tests.conftest import template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


def make(stack: Stack, **props: typing.Any) -> GovernedFunction:
    """The function under test; the stack's version pruner (its own function and role,
    tested in test_deployment.py) is left out so each template has one function."""
    props.setdefault("code", CODE)
    props.setdefault("handler", "index.handler")
    props.setdefault("keep_versions", None)
    return GovernedFunction(stack, "Fn", **props)


def test_defaults_are_the_governed_baseline(stack: Stack) -> None:
    # GIVEN a function with only code and handler
    fn = make(stack)
    # WHEN synthesized
    t = template(stack)
    # THEN it has the baseline
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Architectures": ["arm64"],
            "Runtime": "python3.14",
            "MemorySize": 256,
            "Timeout": 30,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "INFO",
                "LogGroup": {"Ref": Match.string_like_regexp("FnLogGroup")},
            },
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "Fn",
                    "POWERTOOLS_LOG_LEVEL": "INFO",
                    "POWERTOOLS_METRICS_NAMESPACE": "Fn",
                }
            },
            "Tags": [{"Key": CRITICALITY_TAG, "Value": "STANDARD"}],
        },
    )
    t.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    t.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Retain"})
    assert fn.criticality is Criticality.STANDARD
    assert fn.service_name == "Fn"


def test_role_has_no_managed_policies_and_writes_only_its_log_group(stack: Stack) -> None:
    make(stack)
    t = template(stack)
    # the function's own role (the stack also has CodeDeploy's and the version pruner's)
    roles = {k: v for k, v in t.find_resources("AWS::IAM::Role").items() if k.startswith("FnRole")}
    assert len(roles) == 1
    assert "ManagedPolicyArns" not in next(iter(roles.values()))["Properties"]
    t.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Effect": "Allow",
                            "Resource": {
                                "Fn::GetAtt": [Match.string_like_regexp("FnLogGroup"), "Arn"]
                            },
                        }
                    ]
                )
            }
        },
    )


def test_powertools_layer_is_pinned_and_resolved_per_region(stack: Stack) -> None:
    make(stack)
    layers = template(stack).find_resources("AWS::Lambda::Function")
    (fn,) = layers.values()
    (layer,) = fn["Properties"]["Layers"]
    joined = "".join(
        p if isinstance(p, str) else next(iter(p.values())) for p in layer["Fn::Join"][1]
    )
    assert joined == (
        "arn:AWS::Partition:lambda:AWS::Region:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV3-python314-arm64:{POWERTOOLS_LAYER_VERSION}"
    )


def test_x86_layer_name_and_no_layer_for_node(stack: Stack) -> None:
    assert "python313-x86_64:27" in powertools_layer_arn("python3.13", "x86_64", 27)
    make(stack, runtime=lambda_.Runtime.NODEJS_24_X)
    (fn,) = template(stack).find_resources("AWS::Lambda::Function").values()
    assert "Layers" not in fn["Properties"]


def test_overrides_are_applied(stack: Stack) -> None:
    fn = make(
        stack,
        criticality=Criticality.CRITICAL,
        service_name="orders",
        memory_size=1024,
        timeout=Duration.minutes(2),
        architecture=lambda_.Architecture.X86_64,
        x86_reason="an x86-only native dependency",
        runtime_version_arn="arn:aws:lambda:eu-west-1::runtime:" + "a" * 64,
        log_level="debug",
        system_log_level="WARN",
        log_retention=logs.RetentionDays.ONE_YEAR,
        metrics_namespace="Shop",
        environment={"POWERTOOLS_LOG_LEVEL": "ERROR", "TABLE": "t"},
        powertools_layer=False,
    )
    t = template(stack)
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Architectures": ["x86_64"],
            "MemorySize": 1024,
            "Timeout": 120,
            "LoggingConfig": Match.object_like(
                {"ApplicationLogLevel": "DEBUG", "SystemLogLevel": "WARN"}
            ),
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "orders",
                    "POWERTOOLS_LOG_LEVEL": "ERROR",
                    "POWERTOOLS_METRICS_NAMESPACE": "Shop",
                    "TABLE": "t",
                }
            },
            "Tags": [{"Key": CRITICALITY_TAG, "Value": "CRITICAL"}],
            "Layers": Match.absent(),
        },
    )
    t.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})
    assert fn.criticality is Criticality.CRITICAL


def test_criticality_horizons() -> None:
    assert Criticality.CRITICAL.deprecation_horizon_days == 180
    assert Criticality.IMPORTANT.deprecation_horizon_days == 90
    assert Criticality.STANDARD.deprecation_horizon_days == 30
    assert Criticality.parse("critical") is Criticality.CRITICAL
    assert Criticality.parse("nope") is None


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"memory_size": 64}, r"memory_size must be between 128 and 10240 MB, got 64"),
        ({"memory_size": 10241}, r"memory_size must be between 128 and 10240 MB, got 10241"),
        ({"timeout": Duration.minutes(16)}, r"timeout must be between 1 and 900 seconds, got 960"),
        ({"handler": ""}, r"handler must be a string of 1-128 characters without whitespace"),
        ({"handler": "index handler"}, r"handler must be .* without whitespace .*got 'index "),
        ({"handler": "h" * 129}, r"handler must be a string of 1-128 characters"),
        ({"environment": {"A": "x"}}, r"environment keys must be a letter then .*got 'A'$"),
        (
            {"environment": {"AWS_REGION": "eu-west-1"}},
            r"environment keys must not be ones Lambda reserves, got 'AWS_REGION'$",
        ),
        (
            {"environment": {"BIG": "x" * 4100}},
            r"environment must be at most 4096 bytes in total with the POWERTOOLS_\* variables "
            r"\(Lambda's quota counts every key and value\), got 4182$",
        ),
        (
            {"reserved_concurrent_executions": -1},
            r"reserved_concurrent_executions must be between 0 and 1000000000, got -1",
        ),
        (
            {"powertools_layer_version": 0},
            r"powertools_layer_version must be between 1 and 1000000",
        ),
        ({"service_name": " "}, r"service_name must be non-empty"),
        ({"description": "x" * 257}, r"description must be at most 256 characters, got 257"),
        (
            {"metrics_namespace": "AWS/Lambda"},
            r"metrics_namespace must be 1-255 characters and not start with 'AWS/'",
        ),
        ({"log_level": "VERBOSE"}, r"log_level must be one of TRACE, DEBUG, INFO"),
        ({"system_log_level": "ERROR"}, r"system_log_level must be one of DEBUG, INFO, WARN"),
        (
            {"criticality": "HIGH"},
            r"criticality must be a paved_road.Criticality \(CRITICAL, IMPORTANT, STANDARD\), "
            r"got 'HIGH'$",
        ),
        (
            {"invocation": "sync"},
            r"invocation must be a paved_road.Invocation \(SYNCHRONOUS, EVENT_SOURCE_MAPPING, "
            r"ASYNCHRONOUS\) or None, got 'sync'$",
        ),
        (
            {"runtime": lambda_.Runtime.PYTHON_3_9},
            r"runtime is deprecated since 2025-12-15 \(phase: deprecated, successor python3.14\)"
            r".*got 'python3.9'",
        ),
        (
            # not a python name: every Runtime joins the process-wide Runtime.ALL, and a
            # fake "python9.9" would make cdk-nag's latest-runtime rule flag python3.14
            {"runtime": lambda_.Runtime("cobol85", lambda_.RuntimeFamily.OTHER)},
            r"runtime must be a runtime with published lifecycle dates .*got 'cobol85'",
        ),
        (
            {"runtime": lambda_.Runtime.PYTHON_3_9, "acknowledge_deprecated_runtime": "  "},
            r"acknowledge_deprecated_runtime must be a non-empty reason",
        ),
    ],
)
def test_validation(stack: Stack, props: dict[str, typing.Any], match: str) -> None:
    with pytest.raises(PavedRoadError, match=r"GovernedFunction 'Test/Fn': .*" + match):
        make(stack, **props)


def test_all_problems_are_reported_at_once(stack: Stack) -> None:
    with pytest.raises(PavedRoadError) as info:
        make(stack, memory_size=1, log_level="x", handler="")
    assert len(info.value.problems) == 3
    assert "3 problems" in str(info.value)


def test_deprecated_runtime_with_a_reason_is_allowed_and_acknowledged(stack: Stack) -> None:
    fn = make(
        stack,
        runtime=lambda_.Runtime.PYTHON_3_10,
        acknowledge_deprecated_runtime="Vendor SDK pinned to 3.10 until 2027-01 (TICKET-1)",
    )
    template(stack).has_resource_properties("AWS::Lambda::Function", {"Runtime": "python3.10"})
    acks = [m for m in fn.function.node.metadata if m.type == "aws:cdk:acknowledged-rules"]
    assert any("PavedRoad-LambdaRuntimeDeprecated" in str(m.data) for m in acks)


def test_date_can_be_pinned_by_context(stack: Stack) -> None:
    # GIVEN a date before python3.10's deprecation, set as context
    stack.node.set_context("paved-road:today", "2026-01-01")
    # WHEN a function uses python3.10 THEN it is still supported that day
    make(stack, runtime=lambda_.Runtime.PYTHON_3_10)


def test_props_typeddict_matches_the_signature() -> None:
    # the same names AND the same annotations: the boundary checks function_props={...}
    # entries against the TypedDict, so it must accept what GovernedFunction accepts
    init = GovernedFunction.__init__.__wrapped__  # type: ignore[attr-defined]
    signature = inspect.signature(init)
    hints = typing.get_type_hints(init)
    kwargs = {n: hints[n] for n, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert typing.get_type_hints(GovernedFunctionProps) == kwargs


def test_trace_log_level_maps_to_debug_for_powertools(stack: Stack) -> None:
    make(stack, log_level="TRACE")
    template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "LoggingConfig": Match.object_like({"ApplicationLogLevel": "TRACE"}),
            "Environment": {"Variables": Match.object_like({"POWERTOOLS_LOG_LEVEL": "DEBUG"})},
        },
    )


def test_bad_pinned_date_is_a_paved_road_error(stack: Stack) -> None:
    stack.node.set_context("paved-road:today", "tomorrow")
    with pytest.raises(
        PavedRoadError, match=r"runtime cannot be checked: context paved-road:today"
    ):
        make(stack)


def test_role_wildcard_reasons_are_joined_into_one_acknowledgment(tmp_path: Path) -> None:
    # GIVEN a function whose role gets a second Resource "*" statement, with its reason
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    fn = make(Stack(app, "S"))
    fn.acknowledge_role_wildcard("EC2 network interfaces for a VPC event source.")
    app.synth()
    # THEN the role carries one acknowledgment listing X-Ray and the new reason
    (ack,) = [a for a in acknowledgments(tmp_path) if a.rule_id.startswith("AwsSolutions-IAM5")]
    assert ack.rule_id == "AwsSolutions-IAM5[Resource::*]"
    assert ack.reason == (
        "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions "
        "(active tracing); EC2 network interfaces for a VPC event source; all other "
        "statements are resource-scoped."
    )


def test_role_wildcard_reason_must_not_be_blank(stack: Stack) -> None:
    fn = make(stack)
    with pytest.raises(PavedRoadError, match=r"GovernedFunction 'Test/Fn': reason must be"):
        fn.acknowledge_role_wildcard("  ")


def test_tz_is_not_reserved(stack: Stack) -> None:
    # Lambda lists TZ among the variables a function may set (configuration-envvars)
    make(stack, environment={"TZ": "Europe/Berlin"})

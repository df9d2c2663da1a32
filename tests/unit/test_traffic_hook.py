"""SmokeTestHook: the ready-made CodeDeploy traffic hook, its wiring to a target's
deployment (environment, invoke grant, alias update policy, status reporting), every
validation branch, cfn-lint and the guardrails."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from aws_cdk import App, Aws, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match

from paved_road import (
    Criticality,
    GovernedFunction,
    Invocation,
    PavedRoadError,
    TrafficShift,
)
from paved_road.assembly import acknowledgments
from paved_road.function import HelperFunction, environment_bytes
from paved_road.pruning import PRUNER_ID
from paved_road.traffic_hook import (
    PAYLOAD_LIMIT_BYTES,
    REPORT_MARGIN_SECONDS,
    TARGET_ARN_RESERVE,
    TARGET_ENV,
    TRAFFIC_HOOK_HANDLER_DIR,
    SmokeTestHook,
)
from tests.cfn_lint import lint_errors
from tests.conftest import run_guardrails, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")
RUNTIME_ARN = "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64


def target(stack: Stack, id: str = "Orders", **props: typing.Any) -> GovernedFunction:
    props.setdefault("code", CODE)
    props.setdefault("handler", "index.handler")
    props.setdefault("keep_versions", None)
    if props.get("criticality") is Criticality.CRITICAL:
        props.setdefault("runtime_version_arn", RUNTIME_ARN)
    return GovernedFunction(stack, id, **props)


def hook_function(stack: Stack, hook: SmokeTestHook) -> dict[str, typing.Any]:
    """The hook's AWS::Lambda::Function resource."""
    logical_id = stack.resolve(stack.get_logical_id(hook.function.function.node.default_child))  # type: ignore[arg-type]
    resource: dict[str, typing.Any] = template(stack).to_json()["Resources"][logical_id]
    return resource


def version_ref(stack: Stack, fn: GovernedFunction) -> typing.Any:
    """How the template references ``fn``'s current version (its qualified ARN)."""
    assert fn.delivery is not None
    return stack.resolve(fn.delivery.version.function_arn)


def hook_statements(stack: Stack, hook: SmokeTestHook) -> list[dict[str, typing.Any]]:
    """The statements of the hook role's policies."""
    role_ref = stack.resolve(hook.function.role.role_name)
    return [
        statement
        for policy in template(stack).find_resources("AWS::IAM::Policy").values()
        if role_ref in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


# ----------------------------------------------------------------- the hook itself


def test_defaults_send_the_default_payload_and_check_nothing(stack: Stack) -> None:
    # GIVEN a hook with no props
    hook = SmokeTestHook(stack, "Smoke")
    # WHEN synthesized
    props = hook_function(stack, hook)["Properties"]
    # THEN it runs the traffic hook handler for one minute at most
    assert props["Handler"] == "index.handler"
    assert props["Runtime"] == "python3.14"
    assert props["Timeout"] == 60
    # AND sends {"smokeTest": true}, expects nothing, and has no target yet
    variables = props["Environment"]["Variables"]
    assert json.loads(variables["SMOKE_TEST_PAYLOAD"]) == {"smokeTest": True}
    assert "EXPECT_JSON" not in variables
    assert "TARGET_FUNCTION_ARN" not in variables
    assert hook.target is None
    # AND the hook is not deployed through CodeDeploy and its versions are not pruned
    t = template(stack)
    t.resource_count_is("AWS::CodeDeploy::DeploymentGroup", 0)
    assert stack.node.try_find_child(PRUNER_ID) is None
    assert hook.function.invocation is Invocation.ASYNCHRONOUS


def test_payload_expect_and_timeout_are_configurable(stack: Stack) -> None:
    # GIVEN a hook with a payload, an expectation and a timeout
    hook = SmokeTestHook(
        stack,
        "Smoke",
        payload={"path": "/health", "headers": {"x-smoke-test": "1"}},
        expect={"statusCode": 200, "body": "ok"},
        timeout=Duration.seconds(90),
    )
    # WHEN synthesized
    props = hook_function(stack, hook)["Properties"]
    # THEN they are in the environment as compact JSON, and the timeout is set
    variables = props["Environment"]["Variables"]
    assert variables["SMOKE_TEST_PAYLOAD"] == '{"path":"/health","headers":{"x-smoke-test":"1"}}'
    assert variables["EXPECT_JSON"] == '{"statusCode":200,"body":"ok"}'
    assert props["Timeout"] == 90


def test_the_handler_directory_is_the_asset() -> None:
    # GIVEN the handler directory the hook ships / THEN it holds the handler module
    assert (TRAFFIC_HOOK_HANDLER_DIR / "index.py").is_file()
    assert "def handler(" in (TRAFFIC_HOOK_HANDLER_DIR / "index.py").read_text(encoding="utf-8")


def test_the_dlq_rule_is_acknowledged_with_the_codedeploy_reason(tmp_path: Path) -> None:
    # GIVEN a hook in an app
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    SmokeTestHook(Stack(app, "S"), "Smoke")
    # WHEN synthesized
    app.synth()
    # THEN its function acknowledges Serverless-LambdaDLQ, citing CodeDeploy's one-hour rule
    (ack,) = [a for a in acknowledgments(tmp_path) if a.rule_id == "Serverless-LambdaDLQ"]
    assert ack.construct_path == "/S/Smoke/Function/Function"
    assert "not notified within one hour" in ack.reason
    assert (
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/"
        "reference-appspec-file-structure-hooks.html" in ack.reason
    )


# ----------------------------------------------------------------- bound to a target


def test_bind_points_the_hook_at_the_current_version_and_grants_invoke_on_it_only(
    stack: Stack,
) -> None:
    # GIVEN a hook passed as a target's pre-traffic hook
    hook = SmokeTestHook(stack, "Smoke")
    orders = target(stack, pre_traffic_hook=hook.function)
    # WHEN it is bound to the target
    returned = hook.bind(orders)
    # THEN bind returns the hook, now bound
    assert returned is hook
    assert hook.target is orders
    # AND TARGET_FUNCTION_ARN is the qualified ARN of the target's current version
    version = version_ref(stack, orders)
    assert list(version) == ["Ref"] and version["Ref"].startswith("OrdersFunctionCurrentVersion")
    variables = hook_function(stack, hook)["Properties"]["Environment"]["Variables"]
    assert variables["TARGET_FUNCTION_ARN"] == version
    # AND the hook may invoke that version, and nothing else
    invokes = [s for s in hook_statements(stack, hook) if s["Action"] == "lambda:InvokeFunction"]
    assert invokes == [{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": version}]


@pytest.mark.parametrize(
    ("prop", "update_policy_key"),
    [
        ("pre_traffic_hook", "BeforeAllowTrafficHook"),
        ("post_traffic_hook", "AfterAllowTrafficHook"),
    ],
)
def test_the_target_alias_runs_the_hook_which_may_report(
    stack: Stack, prop: str, update_policy_key: str
) -> None:
    # GIVEN a hook passed as a target's traffic hook, then bound to it
    hook = SmokeTestHook(stack, "Smoke")
    orders = target(stack, **{prop: hook.function})
    hook.bind(orders)
    t = template(stack)
    # THEN the target's live alias runs the hook in its CodeDeploy update policy
    hook_ref = stack.resolve(hook.function.function.function_name)
    t.has_resource(
        "AWS::Lambda::Alias",
        {
            "Properties": Match.object_like({"Name": "live"}),
            "UpdatePolicy": {
                "CodeDeployLambdaAliasUpdate": Match.object_like({update_policy_key: hook_ref})
            },
        },
    )
    # AND the hook's role may report the lifecycle event status to that deployment group
    assert orders.delivery is not None and orders.delivery.deployment_group is not None
    group_arn = stack.resolve(orders.delivery.deployment_group.deployment_group_arn)
    reports = [
        s
        for s in hook_statements(stack, hook)
        if s["Action"] == "codedeploy:PutLifecycleEventHookExecutionStatus"
    ]
    assert reports == [
        {
            "Action": "codedeploy:PutLifecycleEventHookExecutionStatus",
            "Effect": "Allow",
            "Resource": group_arn,
        }
    ]


def test_hook_and_target_have_no_cycle_and_lint_clean(stack: Stack) -> None:
    # GIVEN a hook as both traffic hooks of a CRITICAL target (canary + alarms), passed as
    # its GovernedFunction and as its aws_lambda.Function
    hook = SmokeTestHook(stack, "Smoke", expect={"statusCode": 200})
    orders = target(
        stack,
        criticality=Criticality.CRITICAL,
        invocation=Invocation.SYNCHRONOUS,
        pre_traffic_hook=hook.function,
        post_traffic_hook=hook.function.function,
    )
    hook.bind(orders)
    # WHEN synthesized and linted
    found = template(stack).to_json()
    # THEN cfn-lint (including its circular dependency check, E3004) reports nothing
    assert lint_errors(found) == []
    # AND the target's function and version do not reference the hook
    hook_id = stack.resolve(stack.get_logical_id(hook.function.function.node.default_child))  # type: ignore[arg-type]
    function_id = stack.resolve(stack.get_logical_id(orders.function.node.default_child))  # type: ignore[arg-type]
    version_id = version_ref(stack, orders)["Ref"]
    for logical_id in (function_id, version_id):
        assert hook_id not in json.dumps(found["Resources"][logical_id])


def test_a_critical_target_with_the_hook_passes_the_guardrails_strictly(tmp_path: Path) -> None:
    # GIVEN a CRITICAL target whose pre-traffic hook is a bound SmokeTestHook
    def build(stack: Stack) -> None:
        hook = SmokeTestHook(stack, "Smoke", expect={"statusCode": 200})
        orders = target(
            stack,
            criticality=Criticality.CRITICAL,
            invocation=Invocation.SYNCHRONOUS,
            pre_traffic_hook=hook.function,
            keep_versions=3,
        )
        hook.bind(orders)

    # WHEN synthesized under the strict guardrails (cdk-nag AwsSolutions + Serverless)
    run = run_guardrails(build, tmp_path, strict=True)
    # THEN nothing is reported, and the synthesized template lints clean
    assert run.error is None and run.violations == [], run.violations
    out = tmp_path / "cdk.out" / "Guarded.template.json"
    assert lint_errors(out.read_text(encoding="utf-8")) == []


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {"payload": ["smokeTest"]},
            r"SmokeTestHook 'Test/Smoke': payload must be a dict with string keys or None, "
            r"got \['smokeTest'\]",
            id="payload-not-a-mapping",
        ),
        pytest.param(
            {"payload": {"when": Duration.seconds(1)}},
            r"payload must be JSON-serializable \(Object of type Duration",
            id="payload-not-serializable",
        ),
        pytest.param(
            {"payload": {"ratio": float("nan")}},
            r"payload must be JSON-serializable \(Out of range float",
            id="payload-nan",
        ),
        pytest.param(
            {"payload": {1: "one"}},
            r"SmokeTestHook 'Test/Smoke': payload key 1 must be a string, got 1$",
            id="payload-int-key",
        ),
        pytest.param(
            {"payload": {"region": Aws.REGION}},
            r"payload must hold plain JSON values, not CDK tokens",
            id="payload-token",
        ),
        pytest.param(
            {"expect": "statusCode=200"},
            r"SmokeTestHook 'Test/Smoke': expect must be a dict with string keys or None, "
            r"got 'statusCode=200'",
            id="expect-not-a-mapping",
        ),
        pytest.param(
            {"expect": {"at": object()}},
            r"expect must be JSON-serializable \(Object of type object",
            id="expect-not-serializable",
        ),
        pytest.param(
            {"expect": {}},
            r"expect must have at least one item \(or be None for no check\), got \{\}$",
            id="expect-empty",
        ),
        pytest.param(
            {"timeout": Duration.seconds(5)},
            r"SmokeTestHook 'Test/Smoke': timeout must be more than 5 and at most 900 seconds "
            r"\(the hook keeps 5 s of its run to report to CodeDeploy\), got 5$",
            id="timeout-leaves-no-time-to-invoke",
        ),
        pytest.param(
            {"timeout": Duration.minutes(16)},
            r"SmokeTestHook 'Test/Smoke': timeout must be more than 5 and at most 900 seconds "
            r".*, got 960$",
            id="timeout-above-lambda-limit",
        ),
        pytest.param(
            {"payload": {"data": "x" * PAYLOAD_LIMIT_BYTES}},
            rf"payload must serialize to at most {PAYLOAD_LIMIT_BYTES} bytes of JSON "
            r"\(Lambda's 4 KB quota .*, less the hook's other variables\), "
            rf"got '{PAYLOAD_LIMIT_BYTES + 11} bytes'$",
            id="payload-over-4kb",
        ),
        pytest.param(
            {"payload": {"data": "x" * 3000}, "expect": {"echo": "y" * 1100}},
            rf"expect and payload must serialize to at most {PAYLOAD_LIMIT_BYTES - 11} bytes of "
            r"JSON together",
            id="payload-and-expect-over-4kb",
        ),
    ],
)
def test_bad_props_raise_one_paved_road_error(
    stack: Stack, props: dict[str, typing.Any], message: str
) -> None:
    # GIVEN props the hook cannot ship / WHEN it is created / THEN a PavedRoadError says why
    with pytest.raises(PavedRoadError, match=message) as caught:
        SmokeTestHook(stack, "Smoke", **props)
    assert len(caught.value.problems) == 1


def test_the_report_margin_is_the_handlers() -> None:
    # GIVEN the margin the construct checks the timeout against
    handler = (TRAFFIC_HOOK_HANDLER_DIR / "index.py").read_text(encoding="utf-8")
    # THEN it is the time the handler keeps back for its report
    assert f"REPORT_MARGIN_SECONDS = {REPORT_MARGIN_SECONDS}\n" in handler


def test_a_six_second_timeout_is_accepted(stack: Stack) -> None:
    hook = SmokeTestHook(stack, "Smoke", timeout=Duration.seconds(6))
    assert hook_function(stack, hook)["Properties"]["Timeout"] == 6


def test_a_payload_of_exactly_the_budget_is_accepted(stack: Stack) -> None:
    # GIVEN a payload whose JSON is exactly the budget ({"data":"..."} is 11 bytes + data)
    hook = SmokeTestHook(
        stack, "Smoke", payload={"data": "x" * (PAYLOAD_LIMIT_BYTES - 11)}, expect=None
    )
    # THEN it is accepted as is, and the function's variables fit Lambda's 4 KB with room
    # for the target's alias ARN (a token here)
    variables = hook_function(stack, hook)["Properties"]["Environment"]["Variables"]
    assert len(variables["SMOKE_TEST_PAYLOAD"].encode()) == PAYLOAD_LIMIT_BYTES
    literal = {k: v for k, v in variables.items() if isinstance(v, str)}
    assert environment_bytes(literal) + len(TARGET_ENV) + TARGET_ARN_RESERVE <= 4096


def test_a_payload_one_byte_over_the_budget_is_refused(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=rf"got '{PAYLOAD_LIMIT_BYTES + 1} bytes'$"):
        SmokeTestHook(
            stack, "Smoke", payload={"data": "x" * (PAYLOAD_LIMIT_BYTES - 10)}, expect=None
        )


def test_several_type_problems_are_reported_together(stack: Stack) -> None:
    # GIVEN a payload and an expectation of the wrong types
    with pytest.raises(PavedRoadError, match=r"SmokeTestHook 'Test/Smoke': 2 problems") as caught:
        SmokeTestHook(stack, "Smoke", payload=["x"], expect="statusCode=200")
    # THEN both are listed
    assert [p.split(": ", 1)[1].split(" ")[0] for p in caught.value.problems] == [
        "payload",
        "expect",
    ]


def test_several_value_problems_are_reported_together(stack: Stack) -> None:
    # GIVEN dicts as payload and expectation, but a bad payload and a bad expectation
    with pytest.raises(PavedRoadError, match=r"SmokeTestHook 'Test/Smoke': 2 problems") as caught:
        SmokeTestHook(stack, "Smoke", payload={"ratio": float("nan")}, expect={})
    # THEN both are listed
    assert [p.split(": ", 1)[1].split(" ")[0] for p in caught.value.problems] == [
        "payload",
        "expect",
    ]


def test_bind_accepts_only_one_target(stack: Stack) -> None:
    # GIVEN a hook bound to a target
    hook = SmokeTestHook(stack, "Smoke")
    orders = target(stack, pre_traffic_hook=hook.function)
    hook.bind(orders)
    other = target(stack, "Payments", pre_traffic_hook=hook.function)
    # WHEN it is bound again
    with pytest.raises(
        PavedRoadError,
        match=r"SmokeTestHook 'Test/Smoke': bind was already called \(target Test/Orders\): "
        r"a SmokeTestHook tests one function; create one hook per target",
    ):
        hook.bind(other)
    # THEN it still tests the first target
    assert hook.target is orders
    variables = hook_function(stack, hook)["Properties"]["Environment"]["Variables"]
    assert variables["TARGET_FUNCTION_ARN"] == version_ref(stack, orders)


def test_bind_rejects_what_is_not_a_governed_function(stack: Stack) -> None:
    # GIVEN a plain aws_lambda.Function
    hook = SmokeTestHook(stack, "Smoke")
    plain = lambda_.Function(
        stack, "Plain", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_14
    )
    # WHEN bound / THEN a PavedRoadError names what is expected
    with pytest.raises(PavedRoadError, match=r"target must be a paved_road.GovernedFunction"):
        hook.bind(plain)  # type: ignore[arg-type]
    assert hook.target is None


def test_bind_rejects_the_hooks_own_function(stack: Stack) -> None:
    hook = SmokeTestHook(stack, "Smoke")
    # WHEN the hook is bound to itself / THEN it is rejected
    with pytest.raises(
        PavedRoadError, match=r"target must not be the hook's own function, got 'Test/Smoke/"
    ):
        hook.bind(hook.function)


def test_bind_rejects_a_function_without_delivery(stack: Stack) -> None:
    # GIVEN a GovernedFunction without progressive delivery (paved-road's own helpers)
    hook = SmokeTestHook(stack, "Smoke")
    helper = HelperFunction(stack, "Helper", code=CODE, handler="index.handler")
    assert helper.delivery is None
    # WHEN bound / THEN it is rejected
    with pytest.raises(
        PavedRoadError, match=r"target must have a delivery \(a live alias on its current version\)"
    ):
        hook.bind(helper)


def test_bind_rejects_a_target_without_deployment_group(stack: Stack) -> None:
    # GIVEN a target deployed without CodeDeploy (nothing would run the hook)
    hook = SmokeTestHook(stack, "Smoke")
    plain = target(stack, deployment=TrafficShift.none())
    # WHEN bound / THEN it is rejected
    with pytest.raises(
        PavedRoadError,
        match=r"target has no CodeDeploy deployment group \(deployment=TrafficShift.none\(\)\)",
    ):
        hook.bind(plain)

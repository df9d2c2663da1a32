"""enforce(): the packs as CDK validation plugins, severity handling, acknowledgments,
and zero findings for paved-road's own constructs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from paved_road import GovernedFunction, Invocation, QueueConsumer
from paved_road.guardrails import GuardrailGate, PavedRoadChecks, enforce
from paved_road_blueprints import EventProcessingService
from tests.conftest import run_guardrails

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def governed(stack: Stack, **props: object) -> GovernedFunction:
    fn = GovernedFunction(stack, "Fn", code=CODE, handler="index.handler", **props)  # type: ignore[arg-type]
    # a standalone function invoked synchronously needs no async failure target
    Validations.of(fn).acknowledge(Acknowledgment(id="Serverless-LambdaDLQ", reason="sync only"))
    return fn


def test_queue_consumer_has_zero_findings(tmp_path: Path) -> None:
    # GIVEN a default QueueConsumer WHEN synthesized under every pack
    run = run_guardrails(
        lambda s: QueueConsumer(
            s,
            "Orders",
            queue_props=sqs.QueueProps(),
            function_props={"code": CODE, "handler": "index.handler"},
        ),
        tmp_path,
        strict=True,
    )
    # THEN nothing is reported: users start at zero findings
    assert run.error is None
    assert run.violations == []


def test_event_processing_service_has_zero_findings(tmp_path: Path) -> None:
    run = run_guardrails(
        lambda s: EventProcessingService(s, "Svc", production=True, idempotency=True),
        tmp_path,
        strict=True,
    )
    assert run.error is None
    assert run.violations == []


def test_error_finding_fails_synthesis(tmp_path: Path) -> None:
    # GIVEN a governed function whose log format is overridden to Text
    def build(stack: Stack) -> None:
        fn = governed(stack)
        fn.function.node.default_child.add_property_override("LoggingConfig.LogFormat", "Text")  # type: ignore[union-attr]

    run = run_guardrails(build, tmp_path)
    # THEN synthesis fails and the finding names the rule and the resource
    assert run.error is not None and "PavedRoad-LambdaJsonLogs" in run.error
    assert run.paths("PavedRoad-LambdaJsonLogs") == {"Guarded/Fn/Function/Resource"}


def test_warning_is_reported_but_passes_unless_strict(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        fn = governed(stack)
        fn.function.node.default_child.add_property_override("TracingConfig.Mode", "PassThrough")  # type: ignore[union-attr]

    lenient = run_guardrails(build, tmp_path / "lenient", serverless=False)
    assert lenient.error is None
    assert lenient.rules("warning") == {"PavedRoad-LambdaActiveTracing"}

    strict = run_guardrails(build, tmp_path / "strict", serverless=False, strict=True)
    assert strict.error is not None and "PavedRoad-LambdaActiveTracing" in strict.error


def test_acknowledgment_with_reason_suppresses_a_finding(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        fn = governed(stack)
        fn.function.node.default_child.add_property_override("LoggingConfig.LogFormat", "Text")  # type: ignore[union-attr]
        Validations.of(fn).acknowledge(
            Acknowledgment(id="PavedRoad-LambdaJsonLogs", reason="Legacy log pipeline parses text")
        )

    run = run_guardrails(build, tmp_path, strict=True)
    assert run.error is None
    assert "PavedRoad-LambdaJsonLogs" not in run.rules()


def test_plain_l2_resources_are_checked(tmp_path: Path) -> None:
    # GIVEN an L2 queue + function + mapping that ignore the paved road
    def build(stack: Stack) -> None:
        queue = sqs.Queue(stack, "Q", visibility_timeout=Duration.seconds(10), enforce_ssl=True)
        fn = lambda_.Function(
            stack,
            "F",
            code=CODE,
            handler="index.handler",
            runtime=lambda_.Runtime.PYTHON_3_9,
            timeout=Duration.seconds(20),
        )
        lambda_.EventSourceMapping(stack, "M", target=fn, event_source_arn=queue.queue_arn)

    run = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN every PavedRoad rule that applies fires
    assert run.rules("error") == {
        "PavedRoad-LambdaRuntimeDeprecated",
        "PavedRoad-LambdaJsonLogs",
        "PavedRoad-SqsMappingBatchItemFailures",
        "PavedRoad-SqsMappingRedrivePolicy",
        "PavedRoad-SqsVisibilityTimeout",
    }
    assert run.rules("warning") == {"PavedRoad-LambdaActiveTracing"}


def test_enforce_registers_the_packs() -> None:
    from aws_cdk import App

    app = App()
    gates = enforce(app)
    assert [g.name for g in gates] == ["PavedRoad", "AwsSolutions", "Serverless"]
    assert all(isinstance(g, GuardrailGate) for g in gates)
    assert isinstance(gates[0].pack, PavedRoadChecks)
    assert [g.name for g in enforce(App(), aws_solutions=False, serverless=False)] == ["PavedRoad"]


def test_supported_runtime_one_release_behind_passes_all_packs(tmp_path: Path) -> None:
    # GIVEN python3.13: supported until 2029-06-30, but not the newest python
    run = run_guardrails(
        lambda s: QueueConsumer(
            s,
            "Orders",
            queue_props=sqs.QueueProps(),
            function_props={
                "code": CODE,
                "handler": "index.handler",
                "runtime": lambda_.Runtime.PYTHON_3_13,
            },
        ),
        tmp_path,
        strict=True,
    )
    # THEN cdk-nag's latest-runtime rules are acknowledged by the construct
    assert run.error is None
    assert run.violations == []


def test_malformed_pinned_date_fails_validation_clearly(tmp_path: Path) -> None:
    from aws_cdk import App

    app = App(
        outdir=str(tmp_path),
        builtin_cloud_formation_validation=False,
        context={"paved-road:today": "someday"},
    )
    sqs.Queue(Stack(app, "S"), "Q", enforce_ssl=True)
    enforce(app, aws_solutions=False, serverless=False)
    try:
        app.synth()
    except Exception as exc:  # surfaced through the CDK validation report
        message = str(exc)
    else:
        raise AssertionError("synthesis should fail on a malformed paved-road:today")
    assert "PavedRoadChecks: context paved-road:today must be a date YYYY-MM-DD" in message


def test_acknowledgment_without_a_reason_is_an_error(tmp_path: Path) -> None:
    # GIVEN a finding acknowledged with a blank reason
    def build(stack: Stack) -> None:
        fn = governed(stack)
        fn.function.node.default_child.add_property_override("LoggingConfig.LogFormat", "Text")  # type: ignore[union-attr]
        Validations.of(fn).acknowledge(Acknowledgment(id="PavedRoad-LambdaJsonLogs", reason="  "))

    run = run_guardrails(build, tmp_path)
    # THEN the suppressed finding is replaced by PavedRoad-AcknowledgmentReason
    assert run.error is not None and "PavedRoad-AcknowledgmentReason" in run.error
    assert run.paths("PavedRoad-AcknowledgmentReason") == {"Guarded/Fn"}
    assert "PavedRoad-LambdaJsonLogs" not in run.rules()


def test_standalone_function_must_declare_how_it_is_invoked(tmp_path: Path) -> None:
    def build(invocation: Invocation | None) -> Callable[[Stack], object]:
        return lambda s: GovernedFunction(
            s, "Fn", code=CODE, handler="index.handler", invocation=invocation
        )

    # GIVEN no declaration THEN cdk-nag's Serverless-LambdaDLQ stands (async events could be lost)
    undeclared = run_guardrails(build(None), tmp_path / "undeclared")
    assert undeclared.rules("error") == {"Serverless-LambdaDLQ"}
    asynchronous = run_guardrails(build(Invocation.ASYNCHRONOUS), tmp_path / "async")
    assert asynchronous.rules("error") == {"Serverless-LambdaDLQ"}
    # GIVEN a synchronous-only function THEN it starts at zero findings
    synchronous = run_guardrails(build(Invocation.SYNCHRONOUS), tmp_path / "sync", strict=True)
    assert synchronous.error is None
    assert synchronous.violations == []


def test_strict_still_fails_when_other_findings_are_acknowledged_by_namespace(
    tmp_path: Path,
) -> None:
    # GIVEN two functions without active tracing, one acknowledged with the namespaced id
    # (which CDK applies itself, after the pack) and one not
    def build(stack: Stack) -> None:
        for name in ("A", "B"):
            fn = GovernedFunction(
                stack, name, code=CODE, handler="index.handler", invocation=Invocation.SYNCHRONOUS
            )
            fn.function.node.default_child.add_property_override(
                "TracingConfig.Mode", "PassThrough"
            )  # type: ignore[union-attr]
            Validations.of(fn).acknowledge(
                Acknowledgment(id="Serverless-LambdaTracing", reason="PavedRoad rule covers it")
            )
            if name == "B":
                Validations.of(fn).acknowledge(
                    Acknowledgment(
                        id="PavedRoad::PavedRoad-LambdaActiveTracing", reason="Sampled upstream"
                    )
                )

    run = run_guardrails(build, tmp_path, strict=True)
    # THEN the remaining warning, reported as an error in strict mode, still fails synthesis
    assert run.error is not None and "[strict]" in run.error
    assert run.paths("PavedRoad-LambdaActiveTracing") == {"Guarded/A/Function/Resource"}

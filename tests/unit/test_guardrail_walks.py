"""PavedRoadChecks' two walks report the same findings.

``walk="template"`` (the default) evaluates the synthesized templates in one pass and
checks acknowledgments from the assembly's metadata; ``walk="tree"`` is cdk-nag's walk
of the construct tree with cdk-nag's own acknowledgment check. The apps here have
findings at every level an acknowledgment can sit (the resource, a parent construct,
the stack, a Stage, the App), so a difference in either mechanism shows.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from aws_cdk import Acknowledgment, App, Duration, NestedStack, Stack, Stage, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from paved_road import QueueConsumer
from paved_road.errors import PavedRoadError
from paved_road.guardrails import GuardrailGate, PavedRoadChecks

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")

Finding = tuple[str, str, str]  # rule, construct path, severity


def hand_written(scope: Construct, id: str) -> Construct:
    """SQS -> Lambda and a scheduled function as a team writes them without paved-road:
    findings for the queue, mapping, function and rule rules."""
    unit = Construct(scope, id)
    dlq = sqs.Queue(unit, "Dlq")
    queue = sqs.Queue(
        unit,
        "Queue",
        visibility_timeout=Duration.seconds(10),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3),
    )
    fn = lambda_.Function(
        unit,
        "Function",
        code=CODE,
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_12,
        timeout=Duration.seconds(30),
    )
    fn.add_event_source(sources.SqsEventSource(queue))
    events.Rule(
        unit,
        "Nightly",
        schedule=events.Schedule.cron(minute="0", hour="2"),
        targets=[targets.LambdaFunction(fn)],
    )
    return unit


def build(app: App) -> None:
    plain = Stack(app, "Plain")
    hand_written(plain, "A")
    hand_written(plain, "B")
    QueueConsumer(
        plain,
        "Governed",
        queue_props=sqs.QueueProps(),
        function_props={"code": CODE, "handler": "index.handler"},
    )
    # acknowledged on a parent construct (covers its subtree) and on the resource
    acked = hand_written(plain, "Acked")
    Validations.of(acked).acknowledge(
        Acknowledgment(id="PavedRoad-EventTargetDeadLetterQueue", reason="parent ack")
    )
    function = acked.node.find_child("Function").node.default_child
    assert function is not None
    Validations.of(function).acknowledge(
        Acknowledgment(id="PavedRoad-LambdaJsonLogs", reason="resource ack")
    )
    # acknowledged on a whole stack
    stack_acked = Stack(app, "StackAcked")
    hand_written(stack_acked, "C")
    Validations.of(stack_acked).acknowledge(
        Acknowledgment(id="PavedRoad-SqsVisibilityTimeout", reason="stack ack")
    )
    # a Stage with its own acknowledgment, and one on the App
    stage = Stage(app, "Prod")
    hand_written(Stack(stage, "Svc"), "D")
    Validations.of(stage).acknowledge(
        Acknowledgment(id="PavedRoad-LambdaAsyncOnFailureDestination", reason="stage ack")
    )
    Validations.of(app).acknowledge(
        Acknowledgment(id="PavedRoad-LambdaActiveTracing", reason="app ack")
    )


def findings(tmp_path: Path, walk: str, builder: Callable[[App], None] = build) -> set[Finding]:
    """The PavedRoad findings of the app ``builder`` makes, validated by ``walk``."""
    outdir = tmp_path / walk
    app = App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    builder(app)
    Validations.of(app).add_plugins(GuardrailGate(PavedRoadChecks(app, walk=walk), app))
    with contextlib.suppress(Exception):  # error findings fail synth after the report
        app.synth()
    report = json.loads((outdir / "validation-report.json").read_text())
    return {
        (v["ruleName"], c["constructPath"], v["severity"])
        for plugin in report["pluginReports"]
        for v in plugin.get("violations", [])
        for c in v.get("violatingConstructs", [])
    }


def test_template_walk_reports_what_the_tree_walk_reports(tmp_path: Path) -> None:
    # GIVEN the same app WHEN validated by each walk
    template, tree = findings(tmp_path, "template"), findings(tmp_path, "tree")
    # THEN the findings are identical, and there are findings of several rules
    assert template == tree
    assert len({rule for rule, _, _ in tree}) >= 4
    paths = {path for _, path, _ in tree}
    assert any(p.startswith("Prod/Svc/D/") for p in paths)  # the Stage's stack is walked
    assert not any(p.startswith("Plain/Governed/") for p in paths)  # compliant construct
    # AND every acknowledgment level removed exactly its rule
    suppressed = {
        ("PavedRoad-EventTargetDeadLetterQueue", "Plain/Acked/"),
        ("PavedRoad-LambdaJsonLogs", "Plain/Acked/Function/"),
        ("PavedRoad-SqsVisibilityTimeout", "StackAcked/"),
        ("PavedRoad-LambdaAsyncOnFailureDestination", "Prod/"),
        ("PavedRoad-LambdaActiveTracing", ""),
    }
    for rule, prefix in suppressed:
        assert not any(r == rule and p.startswith(prefix) for r, p, _ in template), rule
    # AND the same rules remain reported where they were not acknowledged
    for rule, prefix in suppressed:
        if prefix and rule != "PavedRoad-LambdaActiveTracing":
            assert any(r == rule for r, _, _ in template), rule


def test_walk_must_be_known() -> None:
    with pytest.raises(PavedRoadError, match="walk must be one of template, tree, got 'fast'"):
        PavedRoadChecks(walk="fast")


def test_nested_stacks_are_checked_by_the_default_walk(tmp_path: Path) -> None:
    # GIVEN a hand-written unit inside a NestedStack (its template is an asset, not a
    # stack artifact of the assembly)
    def build(app: App) -> None:
        parent = Stack(app, "Parent")
        hand_written(NestedStack(parent, "Nested"), "N")

    template = findings(tmp_path, "template", build)
    # THEN its resources are reported, not skipped, as the tree walk reports them
    assert any(path.startswith("Parent/Nested/N/") for _, path, _ in template), template
    assert template == findings(tmp_path, "tree", build)


def test_a_scope_inside_a_stack_checks_only_its_subtree(tmp_path: Path) -> None:
    # GIVEN two hand-written units in one synthesized stack
    app = App(outdir=str(tmp_path / "scoped"), builtin_cloud_formation_validation=False)
    stack = Stack(app, "Scoped")
    first = hand_written(stack, "First")
    hand_written(stack, "Second")
    app.synth()
    # WHEN the pack validates only the first unit
    report = PavedRoadChecks(app).validate_scope(first)
    paths = {r.construct_path for v in report.violations for r in v.violating_resources}
    # THEN only the first unit's resources are reported
    assert paths and all(str(p).startswith("Scoped/First/") for p in paths), paths

"""`paved-road synth-summary` over a real synthesized assembly."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_lambda as lambda_

from paved_road import GovernedFunction
from paved_road.cli import main
from paved_road.guardrails import enforce


def synth_with_warning(outdir: Path) -> None:
    app = App(outdir=str(outdir), builtin_cloud_formation_validation=False)
    stack = Stack(app, "Summary")
    fn = GovernedFunction(
        stack,
        "Fn",
        code=lambda_.Code.from_inline("x = 1"),
        handler="index.handler",
        keep_versions=None,
    )
    Validations.of(fn).acknowledge(Acknowledgment(id="Serverless-LambdaDLQ", reason="sync only"))
    fn.function.node.default_child.add_property_override("TracingConfig.Mode", "PassThrough")  # type: ignore[union-attr]
    enforce(app, serverless=False)
    app.synth()


def test_summary_counts_stacks_resources_and_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an assembly with one warning-level finding
    synth_with_warning(tmp_path / "cdk.out")
    capsys.readouterr()
    # WHEN summarized
    code = main(["synth-summary", str(tmp_path / "cdk.out")])
    out = capsys.readouterr().out
    # THEN it lists the stack, its resources and the finding
    assert code == 0
    # log group, role, policy, function; version, live alias, rollback alarm, deployment
    # group; the stack's CodeDeploy application and service role
    assert "1 stacks, 10 resources" in out
    assert "Summary: 10 resources" in out
    assert "0 errors, 1 warnings unacknowledged" in out
    assert "warning PavedRoad-LambdaActiveTracing: 1" in out
    assert main(["synth-summary", str(tmp_path / "cdk.out"), "--fail-on-findings"]) == 1


def test_summary_without_assembly_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["synth-summary", str(tmp_path / "missing")]) == 2
    assert "run `cdk synth` first" in capsys.readouterr().err

"""The organization's runtime policy file (``paved-road:runtime-policy`` context) reaches
every place that judges a runtime: GovernedFunction, the guardrail rules, the Config
rule's default list; and ``paved-road runtimes inventory`` is reachable from the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from paved_road import GovernedFunction, Invocation, PavedRoadError
from paved_road.cli import main
from paved_road.compliance import RuntimeComplianceRule
from paved_road.guardrails import enforce
from paved_road.runtimes import POLICY_CONTEXT

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    """An organization that approves python3.14 and nodejs24.x only."""
    path = tmp_path / "runtimes.yaml"
    path.write_text("approved: [python3.14, nodejs24.x]\n", encoding="utf-8")
    return path


def stack_with(policy: Path) -> Stack:
    app = App(context={POLICY_CONTEXT: str(policy)}, builtin_cloud_formation_validation=False)
    return Stack(app, "S")


def test_governed_function_rejects_a_runtime_the_organization_did_not_approve(
    policy: Path,
) -> None:
    # GIVEN a runtime AWS still supports but the organization's list leaves out
    stack = stack_with(policy)
    # THEN the function is refused at construct time, naming the policy
    with pytest.raises(PavedRoadError, match=r"runtime is not on the organization's approved"):
        GovernedFunction(
            stack, "Fn", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_13
        )
    # AND an approved one is accepted
    GovernedFunction(stack, "Ok", code=CODE, handler="index.handler")


def test_a_bad_policy_file_is_a_construct_error(tmp_path: Path) -> None:
    bad = tmp_path / "runtimes.yaml"
    bad.write_text("approved: python3.14\n", encoding="utf-8")
    with pytest.raises(PavedRoadError, match=r"runtime cannot be checked: runtime policy"):
        GovernedFunction(stack_with(bad), "Fn", code=CODE, handler="index.handler")


def test_the_deprecated_rule_reports_escape_hatches_under_the_policy(
    policy: Path, tmp_path: Path
) -> None:
    # GIVEN an app with the policy in its context, and a function whose runtime is
    # overridden around the construct to one the organization did not approve
    app = App(
        outdir=str(tmp_path / "cdk.out"),
        context={POLICY_CONTEXT: str(policy)},
        builtin_cloud_formation_validation=False,
    )
    stack = Stack(app, "Guarded")
    fn = GovernedFunction(
        stack,
        "Fn",
        code=CODE,
        handler="index.handler",
        invocation=Invocation.SYNCHRONOUS,
        keep_versions=None,
    )
    fn.function.node.default_child.add_property_override("Runtime", "python3.13")  # type: ignore[union-attr]
    enforce(app)
    # WHEN synthesized under the guardrails
    with pytest.raises(RuntimeError) as failed:
        app.synth()
    # THEN the deprecated-runtime rule fails it, naming the policy, not a date
    message = str(failed.value)
    assert "PavedRoad-LambdaRuntimeDeprecated" in message
    assert "python3.13 is not on the organization's approved list" in message


def test_config_rule_defaults_to_the_policy_list(policy: Path) -> None:
    rule = RuntimeComplianceRule(stack_with(policy), "Runtimes")
    assert rule.approved_runtimes == ["nodejs24.x", "python3.14"]


def test_inventory_is_a_runtimes_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["runtimes", "inventory", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "--regions" in out and "--owner-tag" in out

"""Shared test setup: a pinned date, quiet jsii, and synthesis helpers."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Runtime lifecycle rules compare dates with "today": pin it so results do not
# drift with the calendar (set before paved_road reads it).
os.environ.setdefault("PAVED_ROAD_TODAY", "2026-11-23")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_DEPRECATED", "quiet")

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from paved_road.guardrails import enforce

ROOT = Path(__file__).resolve().parents[1]


def new_stack(app: App | None = None, name: str = "Test") -> Stack:
    """A stack in a fresh app without the built-in CloudFormation validator (~1.7 s per
    synth); the cfn-lint tests lint templates explicitly."""
    app = app or App(builtin_cloud_formation_validation=False)
    return Stack(app, name)


def template(stack: Stack) -> Template:
    return Template.from_stack(stack)


@dataclass
class GuardrailRun:
    error: str | None
    violations: list[dict[str, Any]]

    def rules(self, severity: str | None = None) -> set[str]:
        return {
            v["ruleName"] for v in self.violations if severity is None or v["severity"] == severity
        }

    def paths(self, rule: str) -> set[str]:
        return {
            c["constructPath"]
            for v in self.violations
            if v["ruleName"] == rule
            for c in v.get("violatingConstructs", [])
        }


def run_guardrails(
    build: Callable[[Stack], Any],
    tmp_path: Path,
    *,
    strict: bool = False,
    aws_solutions: bool = True,
    serverless: bool = True,
) -> GuardrailRun:
    """Synthesize ``build(stack)`` under ``enforce()``; return the failure (if any)
    and the violations the validation report lists (CloudFormation Validate excluded)."""
    app = App(outdir=str(tmp_path / "cdk.out"), builtin_cloud_formation_validation=False)
    stack = Stack(app, "Guarded")
    build(stack)
    enforce(app, strict=strict, aws_solutions=aws_solutions, serverless=serverless)
    error = None
    try:
        app.synth()
    except Exception as exc:  # jsii surfaces the CDK ValidationError as RuntimeError
        error = str(exc)
    report_path = tmp_path / "cdk.out" / "validation-report.json"
    violations: list[dict[str, Any]] = []
    if report_path.exists():
        report = json.loads(report_path.read_text())
        for plugin in report["pluginReports"]:
            violations.extend(plugin.get("violations", []))
    return GuardrailRun(error, violations)


@pytest.fixture
def stack() -> Stack:
    return new_stack()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the reliability counts (tests/counts.py) the run collected."""
    from tests.counts import reported

    lines = reported()
    if lines:
        terminalreporter.section("paved-road reliability counts")
        for line in lines:
            terminalreporter.write_line(line)

"""The real CDK CLI (node_modules/.bin/cdk, pinned in package.json) on cdk.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from paved_road.cli import summarize
from tests.cfn_lint import lint_errors
from tests.conftest import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"
pytestmark = pytest.mark.integration


def cdk(*args: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    if not CDK.exists():
        pytest.fail(f"{CDK} missing: run scripts/setup.sh (npm ci) first")
    env = {
        **os.environ,
        # `python` in cdk.json must be this interpreter (the project's venv)
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_DISABLE_VERSION_CHECK": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PYTEST_VERSION", None)
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--ci", "-o", str(outdir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cdk_synth_of_every_sample_app_passes_guardrails_and_cfn_lint(tmp_path: Path) -> None:
    # GIVEN cdk.json's app (every sample app) WHEN `cdk synth` runs through the CLI
    out = tmp_path / "cdk.out"
    result = cdk(outdir=out)
    # THEN it succeeds with zero unacknowledged findings
    assert result.returncode == 0, result.stderr[-4000:]
    summary = summarize(out)
    assert summary.unacknowledged == 0, summary.by_rule
    assert {s.name for s in summary.stacks} >= {
        "PavedRoadEventProcessing",
        "PavedRoadMultiTenantApi",
        "PavedRoadTenantCode/Functions/Shard001",
        "PavedRoadTenantCode/Access001",
        "PavedRoadKafkaToS3",
        "PavedRoadKafkaToSqs",
        "PavedRoadStreamingApi",
        "PavedRoadVersionedApi",
        "PavedRoadRuntimeGovernance",
        "PavedRoadEventDriven",
        "PavedRoadEventsCentral",
        "PavedRoadEventsMember",
    }
    assert summary.acknowledged > 0
    # AND every synthesized template passes cfn-lint with no errors
    templates = sorted(out.glob("*.template.json"))
    assert templates
    for path in templates:
        assert lint_errors(path.read_text()) == [], path.name
    # AND the Kafka samples run in provisioned mode, sized by PollerSizing (40 MB/s, 12 parts)
    kafka = json.loads((out / "PavedRoadKafkaToS3.template.json").read_text())
    (mapping,) = [
        r["Properties"]
        for r in kafka["Resources"].values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mapping["ProvisionedPollerConfig"] == {"MinimumPollers": 2, "MaximumPollers": 8}
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"]
    # AND the multi-tenant API passes the authorizer's tenant id to Lambda
    api = json.loads((out / "PavedRoadMultiTenantApi.template.json").read_text())
    mappings = [
        r["Properties"]["Integration"]["RequestParameters"]
        for r in api["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::Method"
    ]
    assert mappings and all(
        m == {"integration.request.header.X-Amz-Tenant-Id": "context.authorizer.tenantId"}
        for m in mappings
    )


def test_cdk_synth_fails_on_an_error_finding(tmp_path: Path) -> None:
    result = cdk(
        "--app",
        f"python {ROOT / 'tests/integration/apps/findings_app.py'}",
        "-c",
        "finding=error",
        outdir=tmp_path / "out",
    )
    assert result.returncode != 0
    assert "PavedRoad-LambdaJsonLogs" in result.stderr


def test_cdk_synth_prints_warnings_and_fails_on_them_only_when_strict(tmp_path: Path) -> None:
    app = [
        "--app",
        f"python {ROOT / 'tests/integration/apps/findings_app.py'}",
        "-c",
        "finding=warning",
    ]
    lenient = cdk(*app, outdir=tmp_path / "lenient")
    assert lenient.returncode == 0, lenient.stderr[-4000:]
    assert "PavedRoad-LambdaActiveTracing" in lenient.stderr
    report = json.loads((tmp_path / "lenient" / "validation-report.json").read_text())
    warnings = [
        v["ruleName"]
        for p in report["pluginReports"]
        for v in p["violations"]
        if v["severity"] == "warning"
    ]
    assert "PavedRoad-LambdaActiveTracing" in warnings

    strict = cdk(*app, "-c", "strict=true", outdir=tmp_path / "strict")
    assert strict.returncode != 0

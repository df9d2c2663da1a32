"""The real CDK CLI (node_modules/.bin/cdk, pinned in package.json) on cdk.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paved_road.cli import summarize
from tests.cfn_lint import lint_errors
from tests.conftest import ROOT
from tests.integration.conftest import SampleAssembly, cdk

pytestmark = pytest.mark.integration


def test_cdk_synth_of_every_sample_app_passes_guardrails_and_cfn_lint(
    sample_assembly: SampleAssembly,
) -> None:
    # GIVEN cdk.json's app (every sample app) WHEN `cdk synth` runs through the CLI
    # (once per session: the sample_assembly fixture, shared with test_least_privilege)
    out, result = sample_assembly
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

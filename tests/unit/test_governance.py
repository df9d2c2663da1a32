"""The criticality matrix as data: the defaults, replacing it, loading it, and the docs
table kept in step with the code."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from paved_road import GovernedFunction, PavedRoadError
from paved_road.governance import (
    DEFAULT_MATRIX,
    MATRIX_CONTEXT,
    Criticality,
    CriticalityMatrix,
    RollbackAlarms,
    RuntimeManagement,
    ShiftKind,
    TierPolicy,
    TrafficShift,
    horizon_days,
    matrix_of,
    use_matrix,
)
from tests.conftest import ROOT, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return event\n")


def test_default_matrix_is_the_issue_table() -> None:
    # GIVEN the default matrix
    critical, important, standard = (DEFAULT_MATRIX.tier(c) for c in Criticality)
    # THEN runtime management, deployment, alarms and horizons are the agreed ones
    assert [t.runtime_management for t in (critical, important, standard)] == [
        RuntimeManagement.MANUAL,
        RuntimeManagement.FUNCTION_UPDATE,
        RuntimeManagement.AUTO,
    ]
    assert critical.deployment == TrafficShift(ShiftKind.CANARY, 10, 10)
    assert important.deployment == TrafficShift(ShiftKind.LINEAR, 10, 1)
    assert standard.deployment.kind is ShiftKind.ALL_AT_ONCE
    assert critical.rollback_alarms.errors and critical.rollback_alarms.duration_p99
    assert important.rollback_alarms == critical.rollback_alarms
    assert standard.rollback_alarms.errors and not standard.rollback_alarms.duration_p99
    assert critical.rollback_alarms.error_rate_threshold_percent == pytest.approx(1.5)
    assert [t.deprecation_horizon_days for t in (critical, important, standard)] == [180, 90, 30]
    assert Criticality.CRITICAL.deprecation_horizon_days == 180


def test_docs_page_carries_the_default_matrix() -> None:
    # GIVEN the docs page and the matrix in code
    page = (ROOT / "docs" / "runtime_governance.md").read_text(encoding="utf-8")
    # THEN the page's table is the one the code renders (one table, two places)
    assert DEFAULT_MATRIX.markdown() in page


@pytest.mark.parametrize(
    ("shift", "name"),
    [
        (TrafficShift.canary(10, 5), "CANARY_10_PERCENT_5_MINUTES"),
        (TrafficShift.canary(10, 30), "CANARY_10_PERCENT_30_MINUTES"),
        (TrafficShift.linear(10, 3), "LINEAR_10_PERCENT_EVERY_3_MINUTES"),
        (TrafficShift.all_at_once(), "ALL_AT_ONCE"),
        (TrafficShift.canary(25, 5), None),
        (TrafficShift.linear(20, 1), None),
    ],
)
def test_traffic_shift_maps_to_predefined_configs(shift: TrafficShift, name: str | None) -> None:
    assert shift.predefined == name


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (TrafficShift.canary(0, 5), "percentage must be between 1 and 99, got 0"),
        (TrafficShift.linear(100, 1), "percentage must be between 1 and 99, got 100"),
        (TrafficShift.canary(10, 0), "interval_minutes must be between 1 and 2880, got 0"),
        (TrafficShift.linear(10, 3000), "interval_minutes must be between 1 and 2880"),
    ],
)
def test_traffic_shift_problems(shift: TrafficShift, message: str) -> None:
    assert any(message in p for p in shift.problems())


def test_matrix_round_trips_through_data() -> None:
    # GIVEN the default matrix as data
    data = DEFAULT_MATRIX.to_dict()
    # WHEN JSON-encoded and read back
    again = CriticalityMatrix.from_dict(json.loads(json.dumps(data)))
    # THEN nothing is lost
    assert again == DEFAULT_MATRIX


def test_partial_data_keeps_the_base_values() -> None:
    # GIVEN an organization that only lengthens the STANDARD horizon and drops CodeDeploy
    matrix = CriticalityMatrix.from_dict(
        {"STANDARD": {"deprecation_horizon_days": 60, "deployment": {"kind": "none"}}}
    )
    # THEN only those keys change
    assert matrix.standard.deprecation_horizon_days == 60
    assert matrix.standard.deployment.kind is ShiftKind.NONE
    assert matrix.standard.runtime_management is RuntimeManagement.AUTO
    assert matrix.critical == DEFAULT_MATRIX.critical


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"URGENT": {}}, r"'URGENT' is not a tier"),
        ({"CRITICAL": []}, r"CRITICAL must be a mapping"),
        ({"CRITICAL": {"owner": "x"}}, r"CRITICAL: unknown keys \['owner'\]"),
        ({"CRITICAL": {"runtime_management": "Sometimes"}}, r"runtime_management must be one of"),
        ({"IMPORTANT": {"deployment": {"kind": "blue"}}}, r"deployment.kind must be one of"),
        ({"IMPORTANT": {"deployment": "canary"}}, r"IMPORTANT.deployment must be a mapping"),
        (
            {"IMPORTANT": {"deployment": {"kind": "canary", "percentage": 0}}},
            r"IMPORTANT.deployment.percentage must be between 1 and 99, got 0",
        ),
        ({"STANDARD": {"deprecation_horizon_days": "30"}}, r"must be an integer, got '30'"),
        ({"STANDARD": {"deprecation_horizon_days": -1}}, r"between 0 and 3650, got -1"),
        ({"STANDARD": {"rollback_alarms": {"errors": "yes"}}}, r"errors must be a boolean"),
        ({"STANDARD": {"rollback_alarms": {"sms": True}}}, r"rollback_alarms must be a mapping"),
        (
            {"STANDARD": {"rollback_alarms": {"error_rate_baseline_percent": 0}}},
            r"error_rate_baseline_percent must be above 0",
        ),
        ("CRITICAL", r"must be a mapping of tiers"),
        (
            {"CRITICAL": {}, "critical": {"deprecation_horizon_days": 5}},
            r"CRITICAL is given twice \(keys are case-insensitive\)",
        ),
        (
            {"CRITICAL": {"deployment": {"kind": "canary", "percent": 20}}},
            r"CRITICAL.deployment: unknown keys \['percent'\]",
        ),
        (
            {"CRITICAL": {"deployment": {"kind": "canary", "percentage": 10.5}}},
            r"CRITICAL.deployment.percentage must be an integer, got 10.5",
        ),
    ],
)
def test_bad_matrix_data_is_rejected_with_the_key(data: Any, message: str) -> None:
    with pytest.raises(PavedRoadError, match=message):
        CriticalityMatrix.from_dict(data)


def test_bad_matrix_in_code_is_rejected() -> None:
    with pytest.raises(PavedRoadError, match=r"CRITICAL.rollback_alarms.duration_limit_ratio"):
        DEFAULT_MATRIX.with_tier(
            Criticality.CRITICAL,
            TierPolicy(
                RuntimeManagement.AUTO,
                TrafficShift.all_at_once(),
                RollbackAlarms(duration_limit_ratio=2.0),
                30,
            ),
        )


def test_matrix_loads_from_yaml_and_json(tmp_path: Path) -> None:
    # GIVEN the same matrix as a YAML and a JSON file
    yaml_file = tmp_path / "matrix.yaml"
    yaml_file.write_text("IMPORTANT:\n  deprecation_horizon_days: 120\n", encoding="utf-8")
    json_file = tmp_path / "matrix.json"
    json_file.write_text('{"IMPORTANT": {"deprecation_horizon_days": 120}}', encoding="utf-8")
    # THEN both give the IMPORTANT horizon of 120 days
    assert CriticalityMatrix.load(yaml_file).important.deprecation_horizon_days == 120
    assert CriticalityMatrix.load(json_file) == CriticalityMatrix.load(yaml_file)
    with pytest.raises(PavedRoadError, match="cannot be read"):
        CriticalityMatrix.load(tmp_path / "missing.yaml")


def test_use_matrix_replaces_the_tier_of_every_function_below() -> None:
    # GIVEN an app whose organization deploys STANDARD functions by canary too
    app = App(builtin_cloud_formation_validation=False)
    use_matrix(
        app,
        DEFAULT_MATRIX.with_tier(
            Criticality.STANDARD,
            TierPolicy(
                RuntimeManagement.FUNCTION_UPDATE,
                TrafficShift.canary(10, 5),
                RollbackAlarms(),
                45,
            ),
        ),
    )
    stack = Stack(app, "S")
    # WHEN a STANDARD function is added
    fn = GovernedFunction(stack, "Fn", code=CODE, handler="index.handler")
    # THEN it follows the replaced matrix
    assert matrix_of(fn).standard.deprecation_horizon_days == 45
    t = template(stack)
    t.has_resource_properties(
        "AWS::CodeDeploy::DeploymentGroup",
        {"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
    )
    t.has_resource_properties(
        "AWS::Lambda::Function", {"RuntimeManagementConfig": {"UpdateRuntimeOn": "FunctionUpdate"}}
    )
    t.resource_count_is("AWS::CloudWatch::Alarm", 2)


def test_matrix_context_may_name_a_file(tmp_path: Path) -> None:
    # GIVEN cdk.json-style context naming a YAML file
    path = tmp_path / "matrix.yml"
    path.write_text("STANDARD:\n  deployment: {kind: none}\n", encoding="utf-8")
    app = App(context={MATRIX_CONTEXT: str(path)}, builtin_cloud_formation_validation=False)
    stack = Stack(app, "S")
    # WHEN a STANDARD function is added
    GovernedFunction(stack, "Fn", code=CODE, handler="index.handler")
    # THEN it has the alias but no deployment group
    t = template(stack)
    t.resource_count_is("AWS::Lambda::Alias", 1)
    t.resource_count_is("AWS::CodeDeploy::DeploymentGroup", 0)
    t.resource_count_is("AWS::CloudWatch::Alarm", 0)


def test_matrix_context_of_the_wrong_type_is_rejected() -> None:
    app = App(context={MATRIX_CONTEXT: 42}, builtin_cloud_formation_validation=False)
    with pytest.raises(PavedRoadError, match="must be a mapping or a file path, got 42"):
        matrix_of(Stack(app, "S"))


@pytest.mark.parametrize(
    ("tag", "days"), [("CRITICAL", 180), ("important", 90), (None, 30), ("nonsense", 30)]
)
def test_horizon_days_by_tag(tag: str | None, days: int) -> None:
    assert horizon_days(tag) == days


def test_tier_keys_are_case_insensitive() -> None:
    matrix = CriticalityMatrix.from_dict({"Critical": {"deprecation_horizon_days": 200}})
    assert matrix.critical.deprecation_horizon_days == 200


def test_a_new_deployment_kind_starts_from_its_own_defaults() -> None:
    # GIVEN only the kind changed, on tiers whose default is another kind
    matrix = CriticalityMatrix.from_dict(
        {
            "STANDARD": {"deployment": {"kind": "canary"}},
            "CRITICAL": {"deployment": {"kind": "all-at-once"}},
        }
    )
    # THEN the new kind's defaults apply, not the old kind's numbers
    assert matrix.standard.deployment == TrafficShift.canary()
    assert matrix.critical.deployment == TrafficShift.all_at_once()


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        (TrafficShift.canary(10.5, 5), r"percentage must be a whole number, got 10.5"),  # type: ignore[arg-type]
        (TrafficShift.linear(10, True), r"interval_minutes must be a whole number, got True"),
        (TrafficShift("canary", 10, 5), r"kind must be a ShiftKind member, got 'canary'"),  # type: ignore[arg-type]
    ],
)
def test_traffic_shift_types_are_checked(shift: TrafficShift, message: str) -> None:
    assert any(re.search(message, p) for p in shift.problems())


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yaml", "CRITICAL: [unclosed", r"bad.yaml: not valid YAML"),
        ("bad.json", "{'CRITICAL': 1}", r"bad.json: not valid JSON"),
    ],
)
def test_unparsable_matrix_files_name_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PavedRoadError, match=message):
        CriticalityMatrix.load(path)


def test_an_inline_json_matrix_from_the_cli_context_is_read() -> None:
    # `cdk synth --context paved-road:criticality-matrix='{...}'` passes a JSON string
    app = App(
        context={MATRIX_CONTEXT: '{"STANDARD": {"deprecation_horizon_days": 45}}'},
        builtin_cloud_formation_validation=False,
    )
    assert matrix_of(Stack(app, "S")).standard.deprecation_horizon_days == 45
    broken = App(context={MATRIX_CONTEXT: "{STANDARD"}, builtin_cloud_formation_validation=False)
    with pytest.raises(PavedRoadError, match="an inline matrix must be JSON"):
        matrix_of(Stack(broken, "S"))

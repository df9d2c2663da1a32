"""`paved-road runtimes scan`: Lambda runtimes of templates and cloud assemblies against
the runtime policy, for CI. Fixtures are in runtime_templates/ (see its README.md): the
fictional ``acme-*`` runtimes of runtime_templates/policy.yaml have fixed dates around the
pinned day 2030-01-15, one per phase; real runtimes are checked against cfn-lint's data."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from paved_road import runtimes, runtimes_cli
from paved_road.cli import main

FIXTURES = Path(__file__).parent / "runtime_templates"
POLICY = FIXTURES / "policy.yaml"
PROJECT = FIXTURES / "project"
TODAY = "2030-01-15"
PINNED = ["--today", TODAY, "--policy", str(POLICY)]

JSON, SAM, YAML = "functions.json", "sam/template.yaml", "stack.template"
FRESH = "acme-fresh"
# (template, logical id) -> (runtime, phase, date, days left, successor, criticality)
PROJECT_ROWS: dict[tuple[str, str], tuple[Any, ...]] = {
    (JSON, "Fresh"): ("acme-fresh", "supported", "2031-01-31", 381, "acme-next", "CRITICAL"),
    (JSON, "Soon"): ("acme-soon", "supported", "2030-02-05", 21, "acme-fresh", None),
    (JSON, "Old"): ("acme-old", "deprecated", "2029-12-01", -45, "acme-fresh", "IMPORTANT"),
    (JSON, "FromParameter"): ("acme-nocreate", "create-blocked", "2029-09-01", -228, FRESH, None),
    (JSON, "Container"): (None, "image", None, None, None, None),
    (SAM, "Worker"): ("acme-frozen", "update-blocked", "2029-03-01", -379, None, "IMPORTANT"),
    (SAM, "Api"): ("acme-fresh", "supported", "2031-01-31", 381, "acme-next", "STANDARD"),
    (YAML, "Banned"): ("acme-banned", "not-approved", "2031-06-30", 531, "acme-fresh", None),
    (YAML, "Mystery"): ("acme-mystery", "unknown", None, None, None, None),
    (YAML, "Conditional"): (None, "unresolved", None, None, None, None),
    (YAML, "Chosen"): (None, "unresolved", None, None, None, None),
}


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither an active policy nor a pinned day leaks in from the environment."""
    monkeypatch.delenv(runtimes.POLICY_ENV, raising=False)
    monkeypatch.delenv(runtimes.TODAY_ENV, raising=False)


@pytest.fixture
def cdk_out(tmp_path: Path) -> Path:
    """The fixture cloud assembly under the name `cdk synth` gives it (git-ignored, so the
    fixture is stored as cloud_assembly/)."""
    return Path(shutil.copytree(FIXTURES / "cloud_assembly", tmp_path / "cdk.out"))


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["runtimes", "scan", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def row_key(function: dict[str, Any]) -> tuple[str, str]:
    return function["template"], function["logicalId"]


def test_a_folder_of_templates_covers_every_phase(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a folder with a JSON template, a SAM template with Globals and a YAML
    .template with short-form tags (plus cdk.json, package.json and other non-templates)
    WHEN it is scanned on the pinned day with the fixture policy
    THEN every Lambda function is listed with its phase, date, days left, successor and
    criticality, non-templates are skipped, and the deprecated, blocked and not-approved
    functions make the exit code 1."""
    code, report = scan_json(capsys, str(PROJECT), *PINNED)
    assert code == 1
    rows = {
        row_key(f): (
            f["runtime"],
            f["phase"],
            f["date"],
            f["daysLeft"],
            f["successor"],
            f["criticality"],
        )
        for f in report["functions"]
    }
    assert rows == PROJECT_ROWS
    assert report["templates"] == 3
    assert report["failing"] == 4
    assert {row_key(f) for f in report["functions"] if f["failing"]} == {
        (JSON, "Old"),
        (JSON, "FromParameter"),
        (SAM, "Worker"),
        (YAML, "Banned"),
    }


def test_json_output_shape(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the project folder WHEN scanned with --format json
    THEN the object has today, the functions with machine-friendly keys, a summary per
    phase whose counts add up, and the number failing; a Ref'd parameter and an
    unresolved intrinsic say where the runtime came from."""
    _, report = scan_json(capsys, str(PROJECT), *PINNED)
    assert report["today"] == TODAY
    assert report["failWithin"] is None
    assert report["summary"] == {
        "supported": 3,
        "deprecated": 1,
        "create-blocked": 1,
        "update-blocked": 1,
        "not-approved": 1,
        "unknown": 1,
        "unresolved": 2,
        "image": 1,
    }
    assert sum(report["summary"].values()) == len(report["functions"])
    assert set(report["functions"][0]) == {
        "template",
        "stack",
        "logicalId",
        "type",
        "runtime",
        "parameter",
        "expression",
        "phase",
        "date",
        "daysLeft",
        "successor",
        "criticality",
        "failing",
    }
    by_id = {f["logicalId"]: f for f in report["functions"]}
    assert by_id["FromParameter"]["parameter"] == "ApiRuntime"
    assert by_id["Chosen"]["expression"] == "Ref ChosenRuntime"
    assert by_id["Conditional"]["expression"] == "Fn::If"
    assert by_id["Worker"]["type"] == "AWS::Serverless::Function"


def test_table_lists_every_column_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the project folder WHEN scanned as a table
    THEN the header names every column, each function is one row in template order and
    the last line counts functions per phase and failing ones."""
    code = main(["runtimes", "scan", str(PROJECT), *PINNED])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    cells = [" ".join(line.split()) for line in lines]  # columns padded with spaces
    assert cells[0] == "TEMPLATE LOGICAL ID RUNTIME PHASE DATE DAYS LEFT SUCCESSOR CRITICALITY"
    assert cells[1] == "functions.json Fresh acme-fresh supported 2031-01-31 381 acme-next CRITICAL"
    assert cells[4] == (
        "functions.json FromParameter acme-nocreate create-blocked 2029-09-01 -228 acme-fresh -"
    )
    assert cells[11].startswith("stack.template Chosen (Ref ChosenRuntime) unresolved - - - -")
    assert len(lines) == 1 + len(PROJECT_ROWS) + 1
    assert lines[-1] == (
        "11 functions in 3 templates on 2030-01-15: 3 supported, 1 deprecated, "
        "1 create-blocked, 1 update-blocked, 1 not-approved, 1 unknown, 2 unresolved, "
        "1 image; 4 failing"
    )


def test_cloud_assembly_with_a_nested_stage(
    cdk_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a cdk.out with a stack, a nested Stage assembly, tree.json, an assets manifest
    and an asset directory holding a template with a deprecated runtime
    WHEN it is scanned
    THEN only the manifests' stack templates are read (paths relative to cdk.out, stack
    display names in JSON), both runtimes are supported and the exit code is 0."""
    code, report = scan_json(capsys, str(cdk_out), *PINNED)
    assert code == 0
    rows = [
        (f["template"], f["stack"], f["logicalId"], f["phase"], f["criticality"])
        for f in report["functions"]
    ]
    assert rows == [
        ("AppStack.template.json", "AppStack", "Handler886CB40B", "supported", "CRITICAL"),
        (
            "assembly-Prod/ProdApi.template.json",
            "Prod/Api",
            "ApiHandler5E7490E8",
            "supported",
            "IMPORTANT",
        ),
    ]
    assert report["failing"] == 0


@pytest.mark.parametrize(("days", "code"), [(None, 0), ("20", 0), ("21", 1), ("30", 1)])
def test_fail_within_flips_the_exit_code(
    cdk_out: Path, capsys: pytest.CaptureFixture[str], days: str | None, code: int
) -> None:
    """GIVEN a cdk.out whose acme-soon function is deprecated in 21 days
    WHEN it is scanned with and without --fail-within
    THEN the exit code turns 1 once DAYS reaches 21, and the row says why."""
    option = ["--fail-within", days] if days else []
    assert main(["runtimes", "scan", str(cdk_out), *PINNED, *option]) == code
    out = capsys.readouterr().out
    assert ("supported (within horizon)" in out) is bool(code)
    if days:
        assert out.splitlines()[-1].endswith(f"({code} deprecated within {days} days)")


def test_a_parameter_default_feeds_fail_within(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a template whose runtime is a Ref to a parameter defaulting to acme-soon
    WHEN scanned with --fail-within 30 THEN the default is judged like a literal."""
    template = {
        "Parameters": {"Runtime": {"Type": "String", "Default": "acme-soon"}},
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": {"Ref": "Runtime"}}}
        },
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(template), encoding="utf-8")
    code, report = scan_json(capsys, str(path), *PINNED, "--fail-within", "30")
    assert code == 1
    [row] = report["functions"]
    assert (row["template"], row["runtime"], row["daysLeft"]) == (path.as_posix(), "acme-soon", 21)
    assert report["failWithin"] == 30


def test_real_runtimes_follow_cfn_lint_data(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN python3.14, nodejs18.x and python3.8 functions and no override file
    WHEN scanned on two days (today, and the day python3.14 is deprecated)
    THEN each row's phase, date and days left are those cfn-lint's lifecycle gives."""
    python314 = runtimes.lifecycle("python3.14")
    assert python314 is not None and python314.deprecated is not None
    for day in (datetime.date.today(), python314.deprecated):
        code, report = scan_json(capsys, str(FIXTURES / "real"), "--today", day.isoformat())
        assert len(report["functions"]) == 3
        for row in report["functions"]:
            entry = runtimes.lifecycle(row["runtime"])
            assert entry is not None
            assert row["phase"] == entry.phase(day).value
            assert row["daysLeft"] == entry.days_left(day)
            started = entry.phase_started(day)
            assert row["date"] == (started.isoformat() if started else None)
            assert row["successor"] == entry.successor
        failing = [runtimes.phase(r["runtime"], day).failing for r in report["functions"]]
        assert code == int(any(failing))
    assert report["functions"][0]["phase"] == "deprecated"  # python3.14 on its date


def test_active_policy_and_today_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN PAVED_ROAD_RUNTIME_POLICY and PAVED_ROAD_TODAY set, and no options
    WHEN a template is scanned THEN the environment's policy and day apply; --today wins."""
    monkeypatch.setenv(runtimes.POLICY_ENV, str(POLICY))
    monkeypatch.setenv(runtimes.TODAY_ENV, TODAY)
    template = str(PROJECT / "stack.template")
    _, report = scan_json(capsys, template)
    assert report["today"] == TODAY
    assert report["functions"][0]["phase"] == "not-approved"
    _, later = scan_json(capsys, template, "--today", "2031-06-30")
    assert later["functions"][0]["phase"] == "deprecated"


def test_without_the_policy_fictional_runtimes_are_unknown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN the cdk.out fixture's nested stack (acme-soon) and no override file
    WHEN scanned THEN the runtime is unknown and does not fail the scan."""
    path = FIXTURES / "cloud_assembly" / "assembly-Prod" / "ProdApi.template.json"
    code, report = scan_json(capsys, str(path), "--today", TODAY)
    assert code == 0
    assert [f["phase"] for f in report["functions"]] == ["unknown"]


def test_hidden_and_node_modules_directories_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a project whose only deprecated runtimes are under node_modules/ and .aws-sam/
    WHEN it is scanned THEN those copies are not read and the exit code is 0."""
    project = Path(shutil.copytree(FIXTURES / "cloud_assembly" / "assembly-Prod", tmp_path / "p"))
    (project / "manifest.json").unlink()
    old = (PROJECT / "functions.json").read_text(encoding="utf-8")
    for hidden in ("node_modules/lib", ".aws-sam/build"):
        (project / hidden).mkdir(parents=True)
        (project / hidden / "template.json").write_text(old, encoding="utf-8")
    code, report = scan_json(capsys, str(project), *PINNED)
    assert (code, [f["template"] for f in report["functions"]]) == (0, ["ProdApi.template.json"])


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["missing"], "missing does not exist"),
        (["broken"], "broken/template.yaml: not a valid template (line 6)"),
        (["project/cdk.json"], "cdk.json: not a CloudFormation template"),
        (["project/sam/template.yaml", "broken"], "broken/template.yaml: not a valid template"),
    ],
)
def test_unusable_input_exits_2(
    capsys: pytest.CaptureFixture[str], paths: list[str], message: str
) -> None:
    """GIVEN a missing path, an unparseable template or a file that is no template
    WHEN scanned THEN the exit code is 2 and stderr says what is wrong."""
    assert main(["runtimes", "scan", *(str(FIXTURES / p) for p in paths), *PINNED]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("paved-road: ")
    assert message in captured.err


def test_a_folder_without_templates_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a folder with only non-template JSON and YAML WHEN scanned
    THEN the exit code is 2: nothing was checked."""
    for name in ("cdk.json", "package.json", "capacity.yaml", "tsconfig.json"):
        shutil.copy(PROJECT / name, tmp_path / name)
    assert main(["runtimes", "scan", str(tmp_path), *PINNED]) == 2
    assert f"no CloudFormation template found in {tmp_path}" in capsys.readouterr().err


def test_an_invalid_policy_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a policy file with a bad date WHEN a scan uses it
    THEN the exit code is 2 and stderr carries the policy error."""
    bad = tmp_path / "policy.yaml"
    bad.write_text("runtimes:\n  acme: {deprecated: someday}\n", encoding="utf-8")
    code = main(["runtimes", "scan", str(PROJECT), "--today", TODAY, "--policy", str(bad)])
    assert code == 2
    assert "runtimes.acme.deprecated must be a date YYYY-MM-DD, got 'someday'" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "option", [["--today", "15/01/2030"], ["--fail-within", "-1"], ["--format", "csv"]]
)
def test_bad_options_are_usage_errors(option: list[str]) -> None:
    """GIVEN a malformed option WHEN the command is parsed THEN argparse exits with 2."""
    with pytest.raises(SystemExit) as exited:
        main(["runtimes", "scan", str(PROJECT), *option])
    assert exited.value.code == 2


def test_add_parser_returns_the_runtimes_subparsers() -> None:
    """GIVEN a parser WHEN runtimes_cli.add_parser registers `runtimes`
    THEN it returns the nested subparsers, so another action can be attached to it."""
    import argparse

    parser = argparse.ArgumentParser(prog="paved-road")
    nested = runtimes_cli.add_parser(parser.add_subparsers(dest="command"))
    nested.add_parser("inventory").set_defaults(func="inventory")
    assert parser.parse_args(["runtimes", "inventory"]).func == "inventory"
    assert parser.parse_args(["runtimes", "scan", "x"]).func is runtimes_cli.run_scan


def test_criticality_tag_matches_the_constructs() -> None:
    """GIVEN the tag GovernedFunction writes WHEN compared with the scanner's
    THEN they are the same key (the scanner repeats it to avoid importing aws-cdk-lib)."""
    from paved_road.function import CRITICALITY_TAG

    assert runtimes_cli.CRITICALITY_TAG == CRITICALITY_TAG


# --------------------------------------------------------------- --fail-within tier


def _tiered_template(tmp_path: Path) -> Path:
    """A runtime deprecated 100 days after TODAY (approved by the policy) on a CRITICAL,
    an IMPORTANT and an untagged function."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        POLICY.read_text(encoding="utf-8")
        .replace("approved:\n", "approved:\n  - acme-later\n", 1)
        .replace("runtimes:\n", "runtimes:\n  acme-later: {deprecated: 2030-04-25}\n", 1),
        encoding="utf-8",
    )
    resources: dict[str, Any] = {}
    for tier in ("CRITICAL", "IMPORTANT", None):
        props: dict[str, Any] = {"Runtime": "acme-later", "Handler": "i.h", "Role": "r"}
        if tier:
            props["Tags"] = [{"Key": "criticality", "Value": tier}]
        resources[f"{tier or 'Untagged'}Fn"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": props,
        }
    (tmp_path / "template.json").write_text(json.dumps({"Resources": resources}), encoding="utf-8")
    return policy


def test_fail_within_tier_uses_each_functions_horizon(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a runtime deprecated 100 days from the scan day, on functions of each tier
    policy = _tiered_template(tmp_path)
    args = [str(tmp_path / "template.json"), "--today", TODAY, "--policy", str(policy)]
    # WHEN scanned with --fail-within tier
    code, report = scan_json(capsys, *args, "--fail-within", "tier")
    # THEN only the CRITICAL function (180-day horizon) is inside its horizon
    within = {f["logicalId"] for f in report["functions"] if f["failing"]}
    assert within == {"CRITICALFn"}
    assert all(f["daysLeft"] == 100 for f in report["functions"])
    assert code == 1 and report["failWithin"] == "tier"
    # AND a fixed threshold below 100 days fails none of them
    code, report = scan_json(capsys, *args, "--fail-within", "99")
    assert code == 0 and report["failing"] == 0


def test_fail_within_tier_follows_an_organization_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an organization matrix whose IMPORTANT horizon is 120 days
    policy = _tiered_template(tmp_path)
    matrix = tmp_path / "matrix.yaml"
    matrix.write_text("IMPORTANT:\n  deprecation_horizon_days: 120\n", encoding="utf-8")
    args = [str(tmp_path / "template.json"), "--today", TODAY, "--policy", str(policy)]
    # WHEN scanned with it
    code, report = scan_json(capsys, *args, "--fail-within", "tier", "--matrix", str(matrix))
    # THEN the IMPORTANT function is inside its horizon too; untagged (30 days) is not
    within = {f["logicalId"] for f in report["functions"] if f["failing"]}
    assert within == {"CRITICALFn", "IMPORTANTFn"}
    assert code == 1
    # AND a bad matrix file is a usage error
    matrix.write_text("IMPORTANT:\n  deprecation_horizon_days: soon\n", encoding="utf-8")
    assert main(["runtimes", "scan", *args, "--fail-within", "tier", "--matrix", str(matrix)]) == 2
    assert "deprecation_horizon_days must be an integer" in capsys.readouterr().err


def test_fail_within_rejects_other_words(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["runtimes", "scan", str(FIXTURES), "--fail-within", "soon"])
    assert exited.value.code == 2
    assert "or 'tier'" in capsys.readouterr().err

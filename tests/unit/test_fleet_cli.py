"""Tests for ``paved-road fleet synth`` (paved_road.fleet_cli).

Most tests run a tiny fake CDK app (``FAKE_APP``, plain Python, no aws-cdk-lib): it
reads ``CDK_OUTDIR`` and ``CDK_CONTEXT_JSON`` like ``App()`` does, records what it
received and writes a minimal cloud assembly whose resource count depends on the cell.
Its behaviour is steered by ``FAKE_*`` environment variables, which the command passes
through to the app. One test synthesizes a real TenantFunctionFleet in three cells.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from paved_road import assembly, fleet_cli
from paved_road.cli import main
from paved_road.fleet_cli import FleetInputError, load_project, parse_context_pairs

FAKE_APP = r"""
import json, os, sys, time
from pathlib import Path

started = time.time()
outdir = Path(os.environ["CDK_OUTDIR"])
context = json.loads(os.environ["CDK_CONTEXT_JSON"])
index, count = (int(part) for part in context["paved-road:fleet-cell"].split("/"))

barrier = os.environ.get("FAKE_BARRIER_DIR")
if barrier:  # wait until every cell has started: proves they run at the same time
    Path(barrier, f"started-{index}").touch()
    deadline = time.time() + 20
    while len(list(Path(barrier).glob("started-*"))) < count:
        if time.time() > deadline:
            sys.exit("barrier timeout: cells did not run in parallel")
        time.sleep(0.01)
if os.environ.get("FAKE_SLEEP"):
    time.sleep(float(os.environ["FAKE_SLEEP"]))
if os.environ.get("FAKE_FAIL_CELL") == str(index):
    for line in range(60):
        print(f"trace line {line}", file=sys.stderr)
    print(f"boom in cell {index}", file=sys.stderr)
    sys.exit(1)
if os.environ.get("FAKE_NO_SYNTH") == str(index):
    sys.exit(0)

outdir.mkdir(parents=True, exist_ok=True)
stack = "Shared" if os.environ.get("FAKE_SHARED_STACK") else f"FleetCell{index:03d}Shard001"
template = {
    "Resources": {
        f"R{n}": {"Type": "AWS::IAM::Role" if n else "AWS::Lambda::Function"}
        for n in range(index + 2)
    }
}
(outdir / f"{stack}.template.json").write_text(json.dumps(template))
manifest = {
    "version": "55.0.0",
    "artifacts": {
        stack: {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{stack}.template.json"},
            "displayName": stack.replace("Fleet", "Fleet/", 1) if stack != "Shared" else stack,
        },
    },
}
(outdir / "manifest.json").write_text(json.dumps(manifest))
if os.environ.get("FAKE_FINDINGS_CELL") == str(index):
    report = {"pluginReports": [{"violations": [
        {"ruleName": "PavedRoad-Fake", "severity": "warning", "violatingConstructs": ["a"]}
    ]}]}
    (outdir / "validation-report.json").write_text(json.dumps(report))
(outdir / "received.json").write_text(json.dumps({
    "context": context,
    "outdir": os.environ["CDK_OUTDIR"],
    "cwd": os.getcwd(),
    "jsii": os.environ.get("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"),
    "started": started,
    "ended": time.time(),
}))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CDK project directory (the current directory) whose cdk.json runs the fake app."""
    script = tmp_path / "fake_app.py"
    script.write_text(FAKE_APP, encoding="utf-8")
    cdk_json = {
        "app": f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}",
        "context": {"from-cdk-json": True, "overridden": "cdk.json"},
    }
    (tmp_path / "cdk.json").write_text(json.dumps(cdk_json), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def received(outdir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((outdir / "received.json").read_text(encoding="utf-8"))
    return data


def synth(*args: str) -> int:
    return main(["fleet", "synth", *args])


# ---------------------------------------------------------------------------- input


def test_cell_context_key_matches_the_fleet_construct() -> None:
    from paved_road.fleet import CELL_CONTEXT

    assert fleet_cli.CELL_CONTEXT == CELL_CONTEXT


def test_context_pairs_split_on_the_first_equals_and_stay_strings() -> None:
    assert parse_context_pairs(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    for bad in ("novalue", "=value"):
        with pytest.raises(FleetInputError, match="KEY=VALUE"):
            parse_context_pairs([bad])


def test_project_context_adds_cdk_context_json_over_cdk_json(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text('{"app": "python a.py", "context": {"a": 1, "b": 1}}')
    (tmp_path / "cdk.context.json").write_text('{"b": 2}')
    assert load_project(tmp_path) == ("python a.py", {"a": 1, "b": 2})
    assert load_project(tmp_path / "missing") == (None, {})


# ---------------------------------------------------------------------------- runs


def test_each_cell_gets_its_context_outdir_and_cdk_json_context(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN stale files in a cell directory from an earlier run
    stale = project / "cdk.out.cells" / "cell-0" / "stale.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    # WHEN synthesized in 3 cells with the app of cdk.json and --context pairs
    code = synth("--cells", "3", "--context", "overridden=cli", "-c", "extra=k=v")
    out = capsys.readouterr().out
    # THEN every cell ran in its own, wiped, output directory with its cell context
    assert code == 0, out
    assert not stale.exists()
    for index in range(3):
        outdir = project / "cdk.out.cells" / f"cell-{index}"
        got = received(outdir)
        assert got["context"] == {
            "from-cdk-json": True,
            "overridden": "cli",
            "extra": "k=v",
            "paved-road:fleet-cell": f"{index}/3",
        }
        assert Path(got["outdir"]) == outdir
        assert Path(got["cwd"]) == project
        assert got["jsii"] is not None
    # AND the report has one row per cell (2 + index resources) and the totals
    assert "3 cells" in out
    assert "total: 3 cells (3 ok, 0 failed), 3 stacks, 9 resources, 0 errors" in out
    rows = [
        line.split() for line in out.splitlines() if line.startswith("  ") and "errors," in line
    ]
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("0", "0", "1", "2"),
        ("1", "0", "1", "3"),
        ("2", "0", "1", "4"),
    ]


def test_cells_run_in_parallel_up_to_jobs(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an app that waits until all 3 cells have started
    barrier = project / "barrier"
    barrier.mkdir()
    monkeypatch.setenv("FAKE_BARRIER_DIR", str(barrier))
    # WHEN run with 3 jobs THEN all cells were running at the same time
    assert synth("--cells", "3", "--jobs", "3") == 0, capsys.readouterr().out


def test_one_job_runs_cells_one_after_another(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_SLEEP", "0.1")
    assert synth("--cells", "3", "--jobs", "1", "--output", "out") == 0, capsys.readouterr()
    spans = sorted(
        (got["started"], got["ended"])
        for got in (received(project / "out" / f"cell-{i}") for i in range(3))
    )
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2))


def test_a_failed_cell_exits_1_and_shows_its_stderr_tail(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an app that fails in cell 1 after 61 lines of stderr
    monkeypatch.setenv("FAKE_FAIL_CELL", "1")
    # WHEN synthesized
    code = synth("--cells", "3")
    out = capsys.readouterr().out
    # THEN the command fails, names the cell and shows the last 40 lines of its stderr
    assert code == 1
    assert "cell 1 failed (exit 1); last 40 lines of stderr:" in out
    assert "  | boom in cell 1" in out
    assert "  | trace line 59" in out
    assert "  | trace line 21\n" in out
    assert "  | trace line 20\n" not in out
    # AND the other cells are still reported and counted
    assert "total: 3 cells (2 ok, 1 failed), 2 stacks, 6 resources" in out


def test_a_cell_without_assembly_fails(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_NO_SYNTH", "0")
    assert synth("--cells", "2") == 1
    out = capsys.readouterr().out
    assert "cell 0: the app exited 0 but its cloud assembly cannot be read" in out
    assert "no assembly" in out


def test_findings_fail_only_with_fail_on_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAKE_FINDINGS_CELL", "2")
    assert synth("--cells", "3") == 0
    out = capsys.readouterr().out
    assert "0 errors, 1 warnings, 0 acknowledged" in out
    assert "0 errors, 1 warnings unacknowledged" in out
    assert synth("--cells", "3", "--fail-on-findings") == 1
    assert "--fail-on-findings" in capsys.readouterr().err


def test_stacks_in_several_cells_are_reported(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an app whose stack is the same in every cell (not split by the fleet)
    monkeypatch.setenv("FAKE_SHARED_STACK", "1")
    assert synth("--cells", "2") == 0
    out = capsys.readouterr().out
    assert "warning: 1 stacks are in more than one cell" in out
    assert "  Shared: cells 0, 1" in out


# ---------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cells", "0"], "--cells must be at least 1, got 0"),
        (["--cells", "2", "--jobs", "0"], "--jobs must be at least 1, got 0"),
        (["--cells", "2", "-c", "novalue"], "--context expects KEY=VALUE, got 'novalue'"),
    ],
)
def test_bad_input_exits_2(
    project: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert synth(*args) == 2
    assert message in capsys.readouterr().err
    assert not (project / "cdk.out.cells").exists()


def test_no_app_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a directory without cdk.json and no --app
    monkeypatch.chdir(tmp_path)
    assert synth("--cells", "2") == 2
    assert "no app to run: pass --app" in capsys.readouterr().err
    # AND a cdk.json without "app"
    (tmp_path / "cdk.json").write_text('{"context": {}}')
    assert synth("--cells", "2") == 2
    # AND an unreadable cdk.json
    (tmp_path / "cdk.json").write_text("{not json")
    assert synth("--cells", "2", "--app", "true") == 2
    assert "cannot read" in capsys.readouterr().err


# ---------------------------------------------------------------------------- real fleet

REAL_APP = """
from aws_cdk import App

from paved_road.fleet import Tenant, TenantFunctionFleet

app = App()
TenantFunctionFleet(
    app,
    "Fleet",
    tenants=[Tenant(f"t{{i}}") for i in range(40)],
    code={code!r},
    max_resources_per_stack=50,
)
app.synth()
"""


def function_names(cell_dir: Path) -> tuple[list[str], list[str]]:
    """(stack display names, function names) of one cell's assembly."""
    stacks: list[str] = []
    names: list[str] = []
    for directory, artifact_id, artifact in assembly.stack_artifacts(cell_dir):
        stacks.append(str(artifact.get("displayName", artifact_id)))
        template = json.loads(
            (directory / artifact["properties"]["templateFile"]).read_text(encoding="utf-8")
        )
        names.extend(
            r["Properties"]["FunctionName"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::Lambda::Function"
        )
    return stacks, names


# 3 processes each starting jsii/Node and aws-cdk-lib: 10 s measured on a lightly loaded
# 2-CPU machine, 21-35 s under load (one cell alone: ~3.7 s), so not a fast unit test.
@pytest.mark.integration
def test_real_fleet_is_split_into_cells_by_tenant_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from paved_road.fleet import cell_of

    # GIVEN a real CDK app with a fleet of 40 tenants
    code_dir = tmp_path / "code"
    code_dir.mkdir()
    (code_dir / "index.py").write_text("def handler(event, context):\n    return None\n")
    script = tmp_path / "fleet_app.py"
    script.write_text(REAL_APP.format(code=str(code_dir)), encoding="utf-8")
    monkeypatch.setenv("PAVED_ROAD_TODAY", "2026-11-23")
    monkeypatch.chdir(tmp_path)
    # WHEN synthesized in 3 cells
    start = time.perf_counter()
    code = main(
        [
            "fleet",
            "synth",
            "--cells",
            "3",
            "--app",
            f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}",
            "--output",
            str(tmp_path / "out"),
        ]
    )
    elapsed = time.perf_counter() - start
    out = capsys.readouterr().out
    print(f"real fleet synth, 3 cells: {elapsed:.1f} s")
    # THEN there are 3 cell assemblies
    assert code == 0, out
    cells = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert cells == ["cell-0", "cell-1", "cell-2"]
    # AND every tenant is in exactly one cell: the one cell_of says
    seen: dict[str, int] = {}
    for index in range(3):
        stacks, names = function_names(tmp_path / "out" / f"cell-{index}")
        assert stacks
        assert all(f"Cell{index:03d}" in stack for stack in stacks), stacks
        for name in names:
            assert name not in seen, f"{name} in cells {seen[name]} and {index}"
            seen[name] = index
    assert sorted(seen) == sorted(f"fleet-t{i}" for i in range(40))
    for i in range(40):
        assert seen[f"fleet-t{i}"] == cell_of(f"t{i}", 3)
    assert "total: 3 cells (3 ok, 0 failed)" in out

"""benchmarks/fleet_synth.py cannot rot: a small run (N = 10 and 20, one repetition, P4
with 20 tenants in 2 cells) goes through every code path of the harness, and the
report's arithmetic is checked on known inputs."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import fleet_synth

RESOURCES_PER_UNIT = {"l2-consumer": 6, "l2-tenant": 4, "fleet": 3}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "smoke.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "fleet_synth.py"),
            "--sizes",
            "10",
            "20",
            "--repeat",
            "1",
            "--compare-walks",
            "--cells-tenants",
            "20",
            "--cells",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(out.read_text())
    data["stdout"] = result.stdout
    return data


def test_every_data_point_is_measured(smoke: dict) -> None:
    points = {(r["workload"], r["n"], r["guard"]) for r in smoke["runs"]}
    assert points == {
        (w, n, g) for w in fleet_synth.WORKLOADS for n in (10, 20) for g in fleet_synth.GUARDS
    }
    for run in smoke["runs"]:
        assert run["wall_s"] > run["define_s"] > 0, run
        assert run["define_requests"] > 0 and run["node_rss_mb"] > 0 and run["python_rss_mb"] > 0
        per_unit = RESOURCES_PER_UNIT.get(run["workload"])
        if per_unit:  # the hand-written units and the fleet have a fixed shape
            assert run["resources"] == per_unit * run["n"], run


def test_paved_road_workloads_pass_the_guardrails_and_hand_written_ones_do_not(
    smoke: dict,
) -> None:
    for run in smoke["runs"]:
        if run["guard"] == "plain":
            assert run["failed"] is None and run["errors"] == 0
        elif run["workload"] in ("queue-consumer", "fleet"):
            assert (run["errors"], run["warnings"], run["failed"]) == (0, 0, None), run
        else:  # what a team writes by hand has findings, and they fail synth
            assert run["errors"] > 0 and run["failed"], run


def test_report_gives_every_target(smoke: dict) -> None:
    ratios = smoke["ratios"]
    for guard in fleet_synth.GUARDS:
        assert math.isfinite(ratios[f"P1/{guard}"]) and math.isfinite(ratios[f"P1b/{guard}"])
        for workload in fleet_synth.WORKLOADS:
            assert ratios[f"P3/{workload}/{guard}"] > 0
    assert ratios["P4/wall_s"] > 0 and ratios["P4/largest_process_mb"] > 0
    assert len(smoke["cells"]["cell_rss"]) == 2
    assert "- P4 20 tenants with guardrails in 2 cells" in smoke["stdout"]
    assert "total: 2 cells (2 ok, 0 failed)" in smoke["cells"]["output"]


def run(workload: str, n: int, guard: str, wall: float, resources: int) -> fleet_synth.Run:
    return fleet_synth.Run(
        workload, n, guard, 0, wall, 0.5, wall / 2, wall / 4, 1, 1, 1, resources, 0, 0, None, 1, 1
    )


def test_ratios_are_computed_from_the_marginal_costs() -> None:
    # GIVEN known walls: the fleet costs 2 ms per tenant more, hand-written 5 ms
    runs = [
        run("fleet", 200, "plain", 3.0, 600),
        run("fleet", 2000, "plain", 6.6, 6000),
        run("l2-tenant", 200, "plain", 4.0, 800),
        run("l2-tenant", 2000, "plain", 13.0, 8000),
        run("l2-consumer", 200, "plain", 4.0, 1200),
        run("l2-consumer", 2000, "plain", 14.8, 12000),
        run("queue-consumer", 200, "plain", 8.0, 3400),
        run("queue-consumer", 2000, "plain", 44.0, 34000),
        run("fleet", 200, "guarded", 3.5, 600),
        run("fleet", 2000, "guarded", 7.26, 6000),
    ]
    ratios = fleet_synth.report(runs, [200, 2000], out=io.StringIO())
    # THEN P1 = (3.6 s / 1800) / (9 s / 1800) = 0.4
    assert ratios["P1/plain"] == pytest.approx(0.4)
    # AND P1b = (36 s / 30600) / (10.8 s / 10800) per resource
    assert ratios["P1b/plain"] == pytest.approx((36 / 30600) / (10.8 / 10800))
    # AND P2 = 7.26 / 6.6 - 1 = 10 %, P3 = 6.6 / 3.0
    assert ratios["P2/fleet/guarded"] == pytest.approx(0.10)
    assert ratios["P3/fleet/plain"] == pytest.approx(2.2)
    assert ratios["unit_ms/fleet/plain"] == pytest.approx(2.0)


def test_verdict_says_by_how_much_a_target_is_missed() -> None:
    assert fleet_synth._verdict(0.5, 0.5) == "met"
    assert fleet_synth._verdict(0.6, 0.5) == "MISSED by 20%"


def test_worker_rejects_unknown_workloads(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="unknown workload"):
        fleet_synth.main(["--worker", "nope", "1", "plain", str(tmp_path)])

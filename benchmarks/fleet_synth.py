"""Fleet-scale synth benchmark: paved-road constructs side by side with hand-written CDK.

    python benchmarks/fleet_synth.py                      # N = 200 and 2,000, 3 repetitions
    python benchmarks/fleet_synth.py --sizes 10000        # on request
    python benchmarks/fleet_synth.py --cells-tenants 10000 --cells 4   # P4 only

Four workloads, each built N times in a CDK app:

``l2-consumer``
    the hand-written L2 baseline unit: ``sqs.Queue`` (DLQ), ``sqs.Queue`` with a redrive
    policy, ``lambda_.Function`` (its default role and policy) and an ``SqsEventSource``
    (6 resources), 50 units per stack.
``queue-consumer``
    the same shape built with :class:`paved_road.QueueConsumer`, with its defaults (the
    governed function's version, alias, CodeDeploy group, alarms, log group: 17
    resources), 25 per stack.
``l2-tenant``
    a hand-written function-per-tenant unit: ``logs.LogGroup`` with retention, an
    ``iam.Role`` that may write it, ``lambda_.Function`` (arm64, JSON logs into that
    group, tracing, the Powertools layer, ``TENANT_ID``) and ``tenant``/``criticality``
    tags (``Tags.of``); 82 per stack, like the fleet.
``fleet``
    :class:`paved_road.TenantFunctionFleet` with the same tenants (its defaults).

each with and without ``enforce(app)`` (PavedRoadChecks + AwsSolutions + Serverless).

Every data point is a fresh ``python`` subprocess (``--worker``), so nothing is warm
and peak memory is the data point's own; the runs are interleaved (repetition 1 of
every configuration, then repetition 2, ...). A worker reports its wall time (process
start to exit, measured by the parent), the time to define the constructs and the time
of ``app.synth()``, the number of Python -> Node round trips (jsii requests), and the
peak RSS of its Python process and of its Node (jsii kernel) descendant, read from
``resource.getrusage`` and ``/proc/<pid>/status`` (VmHWM). CDK's built-in CloudFormation
validator is off (``App(builtin_cloud_formation_validation=False)``): it is the same
cfn-lint pass for every workload (about 0.3 ms per resource plus 1.7 s), not
paved-road's cost; ``--cfn-validation`` turns it on. ``--compare-walks`` adds a third
data point per workload: ``enforce(app)`` with ``PavedRoadChecks(walk="tree")``
(cdk-nag's construct-tree walk) instead of the default one-pass template walk.

The report gives medians with min-max, then the ratios of docs/performance.md (targets
P1-P4). ``--json FILE`` writes every raw run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
CODE_DIR = ROOT / "tests" / "unit" / "fleet_code"
TODAY = "2026-11-23"
WORKLOADS = ("l2-consumer", "queue-consumer", "l2-tenant", "fleet")
PER_STACK = {"l2-consumer": 50, "queue-consumer": 25, "l2-tenant": 82}
INLINE = "def handler(event, context):\n    return {}\n"

# targets of issue 8 (docs/performance.md)
P1_MAX = 0.5
P1B_MAX = 1.3
P2_MAX = 0.15
P3_MAX = 10.5
P4_SECONDS = 60.0
P4_RSS_MB = 1024.0


# ------------------------------------------------------------------------------ worker


def on_jsii_request(observe: Callable[[Any], None]) -> None:
    """Call ``observe(request)`` for every request this Python process sends to the jsii
    kernel (one round trip each, callbacks' completions included), by wrapping jsii's
    process provider."""
    from jsii._kernel.providers import process

    send = process._NodeProcess.send

    def observed(self: Any, request: Any, response_type: Any) -> Any:
        observe(request)
        return send(self, request, response_type)

    process._NodeProcess.send = observed  # type: ignore[method-assign]


def _count_jsii_requests() -> Callable[[], int]:
    """A function returning how many jsii requests were sent since this call."""
    count = [0]

    def observe(request: Any) -> None:
        count[0] += 1

    on_jsii_request(observe)
    return lambda: count[0]


def _descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (Linux ``/proc``)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def child_peak_rss_mb() -> float:
    """Peak RSS (VmHWM) of this process's largest descendant: the jsii kernel's Node
    process (``jsii-runtime.js`` runs the kernel in a child of its own)."""
    peak = 0.0
    for pid in _descendants(os.getpid()):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def own_peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _units(
    app: Any, n: int, workload: str, prefix: str, per_stack: Callable[[Any], T]
) -> Iterator[tuple[int, Any, T]]:
    """``(index, stack, shared)`` for each of ``n`` units, ``PER_STACK[workload]`` to a
    stack; ``per_stack(stack)`` makes what the units of one stack share (code, layer)."""
    from aws_cdk import Stack

    per = PER_STACK[workload]
    stack: Any = None
    shared: Any = None
    for i in range(n):
        if i % per == 0:
            stack = Stack(app, f"{prefix}{i // per + 1:03d}")
            shared = per_stack(stack)
        yield i, stack, shared


def _inline_code(stack: Any) -> Any:
    from aws_cdk import aws_lambda as lambda_

    return lambda_.Code.from_inline(INLINE)


def _l2_consumers(app: Any, n: int) -> None:
    from aws_cdk import Duration
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_sqs as sqs

    for i, stack, code in _units(app, n, "l2-consumer", "L2Consumers", _inline_code):
        dlq = sqs.Queue(stack, f"U{i}Dlq", retention_period=Duration.days(14))
        queue = sqs.Queue(
            stack,
            f"U{i}Queue",
            visibility_timeout=Duration.seconds(180),
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
        )
        fn = lambda_.Function(
            stack,
            f"U{i}Function",
            code=code,
            handler="index.handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            timeout=Duration.seconds(30),
        )
        fn.add_event_source(sources.SqsEventSource(queue, report_batch_item_failures=True))


def _queue_consumers(app: Any, n: int) -> None:
    from aws_cdk import aws_sqs as sqs

    from paved_road import QueueConsumer

    for i, stack, code in _units(app, n, "queue-consumer", "QueueConsumers", _inline_code):
        QueueConsumer(
            stack,
            f"U{i}",
            queue_props=sqs.QueueProps(),
            function_props={"code": code, "handler": "index.handler"},
        )


def _tenant_code(stack: Any) -> tuple[Any, Any]:
    from aws_cdk import aws_lambda as lambda_

    from paved_road.function import powertools_layer_arn

    code = lambda_.Code.from_asset(str(CODE_DIR))
    layer = lambda_.LayerVersion.from_layer_version_arn(
        stack, "Powertools", powertools_layer_arn("python3.14", "arm64", 27)
    )
    return code, layer


def _l2_tenants(app: Any, n: int) -> None:
    from aws_cdk import Duration, RemovalPolicy, Tags
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_logs as logs

    for i, stack, (code, layer) in _units(app, n, "l2-tenant", "L2Tenants", _tenant_code):
        tenant = f"t{i:05d}"
        log_group = logs.LogGroup(
            stack,
            f"{tenant}Logs",
            log_group_name=f"/aws/lambda/l2-{tenant}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            stack, f"{tenant}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com")
        )
        log_group.grant_write(role)
        fn = lambda_.Function(
            stack,
            f"{tenant}Function",
            function_name=f"l2-{tenant}",
            code=code,
            handler="index.handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            architecture=lambda_.Architecture.ARM_64,
            memory_size=256,
            timeout=Duration.seconds(30),
            role=role,
            layers=[layer],
            environment={"TENANT_ID": tenant},
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        Tags.of(fn).add("tenant", tenant)
        Tags.of(fn).add("criticality", "STANDARD")


def _fleet(app: Any, n: int) -> None:
    from paved_road.fleet import Tenant, TenantFunctionFleet

    TenantFunctionFleet(
        app, "Fleet", code=str(CODE_DIR), tenants=[Tenant(f"t{i:05d}") for i in range(n)]
    )


BUILDERS: dict[str, Callable[[Any, int], None]] = {
    "l2-consumer": _l2_consumers,
    "queue-consumer": _queue_consumers,
    "l2-tenant": _l2_tenants,
    "fleet": _fleet,
}


def _findings(outdir: Path) -> tuple[int, int]:
    """(error, warning) violations in the validation report, CloudFormation's excluded."""
    report = outdir / "validation-report.json"
    if not report.is_file():
        return 0, 0
    errors = warnings = 0
    for plugin in json.loads(report.read_text()).get("pluginReports", []):
        if "CloudFormation" in str(plugin.get("pluginName", "")):
            continue
        for violation in plugin.get("violations", []):
            count = len(violation.get("violatingConstructs") or [None])
            if violation.get("severity") in ("error", "fatal"):
                errors += count
            else:
                warnings += count
    return errors, warnings


def _assembly_size(outdir: Path) -> tuple[int, int]:
    """(stacks, resources) of the cloud assembly in ``outdir`` (nested stages included)."""
    stacks = resources = 0
    for template in outdir.rglob("*.template.json"):
        stacks += 1
        resources += len(json.loads(template.read_text()).get("Resources", {}))
    return stacks, resources


GUARDS = ("plain", "guarded", "guarded-tree")


def _enforce(app: Any, guard: str) -> None:
    """``enforce(app)``; ``guarded-tree`` with PavedRoadChecks' construct-tree walk."""
    from paved_road.guardrails import enforce

    enforce(app, walk="tree" if guard == "guarded-tree" else "template")


def worker(workload: str, n: int, guard: str, outdir: Path, cfn_validation: bool) -> None:
    """Build and synthesize one data point; print its measurements as JSON."""
    started = time.perf_counter()
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("PAVED_ROAD_TODAY", TODAY)
    requests = _count_jsii_requests()
    from aws_cdk import App

    app = App(outdir=str(outdir), builtin_cloud_formation_validation=cfn_validation)
    imported = time.perf_counter()
    before = requests()
    BUILDERS[workload](app, n)
    if guard != "plain":
        _enforce(app, guard)
    defined = time.perf_counter()
    define_requests = requests() - before
    failed = None
    try:
        app.synth()
    except Exception as exc:  # a guardrail error fails synth, as in `cdk synth`
        failed = str(exc).splitlines()[0][:200]
    synthesized = time.perf_counter()
    stacks, resources = _assembly_size(outdir)
    errors, warnings = _findings(outdir)
    result = {
        "import_s": imported - started,
        "define_s": defined - imported,
        "synth_s": synthesized - defined,
        "define_requests": define_requests,
        "synth_requests": requests() - before - define_requests,
        "stacks": stacks,
        "resources": resources,
        "errors": errors,
        "warnings": warnings,
        "failed": failed,
        "python_rss_mb": own_peak_rss_mb(),
        "node_rss_mb": child_peak_rss_mb(),
    }
    print(json.dumps(result))
    sys.stdout.flush()


# ------------------------------------------------------------------------------ parent


@dataclass
class Run:
    """One data point: a worker's measurements plus the wall time the parent saw."""

    workload: str
    n: int
    guard: str
    repetition: int
    wall_s: float
    import_s: float
    define_s: float
    synth_s: float
    define_requests: int
    synth_requests: int
    stacks: int
    resources: int
    errors: int
    warnings: int
    failed: str | None
    python_rss_mb: float
    node_rss_mb: float


def run_point(workload: str, n: int, guard: str, repetition: int, cfn_validation: bool) -> Run:
    """Run one worker subprocess and return its data point."""
    with tempfile.TemporaryDirectory(prefix="fleet-synth-") as outdir:
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", workload, str(n)]
        command += [guard, outdir]
        if cfn_validation:
            command.append("--cfn-validation")
        env = dict(os.environ)
        env.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"worker {workload} n={n} {guard} exited {result.returncode}:\n" + result.stderr[-3000:]
        )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Run(workload, n, guard, repetition, wall, **data)


@dataclass(frozen=True)
class Stat:
    """Median and range of one measurement over the repetitions."""

    median: float
    low: float
    high: float

    def __format__(self, spec: str) -> str:
        return f"{self.median:{spec}} ({self.low:{spec}}-{self.high:{spec}})"


def stat(values: Sequence[float]) -> Stat:
    return Stat(statistics.median(values), min(values), max(values))


Key = tuple[str, int, str]


def group(runs: Sequence[Run]) -> dict[Key, list[Run]]:
    grouped: dict[Key, list[Run]] = {}
    for run in runs:
        grouped.setdefault((run.workload, run.n, run.guard), []).append(run)
    return grouped


def _median(runs: Sequence[Run], field: str) -> float:
    return statistics.median(float(getattr(r, field)) for r in runs)


def marginal(
    grouped: dict[Key, list[Run]], workload: str, guard: str, sizes: Sequence[int]
) -> tuple[float, float] | None:
    """Seconds per unit and per resource between the smallest and the largest N (the
    median wall difference over the unit and resource differences): fixed costs
    (interpreter, imports, jsii kernel start, per-app work) cancel out."""
    low, high = min(sizes), max(sizes)
    a, b = grouped.get((workload, low, guard)), grouped.get((workload, high, guard))
    if not a or not b or low == high:
        return None
    seconds = _median(b, "wall_s") - _median(a, "wall_s")
    return seconds / (high - low), seconds / (_median(b, "resources") - _median(a, "resources"))


def _verdict(value: float, limit: float) -> str:
    return "met" if value <= limit else f"MISSED by {value / limit - 1:.0%}"


def report(runs: Sequence[Run], sizes: Sequence[int], out: TextIO = sys.stdout) -> dict[str, float]:
    """Print the tables and the targets' ratios; return the ratios."""
    grouped = group(runs)
    reps = max(r.repetition for r in runs) + 1
    w = out.write
    w(f"\nmedian (min-max) of {reps} interleaved runs; wall = process start to exit\n\n")
    w(
        "| workload | N | guardrails | stacks | resources | wall s | define s | synth s "
        "| jsii requests | Python RSS MB | Node RSS MB | findings (err/warn) |\n"
    )
    w("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    for (workload, n, guard), points in grouped.items():
        first = points[0]
        requests = statistics.median(r.define_requests + r.synth_requests for r in points)
        w(
            f"| {workload} | {n} | {guard} | {first.stacks} | {first.resources} "
            f"| {stat([r.wall_s for r in points]):.2f} | {stat([r.define_s for r in points]):.2f} "
            f"| {stat([r.synth_s for r in points]):.2f} | {requests:,.0f} "
            f"| {max(r.python_rss_mb for r in points):.0f} "
            f"| {max(r.node_rss_mb for r in points):.0f} | {first.errors}/{first.warnings}"
            f"{' (synth fails)' if first.failed else ''} |\n"
        )
    ratios: dict[str, float] = {}
    low, high = min(sizes), max(sizes)
    if low != high:
        w(f"\nmarginal cost from N={low} to N={high} (median wall difference / units):\n\n")
        w("| workload | guardrails | ms per unit | ms per resource |\n|---|---|---|---|\n")
        for workload in WORKLOADS:
            for guard in GUARDS:
                cost = marginal(grouped, workload, guard, sizes)
                if cost:
                    ratios[f"unit_ms/{workload}/{guard}"] = cost[0] * 1e3
                    ratios[f"resource_ms/{workload}/{guard}"] = cost[1] * 1e3
                    w(f"| {workload} | {guard} | {cost[0] * 1e3:.2f} | {cost[1] * 1e3:.3f} |\n")
    w("\ntargets:\n\n")
    for guard in GUARDS:
        fleet, hand = (marginal(grouped, x, guard, sizes) for x in ("fleet", "l2-tenant"))
        if fleet and hand:
            ratio = ratios[f"P1/{guard}"] = fleet[0] / hand[0]
            w(
                f"- P1 fleet / hand-written, per tenant, {guard}: {ratio:.2f} "
                f"(<= {P1_MAX}) {_verdict(ratio, P1_MAX)}\n"
            )
        ours, base = (marginal(grouped, x, guard, sizes) for x in ("queue-consumer", "l2-consumer"))
        if ours and base:
            ratio = ratios[f"P1b/{guard}"] = ours[1] / base[1]
            w(
                f"- P1b QueueConsumer / hand-written, per resource, {guard}: {ratio:.2f} "
                f"(<= {P1B_MAX}) {_verdict(ratio, P1B_MAX)}\n"
            )
    for workload in WORKLOADS:
        plain = grouped.get((workload, high, "plain"))
        for guard in GUARDS[1:]:
            guarded = grouped.get((workload, high, guard))
            if plain and guarded:
                added = ratios[f"P2/{workload}/{guard}"] = (
                    _median(guarded, "wall_s") / _median(plain, "wall_s") - 1
                )
                failing = " (its findings fail synth)" if guarded[0].failed else ""
                w(
                    f"- P2 {guard} adds to wall at N={high}, {workload}{failing}: {added:+.1%} "
                    f"(<= {P2_MAX:.0%}) {_verdict(1 + added, 1 + P2_MAX)}\n"
                )
    if low != high:
        for (workload, n, guard), points in grouped.items():
            base_runs = grouped.get((workload, low, guard))
            if n != high or not base_runs:
                continue
            ratio = ratios[f"P3/{workload}/{guard}"] = _median(points, "wall_s") / _median(
                base_runs, "wall_s"
            )
            w(
                f"- P3 wall({high}) / wall({low}), {workload}, {guard}: {ratio:.2f} "
                f"(<= {P3_MAX}) {_verdict(ratio, P3_MAX)}\n"
            )
    return ratios


# ------------------------------------------------------------------------------ cells (P4)


def run_cells(
    tenants: int, cells: int, jobs: int | None, cfn_validation: bool = False
) -> dict[str, Any]:
    """P4: ``paved-road fleet synth --cells`` over the benchmark fleet app with guardrails;
    wall time of the command and each cell's peak RSS (the app writes it on exit)."""
    with tempfile.TemporaryDirectory(prefix="fleet-cells-") as work:
        rss_dir = Path(work) / "rss"
        rss_dir.mkdir()
        env = dict(os.environ)
        env.update(
            {
                "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
                "PAVED_ROAD_TODAY": TODAY,
                "FLEET_BENCH_TENANTS": str(tenants),
                "FLEET_BENCH_RSS_DIR": str(rss_dir),
                "FLEET_BENCH_CFN_VALIDATION": "1" if cfn_validation else "0",
            }
        )
        app = f"{sys.executable} {ROOT / 'benchmarks' / 'fleet_app.py'}"
        command = [
            str(Path(sys.executable).parent / "paved-road"),
            "fleet",
            "synth",
            "--cells",
            str(cells),
            "--app",
            app,
            "--output",
            str(Path(work) / "out"),
            "--fail-on-findings",
        ]
        if jobs:
            command += ["--jobs", str(jobs)]
        start = time.perf_counter()
        result = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=work, check=False
        )
        wall = time.perf_counter() - start
        if result.returncode != 0:
            raise RuntimeError(
                f"fleet synth exited {result.returncode}:\n{result.stdout}\n{result.stderr[-3000:]}"
            )
        peaks = [json.loads(p.read_text()) for p in sorted(rss_dir.glob("*.json"))]
    return {
        "tenants": tenants,
        "cells": cells,
        "wall_s": wall,
        "cell_rss": peaks,
        "output": result.stdout,
    }


# ------------------------------------------------------------------------------ main


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join((__doc__ or "").splitlines()[1:]),
    )
    parser.add_argument(
        "--worker", nargs=4, metavar=("WORKLOAD", "N", "GUARD", "OUTDIR"), help=argparse.SUPPRESS
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000], metavar="N")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (3)")
    parser.add_argument(
        "--parallel",
        type=int,
        default=2,
        metavar="P",
        help="data points measured at once (2: one per core of the 2-core CI machine; "
        "1 for the quietest numbers)",
    )
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument(
        "--cfn-validation", action="store_true", help="keep CDK's built-in CloudFormation validator"
    )
    parser.add_argument(
        "--compare-walks",
        action="store_true",
        help="also measure enforce(app) with PavedRoadChecks(walk='tree')",
    )
    parser.add_argument(
        "--cells-tenants",
        type=int,
        default=0,
        metavar="T",
        help="P4: synthesize T tenants with guardrails through paved-road fleet synth",
    )
    parser.add_argument("--cells", type=int, default=4, help="cells for P4 (4)")
    parser.add_argument("--jobs", type=int, default=None, help="cells at once (CPU count)")
    parser.add_argument("--json", type=Path, default=None, help="write the raw runs here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.worker:
        workload, n, guard, outdir = args.worker
        if workload not in WORKLOADS or guard not in GUARDS:
            raise SystemExit(f"unknown workload or guard: {workload} {guard}")
        worker(workload, int(n), guard, Path(outdir), args.cfn_validation)
        return 0
    guards = GUARDS if args.compare_walks else GUARDS[:2]
    points = [
        (workload, n, guard, repetition)
        for repetition in range(args.repeat)
        for n in args.sizes
        for workload in args.workloads
        for guard in guards
    ]
    runs: list[Run] = []
    started = time.perf_counter()

    def measure(point: tuple[str, int, str, int]) -> Run:
        workload, n, guard, repetition = point
        run = run_point(workload, n, guard, repetition, args.cfn_validation)
        print(
            f"rep {repetition + 1} {workload:>14} N={n:<6} {guard:<12} {run.wall_s:7.2f} s",
            file=sys.stderr,
            flush=True,
        )
        return run

    # in order (interleaved repetitions); --parallel P runs P neighbours at once
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        runs = list(pool.map(measure, points))
    ratios = report(runs, args.sizes) if runs else {}
    cells = None
    if args.cells_tenants:
        cells = run_cells(args.cells_tenants, args.cells, args.jobs, args.cfn_validation)
        largest = max(
            (max(p["python_rss_mb"], p["node_rss_mb"]) for p in cells["cell_rss"]), default=0.0
        )
        ratios["P4/wall_s"], ratios["P4/largest_process_mb"] = cells["wall_s"], largest
        print("\n" + cells["output"])
        print(
            f"- P4 {cells['tenants']} tenants with guardrails in {cells['cells']} cells: wall "
            f"{cells['wall_s']:.1f} s (<= {P4_SECONDS:.0f}) "
            f"{_verdict(cells['wall_s'], P4_SECONDS)}; largest process {largest:.0f} MB "
            f"(<= {P4_RSS_MB:.0f}) {_verdict(largest, P4_RSS_MB)}"
        )
    print(f"\nbenchmark wall: {time.perf_counter() - started:.0f} s")
    if args.json:
        payload = {"runs": [asdict(r) for r in runs], "ratios": ratios, "cells": cells}
        args.json.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

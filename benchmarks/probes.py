"""Focused measurements behind docs/performance.md's explanations (fleet_synth.py gives
the end-to-end numbers).

    python benchmarks/probes.py requests            # jsii requests per QueueConsumer, by call site
    python benchmarks/probes.py packs --n 2000      # synth seconds each guardrail pack adds (fleet)
    python benchmarks/probes.py fleet-define        # fleet define ms/tenant (try python -O too)
    python benchmarks/probes.py l1                  # CfnFunction vs a generic CfnResource

Each probe prints what it measured; the built-in CloudFormation validator is off.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("PAVED_ROAD_TODAY", "2026-11-23")
sys.path.insert(0, str(Path(__file__).resolve().parent))

PACK_MODES = ("plain", "paved", "paved-tree", "aws-solutions", "serverless", "all")


def _app() -> Any:
    from aws_cdk import App

    return App(outdir=tempfile.mkdtemp(prefix="probe-"), builtin_cloud_formation_validation=False)


def requests(consumers: int) -> None:
    """Count the jsii requests of ``consumers`` QueueConsumers in one stack (after one
    that creates the stack's shared resources), by request kind and by the paved_road
    module that made them."""
    from aws_cdk import Stack
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_sqs as sqs
    from fleet_synth import INLINE, on_jsii_request

    from paved_road import QueueConsumer

    by_kind: collections.Counter[str] = collections.Counter()
    by_module: collections.Counter[str] = collections.Counter()
    counting = [False]

    def observe(request: Any) -> None:
        if counting[0]:
            detail = (
                getattr(request, "fqn", None)
                or getattr(request, "method", None)
                or getattr(request, "property", None)
                or ""
            )
            by_kind[f"{type(request).__name__} {detail}"] += 1
            ours = [f for f in traceback.extract_stack()[:-1] if "/paved_road/" in f.filename]
            by_module[Path(ours[-1].filename).name if ours else "(outside paved_road)"] += 1

    on_jsii_request(observe)
    stack = Stack(_app(), "Consumers")
    code = lambda_.Code.from_inline(INLINE)

    def consumer(id: str) -> None:
        QueueConsumer(
            stack,
            id,
            queue_props=sqs.QueueProps(),
            function_props={"code": code, "handler": "index.handler"},
        )

    consumer("WarmUp")  # the stack's shared CodeDeploy application and pruner come first
    counting[0] = True
    start = time.perf_counter()
    for i in range(consumers):
        consumer(f"C{i}")
    elapsed = (time.perf_counter() - start) / consumers
    total = sum(by_kind.values()) / consumers
    print(f"{consumers} QueueConsumers: {total:.1f} requests and {elapsed * 1e3:.1f} ms each")
    print("\nper consumer, by paved_road module that made the request:")
    for name, count in by_module.most_common():
        print(f"  {count / consumers:5.1f}  {name}")
    print("\nper consumer, by request:")
    for name, count in by_kind.most_common():
        print(f"  {count / consumers:5.1f}  {name}")


def _pack_point(workload: str, n: int, mode: str) -> float:
    """Synth seconds of one app in this process (run by ``packs`` in a subprocess)."""
    from fleet_synth import BUILDERS

    from paved_road.guardrails import enforce

    app = _app()
    BUILDERS[workload](app, n)
    if mode == "paved":
        enforce(app, aws_solutions=False, serverless=False)
    elif mode == "paved-tree":
        enforce(app, aws_solutions=False, serverless=False, walk="tree")
    elif mode == "aws-solutions":
        enforce(app, serverless=False)
    elif mode == "serverless":
        enforce(app, aws_solutions=False)
    elif mode == "all":
        enforce(app)
    start = time.perf_counter()
    with contextlib.suppress(Exception):  # hand-written workloads' findings fail synth
        app.synth()
    return time.perf_counter() - start


def packs(workload: str, n: int, repeat: int) -> None:
    """Synth seconds per guardrail configuration (fresh process each, median of
    ``repeat``); "aws-solutions" and "serverless" include PavedRoadChecks."""
    import statistics

    results: dict[str, list[float]] = {mode: [] for mode in PACK_MODES}
    for _ in range(repeat):
        for mode in PACK_MODES:
            out = subprocess.run(
                [sys.executable, __file__, "_pack", workload, str(n), mode],
                capture_output=True,
                text=True,
                check=True,
            )
            results[mode].append(float(out.stdout.strip().splitlines()[-1]))
    plain = statistics.median(results["plain"])
    print(f"{workload}, N={n}, synth seconds (median of {repeat}), validator off:")
    for mode, values in results.items():
        median = statistics.median(values)
        print(f"  {mode:14} {median:6.2f}  adds {median - plain:+.2f}")


def fleet_define(tenants: int, rounds: int) -> None:
    """Define time per tenant of a TenantFunctionFleet, rounds in one process."""
    from fleet_synth import BUILDERS, CODE_DIR

    from paved_road.fleet import Tenant, TenantFunctionFleet

    app = _app()
    BUILDERS["fleet"](app, 20)  # warm up
    times = []
    for k in range(rounds):
        start = time.perf_counter()
        TenantFunctionFleet(
            app,
            f"Fleet{k}",
            code=str(CODE_DIR),
            tenants=[Tenant(f"t{i:05d}") for i in range(tenants)],
        )
        times.append((time.perf_counter() - start) * 1e3 / tenants)
    mode = "python -O (no jsii type checks)" if not __debug__ else "python"
    print(
        f"{mode}: fleet define ms/tenant over {rounds} rounds of {tenants}: "
        f"min {min(times):.2f}, all {', '.join(f'{t:.2f}' for t in times)}"
    )


def l1(functions: int) -> None:
    """Define time of CfnFunction (typed props) vs CfnResource (a raw property map)."""
    from aws_cdk import CfnResource, Stack
    from aws_cdk import aws_lambda as lambda_

    app = _app()

    def typed(stack: Stack, i: int) -> None:
        lambda_.CfnFunction(
            stack, f"F{i}", function_name=f"f{i}", role="arn:aws:iam::111122223333:role/r",
            handler="index.handler", code={"s3Bucket": "b", "s3Key": "k"}, memory_size=256,
            timeout=30, environment={"variables": {"TENANT_ID": f"t{i}"}},
            logging_config={"logFormat": "JSON", "logGroup": f"/aws/lambda/f{i}"},
            tracing_config={"mode": "Active"}, runtime="python3.14", architectures=["arm64"],
            tags=[{"key": "tenant", "value": f"t{i}"}],
        )  # fmt: skip

    def generic(stack: Stack, i: int) -> None:
        CfnResource(stack, f"F{i}", type="AWS::Lambda::Function", properties={
            "FunctionName": f"f{i}", "Role": "arn:aws:iam::111122223333:role/r",
            "Handler": "index.handler", "Code": {"S3Bucket": "b", "S3Key": "k"},
            "MemorySize": 256, "Timeout": 30, "Environment": {"Variables": {"TENANT_ID": f"t{i}"}},
            "LoggingConfig": {"LogFormat": "JSON", "LogGroup": f"/aws/lambda/f{i}"},
            "TracingConfig": {"Mode": "Active"}, "Runtime": "python3.14",
            "Architectures": ["arm64"], "Tags": [{"Key": "tenant", "Value": f"t{i}"}],
        })  # fmt: skip

    for round_ in range(2):  # the second round is the one to read (warm)
        for name, build in (("CfnFunction", typed), ("CfnResource", generic)):
            stack = Stack(app, f"{name}{round_}")
            start = time.perf_counter()
            for i in range(functions):
                build(stack, i)
            per = (time.perf_counter() - start) * 1e3 / functions
            print(f"round {round_ + 1}: {name:12} {per:.2f} ms per function")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "_pack":
        print(_pack_point(args[1], int(args[2]), args[3]))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    sub = parser.add_subparsers(dest="probe", required=True)
    sub.add_parser("requests").add_argument("--consumers", type=int, default=10)
    pack = sub.add_parser("packs")
    pack.add_argument("--workload", default="fleet")
    pack.add_argument("--n", type=int, default=2000)
    pack.add_argument("--repeat", type=int, default=3)
    define = sub.add_parser("fleet-define")
    define.add_argument("--tenants", type=int, default=1000)
    define.add_argument("--rounds", type=int, default=6)
    sub.add_parser("l1").add_argument("--functions", type=int, default=1000)
    parsed = parser.parse_args(args)
    if parsed.probe == "requests":
        requests(parsed.consumers)
    elif parsed.probe == "packs":
        packs(parsed.workload, parsed.n, parsed.repeat)
    elif parsed.probe == "fleet-define":
        fleet_define(parsed.tenants, parsed.rounds)
    else:
        l1(parsed.functions)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Per-function synth cost: TenantFunctionFleet vs the same fleet hand-written with L2s.

    python benchmarks/fleet_scale.py --tenants 300 --repeat 3

Both sides build, per tenant, what the fleet builds for a trusted tenant: a log group
with retention, an execution role that may write it, and an arm64 Python function
with JSON logs into that group, active tracing, the Powertools layer, a tenant
environment variable and ``tenant``/``criticality`` tags. The hand-written side is
what a team writes without the fleet (``iam.Role``, ``logs.LogGroup``,
``lambda_.Function``, ``Tags.of``), packed into stacks of the same size. Reported:
construct time per function (Python -> jsii), synth time per function, and the
fleet/L2 ratio. The built-in CloudFormation validator is off in both.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("PAVED_ROAD_TODAY", "2026-11-23")

from aws_cdk import App, Duration, RemovalPolicy, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from paved_road.fleet import Tenant, TenantFunctionFleet
from paved_road.function import powertools_layer_arn

CODE_DIR = Path(__file__).resolve().parents[1] / "tests" / "unit" / "fleet_code"
PER_STACK = 82  # the fleet's default tenants_per_stack (budget 250)


def fleet_run(tenants: int, outdir: str) -> tuple[float, float]:
    app = App(outdir=outdir, builtin_cloud_formation_validation=False)
    start = time.perf_counter()
    TenantFunctionFleet(
        app, "Fleet", code=str(CODE_DIR), tenants=[Tenant(f"t{i:05d}") for i in range(tenants)]
    )
    built = time.perf_counter()
    app.synth()
    return built - start, time.perf_counter() - built


def l2_run(tenants: int, outdir: str) -> tuple[float, float]:
    app = App(outdir=outdir, builtin_cloud_formation_validation=False)
    start = time.perf_counter()
    stack: Stack | None = None
    code: lambda_.Code | None = None
    layer: lambda_.ILayerVersion | None = None
    for i in range(tenants):
        if i % PER_STACK == 0:
            stack = Stack(app, f"L2Shard{i // PER_STACK + 1:03d}")
            code = lambda_.Code.from_asset(str(CODE_DIR))
            layer = lambda_.LayerVersion.from_layer_version_arn(
                stack, "Powertools", powertools_layer_arn("python3.14", "arm64", 27)
            )
        assert stack is not None and code is not None and layer is not None
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
    built = time.perf_counter()
    app.synth()
    return built - start, time.perf_counter() - built


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as warm:
        fleet_run(5, warm + "/f")  # warm up the jsii kernel and the modules
        l2_run(5, warm + "/l")
    results: dict[str, list[tuple[float, float]]] = {"fleet": [], "l2": []}
    for _ in range(args.repeat):
        for name, run in (("fleet", fleet_run), ("l2", l2_run)):
            with tempfile.TemporaryDirectory() as outdir:
                results[name].append(run(args.tenants, outdir))
    n = args.tenants
    print(f"{n} tenants, median of {args.repeat} runs")
    print("| variant | construct ms/function | synth ms/function | total ms/function |")
    print("|---|---|---|---|")
    totals = {}
    for name, runs in results.items():
        construct = statistics.median(r[0] for r in runs) * 1000 / n
        synth = statistics.median(r[1] for r in runs) * 1000 / n
        totals[name] = construct + synth
        print(f"| {name} | {construct:.2f} | {synth:.2f} | {construct + synth:.2f} |")
    print(f"fleet / L2 (total per function): {totals['fleet'] / totals['l2']:.2f}")


if __name__ == "__main__":
    main()

"""Synth-time benchmark: N QueueConsumers in one stack, with and without guardrails.

    python benchmarks/synth_scale.py --consumers 5 28 --repeat 2
    python benchmarks/synth_scale.py --consumers 5 28 --repeat 2 --no-delivery

Reports, per N: construct time (Python -> jsii), synth time without guardrails,
synth time with enforce() (PavedRoadChecks + AwsSolutions + Serverless), and the
guardrail overhead per resource. ``--no-delivery`` builds the consumers' functions
with ``deployment=TrafficShift.none()`` and ``keep_versions=None`` (no CodeDeploy group,
rollback alarm or version pruner), to show what progressive delivery costs. The built-in
CloudFormation validator is off (App(builtin_cloud_formation_validation=False)) so only our
cost is measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from paved_road import QueueConsumer, TrafficShift
from paved_road.guardrails import enforce

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def one_run(
    consumers: int, guardrails: bool, packs: str, delivery: bool = True
) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as outdir:
        app = App(outdir=outdir, builtin_cloud_formation_validation=False)
        stack = Stack(app, "Bench")
        start = time.perf_counter()
        for i in range(consumers):
            QueueConsumer(
                stack,
                f"C{i}",
                queue_props=sqs.QueueProps(),
                function_props=(
                    {"code": CODE, "handler": "index.handler"}
                    if delivery
                    else {
                        "code": CODE,
                        "handler": "index.handler",
                        "deployment": TrafficShift.none(),
                        "keep_versions": None,
                    }
                ),
            )
        built = time.perf_counter()
        if guardrails:
            enforce(app, aws_solutions=packs == "all", serverless=packs == "all")
        assembly = app.synth()
        done = time.perf_counter()
        resources = len(assembly.get_stack_by_name("Bench").template["Resources"])
        return built - start, done - built, resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, nargs="+", default=[5, 28])
    parser.add_argument("--no-delivery", action="store_true")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    one_run(1, True, "all")  # warm up the jsii kernel
    print(
        "| consumers | resources | construct s | synth s (no guardrails) "
        "| synth s (PavedRoad only) | synth s (all 3 packs) | PavedRoad ms/resource "
        "| all packs ms/resource |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in args.consumers:
        plain, ours, every, build = [], [], [], []
        resources = 0
        for _ in range(args.repeat):
            delivery = not args.no_delivery
            b, s, resources = one_run(n, False, "none", delivery)
            plain.append(s)
            build.append(b)
            ours.append(one_run(n, True, "paved", delivery)[1])
            every.append(one_run(n, True, "all", delivery)[1])
        p, o, e = (statistics.median(x) for x in (plain, ours, every))
        print(
            f"| {n} | {resources} | {statistics.median(build):.2f} | {p:.2f} | {o:.2f} | {e:.2f} "
            f"| {1000 * (o - p) / resources:.2f} | {1000 * (e - p) / resources:.2f} |"
        )


if __name__ == "__main__":
    main()

"""The ``paved-road`` command.

* ``paved-road synth-summary [CDK_OUT]``: stacks, resources and guardrail findings
  of a synthesized cloud assembly (what ``scripts/run.sh`` prints).
* ``paved-road redrive --dlq ...``: move messages from a DLQ back, or re-invoke the
  functions of a central DLQ by tenant with ``--reinvoke`` (see docs/redrive.md).
* ``paved-road fleet synth --cells N``: synthesize a TenantFunctionFleet split into N
  cells, one CDK app process per cell, in parallel (see ``paved_road.fleet_cli``).
* ``paved-road routes explain [PATH ...] [--request PATH [-H "Name: value" ...]]``: custom
  domains' routing rules and API mappings in a cdk.out or templates, and where given
  requests go (see ``paved_road.routes_cli`` and docs/routing.md).
* ``paved-road runtimes scan PATH ... [--fail-within DAYS] [--policy FILE]``: every Lambda
  function's runtime phase (supported, deprecated, blocked, not approved) in templates or a
  cdk.out, for CI (see ``paved_road.runtimes_cli``).
* ``paved-road runtimes inventory [--regions ...]``: live functions across regions with
  owners, criticality and invocations; cleanup candidates and the upgrade order (see
  ``paved_road.inventory`` and docs/runtime_governance.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from paved_road import assembly, fleet_cli, inventory, redrive, routes_cli, runtimes_cli


@dataclass
class StackSummary:
    name: str
    resources: int
    types: Counter[str] = field(default_factory=Counter)


@dataclass
class AssemblySummary:
    stacks: list[StackSummary]
    findings: Counter[str]  # severity -> count
    by_rule: Counter[str]  # "severity rule" -> count
    acknowledged: int

    @property
    def unacknowledged(self) -> int:
        return sum(self.findings.values())


def summarize(cdk_out: Path) -> AssemblySummary:
    """Read ``manifest.json``, every stack template and ``validation-report.json``."""
    manifest_path = cdk_out / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{manifest_path} not found: run `cdk synth` first")
    stacks: list[StackSummary] = []
    for directory, artifact_id, artifact in assembly.stack_artifacts(cdk_out):
        template_file = str((artifact.get("properties") or {}).get("templateFile"))
        template = json.loads((directory / template_file).read_text(encoding="utf-8"))
        resources = template.get("Resources") or {}
        types = Counter(str(r.get("Type")) for r in resources.values())
        stacks.append(StackSummary(artifact.get("displayName", artifact_id), len(resources), types))
    findings: Counter[str] = Counter()
    by_rule: Counter[str] = Counter()
    report_path = cdk_out / "validation-report.json"
    if report_path.is_file():
        report = json.loads(report_path.read_text(encoding="utf-8"))
        for plugin in report.get("pluginReports", []):
            for violation in plugin.get("violations", []):
                count = len(
                    violation.get("violatingConstructs")
                    or violation.get("violatingResources")
                    or [1]
                )
                severity = str(violation.get("severity", "error"))
                findings[severity] += count
                by_rule[f"{severity} {violation.get('ruleName')}"] += count
    return AssemblySummary(stacks, findings, by_rule, len(assembly.acknowledgments(cdk_out)))


def print_summary(summary: AssemblySummary, out: TextIO) -> None:
    total = sum(s.resources for s in summary.stacks)
    out.write(f"paved-road synth summary: {len(summary.stacks)} stacks, {total} resources\n")
    for stack in summary.stacks:
        out.write(f"  {stack.name}: {stack.resources} resources\n")
    errors = summary.findings.get("error", 0) + summary.findings.get("fatal", 0)
    warnings = summary.findings.get("warning", 0)
    out.write(
        f"guardrail findings: {errors} errors, {warnings} warnings unacknowledged; "
        f"{summary.acknowledged} acknowledgments with reasons in the app\n"
    )
    for key, count in sorted(summary.by_rule.items()):
        out.write(f"  {key}: {count}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paved-road", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    summary = sub.add_parser("synth-summary", help="summarize a synthesized cloud assembly")
    summary.add_argument("cdk_out", nargs="?", default="cdk.out", type=Path)
    summary.add_argument(
        "--fail-on-findings",
        action="store_true",
        help="exit 1 if any unacknowledged finding (error or warning) is in the report",
    )
    redrive.add_parser(sub)
    fleet_cli.add_parser(sub)
    routes_cli.add_parser(sub)
    inventory.add_parser(runtimes_cli.add_parser(sub))
    args = parser.parse_args(argv)
    if args.command == "synth-summary":
        try:
            result = summarize(args.cdk_out)
        except FileNotFoundError as exc:
            print(f"paved-road: {exc}", file=sys.stderr)
            return 2
        print_summary(result, sys.stdout)
        return 1 if args.fail_on_findings and result.unacknowledged else 0
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())

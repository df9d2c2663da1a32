"""``paved-road fleet synth --cells N``: synthesize a big tenant fleet in N processes.

A :class:`~paved_road.fleet.TenantFunctionFleet` of thousands of tenants takes long to
synthesize in one process (and one jsii/Node runtime). Split by a stable hash of the
tenant id (``paved_road.fleet.cell_of``), the fleet's cells are independent: this
command runs the CDK app once per cell, in parallel, each process with the context
``paved-road:fleet-cell = "<i>/<N>"`` (which ``TenantFunctionFleet`` reads to build
only the tenants of cell ``i``, in stacks named ``<fleet>/Cell00iShard00k``) and its
own cloud assembly ``<output>/cell-<i>``.

The app is run the way the CDK CLI runs it: the ``"app"`` command of ``cdk.json``
(or ``--app``) through the shell, in the current directory, with ``CDK_OUTDIR`` and
``CDK_CONTEXT_JSON`` (the ``"context"`` of ``cdk.json``, then ``cdk.context.json``,
then ``--context KEY=VALUE`` pairs, then the cell) in its environment. Deploy a cell
with ``cdk deploy --app <output>/cell-<i> --all``.

Exit codes:

* ``0``: every cell synthesized.
* ``1``: a cell failed (non-zero exit, or no cloud assembly written); with
  ``--fail-on-findings``, also a cell with an unacknowledged guardrail finding.
* ``2``: bad input (``--cells`` or ``--jobs`` below 1, a ``--context`` without ``=``,
  no app command, unreadable ``cdk.json``).

This module imports neither aws-cdk-lib nor :mod:`paved_road.fleet` (the CDK work
happens in the child processes), so ``paved-road`` keeps starting fast.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from paved_road.cli import AssemblySummary

__all__ = [
    "CELL_CONTEXT",
    "DEFAULT_OUTPUT",
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_OK",
    "CellRun",
    "FleetInputError",
    "add_parser",
    "cell_context",
    "cell_environment",
    "load_project",
    "parse_context_pairs",
    "print_report",
    "run",
    "run_cell",
    "run_cells",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_ERROR = 2

CELL_CONTEXT = "paved-road:fleet-cell"
"""Same key as ``paved_road.fleet.CELL_CONTEXT`` (not imported: that module loads
aws-cdk-lib; a unit test keeps the two equal)."""

DEFAULT_OUTPUT = "cdk.out.cells"
STDERR_TAIL_LINES = 40

_PROG = "paved-road fleet synth"
_JSII_SILENCE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"


class FleetInputError(ValueError):
    """Bad command-line input or project configuration (exit code 2)."""


@dataclass(frozen=True)
class CellRun:
    """The outcome of synthesizing one cell.

    ``summary`` is the cell's assembly summary, None when the process failed or its
    assembly could not be read (``read_error`` says why).
    """

    index: int
    outdir: Path
    returncode: int
    seconds: float
    stdout: str
    stderr: str
    summary: AssemblySummary | None = None
    read_error: str | None = None

    @property
    def ok(self) -> bool:
        """The process exited 0 and wrote a readable cloud assembly."""
        return self.returncode == 0 and self.summary is not None

    @property
    def resources(self) -> int:
        """Resources in all of the cell's stacks (0 without an assembly)."""
        return sum(s.resources for s in self.summary.stacks) if self.summary else 0


# ---------------------------------------------------------------------------- input


def parse_context_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}`` (values stay strings, as with
    ``cdk synth -c``); FleetInputError for a pair without ``=`` or with an empty key."""
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise FleetInputError(f"--context expects KEY=VALUE, got {pair!r}")
        context[key.strip()] = value
    return context


def _read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path``; {} when the file does not exist."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FleetInputError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise FleetInputError(f"{path} must hold a JSON object")
    return data


def load_project(directory: Path) -> tuple[str | None, dict[str, Any]]:
    """``(app command, context)`` of the CDK project in ``directory``: the ``"app"`` and
    ``"context"`` of ``cdk.json``, with ``cdk.context.json`` (cached lookups) on top."""
    config = _read_json_object(directory / "cdk.json")
    context = config.get("context") or {}
    if not isinstance(context, dict):
        raise FleetInputError(f'{directory / "cdk.json"}: "context" must be an object')
    app = config.get("app")
    if app is not None and not isinstance(app, str):
        raise FleetInputError(f'{directory / "cdk.json"}: "app" must be a string')
    return app, {**context, **_read_json_object(directory / "cdk.context.json")}


def cell_context(base: Mapping[str, Any], index: int, cells: int) -> dict[str, Any]:
    """The context of cell ``index`` of ``cells``: ``base`` with the cell key set last."""
    return {**base, CELL_CONTEXT: f"{index}/{cells}"}


def cell_environment(
    base: Mapping[str, str], outdir: Path, context: Mapping[str, Any]
) -> dict[str, str]:
    """The app's environment for one cell: ``base`` plus ``CDK_OUTDIR`` and
    ``CDK_CONTEXT_JSON`` (what ``App()`` reads), and jsii's Node-version warning off."""
    env = dict(base)
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps(dict(context))
    env.setdefault(_JSII_SILENCE, "20")
    return env


# ---------------------------------------------------------------------------- running


def _summarize(outdir: Path) -> tuple[AssemblySummary | None, str | None]:
    """The assembly summary of ``outdir``, or ``(None, reason)``."""
    from paved_road.cli import summarize  # cli imports this module: import on use

    try:
        return summarize(outdir), None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, str(exc)


def run_cell(app: str, index: int, outdir: Path, context: Mapping[str, Any], cwd: Path) -> CellRun:
    """Wipe ``outdir``, run ``app`` through the shell for one cell and read its assembly."""
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    env = cell_environment(os.environ, outdir, context)
    start = time.perf_counter()
    result = subprocess.run(
        app, shell=True, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    summary, read_error = _summarize(outdir) if result.returncode == 0 else (None, None)
    return CellRun(
        index, outdir, result.returncode, elapsed, result.stdout, result.stderr, summary, read_error
    )


def run_cells(
    app: str,
    cells: int,
    output: Path,
    context: Mapping[str, Any],
    *,
    jobs: int,
    cwd: Path,
) -> list[CellRun]:
    """Run every cell, at most ``jobs`` at once; results in cell order."""
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="fleet-cell") as pool:
        futures = [
            pool.submit(
                run_cell,
                app,
                index,
                output / f"cell-{index}",
                cell_context(context, index, cells),
                cwd,
            )
            for index in range(cells)
        ]
        return [future.result() for future in futures]


# ---------------------------------------------------------------------------- report


def _errors_warnings(summary: AssemblySummary) -> tuple[int, int]:
    """Unacknowledged (error + fatal, warning) findings of one assembly."""
    findings = summary.findings
    return findings.get("error", 0) + findings.get("fatal", 0), findings.get("warning", 0)


def _tail(text: str, lines: int = STDERR_TAIL_LINES) -> list[str]:
    """The last ``lines`` lines of ``text``, trailing blank lines dropped."""
    return text.rstrip().splitlines()[-lines:] if text.strip() else []


def _cell_row(run: CellRun) -> str:
    """One line of the per-cell table."""
    if run.summary is None:
        status = "no assembly" if run.returncode == 0 else "failed"
        return f"  {run.index:>4}  {run.returncode:>4}  {run.seconds:>7.2f}  {status}"
    errors, warnings = _errors_warnings(run.summary)
    return (
        f"  {run.index:>4}  {run.returncode:>4}  {run.seconds:>7.2f}  "
        f"{len(run.summary.stacks):>6}  {run.resources:>9}  "
        f"{errors} errors, {warnings} warnings, {run.summary.acknowledged} acknowledged"
    )


def _print_failure(run: CellRun, out: TextIO) -> None:
    """Why a cell failed: the read error, or the tail of its stderr (else stdout)."""
    if run.returncode == 0:
        out.write(
            f"cell {run.index}: the app exited 0 but its cloud assembly cannot be read "
            f"({run.read_error}); does the app call app.synth()?\n"
        )
        return
    stream, text = ("stderr", run.stderr) if run.stderr.strip() else ("stdout", run.stdout)
    lines = _tail(text)
    out.write(
        f"cell {run.index} failed (exit {run.returncode}); last {len(lines)} lines of {stream}:\n"
    )
    for line in lines:
        out.write(f"  | {line}\n")


def _shared_stacks(runs: Sequence[CellRun]) -> dict[str, list[int]]:
    """Stacks synthesized by more than one cell (name -> cells)."""
    cells_of: defaultdict[str, list[int]] = defaultdict(list)
    for run in runs:
        for stack in run.summary.stacks if run.summary else []:
            cells_of[stack.name].append(run.index)
    return {name: cells for name, cells in sorted(cells_of.items()) if len(cells) > 1}


def print_report(runs: Sequence[CellRun], wall_seconds: float, out: TextIO) -> None:
    """Per-cell table, failures with their output tail, shared stacks and totals."""
    out.write("  cell  exit  seconds  stacks  resources  guardrail findings (unacknowledged)\n")
    for run in runs:
        out.write(_cell_row(run) + "\n")
    for run in runs:
        if not run.ok:
            _print_failure(run, out)
    shared = _shared_stacks(runs)
    if shared:
        out.write(
            f"warning: {len(shared)} stacks are in more than one cell (stacks outside the "
            "fleet, or a fleet that ignores the cell context); deploy each from one cell only:\n"
        )
        for name, cells in shared.items():
            out.write(f"  {name}: cells {', '.join(map(str, cells))}\n")
    totals: Counter[str] = Counter()
    for run in runs:
        if run.summary is not None:
            errors, warnings = _errors_warnings(run.summary)
            totals.update(
                stacks=len(run.summary.stacks),
                resources=run.resources,
                errors=errors,
                warnings=warnings,
            )
    failed = sum(not run.ok for run in runs)
    out.write(
        f"total: {len(runs)} cells ({len(runs) - failed} ok, {failed} failed), "
        f"{totals['stacks']} stacks, {totals['resources']} resources, "
        f"{totals['errors']} errors, {totals['warnings']} warnings unacknowledged; "
        f"wall {wall_seconds:.2f} s (cells {sum(r.seconds for r in runs):.2f} s)\n"
    )


# ---------------------------------------------------------------------------- command


def _check_counts(cells: int, jobs: int | None) -> int:
    """The number of parallel jobs, validated (default ``min(cells, cpu count)``)."""
    if cells < 1:
        raise FleetInputError(f"--cells must be at least 1, got {cells}")
    if jobs is not None and jobs < 1:
        raise FleetInputError(f"--jobs must be at least 1, got {jobs}")
    return jobs if jobs is not None else min(cells, os.cpu_count() or 1)


def _resolve_app(explicit: str | None, from_cdk_json: str | None) -> str:
    """``--app``, else the ``"app"`` of ``cdk.json``; FleetInputError without either."""
    app = explicit if explicit is not None else from_cdk_json
    if not app or not app.strip():
        raise FleetInputError(
            "no app to run: pass --app COMMAND (e.g. --app 'python app.py') or run in a "
            'directory whose cdk.json has "app"'
        )
    return app


def run(args: argparse.Namespace, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``paved-road fleet synth`` for parsed ``args``; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    cwd = Path.cwd()
    try:
        jobs = _check_counts(args.cells, args.jobs)
        overrides = parse_context_pairs(args.context)
        cdk_json_app, project_context = load_project(cwd)
        app = _resolve_app(args.app, cdk_json_app)
    except FleetInputError as exc:
        err.write(f"{_PROG}: {exc}\n")
        return EXIT_ERROR
    output = (cwd / args.output).resolve()
    context = {**project_context, **overrides}
    out.write(f"{_PROG}: {args.cells} cells, {jobs} at a time, app: {app}\n")
    out.flush()
    start = time.perf_counter()
    runs = run_cells(app, args.cells, output, context, jobs=jobs, cwd=cwd)
    print_report(runs, time.perf_counter() - start, out)
    out.write(f"assemblies: {output}/cell-<0..{args.cells - 1}>\n")
    if any(not r.ok for r in runs):
        return EXIT_FAILED
    if args.fail_on_findings and any(r.summary and r.summary.unacknowledged for r in runs):
        err.write(f"{_PROG}: unacknowledged guardrail findings (--fail-on-findings)\n")
        return EXIT_FAILED
    return EXIT_OK


def _synth_command(args: argparse.Namespace) -> int:
    """The ``func`` of ``fleet synth`` (``cli.main`` calls ``args.func(args)``)."""
    return run(args)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``fleet`` (with its ``synth`` action) on ``subparsers``."""
    fleet = subparsers.add_parser(
        "fleet",
        help="work with a TenantFunctionFleet split into cells",
        description="Work with a TenantFunctionFleet split into cells (separate processes).",
    )
    actions = fleet.add_subparsers(dest="fleet_command", required=True)
    synth = actions.add_parser(
        "synth",
        help="synthesize each cell of the fleet in a process of its own, in parallel",
        description=(
            "Run the CDK app once per cell with the context "
            f"{CELL_CONTEXT}=<i>/<N>; each cell's cloud assembly goes to "
            "<output>/cell-<i>. Exit 1 if a cell fails."
        ),
    )
    synth.add_argument("--cells", type=int, required=True, metavar="N", help="number of cells")
    synth.add_argument(
        "--app",
        default=None,
        metavar="COMMAND",
        help='the CDK app command, run through the shell (default: "app" of ./cdk.json)',
    )
    synth.add_argument(
        "--output",
        type=Path,
        default=Path(DEFAULT_OUTPUT),
        metavar="DIR",
        help=f"cells go to DIR/cell-<i>, each wiped first (default: {DEFAULT_OUTPUT})",
    )
    synth.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="J",
        help="cells synthesized at once (default: min(N, CPU count))",
    )
    synth.add_argument(
        "--context",
        "-c",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="context for the app (string value), after cdk.json's; repeatable",
    )
    synth.add_argument(
        "--fail-on-findings",
        action="store_true",
        help="exit 1 if any cell has an unacknowledged guardrail finding (error or warning)",
    )
    synth.set_defaults(func=_synth_command)

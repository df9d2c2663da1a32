"""``paved-road runtimes scan``: Lambda runtimes of templates against the lifecycle policy.

A pre-deployment check for CI: it reads CloudFormation/SAM templates (or a synthesized
``cdk.out``), finds every Lambda function and its runtime, and reports where that runtime
is in its lifecycle on a given day under the runtime policy: cfn-lint's dates,
tightened by an organization override file (``--policy``, else the active policy)::

    cdk synth
    paved-road runtimes scan cdk.out --fail-within 30
    paved-road runtimes scan cdk.out --fail-within tier
    paved-road runtimes scan template.yaml sam/ --format json --policy runtime-policy.yaml

A PATH is a template file (``.json``, ``.yaml``, ``.yml``, ``.template``) or a directory
searched recursively (hidden directories and ``node_modules`` skipped). A directory with
a ``manifest.json`` is a cloud assembly: its stack templates are read from the manifest,
nested Stage assemblies included. Other files found in a directory are templates only if
they have a ``Resources`` mapping of resources with a ``Type``; the rest (``cdk.json``,
``tree.json``, package files, ...) are skipped.

Functions are ``AWS::Lambda::Function`` (``Runtime``; ``PackageType: Image`` has no
runtime) and ``AWS::Serverless::Function`` (``Runtime``, else ``Globals.Function.Runtime``).
A ``Ref`` to a template parameter with a literal ``Default`` resolves to that default;
any other non-literal runtime is reported as ``unresolved`` and does not fail the scan.

Exit codes:

* ``0``: no function is failing;
* ``1``: a function's runtime is deprecated, create-blocked, update-blocked or not
  approved, or (with ``--fail-within DAYS``) a supported runtime is deprecated within
  DAYS days; ``--fail-within tier`` uses each function's deprecation horizon from the
  criticality matrix instead (its ``criticality`` tag; CRITICAL 180, IMPORTANT 90,
  STANDARD or untagged 30 days by default; ``--matrix FILE`` for an organization's
  matrix, see :mod:`paved_road.governance`);
* ``2``: usage error: a PATH that does not exist, no template found, a file that cannot
  be parsed, an invalid policy file.

Like the rest of the ``paved-road`` command this module imports no aws-cdk-lib. The
lifecycle data and the policy file format are in :mod:`paved_road.runtimes`.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeGuard

from paved_road import assembly, runtimes
from paved_road._help import help_text
from paved_road.errors import PavedRoadError
from paved_road.governance import CriticalityMatrix, horizon_days

__all__ = [
    "CRITICALITY_TAG",
    "EXIT_ERROR",
    "EXIT_FAILING",
    "EXIT_OK",
    "IMAGE",
    "UNRESOLVED",
    "ScanError",
    "ScanResult",
    "ScannedFunction",
    "Template",
    "add_parser",
    "find_templates",
    "functions_in",
    "run_scan",
    "scan",
]

EXIT_OK = 0
EXIT_FAILING = 1
EXIT_ERROR = 2

CRITICALITY_TAG = "criticality"
"""The tag carrying a function's criticality (``paved_road.function.CRITICALITY_TAG``;
repeated here so the command does not import aws-cdk-lib)."""

UNRESOLVED = "unresolved"
"""Phase of a function whose runtime is not a literal (nor a parameter's default)."""
IMAGE = "image"
"""Phase of a container-image function: it has no runtime."""

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
SKIPPED_DIRECTORIES = ("node_modules",)
LAMBDA_FUNCTION = "AWS::Lambda::Function"
SAM_FUNCTION = "AWS::Serverless::Function"

_PHASE_ORDER = [p.value for p in runtimes.Phase] + [UNRESOLVED, IMAGE]
_FAILING = {p.value for p in runtimes.Phase if p.failing}


class ScanError(Exception):
    """Unusable input: a missing PATH, an unparseable file, no template at all."""


@dataclass(frozen=True)
class Template:
    """One template to scan: its label (path relative to the PATH given), the stack's
    display name when it comes from a cloud assembly, and its content."""

    label: str
    stack: str | None
    body: Mapping[str, Any]


@dataclass(frozen=True)
class ScannedFunction:
    """One Lambda function of a template and its runtime's lifecycle on the scan day."""

    template: str
    stack: str | None
    logical_id: str
    resource_type: str
    runtime: str | None  # None for images and unresolved runtimes
    parameter: str | None  # the parameter whose Default gave the runtime
    expression: str | None  # an unresolved runtime's intrinsic: "Ref Name", "Fn::If", ...
    phase: str  # a runtimes.Phase value, UNRESOLVED or IMAGE
    date: _dt.date | None  # deprecation date, or when the current phase started
    days_left: int | None  # to deprecation, negative once past
    successor: str | None
    criticality: str | None
    within_horizon: bool = False  # supported, deprecated within --fail-within days

    @property
    def failing(self) -> bool:
        return self.phase in _FAILING or self.within_horizon

    def to_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "stack": self.stack,
            "logicalId": self.logical_id,
            "type": self.resource_type,
            "runtime": self.runtime,
            "parameter": self.parameter,
            "expression": self.expression,
            "phase": self.phase,
            "date": self.date.isoformat() if self.date else None,
            "daysLeft": self.days_left,
            "successor": self.successor,
            "criticality": self.criticality,
            "failing": self.failing,
        }


FailWithin = int | str | None
"""Days, ``"tier"`` (each function's horizon from the criticality matrix), or None."""
TIER = "tier"


def horizon_of(
    fail_within: FailWithin, criticality: str | None, matrix: CriticalityMatrix | None = None
) -> int | None:
    """The days-left threshold for one function: ``fail_within`` days, or with
    ``"tier"`` the horizon of the function's ``criticality`` tag in ``matrix``."""
    if fail_within == TIER:
        return horizon_days(criticality, matrix)
    return fail_within if isinstance(fail_within, int) else None


@dataclass(frozen=True)
class ScanResult:
    today: _dt.date
    fail_within: FailWithin
    templates: int
    functions: tuple[ScannedFunction, ...]

    @property
    def summary(self) -> dict[str, int]:
        """Phase -> number of functions, in lifecycle order, phases seen only."""
        counts = Counter(f.phase for f in self.functions)
        return {phase: counts[phase] for phase in _PHASE_ORDER if counts[phase]}

    @property
    def failing(self) -> int:
        return sum(1 for f in self.functions if f.failing)

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "failWithin": self.fail_within,
            "templates": self.templates,
            "functions": [f.to_json() for f in self.functions],
            "summary": self.summary,
            "failing": self.failing,
        }


# -- reading templates ---------------------------------------------------------------


def _is_template(body: object) -> TypeGuard[dict[str, Any]]:
    if not isinstance(body, dict):
        return False
    resources = body.get("Resources")
    return (
        isinstance(resources, dict)
        and bool(resources)
        and all(isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values())
    )


def _parse(path: Path) -> object:
    """A JSON or YAML template; YAML through cfn-lint's decoder (short-form tags)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScanError(f"{path}: cannot be read ({exc})") from exc
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ScanError(f"{path}: not valid JSON: {exc}") from exc
    from cfnlint.decode import decode_str  # slow import: only for YAML templates

    body, matches = decode_str(text)
    if matches:
        first = matches[0]
        line = getattr(first, "linenumber", None)
        where = f" (line {line})" if line else ""
        raise ScanError(f"{path}: not a valid template{where}: {first.message}")
    return body


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def _assembly_templates(root: Path, base: Path) -> Iterator[Template]:
    try:
        artifacts = list(assembly.stack_artifacts(root))
    except (OSError, ValueError, KeyError) as exc:
        raise ScanError(f"{root}: not a readable cloud assembly ({exc})") from exc
    for directory, artifact_id, artifact in artifacts:
        name = (artifact.get("properties") or {}).get("templateFile")
        if not isinstance(name, str):
            continue
        path = directory / name
        body = _parse(path)
        if not isinstance(body, dict):
            raise ScanError(f"{path}: not a CloudFormation template")
        stack = str(artifact.get("displayName") or artifact_id)
        yield Template(_relative(path, base), stack, body)


def _walk(directory: Path, base: Path) -> Iterator[Template]:
    if (directory / "manifest.json").is_file():
        yield from _assembly_templates(directory, base)
        return
    for child in sorted(directory.iterdir()):
        if child.is_dir():
            if not child.name.startswith(".") and child.name not in SKIPPED_DIRECTORIES:
                yield from _walk(child, base)
        elif child.suffix.lower() in TEMPLATE_SUFFIXES and _mentions_resources(child):
            body = _parse(child)
            if _is_template(body):
                yield Template(_relative(child, base), None, body)


def _mentions_resources(path: Path) -> bool:
    """Cheap filter: a file without the word ``Resources`` is no template (and files
    such as a commented ``tsconfig.json`` are then never parsed)."""
    try:
        with path.open("rb") as handle:
            return b"Resources" in handle.read()
    except OSError as exc:
        raise ScanError(f"{path}: cannot be read ({exc})") from exc


def find_templates(path: Path) -> list[Template]:
    """The templates in ``path``: a template file, a cloud assembly, or a directory.

    :raises ScanError: ``path`` does not exist, a candidate file cannot be parsed, or
        ``path`` is a file that is not a template.
    """
    if path.is_dir():
        return list(_walk(path, path))
    if path.is_file():
        body = _parse(path)
        if not _is_template(body):
            raise ScanError(f"{path}: not a CloudFormation template (no Resources with a Type)")
        return [Template(path.as_posix(), None, body)]
    raise ScanError(f"{path} does not exist")


# -- finding functions ---------------------------------------------------------------


def _resolve(value: object, parameters: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(runtime, parameter): a literal, or the literal Default of a Ref'd parameter."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and list(value) == ["Ref"] and isinstance(value["Ref"], str):
        declared = parameters.get(value["Ref"])
        default = declared.get("Default") if isinstance(declared, dict) else None
        if isinstance(default, str):
            return default, value["Ref"]
    return None, None


def _expression(value: object) -> str | None:
    """A short text for a runtime that is not a literal: ``Ref Name``, ``Fn::If``."""
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), *_ = value.items()
        return f"{function} {argument}" if function == "Ref" else str(function)
    return None if value is None else type(value).__name__


def _criticality(tags: object) -> str | None:
    """The criticality tag's value: Lambda's list of Key/Value, or SAM's map."""
    value: object = None
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and tag.get("Key") == CRITICALITY_TAG:
                value = tag.get("Value")
    elif isinstance(tags, dict):
        value = tags.get(CRITICALITY_TAG)
    if value is None:
        return None
    return value if isinstance(value, str) else UNRESOLVED


def functions_in(
    template: Template,
    *,
    today: _dt.date,
    policy: runtimes.RuntimePolicy,
    fail_within: FailWithin = None,
    matrix: CriticalityMatrix | None = None,
) -> list[ScannedFunction]:
    """Every Lambda function of ``template`` with its runtime's phase on ``today``."""
    body = template.body
    parameters = body.get("Parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    globals_ = body.get("Globals")
    sam_globals = globals_.get("Function") if isinstance(globals_, dict) else None
    sam_globals = sam_globals if isinstance(sam_globals, dict) else {}
    found: list[ScannedFunction] = []
    for logical_id, resource in (body.get("Resources") or {}).items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if kind not in (LAMBDA_FUNCTION, SAM_FUNCTION):
            continue
        properties = resource.get("Properties")
        properties = properties if isinstance(properties, dict) else {}
        inherited = sam_globals if kind == SAM_FUNCTION else {}
        package_type = properties.get("PackageType", inherited.get("PackageType"))
        raw_runtime = properties.get("Runtime", inherited.get("Runtime"))
        base = ScannedFunction(
            template=template.label,
            stack=template.stack,
            logical_id=str(logical_id),
            resource_type=str(kind),
            runtime=None,
            parameter=None,
            expression=None,
            phase=UNRESOLVED,
            date=None,
            days_left=None,
            successor=None,
            criticality=_criticality(properties.get("Tags", inherited.get("Tags"))),
        )
        if package_type == "Image":
            found.append(dataclasses.replace(base, phase=IMAGE))
            continue
        runtime, parameter = _resolve(raw_runtime, parameters)
        if runtime is None:
            found.append(dataclasses.replace(base, expression=_expression(raw_runtime)))
            continue
        phase = policy.phase(runtime, today)
        entry = policy.lifecycle(runtime)
        left = entry.days_left(today) if entry else None
        threshold = horizon_of(fail_within, base.criticality, matrix)
        horizon = (
            threshold is not None
            and phase is runtimes.Phase.SUPPORTED
            and left is not None
            and left <= threshold
        )
        found.append(
            dataclasses.replace(
                base,
                runtime=runtime,
                parameter=parameter,
                phase=phase.value,
                date=entry.phase_started(today) if entry else None,
                days_left=left,
                successor=entry.successor if entry else None,
                within_horizon=horizon,
            )
        )
    return found


def scan(
    paths: Sequence[Path],
    *,
    today: _dt.date,
    policy: runtimes.RuntimePolicy,
    fail_within: FailWithin = None,
    matrix: CriticalityMatrix | None = None,
) -> ScanResult:
    """Scan every template under ``paths``.

    :raises ScanError: see :func:`find_templates`; also when no template is found.
    """
    templates = [t for path in paths for t in find_templates(path)]
    if not templates:
        where = ", ".join(str(p) for p in paths)
        raise ScanError(f"no CloudFormation template found in {where}")
    functions = [
        row
        for template in templates
        for row in functions_in(
            template, today=today, policy=policy, fail_within=fail_within, matrix=matrix
        )
    ]
    return ScanResult(today, fail_within, len(templates), tuple(functions))


# -- output --------------------------------------------------------------------------

_COLUMNS = (
    "TEMPLATE",
    "LOGICAL ID",
    "RUNTIME",
    "PHASE",
    "DATE",
    "DAYS LEFT",
    "SUCCESSOR",
    "CRITICALITY",
)


def _cells(row: ScannedFunction) -> tuple[str, ...]:
    def text(value: object) -> str:
        return "-" if value is None else str(value)

    phase = f"{row.phase} (within horizon)" if row.within_horizon else row.phase
    runtime = f"({row.expression})" if row.expression else text(row.runtime)
    return (
        row.template,
        row.logical_id,
        runtime,
        phase,
        text(row.date),
        text(row.days_left),
        text(row.successor),
        text(row.criticality),
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def summary_line(result: ScanResult) -> str:
    counts = ", ".join(f"{n} {phase}" for phase, n in result.summary.items()) or "none"
    total = len(result.functions)
    within = sum(1 for f in result.functions if f.within_horizon)
    if result.fail_within == TIER:
        horizon = f" ({within} deprecated within their tier's horizon)"
    elif result.fail_within is not None:
        horizon = f" ({within} deprecated within {result.fail_within} days)"
    else:
        horizon = ""
    return (
        f"{_plural(total, 'function')} in {_plural(result.templates, 'template')} "
        f"on {result.today}: {counts}; "
        f"{result.failing} failing{horizon}"
    )


def print_table(result: ScanResult, out: TextIO) -> None:
    rows = [_COLUMNS, *(_cells(f) for f in result.functions)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    for row in rows:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")
    out.write(summary_line(result) + "\n")


# -- command -------------------------------------------------------------------------


def _day(value: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date YYYY-MM-DD, got {value!r}") from None


def _days(value: str) -> int | str:
    if value == TIER:
        return TIER
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(
            f"must be a number of days (0 or more) or 'tier', got {value!r}"
        )
    return days


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """Register ``runtimes`` (with its ``scan`` action) on ``subparsers``; returns the
    ``runtimes`` command's own subparsers so more actions can be attached."""
    command = subparsers.add_parser(
        "runtimes",
        help="Lambda runtimes: lifecycle phases under the runtime policy",
        description="Lambda runtimes against the lifecycle dates and the runtime policy.",
    )
    actions = command.add_subparsers(dest="runtimes_command", required=True)
    parser = actions.add_parser(
        "scan",
        help="report every Lambda function's runtime phase in templates or a cdk.out",
        description=help_text(__doc__ or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a template file, a directory of templates, or a cdk.out",
    )
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="output (default: table)"
    )
    parser.add_argument(
        "--fail-within",
        type=_days,
        metavar="DAYS|tier",
        help="also fail when a supported runtime is deprecated within DAYS days; 'tier': "
        "within the horizon of the function's criticality tag (CRITICAL 180, IMPORTANT 90, "
        "else 30 days, or per --matrix)",
    )
    parser.add_argument(
        "--matrix",
        type=Path,
        metavar="FILE",
        help="criticality matrix (JSON/YAML, see paved_road.governance) for --fail-within "
        "tier (default: paved-road's matrix)",
    )
    parser.add_argument(
        "--today",
        type=_day,
        metavar="YYYY-MM-DD",
        help=f"the day to evaluate (default: ${runtimes.TODAY_ENV}, else today)",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help=f"runtime policy override file (default: ${runtimes.POLICY_ENV}, else none)",
    )
    parser.set_defaults(func=run_scan)
    return actions


def run_scan(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``paved-road runtimes scan``; returns the exit code."""
    stream = out if out is not None else sys.stdout
    try:
        today = args.today or runtimes.current_date()
        policy = runtimes.policy_for(args.policy)
        if args.matrix and args.fail_within != TIER:
            raise ScanError("--matrix only applies with --fail-within tier")
        matrix = CriticalityMatrix.load(args.matrix) if args.matrix else None
        result = scan(
            list(args.paths),
            today=today,
            policy=policy,
            fail_within=args.fail_within,
            matrix=matrix,
        )
    except (ScanError, PavedRoadError, ValueError) as exc:
        print(f"paved-road: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.format == "json":
        stream.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        print_table(result, stream)
    return EXIT_FAILING if result.failing else EXIT_OK

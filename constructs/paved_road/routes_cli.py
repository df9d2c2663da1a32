"""``paved-road routes explain``: where would API Gateway send this request?

Reads synthesized templates (a ``cdk.out`` cloud assembly, or template ``.json`` files)
and prints, for each custom domain: its routing mode, its routing rules in evaluation
order, its API mappings, and where each ``--request`` goes, with the evaluator
``RoutingRules.resolve`` uses (:mod:`paved_road.routing_table`)::

    paved-road routes explain cdk.out \\
        --request /checkout/cart -H "x-version: v2" \\
        --request "/v1/orders?page=2" \\
        --request /products -H "x-user-cohort: beta-testers" -H "x-version: v3"

``--request PATH`` starts a request; every ``-H/--header "Name: value"`` after it, up to
the next ``--request``, is one of its headers (a name given twice is a header sent
twice). A ``--header`` before the first ``--request`` is a usage error.

Exit codes:

* ``0``: the tables were printed and have no problems;
* ``1``: a table has problems, i.e. something API Gateway would reject (duplicate
  priority, invalid glob, restricted header, ...); they are printed;
* ``2``: no custom domain found (after ``--domain``), or unreadable input.

Like the rest of the ``paved-road`` command this module imports no aws-cdk-lib.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from paved_road import assembly
from paved_road._help import help_text
from paved_road.routing_table import (
    NO_ROUTE,
    RouteMatch,
    RoutingTable,
    tables_from_template,
)

__all__ = [
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "DomainTable",
    "Request",
    "add_parser",
    "load_tables",
    "run_explain",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_ERROR = 2

_PROG = "paved-road routes"


@dataclass
class Request:
    """One ``--request`` and the ``--header`` options that followed it."""

    path: str
    headers: dict[str, list[str]] = field(default_factory=dict)

    def header_values(self) -> dict[str, str | list[str]]:
        """Headers for :meth:`RoutingTable.resolve`: a string, or a list when repeated."""
        return {k: v[0] if len(v) == 1 else list(v) for k, v in self.headers.items()}


@dataclass(frozen=True)
class DomainTable:
    """A custom domain's routing table and where it was read from."""

    source: str  # stack display name, or template file name
    domain: str  # the domain's logical id
    table: RoutingTable


class _StartRequest(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        requests: list[Request] = list(getattr(namespace, self.dest, None) or [])
        requests.append(Request(str(values)))
        setattr(namespace, self.dest, requests)


class _AddHeader(argparse.Action):
    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        requests: list[Request] = getattr(namespace, "requests", None) or []
        if not requests:
            parser.error(f"{option_string} {values!r}: a --header belongs to a --request before it")
        name, colon, value = str(values).partition(":")
        if not colon or not name.strip():
            parser.error(f"{option_string} must be 'Name: value', got {values!r}")
        requests[-1].headers.setdefault(name.strip(), []).append(value.strip())


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``routes`` (with its ``explain`` action) on ``subparsers``."""
    routes = subparsers.add_parser(
        "routes",
        help="custom domains: routing rules, API mappings, where requests go",
        description="Custom domains of synthesized templates: routing rules and API mappings.",
    )
    actions = routes.add_subparsers(dest="routes_command", required=True)
    explain = actions.add_parser(
        "explain",
        help="print each domain's routing table and resolve requests against it",
        description=help_text(__doc__ or "", drop=(" (:mod:`paved_road.routing_table`)",)),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="cdk.out directories or template .json files (default: cdk.out)",
    )
    explain.add_argument(
        "--domain",
        metavar="TEXT",
        help="only domains whose logical id (or domain name) contains TEXT",
    )
    explain.add_argument(
        "--request",
        dest="requests",
        action=_StartRequest,
        metavar="PATH",
        help="a request path to resolve, e.g. '/orders/7?x=1' (repeatable)",
    )
    explain.add_argument(
        "-H",
        "--header",
        action=_AddHeader,
        metavar="'NAME: VALUE'",
        help="a header of the --request before it (repeatable)",
    )
    explain.add_argument(
        "--format", choices=("text", "json"), default="text", help="output (default: text)"
    )
    explain.set_defaults(func=run_explain, requests=[])


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a CloudFormation template (not a JSON object)")
    return data


def load_tables(paths: Sequence[Path]) -> list[DomainTable]:
    """Every custom domain's table in ``paths`` (cloud assemblies or template files).

    :raises ValueError: a path that does not exist, a directory without
        ``manifest.json``, a file that is not a JSON object.
    """
    found: list[DomainTable] = []
    for path in paths:
        templates: list[tuple[str, dict[str, Any]]] = []
        if path.is_dir():
            if not (path / "manifest.json").is_file():
                raise ValueError(f"{path} has no manifest.json: run `cdk synth` first")
            for directory, artifact_id, artifact in assembly.stack_artifacts(path):
                name = (artifact.get("properties") or {}).get("templateFile")
                if isinstance(name, str):
                    label = str(artifact.get("displayName") or artifact_id)
                    templates.append((label, _read_json(directory / name)))
        elif path.is_file():
            templates.append((path.name, _read_json(path)))
        else:
            raise ValueError(f"{path} does not exist")
        for source, template in templates:
            for domain, table in tables_from_template(template).items():
                found.append(DomainTable(source, domain, table))
    return found


def _warnings(table: RoutingTable) -> list[str]:
    return [
        f"priorities {a} and {b} leave no room for a rule between them (use gaps: 100, 200)"
        for a, b in table.packed_priorities()
    ]


def _problem_lines(table: RoutingTable) -> list[str]:
    return [f"{prop} {message}, got {value!r}" for prop, message, value in table.problems()]


def _match_json(match: RouteMatch | None) -> dict[str, Any] | None:
    if match is None:
        return None
    return {
        "via": match.via,
        "rule": match.rule.name if match.rule is not None else None,
        "priority": match.priority,
        "mapping": match.mapping.label if match.mapping is not None else None,
        "api": match.api_name,
        "stage": match.stage_name,
        "forwardedPath": match.forwarded_path,
    }


def _domain_json(item: DomainTable, requests: Sequence[Request]) -> dict[str, Any]:
    table = item.table
    return {
        "source": item.source,
        "domain": item.domain,
        "domainName": table.domain_name,
        "mode": table.mode.value,
        "notes": list(table.notes),
        "rules": [
            {
                "name": rule.name,
                "priority": rule.priority,
                "conditions": rule.conditions_text(),
                "api": rule.api_name,
                "stage": rule.stage_name,
                "stripBasePath": rule.strip_base_path,
            }
            for rule in table.ordered_rules()
        ],
        "mappings": [
            {"basePath": m.label, "api": m.api_name, "stage": m.stage_name} for m in table.mappings
        ],
        "requests": [
            {
                "path": r.path,
                "headers": r.header_values(),
                "match": _match_json(table.resolve(r.path, r.header_values())),
            }
            for r in requests
        ],
        "noRoute": NO_ROUTE,
        "warnings": _warnings(table),
        "problems": _problem_lines(table),
    }


def _print_text(items: Sequence[DomainTable], requests: Sequence[Request], out: TextIO) -> None:
    resolved = [(r.path, r.header_values()) for r in requests]
    for index, item in enumerate(items):
        if index:
            out.write("\n")
        name = f" ({item.table.domain_name})" if item.table.domain_name else ""
        out.write(f"== {item.source} / {item.domain}{name}\n")
        out.write(item.table.explain(resolved) + "\n")
        for line in _warnings(item.table):
            out.write(f"warning: {line}\n")
        for line in _problem_lines(item.table):
            out.write(f"problem: {line}\n")


def run_explain(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``paved-road routes explain``; returns the exit code."""
    stream = out if out is not None else sys.stdout
    paths = list(args.paths) or [Path("cdk.out")]
    try:
        items = load_tables(paths)
    except (OSError, ValueError) as exc:
        print(f"{_PROG}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.domain:
        items = [i for i in items if args.domain in i.domain or args.domain in i.table.domain_name]
    if not items:
        where = ", ".join(str(p) for p in paths)
        which = f" matching --domain {args.domain!r}" if args.domain else ""
        print(f"{_PROG}: no custom domain{which} in {where}", file=sys.stderr)
        return EXIT_ERROR
    requests: list[Request] = list(args.requests)
    if args.format == "json":
        payload = [_domain_json(item, requests) for item in items]
        stream.write(json.dumps({"domains": payload}, indent=2, default=str) + "\n")
    else:
        _print_text(items, requests, stream)
    return EXIT_PROBLEMS if any(item.table.problems() for item in items) else EXIT_OK

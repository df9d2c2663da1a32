"""``paved-road routes explain``: print the routing tables of synthesized templates (custom
domains' routing mode, routing rules in evaluation order, API mappings) and where given
requests would go, with the same evaluator as ``RoutingRules.resolve``.

    paved-road routes explain cdk.out --request /checkout -H "x-version: v2" \\
        --request /v1/orders
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paved_road import assembly
from paved_road.routing_table import RoutingTable, tables_from_template


@dataclass
class Request:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class _RequestAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        requests = list(getattr(namespace, "requests", None) or [])
        requests.append(Request(str(values)))
        namespace.requests = requests


class _HeaderAction(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        requests = getattr(namespace, "requests", None) or []
        name, sep, value = str(values).partition(":")
        if not requests:
            parser.error("--header must follow a --request")
        if not sep or not name.strip():
            parser.error(f"--header must be 'Name: value', got {values!r}")
        requests[-1].headers[name.strip()] = value.strip()


def add_parser(sub: Any) -> None:
    routes = sub.add_parser("routes", help="custom domain routing tables")
    routes_sub = routes.add_subparsers(dest="routes_command", required=True)
    explain = routes_sub.add_parser(
        "explain",
        help="print routing tables of synthesized templates and resolve requests",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[Path("cdk.out")],
        help="cdk.out directories or template .json files (default: cdk.out)",
    )
    explain.add_argument("--domain", help="only domains whose logical id contains this text")
    explain.add_argument(
        "--request",
        action=_RequestAction,
        metavar="PATH",
        help="a request path to resolve (repeatable); the --header options after it apply",
    )
    explain.add_argument(
        "-H",
        "--header",
        action=_HeaderAction,
        metavar="'NAME: VALUE'",
        help="a header of the preceding --request",
    )
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.set_defaults(func=run_explain, requests=[])


def _templates(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        if path.is_dir():
            for directory, artifact_id, artifact in assembly.stack_artifacts(path):
                name = str((artifact.get("properties") or {}).get("templateFile"))
                text = (directory / name).read_text(encoding="utf-8")
                found.append((artifact.get("displayName", artifact_id), json.loads(text)))
        elif path.is_file():
            found.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
    return found


def _json(stack: str, domain: str, table: RoutingTable, requests: list[Request]) -> dict[str, Any]:
    def match_json(request: Request) -> dict[str, Any]:
        match = table.resolve(request.path, request.headers)
        return {
            "path": request.path,
            "headers": request.headers,
            "match": None
            if match is None
            else {
                "via": match.via,
                "rule": match.rule.name if match.rule else None,
                "priority": match.priority,
                "api": match.api_name,
                "stage": match.stage_name,
                "forwardedPath": match.forwarded_path,
            },
        }

    return {
        "stack": stack,
        "domain": domain,
        "mode": table.mode.value,
        "rules": [
            {
                "name": r.name,
                "priority": r.priority,
                "conditions": r.conditions_text(),
                "api": r.api_name,
                "stage": r.stage_name,
                "stripBasePath": r.strip_base_path,
            }
            for r in table.ordered_rules()
        ],
        "mappings": [
            {"basePath": m.base_path, "api": m.api_name, "stage": m.stage_name}
            for m in table.mappings
        ],
        "requests": [match_json(r) for r in requests],
        "problems": [f"{p} {m}, got {v!r}" for p, m, v in table.problems()],
    }


def run_explain(args: argparse.Namespace) -> int:
    try:
        templates = _templates(list(args.paths))
    except (OSError, ValueError) as exc:
        print(f"paved-road routes: {exc}", file=sys.stderr)
        return 2
    selected = [
        (stack, domain, table)
        for stack, template in templates
        for domain, table in tables_from_template(template).items()
        if not args.domain or args.domain in domain
    ]
    if not selected:
        print("paved-road routes: no custom domain found", file=sys.stderr)
        return 2
    requests = [(r.path, r.headers) for r in args.requests]
    problems = 0
    if args.format == "json":
        out = [_json(stack, domain, table, args.requests) for stack, domain, table in selected]
        problems = sum(len(o["problems"]) for o in out)
        print(json.dumps(out, indent=2))
    else:
        for stack, domain, table in selected:
            print(f"== {stack} / {domain}")
            print(table.explain(requests))
            for prop, message, value in table.problems():
                problems += 1
                print(f"PROBLEM: {prop} {message}, got {value!r}")
            print()
    return 1 if problems else 0

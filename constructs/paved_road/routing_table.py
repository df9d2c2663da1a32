"""The offline evaluator of API Gateway routing rules and API mappings (no aws-cdk-lib).

Semantics (API Gateway developer guide, "Routing rules to connect API stages to a custom
domain name for REST APIs"; the routing rules launch post; the
``AWS::ApiGatewayV2::RoutingRule`` schema):

* The domain's routing mode: ``API_MAPPING_ONLY`` (the default; rules are not evaluated),
  ``ROUTING_RULE_THEN_API_MAPPING`` (every rule first, API mappings as the fallback),
  ``ROUTING_RULE_ONLY`` (rules only; no match is a 404).
* Rules are evaluated by priority, 1 first; the first rule whose conditions all hold wins.
  Priorities are 1-1,000,000 and unique on a domain.
* A rule has up to two header conditions and one base-path condition, ANDed. A rule
  without conditions is a catch-all.
* Header names match case-insensitively (RFC 7230); values are case-sensitive globs over
  the whole value: exact, ``*suffix`` (ends with), ``prefix*`` (starts with) or
  ``*infix*`` (contains). Names: under 40 characters of ``a-zA-Z0-9*?-!#$%&'.^_`|~``;
  globs: under 128 characters of ``a-zA-Z0-9*?-!#$%&'.^_`|~``.
* A base path matches the leading path segment(s) of the request, case-sensitively
  (``products`` matches ``/products`` and ``/products/items``, not ``/productsX``). With
  ``StripBasePath`` the API receives the path without it.
* API mappings: the longest base path matching the leading segments wins; the empty base
  path (none) maps everything else; the base path is always removed.

The launch post labels ``*latest`` a "prefix match" (the wildcard is the prefix); this
module names the forms by what they match: ``*latest`` matches values *ending* with
``latest``.
"""

from __future__ import annotations

import enum
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

MIN_PRIORITY = 1
MAX_PRIORITY = 1_000_000
MAX_HEADER_CONDITIONS = 2
_HEADER_NAME_RE = re.compile(r"[A-Za-z0-9*?\-!#$%&'.^_`|~]{1,39}")
_GLOB_CHARS_RE = re.compile(r"[A-Za-z0-9*?\-!#$%&'.^_`|~]{1,127}")
_BASE_PATH_RE = re.compile(r"[A-Za-z0-9._~$+=-]+(/[A-Za-z0-9._~$+=-]+)*")


class RoutingMode(enum.StrEnum):
    """A custom domain's routing mode."""

    API_MAPPING_ONLY = "API_MAPPING_ONLY"
    ROUTING_RULE_THEN_API_MAPPING = "ROUTING_RULE_THEN_API_MAPPING"
    ROUTING_RULE_ONLY = "ROUTING_RULE_ONLY"

    @property
    def rest_domain_value(self) -> str:
        """The spelling of ``AWS::ApiGateway::DomainName``'s ``RoutingMode`` (REST custom
        domains say BASE_PATH_MAPPING where API Gateway v2 says API_MAPPING)."""
        return self.value.replace("API_MAPPING", "BASE_PATH_MAPPING")

    @classmethod
    def parse(cls, value: object) -> RoutingMode:
        """Either spelling; unknown values and absence mean the default (mappings only)."""
        text = str(value).replace("BASE_PATH_MAPPING", "API_MAPPING")
        try:
            return cls(text)
        except ValueError:
            return cls.API_MAPPING_ONLY


@dataclass(frozen=True)
class HeaderMatch:
    """A header condition: ``header`` (any case) whose value matches ``value_glob``."""

    header: str
    value_glob: str


@dataclass(frozen=True)
class RuleSpec:
    """One routing rule: conditions, priority and the API stage it invokes."""

    name: str
    priority: int
    api: Any
    api_name: str
    stage_name: str
    headers: tuple[HeaderMatch, ...] = ()
    base_path: str | None = None
    strip_base_path: bool = False

    @property
    def is_catch_all(self) -> bool:
        """True when the rule has no condition (it matches every request)."""
        return not self.headers and self.base_path is None

    def conditions_text(self) -> str:
        parts = [f"{h.header}={h.value_glob}" for h in self.headers]
        if self.base_path is not None:
            parts.append(f"basePath={self.base_path}")
        return " AND ".join(parts) or "(catch-all)"


@dataclass(frozen=True)
class MappingSpec:
    """A base-path API mapping (``""`` = the root, i.e. no base path)."""

    base_path: str
    api: Any
    api_name: str
    stage_name: str


@dataclass(frozen=True)
class RouteMatch:
    """Where a request goes: through a rule or an API mapping, to an API stage."""

    via: Literal["rule", "api_mapping"]
    priority: int | None
    """The rule's priority; None for an API mapping."""
    api: Any
    api_name: str
    stage_name: str
    rule: RuleSpec | None
    mapping: MappingSpec | None
    forwarded_path: str
    """The path the API stage receives."""


def glob_problem(value_glob: str) -> str | None:
    """None when ``value_glob`` is a valid header value glob, else what is allowed."""
    if not isinstance(value_glob, str) or not _GLOB_CHARS_RE.fullmatch(value_glob):
        return "must be 1-127 characters of a-z A-Z 0-9 and *?-!#$%&'.^_`|~ (a header value glob)"
    if value_glob == "*":
        return None  # any value of a present header
    inner = value_glob[1:] if value_glob.startswith("*") else value_glob
    inner = inner[:-1] if inner.endswith("*") and inner else inner
    if not inner or "*" in inner:
        return "may use '*' only as *suffix, prefix* or *infix* (not inside the value)"
    return None


def glob_matches(value_glob: str, value: str) -> bool:
    """Whether the whole header ``value`` matches ``value_glob`` (case-sensitive)."""
    if value_glob == "*":
        return True
    leading = value_glob.startswith("*")
    trailing = value_glob.endswith("*") and len(value_glob) > 1
    core = value_glob[1 if leading else 0 : len(value_glob) - (1 if trailing else 0)]
    if leading and trailing:
        return core in value
    if leading:
        return value.endswith(core)
    if trailing:
        return value.startswith(core)
    return value == core


def _segments(path: str) -> list[str]:
    return [s for s in path.split("?", 1)[0].split("/") if s]


def _strip(segments: list[str], base_path: str) -> tuple[bool, str]:
    """(whether ``base_path`` is the leading segments, the rest as a path)."""
    base = [s for s in base_path.split("/") if s]
    if segments[: len(base)] != base:
        return False, ""
    return True, "/" + "/".join(segments[len(base) :])


@dataclass
class RoutingTable:
    """A domain's routing mode, rules and API mappings; :meth:`resolve` evaluates them."""

    mode: RoutingMode
    rules: list[RuleSpec] = field(default_factory=list)
    mappings: list[MappingSpec] = field(default_factory=list)

    def ordered_rules(self) -> list[RuleSpec]:
        return sorted(self.rules, key=lambda r: (r.priority, r.name))

    def _rule_match(
        self, rule: RuleSpec, segments: list[str], headers: Mapping[str, str]
    ) -> RouteMatch | None:
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        for condition in rule.headers:
            value = lowered.get(condition.header.lower())
            if value is None or not glob_matches(condition.value_glob, value):
                return None
        forwarded = "/" + "/".join(segments)
        if rule.base_path is not None:
            matched, rest = _strip(segments, rule.base_path)
            if not matched:
                return None
            if rule.strip_base_path:
                forwarded = rest
        return RouteMatch(
            "rule", rule.priority, rule.api, rule.api_name, rule.stage_name, rule, None, forwarded
        )

    def _mapping_match(self, segments: list[str]) -> RouteMatch | None:
        best: tuple[int, MappingSpec, str] | None = None
        for mapping in self.mappings:
            matched, rest = _strip(segments, mapping.base_path)
            depth = len(_segments(mapping.base_path))
            if matched and (best is None or depth > best[0]):
                best = (depth, mapping, rest)
        if best is None:
            return None
        _, mapping, rest = best
        return RouteMatch(
            "api_mapping",
            None,
            mapping.api,
            mapping.api_name,
            mapping.stage_name,
            None,
            mapping,
            rest,
        )

    def resolve(self, path: str, headers: Mapping[str, str]) -> RouteMatch | None:
        """Where API Gateway sends a request for ``path`` (query string ignored) with
        ``headers``; None means no route (404)."""
        segments = _segments(path)
        if self.mode != RoutingMode.API_MAPPING_ONLY:
            for rule in self.ordered_rules():
                match = self._rule_match(rule, segments, headers)
                if match is not None:
                    return match
            if self.mode == RoutingMode.ROUTING_RULE_ONLY:
                return None
        return self._mapping_match(segments)

    def problems(self) -> list[tuple[str, str, object]]:
        """Every invalid setting: (prop, what is allowed, value received)."""
        found: list[tuple[str, str, object]] = []
        seen: dict[int, str] = {}
        for rule in self.rules:
            where = f"rule {rule.name!r} "
            p = rule.priority
            if isinstance(p, bool) or not isinstance(p, int):
                found.append(("priority", f"of {where}must be an integer", p))
            elif not MIN_PRIORITY <= p <= MAX_PRIORITY:
                found.append(("priority", f"of {where}must be between 1 and 1000000", p))
            elif p in seen:
                found.append(("priority", f"of {where}must be unique (rule {seen[p]!r} has it)", p))
            else:
                seen[p] = rule.name
            if len(rule.headers) > MAX_HEADER_CONDITIONS:
                found.append(
                    (
                        "headers",
                        f"of {where}allow at most 2 header conditions",
                        [h.header for h in rule.headers],
                    )
                )
            names = [h.header.lower() for h in rule.headers]
            if len(set(names)) != len(names):
                found.append(("headers", f"of {where}must name different headers", names))
            for condition in rule.headers:
                if not _HEADER_NAME_RE.fullmatch(condition.header):
                    found.append(
                        (
                            "headers",
                            f"of {where}need names of 1-39 characters of "
                            "a-z A-Z 0-9 and *?-!#$%&'.^_`|~",
                            condition.header,
                        )
                    )
                problem = glob_problem(condition.value_glob)
                if problem:
                    found.append(
                        (
                            "headers",
                            f"of {where}{condition.header!r}: value glob {problem}",
                            condition.value_glob,
                        )
                    )
            if rule.base_path is not None and not _BASE_PATH_RE.fullmatch(rule.base_path):
                found.append(
                    (
                        "base_path",
                        f"of {where}must be segments of A-Z a-z 0-9 ._~$+=- joined "
                        "by '/', without a leading or trailing '/'",
                        rule.base_path,
                    )
                )
            if not rule.stage_name:
                found.append(("stage_name", f"of {where}must not be empty", rule.stage_name))
        bases: set[str] = set()
        for mapping in self.mappings:
            if mapping.base_path in bases:
                found.append(("base_path", "of API mappings must be unique", mapping.base_path))
            bases.add(mapping.base_path)
        return found

    def packed_priorities(self) -> list[tuple[int, int]]:
        """Adjacent priorities with no room between them (e.g. 100 and 101)."""
        ordered = sorted({r.priority for r in self.rules if isinstance(r.priority, int)})
        return [(a, b) for a, b in itertools.pairwise(ordered) if b - a == 1]

    def explain(self, requests: Sequence[tuple[str, Mapping[str, str]]] = ()) -> str:
        """The table as text, and where each of ``requests`` goes."""
        lines = [f"routing mode: {self.mode.value}"]
        rules_used = self.mode != RoutingMode.API_MAPPING_ONLY
        lines.append("rules" + ("" if rules_used else " (not evaluated in this mode)") + ":")
        for rule in self.ordered_rules():
            strip = " (strip base path)" if rule.strip_base_path else ""
            lines.append(
                f"  {rule.priority:>7}  {rule.name:<34} {rule.conditions_text():<40} "
                f"-> {rule.api_name} stage {rule.stage_name}{strip}"
            )
        if not self.rules:
            lines.append("  (none)")
        mappings_used = self.mode != RoutingMode.ROUTING_RULE_ONLY
        label = (
            "fallback"
            if self.mode == RoutingMode.ROUTING_RULE_THEN_API_MAPPING
            else ("used" if mappings_used else f"ignored (mode {self.mode.value})")
        )
        lines.append(f"api mappings ({label}):")
        for mapping in sorted(self.mappings, key=lambda m: m.base_path):
            lines.append(
                f"  /{mapping.base_path:<30} -> {mapping.api_name} stage {mapping.stage_name}"
            )
        if not self.mappings:
            lines.append("  (none)")
        for path, headers in requests:
            shown = " ".join(f"{k}: {v}" for k, v in headers.items()) or "(no headers)"
            match = self.resolve(path, headers)
            if match is None:
                target = "no route (404)"
            elif match.rule is not None:
                target = (
                    f"rule {match.rule.name} (priority {match.priority}) -> {match.api_name} "
                    f"stage {match.stage_name} path {match.forwarded_path}"
                )
            else:
                assert match.mapping is not None
                target = (
                    f"api mapping /{match.mapping.base_path} -> {match.api_name} "
                    f"stage {match.stage_name} path {match.forwarded_path}"
                )
            lines.append(f"request {path} [{shown}] -> {target}")
        return "\n".join(lines)


# -- from a synthesized template ----------------------------------------------------------


def _ref(value: Any) -> str | None:
    if isinstance(value, Mapping):
        if isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and isinstance(att[0], str):
            return str(att[0])
        if isinstance(att, str):
            return att.split(".", 1)[0]
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def tables_from_template(template: Mapping[str, Any]) -> dict[str, RoutingTable]:
    """One routing table per ``AWS::ApiGateway::DomainName`` of a synthesized template:
    its routing rules (``AWS::ApiGatewayV2::RoutingRule``) and API mappings
    (``AWS::ApiGateway::BasePathMapping``, ``AWS::ApiGatewayV2::ApiMapping``). APIs are
    named by logical id; a stage reference becomes that stage's name."""
    resources: Mapping[str, Any] = template.get("Resources") or {}

    def stage_name(value: Any) -> str:
        target = _ref(value)
        found = resources.get(target) if target else None
        if isinstance(found, Mapping) and found.get("Type") == "AWS::ApiGateway::Stage":
            return _text((found.get("Properties") or {}).get("StageName", target))
        return _text(value) if value is not None else "?"

    def api_name(value: Any) -> tuple[str, str]:
        target = _ref(value)
        if target is None:
            return _text(value), _text(value)
        found = resources.get(target) or {}
        name = (found.get("Properties") or {}).get("Name") if isinstance(found, Mapping) else None
        return target, f"{target} ({name})" if isinstance(name, str) else target

    tables: dict[str, RoutingTable] = {}
    for logical_id, resource in resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == "AWS::ApiGateway::DomainName":
            raw = (resource.get("Properties") or {}).get("RoutingMode")
            tables[logical_id] = RoutingTable(RoutingMode.parse(raw))
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind = resource.get("Type")
        props = resource.get("Properties") or {}
        if kind == "AWS::ApiGatewayV2::RoutingRule":
            table = tables.get(_ref(props.get("DomainNameArn")) or "")
            if table is None:
                continue
            headers: list[HeaderMatch] = []
            base_path: str | None = None
            for condition in props.get("Conditions") or []:
                for match in (condition.get("MatchHeaders") or {}).get("AnyOf") or []:
                    headers.append(
                        HeaderMatch(str(match.get("Header")), str(match.get("ValueGlob")))
                    )
                for path in (condition.get("MatchBasePaths") or {}).get("AnyOf") or []:
                    base_path = str(path)
            invoke = ((props.get("Actions") or [{}])[0] or {}).get("InvokeApi") or {}
            api, name = api_name(invoke.get("ApiId"))
            priority = props.get("Priority")
            table.rules.append(
                RuleSpec(
                    name=logical_id,
                    priority=priority if isinstance(priority, int) else -1,
                    api=api,
                    api_name=name,
                    stage_name=stage_name(invoke.get("Stage")),
                    headers=tuple(headers),
                    base_path=base_path,
                    strip_base_path=bool(invoke.get("StripBasePath", False)),
                )
            )
        elif kind in ("AWS::ApiGateway::BasePathMapping", "AWS::ApiGatewayV2::ApiMapping"):
            table = tables.get(_ref(props.get("DomainName")) or "")
            if table is None:
                continue
            v2 = kind == "AWS::ApiGatewayV2::ApiMapping"
            api, name = api_name(props.get("ApiId" if v2 else "RestApiId"))
            base = props.get("ApiMappingKey" if v2 else "BasePath") or ""
            table.mappings.append(
                MappingSpec(
                    base_path="" if base == "(none)" else _text(base),
                    api=api,
                    api_name=name,
                    stage_name=stage_name(props.get("Stage")),
                )
            )
    return tables

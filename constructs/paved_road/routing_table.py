"""The offline evaluator of API Gateway routing rules and API mappings (pure Python).

Answers "which API stage gets this request, and with which path?" for a REST API custom
domain, before anything is deployed. ``RoutingRules.resolve`` (the construct) and
``paved-road routes explain`` (the CLI, on synthesized templates) both use it, so this
module imports neither aws-cdk-lib nor jsii: the CLI starts fast.

Semantics, from the API Gateway developer guide (the URLs are in docs/routing.md):

* **Routing mode** of the domain. ``API_MAPPING_ONLY`` (the default): only API mappings
  route, rules are not evaluated. ``ROUTING_RULE_THEN_API_MAPPING``: every rule is
  evaluated first, in priority order; API mappings are the fallback.
  ``ROUTING_RULE_ONLY``: rules only. A request nothing routes is rejected with
  ``403 Forbidden`` (the guide's examples page says 403, not 404).
* **Rules**: priority 1-1,000,000, unique on the domain, lowest number first; the first
  rule whose conditions all hold wins. Up to two header conditions and one base-path
  condition, ANDed; a rule without conditions is a catch-all.
* **Header conditions**: names match case-insensitively, values case-sensitively against
  the whole value. Value globs: exact, ``*x`` (ends with ``x``), ``x*`` (starts with),
  ``*x*`` (contains; under 40 characters) and a lone ``*`` (any value of a present
  header). The guide calls ``*x`` "prefix-match" and ``x*`` "suffix-match" after where
  the wildcard stands; this module names each form by what it matches. Two conditions
  may name the same header; a header sent several times matches when any one of its
  values does (``Accept: a`` and ``Accept: b`` lines, not ``Accept: a,b``).
* **Base-path condition**: case-sensitive, matched on the request's leading path
  segment(s) (``products`` matches ``/products`` and ``/products/items``, not
  ``/productsX``). ``StripBasePath`` forwards the path without it.
* **API mappings**: the mapping with the longest matching base path wins, the empty base
  path ``(none)`` catches the rest, and the base path is always stripped. When the domain
  has a multi-level mapping (``orders/v1``), the guide's example matches by plain string
  prefix (``/ordersandmore`` goes to the ``orders`` mapping); with single-level mappings
  only, the first segment must equal the base path.
"""

from __future__ import annotations

import enum
import itertools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias
from urllib.parse import urlsplit

from paved_road._template import reference_target

__all__ = [
    "MAX_HEADER_CONDITIONS",
    "MAX_PRIORITY",
    "MIN_PRIORITY",
    "NO_ROUTE",
    "RESTRICTED_HEADERS",
    "HeaderMatch",
    "Headers",
    "MappingSpec",
    "RouteMatch",
    "RoutingMode",
    "RoutingTable",
    "RuleSpec",
    "glob_matches",
    "glob_problem",
    "tables_from_template",
]

MIN_PRIORITY = 1
MAX_PRIORITY = 1_000_000
MAX_HEADER_CONDITIONS = 2
NO_ROUTE = "no route (403 Forbidden)"
"""What API Gateway answers when neither a rule nor an API mapping routes a request."""

_HEADER_NAME_MAX = 39  # "must be less than 40 characters"
_GLOB_MAX = 127  # "must be less than 128 characters"
_INFIX_GLOB_MAX = 39  # "for an infix match must be less than 40 characters"
_RULE_BASE_PATH_MAX = 127  # "must be less than 128 characters"
_MAPPING_BASE_PATH_MAX = 300  # "maximum length for the path in an API mapping is 300"

_GLOB_SPECIALS = "*?-!#$%&'.^_`|~"
_GLOB_RE = re.compile(r"[A-Za-z0-9*?\-!#$%&'.^_`|~]+")
_HEADER_NAME_RE = re.compile(r"[A-Za-z0-9?\-!#$%&'.^_`|~]+")  # no '*': no wildcard names
_BASE_PATH_SEGMENT_RE = re.compile(r"[A-Za-z0-9$\-_.+!*'()]+")

RESTRICTED_HEADERS: tuple[str, ...] = (
    "access-control-*",
    "apigw-*",
    "authorization",
    "connection",
    "content-encoding",
    "content-length",
    "content-location",
    "forwarded",
    "keep-alive",
    "origin",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "x-amz-*",
    "x-amzn-*",
    "x-apigw-api-id",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-restapi",
    "via",
)
"""Headers API Gateway does not accept in a header condition (lower case; ``*`` = any
suffix)."""

Headers: TypeAlias = Mapping[str, str | Sequence[str]]
"""Request headers: name -> value, or name -> values for a header sent several times."""


class RoutingMode(enum.StrEnum):
    """A custom domain's routing mode (a ``str`` enum; each value equals its name)."""

    API_MAPPING_ONLY = "API_MAPPING_ONLY"
    ROUTING_RULE_THEN_API_MAPPING = "ROUTING_RULE_THEN_API_MAPPING"
    ROUTING_RULE_ONLY = "ROUTING_RULE_ONLY"

    @property
    def rest_domain_value(self) -> str:
        """The spelling of ``AWS::ApiGateway::DomainName``'s ``RoutingMode``: REST domains
        say ``BASE_PATH_MAPPING`` where API Gateway v2 says ``API_MAPPING``."""
        return self.value.replace("API_MAPPING", "BASE_PATH_MAPPING")

    @property
    def uses_rules(self) -> bool:
        """Whether routing rules are evaluated in this mode."""
        return self is not RoutingMode.API_MAPPING_ONLY

    @property
    def uses_mappings(self) -> bool:
        """Whether API mappings route requests in this mode."""
        return self is not RoutingMode.ROUTING_RULE_ONLY

    @classmethod
    def parse(cls, value: object) -> RoutingMode:
        """Either spelling (``BASE_PATH_MAPPING`` or ``API_MAPPING``), any case; anything
        else, and absence, is the default ``API_MAPPING_ONLY``."""
        mode = cls.lookup(value)
        return cls.API_MAPPING_ONLY if mode is None else mode

    @classmethod
    def lookup(cls, value: object) -> RoutingMode | None:
        """Like :meth:`parse`, but None for a value that is no routing mode."""
        if isinstance(value, RoutingMode):
            return value
        if not isinstance(value, str):
            return None
        text = value.strip().upper().replace("BASE_PATH_MAPPING", "API_MAPPING")
        return cls.__members__.get(text)


@dataclass(frozen=True)
class HeaderMatch:
    """A header condition: header ``header`` (any case) with a value matching
    ``value_glob`` (case-sensitive; see :func:`glob_matches`)."""

    header: str
    value_glob: str

    def __str__(self) -> str:
        return f"{self.header}={self.value_glob}"


@dataclass(frozen=True)
class RuleSpec:
    """One routing rule: its conditions, priority and the API stage it invokes.

    ``name`` is a label (construct id or logical id); ``api`` is the target (a construct,
    or a logical id from a template) and ``api_name`` its printable name.
    """

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
        """True when the rule has no condition: it matches every request."""
        return not self.headers and self.base_path is None

    def conditions_text(self) -> str:
        """The conditions as ``x-version=v2* AND basePath=products``, or ``(catch-all)``."""
        parts = [str(h) for h in self.headers]
        if self.base_path is not None:
            parts.append(f"basePath={self.base_path}")
        return " AND ".join(parts) or "(catch-all)"


@dataclass(frozen=True)
class MappingSpec:
    """An API mapping: requests under ``base_path`` go to ``api``'s stage ``stage_name``
    with the base path stripped. ``""`` is the root mapping (shown as ``(none)``)."""

    base_path: str
    api: Any
    api_name: str
    stage_name: str

    @property
    def is_root(self) -> bool:
        """True for the empty base path ``(none)``, which catches every other request."""
        return _mapping_key(self.base_path) == ""

    @property
    def label(self) -> str:
        """The base path as the console shows it: ``orders/v1`` or ``(none)``."""
        return _mapping_key(self.base_path) or "(none)"


@dataclass(frozen=True)
class RouteMatch:
    """Where a request goes: through a rule or an API mapping, to an API stage."""

    via: Literal["rule", "api_mapping"]
    priority: int | None
    """The matched rule's priority; None for an API mapping."""
    api: Any
    api_name: str
    stage_name: str
    rule: RuleSpec | None
    mapping: MappingSpec | None
    forwarded_path: str
    """The path the API stage receives (the base path stripped when the rule strips it,
    always for a mapping); the query string, passed on unchanged, is not part of it."""

    def describe(self) -> str:
        """``matched rule Version2 (priority 100) -> v2/prod path /checkout``."""
        if self.rule is not None:
            how = f"matched rule {self.rule.name} (priority {self.priority})"
        else:
            label = self.mapping.label if self.mapping is not None else "?"
            how = f"matched api mapping {label}"
        return f"{how} -> {self.api_name}/{self.stage_name} path {self.forwarded_path}"


# -- matching -----------------------------------------------------------------------------


def _glob_form(value_glob: str) -> tuple[str, str] | None:
    """(form, literal part) of a valid glob, None for an invalid one. Forms: ``any``,
    ``exact``, ``ends_with``, ``starts_with``, ``contains``."""
    if value_glob == "*":
        return "any", ""
    leading = value_glob.startswith("*")
    trailing = value_glob.endswith("*")
    core = value_glob[1 if leading else 0 : len(value_glob) - (1 if trailing else 0)]
    if not core or "*" in core:
        return None
    if leading and trailing:
        return "contains", core
    if leading:
        return "ends_with", core
    if trailing:
        return "starts_with", core
    return "exact", core


def glob_problem(value_glob: str) -> str | None:
    """None when ``value_glob`` is a valid header value glob, else what is allowed."""
    if not isinstance(value_glob, str) or not value_glob:
        return "must be a non-empty string"
    if len(value_glob) > _GLOB_MAX:
        return f"must be under {_GLOB_MAX + 1} characters"
    if not _GLOB_RE.fullmatch(value_glob):
        return f"may only use a-z A-Z 0-9 and {_GLOB_SPECIALS}"
    form = _glob_form(value_glob)
    if form is None:
        return (
            "may use '*' only as *suffix (ends with), prefix* (starts with), "
            "*infix* (contains) or alone (any value), not inside the value"
        )
    if form[0] == "contains" and len(value_glob) > _INFIX_GLOB_MAX:
        return f"must be under {_INFIX_GLOB_MAX + 1} characters for an *infix* match"
    return None


def glob_matches(value_glob: str, value: str) -> bool:
    """Whether a header's whole ``value`` matches ``value_glob`` (case-sensitive): an
    exact value, ``*suffix``, ``prefix*``, ``*infix*`` or ``*`` (any value). ``?`` is a
    literal character. A glob with a ``*`` anywhere else (``v*2``) has no meaning and
    matches nothing; other restrictions (characters, length; see :func:`glob_problem`)
    do not change how a glob matches."""
    form = _glob_form(value_glob) if isinstance(value_glob, str) else None
    if form is None:
        return False
    kind, core = form
    if kind == "any":
        return True
    if kind == "contains":
        return core in value
    if kind == "ends_with":
        return value.endswith(core)
    if kind == "starts_with":
        return value.startswith(core)
    return value == core


def _request_segments(path: str) -> list[str]:
    """The path's segments: leading slash optional, query string and fragment ignored, a
    full URL reduced to its path."""
    text = str(path)
    if "://" in text:
        text = urlsplit(text).path
    text = text.split("?", 1)[0].split("#", 1)[0]
    return [segment for segment in text.split("/") if segment]


def _path(segments: Sequence[str]) -> str:
    return "/" + "/".join(segments)


def _mapping_key(base_path: str) -> str:
    text = str(base_path).strip("/")
    return "" if text == "(none)" else text


def _lowered_headers(headers: Headers) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in headers.items():
        bucket = values.setdefault(str(name).lower(), [])
        if isinstance(value, str):
            bucket.append(value)
        else:
            bucket.extend(str(v) for v in value)
    return values


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _restricted(header: str) -> bool:
    name = header.lower()
    return any(
        name.startswith(pattern[:-1]) if pattern.endswith("*") else name == pattern
        for pattern in RESTRICTED_HEADERS
    )


def _base_path_problem(base_path: object, max_length: int) -> str | None:
    if not isinstance(base_path, str) or not base_path:
        return "must be a non-empty string (None for no base path)"
    if len(base_path) > max_length:
        return f"must be at most {max_length} characters"
    if base_path.startswith("/") or base_path.endswith("/"):
        return "must not start or end with '/' (write 'orders/v1', not '/orders/v1/')"
    if not all(_BASE_PATH_SEGMENT_RE.fullmatch(s) for s in base_path.split("/")):
        return "must be segments of letters, digits and $-_.+!*'() joined by single '/'"
    return None


# -- the table ----------------------------------------------------------------------------

Problem: TypeAlias = tuple[str, str, object]
"""(prop, what is allowed, value received)."""


@dataclass
class RoutingTable:
    """A custom domain's routing mode, routing rules and API mappings.

    :meth:`resolve` evaluates them as API Gateway does; :meth:`problems` lists what API
    Gateway would reject. ``domain_name``, ``source_problems`` (things wrong in the
    template the table was read from) and ``notes`` (values that could not be read, such
    as a mode given as a parameter) are filled by :func:`tables_from_template`.
    """

    mode: RoutingMode
    rules: list[RuleSpec] = field(default_factory=list)
    mappings: list[MappingSpec] = field(default_factory=list)
    domain_name: str = ""
    source_problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        mode = RoutingMode.lookup(self.mode)
        if mode is None:
            raise ValueError(f"mode must be one of {', '.join(RoutingMode)}, got {self.mode!r}")
        self.mode = mode

    # -- evaluation

    def ordered_rules(self) -> list[RuleSpec]:
        """The rules in evaluation order: by priority, lowest first (a priority that is no
        integer sorts last; equal priorities keep the order they were added in)."""

        def key(rule: RuleSpec) -> tuple[int, int]:
            return (0, rule.priority) if _is_int(rule.priority) else (1, 0)

        return sorted(self.rules, key=key)

    def resolve(self, path: str, headers: Headers) -> RouteMatch | None:
        """Where API Gateway sends a request for ``path`` with ``headers``, or None when
        nothing routes it (API Gateway answers 403 Forbidden).

        ``path`` may omit the leading ``/`` and may carry a query string (ignored).
        Header names are matched in any case; a header sent several times may be given
        as a list of values.
        """
        segments = _request_segments(path)
        if self.mode.uses_rules:
            values = _lowered_headers(headers)
            for rule in self.ordered_rules():
                match = self._match_rule(rule, segments, values)
                if match is not None:
                    return match
        if self.mode.uses_mappings:
            return self._match_mapping(segments)
        return None

    def _match_rule(
        self, rule: RuleSpec, segments: list[str], values: dict[str, list[str]]
    ) -> RouteMatch | None:
        for condition in rule.headers:
            sent = values.get(str(condition.header).lower(), [])
            if not any(glob_matches(condition.value_glob, value) for value in sent):
                return None
        forwarded = _path(segments)
        if rule.base_path is not None:
            base = [s for s in str(rule.base_path).split("/") if s]
            if segments[: len(base)] != base:
                return None
            if rule.strip_base_path:
                forwarded = _path(segments[len(base) :])
        return RouteMatch(
            via="rule",
            priority=rule.priority,
            api=rule.api,
            api_name=rule.api_name,
            stage_name=rule.stage_name,
            rule=rule,
            mapping=None,
            forwarded_path=forwarded,
        )

    def _match_mapping(self, segments: list[str]) -> RouteMatch | None:
        request = "/".join(segments)
        multi_level = any("/" in _mapping_key(m.base_path) for m in self.mappings)
        best: tuple[int, MappingSpec, str] | None = None
        for mapping in self.mappings:
            key = _mapping_key(mapping.base_path)
            if not key:
                rest = request
            elif multi_level and request.startswith(key):
                rest = request[len(key) :]
            elif not multi_level and segments[:1] == [key]:
                rest = "/".join(segments[1:])
            else:
                continue
            if best is None or len(key) > best[0]:
                best = (len(key), mapping, rest)
        if best is None:
            return None
        _, mapping, rest = best
        return RouteMatch(
            via="api_mapping",
            priority=None,
            api=mapping.api,
            api_name=mapping.api_name,
            stage_name=mapping.stage_name,
            rule=None,
            mapping=mapping,
            forwarded_path=_path([s for s in rest.split("/") if s]),
        )

    # -- validation

    def problems(self) -> list[Problem]:
        """Everything API Gateway would reject, all of it: ``(prop, what is allowed,
        value received)``. Props are ``priority``, ``headers``, ``base_path``,
        ``stage_name`` for rules and ``mappings`` for API mappings."""
        found: list[Problem] = list(self.source_problems)
        owners: dict[int, str] = {}
        for rule in self.rules:
            of = f"of rule {rule.name!r}"
            found.extend(self._priority_problems(rule, of, owners))
            found.extend(self._header_problems(rule, of))
            if rule.base_path is not None:
                problem = _base_path_problem(rule.base_path, _RULE_BASE_PATH_MAX)
                if problem:
                    found.append(("base_path", f"{of} {problem}", rule.base_path))
            if not rule.stage_name:
                found.append(("stage_name", f"{of} must name a stage", rule.stage_name))
        seen: set[str] = set()
        for mapping in self.mappings:
            key = _mapping_key(mapping.base_path)
            of = f"of API mapping {mapping.label!r}"
            if key:
                problem = _base_path_problem(mapping.base_path, _MAPPING_BASE_PATH_MAX)
                if problem:
                    found.append(("mappings", f"base path {problem}", mapping.base_path))
            if key in seen:
                found.append(
                    ("mappings", "must have different base paths on one domain", mapping.label)
                )
            seen.add(key)
            if not mapping.stage_name:
                found.append(("mappings", f"{of} must name a stage", mapping.stage_name))
        return found

    @staticmethod
    def _priority_problems(rule: RuleSpec, of: str, owners: dict[int, str]) -> Iterable[Problem]:
        priority: object = rule.priority
        if isinstance(priority, bool) or not isinstance(priority, int):
            yield ("priority", f"{of} must be an integer (1-{MAX_PRIORITY})", priority)
            return
        if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
            yield ("priority", f"{of} must be between 1 and {MAX_PRIORITY}", priority)
        elif priority in owners:
            yield (
                "priority",
                f"{of} must be unique on the domain (rule {owners[priority]!r} has it)",
                priority,
            )
        else:
            owners[priority] = rule.name

    @staticmethod
    def _header_problems(rule: RuleSpec, of: str) -> Iterable[Problem]:
        if len(rule.headers) > MAX_HEADER_CONDITIONS:
            yield (
                "headers",
                f"{of} must be at most {MAX_HEADER_CONDITIONS} header conditions",
                [str(h) for h in rule.headers],
            )
        for condition in rule.headers:
            name = condition.header
            if not isinstance(name, str) or not name:
                yield ("headers", f"{of} must name each header", name)
                continue
            if len(name) > _HEADER_NAME_MAX or not _HEADER_NAME_RE.fullmatch(name):
                yield (
                    "headers",
                    f"{of} must use header names of 1-{_HEADER_NAME_MAX} characters of "
                    f"a-z A-Z 0-9 and ?-!#$%&'.^_`|~ (no wildcard '*')",
                    name,
                )
            elif _restricted(name):
                yield (
                    "headers",
                    f"{of} cannot match header {name!r}: API Gateway does not support it "
                    "as a condition",
                    name,
                )
            problem = glob_problem(condition.value_glob)
            if problem:
                yield (
                    "headers",
                    f"{of}: the value glob of header {name!r} {problem}",
                    condition.value_glob,
                )

    def packed_priorities(self) -> list[tuple[int, int]]:
        """Adjacent priorities with no room between them, e.g. ``(100, 101)``: a rule
        cannot be inserted there without renumbering (AWS advises gaps: 100, 200, 300)."""
        ordered = sorted({r.priority for r in self.rules if _is_int(r.priority)})
        return [(a, b) for a, b in itertools.pairwise(ordered) if b - a == 1]

    # -- presentation

    def explain(self, requests: Sequence[tuple[str, Headers]] = ()) -> str:
        """The table as plain text: the mode, the rules in evaluation order, the API
        mappings, then where each of ``requests`` (path, headers) goes."""
        mode = self.mode
        lines = [f"routing mode: {mode.value} ({_MODE_SUMMARY[mode]})"]
        lines += [f"note: {note}" for note in self.notes]
        rules_state = (
            "evaluated in this order" if mode.uses_rules else f"ignored (mode {mode.value})"
        )
        lines.append(f"routing rules: {rules_state}")
        rows = [
            [
                str(rule.priority),
                rule.name,
                rule.conditions_text(),
                f"{rule.api_name}/{rule.stage_name}",
                "yes" if rule.strip_base_path else "no",
            ]
            for rule in self.ordered_rules()
        ]
        header = ["PRIORITY", "RULE", "CONDITIONS", "TARGET", "STRIP BASE PATH"]
        lines += _table(header, rows, right_align_first=True) if rows else ["  (no rules)"]
        if mode is RoutingMode.ROUTING_RULE_THEN_API_MAPPING:
            mappings_state = "fallback when no rule matches"
        elif mode is RoutingMode.API_MAPPING_ONLY:
            mappings_state = "longest matching base path wins"
        else:
            mappings_state = f"ignored (mode {mode.value})"
        lines.append(f"api mappings: {mappings_state}")
        ordered = sorted(self.mappings, key=lambda m: (m.is_root, _mapping_key(m.base_path)))
        mapping_rows = [[m.label, f"{m.api_name}/{m.stage_name}"] for m in ordered]
        lines += (
            _table(["BASE PATH", "TARGET"], mapping_rows)
            if mapping_rows
            else ["  (no API mappings)"]
        )
        if requests:
            lines.append("requests:")
        for path, headers in requests:
            match = self.resolve(path, headers)
            outcome = NO_ROUTE if match is None else match.describe()
            lines.append(f"  {path} {_headers_text(headers)} -> {outcome}")
        return "\n".join(lines)


_MODE_SUMMARY = {
    RoutingMode.API_MAPPING_ONLY: "API mappings only; rules are not evaluated",
    RoutingMode.ROUTING_RULE_THEN_API_MAPPING: "rules first, then API mappings",
    RoutingMode.ROUTING_RULE_ONLY: "rules only; API mappings are not used",
}


def _headers_text(headers: Headers) -> str:
    parts: list[str] = []
    for name, value in headers.items():
        values = [value] if isinstance(value, str) else list(value)
        parts.extend(f"{name}: {v}" for v in values)
    return "[" + ", ".join(parts) + "]" if parts else "[no headers]"


def _table(
    header: list[str], rows: list[list[str]], *, right_align_first: bool = False
) -> list[str]:
    """Aligned columns, two spaces apart, indented by two."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        if right_align_first:
            cells[0] = row[0].rjust(widths[0])
        out.append(("  " + "  ".join(cells)).rstrip())
    return out


# -- from a synthesized template ----------------------------------------------------------

_DOMAIN_TYPES = frozenset(
    {
        "AWS::ApiGateway::DomainName",
        "AWS::ApiGateway::DomainNameV2",
        "AWS::ApiGatewayV2::DomainName",
    }
)
_RULE_TYPE = "AWS::ApiGatewayV2::RoutingRule"
# mapping type -> (property naming the domain, property naming the API, base path property)
_MAPPING_TYPES = {
    "AWS::ApiGateway::BasePathMapping": ("DomainName", "RestApiId", "BasePath"),
    "AWS::ApiGateway::BasePathMappingV2": ("DomainNameArn", "RestApiId", "BasePath"),
    "AWS::ApiGatewayV2::ApiMapping": ("DomainName", "ApiId", "ApiMappingKey"),
}
_STAGE_TYPES = frozenset({"AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"})
_SUB_VARIABLE_RE = re.compile(r"\$\{([^}!.]+)(?:\.[^}]*)?\}")


def _render(value: Any) -> str:
    """A readable placeholder for a value that is not a literal string."""
    if value is None:
        return "?"
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("Ref"), str):
        return f"<Ref {value['Ref']}>"
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= 80 else text[:77] + "..."


class _TemplateReader:
    """Resolves references between the resources of one template."""

    def __init__(self, template: Mapping[str, Any]) -> None:
        resources = template.get("Resources") if isinstance(template, Mapping) else None
        self.resources: dict[str, Mapping[str, Any]] = {
            str(k): v for k, v in (resources or {}).items() if isinstance(v, Mapping)
        }
        self.domains = {k: r for k, r in self.resources.items() if r.get("Type") in _DOMAIN_TYPES}

    def props(self, logical_id: str) -> Mapping[str, Any]:
        props = self.resources.get(logical_id, {}).get("Properties")
        return props if isinstance(props, Mapping) else {}

    def domain_of(self, value: Any) -> str | None:
        """The domain logical id a ``DomainName``/``DomainNameArn`` value points to: a
        Ref or GetAtt, ``"Id.DomainNameArn"``, an ``Fn::Sub`` naming the domain, or the
        literal domain name (or an ARN ending with it)."""
        target = reference_target(value)
        if target is None and isinstance(value, Mapping) and "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub[0] if isinstance(sub, list) and sub else sub
            names = _SUB_VARIABLE_RE.findall(text) if isinstance(text, str) else []
            target = next((n for n in names if n in self.domains), None)
        if target is None and isinstance(value, str):
            head = value.split(".", 1)[0]
            if head in self.domains and value != head:
                target = head
            else:
                for logical_id in self.domains:
                    name = self.props(logical_id).get("DomainName")
                    if isinstance(name, str) and (
                        value == name or value.endswith(f"/domainnames/{name}")
                    ):
                        target = logical_id
                        break
        return target if target in self.domains else None

    def api(self, value: Any) -> tuple[Any, str]:
        """(api, printable name): the logical id, plus a literal ``Name`` property."""
        target = reference_target(value)
        if target is None:
            text = _render(value)
            return text, text
        name = self.props(target).get("Name")
        return target, f"{target} ({name})" if isinstance(name, str) and name else target

    def stage(self, value: Any) -> str:
        """A stage's name: a literal, or the ``StageName`` of the referenced stage."""
        if isinstance(value, str):
            return value
        target = reference_target(value)
        if target is not None and self.resources.get(target, {}).get("Type") in _STAGE_TYPES:
            name = self.props(target).get("StageName")
            return name if isinstance(name, str) else _render(name)
        return "" if value is None else _render(value)


def _priority(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _rule_from(reader: _TemplateReader, logical_id: str, table: RoutingTable) -> RuleSpec:
    props = reader.props(logical_id)
    where = f"of {logical_id}"
    headers: list[HeaderMatch] = []
    base_path: str | None = None
    conditions = props.get("Conditions") or []
    if not isinstance(conditions, list):
        table.source_problems.append(("Conditions", f"{where} must be a list", conditions))
        conditions = []
    for condition in conditions:
        if not isinstance(condition, Mapping) or not (
            set(condition) & {"MatchHeaders", "MatchBasePaths"}
        ):
            table.source_problems.append(
                ("Conditions", f"{where} must be MatchHeaders or MatchBasePaths", condition)
            )
            continue
        if "MatchHeaders" in condition:
            any_of = (condition.get("MatchHeaders") or {}).get("AnyOf") or []
            if not isinstance(any_of, list) or len(any_of) != 1:
                table.source_problems.append(
                    ("Conditions", f"{where}: MatchHeaders.AnyOf must hold one header", any_of)
                )
            for entry in any_of[:1] if isinstance(any_of, list) else []:
                match: Mapping[str, Any] = entry if isinstance(entry, Mapping) else {}
                headers.append(
                    HeaderMatch(_render(match.get("Header")), _render(match.get("ValueGlob")))
                )
        if "MatchBasePaths" in condition:
            any_of = (condition.get("MatchBasePaths") or {}).get("AnyOf") or []
            if not isinstance(any_of, list) or len(any_of) != 1:
                table.source_problems.append(
                    ("Conditions", f"{where}: MatchBasePaths.AnyOf must hold one path", any_of)
                )
            if base_path is not None:
                table.source_problems.append(
                    ("Conditions", f"{where} may have one MatchBasePaths condition", any_of)
                )
            elif isinstance(any_of, list) and any_of:
                base_path = _render(any_of[0])
    actions = props.get("Actions")
    invoke: Mapping[str, Any] = {}
    if isinstance(actions, list) and len(actions) == 1 and isinstance(actions[0], Mapping):
        found = actions[0].get("InvokeApi")
        invoke = found if isinstance(found, Mapping) else {}
    if not invoke:
        table.source_problems.append(
            ("Actions", f"{where} must be exactly one InvokeApi action", actions)
        )
    api, api_name = reader.api(invoke.get("ApiId"))
    return RuleSpec(
        name=logical_id,
        priority=_priority(props.get("Priority")),
        api=api,
        api_name=api_name,
        stage_name=reader.stage(invoke.get("Stage")),
        headers=tuple(headers),
        base_path=base_path,
        strip_base_path=_is_true(invoke.get("StripBasePath", False)),
    )


def tables_from_template(template: Mapping[str, Any]) -> dict[str, RoutingTable]:
    """One routing table per custom domain of a synthesized CloudFormation template,
    keyed by the domain's logical id.

    Domains are ``AWS::ApiGateway::DomainName`` (and ``DomainNameV2``,
    ``AWS::ApiGatewayV2::DomainName``) with their ``RoutingMode`` (either spelling; the
    default is ``API_MAPPING_ONLY``). Their ``AWS::ApiGatewayV2::RoutingRule`` resources
    (``DomainNameArn`` a GetAtt of the domain) and API mappings
    (``AWS::ApiGateway::BasePathMapping``/``BasePathMappingV2``,
    ``AWS::ApiGatewayV2::ApiMapping``) are read in template order. A target API is its
    logical id, named ``"Id (Name)"`` when the RestApi has a literal ``Name``; a stage
    reference becomes that stage's ``StageName``. Values that cannot be read become
    readable placeholders (``<Ref Param>``); rules and mappings of a domain that is not in
    the template are skipped. Never raises on a malformed template.
    """
    reader = _TemplateReader(template)
    tables: dict[str, RoutingTable] = {}
    for logical_id in reader.domains:
        props = reader.props(logical_id)
        raw = props.get("RoutingMode")
        mode = RoutingMode.lookup(raw)
        table = RoutingTable(mode or RoutingMode.API_MAPPING_ONLY)
        name = props.get("DomainName")
        table.domain_name = name if isinstance(name, str) else _render(name)
        if raw is not None and mode is None:
            if isinstance(raw, str):
                table.source_problems.append(
                    ("RoutingMode", "must be one of " + ", ".join(RoutingMode), raw)
                )
            else:
                table.notes.append(
                    f"RoutingMode {_render(raw)} is not a literal; evaluated as API_MAPPING_ONLY"
                )
        tables[logical_id] = table
    for logical_id, resource in reader.resources.items():
        kind = resource.get("Type")
        props = reader.props(logical_id)
        if kind == _RULE_TYPE:
            domain = reader.domain_of(props.get("DomainNameArn"))
            if domain is not None:
                tables[domain].rules.append(_rule_from(reader, logical_id, tables[domain]))
        elif isinstance(kind, str) and kind in _MAPPING_TYPES:
            domain_prop, api_prop, base_prop = _MAPPING_TYPES[kind]
            domain = reader.domain_of(props.get(domain_prop))
            if domain is None:
                continue
            api, api_name = reader.api(props.get(api_prop))
            base = props.get(base_prop)
            stage = props.get("Stage")
            tables[domain].mappings.append(
                MappingSpec(
                    base_path="" if base in (None, "", "(none)") else _render(base),
                    api=api,
                    api_name=api_name,
                    stage_name="(stage from path)" if stage is None else reader.stage(stage),
                )
            )
    return tables

"""Helpers shared by the REST API, custom domain and routing rule guardrails: resource type
names, service defaults, and template-wide indexes (computed once per template)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from paved_road.guardrails.rule import number
from paved_road.guardrails.rules._common import TemplateMemo, flatten

REST_API = "AWS::ApiGateway::RestApi"
DOMAIN_NAME = "AWS::ApiGateway::DomainName"
DOMAIN_NAME_V2 = "AWS::ApiGateway::DomainNameV2"
DOMAIN_TYPES = (DOMAIN_NAME, DOMAIN_NAME_V2)
BASE_PATH_MAPPING = "AWS::ApiGateway::BasePathMapping"
BASE_PATH_MAPPING_V2 = "AWS::ApiGateway::BasePathMappingV2"
API_MAPPING = "AWS::ApiGatewayV2::ApiMapping"
ROUTING_RULE = "AWS::ApiGatewayV2::RoutingRule"
METHOD = "AWS::ApiGateway::Method"
RESOURCE = "AWS::ApiGateway::Resource"
STAGE = "AWS::ApiGateway::Stage"

ENHANCED_PREFIX = "SecurityPolicy_"
EDGE_SUFFIX = "_EDGE"
ACCESS_MODES = ("BASIC", "STRICT")

DEFAULT_POLICY = {REST_API: "TLS_1_0", DOMAIN_NAME: "TLS_1_0", DOMAIN_NAME_V2: "TLS_1_2"}
"""The legacy policy API Gateway applies when ``SecurityPolicy`` is not set."""

DEFAULT_ENDPOINT_TYPE = {REST_API: "EDGE", DOMAIN_NAME: "EDGE", DOMAIN_NAME_V2: "PRIVATE"}
"""The endpoint type API Gateway uses when ``EndpointConfiguration`` is not set."""

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def canonical(value: Any) -> str:
    """A value as canonical JSON, to compare intrinsics (``{"Ref": "X"}``) for equality."""
    return json.dumps(value, sort_keys=True, default=str)


def resources(template: Mapping[str, Any]) -> Mapping[str, Any]:
    found = template.get("Resources")
    return found if isinstance(found, Mapping) else {}


def properties(resource: Mapping[str, Any] | None) -> Mapping[str, Any]:
    props = resource.get("Properties") if isinstance(resource, Mapping) else None
    return props if isinstance(props, Mapping) else {}


def metadata(template: Mapping[str, Any], logical_id: str) -> Mapping[str, Any]:
    resource = resources(template).get(logical_id)
    found = resource.get("Metadata") if isinstance(resource, Mapping) else None
    return found if isinstance(found, Mapping) else {}


def is_true(value: Any) -> bool:
    """A literal CloudFormation boolean that is true (``true`` or ``"true"``)."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() == "true"


def references(value: Any) -> Iterator[str]:
    """Every logical id a value refers to: ``Ref``, ``Fn::GetAtt`` and ``${Name}`` /
    ``${Name.Attr}`` in ``Fn::Sub`` text, at any depth (``AWS::`` pseudo parameters too)."""
    if isinstance(value, list):
        for item in value:
            yield from references(item)
        return
    if not isinstance(value, Mapping):
        return
    for key, inner in value.items():
        if key == "Ref" and isinstance(inner, str):
            yield inner
        elif key == "Fn::GetAtt" and isinstance(inner, list) and inner:
            if isinstance(inner[0], str):
                yield inner[0]
        elif key == "Fn::GetAtt" and isinstance(inner, str):
            yield inner.split(".", 1)[0]
        elif key == "Fn::Sub":
            text = inner[0] if isinstance(inner, list) and inner else inner
            if isinstance(text, str):
                for name in _SUB_VARIABLE.findall(text):
                    yield name.split(".", 1)[0].strip()
            if isinstance(inner, list) and len(inner) > 1:
                yield from references(inner[1])
        else:
            yield from references(inner)


def referenced_of_type(template: Mapping[str, Any], value: Any, *types: str) -> str | None:
    """The one resource of ``types`` in this template that ``value`` refers to (directly or
    inside ``Fn::Join``/``Fn::Sub``); None when there is none, or more than one."""
    found: set[str] = set()
    for target in references(value):
        resource = resources(template).get(target)
        if isinstance(resource, Mapping) and resource.get("Type") in types:
            found.add(target)
    return found.pop() if len(found) == 1 else None


def _domains_by_name(template: Mapping[str, Any]) -> dict[str, str]:
    by_name: dict[str, str] = {}
    for logical_id, resource in resources(template).items():
        if isinstance(resource, Mapping) and resource.get("Type") == DOMAIN_NAME:
            name = properties(resource).get("DomainName")
            if isinstance(name, str):
                by_name[name.lower()] = logical_id
    return by_name


domains_by_name = TemplateMemo(_domains_by_name)
"""Literal ``DomainName`` (lower case) -> logical id of the public custom domains."""


def domain_of(template: Mapping[str, Any], value: Any) -> str | None:
    """The custom domain (``DomainName`` or ``DomainNameV2``) in this template that a
    ``DomainName``/``DomainNameArn`` value designates: a reference to it (also inside
    ``Fn::Sub``/``Fn::Join``), or a literal ARN ending in ``/domainnames/<its name>``."""
    found = referenced_of_type(template, value, *DOMAIN_TYPES)
    if found is not None:
        return found
    text = flatten(value)
    _, marker, name = text.rpartition("/domainnames/")
    if marker:
        return domains_by_name(template).get(name.lower())
    return None


def domain_key(template: Mapping[str, Any], value: Any) -> str:
    """A key that is equal for two ``DomainNameArn`` values designating the same domain:
    the domain's logical id when it is in this template, else the value's canonical JSON."""
    logical_id = domain_of(template, value)
    return f"id:{logical_id}" if logical_id is not None else f"json:{canonical(value)}"


def _routing_rules(template: Mapping[str, Any]) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    by_domain: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for logical_id, resource in resources(template).items():
        if isinstance(resource, Mapping) and resource.get("Type") == ROUTING_RULE:
            props = properties(resource)
            key = domain_key(template, props.get("DomainNameArn"))
            by_domain.setdefault(key, []).append((logical_id, props))
    return by_domain


routing_rules_by_domain = TemplateMemo(_routing_rules)
"""``domain_key`` -> [(logical id, properties)] of the template's routing rules."""


def priority(props: Mapping[str, Any]) -> float | None:
    return number(props.get("Priority"))


def _stages(template: Mapping[str, Any]) -> dict[str, list[tuple[str, Mapping[str, Any]]]]:
    by_api: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for logical_id, resource in resources(template).items():
        if isinstance(resource, Mapping) and resource.get("Type") == STAGE:
            props = properties(resource)
            by_api.setdefault(canonical(props.get("RestApiId")), []).append((logical_id, props))
    return by_api


stages_by_api = TemplateMemo(_stages)
"""Canonical JSON of ``RestApiId`` -> [(logical id, properties)] of the template's stages."""


def _resource_paths(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id of each ``AWS::ApiGateway::Resource`` -> its path (``/orders/{id}``),
    for resources whose parent chain reaches a ``RootResourceId`` in this template."""
    parents: dict[str, tuple[Any, Any]] = {}
    for logical_id, resource in resources(template).items():
        if isinstance(resource, Mapping) and resource.get("Type") == RESOURCE:
            props = properties(resource)
            parents[logical_id] = (props.get("ParentId"), props.get("PathPart"))
    paths: dict[str, str] = {}
    for start in parents:
        parts: list[str] = []
        current: str | None = start
        seen: set[str] = set()
        while current is not None and current in parents and current not in seen:
            seen.add(current)
            parent, part = parents[current]
            if not isinstance(part, str):
                break
            parts.append(part)
            current = _parent_resource(parent)
            if current is None and _is_root(parent):
                paths[start] = "/" + "/".join(reversed(parts))
    return paths


def _is_root(value: Any) -> bool:
    att = value.get("Fn::GetAtt") if isinstance(value, Mapping) else None
    return isinstance(att, list) and len(att) == 2 and att[1] == "RootResourceId"


def _parent_resource(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    return None


resource_paths = TemplateMemo(_resource_paths)


def method_path(template: Mapping[str, Any], resource_id: Any) -> str | None:
    """The path of a method's ``ResourceId``: ``/`` for the API's root resource, the
    resource's path when its chain is in this template, else None."""
    if _is_root(resource_id):
        return "/"
    target = _parent_resource(resource_id)
    return resource_paths(template).get(target) if target is not None else None

"""PavedRoad-RestApiDomainPolicyAlignment: a custom domain linked to a REST API with a
different TLS security policy or endpoint access mode."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._rest_api import (
    API_MAPPING,
    BASE_PATH_MAPPING,
    BASE_PATH_MAPPING_V2,
    DEFAULT_POLICY,
    REST_API,
    ROUTING_RULE,
    canonical,
    domain_of,
    domains_by_name,
    properties,
    referenced_of_type,
    resources,
)

_SETTINGS = ("SecurityPolicy", "EndpointAccessMode")


def _linked(view: ResourceView) -> tuple[Any, list[Any]]:
    """(the domain value, the API id values) of a link resource."""
    props = view.properties
    if view.type == BASE_PATH_MAPPING:
        return props.get("DomainName"), [props.get("RestApiId")]
    if view.type == BASE_PATH_MAPPING_V2:
        return props.get("DomainNameArn"), [props.get("RestApiId")]
    if view.type == API_MAPPING:
        return props.get("DomainName"), [props.get("ApiId")]
    actions = props.get("Actions")
    apis = [
        action["InvokeApi"].get("ApiId")
        for action in (actions if isinstance(actions, list) else [])
        if isinstance(action, Mapping) and isinstance(action.get("InvokeApi"), Mapping)
    ]
    return props.get("DomainNameArn"), apis


def _effective(resource_type: str, props: Mapping[str, Any], setting: str) -> Any:
    value = props.get(setting)
    if value is None and setting == "SecurityPolicy":
        return DEFAULT_POLICY[resource_type]
    return value


def _shown(resource_type: str, props: Mapping[str, Any], setting: str) -> str:
    value = props.get(setting)
    if value is None:
        default = DEFAULT_POLICY[resource_type] if setting == "SecurityPolicy" else None
        return f"{default} (default)" if default else "unset"
    return value if isinstance(value, str) else canonical(value)


def _differences(
    domain: tuple[str, Mapping[str, Any]], api: tuple[str, Mapping[str, Any]]
) -> Iterator[str]:
    (domain_type, domain_props), (api_type, api_props) = domain, api
    for setting in _SETTINGS:
        ours = _effective(domain_type, domain_props, setting)
        theirs = _effective(api_type, api_props, setting)
        if canonical(ours) == canonical(theirs):
            continue
        if not isinstance(ours, str | None) or not isinstance(theirs, str | None):
            continue  # an intrinsic on either side: cannot judge
        yield (
            f"{setting} {_shown(domain_type, domain_props, setting)} (domain) vs "
            f"{_shown(api_type, api_props, setting)} (API)"
        )


def check(view: ResourceView) -> Finding | None:
    domain_value, api_values = _linked(view)
    domain_id = domain_of(view.template, domain_value)
    if domain_id is None and isinstance(domain_value, str):  # a literal domain name
        domain_id = domains_by_name(view.template).get(domain_value.lower())
    if domain_id is None:
        return None  # the domain is imported or in another stack
    domain_resource = resources(view.template)[domain_id]
    domain = (str(domain_resource["Type"]), properties(domain_resource))
    problems: list[str] = []
    seen: set[str] = set()
    for api_value in api_values:
        api_id = referenced_of_type(view.template, api_value, REST_API)
        if api_id is None or api_id in seen:
            continue
        seen.add(api_id)
        api = (REST_API, properties(resources(view.template)[api_id]))
        differences = list(_differences(domain, api))
        if differences:
            problems.append(
                f"Domain {domain_id} and REST API {api_id} differ: " + "; ".join(differences) + "."
            )
    return Finding(" ".join(problems)) if problems else None


RULE = GuardrailRule(
    rule_id="RestApiDomainPolicyAlignment",
    level=NagMessageLevel.ERROR,
    resource_types=(BASE_PATH_MAPPING, BASE_PATH_MAPPING_V2, API_MAPPING, ROUTING_RULE),
    info="The custom domain and the REST API it routes to have different TLS security "
    "policies or endpoint access modes.",
    explanation="TLS is negotiated before API Gateway sees the Host header, so the security "
    "policy is chosen by the SNI host name of the handshake: clients of the API's default "
    "execute-api host name get the API's policy, clients of the custom domain name get the "
    "domain's, even when the default endpoint is disabled. A domain and API that differ give "
    "one API two security postures: the weaker policy (or BASIC access mode) stays reachable "
    "through the other host name.",
    fix="Use GovernedRestApi with its domain (the domain is created with the API's policy and "
    "access mode), or set the same SecurityPolicy and EndpointAccessMode on the DomainName and "
    "the RestApi.",
    check=check,
)

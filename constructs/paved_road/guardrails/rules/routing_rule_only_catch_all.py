"""PavedRoad-RoutingRuleOnlyCatchAll: a custom domain in ROUTING_RULE_ONLY mode without a
catch-all routing rule."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._rest_api import (
    DOMAIN_NAME,
    DOMAIN_NAME_V2,
    routing_rules_by_domain,
)

RULES_ONLY = "ROUTING_RULE_ONLY"


def check(view: ResourceView) -> Finding | None:
    if view.properties.get("RoutingMode") != RULES_ONLY:
        return None
    rules = routing_rules_by_domain(view.template).get(f"id:{view.logical_id}", [])
    if not rules:
        return Finding(
            f"RoutingMode {RULES_ONLY} and no routing rule in this template targets the domain: "
            "every request gets 403 Forbidden."
        )
    conditions = [props.get("Conditions") for _, props in rules]
    if any(c is not None and not isinstance(c, list) for c in conditions):
        return None  # an intrinsic: a rule may be a catch-all
    if any(not c for c in conditions):
        return None
    names = ", ".join(sorted(logical_id for logical_id, _ in rules))
    return Finding(
        f"RoutingMode {RULES_ONLY} and none of its routing rules ({names}) is a catch-all "
        "(no Conditions): requests that match no rule get 403 Forbidden."
    )


RULE = GuardrailRule(
    rule_id="RoutingRuleOnlyCatchAll",
    level=NagMessageLevel.WARN,
    resource_types=(DOMAIN_NAME, DOMAIN_NAME_V2),
    info="The custom domain routes with routing rules only and has no catch-all rule.",
    explanation="In ROUTING_RULE_ONLY mode API Gateway evaluates the domain's routing rules "
    "in priority order and ignores its API mappings (base path mappings). A request that "
    "matches no rule's header and base-path conditions is answered with 403 Forbidden. A "
    "rule without conditions matches every request; given the lowest precedence (the highest "
    "priority number) it decides where everything else goes, e.g. the current API version.",
    fix="Add a routing rule without conditions at the highest priority number (RoutingRules "
    "with a default route), or use ROUTING_RULE_THEN_API_MAPPING (CloudFormation: "
    "ROUTING_RULE_THEN_BASE_PATH_MAPPING) so unmatched "
    "requests fall back to the API mappings. When rejecting unmatched requests is intended, "
    "acknowledge with that reason.",
    check=check,
)

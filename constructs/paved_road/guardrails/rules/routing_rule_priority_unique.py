"""PavedRoad-RoutingRulePriorityUnique: two routing rules of one custom domain with the
same priority."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._rest_api import (
    ROUTING_RULE,
    domain_key,
    priority,
    routing_rules_by_domain,
)


def check(view: ResourceView) -> Finding | None:
    ours = priority(view.properties)
    if ours is None:
        return None  # unset (CloudFormation rejects it) or an intrinsic
    key = domain_key(view.template, view.properties.get("DomainNameArn"))
    same = sorted(
        logical_id
        for logical_id, props in routing_rules_by_domain(view.template).get(key, [])
        if priority(props) == ours
    )
    if len(same) < 2:
        return None
    # every rule of the group gets the same text: the validation report keeps one
    # description per rule id for all the constructs it lists
    return Finding(
        f"Priority {ours:g} is used by {len(same)} rules of the same domain: {', '.join(same)}."
    )


RULE = GuardrailRule(
    rule_id="RoutingRulePriorityUnique",
    level=NagMessageLevel.ERROR,
    resource_types=(ROUTING_RULE,),
    info="The routing rule has the same priority as another routing rule of its custom domain.",
    explanation="The priority (1 to 1,000,000, lowest number first) orders a domain's routing "
    "rules: when several rules match a request, the one with the lowest priority number "
    "routes it. A priority can be used by only one rule per domain, so API Gateway rejects "
    "the second rule and the deployment fails (or, if the rules are deployed separately, "
    "the stack that adds it).",
    fix="Give each rule of the domain its own priority, leaving gaps (100, 200, 300) for "
    "rules added later; RoutingRules checks this when the rules are defined.",
    check=check,
)

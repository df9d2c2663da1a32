"""PavedRoad-RestApiStrictAccessMode: a production REST API or custom domain that is not in
STRICT endpoint access mode."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road._markers import PRODUCTION_METADATA
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._rest_api import (
    DOMAIN_NAME,
    DOMAIN_NAME_V2,
    REST_API,
    is_true,
    metadata,
)


def check(view: ResourceView) -> Finding | None:
    if not is_true(metadata(view.template, view.logical_id).get(PRODUCTION_METADATA)):
        return None
    mode = view.properties.get("EndpointAccessMode")
    if mode is None:
        return Finding("EndpointAccessMode is not set.")
    if not isinstance(mode, str) or mode.upper() == "STRICT":
        return None  # STRICT, or an intrinsic: not known at synth
    return Finding(f"EndpointAccessMode is {mode}.")


RULE = GuardrailRule(
    rule_id="RestApiStrictAccessMode",
    level=NagMessageLevel.WARN,
    resource_types=(REST_API, DOMAIN_NAME, DOMAIN_NAME_V2),
    info="The production REST API or custom domain is not in STRICT endpoint access mode.",
    explanation="STRICT mode makes API Gateway reject a request whose TLS SNI host name does "
    "not match its HTTP Host header, or that arrives through another endpoint type than the "
    "API's (Regional, edge-optimized or private), so traffic cannot reach the API by a path "
    "its security policy was not chosen for. BASIC is the migration step: it keeps today's "
    "behaviour while access logs ($context.tlsVersion, $context.cipherSuite) show which "
    "clients would break. Switching BASIC to STRICT takes up to 15 minutes to propagate (the "
    "API stays available), and the endpoint type cannot change while in STRICT mode.",
    fix="Set GovernedRestApi(production=True) (STRICT), or EndpointAccessMode STRICT on the "
    "RestApi/DomainName. While moving a production API from BASIC to STRICT, acknowledge with "
    "the migration plan (when the access logs will be checked and STRICT switched on).",
    check=check,
)

"""PavedRoad-RestApiEnhancedTlsPolicy: a REST API or custom domain without an enhanced
(``SecurityPolicy_*``) TLS security policy and endpoint access mode, or with a policy that
does not fit its endpoint type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._rest_api import (
    ACCESS_MODES,
    DEFAULT_ENDPOINT_TYPE,
    DEFAULT_POLICY,
    DOMAIN_NAME,
    DOMAIN_NAME_V2,
    EDGE_SUFFIX,
    ENHANCED_PREFIX,
    REST_API,
)

LEGACY_POLICIES = ("TLS_1_0", "TLS_1_2")


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    return any(key == "Ref" or key.startswith("Fn::") for key in value)


def endpoint_types(resource_type: str, props: Mapping[str, Any]) -> tuple[list[str], bool] | None:
    """(endpoint types, whether they are the service default); None when not literal."""
    config = props.get("EndpointConfiguration")
    if config is not None and (not isinstance(config, Mapping) or _is_intrinsic(config)):
        return None
    types = config.get("Types") if config is not None else None
    if types is None:
        return [DEFAULT_ENDPOINT_TYPE.get(resource_type, "EDGE")], True
    if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
        return None
    return [t.upper() for t in types], False


def _fit(policy: str, resource_type: str, props: Mapping[str, Any]) -> str | None:
    found = endpoint_types(resource_type, props)
    if found is None:
        return None
    types, defaulted = found
    shown = "/".join(types) + (" (default)" if defaulted else "")
    is_edge_policy = policy.upper().endswith(EDGE_SUFFIX)
    if ("EDGE" in types) == is_edge_policy:
        return None
    kind = "an" if is_edge_policy else "not an"
    return (
        f"SecurityPolicy {policy} is {kind} {EDGE_SUFFIX} policy, but the endpoint type is {shown}."
    )


def check(view: ResourceView) -> Finding | None:
    props = view.properties
    policy = props.get("SecurityPolicy")
    if policy is None:
        default = DEFAULT_POLICY.get(view.type, "TLS_1_0")
        return Finding(f"SecurityPolicy is not set, so the legacy default {default} applies.")
    if not isinstance(policy, str):
        return None  # an intrinsic: not known at synth
    if not policy.startswith(ENHANCED_PREFIX):
        kind = "a legacy policy" if policy.upper() in LEGACY_POLICIES else "not an enhanced policy"
        return Finding(f"SecurityPolicy {policy} is {kind}.")
    problems: list[str] = []
    mode = props.get("EndpointAccessMode")
    if mode is None:
        problems.append(
            "EndpointAccessMode is not set; an enhanced policy requires BASIC or STRICT."
        )
    elif isinstance(mode, str) and mode.upper() not in ACCESS_MODES:
        problems.append(f"EndpointAccessMode {mode} is not BASIC or STRICT.")
    misfit = _fit(policy, view.type, props)
    if misfit is not None:
        problems.append(misfit)
    return Finding(" ".join(problems)) if problems else None


RULE = GuardrailRule(
    rule_id="RestApiEnhancedTlsPolicy",
    level=NagMessageLevel.ERROR,
    resource_types=(REST_API, DOMAIN_NAME, DOMAIN_NAME_V2),
    info="The REST API or custom domain does not use an enhanced TLS security policy with "
    "an endpoint access mode that fits its endpoint type.",
    explanation="A security policy fixes the minimum TLS version and the cipher suites API "
    "Gateway accepts in the handshake. The legacy policies (TLS_1_0, the default when none is "
    "set, and TLS_1_2) still accept old protocol versions and CBC ciphers; the enhanced "
    "SecurityPolicy_* policies enforce TLS 1.3 or hardened TLS 1.2 (with FIPS, forward-secrecy "
    "and post-quantum variants), which PCI DSS, Open Banking and FIPS workloads need. An "
    "enhanced policy requires an endpoint access mode (BASIC or STRICT), and EDGE endpoints "
    "take only the *_EDGE policies while REGIONAL and PRIVATE endpoints take only the others: "
    "anything else fails the deployment.",
    fix="Use GovernedRestApi (security_policy defaults to SecurityPolicy_TLS13_1_3_2025_09, "
    "SecurityPolicy_TLS13_2025_EDGE for EDGE, with an endpoint access mode), or set "
    "SecurityPolicy and EndpointAccessMode on the L1 (DomainName(security_policy=..., "
    "endpoint_access_mode=...)). A legacy policy kept for old clients needs an acknowledgment "
    "with the reason (GovernedRestApi(legacy_tls_reason=...)).",
    check=check,
)

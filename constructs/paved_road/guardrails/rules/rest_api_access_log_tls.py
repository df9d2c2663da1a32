"""PavedRoad-RestApiAccessLogTls: a REST API stage whose access log does not record the
negotiated TLS version and cipher suite."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._rest_api import STAGE

TLS_VARIABLES = ("$context.tlsVersion", "$context.cipherSuite")


def check(view: ResourceView) -> Finding | None:
    if view.properties.get("AccessLogSetting") is None:
        return Finding("AccessLogSetting is not set: the stage writes no access log.")
    if not view.setting("AccessLogSetting", "DestinationArn"):
        return Finding("AccessLogSetting has no DestinationArn: the stage writes no access log.")
    log_format = view.setting("AccessLogSetting", "Format")
    if log_format is not None and not isinstance(log_format, str):
        return None  # an intrinsic: not known at synth
    missing = [v for v in TLS_VARIABLES if v not in (log_format or "")]
    if not missing:
        return None
    return Finding(f"AccessLogSetting.Format does not include {' or '.join(missing)}.")


RULE = GuardrailRule(
    rule_id="RestApiAccessLogTls",
    level=NagMessageLevel.WARN,
    resource_types=(STAGE,),
    info="The REST API stage's access log does not record the TLS version and cipher suite.",
    explanation="$context.tlsVersion and $context.cipherSuite record what each client "
    "negotiated. Before moving an API or custom domain to a hardened security policy or to "
    "STRICT endpoint access mode, they show which clients still use TLS 1.0/1.2 or CBC "
    "ciphers (and would be cut off), and afterwards that the policy is what clients get.",
    fix="Use GovernedRestApi (its JSON access log includes both), or add "
    "$context.tlsVersion and $context.cipherSuite to the stage's access_log_format "
    "(AccessLogFormat.custom(...)).",
    check=check,
)

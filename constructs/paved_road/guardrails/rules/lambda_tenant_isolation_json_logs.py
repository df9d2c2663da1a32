"""PavedRoad-LambdaTenantIsolationJsonLogs: a tenant-isolated function without JSON logs."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import LAMBDA_FUNCTION


def check(view: ResourceView) -> Finding | None:
    if view.setting("TenancyConfig", "TenantIsolationMode") != "PER_TENANT":
        return None
    log_format = view.setting("LoggingConfig", "LogFormat")
    if log_format == "JSON":
        return None
    return Finding(
        "TenancyConfig.TenantIsolationMode is PER_TENANT and LoggingConfig.LogFormat is "
        f"{log_format or 'Text (default)'}."
    )


RULE = GuardrailRule(
    rule_id="LambdaTenantIsolationJsonLogs",
    level=NagMessageLevel.ERROR,
    resource_types=(LAMBDA_FUNCTION,),
    info="The tenant-isolated Lambda function does not write JSON logs.",
    explanation="In tenant-isolation mode Lambda adds the tenantId to every log line only "
    "when the function writes JSON logs. Without it no log line says which tenant's "
    "execution environment wrote it, so per-tenant debugging and audit are impossible.",
    fix="Use TenantIsolatedFunction (JSON logs are not optional there), or set "
    "logging_format=LoggingFormat.JSON.",
    check=check,
)

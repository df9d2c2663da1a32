"""PavedRoad-LambdaJsonLogs: a Lambda function without JSON log format."""

from __future__ import annotations

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView


def check(view: ResourceView) -> Finding | None:
    log_format = view.setting("LoggingConfig", "LogFormat")
    if log_format == "JSON":
        return None
    return Finding(f"LoggingConfig.LogFormat is {log_format or 'Text (default)'}.")


RULE = GuardrailRule(
    rule_id="LambdaJsonLogs",
    level=NagMessageLevel.ERROR,
    resource_types=("AWS::Lambda::Function",),
    info="The Lambda function does not write JSON logs.",
    explanation="JSON logs carry structured fields (request id, level, tenant id in "
    "tenant-isolation mode) that Logs Insights queries and log-level filtering rely on; "
    "application and system log levels only apply to JSON logs.",
    fix="Use GovernedFunction, or set logging_format=LoggingFormat.JSON.",
    check=check,
)

"""PavedRoad-LambdaCriticalDeployment: a CRITICAL function deployed without a CodeDeploy
deployment group on an alias, or without rollback alarms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road._template import reference_target
from paved_road.governance import Criticality
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import TemplateMemo

ALIAS = "AWS::Lambda::Alias"
GROUP = "AWS::CodeDeploy::DeploymentGroup"


def _deployments(template: Mapping[str, Any]) -> dict[str, list[bool]]:
    """Function logical id -> for each alias under CodeDeploy, whether its deployment
    group rolls back on alarms (alarms enabled, automatic rollback on
    ``DEPLOYMENT_STOP_ON_ALARM``); an alias with no CodeDeploy update policy is not
    listed."""
    resources = template.get("Resources") or {}
    found: dict[str, list[bool]] = {}
    for resource in resources.values():
        if not isinstance(resource, Mapping) or resource.get("Type") != ALIAS:
            continue
        props = resource.get("Properties") or {}
        function = reference_target(props.get("FunctionName"))
        policy = (resource.get("UpdatePolicy") or {}).get("CodeDeployLambdaAliasUpdate")
        if function is None or not isinstance(policy, Mapping):
            continue
        group = resources.get(reference_target(policy.get("DeploymentGroupName")) or "")
        alarms = False
        if isinstance(group, Mapping) and group.get("Type") == GROUP:
            props = group.get("Properties") or {}
            config = props.get("AlarmConfiguration") or {}
            rollback = props.get("AutoRollbackConfiguration") or {}
            # the alarms must be watched and must roll back (DEPLOYMENT_STOP_ON_ALARM)
            alarms = (
                bool(config.get("Alarms"))
                and config.get("Enabled") is not False
                and rollback.get("Enabled") is True
                and "DEPLOYMENT_STOP_ON_ALARM" in (rollback.get("Events") or [])
            )
        elif group is None and policy.get("DeploymentGroupName"):
            alarms = True  # a group outside this template: not decidable, assume governed
        found.setdefault(function, []).append(alarms)
    return found


_INDEX = TemplateMemo(_deployments)


def check(view: ResourceView) -> Finding | None:
    if view.criticality is not Criticality.CRITICAL:
        return None
    aliases = _INDEX(view.template).get(view.logical_id)
    if not aliases:
        return Finding(
            "No alias of it is deployed by CodeDeploy: a new version takes all traffic at once "
            "and nothing rolls it back."
        )
    if not any(aliases):
        return Finding(
            "Its CodeDeploy deployment group does not roll back on alarms (no alarms, or no "
            "automatic rollback on DEPLOYMENT_STOP_ON_ALARM): errors or latency of a new "
            "version do not stop it."
        )
    return None


RULE = GuardrailRule(
    rule_id="LambdaCriticalDeployment",
    level=NagMessageLevel.WARN,
    resource_types=("AWS::Lambda::Function",),
    info="The CRITICAL Lambda function is not deployed progressively with rollback alarms.",
    explanation="CRITICAL functions shift traffic to a new version in steps (CodeDeploy "
    "canary 10 %, then 100 %) and roll back automatically when the error rate or p99 "
    "duration alarms fire. Without a deployment group on an alias of the function, or "
    "without alarms on it, a bad version reaches every caller.",
    fix="Use GovernedFunction (criticality=CRITICAL deploys the live alias with CodeDeploy "
    "and rollback alarms), or add an aws_codedeploy.LambdaDeploymentGroup with alarms on an "
    "alias of the function.",
    check=check,
)

"""PavedRoad-UntrustedTenantRoleAllow: the execution role of untrusted tenant code
grants a permission (or lacks the explicit AWSDenyAll)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road._markers import DENY_ALL_POLICY_NAME, TRUST_TAG, UNTRUSTED
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules._common import TemplateMemo, flatten

IAM_ROLE = "AWS::IAM::Role"
_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
_ROLE_POLICY = "AWS::IAM::RolePolicy"  # one role, by RoleName
_DENY_ALL_SUFFIX = f":iam::aws:policy/{DENY_ALL_POLICY_NAME}"  # AWS managed, any partition
_SHOWN_ACTIONS = 3


def _allowed_actions(document: Any) -> list[str] | None:
    """The actions a policy document allows (``["*"]``-style strings, deduplicated,
    in order); None when it has no Allow statement."""
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return None
    actions: dict[str, None] = {}
    allows = False
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        allows = True
        if "NotAction" in statement:
            actions[f"all actions except {_text(statement['NotAction'])}"] = None
        else:
            action = statement.get("Action")
            for item in action if isinstance(action, list) else [action]:
                actions[_text(item)] = None
    return list(actions) if allows else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, str):
        return value
    return flatten(value) or "(unresolved)"


def _allows(document: Any) -> str | None:
    """``"allows a, b, c and 2 more"`` for a document with Allow statements, else None."""
    actions = _allowed_actions(document)
    if actions is None:
        return None
    shown = ", ".join(actions[:_SHOWN_ACTIONS])
    more = len(actions) - _SHOWN_ACTIONS
    return f"allows {shown}" + (f" and {more} more" if more > 0 else "")


def _is_deny_all(arn: Any) -> bool:
    return flatten(arn).endswith(_DENY_ALL_SUFFIX)


def _arn_text(arn: Any) -> str:
    if isinstance(arn, Mapping) and isinstance(arn.get("Ref"), str):
        return str(arn["Ref"])
    return flatten(arn) or str(arn)


def _role_ref(value: Any) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    return None


def _attached_allows(template: Mapping[str, Any]) -> dict[str, list[str]]:
    """Role logical id -> findings for the policy resources of the template that are
    attached to it (``Roles: [{"Ref": role}]``, ``RoleName: {"Ref": role}``) and allow
    something. Computed once per template."""
    index: dict[str, list[str]] = {}
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return index
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind = resource.get("Type")
        if kind not in _POLICY_TYPES and kind != _ROLE_POLICY:
            continue
        props = resource.get("Properties")
        if not isinstance(props, Mapping):
            continue
        roles = props.get("Roles") if kind in _POLICY_TYPES else [props.get("RoleName")]
        role_ids = {r for r in map(_role_ref, roles if isinstance(roles, list) else []) if r}
        if not role_ids:
            continue
        allows = _allows(props.get("PolicyDocument"))
        if allows is None:
            continue
        for role_id in role_ids:
            index.setdefault(role_id, []).append(f"{kind} {logical_id} {allows}")
    return index


_ATTACHED = TemplateMemo(_attached_allows)


def check(view: ResourceView) -> Finding | None:
    if view.tags.get(TRUST_TAG, "").lower() != UNTRUSTED:
        return None
    found: list[str] = []
    policies = view.properties.get("Policies")
    for policy in policies if isinstance(policies, list) else []:
        if not isinstance(policy, Mapping):
            continue
        allows = _allows(policy.get("PolicyDocument"))
        if allows is not None:
            found.append(f"inline policy '{_text(policy.get('PolicyName'))}' {allows}")
    arns = view.properties.get("ManagedPolicyArns")
    arns = arns if isinstance(arns, list) else []
    deny_all = False
    for arn in arns:
        if _is_deny_all(arn):
            deny_all = True
        else:
            found.append(f"managed policy {_arn_text(arn)} attached")
    if not deny_all:
        found.append(f"no {DENY_ALL_POLICY_NAME}")
    found.extend(_ATTACHED(view.template).get(view.logical_id, ()))
    if not found:
        return None
    return Finding("; ".join(found) + ".")


RULE = GuardrailRule(
    rule_id="UntrustedTenantRoleAllow",
    level=NagMessageLevel.ERROR,
    resource_types=(IAM_ROLE,),
    info="The execution role of untrusted tenant code grants permissions, or lacks an "
    f"explicit {DENY_ALL_POLICY_NAME}.",
    explanation="Tenant-supplied code runs with every permission of its execution role, and "
    "can use them however it likes. A role tagged "
    f"{TRUST_TAG}={UNTRUSTED} must grant nothing: no Allow statement in any policy, no "
    f"managed policy but {DENY_ALL_POLICY_NAME}, and {DENY_ALL_POLICY_NAME} attached so "
    "that a permission added later is still denied (Pega's practice for customer code).",
    fix="Use TenantFunctionFleet(untrusted=True) or TenantCodeRunner; give untrusted code the "
    "data it needs as invocation input instead of permissions to fetch it.",
    check=check,
)

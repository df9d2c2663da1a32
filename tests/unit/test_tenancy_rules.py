"""The tenancy rules on synthesized-template fragments: non-compliant and compliant.

ApiTenantIdFromClient, LambdaTenantIsolationJsonLogs, UntrustedTenantRoleAllow and
FleetStackResourceBudget, tested as pure functions of a ResourceView (like
test_guardrail_rules.py).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from paved_road._markers import (
    FLEET_METADATA_KEY,
    TENANT_ID_INTEGRATION_PARAMETER,
    TRUST_TAG,
    TRUSTED,
    UNTRUSTED,
)
from paved_road.guardrails.rule import ResourceView
from paved_road.guardrails.rules import (
    ALL_RULES,
    API_TENANT_ID_FROM_CLIENT,
    FLEET_STACK_RESOURCE_BUDGET,
    LAMBDA_TENANT_ISOLATION_JSON_LOGS,
    UNTRUSTED_TENANT_ROLE_ALLOW,
)
from tests.unit.test_guardrail_rules import TODAY, check, fn, run

DENY_ALL = "arn:aws:iam::aws:policy/AWSDenyAll"
DENY_ALL_JOIN = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AWSDenyAll"]]
}


# --- ApiTenantIdFromClient ----------------------------------------------------------
def method(source: str | None, auth: str | None = None, key: str | None = None) -> dict[str, Any]:
    integration: dict[str, Any] = {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST"}
    if source is not None:
        integration["RequestParameters"] = {key or TENANT_ID_INTEGRATION_PARAMETER: source}
    props: dict[str, Any] = {"HttpMethod": "POST", "Integration": integration}
    if auth is not None:
        props["AuthorizationType"] = auth
    return {"Type": "AWS::ApiGateway::Method", "Properties": props}


@pytest.mark.parametrize(
    "source",
    [
        "method.request.header.X-Tenant-Id",
        "method.request.querystring.tenant",
        "method.request.path.tenant",
    ],
)
@pytest.mark.parametrize("auth", [None, "NONE"])
def test_api_tenant_id_from_client_flags_raw_client_values(source: str, auth: str | None) -> None:
    # GIVEN a method without an authorizer that maps the tenant-id header from the request
    # WHEN the rule checks it
    detail = check(API_TENANT_ID_FROM_CLIENT, method(source, auth))
    # THEN it is flagged, naming the source expression
    assert detail is not None
    assert source in detail
    assert TENANT_ID_INTEGRATION_PARAMETER in detail


def test_api_tenant_id_from_client_compares_the_header_name_case_insensitively() -> None:
    # GIVEN the tenant-id header spelled in lower case
    key = "integration.request.header.x-amz-tenant-id"
    # WHEN the rule checks a method mapping it from a client header
    detail = check(API_TENANT_ID_FROM_CLIENT, method("method.request.header.tenant", key=key))
    # THEN it is still recognised as the tenant-id header
    assert detail is not None and key in detail


def test_api_tenant_id_from_client_accepts_the_authorizer_context() -> None:
    # GIVEN a method taking the tenant id from the authorizer's context
    resource = method("context.authorizer.tenantId", "NONE")
    # WHEN / THEN nothing is flagged
    assert check(API_TENANT_ID_FROM_CLIENT, resource) is None


@pytest.mark.parametrize("auth", ["CUSTOM", "COGNITO_USER_POOLS", "AWS_IAM"])
def test_api_tenant_id_from_client_accepts_client_values_behind_an_authorizer(auth: str) -> None:
    # GIVEN a method with an authorizer that maps the tenant id from a client header
    resource = method("method.request.header.X-Tenant-Id", auth)
    # WHEN / THEN nothing is flagged: the authorizer authenticates the caller
    assert check(API_TENANT_ID_FROM_CLIENT, resource) is None


def test_api_tenant_id_from_client_ignores_methods_without_a_tenant_mapping() -> None:
    # GIVEN methods without an authorizer: no request parameters, or other headers only
    other = method("method.request.header.X-Trace", key="integration.request.header.X-Trace")
    # WHEN / THEN nothing is flagged
    assert check(API_TENANT_ID_FROM_CLIENT, method(None)) is None
    assert check(API_TENANT_ID_FROM_CLIENT, other) is None


def test_api_tenant_id_from_client_ignores_a_static_tenant_id() -> None:
    # GIVEN a method that sets the tenant id to a literal (not a client value)
    # WHEN / THEN nothing is flagged
    assert check(API_TENANT_ID_FROM_CLIENT, method("'tenant-a'")) is None


# --- LambdaTenantIsolationJsonLogs --------------------------------------------------
PER_TENANT = {"TenantIsolationMode": "PER_TENANT"}


@pytest.mark.parametrize(
    ("logging", "shown"),
    [({"LogFormat": "Text"}, "Text"), (None, "Text (default)"), ({}, "Text (default)")],
)
def test_tenant_isolation_json_logs_flags_text_logs(logging: Any, shown: str) -> None:
    # GIVEN a tenant-isolated function with Text logs (explicit or by default)
    resource = fn(TenancyConfig=PER_TENANT, LoggingConfig=logging)
    # WHEN the rule checks it
    detail = check(LAMBDA_TENANT_ISOLATION_JSON_LOGS, resource)
    # THEN it is flagged with the log format it found
    assert detail == (
        f"TenancyConfig.TenantIsolationMode is PER_TENANT and LoggingConfig.LogFormat is {shown}."
    )


def test_tenant_isolation_json_logs_accepts_json_logs() -> None:
    # GIVEN a tenant-isolated function with JSON logs
    resource = fn(TenancyConfig=PER_TENANT, LoggingConfig={"LogFormat": "JSON"})
    # WHEN / THEN nothing is flagged
    assert check(LAMBDA_TENANT_ISOLATION_JSON_LOGS, resource) is None


def test_tenant_isolation_json_logs_ignores_functions_without_tenant_isolation() -> None:
    # GIVEN functions with Text logs that are not tenant-isolated
    # WHEN / THEN this rule leaves them to LambdaJsonLogs
    assert check(LAMBDA_TENANT_ISOLATION_JSON_LOGS, fn(LoggingConfig=None)) is None
    assert (
        check(LAMBDA_TENANT_ISOLATION_JSON_LOGS, fn(TenancyConfig={}, LoggingConfig=None)) is None
    )


# --- UntrustedTenantRoleAllow -------------------------------------------------------
def role(
    trust: str | None = UNTRUSTED,
    managed: list[Any] | None = None,
    policies: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {
            "Statement": [
                {
                    "Action": "sts:AssumeRole",
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                }
            ],
            "Version": "2012-10-17",
        },
        "ManagedPolicyArns": [DENY_ALL] if managed is None else managed,
    }
    if policies is not None:
        props["Policies"] = policies
    if trust is not None:
        props["Tags"] = [{"Key": TRUST_TAG, "Value": trust}, {"Key": "tenant", "Value": "t1"}]
    return {"Type": "AWS::IAM::Role", "Properties": props}


def inline(name: str, statement: Any) -> dict[str, Any]:
    return {"PolicyName": name, "PolicyDocument": {"Statement": statement, "Version": "2012-10-17"}}


LOGS_ALLOW = {"Action": "logs:PutLogEvents", "Effect": "Allow", "Resource": "*"}
DENY_STAR = {"Action": "*", "Effect": "Deny", "Resource": "*"}


def test_untrusted_role_accepts_deny_all_only() -> None:
    # GIVEN an untrusted role with only AWSDenyAll (and a Deny-only inline policy)
    compliant = role(policies=[inline("Deny", DENY_STAR)])
    # WHEN / THEN nothing is flagged
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, role()) is None
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, compliant) is None


def test_untrusted_role_accepts_deny_all_spelled_with_fn_join() -> None:
    # GIVEN AWSDenyAll as CDK writes it (Fn::Join over the partition)
    # WHEN / THEN it counts as the deny-all policy
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, role(managed=[DENY_ALL_JOIN])) is None
    sub = {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AWSDenyAll"}
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, role(managed=[sub])) is None


@pytest.mark.parametrize("statement", [LOGS_ALLOW, [DENY_STAR, LOGS_ALLOW]])
def test_untrusted_role_flags_an_inline_allow(statement: Any) -> None:
    # GIVEN an untrusted role whose inline policy allows an action (Statement a dict or a list)
    resource = role(policies=[inline("Logs", statement)])
    # WHEN the rule checks it
    detail = check(UNTRUSTED_TENANT_ROLE_ALLOW, resource)
    # THEN the policy and the action are named
    assert detail == "inline policy 'Logs' allows logs:PutLogEvents."


def test_untrusted_role_lists_many_actions_briefly() -> None:
    # GIVEN an inline policy that allows five actions
    actions = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "kms:Decrypt", "logs:*"]
    resource = role(policies=[inline("Lots", {"Action": actions, "Effect": "Allow"})])
    # WHEN / THEN the detail names the first three and counts the rest
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, resource) == (
        "inline policy 'Lots' allows s3:GetObject, s3:PutObject, sqs:SendMessage and 2 more."
    )


def test_untrusted_role_flags_another_managed_policy() -> None:
    # GIVEN an untrusted role with AWSDenyAll and another managed policy
    extra = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    resource = role(managed=[DENY_ALL, extra])
    # WHEN / THEN the extra policy is flagged
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, resource) == f"managed policy {extra} attached."


def test_untrusted_role_rejects_a_customer_policy_named_like_deny_all() -> None:
    # GIVEN a customer managed policy named AWSDenyAll (it could allow anything)
    lookalike = "arn:aws:iam::111122223333:policy/AWSDenyAll"
    # WHEN / THEN it is not the AWS managed deny-all policy
    detail = check(UNTRUSTED_TENANT_ROLE_ALLOW, role(managed=[lookalike]))
    assert detail == f"managed policy {lookalike} attached; no AWSDenyAll."


def test_untrusted_role_requires_deny_all() -> None:
    # GIVEN an untrusted role with no policies at all
    # WHEN / THEN the missing AWSDenyAll is flagged
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, role(managed=[])) == "no AWSDenyAll."
    resource = role()
    del resource["Properties"]["ManagedPolicyArns"]
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, resource) == "no AWSDenyAll."


@pytest.mark.parametrize("policy_type", ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"])
def test_untrusted_role_flags_a_separate_policy_attached_by_ref(policy_type: str) -> None:
    # GIVEN a policy resource in the same template attached to the role with a Ref
    policy = {
        "Type": policy_type,
        "Properties": {
            "PolicyDocument": {"Statement": [LOGS_ALLOW], "Version": "2012-10-17"},
            "Roles": [{"Ref": "R"}],
        },
    }
    # WHEN the rule checks the role
    detail = check(UNTRUSTED_TENANT_ROLE_ALLOW, role(), P=policy)
    # THEN the policy resource is named
    assert detail == f"{policy_type} P allows logs:PutLogEvents."


def test_untrusted_role_ignores_policies_of_other_roles_and_deny_only_policies() -> None:
    # GIVEN an allowing policy attached to another role, and a Deny-only one attached here
    other = {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyDocument": {"Statement": [LOGS_ALLOW]},
            "Roles": [{"Ref": "Other"}],
        },
    }
    deny = {
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyDocument": {"Statement": DENY_STAR}, "Roles": [{"Ref": "R"}]},
    }
    # WHEN / THEN nothing is flagged
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, role(), P=other, D=deny) is None


def test_untrusted_role_reports_everything_it_found() -> None:
    # GIVEN an untrusted role with an inline allow, an extra managed policy, no deny-all
    # and an attached policy resource
    policy = {
        "Type": "AWS::IAM::Policy",
        "Properties": {"PolicyDocument": {"Statement": LOGS_ALLOW}, "Roles": [{"Ref": "R"}]},
    }
    resource = role(managed=[{"Ref": "Mp"}], policies=[inline("Logs", LOGS_ALLOW)])
    # WHEN the rule checks it
    detail = check(UNTRUSTED_TENANT_ROLE_ALLOW, resource, P=policy)
    # THEN every problem is listed
    assert detail == (
        "inline policy 'Logs' allows logs:PutLogEvents; managed policy Mp attached; "
        "no AWSDenyAll; AWS::IAM::Policy P allows logs:PutLogEvents."
    )


@pytest.mark.parametrize("trust", [TRUSTED, None])
def test_untrusted_role_rule_ignores_trusted_and_untagged_roles(trust: str | None) -> None:
    # GIVEN a trusted (or untagged) role with allows and no deny-all
    resource = role(trust, managed=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    resource["Properties"]["Policies"] = [inline("Logs", LOGS_ALLOW)]
    # WHEN / THEN the rule does not apply
    assert check(UNTRUSTED_TENANT_ROLE_ALLOW, resource) is None


# --- FleetStackResourceBudget -------------------------------------------------------
def fleet_view(
    resources: dict[str, dict[str, Any]],
    logical_id: str,
    *,
    max_resources: int = 250,
    max_bytes: int = 800_000,
    metadata: bool = True,
) -> ResourceView:
    template: dict[str, Any] = {"Resources": resources}
    if metadata:
        template["Metadata"] = {
            FLEET_METADATA_KEY: {
                "Fleet": "App/Fleet",
                "Shard": 2,
                "MaxResources": max_resources,
                "MaxTemplateBytes": max_bytes,
            }
        }
    resource = resources[logical_id]
    return ResourceView(
        logical_id, resource["Type"], resource.get("Properties", {}), template, TODAY
    )


def shard(functions: int, others: int = 0) -> dict[str, dict[str, Any]]:
    resources = {f"Fn{i:03d}": fn() for i in range(functions)}
    resources.update({f"Queue{i:03d}": {"Type": "AWS::SQS::Queue"} for i in range(others)})
    return resources


def budget(view: ResourceView) -> str | None:
    finding = FLEET_STACK_RESOURCE_BUDGET.check(view)
    return None if finding is None else finding.detail


def test_fleet_budget_flags_too_many_resources() -> None:
    # GIVEN a shard with 312 resources and a budget of 250
    resources = shard(150, 162)
    # WHEN the rule checks the first function
    detail = budget(fleet_view(resources, "Fn000"))
    # THEN the stack's count and budget are reported
    assert detail == "fleet App/Fleet shard 2: 312 resources, budget 250."


def test_fleet_budget_flags_too_many_bytes() -> None:
    # GIVEN a shard within its resource budget but over its template-size budget
    resources = shard(3)
    view = fleet_view(resources, "Fn000", max_bytes=100)
    size = len(json.dumps(view.template, indent=1).encode())
    # WHEN / THEN the template's size as CDK writes it is reported
    assert budget(view) == f"fleet App/Fleet shard 2: {size} template bytes, budget 100."


def test_fleet_budget_uses_the_template_file_size_when_the_pack_read_a_file() -> None:
    # GIVEN a small template the pack read from a file of 900,000 bytes
    view = dataclasses.replace(fleet_view(shard(3), "Fn000"), template_bytes=900_000)
    # WHEN / THEN the file's size is compared with the budget (no re-serialization)
    assert budget(view) == "fleet App/Fleet shard 2: 900000 template bytes, budget 800000."
    # AND a file within budget passes
    assert budget(dataclasses.replace(view, template_bytes=800_000)) is None


def test_fleet_budget_reports_both_budgets() -> None:
    # GIVEN a shard over both budgets
    view = fleet_view(shard(5), "Fn000", max_resources=4, max_bytes=10)
    # WHEN / THEN both are named
    detail = budget(view)
    assert detail is not None
    assert "5 resources, budget 4; " in detail and "template bytes, budget 10." in detail


def test_fleet_budget_accepts_a_shard_within_budget() -> None:
    # GIVEN a shard with exactly as many resources as its budget, under the byte budget
    # WHEN / THEN nothing is flagged
    assert budget(fleet_view(shard(100, 150), "Fn000")) is None


def test_fleet_budget_reports_only_on_the_smallest_logical_id() -> None:
    # GIVEN an over-budget shard whose functions are not in logical-id order
    resources = {"Queue": {"Type": "AWS::SQS::Queue"}, "Zeta": fn(), "Alpha": fn(), "Mid": fn()}
    template_views = {
        logical_id: fleet_view(resources, logical_id, max_resources=2)
        for logical_id in ("Zeta", "Alpha", "Mid")
    }
    # WHEN the rule checks each function
    details = {lid: budget(view) for lid, view in template_views.items()}
    # THEN only the function with the smallest logical id reports the stack
    assert details == {
        "Zeta": None,
        "Alpha": "fleet App/Fleet shard 2: 4 resources, budget 2.",
        "Mid": None,
    }


def test_fleet_budget_shares_one_evaluation_per_template() -> None:
    # GIVEN one shard template and views of each of its functions
    resources = shard(3, 10)
    first = fleet_view(resources, "Fn000", max_resources=5)
    others = [
        ResourceView(lid, "AWS::Lambda::Function", {}, first.template, TODAY)
        for lid in ("Fn002", "Fn001")
    ]
    # WHEN the rule checks them all (the template object is the same)
    # THEN only the first function reports
    assert [budget(v) for v in others] == [None, None]
    assert budget(first) == "fleet App/Fleet shard 2: 13 resources, budget 5."


def test_fleet_budget_does_not_reuse_results_across_templates() -> None:
    # GIVEN many over-budget and within-budget shard templates checked in turn
    # (templates are created and dropped, so ids may be reused)
    for i in range(50):
        over = i % 2 == 0
        view = fleet_view(shard(2, 10 if over else 0), "Fn000", max_resources=5)
        # WHEN / THEN each template gets its own answer
        assert (budget(view) is not None) is over
        del view  # free this template before the next one is built


def test_fleet_budget_ignores_stacks_without_fleet_metadata() -> None:
    # GIVEN a large ordinary stack (no fleet metadata)
    view = fleet_view(shard(150, 400), "Fn000", metadata=False)
    # WHEN / THEN the rule does not apply
    assert budget(view) is None
    # AND a plain template of a single function is not a shard either
    assert run(FLEET_STACK_RESOURCE_BUDGET, {"R": fn()}) is None


def test_tenancy_rules_are_registered() -> None:
    # GIVEN the pack's rule list
    # WHEN / THEN the four tenancy rules are in it, with their levels
    levels = {rule.rule_id: rule.level_name for rule in ALL_RULES}
    assert levels["ApiTenantIdFromClient"] == "Warning"
    assert levels["LambdaTenantIsolationJsonLogs"] == "Error"
    assert levels["UntrustedTenantRoleAllow"] == "Error"
    assert levels["FleetStackResourceBudget"] == "Error"

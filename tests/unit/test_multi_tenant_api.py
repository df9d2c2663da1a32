"""MultiTenantApi blueprint: REST API -> TOKEN authorizer -> tenant-isolated function.

Wiring (authorizer on every method, tenant id from the authorizer's context), stage
settings, the tenant registry and signing key defaults, props, every validation branch,
the guardrail packs and cfn-lint.
"""

from __future__ import annotations

import json
import re
import shutil
import typing
from collections.abc import Mapping
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Match, Template

from paved_road import Criticality, PavedRoadError
from paved_road.tenancy import TenantAuthorizer, TenantIsolatedFunction
from paved_road_blueprints import MultiTenantApi
from paved_road_blueprints import multi_tenant_api as blueprint
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

TENANT_HEADER = "integration.request.header.X-Amz-Tenant-Id"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:tenant-signing-key-AbCdEf"
INLINE = lambda_.Code.from_inline("def main(event, context):\n    return {}\n")


def build(stack: Stack, **props: typing.Any) -> tuple[MultiTenantApi, Template]:
    api = MultiTenantApi(stack, "Api", **props)
    return api, template(stack)


def logical_id(stack: Stack, construct: typing.Any) -> str:
    return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))


def only(resources: Mapping[str, typing.Any]) -> typing.Any:
    assert len(resources) == 1, list(resources)
    return next(iter(resources.values()))


def tenant_function(t: Template) -> dict[str, typing.Any]:
    """The one function in tenant isolation mode (the authorizer's is not)."""
    return only(
        t.find_resources(
            "AWS::Lambda::Function",
            {"Properties": {"TenancyConfig": {"TenantIsolationMode": "PER_TENANT"}}},
        )
    )["Properties"]


def authorizer_environment(t: Template) -> dict[str, typing.Any]:
    fn = only(
        t.find_resources(
            "AWS::Lambda::Function",
            {"Properties": {"Environment": {"Variables": {"TENANT_CLAIM": Match.any_value()}}}},
        )
    )
    return fn["Properties"]["Environment"]["Variables"]


# ----------------------------------------------------------------- API wiring


def test_defaults_build_a_regional_api_whose_methods_use_the_token_authorizer(
    stack: Stack,
) -> None:
    # GIVEN a MultiTenantApi with defaults
    api, t = build(stack)
    authorizer_id = logical_id(stack, api.authorizer.authorizer)
    # THEN the REST API is regional, TLS 1.3 only, in BASIC endpoint access mode
    t.resource_count_is("AWS::ApiGateway::RestApi", 1)
    t.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "SecurityPolicy": "SecurityPolicy_TLS13_1_3_2025_09",
            "EndpointAccessMode": "BASIC",
        },
    )
    # AND one TOKEN authorizer reads the bearer token from the Authorization header
    t.resource_count_is("AWS::ApiGateway::Authorizer", 1)
    t.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "TOKEN",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 300,
        },
    )
    # AND exactly two methods exist, ANY on the root and ANY on {proxy+}, both CUSTOM-
    # authorized by that authorizer
    methods = t.find_resources("AWS::ApiGateway::Method")
    assert len(methods) == 2
    proxy = only(t.find_resources("AWS::ApiGateway::Resource"))["Properties"]
    assert proxy["PathPart"] == "{proxy+}"
    resource_ids = sorted(
        json.dumps(m["Properties"]["ResourceId"], sort_keys=True) for m in methods.values()
    )
    assert resource_ids == sorted(
        [
            json.dumps({"Fn::GetAtt": [logical_id(stack, api.api), "RootResourceId"]}),
            json.dumps({"Ref": logical_id(stack, api.api.root.get_resource("{proxy+}"))}),
        ]
    )
    for method in methods.values():
        props = method["Properties"]
        assert props["HttpMethod"] == "ANY"
        assert props["AuthorizationType"] == "CUSTOM"
        assert props["AuthorizerId"] == {"Ref": authorizer_id}
    assert len(api.methods) == 2


def test_methods_proxy_to_the_tenant_function_with_the_authorizer_tenant_id(
    stack: Stack,
) -> None:
    # GIVEN a MultiTenantApi with defaults
    api, t = build(stack)
    # API Gateway invokes the function's live alias (its Ref is the alias ARN)
    function_arn = {"Ref": logical_id(stack, api.function.live)}
    # THEN both methods integrate AWS_PROXY with the tenant-isolated function, and map
    # X-Amz-Tenant-Id from the authorizer's context (never from the client)
    methods = t.find_resources("AWS::ApiGateway::Method")
    assert len(methods) == 2
    for method in methods.values():
        integration = method["Properties"]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert integration["IntegrationHttpMethod"] == "POST"
        assert integration["RequestParameters"] == {TENANT_HEADER: "context.authorizer.tenantId"}
        assert function_arn in integration["Uri"]["Fn::Join"][1]
        assert "RequestParameters" not in method["Properties"]
    # AND API Gateway may invoke the function from the two methods only (no test-invoke
    # permission: the console's test invoke sends no tenant id), plus the authorizer's
    permissions = t.find_resources("AWS::Lambda::Permission")
    targets = [p["Properties"]["FunctionName"] for p in permissions.values()]
    assert targets.count(function_arn) == 2
    principals = sorted(p["Properties"]["Principal"] for p in permissions.values())
    # the two methods and the authorizer; EventBridge for the stack's version pruner
    assert principals == ["apigateway.amazonaws.com"] * 3 + ["events.amazonaws.com"]


def test_tenant_function_is_per_tenant_isolated_with_the_sample_handler(stack: Stack) -> None:
    # GIVEN a MultiTenantApi with defaults
    api, t = build(stack)
    # THEN the function is in Lambda's tenant isolation mode, runs the sample handler, JSON logs
    fn = tenant_function(t)
    assert fn["TenancyConfig"] == {"TenantIsolationMode": "PER_TENANT"}
    assert fn["Handler"] == "index.handler"
    assert fn["LoggingConfig"]["LogFormat"] == "JSON"
    assert {"Key": "criticality", "Value": "IMPORTANT"} in fn["Tags"]
    assert isinstance(api.function, TenantIsolatedFunction)
    assert isinstance(api.authorizer, TenantAuthorizer)
    assert (blueprint.HANDLER_DIR / "index.py").is_file()
    # AND the authorizer function is a plain (non-isolated) function (the third is the
    # stack's version pruner)
    t.resource_count_is("AWS::Lambda::Function", 3)


def test_stage_traces_throttles_logs_and_writes_json_access_logs_with_the_tenant(
    stack: Stack,
) -> None:
    # GIVEN custom throttling and stage name
    api, t = build(stack, stage_name="v1", throttling_rate_limit=25, throttling_burst_limit=50)
    # THEN the stage traces, throttles with the given values and logs at INFO (no bodies)
    stage = only(t.find_resources("AWS::ApiGateway::Stage"))["Properties"]
    assert stage["StageName"] == "v1"
    assert stage["TracingEnabled"] is True
    assert stage["MethodSettings"] == [
        {
            "DataTraceEnabled": False,
            "HttpMethod": "*",
            "LoggingLevel": "INFO",
            "MetricsEnabled": True,
            "ResourcePath": "/*",
            "ThrottlingBurstLimit": 50,
            "ThrottlingRateLimit": 25,
        }
    ]
    # AND the access log goes to the construct's log group as JSON carrying the tenant id
    access = stage["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": [logical_id(stack, api.access_logs), "Arn"]}
    record = json.loads(access["Format"])
    assert record["tenantId"] == "$context.authorizer.tenantId"
    assert record["requestId"] == "$context.requestId"
    assert record == blueprint.ACCESS_LOG_FIELDS
    # AND the access log group is retained, one month by default
    t.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 30},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_default_throttling_is_100_per_second_burst_200(stack: Stack) -> None:
    _, t = build(stack)
    stage = only(t.find_resources("AWS::ApiGateway::Stage"))["Properties"]
    assert stage["StageName"] == "prod"
    assert stage["MethodSettings"][0]["ThrottlingRateLimit"] == 100
    assert stage["MethodSettings"][0]["ThrottlingBurstLimit"] == 200


def test_request_validator_checks_body_and_parameters_on_every_method(stack: Stack) -> None:
    # GIVEN a MultiTenantApi with defaults
    _, t = build(stack)
    # THEN one request validator validates body and parameters
    validators = t.find_resources("AWS::ApiGateway::RequestValidator")
    assert len(validators) == 1
    (validator_id, validator), *_ = validators.items()
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    # AND both methods use it
    for method in t.find_resources("AWS::ApiGateway::Method").values():
        assert method["Properties"]["RequestValidatorId"] == {"Ref": validator_id}


# ----------------------------------------------------------------- registry and signing key


def test_defaults_create_a_retained_pitr_tenant_table_and_a_generated_signing_key(
    stack: Stack,
) -> None:
    # GIVEN a MultiTenantApi with defaults
    api, t = build(stack)
    # THEN a tenant table keyed by tenantId, point-in-time recovery on, retained on delete
    t.resource_count_is("AWS::DynamoDB::GlobalTable", 1)
    t.has_resource(
        "AWS::DynamoDB::GlobalTable",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "KeySchema": [{"AttributeName": "tenantId", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "tenantId", "AttributeType": "S"}],
                    "Replicas": [
                        Match.object_like(
                            {
                                "PointInTimeRecoverySpecification": {
                                    "PointInTimeRecoveryEnabled": True
                                }
                            }
                        )
                    ],
                }
            ),
        },
    )
    # AND a generated 64-character signing key
    t.resource_count_is("AWS::SecretsManager::Secret", 1)
    t.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {"GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True}},
    )
    # AND the authorizer reads both
    env = authorizer_environment(t)
    assert env["TENANT_TABLE_NAME"] == {"Ref": logical_id(stack, api.tenant_table)}
    assert env["SIGNING_SECRET_ARN"] == {"Ref": logical_id(stack, api.signing_secret)}
    assert "ALLOWED_TENANTS" not in env
    assert api.tenant_table is not None


def test_allowed_tenants_replace_the_table(stack: Stack) -> None:
    # GIVEN a static tenant list
    api, t = build(stack, allowed_tenants=["acme", "globex"])
    # THEN no table is created and the authorizer gets the list
    t.resource_count_is("AWS::DynamoDB::GlobalTable", 0)
    t.resource_count_is("AWS::DynamoDB::Table", 0)
    env = authorizer_environment(t)
    assert env["ALLOWED_TENANTS"] == "acme,globex"
    assert "TENANT_TABLE_NAME" not in env
    assert api.tenant_table is None
    assert "dynamodb:" not in json.dumps(t.find_resources("AWS::IAM::Policy"))


def test_existing_secret_and_table_are_used_not_created(stack: Stack) -> None:
    # GIVEN an imported signing key and tenant table
    secret = secretsmanager.Secret.from_secret_complete_arn(stack, "Key", SECRET_ARN)
    table = dynamodb.TableV2.from_table_name(stack, "Registry", "tenants")
    api, t = build(stack, signing_secret=secret, tenant_table=table)
    # THEN neither is created
    t.resource_count_is("AWS::SecretsManager::Secret", 0)
    t.resource_count_is("AWS::DynamoDB::GlobalTable", 0)
    t.resource_count_is("AWS::DynamoDB::Table", 0)
    assert api.signing_secret is secret
    assert api.tenant_table is table
    # AND the authorizer reads them, and may read them
    env = authorizer_environment(t)
    assert env["SIGNING_SECRET_ARN"] == SECRET_ARN
    assert env["TENANT_TABLE_NAME"] == "tenants"
    policies = json.dumps(t.find_resources("AWS::IAM::Policy"))
    assert SECRET_ARN in policies
    assert ":table/tenants" in policies


# ----------------------------------------------------------------- props


def test_function_props_reach_the_tenant_function(stack: Stack) -> None:
    # GIVEN custom code, handler and memory for the tenant function
    _, t = build(
        stack,
        function_props={
            "code": INLINE,
            "handler": "index.main",
            "memory_size": 1024,
            "runtime_version_arn": "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64,
        },
        criticality=Criticality.CRITICAL,
    )
    # THEN the tenant-isolated function uses them
    fn = tenant_function(t)
    assert fn["Handler"] == "index.main"
    assert fn["MemorySize"] == 1024
    assert fn["Code"] == {"ZipFile": "def main(event, context):\n    return {}\n"}
    assert {"Key": "criticality", "Value": "CRITICAL"} in fn["Tags"]
    # AND the authorizer keeps its own settings
    authorizer = only(
        t.find_resources(
            "AWS::Lambda::Function",
            {"Properties": {"Environment": {"Variables": {"TENANT_CLAIM": Match.any_value()}}}},
        )
    )["Properties"]
    assert authorizer["MemorySize"] == 256
    assert authorizer["Handler"] == "index.handler"


def test_issuer_and_audience_reach_the_authorizer(stack: Stack) -> None:
    _, t = build(stack, issuer="https://id.example.com", audience="orders-api")
    env = authorizer_environment(t)
    assert env["TOKEN_ISSUER"] == "https://id.example.com"
    assert env["TOKEN_AUDIENCE"] == "orders-api"


# ----------------------------------------------------------------- validation


def test_throttling_rate_limit_below_one_is_rejected(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^MultiTenantApi 'Test/Api': throttling_rate_limit must be between 1 and "
        r"1000000, got 0$",
    ):
        MultiTenantApi(stack, "Api", throttling_rate_limit=0)


def test_throttling_burst_limit_above_5000_is_rejected(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^MultiTenantApi 'Test/Api': throttling_burst_limit must be between 0 and "
        r"5000, got 6000$",
    ):
        MultiTenantApi(stack, "Api", throttling_burst_limit=6000)


def test_tenant_table_and_allowed_tenants_are_mutually_exclusive(stack: Stack) -> None:
    table = dynamodb.TableV2.from_table_name(stack, "Registry", "tenants")
    with pytest.raises(
        PavedRoadError,
        match=r"^MultiTenantApi 'Test/Api': tenant_table/allowed_tenants are mutually "
        r"exclusive: give at most one tenant registry, got 'both'$",
    ):
        MultiTenantApi(stack, "Api", tenant_table=table, allowed_tenants=["acme"])


@pytest.mark.parametrize("stage_name", ["", "prod stage", "v1/beta", "prod.2", "s" * 129])
def test_bad_stage_name_is_rejected(stack: Stack, stage_name: str) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^MultiTenantApi 'Test/Api': stage_name must be non-empty \[A-Za-z0-9_-\], at "
        r"most 128 characters, got " + re.escape(repr(stage_name)) + "$",
    ):
        MultiTenantApi(stack, "Api", stage_name=stage_name)


def test_problems_are_collected_and_raised_once(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"MultiTenantApi 'Test/Api': 2 problems:") as info:
        MultiTenantApi(stack, "Api", throttling_rate_limit=0, stage_name="")
    assert len(info.value.problems) == 2


def test_non_ascii_stage_name_is_rejected(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"stage_name must be non-empty"):
        MultiTenantApi(stack, "Api", stage_name="prödüction")


def test_handler_asset_ignores_bytecode_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a copy of the handler directory, then the same with a __pycache__ in it
    clean = tmp_path / "clean"
    shutil.copytree(blueprint.HANDLER_DIR, clean, ignore=shutil.ignore_patterns("__pycache__"))
    dirty = tmp_path / "dirty"
    shutil.copytree(clean, dirty)
    (dirty / "__pycache__").mkdir()
    (dirty / "__pycache__" / "index.cpython-314.pyc").write_bytes(b"\x00bytecode")

    def code_of(directory: Path) -> object:
        monkeypatch.setattr(blueprint, "HANDLER_DIR", directory)
        return tenant_function(build(new_stack(), allowed_tenants=["acme"])[1])["Code"]

    # THEN both give the same asset
    assert code_of(clean) == code_of(dirty)


# ----------------------------------------------------------------- guardrails and cfn-lint


def test_guardrails_leave_only_the_waf_warning(tmp_path: Path) -> None:
    # GIVEN a default MultiTenantApi synthesized under every pack
    run = run_guardrails(lambda s: MultiTenantApi(s, "Api"), tmp_path)
    # THEN synthesis succeeds with no error-level finding
    assert run.error is None
    assert run.rules("error") == set()
    # AND the only finding left is the WAF warning on the stage (a WAF web ACL is the
    # user's choice)
    assert run.rules() == {"AwsSolutions-APIG3"}
    assert run.rules("warning") == {"AwsSolutions-APIG3"}
    assert run.paths("AwsSolutions-APIG3") == {"Guarded/Api/Api/DeploymentStage.prod/Resource"}


def test_template_passes_cfn_lint(stack: Stack) -> None:
    _, t = build(stack)
    assert lint_errors(t.to_json()) == []


def test_a_table_v1_and_a_fractional_rate_are_accepted(stack: Stack) -> None:
    table = dynamodb.Table(
        stack,
        "Tenants",
        partition_key=dynamodb.Attribute(name="tenant_id", type=dynamodb.AttributeType.STRING),
    )
    MultiTenantApi(stack, "Api", tenant_table=table, throttling_rate_limit=10.5)
    template(stack).has_resource_properties(
        "AWS::ApiGateway::Stage",
        {"MethodSettings": Match.array_with([Match.object_like({"ThrottlingRateLimit": 10.5})])},
    )

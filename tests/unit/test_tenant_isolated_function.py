"""TenantIsolatedFunction, TenantIdSource and TenantAuthorizer: defaults, the API Gateway
tenant-id wiring for each source, and every validation branch."""

from __future__ import annotations

import typing

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match

from paved_road import Invocation, PavedRoadError
from paved_road.tenancy import TenantAuthorizer, TenantIdSource, TenantIsolatedFunction
from tests.conftest import new_stack, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
TENANT_HEADER = "integration.request.header.X-Amz-Tenant-Id"


def make(stack: Stack, **props: typing.Any) -> TenantIsolatedFunction:
    props.setdefault("code", CODE)
    props.setdefault("handler", "index.handler")
    return TenantIsolatedFunction(stack, "Handler", **props)


def api_with_authorizer(stack: Stack) -> tuple[apigw.RestApi, TenantAuthorizer]:
    api = apigw.RestApi(stack, "Api")
    auth = TenantAuthorizer(
        stack,
        "Auth",
        signing_secret=secretsmanager.Secret(stack, "Key"),
        allowed_tenants=["blue", "green"],
    )
    return api, auth


# ----------------------------------------------------------------- the function


def test_function_is_per_tenant_with_json_logs_and_governed_baseline(stack: Stack) -> None:
    # GIVEN a TenantIsolatedFunction with defaults
    fn = make(stack)
    # THEN Lambda's tenancy config is PER_TENANT, logs are JSON, the baseline holds
    template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {
            "TenancyConfig": {"TenantIsolationMode": "PER_TENANT"},
            "LoggingConfig": Match.object_like({"LogFormat": "JSON"}),
            "TracingConfig": {"Mode": "Active"},
            "Architectures": ["arm64"],
        },
    )
    assert fn.invocation is Invocation.SYNCHRONOUS


def test_function_logical_id_is_stable_and_has_no_physical_name(stack: Stack) -> None:
    # GIVEN the create-only tenancy mode: a replacement must be possible in one deploy
    fn = make(stack)
    resources = {
        k: v
        for k, v in template(stack).find_resources("AWS::Lambda::Function").items()
        if not k.startswith("PavedRoadVersionPruner")
    }
    # THEN the logical id comes from the construct path only, and no FunctionName is set
    assert list(resources) == [stack.get_logical_id(fn.function.node.default_child)]  # type: ignore[arg-type]
    assert stack.resolve(stack.get_logical_id(fn.function.node.default_child)).startswith(  # type: ignore[arg-type]
        "HandlerFunction"
    )
    assert "FunctionName" not in next(iter(resources.values()))["Properties"]


def test_tenant_log_query_definitions_target_the_function_log_group(stack: Stack) -> None:
    fn = make(stack, service_name="orders")
    t = template(stack)
    t.resource_count_is("AWS::Logs::QueryDefinition", 3)
    t.has_resource_properties(
        "AWS::Logs::QueryDefinition",
        {
            "Name": "paved-road/orders/tenant-logs",
            "QueryString": Match.string_like_regexp(r'filter tenantId == "TENANT_ID"'),
            "LogGroupNames": [{"Ref": Match.string_like_regexp("HandlerLogGroup")}],
        },
    )
    assert set(fn.query_definitions) == {"tenant-logs", "tenant-log-streams", "tenant-cold-starts"}


def test_query_definitions_can_be_turned_off(stack: Stack) -> None:
    make(stack, tenant_log_queries=False)
    template(stack).resource_count_is("AWS::Logs::QueryDefinition", 0)


def test_asynchronous_invocation_is_allowed(stack: Stack) -> None:
    # Lambda accepts Event invokes with a tenant id (tenant-isolation-invoke docs)
    fn = make(stack, invocation=Invocation.ASYNCHRONOUS)
    assert fn.invocation is Invocation.ASYNCHRONOUS


# ----------------------------------------------------------------- rejected features


def test_event_source_mapping_invocation_is_rejected() -> None:
    with pytest.raises(PavedRoadError, match=r"TenantIsolatedFunction 'Test/Handler': invocation"):
        make(new_stack(), invocation=Invocation.EVENT_SOURCE_MAPPING)


def test_add_event_source_is_rejected_with_our_error(stack: Stack) -> None:
    fn = make(stack)
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(
        PavedRoadError, match=r"'Test/Handler': event source is not supported.*SqsEventSource"
    ):
        fn.add_event_source(sources.SqsEventSource(queue))


def test_add_event_source_mapping_is_rejected(stack: Stack) -> None:
    fn = make(stack)
    with pytest.raises(PavedRoadError, match="event source mapping is not supported"):
        fn.add_event_source_mapping("Mapping", event_source_arn="arn:aws:sqs:eu-west-1:1:q")


def test_function_url_is_rejected(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match="function URL is not supported"):
        make(stack).add_function_url()


def test_provisioned_concurrency_is_rejected_but_plain_alias_works(stack: Stack) -> None:
    fn = make(stack)
    with pytest.raises(
        PavedRoadError, match=r"provisioned_concurrent_executions is not supported.*got 5"
    ):
        fn.add_alias("beta", provisioned_concurrent_executions=5)
    fn.add_alias("beta")
    # the live alias of progressive delivery, and beta
    template(stack).resource_count_is("AWS::Lambda::Alias", 2)
    with pytest.raises(PavedRoadError, match=r"alias_name must not be 'live'"):
        fn.add_alias("live")


def test_cdk_itself_also_rejects_an_event_source_on_the_inner_function(stack: Stack) -> None:
    # aws-cdk-lib's own check stays in place for code that bypasses our construct
    fn = make(stack)
    with pytest.raises(RuntimeError, match="not supported for functions with tenant isolation"):
        fn.function.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Q")))


# ----------------------------------------------------------------- API Gateway wiring


@pytest.mark.parametrize(
    ("source", "path", "expression", "method_parameter"),
    [
        (TenantIdSource.header("x-tenant-id"), "orders", "method.request.header.x-tenant-id", True),
        (
            TenantIdSource.query_string("tenant"),
            "orders",
            "method.request.querystring.tenant",
            True,
        ),
        (TenantIdSource.path("tenantId"), "{tenantId}", "method.request.path.tenantId", True),
        (TenantIdSource.authorizer(), "orders", "context.authorizer.tenantId", False),
    ],
)
def test_add_to_rest_api_maps_the_tenant_id_header_from_each_source(
    source: TenantIdSource, path: str, expression: str, method_parameter: bool
) -> None:
    # GIVEN an API, an authorizer, and a tenant-isolated function
    stack = new_stack()
    api, auth = api_with_authorizer(stack)
    fn = make(stack)
    # WHEN it is added to a resource with the tenant id source
    fn.add_to_rest_api(
        api.root.add_resource(path), "GET", tenant_id_source=source, authorizer=auth.authorizer
    )
    # THEN the integration sets X-Amz-Tenant-Id from that source
    expected: dict[str, typing.Any] = {
        "HttpMethod": "GET",
        "Integration": Match.object_like(
            {"Type": "AWS_PROXY", "RequestParameters": {TENANT_HEADER: expression}}
        ),
    }
    # AND a client-supplied source is declared as a required method request parameter
    if method_parameter:
        expected["RequestParameters"] = {expression: True}
    template(stack).has_resource_properties("AWS::ApiGateway::Method", expected)
    if not method_parameter:
        method = next(iter(template(stack).find_resources("AWS::ApiGateway::Method").values()))
        assert "RequestParameters" not in method["Properties"]


def test_authorizer_source_is_the_default(stack: Stack) -> None:
    api, auth = api_with_authorizer(stack)
    method = make(stack).add_to_rest_api(api.root, "POST", authorizer=auth.authorizer)
    template(stack).has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "AuthorizationType": "CUSTOM",
            "Integration": Match.object_like(
                {"RequestParameters": {TENANT_HEADER: "context.authorizer.tenantId"}}
            ),
        },
    )
    assert method.http_method == "POST"


def test_authorizer_source_accepts_the_api_default_authorizer() -> None:
    stack = new_stack()
    auth = TenantAuthorizer(
        stack, "Auth", signing_secret=secretsmanager.Secret(stack, "Key"), allowed_tenants=["a"]
    )
    api = apigw.RestApi(
        stack,
        "Api",
        default_method_options=apigw.MethodOptions(authorizer=auth.authorizer),
    )
    make(stack).add_to_rest_api(api.root.add_resource("orders"), "GET")
    template(stack).has_resource_properties(
        "AWS::ApiGateway::Method", {"AuthorizationType": "CUSTOM"}
    )


def test_authorizer_source_without_an_authorizer_is_rejected(stack: Stack) -> None:
    api = apigw.RestApi(stack, "Api")
    with pytest.raises(
        PavedRoadError, match=r"context.authorizer.tenantId, which needs an authorizer"
    ):
        make(stack).add_to_rest_api(api.root, "GET")


def test_unknown_http_method_is_rejected(stack: Stack) -> None:
    api, auth = api_with_authorizer(stack)
    with pytest.raises(PavedRoadError, match=r"http_method must be one of .*got 'FETCH'"):
        make(stack).add_to_rest_api(api.root, "FETCH", authorizer=auth.authorizer)


def test_path_source_must_name_a_parameter_of_the_resource(stack: Stack) -> None:
    api, _ = api_with_authorizer(stack)
    with pytest.raises(
        PavedRoadError, match=r"path parameter 'tenantId', which resource '/orders'"
    ):
        make(stack).add_to_rest_api(
            api.root.add_resource("orders"), "GET", tenant_id_source=TenantIdSource.path()
        )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (TenantIdSource.header("bad header"), "an HTTP header name"),
        (TenantIdSource.query_string("a&b"), "a query string name"),
        (TenantIdSource.authorizer("tenant-id"), "a context key"),
        (TenantIdSource("cookie", "t"), "unknown kind 'cookie'"),
    ],
)
def test_malformed_source_names_are_rejected(source: TenantIdSource, message: str) -> None:
    stack = new_stack()
    api, auth = api_with_authorizer(stack)
    with pytest.raises(PavedRoadError, match=f"tenant_id_source .*{message}"):
        make(stack).add_to_rest_api(
            api.root, "GET", tenant_id_source=source, authorizer=auth.authorizer
        )


def test_tenant_id_source_expressions() -> None:
    assert TenantIdSource.header().expression == "method.request.header.x-tenant-id"
    assert TenantIdSource.header().from_client
    assert not TenantIdSource.authorizer("sub").from_client
    assert TenantIdSource.authorizer("sub").method_request_parameter is None


# ----------------------------------------------------------------- TenantAuthorizer


def test_authorizer_function_reads_the_secret_and_the_registry_table(stack: Stack) -> None:
    api = apigw.RestApi(stack, "Api")
    table = dynamodb.TableV2(
        stack,
        "Tenants",
        partition_key=dynamodb.Attribute(name="tenantId", type=dynamodb.AttributeType.STRING),
    )
    auth = TenantAuthorizer(
        stack,
        "Auth",
        signing_secret=secretsmanager.Secret(stack, "Key"),
        tenant_table=table,
        issuer="https://issuer.example",
        audience="orders-api",
        results_cache_ttl=Duration.seconds(0),
    )
    make(stack).add_to_rest_api(api.root, "GET", authorizer=auth.authorizer)
    t = template(stack)
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "index.handler",
            "Environment": {
                "Variables": Match.object_like(
                    {
                        "SIGNING_SECRET_ARN": {"Ref": Match.string_like_regexp("Key")},
                        "TENANT_TABLE_NAME": {"Ref": Match.string_like_regexp("Tenants")},
                        "TENANT_CLAIM": "tenant_id",
                        "TOKEN_ISSUER": "https://issuer.example",
                        "TOKEN_AUDIENCE": "orders-api",
                    }
                )
            },
        },
    )
    t.has_resource_properties(
        "AWS::ApiGateway::Authorizer",
        {
            "Type": "TOKEN",
            "IdentitySource": "method.request.header.Authorization",
            "AuthorizerResultTtlInSeconds": 0,
        },
    )
    t.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": [
                                    "secretsmanager:GetSecretValue",
                                    "secretsmanager:DescribeSecret",
                                ]
                            }
                        )
                    ]
                )
            }
        },
    )
    assert auth.tenant_id_source == TenantIdSource.authorizer("tenantId")


def test_authorizer_ships_the_handler_asset() -> None:
    from paved_road.tenancy import AUTHORIZER_HANDLER_DIR

    assert (AUTHORIZER_HANDLER_DIR / "index.py").is_file()


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, r"tenant_table/allowed_tenants exactly one must be given.*got 'neither'"),
        ({"allowed_tenants": []}, r"allowed_tenants must be a non-empty list"),
        (
            {"allowed_tenants": ["ok", "not ok"]},
            r"allowed_tenants\[1\] must be a tenant id .*got 'not ok'$",
        ),
        (
            {"allowed_tenants": ["ok", "a,b"]},
            r"allowed_tenants\[1\] must be a tenant id .*no commas.*got 'a,b'$",
        ),
        (
            {"allowed_tenants": [f"tenant-{i:08d}" for i in range(200)]},
            r"allowed_tenants must be at most 3072 characters joined with ','.*use tenant_table "
            r"for larger tenant sets, got 3199 characters$",
        ),
        (
            {"allowed_tenants": ["a"], "tenant_claim": "tenant-id"},
            r"tenant_claim must be a JWT claim name of 1-128 characters .*got 'tenant-id'$",
        ),
        (
            {"allowed_tenants": ["a"], "issuer": " "},
            r"issuer must be non-empty \(or None: the claim is not checked\), got ' '$",
        ),
        (
            {"allowed_tenants": ["a"], "audience": ""},
            r"audience must be non-empty \(or None: the claim is not checked\), got ''$",
        ),
        (
            {"allowed_tenants": ["a"], "results_cache_ttl": Duration.hours(2)},
            r"results_cache_ttl must be between 0 and 3600 seconds, got 7200",
        ),
    ],
)
def test_authorizer_validation(props: dict[str, typing.Any], message: str) -> None:
    stack = new_stack()
    with pytest.raises(PavedRoadError, match=rf"TenantAuthorizer 'Test/Auth': {message}"):
        TenantAuthorizer(stack, "Auth", signing_secret=secretsmanager.Secret(stack, "Key"), **props)


def test_authorizer_with_both_registries_is_rejected() -> None:
    stack = new_stack()
    table = dynamodb.TableV2(
        stack,
        "T",
        partition_key=dynamodb.Attribute(name="tenantId", type=dynamodb.AttributeType.STRING),
    )
    with pytest.raises(PavedRoadError, match=r"exactly one must be given.*got 'both'"):
        TenantAuthorizer(
            stack,
            "Auth",
            signing_secret=secretsmanager.Secret(stack, "Key"),
            tenant_table=table,
            allowed_tenants=["a"],
        )


def test_critical_authorizer_takes_delivery_props() -> None:
    # GIVEN a CRITICAL authorizer: its tier pins a runtime version (MANUAL)
    from paved_road import Criticality

    stack = new_stack()
    secret = secretsmanager.Secret(stack, "Key")
    arn = "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64
    # THEN without delivery it cannot be built, and delivery= passes the ARN through
    with pytest.raises(
        PavedRoadError, match=r"Test/Auth/Handler': runtime_version_arn is required"
    ):
        TenantAuthorizer(
            stack,
            "Auth",
            signing_secret=secret,
            allowed_tenants=["a"],
            criticality=Criticality.CRITICAL,
        )
    other = new_stack()
    auth = TenantAuthorizer(
        other,
        "Auth",
        signing_secret=secretsmanager.Secret(other, "Key"),
        allowed_tenants=["a"],
        criticality=Criticality.CRITICAL,
        delivery={"runtime_version_arn": arn},
    )
    fn = auth.function.function.node.default_child
    assert isinstance(fn, lambda_.CfnFunction)
    config = other.resolve(fn.runtime_management_config)
    assert config == {"updateRuntimeOn": "Manual", "runtimeVersionArn": arn}
    assert auth.function.criticality is Criticality.CRITICAL


def test_provisioned_concurrency_prop_is_rejected() -> None:
    from paved_road import ProvisionedConcurrency

    with pytest.raises(
        PavedRoadError,
        match=r"^TenantIsolatedFunction 'Test/Handler': provisioned_concurrency must be None: "
        r"Lambda tenant isolation mode does not support provisioned concurrency .*got "
        r"ProvisionedConcurrency\(min_capacity=1",
    ):
        make(new_stack(), provisioned_concurrency=ProvisionedConcurrency(1, 5))


# ----------------------------------------------------------------- escape hatches


def synth_error(stack: Stack) -> str:
    try:
        stack.node.root.synth()  # type: ignore[attr-defined]
    except Exception as exc:
        return str(exc)
    return ""


def test_event_source_mapping_built_on_the_inner_function_fails_synthesis() -> None:
    # GIVEN a mapping built directly on .function (CDK itself does not check this path)
    stack = new_stack()
    fn = make(stack)
    fn.function.add_event_source_mapping(
        "Mapping", event_source_arn=sqs.Queue(stack, "Q").queue_arn
    )
    # THEN synthesis fails with our message, before CloudFormation would
    error = synth_error(stack)
    assert "TenantIsolatedFunction 'Test/Handler': event source mapping" in error
    assert "Test/Handler/Function/Mapping" in error


def test_provisioned_concurrency_on_a_raw_version_fails_synthesis() -> None:
    stack = new_stack()
    fn = make(stack)
    lambda_.CfnVersion(
        stack,
        "Version",
        function_name=fn.function.function_name,
        provisioned_concurrency_config=lambda_.CfnVersion.ProvisionedConcurrencyConfigurationProperty(
            provisioned_concurrent_executions=2
        ),
    )
    assert "provisioned concurrency 'Test/Version' is not supported" in synth_error(stack)


def test_function_url_built_on_the_inner_function_arn_fails_synthesis() -> None:
    stack = new_stack()
    fn = make(stack)
    lambda_.CfnUrl(stack, "Url", auth_type="AWS_IAM", target_function_arn=fn.function.function_arn)
    assert "function URL 'Test/Url' is not supported" in synth_error(stack)


def test_snap_start_escape_hatch_fails_synthesis() -> None:
    stack = new_stack()
    fn = make(stack)
    cfn = fn.function.node.default_child
    assert isinstance(cfn, lambda_.CfnFunction)
    cfn.snap_start = lambda_.CfnFunction.SnapStartProperty(apply_on="PublishedVersions")
    assert "SnapStart is not supported" in synth_error(stack)


def test_other_functions_mappings_do_not_trip_the_check() -> None:
    stack = new_stack()
    make(stack)
    other = lambda_.Function(
        stack, "Other", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_14
    )
    other.add_event_source(sources.SqsEventSource(sqs.Queue(stack, "Q")))
    assert synth_error(stack) == ""

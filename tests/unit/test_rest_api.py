"""GovernedRestApi, GovernedDomainName and CustomDomain: the security policy and endpoint
access mode on the API and its custom domain, every validation branch, the stage and its
access log format, authorization of every method, buffered and streaming routes, API
mappings, the legacy-TLS acknowledgment and cfn-lint.

Templates read by several tests are synthesized once per module (fixtures ``regional``,
``loaded``, ``edge``).
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aws_cdk import App, CfnParameter, Duration, Size, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Annotations, Match, Template

from paved_road import (
    CustomDomain,
    GovernedDomainName,
    GovernedFunction,
    GovernedRestApi,
    PavedRoadError,
)
from paved_road.guardrails.rules import ALL_RULES
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

TLS13 = "SecurityPolicy_TLS13_1_3_2025_09"
TLS13_EDGE = "SecurityPolicy_TLS13_2025_EDGE"
PFS_PQ = "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/abcd-1234"
CERT_EU = "arn:aws:acm:eu-west-1:111122223333:certificate/abcd-1234"
WEB_ACL = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/orders/abcd-1234"
VPCE = "vpce-0123456789abcdef0"
PREFIX = "GovernedRestApi 'Test/Api': "
DOMAIN_PREFIX = "GovernedDomainName 'Test/Api/Domain': "
TLS_RULE = "PavedRoad-RestApiEnhancedTlsPolicy"
PUBLIC = "Health check for the load balancer"
NODE_CODE = lambda_.Code.from_inline(
    "exports.handler = awslambda.streamifyResponse(async (e, s) => { s.end('ok'); });"
)
PY_CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
REST_API = "AWS::ApiGateway::RestApi"
METHOD = "AWS::ApiGateway::Method"
STAGE = "AWS::ApiGateway::Stage"
DOMAIN = "AWS::ApiGateway::DomainName"
BASE_PATH_MAPPING = "AWS::ApiGateway::BasePathMapping"
API_MAPPING = "AWS::ApiGatewayV2::ApiMapping"
STREAMING_FIELDS = ("responseTransferMode", "timeToAllHeaders", "timeToFirstContent")


# --- helpers -------------------------------------------------------------------------------------


def function(stack: Stack, id: str = "Fn", timeout: Duration | None = None) -> lambda_.Function:
    """A Node.js streaming function with a 15 minute timeout unless ``timeout``."""
    return lambda_.Function(
        stack,
        id,
        runtime=lambda_.Runtime.NODEJS_22_X,
        handler="index.handler",
        code=NODE_CODE,
        timeout=timeout or Duration.minutes(15),
    )


def endpoint(stack: Stack) -> ec2.IInterfaceVpcEndpoint:
    return ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes(
        stack, "Endpoint", vpc_endpoint_id=VPCE, port=443
    )


def make(
    stack: Stack, id: str = "Api", *, route: bool = True, **props: typing.Any
) -> GovernedRestApi:
    """A GovernedRestApi; with ``route`` a public MOCK ``GET /health`` so it synthesizes."""
    api = GovernedRestApi(stack, id, **props)
    if route:
        api.add_route("/health", "GET", apigw.MockIntegration(), public_reason=PUBLIC)
    return api


@dataclass
class Built:
    stack: Stack
    api: GovernedRestApi
    template: Template

    @property
    def json(self) -> dict[str, typing.Any]:
        return typing.cast(dict[str, typing.Any], self.template.to_json())

    def resources(self, type_: str) -> dict[str, dict[str, typing.Any]]:
        return typing.cast(dict[str, dict[str, typing.Any]], self.template.find_resources(type_))

    def one(self, type_: str) -> dict[str, typing.Any]:
        (resource,) = self.resources(type_).values()
        return resource

    def props(self, type_: str) -> dict[str, typing.Any]:
        return typing.cast(dict[str, typing.Any], self.one(type_)["Properties"])

    def logical_id(self, construct: typing.Any) -> str:
        return typing.cast(str, self.stack.get_logical_id(construct.node.default_child))

    def method(self, construct: apigw.Method) -> dict[str, typing.Any]:
        return typing.cast(
            dict[str, typing.Any], self.json["Resources"][self.logical_id(construct)]["Properties"]
        )

    def access_log_fields(self) -> dict[str, str]:
        fields = json.loads(self.props(STAGE)["AccessLogSetting"]["Format"])
        return typing.cast(dict[str, str], fields)


def build(
    setup: Callable[[Stack], dict[str, typing.Any]] | None = None, **props: typing.Any
) -> Built:
    """A fresh stack with one GovernedRestApi 'Api' (and its public health route);
    ``setup(stack)`` adds props that need constructs of the stack."""
    stack = new_stack()
    if setup is not None:
        props.update(setup(stack))
    api = make(stack, **props)
    return Built(stack, api, template(stack))


def uri(method: dict[str, typing.Any]) -> str:
    return json.dumps(method["Integration"]["Uri"])


# --- shared, read-only templates -----------------------------------------------------------------


@pytest.fixture(scope="module")
def regional() -> Built:
    """The defaults: REGIONAL, no domain, one buffered (MOCK) route."""
    return build()


@dataclass
class Loaded(Built):
    fn: lambda_.Function
    buffered: apigw.Method
    stream: apigw.Method
    long_stream: apigw.Method
    http_stream: apigw.Method


@pytest.fixture(scope="module")
def loaded() -> Loaded:
    """A production API with a custom domain, a web ACL, a buffered Lambda route, two
    streaming Lambda routes (default and 15 minute timeouts) and an HTTP streaming route."""
    stack = new_stack()
    fn = function(stack)
    api = make(
        stack,
        production=True,
        domain=CustomDomain("api.example.com", CERT),
        web_acl_arn=WEB_ACL,
        extra_access_log_fields={"caller": "$context.identity.caller"},
    )
    buffered = api.add_route("/orders/{id}", "GET", fn, iam_authorization=True)
    stream = api.add_streaming_route("/chat", "POST", fn, iam_authorization=True)
    long_stream = api.add_streaming_route(
        "/chat/long", "POST", fn, iam_authorization=True, timeout=Duration.minutes(15)
    )
    http_stream = api.add_streaming_route(
        "/proxy", "GET", "https://origin.example.com/stream", iam_authorization=True
    )
    api.output_url()
    return Loaded(stack, api, template(stack), fn, buffered, stream, long_stream, http_stream)


@pytest.fixture(scope="module")
def edge() -> Built:
    """An EDGE API with a custom domain mapped at base path ``orders``."""
    return build(
        endpoint_type=apigw.EndpointType.EDGE,
        domain=CustomDomain("api.example.com", CERT, base_path="orders"),
    )


# --- security policy and endpoint access mode ----------------------------------------------------


def test_defaults_are_tls13_basic_regional(regional: Built) -> None:
    # GIVEN a GovernedRestApi with no props WHEN synthesized
    props = regional.props(REST_API)
    # THEN the L1 has the TLS 1.3 policy, BASIC access mode and a REGIONAL endpoint
    assert props["SecurityPolicy"] == TLS13
    assert props["EndpointAccessMode"] == "BASIC"
    assert props["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert props["Name"] == "Api"
    assert props["Description"] == "paved-road GovernedRestApi Test/Api"
    # AND it is not marked as production, has no resource policy and no domain
    assert "Metadata" not in regional.one(REST_API)
    assert "Policy" not in props
    regional.template.resource_count_is(DOMAIN, 0)
    # AND the construct exposes what it chose
    assert regional.api.security_policy == TLS13
    assert regional.api.endpoint_access_mode == "BASIC"
    assert regional.api.domain is None


def test_production_is_strict_and_marked(loaded: Loaded) -> None:
    # GIVEN production=True WHEN synthesized
    api = loaded.one(REST_API)
    # THEN the access mode is STRICT and the API carries the production marker
    assert api["Properties"]["EndpointAccessMode"] == "STRICT"
    assert api["Properties"]["SecurityPolicy"] == TLS13
    assert api["Metadata"] == {"PavedRoad::Production": True}
    # AND so does its custom domain
    assert loaded.one(DOMAIN)["Metadata"] == {"PavedRoad::Production": True}


def test_edge_defaults_to_the_edge_policy(edge: Built) -> None:
    # GIVEN endpoint_type=EDGE WHEN synthesized
    props = edge.props(REST_API)
    # THEN the edge counterpart of the TLS 1.3 policy is used
    assert props["SecurityPolicy"] == TLS13_EDGE
    assert props["EndpointAccessMode"] == "BASIC"
    assert props["EndpointConfiguration"] == {"Types": ["EDGE"]}


def test_private_api_allows_only_its_vpc_endpoints() -> None:
    # GIVEN a PRIVATE API with one execute-api interface endpoint
    built = build(
        lambda s: {"vpc_endpoints": [endpoint(s)]}, endpoint_type=apigw.EndpointType.PRIVATE
    )
    props = built.props(REST_API)
    # THEN the endpoint is PRIVATE, bound to the endpoint, with the regional default policy
    assert props["EndpointConfiguration"] == {"Types": ["PRIVATE"], "VpcEndpointIds": [VPCE]}
    assert props["SecurityPolicy"] == TLS13
    assert props["EndpointAccessMode"] == "BASIC"
    # AND the resource policy denies every caller not coming through that endpoint
    statements = props["Policy"]["Statement"]
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Action"] == "execute-api:Invoke"
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": [VPCE]}}
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Resource"] == "execute-api:/*"


@pytest.mark.parametrize(
    ("endpoint_type", "policy"),
    [
        (apigw.EndpointType.REGIONAL, PFS_PQ),
        (apigw.EndpointType.REGIONAL, "SecurityPolicy_TLS13_1_3_FIPS_2025_09"),
        (apigw.EndpointType.EDGE, "SecurityPolicy_TLS12_PFS_2025_EDGE"),
    ],
)
def test_any_enhanced_policy_name_is_accepted(
    stack: Stack, endpoint_type: apigw.EndpointType, policy: str
) -> None:
    # GIVEN an enhanced policy name that fits the endpoint type
    api = make(stack, endpoint_type=endpoint_type, security_policy=policy)
    # THEN it is set as given, with the default access mode
    template(stack).has_resource_properties(
        REST_API, {"SecurityPolicy": policy, "EndpointAccessMode": "BASIC"}
    )
    assert api.security_policy == policy


@pytest.mark.parametrize(
    ("endpoint_type", "member", "expected"),
    [
        (apigw.EndpointType.REGIONAL, apigw.SecurityPolicy.TLS13_1_2_PFS_PQ_2025_09, PFS_PQ),
        (apigw.EndpointType.EDGE, apigw.SecurityPolicy.TLS13_2025_EDGE, TLS13_EDGE),
    ],
)
def test_enhanced_security_policy_enum_member_is_accepted(
    stack: Stack,
    endpoint_type: apigw.EndpointType,
    member: apigw.SecurityPolicy,
    expected: str,
) -> None:
    # GIVEN an enhanced apigateway.SecurityPolicy member (as the L2 DomainName takes)
    api = GovernedRestApi(stack, "Api", endpoint_type=endpoint_type, security_policy=member)
    # THEN the API gets the same CloudFormation value the L2 DomainName would write
    assert api.security_policy == expected


def test_legacy_security_policy_enum_member_is_accepted(stack: Stack) -> None:
    # GIVEN the legacy apigateway.SecurityPolicy.TLS_1_2 member with a reason
    api = GovernedRestApi(
        stack,
        "Api",
        security_policy=apigw.SecurityPolicy.TLS_1_2,
        legacy_tls_reason="Point-of-sale terminals negotiate TLS 1.2 CBC suites only",
    )
    # THEN the API uses TLS_1_2 and no access mode
    assert api.security_policy == "TLS_1_2"
    assert api.endpoint_access_mode is None


@pytest.mark.parametrize(
    ("mode", "production", "expected"),
    [
        ("STRICT", False, "STRICT"),
        (apigw.EndpointAccessMode.STRICT, False, "STRICT"),
        ("BASIC", True, "BASIC"),
        (apigw.EndpointAccessMode.BASIC, True, "BASIC"),
    ],
)
def test_endpoint_access_mode_as_string_or_enum(
    stack: Stack, mode: str | apigw.EndpointAccessMode, production: bool, expected: str
) -> None:
    # GIVEN an explicit access mode (overriding the production default)
    api = make(stack, endpoint_access_mode=mode, production=production)
    # THEN it is set on the L1 as its CloudFormation name
    assert api.endpoint_access_mode == expected
    cfn = api.api.node.default_child
    assert isinstance(cfn, apigw.CfnRestApi)
    assert cfn.endpoint_access_mode == expected


# --- legacy opt-out ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_legacy_policy_without_a_reason_is_rejected(stack: Stack, reason: str | None) -> None:
    # GIVEN TLS_1_2 without (or with a blank) legacy_tls_reason THEN the construct refuses it,
    # naming the construct path, the prop and the value
    expected = re.escape(PREFIX + "security_policy is a legacy policy: give legacy_tls_reason")
    with pytest.raises(PavedRoadError, match=expected + r".*got 'TLS_1_2'"):
        GovernedRestApi(stack, "Api", security_policy="TLS_1_2", legacy_tls_reason=reason)


def test_legacy_policy_with_a_reason_has_no_access_mode() -> None:
    # GIVEN TLS_1_2 with a reason
    built = build(security_policy="TLS_1_2", legacy_tls_reason="Old POS terminals (TICKET-7)")
    props = built.props(REST_API)
    # THEN the legacy policy is set and no access mode (legacy policies take none)
    assert props["SecurityPolicy"] == "TLS_1_2"
    assert "EndpointAccessMode" not in props
    # AND the enhanced-TLS finding is acknowledged on the construct with that reason
    acks = [m for m in built.api.node.metadata if m.type == "aws:cdk:acknowledged-rules"]
    assert TLS_RULE in json.dumps([m.data for m in acks])
    assert "Old POS terminals (TICKET-7)" in json.dumps([m.data for m in acks])


def test_legacy_policy_finding_is_acknowledged_by_the_guardrails(tmp_path: Path) -> None:
    if "RestApiEnhancedTlsPolicy" not in [r.rule_id for r in ALL_RULES]:
        pytest.skip("PavedRoad-RestApiEnhancedTlsPolicy is not in paved_road.guardrails yet")

    # GIVEN a legacy API with a custom domain (both carry TLS_1_2) and a reason, next to a
    # plain L1 REST API with the same legacy policy and no acknowledgment
    def build_legacy(stack: Stack) -> None:
        make(
            stack,
            security_policy="TLS_1_2",
            legacy_tls_reason="Old POS terminals (TICKET-7)",
            domain=CustomDomain("api.example.com", CERT),
        )
        apigw.CfnRestApi(
            stack,
            "Plain",
            name="plain",
            security_policy="TLS_1_2",
            endpoint_configuration=apigw.CfnRestApi.EndpointConfigurationProperty(
                types=["REGIONAL"]
            ),
        )

    # WHEN synthesized under the PavedRoad guardrails
    run = run_guardrails(build_legacy, tmp_path, aws_solutions=False, serverless=False)
    # THEN the enhanced-TLS finding is reported for the plain API only: acknowledged on the
    # governed API and its domain
    assert run.paths(TLS_RULE) == {"Guarded/Plain"}
    # AND nothing else of the governed API is an error
    errors = {path for rule in run.rules("error") for path in run.paths(rule)}
    assert not {path for path in errors if path.startswith("Guarded/Api")}, errors


# --- validation: one branch each -----------------------------------------------------------------

EDGE = apigw.EndpointType.EDGE
PRIVATE = apigw.EndpointType.PRIVATE


@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {
                "security_policy": "TLS_1_2",
                "legacy_tls_reason": "old",
                "endpoint_access_mode": "BASIC",
            },
            "endpoint_access_mode is only allowed with an enhanced SecurityPolicy_* policy, "
            "got 'BASIC'",
            id="legacy-with-mode",
        ),
        pytest.param(
            {"security_policy": "TLS_1_3"},
            "security_policy must be an enhanced SecurityPolicy_* policy name",
            id="invalid-policy-name",
        ),
        pytest.param(
            {"security_policy": "securitypolicy_tls13_1_3_2025_09"},
            "security_policy must be an enhanced SecurityPolicy_* policy name",
            id="lower-case-policy-name",
        ),
        pytest.param(
            {"legacy_tls_reason": "old clients"},
            f"legacy_tls_reason is only for the legacy TLS_1_0/TLS_1_2 policies, got '{TLS13}'",
            id="reason-with-enhanced-policy",
        ),
        pytest.param(
            {"endpoint_type": EDGE, "security_policy": TLS13},
            "security_policy must be an edge policy",
            id="edge-with-regional-policy",
        ),
        pytest.param(
            {"security_policy": TLS13_EDGE},
            f"security_policy is an edge policy: REGIONAL and PRIVATE endpoints need a non-_EDGE "
            f"policy (e.g. {TLS13}), got '{TLS13_EDGE}'",
            id="regional-with-edge-policy",
        ),
        pytest.param(
            {"endpoint_access_mode": "LAX"},
            "endpoint_access_mode must be BASIC or STRICT, got 'LAX'",
            id="bad-access-mode",
        ),
        pytest.param(
            {"endpoint_access_mode": "strict"},
            "endpoint_access_mode must be BASIC or STRICT, got 'strict'",
            id="lower-case-access-mode",
        ),
        pytest.param(
            {"endpoint_type": PRIVATE},
            "vpc_endpoints must name at least one execute-api interface endpoint",
            id="private-without-endpoints",
        ),
        pytest.param(
            {"domain": CustomDomain("API.example.com", CERT)},
            "domain.domain_name must be a lower-case host name, got 'API.example.com'",
            id="upper-case-domain",
        ),
        pytest.param(
            {"domain": CustomDomain("localhost", CERT)},
            "domain.domain_name must be a lower-case host name, got 'localhost'",
            id="domain-without-tld",
        ),
        pytest.param(
            {"domain": CustomDomain("api.example.com", "arn:aws:iam::111122223333:role/x")},
            "domain.certificate_arn must be an ACM certificate ARN",
            id="bad-certificate-arn",
        ),
        pytest.param(
            {"endpoint_type": EDGE, "domain": CustomDomain("api.example.com", CERT_EU)},
            "domain.certificate_arn must be in us-east-1 for an EDGE domain",
            id="edge-certificate-not-in-us-east-1",
        ),
        pytest.param(
            {"domain": CustomDomain("api.example.com", CERT, base_path="/orders")},
            "domain.base_path must be empty, None or segments",
            id="base-path-leading-slash",
        ),
        pytest.param(
            {"domain": CustomDomain("api.example.com", CERT, base_path="v1//orders")},
            "domain.base_path must be empty, None or segments",
            id="base-path-empty-segment",
        ),
        pytest.param(
            {"endpoint_type": EDGE, "domain": CustomDomain("api.example.com", CERT, "v1/orders")},
            "domain.base_path multi-level base paths need a REGIONAL domain, got 'v1/orders'",
            id="multi-level-base-path-on-edge",
        ),
        pytest.param(
            {"disable_execute_api_endpoint": True},
            "disable_execute_api_endpoint needs a custom domain",
            id="disable-endpoint-without-domain",
        ),
        pytest.param(
            {"stage_name": "prod stage"},
            "stage_name must be 1-128 characters of [A-Za-z0-9_-], got 'prod stage'",
            id="bad-stage-name",
        ),
        pytest.param(
            {"stage_name": ""},
            "stage_name must be 1-128 characters of [A-Za-z0-9_-], got ''",
            id="empty-stage-name",
        ),
        pytest.param(
            {"throttling_rate_limit": 0},
            "throttling_rate_limit must be between 1 and 10000, got 0",
            id="rate-limit-too-low",
        ),
        pytest.param(
            {"throttling_rate_limit": 10001},
            "throttling_rate_limit must be between 1 and 10000, got 10001",
            id="rate-limit-too-high",
        ),
        pytest.param(
            {"throttling_burst_limit": -1},
            "throttling_burst_limit must be between 0 and 5000, got -1",
            id="burst-limit-too-low",
        ),
        pytest.param(
            {"throttling_burst_limit": 5001},
            "throttling_burst_limit must be between 0 and 5000, got 5001",
            id="burst-limit-too-high",
        ),
        pytest.param(
            {"minimum_compression_size": Size.mebibytes(11)},
            "minimum_compression_size (bytes) must be between 0 and 10485760, got 11534336",
            id="compression-size-too-large",
        ),
        pytest.param(
            {"extra_access_log_fields": {"tlsVersion": "$context.protocol"}},
            "extra_access_log_fields cannot replace the TLS fields, got 'tlsVersion'",
            id="extra-field-replaces-tls-version",
        ),
        pytest.param(
            {"extra_access_log_fields": {"cipherSuite": "$context.protocol"}},
            "extra_access_log_fields cannot replace the TLS fields, got 'cipherSuite'",
            id="extra-field-replaces-cipher-suite",
        ),
        pytest.param(
            {"extra_access_log_fields": {"team": "orders"}},
            "extra_access_log_fields values must be $context variables (field 'team'), "
            "got 'orders'",
            id="extra-field-not-a-context-variable",
        ),
        pytest.param(
            {"web_acl_arn": "arn:aws:wafv2:us-east-1:111122223333:global/webacl/orders/abcd"},
            "web_acl_arn must be a regional WAFv2 web ACL ARN",
            id="global-web-acl",
        ),
        pytest.param(
            {"web_acl_arn": "not-an-arn"},
            "web_acl_arn must be a regional WAFv2 web ACL ARN, got 'not-an-arn'",
            id="bad-web-acl-arn",
        ),
        pytest.param(
            {"rest_api_name": " "},
            "rest_api_name must not be blank (None names the API after the construct id), got ' '",
            id="blank-rest-api-name",
        ),
        pytest.param(
            {"rest_api_name": ""},
            "rest_api_name must not be blank",
            id="empty-rest-api-name",
        ),
        pytest.param(
            {"domain": CustomDomain("api.example.com", CERT_EU, base_path=5)},  # type: ignore[arg-type]
            "domain.base_path must be a string or None, got 5",
            id="base-path-not-a-string",
        ),
    ],
)
def test_invalid_props_are_rejected(
    stack: Stack, props: dict[str, typing.Any], message: str
) -> None:
    # GIVEN one invalid prop THEN a PavedRoadError names the construct, prop and value
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + message)) as info:
        GovernedRestApi(stack, "Api", **props)
    assert len(info.value.problems) == 1


def test_vpc_endpoints_are_only_for_private_apis(stack: Stack) -> None:
    # GIVEN an execute-api endpoint on a REGIONAL API THEN it is rejected
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + "vpc_endpoints are only for")):
        GovernedRestApi(stack, "Api", vpc_endpoints=[endpoint(stack)])


def test_private_api_cannot_have_a_custom_domain(stack: Stack) -> None:
    # GIVEN a PRIVATE API (with its endpoint) and a custom domain THEN the domain is rejected
    with pytest.raises(
        PavedRoadError, match=re.escape(PREFIX + "domain cannot be used with a PRIVATE API")
    ) as info:
        GovernedRestApi(
            stack,
            "Api",
            endpoint_type=PRIVATE,
            vpc_endpoints=[endpoint(stack)],
            domain=CustomDomain("api.example.com", CERT),
        )
    assert len(info.value.problems) == 1


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        pytest.param(
            CustomDomain("API.example.com", CERT_EU),
            "domain.domain_name must be a lower-case host name, got 'API.example.com'",
            id="upper-case-name",
        ),
        pytest.param(
            CustomDomain("api.example.com", "arn:aws:acm:eu-west-1:111122223333:cert/x"),
            "domain.certificate_arn must be an ACM certificate ARN, got 'arn:aws:acm:eu-west-1:",
            id="bad-certificate-arn",
        ),
        pytest.param(
            CustomDomain("api.example.com", CERT_EU, base_path="/orders"),
            "domain.base_path must be empty, None or segments of",
            id="leading-slash-base-path",
        ),
    ],
)
def test_a_domain_name_built_directly_is_validated(
    stack: Stack, domain: CustomDomain, message: str
) -> None:
    # GIVEN an API WHEN a GovernedDomainName is built for it with a bad domain
    api = GovernedRestApi(stack, "Api")
    # THEN the domain name reports it as GovernedRestApi(domain=...) would
    with pytest.raises(
        PavedRoadError, match=re.escape("GovernedDomainName 'Test/Second': " + message)
    ) as info:
        GovernedDomainName(stack, "Second", owner=api, domain=domain)
    assert len(info.value.problems) == 1


def test_a_domain_name_built_directly_refuses_a_private_owner(stack: Stack) -> None:
    # GIVEN a PRIVATE API WHEN a GovernedDomainName is built for it THEN it is refused
    api = GovernedRestApi(stack, "Api", endpoint_type=PRIVATE, vpc_endpoints=[endpoint(stack)])
    with pytest.raises(
        PavedRoadError,
        match=re.escape("GovernedDomainName 'Test/Second': domain cannot be used with a PRIVATE"),
    ):
        GovernedDomainName(
            stack, "Second", owner=api, domain=CustomDomain("api.example.com", CERT_EU)
        )


def test_several_problems_are_raised_together(stack: Stack) -> None:
    # GIVEN four independent mistakes
    with pytest.raises(PavedRoadError) as info:
        GovernedRestApi(
            stack,
            "Api",
            endpoint_access_mode="LAX",
            stage_name="",
            throttling_rate_limit=0,
            disable_execute_api_endpoint=True,
        )
    # THEN all of them are reported once, each with the construct path
    assert len(info.value.problems) == 4
    assert str(info.value).startswith(PREFIX + "4 problems:")
    assert all(p.startswith(PREFIX) for p in info.value.problems)
    # AND nothing was built under the construct's scope
    assert stack.node.find_child("Api").node.children == []


# --- stage and access logs -----------------------------------------------------------------------


def test_access_log_has_the_tls_fields_and_no_optional_ones(regional: Built) -> None:
    # GIVEN the default API (no streaming route, no domain)
    fields = regional.access_log_fields()
    # THEN the JSON access log has the request and the TLS fields
    assert fields["requestId"] == "$context.requestId"
    assert fields["ip"] == "$context.identity.sourceIp"
    assert fields["status"] == "$context.status"
    assert fields["latency"] == "$context.responseLatency"
    assert fields["tlsVersion"] == "$context.tlsVersion"
    assert fields["cipherSuite"] == "$context.cipherSuite"
    # AND neither the streaming timings nor the routing rule id
    assert not set(STREAMING_FIELDS) & set(fields)
    assert "routingRuleIdMatched" not in fields
    # AND it goes to the owned log group
    destination = regional.props(STAGE)["AccessLogSetting"]["DestinationArn"]
    assert destination == {"Fn::GetAtt": [regional.logical_id(regional.api.access_logs), "Arn"]}


def test_access_log_gets_streaming_routing_and_extra_fields(loaded: Loaded) -> None:
    # GIVEN streaming routes, a custom domain and an extra field
    fields = loaded.access_log_fields()
    # THEN the streaming timings are logged
    assert fields["responseTransferMode"] == "$context.integration.responseTransferMode"
    assert fields["timeToAllHeaders"] == "$context.integration.timeToAllHeaders"
    assert fields["timeToFirstContent"] == "$context.integration.timeToFirstContent"
    # AND the routing rule id, and the extra field, next to the TLS fields
    assert fields["routingRuleIdMatched"] == "$context.customDomain.routingRuleIdMatched"
    assert fields["caller"] == "$context.identity.caller"
    assert fields["tlsVersion"] == "$context.tlsVersion"


def test_streaming_route_added_after_synthesis_of_the_props_still_logs_timings(
    stack: Stack,
) -> None:
    # GIVEN an API without a domain that gets a streaming route after it is built
    api = make(stack)
    assert not set(STREAMING_FIELDS) & set(api.access_log_fields)
    api.add_streaming_route("/s", "GET", "https://origin.example.com/", public_reason=PUBLIC)
    # THEN the lazily produced format has the timings, but no routing rule id
    (stage,) = template(stack).find_resources(STAGE).values()
    fields = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert set(STREAMING_FIELDS) <= set(fields)
    assert "routingRuleIdMatched" not in fields


def test_domain_without_mapping_still_logs_the_routing_rule_id() -> None:
    # GIVEN a domain with base_path=None (routing rules only)
    built = build(domain=CustomDomain("api.example.com", CERT, base_path=None))
    # THEN the routing rule id is logged
    assert "routingRuleIdMatched" in built.access_log_fields()


def test_stage_defaults(regional: Built) -> None:
    # GIVEN the default API THEN the stage traces, logs INFO without data and throttles
    stage = regional.props(STAGE)
    assert stage["StageName"] == "prod"
    assert stage["TracingEnabled"] is True
    assert stage["CacheClusterEnabled"] is False
    (settings,) = stage["MethodSettings"]
    assert settings == {
        "DataTraceEnabled": False,
        "HttpMethod": "*",
        "LoggingLevel": "INFO",
        "MetricsEnabled": True,
        "ResourcePath": "/*",
        "ThrottlingBurstLimit": 200,
        "ThrottlingRateLimit": 100,
    }
    # AND the access log group keeps a month and is retained
    log_group = regional.one("AWS::Logs::LogGroup")
    assert log_group["Properties"] == {"RetentionInDays": 30}
    assert log_group["DeletionPolicy"] == "Retain"
    assert log_group["UpdateReplacePolicy"] == "Retain"
    # AND the account CloudWatch role is created and retained
    regional.template.has_resource("AWS::ApiGateway::Account", {"DeletionPolicy": "Retain"})


def test_stage_overrides() -> None:
    # GIVEN custom stage settings
    built = build(
        stage_name="v1",
        throttling_rate_limit=50,
        throttling_burst_limit=0,
        tracing=False,
        logging_level=apigw.MethodLoggingLevel.ERROR,
        cloud_watch_role=False,
        rest_api_name="orders-api",
        description="Orders",
    )
    stage = built.props(STAGE)
    # THEN they are applied
    assert stage["StageName"] == "v1"
    assert stage["TracingEnabled"] is False
    (settings,) = stage["MethodSettings"]
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["DataTraceEnabled"] is False
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (50, 0)
    assert built.props(REST_API)["Name"] == "orders-api"
    assert built.props(REST_API)["Description"] == "Orders"
    built.template.resource_count_is("AWS::ApiGateway::Account", 0)


def test_web_acl_is_associated_with_the_stage(loaded: Loaded) -> None:
    # GIVEN web_acl_arn THEN the stage is associated with the web ACL
    association = loaded.props("AWS::WAFv2::WebACLAssociation")
    assert association["WebACLArn"] == WEB_ACL
    stage_id = loaded.logical_id(loaded.api.stage)
    assert stage_id in json.dumps(association["ResourceArn"])


# --- custom domain -------------------------------------------------------------------------------


def test_regional_domain_carries_the_api_policy_and_mode(loaded: Loaded) -> None:
    # GIVEN a production REGIONAL API with a custom domain
    api, domain = loaded.props(REST_API), loaded.props(DOMAIN)
    # THEN the domain has the same policy and access mode, and a regional certificate
    assert domain["SecurityPolicy"] == api["SecurityPolicy"] == TLS13
    assert domain["EndpointAccessMode"] == api["EndpointAccessMode"] == "STRICT"
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert domain["RegionalCertificateArn"] == CERT
    assert "CertificateArn" not in domain
    assert domain["DomainName"] == "api.example.com"
    # AND the API is mapped at the root of the domain, on its stage
    mapping = loaded.one(BASE_PATH_MAPPING)
    assert "BasePath" not in mapping["Properties"]
    assert mapping["Properties"]["RestApiId"] == {"Ref": loaded.logical_id(loaded.api.api)}
    assert mapping["Properties"]["Stage"] == {"Ref": loaded.logical_id(loaded.api.stage)}
    assert mapping["DependsOn"] == [loaded.logical_id(loaded.api.stage)]
    loaded.template.resource_count_is(API_MAPPING, 0)
    # AND the construct exposes the regional alias target
    assert loaded.api.domain is not None
    assert [m.base_path for m in loaded.api.domain.mappings] == [""]


def test_output_url_uses_the_custom_domain(loaded: Loaded) -> None:
    # GIVEN output_url() on an API with a domain THEN the output is the domain URL
    output_id = loaded.stack.get_logical_id(loaded.api.node.find_child("Url"))  # type: ignore[arg-type]
    assert loaded.json["Outputs"][output_id]["Value"] == "https://api.example.com/"


def test_edge_domain_uses_the_edge_certificate_and_base_path(edge: Built) -> None:
    # GIVEN an EDGE API with a domain at base path "orders"
    domain = edge.props(DOMAIN)
    # THEN the domain is EDGE with the edge policy, a (us-east-1) certificate ARN
    assert domain["SecurityPolicy"] == TLS13_EDGE
    assert domain["EndpointAccessMode"] == "BASIC"
    assert domain["EndpointConfiguration"] == {"Types": ["EDGE"]}
    assert domain["CertificateArn"] == CERT
    assert "RegionalCertificateArn" not in domain
    # AND the base path mapping is "orders"
    assert edge.props(BASE_PATH_MAPPING)["BasePath"] == "orders"
    # AND the alias target is the distribution
    assert edge.api.domain is not None
    target = edge.stack.resolve(edge.api.domain.target_domain_name)
    assert target == {"Fn::GetAtt": [edge.logical_id(edge.api.domain), "DistributionDomainName"]}


def test_multi_level_base_path_is_an_apigatewayv2_mapping() -> None:
    # GIVEN a REGIONAL domain with base path v1/orders
    built = build(domain=CustomDomain("api.example.com", CERT, base_path="v1/orders"))
    # THEN it is an ApiGatewayV2 API mapping with that key (REST APIs have no multi-level
    # BasePathMapping)
    built.template.resource_count_is(BASE_PATH_MAPPING, 0)
    mapping = built.props(API_MAPPING)
    assert mapping["ApiMappingKey"] == "v1/orders"
    assert mapping["ApiId"] == {"Ref": built.logical_id(built.api.api)}
    assert mapping["DomainName"] == {"Ref": built.logical_id(built.api.domain)}
    assert mapping["Stage"] == {"Ref": built.logical_id(built.api.stage)}


def test_base_path_none_maps_nothing() -> None:
    # GIVEN base_path=None THEN the domain exists without any API mapping
    built = build(domain=CustomDomain("api.example.com", CERT, base_path=None))
    built.template.resource_count_is(DOMAIN, 1)
    built.template.resource_count_is(BASE_PATH_MAPPING, 0)
    built.template.resource_count_is(API_MAPPING, 0)
    assert built.api.domain is not None and built.api.domain.mappings == []


def test_certificate_arn_may_be_a_token(stack: Stack) -> None:
    # GIVEN the certificate ARN as a parameter (unknown at synth) on an EDGE API
    cert = CfnParameter(stack, "CertificateArn").value_as_string
    make(
        stack,
        endpoint_type=apigw.EndpointType.EDGE,
        domain=CustomDomain("api.example.com", cert),
    )
    # THEN it is accepted and passed through
    template(stack).has_resource_properties(DOMAIN, {"CertificateArn": {"Ref": "CertificateArn"}})


def test_disable_execute_api_endpoint_with_a_domain() -> None:
    # GIVEN a domain and disable_execute_api_endpoint THEN the default endpoint is disabled
    built = build(domain=CustomDomain("api.example.com", CERT), disable_execute_api_endpoint=True)
    assert built.props(REST_API)["DisableExecuteApiEndpoint"] is True


def test_second_api_with_the_same_posture_is_mapped(stack: Stack) -> None:
    # GIVEN a domain at the root of API A, and API B with the same policy and mode
    first = make(stack, domain=CustomDomain("api.example.com", CERT))
    second = make(stack, "Billing")
    assert first.domain is not None
    # WHEN B is mapped under "billing" and "v2/billing"
    first.domain.add_api_mapping(second, base_path="billing")
    first.domain.add_api_mapping(second, base_path="v2/billing", stage_name="prod")
    t = template(stack)
    # THEN both mappings point at B's API
    second_ref = {"Ref": stack.get_logical_id(second.api.node.default_child)}  # type: ignore[arg-type]
    t.has_resource_properties(BASE_PATH_MAPPING, {"BasePath": "billing", "RestApiId": second_ref})
    t.has_resource_properties(
        API_MAPPING, {"ApiMappingKey": "v2/billing", "ApiId": second_ref, "Stage": "prod"}
    )
    assert [m.base_path for m in first.domain.mappings] == ["", "billing", "v2/billing"]


@pytest.mark.parametrize(
    ("second_props", "base_path", "message"),
    [
        pytest.param(
            {"security_policy": PFS_PQ},
            "billing",
            f"api must use the domain's security policy {TLS13}",
            id="different-policy",
        ),
        pytest.param(
            {"endpoint_access_mode": "STRICT"},
            "billing",
            "api must use the domain's endpoint access mode BASIC, got 'STRICT'",
            id="different-access-mode",
        ),
        pytest.param(
            {"security_policy": "TLS_1_2", "legacy_tls_reason": "old"},
            "billing",
            f"api must use the domain's security policy {TLS13}",
            id="legacy-api",
        ),
        pytest.param(
            {}, "", "base_path is already mapped on this domain, got ''", id="duplicate-root"
        ),
        pytest.param({}, "/billing", "base_path must be empty or segments", id="bad-base-path"),
    ],
)
def test_add_api_mapping_rejects(
    stack: Stack, second_props: dict[str, typing.Any], base_path: str, message: str
) -> None:
    # GIVEN a domain at the root of API A, and an API B
    first = make(stack, domain=CustomDomain("api.example.com", CERT))
    second = make(stack, "Billing", **second_props)
    assert first.domain is not None
    # WHEN B is mapped THEN the mapping is refused with the reason
    with pytest.raises(PavedRoadError) as info:
        first.domain.add_api_mapping(second, base_path=base_path)
    assert any(p.startswith(DOMAIN_PREFIX + message) for p in info.value.problems), info.value
    assert len(first.domain.mappings) == 1


def test_add_api_mapping_rejects_a_duplicate_base_path(stack: Stack) -> None:
    # GIVEN API B mapped under "billing"
    first = make(stack, domain=CustomDomain("api.example.com", CERT))
    second = make(stack, "Billing")
    assert first.domain is not None
    first.domain.add_api_mapping(second, base_path="billing")
    # WHEN it is mapped there again THEN it is refused
    with pytest.raises(PavedRoadError, match=re.escape("base_path is already mapped")):
        first.domain.add_api_mapping(second, base_path="billing")


def test_add_api_mapping_rejects_multi_level_on_edge_and_bad_stage(edge: Built) -> None:
    # GIVEN an EDGE domain
    domain = edge.api.domain
    assert domain is not None
    # WHEN a multi-level base path and a bad stage name are given THEN both are reported
    with pytest.raises(PavedRoadError) as info:
        domain.add_api_mapping(edge.api, base_path="v1/orders", stage_name="not a stage")
    assert len(info.value.problems) == 2
    assert "multi-level base paths need a REGIONAL domain" in str(info.value)
    assert "stage_name must be 1-128 characters" in str(info.value)


def test_distinct_base_paths_with_the_same_letters_are_both_mapped(stack: Stack) -> None:
    # GIVEN a domain with API A under "v1-orders"
    first = make(stack, domain=CustomDomain("api.example.com", CERT, base_path="v1-orders"))
    second = make(stack, "Billing")
    assert first.domain is not None
    # WHEN API B is mapped under the distinct base path "v1.orders"
    first.domain.add_api_mapping(second, base_path="v1.orders")
    # THEN both mappings exist
    assert [m.base_path for m in first.domain.mappings] == ["v1-orders", "v1.orders"]
    template(stack).resource_count_is(BASE_PATH_MAPPING, 2)


# --- authorization -------------------------------------------------------------------------------


def token_authorizer(stack: Stack, id: str = "Authorizer") -> apigw.TokenAuthorizer:
    handler = lambda_.Function(
        stack,
        id + "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=PY_CODE,
    )
    return apigw.TokenAuthorizer(stack, id, handler=handler)


def test_route_without_any_authorization_is_rejected(stack: Stack) -> None:
    # GIVEN an API without a default authorizer
    api = make(stack, route=False)
    # WHEN a route names none THEN it is rejected
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + "authorizer is required")):
        api.add_route("/orders", "GET", apigw.MockIntegration())
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + "authorizer is required")):
        api.add_streaming_route("/chat", "GET", "https://origin.example.com/")
    assert api.methods == []


def test_default_authorizer_is_used_by_routes() -> None:
    # GIVEN a default token authorizer
    stack = new_stack()
    authorizer = token_authorizer(stack)
    api = make(stack, default_authorizer=authorizer)
    orders = api.add_route("/orders", "GET", apigw.MockIntegration())
    chat = api.add_streaming_route("/chat", "POST", "https://origin.example.com/chat")
    built = Built(stack, api, template(stack))
    authorizer_ref = {"Ref": built.logical_id(authorizer)}
    # THEN both routes are CUSTOM-authorized by it
    for method in (orders, chat):
        props = built.method(method)
        assert props["AuthorizationType"] == "CUSTOM"
        assert props["AuthorizerId"] == authorizer_ref


def test_route_authorizer_overrides_the_default(stack: Stack) -> None:
    # GIVEN a default authorizer and a route with its own
    default, own = token_authorizer(stack), token_authorizer(stack, "Own")
    api = make(stack, route=False, default_authorizer=default)
    method = api.add_route("/admin", "DELETE", apigw.MockIntegration(), authorizer=own)
    other = api.add_route("/orders", "GET", apigw.MockIntegration())
    # THEN the route uses its own, the other route the default
    built = Built(stack, api, template(stack))
    assert built.method(method)["AuthorizerId"] == {"Ref": built.logical_id(own)}
    assert built.method(other)["AuthorizerId"] == {"Ref": built.logical_id(default)}


def test_iam_and_public_routes(stack: Stack) -> None:
    # GIVEN an IAM route and a public route, next to a default authorizer (used by /)
    api = make(stack, route=False, default_authorizer=token_authorizer(stack))
    api.add_route("/", "GET", apigw.MockIntegration())
    iam_method = api.add_route("/orders", "GET", apigw.MockIntegration(), iam_authorization=True)
    public = api.add_route("/ping", "GET", apigw.MockIntegration(), public_reason=PUBLIC)
    built = Built(stack, api, template(stack))
    # THEN the first is AWS_IAM and the second NONE, neither with an authorizer
    assert built.method(iam_method)["AuthorizationType"] == "AWS_IAM"
    assert built.method(public)["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in built.method(iam_method)
    assert "AuthorizerId" not in built.method(public)
    # AND the public method acknowledges the cdk-nag authorization findings with the reason
    acks = json.dumps(
        [m.data for m in public.node.metadata if m.type.endswith("acknowledged-rules")]
    )
    assert "AwsSolutions-APIG4" in acks and PUBLIC in acks


@pytest.mark.parametrize(
    "auth",
    [
        pytest.param({"iam_authorization": True, "public_reason": PUBLIC}, id="iam-public"),
        pytest.param({"authorizer": True, "iam_authorization": True}, id="authorizer-iam"),
        pytest.param({"authorizer": True, "public_reason": PUBLIC}, id="authorizer-public"),
    ],
)
def test_authorization_options_are_mutually_exclusive(
    stack: Stack, auth: dict[str, typing.Any]
) -> None:
    # GIVEN two of authorizer / iam_authorization / public_reason
    api = make(stack, route=False)
    if auth.get("authorizer"):
        auth = {**auth, "authorizer": token_authorizer(stack)}
    # THEN the route is rejected
    expected = re.escape(PREFIX + "authorizer/iam_authorization/public_reason are mutually")
    with pytest.raises(PavedRoadError, match=expected):
        api.add_route("/orders", "GET", apigw.MockIntegration(), **auth)
    with pytest.raises(PavedRoadError, match=expected):
        api.add_streaming_route("/chat", "GET", "https://origin.example.com/", **auth)


def test_blank_public_reason_is_rejected(stack: Stack) -> None:
    api = make(stack, route=False)
    # GIVEN a blank reason THEN the route is rejected
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + "public_reason must say why")):
        api.add_route("/orders", "GET", apigw.MockIntegration(), public_reason="  ")


def test_method_added_around_the_construct_without_authorization_fails_synthesis() -> None:
    # GIVEN a method added straight on the L2 RestApi, with no authorization
    app = App(builtin_cloud_formation_validation=False)
    stack = new_stack(app)
    api = make(stack)
    api.api.root.add_resource("admin").add_method("POST", apigw.MockIntegration())
    # WHEN synthesized THEN validation fails and names the method
    with pytest.raises(Exception, match=r"method POST /admin has no authorization") as info:
        app.synth()
    assert "Test/Api" in str(info.value)
    # AND the governed public route is not reported
    assert "GET /health" not in str(info.value)


def test_method_added_around_the_construct_with_iam_passes_synthesis() -> None:
    # GIVEN a method added straight on the L2 RestApi with IAM authorization
    app = App(builtin_cloud_formation_validation=False)
    stack = new_stack(app)
    api = make(stack)
    api.api.root.add_method(
        "POST", apigw.MockIntegration(), authorization_type=apigw.AuthorizationType.IAM
    )
    # WHEN synthesized THEN it passes
    assembly = app.synth()
    assert assembly.get_stack_by_name("Test").template["Resources"]


# --- add_route -----------------------------------------------------------------------------------


def test_add_route_targets(stack: Stack) -> None:
    # GIVEN a Lambda function, a GovernedFunction and a mock integration as targets
    fn = function(stack)
    governed = GovernedFunction(stack, "Governed", code=PY_CODE, handler="index.handler")
    api = make(stack, route=False)
    plain = api.add_route("/orders", "get", fn, iam_authorization=True)
    wrapped = api.add_route("/orders/{id}", "PUT", governed, iam_authorization=True)
    mock = api.add_route("/", "ANY", apigw.MockIntegration(), public_reason=PUBLIC)
    proxy = api.add_route("/files/{proxy+}", "GET", fn, iam_authorization=True)
    built = Built(stack, api, template(stack))
    # THEN the functions are Lambda proxy integrations (buffered: the /invocations endpoint)
    for method, target in ((plain, fn), (wrapped, governed.live), (proxy, fn)):
        props = built.method(method)
        assert props["Integration"]["Type"] == "AWS_PROXY"
        assert "ResponseTransferMode" not in props["Integration"]
        # a GovernedFunction is invoked through its live alias (a Ref gives the alias ARN)
        ref = (
            f'{{"Ref": "{built.logical_id(target)}"}}'
            if target is governed.live
            else f'"{built.logical_id(target)}", "Arn"'
        )
        assert ref in uri(props)
        assert "2015-03-31/functions/" in uri(props) and "/invocations" in uri(props)
    # AND the method names are upper-cased, the mock is a MOCK on the root
    assert built.method(plain)["HttpMethod"] == "GET"
    assert built.method(mock)["Integration"]["Type"] == "MOCK"
    assert built.method(mock)["ResourceId"] == {
        "Fn::GetAtt": [built.logical_id(api.api), "RootResourceId"]
    }
    # AND every method is tracked by the construct
    assert api.methods == [plain, wrapped, mock, proxy]
    assert api.streaming_methods == []


def test_add_route_attaches_the_request_validator(regional: Built) -> None:
    # GIVEN the default API's route THEN it validates parameters and body
    validator = regional.props("AWS::ApiGateway::RequestValidator")
    assert validator["ValidateRequestBody"] is True
    assert validator["ValidateRequestParameters"] is True
    (method,) = regional.resources(METHOD).values()
    validator_ref = {"Ref": regional.logical_id(regional.api.request_validator)}
    assert method["Properties"]["RequestValidatorId"] == validator_ref


def test_method_options_are_passed_through(stack: Stack) -> None:
    # GIVEN method options (which carry no authorization of their own)
    api = make(stack, route=False)
    method = api.add_route(
        "/orders",
        "GET",
        apigw.MockIntegration(),
        iam_authorization=True,
        method_options=apigw.MethodOptions(
            operation_name="ListOrders",
            request_parameters={"method.request.querystring.page": False},
        ),
    )
    props = Built(stack, api, template(stack)).method(method)
    # THEN they are set, with the construct's authorization
    assert props["OperationName"] == "ListOrders"
    assert props["RequestParameters"] == {"method.request.querystring.page": False}
    assert props["AuthorizationType"] == "AWS_IAM"


@pytest.mark.parametrize(
    ("path", "method", "target", "message"),
    [
        pytest.param("/orders", "GET", "not-a-target", "target must be an", id="bad-target"),
        pytest.param("/orders", "GET", None, "target must be an", id="no-target"),
        pytest.param("no-slash", "GET", "mock", "path must start with '/'", id="no-slash"),
        pytest.param("/a//b", "GET", "mock", "path must start with '/'", id="empty-segment"),
        pytest.param("/orders/", "GET", "mock", "path must start with '/'", id="trailing-slash"),
        pytest.param("/a b", "GET", "mock", "path must start with '/'", id="space"),
        pytest.param("/orders", "FETCH", "mock", "method must be one of ANY, DELETE", id="fetch"),
    ],
)
def test_add_route_rejects(
    stack: Stack, path: str, method: str, target: typing.Any, message: str
) -> None:
    api = make(stack, route=False)
    # GIVEN a bad target, path or method THEN the route is rejected, naming the value
    target = apigw.MockIntegration() if target == "mock" else target
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + message)):
        api.add_route(path, method, target, iam_authorization=True)
    assert api.methods == []


# --- add_streaming_route -------------------------------------------------------------------------


def test_lambda_streaming_route(loaded: Loaded) -> None:
    # GIVEN a streaming route to a Lambda function (default timeout)
    integration = loaded.method(loaded.stream)["Integration"]
    # THEN it is a Lambda proxy through the response-streaming endpoint, streamed, 5 minutes
    assert integration["Type"] == "AWS_PROXY"
    assert integration["IntegrationHttpMethod"] == "POST"
    assert integration["ResponseTransferMode"] == "STREAM"
    assert integration["TimeoutInMillis"] == 300_000
    assert "2021-11-15/functions/" in uri(loaded.method(loaded.stream))
    assert uri(loaded.method(loaded.stream)).endswith('"/response-streaming-invocations"]]}')
    assert f'"{loaded.logical_id(loaded.fn)}", "Arn"' in uri(loaded.method(loaded.stream))
    # AND the buffered route to the same function does not stream
    buffered = loaded.method(loaded.buffered)["Integration"]
    assert "ResponseTransferMode" not in buffered
    assert "response-streaming-invocations" not in uri(loaded.method(loaded.buffered))
    # AND API Gateway may invoke the function (through any stage)
    loaded.template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"},
    )
    assert loaded.api.streaming_methods == [
        loaded.stream,
        loaded.long_stream,
        loaded.http_stream,
    ]


def test_streaming_timeout_up_to_15_minutes(loaded: Loaded) -> None:
    # GIVEN timeout=Duration.minutes(15) THEN the integration times out after 900000 ms
    integration = loaded.method(loaded.long_stream)["Integration"]
    assert integration["TimeoutInMillis"] == 900_000
    assert integration["ResponseTransferMode"] == "STREAM"


def test_http_streaming_route(loaded: Loaded) -> None:
    # GIVEN a streaming route to a URL THEN it is a streamed HTTP proxy to that URL
    integration = loaded.method(loaded.http_stream)["Integration"]
    assert integration["Type"] == "HTTP_PROXY"
    assert integration["Uri"] == "https://origin.example.com/stream"
    assert integration["IntegrationHttpMethod"] == "GET"
    assert integration["ResponseTransferMode"] == "STREAM"
    assert integration["TimeoutInMillis"] == 300_000


def test_streaming_route_to_a_governed_function_with_options(stack: Stack) -> None:
    # GIVEN a GovernedFunction target with request parameters in the integration options
    governed = GovernedFunction(
        stack, "Governed", code=PY_CODE, handler="index.handler", timeout=Duration.minutes(15)
    )
    api = make(stack, route=False)
    method = api.add_streaming_route(
        "/chat",
        "POST",
        governed,
        iam_authorization=True,
        timeout=Duration.seconds(60),
        integration_options=apigw.IntegrationOptions(
            request_parameters={"integration.request.header.x-id": "context.requestId"}
        ),
    )
    integration = Built(stack, api, template(stack)).method(method)["Integration"]
    # THEN the inner function streams with the given timeout and the options kept
    assert integration["ResponseTransferMode"] == "STREAM"
    assert integration["TimeoutInMillis"] == 60_000
    assert "response-streaming-invocations" in json.dumps(integration["Uri"])
    assert integration["RequestParameters"] == {
        "integration.request.header.x-id": "context.requestId"
    }


def test_streaming_url_may_be_a_token(stack: Stack) -> None:
    # GIVEN the origin URL as a parameter THEN it is accepted
    url = CfnParameter(stack, "Origin").value_as_string
    api = make(stack, route=False)
    method = api.add_streaming_route("/proxy", "GET", url, iam_authorization=True)
    integration = Built(stack, api, template(stack)).method(method)["Integration"]
    assert integration["Uri"] == {"Ref": "Origin"}
    assert integration["Type"] == "HTTP_PROXY"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param(
            {"timeout": Duration.seconds(901)},
            "timeout must be between 50 ms and 15 minutes for a streaming route, "
            "got '15 minutes 1 second'",
            id="over-15-minutes",
        ),
        pytest.param(
            {"timeout": Duration.seconds(0)},
            "timeout must be between 50 ms and 15 minutes for a streaming route",
            id="zero",
        ),
        pytest.param(
            {"timeout": 300}, "timeout must be an aws_cdk.Duration, got 300", id="not-a-duration"
        ),
        pytest.param({"target": "ftp://x"}, "target must be an http(s):// URL", id="ftp-url"),
        pytest.param(
            {"target": "https://"}, "target must be an http(s):// URL", id="url-without-host"
        ),
        pytest.param(
            {"target": apigw.MockIntegration()},
            "target must be a Lambda function or an http(s):// URL",
            id="integration-target",
        ),
        pytest.param(
            {
                "integration_options": apigw.IntegrationOptions(
                    integration_responses=[
                        apigw.IntegrationResponse(
                            status_code="200",
                            response_templates={"application/json": "$input.body"},
                        )
                    ]
                )
            },
            "integration_options.integration_responses must not have response_templates",
            id="response-templates",
        ),
        pytest.param(
            {"integration_options": apigw.IntegrationOptions(cache_key_parameters=["x"])},
            "integration_options must not set cache_key_parameters/cache_namespace",
            id="cache-key-parameters",
        ),
        pytest.param(
            {"integration_options": apigw.IntegrationOptions(cache_namespace="orders")},
            "integration_options must not set cache_key_parameters/cache_namespace",
            id="cache-namespace",
        ),
        pytest.param(
            {
                "integration_options": apigw.IntegrationOptions(
                    response_transfer_mode=apigw.ResponseTransferMode.BUFFERED
                )
            },
            "integration_options.response_transfer_mode must be STREAM (or unset)",
            id="buffered-mode",
        ),
        pytest.param({"path": "chat"}, "path must start with '/'", id="bad-path"),
        pytest.param({"method": "FETCH"}, "method must be one of", id="bad-method"),
    ],
)
def test_add_streaming_route_rejects(
    stack: Stack, kwargs: dict[str, typing.Any], message: str
) -> None:
    api = make(stack, route=False)
    call: dict[str, typing.Any] = {
        "path": "/chat",
        "method": "GET",
        "target": "https://origin.example.com/",
        "iam_authorization": True,
        **kwargs,
    }
    # GIVEN one unsupported option THEN the streaming route is rejected
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + message)) as info:
        api.add_streaming_route(call.pop("path"), call.pop("method"), call.pop("target"), **call)
    assert len(info.value.problems) == 1
    assert api.streaming_methods == []


@pytest.mark.parametrize(
    ("props", "message"),
    [
        pytest.param(
            {"minimum_compression_size": Size.kibibytes(1)},
            "add_streaming_route cannot stream from an API with content encoding",
            id="compression",
        ),
        pytest.param(
            {"minimum_compression_size": Size.bytes(0)},
            "add_streaming_route cannot stream from an API with content encoding",
            id="compression-zero",
        ),
        pytest.param(
            {"cache_cluster_enabled": True},
            "add_streaming_route cannot stream from a stage with a cache cluster",
            id="cache-cluster",
        ),
    ],
)
def test_streaming_is_rejected_on_compressing_or_caching_apis(
    stack: Stack, props: dict[str, typing.Any], message: str
) -> None:
    # GIVEN an API that compresses or caches
    api = make(stack, route=False, **props)
    # THEN a streaming route is rejected, naming the path
    with pytest.raises(PavedRoadError, match=re.escape(PREFIX + message) + r".*got '/chat'"):
        api.add_streaming_route("/chat", "GET", function(stack), iam_authorization=True)
    # AND a buffered route is still fine
    api.add_route("/orders", "GET", apigw.MockIntegration(), iam_authorization=True)


def test_compressing_api_sets_the_minimum_compression_size() -> None:
    # GIVEN minimum_compression_size THEN the API compresses above it
    built = build(minimum_compression_size=Size.kibibytes(1))
    assert built.props(REST_API)["MinimumCompressionSize"] == 1024


def test_streaming_problems_are_raised_together(stack: Stack) -> None:
    # GIVEN a caching API and a route with a bad URL and a too-long timeout
    api = make(stack, route=False, cache_cluster_enabled=True)
    with pytest.raises(PavedRoadError) as info:
        api.add_streaming_route(
            "/chat", "GET", "ftp://x", iam_authorization=True, timeout=Duration.minutes(16)
        )
    # THEN the three are reported at once
    assert len(info.value.problems) == 3


WARNING = Match.string_like_regexp("times out")


def test_short_function_timeout_is_a_warning(stack: Stack) -> None:
    # GIVEN a function that times out after 10 s on a 5 minute streaming route
    api = make(stack, route=False)
    api.add_streaming_route(
        "/chat", "GET", function(stack, timeout=Duration.seconds(10)), iam_authorization=True
    )
    # THEN a warning says the stream ends with the function
    (warning,) = Annotations.from_stack(stack).find_warning("*", WARNING)
    assert "/chat" in str(warning.entry.data)
    assert "10 s" in str(warning.entry.data) and "300 s" in str(warning.entry.data)


def test_long_enough_function_timeout_is_not_a_warning(stack: Stack) -> None:
    # GIVEN a 15 minute function on a 15 minute streaming route THEN there is no warning
    api = make(stack, route=False)
    api.add_streaming_route(
        "/chat", "GET", function(stack), iam_authorization=True, timeout=Duration.minutes(15)
    )
    Annotations.from_stack(stack).has_no_warning("*", WARNING)


def test_default_function_timeout_is_a_warning(stack: Stack) -> None:
    # GIVEN a function with Lambda's default 3 s timeout on a 5 minute streaming route
    fn = lambda_.Function(
        stack, "Fn", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler", code=NODE_CODE
    )
    api = make(stack, route=False)
    api.add_streaming_route("/chat", "GET", fn, iam_authorization=True)
    # THEN the stream would end after 3 s: a warning should say so
    assert Annotations.from_stack(stack).find_warning("*", WARNING)


def test_sub_second_streaming_timeout_is_accepted(stack: Stack) -> None:
    # GIVEN a 500 ms streaming timeout (within 50 ms - 15 minutes)
    api = make(stack, route=False)
    method = api.add_streaming_route(
        "/chat",
        "GET",
        "https://origin.example.com/",
        iam_authorization=True,
        timeout=Duration.millis(500),
    )
    # THEN it is set in milliseconds
    integration = Built(stack, api, template(stack)).method(method)["Integration"]
    assert integration["TimeoutInMillis"] == 500


def test_streaming_timeout_under_50_ms_is_a_paved_road_error(stack: Stack) -> None:
    api = make(stack, route=False)
    # GIVEN a 49 ms timeout THEN the range error is raised
    with pytest.raises(PavedRoadError, match=re.escape("must be between 50 ms and 15 minutes")):
        api.add_streaming_route(
            "/chat",
            "GET",
            "https://origin.example.com/",
            iam_authorization=True,
            timeout=Duration.millis(49),
        )


# --- cfn-lint ------------------------------------------------------------------------------------


def test_loaded_api_passes_cfn_lint(loaded: Loaded) -> None:
    # GIVEN a production API with a domain, a web ACL, buffered, Lambda streaming and HTTP
    # streaming routes THEN cfn-lint finds no errors
    assert lint_errors(loaded.json) == []


def test_edge_and_private_apis_pass_cfn_lint(edge: Built) -> None:
    # GIVEN an EDGE API with a mapped domain, and a PRIVATE API
    private = build(
        lambda s: {"vpc_endpoints": [endpoint(s)]}, endpoint_type=apigw.EndpointType.PRIVATE
    )
    # THEN cfn-lint finds no errors in either
    assert lint_errors(edge.json) == []
    assert lint_errors(private.json) == []

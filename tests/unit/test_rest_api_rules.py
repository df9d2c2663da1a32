"""The REST API, custom domain and routing rule guardrails on hand-built template fragments
(non-compliant and compliant), then end to end through ``enforce()`` on plain aws-cdk-lib
L1/L2 code.

The rules are pure functions of a ResourceView (see test_guardrail_rules.py); only the
last tests synthesize.
"""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_logs as logs

from paved_road.guardrails.rule import GuardrailRule, ResourceView
from paved_road.guardrails.rules import (
    ALL_RULES,
    REST_API_ACCESS_LOG_TLS,
    REST_API_DOMAIN_POLICY_ALIGNMENT,
    REST_API_ENHANCED_TLS_POLICY,
    REST_API_STREAMING_INTEGRATION,
    REST_API_STRICT_ACCESS_MODE,
    ROUTING_RULE_ONLY_CATCH_ALL,
    ROUTING_RULE_PRIORITY_UNIQUE,
)
from paved_road.guardrails.rules._rest_api import routing_rules_by_domain, stages_by_api
from tests.conftest import run_guardrails

TODAY = datetime.date(2026, 11, 23)
TLS13 = "SecurityPolicy_TLS13_1_3_2025_09"
TLS13_EDGE = "SecurityPolicy_TLS13_2025_EDGE"
CERT = "arn:aws:acm:us-east-1:111122223333:certificate/abcd"
REST_RULES = (
    REST_API_ENHANCED_TLS_POLICY,
    REST_API_DOMAIN_POLICY_ALIGNMENT,
    REST_API_STRICT_ACCESS_MODE,
    REST_API_STREAMING_INTEGRATION,
    ROUTING_RULE_ONLY_CATCH_ALL,
    ROUTING_RULE_PRIORITY_UNIQUE,
    REST_API_ACCESS_LOG_TLS,
)
DROP = object()
"""A property value meaning "remove this property" in the builders below."""
PRODUCTION = {"PavedRoad::Production": True}


def resource(
    kind: str, base: dict[str, Any], props: dict[str, Any], metadata: Any = None
) -> dict[str, Any]:
    merged = {**base, **props}
    built: dict[str, Any] = {
        "Type": kind,
        "Properties": {k: v for k, v in merged.items() if v is not DROP},
    }
    if metadata is not None:
        built["Metadata"] = metadata
    return built


def rest_api(metadata: Any = None, **props: Any) -> dict[str, Any]:
    """A compliant REST API (REGIONAL, TLS 1.3, STRICT); ``props`` override."""
    base = {
        "Name": "orders",
        "SecurityPolicy": TLS13,
        "EndpointAccessMode": "STRICT",
        "EndpointConfiguration": {"Types": ["REGIONAL"]},
    }
    return resource("AWS::ApiGateway::RestApi", base, props, metadata)


def domain(metadata: Any = None, kind: str = "DomainName", **props: Any) -> dict[str, Any]:
    """A compliant custom domain (REGIONAL, TLS 1.3, STRICT); ``props`` override."""
    base = {
        "DomainName": "api.example.com",
        "RegionalCertificateArn": CERT,
        "SecurityPolicy": TLS13,
        "EndpointAccessMode": "STRICT",
        "EndpointConfiguration": {"Types": ["REGIONAL"]},
    }
    return resource(f"AWS::ApiGateway::{kind}", base, props, metadata)


def routing_rule(
    domain_arn: Any = None, priority: Any = 100, api: str = "A", **props: Any
) -> dict[str, Any]:
    base = {
        "DomainNameArn": domain_arn or {"Fn::GetAtt": ["D", "DomainNameArn"]},
        "Priority": priority,
        "Conditions": [{"MatchHeaders": {"AnyOf": [{"Header": "x-version", "ValueGlob": "v2"}]}}],
        "Actions": [{"InvokeApi": {"ApiId": {"Ref": api}, "Stage": "prod"}}],
    }
    return resource("AWS::ApiGatewayV2::RoutingRule", base, props)


def view_of(resources: dict[str, dict[str, Any]], logical_id: str = "R") -> ResourceView:
    found = resources[logical_id]
    return ResourceView(
        logical_id=logical_id,
        type=found["Type"],
        properties=found.get("Properties", {}),
        template={"Resources": resources},
        today=TODAY,
    )


def run(rule: GuardrailRule, resources: dict[str, dict[str, Any]], logical_id: str = "R") -> Any:
    assert resources[logical_id]["Type"] in rule.resource_types
    finding = rule.check(view_of(resources, logical_id))
    return None if finding is None else finding.detail


def test_rule_ids_levels_and_resource_types() -> None:
    assert [(r.full_id, r.level_name) for r in REST_RULES] == [
        ("PavedRoad-RestApiEnhancedTlsPolicy", "Error"),
        ("PavedRoad-RestApiDomainPolicyAlignment", "Error"),
        ("PavedRoad-RestApiStrictAccessMode", "Warning"),
        ("PavedRoad-RestApiStreamingIntegration", "Error"),
        ("PavedRoad-RoutingRuleOnlyCatchAll", "Warning"),
        ("PavedRoad-RoutingRulePriorityUnique", "Error"),
        ("PavedRoad-RestApiAccessLogTls", "Warning"),
    ]
    assert all(rule in ALL_RULES for rule in REST_RULES)
    assert REST_API_ENHANCED_TLS_POLICY.resource_types == (
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::DomainName",
        "AWS::ApiGateway::DomainNameV2",
    )
    assert REST_API_DOMAIN_POLICY_ALIGNMENT.resource_types == (
        "AWS::ApiGateway::BasePathMapping",
        "AWS::ApiGateway::BasePathMappingV2",
        "AWS::ApiGatewayV2::ApiMapping",
        "AWS::ApiGatewayV2::RoutingRule",
    )
    assert REST_API_STREAMING_INTEGRATION.resource_types == ("AWS::ApiGateway::Method",)
    assert REST_API_ACCESS_LOG_TLS.resource_types == ("AWS::ApiGateway::Stage",)


# --- RestApiEnhancedTlsPolicy --------------------------------------------------------------
@pytest.mark.parametrize(
    ("built", "detail"),
    [
        pytest.param(
            rest_api(SecurityPolicy=DROP, EndpointAccessMode=DROP),
            "SecurityPolicy is not set, so the legacy default TLS_1_0 applies.",
            id="rest-api-unset",
        ),
        pytest.param(
            domain(SecurityPolicy=DROP, EndpointAccessMode=DROP),
            "SecurityPolicy is not set, so the legacy default TLS_1_0 applies.",
            id="domain-unset",
        ),
        pytest.param(
            domain(kind="DomainNameV2", SecurityPolicy=DROP, EndpointAccessMode=DROP),
            "SecurityPolicy is not set, so the legacy default TLS_1_2 applies.",
            id="private-domain-unset",
        ),
        pytest.param(
            rest_api(SecurityPolicy="TLS_1_0", EndpointAccessMode=DROP),
            "SecurityPolicy TLS_1_0 is a legacy policy.",
            id="legacy-tls-1-0",
        ),
        pytest.param(
            domain(SecurityPolicy="TLS_1_2", EndpointAccessMode=DROP),
            "SecurityPolicy TLS_1_2 is a legacy policy.",
            id="legacy-tls-1-2",
        ),
        pytest.param(
            rest_api(SecurityPolicy="TLS_1_3"),
            "SecurityPolicy TLS_1_3 is not an enhanced policy.",
            id="unknown-name",
        ),
        pytest.param(
            rest_api(EndpointAccessMode=DROP),
            "EndpointAccessMode is not set; an enhanced policy requires BASIC or STRICT.",
            id="enhanced-without-mode",
        ),
        pytest.param(
            domain(EndpointAccessMode="LAX"),
            "EndpointAccessMode LAX is not BASIC or STRICT.",
            id="enhanced-unknown-mode",
        ),
        pytest.param(
            rest_api(EndpointConfiguration={"Types": ["EDGE"]}),
            f"SecurityPolicy {TLS13} is not an _EDGE policy, but the endpoint type is EDGE.",
            id="regional-policy-on-edge",
        ),
        pytest.param(
            rest_api(EndpointConfiguration=DROP),
            f"SecurityPolicy {TLS13} is not an _EDGE policy, "
            "but the endpoint type is EDGE (default).",
            id="regional-policy-on-default-edge",
        ),
        pytest.param(
            domain(SecurityPolicy=TLS13_EDGE),
            f"SecurityPolicy {TLS13_EDGE} is an _EDGE policy, but the endpoint type is REGIONAL.",
            id="edge-policy-on-regional",
        ),
        pytest.param(
            domain(kind="DomainNameV2", SecurityPolicy=TLS13_EDGE, EndpointConfiguration=DROP),
            f"SecurityPolicy {TLS13_EDGE} is an _EDGE policy, "
            "but the endpoint type is PRIVATE (default).",
            id="edge-policy-on-private-domain",
        ),
        pytest.param(
            rest_api(EndpointAccessMode=DROP, EndpointConfiguration={"Types": ["EDGE"]}),
            "EndpointAccessMode is not set; an enhanced policy requires BASIC or STRICT. "
            f"SecurityPolicy {TLS13} is not an _EDGE policy, but the endpoint type is EDGE.",
            id="no-mode-and-misfit",
        ),
    ],
)
def test_enhanced_tls_policy_missing_or_misfit(built: dict[str, Any], detail: str) -> None:
    # GIVEN a REST API or domain with a legacy, unset or misfitting policy/mode
    # THEN the finding names what is wrong
    assert run(REST_API_ENHANCED_TLS_POLICY, {"R": built}) == detail


@pytest.mark.parametrize(
    "built",
    [
        pytest.param(rest_api(), id="regional-strict"),
        pytest.param(rest_api(EndpointAccessMode="BASIC"), id="regional-basic"),
        pytest.param(
            rest_api(EndpointConfiguration={"Types": ["PRIVATE"], "VpcEndpointIds": ["vpce-1"]}),
            id="private",
        ),
        pytest.param(
            rest_api(SecurityPolicy="SecurityPolicy_TLS13_1_3_FIPS_2025_09"), id="fips-variant"
        ),
        pytest.param(
            rest_api(SecurityPolicy=TLS13_EDGE, EndpointConfiguration={"Types": ["EDGE"]}),
            id="edge-policy-on-edge",
        ),
        pytest.param(
            rest_api(
                SecurityPolicy="SecurityPolicy_TLS12_PFS_2025_EDGE", EndpointConfiguration=DROP
            ),
            id="edge-policy-on-default-edge",
        ),
        pytest.param(domain(), id="domain"),
        pytest.param(
            domain(kind="DomainNameV2", EndpointConfiguration=DROP), id="private-domain-default"
        ),
        pytest.param(rest_api(SecurityPolicy={"Ref": "Policy"}), id="intrinsic-policy"),
        pytest.param(rest_api(EndpointAccessMode={"Ref": "Mode"}), id="intrinsic-mode"),
        pytest.param(
            rest_api(EndpointConfiguration={"Types": [{"Ref": "EndpointType"}]}),
            id="intrinsic-endpoint-type",
        ),
        pytest.param(
            rest_api(EndpointConfiguration={"Ref": "Config"}), id="intrinsic-endpoint-config"
        ),
    ],
)
def test_enhanced_tls_policy_compliant(built: dict[str, Any]) -> None:
    assert run(REST_API_ENHANCED_TLS_POLICY, {"R": built}) is None


# --- RestApiDomainPolicyAlignment ----------------------------------------------------------
def base_path_mapping(domain_ref: Any = None, api_ref: Any = None) -> dict[str, Any]:
    props = {
        "DomainName": domain_ref or {"Ref": "D"},
        "RestApiId": api_ref or {"Ref": "A"},
        "Stage": {"Ref": "S"},
    }
    return resource("AWS::ApiGateway::BasePathMapping", props, {})


def api_mapping() -> dict[str, Any]:
    props = {"DomainName": {"Ref": "D"}, "ApiId": {"Ref": "A"}, "Stage": "prod"}
    return resource("AWS::ApiGatewayV2::ApiMapping", props, {})


def base_path_mapping_v2() -> dict[str, Any]:
    props = {"DomainNameArn": {"Ref": "D"}, "RestApiId": {"Ref": "A"}, "Stage": "prod"}
    return resource("AWS::ApiGateway::BasePathMappingV2", props, {})


def sub_arn(logical_id: str) -> dict[str, str]:
    """A domain ARN spelled with ``Fn::Sub``, as in the routing rules launch post."""
    arn = "arn:${AWS::Partition}:apigateway:${AWS::Region}::/domainnames/${DOMAIN}"
    return {"Fn::Sub": arn.replace("DOMAIN", logical_id)}


SUB_ARN = sub_arn("D")
LITERAL_ARN = "arn:aws:apigateway:us-east-1::/domainnames/api.example.com"
UNSET_API = {"SecurityPolicy": DROP, "EndpointAccessMode": DROP}
MISALIGNED = (
    f"Domain D and REST API A differ: SecurityPolicy {TLS13} (domain) vs TLS_1_0 (default) "
    "(API); EndpointAccessMode STRICT (domain) vs unset (API)."
)


@pytest.mark.parametrize(
    ("link", "domain_", "api", "detail"),
    [
        pytest.param(base_path_mapping(), domain(), rest_api(**UNSET_API), MISALIGNED, id="bpm"),
        pytest.param(api_mapping(), domain(), rest_api(**UNSET_API), MISALIGNED, id="api-mapping"),
        pytest.param(routing_rule(), domain(), rest_api(**UNSET_API), MISALIGNED, id="rule-getatt"),
        pytest.param(
            routing_rule(SUB_ARN), domain(), rest_api(**UNSET_API), MISALIGNED, id="rule-sub-arn"
        ),
        pytest.param(
            routing_rule(LITERAL_ARN),
            domain(),
            rest_api(**UNSET_API),
            MISALIGNED,
            id="rule-literal-arn",
        ),
        pytest.param(
            base_path_mapping("api.example.com"),
            domain(),
            rest_api(**UNSET_API),
            MISALIGNED,
            id="bpm-literal-domain-name",
        ),
        pytest.param(
            base_path_mapping(),
            domain(EndpointAccessMode="BASIC"),
            rest_api(),
            "Domain D and REST API A differ: EndpointAccessMode BASIC (domain) vs STRICT (API).",
            id="mode-only",
        ),
        pytest.param(
            base_path_mapping(),
            domain(SecurityPolicy="SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09"),
            rest_api(),
            "Domain D and REST API A differ: SecurityPolicy "
            f"SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09 (domain) vs {TLS13} (API).",
            id="policy-only",
        ),
        pytest.param(
            base_path_mapping_v2(),
            domain(kind="DomainNameV2", SecurityPolicy=DROP, EndpointAccessMode=DROP),
            rest_api(**UNSET_API),
            "Domain D and REST API A differ: SecurityPolicy TLS_1_2 (default) (domain) vs "
            "TLS_1_0 (default) (API).",
            id="private-domain-defaults-differ",
        ),
    ],
)
def test_domain_policy_misaligned(
    link: dict[str, Any], domain_: dict[str, Any], api: dict[str, Any], detail: str
) -> None:
    # GIVEN a link (mapping or routing rule) from domain D to REST API A, both in the template
    resources = {"R": link, "D": domain_, "A": api}
    # THEN the link reports every setting that differs
    assert run(REST_API_DOMAIN_POLICY_ALIGNMENT, resources) == detail


def test_domain_policy_routing_rule_reports_each_misaligned_api() -> None:
    # GIVEN a routing rule with two InvokeApi actions, to two misaligned APIs
    rule = routing_rule()
    rule["Properties"]["Actions"].append({"InvokeApi": {"ApiId": {"Ref": "B"}}})
    resources = {
        "R": rule,
        "D": domain(),
        "A": rest_api(EndpointAccessMode="BASIC"),
        "B": rest_api(SecurityPolicy="TLS_1_2", EndpointAccessMode=DROP),
    }
    # THEN both are named, in action order
    assert run(REST_API_DOMAIN_POLICY_ALIGNMENT, resources) == (
        "Domain D and REST API A differ: EndpointAccessMode STRICT (domain) vs BASIC (API). "
        f"Domain D and REST API B differ: SecurityPolicy {TLS13} (domain) vs TLS_1_2 (API); "
        "EndpointAccessMode STRICT (domain) vs unset (API)."
    )


@pytest.mark.parametrize(
    ("link", "domain_", "api"),
    [
        pytest.param(base_path_mapping(), domain(), rest_api(), id="aligned"),
        pytest.param(routing_rule(), domain(), rest_api(), id="aligned-rule"),
        pytest.param(
            base_path_mapping(),
            domain(SecurityPolicy=DROP, EndpointAccessMode=DROP),
            rest_api(**UNSET_API),
            id="both-legacy-defaults",
        ),
        pytest.param(
            base_path_mapping(),
            domain(SecurityPolicy="TLS_1_0", EndpointAccessMode=DROP),
            rest_api(**UNSET_API),
            id="explicit-equals-default",
        ),
        pytest.param(
            base_path_mapping(domain_ref="imported.example.com"),
            domain(),
            rest_api(**UNSET_API),
            id="domain-not-in-template",
        ),
        pytest.param(
            base_path_mapping(api_ref="a1b2c3d4"),
            domain(),
            rest_api(**UNSET_API),
            id="api-imported",
        ),
        pytest.param(
            routing_rule("arn:aws:apigateway:us-east-1::/domainnames/other.example.com"),
            domain(),
            rest_api(**UNSET_API),
            id="rule-for-another-domain",
        ),
        pytest.param(
            base_path_mapping(),
            domain(SecurityPolicy={"Ref": "Policy"}),
            rest_api(),
            id="intrinsic-policy-one-side",
        ),
        pytest.param(
            base_path_mapping(),
            domain(SecurityPolicy={"Ref": "Policy"}),
            rest_api(SecurityPolicy={"Ref": "Policy"}),
            id="same-intrinsic-both-sides",
        ),
    ],
)
def test_domain_policy_aligned_or_unknowable(
    link: dict[str, Any], domain_: dict[str, Any], api: dict[str, Any]
) -> None:
    assert run(REST_API_DOMAIN_POLICY_ALIGNMENT, {"R": link, "D": domain_, "A": api}) is None


def test_domain_policy_ignores_http_apis() -> None:
    # GIVEN an ApiGatewayV2 mapping from the domain to an HTTP API (not a REST API)
    resources = {
        "R": api_mapping(),
        "D": domain(),
        "A": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
    }
    # THEN there is nothing to compare
    assert run(REST_API_DOMAIN_POLICY_ALIGNMENT, resources) is None


# --- RestApiStrictAccessMode ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("built", "detail"),
    [
        pytest.param(
            rest_api(PRODUCTION, EndpointAccessMode="BASIC"),
            "EndpointAccessMode is BASIC.",
            id="api-basic",
        ),
        pytest.param(
            domain(PRODUCTION, EndpointAccessMode=DROP),
            "EndpointAccessMode is not set.",
            id="domain-unset",
        ),
        pytest.param(
            domain(
                {"PavedRoad::Production": "true"}, kind="DomainNameV2", EndpointAccessMode="BASIC"
            ),
            "EndpointAccessMode is BASIC.",
            id="private-domain-string-true",
        ),
    ],
)
def test_strict_access_mode_missing_in_production(built: dict[str, Any], detail: str) -> None:
    # GIVEN a resource marked production that is not STRICT
    # THEN the warning says which mode it has
    assert run(REST_API_STRICT_ACCESS_MODE, {"R": built}) == detail


@pytest.mark.parametrize(
    "built",
    [
        pytest.param(rest_api(PRODUCTION), id="production-strict"),
        pytest.param(domain(PRODUCTION), id="production-domain-strict"),
        pytest.param(rest_api(EndpointAccessMode="BASIC"), id="not-production"),
        pytest.param(
            rest_api({"PavedRoad::Production": False}, EndpointAccessMode="BASIC"),
            id="production-false",
        ),
        pytest.param(
            rest_api({"Other": True}, EndpointAccessMode="BASIC"), id="other-metadata-only"
        ),
        pytest.param(rest_api(PRODUCTION, EndpointAccessMode={"Ref": "Mode"}), id="intrinsic-mode"),
    ],
)
def test_strict_access_mode_compliant(built: dict[str, Any]) -> None:
    assert run(REST_API_STRICT_ACCESS_MODE, {"R": built}) is None


# --- RestApiStreamingIntegration -----------------------------------------------------------
def lambda_uri(action: str, version: str = "2021-11-15") -> dict[str, Any]:
    """A Lambda integration Uri as aws-cdk-lib writes it (``Fn::Join``)."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":apigateway:",
                {"Ref": "AWS::Region"},
                f":lambda:path/{version}/functions/",
                {"Fn::GetAtt": ["Fn", "Arn"]},
                f"/{action}",
            ],
        ]
    }


STREAMING_URI = lambda_uri("response-streaming-invocations")


def streaming(
    *, api: dict[str, Any] | None = None, stage: dict[str, Any] | None = None, **integration: Any
) -> dict[str, dict[str, Any]]:
    """A compliant streaming method "R" (GET /orders of API "A", stage "S", resource
    "Orders"); ``integration`` overrides Integration properties (``DROP`` removes one)."""
    base: dict[str, Any] = {
        "Type": "AWS_PROXY",
        "IntegrationHttpMethod": "POST",
        "ResponseTransferMode": "STREAM",
        "TimeoutInMillis": 300_000,
        "Uri": STREAMING_URI,
        **integration,
    }
    method = resource(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "GET",
            "AuthorizationType": "AWS_IAM",
            "RestApiId": {"Ref": "A"},
            "ResourceId": {"Ref": "Orders"},
            "Integration": {k: v for k, v in base.items() if v is not DROP},
        },
        {},
    )
    orders = resource(
        "AWS::ApiGateway::Resource",
        {
            "ParentId": {"Fn::GetAtt": ["A", "RootResourceId"]},
            "PathPart": "orders",
            "RestApiId": {"Ref": "A"},
        },
        {},
    )
    default_stage = resource(
        "AWS::ApiGateway::Stage",
        {"RestApiId": {"Ref": "A"}, "StageName": "prod", "DeploymentId": {"Ref": "Dep"}},
        {},
    )
    return {
        "R": method,
        "A": api if api is not None else rest_api(),
        "Orders": orders,
        "S": stage if stage is not None else default_stage,
    }


def caching_stage(*settings: dict[str, Any], cluster: Any = True, api: str = "A") -> dict[str, Any]:
    props = {
        "RestApiId": {"Ref": api},
        "StageName": "prod",
        "CacheClusterEnabled": cluster,
        "CacheClusterSize": "0.5",
        "MethodSettings": list(settings),
    }
    return resource("AWS::ApiGateway::Stage", props, {})


def cache(verb: str, path: str, enabled: Any = True) -> dict[str, Any]:
    return {"HttpMethod": verb, "ResourcePath": path, "CachingEnabled": enabled}


def _streaming_detail(*problems: str) -> str:
    return "ResponseTransferMode STREAM, but " + "; ".join(problems) + "."


@pytest.mark.parametrize(
    ("resources", "problems"),
    [
        pytest.param(
            streaming(Type="AWS", Uri=lambda_uri("invocations", "2015-03-31")),
            ["Integration.Type AWS is not AWS_PROXY or HTTP_PROXY"],
            id="non-proxy-lambda",
        ),
        pytest.param(
            streaming(Type="MOCK", Uri=DROP),
            ["Integration.Type MOCK is not AWS_PROXY or HTTP_PROXY"],
            id="mock",
        ),
        pytest.param(
            streaming(
                Type="HTTP_PROXY",
                Uri="https://example.com",
                IntegrationResponses=[
                    {"StatusCode": "200"},
                    {"StatusCode": "500", "ResponseTemplates": {"application/json": "{}"}},
                ],
            ),
            ["integration response 500 has ResponseTemplates (VTL)"],
            id="response-templates",
        ),
        pytest.param(
            streaming(CacheKeyParameters=["method.request.path.id"]),
            ["Integration.CacheKeyParameters is set (integration caching)"],
            id="cache-key-parameters",
        ),
        pytest.param(
            streaming(TimeoutInMillis=900_001),
            ["Integration.TimeoutInMillis 900001 > 900000 (15 min)"],
            id="timeout-above-15-min",
        ),
        pytest.param(
            streaming(Uri=lambda_uri("invocations", "2015-03-31")),
            [
                "Integration.Uri calls Lambda's /invocations endpoint, not "
                "2021-11-15/functions/<arn>/response-streaming-invocations"
            ],
            id="buffered-lambda-endpoint-join",
        ),
        pytest.param(
            streaming(
                Uri={
                    "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
                    "functions/${Fn.Arn}/invocations"
                }
            ),
            [
                "Integration.Uri calls Lambda's /invocations endpoint, not "
                "2021-11-15/functions/<arn>/response-streaming-invocations"
            ],
            id="buffered-lambda-endpoint-sub",
        ),
        pytest.param(
            streaming(api=rest_api(MinimumCompressionSize=0)),
            ["REST API A sets MinimumCompressionSize (content encoding)"],
            id="compression-0",
        ),
        pytest.param(
            streaming(api=rest_api(MinimumCompressionSize="1024")),
            ["REST API A sets MinimumCompressionSize (content encoding)"],
            id="compression-string",
        ),
        pytest.param(
            streaming(stage=caching_stage(cache("*", "/*"))),
            ["stage S caches this method (CacheClusterEnabled, CachingEnabled)"],
            id="stage-caches-everything",
        ),
        pytest.param(
            streaming(stage=caching_stage(cache("GET", "/~1orders"))),
            ["stage S caches this method (CacheClusterEnabled, CachingEnabled)"],
            id="stage-caches-this-method",
        ),
        pytest.param(
            streaming(stage=caching_stage(cache("*", "/~1orders"), cluster="true")),
            ["stage S caches this method (CacheClusterEnabled, CachingEnabled)"],
            id="stage-caches-any-verb-of-path",
        ),
        pytest.param(
            streaming(stage=caching_stage(cache("get", "/*", enabled="true"))),
            ["stage S caches this method (CacheClusterEnabled, CachingEnabled)"],
            id="stage-caches-verb-on-every-path",
        ),
        pytest.param(
            streaming(
                Type="AWS",
                IntegrationResponses=[{"StatusCode": "200", "ResponseTemplates": {"a/b": "$x"}}],
                CacheKeyParameters=["method.request.header.x"],
                TimeoutInMillis=1_000_000,
                api=rest_api(MinimumCompressionSize=1024),
                stage=caching_stage(cache("*", "/*")),
            ),
            [
                "Integration.Type AWS is not AWS_PROXY or HTTP_PROXY",
                "integration response 200 has ResponseTemplates (VTL)",
                "Integration.CacheKeyParameters is set (integration caching)",
                "Integration.TimeoutInMillis 1000000 > 900000 (15 min)",
                "REST API A sets MinimumCompressionSize (content encoding)",
                "stage S caches this method (CacheClusterEnabled, CachingEnabled)",
            ],
            id="everything-at-once",
        ),
    ],
)
def test_streaming_unsupported_features(
    resources: dict[str, dict[str, Any]], problems: list[str]
) -> None:
    # GIVEN a streaming method with features response streaming does not support
    # THEN one finding lists every reason
    assert run(REST_API_STREAMING_INTEGRATION, resources) == _streaming_detail(*problems)


def test_streaming_root_method_matches_a_root_cache_setting() -> None:
    # GIVEN a streaming method on the API's root resource, cached by a "/" method setting
    resources = streaming(stage=caching_stage(cache("GET", "/")))
    resources["R"]["Properties"]["ResourceId"] = {"Fn::GetAtt": ["A", "RootResourceId"]}
    # THEN the stage is named
    assert run(REST_API_STREAMING_INTEGRATION, resources) == _streaming_detail(
        "stage S caches this method (CacheClusterEnabled, CachingEnabled)"
    )


def test_streaming_nested_resource_path() -> None:
    # GIVEN GET /orders/{id}, cached by a setting for /orders/{id} (encoded ~1)
    resources = streaming(stage=caching_stage(cache("GET", "/~1orders~1{id}")))
    resources["Id"] = resource(
        "AWS::ApiGateway::Resource",
        {"ParentId": {"Ref": "Orders"}, "PathPart": "{id}", "RestApiId": {"Ref": "A"}},
        {},
    )
    resources["R"]["Properties"]["ResourceId"] = {"Ref": "Id"}
    assert run(REST_API_STREAMING_INTEGRATION, resources) is not None
    # AND a setting for /orders alone does not cache it
    resources["S"] = caching_stage(cache("GET", "/~1orders"))
    assert run(REST_API_STREAMING_INTEGRATION, resources) is None


@pytest.mark.parametrize(
    "resources",
    [
        pytest.param(streaming(), id="lambda-streaming-endpoint"),
        pytest.param(
            streaming(
                Uri={
                    "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2021-11-15/"
                    "functions/${Fn.Arn}/response-streaming-invocations"
                }
            ),
            id="lambda-streaming-endpoint-sub",
        ),
        pytest.param(
            streaming(Type="HTTP_PROXY", Uri="https://example.com/{proxy}"), id="http-proxy"
        ),
        pytest.param(
            streaming(Type="HTTP_PROXY", ConnectionType="VPC_LINK", Uri="http://nlb.internal"),
            id="private-integration",
        ),
        pytest.param(streaming(TimeoutInMillis=900_000), id="timeout-15-min"),
        pytest.param(streaming(TimeoutInMillis={"Ref": "Timeout"}), id="intrinsic-timeout"),
        pytest.param(streaming(CacheKeyParameters=[]), id="empty-cache-keys"),
        pytest.param(
            streaming(IntegrationResponses=[{"StatusCode": "200", "ResponseTemplates": {}}]),
            id="empty-response-templates",
        ),
        pytest.param(
            streaming(api=rest_api(MinimumCompressionSize={"Ref": "Size"})),
            id="intrinsic-compression",
        ),
        pytest.param(
            streaming(stage=caching_stage(cache("*", "/*"), cluster=False)),
            id="cache-cluster-disabled",
        ),
        pytest.param(
            streaming(stage=caching_stage(cache("*", "/*", enabled=False))),
            id="caching-disabled",
        ),
        pytest.param(streaming(stage=caching_stage(cache("POST", "/~1orders"))), id="other-verb"),
        pytest.param(streaming(stage=caching_stage(cache("GET", "/~1users"))), id="other-path"),
        pytest.param(streaming(stage=caching_stage()), id="cluster-without-method-caching"),
        pytest.param(
            streaming(stage=caching_stage(cache("*", "/*"), api="Other")), id="other-apis-stage"
        ),
    ],
)
def test_streaming_compliant(resources: dict[str, dict[str, Any]]) -> None:
    assert run(REST_API_STREAMING_INTEGRATION, resources) is None


@pytest.mark.parametrize("mode", [DROP, "BUFFERED", {"Ref": "Mode"}])
def test_buffered_methods_are_ignored(mode: Any) -> None:
    # GIVEN a buffered method with every streaming problem
    resources = streaming(
        ResponseTransferMode=mode,
        Type="AWS",
        Uri=lambda_uri("invocations", "2015-03-31"),
        CacheKeyParameters=["method.request.header.x"],
        TimeoutInMillis=29_000,
        api=rest_api(MinimumCompressionSize=0),
        stage=caching_stage(cache("*", "/*")),
    )
    # THEN the rule does not read it
    assert run(REST_API_STREAMING_INTEGRATION, resources) is None


def test_streaming_unknown_path_matches_only_wildcards() -> None:
    # GIVEN a streaming method whose resource is not in the template (imported API)
    resources = streaming(stage=caching_stage(cache("GET", "/~1orders")))
    resources["R"]["Properties"]["ResourceId"] = "abc123"
    del resources["Orders"]
    # THEN a path-specific setting cannot be matched, a wildcard one still is
    assert run(REST_API_STREAMING_INTEGRATION, resources) is None
    resources["S"] = caching_stage(cache("GET", "/*"))
    assert run(REST_API_STREAMING_INTEGRATION, resources) is not None


# --- RoutingRuleOnlyCatchAll ---------------------------------------------------------------
CATCH_ALL_MISSING = (
    "RoutingMode ROUTING_RULE_ONLY and none of its routing rules (R1, R2) is a catch-all "
    "(no Conditions): requests that match no rule get 403 Forbidden."
)
NO_RULES = (
    "RoutingMode ROUTING_RULE_ONLY and no routing rule in this template targets the domain: "
    "every request gets 403 Forbidden."
)


@pytest.mark.parametrize(
    ("resources", "detail"),
    [
        pytest.param({"R": domain(RoutingMode="ROUTING_RULE_ONLY")}, NO_RULES, id="no-rules"),
        pytest.param(
            {
                "R": domain(RoutingMode="ROUTING_RULE_ONLY"),
                "Other": domain(DomainName="other.example.com"),
                "R1": routing_rule({"Fn::GetAtt": ["Other", "DomainNameArn"]}, Conditions=DROP),
            },
            NO_RULES,
            id="catch-all-of-another-domain",
        ),
        pytest.param(
            {
                "R": domain(RoutingMode="ROUTING_RULE_ONLY"),
                "R2": routing_rule({"Fn::GetAtt": ["R", "DomainNameArn"]}, priority=200),
                "R1": routing_rule(sub_arn("R")),
            },
            CATCH_ALL_MISSING,
            id="only-conditional-rules",
        ),
        pytest.param(
            {
                "R": domain(kind="DomainNameV2", RoutingMode="ROUTING_RULE_ONLY"),
                "R1": routing_rule({"Ref": "R"}),
                "R2": routing_rule({"Ref": "R"}, priority=200),
            },
            CATCH_ALL_MISSING,
            id="private-domain",
        ),
    ],
)
def test_rules_only_without_catch_all(resources: dict[str, dict[str, Any]], detail: str) -> None:
    # GIVEN a domain that routes with rules only, and no rule of it without conditions
    # THEN unmatched requests would get 403 Forbidden
    assert run(ROUTING_RULE_ONLY_CATCH_ALL, resources) == detail


@pytest.mark.parametrize(
    "resources",
    [
        pytest.param(
            {
                "R": domain(RoutingMode="ROUTING_RULE_ONLY"),
                "R1": routing_rule({"Fn::GetAtt": ["R", "DomainNameArn"]}),
                "R2": routing_rule(
                    {"Fn::GetAtt": ["R", "DomainNameArn"]}, priority=1000, Conditions=DROP
                ),
            },
            id="catch-all-without-conditions",
        ),
        pytest.param(
            {
                "R": domain(RoutingMode="ROUTING_RULE_ONLY"),
                "R1": routing_rule({"Fn::GetAtt": ["R", "DomainNameArn"]}, Conditions=[]),
            },
            id="catch-all-empty-conditions",
        ),
        pytest.param(
            {
                "R": domain(RoutingMode="ROUTING_RULE_ONLY"),
                "R1": routing_rule(
                    "arn:aws:apigateway:us-east-1::/domainnames/api.example.com", Conditions=DROP
                ),
            },
            id="catch-all-by-literal-arn",
        ),
        pytest.param(
            {
                "R": domain(RoutingMode="ROUTING_RULE_ONLY"),
                "R1": routing_rule(
                    {"Fn::GetAtt": ["R", "DomainNameArn"]}, Conditions={"Ref": "Conditions"}
                ),
            },
            id="intrinsic-conditions",
        ),
        pytest.param(
            {"R": domain(RoutingMode="ROUTING_RULE_THEN_API_MAPPING")}, id="falls-back-to-mappings"
        ),
        pytest.param({"R": domain(RoutingMode="API_MAPPING_ONLY")}, id="mappings-only"),
        pytest.param({"R": domain()}, id="default-mode"),
    ],
)
def test_rules_only_with_catch_all_or_other_mode(resources: dict[str, dict[str, Any]]) -> None:
    assert run(ROUTING_RULE_ONLY_CATCH_ALL, resources) is None


# --- RoutingRulePriorityUnique -------------------------------------------------------------
@pytest.mark.parametrize(
    ("resources", "detail"),
    [
        pytest.param(
            {"R": routing_rule(), "R2": routing_rule(api="B"), "D": domain()},
            "Priority 100 is used by 2 rules of the same domain: R, R2.",
            id="same-domain",
        ),
        pytest.param(
            {"R": routing_rule(priority="100"), "R2": routing_rule(priority=100), "D": domain()},
            "Priority 100 is used by 2 rules of the same domain: R, R2.",
            id="string-and-number",
        ),
        pytest.param(
            {
                "R": routing_rule(priority=5),
                "Z": routing_rule(priority=5),
                "B": routing_rule(priority=5),
                "C": routing_rule(priority=6),
                "D": domain(),
            },
            "Priority 5 is used by 3 rules of the same domain: B, R, Z.",
            id="three-rules",
        ),
        pytest.param(
            {"R": routing_rule(), "R2": routing_rule(SUB_ARN), "D": domain()},
            "Priority 100 is used by 2 rules of the same domain: R, R2.",
            id="getatt-and-sub-same-domain",
        ),
        pytest.param(
            {"R": routing_rule(LITERAL_ARN), "R2": routing_rule(LITERAL_ARN)},
            "Priority 100 is used by 2 rules of the same domain: R, R2.",
            id="same-imported-domain-arn",
        ),
    ],
)
def test_routing_rule_priority_reused(resources: dict[str, dict[str, Any]], detail: str) -> None:
    # GIVEN two rules of one domain with the same priority
    # THEN the finding names every rule sharing it (API Gateway would reject the second)
    assert run(ROUTING_RULE_PRIORITY_UNIQUE, resources) == detail


@pytest.mark.parametrize(
    "resources",
    [
        pytest.param(
            {"R": routing_rule(priority=100), "R2": routing_rule(priority=200), "D": domain()},
            id="different-priorities",
        ),
        pytest.param(
            {
                "R": routing_rule(),
                "R2": routing_rule({"Fn::GetAtt": ["D2", "DomainNameArn"]}),
                "D": domain(),
                "D2": domain(DomainName="other.example.com"),
            },
            id="same-priority-other-domain",
        ),
        pytest.param(
            {
                "R": routing_rule(LITERAL_ARN),
                "R2": routing_rule(LITERAL_ARN.replace("api.", "www.")),
            },
            id="same-priority-other-imported-domain",
        ),
        pytest.param(
            {"R": routing_rule(priority={"Ref": "P"}), "R2": routing_rule(priority={"Ref": "P"})},
            id="intrinsic-priority",
        ),
        pytest.param(
            {"R": routing_rule(priority=DROP), "R2": routing_rule(priority=DROP)}, id="unset"
        ),
        pytest.param({"R": routing_rule(), "D": domain()}, id="single-rule"),
    ],
)
def test_routing_rule_priority_unique(resources: dict[str, dict[str, Any]]) -> None:
    assert run(ROUTING_RULE_PRIORITY_UNIQUE, resources) is None


# --- RestApiAccessLogTls -------------------------------------------------------------------
def stage(access_log: Any = DROP) -> dict[str, Any]:
    props = {"RestApiId": {"Ref": "A"}, "StageName": "prod", "AccessLogSetting": access_log}
    return resource("AWS::ApiGateway::Stage", props, {})


LOGS = {"Fn::GetAtt": ["Logs", "Arn"]}
CLF = (
    "$context.identity.sourceIp $context.identity.caller [$context.requestTime] "
    '"$context.httpMethod $context.resourcePath $context.protocol" $context.status '
    "$context.requestId"
)


@pytest.mark.parametrize(
    ("access_log", "detail"),
    [
        pytest.param(
            DROP, "AccessLogSetting is not set: the stage writes no access log.", id="none"
        ),
        pytest.param(
            {"Format": "$context.requestId $context.tlsVersion $context.cipherSuite"},
            "AccessLogSetting has no DestinationArn: the stage writes no access log.",
            id="no-destination",
        ),
        pytest.param(
            {"DestinationArn": LOGS, "Format": CLF},
            "AccessLogSetting.Format does not include $context.tlsVersion or $context.cipherSuite.",
            id="clf",
        ),
        pytest.param(
            {"DestinationArn": LOGS, "Format": CLF + " $context.tlsVersion"},
            "AccessLogSetting.Format does not include $context.cipherSuite.",
            id="no-cipher-suite",
        ),
        pytest.param(
            {"DestinationArn": LOGS, "Format": '{"cipher":"$context.cipherSuite"}'},
            "AccessLogSetting.Format does not include $context.tlsVersion.",
            id="no-tls-version",
        ),
        pytest.param(
            {"DestinationArn": LOGS},
            "AccessLogSetting.Format does not include $context.tlsVersion or $context.cipherSuite.",
            id="no-format",
        ),
    ],
)
def test_access_log_without_tls_fields(access_log: Any, detail: str) -> None:
    assert run(REST_API_ACCESS_LOG_TLS, {"R": stage(access_log)}) == detail


@pytest.mark.parametrize(
    "access_log",
    [
        pytest.param(
            {"DestinationArn": LOGS, "Format": CLF + " $context.tlsVersion $context.cipherSuite"},
            id="clf-plus-tls",
        ),
        pytest.param(
            {
                "DestinationArn": "arn:aws:logs:us-east-1:111122223333:log-group:api",
                "Format": '{"requestId":"$context.requestId","tlsVersion":"$context.tlsVersion",'
                '"cipherSuite":"$context.cipherSuite"}',
            },
            id="json",
        ),
        pytest.param(
            {"DestinationArn": LOGS, "Format": {"Fn::Join": ["", ["$context.requestId"]]}},
            id="intrinsic-format",
        ),
    ],
)
def test_access_log_with_tls_fields(access_log: Any) -> None:
    assert run(REST_API_ACCESS_LOG_TLS, {"R": stage(access_log)}) is None


# --- all rules -----------------------------------------------------------------------------
def _everything_wrong() -> dict[str, dict[str, Any]]:
    resources = streaming(
        Type="AWS",
        api=rest_api(PRODUCTION, SecurityPolicy=DROP, EndpointAccessMode="BASIC"),
        stage=caching_stage(cache("*", "/*")),
    )
    resources["D"] = domain(RoutingMode="ROUTING_RULE_ONLY")
    resources["Rule1"] = routing_rule()
    resources["Rule2"] = routing_rule()
    resources["Map"] = base_path_mapping()
    return resources


def test_rules_do_not_mutate_the_template() -> None:
    resources = _everything_wrong()
    before = copy.deepcopy(resources)
    findings = {
        (rule.rule_id, logical_id)
        for rule in REST_RULES
        for logical_id, found in resources.items()
        if found["Type"] in rule.resource_types and rule.check(view_of(resources, logical_id))
    }
    assert resources == before
    assert findings == {
        ("RestApiEnhancedTlsPolicy", "A"),
        ("RestApiDomainPolicyAlignment", "Rule1"),
        ("RestApiDomainPolicyAlignment", "Rule2"),
        ("RestApiDomainPolicyAlignment", "Map"),
        ("RestApiStrictAccessMode", "A"),
        ("RestApiStreamingIntegration", "R"),
        ("RoutingRuleOnlyCatchAll", "D"),
        ("RoutingRulePriorityUnique", "Rule1"),
        ("RoutingRulePriorityUnique", "Rule2"),
        ("RestApiAccessLogTls", "S"),
    }


def test_template_indexes_are_computed_once_per_template() -> None:
    # GIVEN one template checked resource by resource
    template = {"Resources": _everything_wrong()}
    # THEN the routing rule and stage indexes are built once and reused
    assert routing_rules_by_domain(template) is routing_rules_by_domain(template)
    assert stages_by_api(template) is stages_by_api(template)
    assert sorted(i for i, _ in routing_rules_by_domain(template)["id:D"]) == ["Rule1", "Rule2"]
    # AND a new template (even equal) gets its own index
    assert routing_rules_by_domain(copy.deepcopy(template)) is not routing_rules_by_domain(template)


# --- end to end: plain aws-cdk-lib code under enforce() ------------------------------------
TLS_RULE = "PavedRoad-RestApiEnhancedTlsPolicy"
TLS_LOG_FORMAT = apigw.AccessLogFormat.custom(
    '{"requestId":"$context.requestId","tlsVersion":"$context.tlsVersion",'
    '"cipherSuite":"$context.cipherSuite"}'
)


def test_plain_rest_api_fails_on_the_legacy_default_policy(tmp_path: Path) -> None:
    # GIVEN a plain L2 RestApi (EDGE, no security policy, no access log) with one method
    def build(stack: Stack) -> None:
        api = apigw.RestApi(stack, "Api")
        api.root.add_method("GET", apigw.MockIntegration())

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN synthesis fails on the policy, and the stage's missing access log is a warning
    assert run_.error is not None and TLS_RULE in run_.error
    assert TLS_RULE in run_.rules("error")
    assert run_.paths(TLS_RULE) == {"Guarded/Api/Resource"}
    assert "PavedRoad-RestApiAccessLogTls" in run_.rules("warning")
    (violation,) = [v for v in run_.violations if v["ruleName"] == TLS_RULE]
    assert "legacy default TLS_1_0" in violation["description"]


def test_escape_hatch_enhanced_policy_is_compliant(tmp_path: Path) -> None:
    # GIVEN a regional L2 RestApi whose L1 gets an enhanced policy and STRICT mode by
    # property override, and whose stage logs the TLS version and cipher suite
    def build(stack: Stack) -> None:
        api = apigw.RestApi(
            stack,
            "Api",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            deploy_options=apigw.StageOptions(
                access_log_destination=apigw.LogGroupLogDestination(
                    logs.LogGroup(stack, "AccessLogs")
                ),
                access_log_format=TLS_LOG_FORMAT,
            ),
        )
        api.root.add_method("GET", apigw.MockIntegration())
        cfn = api.node.default_child
        assert isinstance(cfn, apigw.CfnRestApi)
        cfn.add_property_override("SecurityPolicy", TLS13)
        cfn.add_property_override("EndpointAccessMode", "STRICT")

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN no REST API rule reports anything
    assert not {r for r in run_.rules() if r.startswith("PavedRoad-RestApi")}
    assert run_.error is None


def test_routing_rules_with_equal_priority_fail_synthesis(tmp_path: Path) -> None:
    # GIVEN a ROUTING_RULE_ONLY domain with two L1 routing rules at priority 100, one a
    # catch-all, both to an API aligned with the domain
    def build(stack: Stack) -> None:
        api = apigw.CfnRestApi(
            stack,
            "Api",
            name="orders",
            security_policy=TLS13,
            endpoint_access_mode="STRICT",
            endpoint_configuration=apigw.CfnRestApi.EndpointConfigurationProperty(
                types=["REGIONAL"]
            ),
        )
        domain_ = apigw.CfnDomainName(
            stack,
            "Domain",
            domain_name="api.example.com",
            regional_certificate_arn=CERT,
            security_policy=TLS13,
            endpoint_access_mode="STRICT",
            endpoint_configuration=apigw.CfnDomainName.EndpointConfigurationProperty(
                types=["REGIONAL"]
            ),
            routing_mode="ROUTING_RULE_ONLY",
        )
        action = apigwv2.CfnRoutingRule.ActionProperty(
            invoke_api=apigwv2.CfnRoutingRule.ActionInvokeApiProperty(api_id=api.ref, stage="prod")
        )
        header = apigwv2.CfnRoutingRule.ConditionProperty(
            match_headers=apigwv2.CfnRoutingRule.MatchHeadersProperty(
                any_of=[
                    apigwv2.CfnRoutingRule.MatchHeaderValueProperty(
                        header="x-version", value_glob="v2"
                    )
                ]
            )
        )
        apigwv2.CfnRoutingRule(
            stack,
            "V2",
            domain_name_arn=domain_.attr_domain_name_arn,
            priority=100,
            conditions=[header],
            actions=[action],
        )
        apigwv2.CfnRoutingRule(
            stack,
            "CatchAll",
            domain_name_arn=domain_.attr_domain_name_arn,
            priority=100,
            conditions=[],
            actions=[action],
        )

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN both rules are reported, the finding names both, and nothing else of ours fires
    rule = "PavedRoad-RoutingRulePriorityUnique"
    assert run_.error is not None and rule in run_.error
    assert run_.rules("error") == {rule}
    assert run_.paths(rule) == {"Guarded/V2", "Guarded/CatchAll"}
    assert "Priority 100 is used by 2 rules of the same domain: CatchAll, V2." in run_.error
    assert "PavedRoad-RoutingRuleOnlyCatchAll" not in run_.rules()


def test_l2_domain_misaligned_with_its_api_fails_synthesis(tmp_path: Path) -> None:
    # GIVEN an L2 DomainName with an enhanced policy, mapped to a plain RestApi
    def build(stack: Stack) -> None:
        api = apigw.RestApi(stack, "Api", endpoint_types=[apigw.EndpointType.REGIONAL])
        api.root.add_method("GET", apigw.MockIntegration())
        domain_ = apigw.DomainName(
            stack,
            "Domain",
            domain_name="api.example.com",
            certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT),
            security_policy=apigw.SecurityPolicy.TLS13_1_3_2025_09,
            endpoint_access_mode=apigw.EndpointAccessMode.STRICT,
        )
        domain_.add_base_path_mapping(api)

    run_ = run_guardrails(build, tmp_path, aws_solutions=False, serverless=False)
    # THEN the mapping is reported with both differences, besides the API's own policy
    rule = "PavedRoad-RestApiDomainPolicyAlignment"
    assert run_.error is not None and rule in run_.error
    assert run_.rules("error") == {rule, TLS_RULE}
    assert run_.paths(TLS_RULE) == {"Guarded/Api/Resource"}
    (violation,) = [v for v in run_.violations if v["ruleName"] == rule]
    assert f"SecurityPolicy {TLS13} (domain) vs TLS_1_0 (default) (API)" in violation["description"]
    assert len(violation["violatingConstructs"]) == 1

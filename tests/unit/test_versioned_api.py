"""VersionedApi: two GovernedRestApis behind one domain, routed by the rules the docs
describe; checked with the offline evaluator and on the template."""

from __future__ import annotations

import pytest
from aws_cdk import Stack

from paved_road import PavedRoadError, RoutingMode
from paved_road_blueprints import VersionedApi
from tests.cfn_lint import lint_errors
from tests.conftest import template

CERT = "arn:aws:acm:eu-west-1:111122223333:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def versioned(stack: Stack, **kwargs: object) -> VersionedApi:
    props: dict[str, object] = {
        "domain_name": "api.example.com",
        "certificate_arn": CERT,
        **kwargs,
    }
    return VersionedApi(stack, "Checkout", **props)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "headers", "version", "priority", "forwarded"),
    [
        ("/checkout", {"x-version": "v2"}, "V2", 100, "/checkout"),
        ("/checkout", {"X-User-Cohort": "beta-testers"}, "V2", 200, "/checkout"),
        ("/checkout", {"x-user-cohort": "Beta-testers"}, "V1", 1000, "/checkout"),
        ("/v1/checkout", {}, "V1", 300, "/checkout"),
        ("/v1/checkout", {"x-version": "v2"}, "V2", 100, "/v1/checkout"),
        ("/", {}, "V1", 1000, "/"),
    ],
)
def test_rule_only_routing(
    stack: Stack,
    path: str,
    headers: dict[str, str],
    version: str,
    priority: int,
    forwarded: str,
) -> None:
    # GIVEN the default (ROUTING_RULE_ONLY) VersionedApi WHEN a request is resolved
    service = versioned(stack)
    match = service.routing.resolve(path, headers)
    # THEN it reaches the expected version through the expected rule
    assert match is not None
    assert match.api is getattr(service, version.lower())
    assert (match.via, match.priority) == ("rule", priority)
    assert match.forwarded_path == forwarded


def test_rule_then_mapping_mode_falls_back_to_the_root_mapping(stack: Stack) -> None:
    service = versioned(stack, mode=RoutingMode.ROUTING_RULE_THEN_API_MAPPING)
    match = service.routing.resolve("/orders", {})
    assert match is not None and match.via == "api_mapping" and match.api is service.v1
    # AND there is no catch-all rule: the mapping is the fallback
    assert all(not rule.is_catch_all for rule in service.routing.rules)
    template(stack).resource_count_is("AWS::ApiGateway::BasePathMapping", 1)


def test_template_shape_and_lint(stack: Stack) -> None:
    service = versioned(stack, production=True)
    t = template(stack)
    t.resource_count_is("AWS::ApiGateway::RestApi", 2)
    t.resource_count_is("AWS::ApiGatewayV2::RoutingRule", 4)
    t.resource_count_is("AWS::ApiGateway::BasePathMapping", 0)
    t.resource_count_is("AWS::ApiGateway::Account", 1)  # V2 does not create a second one
    for api in t.find_resources("AWS::ApiGateway::RestApi").values():
        assert api["Properties"]["EndpointAccessMode"] == "STRICT"
    t.has_resource_properties(
        "AWS::ApiGateway::DomainName",
        {"RoutingMode": "ROUTING_RULE_ONLY", "EndpointAccessMode": "STRICT"},
    )
    assert service.domain.owner is service.v1
    assert lint_errors(t.to_json()) == []


def test_optional_rules_can_be_dropped(stack: Stack) -> None:
    service = versioned(stack, cohort_glob=None, v1_base_path=None)
    assert [r.name for r in service.routing.rules] == ["Version2", "CatchAll"]


def test_basic_mode_override_for_migration(stack: Stack) -> None:
    service = versioned(stack, production=True, endpoint_access_mode="BASIC")
    assert service.v1.endpoint_access_mode == service.v2.endpoint_access_mode == "BASIC"


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"mode": RoutingMode.API_MAPPING_ONLY}, r"VersionedApi 'Test/Checkout'.*mode"),
        # the routing rules' problems, named as this construct's props
        (
            {"cohort_glob": "be*ta"},
            r"^VersionedApi 'Test/Checkout': cohort_glob may use '\*' only as .*got 'be\*ta'$",
        ),
        ({"cohort_glob": ""}, r"^VersionedApi 'Test/Checkout': cohort_glob must be a non-empty"),
        (
            {"v2_header_value": "v 2"},
            r"^VersionedApi 'Test/Checkout': v2_header_value may only use a-z .*got 'v 2'$",
        ),
        (
            {"v1_base_path": "/v1"},
            r"^VersionedApi 'Test/Checkout': v1_base_path must not start or end with '/' .*"
            r"got '/v1'$",
        ),
        ({"certificate_arn": "not-an-arn"}, r"certificate_arn.*not-an-arn"),
        ({"endpoint_access_mode": "LAX"}, r"endpoint_access_mode must be BASIC or STRICT.*LAX"),
    ],
)
def test_validation(stack: Stack, kwargs: dict[str, object], pattern: str) -> None:
    with pytest.raises(PavedRoadError, match=pattern):
        versioned(stack, **kwargs)

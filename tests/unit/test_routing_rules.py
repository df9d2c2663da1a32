"""RoutingRules (the construct): template shape, construct-time validation, warnings, and
resolve() on the routing table it builds. The evaluator's semantics are tested in depth
in test_routing_table.py; here resolve() is checked against the constructs it returns."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk.assertions import Annotations, Match

from paved_road import CustomDomain, GovernedRestApi, PavedRoadError, RoutingMode, RoutingRules
from tests.cfn_lint import lint_errors
from tests.conftest import template

CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def apis(
    stack: Stack, *, base_path: str | None = "", v2_mode: str | None = None
) -> tuple[GovernedRestApi, GovernedRestApi]:
    v1 = GovernedRestApi(
        stack, "V1", domain=CustomDomain("api.example.com", CERT, base_path=base_path)
    )
    v2 = GovernedRestApi(stack, "V2", cloud_watch_role=False, endpoint_access_mode=v2_mode)
    for api in (v1, v2):  # an API without methods does not synthesize
        api.add_route("/", "GET", apigw.MockIntegration(), iam_authorization=True)
    return v1, v2


def test_rules_render_conditions_actions_and_mode(stack: Stack) -> None:
    # GIVEN two APIs behind v1's domain WHEN rules are added
    v1, v2 = apis(stack)
    rules = RoutingRules(stack, "Routing", domain=v1)
    rules.add_rule(
        "Beta",
        priority=100,
        target=v2,
        headers={"x-version": "v2", "x-user-cohort": "beta*"},
        base_path="products",
    )
    rules.add_rule("Pinned", priority=300, target=v1, base_path="v1", strip_base_path=True)
    t = template(stack)
    # THEN the domain's routing mode is set
    t.has_resource_properties(
        "AWS::ApiGateway::DomainName", {"RoutingMode": "ROUTING_RULE_THEN_BASE_PATH_MAPPING"}
    )
    # AND each header is its own MatchHeaders condition, ANDed with the base path
    t.has_resource_properties(
        "AWS::ApiGatewayV2::RoutingRule",
        {
            "Priority": 100,
            "DomainNameArn": {
                "Fn::GetAtt": [Match.string_like_regexp("^V1Domain"), "DomainNameArn"]
            },
            "Conditions": [
                {"MatchHeaders": {"AnyOf": [{"Header": "x-version", "ValueGlob": "v2"}]}},
                {"MatchHeaders": {"AnyOf": [{"Header": "x-user-cohort", "ValueGlob": "beta*"}]}},
                {"MatchBasePaths": {"AnyOf": ["products"]}},
            ],
            "Actions": [
                {
                    "InvokeApi": {
                        "ApiId": {"Ref": Match.string_like_regexp("^V2Api")},
                        "Stage": {"Ref": Match.string_like_regexp("^V2ApiDeploymentStage")},
                        "StripBasePath": False,
                    }
                }
            ],
        },
    )
    t.has_resource_properties(
        "AWS::ApiGatewayV2::RoutingRule",
        {"Priority": 300, "Actions": [{"InvokeApi": Match.object_like({"StripBasePath": True})}]},
    )
    # AND the template passes cfn-lint
    assert lint_errors(t.to_json()) == []


def test_resolve_returns_the_target_construct_and_falls_back_to_the_mapping(
    stack: Stack,
) -> None:
    # GIVEN a header rule to v2 and v1 mapped at the root (ROUTING_RULE_THEN_API_MAPPING)
    v1, v2 = apis(stack)
    rules = RoutingRules(stack, "Routing", domain=v1)
    rules.add_rule("Version2", priority=100, target=v2, headers={"x-version": "v2"})
    # WHEN requests are resolved offline
    to_v2 = rules.resolve("/orders/1", {"X-Version": "v2"})
    fallback = rules.resolve("/orders/1", {"x-version": "v1"})
    # THEN the rule wins for its header (names are case-insensitive) ...
    assert to_v2 is not None and to_v2.api is v2 and to_v2.via == "rule"
    assert to_v2.priority == 100 and to_v2.stage_name == "prod"
    # ... and the root mapping catches the rest
    assert fallback is not None and fallback.api is v1 and fallback.via == "api_mapping"


def test_rule_only_mode_without_catch_all_gives_no_route(stack: Stack) -> None:
    # GIVEN ROUTING_RULE_ONLY with one header rule and no mapping
    v1, v2 = apis(stack, base_path=None)
    rules = RoutingRules(stack, "Routing", domain=v1.domain, mode=RoutingMode.ROUTING_RULE_ONLY)
    rules.add_rule("Version2", priority=100, target=v2, headers={"x-version": "v2"})
    # WHEN a request matches no rule THEN there is no route (API Gateway answers 403)
    assert rules.resolve("/", {}) is None
    # AND adding a catch-all routes it
    rules.add_rule("CatchAll", priority=1000, target=v1)
    match = rules.resolve("/anything", {})
    assert match is not None and match.api is v1 and match.priority == 1000


def test_explain_lists_rules_in_priority_order(stack: Stack) -> None:
    v1, v2 = apis(stack)
    rules = RoutingRules(stack, "Routing", domain=v1)
    rules.add_rule("Late", priority=500, target=v1, base_path="old")
    rules.add_rule("Early", priority=100, target=v2, headers={"x-version": "v2"})
    text = rules.explain([("/old/x", {})])
    assert text.index("Early") < text.index("Late")
    assert "ROUTING_RULE_THEN_API_MAPPING" in text


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"priority": 0}, r"priority.*0"),
        ({"priority": 1_000_001}, r"priority.*1000001"),
        ({"priority": 100, "headers": {"a": "1", "b": "2", "c": "3"}}, r"header"),
        ({"priority": 100, "headers": {"x-version": "v*2"}}, r"v\*2"),
        ({"priority": 100, "headers": {"bad header": "v2"}}, r"bad header"),
        ({"priority": 100, "base_path": "/products"}, r"/products"),
        ({"priority": 100, "strip_base_path": True}, r"strip_base_path"),
        ({"priority": 100, "name": "9bad"}, r"name.*9bad"),
    ],
)
def test_invalid_rules_are_rejected(stack: Stack, kwargs: dict[str, object], pattern: str) -> None:
    v1, v2 = apis(stack)
    rules = RoutingRules(stack, "Routing", domain=v1)
    name = str(kwargs.pop("name", "Rule"))
    with pytest.raises(PavedRoadError, match=rf"RoutingRules 'Test/Routing'.*{pattern}"):
        rules.add_rule(name, target=v2, **kwargs)  # type: ignore[arg-type]


def test_duplicate_priority_and_name_are_rejected(stack: Stack) -> None:
    v1, v2 = apis(stack)
    rules = RoutingRules(stack, "Routing", domain=v1)
    rules.add_rule("First", priority=100, target=v2, headers={"x-version": "v2"})
    with pytest.raises(PavedRoadError, match=r"priority must be unique.*'First'.*got 100"):
        rules.add_rule("Second", priority=100, target=v1)
    with pytest.raises(PavedRoadError, match=r"name is already a rule.*'First'"):
        rules.add_rule("First", priority=200, target=v1)


def test_target_with_other_policy_or_mode_is_rejected(stack: Stack) -> None:
    # GIVEN v2 in STRICT mode while the domain (v1) is BASIC
    v1, v2 = apis(stack, v2_mode="STRICT")
    rules = RoutingRules(stack, "Routing", domain=v1)
    with pytest.raises(PavedRoadError, match=r"endpoint access mode BASIC.*got 'STRICT'"):
        rules.add_rule("Version2", priority=100, target=v2)


def test_domain_must_exist_and_be_used_once(stack: Stack) -> None:
    v1, v2 = apis(stack)
    # (the API without a domain is named by its path, not by its Python repr)
    with pytest.raises(
        PavedRoadError,
        match=r"domain must be a GovernedDomainName or a GovernedRestApi created with domain=, "
        r"got 'Test/V2'$",
    ):
        RoutingRules(stack, "NoDomain", domain=v2)
    RoutingRules(stack, "Routing", domain=v1)
    with pytest.raises(
        PavedRoadError,
        match=r"already has RoutingRules: only one set of rules per domain is allowed, "
        r"got 'Test/Routing'$",
    ):
        RoutingRules(stack, "Again", domain=v1)


def test_packed_priorities_and_unevaluated_rules_warn(stack: Stack) -> None:
    # GIVEN rules at 100 and 101 (no room between) on an API_MAPPING_ONLY domain
    v1, v2 = apis(stack)
    rules = RoutingRules(stack, "Routing", domain=v1, mode=RoutingMode.API_MAPPING_ONLY)
    rules.add_rule("A", priority=100, target=v2, headers={"x-version": "v2"})
    rules.add_rule("B", priority=101, target=v2, headers={"x-version": "v3"})
    annotations = Annotations.from_stack(stack)
    # THEN both warnings are on the construct tree
    assert annotations.find_warning("*", Match.string_like_regexp("leave gaps"))
    assert annotations.find_warning("*", Match.string_like_regexp("API_MAPPING_ONLY"))
    # AND API_MAPPING_ONLY ignores the rules when resolving
    match = rules.resolve("/", {"x-version": "v2"})
    assert match is not None and match.via == "api_mapping" and match.api is v1


def test_rule_targets_log_the_matched_rule(stack: Stack) -> None:
    # GIVEN v2, which has no domain of its own, as a rule target
    v1, v2 = apis(stack)
    assert "routingRuleIdMatched" not in v2.access_log_fields
    RoutingRules(stack, "Routing", domain=v1).add_rule("V2", priority=100, target=v2)
    # THEN its access log records which rule routed the request
    assert v2.access_log_fields["routingRuleIdMatched"] == (
        "$context.customDomain.routingRuleIdMatched"
    )

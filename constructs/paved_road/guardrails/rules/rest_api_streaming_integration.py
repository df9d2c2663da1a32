"""PavedRoad-RestApiStreamingIntegration: a REST API method that streams its response
(``ResponseTransferMode: STREAM``) with something response streaming does not support."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView, number
from paved_road.guardrails.rules._common import flatten
from paved_road.guardrails.rules._rest_api import (
    METHOD,
    REST_API,
    canonical,
    is_true,
    method_path,
    properties,
    referenced_of_type,
    resources,
    stages_by_api,
)

STREAMING_TYPES = ("AWS_PROXY", "HTTP_PROXY")
MAX_STREAMING_TIMEOUT_MS = 900_000.0
"""A streamed response may take up to 15 minutes."""
LAMBDA_INVOKE_SUFFIX = "/invocations"
LAMBDA_STREAMING_SUFFIX = "/response-streaming-invocations"
_WILDCARD_PATHS = ("*", "/*")


def _integration_problems(integration: Mapping[str, Any]) -> Iterator[str]:
    kind = integration.get("Type")
    if isinstance(kind, str) and kind.upper() not in STREAMING_TYPES:
        yield f"Integration.Type {kind} is not AWS_PROXY or HTTP_PROXY"
    responses = integration.get("IntegrationResponses")
    for response in responses if isinstance(responses, list) else []:
        if isinstance(response, Mapping) and response.get("ResponseTemplates"):
            code = response.get("StatusCode")
            yield f"integration response {code} has ResponseTemplates (VTL)"
    if integration.get("CacheKeyParameters"):
        yield "Integration.CacheKeyParameters is set (integration caching)"
    timeout = number(integration.get("TimeoutInMillis"))
    if timeout is not None and timeout > MAX_STREAMING_TIMEOUT_MS:
        yield f"Integration.TimeoutInMillis {timeout:.0f} > {MAX_STREAMING_TIMEOUT_MS:.0f} (15 min)"
    uri = flatten(integration.get("Uri"))
    if (
        isinstance(kind, str)
        and kind.upper() == "AWS_PROXY"
        and LAMBDA_INVOKE_SUFFIX in uri
        and LAMBDA_STREAMING_SUFFIX not in uri
    ):
        yield (
            "Integration.Uri calls Lambda's /invocations endpoint, not "
            "2021-11-15/functions/<arn>/response-streaming-invocations"
        )


def _decoded(resource_path: str) -> str:
    """A method setting's ``ResourcePath`` as a plain path: the first ``/`` is literal, the
    path's own slashes are escaped as ``~1`` (``/~1orders~1{id}`` is ``/orders/{id}``)."""
    body = resource_path.removeprefix("/").replace("~1", "/").replace("~0", "~")
    return body if body.startswith("/") else "/" + body


def _setting_matches(setting: Mapping[str, Any], verb: Any, path: str | None) -> bool:
    setting_verb = setting.get("HttpMethod")
    setting_path = setting.get("ResourcePath")
    if not isinstance(setting_verb, str) or not isinstance(setting_path, str):
        return False
    verb_matches = setting_verb == "*" or (
        isinstance(verb, str) and setting_verb.upper() == verb.upper()
    )
    path_matches = setting_path in _WILDCARD_PATHS or (
        path is not None and _decoded(setting_path) == path
    )
    return verb_matches and path_matches


def _cached_by(view: ResourceView) -> Iterator[str]:
    """The stages of the method's API that cache this method's responses."""
    props = view.properties
    path = method_path(view.template, props.get("ResourceId"))
    for logical_id, stage in stages_by_api(view.template).get(
        canonical(props.get("RestApiId")), []
    ):
        if not is_true(stage.get("CacheClusterEnabled")):
            continue
        settings = stage.get("MethodSettings")
        if any(
            isinstance(s, Mapping)
            and is_true(s.get("CachingEnabled"))
            and _setting_matches(s, props.get("HttpMethod"), path)
            for s in (settings if isinstance(settings, list) else [])
        ):
            yield logical_id


def check(view: ResourceView) -> Finding | None:
    integration = view.properties.get("Integration")
    if not isinstance(integration, Mapping) or integration.get("ResponseTransferMode") != "STREAM":
        return None
    problems = list(_integration_problems(integration))
    api_id = referenced_of_type(view.template, view.properties.get("RestApiId"), REST_API)
    if api_id is not None:
        api = properties(resources(view.template)[api_id])
        if number(api.get("MinimumCompressionSize")) is not None:
            problems.append(f"REST API {api_id} sets MinimumCompressionSize (content encoding)")
    problems.extend(
        f"stage {stage} caches this method (CacheClusterEnabled, CachingEnabled)"
        for stage in _cached_by(view)
    )
    if not problems:
        return None
    return Finding("ResponseTransferMode STREAM, but " + "; ".join(problems) + ".")


RULE = GuardrailRule(
    rule_id="RestApiStreamingIntegration",
    level=NagMessageLevel.ERROR,
    resource_types=(METHOD,),
    info="The REST API method streams its response with an integration or API setting that "
    "response streaming does not support.",
    explanation="With ResponseTransferMode STREAM API Gateway sends the response to the "
    "client as the backend produces it, for up to 15 minutes. That works only through a "
    "proxy integration (AWS_PROXY for Lambda, HTTP_PROXY, including private integrations), "
    "and a Lambda function must be invoked through its InvokeWithResponseStreaming endpoint "
    "(2021-11-15/functions/<arn>/response-streaming-invocations), not /invocations. Response "
    "transformation with VTL templates, integration response caching and content encoding "
    "(MinimumCompressionSize on the API) are not supported while streaming, and the "
    "integration timeout may not exceed 15 minutes (900,000 ms).",
    fix="Use GovernedRestApi.add_streaming_route (Lambda proxy through the "
    "response-streaming endpoint, or HTTP proxy, with those features rejected), or remove the "
    "templates, cache key parameters and compression and point the Lambda integration Uri at "
    "/response-streaming-invocations (LambdaIntegration(response_transfer_mode="
    "ResponseTransferMode.STREAM) does this).",
    check=check,
)

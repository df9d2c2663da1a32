"""PavedRoad-ApiTenantIdFromClient: an API method that takes the tenant id from the
client (a header, query string or path parameter) without an authorizer."""

from __future__ import annotations

from collections.abc import Mapping

from cdk_nag import NagMessageLevel

from paved_road._markers import TENANT_ID_INTEGRATION_PARAMETER
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView

# "integration.request.header." and "X-Amz-Tenant-Id"; header names are case-insensitive
_PREFIX, _, _header = TENANT_ID_INTEGRATION_PARAMETER.rpartition(".")
_HEADER_PREFIX = _PREFIX + "."
_HEADER_NAME = _header.lower()
_CLIENT_SOURCE = "method.request."  # method.request.header/querystring/path.<name>


def _client_tenant_source(parameters: Mapping[str, object]) -> tuple[str, str] | None:
    """(integration parameter, source) when the tenant-id header is mapped from a raw
    client value; None when it is not mapped, or mapped from anything else."""
    for key, source in parameters.items():
        if (
            isinstance(source, str)
            and source.startswith(_CLIENT_SOURCE)
            and key.startswith(_HEADER_PREFIX)
            and key[len(_HEADER_PREFIX) :].lower() == _HEADER_NAME
        ):
            return key, source
    return None


def check(view: ResourceView) -> Finding | None:
    parameters = view.setting("Integration", "RequestParameters")
    if not isinstance(parameters, Mapping) or not parameters:
        return None
    auth = view.properties.get("AuthorizationType")
    if auth is not None and (not isinstance(auth, str) or auth.upper() != "NONE"):
        return None  # an authorizer (CUSTOM, COGNITO_USER_POOLS, AWS_IAM), or an intrinsic
    found = _client_tenant_source(parameters)
    if found is None:
        return None
    key, source = found
    return Finding(
        f"Integration.RequestParameters maps {key} from {source}, "
        f"and AuthorizationType is {auth or 'NONE (default)'}."
    )


RULE = GuardrailRule(
    rule_id="ApiTenantIdFromClient",
    level=NagMessageLevel.WARN,
    resource_types=("AWS::ApiGateway::Method",),
    info="The API method passes a tenant id taken from the client request to a "
    "tenant-isolated function, and the method has no authorizer.",
    explanation="The tenant id selects the tenant's isolated execution environment. Taken "
    "from a header, query string or path parameter of an unauthenticated request, it is "
    "whatever the client claims: any caller can run as any tenant, and tenant isolation "
    "isolates nothing.",
    fix="Put an authorizer on the method and take the tenant id from "
    "context.authorizer.<key> (TenantIsolatedFunction.add_to_rest_api(..., "
    "tenant_id_source=TenantIdSource.authorizer())), or acknowledge with a reason when "
    "another layer authenticates the tenant.",
    check=check,
)

"""Tenant isolation: TenantIsolatedFunction, TenantIdSource, TenantAuthorizer (pool model),
and the function-per-tenant fleet (silo model, :mod:`paved_road.fleet`, re-exported here).

Lambda's tenant isolation mode (``TenancyConfig.TenantIsolationMode = PER_TENANT``)
keeps one function but never reuses an execution environment across tenants: every
invoke carries a tenant id (``X-Amz-Tenant-Id`` on the Invoke API), Lambda routes it
to an environment of that tenant, and adds ``tenantId`` to every JSON log line.

Service rules this module enforces at construct time (Lambda developer guide,
"Tenant isolation", and aws-cdk-lib's ``TenancyConfig`` docs):

* the mode is set when the function is created and cannot be changed: changing it
  replaces the function (a new function, new ARN, new log streams);
* every invoke needs a tenant id, so event source mappings (pollers send none) are
  not supported; neither are provisioned concurrency, SnapStart and function URLs;
* ``tenantId`` is only in the logs with JSON logging (always on here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

import jsii
from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IValidation

from paved_road._boundary import checked_props
from paved_road._markers import TENANT_ID_HEADER, TENANT_ID_INTEGRATION_PARAMETER
from paved_road._validate import check_range, is_token, seconds
from paved_road.errors import PavedRoadError, Problems
from paved_road.fleet import Tenant, TenantFunctionFleet, cell_of
from paved_road.function import (
    Criticality,
    DeliveryProps,
    GovernedFunction,
    GovernedFunctionProps,
    Invocation,
)

__all__ = [
    "TENANT_ID_HEADER",
    "Tenant",
    "TenantAuthorizer",
    "TenantFunctionFleet",
    "TenantIdSource",
    "TenantIsolatedFunction",
    "cell_of",
]

AUTHORIZER_HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "tenant_authorizer"
"""Asset directory of the Powertools Lambda authorizer shipped with paved-road."""

HTTP_METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")
_QUERY_NAME = re.compile(r"^[A-Za-z0-9_.~-]{1,128}$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

MAX_ALLOWED_TENANTS_CHARS = 3072
"""``TenantAuthorizer(allowed_tenants=...)`` joined with ',': an environment variable of
the authorizer; Lambda allows 4 KB for all of a function's variables, and the rest (the
secret ARN, claim, issuer, audience and Powertools settings) keeps the other 1 KB."""

TENANT_LOGS_QUERY = """fields @timestamp, @logStream, level, type, message
| filter tenantId == "TENANT_ID" or record.tenantId == "TENANT_ID"
| sort @timestamp desc
| limit 1000"""
"""Logs Insights: every log line of one tenant (replace ``TENANT_ID``)."""

TENANT_STREAMS_QUERY = """fields coalesce(tenantId, record.tenantId) as tenant
| filter ispresent(tenant)
| stats count(*) as events, min(@timestamp) as firstEvent, max(@timestamp) as lastEvent
    by tenant, @logStream
| sort tenant asc, lastEvent desc"""
"""Logs Insights: the log streams (execution environments) of each tenant."""

TENANT_COLD_STARTS_QUERY = """filter type == "platform.report"
| filter ispresent(record.metrics.initDurationMs)
| fields coalesce(tenantId, record.tenantId) as tenant
| stats count(*) as coldStarts, avg(record.metrics.initDurationMs) as avgInitMs by tenant
| sort coldStarts desc"""
"""Logs Insights: cold starts (new tenant environments, billed per environment) by tenant."""


@dataclass(frozen=True)
class TenantIdSource:
    """Where API Gateway takes the tenant id it sends to Lambda as ``X-Amz-Tenant-Id``.

    Use :meth:`authorizer` (the default): the id comes from what your Lambda
    authorizer verified. The client-supplied sources (:meth:`header`,
    :meth:`query_string`, :meth:`path`) let any caller claim any tenant unless the
    method also has an authorizer that checks the claim; the guardrail
    ``PavedRoad-ApiTenantIdFromClient`` warns about those.
    """

    kind: str
    name: str

    @classmethod
    def authorizer(cls, key: str = "tenantId") -> TenantIdSource:
        """``context.authorizer.<key>``: a key of the authorizer's context (recommended)."""
        return cls("authorizer", key)

    @classmethod
    def header(cls, name: str = "x-tenant-id") -> TenantIdSource:
        """A client request header, declared as a required method request parameter."""
        return cls("header", name)

    @classmethod
    def query_string(cls, name: str = "tenant") -> TenantIdSource:
        """A client query string parameter, declared as required."""
        return cls("querystring", name)

    @classmethod
    def path(cls, name: str = "tenantId") -> TenantIdSource:
        """A path parameter of the resource (``/tenants/{tenantId}/...``)."""
        return cls("path", name)

    @property
    def from_client(self) -> bool:
        return self.kind != "authorizer"

    @property
    def expression(self) -> str:
        """The API Gateway mapping expression for the integration request parameter."""
        if self.kind == "authorizer":
            return f"context.authorizer.{self.name}"
        return f"method.request.{self.kind}.{self.name}"

    @property
    def method_request_parameter(self) -> str | None:
        """The method request parameter to declare (required), for client sources."""
        return self.expression if self.from_client else None

    def problems(self, resource_path: str) -> list[str]:
        """What is wrong with this source on a resource at ``resource_path``."""
        if self.kind == "authorizer":
            ok, allowed = _IDENTIFIER.match(self.name), "a context key ([A-Za-z_][A-Za-z0-9_]*)"
        elif self.kind == "header":
            ok, allowed = _HEADER_NAME.match(self.name), "an HTTP header name (RFC 9110 token)"
        elif self.kind == "querystring":
            ok, allowed = _QUERY_NAME.match(self.name), "a query string name ([A-Za-z0-9_.~-])"
        elif self.kind == "path":
            ok, allowed = _IDENTIFIER.match(self.name), "a path parameter name"
            if ok and not re.search(r"\{" + re.escape(self.name) + r"\+?\}", resource_path):
                return [
                    f"names path parameter {self.name!r}, which resource {resource_path!r} does "
                    f"not have (add a '{{{self.name}}}' path part)"
                ]
        else:
            return [f"has unknown kind {self.kind!r}; use the TenantIdSource factories"]
        return [] if ok else [f"must name {allowed}, got {self.name!r}"]


class TenantIsolatedFunction(GovernedFunction):
    """A :class:`GovernedFunction` in Lambda's tenant isolation mode (``PER_TENANT``).

    Takes every :class:`GovernedFunction` prop (same defaults) except that
    ``invocation`` defaults to ``Invocation.SYNCHRONOUS`` and
    ``Invocation.EVENT_SOURCE_MAPPING`` is rejected. JSON logs are always on (Lambda
    adds ``tenantId`` to each line only then).

    **The mode is create-only.** Changing a function to or from tenant isolation
    replaces it: CloudFormation creates a new function (new ARN, new log streams)
    and deletes the old one. The construct never sets a function name, so the
    replacement can happen in one deploy, and the inner construct ids are fixed
    (``<id>/Function``), so the function's logical id only changes when you change
    this construct's id or its parents.

    :param tenant_log_queries: create CloudWatch Logs Insights query definitions
        for the function's log group ("logs of tenant", "log streams by tenant",
        "cold starts by tenant"); default True.

    Attributes beyond GovernedFunction's: ``query_definitions`` (name -> L1
    ``CfnQueryDefinition``).
    """

    _tenant_isolation_mode = "PER_TENANT"

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenant_log_queries: bool = True,
        **props: Unpack[GovernedFunctionProps],
    ) -> None:
        props.setdefault("invocation", Invocation.SYNCHRONOUS)
        super().__init__(scope, id, **props)
        self.query_definitions: dict[str, logs.CfnQueryDefinition] = {}
        if tenant_log_queries:
            group = [self.log_group.log_group_name]
            for name, query in (
                ("tenant-logs", TENANT_LOGS_QUERY),
                ("tenant-log-streams", TENANT_STREAMS_QUERY),
                ("tenant-cold-starts", TENANT_COLD_STARTS_QUERY),
            ):
                self.query_definitions[name] = logs.CfnQueryDefinition(
                    self,
                    f"Query-{name}",
                    name=f"paved-road/{self.service_name}/{name}",
                    query_string=query,
                    log_group_names=group,
                )
        # Escape hatches (an EventSourceMapping or FunctionUrl built directly on
        # ``.function``, provisioned concurrency on a Version) bypass the methods below:
        # check the stack at synthesis too, before CloudFormation would reject it.
        self.node.add_validation(_TenantModeValidation(self))

    def _check_invocation(self, problems: Problems, invocation: Invocation | None) -> None:
        if invocation is Invocation.EVENT_SOURCE_MAPPING:
            problems.add(
                "invocation",
                "cannot be EVENT_SOURCE_MAPPING: tenant-isolated functions need a tenant id on "
                "every invoke and event source mappings send none (use SYNCHRONOUS or "
                "ASYNCHRONOUS with a tenant id, or a GovernedFunction for pollers)",
                invocation,
            )

    def _check_delivery(self, problems: Problems, **settings: Any) -> None:
        super()._check_delivery(problems, **settings)
        if settings.get("provisioned_concurrency") is not None:
            problems.add(
                "provisioned_concurrency",
                "must be None: Lambda tenant isolation mode does not support provisioned "
                "concurrency (environments are created per tenant on demand)",
                settings["provisioned_concurrency"],
            )

    # ----------------------------------------------------------- unsupported features

    def _unsupported(self, prop: str, what: str, received: object = ...) -> PavedRoadError:
        problems = Problems(type(self).__name__, self.node.path)
        problems.add(prop, f"is not supported: {what}", received)
        return problems.error()

    def add_event_source(self, source: lambda_.IEventSource) -> None:
        """Rejected: Lambda does not support event sources on tenant-isolated functions
        (pollers and event notifications carry no tenant id). Use API Gateway
        (:meth:`add_to_rest_api`) or invoke with a tenant id."""
        raise self._unsupported(
            "event source",
            "tenant-isolated functions only take invokes that carry a tenant id "
            "(API Gateway via add_to_rest_api, or Invoke with X-Amz-Tenant-Id)",
            type(source).__name__,
        )

    def add_event_source_mapping(self, id: str, **_: Any) -> None:
        """Rejected: event source mappings cannot send a tenant id."""
        raise self._unsupported(
            "event source mapping",
            "tenant-isolated functions need a tenant id on every invoke and event source "
            "mappings send none",
            id,
        )

    def add_function_url(self, **_: Any) -> None:
        """Rejected: Lambda does not support function URLs in tenant isolation mode."""
        raise self._unsupported(
            "function URL",
            "Lambda does not support function URLs in tenant isolation mode; put API "
            "Gateway in front (add_to_rest_api)",
        )

    def add_alias(
        self, alias_name: str, *, provisioned_concurrent_executions: int | None = None, **kw: Any
    ) -> lambda_.Alias:
        """An alias of the current version; provisioned concurrency is rejected (Lambda
        does not support it in tenant isolation mode: environments are per tenant)."""
        if self.live is not None and alias_name == self.live.alias_name:
            problems = Problems(type(self).__name__, self.node.path)
            problems.add(
                "alias_name",
                f"must not be {alias_name!r}: that alias is the one the function's progressive "
                "delivery deploys (use .live)",
                alias_name,
            )
            raise problems.error()
        if provisioned_concurrent_executions:
            raise self._unsupported(
                "provisioned_concurrent_executions",
                "Lambda does not support provisioned concurrency in tenant isolation mode "
                "(execution environments are created per tenant, on demand)",
                provisioned_concurrent_executions,
            )
        return self.function.add_alias(alias_name, **kw)

    # ----------------------------------------------------------- API Gateway

    def add_to_rest_api(
        self,
        resource: apigw.IResource,
        http_method: str,
        *,
        tenant_id_source: TenantIdSource | None = None,
        authorizer: apigw.IAuthorizer | None = None,
        operation_name: str | None = None,
        request_validator: apigw.IRequestValidator | None = None,
    ) -> apigw.Method:
        """Add ``http_method`` on ``resource`` with a Lambda proxy integration to this
        function that sets ``X-Amz-Tenant-Id`` (integration request parameter
        ``integration.request.header.X-Amz-Tenant-Id``) from ``tenant_id_source``.

        :param resource: the API Gateway resource (``api.root.add_resource(...)``).
        :param http_method: GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY.
        :param tenant_id_source: default ``TenantIdSource.authorizer("tenantId")``,
            which needs an authorizer (``authorizer=`` or the resource's default
            method options). Client sources are declared as required method request
            parameters, so API Gateway rejects requests without them (400) when the
            method has a request validator.
        :param authorizer: the method's authorizer; default: the resource's default.
        :param operation_name: the method's operation name; default none.
        :param request_validator: default none (client sources: consider one that
            validates parameters, so a missing tenant id is a 400, not a 500).
        :returns: the ``apigateway.Method``.
        """
        source = tenant_id_source or TenantIdSource.authorizer()
        problems = Problems(type(self).__name__, self.node.path)
        verb = http_method.upper() if isinstance(http_method, str) else http_method
        if verb not in HTTP_METHODS:
            problems.add("http_method", f"must be one of {', '.join(HTTP_METHODS)}", http_method)
        if not isinstance(source, TenantIdSource):
            problems.add("tenant_id_source", "must be a TenantIdSource", source)
        else:
            for message in source.problems(resource.path):
                problems.add("tenant_id_source", message)
            if source.kind == "authorizer" and authorizer is None:
                defaults = resource.default_method_options
                if defaults is None or defaults.authorizer is None:
                    problems.add(
                        "tenant_id_source",
                        f"is {source.expression}, which needs an authorizer on the method: "
                        "pass authorizer= (e.g. TenantAuthorizer(...).authorizer) or set the "
                        "API's default authorizer",
                    )
        problems.raise_if_any()

        integration = apigw.LambdaIntegration(
            self.invoke_target,
            proxy=True,
            request_parameters={TENANT_ID_INTEGRATION_PARAMETER: source.expression},
            # the console's test invoke sends no tenant id: no permission for it
            allow_test_invoke=False,
        )
        parameter = source.method_request_parameter
        return resource.add_method(
            str(verb),
            integration,
            authorizer=authorizer,
            request_parameters={parameter: True} if parameter else None,
            operation_name=operation_name,
            request_validator=request_validator,
        )


@jsii.implements(IValidation)
class _TenantModeValidation:
    """Synth-time check for what Lambda rejects on a tenant-isolated function and was
    added around the construct's own methods (escape hatches on ``.function``)."""

    def __init__(self, owner: TenantIsolatedFunction) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        owner = self._owner
        stack = Stack.of(owner)
        cfn_function = owner.function.node.default_child
        logical_id = str(stack.resolve(stack.get_logical_id(cfn_function)))  # type: ignore[arg-type]
        where = f"TenantIsolatedFunction '{owner.node.path}'"
        problems: list[str] = []
        if isinstance(cfn_function, lambda_.CfnFunction) and cfn_function.snap_start is not None:
            problems.append(f"{where}: SnapStart is not supported in tenant isolation mode")
        for construct in stack.node.find_all():
            if isinstance(construct, lambda_.CfnEventSourceMapping):
                target, what = construct.function_name, "event source mapping"
            elif isinstance(construct, lambda_.CfnUrl):
                target, what = construct.target_function_arn, "function URL"
            elif isinstance(construct, lambda_.CfnVersion | lambda_.CfnAlias):
                if construct.provisioned_concurrency_config is None:
                    continue
                target, what = construct.function_name, "provisioned concurrency"
            else:
                continue
            if _references(stack.resolve(target), logical_id):
                problems.append(
                    f"{where}: {what} '{construct.node.path}' is not supported in tenant "
                    "isolation mode (every invoke needs a tenant id; see docs/tenancy.md)"
                )
        return problems


def _references(value: Any, logical_id: str) -> bool:
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and att[0] == logical_id:
            return True
        return any(_references(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(_references(v, logical_id) for v in value)
    return False


class TenantAuthorizer(Construct):
    """An API Gateway TOKEN authorizer that verifies the caller's token (HS256 JWT)
    and returns the tenant id in its context, after checking the tenant against a
    registry: unknown or inactive tenants are denied (the seed's "validate tenant ids
    at the application layer").

    The handler (``paved_road/handlers/tenant_authorizer``) runs on the AWS-managed
    Powertools layer; see its module docstring for the token format. Its Allow
    policy covers every route of the API stage, so results can be cached.

    :param signing_secret: Secrets Manager secret holding the HS256 key (or JSON
        ``{"keys": [...]}`` during rotation). Required.
    :param tenant_table: DynamoDB table of tenants (partition key ``tenantId``,
        optional ``status`` = ``ACTIVE``); exactly one of this and ``allowed_tenants``.
    :param allowed_tenants: a fixed list of tenant ids (small, static tenant sets).
    :param tenant_claim: JWT claim holding the tenant id; default ``tenant_id``.
    :param issuer: required ``iss`` claim; default none (not checked).
    :param audience: required ``aud`` claim; default none (not checked).
    :param results_cache_ttl: 0 s - 1 h; default 5 minutes (0 disables caching).
    :param criticality: of the authorizer function; default IMPORTANT (every
        request goes through it).
    :param delivery: the authorizer function's runtime-governance and delivery props
        (``paved_road.DeliveryProps``: ``runtime_version_arn``, ``deployment`` ...);
        default: the criticality's tier. CRITICAL needs ``runtime_version_arn``.

    Attributes: ``function`` (GovernedFunction), ``authorizer`` (apigw.TokenAuthorizer),
    ``tenant_id_source`` (``TenantIdSource.authorizer("tenantId")``).
    """

    CONTEXT_KEY = "tenantId"

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        signing_secret: secretsmanager.ISecret,
        tenant_table: dynamodb.ITableV2 | dynamodb.ITable | None = None,
        allowed_tenants: Sequence[str] | None = None,
        tenant_claim: str = "tenant_id",
        issuer: str | None = None,
        audience: str | None = None,
        results_cache_ttl: Duration | None = None,
        criticality: Criticality = Criticality.IMPORTANT,
        delivery: DeliveryProps | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("TenantAuthorizer", self.node.path)
        ttl = results_cache_ttl if results_cache_ttl is not None else Duration.minutes(5)
        if (tenant_table is None) == (allowed_tenants is None):
            problems.add(
                "tenant_table/allowed_tenants",
                "exactly one must be given (the authorizer fails closed without a registry)",
                "both" if tenant_table is not None else "neither",
            )
        if allowed_tenants is not None:
            self._check_allowed_tenants(problems, allowed_tenants)
        if not is_token(tenant_claim) and not _IDENTIFIER.match(tenant_claim):
            problems.add(
                "tenant_claim",
                "must be a JWT claim name of 1-128 characters ([A-Za-z_][A-Za-z0-9_]*)",
                tenant_claim,
            )
        for prop, claim in (("issuer", issuer), ("audience", audience)):
            if claim is not None and not claim.strip():
                problems.add(prop, "must be non-empty (or None: the claim is not checked)", claim)
        check_range(problems, "results_cache_ttl", seconds(ttl), 0, 3600, "seconds")
        problems.raise_if_any()

        environment = {
            "SIGNING_SECRET_ARN": signing_secret.secret_arn,
            "TENANT_CLAIM": tenant_claim,
        }
        if issuer is not None:
            environment["TOKEN_ISSUER"] = issuer
        if audience is not None:
            environment["TOKEN_AUDIENCE"] = audience
        if tenant_table is not None:
            environment["TENANT_TABLE_NAME"] = tenant_table.table_name
        if allowed_tenants is not None:
            environment["ALLOWED_TENANTS"] = ",".join(allowed_tenants)
        self.function = GovernedFunction(
            self,
            "Handler",
            code=lambda_.Code.from_asset(
                str(AUTHORIZER_HANDLER_DIR), exclude=["__pycache__", "*.pyc"]
            ),
            handler="index.handler",
            criticality=criticality,
            service_name="tenant-authorizer",
            description="paved-road tenant authorizer: verifies tokens, checks the tenant registry",
            environment=environment,
            invocation=Invocation.SYNCHRONOUS,
            **(delivery or {}),
        )
        signing_secret.grant_read(self.function.role)
        if tenant_table is not None:
            tenant_table.grant_read_data(self.function.role)
        self.authorizer = apigw.TokenAuthorizer(
            self,
            "Authorizer",
            handler=self.function.invoke_target,
            identity_source=apigw.IdentitySource.header("Authorization"),
            validation_regex=r"^Bearer [-0-9A-Za-z_.~+/]+=*$",
            results_cache_ttl=ttl,
        )
        self.tenant_id_source = TenantIdSource.authorizer(self.CONTEXT_KEY)

    @staticmethod
    def _check_allowed_tenants(problems: Problems, allowed_tenants: Sequence[str]) -> None:
        if not allowed_tenants:
            problems.add(
                "allowed_tenants",
                "must be a non-empty list of tenant ids (or None, with tenant_table)",
                list(allowed_tenants),
            )
            return
        for index, tenant in enumerate(allowed_tenants):
            if not is_token(tenant) and not _TENANT_ID.match(tenant):
                problems.add(
                    f"allowed_tenants[{index}]",
                    "must be a tenant id ([A-Za-z0-9][A-Za-z0-9_.-]*, no commas: the list "
                    "is passed joined with ',')",
                    tenant,
                )
        joined = ",".join(allowed_tenants)
        if not is_token(joined) and len(joined) > MAX_ALLOWED_TENANTS_CHARS:
            problems.add(
                "allowed_tenants",
                f"must be at most {MAX_ALLOWED_TENANTS_CHARS} characters joined with ',' (an "
                "environment variable of the authorizer, within Lambda's 4 KB for all of "
                "them): use tenant_table for larger tenant sets",
                _Chars(len(joined)),
            )


class _Chars:
    def __init__(self, count: int) -> None:
        self.count = count

    def __repr__(self) -> str:
        return f"{self.count} characters"

"""GovernedRestApi: an API Gateway REST API with an enhanced TLS security policy, an
endpoint access mode, owned JSON access logs, authorization on every method, and
response-streaming routes.

What it sets, and why (API Gateway's TLS security policies, response streaming and
routing rules launch posts; docs/rest_api.md has the details and links):

* **Security policy.** ``SecurityPolicy_TLS13_1_3_2025_09`` (TLS 1.3 only) for REGIONAL and
  PRIVATE endpoints, ``SecurityPolicy_TLS13_2025_EDGE`` for EDGE; any enhanced
  ``SecurityPolicy_*`` name may be chosen. The legacy ``TLS_1_0``/``TLS_1_2`` policies need
  ``legacy_tls_reason`` (and leave a PavedRoad-RestApiEnhancedTlsPolicy finding that is
  acknowledged with that reason). The L2 ``RestApi`` has no prop for these, so they are set
  on the ``AWS::ApiGateway::RestApi`` L1.
* **Endpoint access mode.** Enhanced policies require one: STRICT (SNI must equal the Host
  header, and the request must come from the API's endpoint type) when ``production=True``,
  BASIC (the migration step) otherwise.
* **Custom domain.** Created with the *same* policy and access mode as the API: TLS is
  negotiated before API Gateway sees the Host header, so the policy is chosen by SNI. A
  client of the execute-api host name gets the API's policy, a client of the custom name the
  domain's; two different policies would be two security postures for one API.
* **Stage.** JSON access logs to an owned log group, with ``$context.tlsVersion`` and
  ``$context.cipherSuite`` always, the streaming timings when a streaming route exists and
  ``$context.customDomain.routingRuleIdMatched`` when a custom domain exists; execution
  logging (INFO, no request/response data), X-Ray tracing, metrics and stage throttling.
* **Authorization.** Every method needs an authorizer (``default_authorizer`` or per
  route), IAM authorization, or ``public_reason``; a method added around the construct
  without authorization fails synthesis.
* **Streaming.** :meth:`GovernedRestApi.add_streaming_route` sets the integration's
  response transfer mode to STREAM (Lambda proxy through the
  ``/response-streaming-invocations`` endpoint, or HTTP proxy) with a timeout up to 15
  minutes, and rejects what streaming does not support: response VTL templates,
  integration caching and content encoding (payload compression).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    Annotations,
    CfnOutput,
    Duration,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Size,
    Validations,
)
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct, IConstruct, IValidation

from paved_road._boundary import checked_props
from paved_road._markers import PRODUCTION_METADATA
from paved_road._validate import check_range, is_token, millis, size_bytes
from paved_road.errors import Problems

ENHANCED_PREFIX = "SecurityPolicy_"
"""Enhanced security policies are named ``SecurityPolicy_[TLS versions]_[variant]_[date]``."""

DEFAULT_SECURITY_POLICY = "SecurityPolicy_TLS13_1_3_2025_09"
"""TLS 1.3 only (three TLS 1.3 cipher suites): the default for REGIONAL and PRIVATE."""

DEFAULT_EDGE_SECURITY_POLICY = "SecurityPolicy_TLS13_2025_EDGE"
"""The edge-optimized counterpart of :data:`DEFAULT_SECURITY_POLICY`."""

LEGACY_SECURITY_POLICIES = ("TLS_1_0", "TLS_1_2")
"""Legacy policies: allowed only with ``legacy_tls_reason``."""

ACCESS_MODES = ("BASIC", "STRICT")

MAX_STREAMING_TIMEOUT = Duration.minutes(15)
"""Response streaming allows integration timeouts up to 15 minutes."""

DEFAULT_STREAMING_TIMEOUT = Duration.minutes(5)
"""Default streaming integration timeout: the idle timeout of Regional/Private streams."""

HTTP_METHODS = ("ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

ENHANCED_TLS_RULE_ID = "PavedRoad-RestApiEnhancedTlsPolicy"

BASE_ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "errorMessage": "$context.error.message",
    "authorizerError": "$context.authorizer.error",
    "domainName": "$context.domainName",
    "tlsVersion": "$context.tlsVersion",
    "cipherSuite": "$context.cipherSuite",
}
"""Access log fields of every GovernedRestApi stage (JSON). ``tlsVersion`` and
``cipherSuite`` show which clients would break under a stricter policy or STRICT mode."""

STREAMING_ACCESS_LOG_FIELDS: dict[str, str] = {
    "responseTransferMode": "$context.integration.responseTransferMode",
    "timeToAllHeaders": "$context.integration.timeToAllHeaders",
    "timeToFirstContent": "$context.integration.timeToFirstContent",
}
"""Added when the API has a streaming route."""

ROUTING_ACCESS_LOG_FIELDS: dict[str, str] = {
    "routingRuleIdMatched": "$context.customDomain.routingRuleIdMatched",
}
"""Added when the API has a custom domain (which routing rules may route through)."""

_DOMAIN_RE = re.compile(r"(?=.{1,253}$)([a-z0-9*]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_CERT_RE = re.compile(r"arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+")
_BASE_PATH_RE = re.compile(r"[A-Za-z0-9._~$+=-]+(/[A-Za-z0-9._~$+=-]+)*")
_STAGE_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_URL_RE = re.compile(r"https?://[^\s/]+(/\S*)?")


@dataclass(frozen=True)
class CustomDomain:
    """A custom domain name for a GovernedRestApi (no lookups: the certificate ARN is given).

    :param domain_name: lower-case host name, e.g. ``api.example.com``.
    :param certificate_arn: ACM certificate ARN; for EDGE it must be in us-east-1.
    :param base_path: the API mapping of this API on the domain: ``""`` (default) maps the
        domain root, ``"orders"`` or ``"v1/orders"`` a base path, ``None`` no mapping (for
        domains that route with :class:`paved_road.routing.RoutingRules` only).
    """

    domain_name: str
    certificate_arn: str
    base_path: str | None = ""


@dataclass(frozen=True)
class ApiMapping:
    """A base-path API mapping on a :class:`GovernedDomainName` (``""`` = the root)."""

    base_path: str
    api: GovernedRestApi
    stage_name: str


@jsii.implements(IStableStringProducer)
class _AccessLogFormat:
    """The stage's access log format, produced at synth time so that streaming routes and
    the custom domain added after the stage still add their fields."""

    def __init__(self, owner: GovernedRestApi) -> None:
        self._owner = owner

    def produce(self) -> str:
        return json.dumps(self._owner.access_log_fields, separators=(",", ":"))


class GovernedDomainName(Construct):
    """An ``AWS::ApiGateway::DomainName`` carrying its API's security policy and access mode.

    Created by :class:`GovernedRestApi` (``domain=CustomDomain(...)``). Attributes:
    ``resource`` (the L1), ``domain_name``, ``security_policy``, ``endpoint_access_mode``,
    ``endpoint_type``, ``owner`` (the API that created it), ``mappings`` (the API mappings
    added through :meth:`add_api_mapping`), ``domain_name_arn``, ``target_domain_name`` and
    ``target_hosted_zone_id`` (for your DNS alias record).

    Built directly (e.g. a second name for ``owner``), ``domain`` is validated as
    ``GovernedRestApi(domain=...)`` validates it (host name, certificate ARN, base path; no
    PRIVATE owner); its ``base_path`` is not mapped here: call :meth:`add_api_mapping`.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        owner: GovernedRestApi,
        domain: CustomDomain,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("GovernedDomainName", self.node.path)
        _check_domain(
            problems,
            domain,
            private=owner.endpoint_type == apigw.EndpointType.PRIVATE,
            edge=owner.endpoint_type == apigw.EndpointType.EDGE,
        )
        problems.raise_if_any()
        self.owner = owner
        self.domain_name = domain.domain_name
        self.security_policy = owner.security_policy
        self.endpoint_access_mode = owner.endpoint_access_mode
        self.endpoint_type = owner.endpoint_type
        self.mappings: list[ApiMapping] = []
        self.routing_rules: Any = None  # set by RoutingRules
        edge = owner.endpoint_type == apigw.EndpointType.EDGE
        self.resource = apigw.CfnDomainName(
            self,
            "Resource",
            domain_name=domain.domain_name,
            certificate_arn=domain.certificate_arn if edge else None,
            regional_certificate_arn=None if edge else domain.certificate_arn,
            endpoint_configuration=apigw.CfnDomainName.EndpointConfigurationProperty(
                types=["EDGE" if edge else "REGIONAL"]
            ),
            security_policy=owner.security_policy,
            endpoint_access_mode=owner.endpoint_access_mode,
        )
        if owner.production:
            self.resource.add_metadata(PRODUCTION_METADATA, True)
        self.domain_name_arn: str = self.resource.attr_domain_name_arn
        self.target_domain_name: str = (
            self.resource.attr_distribution_domain_name
            if edge
            else self.resource.attr_regional_domain_name
        )
        self.target_hosted_zone_id: str = (
            self.resource.attr_distribution_hosted_zone_id
            if edge
            else self.resource.attr_regional_hosted_zone_id
        )

    def add_api_mapping(
        self, api: GovernedRestApi, *, base_path: str = "", stage_name: str | None = None
    ) -> ApiMapping:
        """Map ``api`` (its deployment stage unless ``stage_name``) under ``base_path``
        (``""`` = the domain root; multi-level paths such as ``v1/orders`` are allowed on
        REGIONAL domains). The API must carry the domain's security policy and access mode.
        """
        problems = Problems("GovernedDomainName", self.node.path)
        if base_path and not _BASE_PATH_RE.fullmatch(base_path):
            problems.add(
                "base_path",
                "must be empty or segments of [A-Za-z0-9._~$+=-] separated by '/', with no "
                "leading or trailing '/'",
                base_path,
            )
        if "/" in base_path and self.endpoint_type != apigw.EndpointType.REGIONAL:
            problems.add("base_path", "multi-level base paths need a REGIONAL domain", base_path)
        if any(m.base_path == base_path for m in self.mappings):
            problems.add("base_path", "is already mapped on this domain", base_path)
        if api.security_policy != self.security_policy:
            problems.add(
                "api",
                f"must use the domain's security policy {self.security_policy} (TLS is "
                "negotiated by SNI: a different API policy is a second security posture)",
                api.security_policy,
            )
        if api.endpoint_access_mode != self.endpoint_access_mode:
            problems.add(
                "api",
                f"must use the domain's endpoint access mode {self.endpoint_access_mode}",
                api.endpoint_access_mode,
            )
        stage = stage_name or api.stage_name
        if not _STAGE_RE.fullmatch(stage):
            problems.add("stage_name", "must be 1-128 characters of [A-Za-z0-9_-]", stage)
        problems.raise_if_any()

        readable = re.sub(r"[^A-Za-z0-9]", "", base_path.title()) if base_path else "Root"
        if base_path and not base_path.isalnum():  # "v1-orders" and "v1.orders" differ
            readable += hashlib.sha256(base_path.encode()).hexdigest()[:6]
        mapping_id = "Mapping" + readable
        stage_ref = api.stage.stage_name if stage_name is None else stage_name
        if "/" in base_path:
            cfn: Construct = apigwv2.CfnApiMapping(
                self,
                mapping_id,
                domain_name=self.resource.ref,
                api_id=api.api.rest_api_id,
                stage=stage_ref,
                api_mapping_key=base_path,
            )
        else:
            cfn = apigw.CfnBasePathMapping(
                self,
                mapping_id,
                domain_name=self.resource.ref,
                rest_api_id=api.api.rest_api_id,
                stage=stage_ref,
                base_path=base_path or None,
            )
        cfn.node.add_dependency(api.stage)
        mapping = ApiMapping(base_path=base_path, api=api, stage_name=stage)
        api.access_log_fields.update(ROUTING_ACCESS_LOG_FIELDS)  # it is reached via the domain
        self.mappings.append(mapping)
        return mapping


class GovernedRestApi(Construct):
    """A REST API with the governed baseline (see the module docstring and
    docs/rest_api.md).

    Attributes: ``api`` (``apigateway.RestApi``), ``stage`` (its deployment stage),
    ``stage_name``, ``access_logs`` (``logs.LogGroup``), ``domain``
    (:class:`GovernedDomainName` or None), ``security_policy``, ``endpoint_access_mode``,
    ``endpoint_type``, ``production``, ``methods`` (every method added through this
    construct), ``streaming_methods``, ``request_validator``, ``access_log_fields``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint_type: apigw.EndpointType = apigw.EndpointType.REGIONAL,
        security_policy: str | apigw.SecurityPolicy | None = None,
        legacy_tls_reason: str | None = None,
        endpoint_access_mode: str | apigw.EndpointAccessMode | None = None,
        production: bool = False,
        domain: CustomDomain | None = None,
        vpc_endpoints: Sequence[ec2.IInterfaceVpcEndpoint] = (),
        default_authorizer: apigw.IAuthorizer | None = None,
        stage_name: str = "prod",
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        tracing: bool = True,
        logging_level: apigw.MethodLoggingLevel = apigw.MethodLoggingLevel.INFO,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        extra_access_log_fields: Mapping[str, str] | None = None,
        minimum_compression_size: Size | None = None,
        cache_cluster_enabled: bool = False,
        web_acl_arn: str | None = None,
        cloud_watch_role: bool = True,
        rest_api_name: str | None = None,
        description: str | None = None,
        disable_execute_api_endpoint: bool = False,
    ) -> None:
        """
        :param endpoint_type: REGIONAL (default), EDGE or PRIVATE.
        :param security_policy: an enhanced ``SecurityPolicy_*`` name (or an
            ``apigateway.SecurityPolicy`` member); default ``SecurityPolicy_TLS13_1_3_2025_09``
            (REGIONAL/PRIVATE) or ``SecurityPolicy_TLS13_2025_EDGE`` (EDGE). ``_EDGE``
            policies only on EDGE and the others only on REGIONAL/PRIVATE.
        :param legacy_tls_reason: required to use ``TLS_1_0`` or ``TLS_1_2``; acknowledges
            PavedRoad-RestApiEnhancedTlsPolicy with this reason. Default none.
        :param endpoint_access_mode: ``"BASIC"`` or ``"STRICT"``; default STRICT when
            ``production`` else BASIC. Not allowed with a legacy policy.
        :param production: marks the API (and domain) as production: STRICT by default,
            and BASIC leaves a PavedRoad-RestApiStrictAccessMode warning. Default False.
        :param domain: a :class:`CustomDomain`; default none. It gets this API's policy and
            access mode. Not supported for PRIVATE APIs (private custom domains are
            ``AWS::ApiGateway::DomainNameV2`` with their own resource policy).
        :param vpc_endpoints: ``execute-api`` interface endpoints allowed to call a PRIVATE
            API (required there, rejected otherwise); the resource policy denies all others.
        :param default_authorizer: used by every route that names no authorizer, is not IAM
            authorized and not public; default none.
        :param stage_name: default ``prod``.
        :param throttling_rate_limit: stage steady-state requests per second, 1-10000;
            default 100.
        :param throttling_burst_limit: stage burst, 0-5000; default 200.
        :param tracing: X-Ray tracing on the stage; default True.
        :param logging_level: execution logging; default INFO (request/response data
            logging stays off).
        :param log_retention: of the access log group; default one month.
        :param log_removal_policy: of the access log group; default RETAIN.
        :param extra_access_log_fields: more JSON access log fields (name -> ``$context``
            variable); default none. They cannot replace the TLS fields.
        :param minimum_compression_size: enable payload compression (content encoding)
            above this size; default none. Streaming routes cannot be added to an API that
            compresses.
        :param cache_cluster_enabled: stage cache cluster; default False. Streaming routes
            cannot be added to a cached stage.
        :param web_acl_arn: a WAFv2 web ACL ARN to associate with the stage; default none
            (AwsSolutions-APIG3 then asks for an acknowledgment).
        :param cloud_watch_role: create API Gateway's account-level CloudWatch role (needed
            once per account and region for execution logging); default True.
        :param rest_api_name: default: the construct id.
        :param description: default: mentions the construct path.
        :param disable_execute_api_endpoint: clients must use the custom domain; default
            False. Requires ``domain``. The default endpoint's policy still applies to
            clients that negotiate TLS with its host name.
        """
        super().__init__(scope, id)
        problems = Problems("GovernedRestApi", self.node.path)
        policy_name = _policy_name(security_policy)
        mode_name = _mode_name(endpoint_access_mode)
        edge = endpoint_type == apigw.EndpointType.EDGE
        private = endpoint_type == apigw.EndpointType.PRIVATE
        if endpoint_type not in (
            apigw.EndpointType.REGIONAL,
            apigw.EndpointType.EDGE,
            apigw.EndpointType.PRIVATE,
        ):
            problems.add("endpoint_type", "must be REGIONAL, EDGE or PRIVATE", endpoint_type)
        if policy_name is None:
            policy_name = DEFAULT_EDGE_SECURITY_POLICY if edge else DEFAULT_SECURITY_POLICY
        legacy = policy_name in LEGACY_SECURITY_POLICIES
        if legacy:
            if not (legacy_tls_reason or "").strip():
                problems.add(
                    "security_policy",
                    "is a legacy policy: give legacy_tls_reason (why clients cannot use an "
                    f"enhanced {ENHANCED_PREFIX}* policy yet), or use one",
                    policy_name,
                )
            if mode_name is not None:
                problems.add(
                    "endpoint_access_mode",
                    "is only allowed with an enhanced SecurityPolicy_* policy",
                    mode_name,
                )
        elif not re.fullmatch(ENHANCED_PREFIX + r"[A-Za-z0-9_]+", policy_name):
            problems.add(
                "security_policy",
                f"must be an enhanced {ENHANCED_PREFIX}* policy name (e.g. "
                f"{DEFAULT_SECURITY_POLICY}) or, with legacy_tls_reason, one of "
                f"{', '.join(LEGACY_SECURITY_POLICIES)}",
                policy_name,
            )
        else:
            if legacy_tls_reason is not None:
                problems.add(
                    "legacy_tls_reason",
                    "is only for the legacy TLS_1_0/TLS_1_2 policies",
                    policy_name,
                )
            if edge and not policy_name.endswith("_EDGE"):
                problems.add(
                    "security_policy",
                    f"must be an edge policy (…_EDGE, e.g. {DEFAULT_EDGE_SECURITY_POLICY}) for "
                    "an EDGE endpoint",
                    policy_name,
                )
            if not edge and policy_name.endswith("_EDGE"):
                problems.add(
                    "security_policy",
                    "is an edge policy: REGIONAL and PRIVATE endpoints need a non-_EDGE policy "
                    f"(e.g. {DEFAULT_SECURITY_POLICY})",
                    policy_name,
                )
            if mode_name is None:
                mode_name = "STRICT" if production else "BASIC"
        if mode_name is not None and mode_name not in ACCESS_MODES:
            problems.add("endpoint_access_mode", "must be BASIC or STRICT", mode_name)
        if private and not vpc_endpoints:
            problems.add(
                "vpc_endpoints",
                "must name at least one execute-api interface endpoint for a PRIVATE API",
                [],
            )
        if vpc_endpoints and not private:
            problems.add("vpc_endpoints", "are only for PRIVATE APIs", endpoint_type)
        if domain is not None:
            _check_domain(problems, domain, private=private, edge=edge)
        if disable_execute_api_endpoint and domain is None:
            problems.add(
                "disable_execute_api_endpoint",
                "needs a custom domain (clients would have no endpoint)",
                True,
            )
        if not _STAGE_RE.fullmatch(stage_name or ""):
            problems.add("stage_name", "must be 1-128 characters of [A-Za-z0-9_-]", stage_name)
        check_range(problems, "throttling_rate_limit", throttling_rate_limit, 1, 10000)
        check_range(problems, "throttling_burst_limit", throttling_burst_limit, 0, 5000)
        compression = size_bytes(minimum_compression_size)
        check_range(problems, "minimum_compression_size (bytes)", compression, 0, 10485760)
        for name, variable in (extra_access_log_fields or {}).items():
            if name in ("tlsVersion", "cipherSuite", "requestId"):
                problems.add("extra_access_log_fields", "cannot replace the TLS fields", name)
            if not isinstance(variable, str) or not variable.startswith("$context."):
                problems.add(
                    "extra_access_log_fields",
                    f"values must be $context variables (field {name!r})",
                    variable,
                )
        if rest_api_name is not None and not is_token(rest_api_name) and not rest_api_name.strip():
            problems.add(
                "rest_api_name",
                "must not be blank (None names the API after the construct id)",
                rest_api_name,
            )
        if (
            web_acl_arn is not None
            and not is_token(web_acl_arn)
            and not re.fullmatch(
                r"arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/\S+", web_acl_arn
            )
        ):
            problems.add("web_acl_arn", "must be a regional WAFv2 web ACL ARN", web_acl_arn)
        problems.raise_if_any()

        self.endpoint_type = endpoint_type
        self.security_policy: str = policy_name
        self.endpoint_access_mode: str | None = mode_name
        self.production = production
        self.stage_name = stage_name
        self.default_authorizer = default_authorizer
        self.methods: list[apigw.Method] = []
        self.streaming_methods: list[apigw.Method] = []
        self._cache_cluster_enabled = cache_cluster_enabled
        self._compression = compression
        self._edge = edge
        self._authorized: set[str] = set()
        self.access_log_fields: dict[str, str] = dict(BASE_ACCESS_LOG_FIELDS)
        self.access_log_fields.update(extra_access_log_fields or {})

        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=log_removal_policy
        )
        policy_document = _private_policy(vpc_endpoints) if private else None
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=rest_api_name or id,
            description=description or f"paved-road GovernedRestApi {self.node.path}",
            endpoint_configuration=apigw.EndpointConfiguration(
                types=[endpoint_type], vpc_endpoints=list(vpc_endpoints) or None
            ),
            policy=policy_document,
            cloud_watch_role=cloud_watch_role,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN if cloud_watch_role else None,
            min_compression_size=minimum_compression_size,
            disable_execute_api_endpoint=disable_execute_api_endpoint,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                tracing_enabled=tracing,
                metrics_enabled=True,
                logging_level=logging_level,
                data_trace_enabled=False,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
                cache_cluster_enabled=cache_cluster_enabled,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(Lazy.string(_AccessLogFormat(self))),
            ),
        )
        cfn_api = self.api.node.default_child
        assert isinstance(cfn_api, apigw.CfnRestApi)
        cfn_api.security_policy = policy_name
        if mode_name is not None:
            cfn_api.endpoint_access_mode = mode_name
        if production:
            cfn_api.add_metadata(PRODUCTION_METADATA, True)
        if legacy:
            Validations.of(self).acknowledge(
                Acknowledgment(id=ENHANCED_TLS_RULE_ID, reason=str(legacy_tls_reason))
            )
        self.stage: apigw.Stage = self.api.deployment_stage
        self.request_validator = self.api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        if cloud_watch_role:
            Validations.of(self.api).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
                    reason="API Gateway's account-level CloudWatch role uses the AWS managed "
                    "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to enable "
                    "execution logging.",
                )
            )
        if web_acl_arn is not None:
            wafv2.CfnWebACLAssociation(
                self, "WebAcl", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl_arn
            )

        self.domain: GovernedDomainName | None = None
        if domain is not None:
            self.domain = GovernedDomainName(self, "Domain", owner=self, domain=domain)
            self.access_log_fields.update(ROUTING_ACCESS_LOG_FIELDS)
            if domain.base_path is not None:
                self.domain.add_api_mapping(self, base_path=domain.base_path)
        self.node.add_validation(_EveryMethodAuthorized(self))

    # -- routes ---------------------------------------------------------------------------

    def add_route(
        self,
        path: str,
        method: str,
        target: apigw.Integration | lambda_.IFunction | Any,
        *,
        authorizer: apigw.IAuthorizer | None = None,
        iam_authorization: bool = False,
        public_reason: str | None = None,
        method_options: apigw.MethodOptions | None = None,
    ) -> apigw.Method:
        """Add ``method`` on ``path`` (e.g. ``"/orders/{id}"``) with a buffered integration.

        :param target: an ``apigateway.Integration``, or a Lambda function (or
            GovernedFunction) for a Lambda proxy integration.
        :param authorizer: default: the API's ``default_authorizer``.
        :param iam_authorization: use IAM (SigV4) authorization instead of an authorizer.
        :param public_reason: make the method public (no authorization); the reason is the
            acknowledgment of AwsSolutions-APIG4/COG4. Exclusive with the two above.
        :param method_options: other method options (request parameters, models, ...);
            authorization is set from the params above.
        """
        problems = Problems("GovernedRestApi", self.node.path)
        integration = _integration(problems, target)
        resource = self._resource(problems, path)
        verb = _check_method(problems, method)
        auth = self._authorization(problems, authorizer, iam_authorization, public_reason)
        problems.raise_if_any()
        assert integration is not None and resource is not None
        return self._add_method(resource, verb, integration, auth, public_reason, method_options)

    def add_streaming_route(
        self,
        path: str,
        method: str,
        target: lambda_.IFunction | str | Any,
        *,
        timeout: Duration = DEFAULT_STREAMING_TIMEOUT,
        authorizer: apigw.IAuthorizer | None = None,
        iam_authorization: bool = False,
        public_reason: str | None = None,
        integration_options: apigw.IntegrationOptions | None = None,
        method_options: apigw.MethodOptions | None = None,
    ) -> apigw.Method:
        """Add a route whose response is streamed (integration response transfer mode STREAM).

        :param target: a Lambda function (or GovernedFunction / StreamingFunction) whose
            handler streams (Node.js ``awslambda.streamifyResponse``, or a web app behind the
            Lambda Web Adapter in ``response_stream`` mode): a Lambda proxy integration
            through the ``2021-11-15/functions/<arn>/response-streaming-invocations``
            endpoint. Or an ``http(s)://`` URL: an HTTP proxy integration to a server that
            streams.
        :param timeout: integration timeout, 50 ms to 15 minutes; default 5 minutes.
            Independently, a stream that sends nothing for 5 minutes (REGIONAL/PRIVATE) or
            30 seconds (EDGE) is closed, and after the first 10 MB a stream is limited to
            2 MB/s.
        :param authorizer, iam_authorization, public_reason, method_options: as in
            :meth:`add_route`.
        :param integration_options: more integration options (request parameters, VPC
            link, ...). Response templates in ``integration_responses``, cache key
            parameters and a cache namespace are rejected: streamed responses cannot be
            transformed or cached.
        """
        problems = Problems("GovernedRestApi", self.node.path)
        resource = self._resource(problems, path)
        verb = _check_method(problems, method)
        auth = self._authorization(problems, authorizer, iam_authorization, public_reason)
        if not isinstance(timeout, Duration):
            problems.add("timeout", "must be an aws_cdk.Duration", timeout)
        elif not timeout.is_unresolved():
            millis = timeout.to_milliseconds()
            if millis < 50 or millis > MAX_STREAMING_TIMEOUT.to_milliseconds():
                problems.add(
                    "timeout",
                    "must be between 50 ms and 15 minutes for a streaming route",
                    timeout.to_human_string(),
                )
        if self._compression is not None:
            problems.add(
                "add_streaming_route",
                "cannot stream from an API with content encoding (minimum_compression_size "
                "is set): streamed responses are not compressed",
                path,
            )
        if self._cache_cluster_enabled:
            problems.add(
                "add_streaming_route",
                "cannot stream from a stage with a cache cluster (cache_cluster_enabled): "
                "integration responses of a stream are not cached",
                path,
            )
        options = integration_options or apigw.IntegrationOptions()
        for response in options.integration_responses or []:
            if response.response_templates:
                problems.add(
                    "integration_options.integration_responses",
                    "must not have response_templates: VTL response transformation is not "
                    "supported for streamed responses",
                    sorted(response.response_templates),
                )
        if options.cache_key_parameters or options.cache_namespace:
            problems.add(
                "integration_options",
                "must not set cache_key_parameters/cache_namespace: integration caching is not "
                "supported for streamed responses",
                options.cache_key_parameters or options.cache_namespace,
            )
        if options.response_transfer_mode not in (None, apigw.ResponseTransferMode.STREAM):
            problems.add(
                "integration_options.response_transfer_mode",
                "must be STREAM (or unset)",
                options.response_transfer_mode,
            )
        url = target if isinstance(target, str) else None
        function = None if url is not None else _function_of(target)
        if url is not None and not is_token(url) and not _URL_RE.fullmatch(url):
            problems.add("target", "must be an http(s):// URL or a Lambda function", url)
        if url is None and function is None:
            problems.add("target", "must be a Lambda function or an http(s):// URL", target)
        problems.raise_if_any()
        assert resource is not None

        passed = _passed_options(options)  # without caching, which was rejected above
        integration: apigw.Integration
        if function is not None:
            integration = apigw.LambdaIntegration(
                function,
                proxy=True,
                response_transfer_mode=apigw.ResponseTransferMode.STREAM,
                timeout=timeout,
                allow_test_invoke=False,
                **passed,
            )
            _warn_short_function_timeout(self, function, timeout, path)
        else:
            integration = apigw.HttpIntegration(
                str(url),
                proxy=True,
                http_method=verb,
                options=apigw.IntegrationOptions(
                    response_transfer_mode=apigw.ResponseTransferMode.STREAM,
                    timeout=timeout,
                    **passed,
                ),
            )
        added = self._add_method(resource, verb, integration, auth, public_reason, method_options)
        self.streaming_methods.append(added)
        self.access_log_fields.update(STREAMING_ACCESS_LOG_FIELDS)
        return added

    # -- internals -------------------------------------------------------------------------

    def _resource(self, problems: Problems, path: str) -> apigw.IResource | None:
        if not isinstance(path, str) or not re.fullmatch(
            r"/|(/(\{[A-Za-z0-9_]+\+?\}|[A-Za-z0-9._~:@!$&'()*+,;=-]+))+", path
        ):
            problems.add(
                "path",
                "must start with '/' and have segments of letters, digits, ._~:@!$&'()*+,;=- "
                "or {param} / {proxy+}",
                path,
            )
            return None
        return self.api.root if path == "/" else self.api.root.resource_for_path(path)

    def _authorization(
        self,
        problems: Problems,
        authorizer: apigw.IAuthorizer | None,
        iam_authorization: bool,
        public_reason: str | None,
    ) -> tuple[apigw.AuthorizationType, apigw.IAuthorizer | None]:
        if public_reason is not None and not public_reason.strip():
            problems.add("public_reason", "must say why the method is public", public_reason)
        chosen = [
            name
            for name, given in (
                ("authorizer", authorizer is not None),
                ("iam_authorization", iam_authorization),
                ("public_reason", public_reason is not None),
            )
            if given
        ]
        if len(chosen) > 1:
            problems.add(
                "authorizer/iam_authorization/public_reason", "are mutually exclusive", chosen
            )
        if public_reason is not None:
            return apigw.AuthorizationType.NONE, None
        if iam_authorization:
            return apigw.AuthorizationType.IAM, None
        effective = authorizer or self.default_authorizer
        if effective is None:
            problems.add(
                "authorizer",
                "is required: give authorizer=, default_authorizer= on the API, "
                "iam_authorization=True, or public_reason= for a public method",
                None,
            )
            return apigw.AuthorizationType.NONE, None
        return effective.authorization_type or apigw.AuthorizationType.CUSTOM, effective

    def _add_method(
        self,
        resource: apigw.IResource,
        verb: str,
        integration: apigw.Integration,
        auth: tuple[apigw.AuthorizationType, apigw.IAuthorizer | None],
        public_reason: str | None,
        method_options: apigw.MethodOptions | None,
    ) -> apigw.Method:
        authorization_type, authorizer = auth
        base = method_options or apigw.MethodOptions()
        added = resource.add_method(
            verb,
            integration,
            api_key_required=base.api_key_required,
            authorization_scopes=base.authorization_scopes,
            method_responses=base.method_responses,
            operation_name=base.operation_name,
            request_models=base.request_models,
            request_parameters=base.request_parameters,
            request_validator=base.request_validator or self.request_validator,
            authorization_type=authorization_type,
            authorizer=authorizer,
        )
        self._authorized.add(added.node.path)
        if public_reason is not None:
            Validations.of(added).acknowledge(
                Acknowledgment(id="AwsSolutions-APIG4", reason=public_reason),
                Acknowledgment(id="AwsSolutions-COG4", reason=public_reason),
            )
        elif authorization_type != apigw.AuthorizationType.COGNITO:
            Validations.of(added).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-COG4",
                    reason="Authorized by "
                    + ("IAM (SigV4)" if authorizer is None else "a Lambda authorizer")
                    + ", not a Cognito user pool authorizer.",
                )
            )
        self.methods.append(added)
        return added

    def output_url(self, id: str = "Url") -> CfnOutput:
        """A stack output with the stage URL (or the custom domain URL)."""
        value = f"https://{self.domain.domain_name}/" if self.domain is not None else self.api.url
        return CfnOutput(self, id, value=value)


@jsii.implements(IValidation)
class _EveryMethodAuthorized:
    """Synth-time check: a method added to the API around this construct (``api.root
    .add_method``) must not be left without authorization."""

    def __init__(self, owner: GovernedRestApi) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        errors = []
        for child in self._owner.api.node.find_all():
            if not isinstance(child, apigw.Method) or child.node.path in self._owner._authorized:
                continue
            cfn = child.node.default_child
            kind = cfn.authorization_type if isinstance(cfn, apigw.CfnMethod) else None
            if kind in (None, "NONE"):
                errors.append(
                    f"GovernedRestApi '{self._owner.node.path}': method {child.http_method} "
                    f"{child.resource.path} has no authorization; add it with add_route(...) "
                    "and an authorizer, iam_authorization=True or public_reason="
                )
        return errors


def _policy_name(value: str | apigw.SecurityPolicy | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, apigw.SecurityPolicy):
        # Python sees the member name (TLS13_2025_EDGE); CloudFormation names enhanced
        # policies SecurityPolicy_<name> and legacy ones by the name itself.
        name = str(value.value)
        return name if name in LEGACY_SECURITY_POLICIES else ENHANCED_PREFIX + name
    return value if isinstance(value, str) else repr(value)


def _mode_name(value: str | apigw.EndpointAccessMode | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, apigw.EndpointAccessMode):
        return str(value.value)
    return value if isinstance(value, str) else repr(value)


def _check_domain(problems: Problems, domain: CustomDomain, *, private: bool, edge: bool) -> None:
    if private:
        problems.add(
            "domain",
            "cannot be used with a PRIVATE API by GovernedRestApi (private custom domains are "
            "AWS::ApiGateway::DomainNameV2 with their own policy)",
            domain.domain_name,
        )
    name = domain.domain_name
    if not is_token(name) and not (isinstance(name, str) and _DOMAIN_RE.fullmatch(name)):
        problems.add("domain.domain_name", "must be a lower-case host name", name)
    arn = domain.certificate_arn
    if not is_token(arn):
        match = _CERT_RE.fullmatch(arn) if isinstance(arn, str) else None
        if match is None:
            problems.add("domain.certificate_arn", "must be an ACM certificate ARN", arn)
        elif edge and match.group(1) != "us-east-1":
            problems.add(
                "domain.certificate_arn",
                "must be in us-east-1 for an EDGE domain (CloudFront serves it)",
                arn,
            )
    base = domain.base_path
    if base is not None and not isinstance(base, str):
        problems.add("domain.base_path", "must be a string or None", base)
        return
    if base and not _BASE_PATH_RE.fullmatch(base):
        problems.add(
            "domain.base_path",
            "must be empty, None or segments of [A-Za-z0-9._~$+=-] joined by '/'",
            base,
        )
    if base and "/" in base and edge:
        problems.add("domain.base_path", "multi-level base paths need a REGIONAL domain", base)


def _check_method(problems: Problems, method: str) -> str:
    verb = method.upper() if isinstance(method, str) else ""
    if verb not in HTTP_METHODS:
        problems.add("method", f"must be one of {', '.join(HTTP_METHODS)}", method)
    return verb


def _function_of(target: Any) -> lambda_.IFunction | None:
    live = getattr(target, "invoke_target", None)  # GovernedFunction / StreamingFunction
    if live is not None and hasattr(live, "function_arn"):
        return live  # type: ignore[no-any-return,unused-ignore]
    inner = getattr(target, "function", None)
    if inner is not None and hasattr(inner, "function_arn"):
        return inner  # type: ignore[no-any-return,unused-ignore]
    if hasattr(target, "function_arn") and hasattr(target, "add_permission"):
        return target  # type: ignore[no-any-return,unused-ignore]
    return None


def _integration(problems: Problems, target: Any) -> apigw.Integration | None:
    if isinstance(target, apigw.Integration):
        return target
    function = _function_of(target)
    if function is not None:
        return apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False)
    problems.add("target", "must be an apigateway.Integration or a Lambda function", target)
    return None


def _passed_options(options: apigw.IntegrationOptions) -> dict[str, Any]:
    """The integration options a streaming route passes through, as keyword arguments."""
    keys = (
        "connection_type",
        "content_handling",
        "credentials_passthrough",
        "credentials_role",
        "integration_responses",
        "passthrough_behavior",
        "request_parameters",
        "request_templates",
        "vpc_link",
    )
    return {key: getattr(options, key) for key in keys if getattr(options, key) is not None}


def _warn_short_function_timeout(
    scope: IConstruct, function: lambda_.IFunction, timeout: Duration, path: str
) -> None:
    if isinstance(function, lambda_.Alias):  # a GovernedFunction's live alias
        function = function.version.lambda_
    function_timeout = getattr(function, "timeout", None)
    if function_timeout is None and isinstance(function, lambda_.Function):
        function_timeout = Duration.seconds(3)  # Lambda's default timeout
    fn_ms, int_ms = millis(function_timeout), millis(timeout)
    fn_s = None if fn_ms is None else fn_ms / 1000
    int_s = None if int_ms is None else int_ms / 1000
    if fn_s is not None and int_s is not None and fn_s < int_s:
        Annotations.of(scope).add_warning_v2(
            "paved-road:streaming-function-timeout",
            f"Streaming route {path}: the function times out after {fn_s:g} s, before the "
            f"integration timeout of {int_s:g} s; long streams end when the function does.",
        )


def _private_policy(vpc_endpoints: Sequence[ec2.IInterfaceVpcEndpoint]) -> iam.PolicyDocument:
    ids = [endpoint.vpc_endpoint_id for endpoint in vpc_endpoints]
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
            ),
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
                conditions={"StringNotEquals": {"aws:SourceVpce": ids}},
            ),
        ]
    )

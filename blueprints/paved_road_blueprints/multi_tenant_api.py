"""MultiTenantApi: REST API -> tenant authorizer -> TenantIsolatedFunction (pool model).

Every request is authenticated by :class:`paved_road.tenancy.TenantAuthorizer` (token
verified, tenant checked against the registry); API Gateway then invokes one
tenant-isolated function with ``X-Amz-Tenant-Id`` taken from the authorizer's
context, so a caller can only ever reach execution environments of the tenant its
token names. The function's JSON logs carry ``tenantId``, and so do the API's
access logs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from paved_road import Criticality, GovernedFunctionProps
from paved_road._boundary import checked_props
from paved_road._validate import check_range, is_token
from paved_road.errors import Problems
from paved_road.rest_api import DEFAULT_SECURITY_POLICY
from paved_road.tenancy import TenantAuthorizer, TenantIdSource, TenantIsolatedFunction
from paved_road_blueprints._assets import handler_code

HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "tenant_api"
"""The sample tenant handler (Powertools REST resolver) used when no code is given."""


ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integration.latency",
    "tenantId": "$context.authorizer.tenantId",
    "authorizerError": "$context.authorizer.error",
    "tlsVersion": "$context.tlsVersion",
    "cipherSuite": "$context.cipherSuite",
}
"""Access log record (JSON): the standard fields plus the tenant the authorizer returned."""


class MultiTenantApi(Construct):
    """A REST API whose every route runs one tenant-isolated function, tenant id from the
    authorizer.

    :param function_props: props of the :class:`TenantIsolatedFunction` (``code`` and
        ``handler`` included); default: the sample handler in
        ``handlers/tenant_api`` (echoes the caller's tenant), service name = this id.
    :param signing_secret: the HS256 token signing key; default: a new generated secret.
    :param tenant_table: the tenant registry; default: a new DynamoDB table (partition
        key ``tenantId``, point-in-time recovery, retained on delete) unless
        ``allowed_tenants`` is given.
    :param allowed_tenants: a static tenant list instead of a table; default none.
    :param issuer: required token ``iss``; default none.
    :param audience: required token ``aud``; default none.
    :param stage_name: default ``prod``.
    :param throttling_rate_limit: stage requests per second; default 100.
    :param throttling_burst_limit: default 200.
    :param criticality: of the tenant function; default IMPORTANT.
    :param log_retention: of the access logs; default one month.

    Attributes: ``api`` (apigateway.RestApi), ``function`` (TenantIsolatedFunction),
    ``authorizer`` (TenantAuthorizer), ``signing_secret``, ``tenant_table`` (or None),
    ``access_logs`` (logs.LogGroup), ``methods`` (the API methods).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function_props: GovernedFunctionProps | None = None,
        signing_secret: secretsmanager.ISecret | None = None,
        tenant_table: dynamodb.ITableV2 | dynamodb.ITable | None = None,
        allowed_tenants: list[str] | None = None,
        issuer: str | None = None,
        audience: str | None = None,
        stage_name: str = "prod",
        throttling_rate_limit: float = 100,
        throttling_burst_limit: int = 200,
        criticality: Criticality = Criticality.IMPORTANT,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("MultiTenantApi", self.node.path)
        check_range(problems, "throttling_rate_limit", throttling_rate_limit, 1, 1e6)
        check_range(problems, "throttling_burst_limit", throttling_burst_limit, 0, 5000)
        if tenant_table is not None and allowed_tenants is not None:
            problems.add(
                "tenant_table/allowed_tenants",
                "are mutually exclusive: give at most one tenant registry",
                "both",
            )
        if not is_token(stage_name) and not re.fullmatch(r"[A-Za-z0-9_-]{1,128}", stage_name):
            problems.add(
                "stage_name", "must be non-empty [A-Za-z0-9_-], at most 128 characters", stage_name
            )
        problems.raise_if_any()

        if signing_secret is None:
            created = secretsmanager.Secret(
                self,
                "SigningKey",
                description=f"HS256 token signing key of {self.node.path} (paved-road)",
                generate_secret_string=secretsmanager.SecretStringGenerator(
                    password_length=64, exclude_punctuation=True
                ),
            )
            Validations.of(created).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-SMG4",
                    reason="HS256 key shared with the token issuer: rotate by publishing "
                    '{"keys": [new, old]} (the authorizer accepts every listed key), then '
                    "dropping the old key once issued tokens expire.",
                )
            )
            signing_secret = created
        self.signing_secret = signing_secret

        self.tenant_table: dynamodb.ITableV2 | dynamodb.ITable | None = tenant_table
        if tenant_table is None and allowed_tenants is None:
            self.tenant_table = dynamodb.TableV2(
                self,
                "Tenants",
                partition_key=dynamodb.Attribute(
                    name="tenantId", type=dynamodb.AttributeType.STRING
                ),
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                removal_policy=RemovalPolicy.RETAIN,
            )

        self.authorizer = TenantAuthorizer(
            self,
            "Authorizer",
            signing_secret=signing_secret,
            tenant_table=self.tenant_table,
            allowed_tenants=allowed_tenants,
            issuer=issuer,
            audience=audience,
        )

        props: GovernedFunctionProps = {
            "code": handler_code(HANDLER_DIR),
            "handler": "index.handler",
            "service_name": id,
            "criticality": criticality,
            **(function_props or {}),
        }
        self.function = TenantIsolatedFunction(self, "Function", **props)

        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.RETAIN
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            description=f"paved-road MultiTenantApi {self.node.path}",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.INFO,
                data_trace_enabled=False,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        # TLS 1.3 only, BASIC access mode (the L2 has no props for these): the same
        # enhanced policy GovernedRestApi defaults to (docs/rest_api.md).
        cfn_api = self.api.node.default_child
        assert isinstance(cfn_api, apigw.CfnRestApi)
        cfn_api.security_policy = DEFAULT_SECURITY_POLICY
        cfn_api.endpoint_access_mode = "BASIC"
        validator = self.api.add_request_validator(
            "RequestValidator", validate_request_parameters=True, validate_request_body=True
        )
        self.methods = [
            self.function.add_to_rest_api(
                resource,
                "ANY",
                tenant_id_source=TenantIdSource.authorizer(TenantAuthorizer.CONTEXT_KEY),
                authorizer=self.authorizer.authorizer,
                request_validator=validator,
            )
            for resource in (self.api.root, self.api.root.add_resource("{proxy+}"))
        ]
        Validations.of(self.api).acknowledge(
            Acknowledgment(
                id="AwsSolutions-COG4",
                reason="Callers are authenticated by the tenant Lambda authorizer (token "
                "signature, expiry, issuer/audience and the tenant registry), not Cognito.",
            ),
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                reason="API Gateway's account-level CloudWatch role uses the AWS managed "
                "AmazonAPIGatewayPushToCloudWatchLogs policy, the documented way to enable "
                "execution logging.",
            ),
        )

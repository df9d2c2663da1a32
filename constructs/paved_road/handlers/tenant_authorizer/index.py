"""API Gateway REST ``TOKEN`` authorizer for tenant-isolated APIs.

Entry point: ``index.handler``. This directory is shipped as a CDK asset and runs on the
AWS Lambda Python runtime with the AWS-managed Powertools for AWS Lambda (Python) layer, so
this module imports only the standard library, ``boto3`` and ``aws_lambda_powertools``.

Decision
    1. ``authorizationToken`` (``Bearer <jwt>``; the prefix is optional, any case) must be an
       HS256 JWT signed with the key held in Secrets Manager: ``alg`` exactly ``HS256``,
       ``exp`` present and not passed, ``nbf``/``iat`` not in the future, and ``iss``/``aud``
       as configured (all time checks allow ``CLOCK_SKEW_SECONDS``).
    2. The tenant claim must be a tenant id (``^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$``) and
       the ``sub`` claim a non-empty string.
    3. The tenant must be active in the tenant registry (tenant ids are validated at the
       application layer, not trusted because they are signed).

    Success returns an IAM policy allowing every method and resource of the API stage (so
    API Gateway's cached decision is valid for every route), ``principalId`` = ``sub`` and
    the context ``{"tenantId": ..., "subject": ...}``; ``context.authorizer.tenantId`` is
    what the construct maps into ``X-Amz-Tenant-Id``. Any token or tenant problem returns a
    Deny of every route for ``principalId`` ``unauthorized``, without context (HTTP 403).

Fail closed
    A configuration error (:class:`AuthorizerConfigurationError`) or an AWS error (reading
    the secret, querying the registry) is *raised*: API Gateway then answers HTTP 500 and
    nobody gets in. The token is never logged; decisions are logged with their reason and,
    when known, the tenant. Metrics ``AuthorizerAllowed`` / ``AuthorizerDenied`` (Count,
    no dimension) count decisions.

Environment variables
    ``SIGNING_SECRET_ARN`` (required)
        ARN or name of the Secrets Manager secret holding the HMAC key, read with Powertools
        ``get_secret`` (cached 300 s). To rotate, store ``{"keys": ["<new>", "<old>"]}``: any
        listed key verifies. Any other secret string is itself the key.
    ``TENANT_CLAIM`` (default ``tenant_id``)
        Claim holding the tenant id.
    ``TOKEN_ISSUER`` / ``TOKEN_AUDIENCE`` (optional)
        When set, ``iss`` must equal it / ``aud`` (a string or a list) must contain it.
    ``CLOCK_SKEW_SECONDS`` (default 60)
        Leeway for ``exp``, ``nbf`` and ``iat``.
    ``TENANT_TABLE_NAME``
        DynamoDB tenant registry (partition key ``tenantId``, string): a tenant is active iff
        its item exists and ``status`` is ``ACTIVE`` or absent.
    ``ALLOWED_TENANTS``
        Comma separated static registry, used when ``TENANT_TABLE_NAME`` is not set. With
        neither, the first invocation raises :class:`AuthorizerConfigurationError`.
    ``REGISTRY_CACHE_SECONDS`` (default 60)
        How long a DynamoDB answer (negative ones included) is cached in the process.
    ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``...
        Read by Powertools; set by the infrastructure.

Reuse
    Code vendoring this file can call :func:`make_handler` with its own
    :class:`TenantRegistry` and key provider. Nothing touches AWS at import time: the
    configuration is read and the registry built on the first invocation.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import math
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    parse_api_gateway_arn,
)
from aws_lambda_powertools.utilities.parameters import get_secret

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

KeyProvider = Callable[[], Sequence[bytes]]
"""Returns the HMAC keys accepted to verify a token signature (at least one)."""
Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]

TENANT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
METHOD_ARN_PATTERN = re.compile(r"arn:[\w-]+:execute-api:[\w-]+:\d{12}:\w+/[^/]+/.*")
SECRET_MAX_AGE_SECONDS = 300
DENIED_PRINCIPAL = "unauthorized"

logger = Logger()
tracer = Tracer()
# service="": no default ``service`` dimension, so both metrics are dimension-free.
metrics = Metrics(service="")


class AuthorizerConfigurationError(RuntimeError):
    """The authorizer is misconfigured; raised so that API Gateway answers 500."""


class TokenRejectedError(ValueError):
    """The caller is not authorized; the message is a reason safe to log (no token)."""


class TenantRegistry(Protocol):
    """Knows which tenants may call the API."""

    def is_active(self, tenant_id: str) -> bool: ...


@dataclass(frozen=True)
class StaticTenantRegistry:
    """A fixed set of active tenants."""

    tenants: frozenset[str]

    def is_active(self, tenant_id: str) -> bool:
        return tenant_id in self.tenants


class DynamoDbTenantRegistry:
    """Tenants in a DynamoDB table; answers (negative ones too) cached ``cache_seconds``."""

    MAX_CACHE_ENTRIES = 10_000

    def __init__(self, table_name: str, cache_seconds: float = 60, client: Any = None) -> None:
        self.table_name = table_name
        self.cache_seconds = cache_seconds
        self._client = client
        self._cache: dict[str, tuple[bool, float]] = {}

    def is_active(self, tenant_id: str) -> bool:
        now = time.monotonic()
        cached = self._cache.get(tenant_id)
        if cached is not None and cached[1] > now:
            return cached[0]
        if self._client is None:
            self._client = boto3.client("dynamodb")
        item = self._client.get_item(
            TableName=self.table_name,
            Key={"tenantId": {"S": tenant_id}},
            ProjectionExpression="tenantId, #status",
            ExpressionAttributeNames={"#status": "status"},
            ConsistentRead=False,
        ).get("Item")
        active = item is not None and item.get("status", {"S": "ACTIVE"}).get("S") == "ACTIVE"
        if len(self._cache) >= self.MAX_CACHE_ENTRIES:
            self._cache.clear()
        self._cache[tenant_id] = (active, now + self.cache_seconds)
        return active


def _number_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise AuthorizerConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise AuthorizerConfigurationError(f"{name} must not be negative")
    return value


def registry_from_env() -> TenantRegistry:
    """``TENANT_TABLE_NAME`` -> DynamoDB, else ``ALLOWED_TENANTS`` -> static, else error."""
    table_name = os.environ.get("TENANT_TABLE_NAME", "").strip()
    if table_name:
        cache_seconds = _number_from_env("REGISTRY_CACHE_SECONDS", 60)
        return DynamoDbTenantRegistry(table_name, cache_seconds=cache_seconds)
    allowed = os.environ.get("ALLOWED_TENANTS", "").strip()
    if allowed:
        return StaticTenantRegistry(frozenset(t.strip() for t in allowed.split(",") if t.strip()))
    raise AuthorizerConfigurationError(
        "no tenant registry configured: set TENANT_TABLE_NAME or ALLOWED_TENANTS"
    )


def secrets_manager_keys() -> Sequence[bytes]:
    """The signing keys from the ``SIGNING_SECRET_ARN`` secret (``{"keys": [...]}`` or raw)."""
    secret_id = os.environ.get("SIGNING_SECRET_ARN", "").strip()
    if not secret_id:
        raise AuthorizerConfigurationError("SIGNING_SECRET_ARN is not set")
    secret: str | bytes = get_secret(secret_id, max_age=SECRET_MAX_AGE_SECONDS)
    if isinstance(secret, bytes):
        keys = [secret]
    else:
        try:
            document = json.loads(secret)
        except ValueError:
            document = None
        if isinstance(document, dict) and "keys" in document:
            listed = document["keys"]
            if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
                raise AuthorizerConfigurationError('signing secret "keys" must be a string list')
            keys = [k.encode("utf-8") for k in listed]
        else:
            keys = [secret.encode("utf-8")]
    if not keys or not all(keys):
        raise AuthorizerConfigurationError("the signing secret holds an empty key")
    return keys


@dataclass(frozen=True)
class TokenRules:
    """What a token must satisfy besides its signature."""

    tenant_claim: str = "tenant_id"
    issuer: str | None = None
    audience: str | None = None
    clock_skew_seconds: float = 60

    @classmethod
    def from_env(cls) -> TokenRules:
        return cls(
            tenant_claim=os.environ.get("TENANT_CLAIM", "").strip() or "tenant_id",
            issuer=os.environ.get("TOKEN_ISSUER") or None,
            audience=os.environ.get("TOKEN_AUDIENCE") or None,
            clock_skew_seconds=_number_from_env("CLOCK_SKEW_SECONDS", 60),
        )


def _b64url_json(segment: str, what: str) -> dict[str, Any]:
    try:
        decoded = json.loads(_b64url(segment))
    except ValueError:  # binascii.Error, UnicodeDecodeError and JSONDecodeError included
        raise TokenRejectedError(f"malformed token {what}") from None
    if not isinstance(decoded, dict):
        raise TokenRejectedError(f"malformed token {what}")
    return decoded


def _b64url(segment: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", segment):
        raise binascii.Error("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _numeric_claim(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TokenRejectedError(f"claim {name} is not a number")
    return float(value)


def verify_token(
    token: str, keys: Sequence[bytes], rules: TokenRules, now: float | None = None
) -> dict[str, Any]:
    """The claims of an HS256 JWT signed with one of ``keys``; :class:`TokenRejectedError`."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRejectedError("malformed token")
    header = _b64url_json(parts[0], "header")
    if header.get("alg") != "HS256":
        raise TokenRejectedError("unsupported token alg")
    if "crit" in header:
        raise TokenRejectedError("unsupported critical token header")
    try:
        signature = _b64url(parts[2])
    except ValueError:
        raise TokenRejectedError("malformed token signature") from None
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    digests = [hmac.new(key, signing_input, hashlib.sha256).digest() for key in keys]
    if not any([hmac.compare_digest(digest, signature) for digest in digests]):
        raise TokenRejectedError("bad token signature")

    claims = _b64url_json(parts[1], "payload")
    now = time.time() if now is None else now
    skew = rules.clock_skew_seconds
    expires = _numeric_claim(claims, "exp")
    if expires is None:
        raise TokenRejectedError("token has no exp")
    if now > expires + skew:
        raise TokenRejectedError("token expired")
    for name in ("nbf", "iat"):
        moment = _numeric_claim(claims, name)
        if moment is not None and moment > now + skew:
            raise TokenRejectedError(f"token {name} is in the future")
    if rules.issuer is not None and claims.get("iss") != rules.issuer:
        raise TokenRejectedError("token issuer mismatch")
    if rules.audience is not None:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or rules.audience not in audiences:
            raise TokenRejectedError("token audience mismatch")
    return claims


def bearer_token(authorization: object) -> str:
    """The token of an ``Authorization`` value, ``Bearer`` prefix (any case) removed."""
    if not isinstance(authorization, str):
        raise TokenRejectedError("missing token")
    value = authorization.strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() == "bearer":
        value = rest.strip()
    if not value:
        raise TokenRejectedError("missing token")
    return value


def _policy(
    method_arn: str, principal_id: str, context: dict[str, Any] | None
) -> APIGatewayAuthorizerResponse:
    # from_route_arn() would drop the partition (aws-cn, aws-us-gov): build it explicitly.
    if not METHOD_ARN_PATTERN.fullmatch(method_arn):
        raise ValueError(f"unexpected methodArn {method_arn!r}")
    arn = parse_api_gateway_arn(method_arn)
    return APIGatewayAuthorizerResponse(
        principal_id=principal_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context=context,
        partition=arn.partition,
    )


def allow(method_arn: str, subject: str, tenant_id: str) -> dict[str, Any]:
    """Allow every method and resource of the API stage of ``method_arn``."""
    policy = _policy(method_arn, subject, {"tenantId": tenant_id, "subject": subject})
    policy.allow_all_routes()
    return policy.asdict()


def deny(method_arn: str) -> dict[str, Any]:
    """Deny every method and resource of the API stage of ``method_arn``, without context."""
    policy = _policy(method_arn, DENIED_PRINCIPAL, None)
    policy.deny_all_routes()
    return policy.asdict()


def make_handler(
    registry: TenantRegistry | None = None, key_provider: KeyProvider | None = None
) -> Handler:
    """A Lambda handler; ``registry`` defaults to :func:`registry_from_env` (first call)."""
    keys = key_provider if key_provider is not None else secrets_manager_keys

    @functools.cache  # an error is not cached: a misconfiguration fails every invocation
    def settings() -> tuple[TenantRegistry, TokenRules]:
        return registry if registry is not None else registry_from_env(), TokenRules.from_env()

    def decide(event: dict[str, Any]) -> tuple[dict[str, Any], str, str | None]:
        tenants, rules = settings()
        method_arn = event["methodArn"]
        try:
            claims = verify_token(bearer_token(event.get("authorizationToken")), keys(), rules)
            tenant_id = claims.get(rules.tenant_claim)
            if not isinstance(tenant_id, str) or not tenant_id:
                raise TokenRejectedError(f"token has no {rules.tenant_claim} claim")
            if not TENANT_ID_PATTERN.fullmatch(tenant_id):
                raise TokenRejectedError("invalid tenant id")
            subject = claims.get("sub")
            if not isinstance(subject, str) or not subject:
                raise TokenRejectedError("token has no sub claim")
        except TokenRejectedError as rejected:
            return deny(method_arn), str(rejected), None
        if not tenants.is_active(tenant_id):
            return deny(method_arn), "unknown or inactive tenant", tenant_id
        return allow(method_arn, subject, tenant_id), "authorized", tenant_id

    @logger.inject_lambda_context(log_event=False)  # the event holds the token
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Authorize a ``TOKEN`` event; raise (HTTP 500) on configuration or AWS errors."""
        try:
            response, reason, tenant_id = decide(event)
        except Exception:
            logger.exception("Authorizer failed, API Gateway answers 500")
            raise
        effect = response["policyDocument"]["Statement"][0]["Effect"]
        metrics.add_metric(
            name="AuthorizerAllowed" if effect == "Allow" else "AuthorizerDenied",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info(
            "Authorization decision",
            extra={"decision": effect, "reason": reason, "tenant_id": tenant_id},
        )
        return response

    return handler


handler = make_handler()

"""Tests of the tenant authorizer Lambda handler (API Gateway REST ``TOKEN`` authorizer).

The handler lives in a CDK asset directory (not a package), so it is loaded from its file
path with importlib, afresh for every test: its lazily built registry, rules and registry
cache never leak from one test to the next. Secrets Manager and DynamoDB are moto; tokens
are made by the tiny HS256 encoder below.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.client
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.handlers.support import (
    FakeLambdaContext,
    emitted_metrics,
    forbid_aws_clients,
    isolated_handler_environment,
    json_lines,
    load_asset_module,
)

HANDLER_FILE = (
    Path(__file__).resolve().parents[2]
    / "constructs"
    / "paved_road"
    / "handlers"
    / "tenant_authorizer"
    / "index.py"
)
MODULE_NAME = "tenant_authorizer_index"

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TABLE = "paved-road-tenants-test"
FUNCTION_NAME = "tenant-authorizer"
NAMESPACE = "PavedRoad/Tests"
METHOD_ARN = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcdef1234/prod/GET/orders"
ALL_ROUTES = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abcdef1234/prod/*/*"
SIGNING_KEY = "s3cr3t-signing-key-0123456789abcdef"

ApiCall = tuple[str, str, dict[str, Any]]

# An invocation that raises (fail closed) emits no metric at all; Powertools warns.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


# --------------------------------------------------------------------------- helpers


def lambda_context(**overrides: Any) -> FakeLambdaContext:
    """A Lambda context of this handler's function."""
    return FakeLambdaContext(
        function_name=FUNCTION_NAME, region=REGION, account=ACCOUNT, **overrides
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_segment(value: Any) -> str:
    return b64url(json.dumps(value).encode("utf-8"))


def make_token(
    claims: dict[str, Any] | None = None,
    *,
    key: str = SIGNING_KEY,
    header: dict[str, Any] | None = None,
    **overrides: Any,
) -> str:
    """An HS256 JWT; default claims are a valid token of ``alice`` for tenant ``acme``."""
    now = int(time.time())
    if claims is None:
        claims = {"sub": "alice", "tenant_id": "acme", "iat": now, "exp": now + 300}
    claims = {**claims, **overrides}
    signing_input = (
        f"{encode_segment(header or {'alg': 'HS256', 'typ': 'JWT'})}.{encode_segment(claims)}"
    )
    signature = hmac.new(key.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256)
    return f"{signing_input}.{b64url(signature.digest())}"


def token_event(authorization: str, method_arn: str = METHOD_ARN) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": authorization, "methodArn": method_arn}


def bearer(token: str) -> dict[str, Any]:
    return token_event(f"Bearer {token}")


def effect(response: dict[str, Any]) -> str:
    statements = response["policyDocument"]["Statement"]
    assert len(statements) == 1
    return str(statements[0]["Effect"])


def assert_denied(response: dict[str, Any]) -> None:
    assert response == {
        "principalId": "unauthorized",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": [ALL_ROUTES]}
            ],
        },
    }


def put_tenant(tenant_id: str, status: str | None = None) -> None:
    item: dict[str, Any] = {"tenantId": {"S": tenant_id}}
    if status is not None:
        item["status"] = {"S": status}
    boto3.client("dynamodb", region_name=REGION).put_item(TableName=TABLE, Item=item)


def calls_to(api_calls: list[ApiCall], service: str, operation: str | None = None) -> list:
    return [
        call
        for call in api_calls
        if call[0] == service and (operation is None or call[1] == operation)
    ]


def decisions(output: str) -> list[dict[str, Any]]:
    return [line for line in json_lines(output) if line.get("message") == "Authorization decision"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="tenant-authorizer-test",
        namespace=NAMESPACE,
        clear=(
            "SIGNING_SECRET_ARN",
            "TENANT_CLAIM",
            "TOKEN_ISSUER",
            "TOKEN_AUDIENCE",
            "CLOCK_SKEW_SECONDS",
            "TENANT_TABLE_NAME",
            "ALLOWED_TENANTS",
            "REGISTRY_CACHE_SECONDS",
            "POWERTOOLS_LOGGER_LOG_EVENT",
            "POWERTOOLS_PARAMETERS_MAX_AGE",
        ),
    )
    # The Powertools parameters cache is process-wide (it outlives a reloaded module).
    parameters.clear_caches()
    yield
    parameters.clear_caches()


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[[], ModuleType]:
    """Load ``index.py`` from its path as a brand new module (fresh registry and caches)."""

    def load() -> ModuleType:
        return load_asset_module(monkeypatch, MODULE_NAME, HANDLER_FILE)

    return load


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def signing_secret(aws: None, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], str]:
    """Sets ``SIGNING_SECRET_ARN`` to a new secret holding ``SIGNING_KEY`` (or the string
    given to the returned function, which replaces it)."""
    client = boto3.client("secretsmanager", region_name=REGION)

    def store(value: str) -> str:
        arn = client.create_secret(Name=f"authorizer-key-{uuid.uuid4().hex}", SecretString=value)
        monkeypatch.setenv("SIGNING_SECRET_ARN", arn["ARN"])
        return str(arn["ARN"])

    store(SIGNING_KEY)
    return store


@pytest.fixture
def tenant_table(aws: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """The tenant registry table, with the active tenant ``acme``."""
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "tenantId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "tenantId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    put_tenant("acme", "ACTIVE")
    monkeypatch.setenv("TENANT_TABLE_NAME", TABLE)
    return TABLE


@pytest.fixture
def handler_module(
    signing_secret: Callable[[str], str], tenant_table: str, load_handler: Callable[[], ModuleType]
) -> ModuleType:
    return load_handler()


@pytest.fixture
def api_calls(monkeypatch: pytest.MonkeyPatch) -> list[ApiCall]:
    """Every AWS API call made by any boto3 client, as (service, operation, params)."""
    calls: list[ApiCall] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        calls.append((self.meta.service_model.service_name, operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    return calls


# --------------------------------------------------------------------------- allow


def test_valid_token_allows_every_route_with_the_tenant_in_context(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a valid token of alice for the active tenant acme
    event = bearer(make_token())

    # WHEN the authorizer is invoked
    response = handler_module.handler(event, lambda_context())

    # THEN every method and resource of the API stage is allowed (the cached decision is
    # valid for the other routes), for principal alice, with the tenant in the context
    assert response == {
        "principalId": "alice",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [ALL_ROUTES]}
            ],
        },
        "context": {"tenantId": "acme", "subject": "alice"},
    }
    # AND the decision is logged with the tenant and counted in a dimension-free metric
    output = capsys.readouterr().out
    [decision] = decisions(output)
    assert decision["decision"] == "Allow"
    assert decision["tenant_id"] == "acme"
    assert decision["reason"] == "authorized"
    assert emitted_metrics(output, NAMESPACE, counts_without_dimensions=True) == {
        "AuthorizerAllowed": 1
    }


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Bearer {token}", id="Bearer"),
        pytest.param("bearer {token}", id="lower-case"),
        pytest.param("BEARER   {token}  ", id="upper-case-extra-spaces"),
        pytest.param("{token}", id="no-prefix"),
    ],
)
def test_bearer_prefix_is_optional_and_case_insensitive(
    handler_module: ModuleType, authorization: str
) -> None:
    # GIVEN a valid token, with or without its Bearer prefix
    event = token_event(authorization.format(token=make_token()))

    # WHEN the authorizer is invoked
    response = handler_module.handler(event, lambda_context())

    # THEN access is allowed
    assert effect(response) == "Allow"


def test_tenant_without_status_attribute_is_active(handler_module: ModuleType) -> None:
    # GIVEN a registered tenant whose item has no status attribute
    put_tenant("globex")

    # WHEN one of its users calls the API
    response = handler_module.handler(bearer(make_token(tenant_id="globex")), lambda_context())

    # THEN access is allowed
    assert effect(response) == "Allow"
    assert response["context"]["tenantId"] == "globex"


def test_partition_of_the_method_arn_is_kept(handler_module: ModuleType) -> None:
    # GIVEN a method ARN in another partition than aws
    arn = f"arn:aws-cn:execute-api:cn-north-1:{ACCOUNT}:abcdef1234/v1/POST/orders/42"

    # WHEN a valid token is authorized
    response = handler_module.handler(token_event(f"Bearer {make_token()}", arn), lambda_context())

    # THEN the policy covers all routes of that API stage, in that partition
    assert response["policyDocument"]["Statement"][0]["Resource"] == [
        f"arn:aws-cn:execute-api:cn-north-1:{ACCOUNT}:abcdef1234/v1/*/*"
    ]


def test_custom_tenant_claim(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the tenant id carried in a custom claim
    monkeypatch.setenv("TENANT_CLAIM", "custom:tenant")
    module = load_handler()
    claims = {"sub": "bob", "custom:tenant": "acme", "exp": int(time.time()) + 60}

    # WHEN the authorizer sees tokens with and without that claim
    allowed = module.handler(bearer(make_token(claims)), lambda_context())
    denied = module.handler(bearer(make_token()), lambda_context())

    # THEN only the token with the custom claim is allowed
    assert allowed["context"] == {"tenantId": "acme", "subject": "bob"}
    assert_denied(denied)


# --------------------------------------------------------------------------- tenants


def test_unknown_tenant_is_denied(
    handler_module: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a validly signed token for a tenant that is not in the registry
    event = bearer(make_token(tenant_id="initech"))

    # WHEN the authorizer is invoked
    response = handler_module.handler(event, lambda_context())

    # THEN every route is denied, without context
    assert_denied(response)
    # AND the deny is logged with the tenant and counted
    output = capsys.readouterr().out
    [decision] = decisions(output)
    assert decision["decision"] == "Deny"
    assert decision["tenant_id"] == "initech"
    assert decision["reason"] == "unknown or inactive tenant"
    assert emitted_metrics(output, NAMESPACE, counts_without_dimensions=True) == {
        "AuthorizerDenied": 1
    }


def test_suspended_tenant_is_denied(handler_module: ModuleType) -> None:
    # GIVEN a tenant whose status is SUSPENDED
    put_tenant("umbrella", "SUSPENDED")

    # WHEN one of its users presents a valid token
    response = handler_module.handler(bearer(make_token(tenant_id="umbrella")), lambda_context())

    # THEN access is denied
    assert_denied(response)


@pytest.mark.parametrize(
    "tenant_id",
    [
        pytest.param("../acme", id="path"),
        pytest.param("-acme", id="leading-dash"),
        pytest.param("acme\n", id="trailing-newline"),
        pytest.param("ac me", id="space"),
        pytest.param("a" * 129, id="too-long"),
        pytest.param("acme*", id="wildcard"),
        pytest.param(42, id="number"),
        pytest.param("", id="empty"),
    ],
)
def test_invalid_tenant_id_is_denied_without_asking_the_registry(
    handler_module: ModuleType, api_calls: list[ApiCall], tenant_id: Any
) -> None:
    # GIVEN a validly signed token whose tenant claim is not a tenant id
    event = bearer(make_token(tenant_id=tenant_id))

    # WHEN the authorizer is invoked
    response = handler_module.handler(event, lambda_context())

    # THEN access is denied and the registry is never queried
    assert_denied(response)
    assert calls_to(api_calls, "dynamodb") == []


def test_longest_valid_tenant_id_is_accepted(handler_module: ModuleType) -> None:
    # GIVEN an active tenant with a 128-character id using every allowed character class
    tenant_id = "A0_.-" + "x" * 123
    put_tenant(tenant_id, "ACTIVE")

    # WHEN one of its users calls the API
    response = handler_module.handler(bearer(make_token(tenant_id=tenant_id)), lambda_context())

    # THEN access is allowed
    assert response["context"]["tenantId"] == tenant_id


def test_registry_answers_are_cached(handler_module: ModuleType, api_calls: list[ApiCall]) -> None:
    # GIVEN a known and an unknown tenant
    known, unknown = bearer(make_token()), bearer(make_token(tenant_id="initech"))

    # WHEN each is authorized three times
    responses = [handler_module.handler(event, lambda_context()) for event in (known, unknown) * 3]

    # THEN the answers do not change
    assert [effect(r) for r in responses] == ["Allow", "Deny"] * 3
    # AND DynamoDB is asked once per tenant (negative answers are cached too), eventually
    # consistently, and the signing secret is read once
    gets = calls_to(api_calls, "dynamodb", "GetItem")
    assert [call[2]["Key"] for call in gets] == [
        {"tenantId": {"S": "acme"}},
        {"tenantId": {"S": "initech"}},
    ]
    assert all(call[2]["TableName"] == TABLE for call in gets)
    assert all(call[2]["ConsistentRead"] is False for call in gets)
    assert len(calls_to(api_calls, "secretsmanager", "GetSecretValue")) == 1


def test_registry_cache_can_be_disabled(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
    api_calls: list[ApiCall],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN REGISTRY_CACHE_SECONDS=0
    monkeypatch.setenv("REGISTRY_CACHE_SECONDS", "0")
    module = load_handler()

    # WHEN a tenant is authorized, then suspended, then authorized again
    first = module.handler(bearer(make_token()), lambda_context())
    put_tenant("acme", "SUSPENDED")
    second = module.handler(bearer(make_token()), lambda_context())

    # THEN every invocation reads the registry and the suspension is effective at once
    assert (effect(first), effect(second)) == ("Allow", "Deny")
    assert len(calls_to(api_calls, "dynamodb", "GetItem")) == 2


def test_static_registry_from_allowed_tenants(
    signing_secret: Callable[[str], str],
    load_handler: Callable[[], ModuleType],
    api_calls: list[ApiCall],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN no tenant table but a static list of tenants
    monkeypatch.setenv("ALLOWED_TENANTS", " acme , globex,")
    module = load_handler()

    # WHEN users of listed and unlisted tenants call the API
    responses = [
        module.handler(bearer(make_token(tenant_id=tenant)), lambda_context())
        for tenant in ("acme", "globex", "initech")
    ]

    # THEN only the listed tenants are allowed, and DynamoDB is never called
    assert [effect(r) for r in responses] == ["Allow", "Allow", "Deny"]
    assert calls_to(api_calls, "dynamodb") == []


def test_no_registry_configured_fails_closed(
    signing_secret: Callable[[str], str], load_handler: Callable[[], ModuleType]
) -> None:
    # GIVEN neither TENANT_TABLE_NAME nor ALLOWED_TENANTS
    module = load_handler()

    # WHEN the authorizer is invoked, even with a valid token
    # THEN it raises a configuration error (API Gateway answers 500), every time
    for _ in range(2):
        with pytest.raises(module.AuthorizerConfigurationError, match="TENANT_TABLE_NAME"):
            module.handler(bearer(make_token()), lambda_context())


def test_missing_signing_secret_fails_closed(
    aws: None, tenant_table: str, load_handler: Callable[[], ModuleType]
) -> None:
    # GIVEN no SIGNING_SECRET_ARN
    module = load_handler()

    # WHEN the authorizer is invoked
    # THEN it raises a configuration error
    with pytest.raises(module.AuthorizerConfigurationError, match="SIGNING_SECRET_ARN"):
        module.handler(bearer(make_token()), lambda_context())


def test_registry_failure_is_raised(
    signing_secret: Callable[[str], str],
    load_handler: Callable[[], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a tenant table that does not exist
    monkeypatch.setenv("TENANT_TABLE_NAME", "no-such-table")
    module = load_handler()
    token = make_token()

    # WHEN the authorizer is invoked
    # THEN the DynamoDB error is raised (API Gateway answers 500: fail closed)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        module.handler(bearer(token), lambda_context())
    # AND the failure is logged, without the token
    output = capsys.readouterr().out
    assert any(line.get("level") == "ERROR" for line in json_lines(output))
    assert token.split(".")[2] not in output


# --------------------------------------------------------------------------- bad tokens


def test_bad_signature_is_denied(handler_module: ModuleType) -> None:
    # GIVEN a token signed with another key
    event = bearer(make_token(key="not-the-signing-key"))

    # WHEN the authorizer is invoked
    response = handler_module.handler(event, lambda_context())

    # THEN access is denied
    assert_denied(response)


def test_tampered_payload_is_denied(handler_module: ModuleType) -> None:
    # GIVEN a valid token whose payload is swapped for another tenant's
    header, _, signature = make_token().split(".")
    forged = encode_segment({"sub": "alice", "tenant_id": "globex", "exp": time.time() + 60})
    put_tenant("globex")

    # WHEN the authorizer is invoked
    response = handler_module.handler(bearer(f"{header}.{forged}.{signature}"), lambda_context())

    # THEN access is denied
    assert_denied(response)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"alg": "none", "typ": "JWT"}, id="none"),
        pytest.param({"alg": "None"}, id="None"),
        pytest.param({"alg": "HS512"}, id="HS512"),
        pytest.param({"alg": "RS256"}, id="RS256"),
        pytest.param({"alg": "hs256"}, id="lower-case"),
        pytest.param({"typ": "JWT"}, id="no-alg"),
        pytest.param({"alg": "HS256", "crit": ["exp"]}, id="crit"),
    ],
)
def test_unsupported_header_is_denied(handler_module: ModuleType, header: dict[str, Any]) -> None:
    # GIVEN a token whose header is not plain HS256, signed or not
    signed = make_token(header=header)
    unsigned = signed.rsplit(".", 1)[0] + "."

    # WHEN the authorizer is invoked with either
    # THEN access is denied
    for token in (signed, unsigned):
        assert_denied(handler_module.handler(bearer(token), lambda_context()))


MISSING: Any = object()
"""A claim value meaning: remove the claim."""


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param(lambda now: {"exp": now - 61}, "token expired", id="expired"),
        pytest.param(lambda now: {"exp": MISSING}, "token has no exp", id="no-exp"),
        pytest.param(lambda now: {"exp": "soon"}, "claim exp is not a number", id="exp-string"),
        pytest.param(lambda now: {"exp": True}, "claim exp is not a number", id="exp-bool"),
        pytest.param(lambda now: {"exp": float("nan")}, "claim exp is not a number", id="exp-nan"),
        pytest.param(lambda now: {"exp": float("inf")}, "claim exp is not a number", id="exp-inf"),
        pytest.param(lambda now: {"nbf": now + 120}, "token nbf is in the future", id="nbf"),
        pytest.param(lambda now: {"iat": now + 120}, "token iat is in the future", id="iat"),
        pytest.param(
            lambda now: {"tenant_id": MISSING}, "token has no tenant_id claim", id="no-tenant"
        ),
        pytest.param(lambda now: {"sub": MISSING}, "token has no sub claim", id="no-sub"),
        pytest.param(lambda now: {"sub": ""}, "token has no sub claim", id="empty-sub"),
    ],
)
def test_invalid_claims_are_denied(
    handler_module: ModuleType,
    capsys: pytest.CaptureFixture[str],
    changes: Callable[[int], dict[str, Any]],
    reason: str,
) -> None:
    # GIVEN a validly signed token with one bad or missing claim
    now = int(time.time())
    claims = {"sub": "alice", "tenant_id": "acme", "iat": now, "exp": now + 300}
    claims.update(changes(now))
    claims = {name: value for name, value in claims.items() if value is not MISSING}

    # WHEN the authorizer is invoked
    response = handler_module.handler(bearer(make_token(claims)), lambda_context())

    # THEN access is denied, for that reason, without any tenant in the log
    assert_denied(response)
    output = capsys.readouterr().out
    [decision] = decisions(output)
    assert (decision["decision"], decision["reason"]) == ("Deny", reason)
    assert "tenant_id" not in decision  # Powertools drops keys whose value is None
    assert emitted_metrics(output, NAMESPACE, counts_without_dimensions=True) == {
        "AuthorizerDenied": 1
    }


def test_clock_skew_is_tolerated(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a clock skew of 120 s
    monkeypatch.setenv("CLOCK_SKEW_SECONDS", "120")
    module = load_handler()
    now = int(time.time())

    # WHEN tokens just inside and just outside the skew are presented
    def decide(**claims: Any) -> str:
        return effect(module.handler(bearer(make_token(**claims)), lambda_context()))

    # THEN only those within the skew are allowed
    assert decide(exp=now - 100) == "Allow"
    assert decide(nbf=now + 100, iat=now + 100) == "Allow"
    assert decide(exp=now - 130) == "Deny"
    assert decide(nbf=now + 130) == "Deny"


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="bearer-only"),
        pytest.param("Bearer    ", id="bearer-no-value"),
        pytest.param("Bearer not-a-jwt", id="one-segment"),
        pytest.param("Bearer a.b", id="two-segments"),
        pytest.param("Bearer a.b.c.d", id="four-segments"),
        pytest.param("Bearer a.b.c", id="not-base64-json"),
        pytest.param(f"Bearer {encode_segment([1])}.e30.AAAA", id="header-not-object"),
        pytest.param("Bearer e30=.e30.AAAA", id="padding"),
        pytest.param("Bearer e3+/.e30.AAAA", id="standard-base64"),
        pytest.param("Basic YWxpY2U6cGFzc3dvcmQ=", id="basic-auth"),
    ],
)
def test_malformed_token_is_denied(handler_module: ModuleType, authorization: str) -> None:
    # GIVEN an Authorization value that is not a JWT
    event = token_event(authorization)

    # WHEN the authorizer is invoked
    response = handler_module.handler(event, lambda_context())

    # THEN access is denied
    assert_denied(response)


def test_malformed_payload_of_a_signed_token_is_denied(handler_module: ModuleType) -> None:
    # GIVEN a correctly signed token whose payload is a JSON array
    signing_input = f"{encode_segment({'alg': 'HS256'})}.{encode_segment(['acme'])}"
    digest = hmac.new(SIGNING_KEY.encode(), signing_input.encode(), hashlib.sha256).digest()

    # WHEN the authorizer is invoked
    response = handler_module.handler(bearer(f"{signing_input}.{b64url(digest)}"), lambda_context())

    # THEN access is denied
    assert_denied(response)


def test_missing_authorization_token_is_denied(handler_module: ModuleType) -> None:
    # GIVEN an event without authorizationToken
    event = {"type": "TOKEN", "methodArn": METHOD_ARN}

    # WHEN the authorizer is invoked
    # THEN access is denied
    assert_denied(handler_module.handler(event, lambda_context()))


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param({"iss": "https://issuer.example", "aud": "orders-api"}, "Allow", id="ok"),
        pytest.param(
            {"iss": "https://issuer.example", "aud": ["billing", "orders-api"]},
            "Allow",
            id="aud-list",
        ),
        pytest.param({"iss": "https://evil.example", "aud": "orders-api"}, "Deny", id="bad-iss"),
        pytest.param({"aud": "orders-api"}, "Deny", id="no-iss"),
        pytest.param({"iss": "https://issuer.example", "aud": "billing"}, "Deny", id="bad-aud"),
        pytest.param({"iss": "https://issuer.example", "aud": ["billing"]}, "Deny", id="aud-list"),
        pytest.param({"iss": "https://issuer.example"}, "Deny", id="no-aud"),
        pytest.param({"iss": "https://issuer.example", "aud": 7}, "Deny", id="aud-number"),
    ],
)
def test_issuer_and_audience_when_configured(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    claims: dict[str, Any],
    expected: str,
) -> None:
    # GIVEN an expected issuer and audience
    monkeypatch.setenv("TOKEN_ISSUER", "https://issuer.example")
    monkeypatch.setenv("TOKEN_AUDIENCE", "orders-api")
    module = load_handler()

    # WHEN a token with the given iss/aud is presented
    response = module.handler(bearer(make_token(**claims)), lambda_context())

    # THEN it is allowed only if both match
    assert effect(response) == expected


def test_issuer_and_audience_are_ignored_when_not_configured(handler_module: ModuleType) -> None:
    # GIVEN no TOKEN_ISSUER nor TOKEN_AUDIENCE, and a token with arbitrary iss and aud
    token = make_token(iss="https://anyone.example", aud=["whatever"])

    # WHEN it is presented
    # THEN it is allowed
    assert effect(handler_module.handler(bearer(token), lambda_context())) == "Allow"


# --------------------------------------------------------------------------- signing keys


def test_rotated_keys_any_listed_key_verifies(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
) -> None:
    # GIVEN a secret listing a new and the previous key
    signing_secret(json.dumps({"keys": ["new-key-after-rotation", SIGNING_KEY]}))
    module = load_handler()

    # WHEN tokens signed with each, and with an unlisted key, are presented
    def decide(key: str) -> str:
        return effect(module.handler(bearer(make_token(key=key)), lambda_context()))

    # THEN the tokens signed with a listed key (the second one included) are allowed
    assert decide(SIGNING_KEY) == "Allow"
    assert decide("new-key-after-rotation") == "Allow"
    assert decide("retired-key") == "Deny"


def test_json_secret_without_keys_is_itself_the_key(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
) -> None:
    # GIVEN a secret that is a JSON document without a "keys" entry
    secret = json.dumps({"key": "value"})
    signing_secret(secret)
    module = load_handler()

    # WHEN a token signed with the whole secret string is presented
    # THEN it is allowed
    response = module.handler(bearer(make_token(key=secret)), lambda_context())
    assert effect(response) == "Allow"


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param('{"keys": []}', id="no-key"),
        pytest.param('{"keys": "one-key"}', id="not-a-list"),
        pytest.param('{"keys": ["ok", 7]}', id="not-strings"),
        pytest.param('{"keys": ["ok", ""]}', id="empty-key"),
    ],
)
def test_invalid_key_list_fails_closed(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
    secret: str,
) -> None:
    # GIVEN a secret whose key list is unusable
    signing_secret(secret)
    module = load_handler()

    # WHEN the authorizer is invoked
    # THEN it raises a configuration error
    with pytest.raises(module.AuthorizerConfigurationError):
        module.handler(bearer(make_token(key="ok")), lambda_context())


# --------------------------------------------------------------------------- plumbing


def test_token_is_never_logged(
    signing_secret: Callable[[str], str],
    tenant_table: str,
    load_handler: Callable[[], ModuleType],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN debug logging, and event logging requested through the environment
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    caplog.set_level("DEBUG")
    module = load_handler()
    tokens = [
        make_token(),
        make_token(tenant_id="initech"),
        make_token(key="wrong-key"),
        make_token(exp=int(time.time()) - 3600),
        make_token(tenant_id="../acme"),
    ]

    # WHEN the authorizer allows and denies them
    responses = [module.handler(bearer(token), lambda_context()) for token in tokens]
    assert [effect(r) for r in responses] == ["Allow"] + ["Deny"] * 4

    # THEN every decision is logged, but no token nor any part of one appears in the logs
    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert len(decisions(captured.out)) == len(tokens)
    for token in tokens:
        for part in token.split("."):
            assert part not in logs
    assert "Bearer" not in logs


def test_make_handler_with_custom_registry_and_keys(
    load_handler: Callable[[], ModuleType], api_calls: list[ApiCall]
) -> None:
    # GIVEN a handler built with its own registry and key provider, and no AWS setting
    module = load_handler()
    seen: list[str] = []

    class Registry:
        def is_active(self, tenant_id: str) -> bool:
            seen.append(tenant_id)
            return tenant_id == "acme"

    custom = module.make_handler(registry=Registry(), key_provider=lambda: [b"vendored-key"])

    # WHEN it authorizes tokens
    allowed = custom(bearer(make_token(key="vendored-key")), lambda_context())
    denied = custom(bearer(make_token(key="vendored-key", tenant_id="globex")), lambda_context())

    # THEN it uses them, and makes no AWS call at all
    assert effect(allowed) == "Allow"
    assert_denied(denied)
    assert seen == ["acme", "globex"]
    assert api_calls == []


def test_importing_the_module_needs_no_aws_settings(
    load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no AWS credentials nor region, and boto3 unable to create any client
    forbid_aws_clients(monkeypatch)
    monkeypatch.setenv("TENANT_TABLE_NAME", TABLE)

    # WHEN the handler module is imported
    module = load_handler()

    # THEN the import succeeds and exposes the handler and its building blocks
    assert callable(module.handler)
    assert callable(module.make_handler)
    assert module.StaticTenantRegistry(frozenset({"acme"})).is_active("acme")

"""Specs: the paved_road_blueprints constructs.

A blueprint passes many props through to the paved_road constructs it composes; the
error then comes from the inner construct, under the blueprint's path and with the same
prop name (``Bad(prop=inner("QueueConsumer 'Test/Subject/Consumer'", "batch_size"))``).
Props the blueprint renames (``stream_timeout``, ``cohort_glob``, ``snippets``...) are
reported under the blueprint's own name.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Environment
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from hypothesis import strategies as st

from paved_road import (
    Criticality,
    Invocation,
    KafkaSource,
    PollerSizing,
    RoutingMode,
    StreamingLanguage,
    TrafficShift,
)
from paved_road.rest_api import CustomDomain
from paved_road_blueprints import (
    EventProcessingService,
    KafkaStreamProcessor,
    MultiTenantApi,
    Snippet,
    StreamingApi,
    StreamOutput,
    TenantCodeRunner,
    VersionedApi,
)
from tests.unit.props.common import (
    CERT_ARN,
    FLEET_CODE,
    LAYER_ARN,
    MSK_ARN,
    blank,
    fractional,
    inside,
    outside,
    seconds_inside,
    seconds_outside,
    topic,
)
from tests.unit.props.framework import Bad, Make, Spec, renderings
from tests.unit.props.specs_tenancy import tenant_table

RUNTIME_VERSION_ARN = "arn:aws:lambda:eu-west-1::runtime:" + "0" * 64


def inner(where: str, prop: str, value: Any = None, shows: tuple[str, ...] = ()) -> Any:
    """A Bad whose error comes from the inner construct ``where`` ("Kind 'path'")."""
    return Bad(value, f"{where}: {prop}", shows or renderings(value))


def passed_to(where: str, prop: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Invalid values of a prop the blueprint passes through, reported by ``where``."""

    def bad(drawn: Any) -> Bad:
        if isinstance(drawn, Bad):
            return Bad(drawn.value, f"{where}: {prop}", drawn.shows or renderings(drawn.value))
        return inner(where, prop, drawn)

    return values.map(bad)


# S3 key prefixes: '/'-separated S3-safe segments, no leading or trailing '/', no IAM
# wildcards (they would widen the write grant), at most 512 characters.
bad_object_prefixes = st.one_of(
    st.sampled_from(
        [
            "",
            "/events",
            "events/",
            "a//b",
            "events*",
            "ev?nts",
            "./x",
            "a/../b",
            "${aws:username}",
            "a\tb",
        ]
    ),
    st.just(Bad("e" * 513, shows=("513",))),
)
object_prefixes = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,10}(/[a-z0-9][a-z0-9_-]{0,10}){0,2}\Z")
deliveries = st.sampled_from([{}, {"deployment": TrafficShift.all_at_once()}, {"keep_versions": 5}])
bad_deliveries = st.sampled_from(
    [
        ({"runtime_version_arn": "python3.14"}, "runtime_version_arn", "'python3.14'"),
        ({"keep_versions": 0}, "keep_versions", "0"),
        ({"deployment": TrafficShift.canary(0, 5)}, "deployment", ""),
    ]
)
# CRITICAL functions pin a runtime version (delivery={"runtime_version_arn": ...})
criticalities = st.sampled_from([Criticality.STANDARD, Criticality.IMPORTANT])


def bad_delivery(where: str) -> st.SearchStrategy[Bad]:
    return bad_deliveries.map(lambda d: Bad(d[0], f"{where}: {d[1]}", (d[2],) if d[2] else ("",)))


# ------------------------------------------------------------------ EventProcessingService

_EPS_CONSUMER = "QueueConsumer 'Test/Subject/Consumer'"
_EPS_FUNCTION = "GovernedFunction 'Test/Subject/Consumer/Function'"

EVENT_PROCESSING_SERVICE = Spec(
    kind="EventProcessingService",
    cls=EventProcessingService,
    base=dict,
    invalid={
        "object_prefix": bad_object_prefixes,
        "batch_size": passed_to(_EPS_CONSUMER, "batch_size", outside(1, 10_000)),
        "max_batching_window": passed_to(
            _EPS_CONSUMER, "max_batching_window", seconds_outside(0, 300)
        ),
        "max_concurrency": passed_to(_EPS_CONSUMER, "max_concurrency", outside(2, 1000)),
        "memory_size": passed_to(_EPS_FUNCTION, "memory_size", outside(128, 10240)),
        "timeout": passed_to(_EPS_FUNCTION, "timeout", seconds_outside(1, 900)),
        "delivery": bad_delivery(_EPS_FUNCTION),
    },
    valid={
        "production": st.booleans(),
        "criticality": criticalities,
        "delivery": deliveries,
        "idempotency": st.booleans(),
        "object_prefix": object_prefixes,
        "batch_size": inside(1, 10),
        "max_batching_window": st.one_of(st.none(), seconds_inside(1, 300)),
        "max_concurrency": st.one_of(st.none(), inside(2, 1000)),
        "memory_size": inside(128, 10240),
        "timeout": seconds_inside(1, 900),
        "alarm_topic": st.just(topic()),
    },
)

# ------------------------------------------------------------------ KafkaStreamProcessor

_KSP_CONSUMER = "KafkaConsumer 'Test/Subject/Consumer'"
_KSP_FUNCTION = "GovernedFunction 'Test/Subject/Consumer/Function'"


def _kafka_base() -> dict[str, Any]:
    return {"source": KafkaSource.msk(MSK_ARN), "topic": "orders"}


KAFKA_STREAM_PROCESSOR = Spec(
    kind="KafkaStreamProcessor",
    cls=KafkaStreamProcessor,
    base=_kafka_base,
    invalid={
        "topic": passed_to(
            _KSP_CONSUMER,
            "topic",
            st.one_of(blank, st.sampled_from([".orders", "a b", "o", "t" * 250, "orders/x"])),
        ),
        "source": st.sampled_from(
            [
                Bad(KafkaSource.msk("not-an-arn"), f"{_KSP_CONSUMER}: source", ("'not-an-arn'",)),
                Bad(
                    KafkaSource.self_managed([]),
                    f"{_KSP_CONSUMER}: source.bootstrap_servers",
                    ("[]",),
                ),
            ]
        ),
        "object_prefix": bad_object_prefixes,
        "batch_size": passed_to(_KSP_CONSUMER, "batch_size", outside(1, 10_000)),
        "max_batching_window": passed_to(
            _KSP_CONSUMER, "max_batching_window", seconds_outside(0, 300)
        ),
        "minimum_pollers": passed_to(_KSP_CONSUMER, "minimum_pollers", outside(1, 200)),
        "maximum_pollers": passed_to(_KSP_CONSUMER, "maximum_pollers", outside(1, 2000)),
        "memory_size": passed_to(_KSP_FUNCTION, "memory_size", outside(128, 10240)),
        "timeout": passed_to(_KSP_FUNCTION, "timeout", seconds_outside(1, 900)),
        "record_processing_time": passed_to(
            _KSP_CONSUMER,
            "record_processing_time",
            st.sampled_from([Duration.millis(0), Duration.minutes(16)]).map(
                lambda d: Bad(d, shows=(str(int(d.to_milliseconds())),))
            ),
        ),
        "filters": passed_to(
            _KSP_CONSUMER,
            "filters",
            st.sampled_from([[{"nope": {"type": ["x"]}}], [{}] * 6]).map(
                lambda f: Bad(f, shows=("",))
            ),
        ),
        "delivery": bad_delivery(_KSP_FUNCTION),
    },
    valid={
        "output": st.sampled_from(list(StreamOutput)),
        "production": st.booleans(),
        "criticality": criticalities,
        "delivery": deliveries,
        "minimum_pollers": inside(1, 2),
        "maximum_pollers": inside(2, 20),
        "batch_size": inside(1, 10_000),
        "max_batching_window": st.one_of(st.none(), seconds_inside(0, 300)),
        "filters": st.lists(
            st.sampled_from(["order", "refund", "invoice"]).map(
                lambda kind: {"value": {"type": [kind]}}
            ),
            max_size=2,
            unique_by=lambda f: f["value"]["type"][0],
        ),
        "object_prefix": object_prefixes,
        "memory_size": inside(128, 10240),
        "timeout": seconds_inside(60, 900),
        "record_processing_time": st.integers(1, 100).map(Duration.millis),
        "alarm_topic": st.just(topic()),
    },
    conflicts=(
        (
            lambda: {
                "poller_sizing": PollerSizing.from_throughput(
                    peak_mb_per_s=10, partitions=12, average_record_kb=1
                ),
                "minimum_pollers": 1,
            },
            "poller_sizing",
        ),
        (lambda: {"on_demand": True, "maximum_pollers": 4}, "on_demand"),
    ),
)

# ------------------------------------------------------------------ MultiTenantApi

_MTA_AUTHORIZER = "TenantAuthorizer 'Test/Subject/Authorizer'"
_MTA_FUNCTION = "TenantIsolatedFunction 'Test/Subject/Function'"


MULTI_TENANT_API = Spec(
    kind="MultiTenantApi",
    cls=MultiTenantApi,
    base=dict,
    invalid={
        "throttling_rate_limit": outside(1, 1_000_000),
        "throttling_burst_limit": outside(0, 5000),
        "stage_name": st.one_of(
            blank, st.sampled_from(["a b", "v1/prod", "prod!", "é", "s" * 129])
        ),
        "allowed_tenants": st.one_of(
            st.just(inner(_MTA_AUTHORIZER, "allowed_tenants", [])),
            st.sampled_from(["not ok", "-lead", ""]).map(
                lambda t: Bad(["blue", t], f"{_MTA_AUTHORIZER}: allowed_tenants[1]", (repr(t),))
            ),
        ),
        "issuer": passed_to(_MTA_AUTHORIZER, "issuer", blank),
        "audience": passed_to(_MTA_AUTHORIZER, "audience", blank),
        "function_props": st.sampled_from(
            [
                inner(_MTA_FUNCTION, "memory_size", {"memory_size": 64}, ("64",)),
                inner(
                    _MTA_FUNCTION,
                    "invocation",
                    {"invocation": Invocation.EVENT_SOURCE_MAPPING},
                    ("<Invocation.EVENT_SOURCE_MAPPING",),
                ),
                inner(_MTA_FUNCTION, "handler", {"handler": ""}, ("''",)),
            ]
        ),
    },
    valid={
        "stage_name": st.from_regex(r"\A[A-Za-z0-9_-]{1,20}\Z"),
        "throttling_rate_limit": st.one_of(inside(1, 10_000), st.just(10.5)),
        "throttling_burst_limit": inside(0, 5000),
        "allowed_tenants": st.lists(
            st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,10}\Z"), min_size=1, max_size=4
        ),
        "issuer": st.just("https://auth.example.com/"),
        "audience": st.just("orders-api"),
        "criticality": criticalities,
        "log_retention": st.sampled_from(
            [logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR]
        ),
        "function_props": st.sampled_from(
            [{}, {"memory_size": 512}, {"timeout": Duration.seconds(10)}]
        ),
    },
    conflicts=(
        (
            lambda: {"tenant_table": tenant_table(), "allowed_tenants": ["blue"]},
            "tenant_table/allowed_tenants",
        ),
    ),
)

# ------------------------------------------------------------------ StreamingApi

_SA_STREAM = "StreamingFunction 'Test/Subject/Stream'"
_SA_STREAM_FUNCTION = "GovernedFunction 'Test/Subject/Stream/Function'"
_SA_BUFFERED = "GovernedFunction 'Test/Subject/Buffered'"


def _token_authorizer(scope: Any) -> apigw.TokenAuthorizer:
    handler = lambda_.Function(
        scope,
        "AuthFn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): return {}"),
    )
    return apigw.TokenAuthorizer(scope, "Auth", handler=handler)


STREAMING_API = Spec(
    kind="StreamingApi",
    cls=StreamingApi,
    base=dict,
    invalid={
        "stream_timeout": st.one_of(
            seconds_outside(1, 900), st.just(Bad(Duration.minutes(16), shows=("960",)))
        ),
        "token_delay": passed_to(
            _SA_STREAM,
            "token_delay",
            st.sampled_from([Duration.seconds(11), Duration.minutes(1)]).map(
                lambda d: Bad(d, shows=(str(int(d.to_milliseconds())),))
            ),
        ),
        "public_reason": blank,
        "domain": st.sampled_from(
            [CustomDomain("not a domain", CERT_ARN), CustomDomain("api.example.com", "arn")]
        ).map(lambda d: Bad(d, "GovernedRestApi 'Test/Subject/Api': domain", ("",))),
        "streaming_delivery": bad_delivery(_SA_STREAM_FUNCTION),
        "buffered_delivery": bad_delivery(_SA_BUFFERED),
    },
    valid={
        "language": st.sampled_from(list(StreamingLanguage)),
        "production": st.booleans(),
        "public_reason": st.just("Demo chat endpoint for the public documentation site"),
        "stream_timeout": seconds_inside(1, 900),
        "token_delay": st.integers(0, 10_000).map(Duration.millis),
        "criticality": criticalities,
        "streaming_delivery": deliveries,
        "buffered_delivery": deliveries,
    },
    conflicts=(
        (
            lambda: {
                "authorizer": Make(_token_authorizer, "apigw.TokenAuthorizer"),
                "public_reason": "demo",
            },
            "authorizer/public_reason",
        ),
    ),
)

# ------------------------------------------------------------------ VersionedApi

_VA_V1 = "GovernedRestApi 'Test/Subject/V1'"


def _versioned_base() -> dict[str, Any]:
    return {"domain_name": "api.example.com", "certificate_arn": CERT_ARN}


header_globs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,8}\*?\Z")

VERSIONED_API = Spec(
    kind="VersionedApi",
    cls=VersionedApi,
    base=_versioned_base,
    invalid={
        "domain_name": passed_to(
            _VA_V1, "domain", st.one_of(blank, st.sampled_from(["not a domain", "API.example.com"]))
        ),
        "certificate_arn": passed_to(
            _VA_V1, "domain", st.sampled_from(["not-an-arn", "arn:aws:acm:eu-west-1:1:cert/x"])
        ),
        "mode": st.just(
            Bad(RoutingMode.API_MAPPING_ONLY, shows=("<RoutingMode.API_MAPPING_ONLY",))
        ),
        "endpoint_access_mode": passed_to(
            _VA_V1, "endpoint_access_mode", st.sampled_from(["LAX", "", "strict"])
        ),
        "v2_header_value": st.one_of(blank, st.sampled_from(["v*2", "**", "v 2", "v" * 300])),
        "cohort_glob": st.one_of(blank, st.sampled_from(["be*ta", "**", "b eta"])),
        "v1_base_path": st.one_of(blank, st.sampled_from(["/v1", "v1/", "v 1", "a//b"])),
        "delivery": bad_delivery("GovernedFunction 'Test/Subject/V1Function'"),
    },
    valid={
        "mode": st.sampled_from(
            [RoutingMode.ROUTING_RULE_ONLY, RoutingMode.ROUTING_RULE_THEN_API_MAPPING]
        ),
        "production": st.booleans(),
        "endpoint_access_mode": st.sampled_from([None, "BASIC", "STRICT"]),
        "v2_header_value": header_globs,
        "cohort_glob": st.one_of(st.none(), header_globs),
        "v1_base_path": st.one_of(st.none(), st.from_regex(r"\Av[0-9]{1,2}\Z")),
        "criticality": criticalities,
        "delivery": deliveries,
    },
)

# ------------------------------------------------------------------ TenantCodeRunner


def _runner_base() -> dict[str, Any]:
    return {
        "snippets": [Snippet("acme", "discount", code=FLEET_CODE)],
        "platform_account": "111122223333",
    }


def _snippet(prop: str, value: Any, shows: tuple[str, ...] = ()) -> Bad:
    field = "name" if prop == "name" else prop
    fields: dict[str, Any] = {"tenant_id": "acme", "name": "discount", "code": FLEET_CODE}
    fields[field] = value
    snippets = [Snippet("globex", "validate", code=FLEET_CODE), Snippet(**fields)]
    return Bad(snippets, f"snippets[1].{prop}", shows or renderings(value))


TENANT_CODE_RUNNER = Spec(
    kind="TenantCodeRunner",
    cls=TenantCodeRunner,
    base=_runner_base,
    app_scoped=True,
    invalid={
        "platform_account": st.one_of(
            blank, st.sampled_from(["12345", "1111222233334", "abcdefghijkl", "1111-2222-3333"])
        ),
        "external_id": st.one_of(
            st.sampled_from(["", "x", "has space", "semi;colon"]),
            st.just(Bad("a" * 1225, shows=(repr("a" * 1225)[:60],))),
        ),
        "snippets": st.one_of(
            st.just([]),
            st.sampled_from(["bad id", "", "-lead"]).map(lambda v: _snippet("tenant_id", v)),
            st.sampled_from(["x y", "", "_lead"]).map(lambda v: _snippet("name", v)),
            st.sampled_from([64, 20_000]).map(lambda v: _snippet("memory_size", v)),
            st.sampled_from(["", "index handler"]).map(lambda v: _snippet("handler", v)),
            st.sampled_from([Duration.seconds(0), Duration.minutes(16)]).map(
                lambda v: _snippet("timeout", v)
            ),
            st.just(_snippet("reserved_concurrency", -1)),
            st.just(_snippet("tags", {"tenant": "x"}, ("['tenant']",))),
            # wrong field types (Snippet is a plain dataclass)
            st.sampled_from([5, None]).map(lambda v: _snippet("name", v)),
            st.sampled_from([5, None]).map(lambda v: _snippet("code", v)),
            st.sampled_from([30, "30s"]).map(lambda v: _snippet("timeout", v)),
            st.just(_snippet("retired", "no")),
        ),
        "name_prefix": st.one_of(blank, st.sampled_from(["bad prefix", "p" * 41, "x/y"])),
        "memory_size": st.one_of(outside(128, 10240), fractional(128, 10240)),
        "timeout": seconds_outside(1, 900),
        "max_resources_per_stack": outside(5, 500),
        "vendor_layers": st.sampled_from(["", "vendor-sdk"]).map(
            lambda arn: Bad([arn], "vendor_layers[0]", (repr(arn),))
        ),
        "code_signing_config_arn": st.sampled_from(["", "csc-1", "arn:aws:lambda:::csc"]),
        "runtime": st.sampled_from([lambda_.Runtime.PYTHON_3_8, lambda_.Runtime.NODEJS_16_X]).map(
            lambda r: Bad(r, shows=(repr(r.name),))
        ),
        "acknowledge_deprecated_runtime": blank,
        "env": st.sampled_from(
            [
                Bad(Environment(account="1234", region="eu-west-1"), "env.account", ("'1234'",)),
                Bad(Environment(region="Europe"), "env.region", ("'Europe'",)),
            ]
        ),
    },
    valid={
        "external_id": st.from_regex(r"\A[A-Za-z0-9_+=,.@:/-]{2,40}\Z"),
        "env": st.sampled_from(
            [None, Environment(account="222233334444", region="eu-west-1"), Environment()]
        ),
        "name_prefix": st.from_regex(r"\A[a-z][a-z0-9-]{0,15}\Z"),
        "vendor_layers": st.lists(
            st.integers(1, 99).map(LAYER_ARN.format), max_size=4, unique=True
        ),
        "code_signing_config_arn": st.just(
            "arn:aws:lambda:eu-west-1:111122223333:code-signing-config:csc-0a1b2c3d4e5f60718"
        ),
        "runtime": st.sampled_from([lambda_.Runtime.PYTHON_3_13, lambda_.Runtime.PYTHON_3_14]),
        "timeout": seconds_inside(1, 900),
        "memory_size": inside(128, 10240),
        "max_resources_per_stack": inside(5, 500),
        "snippets": st.lists(
            st.builds(
                lambda tenant, name, retired: Snippet(
                    tenant, name, code=FLEET_CODE, retired=retired
                ),
                st.sampled_from(["acme", "globex", "initech"]),
                st.from_regex(r"\A[a-z][a-z0-9]{0,10}\Z"),
                st.booleans(),
            ),
            min_size=1,
            max_size=5,
            unique_by=lambda s: (s.tenant_id, s.name),
        ),
    },
    conflicts=(
        (
            lambda: {
                "snippets": [
                    Snippet("acme", "corp-x", code=FLEET_CODE),
                    Snippet("acme-corp", "x", code=FLEET_CODE),
                ]
            },
            "snippets[1].tenant_id",
        ),
        (
            lambda: {
                "snippets": [
                    Snippet("Acme", "x", code=FLEET_CODE),
                    Snippet("acme", "y", code=FLEET_CODE),
                ]
            },
            "snippets[1].tenant_id",
        ),
        (
            lambda: {
                "name_prefix": "p" * 40,
                "snippets": [Snippet("t" * 20, "a", code=FLEET_CODE)],
            },
            "snippets[0].tenant_id",
        ),
    ),
)

SPECS: tuple[Spec, ...] = (
    EVENT_PROCESSING_SERVICE,
    KAFKA_STREAM_PROCESSOR,
    MULTI_TENANT_API,
    STREAMING_API,
    VERSIONED_API,
    TENANT_CODE_RUNNER,
)

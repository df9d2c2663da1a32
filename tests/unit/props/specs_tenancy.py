"""Specs: TenantIsolatedFunction, TenantAuthorizer (pool model) and TenantFunctionFleet
(silo model, built on the App: it creates its own shard stacks)."""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Aspects, Duration, Environment, IAspect
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct, IConstruct
from hypothesis import strategies as st

from paved_road import Criticality, Invocation, ProvisionedConcurrency, Tenant, TrafficShift
from paved_road.tenancy import TenantAuthorizer, TenantFunctionFleet, TenantIsolatedFunction
from tests.unit.props.common import (
    FLEET_CODE,
    LAYER_ARN,
    TEXT,
    blank,
    fractional,
    function_props,
    inside,
    outside,
    seconds_inside,
    seconds_outside,
)
from tests.unit.props.framework import Bad, Make, Spec, renderings
from tests.unit.props.specs_core import GOVERNED_FUNCTION

CSC_ARN = "arn:aws:lambda:eu-west-1:111122223333:code-signing-config:csc-0a1b2c3d4e5f60718"

# ------------------------------------------------------------------ TenantIsolatedFunction

_NOT_FOR_TENANT_MODE = {"invocation", "provisioned_concurrency"}

TENANT_ISOLATED_FUNCTION = Spec(
    kind="TenantIsolatedFunction",
    cls=TenantIsolatedFunction,
    base=function_props,
    # every GovernedFunction rule holds for the subclass too (same props, same checks)
    invalid={
        **{k: v for k, v in GOVERNED_FUNCTION.invalid.items() if k not in _NOT_FOR_TENANT_MODE},
        "invocation": st.just(
            Bad(Invocation.EVENT_SOURCE_MAPPING, shows=("<Invocation.EVENT_SOURCE_MAPPING",))
        ),
        "provisioned_concurrency": st.sampled_from([(1, 5), (0, 2)]).map(
            lambda c: Bad(ProvisionedConcurrency(*c), shows=("ProvisionedConcurrency(",))
        ),
    },
    valid={
        **{k: v for k, v in GOVERNED_FUNCTION.valid.items() if k not in _NOT_FOR_TENANT_MODE},
        "invocation": st.sampled_from([Invocation.SYNCHRONOUS, Invocation.ASYNCHRONOUS]),
        "tenant_log_queries": st.booleans(),
        # Lambda's keys: a letter, then 1 or more letters, digits or '_'
        "environment": st.dictionaries(
            st.from_regex(r"\A[A-Z][A-Z0-9_]{1,10}\Z"), st.text(TEXT, max_size=20), max_size=3
        ),
    },
    conflicts=tuple(
        (props, prop)
        for props, prop in GOVERNED_FUNCTION.conflicts
        if prop != "provisioned_concurrency"  # rejected alone in tenant isolation mode
    ),
)

# ------------------------------------------------------------------ TenantAuthorizer


@jsii.implements(IAspect)
class _AttachToAnApi:
    """Synthesis fails for an authorizer no method uses (CDK: "must be attached to a
    RestApi"): put each TenantAuthorizer on a method of a RestApi, as an API would."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, TenantAuthorizer) and not node.node.try_find_child("UsedBy"):
            api = apigw.RestApi(node, "UsedBy", cloud_watch_role=False, deploy=False)
            api.root.add_method("GET", apigw.MockIntegration(), authorizer=node.authorizer)


def _secret() -> Make:
    def make(scope: Construct) -> secretsmanager.Secret:
        Aspects.of(scope).add(_AttachToAnApi())
        return secretsmanager.Secret(scope, "SigningKey")

    return Make(make, "secretsmanager.Secret")


def tenant_table() -> Make:
    return Make(
        lambda scope: dynamodb.TableV2(
            scope,
            "Tenants",
            partition_key=dynamodb.Attribute(name="tenantId", type=dynamodb.AttributeType.STRING),
        ),
        "dynamodb.TableV2",
    )


def _authorizer_base() -> dict[str, Any]:
    return {"signing_secret": _secret(), "allowed_tenants": ["blue", "green"]}


tenant_ids = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,15}\Z")
claim_names = st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,20}\Z")

TENANT_AUTHORIZER = Spec(
    kind="TenantAuthorizer",
    cls=TenantAuthorizer,
    base=_authorizer_base,
    invalid={
        "allowed_tenants": st.one_of(
            st.just([]),
            st.sampled_from(
                ["not ok", "-lead", ".dot", "", " ", "a/b", "a,b", "tenant:1", "ä"]
            ).map(lambda t: Bad(["blue", t], "allowed_tenants[1]", (repr(t),))),
            # joined with ',' into one environment variable (Lambda: 4 KB for all of them)
            st.integers(200, 400).map(
                lambda n: Bad(
                    [f"tenant-{i:08d}" for i in range(n)], shows=(f"{n * 16 - 1} characters",)
                )
            ),
        ),
        "tenant_claim": st.one_of(
            blank, st.sampled_from(["1st", "tenant-id", "tenant id", "a.b", "x" * 129])
        ),
        "issuer": blank,
        "audience": blank,
        "results_cache_ttl": st.one_of(
            seconds_outside(0, 3600),
            st.just(Bad(Duration.millis(1500), shows=("'1500 ms'",))),
        ),
        "delivery": st.sampled_from(
            [
                ({"runtime_version_arn": "python3.14"}, "runtime_version_arn", "'python3.14'"),
                ({"keep_versions": 0}, "keep_versions", "0"),
            ]
        ).map(lambda d: Bad(d[0], f"GovernedFunction 'Test/Subject/Handler': {d[1]}", (d[2],))),
    },
    valid={
        "allowed_tenants": st.lists(tenant_ids, min_size=1, max_size=5),
        "tenant_claim": claim_names,
        "issuer": st.sampled_from(["https://auth.example.com/", "issuer-1"]),
        "audience": st.sampled_from(["orders-api", "api://default"]),
        "results_cache_ttl": st.one_of(
            st.none(), seconds_inside(0, 3600), st.integers(1, 60).map(Duration.minutes)
        ),
        # CRITICAL needs delivery={"runtime_version_arn": ...} (the tier pins a version)
        "criticality": st.sampled_from([Criticality.STANDARD, Criticality.IMPORTANT]),
        "delivery": st.sampled_from(
            [{}, {"deployment": TrafficShift.none()}, {"keep_versions": 5}]
        ),
    },
    conflicts=(
        (lambda: {"tenant_table": tenant_table()}, "tenant_table/allowed_tenants"),
        (lambda: {"allowed_tenants": None}, "tenant_table/allowed_tenants"),
    ),
)

# ------------------------------------------------------------------ TenantFunctionFleet


_FLEET = "TenantFunctionFleet 'Subject'"


def _fleet_base() -> dict[str, Any]:
    return {"tenants": [Tenant("blue"), Tenant("green")], "code": FLEET_CODE}


def _tenant(prop: str, value: Any, field: str | None = None) -> st.SearchStrategy[Bad]:
    """``tenants=[Tenant("blue"), Tenant("green", <field>=value)]``: the error names
    ``tenants[1].<prop>`` and shows ``value``."""
    tenants = [Tenant("blue"), Tenant(**{"tenant_id": "green", field or prop: value})]
    return st.just(Bad(tenants, f"tenants[1].{prop}", renderings(value)))


def _tenants(prop: str, values: list[Any]) -> st.SearchStrategy[Bad]:
    return st.one_of(*(_tenant(prop, v) for v in values))


def _runtime(name: str) -> lambda_.Runtime:
    return getattr(lambda_.Runtime, name)  # type: ignore[no-any-return]


TENANT_FUNCTION_FLEET = Spec(
    kind="TenantFunctionFleet",
    cls=TenantFunctionFleet,
    base=_fleet_base,
    app_scoped=True,
    invalid={
        "tenants": st.one_of(
            _tenants("tenant_id", ["bad id", "", "-lead", "a.b", "t/1"]),
            _tenants("function", ["x y", "", "_lead", "a.b"]),
            _tenants("memory_size", [64, 127, 10241, 20000]),
            _tenants("reserved_concurrency", [-1, -100]),
            _tenants("handler", ["", " ", "index handler", "h" * 129]),
            _tenants(
                "timeout",
                [Duration.seconds(0), Duration.seconds(901), Duration.minutes(16)],
            ),
            st.sampled_from(["tenant", "criticality", "tenant-trust"]).map(
                lambda key: Bad(
                    [Tenant("blue"), Tenant("green", tags={key: "x"})],
                    "tenants[1].tags",
                    (repr([key]),),
                )
            ),
            st.sampled_from(["1BAD", "A-B", "_x", "X", "AWS_REGION", "_HANDLER"]).map(
                lambda key: Bad(
                    [Tenant("blue"), Tenant("green", environment={key: "x"})],
                    "tenants[1].environment",
                    (repr(key),),
                )
            ),
            st.just(
                Bad(
                    [Tenant("blue"), Tenant("green", environment={"BIG": "x" * 4096})],
                    "tenants[1].environment",
                    tuple(f"{4189 + 2 * n} bytes" for n in range(1, 41)),  # 2 x name_prefix
                )
            ),
            # wrong field types: Tenant is a plain dataclass, checked field by field
            _tenants("memory_size", ["big", 512.5]),
            _tenants("timeout", [30, "30s"]),
            _tenants("reserved_concurrency", ["5", 2.5]),
            _tenants("handler", [5]),
            _tenants("untrusted", ["yes", 1]),
            _tenants("retired", ["no"]),
            _tenants("environment", ["A=1"]),
            _tenants("tags", [["x"]]),
            # a value of the wrong type: named by its key, or the whole mapping
            st.just(
                Bad(
                    [Tenant("blue"), Tenant("green", environment={"PLAN": 1})],  # type: ignore[dict-item]
                    "tenants[1].environment",
                    ("1", "a dict"),
                )
            ),
            st.just(
                Bad(
                    [Tenant("blue"), Tenant("green", tags={"team": 5})],  # type: ignore[dict-item]
                    "tenants[1].tags",
                    ("5", "a dict"),
                )
            ),
            _tenants("code", [5]),
            st.just(
                Bad(
                    [Tenant("blue"), Tenant(5)],  # type: ignore[arg-type]
                    "tenants[1].tenant_id",
                    ("5",),
                )
            ),
            st.just(
                Bad(
                    [Tenant("blue"), Tenant("green", function=7)],  # type: ignore[arg-type]
                    "tenants[1].function",
                    ("7",),
                )
            ),
            st.just(
                Bad(
                    [Tenant("blue"), Tenant("g" * 70)],
                    "tenants[1]",
                    (repr("g" * 70),),
                )
            ),
        ),
        "code": st.just(Bad(lambda_.Code.from_asset(FLEET_CODE), shows=("'AssetCode'",))),
        "handler": st.sampled_from(["", " ", "index handler", "h" * 129]),
        "name_prefix": st.one_of(
            blank, st.sampled_from(["bad prefix", "-lead", "a.b", "p" * 41, "x/y"])
        ),
        "memory_size": st.one_of(outside(128, 10240), fractional(128, 10240)),
        "timeout": st.one_of(
            seconds_outside(1, 900),
            st.just(Bad(Duration.millis(1500), shows=("'1500 ms'",))),
        ),
        "max_resources_per_stack": st.one_of(outside(5, 500), fractional(5, 500)),
        "max_template_bytes": outside(51_200, 1_000_000),
        "log_level": st.sampled_from(["", "LOUD", "VERBOSE", "warning"]),
        "vendor_layers": st.one_of(
            st.sampled_from(["", "vendor-sdk", "arn:aws:lambda:eu-west-1:1:layer:x:1"]).map(
                lambda arn: Bad([arn], "vendor_layers[0]", (repr(arn),))
            ),
            st.just(LAYER_ARN.format("x")).map(lambda a: Bad([a], "vendor_layers[0]", (repr(a),))),
            st.integers(6, 8).map(
                lambda n: Bad([LAYER_ARN.format(i + 1) for i in range(n)], shows=(str(n),))
            ),
        ),
        "code_signing_config_arn": st.one_of(
            blank,
            st.sampled_from(
                [
                    "csc-0a1b2c3d4e5f60718",
                    "arn:aws:lambda:eu-west-1:111122223333:function:csc",
                    "arn:aws:lambda:eu-west-1:1111:code-signing-config:csc-0a1b2c3d4e5f60718",
                ]
            ),
        ),
        "subnet_ids": st.sampled_from(
            [
                Bad(["subnet-1", "vpc-1"], "subnet_ids[1]", ("'vpc-1'",)),
                Bad([""], "subnet_ids[0]", ("''",)),
                Bad([f"subnet-{i:x}" for i in range(17)], shows=("17",)),
            ]
        ),
        "security_group_ids": st.sampled_from(
            [
                Bad(["sg-1", "group"], "security_group_ids[1]", ("'group'",)),
                Bad([f"sg-{i:x}" for i in range(6)], shows=("6",)),
            ]
        ),
        "cell": st.sampled_from([(0, 0), (2, 1), (1, 1), (-1, 3)]).map(
            lambda c: Bad(c, shows=(repr(c),))
        ),
        "stack_props": st.sampled_from(
            [
                Bad({"stack_name": "x"}, shows=("['stack_name']",)),
                Bad({"description": "x"}, shows=("['description']",)),
                Bad({"bogus": 1}, shows=("['bogus']",)),
                Bad(
                    {"termination_protection": "yes"},
                    f"{_FLEET}: stack_props['termination_protection']",
                    ("'yes'",),
                ),
                Bad({"env": "eu-west-1"}, f"{_FLEET}: stack_props['env']", ("'eu-west-1'",)),
            ]
        ),
        "acknowledge_deprecated_runtime": blank,
    },
    valid={
        "tenants": st.lists(
            st.builds(
                lambda tid, fn, untrusted, retired, mem: Tenant(
                    tid, function=fn, untrusted=untrusted, retired=retired, memory_size=mem
                ),
                st.from_regex(r"\A[a-z0-9][a-z0-9]{0,12}\Z"),
                st.one_of(st.none(), st.from_regex(r"\A[a-z][a-z0-9]{0,8}\Z")),
                st.one_of(st.none(), st.booleans()),
                st.booleans(),
                st.one_of(st.none(), inside(128, 10240)),
            ),
            min_size=1,
            max_size=6,
            unique_by=lambda t: t.key,
        ),
        "handler": st.sampled_from(["index.handler", "app.main", "pkg/mod.fn"]),
        "untrusted": st.booleans(),
        "criticality": st.sampled_from(list(Criticality)),
        "name_prefix": st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,19}\Z"),
        "memory_size": inside(128, 10240),
        "timeout": seconds_inside(1, 900),
        "architecture": st.sampled_from([lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64]),
        "runtime": st.sampled_from(["PYTHON_3_13", "PYTHON_3_14", "NODEJS_22_X"]).map(_runtime),
        "vendor_layers": st.lists(
            st.integers(1, 99).map(LAYER_ARN.format), max_size=4, unique=True
        ),
        "powertools_layer": st.booleans(),
        "code_signing_config_arn": st.just(CSC_ARN),
        "log_retention": st.sampled_from(
            [logs.RetentionDays.ONE_WEEK, logs.RetentionDays.ONE_YEAR, logs.RetentionDays.INFINITE]
        ),
        "log_level": st.sampled_from(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]),
        "synchronous": st.booleans(),
        "max_resources_per_stack": inside(5, 500),
        "max_template_bytes": inside(51_200, 1_000_000),
        # (0, 1) is the whole fleet; other cells may hold none of the generated tenants
        "cell": st.just((0, 1)),
        "stack_props": st.sampled_from(
            [
                {"termination_protection": True},
                {"env": Environment(account="111122223333", region="eu-west-1")},
                {"tags": {"team": "platform"}},
            ]
        ),
    },
    conflicts=(
        (lambda: {"subnet_ids": ["subnet-1"]}, "subnet_ids/security_group_ids"),
        (lambda: {"security_group_ids": ["sg-1"]}, "subnet_ids/security_group_ids"),
        (
            lambda: {"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"], "untrusted": True},
            "untrusted",
        ),
        (
            lambda: {
                "subnet_ids": ["subnet-1"],
                "security_group_ids": ["sg-1"],
                "tenants": [Tenant("blue", untrusted=True)],
            },
            "tenants[0].untrusted",
        ),
        (lambda: {"tenants": [Tenant("a"), Tenant("a")]}, "tenants[1].tenant_id"),
        (lambda: {"tenants": [Tenant("a", function="b"), Tenant("a-b")]}, "tenants[1].tenant_id"),
        (lambda: {"code": None}, "tenants[0].code"),
        (lambda: {"name_prefix": "p" * 40, "tenants": [Tenant("t" * 30)]}, "tenants[0]"),
        (lambda: {"runtime": lambda_.Runtime.PYTHON_3_8}, "runtime"),
        (
            lambda: {
                "powertools_layer": True,
                "vendor_layers": [LAYER_ARN.format(i) for i in range(1, 6)],
            },
            "vendor_layers",
        ),
    ),
)


SPECS = (TENANT_ISOLATED_FUNCTION, TENANT_AUTHORIZER, TENANT_FUNCTION_FLEET)

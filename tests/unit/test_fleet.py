"""TenantFunctionFleet: per-tenant resources, untrusted roles, sharding and validation."""

from __future__ import annotations

import json
import os
import typing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from aws_cdk import App, Duration, Stack, Stage
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from paved_road import Criticality, PavedRoadError
from paved_road.fleet import (
    CELL_CONTEXT,
    MAX_RESOURCES_PER_TENANT,
    STACK_OVERHEAD_RESOURCES,
    Tenant,
    TenantFunctionFleet,
    cell_of,
    parse_cell,
)
from tests.cfn_lint import lint_errors

CSC = "arn:aws:lambda:eu-west-1:111122223333:code-signing-config:csc-0a1b2c3d4e5f60718"
HANDLER_DIR = Path(__file__).resolve().parent / "fleet_code"  # committed tenant code


def new_app(**context: typing.Any) -> App:
    return App(builtin_cloud_formation_validation=False, context=context or None)


def fleet(app: App | Stage | None = None, **props: typing.Any) -> TenantFunctionFleet:
    props.setdefault("code", str(HANDLER_DIR))
    props.setdefault("tenants", [Tenant("blue"), Tenant("green")])
    return TenantFunctionFleet(app or new_app(), "Fleet", **props)


def tmpl(stack: Stack) -> Template:
    return Template.from_stack(stack)


# ----------------------------------------------------------------- per-tenant resources


def test_trusted_tenant_gets_function_role_and_log_group() -> None:
    # GIVEN a fleet of two trusted tenants
    f = fleet(criticality=Criticality.CRITICAL)
    t = tmpl(f.stacks[0])
    # THEN each has a function named after it, a role, and a log group of its own
    t.resource_count_is("AWS::Lambda::Function", 2)
    t.resource_count_is("AWS::IAM::Role", 2)
    t.resource_count_is("AWS::Logs::LogGroup", 2)
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "fleet-blue",
            "Runtime": "python3.14",
            "Architectures": ["arm64"],
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "INFO",
                "LogGroup": "/aws/lambda/fleet-blue",
            },
            "TracingConfig": {"Mode": "Active"},
            "Environment": {"Variables": Match.object_like({"TENANT_ID": "blue"})},
            "Tags": Match.array_with(
                [
                    # CDK renders tags sorted by key
                    {"Key": "criticality", "Value": "CRITICAL"},
                    {"Key": "tenant", "Value": "blue"},
                    {"Key": "tenant-trust", "Value": "trusted"},
                ]
            ),
        },
    )
    t.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": Match.object_like(
                {"LogGroupName": "/aws/lambda/fleet-blue", "RetentionInDays": 30}
            ),
            "DeletionPolicy": "Retain",
        },
    )
    # AND the role may only write its own log group (and traces)
    role = next(
        r
        for r in t.find_resources("AWS::IAM::Role").values()
        if {"Key": "tenant", "Value": "blue"} in r["Properties"]["Tags"]
    )
    statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[0]["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    # (a log group's Arn attribute is "arn:...:log-group:/aws/lambda/fleet-blue:*")
    assert statements[0]["Resource"] == {"Fn::GetAtt": ["blueLogs", "Arn"]}
    assert "ManagedPolicyArns" not in role["Properties"]


def test_untrusted_tenant_role_has_no_permissions_and_deny_all() -> None:
    f = fleet(tenants=[Tenant("acme", untrusted=True)])
    t = tmpl(f.stacks[0])
    t.resource_count_is("AWS::Logs::LogGroup", 0)
    role = next(iter(t.find_resources("AWS::IAM::Role").values()))["Properties"]
    assert "Policies" not in role
    assert json.dumps(role["ManagedPolicyArns"]).endswith(':iam::aws:policy/AWSDenyAll"]]}]')
    assert {"Key": "tenant-trust", "Value": "untrusted"} in role["Tags"]
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "TracingConfig": {"Mode": "PassThrough"},
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "INFO",
            },
        },
    )


def test_tenant_overrides_snippets_layers_and_code_signing() -> None:
    f = fleet(
        tenants=[
            Tenant(
                "acme",
                function="invoice",
                reserved_concurrency=5,
                memory_size=512,
                timeout=Duration.seconds(5),
                tags={"plan": "gold"},
                environment={"PLAN": "1"},
            ),
            Tenant("acme", function="quote", handler="quote.handler"),
        ],
        vendor_layers=["arn:aws:lambda:eu-west-1:111122223333:layer:vendor-sdk:3"],
        code_signing_config_arn=CSC,
        name_prefix="runner",
    )
    t = tmpl(f.stacks[0])
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "runner-acme-invoice",
            "ReservedConcurrentExecutions": 5,
            "MemorySize": 512,
            "Timeout": 5,
            "CodeSigningConfigArn": CSC,
            "Layers": [
                Match.any_value(),
                "arn:aws:lambda:eu-west-1:111122223333:layer:vendor-sdk:3",
            ],
            "Tags": Match.array_with([{"Key": "plan", "Value": "gold"}]),
            "Environment": {"Variables": Match.object_like({"PLAN": "1"})},
        },
    )
    t.has_resource_properties(
        "AWS::Lambda::Function", {"FunctionName": "runner-acme-quote", "Handler": "quote.handler"}
    )
    assert f.function_names == {
        "acme-invoice": "runner-acme-invoice",
        "acme-quote": "runner-acme-quote",
    }


def test_trusted_tenants_can_join_a_vpc() -> None:
    f = fleet(subnet_ids=["subnet-1", "subnet-2"], security_group_ids=["sg-1"])
    t = tmpl(f.stacks[0])
    t.has_resource_properties(
        "AWS::Lambda::Function",
        {"VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"], "SecurityGroupIds": ["sg-1"]}},
    )
    assert "ec2:CreateNetworkInterface" in json.dumps(t.find_resources("AWS::IAM::Role"))


def test_retired_tenant_keeps_its_slot_and_log_group_only() -> None:
    f = fleet(tenants=[Tenant("a"), Tenant("b", retired=True), Tenant("c")])
    t = tmpl(f.stacks[0])
    t.resource_count_is("AWS::Lambda::Function", 2)
    t.resource_count_is("AWS::Logs::LogGroup", 3)
    assert f.placement == {"a": 1, "b": 1, "c": 1}
    assert "b" not in f.functions


def test_shared_code_is_one_asset_per_shard() -> None:
    f = fleet(tenants=[Tenant(f"t{i}") for i in range(5)], max_resources_per_stack=8)
    assert len(f.stacks) == 3  # (8 - 2) // 3 = 2 tenants per shard
    for stack in f.stacks:
        functions = tmpl(stack).find_resources("AWS::Lambda::Function").values()
        assert len({json.dumps(fn["Properties"]["Code"]) for fn in functions}) == 1


def _acknowledged(stack: Stack) -> dict[str, str]:
    return {
        rule.removeprefix("Annotation::"): reason
        for entry in stack.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for rule, reason in entry.data.items()
    }


def test_wildcard_findings_are_acknowledged_only_on_shards_with_trusted_roles() -> None:
    # GIVEN one tenant per shard: untrusted, trusted, trusted but retired
    f = fleet(
        tenants=[Tenant("a", untrusted=True), Tenant("b"), Tenant("c", retired=True)],
        max_resources_per_stack=5,
    )
    untrusted, trusted, retired = (_acknowledged(s) for s in f.stacks)
    wildcard = {"AwsSolutions-IAM5[Resource::*]", "Serverless-LambdaStarPermissions"}
    # THEN only the shard holding a trusted role (X-Ray on Resource "*") acknowledges them
    assert wildcard <= set(trusted)
    assert "X-Ray PutTraceSegments" in trusted["AwsSolutions-IAM5[Resource::*]"]
    assert "EC2" not in trusted["AwsSolutions-IAM5[Resource::*]"]  # no VPC
    assert not wildcard & set(untrusted)
    assert not wildcard & set(retired)
    assert '"Resource": "*"' not in json.dumps(tmpl(f.stacks[0]).to_json())
    # AND with a VPC, the reason names the EC2 network-interface actions too
    vpc = fleet(subnet_ids=["subnet-1"], security_group_ids=["sg-1"])
    assert "EC2 network-interface" in _acknowledged(vpc.stacks[0])["AwsSolutions-IAM5[Resource::*]"]


# ----------------------------------------------------------------- sharding


def synth_fleet(
    count: int, tmp: Path, **props: typing.Any
) -> tuple[TenantFunctionFleet, list[dict[str, typing.Any]]]:
    app = App(outdir=str(tmp), builtin_cloud_formation_validation=False)
    tenants = [Tenant(f"tenant-{i:05d}", untrusted=i % 3 == 0) for i in range(count)]
    f = TenantFunctionFleet(app, "Fleet", tenants=tenants, code=str(HANDLER_DIR), **props)
    assembly = app.synth()
    return f, [assembly.get_stack_by_name(s.stack_name).template for s in f.stacks]


@pytest.mark.integration  # ~75 s: cfn-lint on 15 templates of 200+ resources
def test_1200_tenants_are_sharded_under_budget_lint_clean_and_append_stable(tmp_path: Path) -> None:
    # GIVEN 1,200 tenants (a third untrusted) and the default budget of 250 resources
    f, templates = synth_fleet(1200, tmp_path / "a")
    # THEN every shard is under the budget (and CloudFormation's 500 / 1 MB limits)
    assert f.tenants_per_stack == (250 - STACK_OVERHEAD_RESOURCES) // MAX_RESOURCES_PER_TENANT
    assert len(f.stacks) == -(-1200 // f.tenants_per_stack)
    for template in templates:
        assert len(template["Resources"]) <= 250
        assert len(json.dumps(template, indent=1).encode()) < 800_000
        assert template["Metadata"]["PavedRoad::Fleet"]["MaxResources"] == 250
    # AND every template passes cfn-lint
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        assert list(pool.map(lint_errors, templates)) == [[]] * len(templates)
    # AND every tenant is placed exactly once, in list order
    functions = [
        fn["Properties"]["FunctionName"]
        for template in templates
        for fn in template["Resources"].values()
        if fn["Type"] == "AWS::Lambda::Function"
    ]
    assert functions == [f"fleet-tenant-{i:05d}" for i in range(1200)]

    # WHEN a tenant is appended
    g, templates_after = synth_fleet(1201, tmp_path / "b")
    # THEN no existing tenant moves, and the existing shards are unchanged
    assert {k: v for k, v in g.placement.items() if k in f.placement} == f.placement
    changed = [
        i
        for i, (before, after) in enumerate(zip(templates, templates_after, strict=False))
        if before != after
    ]
    assert changed in ([], [len(templates) - 1])
    assert g.stack_of("tenant-01200") is g.stacks[-1]


def test_budget_is_configurable_and_bounded() -> None:
    f = fleet(tenants=[Tenant(f"t{i}") for i in range(10)], max_resources_per_stack=11)
    assert f.tenants_per_stack == 3 and len(f.stacks) == 4
    with pytest.raises(
        PavedRoadError, match=r"max_resources_per_stack must be between 5 and 500, got 501"
    ):
        fleet(max_resources_per_stack=501)


def test_shard_stacks_are_named_after_the_fleet_path() -> None:
    app = new_app()
    stage = Stage(app, "Prod")
    f = fleet(stage)
    assert f.stacks[0].stack_name == "Prod-Fleet-Shard001"
    assert f.stacks[0].node.path == "Prod/Fleet/Shard001"


# ----------------------------------------------------------------- cells


def test_cell_of_is_stable_and_spreads_tenants() -> None:
    assert cell_of("acme", 8) == cell_of("acme", 8)
    counts = [0] * 4
    for i in range(4000):
        counts[cell_of(f"tenant-{i}", 4)] += 1
    assert min(counts) > 900
    assert parse_cell("3/8") == (3, 8) and parse_cell(None) is None
    for bad in ("8/8", "x", "-1/2"):
        with pytest.raises(ValueError):
            parse_cell(bad)


def test_cell_context_selects_tenants_and_names_stacks() -> None:
    tenants = [Tenant(f"t{i}") for i in range(30)]
    f = fleet(new_app(**{CELL_CONTEXT: "1/3"}), tenants=tenants)
    assert f.cell == (1, 3)
    assert set(f.placement) == {t.key for t in tenants if cell_of(t.tenant_id, 3) == 1}
    assert f.stacks[0].node.id == "Cell001Shard001"


def test_bad_cell_context_is_rejected() -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantFunctionFleet 'Fleet': cell \(the paved-road:fleet-cell context\) must be "
        r"'<index>/<count>' with 0 <= index < count, got '3/3'$",
    ):
        fleet(new_app(**{CELL_CONTEXT: "3/3"}))


@pytest.mark.parametrize("cell", [(3, 3), (0, 0), (-1, 2)])
def test_bad_cell_prop_is_rejected(cell: tuple[int, int]) -> None:
    with pytest.raises(
        PavedRoadError,
        match=rf"^TenantFunctionFleet 'Fleet': cell must be \(index, count\) with "
        rf"0 <= index < count, got \({cell[0]}, {cell[1]}\)$",
    ):
        fleet(cell=cell)


# ----------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"tenants": [Tenant("bad id")]}, r"tenants\[0\].tenant_id must match"),
        ({"tenants": [Tenant("a", function="x y")]}, r"tenants\[0\].function must match"),
        (
            {"tenants": [Tenant("a"), Tenant("a")]},
            r"tenants\[1\].tenant_id must give a unique key .*got 'a'$",
        ),
        (
            {"tenants": [Tenant("a" * 60)]},
            r"tenants\[0\] must give a function name .* of at most 64 characters \(Lambda's "
            r"limit\), not 'fleet-a{60}' \(66\).*got 'a{60}'$",
        ),
        (
            # "a_b" -> construct id "ab" + hash of "a_b": a tenant literally named so collides
            {"tenants": [Tenant("a_b"), Tenant("ab648fa9b3")]},
            r"tenants\[1\] must have a CloudFormation logical id of its own, but has the same "
            r"as tenant 'a_b'",
        ),
        ({"tenants": [Tenant("a")], "code": None}, r"tenants\[0\].code is required"),
        (
            {"tenants": [Tenant("a", reserved_concurrency=-1)]},
            r"reserved_concurrency must be between 0",
        ),
        (
            {"tenants": [Tenant("a", memory_size=64)]},
            r"tenants\[0\].memory_size must be between 128",
        ),
        (
            {"tenants": [Tenant("a", timeout=Duration.minutes(20))]},
            r"tenants\[0\].timeout must be between 1 and 900",
        ),
        (
            {"tenants": [Tenant("a", tags={"tenant": "b"})]},
            r"tags must not set the fleet's own tags",
        ),
        ({"tenants": "abc"}, r"tenants must be a list"),
        ({"tenants": ["abc"]}, r"tenants\[0\] must be a paved_road.Tenant"),
        ({"name_prefix": "bad prefix"}, r"name_prefix must be 1-40 characters"),
        ({"handler": ""}, r"handler must be a string of 1-128 characters without whitespace"),
        ({"handler": "index handler"}, r"handler must be .*without whitespace.*'index handler'$"),
        ({"handler": "h" * 129}, r"handler must be a string of 1-128 characters"),
        ({"tenants": [Tenant("a", handler="")]}, r"tenants\[0\].handler must be a string of 1-"),
        ({"tenants": [Tenant("a", handler=" ")]}, r"tenants\[0\].handler must be .*got ' '$"),
        # a Tenant is a plain dataclass: each field is type-checked like a prop
        ({"tenants": [Tenant(5)]}, r"tenants\[0\].tenant_id must be a string, got 5$"),  # type: ignore[arg-type]
        (
            {"tenants": [Tenant("a", timeout=30)]},  # type: ignore[arg-type]
            r"tenants\[0\].timeout must be an aws_cdk.Duration .*got 30$",
        ),
        (
            {"tenants": [Tenant("a", timeout=Duration.millis(1500))]},
            r"tenants\[0\].timeout must be a whole number of seconds, got '1500 ms'$",
        ),
        (
            {"tenants": [Tenant("a", memory_size="big")]},  # type: ignore[arg-type]
            r"tenants\[0\].memory_size must be a whole number or None, got 'big'$",
        ),
        (
            {"tenants": [Tenant("a", environment={"A": 1})]},  # type: ignore[dict-item]
            r"tenants\[0\].environment\['A'\] must be a string, got 1$",
        ),
        (
            {"tenants": [Tenant("a", environment={"1BAD": "x"})]},
            r"tenants\[0\].environment keys must be a letter then letters, .*got '1BAD'$",
        ),
        (
            {"tenants": [Tenant("a", environment={"AWS_REGION": "x"})]},
            r"tenants\[0\].environment keys must not be ones Lambda reserves, got 'AWS_REGION'$",
        ),
        (
            {"tenants": [Tenant("a", environment={"BIG": "x" * 4096})]},
            r"tenants\[0\].environment must fit Lambda's 4096 bytes of environment variables .*got "
            r"\d+ bytes$",
        ),
        (
            {"acknowledge_deprecated_runtime": " ", "runtime": lambda_.Runtime.PYTHON_3_8},
            r"acknowledge_deprecated_runtime must be a non-empty reason, got ' '",
        ),
        (
            {"code_signing_config_arn": "csc-0a1b2c3d4e5f60718"},
            r"code_signing_config_arn must be a code signing config ARN .*got 'csc-0a1b",
        ),
        (
            {"vendor_layers": ["vendor-sdk"]},
            r"vendor_layers\[0\] must be a layer version ARN .*got 'vendor-sdk'$",
        ),
        (
            {
                "vendor_layers": [
                    f"arn:aws:lambda:eu-west-1:111122223333:layer:v:{i}" for i in range(5)
                ]
            },
            r"vendor_layers must have at most 4 layers besides the Powertools layer \(Lambda "
            r"allows 5 per function\), got 5$",
        ),
        (
            {"subnet_ids": ["vpc-1"], "security_group_ids": ["sg-1"]},
            r"subnet_ids\[0\] must be an id such as 'subnet-0123abcd', got 'vpc-1'$",
        ),
        (
            {"subnet_ids": [f"subnet-{i:x}" for i in range(17)], "security_group_ids": ["sg-1"]},
            r"subnet_ids must have at most 16 items \(Lambda's VpcConfig\), got 17$",
        ),
        (
            {"subnet_ids": ["subnet-1"], "security_group_ids": [f"sg-{i}" for i in range(6)]},
            r"security_group_ids must have at most 5 items \(Lambda's VpcConfig\), got 6$",
        ),
        (
            {"stack_props": {"bogus": 1}},
            r"stack_props must only set aws_cdk.Stack props .*got \['bogus'\]$",
        ),
        (
            {"stack_props": {"termination_protection": "yes"}},
            r"stack_props\['termination_protection'\] must be True or False or None, got 'yes'$",
        ),
        ({"memory_size": 64}, r"memory_size must be between 128 and 10240 MB, got 64"),
        ({"timeout": Duration.seconds(0)}, r"timeout must be between 1 and 900 seconds, got 0"),
        ({"log_level": "LOUD"}, r"log_level must be one of"),
        ({"subnet_ids": ["subnet-1"]}, r"subnet_ids/security_group_ids must be given together"),
        (
            {"untrusted": True, "subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]},
            r"untrusted cannot be combined with subnet_ids",
        ),
        (
            {"code": lambda_.Code.from_asset(str(HANDLER_DIR))},
            r"code must be a path .* got 'AssetCode'",
        ),
        ({"runtime": lambda_.Runtime.PYTHON_3_8}, r"runtime is deprecated"),
        ({"max_template_bytes": 2_000_000}, r"max_template_bytes must be between"),
        ({"criticality": "HIGH"}, r"criticality must be a paved_road.Criticality"),
        ({"stack_props": {"stack_name": "x"}}, r"stack_props must not set stack_name"),
    ],
)
def test_validation(props: dict[str, typing.Any], message: str) -> None:
    with pytest.raises(PavedRoadError, match=rf"(?s)TenantFunctionFleet 'Fleet':.*{message}"):
        fleet(**props)


def test_fleet_inside_a_stack_is_rejected() -> None:
    stack = Stack(new_app(), "S")
    with pytest.raises(PavedRoadError, match=r"scope must be an App or Stage, not inside a Stack"):
        TenantFunctionFleet(stack, "Fleet", tenants=[Tenant("a")], code=str(HANDLER_DIR))


def test_all_problems_are_reported_at_once() -> None:
    with pytest.raises(PavedRoadError) as caught:
        fleet(memory_size=1, tenants=[Tenant("bad id")])
    assert len(caught.value.problems) == 2


def test_keys_with_dashes_get_distinct_logical_ids() -> None:
    # GIVEN tenants whose keys differ only by characters logical ids cannot hold
    f = fleet(tenants=[Tenant("ab"), Tenant("a-b"), Tenant("a_b")])
    # THEN each gets its own function (none overwrites another in the template)
    functions = tmpl(f.stacks[0]).find_resources("AWS::Lambda::Function")
    assert len(functions) == 3
    assert "abFunction" in functions


def test_per_tenant_cost_is_three_jsii_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fleet is the scale path: per tenant it may cross into Node three times (log
    group, role, function). benchmarks/fleet_synth.py measures the time this buys."""
    from jsii._kernel.providers import process

    calls = {"n": 0}
    original = process._NodeProcess.send

    def counting(self: typing.Any, *args: typing.Any, **kw: typing.Any) -> typing.Any:
        calls["n"] += 1
        return original(self, *args, **kw)

    monkeypatch.setattr(process._NodeProcess, "send", counting)

    def round_trips(count: int) -> int:
        app = new_app()
        calls["n"] = 0
        TenantFunctionFleet(
            app, "Fleet", code=str(HANDLER_DIR), tenants=[Tenant(f"t{i}") for i in range(count)]
        )
        return calls["n"]

    # 40 more trusted tenants in the same shard (82 per shard by default)
    per_tenant = (round_trips(60) - round_trips(20)) / 40
    assert 1 <= per_tenant <= 3, per_tenant


def test_log_retention_powertools_layer_and_log_level_props() -> None:
    from aws_cdk import aws_logs as logs

    f = fleet(
        tenants=[Tenant("a")],
        log_retention=logs.RetentionDays.ONE_YEAR,
        powertools_layer=False,
        log_level="DEBUG",
    )
    t = tmpl(f.stacks[0])
    t.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})
    function = next(iter(t.find_resources("AWS::Lambda::Function").values()))["Properties"]
    assert "Layers" not in function
    assert function["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"
    assert function["Environment"]["Variables"]["POWERTOOLS_LOG_LEVEL"] == "DEBUG"
    g = fleet(tenants=[Tenant("a")], log_retention=logs.RetentionDays.INFINITE)
    log_group = next(iter(tmpl(g.stacks[0]).find_resources("AWS::Logs::LogGroup").values()))
    assert "RetentionInDays" not in log_group["Properties"]


def test_shard_of_only_retired_untrusted_tenants_keeps_a_placeholder(tmp_path: Path) -> None:
    # GIVEN one tenant per shard, the first retired and untrusted (it keeps nothing)
    app = App(outdir=str(tmp_path), builtin_cloud_formation_validation=False)
    f = TenantFunctionFleet(
        app,
        "Fleet",
        code=str(HANDLER_DIR),
        tenants=[Tenant("a", untrusted=True, retired=True), Tenant("b", untrusted=True)],
        max_resources_per_stack=5,
    )
    assembly = app.synth()
    retired, live = (assembly.get_stack_by_name(s.stack_name).template for s in f.stacks)
    # THEN the retired shard still deploys (CloudFormation needs one resource) and is
    # lint-clean, while a shard with resources gets no placeholder
    assert retired["Resources"] == {
        "RetiredShardPlaceholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    }
    assert lint_errors(retired) == []
    assert "RetiredShardPlaceholder" not in live["Resources"]

"""TenantCodeRunner blueprint: untrusted snippet functions, per-tenant invoker roles that
reach only their own tenant's functions, guardrails, cfn-lint, env, and validation."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template

from paved_road import PavedRoadError
from paved_road.guardrails import enforce
from paved_road_blueprints import Snippet, TenantCodeRunner
from paved_road_blueprints.tenant_code_runner import MAX_INLINE_POLICY_CHARS
from tests.cfn_lint import lint_errors

PLATFORM = "111122223333"
RUNNER_ENV = Environment(account="222233334444", region="eu-west-1")
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "222233334444"}
# The longest partition and region names (not a real pair): the worst case for a
# policy's resolved size.
WORST_CASE = {
    "AWS::Partition": "aws-us-gov",
    "AWS::Region": "us-isof-south-1",
    "AWS::AccountId": "222233334444",
}
TENANTS = ("acme", "acme-corp", "globex")
FUNCTIONS = {
    "acme": {"runner-acme-discount", "runner-acme-quote"},
    "acme-corp": {"runner-acme-corp-discount"},
    "globex": {"runner-globex-validate"},
}


# --------------------------------------------------------------------------- helpers


def new_app(tmp_path: Path | None = None) -> App:
    if tmp_path is None:
        return App(builtin_cloud_formation_validation=False)
    return App(outdir=str(tmp_path / "cdk.out"), builtin_cloud_formation_validation=False)


def code_dir(root: Path, name: str) -> str:
    """A tiny tenant code directory (one per tenant, as tenants upload their own)."""
    directory = root / "snippets" / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.py").write_text(
        f"def handler(event, context):\n    return {{'tenant': {name!r}}}\n"
    )
    return str(directory)


def sample_snippets(root: Path) -> list[Snippet]:
    """3 tenants, 4 snippets; ``acme`` is a prefix of ``acme-corp``."""
    return [
        Snippet("acme", "discount", code=code_dir(root, "acme")),
        Snippet("acme-corp", "discount", code=code_dir(root, "acme-corp")),
        Snippet("acme", "quote", code=code_dir(root, "acme"), handler="index.quote"),
        Snippet("globex", "validate", code=code_dir(root, "globex")),
    ]


def make(root: Path, app: App | None = None, **props: typing.Any) -> tuple[App, TenantCodeRunner]:
    app = app or new_app()
    if "snippets" not in props:
        props["snippets"] = sample_snippets(root)
    props.setdefault("platform_account", PLATFORM)
    runner = TenantCodeRunner(app, "Runner", **props)
    return app, runner


def render(value: typing.Any, pseudo: dict[str, str] = PSEUDO) -> typing.Any:
    """Resolve the pseudo-parameter ``Ref`` s and ``Fn::Join`` s of a template value."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in pseudo:
            return pseudo[value["Ref"]]
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(str(render(p, pseudo)) for p in parts)
        return {k: render(v, pseudo) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, pseudo) for v in value]
    return value


def resources(stack: Stack, kind: str) -> typing.Any:
    return Template.from_stack(stack).find_resources(kind)


def invoker_role(runner: TenantCodeRunner, tenant: str) -> dict[str, typing.Any]:
    """The rendered properties of a tenant's invoker role, found by its RoleName."""
    (stack,) = runner.access_stacks
    roles = [
        r["Properties"]
        for r in resources(stack, "AWS::IAM::Role").values()
        if r["Properties"]["RoleName"] == f"runner-invoke-{tenant}"
    ]
    assert len(roles) == 1
    return render(roles[0])


def function_name_of(arn: str) -> str:
    prefix = "arn:aws:lambda:eu-west-1:222233334444:function:"
    assert arn.startswith(prefix), arn
    return arn[len(prefix) :]


def compact_size(document: typing.Any) -> int:
    """A policy's size as IAM counts it (whitespace excluded)."""
    return len(json.dumps(document, separators=(",", ":")))


# --------------------------------------------------------------------------- stacks


def test_creates_a_fleet_shard_and_an_access_stack(tmp_path: Path) -> None:
    # GIVEN 3 tenants with 4 snippets
    _, runner = make(tmp_path)
    # THEN the snippets' functions are in one fleet shard, the invoker roles in one
    # access stack
    assert [s.node.path for s in runner.fleet.stacks] == ["Runner/Functions/Shard001"]
    assert [s.node.path for s in runner.access_stacks] == ["Runner/Access001"]
    assert runner.access_stacks[0].stack_name == "Runner-Access001"
    shard = Template.from_stack(runner.fleet.stacks[0])
    shard.resource_count_is("AWS::Lambda::Function", 4)
    shard.resource_count_is("AWS::IAM::Role", 4)
    shard.resource_count_is("AWS::Logs::LogGroup", 0)
    access = Template.from_stack(runner.access_stacks[0])
    access.resource_count_is("AWS::IAM::Role", 3)
    assert len(access.to_json()["Resources"]) == 3
    # AND the attributes name every tenant's invoker role
    assert runner.invoker_role_names == {t: f"runner-invoke-{t}" for t in TENANTS}
    assert set(runner.invoker_roles) == set(TENANTS)


def test_every_snippet_function_is_untrusted_and_named_after_tenant_and_snippet(
    tmp_path: Path,
) -> None:
    # GIVEN the sample snippets
    _, runner = make(tmp_path)
    stack = runner.fleet.stacks[0]
    roles = resources(stack, "AWS::IAM::Role")
    functions = resources(stack, "AWS::Lambda::Function")
    # THEN each function is runner-<tenant>-<snippet>, with PassThrough tracing, tagged
    # untrusted and with the owning tenant
    names = {}
    for fn in functions.values():
        props = fn["Properties"]
        tags = {t["Key"]: t["Value"] for t in props["Tags"]}
        names[props["FunctionName"]] = tags["tenant"]
        assert tags["tenant-trust"] == "untrusted"
        assert props["TracingConfig"] == {"Mode": "PassThrough"}
        assert props["Timeout"] == 10
        assert props["MemorySize"] == 256
        # AND runs with a role of its own that only has AWSDenyAll: no permission at all
        (role_id,) = {props["Role"]["Fn::GetAtt"][0]}
        role = roles[role_id]["Properties"]
        assert render(role["ManagedPolicyArns"]) == ["arn:aws:iam::aws:policy/AWSDenyAll"]
        assert "Policies" not in role
        assert {"Key": "tenant-trust", "Value": "untrusted"} in role["Tags"]
        assert {"Key": "tenant", "Value": tags["tenant"]} in role["Tags"]
    assert names == {name: tenant for tenant, fns in FUNCTIONS.items() for name in fns}
    assert len({fn["Properties"]["Role"]["Fn::GetAtt"][0] for fn in functions.values()}) == 4
    # AND the snippet's handler is kept
    quote = next(
        f for f in functions.values() if f["Properties"]["FunctionName"] == "runner-acme-quote"
    )
    assert quote["Properties"]["Handler"] == "index.quote"
    # AND nothing else in the shard may be assumed or grants anything
    assert resources(stack, "AWS::IAM::Policy") == {}


# --------------------------------------------------------------------------- invoker roles


def test_invoker_roles_trust_the_platform_account_with_the_external_id(tmp_path: Path) -> None:
    # GIVEN a platform account and an external id
    _, runner = make(tmp_path, external_id="platform-ext-1")
    for tenant in TENANTS:
        role = invoker_role(runner, tenant)
        # THEN the tenant's invoker role may only be assumed by the platform account,
        # passing the external id
        assert role["AssumeRolePolicyDocument"] == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{PLATFORM}:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "platform-ext-1"}},
                }
            ],
        }
        assert role["MaxSessionDuration"] == 3600
        assert role["Tags"] == [{"Key": "tenant", "Value": tenant}]
        assert "ManagedPolicyArns" not in role


def test_invoker_roles_have_no_condition_without_an_external_id(tmp_path: Path) -> None:
    # GIVEN no external id
    _, runner = make(tmp_path)
    for tenant in TENANTS:
        (statement,) = invoker_role(runner, tenant)["AssumeRolePolicyDocument"]["Statement"]
        # THEN the trust policy names the platform account root, with no condition
        assert statement["Principal"] == {"AWS": f"arn:aws:iam::{PLATFORM}:root"}
        assert "Condition" not in statement


def test_invoker_role_may_invoke_only_its_own_tenants_functions(tmp_path: Path) -> None:
    # GIVEN tenants acme and acme-corp (a prefix of one another) and globex
    _, runner = make(tmp_path)
    deployed = {
        f["Properties"]["FunctionName"]
        for f in resources(runner.fleet.stacks[0], "AWS::Lambda::Function").values()
    }
    for tenant in TENANTS:
        role = invoker_role(runner, tenant)
        # THEN the role has one inline policy with one statement: invoke, nothing else
        (policy,) = role["Policies"]
        assert policy["PolicyName"] == "invoke-tenant-snippets"
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == "lambda:InvokeFunction"
        # AND its resources are exact function ARNs (no wildcard), exactly the tenant's own
        arns = statement["Resource"]
        assert all("*" not in arn for arn in arns)
        names = [function_name_of(arn) for arn in arns]
        assert sorted(names) == sorted(FUNCTIONS[tenant])
        # AND none belongs to another tenant, prefix tenants included
        others = set().union(*(fns for t, fns in FUNCTIONS.items() if t != tenant))
        assert not set(names) & others
        # AND every one is a function the fleet deploys
        assert set(names) <= deployed
    acme = [
        function_name_of(a)
        for a in invoker_role(runner, "acme")["Policies"][0]["PolicyDocument"]["Statement"][0][
            "Resource"
        ]
    ]
    assert "runner-acme-corp-discount" not in acme


def test_names_that_would_alias_across_tenants_are_rejected(tmp_path: Path) -> None:
    # GIVEN tenant acme's snippet corp-x and tenant acme-corp's snippet x: both would be
    # the function runner-acme-corp-x, so acme's invoker role would reach acme-corp's code
    code = code_dir(tmp_path, "shared")
    # THEN the duplicate function name is rejected, named as the runner's prop
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': snippets\[1\]\.tenant_id must give a unique key "
        r".*'runner-acme-corp-x', got 'acme-corp-x'$",
    ):
        make(
            tmp_path,
            snippets=[Snippet("acme", "corp-x", code=code), Snippet("acme-corp", "x", code=code)],
        )


def test_tenants_differing_only_in_case_are_rejected(tmp_path: Path) -> None:
    code = code_dir(tmp_path, "shared")
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': snippets\[1\]\.tenant_id must differ from tenant "
        r"'Acme' in more than case: IAM role names .* are case-insensitive, got 'acme'$",
    ):
        make(
            tmp_path,
            snippets=[Snippet("Acme", "x", code=code), Snippet("acme", "y", code=code)],
        )


# --------------------------------------------------------------------------- environment


def test_env_passes_through_to_every_stack(tmp_path: Path) -> None:
    # GIVEN a runner account and region
    app, runner = make(tmp_path, env=RUNNER_ENV)
    stacks = [*runner.fleet.stacks, *runner.access_stacks]
    # THEN every stack (shards and access) targets them
    assert len(stacks) == 2
    for stack in stacks:
        assert stack.account == "222233334444"
        assert stack.region == "eu-west-1"
    artifacts = app.synth().stacks_recursively
    assert {(a.environment.account, a.environment.region) for a in artifacts} == {
        ("222233334444", "eu-west-1")
    }
    assert len(artifacts) == 2


def test_without_env_the_stacks_are_environment_agnostic(tmp_path: Path) -> None:
    _, runner = make(tmp_path)
    for stack in [*runner.fleet.stacks, *runner.access_stacks]:
        assert stack.resolve(stack.account) == {"Ref": "AWS::AccountId"}
        assert stack.resolve(stack.region) == {"Ref": "AWS::Region"}


# --------------------------------------------------------------------------- guardrails


def synth_guarded(
    app: App, tmp_path: Path, *, strict: bool = False
) -> tuple[str | None, list[dict[str, typing.Any]]]:
    """Synthesize ``app`` under ``enforce()``: the failure (if any) and the violations of
    ``validation-report.json`` (as ``tests.conftest.run_guardrails``, for an App scope)."""
    enforce(app, strict=strict)
    error = None
    try:
        app.synth()
    except Exception as exc:  # jsii surfaces the CDK ValidationError as RuntimeError
        error = str(exc)
    report = tmp_path / "cdk.out" / "validation-report.json"
    assert report.exists()
    violations: list[dict[str, typing.Any]] = []
    for plugin in json.loads(report.read_text())["pluginReports"]:
        violations.extend(plugin.get("violations", []))
    return error, violations


def test_guardrails_pass_with_no_findings(tmp_path: Path) -> None:
    # GIVEN the runner in an App under every guardrail pack, strict
    app, _ = make(tmp_path, new_app(tmp_path), external_id="platform-ext-1", env=RUNNER_ENV)
    error, violations = synth_guarded(app, tmp_path, strict=True)
    # THEN synthesis succeeds and nothing is left unacknowledged
    assert error is None
    assert violations == []


def test_guardrails_see_the_runner_stacks(tmp_path: Path) -> None:
    # GIVEN one snippet role that grants a permission (the packs must reach nested stacks)
    app, runner = make(tmp_path, new_app(tmp_path))
    runner.fleet.roles["acme-quote"].add_property_override(
        "Policies",
        [
            {
                "PolicyName": "leak",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
                },
            }
        ],
    )
    error, violations = synth_guarded(app, tmp_path)
    # THEN synthesis fails on exactly that role
    assert error is not None and "PavedRoad-UntrustedTenantRoleAllow" in error
    paths = {
        c["constructPath"]
        for v in violations
        if v["ruleName"] == "PavedRoad-UntrustedTenantRoleAllow"
        for c in v.get("violatingConstructs", [])
    }
    assert paths == {runner.fleet.roles["acme-quote"].node.path}


def test_every_template_passes_cfn_lint(tmp_path: Path) -> None:
    app, _ = make(tmp_path, external_id="platform-ext-1", env=RUNNER_ENV)
    templates = {a.hierarchical_id: a.template for a in app.synth().stacks_recursively}
    assert set(templates) == {"Runner/Functions/Shard001", "Runner/Access001"}
    for name, tpl in templates.items():
        assert lint_errors(tpl) == [], name


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("account", ["12345", "1111222233334", "abcdefghijkl", ""])
def test_platform_account_must_be_12_digits(tmp_path: Path, account: str) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': platform_account must be a 12-digit AWS account "
        rf"id, got '{account}'$",
    ):
        make(tmp_path, platform_account=account)


def test_snippets_must_not_be_empty(tmp_path: Path) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': snippets must name at least one snippet, got \[\]$",
    ):
        make(tmp_path, snippets=[])


def test_every_snippet_must_be_a_snippet(tmp_path: Path) -> None:
    snippets: list[typing.Any] = [*sample_snippets(tmp_path), {"tenant_id": "acme"}]
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': snippets\[4\] must be a "
        r"paved_road_blueprints\.Snippet, got a dict$",
    ):
        make(tmp_path, snippets=snippets)


@pytest.mark.parametrize("external_id", ["x", "has space", "semi;colon", "a" * 1225])
def test_external_id_must_be_valid_for_sts(tmp_path: Path, external_id: str) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': external_id must be 2-1224 characters of ",
    ):
        make(tmp_path, external_id=external_id)


def test_external_id_of_allowed_characters_is_accepted(tmp_path: Path) -> None:
    _, runner = make(tmp_path, external_id="a+b=c,d.e@f:g/h-i_j")
    condition = invoker_role(runner, "acme")["AssumeRolePolicyDocument"]["Statement"][0]
    assert condition["Condition"] == {"StringEquals": {"sts:ExternalId": "a+b=c,d.e@f:g/h-i_j"}}


def test_invoker_role_name_longer_than_64_is_rejected(tmp_path: Path) -> None:
    # GIVEN a 51-character tenant id: its function runner-<tenant>-a fits Lambda's 64, its
    # role runner-invoke-<tenant> (65) does not fit IAM's 64
    tenant = "t" * 51
    with pytest.raises(
        PavedRoadError,
        match=rf"^TenantCodeRunner 'Runner': snippets\[0\]\.tenant_id must give an invoker role "
        rf"name of at most 64 characters \(IAM's limit\), not 'runner-invoke-{tenant}' \(65\): "
        rf"shorten name_prefix or the tenant id, got '{tenant}'$",
    ):
        make(tmp_path, snippets=[Snippet(tenant, "a", code=code_dir(tmp_path, "t"))])


def big_tenant(root: Path, count: int) -> list[Snippet]:
    """``count`` snippets of tenant ``big`` with 51-character function names."""
    code = code_dir(root, "big")
    return [Snippet("big", f"snippet-{i:04d}".ljust(40, "x"), code=code) for i in range(count)]


def resolved_policy_size(snippets: list[Snippet], pseudo: dict[str, str]) -> int:
    arns = [
        f"arn:{pseudo['AWS::Partition']}:lambda:{pseudo['AWS::Region']}:"
        f"{pseudo['AWS::AccountId']}:function:runner-{s.tenant_id}-{s.name}"
        for s in snippets
    ]
    return compact_size(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arns}],
        }
    )


def test_tenant_whose_invoker_policy_exceeds_iam_limit_is_rejected(tmp_path: Path) -> None:
    # GIVEN a tenant with 120 snippets: its invoker policy would exceed IAM's 10,240
    # characters even resolved for the shortest partition
    snippets = [*sample_snippets(tmp_path), *big_tenant(tmp_path, 120)]
    assert resolved_policy_size(snippets[4:], PSEUDO) > MAX_INLINE_POLICY_CHARS
    # THEN the runner rejects it, naming the tenant
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': snippets of tenant 'big' must fit its invoker role "
        r"policy \(10240 characters, IAM's limit\): split the tenant or shorten names, got 120 "
        r"snippets$",
    ):
        make(tmp_path, snippets=snippets)


def test_accepted_invoker_policies_resolve_within_iam_limit(tmp_path: Path) -> None:
    # GIVEN a tenant with 60 snippets of long names (accepted)
    _, runner = make(tmp_path, snippets=big_tenant(tmp_path, 60))
    (stack,) = runner.access_stacks
    (role,) = resources(stack, "AWS::IAM::Role").values()
    # THEN its policy, resolved for the longest partition and region, fits IAM's limit
    documents = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
    assert len(documents[0]["Statement"][0]["Resource"]) == 60
    assert sum(compact_size(render(d, WORST_CASE)) for d in documents) <= MAX_INLINE_POLICY_CHARS


def test_tenant_whose_resolved_invoker_policy_fits_is_accepted(tmp_path: Path) -> None:
    snippets = big_tenant(tmp_path, 85)
    assert resolved_policy_size(snippets, WORST_CASE) < MAX_INLINE_POLICY_CHARS - 400
    _, runner = make(tmp_path, snippets=snippets)
    assert "big" in runner.invoker_roles


def test_retired_snippets_keep_their_slot_and_lose_their_permission(tmp_path: Path) -> None:
    # GIVEN a tenant with one retired and one live snippet, and a fully retired tenant
    code = code_dir(tmp_path, "shared")
    _, runner = make(
        tmp_path,
        snippets=[
            Snippet("acme", "old", code=code, retired=True),
            Snippet("acme", "new", code=code),
            Snippet("gone", "x", code=code, retired=True),
        ],
    )
    # THEN the retired snippets have no function, keep their placement, and the
    # invoker may only call the live one; the retired tenant has no invoker role
    assert set(runner.fleet.functions) == {"acme-new"}
    assert set(runner.fleet.placement) == {"acme-old", "acme-new", "gone-x"}
    assert set(runner.invoker_roles) == {"acme"}
    policy = runner.access_stacks[0].resolve(runner.invoker_roles["acme"].policies)
    resources = policy[0]["policyDocument"]["Statement"][0]["Resource"]
    assert len(resources) == 1 and "runner-acme-new" in str(resources)


def test_runner_in_one_cell_builds_only_that_cells_tenants(tmp_path: Path) -> None:
    # GIVEN the context of cell 1 of 2 (paved-road fleet synth --cells 2)
    from paved_road.fleet import CELL_CONTEXT, cell_of

    code = code_dir(tmp_path, "shared")
    tenants = [f"tenant{i}" for i in range(8)]
    app = App(builtin_cloud_formation_validation=False, context={CELL_CONTEXT: "1/2"})
    runner = TenantCodeRunner(
        app,
        "Runner",
        platform_account="111122223333",
        snippets=[Snippet(t, "x", code=code) for t in tenants],
    )
    # THEN functions and invoker roles exist only for the cell's tenants
    mine = {t for t in tenants if cell_of(t, 2) == 1}
    assert set(runner.invoker_roles) == mine
    assert {k.removesuffix("-x") for k in runner.fleet.functions} == mine
    assert [s.node.id for s in runner.access_stacks] == ["Cell001Access001"]


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        # the fleet's checks, named as the runner's props (tenants[0].function -> name)
        (Snippet("acme", "x y", code="."), r"snippets\[0\]\.name must match .*got 'x y'$"),
        (Snippet("bad id", "a", code="."), r"snippets\[0\]\.tenant_id must match .*got 'bad id'$"),
        (
            Snippet("acme", "a", code=".", memory_size=64),
            r"snippets\[0\]\.memory_size must be between 128 and 10240 MB, got 64$",
        ),
        (
            Snippet("acme", "a", code=".", handler="index handler"),
            r"snippets\[0\]\.handler must be .*without whitespace.*got 'index handler'$",
        ),
        # a Snippet is a plain dataclass: each field is type-checked like a prop
        (Snippet("acme", 5, code="."), r"snippets\[0\]\.name must be a string, got 5$"),  # type: ignore[arg-type]
        (Snippet(5, "a", code="."), r"snippets\[0\]\.tenant_id must be a string, got 5$"),  # type: ignore[arg-type]
        (
            Snippet("acme", "a", code=None),  # type: ignore[arg-type]
            r"snippets\[0\]\.code must be a lambda_\.Code, a string or a pathlib\.Path, got None$",
        ),
        (
            Snippet("acme", "a", code=".", timeout=10),  # type: ignore[arg-type]
            r"snippets\[0\]\.timeout must be an aws_cdk\.Duration .*got 10$",
        ),
    ],
)
def test_snippet_problems_name_the_snippet(snippet: Snippet, message: str) -> None:
    with pytest.raises(PavedRoadError, match=rf"^TenantCodeRunner 'Runner': {message}"):
        TenantCodeRunner(new_app(), "Runner", snippets=[snippet], platform_account=PLATFORM)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"memory_size": 64}, r"memory_size must be between 128 and 10240 MB, got 64$"),
        ({"name_prefix": "bad prefix"}, r"name_prefix must be 1-40 characters .*got 'bad prefix'$"),
        (
            {"vendor_layers": ["sdk"]},
            r"vendor_layers\[0\] must be a layer version ARN .*got 'sdk'$",
        ),
        (
            {"env": Environment(account="1234", region="eu-west-1")},
            r"env\.account must be a 12-digit AWS account id, got '1234'$",
        ),
        (
            {"env": Environment(account=PLATFORM, region="Europe")},
            r"env\.region must be an AWS Region such as 'eu-west-1', got 'Europe'$",
        ),
    ],
)
def test_fleet_props_are_named_as_the_runner_props(
    tmp_path: Path, props: dict[str, typing.Any], message: str
) -> None:
    with pytest.raises(PavedRoadError, match=rf"^TenantCodeRunner 'Runner': {message}"):
        make(tmp_path, **props)


def test_deprecated_runtime_needs_the_runners_acknowledgment(tmp_path: Path) -> None:
    from aws_cdk import aws_lambda as lambda_

    # GIVEN a deprecated runtime THEN the error names the runner's props
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantCodeRunner 'Runner': runtime is deprecated .*acknowledge_deprecated_runtime"
        r".*got 'python3.8'$",
    ):
        make(tmp_path, runtime=lambda_.Runtime.PYTHON_3_8)
    # AND the runner passes a reason through to its fleet
    _, runner = make(
        tmp_path,
        runtime=lambda_.Runtime.PYTHON_3_8,
        acknowledge_deprecated_runtime="Vendor SDK pinned to 3.8 until 2027-01 (TICKET-9)",
    )
    assert runner.fleet.functions

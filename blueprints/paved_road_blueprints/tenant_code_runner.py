"""TenantCodeRunner: tenant-supplied code, one function per tenant and snippet (Pega).

The pattern from Pega's Launchpad: every code snippet a tenant uploads becomes a
Lambda function of its own, in a dedicated AWS account apart from the SaaS platform,
with an execution role that grants nothing and denies everything (``AWSDenyAll``).
Vendor code ships as layers, apart from the tenant's code. The platform invokes
snippets by assuming a per-tenant *invoker role* in the runner account, which can
invoke only the functions of that one tenant: a bug in the platform's tenancy check
cannot reach another tenant's code.

Deploy it to the runner account (``env=``); give the platform account id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Aws, CfnTag, Duration, Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road._boundary import checked_props
from paved_road._markers import TENANT_TAG
from paved_road._validate import is_token
from paved_road.errors import Problems
from paved_road.fleet import (
    DEFAULT_MAX_RESOURCES_PER_STACK,
    CodeSource,
    Tenant,
    TenantFunctionFleet,
    cell_of,
    construct_id,
)
from paved_road_blueprints._problems import reported_as

MAX_INLINE_POLICY_CHARS = 10_240
"""IAM's limit on the inline policies of one role (aggregate, whitespace excluded)."""

ROLES_PER_ACCESS_STACK = 200

_LONGEST_ARN_PREFIX = len("arn:aws-us-gov:lambda:ap-southeast-5:123456789012:function:") + 4
"""Resolved length of a function ARN before its name, for the longest partition and a
long region (plus slack), with its JSON quotes and comma."""


def _policy_size(function_names: Sequence[str]) -> int:
    """Upper bound of the invoker policy's size once resolved (IAM counts it without
    whitespace)."""
    fixed = len(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":"lambda:InvokeFunction","Resource":[]}]}'
    )
    return fixed + sum(_LONGEST_ARN_PREFIX + len(name) + 3 for name in function_names)


_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d+$")


def _check_env(problems: Problems, env: Environment | None) -> None:
    if env is None or not isinstance(env, Environment):
        return  # the boundary has checked its type
    account, region = env.account, env.region
    if account is not None and not is_token(account) and not re.fullmatch(r"\d{12}", account):
        problems.add("env.account", "must be a 12-digit AWS account id", account)
    if region is not None and not is_token(region) and not _REGION.match(region):
        problems.add("env.region", "must be an AWS Region such as 'eu-west-1'", region)


_FLEET_FIELDS = {"function": "name"}
"""Tenant fields the fleet names that a Snippet calls otherwise."""
_FLEET_ITEM = re.compile(r"^tenants(\[\d+\])(?:\.(\w+))?(.*)$", re.S)


def _as_snippet_props(text: str) -> str:
    """A fleet problem in the runner's words: ``tenants[2].function ...`` ->
    ``snippets[2].name ...`` (snippets and tenants share positions), ``stack_props['env']``
    -> ``env``; the fleet's other props have the runner's names."""
    item = _FLEET_ITEM.match(text)
    if item:
        index, field, rest = item.groups()
        field = _FLEET_FIELDS.get(field, field)
        return f"snippets{index}{'.' + field if field else ''}{rest}"
    return text.replace("stack_props['env']", "env", 1)


class _Snippets:
    def __init__(self, count: int) -> None:
        self.count = count

    def __repr__(self) -> str:
        return f"{self.count} snippets"


@dataclass(frozen=True)
class Snippet:
    """One tenant-supplied code snippet: becomes the function ``<prefix>-<tenant>-<name>``.

    :param tenant_id: the owning tenant.
    :param name: the snippet's name within the tenant (``[A-Za-z0-9][A-Za-z0-9_-]*``).
    :param code: the tenant's code: a directory or zip path, or an ``aws_lambda.Code``.
    :param handler: default ``index.handler``.
    :param timeout: default: the runner's.
    :param memory_size: default: the runner's.
    :param reserved_concurrency: cap the snippet's concurrency (noisy tenants);
        default none.
    :param tags: extra tags of the snippet's function and role; default none.
    :param retired: keep the snippet's slot (so later snippets never move between
        stacks) but remove its function and the invoker's permission; default False.
    """

    tenant_id: str
    name: str
    code: CodeSource
    handler: str = "index.handler"
    timeout: Duration | None = None
    memory_size: int | None = None
    reserved_concurrency: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    retired: bool = False


class TenantCodeRunner(Construct):
    """Untrusted tenant code in its own stacks (for a separate account), deny-all roles,
    and per-tenant invoker roles for the platform.

    Create it under an ``App`` or ``Stage``. It creates the fleet's shard stacks
    (``<id>/Functions/Shard001``...) and the access stacks holding the invoker roles
    (``<id>/Access001``...), all with ``env``.

    :param snippets: the tenants' snippets, in onboarding order (append new ones).
    :param platform_account: the AWS account id of the SaaS platform, whose principals
        may assume the invoker roles. Required.
    :param external_id: ``sts:ExternalId`` the platform must pass when assuming an
        invoker role; default none.
    :param env: account and region of the runner stacks; default environment-agnostic.
    :param name_prefix: function and role name prefix; default ``runner``.
    :param vendor_layers: layer ARNs of vendor code; default none.
    :param code_signing_config_arn: only code signed by your profiles deploys;
        default none.
    :param runtime: default ``python3.14``; must not be deprecated unless
        ``acknowledge_deprecated_runtime`` gives the reason.
    :param timeout: default 10 s (snippets are short extension points).
    :param memory_size: default 256 MB.
    :param max_resources_per_stack: fleet shard budget; default 250.
    :param acknowledge_deprecated_runtime: reason to use a deprecated runtime; default none.

    Attributes: ``fleet`` (TenantFunctionFleet), ``invoker_roles`` (tenant id ->
    ``iam.CfnRole``), ``invoker_role_names`` (tenant id -> role name),
    ``access_stacks``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        snippets: Sequence[Snippet],
        platform_account: str,
        external_id: str | None = None,
        env: Environment | None = None,
        name_prefix: str = "runner",
        vendor_layers: Sequence[str] = (),
        code_signing_config_arn: str | None = None,
        runtime: lambda_.Runtime | None = None,
        timeout: Duration | None = None,
        memory_size: int = 256,
        max_resources_per_stack: int = DEFAULT_MAX_RESOURCES_PER_STACK,
        acknowledge_deprecated_runtime: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("TenantCodeRunner", self.node.path)
        if not is_token(platform_account) and not re.fullmatch(r"\d{12}", platform_account):
            problems.add("platform_account", "must be a 12-digit AWS account id", platform_account)
        if (
            external_id is not None
            and not is_token(external_id)
            and not re.fullmatch(r"[A-Za-z0-9_+=,.@:/-]{2,1224}", external_id)
        ):
            problems.add(
                "external_id", "must be 2-1224 characters of [A-Za-z0-9_+=,.@:/-]", external_id
            )
        _check_env(problems, env)
        if not snippets:
            problems.add("snippets", "must name at least one snippet", list(snippets))
        by_tenant: dict[str, list[Snippet]] = {}
        first: dict[str, int] = {}
        for position, snippet in enumerate(snippets):
            if not isinstance(snippet, Snippet):
                problems.add(f"snippets[{position}]", "must be a Snippet", snippet)
            else:  # the boundary (@checked_props) has checked each Snippet's field types
                by_tenant.setdefault(snippet.tenant_id, []).append(snippet)
                first.setdefault(snippet.tenant_id, position)
        lowered: dict[str, str] = {}
        for tenant_id in by_tenant:
            where = f"snippets[{first[tenant_id]}].tenant_id"
            other = lowered.setdefault(tenant_id.lower(), tenant_id)
            if other != tenant_id:
                problems.add(
                    where,
                    f"must differ from tenant {other!r} in more than case: IAM role names (the "
                    "tenants' invoker roles) are case-insensitive",
                    tenant_id,
                )
            role_name = f"{name_prefix}-invoke-{tenant_id}"
            if len(role_name) > 64:
                problems.add(
                    where,
                    f"must give an invoker role name of at most 64 characters (IAM's limit), not "
                    f"{role_name!r} ({len(role_name)}): shorten name_prefix or the tenant id",
                    tenant_id,
                )
        problems.raise_if_any()

        stack_props: dict[str, Any] = {"env": env} if env is not None else {}
        # the fleet's problems name its own props (tenants[0].function): say them as this
        # construct's (snippets[0].name), so the error names what the caller passed
        fleet_path = f"TenantFunctionFleet '{self.node.path}/Functions'"
        with reported_as("TenantCodeRunner", self.node.path, fleet_path, _as_snippet_props):
            self.fleet = TenantFunctionFleet(
                self,
                "Functions",
                tenants=[
                    Tenant(
                        s.tenant_id,
                        function=s.name,
                        code=s.code,
                        handler=s.handler,
                        timeout=s.timeout,
                        memory_size=s.memory_size,
                        reserved_concurrency=s.reserved_concurrency,
                        tags=s.tags,
                        untrusted=True,
                        retired=s.retired,
                    )
                    for s in snippets
                ],
                untrusted=True,
                name_prefix=name_prefix,
                vendor_layers=vendor_layers,
                code_signing_config_arn=code_signing_config_arn,
                runtime=runtime,
                timeout=timeout or Duration.seconds(10),
                memory_size=memory_size,
                max_resources_per_stack=max_resources_per_stack,
                acknowledge_deprecated_runtime=acknowledge_deprecated_runtime,
                stack_props=stack_props,
            )

        self.access_stacks: list[Stack] = []
        self.invoker_roles: dict[str, iam.CfnRole] = {}
        self.invoker_role_names: dict[str, str] = {}
        partition, region, account = Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID
        trust: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{platform_account}:root"},
            "Action": "sts:AssumeRole",
        }
        if external_id is not None:
            trust["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
        fleet_problems = Problems("TenantCodeRunner", self.node.path)
        chunks: dict[int, Stack] = {}
        cell = self.fleet.cell
        if cell is not None:  # one cell of a split synth: only this cell's tenants
            by_tenant = {t: o for t, o in by_tenant.items() if cell_of(t, cell[1]) == cell[0]}
        prefix = f"Cell{cell[0]:03d}" if cell is not None else ""
        for index, (tenant_id, owned) in enumerate(by_tenant.items()):
            names = [
                self.fleet.function_names[Tenant(tenant_id, function=s.name).key]
                for s in owned
                if not s.retired
            ]
            if not names:
                continue  # every snippet retired: the tenant keeps no invoker role
            arns = [f"arn:{partition}:lambda:{region}:{account}:function:{n}" for n in names]
            if _policy_size(names) > MAX_INLINE_POLICY_CHARS:
                fleet_problems.add(
                    "snippets",
                    f"of tenant {tenant_id!r} must fit its invoker role policy "
                    f"({MAX_INLINE_POLICY_CHARS} characters, IAM's limit): split the tenant or "
                    "shorten names",
                    _Snippets(len(owned)),
                )
                continue
            role_name = f"{name_prefix}-invoke-{tenant_id}"
            self.invoker_role_names[tenant_id] = role_name
            # tenants keep their access stack by first-appearance order (append-stable);
            # a stack is created once a role goes into it (never an empty template)
            chunk = index // ROLES_PER_ACCESS_STACK
            if chunk not in chunks:
                stack_id = f"{prefix}Access{chunk + 1:03d}"
                chunks[chunk] = Stack(
                    self,
                    stack_id,
                    stack_name=f"{self.node.path.replace('/', '-')}-{stack_id}",
                    description=f"paved-road TenantCodeRunner {self.node.path}: invoker roles",
                    **stack_props,
                )
                self.access_stacks.append(chunks[chunk])
            self.invoker_roles[tenant_id] = iam.CfnRole(
                chunks[chunk],
                f"{construct_id(tenant_id)}Invoker",
                role_name=role_name,
                description=f"Platform invokes the code snippets of tenant {tenant_id} (only)",
                assume_role_policy_document={"Version": "2012-10-17", "Statement": [trust]},
                policies=[
                    iam.CfnRole.PolicyProperty(
                        policy_name="invoke-tenant-snippets",
                        policy_document={
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "lambda:InvokeFunction",
                                    "Resource": arns,
                                }
                            ],
                        },
                    )
                ],
                max_session_duration=3600,
                tags=[CfnTag(key=TENANT_TAG, value=tenant_id)],
            )
        fleet_problems.raise_if_any()

"""TenantFunctionFleet: the silo model, one Lambda function (and role) per tenant.

For untrusted, tenant-supplied code (Pega's Launchpad, Zapier's Zaps) the strongest
isolation is a function of its own per tenant (and per snippet): its own execution
environments, its own role, its own quotas for reserved concurrency and its own
cost-allocation tags.

This is the scale path (thousands of tenants), so it is written for synth speed:
per tenant it defines L1 resources directly (``CfnRole``, ``CfnFunction`` and, for
trusted code, ``CfnLogGroup``), with every value computed in Python once per
fleet or once per shard, tags passed as properties (no aspects), and no tokens
read back into Python except the role's ARN.

Placement is deterministic and append-stable: tenants are placed in list order
into shards of ``tenants_per_stack`` slots (derived from ``max_resources_per_stack``
and the largest per-tenant resource count, so a tenant's own settings never move
other tenants). Appending a tenant never moves an existing one; to offboard a
tenant without shifting the ones after it, mark it ``retired=True`` (it keeps its
slot, and its log group, but loses its function and role). A shard left with no
resources at all (only retired untrusted tenants) gets a ``RetiredShardPlaceholder``
(``AWS::CloudFormation::WaitConditionHandle``): CloudFormation rejects an empty template.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import (
    Acknowledgment,
    Aws,
    CfnWaitConditionHandle,
    Duration,
    RemovalPolicies,
    RemovalPolicy,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from paved_road import runtimes
from paved_road._boundary import check_value, checked_props
from paved_road._markers import (
    DENY_ALL_POLICY_NAME,
    FLEET_METADATA_KEY,
    TENANT_TAG,
    TRUST_TAG,
    TRUSTED,
    UNTRUSTED,
)
from paved_road._validate import check_range, is_token, seconds
from paved_road.errors import Problems
from paved_road.function import (
    APPLICATION_LOG_LEVELS,
    CRITICALITY_TAG,
    LATEST_RUNTIME_RULES,
    MAX_ENVIRONMENT_BYTES,
    POWERTOOLS_LAYER_VERSION,
    RUNTIME_DEPRECATED_RULE_ID,
    Criticality,
    GovernedFunction,
    check_environment_keys,
    check_reason,
    powertools_layer_arn,
    supported_runtime_reason,
)

CELL_CONTEXT = "paved-road:fleet-cell"
"""Context key (``"<index>/<count>"``, e.g. ``"3/8"``) that selects one cell of a fleet;
``paved-road fleet synth --cells N`` sets it for each process."""

CLOUDFORMATION_MAX_RESOURCES = 500
DEFAULT_MAX_RESOURCES_PER_STACK = 250
DEFAULT_MAX_TEMPLATE_BYTES = 800_000
"""Under CloudFormation's 1 MB limit for a template uploaded to S3."""

STACK_OVERHEAD_RESOURCES = 2
"""Reserved per shard for resources the fleet does not place (CDK's ``CDKMetadata``)."""

MAX_RESOURCES_PER_TENANT = 3
"""Log group + role + function (trusted); untrusted tenants use 2 (no log group)."""

_TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_CELL = re.compile(r"^(\d+)/(\d+)$")
_LAYER_ARN = re.compile(r"^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9_-]+:\d+$")
"""Lambda's LayerVersionArn pattern (API reference, ``Layers`` of CreateFunction)."""
_CODE_SIGNING_CONFIG_ARN = re.compile(
    r"^arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:"
    r"code-signing-config:csc-[a-z0-9]{17}$"
)
"""Lambda's CodeSigningConfigArn pattern (API reference, CreateFunction)."""
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]+$")
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]+$")
MAX_LAYERS = 5
"""Layers per function (Lambda quota), the Powertools layer included."""
MAX_SUBNETS = 16
MAX_SECURITY_GROUPS = 5
"""Lambda's VpcConfig limits (API reference, VpcConfig)."""
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_VPC_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
]

_ASSET_EXCLUDES = ["__pycache__", "*.pyc"]
"""Local bytecode caches are never bundled into tenant code assets."""

_UNTRUSTED_VPC = (
    "cannot be combined with subnet_ids: Lambda creates a VPC function's network interfaces "
    "with the execution role, and an untrusted role denies everything (CreateFunction would "
    "fail at deploy time)"
)

_RETENTION_DAYS = {
    "ONE_DAY": 1, "THREE_DAYS": 3, "FIVE_DAYS": 5, "ONE_WEEK": 7, "TWO_WEEKS": 14,
    "ONE_MONTH": 30, "TWO_MONTHS": 60, "THREE_MONTHS": 90, "FOUR_MONTHS": 120,
    "FIVE_MONTHS": 150, "SIX_MONTHS": 180, "ONE_YEAR": 365, "THIRTEEN_MONTHS": 400,
    "EIGHTEEN_MONTHS": 545, "TWO_YEARS": 731, "THREE_YEARS": 1096, "FIVE_YEARS": 1827,
    "SIX_YEARS": 2192, "SEVEN_YEARS": 2557, "EIGHT_YEARS": 2922, "NINE_YEARS": 3288,
    "TEN_YEARS": 3653,
}  # fmt: skip
"""``logs.RetentionDays`` member name -> days (``INFINITE`` is absent: no retention)."""

CodeSource = lambda_.Code | str | Path
"""Function code: a directory or zip path (an asset per shard stack, which is what lets
one code folder serve many stacks) or an ``aws_lambda.Code`` used in one stack only."""


@dataclass(frozen=True)
class Tenant:
    """One member of a :class:`TenantFunctionFleet`: a tenant, or one snippet of a tenant.

    :param tenant_id: the tenant (``[A-Za-z0-9][A-Za-z0-9_-]*``); tagged ``tenant``.
    :param function: the function key within the tenant, for one function per
        snippet (Pega); default none (one function for the tenant).
    :param code: this tenant's code; default: the fleet's shared ``code``.
    :param handler: default: the fleet's ``handler``.
    :param reserved_concurrency: reserved concurrent executions; default none.
    :param memory_size: MB; default: the fleet's.
    :param timeout: default: the fleet's.
    :param environment: extra environment variables; default none.
    :param tags: extra tags of the function and role; default none.
    :param untrusted: default: the fleet's ``untrusted``.
    :param retired: keep the tenant's slot (and log group) but remove its function and
        role, so offboarding never moves other tenants; default False.
    """

    tenant_id: str
    function: str | None = None
    code: CodeSource | None = None
    handler: str | None = None
    reserved_concurrency: int | None = None
    memory_size: int | None = None
    timeout: Duration | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    untrusted: bool | None = None
    retired: bool = False

    @property
    def key(self) -> str:
        """Unique key in the fleet: ``tenant_id`` or ``tenant_id-function``."""
        return self.tenant_id if not self.function else f"{self.tenant_id}-{self.function}"


def construct_id(key: str) -> str:
    """The construct id (and logical id stem) of a tenant key. CloudFormation logical ids
    are alphanumeric, so CDK drops ``-`` and ``_``; a key that has them gets a short hash
    of itself appended, so ``a-b`` and ``ab`` never share a logical id."""
    stem = re.sub(r"[^A-Za-z0-9]", "", key)
    if stem == key:
        return key
    return f"{stem}{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}"


def cell_of(tenant_id: str, cells: int) -> int:
    """The cell (0-based) a tenant belongs to when a fleet is split into ``cells``
    processes: a stable hash of the tenant id (all of a tenant's functions share a cell)."""
    if cells < 1:
        raise ValueError(f"cells must be >= 1, got {cells}")
    digest = hashlib.sha256(tenant_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % cells


def parse_cell(value: object) -> tuple[int, int] | None:
    """``"3/8"`` -> ``(3, 8)``; None for None; ValueError otherwise."""
    if value is None:
        return None
    match = _CELL.match(str(value).strip())
    if not match or not 0 <= int(match.group(1)) < int(match.group(2)):
        raise ValueError(f"expected '<index>/<count>' with 0 <= index < count, got {value!r}")
    return int(match.group(1)), int(match.group(2))


_HANDLER_RULE = "must be a string of 1-128 characters without whitespace such as 'index.handler'"
"""Lambda's Handler: at most 128 characters, pattern ``^[^\\s]+$`` (as GovernedFunction)."""


def _handler_ok(handler: str) -> bool:
    if is_token(handler):
        return True
    return bool(handler) and len(handler) <= 128 and not any(c.isspace() for c in handler)


def _timeout_seconds(timeout: Duration | None) -> Any:
    """A timeout for ``CfnFunction``: whole seconds, a number token for a Duration token,
    None when absent (the boundary has refused fractional seconds)."""
    if timeout is None:
        return None
    value = seconds(timeout)  # cached per Duration; None for a token
    return timeout.to_seconds() if value is None else int(value)


@functools.cache
def _stack_hints() -> dict[str, Any]:
    """``aws_cdk.Stack``'s keyword props and their annotations (for ``stack_props``)."""
    hints = typing.get_type_hints(Stack.__init__)
    return {
        name: hints[name]
        for name, parameter in inspect.signature(Stack.__init__).parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name in hints
    }


def _check_environment(problems: Problems, prop: str, tenant: Tenant, prefix: str) -> None:
    """Lambda's rules for environment variables (as GovernedFunction's): keys match
    ``[a-zA-Z][a-zA-Z0-9_]+`` and are not reserved, and all of the function's variables
    (the fleet's POWERTOOLS_* and TENANT_ID too) are at most 4 KB."""
    check_environment_keys(problems, prop, tenant.environment)
    final = {
        "POWERTOOLS_SERVICE_NAME": prefix,
        "POWERTOOLS_METRICS_NAMESPACE": prefix,
        "POWERTOOLS_LOG_LEVEL": "ERROR",  # the longest level name
        "TENANT_ID": tenant.tenant_id,
        **tenant.environment,
    }
    if any(is_token(k) or is_token(v) for k, v in final.items()):
        return  # a token's size is only known at deploy time
    size = sum(len(k.encode()) + len(v.encode()) for k, v in final.items())
    if size > MAX_ENVIRONMENT_BYTES:
        problems.add(
            prop,
            f"must fit Lambda's {MAX_ENVIRONMENT_BYTES} bytes of environment variables (keys "
            "and values, with the fleet's POWERTOOLS_* and TENANT_ID)",
            _Bytes(size),
        )


class _Bytes:
    def __init__(self, size: int) -> None:
        self.size = size

    def __repr__(self) -> str:
        return f"{self.size} bytes"


class TenantFunctionFleet(Construct):
    """One function and one execution role per tenant, packed into shard stacks.

    Create it directly under an ``App`` or ``Stage`` (not in a stack): it creates
    its shard stacks itself, ``<id>/Shard001``, ``<id>/Shard002``, ... (with a cell:
    ``<id>/Cell003Shard001``).

    Per tenant: a function named ``<name_prefix>-<tenant key>``, a role of its own,
    tags ``tenant``, ``criticality`` and ``tenant-trust``. Trusted tenants also get a
    log group ``/aws/lambda/<function name>`` (JSON logs, retention) that only their
    role can write, and X-Ray active tracing. ``untrusted=True`` tenants get a role
    with no permissions and an explicit deny-all (``AWSDenyAll``): their code can call
    no AWS API, which also means no CloudWatch Logs and no traces (Lambda's metrics
    still flow); it cannot be attached to a VPC (Lambda creates a VPC function's
    network interfaces with its role, which the deny-all forbids).

    :param tenants: the members, in onboarding order (append new tenants at the end).
    :param code: shared code for tenants without their own; default none (then every
        tenant needs ``code``).
    :param handler: default ``index.handler``.
    :param runtime: default ``python3.14``; must not be deprecated unless
        ``acknowledge_deprecated_runtime`` gives the reason.
    :param untrusted: default for tenants' ``untrusted``; default False.
    :param criticality: tagged on every function; default STANDARD.
    :param name_prefix: function name prefix; default the construct id, lowercased.
    :param memory_size: MB, 128-10240; default 256.
    :param timeout: 1 s - 15 min; default 30 s.
    :param architecture: default ARM_64.
    :param vendor_layers: layer ARNs of vendor (platform) code, kept apart from
        tenant code; default none.
    :param powertools_layer: add the AWS-managed Powertools layer (Python); default True.
    :param code_signing_config_arn: code signing config for every function (only
        signed code deploys); default none.
    :param subnet_ids: VPC subnets for trusted tenants' functions; default none (no
        VPC: the functions cannot reach your private networks).
    :param security_group_ids: with ``subnet_ids``.
    :param log_retention: of trusted tenants' log groups; default one month.
    :param log_level: application log level; default INFO.
    :param synchronous: functions are only invoked synchronously (the platform's
        Invoke calls), so no asynchronous failure destination applies; default True.
    :param max_resources_per_stack: resource budget of each shard stack, at most
        500 (CloudFormation's limit); default 250.
    :param max_template_bytes: template size budget, checked by the
        ``PavedRoad-FleetStackResourceBudget`` guardrail; default 800,000.
    :param cell: ``(index, count)``: build only the tenants of this cell
        (:func:`cell_of`); default: the ``paved-road:fleet-cell`` context, else all.
    :param stack_props: keyword props for every shard stack (``env``,
        ``synthesizer``, ``termination_protection``, ...); default none.
    :param acknowledge_deprecated_runtime: reason to use a deprecated runtime.

    Attributes: ``stacks`` (shard stacks in order), ``placement`` (tenant key ->
    shard number, 1-based), ``functions`` / ``roles`` / ``log_groups`` (tenant key ->
    L1 resource), ``function_names`` (tenant key -> function name),
    ``tenants_per_stack``, ``cell``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        tenants: Sequence[Tenant],
        code: CodeSource | None = None,
        handler: str = "index.handler",
        runtime: lambda_.Runtime | None = None,
        untrusted: bool = False,
        criticality: Criticality = Criticality.STANDARD,
        name_prefix: str | None = None,
        memory_size: int = 256,
        timeout: Duration | None = None,
        architecture: lambda_.Architecture | None = None,
        vendor_layers: Sequence[str] = (),
        powertools_layer: bool = True,
        code_signing_config_arn: str | None = None,
        subnet_ids: Sequence[str] = (),
        security_group_ids: Sequence[str] = (),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_level: str = "INFO",
        synchronous: bool = True,
        max_resources_per_stack: int = DEFAULT_MAX_RESOURCES_PER_STACK,
        max_template_bytes: int = DEFAULT_MAX_TEMPLATE_BYTES,
        cell: tuple[int, int] | None = None,
        stack_props: Mapping[str, Any] | None = None,
        acknowledge_deprecated_runtime: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems("TenantFunctionFleet", self.node.path)
        runtime = runtime or lambda_.Runtime.PYTHON_3_14
        runtime_name = runtime.name
        arch_name = (architecture or lambda_.Architecture.ARM_64).name
        timeout_s = seconds(timeout or Duration.seconds(30))
        prefix = name_prefix if name_prefix is not None else id.lower()

        if any(Stack.is_stack(s) for s in self.node.scopes[:-1]):
            problems.add(
                "scope",
                "must be an App or Stage, not inside a Stack: the fleet creates its own shard "
                "stacks",
                scope.node.path,
            )
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$", prefix):
            problems.add("name_prefix", "must be 1-40 characters of [A-Za-z0-9_-]", prefix)
        check_range(problems, "memory_size", memory_size, 128, 10240, "MB")
        check_range(problems, "timeout", timeout_s, 1, 900, "seconds")
        check_range(
            problems,
            "max_resources_per_stack",
            max_resources_per_stack,
            STACK_OVERHEAD_RESOURCES + MAX_RESOURCES_PER_TENANT,
            CLOUDFORMATION_MAX_RESOURCES,
        )
        check_range(problems, "max_template_bytes", max_template_bytes, 51_200, 1_000_000, "bytes")
        if not _handler_ok(handler):
            problems.add("handler", _HANDLER_RULE, handler)
        check_reason(problems, "acknowledge_deprecated_runtime", acknowledge_deprecated_runtime)
        if log_level.upper() not in APPLICATION_LOG_LEVELS:
            problems.add(
                "log_level", f"must be one of {', '.join(APPLICATION_LOG_LEVELS)}", log_level
            )
        self._check_stack_props(problems, stack_props or {})
        self._check_vpc(problems, subnet_ids, security_group_ids)
        self._check_layers(problems, vendor_layers, powertools_layer, runtime_name)
        if code_signing_config_arn is not None and not (
            is_token(code_signing_config_arn)
            or _CODE_SIGNING_CONFIG_ARN.match(code_signing_config_arn)
        ):
            problems.add(
                "code_signing_config_arn",
                "must be a code signing config ARN (arn:aws:lambda:<region>:<account>:"
                "code-signing-config:csc-<17 characters>)",
                code_signing_config_arn,
            )
        if bool(subnet_ids) != bool(security_group_ids):
            problems.add(
                "subnet_ids/security_group_ids",
                "must be given together (a VPC function needs both)",
                {"subnet_ids": list(subnet_ids), "security_group_ids": list(security_group_ids)},
            )
        if not isinstance(criticality, Criticality):
            problems.add("criticality", "must be a paved_road.Criticality member", criticality)
            criticality = Criticality.STANDARD
        try:
            today = runtimes.current_date(self.node.try_get_context(runtimes.TODAY_CONTEXT))
        except ValueError as exc:
            problems.add("runtime", f"cannot be checked: {exc}")
        else:
            GovernedFunction._check_runtime(
                problems,
                runtime_name,
                acknowledge_deprecated_runtime,
                today,
                runtimes.policy_for(self.node.try_get_context(runtimes.POLICY_CONTEXT)),
            )
        try:
            selected = (
                cell if cell is not None else parse_cell(self.node.try_get_context(CELL_CONTEXT))
            )
            if cell is not None:
                parse_cell(f"{cell[0]}/{cell[1]}")
        except (ValueError, TypeError, IndexError):
            if cell is not None:
                problems.add("cell", "must be (index, count) with 0 <= index < count", cell)
            else:
                problems.add(
                    "cell",
                    f"(the {CELL_CONTEXT} context) must be '<index>/<count>' with "
                    "0 <= index < count",
                    self.node.try_get_context(CELL_CONTEXT),
                )
            selected = None
        self._check_tenants(problems, tenants, code, untrusted, prefix, bool(subnet_ids))
        problems.raise_if_any()

        self.cell = selected
        self.tenants_per_stack = (
            max_resources_per_stack - STACK_OVERHEAD_RESOURCES
        ) // MAX_RESOURCES_PER_TENANT
        members = [
            t
            for t in tenants
            if selected is None or cell_of(t.tenant_id, selected[1]) == selected[0]
        ]
        self.stacks: list[Stack] = []
        self.placement: dict[str, int] = {}
        self.functions: dict[str, lambda_.CfnFunction] = {}
        self.roles: dict[str, iam.CfnRole] = {}
        self.log_groups: dict[str, logs.CfnLogGroup] = {}
        self.function_names: dict[str, str] = {}

        # Everything that is the same for every tenant, computed once.
        partition = Aws.PARTITION
        layers = list(vendor_layers)
        if powertools_layer and runtime_name.startswith("python"):
            layers.insert(
                0, powertools_layer_arn(runtime_name, arch_name, POWERTOOLS_LAYER_VERSION)
            )
        level = log_level.upper()
        self._common: dict[str, Any] = {
            "runtime": runtime_name,
            "architectures": [arch_name],
            "layers": layers or None,
            "code_signing_config_arn": code_signing_config_arn,
        }
        self._log_level = level
        self._vpc = (
            {"subnetIds": list(subnet_ids), "securityGroupIds": list(security_group_ids)}
            if subnet_ids
            else None
        )
        level_env = "DEBUG" if level == "TRACE" else level  # Powertools has no TRACE
        self._environment = {
            "POWERTOOLS_SERVICE_NAME": prefix,
            "POWERTOOLS_METRICS_NAMESPACE": prefix,
            "POWERTOOLS_LOG_LEVEL": level_env,
        }
        self._deny_all = f"arn:{partition}:iam::aws:policy/{DENY_ALL_POLICY_NAME}"
        self._retention = _RETENTION_DAYS.get(log_retention.name)
        self._criticality = criticality
        self._handler = handler
        self._memory = memory_size
        self._timeout = _timeout_seconds(timeout) or 30
        self._prefix = prefix
        self._shared_code = code
        self._untrusted_default = untrusted
        self._stack_props = dict(stack_props or {})
        self._budget = (max_resources_per_stack, max_template_bytes)
        self._code_cache: dict[tuple[int, str], dict[str, Any]] = {}
        self._reasons = self._acknowledgment_reasons(
            runtime_name,
            today,
            synchronous,
            acknowledge_deprecated_runtime,
            runtimes.policy_for(self.node.try_get_context(runtimes.POLICY_CONTEXT)),
        )

        holding: set[int] = set()  # shards with at least one resource of a tenant
        for index, tenant in enumerate(members):
            shard = index // self.tenants_per_stack
            if shard == len(self.stacks):
                self.stacks.append(self._new_shard(shard + 1))
            self.placement[tenant.key] = shard + 1
            self._add_tenant(self.stacks[shard], shard, tenant)
            untrusted = self._untrusted_default if tenant.untrusted is None else tenant.untrusted
            if not (tenant.retired and untrusted):  # a retired untrusted tenant keeps nothing
                holding.add(shard)
        for shard, stack in enumerate(self.stacks):
            if shard not in holding:
                # CloudFormation rejects a template without resources, and the shard must
                # still deploy to delete its retired tenants' functions and roles
                CfnWaitConditionHandle(stack, "RetiredShardPlaceholder")

    # ------------------------------------------------------------------ lookups

    def stack_of(self, tenant_key: str) -> Stack:
        """The shard stack that holds ``tenant_key`` (``Tenant.key``)."""
        return self.stacks[self.placement[tenant_key] - 1]

    # ------------------------------------------------------------------ validation

    @staticmethod
    def _check_tenants(
        problems: Problems,
        tenants: Sequence[Tenant],
        code: CodeSource | None,
        untrusted: bool,
        prefix: str,
        vpc: bool,
    ) -> None:
        if isinstance(tenants, str | bytes) or not isinstance(tenants, Sequence):
            problems.add("tenants", "must be a list of paved_road.Tenant", type(tenants).__name__)
            return
        seen: set[str] = set()
        ids: dict[str, str] = {}
        for position, tenant in enumerate(tenants):
            where = f"tenants[{position}]"
            if not isinstance(tenant, Tenant):
                problems.add(where, "must be a paved_road.Tenant", tenant)
                continue
            if not _TENANT_ID.match(tenant.tenant_id):
                problems.add(
                    f"{where}.tenant_id", "must match [A-Za-z0-9][A-Za-z0-9_-]*", tenant.tenant_id
                )
            if tenant.function is not None and not _TENANT_ID.match(tenant.function):
                problems.add(
                    f"{where}.function", "must match [A-Za-z0-9][A-Za-z0-9_-]*", tenant.function
                )
            name = f"{prefix}-{tenant.key}"
            if len(name) > 64:
                problems.add(
                    where,
                    "must give a function name ('<name_prefix>-<tenant_id>[-<function>]') of "
                    f"at most 64 characters (Lambda's limit), not {name!r} ({len(name)}): "
                    "shorten name_prefix, tenant_id or function",
                    tenant.key,
                )
            if tenant.key in seen:
                problems.add(
                    f"{where}.tenant_id",
                    "must give a unique key (tenant_id-function): another tenant has it, and "
                    f"both would be function name {name!r}",
                    tenant.key,
                )
            elif construct_id(tenant.key) in ids:
                problems.add(
                    where,
                    "must have a CloudFormation logical id of its own, but has the same as "
                    f"tenant {ids[construct_id(tenant.key)]!r}; rename one of them",
                    tenant.key,
                )
            seen.add(tenant.key)
            ids.setdefault(construct_id(tenant.key), tenant.key)
            if tenant.handler is not None and not _handler_ok(tenant.handler):
                problems.add(f"{where}.handler", f"{_HANDLER_RULE} (or None)", tenant.handler)
            if tenant.code is None and code is None and not tenant.retired:
                problems.add(f"{where}.code", "is required when the fleet has no shared code", None)
            if isinstance(tenant.code, lambda_.Code) and not isinstance(
                tenant.code, lambda_.AssetCode | lambda_.S3Code | lambda_.InlineCode
            ):
                problems.add(
                    f"{where}.code",
                    "must be zip code (asset, S3 or inline), not an image",
                    type(tenant.code).__name__,
                )
            check_range(
                problems, f"{where}.reserved_concurrency", tenant.reserved_concurrency, 0, 1e9
            )
            check_range(problems, f"{where}.memory_size", tenant.memory_size, 128, 10240, "MB")
            if tenant.timeout is not None:
                check_range(
                    problems, f"{where}.timeout", seconds(tenant.timeout), 1, 900, "seconds"
                )
            reserved = {TENANT_TAG, CRITICALITY_TAG, TRUST_TAG} & set(tenant.tags)
            if reserved:
                problems.add(f"{where}.tags", "must not set the fleet's own tags", sorted(reserved))
            _check_environment(problems, f"{where}.environment", tenant, prefix)
            if vpc and tenant.untrusted and not untrusted:
                problems.add(f"{where}.untrusted", _UNTRUSTED_VPC, True)
        if vpc and untrusted:
            problems.add("untrusted", _UNTRUSTED_VPC, True)
        if isinstance(code, lambda_.AssetCode):
            problems.add(
                "code",
                "must be a path (str or Path) for shared asset code: an aws_lambda.AssetCode "
                "belongs to one stack, and the fleet has one asset per shard stack",
                "AssetCode",
            )

    @staticmethod
    def _check_stack_props(problems: Problems, stack_props: Mapping[str, Any]) -> None:
        if not isinstance(stack_props, Mapping):
            return  # the boundary has reported it
        reserved_props = {"stack_name", "description"} & set(stack_props)
        if reserved_props:
            problems.add(
                "stack_props",
                "must not set stack_name or description (the fleet names each shard stack)",
                sorted(reserved_props),
            )
        hints = _stack_hints()
        unknown = sorted(str(k) for k in stack_props if k not in hints)
        if unknown:
            problems.add(
                "stack_props",
                f"must only set aws_cdk.Stack props ({', '.join(sorted(hints))})",
                unknown,
            )
        for key, value in stack_props.items():
            if key in hints and key not in reserved_props:
                check_value(problems, f"stack_props[{key!r}]", value, hints[key], key=key)

    @staticmethod
    def _check_vpc(
        problems: Problems, subnet_ids: Sequence[str], security_group_ids: Sequence[str]
    ) -> None:
        for prop, ids, pattern, limit, example in (
            ("subnet_ids", subnet_ids, _SUBNET_ID, MAX_SUBNETS, "subnet-0123abcd"),
            (
                "security_group_ids",
                security_group_ids,
                _SECURITY_GROUP_ID,
                MAX_SECURITY_GROUPS,
                "sg-0123abcd",
            ),
        ):
            if len(ids) > limit:
                problems.add(
                    prop, f"must have at most {limit} items (Lambda's VpcConfig)", len(ids)
                )
            for index, value in enumerate(ids):
                if not is_token(value) and not pattern.match(value):
                    problems.add(f"{prop}[{index}]", f"must be an id such as {example!r}", value)

    @staticmethod
    def _check_layers(
        problems: Problems, vendor_layers: Sequence[str], powertools: bool, runtime_name: str
    ) -> None:
        for index, arn in enumerate(vendor_layers):
            if not is_token(arn) and not (_LAYER_ARN.match(arn) and len(arn) <= 140):
                problems.add(
                    f"vendor_layers[{index}]",
                    "must be a layer version ARN (arn:aws:lambda:<region>:<account>:layer:"
                    "<name>:<version>)",
                    arn,
                )
        with_powertools = powertools and runtime_name.startswith("python")
        limit = MAX_LAYERS - 1 if with_powertools else MAX_LAYERS
        if len(vendor_layers) > limit:
            also = " besides the Powertools layer" if with_powertools else ""
            problems.add(
                "vendor_layers",
                f"must have at most {limit} layers{also} (Lambda allows {MAX_LAYERS} per function)",
                len(vendor_layers),
            )

    # ------------------------------------------------------------------ building

    @staticmethod
    def _acknowledgment_reasons(
        runtime_name: str,
        today: Any,
        synchronous: bool,
        deprecated_reason: str | None,
        policy: runtimes.RuntimePolicy | None = None,
    ) -> dict[str, str]:
        reasons: dict[str, str] = {}
        if deprecated_reason:
            # the caller's reason for a deprecated runtime covers every rule that flags it
            for rule in (
                RUNTIME_DEPRECATED_RULE_ID,
                "PavedRoad-LambdaRuntimeHorizon",
                *LATEST_RUNTIME_RULES,
            ):
                reasons[rule] = deprecated_reason
        if synchronous:
            reasons["Serverless-LambdaDLQ"] = (
                "Fleet functions are invoked synchronously by the platform (synchronous=True): "
                "the caller receives every error; a DLQ only applies to asynchronous invokes."
            )
        supported = (
            None if deprecated_reason else supported_runtime_reason(runtime_name, today, policy)
        )
        if supported:
            reasons.update(dict.fromkeys(LATEST_RUNTIME_RULES, supported))
        return reasons

    def _new_shard(self, number: int) -> Stack:
        stack_id = f"Shard{number:03d}"
        if self.cell is not None:
            stack_id = f"Cell{self.cell[0]:03d}{stack_id}"
        stack = Stack(
            self,
            stack_id,
            stack_name=f"{self.node.path.replace('/', '-')}-{stack_id}",
            description=f"paved-road TenantFunctionFleet {self.node.path}, shard {number}",
            **self._stack_props,
        )
        # fleet log groups outlive their tenants' functions (audit, re-onboarding)
        RemovalPolicies.of(stack).apply(
            RemovalPolicy.RETAIN, apply_to_resource_types=["AWS::Logs::LogGroup"]
        )
        stack.template_options.metadata = {
            FLEET_METADATA_KEY: {
                "Fleet": self.node.path,
                "Shard": number,
                "Cell": f"{self.cell[0]}/{self.cell[1]}" if self.cell else None,
                "MaxResources": self._budget[0],
                "MaxTemplateBytes": self._budget[1],
            }
        }
        Validations.of(stack).acknowledge(
            *(Acknowledgment(id=rule, reason=reason) for rule, reason in self._reasons.items()),
        )
        self._trusted_acknowledged = False
        self._untrusted_acknowledged = False
        return stack

    def _code(self, stack: Stack, shard: int, source: CodeSource) -> dict[str, Any]:
        if isinstance(source, str | Path):
            cache_key = (shard, str(source))
            cached = self._code_cache.get(cache_key)
            if cached is not None:
                return cached
            code: lambda_.Code = lambda_.Code.from_asset(str(source), exclude=_ASSET_EXCLUDES)
        else:
            cache_key = (shard, f"id:{id(source)}")
            cached = self._code_cache.get(cache_key)
            if cached is not None:
                return cached
            code = source
        # AssetCode.bind() adds an asset construct named "Code" to its scope: give each
        # distinct code of a shard a scope of its own.
        config = code.bind(Construct(stack, f"Code{len(self._code_cache)}"))
        location = config.s3_location
        if location is not None:
            prop: dict[str, Any] = {
                "s3Bucket": location.bucket_name,
                "s3Key": location.object_key,
            }
            if location.object_version:
                prop["s3ObjectVersion"] = location.object_version
        else:
            prop = {"zipFile": config.inline_code}
        self._code_cache[cache_key] = prop
        return prop

    def _add_tenant(self, stack: Stack, shard: int, tenant: Tenant) -> None:
        # Scale path: three jsii calls per tenant (log group, role, function). Nested
        # props are plain dicts with CloudFormation-cased keys (jsii passes them through,
        # no struct objects to type-check), the role is passed as an object (no ARN read
        # back into Python) and the log group's Arn is a raw Fn::GetAtt on its logical
        # id, which for a resource directly in a stack is its construct id.
        key = tenant.key
        cid = construct_id(key)
        name = f"{self._prefix}-{key}"
        untrusted = self._untrusted_default if tenant.untrusted is None else tenant.untrusted
        tags = [
            {"key": TENANT_TAG, "value": tenant.tenant_id},
            {"key": CRITICALITY_TAG, "value": self._criticality.value},
            {"key": TRUST_TAG, "value": UNTRUSTED if untrusted else TRUSTED},
            *({"key": k, "value": v} for k, v in sorted(tenant.tags.items())),
        ]
        self.function_names[key] = name
        log_group_name = f"/aws/lambda/{name}"
        if not untrusted:
            # DeletionPolicy Retain comes from the shard's RemovalPolicies (one per stack)
            self.log_groups[key] = logs.CfnLogGroup(
                stack,
                f"{cid}Logs",
                log_group_name=log_group_name,
                retention_in_days=self._retention,
                tags=tags,
            )
        if tenant.retired:
            return

        if untrusted:
            if not self._untrusted_acknowledged:
                self._acknowledge_untrusted(stack)
            role = iam.CfnRole(
                stack,
                f"{cid}Role",
                assume_role_policy_document=_LAMBDA_TRUST,
                managed_policy_arns=[self._deny_all],
                description=f"Untrusted tenant {key}: no permissions, explicit deny-all",
                tags=tags,
            )
        else:
            if not self._trusted_acknowledged:
                self._acknowledge_trusted(stack)
            statements: list[dict[str, Any]] = [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    # a log group's Arn attribute is "...:log-group:<name>:*" (its streams)
                    "Resource": {"Fn::GetAtt": [f"{cid}Logs", "Arn"]},
                },
                {
                    "Effect": "Allow",
                    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                    "Resource": "*",
                },
            ]
            if self._vpc is not None:
                statements.append({"Effect": "Allow", "Action": _VPC_ACTIONS, "Resource": "*"})
            role = iam.CfnRole(
                stack,
                f"{cid}Role",
                assume_role_policy_document=_LAMBDA_TRUST,
                policies=[
                    {
                        "policyName": "tenant-function",
                        "policyDocument": {"Version": "2012-10-17", "Statement": statements},
                    }
                ],
                description=f"Tenant {key}: writes its own log group and traces",
                tags=tags,
            )
        self.roles[key] = role

        environment = {**self._environment, "TENANT_ID": tenant.tenant_id, **tenant.environment}
        source = tenant.code if tenant.code is not None else self._shared_code
        assert source is not None  # checked in _check_tenants
        logging: dict[str, str] = {
            "logFormat": "JSON",
            "applicationLogLevel": self._log_level,
            "systemLogLevel": "INFO",
        }
        if not untrusted:
            logging["logGroup"] = log_group_name
        function = lambda_.CfnFunction(
            stack,
            f"{cid}Function",
            function_name=name,
            role=role,
            handler=tenant.handler or self._handler,
            code=self._code(stack, shard, source),
            memory_size=tenant.memory_size or self._memory,
            timeout=_timeout_seconds(tenant.timeout) or self._timeout,
            reserved_concurrent_executions=tenant.reserved_concurrency,
            environment={"variables": environment},
            logging_config=logging,
            tracing_config={"mode": "PassThrough" if untrusted else "Active"},
            vpc_config=None if untrusted else self._vpc,
            tags=tags,
            **self._common,
        )
        self.functions[key] = function

    def _acknowledge_trusted(self, stack: Stack) -> None:
        """The wildcard findings of trusted tenants' roles (Resource '*' for X-Ray, and for
        EC2 network interfaces with a VPC), acknowledged only on shards that hold such a
        role: a shard of untrusted (deny-all) or retired tenants has no wildcard at all."""
        vpc = self._vpc is not None
        actions = "X-Ray PutTraceSegments/PutTelemetryRecords (trusted tenants' active tracing)"
        if vpc:
            actions += " and the EC2 network-interface actions of VPC functions"
        Validations.of(stack).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=f"{actions} have no resource-level permissions.",
            ),
            Acknowledgment(
                id="Serverless-LambdaStarPermissions",
                reason=f"The only wildcard in the shard's tenant roles is Resource '*' for "
                f"{actions}, which have no resource-level permissions.",
            ),
        )
        self._trusted_acknowledged = True

    def _acknowledge_untrusted(self, stack: Stack) -> None:
        Validations.of(stack).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{DENY_ALL_POLICY_NAME}]",
                reason="AWSDenyAll grants nothing: it is the explicit deny-all of untrusted tenant "
                "roles (no permissions for tenant-supplied code).",
            ),
            Acknowledgment(
                id="PavedRoad-LambdaActiveTracing",
                reason="Untrusted tenants' roles deny every action, X-Ray's PutTraceSegments "
                "included, so active tracing could not deliver; they use PassThrough.",
            ),
            Acknowledgment(
                id="Serverless-LambdaTracing",
                reason="Untrusted tenants' roles deny every action, X-Ray's PutTraceSegments "
                "included, so active tracing could not deliver; they use PassThrough.",
            ),
        )
        self._untrusted_acknowledged = True

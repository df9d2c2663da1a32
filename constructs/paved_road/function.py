"""GovernedFunction: a Lambda function with the governed baseline, and Criticality.

The baseline (every value overridable where it makes sense):

* arm64 (Graviton) architecture;
* explicit memory size (256 MB) and timeout (30 s);
* JSON logs with application and system log levels (Lambda advanced logging
  controls), written to a log group the construct owns, with a retention;
* X-Ray active tracing;
* Powertools environment (``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_LOG_LEVEL``,
  ``POWERTOOLS_METRICS_NAMESPACE``) and, for Python runtimes, the AWS-managed
  Powertools for AWS Lambda (Python) V3 layer, pinned, with the region resolved
  at deploy time;
* an execution role of its own with no AWS managed policies: only write access
  to its own log group (plus what tracing and callers add);
* a runtime that is not deprecated (dates from cfn-lint's lifecycle data, see
  :mod:`paved_road.runtimes`), unless the caller acknowledges it with a reason;
* a :class:`Criticality`, carried as the ``criticality`` tag and the
  ``criticality`` attribute.

Layer ARN format: Powertools documentation, "Lambda Layer"
(https://docs.powertools.aws.dev/lambda/python/latest/#lambda-layer):
``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{python_version}-{arch}:{version}``.
"""

from __future__ import annotations

import datetime
import enum
import functools
import re
from collections.abc import Mapping, Sequence
from typing import TypedDict

import jsii
from aws_cdk import (
    Acknowledgment,
    Aws,
    Duration,
    IStableStringProducer,
    Lazy,
    RemovalPolicy,
    Stack,
    Tags,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from paved_road import governance, runtimes
from paved_road._boundary import checked_props
from paved_road._tree import path_of
from paved_road._validate import THIRTY_SECONDS, check_range, is_token, millis, seconds
from paved_road.deployment import ProgressiveDelivery, ProvisionedConcurrency
from paved_road.errors import PavedRoadError, Problems
from paved_road.governance import (
    Criticality,
    RollbackAlarms,
    RuntimeManagement,
    ShiftKind,
    TrafficShift,
)

CRITICALITY_TAG = "criticality"
"""Tag key that carries a function's :class:`Criticality` (also a cost-allocation tag)."""

POWERTOOLS_LAYER_ACCOUNT = "017000801446"
"""AWS account that publishes the Powertools layers in the commercial partition."""

POWERTOOLS_LAYER_VERSION = 27
"""Pinned version of the ``AWSLambdaPowertoolsPythonV3-*`` layers (Powertools 3.x)."""

DEFAULT_RUNTIME_NAME = "python3.14"
APPLICATION_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LOG_LEVELS = ("DEBUG", "INFO", "WARN")

RUNTIME_DEPRECATED_RULE_ID = "PavedRoad-LambdaRuntimeDeprecated"
DEFAULT_KEEP_VERSIONS = 3
"""Published versions the version pruner keeps per function (plus aliased ones)."""
RUNTIME_VERSION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+::runtime:[0-9a-f]{64}$")


class Invocation(enum.Enum):
    """How a function is invoked, when declared. It decides whether an asynchronous
    failure target (cdk-nag ``Serverless-LambdaDLQ``) applies."""

    SYNCHRONOUS = "synchronous"
    """Only RequestResponse invokes (API Gateway, SDK calls): the caller sees every
    error, there is no asynchronous event to lose."""
    EVENT_SOURCE_MAPPING = "event-source-mapping"
    """Invoked by a poller (SQS, Kafka, streams): failed records are kept by the
    source's DLQ or the mapping's on-failure destination."""
    ASYNCHRONOUS = "asynchronous"
    """Event invokes (S3, SNS, EventBridge): give it a failure target; nothing is
    acknowledged."""


_INVOCATION_REASONS = {
    Invocation.SYNCHRONOUS: "Declared synchronous-only (invocation=SYNCHRONOUS): callers receive "
    "errors directly; a DLQ only applies to asynchronous invokes.",
    Invocation.EVENT_SOURCE_MAPPING: "Invoked by an event source mapping "
    "(invocation=EVENT_SOURCE_MAPPING): failed records go to the source's DLQ or the "
    "mapping's on-failure destination; a function DLQ only applies to asynchronous invokes.",
}


class DeliveryProps(TypedDict, total=False):
    """GovernedFunction's runtime-governance and delivery props (same names, same
    defaults), for constructs and blueprints that create one and pass them through
    as ``delivery={...}``."""

    runtime_management: RuntimeManagement | None
    runtime_version_arn: str | None
    deployment: TrafficShift | None
    rollback_alarms: RollbackAlarms | None
    duration_limit: Duration | None
    extra_rollback_alarms: Sequence[cloudwatch.IAlarm]
    pre_traffic_hook: lambda_.IFunction | GovernedFunction | None
    post_traffic_hook: lambda_.IFunction | GovernedFunction | None
    provisioned_concurrency: ProvisionedConcurrency | None
    keep_versions: int | None


class GovernedFunctionProps(DeliveryProps, total=False):
    """The keyword props of :class:`GovernedFunction`, for constructs that create one
    (e.g. ``QueueConsumer(function_props=...)``). Same names, same defaults (the delivery
    props come from :class:`DeliveryProps`)."""

    code: lambda_.Code
    handler: str
    runtime: lambda_.Runtime | None
    criticality: Criticality
    service_name: str | None
    description: str | None
    memory_size: int
    timeout: Duration | None
    architecture: lambda_.Architecture | None
    environment: Mapping[str, str] | None
    log_level: str
    system_log_level: str
    log_retention: logs.RetentionDays
    log_removal_policy: RemovalPolicy
    metrics_namespace: str | None
    powertools_layer: bool
    powertools_layer_version: int
    layers: Sequence[lambda_.ILayerVersion]
    reserved_concurrent_executions: int | None
    acknowledge_deprecated_runtime: str | None
    invocation: Invocation | None
    x86_reason: str | None


LATEST_RUNTIME_RULES = ("AwsSolutions-L1", "Serverless-LambdaLatestVersion")
"""cdk-nag's "latest runtime in the family" rules, acknowledged for supported runtimes."""


def supported_runtime_reason(
    runtime_name: str, today: datetime.date, policy: runtimes.RuntimePolicy | None = None
) -> str | None:
    """The acknowledgment reason for :data:`LATEST_RUNTIME_RULES` when ``runtime_name`` is
    supported ``today``; None otherwise. Those rules would fail every function one release
    behind; paved-road governs runtimes by lifecycle and criticality horizon instead."""
    entry = (policy or runtimes.policy()).lifecycle(runtime_name)
    if entry is None or entry.phase(today) is not runtimes.Phase.SUPPORTED:
        return None
    return (
        f"{runtime_name} is supported until {entry.deprecated}"
        "; runtime upgrades are governed by lifecycle and criticality horizon "
        "(PavedRoad-LambdaRuntimeDeprecated, PavedRoad-LambdaRuntimeHorizon)."
    )


_PYTHON_3_14 = lambda_.Runtime.PYTHON_3_14
_ARM_64 = lambda_.Architecture.ARM_64


@functools.cache
def _partition_region() -> tuple[str, str]:
    """``Aws.PARTITION`` and ``Aws.REGION``: fixed token strings, read through jsii once."""
    return Aws.PARTITION, Aws.REGION


def powertools_layer_arn(runtime_name: str, architecture_name: str, version: int) -> str:
    """The AWS-managed Powertools (Python V3) layer ARN, region and partition as tokens."""
    python = runtime_name.replace(".", "")  # python3.14 -> python314
    arch = "arm64" if architecture_name == "arm64" else "x86_64"
    partition, region = _partition_region()
    return (
        f"arn:{partition}:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"AWSLambdaPowertoolsPythonV3-{python}-{arch}:{version}"
    )


@jsii.implements(IStableStringProducer)
class _JoinedReasons:
    """The reason of the role's wildcard acknowledgment, joined at synth time."""

    def __init__(self, reasons: list[str]) -> None:
        self._reasons = reasons

    def produce(self) -> str:
        return "; ".join(self._reasons) + "; all other statements are resource-scoped."


class GovernedFunction(Construct):
    """A Lambda function with the governed baseline (see the module docstring).

    Attributes: ``function`` (the ``aws_lambda.Function``), ``role``, ``log_group``,
    ``criticality``, ``service_name``, ``timeout``, ``runtime_name``.
    """

    # Lambda's tenant isolation mode; set by TenantIsolatedFunction (create-only).
    _tenant_isolation_mode: str | None = None
    # False only for paved-road's own helper functions (HelperFunction).
    _progressive_delivery = True
    # HelperFunction: a mode that needs no ARN, whatever the matrix says.
    _default_runtime_management: RuntimeManagement | None = None

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        code: lambda_.Code,
        handler: str,
        runtime: lambda_.Runtime | None = None,
        criticality: Criticality = Criticality.STANDARD,
        service_name: str | None = None,
        description: str | None = None,
        memory_size: int = 256,
        timeout: Duration | None = None,
        architecture: lambda_.Architecture | None = None,
        environment: Mapping[str, str] | None = None,
        log_level: str = "INFO",
        system_log_level: str = "INFO",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        metrics_namespace: str | None = None,
        powertools_layer: bool = True,
        powertools_layer_version: int = POWERTOOLS_LAYER_VERSION,
        layers: Sequence[lambda_.ILayerVersion] = (),
        reserved_concurrent_executions: int | None = None,
        acknowledge_deprecated_runtime: str | None = None,
        invocation: Invocation | None = None,
        x86_reason: str | None = None,
        runtime_management: RuntimeManagement | None = None,
        runtime_version_arn: str | None = None,
        deployment: TrafficShift | None = None,
        rollback_alarms: RollbackAlarms | None = None,
        duration_limit: Duration | None = None,
        extra_rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
        pre_traffic_hook: lambda_.IFunction | GovernedFunction | None = None,
        post_traffic_hook: lambda_.IFunction | GovernedFunction | None = None,
        provisioned_concurrency: ProvisionedConcurrency | None = None,
        keep_versions: int | None = DEFAULT_KEEP_VERSIONS,
    ) -> None:
        """
        :param code: the function code (``aws_lambda.Code``). Required.
        :param handler: the handler, e.g. ``index.handler``. Required.
        :param runtime: default ``python3.14``. Must not be deprecated (Lambda's
            deprecation date, from cfn-lint's lifecycle data) unless
            ``acknowledge_deprecated_runtime`` gives the reason.
        :param criticality: default ``Criticality.STANDARD``; tagged ``criticality``.
        :param service_name: ``POWERTOOLS_SERVICE_NAME``; default: the construct id.
        :param description: function description; default none.
        :param memory_size: MB, 128-10240; default 256.
        :param timeout: 1 s - 15 min; default 30 s.
        :param architecture: default ``Architecture.ARM_64`` (Graviton).
        :param environment: extra environment variables; default none. The
            ``POWERTOOLS_*`` defaults can be overridden here.
        :param log_level: application log level (TRACE, DEBUG, INFO, WARN, ERROR,
            FATAL) for both Lambda's JSON log filter and ``POWERTOOLS_LOG_LEVEL``;
            default INFO.
        :param system_log_level: Lambda system log level (DEBUG, INFO, WARN); default INFO.
        :param log_retention: retention of the owned log group; default one month.
        :param log_removal_policy: of the owned log group; default RETAIN.
        :param metrics_namespace: ``POWERTOOLS_METRICS_NAMESPACE``; default: the service name.
        :param powertools_layer: add the AWS-managed Powertools layer (Python runtimes
            only); default True.
        :param powertools_layer_version: pinned layer version; default
            ``POWERTOOLS_LAYER_VERSION``.
        :param layers: extra layers; default none.
        :param reserved_concurrent_executions: default none (unreserved).
        :param invocation: how the function is invoked; default undeclared. SYNCHRONOUS
            or EVENT_SOURCE_MAPPING acknowledge ``Serverless-LambdaDLQ`` (no
            asynchronous events to lose); undeclared or ASYNCHRONOUS leave it to be
            satisfied with a failure target.
        :param acknowledge_deprecated_runtime: the reason for running a deprecated
            runtime; default none (a deprecated runtime is an error).
        :param x86_reason: required with ``architecture=Architecture.X86_64`` (why not
            Graviton: a binary dependency, an x86-only layer); default none.

        Runtime governance and delivery (defaults from the function's tier of the
        criticality matrix in force, :func:`paved_road.governance.matrix_of`):

        :param runtime_management: Lambda runtime management mode; default the tier's
            (CRITICAL ``MANUAL``, IMPORTANT ``FUNCTION_UPDATE``, STANDARD ``AUTO``).
        :param runtime_version_arn: the runtime version ARN ``MANUAL`` pins
            (``arn:aws:lambda:<region>::runtime:<64 hex>``, from the function's
            ``INIT_START`` log line or ``aws lambda get-runtime-management-config``; a
            ``CfnParameter`` works). Required with ``MANUAL``, rejected otherwise.
        :param deployment: how CodeDeploy shifts the ``live`` alias to a new version;
            default the tier's (CRITICAL canary 10 % for 10 min, IMPORTANT linear 10 % a
            minute, STANDARD all at once). ``TrafficShift.none()``: no deployment group.
        :param rollback_alarms: which alarms on the alias roll a deployment back;
            default the tier's.
        :param duration_limit: the p99 duration the duration alarm allows; default
            the tier's ``duration_limit_ratio`` of ``timeout`` (0.8).
        :param extra_rollback_alarms: more alarms that roll deployments back; default none.
        :param pre_traffic_hook: / :param post_traffic_hook: functions CodeDeploy runs
            before / after shifting traffic (they report with
            ``PutLifecycleEventHookExecutionStatus``, granted here); default none.
        :param provisioned_concurrency: provisioned concurrency on the ``live`` alias,
            autoscaled on utilization (``ProvisionedConcurrency(min_capacity, max_capacity,
            workload="interactive"|"async")``); default none.
        :param keep_versions: published versions the stack's version pruner keeps (the
            newest N plus any an alias points to); ``None`` keeps every version. Default 3.
            Old versions count against Lambda's 75 GB code storage quota per Region.
        """
        super().__init__(scope, id)
        problems = Problems(type(self).__name__, path_of(self))
        runtime = runtime or _PYTHON_3_14
        architecture = architecture or _ARM_64
        timeout = timeout or THIRTY_SECONDS
        runtime_name = runtime.name
        arch_name = architecture.name

        if not handler or (
            not is_token(handler) and (len(handler) > 128 or any(c.isspace() for c in handler))
        ):
            # Lambda's Handler: at most 128 characters, pattern ^[^\s]+$ (API reference,
            # CreateFunction: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html)
            problems.add(
                "handler",
                "must be a string of 1-128 characters without whitespace such as 'index.handler'",
                handler,
            )
        check_range(problems, "memory_size", memory_size, 128, 10240, "MB")
        check_range(
            problems, "reserved_concurrent_executions", reserved_concurrent_executions, 0, 1e9
        )
        check_range(problems, "powertools_layer_version", powertools_layer_version, 1, 1e6)
        if service_name is not None and not service_name.strip():
            problems.add(
                "service_name", "must be non-empty (or omitted for the construct id)", service_name
            )
        if description is not None and len(description) > 256:
            problems.add("description", "must be at most 256 characters", len(description))
        if metrics_namespace is not None and (
            not metrics_namespace.strip()
            or metrics_namespace.startswith("AWS/")
            or len(metrics_namespace) > 255
        ):
            problems.add(
                "metrics_namespace",
                "must be 1-255 characters and not start with 'AWS/' (reserved for AWS)",
                metrics_namespace,
            )
        check_range(problems, "timeout", seconds(timeout), 1, 900, "seconds")
        if timeout is not None and seconds(timeout) is None:
            problems.add(
                "timeout",
                "must be a literal Duration, not a token: the duration alarm's threshold, the "
                "queue visibility timeouts and the API timeouts are computed from it at synth",
                "a token",
            )
        _check_environment(
            problems,
            environment or {},
            powertools_environment(service_name or id, log_level, metrics_namespace),
        )
        if log_level.upper() not in APPLICATION_LOG_LEVELS:
            problems.add(
                "log_level", f"must be one of {', '.join(APPLICATION_LOG_LEVELS)}", log_level
            )
        if system_log_level.upper() not in SYSTEM_LOG_LEVELS:
            problems.add(
                "system_log_level",
                f"must be one of {', '.join(SYSTEM_LOG_LEVELS)}",
                system_log_level,
            )
        check_reason(problems, "acknowledge_deprecated_runtime", acknowledge_deprecated_runtime)
        self._policy = self._runtime_policy(problems)
        try:
            today = runtimes.current_date(self.node.try_get_context(runtimes.TODAY_CONTEXT))
        except ValueError as exc:
            problems.add("runtime", f"cannot be checked: {exc}")
        else:
            if self._policy is not None:
                self._check_runtime(
                    problems, runtime_name, acknowledge_deprecated_runtime, today, self._policy
                )
        self._check_invocation(problems, invocation)
        if arch_name != "arm64" and not (x86_reason and x86_reason.strip()):
            problems.add(
                "architecture",
                "is x86_64: Graviton (ARM_64) is the default; pass x86_reason='<why>' "
                "(e.g. an x86-only binary or layer) to use x86_64",
                arch_name,
            )
        tier = governance.matrix_of(self).tier(criticality)
        mode = runtime_management or self._default_runtime_management or tier.runtime_management
        mode_source = (
            "given"
            if runtime_management
            else f"the {criticality.value} tier's mode in the criticality matrix"
        )
        shift = deployment or tier.deployment
        alarms_spec = rollback_alarms or tier.rollback_alarms
        self._check_delivery(
            problems,
            mode=mode,
            mode_source=mode_source,
            runtime_version_arn=runtime_version_arn,
            shift=shift,
            alarms=alarms_spec,
            duration_limit=duration_limit,
            timeout=timeout,
            provisioned_concurrency=provisioned_concurrency,
            reserved=reserved_concurrent_executions,
            keep_versions=keep_versions,
            extra_rollback_alarms=extra_rollback_alarms,
            pre_traffic_hook=pre_traffic_hook,
            post_traffic_hook=post_traffic_hook,
        )
        problems.raise_if_any()

        self.criticality = criticality
        self.service_name = service_name or id
        self.timeout = timeout
        self.runtime_name = runtime_name

        self.log_group = logs.LogGroup(
            self, "LogGroup", retention=log_retention, removal_policy=log_removal_policy
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {path_of(self)} (paved-road GovernedFunction)",
        )
        self.log_group.grant_write(self.role)

        env = powertools_environment(self.service_name, log_level, metrics_namespace)
        env.update(environment or {})
        all_layers = list(layers)
        if powertools_layer and runtime_name.startswith("python"):
            all_layers.insert(
                0,
                lambda_.LayerVersion.from_layer_version_arn(
                    self,
                    "PowertoolsLayer",
                    powertools_layer_arn(runtime_name, arch_name, powertools_layer_version),
                ),
            )

        self.function = lambda_.Function(
            self,
            "Function",
            code=code,
            handler=handler,
            runtime=runtime,
            architecture=architecture,
            memory_size=memory_size,
            timeout=timeout,
            description=description,
            environment=env,
            layers=all_layers or None,
            role=self.role,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel(log_level.upper()),
            system_log_level_v2=lambda_.SystemLogLevel(system_log_level.upper()),
            log_group=self.log_group,
            reserved_concurrent_executions=reserved_concurrent_executions,
            tenancy_config=lambda_.TenancyConfig.PER_TENANT
            if self._tenant_isolation_mode == "PER_TENANT"
            else None,
            runtime_management_mode=_runtime_management_mode(mode, runtime_version_arn),
            # A new runtime version ARN (a CfnParameter value too) must publish a new
            # version, or the live alias keeps the old runtime: the Version's description
            # carries the ARN, and any change to it replaces the Version.
            current_version_options=lambda_.VersionOptions(
                description=f"runtime version {runtime_version_arn}"
            )
            if mode is RuntimeManagement.MANUAL and runtime_version_arn
            else None,
        )
        if x86_reason and arch_name != "arm64":
            self.node.add_metadata("paved-road:x86-reason", x86_reason.strip())
        self.runtime_management = mode
        self.deployment = shift
        Tags.of(self).add(CRITICALITY_TAG, criticality.value)
        # X-Ray's PutTraceSegments/PutTelemetryRecords support no resource-level
        # permissions, so active tracing needs Resource "*". One acknowledgment lists every
        # reason (constructs that add another "*" statement call acknowledge_role_wildcard).
        self._wildcard_reasons = [
            "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions "
            "(active tracing)"
        ]
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason=Lazy.string(_JoinedReasons(self._wildcard_reasons)),
            )
        )
        self.invocation = invocation
        if invocation in _INVOCATION_REASONS:
            Validations.of(self.function).acknowledge(
                Acknowledgment(id="Serverless-LambdaDLQ", reason=_INVOCATION_REASONS[invocation])
            )
        if acknowledge_deprecated_runtime:
            Validations.of(self.function).acknowledge(
                Acknowledgment(id=RUNTIME_DEPRECATED_RULE_ID, reason=acknowledge_deprecated_runtime)
            )
        elif reason := supported_runtime_reason(runtime_name, today, self._policy):
            Validations.of(self.function).acknowledge(
                *(Acknowledgment(id=rule, reason=reason) for rule in LATEST_RUNTIME_RULES)
            )

        self.delivery: ProgressiveDelivery | None = None
        self.live: lambda_.Alias | None = None
        if self._progressive_delivery:
            self._deliver(
                timeout=timeout,
                shift=shift,
                alarms=alarms_spec,
                duration_limit=duration_limit,
                extra_alarms=extra_rollback_alarms,
                pre_traffic_hook=pre_traffic_hook,
                post_traffic_hook=post_traffic_hook,
                provisioned_concurrency=provisioned_concurrency,
                keep_versions=keep_versions,
            )

    def _deliver(
        self,
        *,
        timeout: Duration,
        shift: TrafficShift,
        alarms: RollbackAlarms,
        duration_limit: Duration | None,
        extra_alarms: Sequence[cloudwatch.IAlarm],
        pre_traffic_hook: lambda_.IFunction | GovernedFunction | None,
        post_traffic_hook: lambda_.IFunction | GovernedFunction | None,
        provisioned_concurrency: ProvisionedConcurrency | None,
        keep_versions: int | None,
    ) -> None:
        self.delivery = ProgressiveDelivery(
            self,
            "Delivery",
            function=self.function,
            timeout=timeout,
            shift=shift,
            rollback_alarms=alarms,
            duration_limit=duration_limit,
            extra_alarms=extra_alarms,
            pre_traffic_hook=_as_function(pre_traffic_hook),
            post_traffic_hook=_as_function(post_traffic_hook),
            provisioned_concurrency=provisioned_concurrency,
        )
        self.live = self.delivery.alias
        if keep_versions is not None:
            from paved_road.pruning import register_for_pruning

            register_for_pruning(self, keep_versions)

    def acknowledge_role_wildcard(self, reason: str) -> None:
        """Record why a construct adds a ``Resource: "*"`` statement to this function's role.

        The role carries one ``AwsSolutions-IAM5[Resource::*]`` acknowledgment whose reason
        lists every such statement (X-Ray first), so a reviewer sees all of them in one
        place and no reason claims the other statements are scoped when they are not."""
        if not reason or not reason.strip():
            problems = Problems(type(self).__name__, self.node.path)
            problems.add("reason", "must be a non-empty explanation", reason)
            raise problems.error()
        self._wildcard_reasons.append(reason.strip().rstrip("."))

    def _check_invocation(self, problems: Problems, invocation: Invocation | None) -> None:
        """Subclass hook: add problems for an invocation style they cannot serve."""

    def _check_delivery(
        self,
        problems: Problems,
        *,
        mode: RuntimeManagement,
        runtime_version_arn: str | None,
        shift: TrafficShift,
        alarms: RollbackAlarms,
        duration_limit: Duration | None,
        timeout: Duration,
        provisioned_concurrency: ProvisionedConcurrency | None,
        reserved: int | None,
        keep_versions: int | None,
        mode_source: str = "given",
        extra_rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
        pre_traffic_hook: object = None,
        post_traffic_hook: object = None,
    ) -> None:
        if not isinstance(mode, RuntimeManagement):
            problems.add("runtime_management", "must be a RuntimeManagement member", mode)
        elif mode is RuntimeManagement.MANUAL and not runtime_version_arn:
            problems.add(
                "runtime_version_arn",
                f"is required: runtime management mode is Manual ({mode_source}), which "
                "pins a runtime version ARN. Pass the ARN from the "
                "function's INIT_START log line or `aws lambda get-runtime-management-config` "
                "(a CfnParameter works), or choose runtime_management="
                "RuntimeManagement.FUNCTION_UPDATE",
                runtime_version_arn,
            )
        elif mode is not RuntimeManagement.MANUAL and runtime_version_arn is not None:
            problems.add(
                "runtime_version_arn",
                f"is only used with RuntimeManagement.MANUAL (mode is {mode.value})",
                runtime_version_arn,
            )
        if (
            runtime_version_arn
            and not is_token(runtime_version_arn)
            and not RUNTIME_VERSION_ARN.match(runtime_version_arn)
        ):
            problems.add(
                "runtime_version_arn",
                "must look like arn:aws:lambda:<region>::runtime:<64 hex characters>",
                runtime_version_arn,
            )
        elif runtime_version_arn and not is_token(runtime_version_arn):
            region = Stack.of(self).region
            arn_region = runtime_version_arn.split(":")[3]
            if not is_token(region) and arn_region != region:
                problems.add(
                    "runtime_version_arn",
                    f"must be a runtime version of the stack's region {region} (runtime "
                    f"versions are regional), not {arn_region}",
                    runtime_version_arn,
                )
        if not isinstance(shift, TrafficShift):
            problems.add("deployment", "must be a paved_road.TrafficShift", shift)
        else:
            for message in shift.problems():
                problems.add("deployment", message)
            if shift.kind is ShiftKind.NONE:
                for prop, value in (
                    ("extra_rollback_alarms", extra_rollback_alarms),
                    ("pre_traffic_hook", pre_traffic_hook),
                    ("post_traffic_hook", post_traffic_hook),
                ):
                    if value:
                        problems.add(
                            prop,
                            "needs a CodeDeploy deployment, but deployment is "
                            "TrafficShift.none() (no deployment group runs hooks or watches "
                            "alarms)",
                            "given",
                        )
        if not isinstance(alarms, RollbackAlarms):
            problems.add("rollback_alarms", "must be a paved_road.RollbackAlarms", alarms)
        else:
            for message in alarms.problems():
                problems.add("rollback_alarms", message)
        limit_ms = millis(duration_limit)
        timeout_ms = millis(timeout)
        if limit_ms is not None and timeout_ms is not None and not 0 < limit_ms <= timeout_ms:
            problems.add(
                "duration_limit",
                f"must be above 0 and at most the timeout ({timeout_ms:g} ms)",
                f"{limit_ms:g} ms",
            )
        for prop, hook in (
            ("pre_traffic_hook", pre_traffic_hook),
            ("post_traffic_hook", post_traffic_hook),
        ):
            if isinstance(hook, Construct) and Stack.of(hook) is not Stack.of(self):
                problems.add(
                    prop,
                    "must be in the function's own stack: CodeDeploy's grant to the hook "
                    f"({Stack.of(self).node.path}) and the alias update policy would make the "
                    "two stacks depend on each other",
                    hook.node.path,
                )
        if provisioned_concurrency is not None:
            if not isinstance(provisioned_concurrency, ProvisionedConcurrency):
                problems.add(
                    "provisioned_concurrency",
                    "must be a paved_road.ProvisionedConcurrency",
                    provisioned_concurrency,
                )
            else:
                for prop, message, got in provisioned_concurrency.problems(reserved):
                    problems.add(f"provisioned_concurrency.{prop}", message, got)
        if keep_versions is not None and (
            isinstance(keep_versions, bool)
            or not isinstance(keep_versions, int)
            or not 1 <= keep_versions <= 100
        ):
            problems.add(
                "keep_versions", "must be an integer between 1 and 100, or None", keep_versions
            )

    @property
    def invoke_target(self) -> lambda_.IFunction:
        """What callers invoke: the ``live`` alias (traffic shifting, provisioned
        concurrency and the rollback alarms apply to it)."""
        return self.live or self.function

    def _runtime_policy(self, problems: Problems) -> runtimes.RuntimePolicy | None:
        """The organization's runtime policy named by the ``paved-road:runtime-policy``
        context (else ``$PAVED_ROAD_RUNTIME_POLICY``, else cfn-lint's dates alone)."""
        try:
            return runtimes.policy_for(self.node.try_get_context(runtimes.POLICY_CONTEXT))
        except (PavedRoadError, OSError) as exc:
            problems.add("runtime", f"cannot be checked: {exc}")
            return None

    @staticmethod
    def _check_runtime(
        problems: Problems,
        runtime_name: str,
        acknowledged: str | None,
        today: datetime.date,
        policy: runtimes.RuntimePolicy | None = None,
    ) -> None:
        entry = (policy or runtimes.policy()).lifecycle(runtime_name)
        if entry is None:
            if not acknowledged:
                problems.add(
                    "runtime",
                    "must be a runtime with published lifecycle dates "
                    f"(supported today: {', '.join(runtimes.supported_runtimes(today))}); "
                    "pass acknowledge_deprecated_runtime='<reason>' to use it anyway",
                    runtime_name,
                )
            return
        phase = entry.phase(today)
        if phase is runtimes.Phase.SUPPORTED or acknowledged:
            return
        successor = f", successor {entry.successor}" if entry.successor else ""
        if phase is runtimes.Phase.NOT_APPROVED:
            problems.add(
                "runtime",
                "is not on the organization's approved runtime list (runtime policy"
                f"{successor}); choose an approved runtime or pass "
                "acknowledge_deprecated_runtime='<reason>'",
                runtime_name,
            )
            return
        problems.add(
            "runtime",
            f"is deprecated since {entry.deprecated} (phase: {phase.value}{successor}); "
            "choose a supported runtime or pass acknowledge_deprecated_runtime='<reason>'",
            runtime_name,
        )

    # Convenience delegates to the underlying function.
    @property
    def function_arn(self) -> str:
        return self.function.function_arn

    @property
    def function_name(self) -> str:
        return self.function.function_name

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        return self.function.grant_invoke(grantee)

    def add_environment(self, key: str, value: str) -> None:
        self.function.add_environment(key, value)


class HelperFunction(GovernedFunction):
    """A GovernedFunction paved-road deploys for its own machinery (the version pruner, the
    smoke-test hook): the same baseline, but no ``live`` alias, no deployment group, no
    rollback alarms and no pruning. Its callers (EventBridge, CodeDeploy) invoke it
    unqualified; a version of it would only add resources."""

    _progressive_delivery = False
    # patched with each deployment of the stack, whatever the organization's matrix says
    # (a Manual tier would need a runtime version ARN these functions cannot be given)
    _default_runtime_management = RuntimeManagement.FUNCTION_UPDATE


def _as_function(hook: lambda_.IFunction | GovernedFunction | None) -> lambda_.IFunction | None:
    if isinstance(hook, GovernedFunction):
        return hook.function
    return hook


def _runtime_management_mode(
    mode: RuntimeManagement, arn: str | None
) -> lambda_.RuntimeManagementMode:
    if mode is RuntimeManagement.MANUAL:
        assert arn is not None
        return lambda_.RuntimeManagementMode.manual(arn)
    if mode is RuntimeManagement.FUNCTION_UPDATE:
        return lambda_.RuntimeManagementMode.FUNCTION_UPDATE
    return lambda_.RuntimeManagementMode.AUTO


def mapping_consumer_function(
    scope: Construct,
    existing: lambda_.IFunction | GovernedFunction | None,
    props: GovernedFunctionProps | None,
    invocation: Invocation = Invocation.EVENT_SOURCE_MAPPING,
) -> tuple[GovernedFunction | None, lambda_.IFunction]:
    """The function of a construct that invokes one (QueueConsumer, KafkaConsumer,
    EventConsumer, ScheduledFunction): ``(governed function or None, IFunction)``. From
    ``props`` it creates the ``GovernedFunction`` ``<scope>/Function`` with ``service_name``
    = the scope's id and ``invocation`` (default EVENT_SOURCE_MAPPING) unless ``props`` say
    otherwise; otherwise it uses ``existing`` (exactly one of the two is given; the caller
    validated that)."""
    if props is not None:
        merged: GovernedFunctionProps = {
            "service_name": scope.node.id,
            "invocation": invocation,
        }
        merged.update(props)
        governed = GovernedFunction(scope, "Function", **merged)
        return governed, governed.function
    if isinstance(existing, GovernedFunction):
        return existing, existing.function
    assert existing is not None
    return None, existing


ENVIRONMENT_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]+$")
MAX_ENVIRONMENT_BYTES = 4096
RESERVED_ENVIRONMENT = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
"""The keys Lambda sets itself and refuses in a function's configuration ("Defined
runtime environment variables", https://docs.aws.amazon.com/lambda/latest/dg/
configuration-envvars-runtime.html); others such as AWS_LAMBDA_EXEC_WRAPPER may be set."""


def powertools_environment(
    service_name: str, log_level: str = "INFO", metrics_namespace: str | None = None
) -> dict[str, str]:
    """The Powertools variables every GovernedFunction sets (``environment`` overrides)."""
    level = str(log_level).upper()
    return {
        "POWERTOOLS_SERVICE_NAME": service_name,
        # Powertools' Logger has no TRACE level: TRACE in Lambda's filter is DEBUG here
        "POWERTOOLS_LOG_LEVEL": "DEBUG" if level == "TRACE" else level,
        "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace or service_name,
    }


def environment_bytes(environment: Mapping[str, str]) -> int:
    """What Lambda's 4 KB quota counts: every key and (literal) value, UTF-8."""
    return sum(
        len(key.encode()) + (0 if is_token(value) else len(str(value).encode()))
        for key, value in environment.items()
        if not is_token(key)
    )


def check_environment_keys(problems: Problems, prop: str, environment: Mapping[str, str]) -> None:
    """Lambda's environment variable keys: ``[a-zA-Z][a-zA-Z0-9_]+`` and none it reserves
    (GovernedFunction's ``environment``, the fleet's ``Tenant.environment``)."""
    for key in environment:
        if is_token(key):
            continue
        if not ENVIRONMENT_KEY.match(key):
            problems.add(
                prop,
                "keys must be a letter then letters, digits or '_' (at least 2 characters)",
                key,
            )
        elif key in RESERVED_ENVIRONMENT:
            problems.add(prop, "keys must not be ones Lambda reserves", key)


def _check_environment(
    problems: Problems, environment: Mapping[str, str], defaults: Mapping[str, str]
) -> None:
    """Lambda's environment variables (Lambda API ``Environment``, "Working with Lambda
    environment variables"): keys match ``[a-zA-Z][a-zA-Z0-9_]+`` and are not reserved,
    and all keys and values together, the Powertools ones included, are at most 4 KB."""
    check_environment_keys(problems, "environment", environment)
    size = environment_bytes({**defaults, **environment})
    if size > MAX_ENVIRONMENT_BYTES:
        problems.add(
            "environment",
            f"must be at most {MAX_ENVIRONMENT_BYTES} bytes in total with the POWERTOOLS_* "
            "variables (Lambda's quota counts every key and value)",
            size,
        )


def check_reason(problems: Problems, prop: str, reason: str | None) -> None:
    """An acknowledgment reason, when given, must say something (not be blank)."""
    if reason is not None and not is_token(reason) and not reason.strip():
        problems.add(prop, "must be a non-empty reason", reason)

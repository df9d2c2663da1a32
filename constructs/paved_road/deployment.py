"""Progressive delivery of a GovernedFunction: the ``live`` alias, a CodeDeploy
deployment group with the tier's traffic shifting and rollback alarms, optional
pre/post traffic hooks, and provisioned concurrency with target-tracking autoscaling.

:class:`ProgressiveDelivery` is what :class:`~paved_road.GovernedFunction` builds from
its tier of the criticality matrix (:mod:`paved_road.governance`); use it directly
only for an ``aws_lambda.Function`` built outside paved-road.

What it creates, per function:

* the function's current version (CDK ``current_version``: a new version whenever
  code or configuration changes) and the alias ``live`` on it. Callers (API
  Gateway integrations, event source mappings paved-road wires) invoke the alias,
  so traffic shifting and provisioned concurrency apply to them;
* unless the plan is :meth:`TrafficShift.none` (then only the version and the alias), a
  CodeDeploy Lambda deployment group
  on the alias with the plan's deployment configuration, automatic rollback on a
  failed or stopped deployment and on any alarm, and the hooks. One CodeDeploy
  application and one service role (AWS managed ``AWSCodeDeployRoleForLambdaLimited``)
  are shared by every group of a stack;
* the rollback alarms on the alias (:class:`~paved_road.governance.RollbackAlarms`):
  error rate above the baseline + increase, p99 duration above the limit;
* with :class:`ProvisionedConcurrency`, an Application Auto Scaling target on the
  alias tracking ``LambdaProvisionedConcurrencyUtilization`` (0.6 for interactive
  work, 0.9 for asynchronous processing: Smartsheet's thresholds, AWS Architecture
  Blog "How Smartsheet reduced latency and optimized costs in their serverless
  architecture").

Provisioned concurrency and weighted aliases. During a canary or linear deployment
the alias routes to two versions, and Lambda rejects provisioned concurrency
changes on such an alias ("Alias with weights can not be used with Provisioned
Concurrency": hashicorp/terraform#24957, aws/serverless-application-model#1296).
So the alias template carries no ``ProvisionedConcurrencyConfig``: the scalable
target alone owns it, and it depends on the deployment group and the alias, so
CloudFormation applies a min/max change only after the alias update, and with it
the CodeDeploy deployment, has finished. Scaling actions that land inside a
deployment window fail and are retried by Application Auto Scaling.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, Duration, Stack, Validations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road._alarms import threshold_alarm
from paved_road._boundary import checked_props
from paved_road._tree import stack_child
from paved_road._validate import check_range, is_token, millis
from paved_road.errors import Problems
from paved_road.governance import RollbackAlarms, ShiftKind, TrafficShift

LIVE_ALIAS = "live"
_ALIAS_NAME = re.compile(r"(?!\d+$)[a-zA-Z0-9_-]{1,128}")
"""``AWS::Lambda::Alias`` Name: ``^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$``, 1-128 characters."""
CODEDEPLOY_POLICY = "service-role/AWSCodeDeployRoleForLambdaLimited"
_SHARED_ID = "PavedRoadCodeDeploy"
_MINUTE = Duration.minutes(1)


class Workload(enum.Enum):
    """What a provisioned function serves; decides its utilization target."""

    INTERACTIVE = "interactive"
    """APIs and other latency-sensitive callers: scale out early (60 % utilization)."""
    ASYNC = "async"
    """Queue and stream processing: run hot for cost (90 % utilization)."""

    @property
    def utilization_target(self) -> float:
        return UTILIZATION_TARGETS[self]


UTILIZATION_TARGETS = {Workload.INTERACTIVE: 0.6, Workload.ASYNC: 0.9}
"""Target values for ``LambdaProvisionedConcurrencyUtilization`` per workload."""


@dataclass(frozen=True)
class ProvisionedConcurrency:
    """Provisioned concurrency on the ``live`` alias, autoscaled between
    ``min_capacity`` and ``max_capacity`` on utilization.

    :param min_capacity: execution environments kept initialized (>= 1).
    :param max_capacity: the most autoscaling provisions (>= ``min_capacity``; at most
        the function's reserved concurrency when it has one).
    :param workload: ``Workload.INTERACTIVE`` (default, target 0.6) or
        ``Workload.ASYNC`` (0.9); the strings "interactive" / "async" work too.
    :param utilization_target: overrides the workload's target; 0.1-0.9 (Application
        Auto Scaling's range for this metric).
    """

    min_capacity: int
    max_capacity: int
    workload: Workload | str = Workload.INTERACTIVE
    utilization_target: float | None = None

    @property
    def target(self) -> float:
        if self.utilization_target is not None:
            return self.utilization_target
        return Workload(_workload_value(self.workload)).utilization_target

    def problems(self, reserved: int | None) -> list[tuple[str, str, object]]:
        """(prop, what is allowed, received) for each problem."""
        found: list[tuple[str, str, object]] = []
        if _workload_value(self.workload) not in {w.value for w in Workload}:
            found.append(
                ("workload", "must be Workload.INTERACTIVE or Workload.ASYNC", self.workload)
            )
        if not isinstance(self.min_capacity, int) or self.min_capacity < 1:
            found.append(("min_capacity", "must be an integer of at least 1", self.min_capacity))
        if not isinstance(self.max_capacity, int) or (
            isinstance(self.min_capacity, int) and self.max_capacity < self.min_capacity
        ):
            found.append(
                (
                    "max_capacity",
                    f"must be an integer of at least min_capacity ({self.min_capacity})",
                    self.max_capacity,
                )
            )
        elif reserved is not None and self.max_capacity > reserved:
            found.append(
                (
                    "max_capacity",
                    "must not exceed reserved_concurrent_executions "
                    f"({reserved}): Lambda cannot provision more than it reserves",
                    self.max_capacity,
                )
            )
        target = self.utilization_target
        if target is not None and (
            isinstance(target, bool)
            or not isinstance(target, int | float)
            or not 0.1 <= target <= 0.9
        ):
            found.append(("utilization_target", "must be between 0.1 and 0.9", target))
        return found


def _workload_value(workload: Workload | str) -> str:
    return workload.value if isinstance(workload, Workload) else str(workload).lower()


class ProgressiveDelivery(Construct):
    """The ``live`` alias of a function and what deploys it (see the module docstring).

    Attributes: ``version``, ``alias``, ``deployment_group`` (None for
    ``TrafficShift.none()``), ``alarms`` (the rollback alarms), ``scalable_target``
    (the ``aws_applicationautoscaling.CfnScalableTarget``, or None).

    :param function: the function (an ``aws_lambda.Function``).
    :param timeout: the function's timeout (for the duration alarm's default limit).
    :param shift: the deployment plan.
    :param rollback_alarms: which alarms roll a deployment back, and their thresholds.
    :param duration_limit: the p99 duration limit; default ``duration_limit_ratio`` of
        ``timeout``.
    :param extra_alarms: more alarms that roll a deployment back; default none.
    :param pre_traffic_hook: a function CodeDeploy runs before shifting traffic; default none.
    :param post_traffic_hook: a function CodeDeploy runs after shifting; default none.
    :param provisioned_concurrency: default none.
    :param alias_name: default ``live`` (a Lambda alias name: 1-128 letters, digits, ``-``,
        ``_``, not only digits).
    :raises PavedRoadError: for an invalid plan, rollback alarms, duration limit (above 0,
        at most ``timeout``), provisioned concurrency or alias name, a timeout outside 1-900
        seconds, and hooks or extra alarms with ``TrafficShift.none()``.
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        function: lambda_.Function,
        timeout: Duration,
        shift: TrafficShift,
        rollback_alarms: RollbackAlarms,
        duration_limit: Duration | None = None,
        extra_alarms: Sequence[cloudwatch.IAlarm] = (),
        pre_traffic_hook: lambda_.IFunction | None = None,
        post_traffic_hook: lambda_.IFunction | None = None,
        provisioned_concurrency: ProvisionedConcurrency | None = None,
        alias_name: str = LIVE_ALIAS,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems(type(self).__name__, self.node.path)
        _check(
            problems,
            function=function,
            timeout=timeout,
            shift=shift,
            rollback_alarms=rollback_alarms,
            duration_limit=duration_limit,
            gated={
                "extra_alarms": extra_alarms,
                "pre_traffic_hook": pre_traffic_hook,
                "post_traffic_hook": post_traffic_hook,
            },
            provisioned_concurrency=provisioned_concurrency,
            alias_name=alias_name,
        )
        problems.raise_if_any()
        self.version = function.current_version
        self.alias = lambda_.Alias(
            self,
            "Alias",
            alias_name=alias_name,
            version=self.version,
            description=f"paved-road {alias_name} alias: what callers invoke",
        )
        self.alarms: list[cloudwatch.Alarm] = []
        self.deployment_group: codedeploy.LambdaDeploymentGroup | None = None
        if shift.kind is not ShiftKind.NONE:  # no deployment: nothing for alarms to roll back
            self.alarms = self._alarms(
                rollback_alarms, duration_limit or _ratio_of(timeout, rollback_alarms)
            )
            alarms: list[Any] = [*self.alarms, *extra_alarms]
            self.deployment_group = codedeploy.LambdaDeploymentGroup(
                self,
                "DeploymentGroup",
                alias=self.alias,
                application=_shared(self).application,
                role=_shared(self).role,
                deployment_config=self._config(shift),
                alarms=alarms,
                auto_rollback=codedeploy.AutoRollbackConfig(
                    failed_deployment=True,
                    stopped_deployment=True,
                    deployment_in_alarm=bool(alarms),
                ),
                pre_hook=pre_traffic_hook,
                post_hook=post_traffic_hook,
            )
            for hook in (pre_traffic_hook, post_traffic_hook):
                if hook is None:
                    continue
                if hook.role is not None:
                    self.deployment_group.grant_put_lifecycle_event_hook_execution_status(hook)
                _acknowledge_hook_invoke(_shared(self).role, hook)
        self.scalable_target: Any = None
        if provisioned_concurrency is not None:
            scaling = self.alias.add_auto_scaling(
                min_capacity=provisioned_concurrency.min_capacity,
                max_capacity=provisioned_concurrency.max_capacity,
            )
            scaling.scale_on_utilization(utilization_target=provisioned_concurrency.target)
            target = next(
                c
                for c in self.alias.node.find_all()
                if getattr(c, "cfn_resource_type", None)
                == "AWS::ApplicationAutoScaling::ScalableTarget"
            )
            # the L1s, not the constructs: the alias's subtree holds the scaling policy
            target.node.add_dependency(self.alias.node.default_child)
            if self.deployment_group is not None:
                target.node.add_dependency(self.deployment_group.node.default_child)
            self.scalable_target = target

    def _alarms(self, spec: RollbackAlarms, limit: Duration) -> list[cloudwatch.Alarm]:
        alarms = []
        name = self.alias.alias_name
        if spec.errors:
            rate = cloudwatch.MathExpression(
                expression="IF(invocations > 0, 100 * errors / invocations, 0)",
                using_metrics={
                    "errors": self.alias.metric_errors(period=_MINUTE, statistic="Sum"),
                    "invocations": self.alias.metric_invocations(period=_MINUTE, statistic="Sum"),
                },
                period=_MINUTE,
                label="Error rate (%)",
            )
            threshold = round(spec.error_rate_threshold_percent, 4)
            alarms.append(
                self._alarm(
                    "ErrorRateAlarm",
                    rate,
                    threshold,
                    f"error rate of alias {name} above "
                    f"{spec.error_rate_baseline_percent:g} % baseline + "
                    f"{spec.error_rate_increase_percent:g} % ({threshold:g} %) in 2 of 3 "
                    "minutes rolls a deployment back",
                )
            )
        if spec.duration_p99:
            ms = limit.to_milliseconds()
            alarms.append(
                self._alarm(
                    "DurationAlarm",
                    self.alias.metric_duration(period=_MINUTE, statistic="p99"),
                    ms,
                    f"p99 duration of alias {name} above {ms:g} ms in 2 of 3 minutes rolls "
                    "a deployment back",
                )
            )
        return alarms

    def _alarm(
        self, id: str, metric: cloudwatch.IMetric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        """A rollback alarm: above ``threshold`` in 2 of 3 one-minute periods; missing
        data (no traffic) does not breach."""
        return threshold_alarm(
            self,
            id,
            description=description,
            metric=metric,
            threshold=threshold,
            evaluation_periods=3,
            datapoints_to_alarm=2,
            strictly_above=True,
        )

    def _config(self, shift: TrafficShift) -> codedeploy.ILambdaDeploymentConfig:
        if shift.predefined is not None:
            config: codedeploy.ILambdaDeploymentConfig = getattr(
                codedeploy.LambdaDeploymentConfig, shift.predefined
            )
            return config
        interval = Duration.minutes(shift.interval_minutes)
        routing: codedeploy.TrafficRouting = (
            codedeploy.TrafficRouting.time_based_canary(
                interval=interval, percentage=shift.percentage
            )
            if shift.kind is ShiftKind.CANARY
            else codedeploy.TrafficRouting.time_based_linear(
                interval=interval, percentage=shift.percentage
            )
        )
        return codedeploy.LambdaDeploymentConfig(self, "DeploymentConfig", traffic_routing=routing)


def _check(
    problems: Problems,
    *,
    function: lambda_.Function,
    timeout: Duration,
    shift: TrafficShift,
    rollback_alarms: RollbackAlarms,
    duration_limit: Duration | None,
    gated: dict[str, object],
    provisioned_concurrency: ProvisionedConcurrency | None,
    alias_name: str,
) -> None:
    """ProgressiveDelivery's props (GovernedFunction checks the same ones as its
    ``deployment``, ``rollback_alarms``... before it builds one)."""
    timeout_ms = millis(timeout)
    check_range(
        problems, "timeout", None if timeout_ms is None else timeout_ms / 1000, 1, 900, "seconds"
    )
    for message in shift.problems():
        problems.add("shift", message)
    if shift.kind is ShiftKind.NONE:
        for prop, value in gated.items():
            if value:
                problems.add(
                    prop,
                    "needs a CodeDeploy deployment, but shift is TrafficShift.none() (no "
                    "deployment group runs hooks or watches alarms)",
                    "given",
                )
    for message in rollback_alarms.problems():
        problems.add("rollback_alarms", message)
    limit_ms = millis(duration_limit)
    if limit_ms is not None and timeout_ms is not None and not 0 < limit_ms <= timeout_ms:
        problems.add(
            "duration_limit",
            f"must be above 0 and at most the timeout ({_ms(timeout_ms)})",
            _ms(limit_ms),
        )
    if provisioned_concurrency is not None:
        cfn = function.node.default_child
        reserved = getattr(cfn, "reserved_concurrent_executions", None)
        if not isinstance(reserved, int) or is_token(reserved):
            reserved = None
        for prop, message, got in provisioned_concurrency.problems(reserved):
            problems.add(f"provisioned_concurrency.{prop}", message, got)
    if not is_token(alias_name) and not _ALIAS_NAME.fullmatch(alias_name):
        problems.add(
            "alias_name",
            "must be 1-128 letters, digits, '-' or '_', and not only digits (a Lambda alias name)",
            alias_name,
        )


def _ms(value: float) -> str:
    """Milliseconds for messages: ``1500 ms``, ``1000000 ms``, ``0.5 ms`` (no exponent)."""
    return f"{int(value)} ms" if float(value).is_integer() else f"{value} ms"


def _acknowledge_hook_invoke(role: iam.IRole, hook: lambda_.IFunction) -> None:
    """CDK grants the CodeDeploy role ``lambda:InvokeFunction`` on the hook and its
    versions (``<hook ARN>:*``); say why that wildcard is there."""
    cfn = hook.node.default_child
    if not isinstance(cfn, lambda_.CfnFunction):
        return  # an imported hook: its ARN is not a GetAtt in this template
    logical_id = Stack.of(hook).resolve(Stack.of(hook).get_logical_id(cfn))
    Validations.of(role).acknowledge(
        Acknowledgment(
            id=f"AwsSolutions-IAM5[Resource::<{logical_id}.Arn>:*]",
            reason="CodeDeploy invokes the traffic hook function; CDK's invoke grant "
            "covers its versions and aliases (<hook ARN>:*).",
        )
    )


def _ratio_of(timeout: Duration, spec: RollbackAlarms) -> Duration:
    return Duration.millis(int(timeout.to_milliseconds() * spec.duration_limit_ratio))


class _Shared(Construct):
    """One CodeDeploy application and service role per stack, for every group."""

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.application = codedeploy.LambdaApplication(self, "Application")
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("codedeploy.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(CODEDEPLOY_POLICY)],
            description="CodeDeploy service role of the paved-road Lambda deployment groups",
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{CODEDEPLOY_POLICY}]",
                reason="AWS-maintained CodeDeploy policy for Lambda deployments: alias "
                "reads/updates, alarm reads and CodeDeployHook_* invokes only; hooks "
                "paved-road adds are granted separately.",
            )
        )


def _shared(scope: Construct) -> _Shared:
    return stack_child(scope, _SHARED_ID, _Shared)

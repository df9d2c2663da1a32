"""RuntimeComplianceRule: AWS Config watches every Lambda function's runtime.

Deploys the AWS managed rule ``lambda-function-settings-check``
(https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-settings-check.html;
identifier ``LAMBDA_FUNCTION_SETTINGS_CHECK``, scope ``AWS::Lambda::Function``, triggered by
configuration changes only) with the approved runtimes as its ``runtime`` parameter, and
optionally an SNS notification each time a function becomes NON_COMPLIANT. It complements
paved-road's synth-time guardrails: it also sees functions deployed by other tools, and
functions that fall out of support after they were deployed.

What the rule checks, per its documentation:

* ``runtime`` (required, CSV): the function's runtime must be one of the list. The value is
  joined with ``,`` and no spaces. Functions with package type ``Image`` and functions on an
  OS-only runtime (``provided.*``) are ignored by the rule.
* ``role``, ``timeout``, ``memorySize`` (optional): the documentation lists
  ``memorySize`` "Default: 128" and ``timeout`` "Default: 3". Read literally, a rule created
  without them would compare every function with 128 MB / 3 s and mark the governed baseline
  (256 MB, 30 s) NON_COMPLIANT. AWS's own use of the rule says otherwise: Security Hub control
  [Lambda.2] "Lambda functions should use supported runtimes" runs this managed rule with the
  ``runtime`` parameter alone and reports runtimes only
  (https://docs.aws.amazon.com/securityhub/latest/userguide/lambda-controls.html#lambda-2).
  This construct therefore passes ``runtime`` only, and does not offer ``timeout`` /
  ``memorySize`` / ``role``: a single expected value for every function of the account would
  contradict per-function sizing. After the first evaluation, check that the NON_COMPLIANT
  functions are exactly those on other runtimes (``aws configservice
  get-compliance-details-by-config-rule --compliance-types NON_COMPLIANT``); if memory or
  timeout show up, the documented defaults apply in your account.
* The rule is change-triggered only: AWS Config refuses a ``MaximumExecutionFrequency`` for
  it ("A maximum execution frequency for this rule is not allowed because only a change in
  resources triggers this managed rule."), so the construct sets none. Functions that become
  deprecated without changing are re-evaluated when they next change, or when the rule's
  parameters change (a new default list at the next deployment).
* ``InputParameters`` is a JSON string of at most 1024 characters (AWS Config API,
  ``ConfigRule.InputParameters``), which bounds the runtime list.

AWS Config must be recording ``AWS::Lambda::Function`` in the account and region (a
configuration recorder); this construct does not create one.

Notification: an EventBridge rule on the Config rule's "Config Rules Compliance Change"
events whose ``newEvaluationResult.complianceType`` is ``NON_COMPLIANT`` (and resource type
``AWS::Lambda::Function``) publishes the event to an SNS topic: ``notification_topic``, or a
topic created with ``create_topic=True``. Events EventBridge cannot deliver (after its
retries) go to an SQS dead-letter queue (SSE-SQS, TLS enforced, 14 days). The created topic
enforces TLS and is encrypted with a customer managed KMS key (rotation on) whose key policy
lets this account's EventBridge (``aws:SourceAccount``) use it with ``kms:GenerateDataKey`` and
``kms:Decrypt``; the AWS managed ``alias/aws/sns`` key cannot be used, as its key policy
cannot grant EventBridge ``kms:GenerateDataKey``. The topic policy allows ``sns:Publish`` to
``events.amazonaws.com`` for the notification rule only (``aws:SourceArn``; for a topic of
another stack of the app, for the rule's account: the rule's ARN would make the two stacks
depend on each other). For a ``notification_topic`` imported from another app or account,
its topic policy (and KMS key policy, if encrypted) must allow that publish: the construct
cannot change an imported topic's policy.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from functools import cache

import jsii
from aws_cdk import Names, RemovalPolicy, Stack
from aws_cdk import aws_config as config
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.interfaces import aws_events as events_refs
from constructs import Construct

from paved_road import runtimes
from paved_road._boundary import checked_props
from paved_road._queues import dead_letter_queue
from paved_road._validate import is_token
from paved_road.errors import Problems
from paved_road.runtimes import Phase

__all__ = ["MAX_INPUT_PARAMETERS_LENGTH", "RuntimeComplianceRule", "lambda_runtime_identifiers"]

MAX_INPUT_PARAMETERS_LENGTH = 1024
"""AWS Config ``ConfigRule.InputParameters``: a JSON string of 1 to 1024 characters."""
MAX_RULE_NAME_LENGTH = 128
"""AWS Config ``ConfigRule.ConfigRuleName``: 1 to 128 characters, not only whitespace."""

RUNTIME_PARAMETER = "runtime"
EVENTS_PRINCIPAL = "events.amazonaws.com"


@cache
def lambda_runtime_identifiers() -> frozenset[str]:
    """Every runtime identifier of the Lambda API (the ``Runtime`` enum of botocore's Lambda
    service model), e.g. ``python3.14``."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return frozenset(getattr(model.shape_for("Runtime"), "enum", ()))


def input_parameters_json(approved: Sequence[str]) -> str:
    """The ``InputParameters`` JSON the rule receives for ``approved`` (as CloudFormation
    serializes it, ``{"runtime": "a,b"}``)."""
    return json.dumps({RUNTIME_PARAMETER: ",".join(approved)})


class RuntimeComplianceRule(Construct):
    """AWS Config rule ``lambda-function-settings-check`` over the approved runtimes, with an
    optional SNS notification on NON_COMPLIANT functions (see the module docstring).

    Attributes: ``config_rule`` (the ``aws_config.ManagedRule``), ``approved_runtimes``
    (the list passed to the rule), ``topic`` (the notified topic, or None),
    ``notification_rule`` (the EventBridge rule, or None) and ``dead_letter_queue`` (the
    EventBridge target's dead-letter queue, or None).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        approved_runtimes: Sequence[str] | None = None,
        notification_topic: sns.ITopic | None = None,
        create_topic: bool = False,
        config_rule_name: str | None = None,
    ) -> None:
        """
        :param approved_runtimes: Lambda runtime identifiers a function may use. Default:
            every runtime supported today under the runtime policy in force (the
            ``paved-road:runtime-policy`` context, else ``$PAVED_ROAD_RUNTIME_POLICY``, else
            cfn-lint's dates; :meth:`paved_road.runtimes.RuntimePolicy.supported`,
            Lambda API identifiers only), sorted; "today" honours the ``paved-road:today``
            context and ``$PAVED_ROAD_TODAY``. Each must be known to the lifecycle data and
            not deprecated today; no duplicates; the JSON parameter must fit in 1024
            characters.
        :param notification_topic: SNS topic notified when a function becomes
            NON_COMPLIANT; default none.
        :param create_topic: create that topic (TLS enforced, customer managed KMS key);
            default False. Not together with ``notification_topic``.
        :param config_rule_name: name of the Config rule (1-128 characters, not only
            whitespace); default a CloudFormation generated name.
        """
        super().__init__(scope, id)
        problems = Problems(type(self).__name__, self.node.path)
        today: _dt.date | None = None
        try:
            today = runtimes.current_date(self.node.try_get_context(runtimes.TODAY_CONTEXT))
        except ValueError as exc:
            problems.add("approved_runtimes", f"cannot be checked: {exc}")
        policy = runtimes.policy_for(self.node.try_get_context(runtimes.POLICY_CONTEXT))
        if approved_runtimes is None:
            approved = [] if today is None else _default_runtimes(today, policy)
            if today is not None and not approved:
                problems.add("approved_runtimes", "default is empty: no runtime is supported today")
        else:
            approved = list(approved_runtimes)
            _check_runtimes(problems, approved, today, policy)
        parameters = input_parameters_json(approved)
        if len(parameters) > MAX_INPUT_PARAMETERS_LENGTH:
            problems.add(
                "approved_runtimes",
                f"must fit in the Config rule's InputParameters: at most "
                f"{MAX_INPUT_PARAMETERS_LENGTH} characters of JSON, got {len(parameters)} "
                "(list fewer runtimes)",
            )
        if notification_topic is not None and create_topic:
            problems.add(
                "notification_topic",
                "and create_topic=True are exclusive (only one may be given): pass a topic or "
                "let the construct create one",
            )
        name = config_rule_name
        if (
            name is not None
            and not is_token(name)
            and (not name.strip() or len(name) > MAX_RULE_NAME_LENGTH)
        ):
            problems.add(
                "config_rule_name",
                f"must be 1-{MAX_RULE_NAME_LENGTH} characters, not only whitespace (AWS Config "
                "ConfigRuleName)",
                name,
            )
        problems.raise_if_any()

        self.approved_runtimes: list[str] = approved
        self.config_rule = config.ManagedRule(
            self,
            "Rule",
            identifier=config.ManagedRuleIdentifiers.LAMBDA_FUNCTION_SETTINGS_CHECK,
            config_rule_name=config_rule_name,
            description="Lambda functions use an approved runtime (paved-road "
            "RuntimeComplianceRule).",
            input_parameters={RUNTIME_PARAMETER: ",".join(approved)},
            rule_scope=config.RuleScope.from_resources([config.ResourceType.LAMBDA_FUNCTION]),
        )

        self.topic: sns.ITopic | None = notification_topic
        if create_topic:
            self.topic = self._create_topic()
        self.notification_rule: events.Rule | None = None
        self.dead_letter_queue: sqs.Queue | None = None
        if self.topic is not None:
            self.dead_letter_queue = self._create_dead_letter_queue()
            self.notification_rule = self.config_rule.on_compliance_change(
                "NonCompliant",
                description="A Lambda function became NON_COMPLIANT with the approved "
                "runtimes (paved-road RuntimeComplianceRule).",
                event_pattern=events.EventPattern(
                    detail={
                        "resourceType": [
                            config.ResourceType.LAMBDA_FUNCTION.compliance_resource_type
                        ],
                        "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
                    }
                ),
                target=_PublishToTopic(self.topic, self.dead_letter_queue),
            )

    def _create_dead_letter_queue(self) -> sqs.Queue:
        return dead_letter_queue(
            self,
            "NotificationDeadLetterQueue",
            reason="This queue is the EventBridge dead-letter queue of the runtime compliance "
            "notification: it keeps the events EventBridge could not publish to the topic "
            "(e.g. a topic or key policy that refuses it), for inspection; nothing consumes "
            "it automatically.",
        )

    def _create_topic(self) -> sns.Topic:
        key = kms.Key(
            self,
            "TopicKey",
            description=f"Encrypts the runtime compliance topic of {self.node.path}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # EventBridge publishes to an encrypted topic with the topic's KMS key: the two
        # actions EventBridge documents (eb-encryption-key-policy.html), for this account's
        # EventBridge only. An aws:SourceArn naming the notification rule would be tighter,
        # but the key policy is part of the key, which the topic references, which the rule
        # targets: key -> rule -> topic -> key would be a dependency cycle.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(EVENTS_PRINCIPAL)],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        return sns.Topic(
            self,
            "Topic",
            display_name="Lambda runtime compliance",
            enforce_ssl=True,
            master_key=key,
        )


@jsii.implements(events.IRuleTarget)
class _PublishToTopic:
    """The notification rule's SNS target: ``aws_events_targets.SnsTopic`` grants
    ``events.amazonaws.com`` ``sns:Publish`` with no condition (any rule of any account
    could publish); this target allows the notification rule only (``aws:SourceArn``,
    EventBridge's documented condition for rule targets). A topic of another stack gets
    ``aws:SourceAccount`` instead: the rule's ARN there would make the topic's stack depend
    on the rule's, which already depends on the topic's. The dead-letter queue gets the
    statement ``SnsTopic`` gives it (this rule's ``sqs:SendMessage``)."""

    def __init__(self, topic: sns.ITopic, dead_letter_queue: sqs.IQueue) -> None:
        self._topic = topic
        self._queue = dead_letter_queue

    def bind(self, rule: events_refs.IRuleRef, id: str | None = None) -> events.RuleTargetConfig:
        rule_arn = events.CfnRule.arn_for_rule(rule)
        principal = iam.ServicePrincipal(EVENTS_PRINCIPAL)
        if Stack.of(self._topic) is Stack.of(rule):
            source = {"ArnEquals": {"aws:SourceArn": rule_arn}}
        else:
            source = {"StringEquals": {"aws:SourceAccount": Stack.of(rule).account}}
        self._topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[principal],
                actions=["sns:Publish"],
                resources=[self._topic.topic_arn],
                conditions=source,
            )
        )
        self._queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"AllowEventRule{Names.node_unique_id(rule.node)}",
                principals=[principal],
                actions=["sqs:SendMessage"],
                resources=[self._queue.queue_arn],
                conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},
            )
        )
        return events.RuleTargetConfig(
            arn=self._topic.topic_arn,
            dead_letter_config=events.CfnRule.DeadLetterConfigProperty(arn=self._queue.queue_arn),
            target_resource=self._topic,
        )


def _default_runtimes(today: _dt.date, policy: runtimes.RuntimePolicy) -> list[str]:
    """Supported today under the runtime policy in force (its approved list included)."""
    identifiers = lambda_runtime_identifiers()
    return sorted(name for name in policy.supported(today) if name in identifiers)


def _check_runtimes(
    problems: Problems,
    approved: Sequence[str],
    today: _dt.date | None,
    policy: runtimes.RuntimePolicy,
) -> None:
    if not approved:
        problems.add("approved_runtimes", "must list at least one runtime", list(approved))
        return
    seen: set[str] = set()
    duplicates: list[str] = []
    unknown: list[str] = []
    unsupported: list[str] = []
    for name in approved:
        if not isinstance(name, str):
            unknown.append(repr(name))
            continue
        if name in seen:
            duplicates.append(name)
            continue
        seen.add(name)
        entry = policy.lifecycle(name)
        if entry is None:
            unknown.append(name)
        elif today is not None and entry.phase(today) is not Phase.SUPPORTED:
            unsupported.append(f"{name} ({entry.phase(today).value})")
    given = list(approved)
    if duplicates:
        problems.add(
            "approved_runtimes", f"must not repeat a runtime: {', '.join(duplicates)}", given
        )
    if unknown:
        problems.add(
            "approved_runtimes",
            f"must be Lambda runtime identifiers known to the lifecycle data (e.g. "
            f"python3.14): unknown {', '.join(unknown)}",
            given,
        )
    if unsupported:
        problems.add(
            "approved_runtimes",
            f"must not list runtimes already past support on {today}: {', '.join(unsupported)}",
            given,
        )

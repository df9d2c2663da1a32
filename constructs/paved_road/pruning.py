"""The version pruner: one scheduled function per stack that deletes old published
versions of the stack's GovernedFunctions (Zapier: "an automated pruning task cleans
up older versions").

Every deployment that changes a GovernedFunction publishes a version (the ``live``
alias needs one), and CDK retains replaced versions so that CodeDeploy and manual
rollbacks can use them. Each version keeps its own copy of the code, and a Region's
code storage (75 GB by default, shared by every function and layer of the account:
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html) fills up.
The pruner keeps, per function, the newest ``keep_versions`` versions plus every
version an alias routes to (both sides of a canary), and deletes the rest once a day.
The handler is ``paved_road/handlers/version_pruner/index.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import jsii
from aws_cdk import (
    Acknowledgment,
    Duration,
    IStableStringProducer,
    Lazy,
    Stack,
    Validations,
)
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road._tree import stack_child, stack_of

if TYPE_CHECKING:
    from paved_road.function import GovernedFunction

PRUNER_ID = "PavedRoadVersionPruner"
PRUNER_HANDLER_DIR = Path(__file__).resolve().parent / "handlers" / "version_pruner"
SCHEDULE = events.Schedule.rate(Duration.days(1))


class VersionPruner(Construct):
    """The stack's version pruner (created by the first GovernedFunction that keeps a
    bounded number of versions; see the module docstring).

    Attributes: ``function`` (the pruner's HelperFunction), ``rule`` (the daily
    EventBridge rule), ``functions`` (the pruned functions' names and keep counts).
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        from paved_road.function import HelperFunction, Invocation

        self.functions: list[dict[str, object]] = []
        self.function = HelperFunction(
            self,
            "Function",
            code=lambda_.Code.from_asset(str(PRUNER_HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
            handler="index.handler",
            service_name="version-pruner",
            description="paved-road: deletes old published versions of this stack's functions",
            timeout=Duration.minutes(5),
            environment={
                # [{"function": <name>, "keep": N}, ...]: each function's own count, for the
                # schedule and for manual runs alike
                "FUNCTION_NAMES": Lazy.string(_JsonFunctions(self, self.functions)),
                "POWERTOOLS_METRICS_NAMESPACE": "PavedRoad/VersionPruner",
            },
            invocation=Invocation.ASYNCHRONOUS,
            keep_versions=None,
        )
        Validations.of(self.function.function).acknowledge(
            Acknowledgment(
                id="Serverless-LambdaDLQ",
                reason="Scheduled daily and idempotent: a failed run is repeated by the next "
                "one; failures show in the function's Errors metric and VersionDeletesFailed.",
            )
        )
        self.rule = events.Rule(
            self,
            "Daily",
            schedule=SCHEDULE,
            description="paved-road: prune old Lambda versions of this stack's functions",
            targets=[targets.LambdaFunction(self.function.function, retry_attempts=2)],
        )
        Validations.of(self.rule).acknowledge(
            Acknowledgment(
                id="Serverless-EventBusDLQ",
                reason="A daily, idempotent schedule: an invocation EventBridge drops "
                "after its retries is repeated by the next day's run.",
            ),
            Acknowledgment(
                id="PavedRoad-EventTargetDeadLetterQueue",
                reason="A daily, idempotent schedule: an invocation EventBridge drops "
                "after its retries is repeated by the next day's run.",
            ),
            Acknowledgment(
                id="PavedRoad-LambdaAsyncOnFailureDestination",
                reason="Scheduled daily and idempotent: a failed run is repeated by the next "
                "one; failures show in the function's Errors metric and VersionDeletesFailed.",
            ),
        )

    def add(self, governed: GovernedFunction, keep: int) -> None:
        function = governed.function
        self.functions.append({"function": function.function_name, "keep": keep})
        role = self.function.role
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:ListVersionsByFunction", "lambda:ListAliases"],
                resources=[function.function_arn],
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:DeleteFunction"],
                resources=[f"{function.function_arn}:*"],
            )
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{_logical_ref(function)}.Arn>:*]",
                reason="DeleteFunction on the published versions of a governed function: "
                "version numbers are assigned at publish time.",
            )
        )


@jsii.implements(IStableStringProducer)
class _JsonFunctions:
    """The JSON list of every pruned function and its keep count, produced at synthesis."""

    def __init__(self, scope: Construct, functions: list[dict[str, object]]) -> None:
        self._stack = Stack.of(scope)
        self._functions = functions

    def produce(self) -> str:
        return self._stack.to_json_string(list(self._functions))


def _logical_ref(function: lambda_.Function) -> str:
    stack = stack_of(function)
    return str(stack.resolve(stack.get_logical_id(function.node.default_child)))  # type: ignore[arg-type]


def register_for_pruning(governed: GovernedFunction, keep: int) -> None:
    """Add ``governed`` to its stack's version pruner (created on first use)."""
    stack_child(governed, PRUNER_ID, VersionPruner).add(governed, keep)

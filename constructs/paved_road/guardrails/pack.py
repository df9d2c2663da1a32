"""PavedRoadChecks: the paved-road cdk-nag v3 NagPack."""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import (
    CfnResource,
    PolicyValidationPluginReport,
    PolicyViolatingResource,
    PolicyViolation,
    Stack,
    Stage,
)
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance
from constructs import IConstruct

from paved_road import governance, runtimes
from paved_road.errors import PavedRoadError
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules import ALL_RULES, acknowledgment_reason

PACK_NAME = "PavedRoad"


@jsii.implements(IApplyRule)
class _NonCompliant:
    """What cdk-nag's ``applyRule`` needs for one finding. Only findings cross into
    jsii: compliant resources cost no call at all."""

    def __init__(self, rule: GuardrailRule, node: CfnResource, finding: Finding) -> None:
        self._rule = rule
        self._node = node
        self._finding = finding

    @property
    def explanation(self) -> str:
        return self._rule.explanation

    @property
    def info(self) -> str:
        return f"{self._rule.info} {self._finding.detail}".strip()

    @property
    def level(self) -> NagMessageLevel:
        return self._rule.level

    @property
    def node(self) -> CfnResource:
        return self._node

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.rule_id

    def rule(self, node: CfnResource) -> NagRuleCompliance:
        return NagRuleCompliance.NON_COMPLIANT


class PavedRoadChecks(NagPack):
    """The paved-road guardrail pack (rules in :mod:`paved_road.guardrails.rules`,
    documented in docs/RULES.md).

    Rules read the synthesized template of each stack, so the pack runs as a CDK
    validation plugin (``enforce(app)`` or ``Validations.of(app).add_plugins(...)``):
    after synthesis, before the CLI reports success. For speed, resources are
    dispatched on their CloudFormation type first; only rules for that type run,
    in pure Python, and only findings call back into cdk-nag.

    :param scope: passed to NagPack (used for ``write_suppressions_to_cloud_formation``).
    :param verbose: add each rule's explanation to its message; default False.
    :param rules: the rules to run; default all (``paved_road.guardrails.rules.ALL_RULES``).
    :param today: the date runtime rules compare against; default: the
        ``paved-road:today`` context, else ``$PAVED_ROAD_TODAY``, else today.
    :param matrix: the criticality matrix tier rules read (deprecation horizons);
        default: the ``paved-road:criticality-matrix`` context of the validated scope,
        else ``paved_road.governance.DEFAULT_MATRIX``.
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        verbose: bool = False,
        rules: Iterable[GuardrailRule] = ALL_RULES,
        today: datetime.date | None = None,
        matrix: governance.CriticalityMatrix | None = None,
    ) -> None:
        super().__init__(scope, verbose=verbose)
        self._fixed_matrix = matrix
        self._pack_name = PACK_NAME
        self._rules = tuple(rules)
        by_type: dict[str, list[GuardrailRule]] = {}
        for rule in self._rules:
            for resource_type in rule.resource_types:
                by_type.setdefault(resource_type, []).append(rule)
        self._by_type = {k: tuple(v) for k, v in by_type.items()}
        self._fixed_today = today
        self._today: datetime.date = today or runtimes.current_date()
        self._templates: dict[Any, Mapping[str, Any]] = {}
        # per stack: its context may differ from the validated scope's (a Stage's)
        self._stack_settings: dict[
            Any, tuple[governance.CriticalityMatrix, runtimes.RuntimePolicy]
        ] = {}

    @property
    def name(self) -> str:
        return PACK_NAME

    @property
    def rules(self) -> tuple[GuardrailRule, ...]:
        return self._rules

    def validate_scope(self, scope: IConstruct) -> Any:
        self._templates = {}
        if self._fixed_today is None:
            try:
                self._today = runtimes.current_date(
                    scope.node.try_get_context(runtimes.TODAY_CONTEXT)
                )
            except ValueError as exc:
                raise PavedRoadError(f"PavedRoadChecks: {exc}") from exc
        self._stack_settings = {}
        report = super().validate_scope(scope)
        blank = self._blank_acknowledgments(scope)
        if not blank:
            return report
        violations = [*report.violations, *blank]
        return PolicyValidationPluginReport(success=False, violations=violations)

    @staticmethod
    def _blank_acknowledgments(scope: IConstruct) -> list[PolicyViolation]:
        stage = cast(Stage, scope) if Stage.is_stage(scope) else Stage.of(scope)
        if stage is None or not (Path(stage.outdir) / "manifest.json").is_file():
            return []
        found = acknowledgment_reason.blank_reasons(Path(stage.outdir))
        if not found:
            return []
        return [
            PolicyViolation(
                rule_name=acknowledgment_reason.RULE_ID,
                description=f"{acknowledgment_reason.INFO} Acknowledged rules: "
                + ", ".join(sorted({ack.rule_id for ack in found})),
                severity=acknowledgment_reason.LEVEL,
                fix=acknowledgment_reason.FIX,
                violating_resources=[
                    PolicyViolatingResource(construct_path=path.lstrip("/"), locations=["Metadata"])
                    for path in sorted({ack.construct_path for ack in found})
                ],
            )
        ]

    @jsii.member(jsii_name="checkResource")
    def _check_resource(self, node: CfnResource) -> None:
        rules = self._by_type.get(node.cfn_resource_type)
        if not rules:
            return
        view = self._view(node)
        for rule in rules:
            finding = rule.check(view)
            if finding is not None:
                self._apply_rule(cast(IApplyRule, _NonCompliant(rule, node, finding)))

    def _settings(
        self, stack: Stack
    ) -> tuple[governance.CriticalityMatrix, runtimes.RuntimePolicy]:
        found = self._stack_settings.get(stack)
        if found is None:
            found = self._stack_settings[stack] = _settings_of(stack, self._fixed_matrix)
        return found

    def _view(self, node: CfnResource) -> ResourceView:
        stack = node.stack
        template = self._templates.get(stack)
        if template is None:
            template = self._templates[stack] = _load_template(stack)
        logical_id = str(stack.resolve(node.logical_id))
        matrix, policy = self._settings(stack)
        resource = (template.get("Resources") or {}).get(logical_id) or {}
        return ResourceView(
            logical_id=logical_id,
            type=str(resource.get("Type", "")),
            properties=resource.get("Properties") or {},
            template=template,
            today=self._today,
            matrix=matrix,
            runtime_policy=policy,
        )


def _settings_of(
    stack: Stack, fixed: governance.CriticalityMatrix | None
) -> tuple[governance.CriticalityMatrix, runtimes.RuntimePolicy]:
    """The criticality matrix and runtime policy in force for ``stack`` (its own context:
    ``use_matrix`` on a Stage reaches the stacks below it, not the App's validation)."""
    matrix = fixed or governance.matrix_of(stack)
    try:
        policy = runtimes.policy_for(stack.node.try_get_context(runtimes.POLICY_CONTEXT))
    except PavedRoadError as exc:
        raise PavedRoadError(f"PavedRoadChecks: {exc}") from exc
    return matrix, policy


def _load_template(stack: Stack) -> Mapping[str, Any]:
    stage = Stage.of(stack)
    outdir = stage.outdir if stage is not None else ""
    path = os.path.join(outdir, stack.template_file)
    try:
        with open(path, encoding="utf-8") as handle:
            loaded: Mapping[str, Any] = json.load(handle)
            return loaded
    except FileNotFoundError as exc:
        raise RuntimeError(
            f"PavedRoadChecks reads synthesized templates and found none at {path}: register "
            "it as a validation plugin (paved_road.guardrails.enforce(app)) so it runs after "
            "synthesis"
        ) from exc

"""PavedRoadChecks: the paved-road cdk-nag v3 NagPack."""

from __future__ import annotations

import datetime
import json
import os
import re
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
from paved_road.assembly import ACK_METADATA, artifact_metadata, stack_artifacts
from paved_road.errors import PavedRoadError
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules import ALL_RULES, acknowledgment_reason

PACK_NAME = "PavedRoad"
WALKS = ("template", "tree")
_LOGICAL_ID_METADATA = "aws:cdk:logicalId"
_NESTED_STACK = "AWS::CloudFormation::Stack"


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
    after synthesis, before the CLI reports success. Resources are dispatched on their
    CloudFormation type first; only rules for that type run, in pure Python.

    By default (``walk="template"``) the pack reads the cloud assembly's manifests and
    evaluates every stack template in one pass, with no jsii call per resource: a
    finding becomes a ``PolicyViolation`` naming the resource's construct path (from
    the stack's ``aws:cdk:logicalId`` metadata) unless a ``Validations`` acknowledgment
    on the resource or an ancestor covers it (read from the assembly's metadata, with
    cdk-nag's rule: CDK core does not match cdk-nag ids itself). ``walk="tree"`` is
    cdk-nag's own walk of the construct tree (one Node -> Python callback per
    ``CfnResource``); it reports the same findings, about 0.7 ms per resource slower
    (docs/performance.md). The template walk hands over to the tree walk for what it
    cannot see: nested stacks, a scope below a stack, resources without logical id
    metadata.

    :param scope: passed to NagPack (used for ``write_suppressions_to_cloud_formation``).
    :param verbose: add each rule's explanation to its message; default False.
    :param rules: the rules to run; default all (``paved_road.guardrails.rules.ALL_RULES``).
    :param today: the date runtime rules compare against; default: the
        ``paved-road:today`` context, else ``$PAVED_ROAD_TODAY``, else today.
    :param matrix: the criticality matrix tier rules read (deprecation horizons);
        default: the ``paved-road:criticality-matrix`` context of the validated scope,
        else ``paved_road.governance.DEFAULT_MATRIX``.
    :param walk: ``"template"`` (default) or ``"tree"``, see above.
    """

    def __init__(
        self,
        scope: IConstruct | None = None,
        *,
        verbose: bool = False,
        rules: Iterable[GuardrailRule] = ALL_RULES,
        today: datetime.date | None = None,
        matrix: governance.CriticalityMatrix | None = None,
        walk: str = "template",
    ) -> None:
        if walk not in WALKS:
            raise PavedRoadError(
                f"PavedRoadChecks: walk must be one of {', '.join(WALKS)}, got {walk!r}"
            )
        super().__init__(scope, verbose=verbose)
        self._walk = walk
        self._verbose = verbose
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
        self._templates: dict[Any, tuple[Mapping[str, Any], int]] = {}
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
        if self._walk == "tree":
            report = super().validate_scope(scope)
        else:
            report = self._validate_templates(scope)
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

    def _validate_templates(self, scope: IConstruct) -> PolicyValidationPluginReport:
        """One pass over the synthesized templates of the stacks under ``scope``."""
        stage = cast(Stage, scope) if Stage.is_stage(scope) else Stage.of(scope)
        outdir = Path(stage.outdir) if stage is not None else None
        if outdir is None or not (outdir / "manifest.json").is_file():
            raise RuntimeError(
                "PavedRoadChecks reads the synthesized cloud assembly and found none: register "
                "it as a validation plugin (paved_road.guardrails.enforce(app)) so it runs "
                "after synthesis"
            )
        if stage is not scope and not Stack.is_stack(scope):
            return super().validate_scope(scope)  # a scope inside a stack: its subtree only
        within = "" if stage is scope else scope.node.path
        violations: dict[str, PolicyViolation] = {}
        resources: dict[str, list[PolicyViolatingResource]] = {}
        for directory, _, artifact in stack_artifacts(outdir):
            stack_path = str(artifact.get("displayName") or "")
            if within and stack_path != within and not stack_path.startswith(within + "/"):
                continue
            template_file = (artifact.get("properties") or {}).get("templateFile")
            if not template_file:
                continue
            template_path = directory / template_file
            template, size = _read_template(str(template_path))
            paths, acknowledged = _stack_metadata(directory, artifact)
            above: frozenset[str] | None = None  # acknowledged above the stack (App, Stage)
            settings: tuple[governance.CriticalityMatrix, runtimes.RuntimePolicy] | None = None
            for logical_id, resource in (template.get("Resources") or {}).items():
                if resource.get("Type") == _NESTED_STACK:
                    # a nested stack's template is an asset, not a manifest artifact
                    return super().validate_scope(scope)
                rules = self._by_type.get(str(resource.get("Type", "")))
                if not rules:
                    continue
                if settings is None:  # found once per stack, and only if a rule applies
                    stack = _find_stack(scope, stack_path)
                    settings = self._settings(stack)
                view = ResourceView(
                    logical_id=logical_id,
                    type=str(resource.get("Type", "")),
                    properties=resource.get("Properties") or {},
                    template=template,
                    today=self._today,
                    matrix=settings[0],
                    runtime_policy=settings[1],
                    template_bytes=size,
                )
                path = paths.get(logical_id)
                for rule in rules:
                    finding = rule.check(view)
                    if finding is None:
                        continue
                    name = f"{PACK_NAME}-{rule.rule_id}"
                    if path is None:  # no logical id metadata: cdk-nag's walk finds it
                        return super().validate_scope(scope)
                    if above is None:
                        above = _acknowledged_above(stack)
                    if name in above or _acknowledged(acknowledged, path, name):
                        continue
                    if name not in violations:
                        info = f"{rule.info} {finding.detail}".strip()
                        violations[name] = PolicyViolation(
                            rule_name=name,
                            description=f"{info} {rule.explanation}" if self._verbose else info,
                            severity="error" if rule.level == NagMessageLevel.ERROR else "warning",
                            violating_resources=[],
                        )
                        resources[name] = []
                    resources[name].append(
                        PolicyViolatingResource(
                            construct_path=path,
                            template_path=str(template_path),
                            resource_logical_id=logical_id,
                            locations=["Properties"],
                        )
                    )
        report = [
            PolicyViolation(
                rule_name=v.rule_name,
                description=v.description,
                severity=v.severity,
                violating_resources=resources[name],
            )
            for name, v in violations.items()
        ]
        return PolicyValidationPluginReport(success=not report, violations=report)

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
        loaded = self._templates.get(stack)
        if loaded is None:
            loaded = self._templates[stack] = _load_template(stack)
        template, size = loaded
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
            template_bytes=size,
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


def _stack_metadata(
    directory: Path, artifact: dict[str, Any]
) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """From a stack's metadata: logical id -> construct path (no leading ``/``), and
    construct path -> rule ids acknowledged there (``Validations.acknowledge``)."""
    paths: dict[str, str] = {}
    acknowledged: dict[str, frozenset[str]] = {}
    for path, entries in artifact_metadata(directory, artifact).items():
        for entry in entries:
            data = entry.get("data")
            if entry.get("type") == _LOGICAL_ID_METADATA and isinstance(data, str):
                paths[data] = path.lstrip("/")
            elif entry.get("type") == ACK_METADATA and isinstance(data, Mapping):
                ids = acknowledged.get(path.lstrip("/"), frozenset())
                acknowledged[path.lstrip("/")] = ids | {_rule_id(k) for k in data}
    return paths, acknowledged


def _rule_id(key: object) -> str:
    """An acknowledged rule id without CDK's ``Annotation::`` namespace."""
    return re.sub(r"^annotation::", "", str(key), flags=re.IGNORECASE)


def _acknowledged(by_path: Mapping[str, frozenset[str]], path: str, rule: str) -> bool:
    """Whether ``rule`` is acknowledged on the construct at ``path`` or an ancestor in
    its stack (cdk-nag's rule: an acknowledgment covers the construct's subtree)."""
    while path:
        if rule in by_path.get(path, ()):
            return True
        path = path.rpartition("/")[0]
    return False


def _acknowledged_above(stack: Stack) -> frozenset[str]:
    """Rule ids acknowledged on the stack and its ancestors (App, Stages): the ancestors'
    metadata is not in the stack's manifest entry. A few jsii calls, once per stack
    with a finding."""
    found: set[str] = set()
    scope: IConstruct | None = stack
    while scope is not None:
        for entry in scope.node.metadata:
            if entry.type == ACK_METADATA and isinstance(entry.data, Mapping):
                found.update(_rule_id(k) for k in entry.data)
        scope = scope.node.scope
    return frozenset(found)


def _find_stack(scope: IConstruct, stack_path: str) -> Stack:
    """The stack at construct path ``stack_path`` (a few jsii calls, once per stack)."""
    node: IConstruct = scope.node.root
    for part in stack_path.split("/"):
        node = node.node.find_child(part)
    return cast(Stack, node)


def _read_template(path: str) -> tuple[Mapping[str, Any], int]:
    """A template file's JSON and its size in bytes."""
    with open(path, encoding="utf-8") as handle:
        loaded: Mapping[str, Any] = json.load(handle)
    return loaded, os.path.getsize(path)


def _load_template(stack: Stack) -> tuple[Mapping[str, Any], int]:
    stage = Stage.of(stack)
    outdir = stage.outdir if stage is not None else ""
    path = os.path.join(outdir, stack.template_file)
    try:
        return _read_template(path)
    except FileNotFoundError as exc:
        raise RuntimeError(
            f"PavedRoadChecks reads synthesized templates and found none at {path}: register "
            "it as a validation plugin (paved_road.guardrails.enforce(app)) so it runs after "
            "synthesis"
        ) from exc

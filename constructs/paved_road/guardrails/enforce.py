"""enforce(app): register the guardrail packs as CDK validation plugins."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import jsii
from aws_cdk import (
    IPolicyValidationPlugin,
    PolicyValidationPluginReport,
    PolicyViolation,
    Validations,
)
from cdk_nag import AwsSolutionsChecks, NagPack, ServerlessChecks
from constructs import IConstruct

from paved_road.governance import CriticalityMatrix
from paved_road.guardrails.pack import PavedRoadChecks

_FAILING = ("error", "fatal")


@jsii.implements(IPolicyValidationPlugin)
class GuardrailGate:
    """Runs one NagPack over the construct tree and decides whether its findings
    fail synthesis.

    cdk-nag 3 reports *every* violation, warnings included, as a failed report, so
    any warning would fail ``cdk synth``. The gate keeps every finding in the report
    (CDK prints them and writes them to ``cdk.out/validation-report.json``) but
    marks the report successful unless an error-level finding remains. With
    ``strict=True`` every finding is reported as an error (its description starts
    with ``[strict]``), so any finding fails.
    """

    def __init__(self, pack: NagPack, root: IConstruct, *, strict: bool = False) -> None:
        self._pack = pack
        self._root = root
        self._strict = strict
        self._name = pack.name

    @property
    def name(self) -> str:
        return self._name

    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    @property
    def pack(self) -> NagPack:
        return self._pack

    def validate(self, context: Any) -> PolicyValidationPluginReport:
        report = self._pack.validate_scope(self._root)
        violations = list(report.violations)
        if self._strict:
            # Report warnings as errors: CDK recomputes a report's success from its
            # error-level violations after applying its own acknowledgments, which
            # would otherwise let a remaining warning pass in strict mode.
            violations = [_as_error(v) for v in violations]
        success = not any(v.severity in _FAILING for v in violations)
        return PolicyValidationPluginReport(success=success, violations=violations)


def _as_error(violation: PolicyViolation) -> PolicyViolation:
    if violation.severity in _FAILING:
        return violation
    return PolicyViolation(
        rule_name=violation.rule_name,
        description=f"[strict] {violation.description}",
        severity="error",
        violating_resources=violation.violating_resources,
        fix=violation.fix,
        rule_metadata=violation.rule_metadata,
    )


def enforce(
    scope: IConstruct,
    *,
    strict: bool = False,
    aws_solutions: bool = True,
    serverless: bool = True,
    extra_packs: Sequence[NagPack] = (),
    verbose: bool = False,
    today: datetime.date | None = None,
    matrix: CriticalityMatrix | None = None,
    walk: str = "template",
) -> list[GuardrailGate]:
    """Register PavedRoadChecks (plus cdk-nag's AwsSolutionsChecks and
    ServerlessChecks, and ``extra_packs``) on ``scope`` (an App or Stage).

    Error-level findings fail ``cdk synth`` (non-zero exit); warning-level findings
    are printed and recorded in ``cdk.out/validation-report.json`` and fail only
    with ``strict=True``. Acknowledge a finding on a construct (it and its
    children) with a reason::

        Validations.of(construct).acknowledge(Acknowledgment(id="PavedRoad-...", reason="..."))

    :param strict: warnings fail synthesis too; default False.
    :param aws_solutions: include AwsSolutionsChecks; default True.
    :param serverless: include ServerlessChecks; default True.
    :param extra_packs: more NagPacks (e.g. ``HIPAASecurityChecks()``); default none.
    :param verbose: add rule explanations to messages; default False.
    :param today: date for runtime lifecycle rules; default today (see PavedRoadChecks).
    :param matrix: criticality matrix for tier rules; default the scope's
        ``paved-road:criticality-matrix`` context, else the default matrix.
    :param walk: how PavedRoadChecks finds resources: ``"template"`` (default, one pass
        over the synthesized templates) or ``"tree"`` (cdk-nag's construct-tree walk).
    :returns: the registered gates (each ``.pack`` is the NagPack).
    """
    packs: list[NagPack] = [
        PavedRoadChecks(scope, verbose=verbose, today=today, matrix=matrix, walk=walk)
    ]
    if aws_solutions:
        packs.append(AwsSolutionsChecks(scope, verbose=verbose))
    if serverless:
        packs.append(ServerlessChecks(scope, verbose=verbose))
    packs.extend(extra_packs)
    gates = [GuardrailGate(pack, scope, strict=strict) for pack in packs]
    Validations.of(scope).add_plugins(*gates)
    return gates

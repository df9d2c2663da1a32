"""paved-road guardrails: the PavedRoadChecks cdk-nag v3 pack and ``enforce(app)``."""

from paved_road.guardrails.enforce import GuardrailGate, enforce
from paved_road.guardrails.pack import PavedRoadChecks
from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView
from paved_road.guardrails.rules import ALL_RULES

__all__ = [
    "ALL_RULES",
    "Finding",
    "GuardrailGate",
    "GuardrailRule",
    "PavedRoadChecks",
    "ResourceView",
    "enforce",
]

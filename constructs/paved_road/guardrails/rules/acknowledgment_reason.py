"""PavedRoad-AcknowledgmentReason: an acknowledgment without a reason.

Not a per-resource rule: it reads every ``Validations.of(c).acknowledge(...)`` that
the synthesized assembly records (CDK accepts an empty reason; the paved road does
not). It cannot itself be acknowledged.
"""

from __future__ import annotations

from pathlib import Path

from paved_road.assembly import Acknowledged, acknowledgments

RULE_ID = "PavedRoad-AcknowledgmentReason"
LEVEL = "error"
INFO = "A finding is acknowledged without a reason."
EXPLANATION = (
    "Every override of a guardrail must say why, so reviewers and auditors can judge it; "
    "an acknowledgment with a blank reason hides a finding silently."
)
FIX = "Give the Acknowledgment a reason: Acknowledgment(id='...', reason='why this is safe')."


def blank_reasons(cdk_out: Path) -> list[Acknowledged]:
    """Acknowledgments in the assembly at ``cdk_out`` whose reason is blank."""
    return [ack for ack in acknowledgments(cdk_out) if not ack.reason.strip()]

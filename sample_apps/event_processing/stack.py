"""The EventProcessingService sample: one stack, guardrails enforced by app.py."""

from __future__ import annotations

from aws_cdk import Stack
from constructs import Construct

from paved_road import Criticality
from paved_road_blueprints import EventProcessingService


class EventProcessingStack(Stack):
    def __init__(self, scope: Construct, id: str, *, production: bool = False) -> None:
        super().__init__(
            scope, id, description="paved-road sample: SQS -> Lambda -> S3 (EventProcessingService)"
        )
        self.service = EventProcessingService(
            self,
            "Orders",
            production=production,
            criticality=Criticality.IMPORTANT,
            idempotency=True,
        )


def build(app: Construct) -> list[Stack]:
    return [EventProcessingStack(app, "PavedRoadEventProcessing")]

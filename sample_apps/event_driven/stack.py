"""The event-driven sample: scale-to-zero consumers with a central dead-letter queue.

* ``CentralDeadLetterQueue``: one queue for the failed events of every function here and
  of the organization's other accounts (scoped by organization id), with its alarms and
  the redrive command as a stack output.
* ``EventConsumer``: ``OrderPlaced`` events from the default bus straight into a function
  (no queue to poll while idle), failures to the central queue, attributed by rule.
* Two ``ScheduledFunction``s: a tenant sync every 5 minutes, scattered to a
  deterministic minute and spread by a flexible window, and a nightly report at 02:00
  within a 15-minute window.
* ``ClaimCheck``: the nightly report can exceed 1 MiB, so it goes to S3 and the consumer
  receives a reference, resolved by the claim-check layer before the handler runs.

Environment-agnostic: no lookups; the organization id is an example value.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road import (
    CentralDeadLetterQueue,
    ClaimCheck,
    Criticality,
    EventConsumer,
    ScheduledFunction,
)

ORGANIZATION_ID = "o-exampleorgid1"
"""Replace with your organization's id (``aws organizations describe-organization``)."""
HANDLERS = Path(__file__).resolve().parent / "handlers"


class EventDrivenStack(Stack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: EventBridge consumers without queues, jittered "
            "schedules, a central dead-letter queue and claim checks for large payloads",
        )
        code = lambda_.Code.from_asset(str(HANDLERS))
        dead_letters = CentralDeadLetterQueue(self, "DeadLetters", organization_id=ORGANIZATION_ID)
        payloads = ClaimCheck(self, "Payloads")

        orders = EventConsumer(
            self,
            "OrderPlaced",
            event_pattern={"source": ["shop.orders"], "detail-type": ["OrderPlaced"]},
            function_props={
                "code": code,
                "handler": "orders.handler",
                "criticality": Criticality.IMPORTANT,
            },
            dead_letter_queue=dead_letters,
        )
        reports = EventConsumer(
            self,
            "ReportReady",
            event_pattern={"source": ["shop.reports"], "detail-type": ["ReportReady"]},
            function_props={"code": code, "handler": "reports.consume"},
            dead_letter_queue=dead_letters,
        )
        ScheduledFunction(
            self,
            "TenantSync",
            schedule="rate(5 minutes)",
            function_props={"code": code, "handler": "sync.handler"},
            input={"task": "sync-tenants"},
            dead_letter_queue=dead_letters,
        )
        nightly = ScheduledFunction(
            self,
            "NightlyReport",
            schedule="cron(0 2 * * ? *)",
            time_zone="Europe/Berlin",
            function_props={"code": code, "handler": "reports.produce"},
            dead_letter_queue=dead_letters,
        )
        assert nightly.governed_function is not None and reports.governed_function is not None
        payloads.grant_producer(nightly.governed_function)
        payloads.grant_consumer(reports.governed_function)
        # the report producer publishes ReportReady events to the default bus
        nightly.governed_function.add_environment("EVENT_SOURCE", "shop.reports")
        events.EventBus.from_event_bus_name(self, "DefaultBus", "default").grant_put_events_to(
            nightly.governed_function.function
        )
        self.consumers = [orders, reports]


def build(app: Construct) -> list[Stack]:
    return [EventDrivenStack(app, "PavedRoadEventDriven")]

"""The event transport sample: two stacks in one app.

* ``PavedRoadEventsCentral`` (the security account): a ``CentralEventBus`` that accepts
  events only from the example organization, routes IAM and security group changes to
  a priority queue (drained by a triage function) and everything else to a standard
  queue.
* ``PavedRoadEventsMember`` (every member account): an ``EventBusForwarder`` that sends
  only the IAM and EC2 security group CloudTrail management events to the central bus,
  so the member account pays cross-account delivery for nothing else.

Both stacks are environment-agnostic: the member stack builds the central bus ARN from
the central account id and the bus name below plus its own Region (no lookup). Deploy
the central stack first, then the member stack in each member account, in the same
Region; IAM's events are delivered only in us-east-1, so collect there (or deploy a
second member stack in us-east-1 with ``allow_cross_region=True``). See
docs/event_transport.md.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from paved_road import Criticality, QueueConsumer
from paved_road.transport import (
    SECURITY_GROUP_EVENT_NAMES,
    CentralEventBus,
    EventBusForwarder,
    ForwardedEvents,
)

ORGANIZATION_ID = "o-exampleorgid1"
"""Replace with your organization's id (``aws organizations describe-organization``)."""
CENTRAL_ACCOUNT = "111122223333"
"""Replace with the account that deploys ``PavedRoadEventsCentral``."""
CENTRAL_BUS_NAME = "paved-road-central-activity"

TRIAGE_CODE = """
import json

def handler(event, context):
    for record in event["Records"]:
        activity = json.loads(record["body"])
        detail = activity.get("detail", {})
        print(json.dumps({
            "account": activity.get("account"),
            "eventSource": detail.get("eventSource"),
            "eventName": detail.get("eventName"),
        }))
    return {"batchItemFailures": []}
"""


class EventsCentralStack(Stack):
    def __init__(
        self, scope: Construct, id: str, *, organization_id: str, event_bus_name: str
    ) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: central event bus for multi-account activity "
            "(organization-scoped bus policy, priority routing of security changes)",
        )
        self.activity = CentralEventBus(
            self,
            "Activity",
            organization_id=organization_id,
            event_bus_name=event_bus_name,
        )
        assert self.activity.priority_queue is not None
        self.triage = QueueConsumer(
            self,
            "SecurityTriage",
            existing_queue=self.activity.priority_queue,
            function_props={
                "code": lambda_.Code.from_inline(TRIAGE_CODE),
                "handler": "index.handler",
                "criticality": Criticality.IMPORTANT,
            },
        )


class EventsMemberStack(Stack):
    def __init__(
        self, scope: Construct, id: str, *, central_account: str, event_bus_name: str
    ) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: forward IAM and security group CloudTrail "
            "events to the central event bus",
        )
        self.forwarder = EventBusForwarder(
            self,
            "SecurityActivity",
            central_bus_arn=CentralEventBus.arn(central_account, event_bus_name),
            event_pattern=ForwardedEvents.cloudtrail(
                {
                    "iam.amazonaws.com": None,
                    "ec2.amazonaws.com": SECURITY_GROUP_EVENT_NAMES,
                }
            ),
        )


def build(app: Construct) -> list[Stack]:
    return [
        EventsCentralStack(
            app,
            "PavedRoadEventsCentral",
            organization_id=ORGANIZATION_ID,
            event_bus_name=CENTRAL_BUS_NAME,
        ),
        EventsMemberStack(
            app,
            "PavedRoadEventsMember",
            central_account=CENTRAL_ACCOUNT,
            event_bus_name=CENTRAL_BUS_NAME,
        ),
    ]

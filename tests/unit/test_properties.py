"""Property tests: the construct's derived settings always satisfy the guardrails."""

from __future__ import annotations

import datetime

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from hypothesis import given, settings
from hypothesis import strategies as st

from paved_road import QueueConsumer
from paved_road.guardrails.rule import ResourceView
from paved_road.guardrails.rules import SQS_VISIBILITY_TIMEOUT
from tests.conftest import new_stack, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


@settings(max_examples=25, deadline=None)
@given(timeout_s=st.integers(1, 900), window_s=st.integers(0, 300))
def test_derived_visibility_timeout_satisfies_the_rule(timeout_s: int, window_s: int) -> None:
    # GIVEN any function timeout and batching window the service accepts
    stack = new_stack()
    QueueConsumer(
        stack,
        "C",
        queue_props=sqs.QueueProps(),
        function_props={
            "code": CODE,
            "handler": "index.handler",
            "timeout": Duration.seconds(timeout_s),
        },
        max_batching_window=Duration.seconds(window_s) if window_s else None,
    )
    # WHEN the synthesized mapping is checked by PavedRoad-SqsVisibilityTimeout
    resources = template(stack).to_json()["Resources"]
    (mapping_id,) = [
        k for k, v in resources.items() if v["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    view = ResourceView(
        logical_id=mapping_id,
        type="AWS::Lambda::EventSourceMapping",
        properties=resources[mapping_id]["Properties"],
        template={"Resources": resources},
        today=datetime.date(2026, 11, 23),
    )
    # THEN it is compliant, and the visibility timeout is exactly 6 x timeout + window
    assert SQS_VISIBILITY_TIMEOUT.check(view) is None
    (queue,) = [
        v
        for v in resources.values()
        if v["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in v["Properties"]
    ]
    assert queue["Properties"]["VisibilityTimeout"] == 6 * timeout_s + window_s

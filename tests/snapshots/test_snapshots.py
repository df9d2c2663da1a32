"""One reviewed snapshot per construct / blueprint default, with its resource count.

Build-dependent values are normalized so snapshots are stable across machines:
asset hashes (S3 keys, asset metadata) become ``<asset-hash>``. Every snapshot
template also passes cfn-lint with no errors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from paved_road import GovernedFunction, QueueConsumer
from paved_road_blueprints import EventProcessingService
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, template

HASH = re.compile(r"\b[0-9a-f]{64}\b")
INLINE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def normalized(stack: Stack) -> dict[str, Any]:
    text = json.dumps(template(stack).to_json(), sort_keys=True)
    return json.loads(HASH.sub("<asset-hash>", text))  # type: ignore[no-any-return]


def governed_function(stack: Stack) -> None:
    GovernedFunction(stack, "Fn", code=INLINE, handler="index.handler")


def queue_consumer(stack: Stack) -> None:
    QueueConsumer(
        stack,
        "Orders",
        queue_props=sqs.QueueProps(),
        function_props={"code": INLINE, "handler": "index.handler"},
    )


def event_processing_service(stack: Stack) -> None:
    EventProcessingService(stack, "Orders")


CASES: dict[str, tuple[Callable[[Stack], None], int]] = {
    # name: (builder, expected resource count)
    "governed_function": (governed_function, 4),
    "queue_consumer": (queue_consumer, 13),
    "event_processing_service": (event_processing_service, 17),
}


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_snapshot(name: str, json_snapshot: SnapshotAssertion) -> None:
    build, expected_resources = CASES[name]
    stack = new_stack(name="Snap")
    build(stack)
    tpl = normalized(stack)
    assert len(tpl["Resources"]) == expected_resources
    assert lint_errors(tpl) == []
    assert tpl == json_snapshot

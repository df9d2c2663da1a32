"""paved-road: governed serverless constructs for the AWS CDK (Python).

Public API (names are a contract)::

    from paved_road import GovernedFunction, Criticality, QueueConsumer, PavedRoadError
    from paved_road.guardrails import PavedRoadChecks, enforce
"""

from paved_road.errors import PavedRoadError
from paved_road.function import Criticality, GovernedFunction, GovernedFunctionProps
from paved_road.queue_consumer import QueueConsumer, QueueConsumerAlarms

__all__ = [
    "Criticality",
    "GovernedFunction",
    "GovernedFunctionProps",
    "PavedRoadError",
    "QueueConsumer",
    "QueueConsumerAlarms",
]

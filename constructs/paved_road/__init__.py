"""paved-road: governed serverless constructs for the AWS CDK (Python).

Public API (names are a contract)::

    from paved_road import GovernedFunction, Criticality, QueueConsumer, PavedRoadError
    from paved_road import TenantIsolatedFunction, TenantFunctionFleet, Tenant
    from paved_road import KafkaConsumer, KafkaSource, PollerSizing
    from paved_road import GovernedRestApi, RoutingRules, StreamingFunction
    from paved_road import TrafficShift, ProvisionedConcurrency, RuntimeComplianceRule
    from paved_road import ScheduledFunction, EventConsumer, CentralDeadLetterQueue, ClaimCheck
    from paved_road import CentralEventBus, EventBusForwarder, ForwardedEvents
    from paved_road.guardrails import PavedRoadChecks, enforce

Names are imported on first use (PEP 562) so that the ``paved-road`` command
(``paved_road.cli``) starts without loading aws-cdk-lib and its Node runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from paved_road.errors import PavedRoadError

if TYPE_CHECKING:
    from paved_road.claim_check import ClaimCheck
    from paved_road.compliance import RuntimeComplianceRule
    from paved_road.deployment import ProgressiveDelivery, ProvisionedConcurrency, Workload
    from paved_road.events import (
        CentralDeadLetterQueue,
        DeadLetterAlarms,
        EventConsumer,
        EventConsumerAlarms,
    )
    from paved_road.function import (
        Criticality,
        DeliveryProps,
        GovernedFunction,
        GovernedFunctionProps,
        Invocation,
    )
    from paved_road.governance import (
        CriticalityMatrix,
        RollbackAlarms,
        RuntimeManagement,
        ShiftKind,
        TierPolicy,
        TrafficShift,
    )
    from paved_road.kafka import (
        KafkaAuth,
        KafkaConsumer,
        KafkaConsumerAlarms,
        KafkaSource,
        PollerSizing,
    )
    from paved_road.queue_consumer import QueueConsumer, QueueConsumerAlarms
    from paved_road.rest_api import CustomDomain, GovernedDomainName, GovernedRestApi
    from paved_road.routing import RouteMatch, RoutingMode, RoutingRules
    from paved_road.schedule import ScheduledFunction, ScheduledFunctionAlarms
    from paved_road.streaming import StreamingFunction, StreamingLanguage
    from paved_road.tenancy import (
        Tenant,
        TenantAuthorizer,
        TenantFunctionFleet,
        TenantIdSource,
        TenantIsolatedFunction,
    )
    from paved_road.traffic_hook import SmokeTestHook
    from paved_road.transport import (
        CentralEventBus,
        CentralEventBusAlarms,
        EventBusForwarder,
        EventBusForwarderAlarms,
        ForwardedEvents,
    )

_LAZY = {
    "CentralEventBus": "paved_road.transport",
    "CentralEventBusAlarms": "paved_road.transport",
    "EventBusForwarder": "paved_road.transport",
    "EventBusForwarderAlarms": "paved_road.transport",
    "ForwardedEvents": "paved_road.transport",
    "ClaimCheck": "paved_road.claim_check",
    "CentralDeadLetterQueue": "paved_road.events",
    "DeadLetterAlarms": "paved_road.events",
    "EventConsumer": "paved_road.events",
    "EventConsumerAlarms": "paved_road.events",
    "ScheduledFunction": "paved_road.schedule",
    "ScheduledFunctionAlarms": "paved_road.schedule",
    "Criticality": "paved_road.governance",
    "DeliveryProps": "paved_road.function",
    "CriticalityMatrix": "paved_road.governance",
    "ProgressiveDelivery": "paved_road.deployment",
    "ProvisionedConcurrency": "paved_road.deployment",
    "RollbackAlarms": "paved_road.governance",
    "RuntimeComplianceRule": "paved_road.compliance",
    "RuntimeManagement": "paved_road.governance",
    "ShiftKind": "paved_road.governance",
    "SmokeTestHook": "paved_road.traffic_hook",
    "TierPolicy": "paved_road.governance",
    "TrafficShift": "paved_road.governance",
    "Workload": "paved_road.deployment",
    "GovernedFunction": "paved_road.function",
    "GovernedFunctionProps": "paved_road.function",
    "Invocation": "paved_road.function",
    "KafkaAuth": "paved_road.kafka",
    "KafkaConsumer": "paved_road.kafka",
    "KafkaConsumerAlarms": "paved_road.kafka",
    "KafkaSource": "paved_road.kafka",
    "PollerSizing": "paved_road.kafka",
    "CustomDomain": "paved_road.rest_api",
    "GovernedDomainName": "paved_road.rest_api",
    "GovernedRestApi": "paved_road.rest_api",
    "QueueConsumer": "paved_road.queue_consumer",
    "QueueConsumerAlarms": "paved_road.queue_consumer",
    "RouteMatch": "paved_road.routing",
    "RoutingMode": "paved_road.routing",
    "RoutingRules": "paved_road.routing",
    "StreamingFunction": "paved_road.streaming",
    "StreamingLanguage": "paved_road.streaming",
    "Tenant": "paved_road.fleet",
    "TenantAuthorizer": "paved_road.tenancy",
    "TenantFunctionFleet": "paved_road.fleet",
    "TenantIdSource": "paved_road.tenancy",
    "TenantIsolatedFunction": "paved_road.tenancy",
}

__all__ = [
    "CentralDeadLetterQueue",
    "CentralEventBus",
    "CentralEventBusAlarms",
    "ClaimCheck",
    "Criticality",
    "CriticalityMatrix",
    "CustomDomain",
    "DeadLetterAlarms",
    "DeliveryProps",
    "EventBusForwarder",
    "EventBusForwarderAlarms",
    "EventConsumer",
    "EventConsumerAlarms",
    "ForwardedEvents",
    "GovernedDomainName",
    "GovernedFunction",
    "GovernedFunctionProps",
    "GovernedRestApi",
    "Invocation",
    "KafkaAuth",
    "KafkaConsumer",
    "KafkaConsumerAlarms",
    "KafkaSource",
    "PavedRoadError",
    "PollerSizing",
    "ProgressiveDelivery",
    "ProvisionedConcurrency",
    "QueueConsumer",
    "QueueConsumerAlarms",
    "RollbackAlarms",
    "RouteMatch",
    "RoutingMode",
    "RoutingRules",
    "RuntimeComplianceRule",
    "RuntimeManagement",
    "ScheduledFunction",
    "ScheduledFunctionAlarms",
    "ShiftKind",
    "SmokeTestHook",
    "StreamingFunction",
    "StreamingLanguage",
    "Tenant",
    "TenantAuthorizer",
    "TenantFunctionFleet",
    "TenantIdSource",
    "TenantIsolatedFunction",
    "TierPolicy",
    "TrafficShift",
    "Workload",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'paved_road' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

"""The PavedRoad guardrail rules, one per module, named after the rule."""

from paved_road.guardrails.rules.api_tenant_id_from_client import RULE as API_TENANT_ID_FROM_CLIENT
from paved_road.guardrails.rules.event_target_dead_letter_queue import (
    RULE as EVENT_TARGET_DEAD_LETTER_QUEUE,
)
from paved_road.guardrails.rules.fleet_stack_resource_budget import (
    RULE as FLEET_STACK_RESOURCE_BUDGET,
)
from paved_road.guardrails.rules.kafka_batching_window import RULE as KAFKA_BATCHING_WINDOW
from paved_road.guardrails.rules.kafka_function_timeout_batch import (
    RULE as KAFKA_FUNCTION_TIMEOUT_BATCH,
)
from paved_road.guardrails.rules.kafka_mapping_on_failure_destination import (
    RULE as KAFKA_MAPPING_ON_FAILURE_DESTINATION,
)
from paved_road.guardrails.rules.kafka_provisioned_pollers import (
    RULE as KAFKA_PROVISIONED_POLLERS,
)
from paved_road.guardrails.rules.lambda_active_tracing import RULE as LAMBDA_ACTIVE_TRACING
from paved_road.guardrails.rules.lambda_async_on_failure_destination import (
    RULE as LAMBDA_ASYNC_ON_FAILURE_DESTINATION,
)
from paved_road.guardrails.rules.lambda_critical_deployment import (
    RULE as LAMBDA_CRITICAL_DEPLOYMENT,
)
from paved_road.guardrails.rules.lambda_json_logs import RULE as LAMBDA_JSON_LOGS
from paved_road.guardrails.rules.lambda_provisioned_concurrency_autoscaling import (
    RULE as LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING,
)
from paved_road.guardrails.rules.lambda_runtime_deprecated import RULE as LAMBDA_RUNTIME_DEPRECATED
from paved_road.guardrails.rules.lambda_runtime_horizon import RULE as LAMBDA_RUNTIME_HORIZON
from paved_road.guardrails.rules.lambda_tenant_isolation_json_logs import (
    RULE as LAMBDA_TENANT_ISOLATION_JSON_LOGS,
)
from paved_road.guardrails.rules.rest_api_access_log_tls import RULE as REST_API_ACCESS_LOG_TLS
from paved_road.guardrails.rules.rest_api_domain_policy_alignment import (
    RULE as REST_API_DOMAIN_POLICY_ALIGNMENT,
)
from paved_road.guardrails.rules.rest_api_enhanced_tls_policy import (
    RULE as REST_API_ENHANCED_TLS_POLICY,
)
from paved_road.guardrails.rules.rest_api_streaming_integration import (
    RULE as REST_API_STREAMING_INTEGRATION,
)
from paved_road.guardrails.rules.rest_api_strict_access_mode import (
    RULE as REST_API_STRICT_ACCESS_MODE,
)
from paved_road.guardrails.rules.routing_rule_only_catch_all import (
    RULE as ROUTING_RULE_ONLY_CATCH_ALL,
)
from paved_road.guardrails.rules.routing_rule_priority_unique import (
    RULE as ROUTING_RULE_PRIORITY_UNIQUE,
)
from paved_road.guardrails.rules.scheduler_flexible_time_window import (
    RULE as SCHEDULER_FLEXIBLE_TIME_WINDOW,
)
from paved_road.guardrails.rules.sqs_mapping_batch_item_failures import (
    RULE as SQS_MAPPING_BATCH_ITEM_FAILURES,
)
from paved_road.guardrails.rules.sqs_mapping_redrive_policy import (
    RULE as SQS_MAPPING_REDRIVE_POLICY,
)
from paved_road.guardrails.rules.sqs_queue_policy_open import RULE as SQS_QUEUE_POLICY_OPEN
from paved_road.guardrails.rules.sqs_visibility_timeout import RULE as SQS_VISIBILITY_TIMEOUT
from paved_road.guardrails.rules.untrusted_tenant_role_allow import (
    RULE as UNTRUSTED_TENANT_ROLE_ALLOW,
)

ALL_RULES = (
    LAMBDA_RUNTIME_DEPRECATED,
    LAMBDA_RUNTIME_HORIZON,
    LAMBDA_CRITICAL_DEPLOYMENT,
    LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING,
    LAMBDA_JSON_LOGS,
    LAMBDA_ACTIVE_TRACING,
    SQS_MAPPING_BATCH_ITEM_FAILURES,
    SQS_MAPPING_REDRIVE_POLICY,
    SQS_VISIBILITY_TIMEOUT,
    LAMBDA_TENANT_ISOLATION_JSON_LOGS,
    API_TENANT_ID_FROM_CLIENT,
    UNTRUSTED_TENANT_ROLE_ALLOW,
    FLEET_STACK_RESOURCE_BUDGET,
    KAFKA_MAPPING_ON_FAILURE_DESTINATION,
    KAFKA_PROVISIONED_POLLERS,
    KAFKA_BATCHING_WINDOW,
    KAFKA_FUNCTION_TIMEOUT_BATCH,
    REST_API_ENHANCED_TLS_POLICY,
    REST_API_DOMAIN_POLICY_ALIGNMENT,
    REST_API_STRICT_ACCESS_MODE,
    REST_API_STREAMING_INTEGRATION,
    ROUTING_RULE_ONLY_CATCH_ALL,
    ROUTING_RULE_PRIORITY_UNIQUE,
    REST_API_ACCESS_LOG_TLS,
    SCHEDULER_FLEXIBLE_TIME_WINDOW,
    EVENT_TARGET_DEAD_LETTER_QUEUE,
    LAMBDA_ASYNC_ON_FAILURE_DESTINATION,
    SQS_QUEUE_POLICY_OPEN,
)

__all__ = [
    "ALL_RULES",
    "API_TENANT_ID_FROM_CLIENT",
    "EVENT_TARGET_DEAD_LETTER_QUEUE",
    "FLEET_STACK_RESOURCE_BUDGET",
    "KAFKA_BATCHING_WINDOW",
    "KAFKA_FUNCTION_TIMEOUT_BATCH",
    "KAFKA_MAPPING_ON_FAILURE_DESTINATION",
    "KAFKA_PROVISIONED_POLLERS",
    "LAMBDA_ACTIVE_TRACING",
    "LAMBDA_ASYNC_ON_FAILURE_DESTINATION",
    "LAMBDA_CRITICAL_DEPLOYMENT",
    "LAMBDA_JSON_LOGS",
    "LAMBDA_PROVISIONED_CONCURRENCY_AUTOSCALING",
    "LAMBDA_RUNTIME_DEPRECATED",
    "LAMBDA_RUNTIME_HORIZON",
    "LAMBDA_TENANT_ISOLATION_JSON_LOGS",
    "REST_API_ACCESS_LOG_TLS",
    "REST_API_DOMAIN_POLICY_ALIGNMENT",
    "REST_API_ENHANCED_TLS_POLICY",
    "REST_API_STREAMING_INTEGRATION",
    "REST_API_STRICT_ACCESS_MODE",
    "ROUTING_RULE_ONLY_CATCH_ALL",
    "ROUTING_RULE_PRIORITY_UNIQUE",
    "SCHEDULER_FLEXIBLE_TIME_WINDOW",
    "SQS_MAPPING_BATCH_ITEM_FAILURES",
    "SQS_MAPPING_REDRIVE_POLICY",
    "SQS_QUEUE_POLICY_OPEN",
    "SQS_VISIBILITY_TIMEOUT",
    "UNTRUSTED_TENANT_ROLE_ALLOW",
]

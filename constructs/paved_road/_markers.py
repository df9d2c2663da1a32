"""Tag keys and template metadata keys that constructs write and guardrail rules read.

Kept in a module of their own (no aws-cdk-lib import) so that the rules in
:mod:`paved_road.guardrails.rules` and the constructs agree on one spelling.
"""

from __future__ import annotations

TENANT_TAG = "tenant"
"""Cost-allocation tag: the tenant a fleet function (and its role) belongs to."""

TRUST_TAG = "tenant-trust"
"""Tag on fleet functions and roles: ``trusted`` or ``untrusted`` (tenant-supplied code)."""

TRUSTED = "trusted"
UNTRUSTED = "untrusted"

FLEET_METADATA_KEY = "PavedRoad::Fleet"
"""Template-level ``Metadata`` key of a fleet shard stack: ``{"Fleet": <construct path>,
"Shard": <n>, "MaxResources": <int>, "MaxTemplateBytes": <int>}``."""

TENANT_ID_HEADER = "X-Amz-Tenant-Id"
"""The Lambda Invoke header that carries the tenant id of a tenant-isolated function."""

TENANT_ID_INTEGRATION_PARAMETER = f"integration.request.header.{TENANT_ID_HEADER}"
"""API Gateway integration request parameter that sets :data:`TENANT_ID_HEADER`."""

DENY_ALL_POLICY_NAME = "AWSDenyAll"
"""AWS managed policy that explicitly denies every action."""

RECORD_PROCESSING_METADATA = "PavedRoad::RecordProcessingMillis"
"""Resource ``Metadata`` key on a Kafka event source mapping: the expected handler time per
record in milliseconds (KafkaConsumer's ``record_processing_time``), which the
PavedRoad-KafkaFunctionTimeoutBatch rule multiplies by the batch size."""

PRODUCTION_METADATA = "PavedRoad::Production"
"""Resource ``Metadata`` key (``true``) on the REST API and custom domain of a
GovernedRestApi built with ``production=True``: the PavedRoad-RestApiStrictAccessMode rule
warns when such a resource is not in STRICT endpoint access mode."""

"""Every paved-road sample app in one CDK app, under the guardrails.

``cdk.json`` runs this file: ``cdk synth`` synthesizes every sample stack into
``cdk.out/`` and fails on an unacknowledged error-level finding (warnings fail too
with ``-c paved-road:strict=true``).
"""

from __future__ import annotations

import event_driven.stack as event_driven
import event_processing.stack as event_processing
import event_transport.stack as event_transport
import kafka_stream.stack as kafka_stream
import multi_tenant_api.stack as multi_tenant_api
import runtime_governance.stack as runtime_governance
import streaming_api.stack as streaming_api
import tenant_code_runner.stack as tenant_code_runner
import tenant_fleet.stack as tenant_fleet
import versioned_api.stack as versioned_api
from aws_cdk import App

from paved_road.guardrails import enforce

SAMPLES = (
    event_processing,
    multi_tenant_api,
    tenant_code_runner,
    tenant_fleet,
    kafka_stream,
    streaming_api,
    versioned_api,
    runtime_governance,
    event_driven,
    event_transport,
)


def main() -> App:
    app = App()
    for sample in SAMPLES:
        sample.build(app)
    enforce(app, strict=str(app.node.try_get_context("paved-road:strict")).lower() == "true")
    app.synth()
    return app


if __name__ == "__main__":
    main()

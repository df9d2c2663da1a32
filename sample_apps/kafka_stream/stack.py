"""The KafkaStreamProcessor sample: an MSK topic processed in provisioned mode.

The cluster ARN is a stack parameter (no lookups: the stack synthesizes without AWS
credentials); the default is a placeholder in the documentation account range.
Provisioned pollers come from ``PollerSizing.from_throughput`` for a 12-partition topic
peaking at 40 MB/s of 2 KB records.
"""

from __future__ import annotations

from aws_cdk import CfnParameter, Duration, Stack
from constructs import Construct

from paved_road import Criticality, KafkaSource, PollerSizing
from paved_road_blueprints import KafkaStreamProcessor, StreamOutput

EXAMPLE_CLUSTER_ARN = (
    "arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0f2e4d6c-8b1a-4c3e-9f5d-7a6b5c4d3e2f-3"
)


class KafkaStreamStack(Stack):
    def __init__(self, scope: Construct, id: str, *, output: StreamOutput) -> None:
        super().__init__(
            scope,
            id,
            description="paved-road sample: MSK topic -> Lambda (provisioned pollers) -> "
            f"{output.name} (KafkaStreamProcessor)",
        )
        cluster_arn = CfnParameter(
            self,
            "ClusterArn",
            description="ARN of the MSK cluster holding the 'orders' topic (IAM access control).",
            default=EXAMPLE_CLUSTER_ARN,
            allowed_pattern=r"arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster/[^/]+/[^/]+",
        )
        self.sizing = PollerSizing.from_throughput(
            peak_mb_per_s=40, partitions=12, average_record_kb=2
        )
        self.processor = KafkaStreamProcessor(
            self,
            "Orders",
            source=KafkaSource.msk(cluster_arn.value_as_string),
            topic="orders",
            output=output,
            criticality=Criticality.IMPORTANT,
            poller_sizing=self.sizing,
            batch_size=500,
            max_batching_window=Duration.seconds(2),
            filters=[{"value": {"type": ["order_created", "order_updated"]}}],
        )


def build(app: Construct) -> list[Stack]:
    return [
        KafkaStreamStack(app, "PavedRoadKafkaToS3", output=StreamOutput.S3),
        KafkaStreamStack(app, "PavedRoadKafkaToSqs", output=StreamOutput.SQS),
    ]

"""paved-road blueprints: composed, opinionated services built only from paved_road
constructs.

    from paved_road_blueprints import EventProcessingService, MultiTenantApi, TenantCodeRunner
    from paved_road_blueprints import KafkaStreamProcessor, StreamOutput
    from paved_road_blueprints import StreamingApi, VersionedApi
"""

from paved_road_blueprints.event_processing import EventProcessingService
from paved_road_blueprints.kafka_stream import KafkaStreamProcessor, StreamOutput
from paved_road_blueprints.multi_tenant_api import MultiTenantApi
from paved_road_blueprints.streaming_api import StreamingApi
from paved_road_blueprints.tenant_code_runner import Snippet, TenantCodeRunner
from paved_road_blueprints.versioned_api import VersionedApi

__all__ = [
    "EventProcessingService",
    "KafkaStreamProcessor",
    "MultiTenantApi",
    "Snippet",
    "StreamOutput",
    "StreamingApi",
    "TenantCodeRunner",
    "VersionedApi",
]

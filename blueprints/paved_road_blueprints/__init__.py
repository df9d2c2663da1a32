"""paved-road blueprints: composed, opinionated services built only from paved_road
constructs.

    from paved_road_blueprints import EventProcessingService
"""

from paved_road_blueprints.event_processing import EventProcessingService

__all__ = ["EventProcessingService"]

"""The original SDK's event module, name for name (`EventType`, `BaseEvent`, the event classes and
every `create_<type>_event` factory); they live in `business_telemetry.events`.
"""

from business_telemetry.events import catalog as _catalog
from business_telemetry.events.catalog import *  # noqa: F403

__all__ = _catalog.__all__

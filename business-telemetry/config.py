"""The service's and the SDK's settings, under the name the original SDK's callers import.

The settings live in `business_telemetry.config`; this module only keeps the original name.
"""

from business_telemetry.config import *  # noqa: F403

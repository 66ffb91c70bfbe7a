"""Business telemetry: event models, the async SDK, the ingestion service and its sinks."""

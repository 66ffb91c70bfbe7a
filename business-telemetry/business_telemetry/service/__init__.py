"""The ingestion service: HTTP intake, the durable spool, and delivery to the sinks."""

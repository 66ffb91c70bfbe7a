"""The HTTP ingestion service internals: request models, durable spool, drainer, routes."""

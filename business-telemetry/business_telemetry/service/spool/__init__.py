"""The durable spool on disk: segment files, the writer, and the views readers share."""

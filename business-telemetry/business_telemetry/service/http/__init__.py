"""The request side: routes, request models, validation and encoding into spool records."""

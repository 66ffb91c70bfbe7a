"""The business event envelope, its typed payloads, categories and factories."""

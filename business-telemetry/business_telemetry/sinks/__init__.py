"""Sinks: where spooled business events are delivered, all behind the protocol in `base`."""

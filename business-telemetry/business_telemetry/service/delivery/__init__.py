"""The delivery side: the drainer (in its child process) pumping spooled events to sinks."""

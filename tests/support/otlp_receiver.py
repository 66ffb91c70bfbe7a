"""The tests' OTLP receiver lives in devtools (`make traces` runs it too); imported from here."""

from devtools.otlp_receiver import OtlpReceiver, ReceivedSpan

__all__ = ["OtlpReceiver", "ReceivedSpan"]

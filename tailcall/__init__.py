"""tailcall: on-premise intelligent outbound calling with live human handoff."""

__version__ = "0.1.0"

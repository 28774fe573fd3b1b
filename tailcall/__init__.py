"""tailcall: on-premise intelligent outbound calling with live human handoff.

This package is the composition root: the app factory and its route policy, the CLI
root, the assembly of a live call and the finished-call record. It is the only package
that knows every subsystem.
"""

from kernel import __version__

__all__ = ["__version__"]

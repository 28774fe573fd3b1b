"""The kernel: what every subsystem stands on and that imports none of them.

Settings, the database (engine, sessions, the shared declarative base, migrations), the
clock, user-facing errors, leases, time zones, privacy masking, and the vocabulary the
subsystems share (grades, handoff results, the stream-start contract).
"""

__version__ = "0.1.0"

"""The agent console and live handoff: users and roles, presence, routing, reservations,
alerts over numbered websocket events, live takeover audio, follow-ups, supervision."""

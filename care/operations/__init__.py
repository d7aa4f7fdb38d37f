"""How the running system is doing: heartbeats of the scheduled tasks and dispatch processes."""

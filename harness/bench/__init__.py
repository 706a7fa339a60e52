"""Client side of a bench: device handles the suites talk to (see api.py)."""

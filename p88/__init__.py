"""p88: a race-timing server in one process."""

__version__ = "0.1.0"

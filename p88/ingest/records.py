"""Moved to p88.reads (the record types sit below both ingest and the hub). This name stays
only until p88.web.views.sessions_live, outside the collector's area, imports p88.reads."""

from p88.reads import StoredRead

__all__ = ["StoredRead"]

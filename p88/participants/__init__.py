"""Participants: CSV import with column mapping and row-by-row validation, and their queries."""

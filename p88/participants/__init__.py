"""Participants: CSV import with column mapping and row-by-row validation. Their records and
queries are p88.db.participants'."""

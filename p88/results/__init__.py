"""Results: the rules (reads + setup + participants + guns + corrections -> times, statuses,
places), the incremental engine that keeps them current, problems and the CSV. Pure: no
database, no web. docs/RESULTS.md explains the rules."""

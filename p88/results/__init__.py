"""Results: pure functions from reads, participants and gun times to times, places and flags."""

"""The race clock: a session's local gun time placed in its time zone, as epoch ms."""

from __future__ import annotations

from datetime import UTC, datetime

from p88.live.race_clock import epoch_ms

NINE = datetime(2026, 5, 8, 9, 0, 0)


def test_the_local_gun_is_placed_in_the_sessions_time_zone() -> None:
    utc = datetime(2026, 5, 8, 9, 0, tzinfo=UTC).timestamp() * 1000
    assert epoch_ms(NINE, "UTC") == utc
    assert epoch_ms(NINE, "Europe/Stockholm") == utc - 2 * 3600 * 1000  # summer time, UTC+2
    assert epoch_ms(NINE, "Not/AZone") is None

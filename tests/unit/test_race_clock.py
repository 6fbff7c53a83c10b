"""The builder preview's race clock: which gun is the session's, and its epoch time."""

from __future__ import annotations

from datetime import UTC, datetime

from p88.live.race_clock import epoch_ms, gun_epoch_ms, session_gun

NINE = datetime(2026, 5, 8, 9, 0, 0)
NINE_THIRTY = datetime(2026, 5, 8, 9, 30, 0)


def test_the_gun_of_runners_without_a_wave_is_the_sessions_gun() -> None:
    guns = [(NINE, None, "hardware"), (NINE_THIRTY, "", "manual")]
    assert session_gun(guns) == NINE_THIRTY  # a manual gun for no wave wins


def test_with_only_wave_guns_the_earliest_starts_the_clock() -> None:
    assert session_gun([(NINE_THIRTY, "B", "manual"), (NINE, "A", "manual")]) == NINE
    assert session_gun([]) is None


def test_the_local_gun_is_placed_in_the_sessions_time_zone() -> None:
    utc = datetime(2026, 5, 8, 9, 0, tzinfo=UTC).timestamp() * 1000
    assert epoch_ms(NINE, "UTC") == utc
    assert epoch_ms(NINE, "Europe/Stockholm") == utc - 2 * 3600 * 1000  # summer time, UTC+2
    assert epoch_ms(NINE, "Not/AZone") is None
    assert gun_epoch_ms([(NINE, None, "hardware")], "UTC") == utc
    assert gun_epoch_ms([], "UTC") is None

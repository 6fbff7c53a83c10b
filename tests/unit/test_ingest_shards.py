"""Which shard writes a connection's reads, and when a writer skips deduplication."""

from __future__ import annotations

from pathlib import Path

from p88.hub import Hub
from p88.ingest.direct_copy import MAX_DIRECT_SKIPS, NewReadsGuess
from p88.ingest.journal import Journal
from p88.ingest.resume import ResumeTracker
from p88.ingest.shards import Ingest
from p88.stats import Stats


def ingest(tmp_path: Path, shards: int) -> Ingest:
    # The pool is never touched: only the assignment of connections to shards runs here.
    journal = Journal(tmp_path / "journal")
    return Ingest(None, journal, Hub(), Stats(), ResumeTracker(), shards=shards)  # type: ignore[arg-type]


def shard_of(ingest: Ingest, connection_id: str) -> int:
    channel = ingest.channel_for(connection_id)
    return next(i for i, w in enumerate(ingest.writers) if w.send_channel is channel)


def test_connections_spread_evenly_and_keep_their_shard(tmp_path: Path) -> None:
    shards = ingest(tmp_path, 3)
    ids = [f"S{n:05X}" for n in range(20)]
    first = {cid: shard_of(shards, cid) for cid in ids}
    assert sorted(list(first.values()).count(s) for s in range(3)) == [6, 7, 7]
    # A reconnect (same middleware connection id) goes back to the shard that holds its
    # earlier reads, whatever came in between.
    shard_of(shards, "newcomer")
    assert {cid: shard_of(shards, cid) for cid in reversed(ids)} == first


def test_a_wrong_guess_backs_off_and_a_right_one_resets() -> None:
    guess = NewReadsGuess()
    assert guess.expect_new
    # A rewind: every try finds repeats; the dedup batches between tries double each time.
    between = []
    for _ in range(9):
        assert guess.expect_new
        guess.note(fell_back=True)
        skipped = 0
        while not guess.expect_new:
            guess.note(fell_back=False)
            skipped += 1
        between.append(skipped)
    assert between == [1, 2, 4, 8, 16, 32, 64, 64, 64]
    assert MAX_DIRECT_SKIPS == 64
    # New reads again: one good batch resets the backoff.
    guess.note(fell_back=False)
    guess.note(fell_back=True)
    assert not guess.expect_new
    guess.note(fell_back=False)
    assert guess.expect_new

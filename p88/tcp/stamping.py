"""One connection's reads, stamped with partner, session, point and receive time for ingest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import repeat
from zoneinfo import ZoneInfo

from p88.reads import SessionKey, StampedRead, stamped_read_of_fields
from p88.tcp.events import GunTime, PlainReads, TagRead
from p88.tcp.wallclock import WallTime, parse_wall_time, to_local_datetime

MAX_EARLY_READS = 50_000
"""Reads held while the handshake is under way (clients that stream unasked)."""


class ConnectionReads:
    """Stamps what one connection sends into StampedReads, gathered into `batch`.

    Reads that arrive before the partner and event are known are held (up to
    MAX_EARLY_READS) and stamped once they are. The session is fixed by the first read: its
    date when the time carries one (iso, unix), else today's date in the event's time zone.
    It stays fixed for the connection, so a race that runs past midnight remains one session.
    """

    def __init__(
        self,
        timezone: str,
        last_sequences: dict[str, int],
        on_dropped: Callable[[str], None],
    ) -> None:
        self.timezone = timezone
        self.last_sequences = last_sequences  # point -> last sequence received, kept up to date
        self.on_dropped = on_dropped  # told why a read was dropped
        self.connection_id = ""
        self.session: SessionKey | None = None
        self.batch: list[StampedRead] = []
        self.received_at = datetime.now(UTC)  # when the current chunk came off the socket
        self._partner_id: int | None = None
        self._event = ""
        self._early: list[TagRead | GunTime] = []
        # One string object per point name: ingest recognises a run of one point's reads by
        # identity instead of hashing every one, and memory holds each name once.
        self._point_names: dict[str, str] = {}

    def start(self, partner_id: int, connection_id: str, event: str) -> None:
        """Partner, connection id and event are known: stamp the reads held until now."""
        self._partner_id, self.connection_id, self._event = partner_id, connection_id, event
        early, self._early = self._early, []
        for line in early:
            self.add_line(line)

    def add_run(self, reads: PlainReads) -> None:
        if self.session is None:
            for line in reads.tag_reads():  # the first read decides the session
                self.add_line(line)
            return
        # An ISO time is already the local datetime.
        self._stamp(
            self.session,
            reads.locations,
            reads.sequences,
            reads.tags,
            reads.whens,
            reads.laps,
            reads.reader_ids,
            reads.gators,
            is_gun=False,
        )

    def add_line(self, line: TagRead | GunTime) -> None:
        if self._partner_id is None:
            if len(self._early) < MAX_EARLY_READS:
                self._early.append(line)
            else:
                self.on_dropped("more reads before the handshake ended than are held")
            return
        try:
            when = line.when if line.when is not None else parse_wall_time(line.time)
        except ValueError as exc:
            self.on_dropped(f"bad time {line.time!r}: {exc}")
            return
        session = self._session_for(when)
        local_time = to_local_datetime(when, session.day)
        if isinstance(line, GunTime):
            tag, lap, gator, is_gun = "", 0, 0, True
        else:
            tag, lap, gator, is_gun = line.tag, line.lap, line.gator, False
        self._stamp(
            session,
            [line.location],
            [line.sequence],
            [tag],
            [local_time],
            [lap],
            [line.reader_id],
            [gator],
            is_gun=is_gun,
        )

    def take_batch(self) -> list[StampedRead]:
        batch, self.batch = self.batch, []
        return batch

    def _stamp(
        self,
        session: SessionKey,
        locations: Sequence[str],
        sequences: Sequence[int],
        tags: Sequence[str],
        local_times: Sequence[datetime],
        laps: Sequence[int],
        reader_ids: Sequence[str],
        gators: Sequence[int],
        *,
        is_gun: bool,
    ) -> None:
        """The one place reads are stamped: column by column, in C loops (a chunk's run of
        plain reads is stamped with no Python code run per read)."""
        count = len(sequences)
        points = list(map(self._point_names.setdefault, locations, locations))
        fields = zip(
            repeat(session, count),
            repeat(self.connection_id, count),
            points,
            sequences,
            tags,
            local_times,
            laps,
            reader_ids,
            gators,
            repeat(self.received_at, count),
            repeat(is_gun, count),
            strict=True,
        )
        self.batch.extend(map(stamped_read_of_fields, fields))
        self.last_sequences.update(zip(points, sequences, strict=True))

    def _session_for(self, when: WallTime) -> SessionKey:
        if self.session is None:
            assert self._partner_id is not None
            if isinstance(when, datetime):
                day = when.date()
            else:
                day = datetime.now(ZoneInfo(self.timezone)).date()
            self.session = SessionKey(self._partner_id, self._event, day, self.timezone)
        return self.session

"""`p88 simulate`: replay a race into a running p88 as ChronoTrack middleware would.

One simulated SimpleClient per timing point connects to `p88 serve` over CTP01 and streams
that point's reads, so operators can rehearse a race day and tests can load the server.
`--race truth` replays a generated race that knows its own results (p88.tcp.truth_race) and
writes its participant file, results setup and expected results export to a folder.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

import click
import trio

from p88.tcp.race_sources import (
    PointFeed,
    RaceDataError,
    load_21rotm,
    synthetic_race,
    total_reads,
)
from p88.tcp.simulator import SimOptions, SimReport, run_simulation
from p88.tcp.truth_race import truth_race
from p88.tcp.truth_race.files import PARTICIPANTS, SETUP, TRUTH, TRUTH_CLOSED

_REDRAW_SECONDS = 0.2


class ProgressLine:
    """One updating stderr line: reads sent / total and reads/s; notes go above it."""

    def __init__(self, total: int, out: TextIO, enabled: bool, retry_seconds: float) -> None:
        self._total = total
        self._out = out
        self._live = enabled and out.isatty()  # no carriage-return art in log files
        self._enabled = enabled
        self._sent = 0
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._last_add_at = self._started
        self._retry_seconds = retry_seconds
        self._noted: set[str] = set()

    def add(self, reads: int) -> None:
        self._sent += reads
        now = self._last_add_at = time.monotonic()
        if self._live and now - self._drawn_at >= _REDRAW_SECONDS:
            self._drawn_at = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self._started, 1e-9)
        percent = min(100.0, 100.0 * self._sent / self._total) if self._total else 100.0
        rate = self._sent / elapsed
        self._out.write(
            f"\r{self._sent:,} / {self._total:,} reads sent ({percent:3.0f}%), {rate:,.0f} reads/s "
        )
        self._out.flush()

    def note(self, feed: str, problem: str) -> None:
        """A retried problem, printed once however many connections hit it."""
        if not self._enabled or problem in self._noted:
            return
        self._noted.add(problem)
        self._clear()
        self._out.write(f"{feed}: {problem}; retrying every {self._retry_seconds:g} s\n")
        self._out.flush()

    def _clear(self) -> None:
        if self._live:
            self._out.write("\r\x1b[K")

    def close(self) -> None:
        if self._live:
            self._draw(self._last_add_at)  # the rate while sending, not diluted by the linger
            self._out.write("\n")
            self._out.flush()


def _synthetic_feeds(
    runners: int, points: str, waves: int, seed: int, event: str, day: date
) -> list[PointFeed]:
    names = [name.strip() for name in points.split(",") if name.strip()]
    if not names:
        raise click.BadParameter(
            "give at least one point name, e.g. START,5K,FINISH", param_hint="--points"
        )
    try:
        return synthetic_race(runners, names, waves, seed, event, day)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--points") from None


def _truth_feeds(
    runners: int, seed: int, event: str, day: date, folder: Path | None
) -> list[PointFeed]:
    """The truth race's feeds, its files written first (and named on stdout)."""
    if folder is None:
        raise click.UsageError("--race truth writes its files to a folder: give --truth-dir DIR")
    try:
        race = truth_race(runners, seed, event, day)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--runners") from None
    try:
        race.write_files(folder)
    except OSError as error:
        raise click.ClickException(f"cannot write the truth race's files: {error}") from None
    click.echo(
        f"truth race {event!r} on {day.isoformat()}: {runners:,} participants, files in "
        f"{folder}:\n  import {PARTICIPANTS} into event {event!r}, save {SETUP} as the "
        f"session's results setup;\n  `p88 results export --event {event!r}` must equal "
        f"{TRUTH}, and {TRUTH_CLOSED} once both courses are closed."
    )
    return race.all_feeds()


def _choose_feeds(
    race: str,
    data_dir: Path | None,
    runners: int | None,
    synthetic: tuple[str, int],
    generated: tuple[int, str | None, date],
    truth_dir: Path | None,
) -> list[PointFeed]:
    """The feeds of the race chosen; `synthetic`: points and waves, `generated`: seed, event
    and day of a generated race."""
    seed, event, day = generated
    if truth_dir is not None and race != "truth":
        raise click.UsageError("--truth-dir goes with --race truth")
    if race == "truth":
        return _truth_feeds(runners or 2000, seed, event or "TRUTH", day, truth_dir)
    if race == "synthetic":
        points, waves = synthetic
        return _synthetic_feeds(runners or 500, points, waves, seed, event or "DEMO", day)
    return _race_feeds(data_dir)


def _race_feeds(data_dir: Path | None) -> list[PointFeed]:
    try:
        return load_21rotm(data_dir)
    except (RaceDataError, OSError) as error:
        where = data_dir or "the bundled 21ROTM data"
        raise click.ClickException(
            f"cannot read race data from {where}: {error}. --data-dir wants a folder with one "
            "sub-folder per timing point holding ChronoTrack .csv/.mrk files."
        ) from None


def _explain(report: SimReport, host: str, port: int) -> list[str]:
    """What went wrong, worded for the person at the keyboard, one line per distinct cause."""
    messages: list[str] = []
    for result in report.feeds:
        if result.auth_error is not None:
            messages.append(
                f"{result.feed}: p88 refused the login ({result.auth_error}); "
                "check --user and --password against the timing company's CTP01 credentials."
            )
        elif result.error and result.error.startswith(f"could not connect to {host}:{port}"):
            messages.append(
                f"could not connect to {host}:{port}: is `p88 serve` running? "
                "(check --host and --port)"
            )
        elif result.error:
            messages.append(f"{result.feed}: {result.error}")
    return list(dict.fromkeys(messages))


def _summary(report: SimReport, host: str, port: int) -> str:
    ok = sum(1 for result in report.feeds if result.ok)
    rate = f"{report.reads_per_second:,.0f} reads/s" if report.send_seconds else "no reads sent"
    line = (
        f"sent {report.sent_reads:,} reads to {host}:{port} over {ok}/{len(report.feeds)} "
        f"connections in {report.elapsed:.1f} s ({rate}), {report.reconnects} reconnects"
    )
    if report.sent_reads == 0 and not report.problems:
        # Same connection ids as an earlier replay: p88 resumed every session at its end.
        line += "; p88 already had every read (use another --client-id to replay as new middleware)"
    return line


def _run(
    host: str, port: int, feeds: Sequence[PointFeed], opts: SimOptions, progress: ProgressLine
) -> SimReport:
    try:
        return trio.run(run_simulation, host, port, feeds, opts, progress.add, progress.note)
    finally:
        progress.close()


TRUTH_HELP = """\b
--race truth --truth-dir DIR replays a generated race that knows its results: a 5K and a
10K on the same mats, 3 waves, a backup line at the finish, 5 % of start reads missed,
DNFs, DNSs, unregistered tags, a course cutter, ties to the hundredth, mats crossed before
the gun. It writes DIR/participants.csv, DIR/setup.json and the exact expected results
export, DIR/truth.csv (DIR/truth-closed.csv: after closing both courses). To check p88 by
hand: import the participants into the event (TRUTH by default), enter setup.json on the
session's Results setup page, then compare `p88 results export --event TRUTH` with
truth.csv.
"""


@click.command("simulate", epilog=TRUTH_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Where `p88 serve` listens.")
@click.option(
    "--port", default=61611, show_default=True, type=click.IntRange(1, 65535), help="CTP01 port."
)
@click.option(
    "--race",
    type=click.Choice(["21rotm", "synthetic", "truth"]),
    default="21rotm",
    show_default=True,
    help="Real 21ROTM controller files, a generated race, or a generated race that knows its "
    "results (5K and 10K, 3 waves, backup finish line; writes files to --truth-dir).",
)
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Controller files, one sub-folder per point (default: bundled 21ROTM).",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Race time per real time: 1 = as it happened, 60 = an hour a minute, 0 = flat out.",
)
@click.option("--fast", is_flag=True, help="As fast as possible (same as --speed 0).")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Steady lines per second per connection instead of race timing.",
)
@click.option(
    "--runners",
    type=click.IntRange(min=1),
    default=None,
    help="Participants of a generated race (default: 500 synthetic, 2000 truth).",
)
@click.option("--points", default="START,5K,FINISH", show_default=True, help="Synthetic points.")
@click.option("--waves", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same race.")
@click.option(
    "--event", default=None, help="Generated race's event name (default: DEMO, truth: TRUTH)."
)
@click.option(
    "--day",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Generated race's day (default: today).",
)
@click.option(
    "--truth-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --race truth: write participants.csv, setup.json (the results setup), truth.csv "
    "and truth-closed.csv (the exact `p88 results export`, courses open and closed) here.",
)
@click.option("--user", default="", help="CTP01 user, if p88 asks for authentication.")
@click.option(
    "--password",
    default="",
    envvar="P88_SIMULATE_PASSWORD",
    help="CTP01 password (or set P88_SIMULATE_PASSWORD).",
)
@click.option(
    "--disconnect-after",
    type=click.IntRange(min=1),
    default=None,
    help="Drop each session once after this many reads, then reconnect and resume.",
)
@click.option("--rewind", is_flag=True, help="Replay every session twice (SimpleClient Rewind).")
@click.option(
    "--time-format",
    type=click.Choice(["iso", "normal", "unix"]),
    default=None,
    help="Ignore the server's time-format request (simulates old middleware).",
)
@click.option(
    "--format",
    "tag_format",
    type=click.Choice(["CT01_33", "CT01_13"]),
    default=None,
    help="Ignore the server's tagevent-format request (simulates misconfigured middleware).",
)
@click.option(
    "--retry-seconds",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Wait between reconnect attempts (SimpleClient: 10).",
)
@click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Consecutive failed attempts before a connection gives up.",
)
@click.option(
    "--client-id", default="p88-simulate", show_default=True, help="Seeds the connection ids."
)
@click.option("--quiet", is_flag=True, help="No progress line and no retry notes.")
def simulate_command(
    host: str,
    port: int,
    race: str,
    data_dir: Path | None,
    speed: float,
    fast: bool,
    rate: float | None,
    runners: int | None,
    points: str,
    waves: int,
    seed: int,
    event: str | None,
    day: datetime | None,
    truth_dir: Path | None,
    user: str,
    password: str,
    disconnect_after: int | None,
    rewind: bool,
    time_format: str | None,
    tag_format: str | None,
    retry_seconds: float,
    max_retries: int,
    client_id: str,
    quiet: bool,
) -> None:
    """Replay a race into p88 over CTP01, one simulated ChronoTrack middleware per point."""
    race_day = day.date() if day else date.today()
    generated = (seed, event, race_day)
    feeds = _choose_feeds(race, data_dir, runners, (points, waves), generated, truth_dir)
    opts = SimOptions(
        client_id=client_id,
        user=user,
        password=password,
        speed=0.0 if fast else speed,
        rate=rate,
        time_format=time_format,
        tag_format=tag_format,
        disconnect_after=disconnect_after,
        rewind=rewind,
        retry_seconds=retry_seconds,
        max_retries=max_retries,
    )
    total = total_reads(feeds) * (2 if rewind else 1)
    progress = ProgressLine(total, sys.stderr, not quiet, retry_seconds)
    try:
        report = _run(host, port, feeds, opts, progress)
    except KeyboardInterrupt:
        click.echo("interrupted; p88 keeps what it stored and resumes on the next run.", err=True)
        sys.exit(130)
    for message in _explain(report, host, port):
        click.echo(f"error: {message}", err=True)
    click.echo(_summary(report, host, port))
    if report.problems:
        sys.exit(1)

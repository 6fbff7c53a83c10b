"""The simulated middleware's side of the conversation, without I/O: what the server asked
for, the secret it must send, and each stream's lines encoded once in the format asked for."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from p88.tcp import protocol
from p88.tcp.protocol import Request
from p88.tcp.race_sources import Kind, PointFeed, Stream
from p88.tcp.sim_options import SimOptions
from p88.tcp.wallclock import format_local, format_normal, format_unix

TIME_FORMATS = ("normal", "iso", "unix", "msecs")


def authorization_secret(method: str, password: str, seed: str) -> str:
    """The `<string>` of `authorize~<user>~<string>` for a CTP01 authentication method."""
    key, message = password.encode(), seed.encode()
    if method == "plaintext":
        return password
    if method == "hmac-sha1":
        return hmac.new(key, message, hashlib.sha1).hexdigest()
    if method == "hmac-md5":
        return hmac.new(key, message, hashlib.md5).hexdigest()
    # The protocol fixes these weak hashes; the simulator has to speak them.
    if method == "seed-sha1":
        return hashlib.sha1(message + key).hexdigest()  # noqa: S324
    if method == "seed-md5":
        return hashlib.md5(message + key).hexdigest()  # noqa: S324
    raise ValueError(f"unsupported authentication method {method!r}")


def format_time(moment: datetime, time_format: str, day_midnight: datetime) -> str:
    """A wall-clock time in a CTP01 time format; `normal` counts hours from the stream's day."""
    if time_format == "iso":
        return format_local(moment)
    if time_format == "unix":
        return format_unix(moment)
    if time_format == "msecs":
        # Undocumented in practice; milliseconds since the stream's midnight is one reading.
        return str((moment - day_midnight) // timedelta(milliseconds=1))
    return format_normal(moment - day_midnight)


@dataclass(slots=True)
class SessionConfig:
    """The server's requests, with the CTP01 defaults for any it did not send."""

    stream_mode: str = "pull"
    guntimes: bool = False
    newlocations: bool = False
    connection_id: bool = False
    pushmode_ack: bool = False
    time_format: str = "normal"
    tag_format: str = "CT01_33"
    authentication: str = "none"
    seed: str = ""


def session_config(requests: Sequence[Request], opts: SimOptions) -> SessionConfig:
    """Apply the server's requests, then the options that simulate disobedient middleware."""
    config = SessionConfig()
    for request in requests:
        _apply_request(config, request.key.strip().lower(), request.value.strip())
    if opts.time_format is not None:
        config.time_format = opts.time_format
    if opts.tag_format is not None:
        config.tag_format = opts.tag_format
    return config


def _apply_request(config: SessionConfig, key: str, value: str) -> None:
    flag = value.lower() == "true"
    if key == "stream-mode":
        config.stream_mode = value.lower()
    elif key == "guntimes":
        config.guntimes = flag
    elif key == "newlocations":
        config.newlocations = flag
    elif key == "connection-id":
        config.connection_id = flag
    elif key == "pushmode-ack":
        config.pushmode_ack = flag
    elif key == "time-format" and value.lower() in TIME_FORMATS:
        config.time_format = value.lower()
    elif key == "tagevent-format":
        config.tag_format = value
    elif key == "authentication":
        config.authentication = value.lower()
    elif key == "authentication-seed":
        config.seed = value
    # `location=single|multi` changes nothing for a one-location client; unknown keys neither.


@dataclass(frozen=True, slots=True)
class Encoded:
    """A stream's lines in one format: encoded once, reused by every reconnect and rewind."""

    lines: tuple[bytes, ...]  # b"" for gun lines the server did not ask for
    read_prefix: tuple[int, ...]  # read_prefix[i] = reads among observations[:i]
    sequences: tuple[int, ...]


def encode_stream(stream: Stream, time_format: str, tag_format: str, guntimes: bool) -> Encoded:
    midnight = datetime.combine(stream.day, time())
    lines = []
    prefix = [0]
    for obs in stream.observations:
        wanted = obs.kind is Kind.READ or guntimes
        stamp = format_time(obs.time, time_format, midnight)
        line = protocol.tag_line(
            obs.sequence,
            stream.location,
            obs.tag,
            stamp,
            obs.lap,
            obs.reader_id,
            obs.gator,
            fmt=tag_format,
        )
        lines.append(line if wanted else b"")
        prefix.append(prefix[-1] + (1 if obs.is_read else 0))
    sequences = tuple(obs.sequence for obs in stream.observations)
    return Encoded(tuple(lines), tuple(prefix), sequences)


def usable_tag_format(fmt: str) -> str:
    """The requested tag format if the encoder knows it, else CT01_33 (what SimpleClient does)."""
    try:
        protocol.tag_line(0, "L", "T", "0", 0, "0", 0, fmt=fmt)
    except ValueError:
        return "CT01_33"
    return fmt


class LineCache:
    """Encoded streams, per stream object and format. One per feed by default; a caller that
    measures the server (bench/ingest.py) shares one and fills it with `prepare` first, so the
    simulator's own formatting stays out of the measured time (real middleware runs elsewhere).
    """

    def __init__(self) -> None:
        # Keyed by id(stream): two streams may share a source name. The stream is kept in the
        # value so its id cannot be reused while the entry lives.
        self._cache: dict[tuple[int, str, str, bool], tuple[Stream, Encoded]] = {}

    def get(self, stream: Stream, config: SessionConfig) -> Encoded:
        tag_format = usable_tag_format(config.tag_format)
        return self._get(stream, config.time_format, tag_format, config.guntimes)

    def _get(self, stream: Stream, time_format: str, tag_format: str, guntimes: bool) -> Encoded:
        key = (id(stream), time_format, tag_format, guntimes)
        if key not in self._cache:
            self._cache[key] = (stream, encode_stream(stream, time_format, tag_format, guntimes))
        return self._cache[key][1]

    def prepare(
        self,
        feeds: Sequence[PointFeed],
        time_format: str = "iso",
        tag_format: str = "CT01_33",
        guntimes: bool = True,
    ) -> None:
        """Encode every stream of `feeds` now, in the format the server will ask for (the
        defaults are what p88 requests)."""
        for feed in feeds:
            for stream in feed.streams:
                self._get(stream, time_format, usable_tag_format(tag_format), guntimes)

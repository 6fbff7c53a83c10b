"""What a CTP01 client sends, as the events the server parser gives (p88.tcp.server_parser)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from p88.tcp.wallclock import WallTime


@dataclass(frozen=True, slots=True)
class Greeting:
    """`<program>~<version>~CTP01`, the client's first line."""

    program: str
    version: str


@dataclass(frozen=True, slots=True)
class Ack:
    """`ack~<command>[~<arg>...]`: the client's answer to a server command."""

    command: str
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClientError:
    """`err~<command>~<message>`: the client refused a command."""

    command: str
    message: str


@dataclass(frozen=True, slots=True)
class ClientPing:
    """A `ping` from the client (answered with `ack~ping`)."""


@dataclass(frozen=True, slots=True)
class Authorize:
    """`authorize~<user>~<secret>` sent by the client when authentication was requested."""

    user: str
    secret: str


@dataclass(frozen=True, slots=True)
class TagRead:
    """One observation: `CT01_33~seq~location~tag~time~lap~reader~gator`."""

    sequence: int
    location: str
    tag: str
    time: str  # raw wall-clock text; see p88.tcp.wallclock for its meaning
    lap: int
    reader_id: str
    gator: int
    # The time as the parser parsed it (it validates it anyway), so the collector does not
    # parse it again. None when built by hand.
    when: WallTime | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PlainReads:
    """Consecutive plain reads (CT01_33, ISO times, plain digits) parsed together, as columns
    in arrival order (p88.tcp.plain_runs). Each read is exactly the TagRead the line-by-line
    parser gives for its line (`tag_reads()`)."""

    sequences: list[int]
    locations: tuple[str, ...]
    tags: tuple[str, ...]
    times: tuple[str, ...]
    laps: list[int]
    reader_ids: tuple[str, ...]
    gators: list[int]
    whens: list[datetime]

    def __len__(self) -> int:
        return len(self.sequences)

    def tag_reads(self) -> list[TagRead]:
        """The same reads as TagRead events, one per line."""
        columns = (self.locations, self.tags, self.times, self.laps, self.reader_ids)
        return list(map(TagRead, self.sequences, *columns, self.gators, self.whens))


@dataclass(frozen=True, slots=True)
class GunTime:
    """A tag line whose tag is `guntime` (any case): a wave start, not a read."""

    sequence: int
    location: str
    time: str
    reader_id: str
    when: WallTime | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class NewLocation:
    """A tag line whose tag is `newlocation`: the client has a new point to offer."""

    sequence: int
    location: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """A line that is not valid CTP01 where CTP01 was expected; the connection goes on."""

    line: str
    reason: str


@dataclass(frozen=True, slots=True)
class Overlong:
    """A line longer than the parser's limit was dropped; the connection goes on."""

    length: int


@dataclass(frozen=True, slots=True)
class WrongProtocol:
    """The first bytes are not a CTP01 greeting; `hint` tells the operator what to change."""

    kind: str
    hint: str


Event = (
    Greeting
    | Ack
    | ClientError
    | ClientPing
    | Authorize
    | TagRead
    | PlainReads
    | GunTime
    | NewLocation
    | Malformed
    | Overlong
    | WrongProtocol
)

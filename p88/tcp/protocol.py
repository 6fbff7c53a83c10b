"""Sans-IO CTP01 (ChronoTrack Socket Protocol 1): bytes in, events out; events in, bytes out.

No I/O and no trio here, so the parsers can be tested byte by byte and fuzzed. See
../shared/docs/CTP01.md for the protocol as p88 speaks it. This module gathers the public
names of the modules that do the work:

- p88.tcp.events: what a client sends, as events;
- p88.tcp.lines: bytes to lines (both sides);
- p88.tcp.server_parser: `ServerParser`, which uses p88.tcp.wrong_protocol for a first line
  that is not CTP01, p88.tcp.client_lines for each line after the greeting, and the fast
  path p88.tcp.plain_runs for chunks of plain reads;
- p88.tcp.server_lines: what the server sends;
- p88.tcp.client_side: the client's parser and encoders (the simulator).
"""

from p88.tcp.client_lines import parse_client_line
from p88.tcp.client_side import (
    ClientParser,
    Command,
    Request,
    ServerEvent,
    ServerHello,
    ServerProtocolError,
    ack,
    authorize,
    client_error,
    client_greeting,
    tag_line,
)
from p88.tcp.events import (
    Ack,
    Authorize,
    ClientError,
    ClientPing,
    Event,
    Greeting,
    GunTime,
    Malformed,
    NewLocation,
    Overlong,
    PlainReads,
    TagRead,
    WrongProtocol,
)
from p88.tcp.lines import MAX_LINE_BYTES
from p88.tcp.server_lines import (
    AUTHENTICATION_METHODS,
    command,
    encode_line,
    recommended_requests,
    server_hello,
)
from p88.tcp.server_parser import ServerParser
from p88.tcp.wrong_protocol import WRONG_PROTOCOL_KINDS

__all__ = [
    "AUTHENTICATION_METHODS",
    "MAX_LINE_BYTES",
    "WRONG_PROTOCOL_KINDS",
    "Ack",
    "Authorize",
    "ClientError",
    "ClientParser",
    "ClientPing",
    "Command",
    "Event",
    "Greeting",
    "GunTime",
    "Malformed",
    "NewLocation",
    "Overlong",
    "PlainReads",
    "Request",
    "ServerEvent",
    "ServerHello",
    "ServerParser",
    "ServerProtocolError",
    "TagRead",
    "WrongProtocol",
    "ack",
    "authorize",
    "client_error",
    "client_greeting",
    "command",
    "encode_line",
    "parse_client_line",
    "recommended_requests",
    "server_hello",
    "tag_line",
]

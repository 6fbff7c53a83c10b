"""The CTP01 listener: one task per middleware connection (p88.tcp.connection), each on its own:
whatever happens inside one stays inside it."""

from __future__ import annotations

import logging
import socket
from functools import partial

import trio

from p88.tcp.connection import CollectorConnection
from p88.tcp.services import CollectorServices

log = logging.getLogger(__name__)

__all__ = ["CollectorServices", "handle_connection", "serve_collector"]


def _enable_keepalive(stream: trio.SocketStream) -> None:
    stream.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, option):
            stream.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _peer(stream: trio.SocketStream) -> tuple[str, str]:
    """The peer's address, and its address and port (for the log)."""
    try:
        host, port = stream.socket.getpeername()[:2]
    except OSError:
        return "unknown", "unknown peer"
    return str(host), f"{host}:{port}"


async def handle_connection(services: CollectorServices, stream: trio.SocketStream) -> None:
    """Serve one connection; whatever happens inside stays inside."""
    host, peer = _peer(stream)
    if services.connection_slots.value == 0:
        log.warning("%s refused: %d connections open", peer, services.config.max_connections)
        await stream.aclose()
        return
    async with services.connection_slots, stream:
        key, info = services.stats.open_connection(peer)
        connection = CollectorConnection(services, stream, info, host)
        try:
            _enable_keepalive(stream)
            log.info("%s connected", peer)
            try:
                await connection.run()
            finally:
                if connection.ingest is not None:
                    await connection.ingest.aclose()
            if "not CTP01" not in connection.close_reason:  # that one was logged, with its hint
                log.info("%s closed: %s (%d reads)", peer, connection.close_reason, info.reads)
        except Exception:
            log.exception("%s: connection handler failed; closing this connection only", peer)
        finally:
            services.stats.close_connection(key)


async def serve_collector(
    services: CollectorServices,
    *,
    task_status: trio.TaskStatus[tuple[str, int]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Listen on [collector] bind until cancelled; report the bound address to the starter."""
    bind = services.config.bind
    listeners: list[trio.SocketListener] = await trio.open_tcp_listeners(bind.port, host=bind.host)
    address = listeners[0].socket.getsockname()
    services.stats.collector_listening = True
    try:
        async with trio.open_nursery() as nursery:
            task_status.started((address[0], address[1]))
            log.info("collector listening on %s:%d", address[0], address[1])
            await trio.serve_listeners(
                partial(handle_connection, services),
                listeners,
                handler_nursery=nursery,
            )
    finally:
        services.stats.collector_listening = False

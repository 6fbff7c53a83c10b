"""When a Quart websocket fed from a hub Outbox must close (display pages, builder preview)."""

from __future__ import annotations

from quart import websocket

from p88.live.feeds import RESYNC, Outbox


async def close_if_outbox_ended(outbox: Outbox) -> bool:
    """Close the current websocket if the hub closed the outbox or it overflowed; say so."""
    if outbox.close_code is not None:
        await websocket.close(outbox.close_code, outbox.close_reason)
        return True
    if outbox.overflowed:
        # Fell behind: the client reconnects at once and resumes after its last event.
        await websocket.close(RESYNC, "resync")
        return True
    return False

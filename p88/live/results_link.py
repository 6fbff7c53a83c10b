"""How a session's display feeds get its results engine from the results service.

The hub asks the service to build the engine when a feed of the session starts, and again when
reads arrive at a point it had not seen: while it has none (a setup may have become usable: the
session's finish point has just been read for the first time), or when a suggested setup did
not know the point (it may now have a start or a finish: the suggestion is made again). A
setup the timer saves reaches the engine through the service itself. While a build the hub
started is under way, the session's reads wait for it, up to `HOLD_SECONDS`, so the first
passings after a build carry their times; after that they go out without times (never another
rule's).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import trio

from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.live.results import NoResults, ResultsService, SessionResults

log = logging.getLogger(__name__)

HOLD_SECONDS = 3.0  # reads of a session wait this long at most for its engine's build
# A small session's first frame waits this long at most for a build under way: its engine is
# built by then and its history goes out timed. A large session's does not wait: its history
# goes out without times (later screens get them, as do the passings that follow).
FIRST_FRAME_WAIT_SECONDS = 0.3
RETRY_SECONDS = 2.0  # a build the database cut short is tried again this often (reads arriving)

Build = Literal["get", "rebuild"]


@dataclass(slots=True)
class ResultsLink:
    state: str = "building"  # "ready", "building" or "none" (no usable setup: `note` says why)
    note: str = ""
    building: bool = False  # a build the hub started is under way
    started: float = float("-inf")
    last_attempt: float = float("-inf")
    seen: set[str] = field(default_factory=set)  # points of the reads seen so far
    done: trio.Event = field(default_factory=trio.Event)  # the last build ended

    def build_needed(
        self, results: SessionResults | None, locations: Iterable[str]
    ) -> Build | None:
        """Whether reads at these points call for a build (noting the points)."""
        new = set(locations) - self.seen
        self.seen |= new
        if self.building:
            return None
        if results is None:
            # A new point may make a setup usable; without one, only a build the database
            # cut short is tried again (each build reads the session's whole history).
            unknown = self.state == "building"
            late = unknown and trio.current_time() - self.last_attempt >= RETRY_SECONDS
            return "get" if new or late else None
        if new and not results.saved and not new <= set(results.facts.locations):
            return "rebuild"
        return None

    def begin(self) -> None:
        self.building = True
        self.started = trio.current_time()
        self.done = trio.Event()

    def end(self, state: str | None, note: str = "") -> None:
        """The build ended: `state` None when it could not tell (the database was down: it
        is tried again)."""
        self.building = False
        self.last_attempt = trio.current_time()
        self.state, self.note = (state, note) if state is not None else ("building", "")
        self.done.set()

    async def briefly_wait(self) -> None:
        """For a small session's first frame: until a build under way ends, or a short
        while."""
        if self.building:
            with trio.move_on_after(FIRST_FRAME_WAIT_SECONDS):
                await self.done.wait()

    def holding(self) -> bool:
        return self.building and trio.current_time() - self.started < HOLD_SECONDS


async def build(
    link: ResultsLink, results: ResultsService, partner_id: int, session_id: int, how: Build
) -> None:
    """Ask the results service for the session's engine (`link.begin()` was called when the
    build was decided); note on `link` how it went."""
    state: str | None = None
    note = ""
    try:
        if how == "rebuild":
            await results.rebuild(partner_id, session_id)
        else:
            await results.get(partner_id, session_id)
        state = "ready"
    except NoResults as exc:
        state, note = "none", str(exc)
    except DATABASE_DOWN_ERRORS as exc:
        log.warning("results of session %d wait for the database: %s", session_id, exc)
    except Exception:
        log.exception("building the results of session %d failed", session_id)
        state, note = "none", "the results could not be built (see the server's log)"
    finally:
        link.end(state, note)

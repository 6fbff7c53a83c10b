// The builder's live preview sources: each of the partner's live timing sessions becomes an entry
// of the preview menu ("Live: <session>").
// Choosing one opens the session's preview socket (p88/web/views/builder_preview.py), which
// carries the same passings and standings a display gets; they are turned into the renderer's
// data record by the same mapping the display uses (layout/record.js), from the FINISH passings
// once there are any. With no passing of a known runner yet, the sample record is drawn and the
// note next to the menu says so.

import { registerPreviewSource } from "./preview.js";
import { layoutRecord } from "../layout/record.js";
import { Standings } from "../display/standings.js";

const HISTORY = 500; // as many passings as the server's feed keeps for a new screen
const MAX_RETRY_MS = 15_000;
const RESYNC = 4000; // the server's "fell behind, come back at once"
const FINISH = "FINISH";

function socketUrl(sessionId, after) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const query = after ? `?after=${Number(after)}` : "";
  return `${scheme}://${window.location.host}/templates/preview/sessions/${Number(sessionId)}/ws${query}`;
}

// What a finish screen shows: the session's FINISH passings once there are any. Before that
// (or in a session without a finish point) every point's, so a quiet finish still previews.
function shownPassings(history) {
  const finishes = history.filter((e) => String(e.loc).toUpperCase() === FINISH);
  return finishes.length ? { events: finishes, where: ` at ${FINISH}` } : { events: history, where: "" };
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** One session as a preview source: start(push, {sample, note}) -> stop(). */
function liveSource(session) {
  return (push, { sample, note }) => {
    let history = []; // newest first, each passing once
    const standings = new Standings(); // the session's, with its gun for the race clock
    let socket = null;
    let retry = null;
    let delay = 1000;
    let stopped = false;

    function remember(events) {
      const known = new Set(history.map((e) => e.id));
      const fresh = events.filter((e) => !known.has(e.id));
      history = [...fresh.reverse(), ...history].sort((a, b) => b.id - a.id).slice(0, HISTORY);
    }

    function draw() {
      const { events, where } = shownPassings(history);
      const current = events.find((e) => e.p) || null;
      const clock = { gun_epoch_ms: standings.gunEpochMs };
      if (!current) {
        push({ ...sample, clock });
        const why = events.length
          ? `${plural(events.length, "passing")}${where}, none of a known runner yet`
          : "no passings yet";
        note(`${session.name}: ${why}; showing sample data`, "warn");
        return;
      }
      push(layoutRecord(current, events, standings, clock));
      note(`${session.name}: ${plural(events.length, "passing")}${where}, newest bib ${current.p.bib}`, "ok");
    }

    function connect() {
      retry = null;
      socket = new WebSocket(socketUrl(session.id, history.length ? history[0].id : null));
      socket.addEventListener("message", (m) => {
        if (stopped) return;
        let message;
        try { message = JSON.parse(m.data); } catch { return; }
        if (message.type === "hello") {
          delay = 1000;
          standings.take(message.standings);
          remember(message.events || []);
        } else if (message.type === "passings") {
          remember(message.events || []);
        } else if (message.type === "standings") {
          standings.take(message);
        } else {
          return;
        }
        draw();
      });
      socket.addEventListener("close", (e) => {
        if (stopped) return;
        if (e.code === RESYNC) { connect(); return; }
        note(`${session.name}: connection lost; trying again (reload the page if the session was deleted)`, "bad");
        retry = setTimeout(connect, delay);
        delay = Math.min(MAX_RETRY_MS, delay * 2);
      });
    }

    note(`${session.name}: connecting…`);
    push({ ...sample, clock: { gun_epoch_ms: null } });
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      if (socket) socket.close(1000, "preview switched");
    };
  };
}

async function registerLiveSessions() {
  const response = await fetch("/templates/preview/sessions", {
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) return; // the menu keeps the sample data only
  const { sessions } = await response.json();
  for (const session of sessions) {
    registerPreviewSource(`live:${session.id}`, `Live: ${session.name}`, liveSource(session));
  }
}

registerLiveSessions().catch(() => {
  // No live entries when the list cannot be loaded; sample data still works.
});

// Live updates of a public results page. A websocket says when the results changed (messages:
// p88/web/published/feeds.py); the page fetches itself again, at most every REFRESH_MS and only
// while it is visible, and swaps in what it shows. "Updated N s ago" ticks here, on the
// server's clock. Without JavaScript the page is complete; it just does not move.

const REFRESH_MS = 2000;
const MAX_CATCH_UP = 3; // fetches in a row that may still get a copy older than announced
const WITHDRAWN = 4404, NOT_AVAILABLE = 4503, TOO_MANY = 4429;

const body = document.body;
const bib = body.dataset.bib || null;
const state = {
  shown: Number(body.dataset.version),
  wanted: Number(body.dataset.version),
  changedAt: Date.parse(body.dataset.changedAt),
  offset: 0, // the server's clock minus this one, in ms
  lastFetch: 0,
  timer: null,
  pending: false,
  catchUp: 0,
  backoff: 1000,
  live: ["live updates off", "off"],
  stopped: false,
};

function ago(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.floor(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}

function tick() {
  const el = document.getElementById("r-updated");
  if (el && !Number.isNaN(state.changedAt)) {
    el.textContent = ago(Date.now() + state.offset - state.changedAt);
  }
}

function setLive(text, kind) {
  state.live = [text, kind];
  const el = document.getElementById("r-live");
  if (el) {
    el.textContent = `· ${text}`;
    el.dataset.state = kind;
  }
}

function wantRefresh() {
  if (state.stopped || state.timer) return;
  if (document.hidden) {
    state.pending = true;
    return;
  }
  const wait = Math.max(0, state.lastFetch + REFRESH_MS - Date.now()) + Math.random() * 300;
  state.timer = setTimeout(refresh, wait);
}

// What a row says of the runner's own result (a place moving because someone else finished
// is not news about this runner).
function ownResult(row) {
  return (row.querySelector(".r-times") || row).textContent;
}

function rowsByBib(root) {
  return new Map([...root.querySelectorAll(".r-row[data-bib]")].map((r) => [r.dataset.bib, ownResult(r)]));
}

function swapIn(doc) {
  const before = rowsByBib(document);
  for (const id of ["r-status", "r-main"]) {
    const fresh = doc.getElementById(id);
    const old = document.getElementById(id);
    if (fresh && old) old.replaceWith(document.adoptNode(fresh));
  }
  for (const row of document.querySelectorAll(".r-row[data-bib]")) {
    if (before.has(row.dataset.bib) && before.get(row.dataset.bib) !== ownResult(row)) {
      row.classList.add("fresh");
    }
  }
  state.shown = Number(doc.body.dataset.version);
  state.changedAt = Date.parse(doc.body.dataset.changedAt);
  body.dataset.version = doc.body.dataset.version;
  body.dataset.changedAt = doc.body.dataset.changedAt;
  setLive(...state.live);
  tick();
}

async function refresh() {
  state.timer = null;
  state.lastFetch = Date.now();
  let response;
  try {
    response = await fetch(location.href, { cache: "no-cache", headers: { Accept: "text/html" } });
  } catch {
    return; // the socket's reconnect brings the next try
  }
  if (response.status === 404) return withdrawn();
  if (!response.ok) return;
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  if (doc.getElementById("r-main") === null) return; // not a results page (a notice)
  swapIn(doc); // the banner can change without the results (marked final)
  // The server keeps a rendered page for up to a second: the copy may predate the message.
  if (state.shown !== state.wanted && state.catchUp < MAX_CATCH_UP) {
    state.catchUp += 1;
    wantRefresh();
  }
}

function withdrawn() {
  state.stopped = true;
  const status = document.getElementById("r-status");
  if (status) {
    const note = document.createElement("p");
    note.className = "r-banner r-provisional";
    note.textContent = "These results are no longer published. The timing company withdrew them.";
    status.replaceChildren(note);
  }
}

function handle(message) {
  if (message.server_time) state.offset = Date.parse(message.server_time) - Date.now();
  if (message.type !== "hello" && message.type !== "changed") return;
  state.wanted = message.version;
  state.catchUp = 0;
  if (message.changed_at) {
    state.changedAt = Date.parse(message.changed_at);
    tick();
  }
  const bibs = message.bibs || [];
  const concernsPage = !bib || message.type === "hello" || message.shifted || message.more > 0 || bibs.includes(bib);
  const finalShown = document.querySelector(".r-final") !== null;
  if ((message.version !== state.shown && concernsPage) || message.final !== finalShown) {
    wantRefresh();
  }
}

function connect() {
  if (state.stopped) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new WebSocket(scheme + location.host + body.dataset.socket);
  socket.addEventListener("open", () => {
    state.backoff = 1000;
    setLive("live", "live");
  });
  socket.addEventListener("message", (event) => {
    try {
      handle(JSON.parse(event.data));
    } catch {
      // a message this page does not understand changes nothing
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === WITHDRAWN) return withdrawn();
    setLive("reconnecting…", "down");
    let wait = state.backoff;
    if (event.code === TOO_MANY) wait = 60000;
    if (event.code === NOT_AVAILABLE) wait = 30000;
    state.backoff = Math.min(state.backoff * 2, 30000);
    setTimeout(connect, wait + Math.random() * 1000);
  });
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && state.pending) {
    state.pending = false;
    wantRefresh();
  }
});
setInterval(tick, 1000);
tick();
if (body.dataset.socket) connect();

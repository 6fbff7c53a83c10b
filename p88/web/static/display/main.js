// The public display page: wires the live connection to the burst policy and the views.
import { LiveConnection } from "./connection.js";
import { el } from "./format.js";
import { ArrivalQueue, optionsFrom } from "./policy.js";
import { Standings } from "./standings.js";
import { TemplatedView } from "./templated.js";
import {
  badgeText, renderAnnouncer, renderCard, renderIdle, renderLeaderboard, renderRecent,
} from "./views.js";

const root = document.getElementById("display");
const stage = root.querySelector(".d-stage");
const counts = root.querySelector(".d-counts");
const badge = root.querySelector(".d-badge");
const clock = root.querySelector(".d-clock");
const mode = root.dataset.mode;

const state = {
  config: null,
  history: [], // every passing taken in, newest first (bounded)
  queue: new ArrivalQueue(),
  card: null,
  status: { state: "connecting" },
  search: "",
  point: "",
  starred: new Set(),
  clockOffset: 0,
  templated: null, // a TemplatedView when the display is bound to a template document
  standings: new Standings(), // the session's, as the server's results engine ranks them
};
const token = root.dataset.socket.split("/")[2];
const moreBadge = el("div", "t-more");
moreBadge.hidden = true;
root.append(moreBadge);
const HISTORY = 1000;

function remember(events) {
  const known = new Set(state.history.slice(0, 50).map((e) => e.id));
  const fresh = events.filter((e) => !known.has(e.id));
  state.history = [...fresh.reverse(), ...state.history].slice(0, HISTORY);
}

function newestId() {
  return state.queue.lastId;
}

function onHello(hello) {
  const first = state.config === null;
  const template = JSON.stringify(hello.template ?? null);
  if (!first && (hello.display.mode !== mode || template !== state.templateJson)) {
    location.reload(); // the operator changed the display: start over with the new settings
    return;
  }
  state.templateJson = template;
  state.config = hello.display;
  state.clockOffset = hello.display.options.clock_offset_ms || 0;
  state.queue.options = { ...state.queue.options, ...optionsFrom(hello.display.options) };
  if (mode === "announcer") loadStars();
  if (hello.template && mode !== "announcer" && !state.templated) {
    document.body.classList.add("templated");
    state.templated = new TemplatedView(stage, hello.template, { token, clockOffsetMs: state.clockOffset });
    state.queue.options.maxGroup = 1; // a template shows one athlete at a time, in full
  }
  state.standings.take(hello.standings);
  if (first && !hello.resumed) {
    // A fresh page: what came before is history (lists), not something to call out now; the
    // newest finisher stays up as the card until someone new comes.
    remember(hello.events);
    const last = hello.events.length ? hello.events[hello.events.length - 1].id : null;
    state.queue.skipTo(last);
    state.queue.showLatest(latestFinisher(hello.events));
  } else {
    const fresh = hello.events.filter((e) => state.queue.lastId === null || e.id > state.queue.lastId);
    state.queue.add(hello.events);
    remember(fresh);
    if (hello.missed > 0) state.queue.notShown += hello.missed; // fell out of the server's memory
  }
  renderNow();
}

// The newest passing that is a runner's finish, else the newest of a known runner.
function latestFinisher(events) {
  const known = events.filter((e) => e.p);
  return [...known].reverse().find((e) => e.r) || known[known.length - 1] || null;
}

function onEvents(events) {
  const fresh = events.filter((e) => state.queue.lastId === null || e.id > state.queue.lastId);
  state.queue.add(events);
  remember(fresh);
  if (mode !== "finish") renderNow();
}

function onStandings(message) {
  state.standings.take(message);
  if (mode === "leaderboard" || state.templated) renderNow();
}

function renderCounts() {
  const q = state.queue;
  const parts = [`${state.history.length >= HISTORY ? `${HISTORY}+` : state.history.length} arrivals`];
  if (mode === "finish") {
    if (q.notShown) parts.push(`${q.notShown} not shown`);
  }
  if (q.unknown) parts.push(`${q.unknown} unknown tags`);
  counts.textContent = parts.join(" · ");
  root.dataset.lastId = String(q.lastId ?? "");
  root.dataset.notShown = String(q.notShown);
}

function renderNow() {
  if (mode === "announcer") {
    renderAnnouncer(stage.querySelector(".an-body") || setUpAnnouncer(), state.history, state);
  } else if (mode === "leaderboard") {
    if (state.templated) state.templated.update(null, state.history, state.standings);
    else renderLeaderboard(stage, state.standings);
  } else {
    renderFinish(true);
  }
  renderCounts();
}

function renderFinish(force = false) {
  if (state.templated) {
    renderTemplated(force);
    return;
  }
  const card = state.queue.tick(performance.now());
  if (card && (card !== state.card || force || card.more !== state.lastMore)) {
    state.card = card;
    state.lastMore = card.more;
    const main = stage.querySelector(".f-main") || setUpFinish();
    renderCard(main, card);
  } else if (!card && !stage.querySelector(".idle-card")) {
    setUpFinish();
    renderIdle(stage.querySelector(".f-main"), state.config && state.config.name);
  }
  const recent = stage.querySelector(".f-recent ol");
  if (recent) renderRecent(recent, state.history);
}

function renderTemplated(force) {
  const card = state.queue.tick(performance.now());
  if (card !== state.card || force) {
    state.card = card;
    state.templated.update(card, state.history, state.standings);
    root.dataset.showing = card ? card.athletes.map((e) => e.id).join(",") : "";
  }
  const more = card ? card.more : 0;
  moreBadge.hidden = more <= 0;
  moreBadge.textContent = `+${more} more`;
}

function setUpFinish() {
  const main = el("div", "f-main");
  const side = el("aside", "f-recent");
  side.append(el("h3", "", "Latest"), el("ol"));
  stage.replaceChildren(main, side);
  return main;
}

function setUpAnnouncer() {
  const bar = el("div", "an-bar");
  const search = el("input");
  search.type = "search";
  search.placeholder = "Bib…";
  search.inputMode = "numeric";
  search.setAttribute("aria-label", "Find a bib");
  search.addEventListener("input", () => { state.search = search.value; renderNow(); });
  const point = el("select");
  point.setAttribute("aria-label", "Point");
  point.addEventListener("change", () => { state.point = point.value; renderNow(); });
  bar.append(search, point, el("span", "an-hint", "Tap an athlete to highlight"));
  const body = el("div", "an-body");
  body.addEventListener("click", (event) => {
    const item = event.target.closest("li[data-bib]");
    if (!item) return;
    const bib = item.dataset.bib;
    if (state.starred.has(bib)) state.starred.delete(bib); else state.starred.add(bib);
    saveStars();
    renderNow();
  });
  stage.replaceChildren(bar, body);
  return body;
}

function refreshPoints() {
  const select = stage.querySelector(".an-bar select");
  if (!select) return;
  const points = [...new Set(state.history.map((e) => e.loc))].sort();
  if (select.options.length === points.length + 1) return;
  const all = el("option", "", "All points");
  all.value = "";
  select.replaceChildren(all, ...points.map((p) => { const o = el("option", "", p); o.value = p; return o; }));
  select.value = state.point;
}

function starKey() {
  return `p88-stars-${state.config ? state.config.id : "x"}`;
}

function loadStars() {
  try {
    state.starred = new Set(JSON.parse(localStorage.getItem(starKey()) || "[]"));
  } catch {
    state.starred = new Set();
  }
}

function saveStars() {
  try { localStorage.setItem(starKey(), JSON.stringify([...state.starred])); } catch { /* private mode */ }
}

function tick() {
  if (mode === "finish") renderFinish();
  if (mode === "announcer") refreshPoints();
  const now = Date.now();
  const shown = badgeText(state.status, now);
  badge.hidden = !shown;
  if (shown) {
    badge.textContent = shown.text;
    badge.dataset.level = shown.level;
  }
  root.dataset.link = state.status.state;
  clock.textContent = new Date(now + state.clockOffset).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  renderCounts();
}

// Kiosk: full screen on request (browsers need a gesture), cursor hidden when idle.
function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.().catch(() => {});
}
root.querySelector(".d-full").addEventListener("click", toggleFullscreen);
document.addEventListener("keydown", (event) => {
  if ((event.key === "f" || event.key === "F") && event.target.tagName !== "INPUT") toggleFullscreen();
});
if (root.dataset.kiosk === "1") {
  document.addEventListener("click", () => { if (!document.fullscreenElement) toggleFullscreen(); }, { once: true });
}
let idleTimer = null;
function awake() {
  document.body.classList.remove("cursor-hidden");
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => document.body.classList.add("cursor-hidden"), 3000);
}
document.addEventListener("mousemove", awake);
awake();

const connection = new LiveConnection(root.dataset.socket, {
  onHello,
  onEvents,
  onStandings,
  onStatus: (status) => { state.status = status; },
}, newestId);
window.p88display = { state, connection }; // for operators' consoles and the browser test
connection.start();
setInterval(tick, 100);
tick();

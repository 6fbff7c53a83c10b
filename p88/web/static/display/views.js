// The three display modes, drawn with DOM nodes and text only.
import { ageText, el, formatElapsed, place, timeOfDay } from "./format.js";

// The built-in views lead with the time the runner's course ranks by (the result's, on their
// finish passing); elsewhere with gun time (the race clock). The other time follows when it
// says something the first does not.
export function chipText(event) {
  if (event.chip_ms === null || event.chip_ms === undefined) return "";
  const chip = formatElapsed(event.chip_ms);
  return chip === formatElapsed(event.gun_ms) ? "" : `chip ${chip}`;
}

// [main time, the other one or ""] for an event.
export function timesOf(event) {
  const r = event.r;
  if (r && r.rank_by === "chip" && event.chip_ms !== null && event.chip_ms !== undefined) {
    const gun = formatElapsed(event.gun_ms);
    const chip = formatElapsed(event.chip_ms);
    return [chip, gun && gun !== chip ? `gun ${gun}` : ""];
  }
  return [formatElapsed(event.gun_ms) || timeOfDay(event), chipText(event)];
}

// "Place 7 of 412 · provisional": the runner's overall place, on their finish passing only.
export function placeText(event) {
  const r = event.r;
  if (!r || !r.place || typeof r.place.overall !== "number") return "";
  const of = r.of ? ` of ${r.of}` : "";
  return `Place ${r.place.overall}${of}${r.provisional && r.provisional.overall ? " · provisional" : ""}`;
}

function athleteCard(event, size) {
  const p = event.p;
  const card = el("article", `athlete${p.vip ? " vip" : ""}${size > 1 ? " compact" : ""}`);
  card.dataset.eventId = String(event.id);
  const top = el("div", "a-top");
  top.append(el("span", "a-bib", p.bib));
  if (p.vip) top.append(el("span", "a-vip", "VIP"));
  if (p.age_group) top.append(el("span", "a-group", p.age_group));
  const rank = placeText(event);
  if (rank) top.append(el("span", "a-rank", rank));
  card.append(top);
  card.append(el("h2", "a-name", p.name || `Bib ${p.bib}`));
  const where = [place(event), p.team].filter(Boolean).join(" · ");
  if (where) card.append(el("div", "a-place", where));
  const time = el("div", "a-time");
  const [main, other] = timesOf(event);
  time.append(el("span", "a-elapsed", main));
  if (other) time.append(el("span", "a-chip", other));
  time.append(el("span", "a-loc", event.lap > 1 ? `${event.loc} · lap ${event.lap}` : event.loc));
  card.append(time);
  if (p.message && size === 1) card.append(el("p", "a-message", p.message));
  return card;
}

export function renderCard(stage, card) {
  const wrap = el("div", `card-group n${card.athletes.length}`);
  for (const event of card.athletes) wrap.append(athleteCard(event, card.athletes.length));
  stage.replaceChildren(wrap);
  if (card.more > 0) stage.append(el("div", "more", `+${card.more} more`));
}

export function renderIdle(stage, name) {
  stage.replaceChildren(el("div", "idle-card", name ? `${name}: waiting for the first finisher` : "Waiting for the first finisher"));
}

export function renderRecent(list, events) {
  const items = events.slice(0, 8).map((event) => {
    const li = el("li", event.p && event.p.vip ? "vip" : "");
    li.dataset.eventId = String(event.id);
    li.append(el("span", "r-bib", event.p ? event.p.bib : event.tag));
    li.append(el("span", "r-name", event.p ? event.p.name : "unknown tag"));
    li.append(el("span", "r-time", timesOf(event)[0]));
    return li;
  });
  list.replaceChildren(...items);
}

export function renderAnnouncer(stage, events, { search, starred, point }) {
  const list = el("ol", "announcer-list");
  const wanted = search.trim();
  let shown = 0;
  for (const event of events) {
    if (point && event.loc !== point) continue;
    const p = event.p;
    if (wanted && !(p && (p.bib === wanted || p.bib.startsWith(wanted))) && event.tag !== wanted) continue;
    const li = el("li", `${p && p.vip ? "vip " : ""}${p && starred.has(p.bib) ? "starred" : ""}`);
    li.dataset.eventId = String(event.id);
    if (p) li.dataset.bib = p.bib;
    li.append(el("span", "an-bib", p ? p.bib : event.tag));
    const who = el("div", "an-who");
    who.append(el("span", "an-name", p ? p.name : "unknown tag"));
    if (p && p.pronunciation) who.append(el("span", "an-say", `say: ${p.pronunciation}`));
    const details = p ? [p.age_group, placeText(event), place(event), p.team].filter(Boolean).join(" · ") : "";
    if (details) who.append(el("span", "an-details", details));
    if (p && p.message) who.append(el("span", "an-message", p.message));
    li.append(who);
    const right = el("div", "an-right");
    const [main, other] = timesOf(event);
    right.append(el("span", "an-time", main));
    if (other) right.append(el("span", "an-chip", other));
    right.append(el("span", "an-loc", `${event.loc} ${timeOfDay(event)}`));
    li.append(right);
    list.append(li);
    shown += 1;
    if (shown >= 200) break;
  }
  if (!shown) list.append(el("li", "an-empty", wanted ? `No arrival with bib ${wanted} yet` : "No arrivals yet"));
  stage.replaceChildren(list);
}

// The server's standings (a Standings): each course's leaders, ranked by the course's time; a
// place that may still change is marked. With no results, what the server says instead.
export function renderLeaderboard(stage, standings, size = 10) {
  const courses = standings.courses();
  const parts = [];
  let provisional = false;
  for (const course of courses) {
    if (courses.length > 1) parts.push(el("h3", "lb-course", course.course));
    const table = el("ol", "leaderboard");
    table.dataset.course = course.course;
    for (const entry of standings.list(course).slice(0, size)) {
      const li = el("li", entry.vip ? "vip" : "");
      li.dataset.bib = entry.bib;
      const mark = entry.provisional && entry.provisional.overall;
      provisional = provisional || mark;
      li.append(el("span", "lb-place", entry.place.overall === null ? "" : `${entry.place.overall}${mark ? "*" : ""}`));
      li.append(el("span", "lb-name", entry.name));
      li.append(el("span", "lb-group", entry.age_group || ""));
      li.append(el("span", "lb-time", formatElapsed(entry.ranking_ms)));
      table.append(li);
    }
    if (!course.overall.length) table.append(el("li", "an-empty", "No finish times yet"));
    parts.push(table);
  }
  if (!courses.length) {
    const state = standings.state;
    const text = state.state === "none" ? "No results for this session yet" : "No finish times yet";
    const table = el("ol", "leaderboard");
    table.append(el("li", "an-empty", text));
    parts.push(table);
  }
  if (provisional) parts.push(el("p", "lb-note", "* provisional: runners still on the course may finish faster"));
  stage.replaceChildren(...parts);
}

export function badgeText(status, now) {
  const age = status.lastMessageAt ? ageText(now - status.lastMessageAt) : null;
  if (status.state === "stopped") return { text: status.reason, level: "bad" };
  if (status.state === "offline" || status.state === "reconnecting" || status.state === "connecting") {
    const retry = status.retryAt ? ` · retrying in ${ageText(status.retryAt - now)}` : "";
    return { text: `Offline${age ? ` · newest data ${age} old` : ""}${retry}`, level: "warn" };
  }
  if (status.lastMessageAt && now - status.lastMessageAt > 25_000) {
    return { text: `No word from the server for ${age}`, level: "warn" };
  }
  return null; // a queue running behind shows as "+N more" on the card itself
}

// The three display modes, drawn with DOM nodes and text only.
import { ageText, el, formatElapsed, place, timeOfDay } from "./format.js";

// The built-in views lead with gun time (the race clock, and what places are decided on by
// default); the runner's own chip time follows when the server knows their start crossing and
// it says something the gun time does not.
export function chipText(event) {
  if (event.chip_ms === null || event.chip_ms === undefined) return "";
  const chip = formatElapsed(event.chip_ms);
  return chip === formatElapsed(event.gun_ms) ? "" : `chip ${chip}`;
}

function athleteCard(event, size, rank) {
  const p = event.p;
  const card = el("article", `athlete${p.vip ? " vip" : ""}${size > 1 ? " compact" : ""}`);
  card.dataset.eventId = String(event.id);
  const top = el("div", "a-top");
  top.append(el("span", "a-bib", p.bib));
  if (p.vip) top.append(el("span", "a-vip", "VIP"));
  if (p.age_group) top.append(el("span", "a-group", p.age_group));
  if (rank) top.append(el("span", "a-rank", `Place ${rank}`));
  card.append(top);
  card.append(el("h2", "a-name", p.name || `Bib ${p.bib}`));
  const where = [place(event), p.team].filter(Boolean).join(" · ");
  if (where) card.append(el("div", "a-place", where));
  const time = el("div", "a-time");
  time.append(el("span", "a-elapsed", formatElapsed(event.gun_ms) || timeOfDay(event)));
  const chip = chipText(event);
  if (chip) time.append(el("span", "a-chip", chip));
  time.append(el("span", "a-loc", event.lap > 1 ? `${event.loc} · lap ${event.lap}` : event.loc));
  card.append(time);
  if (p.message && size === 1) card.append(el("p", "a-message", p.message));
  return card;
}

// `placeOf(event)`: the overall place the passing earned, or null (PageStandings.placeOf).
export function renderCard(stage, card, placeOf = () => null) {
  const wrap = el("div", `card-group n${card.athletes.length}`);
  for (const event of card.athletes) wrap.append(athleteCard(event, card.athletes.length, placeOf(event)));
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
    li.append(el("span", "r-time", formatElapsed(event.gun_ms) || timeOfDay(event)));
    return li;
  });
  list.replaceChildren(...items);
}

export function renderAnnouncer(stage, events, { search, starred, point, placeOf = () => null }) {
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
    const rank = p ? placeOf(event) : null;
    const details = p ? [p.age_group, rank ? `Place ${rank}` : "", place(event), p.team].filter(Boolean).join(" · ") : "";
    if (details) who.append(el("span", "an-details", details));
    if (p && p.message) who.append(el("span", "an-message", p.message));
    li.append(who);
    const right = el("div", "an-right");
    right.append(el("span", "an-time", formatElapsed(event.gun_ms) || timeOfDay(event)));
    const chip = chipText(event);
    if (chip) right.append(el("span", "an-chip", chip));
    right.append(el("span", "an-loc", `${event.loc} ${timeOfDay(event)}`));
    li.append(right);
    list.append(li);
    shown += 1;
    if (shown >= 200) break;
  }
  if (!shown) list.append(el("li", "an-empty", wanted ? `No arrival with bib ${wanted} yet` : "No arrivals yet"));
  stage.replaceChildren(list);
}

// `ranked`: [{event, place}] fastest first (PageStandings.ranked()); a place not certain is blank.
export function renderLeaderboard(stage, ranked, size = 10) {
  const top = ranked.slice(0, size);
  const table = el("ol", "leaderboard");
  for (const { event, place: rank } of top) {
    const li = el("li", event.p.vip ? "vip" : "");
    li.dataset.eventId = String(event.id);
    li.append(el("span", "lb-place", rank ?? ""));
    li.append(el("span", "lb-name", event.p.name));
    li.append(el("span", "lb-group", event.p.age_group || ""));
    li.append(el("span", "lb-time", formatElapsed(event.gun_ms)));
    table.append(li);
  }
  if (!top.length) table.append(el("li", "an-empty", "No finish times yet"));
  stage.replaceChildren(table);
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

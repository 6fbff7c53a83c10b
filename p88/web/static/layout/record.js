// From display events to the data record the shared renderer draws (layout/render.js).
//
// Events are what display sockets send ({id, loc, tag, lap, t, gun_ms, chip_ms, p}, see
// docs/DISPLAYS.md). One mapping for every page that draws a template from live passings (the
// venue display, the builder's live preview), so they cannot disagree on what a screen shows.

// The server sends chip_ms null when it saw no start-mat read for the runner: a chip-time
// element then shows the gun time, as results count from the gun when there is no start.
export function toAthlete(event) {
  const p = event.p;
  const gun = event.gun_ms ?? null;
  return {
    bib: p.bib, first_name: p.first, last_name: p.last, name: p.name, gender: p.gender || "",
    age_group: p.age_group, city: p.city, country: p.country || p.state, team: p.team,
    message: p.message, vip: p.vip, gun_time_ms: gun, chip_time_ms: event.chip_ms ?? gun,
    place: null,
  };
}

// Places by gun time among the arrivals this page knows (best time per bib).
export function leadersOf(history) {
  const best = new Map();
  for (const event of history) {
    if (!event.p || event.gun_ms === null || event.gun_ms === undefined) continue;
    const known = best.get(event.p.bib);
    if (!known || event.gun_ms < known.gun_ms) best.set(event.p.bib, event);
  }
  // Ties to the millisecond go to the earlier read, as on the server (p88/live/standings.py).
  const sorted = [...best.values()].sort((a, b) => a.gun_ms - b.gun_ms || a.id - b.id);
  const byGender = new Map();
  const byGroup = new Map();
  return sorted.map((event, index) => {
    const athlete = toAthlete(event);
    const g = (byGender.get(athlete.gender) || 0) + 1;
    byGender.set(athlete.gender, g);
    const a = (byGroup.get(athlete.age_group) || 0) + 1;
    byGroup.set(athlete.age_group, a);
    athlete.place = { overall: index + 1, gender: athlete.gender ? g : null, age_group: athlete.age_group ? a : null };
    return athlete;
  });
}

/**
 * The renderer's data record: `current` is the event being called out (or null), `history`
 * every event known, newest first (unknown tags are skipped), `clock` the race clock's gun.
 */
export function layoutRecord(current, history, clock = { gun_epoch_ms: null }) {
  const known = history.filter((event) => event.p);
  const athlete = current && current.p ? toAthlete(current) : null;
  const leaders = leadersOf(known);
  if (athlete) {
    const placed = leaders.find((leader) => leader.bib === athlete.bib);
    if (placed) athlete.place = placed.place;
  }
  return { athlete, recent: known.slice(0, 20).map(toAthlete), leaders, clock };
}

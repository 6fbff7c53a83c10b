// From display events and standings to the data record the shared renderer draws
// (layout/render.js).
//
// Events are what display sockets send ({id, loc, tag, lap, t, gun_ms, chip_ms, p, r}, see
// docs/DISPLAYS.md); standings are the session's, as the server's results engine ranks them
// (display/standings.js). One mapping for every page that draws a template from live passings
// (the venue display, the builder's live preview), so they cannot disagree on what a screen shows.

const NO_PLACE = Object.freeze({ overall: null, gender: null, age_group: null });

// The server sends chip_ms null when the runner has no start read: a chip-time element then
// shows the gun time, as results count from the gun when there is no start. Places come only
// with the runner's finish (`r`): a passing elsewhere has none.
export function toAthlete(event) {
  const p = event.p;
  const gun = event.gun_ms ?? null;
  const r = event.r || null;
  return {
    bib: p.bib, first_name: p.first, last_name: p.last, name: p.name, gender: p.gender || "",
    age_group: p.age_group, city: p.city, country: p.country || p.state, team: p.team,
    message: p.message, vip: p.vip, gun_time_ms: gun, chip_time_ms: event.chip_ms ?? gun,
    ranking_time_ms: r ? r.ranking_ms : null, course: r ? r.course : null,
    place: r ? r.place : NO_PLACE,
    provisional: r ? r.provisional : NO_PLACE,
  };
}

// A standings entry (already ranked by the server) as the renderer's athlete.
export function entryAthlete(entry) {
  return {
    bib: entry.bib, first_name: entry.first, last_name: entry.last, name: entry.name,
    gender: entry.gender || "", age_group: entry.age_group || "", city: entry.city,
    country: entry.country, team: entry.team, message: "", vip: entry.vip,
    gun_time_ms: entry.gun_ms, chip_time_ms: entry.chip_ms ?? entry.gun_ms,
    ranking_time_ms: entry.ranking_ms, course: entry.course, place: entry.place, provisional: entry.provisional,
  };
}

/**
 * The renderer's data record: `current` is the event being called out (or null), `history`
 * every event known, newest first (unknown tags are skipped), `standings` the session's
 * (a Standings; its leaders are those of the current athlete's course, else the first course),
 * `clock` the race clock's gun (by default the standings').
 */
export function layoutRecord(current, history, standings = null, clock = null) {
  const known = history.filter((event) => event.p);
  const athlete = current && current.p ? toAthlete(current) : null;
  const course = standings ? standings.course(athlete && athlete.course) : null;
  const leaders = standings ? standings.runnersOf(course).map(entryAthlete) : [];
  const gun = clock || { gun_epoch_ms: standings ? standings.gunEpochMs : null };
  return { athlete, recent: known.slice(0, 20).map(toAthlete), leaders, clock: gun };
}

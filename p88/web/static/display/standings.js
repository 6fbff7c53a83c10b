// The session's standings as the server's results engine ranks them (p88/live/standings.py):
// the hello carries them, a `standings` message replaces them (at most one a second). A page
// ranks nobody: it draws these lists, places included.
//
// Payload: {results: {state, note, version, saved}, gun_epoch_ms,
//   courses: [{course, rank_by, finishers, overall: [bib], gender: {F: [bib]}, age_group: {…}}],
//   runners: {bib: {bib, name, first, last, gender, age_group, city, country, team, vip,
//                   course, gun_ms, chip_ms, ranking_ms, place: {overall, gender, age_group},
//                   provisional: {overall, gender, age_group}}}}

const EMPTY = Object.freeze({ results: { state: "building", note: "" }, gun_epoch_ms: null, courses: [], runners: {} });

export class Standings {
  constructor() {
    this.payload = EMPTY;
  }

  // A hello's or a standings message's payload (the message's `type` is ignored).
  take(payload) {
    if (payload && Array.isArray(payload.courses)) this.payload = payload;
  }

  get state() {
    return this.payload.results || EMPTY.results;
  }

  get gunEpochMs() {
    return this.payload.gun_epoch_ms ?? null;
  }

  courses() {
    return this.payload.courses;
  }

  // A course by name, else the first (a page that does not know the runner's course).
  course(name) {
    const courses = this.payload.courses;
    return courses.find((c) => c.course === name) || courses[0] || null;
  }

  // The runners of one list, in the server's order: [entry].
  list(course, kind = "overall", value = "") {
    if (!course) return [];
    const bibs = kind === "overall" ? course.overall : (course[kind] || {})[value] || [];
    return bibs.map((bib) => this.payload.runners[bib]).filter(Boolean);
  }

  // Every runner the server listed for a course (overall first, then category leaders), once.
  runnersOf(course) {
    if (!course) return [];
    const seen = new Set();
    const all = [];
    const lists = [course.overall, ...Object.values(course.gender || {}), ...Object.values(course.age_group || {})];
    for (const bibs of lists) {
      for (const bib of bibs) {
        const entry = this.payload.runners[bib];
        if (entry && !seen.has(bib)) {
          seen.add(bib);
          all.push(entry);
        }
      }
    }
    return all;
  }
}


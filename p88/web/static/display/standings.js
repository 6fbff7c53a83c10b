// The standings as a page knows them: the server's leaders from each hello (its best finishers
// of the whole session, including those long gone from the feed's ring) merged with every
// passing seen since, ranked by the server's rules (p88/live/standings.py):
// - the ranking point is the display's only point, or else the point named FINISH;
// - a runner ranks by their fastest passing there at least MIN_FINISH_MS after the gun (their
//   first finish: a later lap is slower, a walk over the mat before the start too early);
// - gun time, then read id; unknown tags and passings without a gun time are not ranked.
// Places are exact up to the server's K-th leader (anyone faster is in the list or arrived
// live); past it they are unknown (null), unless the server sent all it had (fewer than K).
// After its K overall leaders the server sends the best few of each gender and age group (slower
// than those K): kept for the template's category leaderboards, which rank them themselves.

export const LEADERS_KEPT = 200; // the server's K (p88/live/standings.py LEADERS_KEPT)
export const MIN_FINISH_MS = 60_000; // p88/live/standings.py MIN_FINISH_MS
export const PAGE_KEPT = 1000; // finishers a page keeps: places of later ones are unknown

// The lower-cased point a display ranks by, or null (several points and none is FINISH).
// `locations` is the hello's display.locations: empty means every point of the session.
export function rankingPoint(locations) {
  if (!locations || !locations.length) return "finish";
  const names = new Set(locations.map((name) => String(name).toLowerCase()));
  if (names.size === 1) return [...names][0];
  return names.has("finish") ? "finish" : null;
}

export function compareRank(a, b) {
  return a.gun_ms - b.gun_ms || a.id - b.id;
}

// A passing at the ranking point that may be a finish (the server's rule, applied to events).
export function isFinish(event, point) {
  return point !== null && Boolean(event.p) && typeof event.gun_ms === "number"
    && event.gun_ms >= MIN_FINISH_MS && String(event.loc || "").toLowerCase() === point;
}

export class PageStandings {
  constructor(size = PAGE_KEPT) {
    this.size = size;
    this.point = null;
    this.list = []; // finish events, fastest first, one per bib
    this.byBib = new Map();
    this.exactUntil = null; // the slowest event whose place is certain; null: every one kept
    this.fromServer = []; // the last hello's leaders, categories' included
  }

  // Each hello: a fresh page, or one that missed passings, starts from the server's leaders;
  // a page that resumed without a gap keeps what it knows (it may know more than K).
  hello(hello) {
    this.point = rankingPoint(hello.display && hello.display.locations);
    const leaders = hello.leaders || [];
    this.fromServer = leaders;
    if (!hello.resumed || hello.missed > 0) {
      this.list = [];
      this.byBib.clear();
      this.exactUntil = null;
      this.add(leaders);
      // K overall leaders end somewhere in the field: slower runners may exist that they leave out.
      if (leaders.length >= LEADERS_KEPT) this._certainUpTo(leaders[LEADERS_KEPT - 1]);
    }
    this.add(hello.events || []);
  }

  // Passings in any order, any number of times (a resume may resend what a hello had).
  add(events) {
    for (const event of events) {
      if (!isFinish(event, this.point)) continue;
      const bib = event.p.bib;
      const known = this.byBib.get(bib);
      if (known && compareRank(known, event) <= 0) continue;
      if (!known && this.list.length >= this.size && compareRank(event, this.list[this.list.length - 1]) >= 0) {
        this._certainUpTo(this.list[this.list.length - 1]); // dropped: nobody after it is placed
        continue;
      }
      if (known) this.list.splice(this.list.indexOf(known), 1);
      this.list.splice(this._index(event), 0, event);
      this.byBib.set(bib, event);
      if (this.list.length > this.size) {
        this.byBib.delete(this.list.pop().p.bib);
        this._certainUpTo(this.list[this.list.length - 1]);
      }
    }
  }

  _index(event) {
    let low = 0;
    let high = this.list.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareRank(this.list[mid], event) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  _certainUpTo(event) {
    if (this.exactUntil === null || compareRank(event, this.exactUntil) < 0) this.exactUntil = event;
  }

  _placed(event) {
    return this.exactUntil === null || compareRank(event, this.exactUntil) <= 0;
  }

  // [{event, place}] fastest first; place is null where it is not certain.
  ranked() {
    return this.list.map((event, index) => ({ event, place: this._placed(event) ? index + 1 : null }));
  }

  // The overall place this passing earned, or null: not the runner's finish (another point, a
  // later lap), not ranked, or not certain.
  placeOf(event) {
    const kept = event && event.p ? this.byBib.get(event.p.bib) : undefined;
    if (!kept || kept.id !== event.id || !this._placed(kept)) return null;
    return this._index(kept) + 1; // the list is sorted and (gun_ms, id) unique
  }

  // What a template's lists are drawn from (its renderer ranks finishers by gun time itself):
  // the arrivals this page saw, with other points and too-early passings left out, merged with
  // the finishers it only knows from the server, newest first.
  forTemplate(history) {
    if (this.point === null) return history;
    const seen = new Set();
    const merged = [];
    for (const event of history) {
      const here = String(event.loc || "").toLowerCase() === this.point;
      const early = typeof event.gun_ms === "number" && event.gun_ms < MIN_FINISH_MS;
      if (here && !early && !seen.has(event.id)) {
        seen.add(event.id);
        merged.push(event);
      }
    }
    for (const event of [...this.list, ...this.fromServer]) {
      if (!seen.has(event.id) && isFinish(event, this.point)) {
        seen.add(event.id);
        merged.push(event);
      }
    }
    return merged.sort((a, b) => b.id - a.id);
  }
}

// node --test tests/js/ : display events and standings -> the renderer's record, as the venue
// display and the builder's live preview both build it (p88/web/static/layout/record.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { layoutRecord } from "../../p88/web/static/layout/record.js";
import { Standings } from "../../p88/web/static/display/standings.js";

function passing(id, bib, gun_ms, r = null) {
  const p = { bib, first: `R${bib}`, last: "X", name: `R${bib} X`, gender: "F", age_group: "F40-44" };
  return { id, loc: "FINISH", tag: bib, lap: 1, t: "", gun_ms, chip_ms: null, p, r };
}

function entry(bib, course, overall, gender = "F") {
  return {
    bib, name: `R${bib} X`, first: `R${bib}`, last: "X", gender, age_group: `${gender}40-44`,
    city: "", country: "", team: "", vip: false, course, gun_ms: overall * 1000, chip_ms: null,
    ranking_ms: overall * 1000, place: { overall, gender: overall, age_group: overall },
    provisional: { overall: overall > 1, gender: false, age_group: false },
  };
}

function standings() {
  const s = new Standings();
  s.take({
    results: { state: "ready", note: "" },
    gun_epoch_ms: 77,
    courses: [
      { course: "5K", rank_by: "chip", finishers: 2, overall: ["1", "2"], gender: { F: ["1", "2"] }, age_group: {} },
      { course: "10K", rank_by: "gun", finishers: 1, overall: ["9"], gender: {}, age_group: { "M40-44": ["9"] } },
    ],
    runners: { 1: entry("1", "5K", 1), 2: entry("2", "5K", 2), 9: entry("9", "10K", 1, "M") },
  });
  return s;
}

test("the called-out athlete's place is the result's, and leaders are the server's", () => {
  const r = {
    course: "10K", status: "finished", rank_by: "gun", ranking_ms: 3_000_000, of: 1,
    place: { overall: 1, gender: 1, age_group: 1 },
    provisional: { overall: true, gender: false, age_group: false },
  };
  const history = [passing(3, "9", 3_000_000, r), passing(2, "2", 2_000_000)];
  const record = layoutRecord(history[0], history, standings());
  assert.deepEqual(record.athlete.place, r.place);
  assert.deepEqual(record.athlete.provisional, r.provisional);
  assert.deepEqual(record.recent.map((a) => a.bib), ["9", "2"]);
  // The leaders are of the athlete's course (10K), as the server ranked them.
  assert.deepEqual(record.leaders.map((a) => a.bib), ["9"]);
  assert.deepEqual(record.clock, { gun_epoch_ms: 77 });
});

test("a passing that is not a finish has no place; leaders then show the first course", () => {
  const record = layoutRecord(passing(5, "1", 1_000_000), [passing(5, "1", 1_000_000)], standings());
  assert.deepEqual(record.athlete.place, { overall: null, gender: null, age_group: null });
  assert.deepEqual(record.leaders.map((a) => [a.bib, a.place.overall]), [["1", 1], ["2", 2]]);
});

test("unknown tags are never shown as a person; without standings there are no leaders", () => {
  const unknown = { id: 9, loc: "FINISH", tag: "999", lap: 1, t: "", gun_ms: 1, chip_ms: null, p: null };
  const record = layoutRecord(unknown, [unknown, passing(1, "1", 3_000_000)]);
  assert.equal(record.athlete, null);
  assert.deepEqual(record.recent.map((a) => a.bib), ["1"]);
  assert.deepEqual(record.leaders, []);
  assert.deepEqual(record.clock, { gun_epoch_ms: null });
});

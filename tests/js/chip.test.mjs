// node --test tests/js/ : times and places as the display pages take them from the server's events.
import assert from "node:assert/strict";
import { test } from "node:test";

import { toAthlete } from "../../p88/web/static/display/templated.js";
import { chipText, placeText, timesOf } from "../../p88/web/static/display/views.js";

const runner = { bib: "7", first: "Ada", last: "Lind", name: "Ada Lind", vip: false };

function event(gun_ms, chip_ms, r = undefined) {
  return { id: 1, loc: "FINISH", tag: "7", lap: 1, t: "2021-05-08T09:00:00.00", gun_ms, chip_ms, p: runner, r };
}

function result(rank_by, overall, provisional) {
  return {
    course: "10K", status: "finished", rank_by, ranking_ms: 0, of: 412,
    place: { overall, gender: 3, age_group: 1 },
    provisional: { overall: provisional, gender: false, age_group: false },
  };
}

test("a template's chip-time element gets the server's chip time", () => {
  const athlete = toAthlete(event(3_000_000, 2_958_500));
  assert.equal(athlete.gun_time_ms, 3_000_000);
  assert.equal(athlete.chip_time_ms, 2_958_500);
});

test("without a start read (chip_ms null) chip time falls back to gun time", () => {
  assert.equal(toAthlete(event(3_000_000, null)).chip_time_ms, 3_000_000);
  assert.equal(toAthlete(event(null, null)).chip_time_ms, null);
});

test("built-in views add the chip time only when it tells something new", () => {
  assert.equal(chipText(event(3_000_000, 2_958_500)), "chip 49:18");
  assert.equal(chipText(event(3_000_000, 3_000_400)), ""); // the same to the second
  assert.equal(chipText(event(3_000_000, null)), "");
});

test("a finish on a chip-ranked course leads with chip time, a gun-ranked one with gun time", () => {
  assert.deepEqual(timesOf(event(3_000_000, 2_958_500, result("chip", 7, false))), ["49:18", "gun 50:00"]);
  assert.deepEqual(timesOf(event(3_000_000, 2_958_500, result("gun", 7, false))), ["50:00", "chip 49:18"]);
  assert.deepEqual(timesOf(event(null, null)), ["09:00:00", ""]); // no results: time of day
});

test("the place is the result's, and says provisional while it may change", () => {
  assert.equal(placeText(event(1, 1, result("chip", 7, true))), "Place 7 of 412 · provisional");
  assert.equal(placeText(event(1, 1, result("chip", 7, false))), "Place 7 of 412");
  assert.equal(placeText(event(1, 1)), ""); // not a finish: no place
});

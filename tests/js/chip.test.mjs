// node --test tests/js/ : chip time as the display pages take it from the server's events.
import assert from "node:assert/strict";
import { test } from "node:test";

import { toAthlete } from "../../p88/web/static/display/templated.js";
import { chipText } from "../../p88/web/static/display/views.js";

const runner = { bib: "7", first: "Ada", last: "Lind", name: "Ada Lind", vip: false };

function event(gun_ms, chip_ms) {
  return { id: 1, loc: "FINISH", tag: "7", lap: 1, t: "", gun_ms, chip_ms, p: runner };
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

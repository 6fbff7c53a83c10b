// node --test tests/js/ : display events -> the renderer's record, as the venue display and the
// builder's live preview both build it (p88/web/static/layout/record.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { layoutRecord } from "../../p88/web/static/layout/record.js";

function passing(id, bib, gun_ms, gender = "F") {
  const p = { bib, first: `R${bib}`, last: "X", name: `R${bib} X`, gender, age_group: `${gender}40` };
  return { id, loc: "FINISH", tag: bib, lap: 1, t: "", gun_ms, chip_ms: null, p };
}

test("the called-out athlete gets their place among the arrivals known", () => {
  const history = [passing(3, "3", 3_100_000, "M"), passing(2, "2", 3_000_000), passing(1, "1", 3_200_000)];
  const record = layoutRecord(history[0], history, { gun_epoch_ms: 5 });
  assert.equal(record.athlete.bib, "3");
  assert.deepEqual(record.athlete.place, { overall: 2, gender: 1, age_group: 1 });
  assert.deepEqual(record.recent.map((a) => a.bib), ["3", "2", "1"]);
  assert.deepEqual(record.leaders.map((a) => a.bib), ["2", "3", "1"]);
  assert.deepEqual(record.clock, { gun_epoch_ms: 5 });
});

test("unknown tags are never shown as a person", () => {
  const unknown = { id: 9, loc: "FINISH", tag: "999", lap: 1, t: "", gun_ms: 1, chip_ms: null, p: null };
  const record = layoutRecord(unknown, [unknown, passing(1, "1", 3_000_000)]);
  assert.equal(record.athlete, null);
  assert.deepEqual(record.recent.map((a) => a.bib), ["1"]);
  assert.deepEqual(record.clock, { gun_epoch_ms: null });
});

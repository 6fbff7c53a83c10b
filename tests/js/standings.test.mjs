// node --test tests/js/ : pages draw the server's standings; they rank nobody themselves.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Standings } from "../../p88/web/static/display/standings.js";

const runner = (bib) => ({ bib, name: `Runner ${bib}`, place: { overall: Number(bib) } });

test("lists come in the server's order, each category's too", () => {
  const s = new Standings();
  assert.deepEqual(s.courses(), []);
  assert.equal(s.state.state, "building");
  s.take({
    results: { state: "ready", note: "" },
    courses: [{ course: "10K", overall: ["3", "1"], gender: { F: ["1"] }, age_group: { "F40-44": ["1"] } }],
    runners: { 1: runner("1"), 3: runner("3") },
  });
  const course = s.course("10K");
  assert.deepEqual(s.list(course).map((e) => e.bib), ["3", "1"]);
  assert.deepEqual(s.list(course, "gender", "F").map((e) => e.bib), ["1"]);
  assert.deepEqual(s.list(course, "gender", "M"), []);
  assert.deepEqual(s.runnersOf(course).map((e) => e.bib), ["3", "1"]);
  assert.equal(s.course("no such course"), course); // the first course
});

test("a message without courses (not standings) changes nothing", () => {
  const s = new Standings();
  s.take({ results: { state: "none", note: "no finish point" }, courses: [], runners: {} });
  assert.equal(s.state.state, "none");
  s.take({ type: "heartbeat" });
  assert.equal(s.state.note, "no finish point");
});

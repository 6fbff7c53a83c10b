// node --test tests/js/ : a page ranks every finisher by merging the server's leaders (hello)
// with the passings it sees live.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  LEADERS_KEPT, MIN_FINISH_MS, PageStandings, rankingPoint,
} from "../../p88/web/static/display/standings.js";
import { leadersOf } from "../../p88/web/static/display/templated.js";

function passing(id, bib, gun_ms, { loc = "FINISH", lap = 1, known = true, gender = "F" } = {}) {
  const p = known ? { bib: String(bib), name: `Runner ${bib}`, first: "R", last: String(bib), gender, age_group: "" } : null;
  return { id, loc, tag: String(bib), lap, t: "", gun_ms, chip_ms: null, p };
}

function hello({ leaders = [], events = [], resumed = false, missed = 0, locations = ["FINISH"] } = {}) {
  return { type: "hello", display: { locations }, leaders, events, resumed, missed };
}

const bibs = (standings) => standings.ranked().map(({ event }) => event.p.bib);
const places = (standings) => standings.ranked().map(({ place }) => place);

test("the ranking point is the display's only point, else FINISH", () => {
  assert.equal(rankingPoint(["FINISH"]), "finish");
  assert.equal(rankingPoint(["Announcer"]), "announcer");
  assert.equal(rankingPoint([]), "finish");
  assert.equal(rankingPoint(["10K", "Finish"]), "finish");
  assert.equal(rankingPoint(["10K", "20K"]), null);
});

test("a page opened late ranks the early fast finishers it only knows from the hello", () => {
  const standings = new PageStandings();
  // The ring holds the latest (slow) arrivals; the winner crossed long before.
  const winner = passing(10, 1, 1_800_000);
  const second = passing(11, 2, 1_900_000);
  const ring = [passing(900, 50, 3_000_000), passing(901, 51, 3_100_000)];
  standings.hello(hello({ leaders: [winner, second, ...ring], events: ring }));
  assert.deepEqual(bibs(standings), ["1", "2", "50", "51"]);
  // Live: one faster than the ring runners, one slower than all.
  standings.add([passing(950, 60, 2_000_000), passing(951, 61, 4_000_000)]);
  assert.deepEqual(bibs(standings), ["1", "2", "60", "50", "51", "61"]);
  assert.deepEqual(places(standings), [1, 2, 3, 4, 5, 6]); // the server sent all it had
  assert.equal(standings.placeOf(passing(950, 60, 2_000_000)), 3);
  assert.equal(standings.placeOf(passing(990, 60, 2_400_000, { lap: 2 })), null); // not the finish
});

test("past the server's last leader places are unknown, before it they are exact", () => {
  const standings = new PageStandings();
  const leaders = Array.from({ length: LEADERS_KEPT }, (_, i) => passing(i + 1, i + 1, 1_000_000 + i * 1000));
  const ring = [passing(5000, 5000, 9_000_000)]; // slower than every leader: its place is unknown
  standings.hello(hello({ leaders, events: ring }));
  const late = [passing(5001, 5001, 1_000_500), passing(5002, 5002, 9_500_000)];
  standings.add(late);
  assert.equal(standings.placeOf(leaders[0]), 1);
  assert.equal(standings.placeOf(late[0]), 2); // faster than the last leader: exact
  assert.equal(standings.placeOf(leaders[LEADERS_KEPT - 1]), LEADERS_KEPT + 1);
  assert.equal(standings.placeOf(ring[0]), null);
  assert.equal(standings.placeOf(late[1]), null);
  assert.equal(standings.ranked().filter(({ place }) => place !== null).length, LEADERS_KEPT + 1);
});

test("later laps, repeats, other points, walk-overs and unknown tags do not move anyone", () => {
  const standings = new PageStandings();
  standings.hello(hello({ locations: [], leaders: [passing(5, 1, 2_000_000)] }));
  standings.add([
    passing(5, 1, 2_000_000), // resent by a resume
    passing(6, 1, 2_600_000, { lap: 2 }),
    passing(7, 2, 500_000, { loc: "10K" }),
    passing(8, 3, MIN_FINISH_MS - 1), // on the way to the start
    passing(9, 4, 1_000_000, { known: false }),
    passing(10, 5, null),
    passing(20, 3, 2_100_000, { lap: 2 }), // runner 3's real finish
  ]);
  assert.deepEqual(bibs(standings), ["1", "3"]);
});

test("a resume without a gap keeps what the page knows; one with a gap starts over", () => {
  const standings = new PageStandings();
  standings.hello(hello({ events: [passing(1, 1, 2_000_000)], leaders: [passing(1, 1, 2_000_000)] }));
  standings.add([passing(2, 2, 2_100_000)]);
  standings.hello(hello({ resumed: true, events: [passing(3, 3, 1_500_000)], leaders: [] }));
  assert.deepEqual(bibs(standings), ["3", "1", "2"]);
  const leaders = [passing(1, 1, 2_000_000), passing(4, 4, 2_050_000)];
  standings.hello(hello({ resumed: true, missed: 3, events: [], leaders }));
  assert.deepEqual(bibs(standings), ["1", "4"]);
});

test("a template's top-N ranks the same finishers in the same order", () => {
  const standings = new PageStandings();
  const winner = passing(10, 1, 1_800_000, { gender: "M" });
  const history = [passing(902, 52, 2_900_000, { loc: "START" }), passing(901, 51, 3_100_000), passing(900, 50, 3_000_000)];
  standings.hello(hello({ locations: ["START", "FINISH"], leaders: [winner, history[2], history[1]], events: [] }));
  const leaders = leadersOf(standings.forTemplate(history).filter((e) => e.p));
  assert.deepEqual(leaders.map((a) => a.bib), bibs(standings));
  assert.deepEqual(leaders.map((a) => a.place.overall), places(standings));
  assert.deepEqual(leaders.map((a) => a.place.gender), [1, 1, 2]);
});

test("category leaders after the overall K reach the template, without an overall place", () => {
  const standings = new PageStandings();
  const leaders = Array.from({ length: LEADERS_KEPT }, (_, i) => passing(i + 1, i + 1, 1_000_000 + i * 1000));
  const fastestMan = passing(700, 700, 5_000_000, { gender: "M" }); // far down the overall list
  standings.hello(hello({ leaders: [...leaders, fastestMan], events: [] }));
  assert.equal(standings.placeOf(fastestMan), null);
  const board = leadersOf(standings.forTemplate([]).filter((e) => e.p));
  const man = board.find((a) => a.bib === "700");
  assert.equal(man.place.gender, 1);
  assert.equal(board.length, LEADERS_KEPT + 1);
});

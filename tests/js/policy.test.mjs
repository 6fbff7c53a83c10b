// node --test tests/js/ : the display's burst policy (p88/web/static/display/policy.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ArrivalQueue, crossingMs } from "../../p88/web/static/display/policy.js";

function crossing(id, secondsAfterNine, { vip = false, known = true } = {}) {
  const total = Math.round(secondsAfterNine * 100);
  const s = Math.floor(total / 100);
  const cc = String(total % 100).padStart(2, "0");
  const t = `2021-05-08T09:${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}.${cc}`;
  return { id, t, loc: "FINISH", tag: String(id), lap: 1, gun_ms: 3600000 + s * 1000,
           p: known ? { bib: String(id), name: `Runner ${id}`, vip } : null };
}

test("crossing times parse to ms with hundredths", () => {
  assert.equal(crossingMs(crossing(1, 1.5)) - crossingMs(crossing(2, 0)), 1500);
});

test("runners who cross together share one card; the next waits its minimum time", () => {
  const q = new ArrivalQueue({ minOnScreenMs: 1000, groupWindowMs: 1000, maxGroup: 4 });
  q.add([crossing(1, 0), crossing(2, 0.5), crossing(3, 5)]);
  const first = q.tick(0);
  assert.deepEqual(first.athletes.map((e) => e.id), [1, 2]);
  assert.equal(first.more, 1);
  assert.equal(q.tick(999), first, "still inside the minimum on-screen time");
  assert.deepEqual(q.tick(1000).athletes.map((e) => e.id), [3]);
});

test("the screen never blanks: the last card stays when nobody waits", () => {
  const q = new ArrivalQueue({ minOnScreenMs: 100 });
  q.add([crossing(1, 0)]);
  const card = q.tick(0);
  assert.equal(q.tick(60_000), card);
});

test("40 crossings in 2 s with 1 s on screen: everyone shown or counted, VIPs first", () => {
  const q = new ArrivalQueue({ minOnScreenMs: 1000, groupWindowMs: 300, maxGroup: 4, maxQueue: 12 });
  const vips = new Set([17, 33]);
  const burst = Array.from({ length: 40 }, (_, i) =>
    crossing(i + 1, i * 0.05, { vip: vips.has(i + 1), known: i + 1 !== 5 }));
  const shownIds = [];
  let now = 0;
  // Crossings arrive over 2 s, in four batches, while the screen keeps ticking.
  for (let batch = 0; batch < 4; batch += 1) {
    q.add(burst.slice(batch * 10, batch * 10 + 10));
    for (let step = 0; step < 5; step += 1, now += 100) {
      const before = q.current;
      const card = q.tick(now);
      if (card && card !== before) shownIds.push(...card.athletes.map((e) => e.id));
    }
  }
  // The queue ran behind: "+N more" was visible, and VIPs came out on the first card after they arrived.
  assert.ok(q.current.more > 0 || q.notShown > 0);
  for (let i = 0; i < 60; i += 1, now += 1000) {
    const before = q.current;
    const card = q.tick(now);
    if (card && card !== before) shownIds.push(...card.athletes.map((e) => e.id));
  }
  assert.equal(q.waiting.length, 0);
  assert.equal(q.accounted(), 40, "nobody silently vanishes");
  assert.equal(q.unknown, 1, "the unknown tag is counted, never shown as a person");
  assert.ok(!shownIds.includes(5));
  for (const vip of vips) assert.ok(shownIds.includes(vip), `VIP ${vip} was shown`);
  const notShownIds = q.notShownRecent.map((e) => e.id);
  assert.equal(notShownIds.length, q.notShown);
  assert.ok(notShownIds.every((id) => !vips.has(id)), "VIPs are never dropped");
  assert.equal(new Set([...shownIds, ...notShownIds, 5]).size, 40);
  assert.equal(shownIds.length + notShownIds.length + 1, 40, "nobody shown twice");
  // VIP 33 arrived in the 4th batch and jumped ahead of the earlier non-VIPs still waiting.
  const vipPosition = shownIds.indexOf(33);
  const waitingBefore = shownIds.slice(vipPosition + 1).filter((id) => id < 33);
  assert.ok(waitingBefore.length > 0, "VIP 33 was shown before earlier arrivals");
});

test("events already seen are ignored after a resume (no replay)", () => {
  const q = new ArrivalQueue();
  assert.equal(q.add([crossing(1, 0), crossing(2, 1)]), 2);
  assert.equal(q.add([crossing(2, 1), crossing(3, 2)]), 1);
  assert.equal(q.duplicates, 1);
  assert.equal(q.waiting.length, 3);
});

test("history is skipped, not called out", () => {
  const q = new ArrivalQueue();
  q.skipTo(10);
  q.add([crossing(9, 0), crossing(11, 1)]);
  assert.deepEqual(q.waiting.map((e) => e.id), [11]);
});

test("a page opened after arrivals keeps the latest up until someone new comes", () => {
  const q = new ArrivalQueue({ minOnScreenMs: 2500 });
  q.skipTo(10);
  q.showLatest(crossing(10, 0));
  assert.deepEqual(q.tick(0).athletes.map((e) => e.id), [10]);
  assert.deepEqual(q.tick(60_000).athletes.map((e) => e.id), [10]); // never blanks
  assert.equal(q.accounted(), 0, "history is not counted as shown");
  q.add([crossing(11, 1)]);
  assert.deepEqual(q.tick(60_001).athletes.map((e) => e.id), [11]); // at once: no dwell owed
});

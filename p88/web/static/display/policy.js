// The burst policy of a finish call-out screen, as pure logic (no DOM, no clock of its own):
// every athlete who crosses is either shown for at least `minOnScreenMs`, or counted as not
// shown. Runners who cross within `groupWindowMs` of each other share one card; when the queue
// runs behind, cards fill up to `maxGroup` to catch up and the rest shows as "+N more"; past
// `maxQueue` waiting, the oldest non-VIP athletes are counted (and listed) instead of shown.
// VIPs go first and are never dropped. Unknown tags (no participant) are counted, never shown
// as a person. Events carry increasing ids; one already seen is ignored (no replay on resume).

export const DEFAULTS = Object.freeze({
  minOnScreenMs: 2500,
  groupWindowMs: 1500,
  maxGroup: 4,
  vipFirst: true,
  maxQueue: 30,
});

// "2021-05-08T09:01:02.34" (event-local wall clock) -> ms; only differences are used.
export function crossingMs(event) {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?$/.exec(event.t || "");
  if (!match) return 0;
  const [, y, mo, d, h, mi, s, frac = "0"] = match;
  const ms = Number((frac + "000").slice(0, 3));
  return Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
}

export function isVip(event) {
  return Boolean(event.p && event.p.vip);
}

export function optionsFrom(displayOptions = {}) {
  return {
    minOnScreenMs: displayOptions.min_on_screen_ms ?? DEFAULTS.minOnScreenMs,
    groupWindowMs: displayOptions.group_window_ms ?? DEFAULTS.groupWindowMs,
    maxGroup: displayOptions.max_group ?? DEFAULTS.maxGroup,
    vipFirst: displayOptions.vip_first ?? DEFAULTS.vipFirst,
    maxQueue: displayOptions.max_queue ?? DEFAULTS.maxQueue,
  };
}

export class ArrivalQueue {
  constructor(options = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.lastId = null; // newest event id taken in (the resume point)
    this.waiting = [];
    this.current = null; // {athletes: [event], shownAt, more}
    this.shown = 0; // athletes that have had a card
    this.notShown = 0; // counted instead of shown (queue overflow)
    this.notShownRecent = []; // the latest of those, for a "not shown" list
    this.unknown = 0; // passings of tags with no participant
    this.duplicates = 0; // events already seen (ignored)
  }

  // Take in events from the feed; returns how many were new.
  add(events) {
    let fresh = 0;
    for (const event of events) {
      if (this.lastId !== null && event.id <= this.lastId) {
        this.duplicates += 1;
        continue;
      }
      this.lastId = event.id;
      fresh += 1;
      if (!event.p) {
        this.unknown += 1;
        continue;
      }
      this.waiting.push(event);
    }
    this._trim();
    return fresh;
  }

  // Note history (already shown elsewhere, e.g. before this page opened) without calling it out.
  skipTo(lastId) {
    if (lastId !== null && (this.lastId === null || lastId > this.lastId)) this.lastId = lastId;
  }

  // A page opened after arrivals: the newest of them (already history, not counted as shown)
  // stays up until someone new comes, so a screen never says "waiting" once anyone finished.
  showLatest(event) {
    if (event && event.p && this.current === null) {
      this.current = { athletes: [event], shownAt: -Infinity, more: 0 };
    }
  }

  _trim() {
    const { maxQueue } = this.options;
    while (this.waiting.length > maxQueue) {
      const index = this.waiting.findIndex((event) => !isVip(event));
      if (index < 0) break; // only VIPs left: they wait, however long
      const [dropped] = this.waiting.splice(index, 1);
      this.notShown += 1;
      this.notShownRecent.push(dropped);
      if (this.notShownRecent.length > 50) this.notShownRecent.shift();
    }
  }

  // True when the current card has had its minimum time and someone is waiting.
  due(now) {
    if (!this.waiting.length) return false;
    return this.current === null || now - this.current.shownAt >= this.options.minOnScreenMs;
  }

  // The card to show at `now` (a new one when due; otherwise the current one, which stays up
  // when nobody is waiting: the screen never blanks).
  tick(now) {
    if (this.due(now)) this.current = this._nextCard(now);
    if (this.current) this.current.more = this.waiting.length;
    return this.current;
  }

  behind() {
    return this.waiting.length >= this.options.maxGroup * 2;
  }

  _take(index) {
    return this.waiting.splice(index, 1)[0];
  }

  _nextCard(now) {
    const { maxGroup, groupWindowMs, vipFirst } = this.options;
    const vipIndex = vipFirst ? this.waiting.findIndex(isVip) : -1;
    const first = this._take(vipIndex >= 0 ? vipIndex : 0);
    const athletes = [first];
    const anchor = crossingMs(first);
    const catchingUp = this.behind();
    // VIPs first, then the rest in arrival order; within the window, or anyone when behind.
    const order = this.waiting
      .map((event, index) => ({ event, index }))
      .sort((a, b) => (vipFirst ? isVip(b.event) - isVip(a.event) : 0) || a.index - b.index);
    const chosen = [];
    for (const { event, index } of order) {
      if (athletes.length + chosen.length >= maxGroup) break;
      const close = Math.abs(crossingMs(event) - anchor) <= groupWindowMs;
      if (close || catchingUp) chosen.push(index);
    }
    chosen.sort((a, b) => b - a).forEach((index) => athletes.push(this._take(index)));
    athletes.sort((a, b) => (vipFirst ? isVip(b) - isVip(a) : 0) || a.id - b.id);
    this.shown += athletes.length;
    return { athletes, shownAt: now, more: this.waiting.length };
  }

  // Every athlete taken in is accounted for: shown, waiting, or counted as not shown.
  accounted() {
    return this.shown + this.waiting.length + this.notShown + this.unknown;
  }
}

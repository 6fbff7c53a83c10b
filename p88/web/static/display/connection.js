// The display's link to the server: a websocket that reconnects by itself with exponential
// backoff (and jitter, so a stadium of screens does not reconnect in lockstep), and resumes
// from the last event id the page took in: after a drop or a server restart the server sends
// exactly what came after it (no gap, no replay).
//
// Close codes (p88/web/display_access.py): 4000 resync now, 4404 unknown link,
// 4410 revoked / expired / replaced, 4429 too many bad links from this address.

export const STOP_CODES = new Set([4404, 4410]);

export function backoffMs(attempt, random = Math.random) {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return Math.round(base * (0.5 + random() / 2));
}

export class LiveConnection {
  // handlers: {onHello(msg), onEvents(events), onStandings(msg), onStatus(status)};
  // lastId(): number | null
  constructor(url, handlers, lastId) {
    this.url = url;
    this.handlers = handlers;
    this.lastId = lastId;
    this.attempt = 0;
    this.socket = null;
    this.status = { state: "connecting", lastMessageAt: null, retryAt: null, reason: "" };
    this.timer = null;
  }

  start() {
    this._open();
  }

  _setStatus(changes) {
    this.status = { ...this.status, ...changes };
    this.handlers.onStatus?.(this.status);
  }

  _socketUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const last = this.lastId();
    const query = last === null || last === undefined ? "" : `?after=${last}`;
    return `${scheme}//${location.host}${this.url}${query}`;
  }

  _open() {
    clearTimeout(this.timer);
    this._setStatus({ state: this.status.lastMessageAt ? "reconnecting" : "connecting", retryAt: null });
    const socket = new WebSocket(this._socketUrl());
    this.socket = socket;
    socket.onmessage = (message) => this._message(message);
    socket.onclose = (event) => this._closed(event);
  }

  _message(message) {
    let data;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    this._setStatus({ state: "live", lastMessageAt: Date.now(), reason: "" });
    if (data.type === "hello") {
      this.attempt = 0;
      this.handlers.onHello?.(data);
    } else if (data.type === "passings") {
      this.handlers.onEvents?.(data.events);
    } else if (data.type === "standings") {
      this.handlers.onStandings?.(data);
    }
  }

  _closed(event) {
    if (this.socket && this.socket.onclose === null) return;
    if (STOP_CODES.has(event.code)) {
      this._setStatus({ state: "stopped", reason: event.reason || "this display link no longer works" });
      return;
    }
    let delay;
    if (event.code === 4000) delay = 50; // resync: at once
    else if (event.code === 4429) delay = 60_000;
    else delay = backoffMs(this.attempt++);
    this._setStatus({ state: "offline", retryAt: Date.now() + delay, reason: event.reason || "" });
    this.timer = setTimeout(() => this._open(), delay);
  }

  // For tests and operators: drop the link as a network failure would.
  drop() {
    this.socket?.close();
  }
}

// The builder's document state with undo/redo.
//
// History holds JSON snapshots. A gesture (a drag, a resize) calls begin() once, change() on
// every pointer move and end() once, so one drag is one undo step. Typing in a side-panel field
// passes a coalesce key, so a word typed is one step rather than one per letter.

const MAX_HISTORY = 200;
const COALESCE_MS = 1200;

export class DocumentState {
  constructor(doc, name) {
    this.doc = doc;
    this.name = name;
    this.selected = null; // element id or null (the canvas itself)
    this.undoStack = [];
    this.redoStack = [];
    this.savedSnapshot = this.snapshot();
    this.listeners = new Set();
    this.gesture = null;
    this.lastKey = null;
    this.lastKeyAt = 0;
  }

  snapshot() {
    return JSON.stringify({ doc: this.doc, name: this.name });
  }

  restore(text) {
    const parsed = JSON.parse(text);
    this.doc = parsed.doc;
    this.name = parsed.name;
    if (this.selected && !this.element(this.selected)) this.selected = null;
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(reason) {
    for (const fn of this.listeners) fn(reason);
  }

  get dirty() {
    return this.snapshot() !== this.savedSnapshot;
  }

  markSaved() {
    this.savedSnapshot = this.snapshot();
    this.notify("saved");
  }

  element(id) {
    return (this.doc.elements || []).find((e) => e.id === id) || null;
  }

  select(id) {
    if (this.selected === id) return;
    this.selected = id;
    this.notify("select");
  }

  begin() {
    this.gesture = this.snapshot();
  }

  change(mutate) {
    mutate(this.doc, this);
    this.notify("change");
  }

  end() {
    if (this.gesture !== null && this.gesture !== this.snapshot()) this.push(this.gesture);
    this.gesture = null;
    this.lastKey = null;
    this.notify("commit");
  }

  /** One discrete edit. `key` merges quick successive edits of one field into one undo step. */
  edit(mutate, key = null) {
    const before = this.snapshot();
    mutate(this.doc, this);
    if (before === this.snapshot()) return;
    const now = Date.now();
    const merge = key !== null && key === this.lastKey && now - this.lastKeyAt < COALESCE_MS;
    if (!merge) this.push(before);
    this.lastKey = key;
    this.lastKeyAt = now;
    this.notify("commit");
  }

  push(snapshot) {
    this.undoStack.push(snapshot);
    if (this.undoStack.length > MAX_HISTORY) this.undoStack.shift();
    this.redoStack.length = 0;
  }

  get canUndo() { return this.undoStack.length > 0; }
  get canRedo() { return this.redoStack.length > 0; }

  undo() {
    if (!this.canUndo) return;
    this.redoStack.push(this.snapshot());
    this.restore(this.undoStack.pop());
    this.lastKey = null;
    this.notify("history");
  }

  redo() {
    if (!this.canRedo) return;
    this.undoStack.push(this.snapshot());
    this.restore(this.redoStack.pop());
    this.lastKey = null;
    this.notify("history");
  }

  /** A fresh element id like "name-3" that no element uses yet. */
  newId(base) {
    const taken = new Set((this.doc.elements || []).map((e) => e.id));
    const stem = String(base).replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 30) || "el";
    for (let i = 1; ; i += 1) {
      const id = `${stem}-${i}`;
      if (!taken.has(id)) return id;
    }
  }

  topZ() {
    return (this.doc.elements || []).reduce((z, e) => Math.max(z, e.z || 0), 0);
  }
}

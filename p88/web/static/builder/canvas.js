// The builder's canvas: the real renderer underneath, an interaction overlay on top.
//
// The overlay holds one focusable box per element (same position, size and rotation, in CSS
// pixels) so pointer and keyboard handling never touch the rendered output. Boxes are
// reconciled, not rebuilt, so a box keeps pointer capture and focus while its element moves.

import { renderLayout } from "../layout/render.js";

const HANDLES = ["nw", "n", "ne", "e", "se", "s", "sw", "w"];
const MIN_SIZE = 4;

export class BuilderCanvas {
  constructor(viewport, state, { labels, editable, getData }) {
    this.viewport = viewport;
    this.state = state;
    this.labels = labels; // type key -> human label
    this.editable = editable;
    this.getData = getData;
    this.scale = 1;
    this.zoom = null; // null = fit
    this.wrap = document.createElement("div");
    this.wrap.className = "bd-canvas-wrap";
    this.renderTarget = document.createElement("div");
    this.renderTarget.className = "bd-render";
    this.grid = document.createElement("div");
    this.grid.className = "bd-grid";
    this.overlay = document.createElement("div");
    this.overlay.className = "bd-overlay";
    this.overlay.setAttribute("role", "application");
    this.overlay.setAttribute("aria-label", "Template canvas: Tab to an element, arrows move it, Shift+arrows resize, Delete removes");
    this.wrap.append(this.renderTarget, this.grid, this.overlay);
    viewport.replaceChildren(this.wrap);
    this.boxes = new Map();
    this.view = null;
    this.frame = 0;
    this.overlay.addEventListener("pointerdown", (e) => this.onPointerDown(e));
    new ResizeObserver(() => this.fit()).observe(viewport);
  }

  get canvas() { return this.state.doc.canvas; }
  get gridSize() { return Math.max(1, Number(this.canvas.grid) || 10); }

  snap(value, event) {
    if (event && event.altKey) return Math.round(value);
    const g = this.gridSize;
    return Math.round(value / g) * g;
  }

  fit() {
    const pad = 48;
    const w = Math.max(50, this.viewport.clientWidth - pad);
    const h = Math.max(50, this.viewport.clientHeight - pad);
    const fitScale = Math.min(w / this.canvas.width, h / this.canvas.height);
    this.scale = this.zoom || Math.max(0.02, fitScale);
    this.render();
  }

  setZoom(zoom) {
    this.zoom = zoom;
    this.fit();
  }

  /** Repaint at the next animation frame (pointer moves come faster than frames). */
  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  render() {
    const { width, height } = this.canvas;
    const ws = this.wrap.style;
    ws.width = `${width * this.scale}px`;
    ws.height = `${height * this.scale}px`;
    if (this.view) this.view.destroy();
    this.view = renderLayout(this.renderTarget, this.state.doc, this.getData(), { scale: this.scale });
    const g = this.gridSize * this.scale;
    this.grid.style.backgroundSize = `${g}px ${g}px`;
    this.grid.hidden = g < 6 || !this.editable;
    this.renderOverlay();
  }

  renderOverlay() {
    const seen = new Set();
    const elements = this.state.doc.elements || [];
    elements.forEach((element, index) => {
      seen.add(element.id);
      let box = this.boxes.get(element.id);
      if (!box) {
        box = this.makeBox(element.id);
        this.boxes.set(element.id, box);
      }
      // Tab order follows the document order; stacking follows z.
      if (this.overlay.children[index] !== box) this.overlay.insertBefore(box, this.overlay.children[index] || null);
      this.placeBox(box, element);
    });
    for (const [id, box] of this.boxes) {
      if (!seen.has(id)) { box.remove(); this.boxes.delete(id); }
    }
  }

  makeBox(id) {
    const box = document.createElement("div");
    box.className = "bd-box";
    box.tabIndex = 0;
    box.dataset.elementId = id;
    box.setAttribute("role", "button");
    for (const h of HANDLES) {
      const handle = document.createElement("span");
      handle.className = `bd-handle bd-handle-${h}`;
      handle.dataset.handle = h;
      handle.setAttribute("aria-hidden", "true");
      box.appendChild(handle);
    }
    const tag = document.createElement("span");
    tag.className = "bd-tag";
    box.appendChild(tag);
    box.addEventListener("focus", () => this.state.select(id));
    box.addEventListener("keydown", (e) => this.onKey(e, id));
    return box;
  }

  placeBox(box, element) {
    const s = this.scale, st = box.style;
    st.left = `${element.x * s}px`;
    st.top = `${element.y * s}px`;
    st.width = `${element.w * s}px`;
    st.height = `${element.h * s}px`;
    st.zIndex = String((element.z || 0) + 1);
    st.transform = element.rotation ? `rotate(${element.rotation}deg)` : "";
    const selected = this.state.selected === element.id;
    box.classList.toggle("is-selected", selected);
    box.setAttribute("aria-pressed", selected ? "true" : "false");
    const label = element.name || this.labels[element.type] || element.type;
    box.querySelector(".bd-tag").textContent = label;
    box.setAttribute("aria-label", `${label}: x ${element.x}, y ${element.y}, ${element.w} by ${element.h}`);
  }

  focusSelected() {
    const box = this.boxes.get(this.state.selected);
    if (box && document.activeElement !== box) box.focus({ preventScroll: true });
  }

  /** Canvas coordinates of a viewport point. */
  toCanvas(clientX, clientY) {
    const r = this.wrap.getBoundingClientRect();
    return { x: (clientX - r.left) / this.scale, y: (clientY - r.top) / this.scale };
  }

  contains(clientX, clientY) {
    const r = this.wrap.getBoundingClientRect();
    return clientX >= r.left && clientX <= r.right && clientY >= r.top && clientY <= r.bottom;
  }

  onPointerDown(event) {
    if (event.button !== 0) return;
    const box = event.target.closest(".bd-box");
    if (!box) { this.state.select(null); return; }
    const id = box.dataset.elementId;
    this.state.select(id);
    box.focus({ preventScroll: true });
    if (!this.editable) return;
    event.preventDefault();
    const element = this.state.element(id);
    const handle = event.target.dataset.handle || null;
    const start = { px: event.clientX, py: event.clientY, x: element.x, y: element.y, w: element.w, h: element.h };
    box.setPointerCapture(event.pointerId);
    this.state.begin();
    const move = (e) => {
      const dx = (e.clientX - start.px) / this.scale;
      const dy = (e.clientY - start.py) / this.scale;
      this.state.change(() => {
        const el = this.state.element(id);
        if (!el) return;
        if (!handle) {
          el.x = this.snap(start.x + dx, e);
          el.y = this.snap(start.y + dy, e);
        } else {
          resize(el, start, handle, dx, dy, (v) => this.snap(v, e));
        }
      });
      this.schedule();
    };
    const up = () => {
      box.removeEventListener("pointermove", move);
      box.removeEventListener("pointerup", up);
      box.removeEventListener("pointercancel", up);
      this.state.end();
    };
    box.addEventListener("pointermove", move);
    box.addEventListener("pointerup", up);
    box.addEventListener("pointercancel", up);
  }

  onKey(event, id) {
    if (!this.editable) return;
    const element = this.state.element(id);
    if (!element) return;
    const step = event.altKey ? 1 : this.gridSize;
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (arrows[event.key]) {
      event.preventDefault();
      const [dx, dy] = arrows[event.key];
      this.state.edit((doc, st) => {
        const el = st.element(id);
        if (event.shiftKey) {
          el.w = Math.max(MIN_SIZE, el.w + dx * step);
          el.h = Math.max(MIN_SIZE, el.h + dy * step);
        } else {
          el.x += dx * step;
          el.y += dy * step;
        }
      }, `key-${id}-${event.shiftKey ? "size" : "move"}`);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      this.removeElement(id);
    } else if (event.key === "Escape") {
      this.state.select(null);
      blurNode(event.target);
    }
  }

  removeElement(id) {
    const elements = this.state.doc.elements;
    const index = elements.findIndex((e) => e.id === id);
    if (index < 0) return;
    this.state.edit((doc) => { doc.elements.splice(index, 1); });
    const next = elements[Math.min(index, elements.length - 1)];
    this.state.select(next ? next.id : null);
    if (next) this.focusSelected();
  }
}

function blurNode(node) {
  if (node && node.blur) node.blur();
}

function resize(el, start, handle, dx, dy, snap) {
  let { x, y, w, h } = start;
  if (handle.includes("e")) w = Math.max(MIN_SIZE, snap(start.x + start.w + dx) - x);
  if (handle.includes("s")) h = Math.max(MIN_SIZE, snap(start.y + start.h + dy) - y);
  if (handle.includes("w")) {
    const right = start.x + start.w;
    x = Math.min(snap(start.x + dx), right - MIN_SIZE);
    w = right - x;
  }
  if (handle.includes("n")) {
    const bottom = start.y + start.h;
    y = Math.min(snap(start.y + dy), bottom - MIN_SIZE);
    h = bottom - y;
  }
  Object.assign(el, { x, y, w, h });
}

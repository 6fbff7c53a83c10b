// The element palette and the layers list.
//
// Palette items are dragged with pointer events (a ghost follows the pointer; dropping on the
// canvas adds the element there). Clicking an item, or Enter/Space on it, adds the element in
// the middle of the canvas, so the palette works without a mouse too.

import { el } from "./fields.js";

export class Palette {
  constructor(root, schema, { editable, add, canvas }) {
    this.root = root;
    this.schema = schema;
    this.add = add; // (type, canvasX | null, canvasY | null) -> adds and selects
    this.canvas = canvas;
    const groups = new Map();
    for (const [key, type] of Object.entries(schema.types)) {
      if (!groups.has(type.group)) groups.set(type.group, []);
      groups.get(type.group).push([key, type]);
    }
    const nodes = [el("h2", { class: "bd-side-title", text: "Elements" })];
    for (const [group, types] of groups) {
      const list = el("div", { class: "bd-palette-group", role: "group", "aria-label": group });
      for (const [key, type] of types) {
        const item = el("button", {
          type: "button", class: `bd-palette-item bd-icon-${key}`, "data-type": key,
          title: `Add ${type.label} (drag onto the canvas, or click)`, disabled: !editable,
        }, el("span", { class: "bd-palette-icon", "aria-hidden": "true" }), document.createTextNode(type.label));
        item.addEventListener("pointerdown", (e) => this.startDrag(e, key, type));
        item.addEventListener("click", (e) => { if (e.detail === 0) this.add(key, null, null); });
        list.append(item);
      }
      nodes.push(el("h3", { class: "bd-group-title", text: group }), list);
    }
    root.replaceChildren(...nodes);
  }

  startDrag(event, key, type) {
    if (event.button !== 0) return;
    event.preventDefault();
    const source = event.currentTarget;
    source.setPointerCapture(event.pointerId);
    const ghost = el("div", { class: "bd-ghost", text: type.label });
    document.body.append(ghost);
    const startX = event.clientX, startY = event.clientY;
    let moved = false;
    const place = (e) => {
      ghost.style.left = `${e.clientX + 12}px`;
      ghost.style.top = `${e.clientY + 12}px`;
      if (Math.abs(e.clientX - startX) + Math.abs(e.clientY - startY) > 4) moved = true;
      ghost.classList.toggle("is-over", this.canvas.contains(e.clientX, e.clientY));
    };
    place(event);
    const up = (e) => {
      source.removeEventListener("pointermove", place);
      source.removeEventListener("pointerup", up);
      source.removeEventListener("pointercancel", cancel);
      ghost.remove();
      if (!moved) { this.add(key, null, null); return; }
      if (this.canvas.contains(e.clientX, e.clientY)) {
        const p = this.canvas.toCanvas(e.clientX, e.clientY);
        this.add(key, p.x, p.y);
      }
    };
    const cancel = () => { ghost.remove(); source.removeEventListener("pointermove", place); };
    source.addEventListener("pointermove", place);
    source.addEventListener("pointerup", up);
    source.addEventListener("pointercancel", cancel);
  }
}

export function renderLayers(root, state, labels) {
  const elements = [...(state.doc.elements || [])].sort((a, b) => (b.z || 0) - (a.z || 0));
  const items = elements.map((element) => {
    const item = el("button", {
      type: "button", class: "bd-layer", "data-element-id": element.id,
      "aria-pressed": state.selected === element.id ? "true" : "false",
    }, el("span", { class: `bd-layer-dot bd-icon-${element.type}`, "aria-hidden": "true" }),
    el("span", { class: "bd-layer-name", text: layerName(element, labels) }),
    el("span", { class: "bd-layer-z", text: String(element.z || 0) }));
    item.classList.toggle("is-selected", state.selected === element.id);
    item.addEventListener("click", () => state.select(element.id));
    return item;
  });
  const title = el("h2", { class: "bd-side-title", text: `Layers (${elements.length})` });
  root.replaceChildren(title, ...(items.length ? items : [el("p", { class: "bd-hint", text: "No elements yet." })]));
}

function layerName(element, labels) {
  if (element.name) return element.name;
  const label = labels[element.type] || element.type;
  const text = element.type === "custom_text" && element.options ? element.options.text : "";
  return text ? `${label}: ${text}` : label;
}

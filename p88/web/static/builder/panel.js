// The side panel: properties of the selected element, or of the canvas when none is selected.
// Rebuilt when the selection or history changes; otherwise only synced, so typing keeps focus.

import { el, fieldControl } from "./fields.js";

const TEXT_TYPES_WITHOUT_TEXT = new Set(["box", "image"]);
// Rows of the style section: related properties side by side keep the panel short.
const STYLE_ROWS = [
  ["fontFamily"], ["fontSize", "fontWeight"], ["color"], ["align", "valign"],
  ["italic", "uppercase"], ["autoFit"], ["background"], ["padding", "radius"], ["opacity"],
  ["shadowColor"], ["shadowBlur", "shadowX", "shadowY"],
];
const BOX_STYLE_KEYS = new Set(["background", "radius", "opacity", "padding"]);

export class PropertiesPanel {
  constructor(root, state, schema, { editable, images, actions }) {
    this.root = root;
    this.state = state;
    this.schema = schema;
    this.editable = editable;
    this.images = images;
    this.actions = actions; // { duplicate(id), remove(id), raise(id, delta) }
    this.controls = [];
    this.shownFor = undefined;
  }

  refresh(force = false) {
    const selected = this.state.selected;
    if (!force && selected === this.shownFor) {
      for (const c of this.controls) c.sync();
      return;
    }
    this.shownFor = selected;
    this.controls = [];
    const element = selected ? this.state.element(selected) : null;
    this.root.replaceChildren(...(element ? this.elementSections(element) : this.canvasSections()));
  }

  section(title, nodes, open = true) {
    const details = el("details", { class: "bd-section", open });
    details.append(el("summary", { text: title }), el("div", { class: "bd-section-body" }, ...nodes));
    return details;
  }

  control(key, spec, get, set) {
    const disabled = !this.editable;
    const c = fieldControl(key, spec, { get, set, disabled, images: this.images });
    this.controls.push(c);
    return c.node;
  }

  canvasSections() {
    const canvas = () => this.state.doc.canvas;
    const fields = this.schema.canvas;
    const setCanvas = (key) => (value) => this.state.edit((doc) => { doc.canvas[key] = value; }, `canvas-${key}`);
    const preset = el("select", { id: "bd-canvas-preset", disabled: !this.editable });
    preset.append(el("option", { value: "", text: "Custom size" }));
    for (const p of this.schema.presets) preset.append(el("option", { value: p.key, text: p.label }));
    const syncPreset = () => {
      const { width, height } = canvas();
      const match = this.schema.presets.find((p) => p.width === width && p.height === height);
      preset.value = match ? match.key : "";
    };
    preset.addEventListener("change", () => {
      const p = this.schema.presets.find((x) => x.key === preset.value);
      if (p) this.state.edit((doc) => { doc.canvas.width = p.width; doc.canvas.height = p.height; });
    });
    this.controls.push({ sync: syncPreset });
    syncPreset();
    const size = [
      el("div", { class: "bd-field" }, el("label", { for: "bd-canvas-preset", text: "Screen size" }), preset),
      el("div", { class: "bd-pair" },
        this.control("width", fields.width, () => canvas().width, setCanvas("width")),
        this.control("height", fields.height, () => canvas().height, setCanvas("height"))),
    ];
    const look = ["background", "backgroundImage", "backgroundFit", "grid"].map((key) =>
      this.control(key, fields[key], () => canvas()[key], setCanvas(key)));
    const hint = el("p", { class: "bd-hint", text: "Select an element on the canvas (or Tab to it) to edit it. Drag elements in from the left." });
    return [
      el("h2", { class: "bd-panel-title", text: "Canvas" }),
      hint,
      this.section("Size", size),
      this.section("Background and grid", look),
    ];
  }

  elementSections(element) {
    const id = element.id;
    const type = this.schema.types[element.type] || { label: element.type, options: {}, style: {} };
    const current = () => this.state.element(id) || {};
    const setTop = (key) => (value) => this.state.edit((doc, st) => { st.element(id)[key] = value; }, `${id}-${key}`);
    const setIn = (group, key) => (value) => this.state.edit((doc, st) => {
      const target = st.element(id);
      target[group] = { ...(target[group] || {}), [key]: value };
    }, `${id}-${group}-${key}`);
    const geometry = ["x", "y", "w", "h"].map((key) =>
      this.control(key, this.schema.element[key], () => current()[key], setTop(key)));
    const position = [
      el("div", { class: "bd-pair" }, geometry[0], geometry[1]),
      el("div", { class: "bd-pair" }, geometry[2], geometry[3]),
      el("div", { class: "bd-pair" },
        this.control("rotation", this.schema.element.rotation, () => current().rotation, setTop("rotation")),
        this.control("z", this.schema.element.z, () => current().z, setTop("z"))),
      this.control("name", this.schema.element.name, () => current().name, setTop("name")),
    ];
    const options = Object.entries(type.options).map(([key, spec]) =>
      this.control(key, spec, () => (current().options || {})[key], setIn("options", key)));
    const boxOnly = TEXT_TYPES_WITHOUT_TEXT.has(element.type);
    const styleDefault = (key) => (key in (type.style || {}) ? type.style[key] : undefined);
    const styleControl = (key) => {
      const spec = { ...this.schema.style[key] };
      const typeDefault = styleDefault(key);
      if (typeDefault !== undefined) spec.default = typeDefault;
      return this.control(key, spec, () => (current().style || {})[key], setIn("style", key));
    };
    const style = [];
    for (const row of STYLE_ROWS) {
      const keys = row.filter((key) => key in this.schema.style && (!boxOnly || BOX_STYLE_KEYS.has(key)));
      if (!keys.length) continue;
      const controls = keys.map(styleControl);
      style.push(controls.length === 1 ? controls[0] : el("div", { class: `bd-pair bd-cols-${controls.length}` }, ...controls));
    }
    const head = el("div", { class: "bd-panel-head" },
      el("h2", { class: "bd-panel-title", text: type.label }),
      el("span", { class: "bd-chip", text: id }));
    const buttons = el("div", { class: "bd-row" });
    if (this.editable) {
      const button = (label, title, fn, cls = "") => {
        const b = el("button", { type: "button", class: cls, title, text: label });
        b.addEventListener("click", fn);
        buttons.append(b);
      };
      button("Duplicate", "Duplicate element (Ctrl+D)", () => this.actions.duplicate(id));
      button("Forward", "Bring forward", () => this.actions.raise(id, 1));
      button("Back", "Send backward", () => this.actions.raise(id, -1));
      button("Delete", "Delete element (Delete)", () => this.actions.remove(id), "danger");
    }
    const sections = [head, buttons];
    if (options.length) sections.push(this.section("Content", options));
    sections.push(this.section(TEXT_TYPES_WITHOUT_TEXT.has(element.type) ? "Look" : "Text style", style));
    sections.push(this.section("Position and size", position));
    return sections;
  }
}

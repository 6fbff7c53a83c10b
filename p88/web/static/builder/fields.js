// Form controls generated from the server's field specs (p88/layouts/schema.py `Field`).
// Each control validates like the server does, shows the problem next to itself, and only
// writes a value that the server would accept.

const HEX = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;
const RGBA = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(0|1|0?\.\d{1,4}|1\.0+)\s*)?\)$/;

export function isColor(value) {
  if (value === "transparent" || HEX.test(value)) return true;
  const m = RGBA.exec(value);
  return !!m && [1, 2, 3].every((i) => Number(m[i]) <= 255);
}

let counter = 0;
const uid = (key) => `fld-${key}-${(counter += 1)}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...children);
  return node;
}
export { el };

/**
 * Build one labelled control.
 * spec: the field spec JSON; get(): current value (undefined = default); set(value): store it.
 * Returns { node, sync() } where sync() refreshes the control from the document.
 */
export function fieldControl(key, spec, { get, set, disabled, images }) {
  const id = uid(key);
  const error = el("p", { class: "bd-field-error", id: `${id}-err`, "aria-live": "polite" });
  const wrap = el("div", { class: `bd-field bd-field-${spec.kind}` });
  const label = el("label", { for: id, text: spec.label });
  const current = () => { const v = get(); return v === undefined ? spec.default : v; };
  const fail = (input, message) => {
    error.textContent = message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    if (message) input.setAttribute("aria-describedby", `${id}-err`);
  };
  let input;
  let sync;
  switch (spec.kind) {
    case "int":
    case "number": {
      input = el("input", { id, type: "number", min: spec.min, max: spec.max, step: spec.kind === "int" ? 1 : "any", disabled });
      input.addEventListener("input", () => {
        const v = Number(input.value);
        const ok = input.value.trim() !== "" && Number.isFinite(v) && (spec.kind !== "int" || Number.isInteger(v)) && v >= spec.min && v <= spec.max;
        fail(input, ok ? "" : `${spec.label}: a ${spec.kind === "int" ? "whole number" : "number"} from ${spec.min} to ${spec.max}`);
        if (ok) set(v);
      });
      sync = () => { if (document.activeElement !== input) { input.value = current(); fail(input, ""); } };
      break;
    }
    case "enum": {
      input = el("select", { id, disabled });
      spec.choices.forEach((choice, i) => input.append(el("option", { value: String(i), text: choiceLabel(choice) })));
      input.addEventListener("change", () => set(spec.choices[Number(input.value)]));
      sync = () => { input.value = String(Math.max(0, spec.choices.indexOf(current()))); };
      break;
    }
    case "bool": {
      input = el("input", { id, type: "checkbox", disabled });
      input.addEventListener("change", () => set(input.checked));
      wrap.classList.add("bd-field-inline");
      sync = () => { input.checked = !!current(); };
      break;
    }
    case "color": {
      input = el("input", { id, type: "text", maxlength: 40, placeholder: spec.nullable ? "none" : "#ffffff", disabled, spellcheck: "false" });
      const swatch = el("input", { type: "color", class: "bd-swatch", "aria-label": `${spec.label} picker`, disabled });
      input.addEventListener("input", () => {
        const v = input.value.trim();
        if (v === "" && spec.nullable) { fail(input, ""); set(null); swatch.classList.add("is-none"); return; }
        if (!isColor(v)) { fail(input, "Use #rrggbb, #rrggbbaa or rgba(r, g, b, a)"); return; }
        fail(input, "");
        set(v);
        if (HEX.test(v)) swatch.value = v.slice(0, 7);
        swatch.classList.remove("is-none");
      });
      swatch.addEventListener("input", () => {
        input.value = swatch.value;
        swatch.classList.remove("is-none");
        fail(input, "");
        set(swatch.value);
      });
      sync = () => {
        const v = current();
        if (document.activeElement !== input) { input.value = v || ""; fail(input, ""); }
        if (v && HEX.test(v)) swatch.value = v.slice(0, 7);
        swatch.classList.toggle("is-none", !v);
      };
      wrap.append(label, el("div", { class: "bd-color" }, swatch, input), error);
      sync();
      return { node: wrap, sync };
    }
    case "text": {
      input = el("input", { id, type: "text", maxlength: spec.maxLength, disabled });
      input.addEventListener("input", () => set(input.value));
      sync = () => { if (document.activeElement !== input) input.value = current() ?? ""; };
      break;
    }
    case "text_list": {
      input = el("textarea", { id, rows: 3, disabled, placeholder: "One per line" });
      input.addEventListener("input", () => {
        const lines = input.value.split("\n").map((s) => s.trim()).filter((s) => s);
        const tooLong = lines.find((s) => s.length > spec.maxLength);
        if (lines.length > spec.maxItems) { fail(input, `At most ${spec.maxItems} lines`); return; }
        if (tooLong) { fail(input, `Each line at most ${spec.maxLength} characters`); return; }
        fail(input, "");
        set(lines);
      });
      sync = () => { if (document.activeElement !== input) input.value = (current() || []).join("\n"); };
      break;
    }
    case "enum_list": {
      input = el("fieldset", { class: "bd-checks", id });
      input.append(el("legend", { class: "bd-sr", text: spec.label }));
      const boxes = spec.choices.map((choice) => {
        const box = el("input", { type: "checkbox", value: choice, disabled });
        input.append(el("label", { class: "bd-check" }, box, document.createTextNode(choiceLabel(choice))));
        return box;
      });
      const write = () => {
        // Keep the order already chosen; append newly ticked columns at the end.
        const ticked = boxes.filter((b) => b.checked).map((b) => b.value);
        const kept = (current() || []).filter((v) => ticked.includes(v));
        const added = ticked.filter((v) => !kept.includes(v));
        const next = [...kept, ...added];
        if (!next.length) { fail(input, "Keep at least one column"); return; }
        fail(input, "");
        set(next);
      };
      boxes.forEach((b) => b.addEventListener("change", write));
      sync = () => { const v = current() || []; boxes.forEach((b) => { b.checked = v.includes(b.value); }); };
      wrap.append(input, error);
      sync();
      return { node: wrap, sync };
    }
    case "image": {
      input = el("select", { id, disabled });
      const fill = () => {
        input.replaceChildren(el("option", { value: "", text: "None" }));
        for (const image of images.list()) input.append(el("option", { value: String(image.id), text: image.name }));
      };
      input.addEventListener("change", () => set(input.value ? Number(input.value) : null));
      const upload = el("input", { type: "file", accept: "image/png,image/jpeg,image/webp", class: "bd-upload", "aria-label": `Upload ${spec.label}`, disabled });
      upload.addEventListener("change", async () => {
        if (!upload.files.length) return;
        fail(input, "");
        try {
          const image = await images.upload(upload.files[0]);
          fill();
          set(image.id);
          input.value = String(image.id);
        } catch (err) {
          fail(input, err.message);
        }
        upload.value = "";
      });
      sync = () => { fill(); input.value = current() ? String(current()) : ""; };
      wrap.append(label, input, upload, error);
      sync();
      return { node: wrap, sync };
    }
    default:
      throw new Error(`unknown field kind ${spec.kind}`);
  }
  if (spec.kind === "bool") wrap.append(input, label, error);
  else wrap.append(label, input, error);
  if (spec.help) wrap.append(el("p", { class: "bd-help", text: spec.help }));
  sync();
  return { node: wrap, sync };
}

const CHOICE_LABELS = {
  athlete_name: "Athlete name", first_name: "First name", last_name: "Last name", age_group: "Age group",
  city_country: "City / country", time_of_day: "Time of day", race_clock: "Race clock", gun: "Gun time",
  chip: "Chip time", ranking: "Ranked time (chip or gun)", overall: "Overall", gender: "Gender", personal: "Personal, else rotating",
  rotating: "Rotating list", contain: "Fit inside", cover: "Fill (crop)", fill: "Stretch", left: "Left",
  center: "Centre", right: "Right", top: "Top", middle: "Middle", bottom: "Bottom", sans: "Sans serif",
  condensed: "Condensed", serif: "Serif", mono: "Monospace", display: "Display (heavy)", rounded: "Rounded",
  place: "Place", bib: "Bib", name: "Name", time: "Time", team: "Team",
};

export function choiceLabel(choice) {
  if (typeof choice === "number") return { 300: "Light", 400: "Regular", 500: "Medium", 600: "Semibold", 700: "Bold", 800: "Extra bold", 900: "Black" }[choice] || String(choice);
  return CHOICE_LABELS[choice] || String(choice);
}

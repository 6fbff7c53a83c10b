// The template builder page: loads the schema and the document, wires the canvas, palette,
// layers, side panel, preview sources, keyboard shortcuts and saving together.

import { DocumentState } from "./state.js";
import { BuilderCanvas } from "./canvas.js";
import { PropertiesPanel } from "./panel.js";
import { Palette, renderLayers } from "./palette.js";
import { previewSources, onSourcesChanged, sampleSource } from "./preview.js";
import { el } from "./fields.js";

const root = document.getElementById("builder");
const templateId = Number(root.dataset.templateId);
const editable = root.dataset.canEdit === "1";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (sel) => root.querySelector(sel);

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

function imageStore(initial) {
  let images = initial;
  return {
    list: () => images,
    async upload(file) {
      const body = new FormData();
      body.append("file", file);
      const response = await fetch("/templates/images", { method: "POST", body, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin" });
      const answer = await response.json().catch(() => ({ error: `upload failed (${response.status})` }));
      if (!response.ok) throw new Error(answer.error || `upload failed (${response.status})`);
      images = [answer, ...images.filter((i) => i.id !== answer.id)];
      return answer;
    },
  };
}

function setStatus(text, kind = "") {
  const status = $("#bd-status");
  status.textContent = text;
  status.dataset.kind = kind;
}

function showErrors(errors) {
  const box = $("#bd-errors");
  box.replaceChildren(...errors.map((e) => el("li", {}, el("code", { text: e.path }), document.createTextNode(` ${e.message}`))));
  box.hidden = errors.length === 0;
}

async function start() {
  const [{ schema, sample }, loaded, imageList] = await Promise.all([
    getJson("/templates/schema.json"),
    getJson(`/templates/${templateId}/document`),
    getJson("/templates/images"),
  ]);
  const state = new DocumentState(loaded.document, loaded.name);
  const labels = Object.fromEntries(Object.entries(schema.types).map(([k, t]) => [k, t.label]));
  const images = imageStore(imageList.images);
  let previewData = {};
  let stopPreview = () => {};

  const canvas = new BuilderCanvas($("#bd-viewport"), state, { labels, editable, getData: () => previewData });

  function addElement(type, cx, cy) {
    const spec = schema.types[type];
    const c = state.doc.canvas;
    const k = Math.min(c.width / 1920, c.height / 1080) || 1;
    const w = Math.max(20, Math.min(c.width, Math.round(spec.size[0] * k)));
    const h = Math.max(20, Math.min(c.height, Math.round(spec.size[1] * k)));
    const x = cx === null ? (c.width - w) / 2 : cx - w / 2;
    const y = cy === null ? (c.height - h) / 2 : cy - h / 2;
    const id = state.newId(type.replace(/_/g, "-"));
    const element = { id, type, x: canvas.snap(x), y: canvas.snap(y), w, h, z: state.topZ() + 1 };
    if (spec.style && Object.keys(spec.style).length) element.style = { ...spec.style, fontSize: Math.max(8, Math.round((spec.style.fontSize || 64) * k)) };
    else if (!["box", "image"].includes(type)) element.style = { fontSize: Math.max(8, Math.round(64 * k)) };
    if (type === "box") element.style = { background: "#1c2230", radius: Math.round(16 * k) };
    state.edit((doc) => { doc.elements.push(element); });
    state.select(id);
    canvas.focusSelected();
  }

  const actions = {
    duplicate(id) {
      const original = state.element(id);
      if (!original) return;
      const copy = JSON.parse(JSON.stringify(original));
      copy.id = state.newId(original.type.replace(/_/g, "-"));
      copy.x += canvas.gridSize * 2;
      copy.y += canvas.gridSize * 2;
      copy.z = state.topZ() + 1;
      state.edit((doc) => { doc.elements.push(copy); });
      state.select(copy.id);
      canvas.focusSelected();
    },
    remove(id) { canvas.removeElement(id); },
    raise(id, delta) {
      state.edit((doc, st) => { const e = st.element(id); e.z = Math.max(0, Math.min(1000, (e.z || 0) + delta)); });
    },
  };

  const panel = new PropertiesPanel($("#bd-panel"), state, schema, { editable, images, actions });
  new Palette($("#bd-palette"), schema, { editable, add: addElement, canvas });

  // Toolbar
  const nameInput = $("#bd-name");
  nameInput.value = state.name;
  nameInput.disabled = !editable;
  nameInput.addEventListener("input", () => {
    const value = nameInput.value.trim();
    if (value) state.edit((doc, st) => { st.name = value.slice(0, schema.limits.name); }, "name");
  });
  const undoButton = $("#bd-undo"), redoButton = $("#bd-redo"), saveButton = $("#bd-save");
  undoButton.addEventListener("click", () => state.undo());
  redoButton.addEventListener("click", () => state.redo());
  saveButton.addEventListener("click", () => save());
  $("#bd-zoom").addEventListener("change", (e) => canvas.setZoom(e.target.value === "fit" ? null : Number(e.target.value)));

  // Preview sources
  const sourceSelect = $("#bd-source");
  const allSources = () => [sampleSource(sample), ...previewSources()];
  function fillSources() {
    const chosen = sourceSelect.value || "sample";
    sourceSelect.replaceChildren(...allSources().map((s) => el("option", { value: s.key, text: s.label })));
    sourceSelect.value = allSources().some((s) => s.key === chosen) ? chosen : "sample";
  }
  // What the chosen source shows now; read with the menu (aria-describedby), not announced on
  // its own: a live source rewrites it with every passing.
  const sourceNote = $("#bd-source-note");
  function note(text, kind = "") {
    sourceNote.textContent = text || "";
    sourceNote.dataset.kind = kind;
    sourceNote.hidden = !text;
  }
  function usePreview(key) {
    stopPreview();
    note("");
    const source = allSources().find((s) => s.key === key) || allSources()[0];
    const push = (data) => { previewData = data || {}; canvas.render(); };
    stopPreview = source.start(push, { sample, note }) || (() => {});
  }
  fillSources();
  onSourcesChanged(fillSources);
  sourceSelect.addEventListener("change", () => usePreview(sourceSelect.value));

  async function save() {
    if (!editable) return;
    setStatus("Saving…", "busy");
    showErrors([]);
    try {
      const response = await fetch(`/templates/${templateId}/document`, {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ name: state.name, document: state.doc }),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        showErrors(answer.errors || []);
        setStatus(answer.error || `Not saved (${response.status}); try again`, "bad");
        return;
      }
      state.markSaved();
      setStatus(`Saved ${new Date(answer.updated_at).toLocaleTimeString()}`, "ok");
    } catch (err) {
      setStatus("Not saved: the server did not answer. Check the connection and try again.", "bad");
    }
  }

  // Keyboard shortcuts for the whole page. Inside text fields the browser's own undo applies.
  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest("input, textarea, select");
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "s") { e.preventDefault(); save(); return; }
    if (typing) return;
    if (mod && e.key.toLowerCase() === "z") { e.preventDefault(); if (e.shiftKey) state.redo(); else state.undo(); }
    else if (mod && e.key.toLowerCase() === "y") { e.preventDefault(); state.redo(); }
    else if (mod && e.key.toLowerCase() === "d" && state.selected && editable) { e.preventDefault(); actions.duplicate(state.selected); }
  });
  for (const form of document.querySelectorAll("form.tl-delete")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(`Delete the template "${state.name}"? This cannot be undone.`)) e.preventDefault();
      else state.markSaved(); // leaving on purpose: no unsaved-changes prompt
    });
  }
  window.addEventListener("beforeunload", (e) => { if (state.dirty) { e.preventDefault(); e.returnValue = ""; } });

  state.subscribe((reason) => {
    if (reason === "change") return canvas.schedule(); // mid-gesture: repaint only
    if (reason === "history" && nameInput !== document.activeElement) nameInput.value = state.name;
    if (reason !== "select") canvas.render();
    else canvas.renderOverlay();
    panel.refresh(reason === "history");
    renderLayers($("#bd-layers"), state, labels);
    undoButton.disabled = !state.canUndo;
    redoButton.disabled = !state.canRedo;
    const dirty = state.dirty;
    saveButton.classList.toggle("is-dirty", dirty);
    if (reason !== "saved" && dirty) setStatus("Unsaved changes", "warn");
    if (reason === "select") canvas.focusSelected();
  });
  $("#bd-layers").addEventListener("click", () => canvas.focusSelected());

  usePreview("sample");
  canvas.fit();
  panel.refresh(true);
  renderLayers($("#bd-layers"), state, labels);
  undoButton.disabled = redoButton.disabled = true;
  saveButton.disabled = !editable;
  setStatus(editable ? "All changes saved" : "Read only: your role may view templates", editable ? "ok" : "");
  root.dataset.ready = "1";
}

start().catch((err) => {
  setStatus(`The builder could not load: ${err.message}. Reload the page.`, "bad");
});

// Templates list: a live thumbnail of each template (the real renderer, sample data), and a
// confirmation before deleting (the forms still work without script).
import { renderLayout } from "../layout/render.js";

for (const form of document.querySelectorAll("form.tl-delete")) {
  form.addEventListener("submit", (event) => {
    const label = form.querySelector("button").getAttribute("aria-label") || "Delete this template";
    if (!window.confirm(`${label}? This cannot be undone.`)) event.preventDefault();
  });
}

async function json(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function thumbnails() {
  const thumbs = [...document.querySelectorAll(".tl-thumb[data-template-id]")];
  if (!thumbs.length) return;
  const { sample } = await json("/templates/schema.json");
  const data = { ...sample, clock: { gun_epoch_ms: Date.now() - 11_520_000 } };
  await Promise.all(thumbs.map(async (thumb) => {
    const { document: doc } = await json(`/templates/${thumb.dataset.templateId}/document`);
    const box = document.createElement("div");
    box.className = "tl-thumb-render";
    box.setAttribute("aria-hidden", "true");
    thumb.prepend(box);
    const room = thumb.getBoundingClientRect();
    const scale = Math.min((room.width - 24) / doc.canvas.width, (room.height - 24) / doc.canvas.height);
    renderLayout(box, doc, data, { scale });
  }));
}

thumbnails().catch(() => { /* thumbnails are decoration; the list works without them */ });

// A display bound to a template document: drawn by the shared renderer (the builder's preview
// uses the same one), fed from the burst policy's current card, the arrivals so far and the
// session's standings.
import { renderLayout } from "../layout/render.js";
import { layoutRecord } from "../layout/record.js";

// The event -> record mapping is shared with the builder's live preview; re-exported here for
// the pages and tests that import it from this module.
export { entryAthlete, toAthlete } from "../layout/record.js";

export class TemplatedView {
  constructor(container, doc, { token, clockOffsetMs }) {
    this.container = container;
    this.doc = doc;
    this.view = renderLayout(container, doc, {}, {
      scale: this.fitScale(),
      clockOffsetMs,
      imageUrl: (id) => `/d/${token}/images/${Number(id)}`,
    });
    window.addEventListener("resize", () => this.view.setScale(this.fitScale()));
  }

  fitScale() {
    const canvas = this.doc.canvas || { width: 1920, height: 1080 };
    return Math.min(window.innerWidth / canvas.width, window.innerHeight / canvas.height);
  }

  update(card, history, standings) {
    const current = card && card.athletes.length ? card.athletes[0] : null;
    this.view.update(layoutRecord(current, history, standings));
  }
}

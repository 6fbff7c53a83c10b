// A display bound to a template document: drawn by the shared renderer (the builder's preview
// uses the same one), fed from the burst policy's current card and the arrivals so far.
import { renderLayout } from "../layout/render.js";

// The server sends chip_ms null when it saw no start-mat read for the runner: a chip-time
// element then shows the gun time, as results count from the gun when there is no start.
export function toAthlete(event) {
  const p = event.p;
  const gun = event.gun_ms ?? null;
  return {
    bib: p.bib, first_name: p.first, last_name: p.last, name: p.name, gender: p.gender || "",
    age_group: p.age_group, city: p.city, country: p.country || p.state, team: p.team,
    message: p.message, vip: p.vip, gun_time_ms: gun, chip_time_ms: event.chip_ms ?? gun,
    place: null,
  };
}

// Places by gun time among the arrivals this page knows (best time per bib).
export function leadersOf(history) {
  const best = new Map();
  for (const event of history) {
    if (!event.p || event.gun_ms === null || event.gun_ms === undefined) continue;
    const known = best.get(event.p.bib);
    if (!known || event.gun_ms < known.gun_ms) best.set(event.p.bib, event);
  }
  const sorted = [...best.values()].sort((a, b) => a.gun_ms - b.gun_ms);
  const byGender = new Map();
  const byGroup = new Map();
  return sorted.map((event, index) => {
    const athlete = toAthlete(event);
    const g = (byGender.get(athlete.gender) || 0) + 1;
    byGender.set(athlete.gender, g);
    const a = (byGroup.get(athlete.age_group) || 0) + 1;
    byGroup.set(athlete.age_group, a);
    athlete.place = { overall: index + 1, gender: athlete.gender ? g : null, age_group: athlete.age_group ? a : null };
    return athlete;
  });
}

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

  update(card, history) {
    const known = history.filter((event) => event.p);
    const athlete = card && card.athletes.length ? toAthlete(card.athletes[0]) : null;
    const leaders = leadersOf(known);
    if (athlete) {
      const placed = leaders.find((leader) => leader.bib === athlete.bib);
      if (placed) athlete.place = placed.place;
    }
    this.view.update({ athlete, recent: known.slice(0, 20).map(toAthlete), leaders, clock: { gun_epoch_ms: null } });
  }
}

// Renders a p88 template document into positioned elements. Shared by the builder preview and
// the live display page, so what the operator designs is exactly what the venue screen shows.
//
// Usage:
//   import { renderLayout } from "/static/layout/render.js";
//   const view = renderLayout(container, templateDocument, data, { scale: 0.5 });
//   view.update(newData);   // new athlete / lists: re-renders, keeps the same root element
//   view.setScale(0.75);    // after the container was resized
//   view.destroy();         // stops the clock/message timers and empties the container
//
// Options: scale (canvas px -> CSS px, default 1); imageUrl(id) -> URL of an uploaded image
// (default "/templates/images/<id>"; the public display passes its own token-scoped URL);
// clockOffsetMs added to Date.now() for clocks (a display's configured offset); now() for tests.
//
// The data shape (every key optional; a missing value renders as an empty element, never as
// "undefined"):
//   {
//     athlete: Athlete | null,      // the runner being called out (null: nobody yet)
//     recent: Athlete[],            // newest first, feeds "Latest finishers" (last_n_list)
//     leaders: Athlete[],           // finishers with places (the server's results, one course),
//                                   // feeds "Leaderboard"; the renderer filters by gender / age
//                                   // group and sorts by that place
//     clock: { gun_epoch_ms: number | null }   // wave gun in epoch ms, for the race clock
//   }
//   Athlete = {
//     bib: "1234", first_name: "Amara", last_name: "Okafor", name: "Amara Okafor",
//     gender: "F", age_group: "F35-39", city: "Malmö", country: "SWE",
//     city_country: "Malmö, SWE",          // optional; built from city + country if absent
//     team: "Södermalm Runners", message: "Go Mum!",   // personal message from the entry file
//     vip: false,
//     gun_time_ms: 11834200,                // elapsed milliseconds; a string is shown as is
//     chip_time_ms: 11790600,
//     ranking_time_ms: 11790600,           // the time the course ranks by (leaderboards)
//     place: { overall: 412, gender: 97, age_group: 14 },  // numbers; null when unknown
//     provisional: { overall: true, gender: false, age_group: false }  // may still change
//   }
//
// Safety: every value is set with textContent and every style through the CSSOM; URLs are only
// ever built from integer image ids. Documents are validated on the server as well.

export const FONT_STACKS = {
  sans: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  condensed: '"Roboto Condensed", "Arial Narrow", "Helvetica Neue Condensed", "DejaVu Sans Condensed", sans-serif',
  serif: 'Georgia, "Times New Roman", "DejaVu Serif", serif',
  mono: 'ui-monospace, "SF Mono", "Roboto Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
  display: 'Impact, "Arial Black", "Helvetica Neue", "DejaVu Sans", sans-serif',
  rounded: '"SF Pro Rounded", "Nunito", "Varela Round", "Arial Rounded MT Bold", system-ui, sans-serif',
};

const STYLE_DEFAULTS = {
  fontFamily: "sans", fontSize: 64, fontWeight: 700, italic: false, uppercase: false,
  color: "#ffffff", align: "left", valign: "middle", autoFit: true, background: null,
  padding: 0, radius: 0, opacity: 1, shadowColor: null, shadowBlur: 8, shadowX: 0, shadowY: 4,
};

const LIST_COLUMNS = {
  place: "0.6fr", bib: "0.8fr", name: "2.6fr", first_name: "1.5fr", last_name: "1.6fr",
  time: "1.4fr", age_group: "1fr", gender: "0.5fr", team: "1.6fr", city_country: "1.6fr",
};
const NUMERIC_COLUMNS = new Set(["place", "bib", "time"]);

// ---- formatting -------------------------------------------------------------------------------

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** Elapsed milliseconds as a race time. Truncates (timing convention), never rounds up. */
export function formatTime(ms, format = "h:mm:ss") {
  if (typeof ms === "string") return ms;
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) return "";
  const tenths = Math.floor(ms / 100) % 10;
  const hundredths = Math.floor(ms / 10) % 100;
  const totalSeconds = Math.floor(ms / 1000);
  const s = totalSeconds % 60;
  const totalMinutes = Math.floor(totalSeconds / 60);
  const m = totalMinutes % 60;
  const h = Math.floor(totalMinutes / 60);
  switch (format) {
    case "h:mm:ss.t": return `${h}:${pad(m)}:${pad(s)}.${tenths}`;
    case "h:mm:ss.tt": return `${h}:${pad(m)}:${pad(s)}.${pad(hundredths)}`;
    case "mm:ss": return `${pad(totalMinutes)}:${pad(s)}`;
    case "mm:ss.t": return `${pad(totalMinutes)}:${pad(s)}.${tenths}`;
    case "hh:mm:ss": return `${pad(h)}:${pad(m)}:${pad(s)}`;
    default: return `${h}:${pad(m)}:${pad(s)}`;
  }
}

/** A wall-clock time of day. */
export function formatClock(date, format = "HH:mm:ss") {
  const H = date.getHours(), m = pad(date.getMinutes()), s = pad(date.getSeconds());
  const h12 = H % 12 === 0 ? 12 : H % 12, ampm = H < 12 ? "AM" : "PM";
  switch (format) {
    case "HH:mm": return `${pad(H)}:${m}`;
    case "h:mm:ss a": return `${h12}:${m}:${s} ${ampm}`;
    case "h:mm a": return `${h12}:${m} ${ampm}`;
    default: return `${pad(H)}:${m}:${s}`;
  }
}

export function ordinal(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "";
  const tens = n % 100, ones = n % 10;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th";
  return `${n}${suffix}`;
}

const text = (v) => (v === null || v === undefined ? "" : String(v));

function cityCountry(a) {
  if (a.city_country) return text(a.city_country);
  return [a.city, a.country].filter((x) => x).join(", ");
}

// "ranking": the time the runner's course ranks by (chip or gun), as the results have it.
function athleteTime(a, source, format) {
  if (source === "ranking") return formatTime(a.ranking_time_ms ?? a.gun_time_ms, format);
  return formatTime(source === "chip" ? a.chip_time_ms : a.gun_time_ms, format);
}

function fieldValue(a, field, opts = {}) {
  switch (field) {
    case "name": return text(a.name || [a.first_name, a.last_name].filter((x) => x).join(" "));
    case "city_country": return cityCountry(a);
    case "time": return athleteTime(a, opts.timeSource, opts.timeFormat);
    case "place": {
      const p = a.place ? a.place[opts.by || "overall"] : null;
      return typeof p === "number" ? String(p) : "";
    }
    default: return text(a[field]);
  }
}

// ---- one element ------------------------------------------------------------------------------

function withAffixes(value, options) {
  if (!value) return "";
  return `${options.prefix || ""}${value}${options.suffix || ""}`;
}

function boundText(element, data) {
  const o = element.options || {};
  const a = data.athlete;
  switch (element.type) {
    case "custom_text": return text(o.text ?? "Welcome to the finish");
    case "athlete_name": return a ? withAffixes(fieldValue(a, "name"), o) : "";
    case "first_name": case "last_name": case "bib": case "age_group": case "team":
      return a ? withAffixes(text(a[element.type]), o) : "";
    case "city_country": return a ? withAffixes(cityCountry(a), o) : "";
    case "time": return a ? withAffixes(athleteTime(a, o.source, o.format), o) : "";
    case "place": {
      const kind = o.kind || "overall";
      const p = a && a.place ? a.place[kind] : null;
      if (typeof p !== "number") return "";
      const shown = withAffixes(o.ordinal === false ? String(p) : ordinal(p), o);
      // Someone still out could beat it (docs/RESULTS.md, "Provisional"): say so.
      return a.provisional && a.provisional[kind] ? `${shown} (provisional)` : shown;
    }
    default: return "";
  }
}

function applyBoxStyle(node, element, style) {
  const s = node.style;
  s.position = "absolute";
  s.left = `${element.x}px`;
  s.top = `${element.y}px`;
  s.width = `${element.w}px`;
  s.height = `${element.h}px`;
  s.boxSizing = "border-box";
  s.zIndex = String(element.z || 0);
  if (element.rotation) s.transform = `rotate(${Number(element.rotation)}deg)`;
  s.opacity = String(style.opacity);
  if (style.background) s.backgroundColor = style.background;
  if (style.radius) s.borderRadius = `${style.radius}px`;
  s.padding = `${style.padding}px`;
  s.overflow = "hidden";
}

function applyTextStyle(node, style) {
  const s = node.style;
  s.display = "flex";
  s.alignItems = { top: "flex-start", middle: "center", bottom: "flex-end" }[style.valign] || "center";
  s.justifyContent = { left: "flex-start", center: "center", right: "flex-end" }[style.align] || "flex-start";
  s.textAlign = style.align;
  s.color = style.color;
  s.fontFamily = FONT_STACKS[style.fontFamily] || FONT_STACKS.sans;
  s.fontSize = `${style.fontSize}px`;
  s.fontWeight = String(style.fontWeight);
  s.fontStyle = style.italic ? "italic" : "normal";
  s.textTransform = style.uppercase ? "uppercase" : "none";
  s.lineHeight = "1.15";
  s.fontVariantNumeric = "tabular-nums";
  if (style.shadowColor) {
    s.textShadow = `${style.shadowX}px ${style.shadowY}px ${style.shadowBlur}px ${style.shadowColor}`;
  }
}

function imageUrlFor(id, options) {
  if (!Number.isInteger(id) || id <= 0) return null;
  return options.imageUrl ? options.imageUrl(id) : `/templates/images/${id}`;
}

function fitValue(fit) {
  return fit === "fill" ? "100% 100%" : fit === "cover" ? "cover" : "contain";
}

function renderList(node, element, style, data) {
  const o = element.options || {};
  const fields = Array.isArray(o.fields) && o.fields.length ? o.fields : ["place", "bib", "name", "time"];
  const n = Math.max(1, Math.min(50, Number(o.n) || 8));
  let rows;
  let by = "overall";
  let timeSource = o.timeSource;
  if (element.type === "leaderboard") {
    timeSource = timeSource || "ranking";
    by = o.by || "overall";
    const a = data.athlete || {};
    const category = o.category || (by === "gender" ? a.gender : by === "age_group" ? a.age_group : "");
    rows = (Array.isArray(data.leaders) ? data.leaders : []).filter((r) => {
      if (by === "gender") return !category || r.gender === category;
      if (by === "age_group") return !category || r.age_group === category;
      return true;
    });
    const rank = (r) => (r.place && typeof r.place[by] === "number" ? r.place[by] : Infinity);
    rows = rows.slice().sort((x, y) => rank(x) - rank(y));
  } else {
    rows = Array.isArray(data.recent) ? data.recent : [];
  }
  const list = document.createElement("div");
  list.className = "p88-list";
  const ls = list.style;
  ls.display = "flex";
  ls.flexDirection = "column";
  ls.width = "100%";
  ls.alignSelf = "stretch";
  ls.justifyContent = { top: "flex-start", middle: "center", bottom: "flex-end" }[style.valign] || "flex-start";
  const columns = fields.map((f) => LIST_COLUMNS[f] || "1fr").join(" ");
  rows.slice(0, n).forEach((row, i) => {
    const line = document.createElement("div");
    line.className = "p88-row";
    const s = line.style;
    s.display = "grid";
    s.gridTemplateColumns = columns;
    s.columnGap = "0.6em";
    s.alignItems = "center";
    s.padding = "0.18em 0.4em";
    s.borderRadius = "0.2em";
    if (o.rowColor && i % 2 === 0) s.backgroundColor = o.rowColor;
    for (const field of fields) {
      const cell = document.createElement("span");
      cell.className = `p88-cell p88-cell-${field}`;
      cell.textContent = fieldValue(row, field, { timeSource, timeFormat: o.timeFormat, by });
      const c = cell.style;
      c.whiteSpace = "nowrap";
      c.overflow = "hidden";
      c.textOverflow = "ellipsis";
      c.textAlign = NUMERIC_COLUMNS.has(field) && field !== "bib" ? "right" : "left";
      if (field === "place" || field === "time") c.fontVariantNumeric = "tabular-nums";
      line.appendChild(cell);
    }
    list.appendChild(line);
  });
  node.appendChild(list);
}

function shrinkToFit(node, span, style) {
  // Layout sizes ignore the stage's scale transform, so this measures in canvas pixels.
  const availableW = node.clientWidth - 2 * style.padding;
  const availableH = node.clientHeight - 2 * style.padding;
  const neededW = span.scrollWidth, neededH = span.scrollHeight;
  if (availableW <= 0 || neededW <= 0) return;
  const ratio = Math.min(1, availableW / neededW, availableH > 0 && neededH > 0 ? availableH / neededH : 1);
  if (ratio < 1) span.style.fontSize = `${Math.max(4, Math.floor(style.fontSize * ratio * 0.98))}px`;
}

// ---- the whole layout --------------------------------------------------------------------------

function clockText(element, data, now) {
  const o = element.options || {};
  if (o.mode === "race_clock") {
    const gun = data.clock && data.clock.gun_epoch_ms;
    return typeof gun === "number" ? formatTime(Math.max(0, now - gun), "h:mm:ss") : "0:00:00";
  }
  return formatClock(new Date(now), o.format);
}

function messageText(element, data, now) {
  const o = element.options || {};
  const personal = data.athlete && data.athlete.message;
  if (o.source !== "rotating" && personal) return text(personal);
  const list = Array.isArray(o.messages) ? o.messages.filter((m) => m) : [];
  if (!list.length) return "";
  const period = Math.max(2, Number(o.interval) || 6) * 1000;
  return text(list[Math.floor(now / period) % list.length]);
}

/**
 * Render `doc` with `data` into `container` (emptied first). Returns a controller:
 * { root, stage, update(data), setScale(scale), destroy() }.
 * Each element node carries data-element-id and data-element-type for the builder and tests.
 */
export function renderLayout(container, doc, data, options = {}) {
  const now = () => (options.now ? options.now() : Date.now()) + (Number(options.clockOffsetMs) || 0);
  const canvas = doc.canvas || { width: 1920, height: 1080 };
  const root = document.createElement("div");
  root.className = "p88-layout";
  const stage = document.createElement("div");
  stage.className = "p88-stage";
  root.appendChild(stage);
  container.replaceChildren(root);
  let current = data || {};
  let scale = options.scale || 1;
  const live = []; // [node, element, fn(now) -> text] for clocks and rotating messages

  function setScale(next) {
    scale = next;
    root.style.position = "relative";
    root.style.width = `${canvas.width * scale}px`;
    root.style.height = `${canvas.height * scale}px`;
    root.style.overflow = "hidden";
    const s = stage.style;
    s.position = "absolute";
    s.left = "0";
    s.top = "0";
    s.width = `${canvas.width}px`;
    s.height = `${canvas.height}px`;
    s.transformOrigin = "0 0";
    s.transform = `scale(${scale})`;
  }

  function paint() {
    live.length = 0;
    stage.replaceChildren();
    stage.style.backgroundColor = canvas.background || "#000000";
    const bg = imageUrlFor(canvas.backgroundImage, options);
    stage.style.backgroundImage = bg ? `url("${bg}")` : "none";
    stage.style.backgroundSize = fitValue(canvas.backgroundFit || "cover");
    stage.style.backgroundPosition = "center";
    stage.style.backgroundRepeat = "no-repeat";
    const fits = [];
    for (const element of doc.elements || []) {
      const style = { ...STYLE_DEFAULTS, ...(element.style || {}) };
      const node = document.createElement("div");
      node.className = `p88-el p88-el-${element.type}`;
      node.dataset.elementId = element.id;
      node.dataset.elementType = element.type;
      applyBoxStyle(node, element, style);
      if (element.type === "box") {
        // A panel: only its box style.
      } else if (element.type === "image") {
        const url = imageUrlFor((element.options || {}).image, options);
        if (url) {
          node.style.backgroundImage = `url("${url}")`;
          node.style.backgroundSize = fitValue((element.options || {}).fit);
          node.style.backgroundPosition = "center";
          node.style.backgroundRepeat = "no-repeat";
        }
      } else if (element.type === "last_n_list" || element.type === "leaderboard") {
        applyTextStyle(node, style);
        renderList(node, element, style, current);
      } else {
        applyTextStyle(node, style);
        const span = document.createElement("span");
        span.className = "p88-text";
        span.style.whiteSpace = "nowrap";
        node.appendChild(span);
        if (element.type === "clock") live.push([span, element, clockText]);
        else if (element.type === "message") live.push([span, element, messageText]);
        else span.textContent = boundText(element, current);
        if (style.autoFit) fits.push([node, span, style]);
      }
      stage.appendChild(node);
    }
    tick();
    for (const [node, span, style] of fits) shrinkToFit(node, span, style);
  }

  function tick() {
    const t = now();
    for (const [span, element, fn] of live) {
      const value = fn(element, current, t);
      if (span.textContent !== value) span.textContent = value;
    }
  }

  setScale(scale);
  paint();
  const timer = setInterval(tick, 250);
  return {
    root,
    stage,
    update(next) { current = next || {}; paint(); },
    setScale,
    destroy() { clearInterval(timer); container.replaceChildren(); },
  };
}

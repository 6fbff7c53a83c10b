// Where the builder's preview data comes from.
//
// "Sample data" is built in (it comes from the server with the schema). A live source plugs in
// with registerPreviewSource() from any module loaded on the builder page, for example the
// displays code feeding the latest passings of a chosen timing session:
//
//   import { registerPreviewSource } from "/static/builder/preview.js";
//   registerPreviewSource("live", "Live: City Marathon", (push, { sample, note }) => {
//     const socket = openSomething();
//     socket.onmessage = (m) => push(toRenderData(m));   // data shape: see layout/render.js
//     return () => socket.close();                        // called when the operator switches away
//   });
//
// `push(data)` may be called any number of times; the canvas re-renders with each payload.
// The second argument: `sample` is the built-in sample record (for a source that has nothing
// to show yet), `note(text, kind)` shows a short line next to the menu (what the preview shows
// now; kind "warn" or "bad" colours it; "" hides it). The line is cleared when the operator switches sources.
// builder/live.js registers the partner's live timing sessions this way.

const sources = new Map();
const listeners = new Set();

export function registerPreviewSource(key, label, start) {
  sources.set(key, { key, label, start });
  for (const fn of listeners) fn();
}

export function previewSources() {
  return [...sources.values()];
}

export function onSourcesChanged(fn) {
  listeners.add(fn);
}

/** The sample record from the server, with a race clock that has been running 3h12m. */
export function sampleSource(sample) {
  return {
    key: "sample",
    label: "Sample data",
    start(push) {
      push({ ...sample, clock: { gun_epoch_ms: Date.now() - (3 * 3600 + 12 * 60) * 1000 } });
      return () => {};
    },
  };
}

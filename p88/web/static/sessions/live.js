// Live preview of a timing session's newest reads. Newest on top, each read once (by id),
// reconnects by itself with backoff. No framework, no build step.

const MAX_ROWS = 50;
const table = document.getElementById("live-reads");
const stateBadge = document.getElementById("live-state");
const emptyNote = document.getElementById("live-empty");

function setState(state, text) {
  stateBadge.dataset.state = state;
  stateBadge.textContent = text;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text ?? "";
  return td;
}

function rowFor(read) {
  const tr = document.createElement("tr");
  tr.dataset.readId = String(read.id);
  tr.append(cell(read.time, "num"), cell(read.location), cell(read.tag, "mono"), cell(read.bib));
  const name = cell(read.name);
  if (!read.bib) {
    const span = document.createElement("span");
    span.className = "warn-text";
    span.textContent = "unknown tag";
    name.replaceChildren(span);
  }
  tr.append(name);
  return tr;
}

function newestId(body) {
  const first = body.querySelector("tr[data-read-id]");
  return first ? Number(first.dataset.readId) : 0;
}

// Reads arrive oldest first; each new one goes on top unless it is already shown.
function addReads(reads, flash) {
  const body = table.tBodies[0];
  const shown = new Set([...body.rows].map((tr) => tr.dataset.readId));
  for (const read of reads) {
    if (shown.has(String(read.id))) continue;
    const tr = rowFor(read);
    if (read.id > newestId(body)) {
      body.prepend(tr);
    } else {
      const after = [...body.rows].find((r) => Number(r.dataset.readId) < read.id);
      body.insertBefore(tr, after ?? null);
    }
    if (flash) tr.classList.add("fresh");
    shown.add(String(read.id));
  }
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
  if (emptyNote) emptyNote.hidden = body.rows.length > 0;
}

let delay = 500;

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/sessions/${table.dataset.sessionId}/live`;
  const socket = new WebSocket(url);
  socket.addEventListener("open", () => {
    delay = 500;
    setState("live", "live");
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "backlog") addReads(message.reads, false);
    else if (message.type === "reads") addReads(message.reads, true);
    else if (message.type === "resync") setState("behind", "catching up…");
  });
  socket.addEventListener("close", () => {
    setState("down", "reconnecting…");
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  });
}

if (table) connect();

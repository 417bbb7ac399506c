// The chair's speaker console (templates/chair/console.html). It shows the list of speakers of the item that has
// the floor as the server sends it (the state of docs/speakers.md: first embedded in the page, then every
// "speakers" frame of the live view), and sends every command to the JSON API with the session cookie and the CSRF
// token. No rule lives here: the server refuses what is not allowed and the console says why.
import { LiveClient, clockTime } from "./live-client.js";
import { clockOf, mmss } from "./speech-clock.js";

const root = document.getElementById("chair");
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

const $ = (id) => document.getElementById(id);
const conferenceId = Number(root?.dataset.conferenceId);
const zone = root?.dataset.timezone || undefined;
const T = root ? JSON.parse(root.dataset.texts) : {};
const API = `/api/conferences/${conferenceId}/speakers`;

function fmt(text, values = {}) {
  return String(text).replace(/%\((\w+)\)s/g, (_, k) => (k in values ? String(values[k]) : ""));
}

// ---- state -------------------------------------------------------------------------------------------------------
let state = root ? JSON.parse(root.dataset.state) : null;   // the state shown
let requests = root ? JSON.parse(root.dataset.requests) : [];
let totals = root ? JSON.parse(root.dataset.totals) : null;
let conferenceStatus = root?.dataset.status;
let live = null;
let pendingState = null;   // a state that arrived while the chair was dragging: shown when the drag ends
let dragging = null;
let renderScheduled = false;
const applied = [];        // frames waiting for the next render, for the frame-applied marks
let lastRequestsKey = null;
let lastTotalsKey = null;

/** Is `next` older than what is shown (same list, lower version, or same version computed earlier)? */
function older(next, shown) {
  if (!shown || next.agenda_item_id !== shown.agenda_item_id) return false;
  if (next.version !== shown.version) return next.version < shown.version;
  return Date.parse(next.server_time) < Date.parse(shown.server_time);
}

function show(next, {force = false, frame = null} = {}) {
  if (!next) return;
  if (!force && older(next, state)) return;
  if (dragging && !force) {
    pendingState = next;
    return;
  }
  state = next;
  if (frame) applied.push(frame);
  scheduleRender();
}

function scheduleRender() {
  if (renderScheduled) return;
  renderScheduled = true;
  const run = () => {
    renderScheduled = false;
    render();
  };
  if (document.hidden) setTimeout(run, 0);
  else requestAnimationFrame(run);
}

// ---- the server --------------------------------------------------------------------------------------------------
class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || String(status));
    this.status = status;
    this.code = body?.code;
    this.field = body?.field;
    this.body = body || {};
  }
}

async function call(method, path, body = undefined) {
  const headers = {Accept: "application/json"};
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(API + path, {method, headers, credentials: "same-origin",
                                        body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (_) {
    throw new Problem(0, {detail: T.offline, code: "offline"});
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}

function alertText(text) {
  const box = $("chair-alert");
  box.textContent = text || "";
  box.hidden = !text;
}

function announce(text) {
  $("chair-announce").textContent = text;
}

/** Run a command that answers with a state; show it, or say why it was refused. */
async function command(method, path, body) {
  alertText("");
  try {
    const next = await call(method, path, body);
    if (next && "waiting" in next) show(next, {force: true});
    return next;
  } catch (problem) {
    alertText(problem.code === "offline" ? T.offline : fmt(T.failed, {detail: problem.message}));
    return null;
  }
}

function itemQuery() {
  return state?.agenda_item_id ? `?agenda_item_id=${state.agenda_item_id}` : "";
}

// ---- reordering (versioned) --------------------------------------------------------------------------------------
let staleMine = null;
let reordering = false;   // one reorder at a time: quick moves in a row are sent one after the other
let nextOrder = null;     // the order wanted after the one in flight

async function reorder(ids, version) {
  if (reordering) {
    nextOrder = ids;
    return;
  }
  reordering = true;
  alertText("");
  try {
    const next = await call("POST", "/reorder", {entry_ids: ids, version, agenda_item_id: state.agenda_item_id});
    show(next, {force: true});
    announce(T.saved_order);
  } catch (problem) {
    if (problem.code === "stale_version" || problem.code === "incomplete_order") {
      // Someone else changed the list meanwhile: show the order as it is now and ask again.
      const fresh = await call("GET", `/${itemQuery()}`).catch(() => null);
      if (fresh) show(fresh, {force: true});
      askAgain(nextOrder || ids);
      nextOrder = null;
    } else {
      alertText(fmt(T.failed, {detail: problem.message}));
      nextOrder = null;
      show(state, {force: true});  // put the rows back where the server has them
    }
  } finally {
    reordering = false;
    const wanted = nextOrder;
    nextOrder = null;
    // the chair's own earlier move is no conflict: the next one goes on the version it produced
    if (wanted && wanted.join(",") !== (state?.waiting || []).map((e) => e.id).join(",")) {
      reorder(wanted, state.version);
    }
  }
}

function merged(mine, current) {
  const present = new Set(current);
  const out = mine.filter((id) => present.has(id));
  const placed = new Set(out);
  current.forEach((id, index) => {
    if (!placed.has(id)) out.splice(Math.min(index, out.length), 0, id);
  });
  return out;
}

function askAgain(mine) {
  const dialog = $("stale-dialog");
  staleMine = mine;
  $("stale-text").textContent = T.stale_question;
  const byId = new Map((state?.waiting || []).map((e) => [e.id, e]));
  const list = $("stale-mine");
  list.replaceChildren(...merged(mine, [...byId.keys()]).map((id) => {
    const li = document.createElement("li");
    li.textContent = byId.get(id)?.delegate_name || `#${id}`;
    return li;
  }));
  if (!dialog.open) dialog.showModal();
  $("stale-apply").focus();
}

function setupDialog() {
  const dialog = $("stale-dialog");
  $("stale-apply").addEventListener("click", () => {
    dialog.close();
    const current = (state?.waiting || []).map((e) => e.id);
    if (staleMine) reorder(merged(staleMine, current), state.version);
    staleMine = null;
  });
  $("stale-keep").addEventListener("click", () => {
    dialog.close();
    staleMine = null;
  });
  dialog.addEventListener("close", () => $("queue").querySelector("li.entry")?.focus());
}

function queueIds() {
  return [...$("queue").querySelectorAll("li.entry")].map((li) => Number(li.dataset.entryId));
}

function move(li, delta) {
  const ids = queueIds();
  const id = Number(li.dataset.entryId);
  const from = ids.indexOf(id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= ids.length) return;
  ids.splice(from, 1);
  ids.splice(to, 0, id);
  const queue = $("queue");
  const rows = queue.querySelectorAll("li.entry");
  if (delta < 0) queue.insertBefore(li, rows[to]);
  else queue.insertBefore(li, rows[to].nextSibling);
  li.focus();
  const entry = state.waiting.find((e) => e.id === id);
  announce(fmt(T.moved, {name: entry?.delegate_name || "", n: to + 1}));
  reorder(ids, state.version);
}

function setupDrag() {
  const queue = $("queue");
  let start = [];
  let version = 0;
  queue.addEventListener("dragstart", (event) => {
    const li = event.target.closest?.("li.entry");
    if (!li) return;
    dragging = li;
    start = queueIds();
    version = state.version;
    li.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.entryId);
  });
  queue.addEventListener("dragover", (event) => {
    if (!dragging) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    const over = event.target.closest?.("li.entry");
    if (!over || over === dragging) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    queue.insertBefore(dragging, after ? over.nextSibling : over);
  });
  queue.addEventListener("drop", (event) => {
    if (dragging) event.preventDefault();
  });
  queue.addEventListener("dragend", () => {
    if (!dragging) return;
    dragging.classList.remove("dragging");
    dragging = null;
    const now = queueIds();
    const waiting = pendingState;
    pendingState = null;
    if (waiting) show(waiting);  // what arrived meanwhile is shown under the order being sent
    if (now.join(",") !== start.join(",")) {
      numberRows();
      reorder(now, version);
    } else if (waiting) {
      scheduleRender();
    }
  });
}

// ---- drawing -----------------------------------------------------------------------------------------------------
const rows = new Map();  // entry id → {li, key}

function personKey(e) {
  return [e.delegate_name, e.rank, e.site_name, e.site_code, e.unit_name, e.topic, e.kind, e.allotted_minutes].join("\u0001");
}

function fillPerson(el, e) {
  el.querySelector(".rank").textContent = e.rank || "";
  el.querySelector(".full-name").textContent = e.delegate_name;
  el.querySelector(".where").textContent = [e.site_name || e.site_code, e.unit_name].filter(Boolean).join(" · ");
  el.querySelector(".topic").textContent = e.topic || "";
  el.querySelector(".kind").hidden = e.kind !== "point_of_order";
}

function minutesText(minutes) {
  return minutes ? fmt(T.minutes, {n: minutes}) : T.no_limit;
}

function entryRow(e) {
  let row = rows.get(e.id);
  if (!row) {
    const li = $("tpl-entry").content.firstElementChild.cloneNode(true);
    li.dataset.entryId = String(e.id);
    row = {li, key: null};
    rows.set(e.id, row);
  }
  const key = personKey(e);
  if (row.key !== key) {
    fillPerson(row.li, e);
    delete row.li.dataset.pos;  // its label names the person: write it again
    row.li.querySelector(".minutes").textContent = minutesText(e.allotted_minutes);
    row.li.classList.toggle("point-of-order", e.kind === "point_of_order");
    row.key = key;
  }
  return row.li;
}

function numberRows() {
  let i = 0;
  for (let li = $("queue").firstElementChild; li; li = li.nextElementSibling) {
    const text = String(++i);
    if (li.dataset.pos === text) continue;  // only the rows whose place changed are touched
    li.dataset.pos = text;
    li.querySelector(".pos").textContent = text;
    li.setAttribute("aria-label", `${text}. ${li.querySelector(".full-name").textContent}`);
  }
}

function renderQueue() {
  const queue = $("queue");
  const waiting = state?.waiting || [];
  const keep = new Set(waiting.map((e) => e.id));
  for (const [id, row] of rows) {
    if (!keep.has(id)) {
      row.li.remove();
      rows.delete(id);
    }
  }
  // Put each row in place, moving only those that are not already there (a frame changes few rows).
  let cursor = queue.firstElementChild;
  for (const e of waiting) {
    const li = entryRow(e);
    if (li === cursor) {
      cursor = cursor.nextElementSibling;
    } else {
      queue.insertBefore(li, cursor);
    }
  }
  numberRows();
  const isLive = conferenceStatus === "live";
  queue.querySelectorAll("button[data-act=start]").forEach((b) => { b.disabled = !isLive; });
  $("queue-empty").hidden = waiting.length > 0;
  $("queue-count").textContent = fmt(T.waiting_count, {n: waiting.length});
}

function renderCurrent() {
  const current = state?.current;
  const box = $("current");
  box.querySelector(".current-empty").hidden = !!current;
  box.querySelector(".current-who").hidden = !current;
  box.querySelector(".current-empty").textContent = state?.agenda_item_id ? T.nobody_speaking : T.no_item;
  if (current) fillPerson(box.querySelector(".current-who"), current);
  box.dataset.entryId = current ? String(current.id) : "";
  const controls = document.querySelector(".controls");
  const isLive = conferenceStatus === "live";
  controls.querySelector("[data-act=next]").disabled = !isLive || !(state?.waiting || []).length;
  controls.querySelector("[data-act=pause]").hidden = !!current?.paused;
  controls.querySelector("[data-act=pause]").disabled = !isLive || !current;
  controls.querySelector("[data-act=resume]").hidden = !current?.paused;
  controls.querySelector("[data-act=resume]").disabled = !isLive || !current;
  controls.querySelector("[data-act=end]").disabled = !current;
  controls.querySelector("[data-act=readd]").disabled = !state?.agenda_item_id || !(state?.finished || []).length;
  const finished = $("finished");
  finished.replaceChildren(...(state?.finished || []).slice().reverse().map((e) => {
    const li = document.createElement("li");
    li.textContent = `${e.rank ? e.rank + " " : ""}${e.delegate_name} (${e.site_name}) · ${mmss(e.elapsed_seconds || 0)}`;
    return li;
  }));
  tick();
}

function renderHeader() {
  const select = $("item-select");
  const value = state?.agenda_item_id ? String(state.agenda_item_id) : "";
  if (select.value !== value && document.activeElement !== select) select.value = value;
  $("list-closed").hidden = !state?.closed;
  $("close-list").hidden = !!state?.closed || !state?.agenda_item_id;
  $("reopen-list").hidden = !state?.closed || !state?.agenda_item_id;
}

function render() {
  if (!state) return;
  renderHeader();
  renderQueue();
  renderCurrent();
  refreshRequestsIfNeeded();
  refreshTotalsIfNeeded();
  markApplied();
}

let appliedCount = 0;

function markApplied() {
  if (!applied.length) return;
  const now = Date.now();
  for (const frame of applied) {
    const at = Date.parse(frame.at);
    performance.mark("chair-frame-applied", {detail: {seq: frame.seq, lagMs: Number.isNaN(at) ? null : now - at}});
  }
  appliedCount += applied.length;
  applied.length = 0;
  if (appliedCount > 5000) {  // a console open all day keeps a bounded record
    performance.clearMarks("chair-frame-applied");
    appliedCount = 0;
  }
}

// ---- the clock ---------------------------------------------------------------------------------------------------
function serverNow() {
  return live ? live.serverNow() : Date.now();
}

function tick() {
  const clock = $("clock");
  const label = $("clock-label");
  const current = state?.current;
  if (!current) {
    if (clock.textContent !== "–:––") clock.textContent = "–:––";
    clock.dataset.phase = "none";
    delete clock.dataset.remaining;
    label.textContent = "";
    return;
  }
  const c = clockOf(current, state.server_time, serverNow());
  if (clock.textContent !== c.text) clock.textContent = c.text;
  clock.dataset.phase = c.phase;
  if (c.remaining == null) delete clock.dataset.remaining;
  else clock.dataset.remaining = c.remaining.toFixed(2);
  clock.dataset.elapsed = c.elapsed.toFixed(2);
  const words = {overrun: T.overrun, warning: T.warning, paused: T.paused, ok: T.remaining, none: T.elapsed};
  const text = `${words[c.phase]} · ${minutesText(current.allotted_minutes)}`;
  if (label.textContent !== text) label.textContent = text;
}

// ---- floor requests and totals -----------------------------------------------------------------------------------
let requestsTimer = null;
let totalsTimer = null;

function refreshRequestsIfNeeded() {
  const key = `${state.agenda_item_id}:${state.pending_requests}:${state.version}`;
  if (key === lastRequestsKey) return;
  const first = lastRequestsKey === null;
  lastRequestsKey = key;
  if (first) {
    renderRequests();
    return;
  }
  clearTimeout(requestsTimer);
  requestsTimer = setTimeout(loadRequests, 150);
}

async function loadRequests() {
  try {
    const page = await call("GET", "/requests?status=pending&limit=100");
    requests = page.items;
    renderRequests();
  } catch (_) { /* shown again with the next frame */ }
}

function renderRequests() {
  const list = $("requests");
  const keep = new Set(requests.map((r) => r.id));
  const existing = new Map([...list.children].map((li) => [Number(li.dataset.requestId), li]));
  for (const [id, li] of existing) if (!keep.has(id)) li.remove();
  let cursor = list.firstElementChild;
  for (const r of requests) {
    let li = existing.get(r.id);
    if (!li) {
      li = $("tpl-request").content.firstElementChild.cloneNode(true);
      li.dataset.requestId = String(r.id);
      fillPerson(li, r);
      li.querySelector(".asks").textContent = r.requested_minutes ? fmt(T.wants, {n: r.requested_minutes}) : "";
      li.querySelector(".when").textContent = fmt(T.requested_at, {time: clockTime(new Date(r.requested_at), zone)});
      li.querySelector(".item").textContent = r.agenda_item_id !== state?.agenda_item_id
        ? fmt(T.on_item, {title: r.agenda_item_title}) : "";
      const minutes = li.querySelector("input[name=allotted_minutes]");
      minutes.value = r.requested_minutes ?? "";
      minutes.id = `accept-minutes-${r.id}`;
      li.querySelector("input[name=reason]").id = `decline-reason-${r.id}`;
    }
    if (li === cursor) cursor = cursor.nextElementSibling;
    else list.insertBefore(li, cursor);
  }
  $("requests-empty").hidden = requests.length > 0;
  $("requests-count").textContent = fmt(T.requests_count, {n: requests.length});
}

function refreshTotalsIfNeeded() {
  const last = (state.finished || []).at(-1);
  const key = `${last ? last.id : ""}:${state.current ? state.current.id : ""}`;
  if (key === lastTotalsKey) return;
  const first = lastTotalsKey === null;
  lastTotalsKey = key;
  if (first) {
    renderTotals();
    return;
  }
  clearTimeout(totalsTimer);
  totalsTimer = setTimeout(loadTotals, 300);
}

async function loadTotals() {
  try {
    totals = await call("GET", "/totals");
    renderTotals();
  } catch (_) { /* next time */ }
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function renderTotals() {
  const sites = totals?.sites || [];
  const delegates = totals?.delegates || [];
  $("totals-empty").hidden = sites.length > 0;
  document.querySelector(".totals-tables").hidden = sites.length === 0;
  $("totals-sites").querySelector("tbody").replaceChildren(...sites.map((s) => {
    const tr = document.createElement("tr");
    tr.append(cell(s.site_name), cell(String(s.speeches), "num"), cell(mmss(s.seconds), "num"));
    return tr;
  }));
  $("totals-delegates").querySelector("tbody").replaceChildren(...delegates.map((d) => {
    const tr = document.createElement("tr");
    tr.append(cell(`${d.rank ? d.rank + " " : ""}${d.delegate_name}`), cell(d.site_name),
              cell(String(d.speeches), "num"), cell(mmss(d.seconds), "num"));
    return tr;
  }));
}

// ---- actions -----------------------------------------------------------------------------------------------------
async function act(name, li) {
  const id = li ? Number(li.dataset.entryId) : null;
  switch (name) {
    case "next": {
      const next = await command("POST", "/next");
      if (next?.current) announce(fmt(T.now_speaking, {name: next.current.delegate_name}));
      break;
    }
    case "pause": return command("POST", "/pause");
    case "resume": return command("POST", "/resume");
    case "toggle": return command("POST", state?.current?.paused ? "/resume" : "/pause");
    case "end": return command("POST", "/end");
    case "readd": return command("POST", `/readd-last${itemQuery()}`);
    case "close": return command("POST", `/close${itemQuery()}`);
    case "reopen": return command("POST", `/reopen${itemQuery()}`);
    case "start": {
      const next = await command("POST", `/entries/${id}/start`);
      if (next?.current) announce(fmt(T.now_speaking, {name: next.current.delegate_name}));
      break;
    }
    case "remove": return command("DELETE", `/entries/${id}`);
    case "up": return move(li, -1);
    case "down": return move(li, 1);
    default:
  }
  return null;
}

function setupActions() {
  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-act]");
    if (!button || button.disabled) return;
    act(button.dataset.act, button.closest("li.entry"));
  });
  $("item-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("item-select").value;
    command("PUT", "/current-item", {agenda_item_id: value ? Number(value) : null});
  });
  $("requests").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const li = form.closest("li.request");
    const id = Number(li.dataset.requestId);
    const name = li.querySelector(".full-name").textContent;
    const error = li.querySelector(".decline .error");
    error.hidden = true;
    alertText("");
    try {
      if (form.classList.contains("accept")) {
        const raw = form.elements.allotted_minutes.value.trim();
        await call("POST", `/requests/${id}/accept`, raw === "" ? {} : {allotted_minutes: Number(raw)});
        announce(fmt(T.accepted, {name}));
      } else {
        const reason = form.elements.reason.value.trim();
        if (!reason) {
          showFieldError(form.elements.reason, error, T.reason_needed);
          return;
        }
        await call("POST", `/requests/${id}/decline`, {reason});
        announce(fmt(T.declined, {name}));
      }
      requests = requests.filter((r) => r.id !== id);
      renderRequests();
      $("requests").querySelector("li.request input")?.focus();
    } catch (problem) {
      if (problem.field === "reason") showFieldError(form.elements.reason, error, problem.message);
      else alertText(fmt(T.failed, {detail: problem.message}));
      loadRequests();
    }
  });
}

function showFieldError(input, small, text) {
  small.textContent = text;
  small.hidden = false;
  small.id = `${input.id}-error`;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", small.id);
  input.focus();
}

function typing(target) {
  return target.closest?.("input, textarea, select, [contenteditable=true]") != null;
}

function setupKeys() {
  document.addEventListener("keydown", (event) => {
    if ($("stale-dialog").open || event.ctrlKey || event.metaKey) return;
    const li = event.target.closest?.("li.entry");
    if (li && event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      move(li, event.key === "ArrowUp" ? -1 : 1);
      return;
    }
    if (li && !event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      const to = event.key === "ArrowUp" ? li.previousElementSibling : li.nextElementSibling;
      to?.focus();
      return;
    }
    if (event.altKey || typing(event.target)) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const go = {
      n: () => act("next"), p: () => act("toggle"), e: () => act("end"),
      s: () => li && act("start", li),
      w: () => $("queue").querySelector("li.entry")?.focus(),
      r: () => $("requests").querySelector("li.request input")?.focus(),
      "?": () => { $("shortcuts").scrollIntoView(); $("h-shortcuts").setAttribute("tabindex", "-1"); $("h-shortcuts").focus(); },
    }[key];
    if (!go) return;
    if (event.target.closest?.("button") && (key === " " || key === "Enter")) return;
    event.preventDefault();
    go();
  });
}

// ---- live --------------------------------------------------------------------------------------------------------
function onStatus({state: s, since, reason}) {
  const box = $("live-status");
  box.dataset.state = s;
  const time = clockTime(since, zone);
  const text = {live: T.live, connecting: T.connecting, stale: fmt(T.stale, {time}),
                degraded: fmt(T.degraded, {time}), closed: fmt(T.closed, {reason: reason || ""})}[s] || s;
  box.textContent = text;
}

function onSnapshot(snapshot) {
  if (snapshot.conference?.status) setStatus(snapshot.conference.status);
  if (snapshot.speakers) show(snapshot.speakers, {force: !dragging, frame: snapshot});
}

function onEvent(frame) {
  if (frame.type === "speakers" && frame.speakers) show(frame.speakers, {frame});
  else if (frame.type === "conference" && frame.conference?.status) {
    setStatus(frame.conference.status);
    scheduleRender();
  }
}

function setStatus(status) {
  conferenceStatus = status;
  root.dataset.status = status;
}

function start() {
  if (!root) return;
  setupDialog();
  setupDrag();
  setupActions();
  setupKeys();
  render();
  performance.mark("chair-first-render");
  setInterval(tick, 250);
  live = new LiveClient({conferenceId, onSnapshot, onEvent, onStatus});
  live.start();
  window.addEventListener("pagehide", () => live.stop());
}

start();

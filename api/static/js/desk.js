// The bridge-point desk: the scan field that is always ready, the big result with a sound, the last 20 scans, live
// counts, site status with heartbeats over the live view, manual check-in and check-out, walk-ins, absences and
// floor requests — and, when the link drops, scans decided here (desk-offline.js) and sent later exactly once.
import { CLASS_OF } from "./desk-rules.js";
import { OfflineDesk } from "./desk-offline.js";
import { armSound, signal } from "./desk-sound.js";

const root = document.getElementById("desk");
const cfg = {
  conferenceId: Number(root.dataset.conferenceId),
  conferenceSiteId: Number(root.dataset.conferenceSiteId),
  siteCode: root.dataset.siteCode,
  timeZone: root.dataset.timezone,
  locale: root.dataset.locale === "vi" ? "vi-VN" : "en-GB",
  csrf: document.querySelector('meta[name="csrf-token"]')?.content || "",
};
const API = `/api/conferences/${cfg.conferenceId}`;
const TEXT = Object.fromEntries([...document.querySelectorAll("#desk-text [data-k]")]
  .map((el) => [el.dataset.k, el.textContent]));
const $ = (id) => document.getElementById(id);

/** A message in the user's language with {placeholders} filled in. */
function t(key, values = {}) {
  return (TEXT[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => (values[name] ?? ""));
}

const timeFormat = new Intl.DateTimeFormat(cfg.locale, {hour: "2-digit", minute: "2-digit", second: "2-digit",
                                                         hour12: false, timeZone: cfg.timeZone});
const dateTimeFormat = new Intl.DateTimeFormat(cfg.locale, {day: "2-digit", month: "2-digit", hour: "2-digit",
                                                             minute: "2-digit", hour12: false, timeZone: cfg.timeZone});
const clock = (value) => (value ? timeFormat.format(new Date(value)) : "");
const numberFormat = new Intl.NumberFormat(cfg.locale);
const byName = new Intl.Collator(cfg.locale);

function nonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));  // works without a secure context too
  return "d-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Figures for tests and bench/desk_page.py: milliseconds from the Enter to the result painted.
const timings = {painted: [], answered: [], decidedOffline: [], upload: [], online: []};
window.bridgepointDesk = {timings, state: null};

// --- requests -----------------------------------------------------------------------------------------------------

class Unreachable extends Error {}

async function api(method, path, body = undefined, {timeoutMs = 5000} = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path.startsWith("/") ? path : `${API}/${path}`, {
      method, credentials: "same-origin", signal: controller.signal, cache: "no-store",
      headers: {"Accept": "application/json", ...(body !== undefined ? {"Content-Type": "application/json"} : {}),
                ...(method !== "GET" ? {"X-CSRF-Token": cfg.csrf} : {})},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (e) {
    throw new Unreachable(String(e));
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 500 || response.status === 429) throw new Unreachable(`HTTP ${response.status}`);
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(data?.detail || `HTTP ${response.status}`);
    error.status = response.status;
    error.problem = data || {};
    throw error;
  }
  return data;
}

// --- online / offline ----------------------------------------------------------------------------------------------

const state = {
  online: navigator.onLine,
  live: null,           // the LiveClient
  liveState: "connecting",
  liveSince: null,
  sites: new Map(),     // conference site id → the live view's entry
  speakers: null,
  heartbeat: 5,
  direction: "in",
  queued: 0,
  queuedOk: 0,
  recent: [],           // newest first: {nonce, text, at, result, answer, offline, pending}
};
window.bridgepointDesk.state = state;
const offline = new OfflineDesk({conferenceId: cfg.conferenceId, conferenceSiteId: cfg.conferenceSiteId,
                                 csrf: cfg.csrf});

function isOffline() {
  return !state.online;
}

function setOnline(online) {
  if (state.online === online) return;
  state.online = online;
  paintLink();
  if (online) sync();
}

window.addEventListener("offline", () => setOnline(false));
window.addEventListener("online", () => {
  timings.online.push(performance.now());
  state.online = true;
  paintLink();
  probe();
});

/** The link may be back: fetch a fresh kit (a small request that proves the link) and upload the queue. */
async function probe() {
  const reached = await offline.refresh();
  setOnline(reached);
  if (reached) await sync();
}

function paintLink() {
  const el = $("link-state");
  let key;
  if (isOffline()) key = state.liveState === "stale" && state.liveSince ? "link_stale" : "link_offline";
  else key = {live: "link_live", degraded: "link_degraded", closed: "link_closed"}[state.liveState] || "link_connecting";
  el.textContent = t(key, {time: clock(state.liveSince)});
  el.className = `link-state link-${isOffline() ? "offline" : state.liveState}`;
  $("offline").hidden = !isOffline() && state.queued === 0 && !$("conflicts").children.length;
}

// --- the scan field: always ready ---------------------------------------------------------------------------------

const scanInput = $("scan");
const TEXT_INPUTS = "input:not([type=radio]):not([type=checkbox]):not([type=button]):not([type=submit]), textarea, select";

function focusScan() {
  if (document.querySelector("dialog[open]")) return;
  if (document.activeElement !== scanInput) scanInput.focus({preventScroll: true});
}

function focusScanSoon() {
  setTimeout(() => {
    const active = document.activeElement;
    if (!active || active === document.body || !active.matches(TEXT_INPUTS)) focusScan();
  }, 0);
}

// Enter takes the field's text as one scan and empties the field at once, so the next scan starts clean.
scanInput.addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const text = scanInput.value;
  scanInput.value = "";
  if (text.trim()) scan(text.trim());
});
$("scan-form").addEventListener("submit", (event) => event.preventDefault());

// Clicks anywhere but in a text field give the focus back; so does closing a dialog, and coming back to the tab.
document.addEventListener("click", (event) => {
  if (!event.target.closest?.(TEXT_INPUTS) && !event.target.closest?.("dialog, summary, details")) focusScanSoon();
});
window.addEventListener("focus", focusScanSoon);
document.addEventListener("visibilitychange", () => { if (!document.hidden) focusScanSoon(); });
for (const dialog of document.querySelectorAll("dialog")) {
  dialog.addEventListener("close", () => setTimeout(focusScan, 0));
  for (const button of dialog.querySelectorAll("[data-close]")) button.addEventListener("click", () => dialog.close());
}
// A scanner that starts typing while the focus is on a button or link: the characters go to the scan field.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
  const active = document.activeElement;
  if (active === scanInput || active?.matches?.(TEXT_INPUTS) || document.querySelector("dialog[open]")) return;
  scanInput.focus({preventScroll: true});
});

for (const radio of document.querySelectorAll("input[name=direction]")) {
  radio.addEventListener("change", () => {
    state.direction = radio.value;
    root.classList.toggle("mode-out", state.direction === "out");
    focusScan();
  });
}

// --- a scan -----------------------------------------------------------------------------------------------------

async function scan(text, {source = "scan"} = {}) {
  const item = {nonce: nonce(), text, at: new Date(), direction: state.direction, pending: true,
                t0: performance.now(), source};
  addRecent(item);
  if (isOffline()) {
    await decideHere(item);
    return;
  }
  try {
    const answer = await api("POST", "checkin/scan", {text, conference_site_id: cfg.conferenceSiteId,
                                                      nonce: item.nonce, direction: item.direction});
    timings.answered.push(performance.now() - item.t0);
    offline.learn(answer);
    finish(item, answer.result, answer, false);
  } catch (e) {
    if (e instanceof Unreachable) {
      setOnline(false);
      await decideHere(item);  // the same nonce: if the server did record it, the upload replays it
    } else {
      finish(item, "error", {message: e.message}, false);
    }
  }
}

async function decideHere(item) {
  const queued = await offline.decideAndQueue({text: item.text, nonce: item.nonce, direction: item.direction,
                                               at: item.at});
  timings.decidedOffline.push(queued.decided_ms);
  const seat = queued.invitation_id != null ? offline.seat(queued.invitation_id) : null;
  const answer = {
    result: queued.local_result, direction: item.direction, invitation_id: queued.invitation_id,
    delegate: seat ? {full_name: seat.full_name, rank: seat.rank, unit: seat.unit} : null,
    delegate_site: queued.home_site ? {conference_site_id: queued.home_site, name: offline.siteName(queued.home_site)}
      : null,
  };
  finish(item, queued.local_result, answer, true);
  paintQueueSoon();
}

/** `fn` once for a burst of calls: the first schedules it `ms` later, the calls until then join it. */
function coalesced(fn, ms) {
  let timer = null;
  return () => {
    if (!timer) timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
}

// The queue's count after an offline scan: read once for a burst, not once per scan (the scan field keeps up
// with a scanner while hundreds wait).
const paintQueueSoon = coalesced(() => paintQueue(), 200);

function finish(item, result, answer, decidedHere) {
  Object.assign(item, {pending: false, result, answer, offline: decidedHere});
  showResult(item);
  paintRow(item);
  const t0 = item.t0;
  requestAnimationFrame(() => {
    const painted = performance.now() - t0;
    timings.painted.push(painted);
    item.paintedMs = painted;
  });
}

function titleOf(result, direction) {
  if (result === "ok" && direction === "out") return t("ok_out");
  return t(result);
}

function detailOf(item) {
  const a = item.answer || {};
  const site = a.delegate_site?.name;
  switch (item.result) {
    case "ok": return [a.late ? t("late") : "", a.reentry ? t("reentry") : ""].filter(Boolean).join(" · ");
    case "already_checked_in":
      return t("d_already", {time: a.checked_in_at ? clock(a.checked_in_at) : "", site: site || ""});
    case "wrong_site": return site ? t("d_wrong_site", {site}) : t("d_wrong_site_unknown");
    case "revoked": return t("d_revoked");
    case "invalid": return t("d_invalid");
    case "not_open": return offline.kit ? t("d_not_open", {time: dateTimeFormat.format(
      new Date(offline.kit.conference.checkin_opens_at))}) : "";
    case "not_checked_in": return t("d_not_in");
    case "scanned_at_out_of_range": return t("d_range");
    case "error": return a.message || "";
    default: return "";
  }
}

function nameOf(a) {
  if (!a?.delegate) return "";
  return [a.delegate.rank, a.delegate.full_name].filter(Boolean).join(" ") + (a.delegate.unit ? ` — ${a.delegate.unit}` : "");
}

function classOf(result) {
  return CLASS_OF[result] || "bad";
}

function showResult(item) {
  const box = $("result");
  const cls = classOf(item.result);
  box.className = `result result-${cls} outcome-${item.result}${item.offline ? " decided-here" : ""}`;
  box.dataset.result = item.result;
  box.querySelector(".result-title").textContent = titleOf(item.result, item.direction);
  box.querySelector(".result-name").textContent = nameOf(item.answer);
  const detail = [detailOf(item), item.offline ? t("offline_decided") : ""].filter(Boolean).join(" ");
  box.querySelector(".result-detail").textContent = detail;
  signal(cls);
}

// The last 20 scans. A scan adds one row and its answer fills that row in: the rest of the list is left alone (a
// list rebuilt twice per scan made the page lay itself out again in full, 50 times a second with a scanner).
const recentRows = new Map();  // nonce → its <li>

function addRecent(item) {
  const newest = state.recent[0];
  state.recent.unshift(item);
  if (newest && newest.at > item.at) {  // a clock set back: keep the list in time order
    state.recent.sort((a, b) => b.at - a.at);
    state.recent.length = Math.min(state.recent.length, 20);
    paintRecent();
    return;
  }
  for (const old of state.recent.splice(20)) {
    recentRows.get(old.nonce)?.remove();
    recentRows.delete(old.nonce);
  }
  $("recent").prepend(recentRow(item));
}

function recentRow(item) {
  const li = document.createElement("li");
  li.dataset.nonce = item.nonce;
  const time = document.createElement("time");
  time.dateTime = item.at.toISOString();
  time.textContent = clock(item.at);
  li.append(time, " ", document.createElement("strong"), " ", document.createElement("span"));
  fillRow(li, item);
  recentRows.set(item.nonce, li);
  return li;
}

function fillRow(li, item) {
  li.className = item.pending ? "pending" : `result-${classOf(item.result)} outcome-${item.result}`;
  if (item.offline) li.classList.add("decided-here");
  li.querySelector("strong").textContent = item.pending ? t("pending") : titleOf(item.result, item.direction);
  li.querySelector("span").textContent = nameOf(item.answer) || (item.pending ? "" : detailOf(item));
}

function paintRow(item) {
  const li = recentRows.get(item.nonce);
  if (li) fillRow(li, item);
}

function paintRecent() {
  recentRows.clear();
  $("recent").replaceChildren(...state.recent.map(recentRow));
}

// --- the queue ------------------------------------------------------------------------------------------------

async function paintQueue() {
  const items = await offline.queued();
  state.queued = items.length;
  state.queuedOk = items.filter((i) => i.local_result === "ok" && i.direction === "in").length
    - items.filter((i) => i.local_result === "ok" && i.direction === "out").length;
  $("queue-count").textContent = t("queued", {n: numberFormat.format(items.length)});
  $("last-sync").textContent = offline.lastSync ? dateTimeFormat.format(offline.lastSync) : t("never");
  const extra = $("c-queued");
  extra.hidden = state.queuedOk === 0;
  extra.textContent = t("queued_counts", {n: numberFormat.format(state.queuedOk)});
  paintLink();
}

let syncing = null;

/** Upload the queue (once at a time); conflicts with what was decided here are shown to the operator. */
function sync() {
  if (syncing) return syncing;
  syncing = (async () => {
    try {
      const t0 = performance.now();
      const results = await offline.upload();
      if (results?.length) {
        timings.upload.push({scans: results.length, began: Math.round(t0), ms: Math.round(performance.now() - t0)});
      }
      if (results === null) {
        setOnline(false);
        return;
      }
      const conflicts = [];
      for (const r of results) {
        const item = state.recent.find((i) => i.nonce === r.nonce);
        if (item) Object.assign(item, {result: r.result, answer: r, offline: false, pending: false});
        if (r.local_result && r.local_result !== r.result) conflicts.push(r);
      }
      if (conflicts.length) addConflicts(conflicts);
      paintRecent();
    } catch (e) {
      addConflicts([{result: "error", local_result: "", message: e.message}]);
    } finally {
      syncing = null;
      await paintQueue();
    }
  })();
  return syncing;
}

function addConflicts(conflicts) {
  const list = $("conflicts");
  for (const r of conflicts) {
    const li = document.createElement("li");
    li.className = `result-${classOf(r.result)} outcome-${r.result}`;
    const name = r.delegate?.full_name || t("unknown_person");
    li.textContent = r.result === "error" ? r.message
      : t("conflict", {name, local: t(r.local_result), server: titleOf(r.result, r.direction)});
    const detail = detailOf({result: r.result, answer: r});
    if (detail) li.append(" — ", detail);
    list.prepend(li);
  }
  $("conflicts-box").hidden = !list.children.length;
  paintLink();
}

$("upload-now").addEventListener("click", () => probe());

// --- live view: counts, site status, other points, floor requests -------------------------------------------------

function applySites(sites) {
  for (const s of sites || []) {
    const prev = state.sites.get(s.conference_site_id);
    if (!prev && s.name === undefined) continue;  // a point not known yet (its `sites` frame comes first)
    state.sites.set(s.conference_site_id, {...(prev || {}), ...s});
  }
}

const COUNTS_KEY = `bridgepoint-desk-counts:${cfg.conferenceId}:${cfg.conferenceSiteId}`;

function paintCounts() {
  let me = state.sites.get(cfg.conferenceSiteId);
  if (me) {
    try { localStorage.setItem(COUNTS_KEY, JSON.stringify(me)); } catch (_) { /* private mode */ }
  } else {
    try { me = JSON.parse(localStorage.getItem(COUNTS_KEY) || "null"); } catch (_) { me = null; }
  }
  if (!me) return;
  for (const key of ["present", "expected", "late", "walk_ins", "absent"]) {
    const value = me[key];
    $(`c-${key}`).textContent = value == null ? "–" : numberFormat.format(value);
  }
}

function paintSites() {
  const me = state.sites.get(cfg.conferenceSiteId);
  if (me) {
    root.dataset.readiness = me.readiness;
    root.dataset.connection = me.connection;
  }
  const readiness = root.dataset.readiness;
  const connection = root.dataset.connection;
  const step = connection === "connected" ? "connected" : readiness === "ready" ? "ready" : "testing";
  for (const button of document.querySelectorAll(".steps .step")) {
    button.setAttribute("aria-pressed", String(button.dataset.step === step));
  }
  $("site-state").textContent = t("site_state", {readiness: t(`site_${readiness}`),
                                                 connection: t(`site_${connection}`)});
  const others = [...state.sites.values()].filter((s) => s.conference_site_id !== cfg.conferenceSiteId);
  const count = (c) => others.filter((s) => s.connection === c).length;
  $("others-summary").textContent = t("others_summary", {connected: count("connected"), lost: count("lost"),
                                                         other: others.length - count("connected") - count("lost")});
  if (!$("others").closest("details").open) return;  // the list is drawn when opened (the toggle below)
  const items = others.sort((a, b) => byName.compare(a.name || "", b.name || "")).map((s) => {
    const li = document.createElement("li");
    li.className = `conn-${s.connection}`;
    li.textContent = `${s.name} — ${t(`site_${s.connection}`)}`
      + (s.readiness === "ready" ? ` · ${t("site_ready")}` : "")
      + ` · ${numberFormat.format(s.present ?? 0)}/${numberFormat.format(s.expected ?? 0)}`;
    return li;
  });
  $("others").replaceChildren(...items);
}

function onSnapshot(snapshot) {
  state.sites.clear();
  applySites(snapshot.sites);
  state.speakers = snapshot.speakers || null;
  if (snapshot.heartbeat?.interval_seconds) state.heartbeat = snapshot.heartbeat.interval_seconds;
  paintCounts();
  paintSites();
  refreshFloor();
}

function onEvent(frame) {
  switch (frame.type) {
    case "attendance": applySites(frame.sites); paintCounts(); paintOthersSoon(); break;
    case "site_status": applySites(frame.sites); paintSites(); break;
    case "sites":
      applySites(frame.sites);
      for (const id of frame.removed || []) state.sites.delete(id);
      paintCounts(); paintSites(); break;
    case "speakers": state.speakers = frame.speakers; refreshFloorSoon(); break;
    default: break;
  }
}

const paintOthersSoon = coalesced(() => paintSites(), 500);
$("others").closest("details").addEventListener("toggle", () => paintSites());

function onStatus(status) {
  state.liveState = status.state;
  state.liveSince = status.since;
  if ((status.state === "live" || status.state === "degraded") && navigator.onLine) {
    setOnline(true);
    sync();
  } else if (status.state === "stale" && !navigator.onLine) {
    setOnline(false);
  }
  paintLink();
}

// Heartbeats: once the operator has reported the point connected (or it was before), every few seconds.
function heartbeatLoop() {
  const connection = root.dataset.connection;
  if (state.live && (connection === "connected" || connection === "lost")) {
    state.live.send({type: "heartbeat", conference_site_id: cfg.conferenceSiteId});
  }
  setTimeout(heartbeatLoop, state.heartbeat * 1000);
}

async function startLive() {
  try {
    const { LiveClient } = await import("./live-client.js");
    state.live = new LiveClient({conferenceId: cfg.conferenceId, onSnapshot, onEvent, onStatus});
    state.live.start();
  } catch (_) {
    state.liveState = "closed";
    paintLink();
  }
  heartbeatLoop();
}

// --- site status buttons ------------------------------------------------------------------------------------------

for (const button of document.querySelectorAll(".steps .step")) {
  button.addEventListener("click", async () => {
    const body = {testing: {readiness: "pending"}, ready: {readiness: "ready"},
                  connected: {readiness: "ready", connection: "connected"}}[button.dataset.step];
    try {
      const answer = await api("PATCH", `checkin/sites/${cfg.conferenceSiteId}`, body);
      root.dataset.readiness = answer.readiness;
      root.dataset.connection = answer.connection;
      const me = state.sites.get(cfg.conferenceSiteId);
      if (me) Object.assign(me, {readiness: answer.readiness, connection: answer.connection});
      paintSites();
      if (button.dataset.step === "connected") {
        state.live?.send({type: "heartbeat", conference_site_id: cfg.conferenceSiteId});
      }
    } catch (e) {
      $("site-state").textContent = e instanceof Unreachable ? t("needs_link") : e.message;
    }
    focusScan();
  });
}

// --- manual check-in, absences --------------------------------------------------------------------------------

async function searchPeople(q, limit = 20) {
  if (isOffline()) {
    return offline.search(q, limit).map((seat) => ({...seat, fromKit: true}));
  }
  const query = new URLSearchParams({conference_site_id: cfg.conferenceSiteId, limit});
  if (q) query.set("q", q);
  const page = await api("GET", `checkin/roster?${query}`);
  return page.items;
}

function personLine(p) {
  const who = document.createElement("span");
  who.className = "who";
  const name = document.createElement("strong");
  name.textContent = p.full_name;
  who.append(name, " ", [p.rank, p.unit].filter(Boolean).join(" · "));
  if (p.present) {
    const tag = document.createElement("span");
    tag.className = "tag tag-present";
    tag.textContent = t("present_now");
    who.append(" ", tag);
  }
  if (p.absence && !p.absence.superseded) {
    const tag = document.createElement("span");
    tag.className = "tag tag-absent";
    tag.textContent = t("absent_marked", {reason: t(`reason_${p.absence.reason}`)});
    who.append(" ", tag);
  }
  return who;
}

function button(label, onClick, cls = "") {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (cls) b.className = cls;
  b.addEventListener("click", onClick);
  return b;
}

async function runManualSearch() {
  const q = $("manual-q").value.trim();
  $("manual-status").textContent = t("searching");
  try {
    const people = await searchPeople(q);
    $("manual-status").textContent = people.length ? "" : t("no_one");
    $("manual-results").replaceChildren(...people.map((p) => {
      const li = document.createElement("li");
      li.append(personLine(p));
      const actions = document.createElement("span");
      actions.className = "actions";
      if (!p.fromKit) {
        const out = Boolean(p.present);  // someone in the room can only go out, and the other way round
        actions.append(button(out ? t("check_out") : t("check_in"), () => manual(p, out ? "out" : "in"),
                              "primary"));
        const absent = p.absence && !p.absence.superseded;
        if (!p.present) actions.append(button(absent ? t("undo_absent") : t("absent"),
                                              () => (absent ? clearAbsence(p) : openAbsence(p))));
        actions.append(button(t("floor"), () => openFloor(p)));
      } else {
        actions.append(document.createTextNode(t("needs_link")));
      }
      li.append(actions);
      return li;
    }));
  } catch (e) {
    $("manual-status").textContent = e instanceof Unreachable ? t("needs_link") : e.message;
  }
}

$("manual-form").addEventListener("submit", (event) => { event.preventDefault(); runManualSearch(); });

async function manual(person, direction) {
  const item = {nonce: nonce(), text: "", at: new Date(), direction, pending: true, t0: performance.now()};
  addRecent(item);
  try {
    const answer = await api("POST", "checkin/manual", {invitation_id: person.invitation_id, nonce: item.nonce,
                                                        conference_site_id: cfg.conferenceSiteId, direction});
    offline.learn(answer);
    finish(item, answer.result, answer, false);
    runManualSearch();
  } catch (e) {
    finish(item, "error", {message: e instanceof Unreachable ? t("needs_link") : e.message,
                           delegate: {full_name: person.full_name, rank: person.rank}}, false);
  }
  focusScan();
}

// Absences (the server's API: /tmp/desk-api.md); the dialog asks the reason and a note.
let absenceFor = null;

function openAbsence(person) {
  absenceFor = person;
  const dialog = $("absence-dialog");
  dialog.querySelector(".absence-who").textContent = person.full_name;
  dialog.querySelector(".error").hidden = true;
  dialog.querySelector("form").reset();
  dialog.showModal();
}

$("absence-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = form.querySelector(".error");
  try {
    await api("PUT", `invitations/${absenceFor.invitation_id}/absence`,
              {reason: form.reason.value, note: form.note.value.trim()});
    $("absence-dialog").close();
    runManualSearch();
  } catch (e) {
    error.textContent = e instanceof Unreachable ? t("needs_link") : e.message;
    error.hidden = false;
  }
});

async function clearAbsence(person) {
  try {
    await api("DELETE", `invitations/${person.invitation_id}/absence`);
    runManualSearch();
  } catch (e) {
    $("manual-status").textContent = e instanceof Unreachable ? t("needs_link") : e.message;
  }
}

// --- walk-ins ---------------------------------------------------------------------------------------------------

$("walk-in-open").addEventListener("click", () => {
  const dialog = $("walk-in-dialog");
  dialog.querySelector("form").reset();
  dialog.querySelector(".error").hidden = true;
  dialog.showModal();
  dialog.querySelector("#f-full_name").focus();
});

$("walk-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = form.querySelector(".error");
  const item = {nonce: nonce(), text: "", at: new Date(), direction: "in", pending: true, t0: performance.now()};
  try {
    const answer = await api("POST", "checkin/walk-ins", {
      conference_site_id: cfg.conferenceSiteId, nonce: item.nonce, full_name: form.full_name.value.trim(),
      rank: form.rank.value.trim(), position: form.position.value.trim()});
    $("walk-in-dialog").close();
    addRecent(item);
    finish(item, answer.result, answer, false);
  } catch (e) {
    error.textContent = e instanceof Unreachable ? t("needs_link") : e.message;
    error.hidden = false;
    const field = e.problem?.field && form.querySelector(`[name="${e.problem.field}"]`);
    if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
  }
});

// --- floor requests -----------------------------------------------------------------------------------------------

let floorTimer = null;
function refreshFloorSoon() {
  clearTimeout(floorTimer);
  floorTimer = setTimeout(refreshFloor, 250);
}

function requestState(r) {
  if (r.status === "declined") return {key: "declined", text: t("req_declined", {reason: r.decline_reason || "–"})};
  if (r.status === "withdrawn") return {key: "withdrawn", text: t("req_withdrawn")};
  if (r.status === "pending") return {key: "pending", text: t("req_pending")};
  const s = state.speakers;
  if (s && r.entry_id != null) {
    if (s.current?.id === r.entry_id) return {key: "speaking", text: t("req_speaking")};
    const waiting = (s.waiting || []).find((e) => e.id === r.entry_id);
    if (waiting) return {key: "queued", text: t("req_queued", {n: waiting.position})};
    if ((s.finished || []).some((e) => e.id === r.entry_id)) return {key: "finished", text: t("req_finished")};
  }
  return {key: "accepted", text: t("req_accepted")};
}

async function refreshFloor() {
  if (isOffline()) return;
  let page;
  try {
    page = await api("GET", "/api/conferences/" + cfg.conferenceId + "/speakers/requests?limit=100");
  } catch (_) {
    return;
  }
  const mine = page.items.filter((r) => r.conference_site_id === cfg.conferenceSiteId);
  $("floor-empty").hidden = mine.length > 0;
  $("floor-list").replaceChildren(...mine.map((r) => {
    const li = document.createElement("li");
    const st = requestState(r);
    li.className = `req req-${st.key}`;
    li.dataset.requestId = r.id;
    const who = document.createElement("strong");
    who.textContent = r.delegate_name;
    const what = document.createElement("span");
    what.textContent = [r.topic, r.requested_minutes ? t("minutes", {n: r.requested_minutes}) : ""]
      .filter(Boolean).join(" · ");
    const badge = document.createElement("span");
    badge.className = "req-state";
    badge.textContent = st.text;
    li.append(who, " ", what, " ", badge);
    return li;
  }));
}

async function openFloor(person = null) {
  const dialog = $("floor-dialog");
  const form = dialog.querySelector("form");
  form.reset();
  dialog.querySelector(".error").hidden = true;
  $("floor-people").replaceChildren();
  pickFloor(person);
  dialog.showModal();
  (person ? form.topic : $("floor-q")).focus();
}

function pickFloor(person) {
  $("floor-invitation").value = person ? person.invitation_id : "";
  $("floor-picked").textContent = person ? t("picked", {name: person.full_name}) : "";
}

$("floor-open").addEventListener("click", () => openFloor());

let floorSearchTimer = null;
$("floor-q").addEventListener("input", () => {
  clearTimeout(floorSearchTimer);
  floorSearchTimer = setTimeout(async () => {
    try {
      const people = await searchPeople($("floor-q").value.trim(), 8);
      $("floor-people").replaceChildren(...people.filter((p) => !p.fromKit).map((p) => {
        const li = document.createElement("li");
        li.append(button(p.full_name, () => pickFloor(p), "link"), " ", [p.rank, p.unit].filter(Boolean).join(" · "));
        return li;
      }));
    } catch (_) { /* the field shows nothing new */ }
  }, 200);
});

$("floor-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = form.querySelector(".error");
  const invitation = Number($("floor-invitation").value);
  if (!invitation) {
    error.textContent = t("pick_first");
    error.hidden = false;
    $("floor-q").focus();
    return;
  }
  const minutes = Number(form.requested_minutes.value);
  try {
    await api("POST", "speakers/requests", {invitation_id: invitation, topic: form.topic.value.trim(),
                                            ...(minutes ? {requested_minutes: minutes} : {})});
    $("floor-dialog").close();
    refreshFloor();
  } catch (e) {
    error.textContent = e instanceof Unreachable ? t("needs_link") : e.message;
    error.hidden = false;
  }
});

// --- camera -----------------------------------------------------------------------------------------------------

let camera = null;
$("camera-toggle").addEventListener("click", async () => {
  const toggle = $("camera-toggle");
  const video = $("camera-video");
  if (camera?.running) {
    camera.stop();
    video.hidden = true;
    toggle.textContent = t("camera_start");
    $("camera-state").textContent = "";
    return;
  }
  $("camera-state").textContent = t("camera_starting");
  try {
    const { Camera } = await import("./desk-camera.js");
    camera = camera || new Camera({video, onScan: (text) => scan(text.trim()), onError: () => {}});
    video.hidden = false;
    await camera.start();
    toggle.textContent = t("camera_stop");
    $("camera-state").textContent = t("camera_on");
    root.dataset.camera = camera.engine;
  } catch (e) {
    video.hidden = true;
    $("camera-state").textContent = t("camera_failed", {error: e.message || String(e)});
  }
});

// --- service worker and start -------------------------------------------------------------------------------------

const PAGE_CACHE = "bridgepoint-desk-v1";  // the service worker's cache (desk-sw.js)

async function registerWorker() {
  if (!("serviceWorker" in navigator) || !window.caches) return;
  try {
    await navigator.serviceWorker.register("/desk/sw.js", {scope: "/desk/"});
    // This first visit did not go through the worker: keep the page for a reload without the link.
    const cache = await caches.open(PAGE_CACHE);
    await cache.add(new Request(window.location.pathname, {credentials: "same-origin"}));
  } catch (_) { /* the page still works online */ }
}

/** After a reload: this point's last scans from the server (every desk of the point), then what is still
 * waiting for the server, newest first. */
async function restoreRecent() {
  if (navigator.onLine) {
    try {
      const page = await api("GET", `checkin/sites/${cfg.conferenceSiteId}/scans?limit=20`, undefined,
                             {timeoutMs: 3000});
      for (const r of page.items.slice().reverse()) {
        state.recent.unshift({nonce: r.nonce, text: "", at: new Date(r.at), direction: r.direction,
                              pending: false, offline: false, result: r.result, answer: r.outcome});
      }
    } catch (_) { /* no link: the queue below is what there is */ }
  }
  const known = new Set(state.recent.map((i) => i.nonce));
  for (const q of (await offline.queued()).slice(-20)) {
    if (known.has(q.nonce)) continue;
    const seat = q.invitation_id != null ? offline.seat(q.invitation_id) : null;
    state.recent.unshift({nonce: q.nonce, text: q.text, at: new Date(q.scanned_at), direction: q.direction,
                          pending: false, offline: true, result: q.local_result,
                          answer: {delegate: seat ? {full_name: seat.full_name, rank: seat.rank, unit: seat.unit}
                                   : null}});
  }
  state.recent.sort((a, b) => b.at - a.at);
  state.recent.length = Math.min(state.recent.length, 20);
  paintRecent();
}

async function start() {
  armSound();
  focusScan();
  registerWorker();
  await offline.load();
  await restoreRecent();
  await paintQueue();
  paintCounts();  // the last counts the live view gave, until it speaks again
  paintSites();
  if (navigator.onLine) {
    const fresh = await offline.refresh();
    setOnline(fresh);
    if (fresh) await sync();
  } else {
    setOnline(false);
  }
  paintLink();
  startLive();
  setInterval(() => { if (!isOffline()) offline.refresh(); }, 60_000);
  setInterval(() => { if (isOffline() && navigator.onLine) probe(); }, 5_000);
  root.dataset.ready = "true";
}

start();


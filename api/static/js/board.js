// The wall board: every bridge point as a tile grouped by unit, totals, attendance over time, the current speaker
// with a countdown on the server's clock. A frame changes only the tiles (and unit headers) it names: the DOM is
// keyed by conference_site_id and group key, never re-rendered whole. At scale (many points) the units show
// their totals and a unit's tiles are built only when it is opened.
import {LiveClient, clockTime} from "./live-client.js";
import uPlot from "../vendor/uplot/uPlot.esm.js";

const root = document.getElementById("board");
const cfg = root.dataset;
const conferenceId = Number(cfg.conferenceId);
const token = cfg.token || null;
const tz = cfg.timezone || "Asia/Ho_Chi_Minh";
const locale = document.documentElement.lang === "vi" ? "vi-VN" : "en-GB";
const OPEN_ALL_UP_TO = Number(cfg.openAllUpTo || 300);  // more points than this: units start closed
const strings = document.getElementById("board-strings").dataset;
const nf = new Intl.NumberFormat(locale);
const num = (n) => nf.format(n ?? 0);
const t = (key, vars = {}) => (strings[key] || key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");

// Metrics for bench/board_page.py (and anyone curious): frame-applied lag, frames, first render.
const metrics = window.boardMetrics = {lags: [], frames: 0, firstRenderMs: null, startedAt: performance.now(),
                                       snapshots: 0, applied: 0};

const el = (tag, cls, text) => {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text != null) node.textContent = text;
  return node;
};

// ---- state --------------------------------------------------------------------------------------------------

const sites = new Map();      // conference_site_id → entry (snapshot shape, kept current)
const groups = new Map();     // key → {key, name, ids: Set, agg, dom, open, dirty}
const siteGroup = new Map();  // conference_site_id → group key
let layoutLoaded = false;
let totals = {present: 0, expected: 0, late: 0, walk_ins: 0};
let speakers = null;
let conference = null;
let live = null;
const dirtySites = new Set();
const dirtyGroups = new Set();
let dirtyTotals = false;
let dirtySpeakers = false;
let pendingLags = [];
let flushQueued = false;

const STATES = ["not_checked_in", "testing", "connected", "ready", "lost"];

function stateOf(s) {
  if (s.connection === "lost") return "lost";
  if (s.readiness === "ready") return "ready";
  if (s.readiness === "testing") return "testing";
  if (s.connection === "connected") return "connected";
  return "not_checked_in";
}

function absentOf(s) {
  if (s.absent != null) return s.absent;
  return null;
}

function emptyAgg() {
  return {present: 0, expected: 0, absent: 0, points: 0, not_checked_in: 0, testing: 0, connected: 0, ready: 0,
          lost: 0};
}

function addTo(agg, s, sign) {
  agg.present += sign * (s.present || 0);
  agg.expected += sign * (s.expected || 0);
  agg.absent += sign * (absentOf(s) || 0);
  agg.points += sign;
  agg[stateOf(s)] += sign;
}

// ---- layout: the groups (units) -----------------------------------------------------------------------------

async function api(path) {
  const headers = {"Accept": "application/json"};
  if (token) headers["Authorization"] = `Bearer ${token}`;
  const response = await fetch(path, {headers, credentials: "same-origin"});
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

const unitsEl = document.getElementById("board-units");
const OTHER = "other";

async function loadLayout() {
  const layout = await api(`/api/conferences/${conferenceId}/board`);
  const many = layout.points > OPEN_ALL_UP_TO;
  root.classList.toggle("at-scale", many);
  const keep = new Set();
  for (const g of layout.groups) {
    keep.add(g.key);
    let group = groups.get(g.key);
    if (!group) {
      group = {key: g.key, name: g.name, ids: new Set(), agg: emptyAgg(), dom: null, open: !many, tiles: new Map()};
      groups.set(g.key, group);
    }
    group.name = g.name;
    for (const id of g.sites) siteGroup.set(id, g.key);
  }
  if (!groups.has(OTHER)) {
    groups.set(OTHER, {key: OTHER, name: t("otherUnit"), ids: new Set(), agg: emptyAgg(), dom: null, open: !many,
                       tiles: new Map()});
  }
  layoutLoaded = true;
  populateUnitChoice(layout.groups);
  regroup();
}

/** Put every known site into its group (after the layout or a snapshot), then draw the groups. */
function regroup() {
  if (!layoutLoaded) return;
  for (const g of groups.values()) {
    g.ids.clear();
    g.agg = emptyAgg();
  }
  for (const [id, s] of sites) {
    const g = groups.get(siteGroup.get(id)) || groups.get(OTHER);
    g.ids.add(id);
    addTo(g.agg, s, 1);
  }
  for (const g of groups.values()) {
    if (!g.ids.size) {
      if (g.dom) { g.dom.section.remove(); g.dom = null; g.tiles.clear(); }
      continue;
    }
    if (!g.dom) buildGroup(g);
    if (g.open) syncTiles(g);
    dirtyGroups.add(g.key);
  }
  // Keep the DOM order of the layout.
  for (const g of groups.values()) if (g.dom) unitsEl.appendChild(g.dom.section);
  dirtyTotals = true;
  queueFlush();
}

function buildGroup(g) {
  const section = el("section", "unit");
  section.dataset.group = g.key;
  const head = el("h2", "unit-head");
  const button = el("button", "unit-toggle");
  button.type = "button";
  button.setAttribute("aria-expanded", String(g.open));
  const name = el("span", "unit-name", g.name);
  const counts = el("span", "unit-counts");
  const states = el("span", "unit-states");
  button.append(name, counts, states);
  head.append(button);
  const list = el("ul", "tiles");
  list.id = `tiles-${g.key}`;
  button.setAttribute("aria-controls", list.id);
  list.hidden = !g.open;
  section.append(head, list);
  button.addEventListener("click", () => toggleGroup(g));
  g.dom = {section, button, counts, states, list};
}

function toggleGroup(g) {
  g.open = !g.open;
  g.dom.button.setAttribute("aria-expanded", String(g.open));
  g.dom.list.hidden = !g.open;
  if (g.open) {
    syncTiles(g);
  } else {  // a closed unit keeps no tiles: at 10,000 points only what is open costs DOM
    g.dom.list.replaceChildren();
    g.tiles.clear();
  }
  if (unitChoice && unitChoice.value !== g.key && g.open) {
    unitChoice.value = g.key;
    drawChart();
  }
}

function syncTiles(g) {
  const ordered = [...g.ids].map((id) => sites.get(id)).filter(Boolean)
    .sort((a, b) => (a.role === "host" ? -1 : 0) - (b.role === "host" ? -1 : 0) || a.name.localeCompare(b.name, locale));
  for (const [id, tile] of g.tiles) {
    if (!g.ids.has(id)) { tile.li.remove(); g.tiles.delete(id); }
  }
  const frag = document.createDocumentFragment();
  for (const s of ordered) {
    let tile = g.tiles.get(s.conference_site_id);
    if (!tile) {
      tile = buildTile(s);
      g.tiles.set(s.conference_site_id, tile);
    }
    frag.append(tile.li);
    paintTile(tile, s);
  }
  g.dom.list.append(frag);
}

function buildTile(s) {
  const li = el("li", "tile");
  li.dataset.site = s.conference_site_id;
  const name = el("span", "tile-name");
  const code = el("span", "tile-code");
  const state = el("span", "tile-state");
  const count = el("span", "tile-count");
  const absent = el("span", "tile-absent");
  li.append(name, code, state, count, absent);
  return {li, name, code, state, count, absent, last: {}};
}

/** Write only what changed in a tile (the last painted values are kept on it). */
function paintTile(tile, s) {
  const st = stateOf(s);
  const last = tile.last;
  if (last.name !== s.name) { tile.name.textContent = s.name; last.name = s.name; }
  if (last.code !== s.code) { tile.code.textContent = s.code; last.code = s.code; }
  const stateText = st === "lost" && s.connection_at
    ? t("lostSince", {time: clockTime(new Date(s.connection_at), tz)}) : t(`state_${st}`);
  if (last.state !== st) {
    tile.li.classList.remove(`st-${last.state}`);
    tile.li.classList.add(`st-${st}`);
    last.state = st;
  }
  if (last.stateText !== stateText) { tile.state.textContent = stateText; last.stateText = stateText; }
  const countText = t("presentOf", {present: num(s.present), expected: num(s.expected)});
  if (last.countText !== countText) { tile.count.textContent = countText; last.countText = countText; }
  const a = absentOf(s);
  const absentText = a == null ? "" : t("absent", {n: num(a)});
  if (last.absentText !== absentText) { tile.absent.textContent = absentText; last.absentText = absentText; }
  const host = s.role === "host";
  if (last.host !== host) { tile.li.classList.toggle("host", host); last.host = host; }
}

function paintGroup(g) {
  if (!g.dom) return;
  const a = g.agg;
  const counts = t("presentOf", {present: num(a.present), expected: num(a.expected)});
  if (g.dom.counts.textContent !== counts) g.dom.counts.textContent = counts;
  const parts = [t("pointsN", {n: num(a.points)})];
  if (a.lost) parts.push(t("lostN", {n: num(a.lost)}));
  if (a.not_checked_in) parts.push(t("notCheckedInN", {n: num(a.not_checked_in)}));
  const states = parts.join(" · ");
  if (g.dom.states.textContent !== states) g.dom.states.textContent = states;
  g.dom.section.classList.toggle("has-lost", a.lost > 0);
}

// ---- totals -----------------------------------------------------------------------------------------------------

const totalsEl = {
  present: document.getElementById("t-present"), expected: document.getElementById("t-expected"),
  absent: document.getElementById("t-absent"), points: document.getElementById("t-points"),
  connected: document.getElementById("t-connected"), ready: document.getElementById("t-ready"),
  lost: document.getElementById("t-lost"), not_checked_in: document.getElementById("t-not-checked-in"),
  bar: document.getElementById("t-bar"),
};

function paintTotals() {
  const all = emptyAgg();
  for (const g of groups.values()) for (const k in all) all[k] += g.agg[k];
  if (!layoutLoaded) for (const s of sites.values()) addTo(all, s, 1);
  const set = (node, text) => { if (node && node.textContent !== text) node.textContent = text; };
  set(totalsEl.present, num(totals.present));
  set(totalsEl.expected, num(totals.expected));
  set(totalsEl.absent, num(Math.max(0, (totals.expected || 0) - (totals.present || 0))));
  set(totalsEl.points, num(all.points));
  set(totalsEl.connected, num(all.connected + all.ready + all.testing));
  set(totalsEl.ready, num(all.ready));
  set(totalsEl.lost, num(all.lost));
  set(totalsEl.not_checked_in, num(all.not_checked_in));
  if (totalsEl.bar) {
    totalsEl.bar.max = Math.max(1, totals.expected || 0);
    totalsEl.bar.value = Math.min(totals.present || 0, totals.expected || 0);
  }
}

// ---- speakers: the lower third ---------------------------------------------------------------------------------

const third = {
  box: document.getElementById("lower-third"), name: document.getElementById("sp-name"),
  detail: document.getElementById("sp-detail"), clock: document.getElementById("sp-clock"),
  next: document.getElementById("sp-next"), item: document.getElementById("sp-item"),
};
let clockBase = null;  // {remaining, serverMs, paused}

function paintSpeakers() {
  const sp = speakers || {};
  const cur = sp.current;
  third.item.textContent = sp.agenda_item ? sp.agenda_item.title : (conference?.agenda_item?.title || "");
  if (cur) {
    third.box.classList.remove("idle");
    third.name.textContent = [cur.rank, cur.delegate_name].filter(Boolean).join(" ");
    third.detail.textContent = [cur.delegate_position, cur.unit_name, cur.site_name].filter(Boolean).join(" · ");
    clockBase = cur.remaining_seconds == null ? {elapsed: cur.elapsed_seconds, serverMs: Date.parse(sp.server_time),
                                                paused: cur.paused}
      : {remaining: cur.remaining_seconds, serverMs: Date.parse(sp.server_time), paused: cur.paused};
  } else {
    third.box.classList.add("idle");
    third.name.textContent = t("noSpeaker");
    third.detail.textContent = "";
    clockBase = null;
  }
  const waiting = (sp.waiting || []).slice(0, 3);
  const items = waiting.map((w) => {
    const li = el("li", "next-entry");
    li.dataset.entryId = w.id;
    li.append(el("span", "next-name", [w.rank, w.delegate_name].filter(Boolean).join(" ")),
              el("span", "next-site", w.site_name || ""));
    return li;
  });
  if (!items.length) items.push(el("li", "next-none", t("nobodyWaiting")));
  third.next.replaceChildren(...items);
  tickClock();
}

function fmtClock(seconds) {
  const s = Math.abs(Math.trunc(seconds));
  const text = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  return seconds < 0 ? `+${text}` : text;
}

function tickClock() {
  if (!clockBase) {
    if (third.clock.textContent) third.clock.textContent = "";
    third.clock.className = "sp-clock";
    return;
  }
  const since = clockBase.paused || !live ? 0 : (live.serverNow() - clockBase.serverMs) / 1000;
  let text;
  let cls = "sp-clock";
  if (clockBase.remaining != null) {
    const remaining = clockBase.remaining - since;
    third.clock.dataset.remaining = remaining.toFixed(2);
    text = fmtClock(remaining < 0 ? Math.floor(remaining) : Math.ceil(remaining));
    if (remaining < 0) cls += " overrun";
    else if (remaining <= 60) cls += " warning";
  } else {
    text = fmtClock(Math.floor((clockBase.elapsed || 0) + since));
  }
  if (clockBase.paused) {
    cls += " paused";
    text = `${text} · ${t("paused")}`;
  }
  if (third.clock.textContent !== text) third.clock.textContent = text;
  if (third.clock.className !== cls) third.clock.className = cls;
}

// ---- status marker -----------------------------------------------------------------------------------------------

const statusEl = document.getElementById("board-status");
const wallClock = document.getElementById("board-clock");

function showStatus({state, since, code, reason}) {
  root.dataset.state = state;
  let text = "";
  if (state === "connecting") text = t("connecting");
  else if (state === "stale") text = t("staleSince", {time: clockTime(since, tz)});
  else if (state === "degraded") text = t("degradedSince", {time: clockTime(since, tz)});
  else if (state === "closed") {
    if (code === 4401) text = token ? t("closedDisplay") : t("closedSession");
    else if (code === 4404 || code === 4403) text = t("closedNotFound");
    else text = t("closedOther", {reason: reason || String(code)});
  }
  statusEl.textContent = text;
  statusEl.hidden = !text;
  statusEl.className = `board-status st-${state}`;
  if (state === "live" && sinceLive === "stale") refreshSeries();
  sinceLive = state;
}
let sinceLive = null;

// ---- applying frames ---------------------------------------------------------------------------------------------

function queueFlush() {
  if (flushQueued) return;
  flushQueued = true;
  // rAF paints with the next frame; a hidden or throttled page still flushes within 250 ms
  let done = false;
  const run = () => { if (!done) { done = true; flush(); } };
  requestAnimationFrame(run);
  setTimeout(run, 250);
}

function flush() {
  flushQueued = false;
  for (const id of dirtySites) {
    const s = sites.get(id);
    const g = groups.get(siteGroup.get(id)) || groups.get(OTHER);
    const tile = g?.tiles.get(id);
    if (tile && s) paintTile(tile, s);
  }
  dirtySites.clear();
  for (const key of dirtyGroups) { const g = groups.get(key); if (g) paintGroup(g); }
  dirtyGroups.clear();
  if (dirtyTotals) { paintTotals(); dirtyTotals = false; }
  if (dirtySpeakers) { paintSpeakers(); dirtySpeakers = false; }
  if (pendingLags.length) {
    const now = live ? live.serverNow() : Date.now();
    for (const at of pendingLags) metrics.lags.push(now - at);
    if (metrics.lags.length > 20000) metrics.lags.splice(0, metrics.lags.length - 20000);
    metrics.applied += pendingLags.length;
    pendingLags = [];
  }
  if (metrics.firstRenderMs == null && sites.size && layoutLoaded) {
    metrics.firstRenderMs = performance.now();  // since navigation start
    root.dataset.rendered = "1";
    firstSeries();
  }
  root.dataset.seq = live?.lastSeq ?? "";
}

/** One site's new values (any subset of the snapshot's keys): the group's totals move by the difference. */
function updateSite(entry) {
  const id = entry.conference_site_id;
  const old = sites.get(id);
  if (!old) return false;  // a point the board does not know yet: its `sites` frame comes first
  const key = siteGroup.get(id) || OTHER;
  const g = groups.get(key);
  if (g && layoutLoaded) addTo(g.agg, old, -1);
  const merged = Object.assign(old, entry);
  if (g && layoutLoaded) { addTo(g.agg, merged, 1); dirtyGroups.add(key); }
  dirtySites.add(id);
  return true;
}

function onSnapshot(snap) {
  metrics.snapshots += 1;
  conference = {...snap.conference, agenda_item: snap.agenda_item};
  paintHeader();
  sites.clear();
  for (const s of snap.sites || []) sites.set(s.conference_site_id, {...s});
  totals = snap.totals || totals;
  speakers = snap.speakers || null;
  dirtySpeakers = true;
  if (snap.at) pendingLags.push(Date.parse(snap.at));
  const unknown = [...sites.keys()].some((id) => !siteGroup.has(id));
  if (layoutLoaded && unknown) loadLayout().catch(() => regroup());
  else regroup();
  if (snap.resync) refreshSeries();
  queueFlush();
}

function onEvent(frame) {
  metrics.frames += 1;
  switch (frame.type) {
    case "attendance": {
      // A `resync` frame brings what was missed while the server's link was down: when it happened is not in
      // it, so the chart is read again rather than given it all at this minute.
      const chart = !frame.resync;
      const before = totals.present || 0;
      for (const s of frame.sites || []) {
        const old = sites.get(s.conference_site_id);
        const delta = old ? (s.present ?? old.present) - old.present : 0;
        if (updateSite(s) && delta > 0 && chart) chartAdd(siteGroup.get(s.conference_site_id) || OTHER, delta);
      }
      if (frame.totals) {
        totals = frame.totals;
        if (totals.present > before && chart) chartAdd(null, totals.present - before);
      }
      if (!chart) refreshSeries();
      dirtyTotals = true;
      break;
    }
    case "site_status":
      for (const s of frame.sites || []) updateSite(s);
      dirtyTotals = true;
      break;
    case "sites": {
      let added = false;
      for (const s of frame.sites || []) {
        if (sites.has(s.conference_site_id)) updateSite(s);
        else { sites.set(s.conference_site_id, {...s}); added = true; }
      }
      for (const id of frame.removed || []) { sites.delete(id); added = true; }
      if (frame.totals) totals = frame.totals;
      if (added) loadLayout().catch(() => regroup());
      dirtyTotals = true;
      break;
    }
    case "conference":
      conference = {...frame.conference, agenda_item: frame.agenda_item};
      paintHeader();
      dirtySpeakers = true;
      break;
    case "speakers":
      if (speakers && frame.speakers && speakers.agenda_item_id === frame.speakers.agenda_item_id &&
          frame.speakers.version < speakers.version) break;  // an older list (docs/realtime.md)
      speakers = frame.speakers;
      dirtySpeakers = true;
      break;
    default:
      return;  // degraded (the client reports it as a status), error, types this board does not know
  }
  if (frame.at) pendingLags.push(Date.parse(frame.at));
  queueFlush();
}

const titleEl = document.getElementById("board-title");
const confStatusEl = document.getElementById("board-conf-status");

function paintHeader() {
  if (!conference) return;
  if (titleEl.textContent !== conference.title) titleEl.textContent = conference.title;
  const status = t(`status_${conference.status}`) || conference.status;
  if (confStatusEl.textContent !== status) confStatusEl.textContent = status;
  confStatusEl.className = `badge status-${conference.status}`;
}

// ---- attendance over time (uPlot) ----------------------------------------------------------------------------------

const chartBox = document.getElementById("board-chart");
const unitChoice = document.getElementById("chart-unit");
let series = null;   // {bucket, times: [s], total: [n], groups: {key: [n]}}
const MINUTES = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
const COUNTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000];
let chart = null;

function populateUnitChoice(list) {
  if (!unitChoice) return;
  const current = unitChoice.value;
  const options = [new Option(t("allUnits"), "")];
  for (const g of list) options.push(new Option(g.name, g.key));
  unitChoice.replaceChildren(...options);
  unitChoice.value = list.some((g) => g.key === current) ? current : "";
}

async function refreshSeries() {
  try {
    series = await api(`/api/conferences/${conferenceId}/attendance/series`);
  } catch (_) {
    return;
  }
  drawChart();
}

function chartData() {
  const key = unitChoice?.value || "";
  const per = key ? (series.groups[key] || series.times.map(() => 0)) : series.total;
  let run = 0;
  const cumulative = per.map((n) => (run += n));
  return [series.times, per, cumulative];
}

function drawChart() {
  if (!series || !chartBox) return;
  const data = chartData();
  const width = Math.max(200, chartBox.clientWidth || 400);
  const height = Math.max(140, chartBox.clientHeight || 220);
  if (chart) {
    chart.setData(data);
    return;
  }
  const fmtTime = (v) => clockTime(new Date(v * 1000), tz).slice(0, 5);
  chart = new uPlot({
    width, height, legend: {show: false}, cursor: {show: false},
    scales: {
      // at least ten minutes wide, so that a few minutes of data still read as minutes
      x: {time: true, range: (u, min, max) => [Math.min(min, max - 600), max + 60]},
      n: {range: (u, min, max) => [0, Math.max(4, max)]}, c: {range: (u, min, max) => [0, Math.max(4, max)]},
    },
    axes: [
      {stroke: "#c9d1d9", grid: {stroke: "#2d333b"}, space: 70, incrs: MINUTES, values: (u, vals) => vals.map(fmtTime)},
      {scale: "n", stroke: "#c9d1d9", grid: {stroke: "#2d333b"}, label: t("perMinute"), incrs: COUNTS,
       values: (u, vals) => vals.map(num)},
      {scale: "c", side: 1, stroke: "#7ee2a8", grid: {show: false}, label: t("cumulative"), incrs: COUNTS,
       values: (u, vals) => vals.map(num)},
    ],
    series: [
      {value: (u, v) => (v == null ? "" : fmtTime(v))},
      {label: t("perMinute"), scale: "n", stroke: "#58a6ff", fill: "rgba(88,166,255,0.35)",
       paths: uPlot.paths.bars({size: [0.8, 40]}), points: {show: false}},
      {label: t("cumulative"), scale: "c", stroke: "#7ee2a8", width: 2, points: {show: false}},
    ],
  }, data, chartBox);
}

/** A check-in seen live: add it to the current minute (the series is fetched again every minute). */
function chartAdd(groupKey, n) {
  if (!series) return;
  const bucket = series.bucket_seconds || 60;
  const now = Math.floor((live ? live.serverNow() : Date.now()) / 1000 / bucket) * bucket;
  const last = series.times.length ? series.times[series.times.length - 1] : null;
  if (last == null || now > last) {
    const from = last == null ? now : last + bucket;
    for (let x = from; x <= now; x += bucket) {
      series.times.push(x);
      series.total.push(0);
      for (const k in series.groups) series.groups[k].push(0);
    }
  }
  const i = series.times.length - 1;
  if (groupKey == null) series.total[i] += n;
  else {
    if (!series.groups[groupKey]) series.groups[groupKey] = series.times.map(() => 0);
    series.groups[groupKey][i] += n;
  }
  chartDirty = true;
}
let chartDirty = false;
setInterval(() => { if (chartDirty) { chartDirty = false; drawChart(); } }, 2000);
setInterval(refreshSeries, 60000);
unitChoice?.addEventListener("change", drawChart);
if (chartBox && "ResizeObserver" in window) {
  new ResizeObserver(() => {
    if (chart) chart.setSize({width: Math.max(200, chartBox.clientWidth), height: Math.max(140, chartBox.clientHeight)});
  }).observe(chartBox);
}

// ---- start ----------------------------------------------------------------------------------------------------------

setInterval(() => {
  tickClock();
  if (wallClock) wallClock.textContent = clockTime(new Date(live ? live.serverNow() : Date.now()), tz);
}, 250);

live = new LiveClient({conferenceId, token, onSnapshot, onEvent, onStatus: showStatus,
                       pingSeconds: Number(cfg.pingSeconds || 4), deadSeconds: Number(cfg.deadSeconds || 3)});
window.boardLive = live;
loadLayout().catch(() => { layoutLoaded = true; regroup(); });
live.start();
// The chart comes after the tiles (at national size its query competed with the first snapshot), or after 5 s
// when the live view is slow to come.
let seriesAsked = false;
function firstSeries() {
  if (seriesAsked) return;
  seriesAsked = true;
  refreshSeries();
}
setTimeout(firstSeries, 5000);

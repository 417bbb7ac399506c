// The delegate's page behind the personal link (/p/{token}): who speaks now and the delegate's place in the queue
// (the live view, authenticated with the personal link), asking for the floor (the JSON API with the link as the
// bearer token), and a service worker that keeps the page — the pass above all — readable without a network.
import { LiveClient, clockTime } from "./live-client.js";
import { clockOf } from "./speech-clock.js";

const root = document.getElementById("delegate");
const token = decodeURIComponent(window.location.pathname.split("/")[2] || "");
const $ = (id) => document.getElementById(id);

function fmt(text, values = {}) {
  return String(text).replace(/%\((\w+)\)s/g, (_, k) => (k in values ? String(values[k]) : ""));
}

function registerWorker() {
  if (!("serviceWorker" in navigator) || !token) return;
  const scope = `/p/${encodeURIComponent(token)}`;
  navigator.serviceWorker.register(`${scope}/sw.js`, {scope}).catch(() => { /* the page works without it */ });
}

registerWorker();

if (root && root.dataset.live === "true") {
  const T = JSON.parse(root.dataset.texts);
  const conferenceId = Number(root.dataset.conferenceId);
  const mine = Number(root.dataset.invitationId);
  const zone = root.dataset.timezone || undefined;
  const lang = document.documentElement.lang || "vi";
  const API = `/api/conferences/${conferenceId}/speakers`;
  let state = null;
  let live = null;
  let myRequests = [];
  let requestsKey = null;

  async function call(method, path, body = undefined) {
    const headers = {Accept: "application/json", "Accept-Language": lang, Authorization: `Bearer ${token}`};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API + path, {method, headers, credentials: "omit", cache: "no-store",
                                          body: body === undefined ? undefined : JSON.stringify(body)});
    } catch (_) {
      const error = new Error(T.no_network);
      error.code = "offline";
      throw error;
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = new Error(data?.detail || data?.title || String(response.status));
      error.code = data?.code;
      error.field = data?.field;
      throw error;
    }
    return data;
  }

  // ---- who speaks, and my place ----
  function render() {
    const s = state;
    if (!s) return;
    $("item-title").textContent = s.agenda_item ? s.agenda_item.title : T.no_item;
    document.querySelectorAll(".agenda-lines li[data-item-id]").forEach((li) => {
      const now = Number(li.dataset.itemId) === s.agenda_item_id;
      li.classList.toggle("now", now);
      li.querySelector(".now-badge").hidden = !now;
    });
    const current = s.current;
    $("speaker").textContent = current ? `${current.rank ? current.rank + " " : ""}${current.delegate_name}` : T.nobody;
    $("speaker-where").textContent = current ? [current.site_name, current.unit_name].filter(Boolean).join(" · ") : "";
    $("speaking").dataset.entryId = current ? String(current.id) : "";
    const waiting = s.waiting || [];
    const queue = $("queue");
    queue.replaceChildren(...waiting.map((e) => {
      const li = document.createElement("li");
      li.dataset.entryId = String(e.id);
      li.textContent = `${e.rank ? e.rank + " " : ""}${e.delegate_name} — ${e.site_name}`;
      if (e.invitation_id === mine) li.className = "me";
      return li;
    }));
    const place = waiting.findIndex((e) => e.invitation_id === mine);
    let text = T.not_listed;
    if (current && current.invitation_id === mine) text = T.you_speak;
    else if (place === 0) text = T.next;
    else if (place > 0) text = fmt(T.place, {n: place + 1, total: waiting.length});
    $("my-place").textContent = text;
    $("my-place").dataset.place = place >= 0 ? String(place + 1) : "";
    tick();
    const key = `${s.agenda_item_id}:${s.version}:${s.pending_requests}`;
    if (key !== requestsKey) {
      const first = requestsKey === null;
      requestsKey = key;
      if (first || myRequests.some((r) => r.status === "pending")) loadRequests();
    }
  }

  function tick() {
    const clock = $("clock");
    const current = state?.current;
    if (!current) {
      clock.textContent = "";
      clock.dataset.phase = "none";
      delete clock.dataset.remaining;
      return;
    }
    const c = clockOf(current, state.server_time, live ? live.serverNow() : Date.now());
    const word = c.phase === "overrun" ? T.over : c.phase === "paused" ? T.paused : c.remaining != null ? T.left : "";
    const text = word ? `${c.text} ${word}` : c.text;
    if (clock.textContent !== text) clock.textContent = text;
    clock.dataset.phase = c.phase;
    if (c.remaining == null) delete clock.dataset.remaining;
    else clock.dataset.remaining = c.remaining.toFixed(2);
    clock.dataset.elapsed = c.elapsed.toFixed(2);
  }

  // ---- my requests ----
  async function loadRequests() {
    try {
      myRequests = (await call("GET", "/requests?limit=20")).items.slice(-5).reverse();
      renderRequests();
    } catch (_) { /* offline: keep what is shown */ }
  }

  function renderRequests() {
    $("my-requests").replaceChildren(...myRequests.map((r) => {
      const li = document.createElement("li");
      li.dataset.requestId = String(r.id);
      li.dataset.status = r.status;
      const what = document.createElement("span");
      what.textContent = `${r.topic || r.agenda_item_title}${r.kind === "point_of_order" ? " (" + T.point_of_order + ")" : ""}: `;
      const status = document.createElement("strong");
      status.textContent = T[`status_${r.status}`] || r.status;
      li.append(what, status);
      if (r.status === "declined" && r.decline_reason) {
        const reason = document.createElement("span");
        reason.className = "reason";
        reason.textContent = " " + fmt(T.reason, {reason: r.decline_reason});
        li.append(reason);
      }
      if (r.status === "pending") {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = T.withdraw;
        button.addEventListener("click", () => withdraw(r.id));
        li.append(" ", button);
      }
      return li;
    }));
  }

  async function withdraw(id) {
    try {
      await call("POST", `/requests/${id}/withdraw`);
      $("request-done").textContent = T.withdrawn;
    } catch (error) {
      $("request-error").textContent = fmt(T.failed, {detail: error.message});
      $("request-error").hidden = false;
    }
    loadRequests();
  }

  function clearErrors(form) {
    $("request-error").hidden = true;
    for (const name of ["topic", "requested_minutes"]) {
      const small = $(`e-${name}`);
      small.hidden = true;
      form.elements[name].removeAttribute("aria-invalid");
      form.elements[name].removeAttribute("aria-describedby");
    }
  }

  $("request-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    clearErrors(form);
    $("request-done").textContent = "";
    const minutes = form.elements.requested_minutes.value.trim();
    const body = {topic: form.elements.topic.value.trim(),
                  kind: form.elements.kind.checked ? "point_of_order" : "ordinary"};
    if (minutes !== "") body.requested_minutes = Number(minutes);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await call("POST", "/requests", body);
      form.elements.topic.value = "";
      $("request-done").textContent = T.sent;
      await loadRequests();
    } catch (error) {
      const small = error.field ? $(`e-${error.field}`) : null;
      if (small && form.elements[error.field]) {
        small.textContent = error.message;
        small.hidden = false;
        form.elements[error.field].setAttribute("aria-invalid", "true");
        form.elements[error.field].setAttribute("aria-describedby", small.id);
        form.elements[error.field].focus();
      } else {
        $("request-error").textContent = error.code === "offline" ? T.no_network : fmt(T.failed, {detail: error.message});
        $("request-error").hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  });

  function onStatus({state: s, since}) {
    const box = $("live-status");
    box.dataset.state = navigator.onLine ? s : "offline";
    let text = {live: T.live, connecting: T.connecting, stale: fmt(T.stale, {time: clockTime(since, zone)}),
                degraded: T.live, closed: T.closed}[s] || s;
    if (!navigator.onLine && s !== "live") text = T.offline;
    box.textContent = text;
  }

  function show(next) {
    if (!next) return;
    state = next;
    render();
  }

  live = new LiveClient({
    conferenceId, token,
    onSnapshot: (snapshot) => show(snapshot.speakers),
    onEvent: (frame) => { if (frame.type === "speakers") show(frame.speakers); },
    onStatus,
  });
  live.start();
  setInterval(tick, 500);
  window.addEventListener("pagehide", () => live.stop());
}

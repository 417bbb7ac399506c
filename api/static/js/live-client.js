// The live view's client (docs/realtime.md): one websocket per screen, a snapshot then events in `seq` order,
// reconnect with backoff and `?since=<last seq>` after any close, the server's clock from the frames' `at`, and
// one status for the page to show: connecting → live, stale (the socket is down), degraded (the server says its
// live updates are interrupted), closed (a final close: the page must say why, e.g. log in again).
//
//   const live = new LiveClient({conferenceId: 2, onSnapshot, onEvent, onStatus});
//   live.start();
//
// Browser pages authenticate with the session cookie (nothing to pass); a display link or a delegate's personal
// link passes `token`. `onEvent` gets every frame that is not a snapshot (events with `seq`, and `degraded`,
// `error` and frame types this client does not know, which the page should ignore when it does not either).

// Closes after which reconnecting cannot help: bad URL, not signed in / token revoked, forbidden, not found.
export const FINAL_CLOSES = new Set([4400, 4401, 4403, 4404]);
// Closes after which the server wants a pause before the next try (the live view cannot start right now).
const SLOW_RETRY_CLOSES = new Set([1013]);

export class LiveClient {
  /**
   * @param {object} options
   * @param {number} options.conferenceId
   * @param {string|null} [options.token] a display-link or personal-link token (else the session cookie is used)
   * @param {number|null} [options.since] resume after this seq (the page already shows the state up to it)
   * @param {(snapshot: object) => void} [options.onSnapshot] a full state (first frame, or `resync: true`)
   * @param {(frame: object) => void} [options.onEvent] any other frame, in order; duplicates are dropped
   * @param {(status: {state: string, since: Date|null, code?: number, reason?: string}) => void} [options.onStatus]
   * @param {string} [options.url] the websocket URL without query (default: this origin's /ws/conferences/{id})
   * @param {number} [options.pingSeconds] how often to prove an idle socket is alive (0: never)
   * @param {number} [options.deadSeconds] no message for this long after a ping: the socket is dead
   * @param {number} [options.minBackoffMs] first reconnect delay; doubles up to maxBackoffMs (with jitter)
   * @param {number} [options.maxBackoffMs]
   */
  constructor({conferenceId, token = null, since = null, onSnapshot = () => {}, onEvent = () => {},
               onStatus = () => {}, url = null, pingSeconds = 4, deadSeconds = 3,
               minBackoffMs = 500, maxBackoffMs = 15000} = {}) {
    this.conferenceId = conferenceId;
    this.token = token;
    this.lastSeq = since == null ? null : Number(since);
    this.onSnapshot = onSnapshot;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.url = url || LiveClient.defaultUrl(conferenceId);
    this.pingMs = pingSeconds * 1000;
    this.deadMs = deadSeconds * 1000;
    this.minBackoffMs = minBackoffMs;
    this.maxBackoffMs = maxBackoffMs;

    this.state = null;          // the last status reported
    this.stateSince = null;     // Date: when the current state began (stale: when the socket went down)
    this.degradedSince = null;  // Date while the server says degraded
    this.offsetMs = 0;          // server clock − this clock (best estimate)
    this._offsets = [];         // recent samples (the largest is the one with the least latency)
    this._socket = null;
    this._attempt = 0;
    this._stopped = true;
    this._retryTimer = null;
    this._pingTimer = null;
    this._deadTimer = null;
    this._gotFrame = false;     // this socket delivered something (the server accepted us)
    this._lastMessageAt = 0;
  }

  static defaultUrl(conferenceId) {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/ws/conferences/${conferenceId}`;
  }

  /** Milliseconds since the epoch on the server's clock (corrected by the offset measured from the frames). */
  serverNow() {
    return Date.now() + this.offsetMs;
  }

  start() {
    if (!this._stopped) return this;
    this._stopped = false;
    this._status("connecting", new Date());
    window.addEventListener("online", this._onOnline);
    this._connect();
    return this;
  }

  /** The browser says the network is back: a socket waiting out its backoff (up to maxBackoffMs after a long
   * outage) tries again now, from the first delay. */
  _onOnline = () => {
    if (this._stopped || this._socket || !this._retryTimer) return;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._attempt = 0;
    this._connect();
  };

  stop() {
    this._stopped = true;
    window.removeEventListener("online", this._onOnline);
    this._clearTimers();
    if (this._socket) {
      const socket = this._socket;
      this._socket = null;
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      try { socket.close(1000, "bye"); } catch (_) { /* already closed */ }
    }
  }

  /** Send a message (JSON) if the socket is open; false otherwise (the caller tries again later). */
  send(obj) {
    const socket = this._socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(typeof obj === "string" ? obj : JSON.stringify(obj));
    return true;
  }

  // --- the socket ---------------------------------------------------------------------------------------------

  _connect() {
    if (this._stopped) return;
    const query = new URLSearchParams();
    if (this.token) query.set("token", this.token);
    if (this.lastSeq != null) query.set("since", String(this.lastSeq));
    const qs = query.toString();
    let socket;
    try {
      socket = new WebSocket(qs ? `${this.url}?${qs}` : this.url);
    } catch (e) {
      this._lost(0, String(e));
      return;
    }
    this._socket = socket;
    this._gotFrame = false;
    socket.onopen = () => {
      if (socket !== this._socket) return;
      this._lastMessageAt = Date.now();
      // Degraded is what one worker says of its own link: a new socket (maybe to another worker) starts clear,
      // and a worker that is degraded says so again before it answers anything (docs/realtime.md).
      this.degradedSince = null;
      // A resumed socket may get no frame at all (nothing happened meanwhile): a ping's answer tells us that
      // the server admitted us. Answers come after the snapshot or the catch-up frames.
      this._ping();
      this._schedulePing();
    };
    socket.onmessage = (message) => {
      if (socket !== this._socket) return;
      this._receive(message.data);
    };
    socket.onclose = (event) => {
      if (socket !== this._socket) return;
      this._socket = null;
      this._lost(event.code, event.reason);
    };
    socket.onerror = () => { /* always followed by close */ };
  }

  _receive(data) {
    this._lastMessageAt = Date.now();
    this._clearDead();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch (_) {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    if (frame.at) this._clockSample(frame.at);
    if (!this._gotFrame) {
      this._gotFrame = true;
      this._attempt = 0;
    }
    if (frame.type === "error" && frame.code === "unknown_type" && this._pinging) {
      this._pinging = false;  // our ping's answer: the socket is alive
      this._admitted();
      return;
    }
    if (frame.type === "pong") {
      this._pinging = false;
      if (frame.degraded === true) this._setDegraded(frame.since || frame.at);
      this._admitted();
      return;
    }
    if (frame.type === "snapshot") {
      if (frame.seq != null) this.lastSeq = frame.seq;
      this.onSnapshot(frame);
      if (frame.degraded) this._setDegraded(frame.degraded_since || frame.at);
      else this.degradedSince = null;
      this._admitted();
      return;
    }
    if (frame.seq != null) {
      if (this.lastSeq != null && frame.seq <= this.lastSeq) return;  // seen already (a resumed socket)
      this.lastSeq = frame.seq;
    }
    if (frame.type === "degraded") {
      if (frame.degraded === false) this.degradedSince = null;
      else this._setDegraded(frame.since || frame.at);
    }
    this.onEvent(frame);
    this._admitted();
  }

  _setDegraded(since) {
    const when = since ? new Date(since) : new Date(this.serverNow());
    this.degradedSince = Number.isNaN(when.getTime()) ? new Date(this.serverNow()) : when;
  }

  /** The socket answered: report live, or degraded while the server says so. */
  _admitted() {
    if (this.degradedSince) {
      if (this.state !== "degraded") this._status("degraded", this.degradedSince);
    } else if (this.state !== "live") {
      this._status("live", new Date());
    }
  }

  _lost(code, reason) {
    this._clearTimers();
    if (this._stopped) return;
    if (FINAL_CLOSES.has(code)) {
      this._stopped = true;
      this._status("closed", new Date(), code, reason);
      return;
    }
    // Stale since the last message of the socket that went down (on the server's clock), kept across failed
    // attempts: the page shows since when what it shows may be old.
    if (this.state === "stale") {
      this.onStatus({state: "stale", since: this.stateSince, code, reason, attempt: this._attempt});
    } else {
      const last = this._lastMessageAt || Date.now();
      this._status("stale", new Date(last + this.offsetMs), code, reason);
    }
    const base = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this._attempt);
    let delay = base / 2 + Math.random() * base / 2;
    if (SLOW_RETRY_CLOSES.has(code)) delay = Math.max(delay, 2000 + Math.random() * 2000);
    this._attempt = Math.min(this._attempt + 1, 20);
    this._retryTimer = setTimeout(() => {
      this._retryTimer = null;
      this._connect();
    }, delay);
  }

  _status(state, since, code = undefined, reason = undefined) {
    this.state = state;
    this.stateSince = since;
    this.onStatus({state, since, code, reason});
  }

  // --- liveness: an idle socket that the network dropped may never close by itself ----------------------------

  _ping() {
    // Any message proves the socket is alive; the server answers a ping (an unknown type) with an error frame.
    if (this.send({type: "ping"})) {
      this._pinging = true;
      this._clearDead();
      if (this.deadMs > 0) {
        this._deadTimer = setTimeout(() => this._dead(), this.deadMs);
      }
    }
  }

  _schedulePing() {
    if (this.pingMs <= 0) return;
    clearInterval(this._pingTimer);
    // Checked every second: a socket idle for pingMs is pinged (a busy one never is).
    this._pingTimer = setInterval(() => {
      if (!this._deadTimer && Date.now() - this._lastMessageAt >= this.pingMs) this._ping();
    }, Math.min(1000, this.pingMs));
  }

  _dead() {
    this._deadTimer = null;
    const socket = this._socket;
    if (!socket) return;
    this._socket = null;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try { socket.close(4000, "no answer"); } catch (_) { /* gone */ }
    this._lost(1006, "no answer from the server");
  }

  _clearDead() {
    if (this._deadTimer) {
      clearTimeout(this._deadTimer);
      this._deadTimer = null;
    }
  }

  _clearTimers() {
    this._clearDead();
    clearInterval(this._pingTimer);
    this._pingTimer = null;
    if (this._retryTimer) {
      clearTimeout(this._retryTimer);
      this._retryTimer = null;
    }
    this._pinging = false;
  }

  // --- the server's clock ---------------------------------------------------------------------------------------

  _clockSample(at) {
    const server = Date.parse(at);
    if (Number.isNaN(server)) return;
    // at − now ≤ the true offset (the frame took some time to arrive): the largest recent sample is the best.
    this._offsets.push(server - Date.now());
    if (this._offsets.length > 30) this._offsets.shift();
    this.offsetMs = Math.max(...this._offsets);
  }
}

/** "hh:mm:ss" of a Date in a time zone (the conference's), for markers such as "stale since 08:31:40". */
export function clockTime(date, timeZone) {
  if (!date) return "";
  try {
    return new Intl.DateTimeFormat("en-GB", {hour: "2-digit", minute: "2-digit", second: "2-digit",
                                             hour12: false, timeZone}).format(date);
  } catch (_) {
    return date.toTimeString().slice(0, 8);
  }
}

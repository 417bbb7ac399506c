// The desk without a link: the offline kit and the queue of scans in IndexedDB, passes verified with WebCrypto
// (Ed25519), the kit's rules (desk-rules.js), and the upload through the idempotent batch endpoint.
//
// Exactly once: a queued scan keeps its nonce until the server has answered it. An upload interrupted by a
// reload is simply sent again; the server replays the nonces it has seen (docs/checkin.md), so nothing counts
// twice. Several tabs of one desk take turns through a Web Lock.
import { INVALID, decide } from "./desk-rules.js";

const DB_NAME = "bridgepoint-desk";
const DB_VERSION = 1;
const UPLOAD_CHUNK = 1000;

// --- IndexedDB ---------------------------------------------------------------------------------------------------

let dbPromise = null;

export function openDb() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("kits")) db.createObjectStore("kits");  // key: desk key
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");  // key: desk key + ":" + name
        if (!db.objectStoreNames.contains("queue")) {
          const queue = db.createObjectStore("queue", {keyPath: "nonce"});
          queue.createIndex("desk", "desk");
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

function tx(db, stores, mode, work) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(stores, mode);
    let result;
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
    result = work(t);
  });
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

// --- passes ----------------------------------------------------------------------------------------------------

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(text) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  if (bits >= 5) return null;  // not a length base32 can have
  return new Uint8Array(out);
}

function varints(bytes) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const byte of bytes) {
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (shift > 63) return null;
    if (!(byte & 0x80)) {
      values.push(value);
      value = 0;
      shift = 0;
    }
  }
  return shift ? null : values;
}

/** {conference_id, invitation_id, conference_site_id, version} of a genuine pass, or null (domain/passes.py). */
export async function readPass(keys, text) {
  const clean = String(text).trim().toUpperCase();
  if (!clean.startsWith("BP") || clean.length > 400) return null;
  const raw = base32(clean.slice(2));
  if (!raw || raw.length < 2 + 64 || raw[0] !== 1) return null;
  const key = keys.get(raw[1]);
  if (!key) return null;
  const body = raw.slice(0, raw.length - 64);
  const signature = raw.slice(raw.length - 64);
  let genuine = false;
  try {
    genuine = await crypto.subtle.verify({name: "Ed25519"}, key, signature, body);
  } catch (_) {
    return null;
  }
  if (!genuine) return null;
  const fields = varints(body.slice(2));
  if (!fields || fields.length !== 4) return null;
  const [conference_id, invitation_id, conference_site_id, version] = fields;
  return {conference_id, invitation_id, conference_site_id, version};
}

async function importKeys(kit) {
  const keys = new Map();
  for (const [kid, b64] of Object.entries(kit.keys)) {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    keys.set(Number(kid), await crypto.subtle.importKey("raw", raw, {name: "Ed25519"}, false, ["verify"]));
  }
  return keys;
}

// --- the desk's offline state -------------------------------------------------------------------------------------

export class OfflineDesk {
  /**
   * @param {{conferenceId: number, conferenceSiteId: number, csrf: string}} options
   */
  constructor({conferenceId, conferenceSiteId, csrf}) {
    this.conferenceId = conferenceId;
    this.conferenceSiteId = conferenceSiteId;
    this.csrf = csrf;
    this.desk = `${conferenceId}:${conferenceSiteId}`;
    this.kit = null;
    this.keys = new Map();
    this.seats = new Map();     // invitation id → roster seat (present kept current by this desk)
    this.revoked = new Set();
    this.lastSync = null;       // Date of the last upload the server answered
    this.kitAt = null;          // Date the kit was downloaded
  }

  get base() {
    return `/api/conferences/${this.conferenceId}/checkin`;
  }

  /** The kit kept from an earlier visit, then a fresh one if the server can be reached. */
  async load() {
    const db = await openDb();
    const [kit, lastSync] = await tx(db, ["kits", "meta"], "readonly", (t) => Promise.all([
      request(t.objectStore("kits").get(this.desk)),
      request(t.objectStore("meta").get(`${this.desk}:lastSync`)),
    ]));
    if (lastSync) this.lastSync = new Date(lastSync);
    if (kit) await this._use(kit.kit, new Date(kit.at));
    return this;
  }

  async _use(kit, at) {
    this.kit = kit;
    this.kitAt = at;
    this.keys = await importKeys(kit);
    this.seats = new Map(kit.roster.map((seat) => [seat.invitation_id, seat]));
    this.revoked = new Set(kit.revoked.map((r) => r.invitation_id));
    // What this desk queued but the server has not heard yet counts as done (a reload must not forget it).
    for (const item of await this.queued()) this._remember(item.invitation_id, item.direction, item.local_result);
  }

  /** Download the kit (while online); false when the server cannot be reached. */
  async refresh() {
    let response;
    try {
      response = await fetch(`${this.base}/offline-kit?conference_site_id=${this.conferenceSiteId}`,
                             {credentials: "same-origin", cache: "no-store"});
    } catch (_) {
      return false;
    }
    if (!response.ok) return false;
    const kit = await response.json();
    const at = new Date();
    const db = await openDb();
    await tx(db, ["kits"], "readwrite", (t) => t.objectStore("kits").put({kit, at: at.toISOString()}, this.desk));
    await this._use(kit, at);
    return true;
  }

  siteName(conferenceSiteId) {
    return this.kit?.sites.find((s) => s.conference_site_id === conferenceSiteId)?.name || "";
  }

  /** The seat of an invitation in the kit (for names), or undefined. */
  seat(invitationId) {
    return this.seats.get(invitationId);
  }

  _remember(invitationId, direction, result) {
    const seat = this.seats.get(invitationId);
    if (seat && result === "ok") seat.present = direction === "in";
  }

  /** The server said so (an online scan): keep the memory current for the next outage. */
  learn(answer) {
    if (answer.invitation_id == null) return;
    const seat = this.seats.get(answer.invitation_id);
    if (!seat) return;
    if (answer.result === "ok") seat.present = answer.direction === "in";
    else if (answer.result === "already_checked_in") seat.present = true;
    else if (answer.result === "not_checked_in") seat.present = false;
  }

  /** Decide a scan from the kit alone and queue it; returns the queued item (with `local_result`). */
  async decideAndQueue({text, nonce, direction, at}) {
    const started = performance.now();
    let result = INVALID;
    let invitationId = null;
    let homeSite = null;
    if (this.kit) {
      const claims = await readPass(this.keys, text);
      if (claims && claims.conference_id === this.kit.conference.id) {
        invitationId = claims.invitation_id;
        result = decide(this.kit, claims, {conferenceSiteId: this.conferenceSiteId, direction, at: at.getTime(),
                                           present: (id) => Boolean(this.seats.get(id)?.present)});
        const seat = this.seats.get(claims.invitation_id);
        homeSite = seat ? seat.conference_site_id : claims.conference_site_id;
      }
    }
    const item = {
      nonce, desk: this.desk, text, direction, scanned_at: at.toISOString(),
      conference_site_id: this.conferenceSiteId, local_result: result, invitation_id: invitationId,
      home_site: homeSite, kit_id: this.kit?.kit_id ?? null, decided_ms: performance.now() - started,
    };
    this._remember(invitationId, direction, result);
    const db = await openDb();
    await tx(db, ["queue"], "readwrite", (t) => t.objectStore("queue").put(item));
    return item;
  }

  /** Every scan of this desk waiting for the server, oldest first. */
  async queued() {
    const db = await openDb();
    const items = await tx(db, ["queue"], "readonly",
                           (t) => request(t.objectStore("queue").index("desk").getAll(this.desk)));
    return items.sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
  }

  /**
   * Send the queue up; resolves with the server's results of this call (each with `local_result`) or null when
   * the server cannot be reached. A result the server answered is taken off the queue only then.
   */
  async upload() {
    const run = () => this._upload();
    if (navigator.locks) return navigator.locks.request(`bridgepoint-desk-upload-${this.desk}`, run);
    return run();
  }

  async _upload() {
    const answered = [];
    for (;;) {
      const items = (await this.queued()).slice(0, UPLOAD_CHUNK);
      if (!items.length) return answered;
      let response;
      try {
        response = await fetch(`${this.base}/offline`, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRF-Token": this.csrf},
          body: JSON.stringify({scans: items.map((i) => ({
            text: i.text, nonce: i.nonce, scanned_at: i.scanned_at, conference_site_id: i.conference_site_id,
            direction: i.direction, ...(i.kit_id ? {kit_id: i.kit_id} : {})}))}),
        });
      } catch (_) {
        return answered.length ? answered : null;
      }
      if (!response.ok) {
        if (response.status >= 500 || response.status === 429) return answered.length ? answered : null;
        // Refused as a whole (e.g. 400/422): keep the scans, say so; nothing was recorded.
        const problem = await response.json().catch(() => ({}));
        const error = new Error(problem.detail || `HTTP ${response.status}`);
        error.problem = problem;
        throw error;
      }
      const body = await response.json();
      const byNonce = new Map(items.map((i) => [i.nonce, i]));
      const db = await openDb();
      await tx(db, ["queue", "meta"], "readwrite", (t) => {
        for (const r of body.results) t.objectStore("queue").delete(r.nonce);
        t.objectStore("meta").put(new Date().toISOString(), `${this.desk}:lastSync`);
      });
      this.lastSync = new Date();
      for (const r of body.results) {
        const local = byNonce.get(r.nonce);
        answered.push({...r, local_result: local?.local_result, scanned_at: local?.scanned_at, text: local?.text});
        this.learn(r);
      }
    }
  }

  /** Diacritics-blind search of the kit's roster at this desk (the manual list while offline). */
  search(q, limit = 20) {
    const needle = fold(q);
    const out = [];
    for (const seat of this.seats.values()) {
      if (seat.conference_site_id !== this.conferenceSiteId) continue;
      if (!needle || fold(seat.full_name).includes(needle)) out.push(seat);
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** Lower case without Vietnamese diacritics (as domain/text.py fold). */
export function fold(text) {
  return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d")
    .replace(/Đ/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
}

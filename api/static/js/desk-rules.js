// The check-in rules of a desk without a link: a small mirror of domain/checkin/rules.py (`decide`, `window`)
// and of the kit check of domain/checkin/offline.py (`verify_with_kit`). The server has the last word: every
// scan decided here is uploaded later and the server's answer replaces this one.
// tests/checkin/test_desk_rules_js.py runs this file with node and compares its outcomes with the server's.

export const OK = "ok";
export const ALREADY = "already_checked_in";
export const WRONG_SITE = "wrong_site";
export const REVOKED = "revoked";
export const INVALID = "invalid";
export const NOT_OPEN = "not_open";
export const ENDED = "conference_ended";
export const NOT_IN = "not_checked_in";
export const OUTCOMES = [OK, ALREADY, WRONG_SITE, REVOKED, INVALID, NOT_OPEN, ENDED, NOT_IN];
// Outcomes only the server gives (an uploaded scan whose time it does not accept).
export const OUT_OF_RANGE = "scanned_at_out_of_range";
export const SERVER_ONLY = [OUT_OF_RANGE];

/** One sound and colour per class of outcome. */
export const CLASS_OF = {
  [OK]: "ok", [ALREADY]: "warn", [WRONG_SITE]: "warn", [NOT_IN]: "warn",
  [NOT_OPEN]: "closed", [ENDED]: "closed", [REVOKED]: "bad", [INVALID]: "bad", [OUT_OF_RANGE]: "closed",
};

/** The check-in window (rules.window); times are milliseconds since the epoch. Offline scans only. */
export function windowOf(conference, at) {
  const status = conference.status;
  if (status === "cancelled") return ENDED;   // an offline scan made before the end still counts once ended
  if (status === "draft") return NOT_OPEN;
  if (status === "live") return null;  // meetings overrun: a live conference's desks stay open
  if (at < Date.parse(conference.checkin_opens_at)) return NOT_OPEN;
  return at > Date.parse(conference.ends_at) ? ENDED : null;
}

/**
 * The outcome of a genuine pass (signature and conference already checked) from the kit and the desk's memory.
 * @param {object} kit the offline kit (docs/checkin.md)
 * @param {{invitation_id: number, version: number}} claims what the pass says
 * @param {{conferenceSiteId: number, direction: string, at: number, present: (id: number) => boolean}} scan
 */
export function decide(kit, claims, scan) {
  // The server's order (rules.decide): revoked, then the window, then the point, then presence. A pass missing
  // from the kit's roster and from its revoked list is active at a point whose roster this desk does not hold.
  const seat = kit.roster.find((r) => r.invitation_id === claims.invitation_id);
  if (!seat && kit.revoked.some((r) => r.invitation_id === claims.invitation_id)) return REVOKED;
  if (seat && seat.pass_version !== claims.version) return REVOKED;
  const closed = windowOf(kit.conference, scan.at);
  if (closed) return closed;
  if (!seat || seat.conference_site_id !== scan.conferenceSiteId) return WRONG_SITE;
  const present = scan.present(claims.invitation_id);
  if (scan.direction === "out") return present ? OK : NOT_IN;
  return present ? ALREADY : OK;
}
